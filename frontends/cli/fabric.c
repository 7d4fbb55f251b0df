/* SPDX-License-Identifier: MIT */
/*
 * `cxlemu fabric --listen PATH`: a switch model (lib/vcs) behind a switch
 * CCI, served on an FM socket until SIGINT or SIGTERM.  No host emulator is
 * attached in this mode, so binds and unbinds complete at once (the switch
 * has no host callbacks); a Generate AER Event is printed on stderr.
 *
 * Every MLD port gets an MLD model (struct cxlemu_mld: memory size, LD
 * allocations) and its FM-owned LD's CCI, attached to the port, which the
 * FM reaches with the Tunnel Management Command (5300h) to run Get LD Info
 * and Get/Set LD Allocations (5400h-5402h).
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cxlemu/cxlemu.h>

#include "fm.h"
#include "translate.h"

/* Memory of an MLD whose SPEC item names no size, and its allocation
 * granularity (CXLEMU_MLD_GRAN_256M). */
#define FABRIC_MLD_SIZE (UINT64_C(4) << 30)
#define FABRIC_MLD_SIZE_TEXT "4G"
#define FABRIC_MLD_GRAN (UINT64_C(256) << 20)

static const char fabric_usage[] =
	"usage: cxlemu fabric --listen PATH [--switch SPEC] [--once] [--timeout SECONDS] [-v]\n"
	"\n"
	"Runs a switch and serves its FM-API (MCTP type 07h messages, length-prefixed)\n"
	"on the Unix socket PATH until SIGINT or SIGTERM.\n"
	"  --switch SPEC      the switch, as comma-separated items:\n"
	"                       portN=usp|dsp|sld|mld:LDS[:SIZE]|pcie|type1|type2|switch|disabled\n"
	"                       vcsN=USP:VPPBS  (VCS N, its upstream port, its vPPB count)\n"
	"                     an MLD has LDS LDs (1..16) and SIZE bytes of memory (K/M/G/T\n"
	"                     suffix; a multiple of 256 MiB, the allocation granularity;\n"
	"                     default " FABRIC_MLD_SIZE_TEXT "), split evenly between its LDs at start\n"
	"                     ports and VCSs not named below the highest are disabled\n"
	"                     default: " FABRIC_DEFAULT_SWITCH "\n"
	"  --once             exit when the first client has gone and no other is connected\n"
	"  --timeout SECONDS  exit after SECONDS\n"
	"  -v                 log switch changes on stderr\n"
	"No hosts are attached: binds and unbinds complete immediately.\n";

struct fabric {
	uint64_t next_poll; /* when the CCI asked to be polled; UINT64_MAX: never */
	/* By port ID: an MLD port's memory size (0: not an MLD port), its
	 * MLD model and the FM-owned LD's CCI attached to the port. */
	uint64_t mld_size[CXLEMU_SWITCH_MAX_PORTS];
	struct cxlemu_mld *mld[CXLEMU_SWITCH_MAX_PORTS];
	struct cxlemu_cci *ldfm[CXLEMU_SWITCH_MAX_PORTS];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_cb(void *opaque)
{
	(void)opaque;
	return mono_ns();
}

static void log_cb(void *opaque, int level, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "cxlemu fabric: %s%s\n", level <= CXLEMU_LOG_ERR ? "error: " : "", msg);
}

static void schedule_cb(void *opaque, uint64_t when)
{
	struct fabric *f = opaque;

	if (when < f->next_poll)
		f->next_poll = when;
}

static void aer_cb(void *opaque, unsigned int vcs, unsigned int inst, unsigned int sev,
		   unsigned int bit, const uint8_t header[32])
{
	(void)opaque;
	(void)header;
	fprintf(stderr, "cxlemu fabric: AER %s error bit %u on VCS %u vPPB instance %u\n",
		sev ? "uncorrectable" : "correctable", bit, vcs, inst);
}

static bool num(const char *s, size_t len, uint64_t max, unsigned int *v)
{
	uint64_t x;

	if (!parse_u64(s, len, &x) || x > max)
		return false;
	*v = (unsigned int)x;
	return true;
}

/* Parses a port's KIND; an MLD's memory size goes to @mld_size. */
static int port_kind(const char *k, struct cxlemu_switch_port_config *p, uint64_t *mld_size)
{
	static const struct {
		const char *name;
		uint8_t type, dev;
	} kinds[] = {
		{ "usp", CXLEMU_SWITCH_PORT_USP, CXLEMU_SWITCH_DEV_NONE },
		{ "dsp", CXLEMU_SWITCH_PORT_DSP, CXLEMU_SWITCH_DEV_NONE },
		{ "sld", CXLEMU_SWITCH_PORT_DSP, CXLEMU_SWITCH_DEV_SLD },
		{ "pcie", CXLEMU_SWITCH_PORT_DSP, CXLEMU_SWITCH_DEV_PCIE },
		{ "type1", CXLEMU_SWITCH_PORT_DSP, CXLEMU_SWITCH_DEV_TYPE1 },
		{ "type2", CXLEMU_SWITCH_PORT_DSP, CXLEMU_SWITCH_DEV_TYPE2 },
		{ "switch", CXLEMU_SWITCH_PORT_DSP, CXLEMU_SWITCH_DEV_SWITCH },
		{ "disabled", CXLEMU_SWITCH_PORT_DISABLED, CXLEMU_SWITCH_DEV_NONE },
	};
	const char *size;
	unsigned int lds, i;

	memset(p, 0, sizeof(*p));
	*mld_size = 0;
	if (!strncmp(k, "mld:", 4)) {
		size = strchr(k + 4, ':');
		if (!num(k + 4, size ? (size_t)(size - k - 4) : strlen(k + 4),
			 CXLEMU_SWITCH_MAX_LDS, &lds) || !lds)
			return -1;
		*mld_size = FABRIC_MLD_SIZE;
		if (size && (!parse_size(size + 1, strlen(size + 1), mld_size) || !*mld_size ||
			     *mld_size % FABRIC_MLD_GRAN))
			return -1;
		p->type = CXLEMU_SWITCH_PORT_DSP;
		p->attached = CXLEMU_SWITCH_DEV_MLD;
		p->ld_count = (uint8_t)lds;
		return 0;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(k, kinds[i].name)) {
			p->type = kinds[i].type;
			p->attached = kinds[i].dev;
			return 0;
		}
	return -1;
}

/* Parses a --switch SPEC into @cfg and the MLDs' memory sizes into
 * @mld_size (by port ID); prints what is wrong. */
static int parse_switch(const char *spec, struct cxlemu_switch_config *cfg,
			uint64_t *mld_size)
{
	bool port_seen[CXLEMU_SWITCH_MAX_PORTS] = { false };
	bool vcs_seen[CXLEMU_SWITCH_MAX_VCS] = { false };
	char *copy = strdup(spec), *tok, *save = NULL;
	unsigned int nports = 0, nvcs = 0, id, a, b;
	int rc = -1;

	if (!copy)
		return -1;
	cxlemu_switch_config_init(cfg);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *colon;

		if (eq && !strncmp(tok, "port", 4) &&
		    num(tok + 4, (size_t)(eq - tok - 4), CXLEMU_SWITCH_MAX_PORTS - 1, &id)) {
			if (port_seen[id] || port_kind(eq + 1, &cfg->ports[id], &mld_size[id])) {
				fprintf(stderr, "cxlemu: --switch: bad or repeated item '%s'\n", tok);
				goto out;
			}
			port_seen[id] = true;
			if (id + 1 > nports)
				nports = id + 1;
		} else if (eq && !strncmp(tok, "vcs", 3) &&
			   num(tok + 3, (size_t)(eq - tok - 3), CXLEMU_SWITCH_MAX_VCS - 1, &id)) {
			colon = strchr(eq + 1, ':');
			if (vcs_seen[id] || !colon ||
			    !num(eq + 1, (size_t)(colon - eq - 1), CXLEMU_SWITCH_MAX_PORTS - 1, &a) ||
			    !num(colon + 1, strlen(colon + 1), CXLEMU_SWITCH_MAX_VPPBS, &b)) {
				fprintf(stderr, "cxlemu: --switch: bad or repeated item '%s'\n", tok);
				goto out;
			}
			vcs_seen[id] = true;
			cfg->vcs[id].enabled = 1;
			cfg->vcs[id].usp = (uint8_t)a;
			cfg->vcs[id].nvppbs = (uint8_t)b;
			if (id + 1 > nvcs)
				nvcs = id + 1;
		} else {
			fprintf(stderr, "cxlemu: --switch: unknown item '%s' (portN=KIND or vcsN=USP:VPPBS)\n",
				tok);
			goto out;
		}
	}
	if (!nports) {
		fprintf(stderr, "cxlemu: --switch: no ports\n");
		goto out;
	}
	cfg->nports = (uint16_t)nports;
	cfg->nvcs = (uint16_t)nvcs;
	rc = 0;
out:
	free(copy);
	return rc;
}

/* An MLD model and its FM-owned LD's CCI for every MLD port, attached to
 * the port: 256 MiB granularity, the memory split evenly between the LDs
 * (whole units; a remainder stays unallocated). */
static int add_mlds(struct fabric *f, struct cxlemu_ctx *ctx, struct cxlemu_switch *sw,
		    const struct cxlemu_switch_config *scfg)
{
	struct cxlemu_mld_config mcfg;
	struct cxlemu_cci_config ccfg;
	unsigned int port, ld;

	for (port = 0; port < scfg->nports; port++) {
		const struct cxlemu_switch_port_config *p = &scfg->ports[port];

		if (p->type != CXLEMU_SWITCH_PORT_DSP || p->attached != CXLEMU_SWITCH_DEV_MLD)
			continue;
		cxlemu_mld_config_init(&mcfg);
		mcfg.ld_count = p->ld_count;
		mcfg.granularity = CXLEMU_MLD_GRAN_256M;
		mcfg.memory_size = f->mld_size[port];
		for (ld = 0; ld < p->ld_count; ld++)
			mcfg.range1[ld] = f->mld_size[port] / FABRIC_MLD_GRAN / p->ld_count;
		if (cxlemu_mld_new(ctx, &mcfg, &f->mld[port]))
			return -1;
		memset(&ccfg, 0, sizeof(ccfg));
		ccfg.version = CXLEMU_CCI_CONFIG_VERSION;
		ccfg.kind = CXLEMU_CCI_LD_FM;
		ccfg.payload_size = 4096;
		ccfg.component_type = 3;  /* a type 3 device */
		ccfg.serial = port;
		ccfg.mld = f->mld[port];
		if (cxlemu_cci_new(ctx, &ccfg, &f->ldfm[port]))
			return -1;
		if (cxlemu_switch_set_port_cci(sw, port, f->ldfm[port])) {
			cxlemu_cci_free(f->ldfm[port]);
			f->ldfm[port] = NULL;
			return -1;
		}
	}
	return 0;
}

/* Undoes add_mlds(): each CCI leaves its port before it is freed, the MLD
 * goes after the CCI that points at it. */
static void free_mlds(struct fabric *f, struct cxlemu_switch *sw)
{
	unsigned int port;

	for (port = 0; port < CXLEMU_SWITCH_MAX_PORTS; port++) {
		if (f->ldfm[port])
			cxlemu_switch_set_port_cci(sw, port, NULL);
		cxlemu_cci_free(f->ldfm[port]);
		cxlemu_mld_free(f->mld[port]);
		f->ldfm[port] = NULL;
		f->mld[port] = NULL;
	}
}

static void nothing(int sig)
{
	(void)sig;
}

/* The serving loop: returns when a signal comes, --once is satisfied or
 * the deadline passes. */
static int serve(struct fabric *f, struct cxlemu_fmsock_server *srv, struct cxlemu_cci *cci,
		 bool once, uint64_t end, const sigset_t *wait_mask)
{
	struct pollfd *fds = NULL;
	size_t cap = 0;
	int rc = 0;

	for (;;) {
		size_t n = cxlemu_fmsock_server_pollfds(srv, fds, cap);
		uint64_t now = mono_ns(), wake = end < f->next_poll ? end : f->next_poll;
		struct timespec ts, *tsp = NULL;
		int r;

		if (n > cap) {
			struct pollfd *p = realloc(fds, n * sizeof(*p));

			if (!p) {
				rc = 1;
				break;
			}
			fds = p;
			cap = n;
			continue;
		}
		if (wake != UINT64_MAX) {
			uint64_t d = wake > now ? wake - now : 0;

			ts.tv_sec = (time_t)(d / 1000000000u);
			ts.tv_nsec = (long)(d % 1000000000u);
			tsp = &ts;
		}
		r = ppoll(fds, n, tsp, wait_mask);
		if (r < 0 && errno == EINTR)
			break;  /* SIGINT or SIGTERM: only they are unblocked here */
		if (r < 0) {
			perror("cxlemu fabric: ppoll");
			rc = 1;
			break;
		}
		if (mono_ns() >= f->next_poll) {
			f->next_poll = UINT64_MAX;
			cxlemu_cci_poll(cci);
		}
		cxlemu_fmsock_server_service(srv, fds, n);
		if (once && cxlemu_fmsock_server_connections(srv) &&
		    !cxlemu_fmsock_server_clients(srv))
			break;
		if (mono_ns() >= end)
			break;
	}
	free(fds);
	return rc;
}

int cmd_fabric(int argc, char **argv, bool json)
{
	struct fabric f = { .next_poll = UINT64_MAX };
	struct cxlemu_host_ops ops = {
		.version = CXLEMU_HOST_OPS_VERSION, .log = log_cb, .now_ns = clock_cb,
	};
	const char *path = NULL, *spec = FABRIC_DEFAULT_SWITCH;
	struct cxlemu_switch_config *scfg = NULL;
	struct cxlemu_cci_config ccfg;
	struct cxlemu_ctx *ctx = NULL;
	struct cxlemu_switch *sw = NULL;
	struct cxlemu_cci *cci = NULL;
	struct cxlemu_fmsock_server *srv = NULL;
	struct sigaction sa;
	sigset_t block, old;
	uint64_t end = UINT64_MAX, secs;
	bool once = false, verbose = false;
	int i, fd, rc = 1;

	(void)json;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--switch") && i + 1 < argc) {
			spec = argv[++i];
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (!parse_u64(argv[i + 1], strlen(argv[i + 1]), &secs) || secs > 1000000) {
				fprintf(stderr, "cxlemu: fabric: bad --timeout '%s'\n", argv[i + 1]);
				return 2;
			}
			end = mono_ns() + secs * 1000000000u;
			i++;
		} else if (!strcmp(argv[i], "--once")) {
			once = true;
		} else if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(fabric_usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "cxlemu: fabric: unexpected '%s'\n%s", argv[i], fabric_usage);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "cxlemu: fabric: --listen PATH is required\n%s", fabric_usage);
		return 2;
	}
	scfg = calloc(1, sizeof(*scfg));
	if (!scfg)
		return 1;
	if (parse_switch(spec, scfg, f.mld_size)) {
		free(scfg);
		return 2;
	}
	scfg->host.aer = aer_cb;
	if (cxlemu_ctx_new(&ops, &f, &ctx))
		goto out;
	cxlemu_ctx_set_log_level(ctx, verbose ? CXLEMU_LOG_INFO : CXLEMU_LOG_WARN);
	if (cxlemu_switch_new(ctx, scfg, &sw)) {
		rc = 2;  /* the log said why */
		goto out;
	}
	if (add_mlds(&f, ctx, sw, scfg))
		goto out;
	memset(&ccfg, 0, sizeof(ccfg));
	ccfg.version = CXLEMU_CCI_CONFIG_VERSION;
	ccfg.kind = CXLEMU_CCI_SWITCH;
	ccfg.payload_size = 4096;
	ccfg.component_type = 0;  /* a switch */
	ccfg.fabric_switch = sw;
	ccfg.host.schedule = schedule_cb;
	ccfg.host.opaque = &f;
	if (cxlemu_cci_new(ctx, &ccfg, &cci))
		goto out;
	fd = -1;
	i = cxlemu_fmsock_listen(path, &fd);
	if (i) {
		fprintf(stderr, "cxlemu: fabric: cannot listen on %s: %s%s\n", path, strerror(-i),
			i == -EADDRINUSE ? " (remove it if it is stale)" : "");
		goto out;
	}
	if (cxlemu_fmsock_server_new(ctx, cci, fd, &srv)) {
		unlink(path);
		goto out;
	}
	/* SIGINT and SIGTERM stay blocked except inside ppoll(), which they
	 * interrupt: no flag shared with a handler is needed. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nothing;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("cxlemu fabric: listening on %s (%u ports, %u VCSs)\n", path,
	       cxlemu_switch_nports(sw), cxlemu_switch_nvcs(sw));
	fflush(stdout);
	{
		sigset_t wait_mask = old;

		sigdelset(&wait_mask, SIGINT);
		sigdelset(&wait_mask, SIGTERM);
		rc = serve(&f, srv, cci, once, end, &wait_mask);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	unlink(path);
out:
	cxlemu_fmsock_server_free(srv);
	cxlemu_cci_free(cci);
	free_mlds(&f, sw);
	cxlemu_switch_free(sw);
	cxlemu_ctx_free(ctx);
	free(scfg);
	return rc;
}
