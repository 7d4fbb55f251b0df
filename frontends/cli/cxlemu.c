/* SPDX-License-Identifier: MIT */
/*
 * cxlemu: the command-line tool for offline work with libcxlemu.  It reads
 * a topology as QEMU options (a file, or the arguments after --), programs
 * regions, and shows the topology, its decoders, routes and layouts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

#include "default_topology.h"
#include "fm.h"
#include "json.h"
#include "trace.h"
#include "translate.h"

static const char usage[] =
	"usage: cxlemu [OPTIONS] [COMMAND [ARGS...]] [-- QEMU-OPTIONS...]\n"
	"\n"
	"commands (default: show):\n"
	"  show                 topology, decoders, layout, sample routes, self-check\n"
	"  tree                 the topology\n"
	"  decoders             every HDM decoder's registers and state\n"
	"  route HPA...         where each HPA goes (or which level misses it)\n"
	"  hpa DEVICE DPA       the HPA at which DEVICE holds DPA\n"
	"  layout [--start HPA] [--count N]\n"
	"                       which device owns each 256-byte granule\n"
	"  dot                  a Graphviz picture of the topology and decoders\n"
	"  cedt -o FILE         write the topology's CEDT (ACPI table)\n"
	"  cedt --explain FILE  validate and decode any CEDT\n"
	"  translate [QUERY]    interleave arithmetic; no QUERY: one per line on stdin\n"
	"  trace FILE           replay a memory trace through the simulator ABI: traffic\n"
	"                       per device, latency histogram, throughput ('-': stdin);\n"
	"                       options may follow: cxlemu trace FILE [--json] [-t TOPO |\n"
	"                       -- QEMU-OPTIONS] [-r SPEC]\n"
	"  fabric --listen PATH [--switch SPEC]\n"
	"                       run a switch, its FM-API served on a Unix socket\n"
	"                       (cxlemu fabric --help)\n"
	"  fm --socket PATH CMD fabric-manager commands to that socket: identify,\n"
	"                       ports, port-control, vcs, bind, unbind, aer, events\n"
	"                       (cxlemu fm --help)\n"
	"\n"
	"options:\n"
	"  -t, --topology FILE  QEMU options (-device, -object, -M, -m) from FILE\n"
	"  -r, --region SPEC    program a region, repeatable:\n"
	"                       window=N,ways=N,gran=BYTES,size=BYTES,devices=A:B:...[,pmem][,lock]\n"
	"  --json               machine-readable output (tree, decoders, route, hpa, layout)\n"
	"  -h, --help, --version\n"
	"\n"
	"Without -t or --, the built-in default topology is used: two host\n"
	"bridges interleaved 2 ways at 256 B, a switch with two type-3 devices\n"
	"under the first, one type-3 device under the second, and two 2-way\n"
	"regions (cxl-mem0 with cxl-mem2, cxl-mem1 with cxl-mem2).\n"
	"\n"
	"translate QUERY is one of\n"
	"  dpa2hpa (ways=N|eiw=N) (gran=N|eig=N) dpa=X pos=P [xor=M0,M1,...]\n"
	"  hpa2dpa (ways=N|eiw=N) (gran=N|eig=N) hpa=X [xor=M0,M1,...]\n"
	"numbers are decimal or 0x-hex; sizes also take K, M, G suffixes.\n"
	"\n"
	"trace FILE holds one access per line, '#' comments and blank lines allowed:\n"
	"  TICK R|W ADDRESS SIZE      TICK in ns, SIZE 1..4096 bytes\n"
	"or gem5's ASCII packet trace (encode/decode_packet_trace.py), comma separated:\n"
	"  [PKT_ID,]r|w|u,ADDR,SIZE[,FLAGS],TICK[,PC]   TICK in ps; u packets skipped\n"
	"(two fields after SIZE are FLAGS,TICK).  One format per file; ticks never go\n"
	"backwards.  A bad line stops the replay: FILE:LINE and the reason, exit 1.\n";

static const char default_topology[] = CXLEMU_CLI_DEFAULT_TOPOLOGY;

static const char *const default_regions[] = {
	"window=0,ways=2,gran=256,size=1G,devices=cxl-mem0:cxl-mem2",
	"window=0,ways=2,gran=256,size=1G,devices=cxl-mem1:cxl-mem2",
};

struct cli {
	struct cxlemu_ctx *ctx;
	struct cxlemu_topo *t;
	bool json;
};

static void log_stderr(void *opaque, int level, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "cxlemu: %s%s\n", level <= CXLEMU_LOG_ERR ? "error: " : "", msg);
}

/* Decimal or 0x-hex, as the usage says: no sign, blanks or octal. */
static int parse_num(const char *s, uint64_t *v)
{
	return parse_u64(s, strlen(s), v) ? 0 : -1;
}

static const char *kind_name(uint32_t k)
{
	switch (k) {
	case CXLEMU_COMP_HOST_BRIDGE: return "host-bridge";
	case CXLEMU_COMP_ROOT_PORT: return "root-port";
	case CXLEMU_COMP_USP: return "switch-upstream-port";
	case CXLEMU_COMP_DSP: return "switch-downstream-port";
	case CXLEMU_COMP_TYPE3: return "type3";
	case CXLEMU_COMP_TYPE2: return "type2";
	default: return "?";
	}
}

/* A host bridge without HDM decoders, passing to its only root port. */
static bool passes_through(const struct cxlemu_comp_info *i)
{
	return i->kind == CXLEMU_COMP_HOST_BRIDGE && (i->flags & CXLEMU_COMP_PASSTHROUGH);
}

/* A host bridge's rule: "auto" (QEMU's), "always" or "never". */
static const char *passthrough_rule(const struct cxlemu_comp_info *i)
{
	if (i->flags & CXLEMU_COMP_PASSTHROUGH_AUTO)
		return "auto";
	return i->flags & CXLEMU_COMP_PASSTHROUGH ? "always" : "never";
}

static const char *comp_name(const struct cli *c, uint32_t id)
{
	struct cxlemu_comp_info i;

	if (id == CXLEMU_COMP_NONE || cxlemu_topo_info(c->t, id, &i))
		return "-";
	return i.name;
}

static void print_size(uint64_t v)
{
	if (v && !(v & ((UINT64_C(1) << 30) - 1)))
		printf("%" PRIu64 " GiB", v >> 30);
	else if (v && !(v & ((UINT64_C(1) << 20) - 1)))
		printf("%" PRIu64 " MiB", v >> 20);
	else
		printf("0x%" PRIx64, v);
}

/* --region window=N,ways=N,gran=G,size=S,devices=a:b[,pmem][,lock] */
static int add_region(struct cli *c, const char *spec)
{
	struct cxlemu_region_desc r;
	char *copy = strdup(spec), *tok, *save = NULL;
	bool have_ways = false, have_size = false, have_dev = false;
	uint64_t v, hpa;
	int rc = -1;
	unsigned int n = 0;

	if (!copy)
		return -1;
	memset(&r, 0, sizeof(r));
	r.version = CXLEMU_REGION_DESC_VERSION;
	r.gran = 256;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!strcmp(tok, "pmem")) {
			r.flags |= CXLEMU_REGION_PMEM;
		} else if (!strcmp(tok, "lock")) {
			r.flags |= CXLEMU_REGION_LOCK;
		} else if (eq && !strncmp(tok, "devices=", 8)) {
			char *d, *s2 = NULL;

			for (d = strtok_r(eq + 1, ":", &s2); d; d = strtok_r(NULL, ":", &s2)) {
				uint32_t id = cxlemu_topo_find(c->t, d);

				if (id == CXLEMU_COMP_NONE || n == CXLEMU_MAX_WAYS) {
					fprintf(stderr, "cxlemu: --region: no device '%s' (or more than 16)\n", d);
					goto out;
				}
				r.endpoints[n++] = id;
			}
			have_dev = true;
		} else if (eq && (!strncmp(tok, "window=", 7) || !strncmp(tok, "ways=", 5))) {
			if (parse_num(eq + 1, &v) || v > 64) {
				fprintf(stderr, "cxlemu: --region: bad number in '%s'\n", tok);
				goto out;
			}
			if (tok[1] == 'i')
				r.window = (uint32_t)v;
			else {
				r.ways = (uint32_t)v;
				have_ways = true;
			}
		} else if (eq && (!strncmp(tok, "gran=", 5) || !strncmp(tok, "size=", 5))) {
			if (!parse_size(eq + 1, strlen(eq + 1), &v)) {
				fprintf(stderr, "cxlemu: --region: bad size in '%s'\n", tok);
				goto out;
			}
			if (tok[0] == 'g')
				r.gran = v;
			else {
				r.size = v;
				have_size = true;
			}
		} else {
			fprintf(stderr, "cxlemu: --region: unknown field '%s'\n", tok);
			goto out;
		}
	}
	if (!have_dev || !have_size) {
		fprintf(stderr, "cxlemu: --region: needs size= and devices=\n");
		goto out;
	}
	if (!have_ways)
		r.ways = n;
	if (r.ways != n) {
		fprintf(stderr, "cxlemu: --region: ways=%u but %u devices\n", r.ways, n);
		goto out;
	}
	rc = cxlemu_topo_region_create(c->t, &r, &hpa);
	if (rc)
		fprintf(stderr, "cxlemu: --region %s: %s\n", spec, cxlemu_strerror(rc));
out:
	free(copy);
	return rc ? -1 : 0;
}

/* ---- tree ---- */

static void tree_node(const struct cli *c, uint32_t id, int indent, struct json *j)
{
	struct cxlemu_comp_info i;
	uint32_t k, n = cxlemu_topo_count(c->t);

	cxlemu_topo_info(c->t, id, &i);
	if (j) {
		json_obj(j, NULL);
		json_str(j, "name", i.name);
		json_str(j, "kind", kind_name(i.kind));
		if (i.kind == CXLEMU_COMP_ROOT_PORT || i.kind == CXLEMU_COMP_DSP)
			json_u64(j, "port", i.port);
		if (i.kind == CXLEMU_COMP_HOST_BRIDGE) {
			json_u64(j, "uid", i.uid);
			json_bool(j, "passthrough", passes_through(&i));
			json_str(j, "passthrough_rule", passthrough_rule(&i));
		}
		if (i.kind == CXLEMU_COMP_TYPE3 || i.kind == CXLEMU_COMP_TYPE2) {
			json_u64(j, "volatile_bytes", i.volatile_size);
			json_u64(j, "persistent_bytes", i.persistent_size);
			json_u64(j, "dynamic_bytes", i.dc_size);
			json_u64(j, "lsa_bytes", i.lsa_size);
			json_hex(j, "serial", i.serial);
		}
		json_arr(j, "children");
	} else {
		printf("%*s%s (%s", indent, "", i.name, kind_name(i.kind));
		if (i.kind == CXLEMU_COMP_ROOT_PORT || i.kind == CXLEMU_COMP_DSP)
			printf(", port %u", i.port);
		if (i.kind == CXLEMU_COMP_HOST_BRIDGE)
			printf(", uid %u", i.uid);
		if (passes_through(&i))
			printf(", pass-through");
		if (i.volatile_size) {
			printf(", ");
			print_size(i.volatile_size);
			printf(" volatile");
		}
		if (i.persistent_size) {
			printf(", ");
			print_size(i.persistent_size);
			printf(" persistent");
		}
		if (i.dc_size) {
			printf(", ");
			print_size(i.dc_size);
			printf(" dynamic");
		}
		printf(")\n");
	}
	for (k = 0; k < n; k++) {
		struct cxlemu_comp_info ch;

		cxlemu_topo_info(c->t, k, &ch);
		if (ch.parent == id)
			tree_node(c, k, indent + 2, j);
	}
	if (j) {
		json_end_arr(j);
		json_end_obj(j);
	}
}

static void window_line(const struct cli *c, uint32_t w, struct json *j)
{
	struct cxlemu_window_desc d;
	unsigned int i;

	cxlemu_topo_window(c->t, w, &d);
	if (j) {
		json_u64(j, "index", w);
		json_hex(j, "base", d.base);
		json_hex(j, "size", d.size);
		json_u64(j, "ways", d.ways);
		json_u64(j, "granularity", d.gran);
		json_str(j, "arithmetic", d.arith == CXLEMU_ARITH_XOR ? "xor" : "modulo");
		json_arr(j, "targets");
		for (i = 0; i < d.ways; i++)
			json_str(j, NULL, comp_name(c, d.targets[i]));
		json_end_arr(j);
		return;
	}
	printf("window %u: [0x%" PRIx64 ", +", w, d.base);
	print_size(d.size);
	printf(") %u-way %" PRIu64 " B %s ->", d.ways, d.gran,
	       d.arith == CXLEMU_ARITH_XOR ? "xor" : "modulo");
	for (i = 0; i < d.ways; i++)
		printf(" %s", comp_name(c, d.targets[i]));
	printf("\n");
}

static int cmd_tree(struct cli *c)
{
	uint32_t k, w, n = cxlemu_topo_count(c->t);
	struct json j;

	if (c->json) {
		json_begin(&j, stdout);
		json_obj(&j, NULL);
		json_arr(&j, "windows");
		for (w = 0; w < cxlemu_topo_windows(c->t); w++) {
			json_obj(&j, NULL);
			window_line(c, w, &j);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_arr(&j, "host_bridges");
	} else {
		for (w = 0; w < cxlemu_topo_windows(c->t); w++)
			window_line(c, w, NULL);
	}
	for (k = 0; k < n; k++) {
		struct cxlemu_comp_info i;

		cxlemu_topo_info(c->t, k, &i);
		if (i.kind == CXLEMU_COMP_HOST_BRIDGE)
			tree_node(c, k, 0, c->json ? &j : NULL);
	}
	if (c->json) {
		json_end_arr(&j);
		json_end_obj(&j);
		json_finish(&j);
	}
	return 0;
}

/* ---- decoders ---- */

static int cmd_decoders(struct cli *c)
{
	uint32_t k, n = cxlemu_topo_count(c->t);
	struct json j;

	if (c->json) {
		json_begin(&j, stdout);
		json_arr(&j, NULL);
	}
	for (k = 0; k < n; k++) {
		struct cxlemu_comp_info i;
		unsigned int d, p;

		cxlemu_topo_info(c->t, k, &i);
		/* A pass-through host bridge: no decoders, one way down. */
		if (passes_through(&i)) {
			if (c->json) {
				json_obj(&j, NULL);
				json_str(&j, "component", i.name);
				json_bool(&j, "passthrough", true);
				if (i.below != CXLEMU_COMP_NONE)
					json_str(&j, "target", comp_name(c, i.below));
				else
					json_null(&j, "target");
				json_arr(&j, "decoders");
				json_end_arr(&j);
				json_end_obj(&j);
			} else {
				printf("%s (%s) pass-through to %s: no HDM decoders\n", i.name,
				       kind_name(i.kind), i.below != CXLEMU_COMP_NONE ?
				       comp_name(c, i.below) : "(no root port)");
			}
			continue;
		}
		if (!i.hdm)
			continue;
		if (c->json) {
			json_obj(&j, NULL);
			json_str(&j, "component", i.name);
			json_bool(&j, "passthrough", false);
			json_bool(&j, "hdm_enabled", cxlemu_hdm_enabled(i.hdm));
			json_arr(&j, "decoders");
		} else {
			printf("%s (%s)%s\n", i.name, kind_name(i.kind),
			       cxlemu_hdm_enabled(i.hdm) ? "" : " [HDM decode disabled]");
		}
		for (d = 0; d < cxlemu_hdm_count(i.hdm); d++) {
			struct cxlemu_hdm_decoder s;
			bool ep = i.kind == CXLEMU_COMP_TYPE3 || i.kind == CXLEMU_COMP_TYPE2;
			const char *state;
			uint64_t ctrl = 0;

			cxlemu_hdm_decoder(i.hdm, d, &s);
			/* HDM Decoder n Control, as the guest reads it. */
			cxlemu_topo_reg_read(c->t, k, CXLEMU_CM_OFFSET + 0x400 + 0x20 + 0x20 * d,
					     4, &ctrl);
			state = s.committed ? (s.locked ? "committed, locked" : "committed") :
				s.error ? "error-not-committed" : "uncommitted";
			if (c->json) {
				json_obj(&j, NULL);
				json_u64(&j, "index", d);
				json_str(&j, "state", state);
				json_hex(&j, "control", ctrl);
				json_hex(&j, "base", s.base);
				json_hex(&j, "size", s.size);
				json_u64(&j, "ways", s.ways);
				json_u64(&j, "granularity", s.gran);
				json_str(&j, "target_type", s.hostonly ? "host-only" : "device-coherent");
				if (ep) {
					json_hex(&j, "dpa_skip", s.dpa_skip);
					json_hex(&j, "dpa_base", s.dpa_base);
				} else {
					json_arr(&j, "targets");
					for (p = 0; p < s.ways && p < CXLEMU_HDM_MAX_TARGETS; p++)
						json_u64(&j, NULL, s.targets[p]);
					json_end_arr(&j);
				}
				json_end_obj(&j);
				continue;
			}
			if (!s.committed && !s.error && !s.base && !s.size)
				continue;
			printf("  decoder %u: %s (control 0x%04" PRIx64 "), [0x%" PRIx64 ", +", d,
			       state, ctrl, s.base);
			print_size(s.size);
			printf(") %u-way %u B", s.ways, s.gran);
			if (ep) {
				printf(", DPA 0x%" PRIx64 " (skip 0x%" PRIx64 ")", s.dpa_base, s.dpa_skip);
			} else {
				printf(", ports");
				for (p = 0; p < s.ways && p < CXLEMU_HDM_MAX_TARGETS; p++)
					printf(" %u", s.targets[p]);
			}
			printf("\n");
		}
		if (c->json) {
			json_end_arr(&j);
			json_end_obj(&j);
		}
	}
	if (c->json) {
		json_end_arr(&j);
		json_finish(&j);
	}
	return 0;
}

/* ---- route ---- */

static const char *reason_text(uint32_t r)
{
	switch (r) {
	case CXLEMU_MISS_OUTSIDE: return "outside every window";
	case CXLEMU_MISS_NO_DECODER: return "no committed decoder covers it";
	case CXLEMU_MISS_EMPTY_PORT: return "nothing attached";
	default: return "routed";
	}
}

/* Routes through the table and checks it against the register walk. */
static int check_one(struct cli *c, uint64_t hpa, struct cxlemu_route_info *info,
		     int *rc, uint32_t *ep, uint64_t *dpa)
{
	int walk;

	*rc = cxlemu_topo_route(c->t, hpa, ep, dpa);
	walk = cxlemu_topo_walk(c->t, hpa, info);
	if (walk < 0 || walk != *rc || *ep != info->ep || (!*rc && *dpa != info->dpa)) {
		fprintf(stderr, "cxlemu: internal error: table and walk disagree at 0x%" PRIx64 "\n", hpa);
		return -1;
	}
	return 0;
}

static int route_one(struct cli *c, uint64_t hpa, struct json *j)
{
	struct cxlemu_route_info info;
	uint64_t dpa = 0;
	uint32_t ep = 0, i;
	int rc;

	if (check_one(c, hpa, &info, &rc, &ep, &dpa))
		return -1;
	if (j) {
		json_obj(j, NULL);
		json_hex(j, "hpa", hpa);
		json_bool(j, "mapped", rc == 0);
		if (rc == 0) {
			json_str(j, "device", comp_name(c, ep));
			json_hex(j, "dpa", dpa);
		} else {
			json_u64(j, "level", info.level);
			if (info.ep == CXLEMU_COMP_NONE)
				json_null(j, "component");
			else
				json_str(j, "component", comp_name(c, info.ep));
			json_str(j, "reason", reason_text(info.reason));
		}
		json_arr(j, "path");
		for (i = 0; i < info.depth; i++)
			json_str(j, NULL, comp_name(c, info.path[i]));
		json_end_arr(j);
		json_end_obj(j);
		return 0;
	}
	printf("0x%" PRIx64 ": ", hpa);
	if (rc) {
		printf("unmapped at level %u (%s): %s\n", info.level,
		       info.ep == CXLEMU_COMP_NONE ? "window" : comp_name(c, info.ep),
		       reason_text(info.reason));
		return 0;
	}
	printf("%s dpa=0x%" PRIx64 " via", comp_name(c, ep), dpa);
	for (i = 0; i < info.depth; i++)
		printf("%s%s", i ? "/" : " ", comp_name(c, info.path[i]));
	printf("\n");
	return 0;
}

static int cmd_route(struct cli *c, int argc, char **argv)
{
	struct json j;
	uint64_t hpa;
	int i, bad = 0;

	if (argc == 0) {
		fprintf(stderr, "cxlemu: route: give at least one HPA\n");
		return 2;
	}
	if (c->json) {
		json_begin(&j, stdout);
		json_arr(&j, NULL);
	}
	for (i = 0; i < argc; i++) {
		if (parse_num(argv[i], &hpa)) {
			fprintf(stderr, "cxlemu: route: '%s' is not an address\n", argv[i]);
			bad = 2;
			continue;
		}
		if (route_one(c, hpa, c->json ? &j : NULL))
			return 1;
	}
	if (c->json) {
		json_end_arr(&j);
		json_finish(&j);
	}
	return bad;
}

/* ---- hpa DEVICE DPA ---- */

static int cmd_hpa(struct cli *c, int argc, char **argv)
{
	struct cxlemu_comp_info i;
	uint32_t dev, w;
	uint64_t dpa;
	unsigned int d, pos;

	if (argc != 2) {
		fprintf(stderr, "cxlemu: hpa: give DEVICE and DPA\n");
		return 2;
	}
	dev = cxlemu_topo_find(c->t, argv[0]);
	if (dev == CXLEMU_COMP_NONE || cxlemu_topo_info(c->t, dev, &i) || !i.hdm ||
	    (i.kind != CXLEMU_COMP_TYPE3 && i.kind != CXLEMU_COMP_TYPE2)) {
		fprintf(stderr, "cxlemu: hpa: '%s' is not a device\n", argv[0]);
		return 2;
	}
	if (parse_num(argv[1], &dpa)) {
		fprintf(stderr, "cxlemu: hpa: '%s' is not a DPA\n", argv[1]);
		return 2;
	}
	for (d = 0; d < cxlemu_hdm_count(i.hdm); d++) {
		struct cxlemu_hdm_decoder s;

		cxlemu_hdm_decoder(i.hdm, d, &s);
		if (!s.committed || !s.ways || dpa < s.dpa_base ||
		    dpa - s.dpa_base >= s.size / s.ways)
			continue;
		/* The decoder does not record the device's position; the one
		 * whose HPA routes back to this DPA is it. */
		for (pos = 0; pos < s.ways; pos++) {
			uint64_t off, hpa, got;
			uint32_t ep;
			struct cxlemu_window_desc wd;

			if (cxlemu_dpa_to_hpa(dpa - s.dpa_base, pos, s.eiw, s.eig, &off))
				continue;
			hpa = s.base + off;
			for (w = 0; w < cxlemu_topo_windows(c->t); w++) {
				struct cxlemu_xormaps x;

				cxlemu_topo_window(c->t, w, &wd);
				if (hpa < wd.base || hpa - wd.base >= wd.size)
					continue;
				if (wd.arith == CXLEMU_ARITH_XOR &&
				    !cxlemu_xormaps_init(&x, wd.xormaps, wd.nxormaps))
					hpa = cxlemu_xor_hpa_to_spa(&x, hpa);
			}
			if (cxlemu_topo_route(c->t, hpa, &ep, &got) == 0 && ep == dev &&
			    got == dpa) {
				if (c->json) {
					struct json j;

					json_begin(&j, stdout);
					json_obj(&j, NULL);
					json_str(&j, "device", i.name);
					json_hex(&j, "dpa", dpa);
					json_hex(&j, "hpa", hpa);
					json_u64(&j, "position", pos);
					json_end_obj(&j);
					json_finish(&j);
				} else
					printf("%s dpa=0x%" PRIx64 ": hpa=0x%" PRIx64 " (position %u of %u)\n",
					       i.name, dpa, hpa, pos, s.ways);
				return 0;
			}
		}
	}
	fprintf(stderr, "cxlemu: hpa: %s maps no HPA to DPA 0x%" PRIx64 "\n", i.name, dpa);
	return 1;
}

/* ---- layout ---- */

static int layout(struct cli *c, uint64_t start, uint64_t count)
{
	struct json j;
	uint64_t k, hpa, dpa;
	uint32_t ep;
	int rc;

	start &= ~UINT64_C(255);
	if (c->json) {
		json_begin(&j, stdout);
		json_arr(&j, NULL);
	} else {
		printf("%-18s  %-10s  %s\n", "HPA", "device", "DPA");
	}
	for (k = 0; k < count; k++) {
		hpa = start + k * 256;
		rc = cxlemu_topo_route(c->t, hpa, &ep, &dpa);
		if (c->json) {
			json_obj(&j, NULL);
			json_hex(&j, "hpa", hpa);
			if (rc) {
				json_null(&j, "device");
			} else {
				json_str(&j, "device", comp_name(c, ep));
				json_hex(&j, "dpa", dpa);
			}
			json_end_obj(&j);
		} else if (rc) {
			printf("0x%016" PRIx64 "  unmapped at level %u (%s)\n", hpa,
			       CXLEMU_ROUTE_MISS_LEVEL(rc),
			       ep == CXLEMU_COMP_NONE ? "window" : comp_name(c, ep));
		} else {
			printf("0x%016" PRIx64 "  %-10s  0x%" PRIx64 "\n", hpa, comp_name(c, ep), dpa);
		}
	}
	if (c->json) {
		json_end_arr(&j);
		json_finish(&j);
	}
	return 0;
}

static int cmd_layout(struct cli *c, int argc, char **argv)
{
	struct cxlemu_window_desc w;
	uint64_t start = 0, count = 16;
	int i;

	if (cxlemu_topo_window(c->t, 0, &w) == 0)
		start = w.base;
	for (i = 0; i < argc; i++) {
		uint64_t *v = !strcmp(argv[i], "--start") ? &start :
			      !strcmp(argv[i], "--count") ? &count : NULL;

		if (!v || i + 1 == argc || parse_num(argv[i + 1], v)) {
			fprintf(stderr, "cxlemu: layout: bad option '%s'\n", argv[i]);
			return 2;
		}
		i++;
	}
	if (count > 1000000) {
		fprintf(stderr, "cxlemu: layout: --count at most 1000000\n");
		return 2;
	}
	return layout(c, start, count);
}

/* ---- dot ---- */

static int cmd_dot(struct cli *c)
{
	uint32_t k, w, n = cxlemu_topo_count(c->t);
	unsigned int d, i;

	printf("digraph cxl {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
	for (w = 0; w < cxlemu_topo_windows(c->t); w++) {
		struct cxlemu_window_desc wd;

		cxlemu_topo_window(c->t, w, &wd);
		printf("  w%u [shape=folder, label=\"window %u\\n0x%" PRIx64 " +0x%" PRIx64
		       "\\n%u-way %" PRIu64 " B %s\"];\n", w, w, wd.base, wd.size, wd.ways,
		       wd.gran, wd.arith == CXLEMU_ARITH_XOR ? "xor" : "modulo");
		for (i = 0; i < wd.ways; i++)
			printf("  w%u -> c%u [label=\"%u\"];\n", w, wd.targets[i], i);
	}
	for (k = 0; k < n; k++) {
		struct cxlemu_comp_info ci;

		cxlemu_topo_info(c->t, k, &ci);
		printf("  c%u [label=\"%s\\n(%s)", k, ci.name, kind_name(ci.kind));
		if (passes_through(&ci))
			printf("\\npass-through");
		for (d = 0; ci.hdm && d < cxlemu_hdm_count(ci.hdm); d++) {
			struct cxlemu_hdm_decoder s;

			cxlemu_hdm_decoder(ci.hdm, d, &s);
			if (s.committed)
				printf("\\ndecoder %u: 0x%" PRIx64 " +0x%" PRIx64 " %ux%u", d,
				       s.base, s.size, s.ways, s.gran);
		}
		printf("\"%s];\n", ci.kind == CXLEMU_COMP_TYPE3 || ci.kind == CXLEMU_COMP_TYPE2 ?
		       ", style=rounded" : "");
		if (ci.parent != CXLEMU_COMP_NONE)
			printf("  c%u -> c%u;\n", ci.parent, k);
	}
	printf("}\n");
	return 0;
}

/* ---- cedt ---- */

static int write_cedt(struct cli *c, const char *path)
{
	struct cxlemu_cedt_opts o;
	uint8_t *b;
	size_t len;
	FILE *f;
	int rc;

	cxlemu_cedt_opts_default(&o, cxlemu_topo_host_reg_base(c->t));
	rc = cxlemu_cedt_build(c->t, &o, &b, &len);
	if (rc) {
		fprintf(stderr, "cxlemu: cedt: %s\n", cxlemu_strerror(rc));
		return 1;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "cxlemu: cedt: cannot write %s: %s\n", path, strerror(errno));
		cxlemu_cedt_buf_free(b);
		return 1;
	}
	cxlemu_cedt_buf_free(b);
	printf("wrote %s: CEDT, %zu bytes\n", path, len);
	return 0;
}

static const char *arith_name(uint32_t a)
{
	return a == CXLEMU_ARITH_XOR ? "xor" : "modulo";
}

static int explain_cedt(struct cli *c, const char *path)
{
	struct cxlemu_cedt *t;
	uint8_t *buf;
	size_t n;
	char err[256];
	FILE *f = fopen(path, "rb");
	uint32_t i, k;
	int rc;

	if (!f) {
		fprintf(stderr, "cxlemu: cedt: %s: %s\n", path, strerror(errno));
		return 2;
	}
	buf = malloc((1 << 20) + 1);
	n = buf ? fread(buf, 1, (1 << 20) + 1, f) : 0;
	fclose(f);
	if (!buf || n > 1 << 20) {
		fprintf(stderr, "cxlemu: cedt: %s: larger than 1 MiB\n", path);
		free(buf);
		return 2;
	}
	rc = cxlemu_cedt_parse(c->ctx, buf, n, &t, err, sizeof(err));
	free(buf);
	if (rc) {
		fprintf(stderr, "cxlemu: cedt: %s: %s\n", path, err[0] ? err : cxlemu_strerror(rc));
		return 1;
	}
	printf("CEDT revision %u, %u bytes, OEM '%s' '%s' rev %u, creator '%s' rev %u\n",
	       t->revision, t->length, t->oem_id, t->oem_table_id, t->oem_revision,
	       t->creator_id, t->creator_revision);
	for (i = 0; i < t->nchbs; i++)
		printf("CHBS  uid %u, %s, registers 0x%" PRIx64 " +0x%" PRIx64 "\n", t->chbs[i].uid,
		       t->chbs[i].cxl_version ? "CXL 2.0+ host bridge" : "CXL 1.1 RCRB",
		       t->chbs[i].base, t->chbs[i].length);
	for (i = 0; i < t->ncfmws; i++) {
		const struct cxlemu_cedt_cfmws *w = &t->cfmws[i];

		printf("CFMWS [0x%" PRIx64 ", +0x%" PRIx64 "), %u-way %u B %s, restrictions 0x%x, QTG %u, uids",
		       w->base, w->size, w->ways, w->gran, arith_name(w->arith), w->restrictions,
		       w->qtg_id);
		for (k = 0; k < w->ways; k++)
			printf(" %u", w->targets[k]);
		printf("\n");
	}
	for (i = 0; i < t->ncxims; i++) {
		printf("CXIMS %u B granularity, maps", 256u << t->cxims[i].eig);
		for (k = 0; k < t->cxims[i].nmaps; k++)
			printf(" 0x%" PRIx64, t->cxims[i].maps[k]);
		printf("\n");
	}
	if (t->nunknown)
		printf("%u record(s) of other types skipped\n", t->nunknown);
	cxlemu_cedt_free(t);
	return 0;
}

static int cmd_cedt(struct cli *c, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[0], "-o"))
		return write_cedt(c, argv[1]);
	if (argc == 2 && !strcmp(argv[0], "--explain"))
		return explain_cedt(c, argv[1]);
	fprintf(stderr, "cxlemu: cedt: use 'cedt -o FILE' or 'cedt --explain FILE'\n");
	return 2;
}

/* ---- show: the main job ---- */

static int cmd_show(struct cli *c)
{
	struct cxlemu_window_desc w;
	uint64_t i, hpa, state = 0x12345678, agree = 0;

	printf("libcxlemu %s\n\n", cxlemu_version());
	cmd_tree(c);
	printf("\nHDM decoders:\n");
	cmd_decoders(c);
	if (cxlemu_topo_window(c->t, 0, &w) == 0) {
		struct cxlemu_route_table_stats st;
		const struct cxlemu_route_table *rt =
			cxlemu_route_pub_get(cxlemu_topo_routes(c->t, 0));

		if (rt) {
			cxlemu_route_table_stats(rt, &st);
			printf("\nroute table of window 0: %u segment(s), %u slot(s), %" PRIu64 " bytes\n",
			       st.segments, st.slots, st.bytes);
		}
		printf("\ninterleave layout of window 0, first 8 granules:\n");
		layout(c, w.base, 8);
		printf("\nroutes:\n");
		route_one(c, w.base + 0x12345, NULL);
		route_one(c, w.base + 0x40000000 + 0x200, NULL);
		route_one(c, w.base + w.size - 1, NULL);
		route_one(c, w.base + w.size, NULL);
		/* The flat table against the register walk. */
		for (i = 0; i < 200000; i++) {
			state = state * 6364136223846793005ULL + 1442695040888963407ULL;
			hpa = w.base + (state >> 11) % (w.size + 4096);
			struct cxlemu_route_info info;
			uint64_t dpa;
			uint32_t ep;
			int rc;

			if (check_one(c, hpa, &info, &rc, &ep, &dpa))
				return 1;
			agree++;
		}
		printf("\nroute table and register walk agree on %" PRIu64 " random addresses\n",
		       agree);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .log = log_stderr };
	struct cli c = { 0 };
	const char *topo_file = NULL, *regions[64];
	char *targs[8];
	int ntargs = 0;
	int nregions = 0, i, qemu_at = -1, cmd_at = -1, rc;
	char err[512];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			qemu_at = i + 1;
			break;
		}
		/* Command arguments; trace also takes the options after it. */
		if (cmd_at >= 0 && strcmp(argv[cmd_at], "trace"))
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("cxlemu %s\n", cxlemu_version());
			return 0;
		}
		if (!strcmp(argv[i], "--json")) {
			c.json = true;
		} else if (!strcmp(argv[i], "-t") || !strcmp(argv[i], "--topology")) {
			if (++i == argc) {
				fprintf(stderr, "cxlemu: %s needs a file\n", argv[i - 1]);
				return 2;
			}
			topo_file = argv[i];
		} else if (!strcmp(argv[i], "-r") || !strcmp(argv[i], "--region")) {
			if (++i == argc || nregions == 64) {
				fprintf(stderr, "cxlemu: %s needs a SPEC (at most 64)\n", argv[i - 1]);
				return 2;
			}
			regions[nregions++] = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "cxlemu: unknown option '%s'\n%s", argv[i], usage);
			return 2;
		} else if (cmd_at < 0) {
			cmd_at = i;
		} else if (ntargs < 8) {
			targs[ntargs++] = argv[i]; /* trace's own arguments */
		} else {
			fprintf(stderr, "cxlemu: trace: too many arguments\n");
			return 2;
		}
	}
	/* fabric and fm need no topology. */
	if (cmd_at >= 0 && (!strcmp(argv[cmd_at], "fabric") || !strcmp(argv[cmd_at], "fm"))) {
		int end = qemu_at >= 0 ? qemu_at - 1 : argc;

		return (argv[cmd_at][1] == 'a' ? cmd_fabric : cmd_fm)(end - cmd_at - 1,
								       argv + cmd_at + 1, c.json);
	}
	/* translate needs no topology. */
	if (cmd_at >= 0 && !strcmp(argv[cmd_at], "translate")) {
		int end = qemu_at >= 0 ? qemu_at - 1 : argc;
		char out[512], *line = NULL, joined[TRANSLATE_MAX_LINE + 2];
		size_t cap = 0, n = 0;
		ssize_t len;
		int failed = 0;

		if (end > cmd_at + 1) {
			joined[0] = '\0';
			for (i = cmd_at + 1; i < end; i++) {
				size_t l = strlen(argv[i]);

				if (n + l + 1 > TRANSLATE_MAX_LINE + 1) {
					fprintf(stderr, "cxlemu: query too long\n");
					return 2;
				}
				if (i > cmd_at + 1)
					joined[n++] = ' ';
				memcpy(joined + n, argv[i], l + 1);
				n += l;
			}
			failed = translate_line(joined, n, out, sizeof(out));
			puts(out);
			return failed ? 1 : 0;
		}
		while ((len = getline(&line, &cap, stdin)) >= 0) {
			if (len > 0 && line[len - 1] == '\n')
				len--;
			if (translate_line(line, (size_t)len, out, sizeof(out)))
				failed = 1;
			puts(out);
		}
		free(line);
		if (ferror(stdin) || fflush(stdout)) {
			fprintf(stderr, "cxlemu: I/O error\n");
			return 2;
		}
		return failed;
	}
	if (cxlemu_ctx_new(&ops, NULL, &c.ctx))
		return 1;
	if (qemu_at >= 0) {
		rc = cxlemu_topo_from_qemu(c.ctx, argc - qemu_at,
					   (const char *const *)argv + qemu_at, &c.t, err,
					   sizeof(err));
	} else if (topo_file) {
		FILE *f = fopen(topo_file, "r");
		char *buf = NULL;
		size_t n = 0;

		if (!f) {
			fprintf(stderr, "cxlemu: %s: %s\n", topo_file, strerror(errno));
			cxlemu_ctx_free(c.ctx);
			return 2;
		}
		/* Read one byte more than accepted to tell "too large". */
		buf = malloc((1 << 20) + 1);
		if (buf)
			n = fread(buf, 1, 1 << 20, f);
		if (buf && ferror(f)) {
			fprintf(stderr, "cxlemu: %s: read error\n", topo_file);
			free(buf);
			buf = NULL;
		} else if (buf && n == 1 << 20) {
			fprintf(stderr, "cxlemu: %s: 1 MiB or larger\n", topo_file);
			free(buf);
			buf = NULL;
		}
		fclose(f);
		if (!buf) {
			cxlemu_ctx_free(c.ctx);
			return 2;
		}
		buf[n] = '\0';
		rc = cxlemu_topo_from_qemu_string(c.ctx, buf, &c.t, err, sizeof(err));
		free(buf);
	} else {
		rc = cxlemu_topo_from_qemu_string(c.ctx, default_topology, &c.t, err,
						  sizeof(err));
		if (!rc && !nregions)
			for (i = 0; i < 2; i++)
				regions[nregions++] = default_regions[i];
	}
	if (rc) {
		/* The message already went through the log callback. */
		cxlemu_ctx_free(c.ctx);
		return 2;
	}
	for (i = 0; i < nregions; i++) {
		if (add_region(&c, regions[i])) {
			cxlemu_topo_free(c.t);
			cxlemu_ctx_free(c.ctx);
			return 2;
		}
	}
	{
		const char *cmd = cmd_at >= 0 ? argv[cmd_at] : "show";
		int end = qemu_at >= 0 ? qemu_at - 1 : argc;
		int cargc = cmd_at >= 0 ? end - cmd_at - 1 : 0;
		char **cargv = cmd_at >= 0 ? argv + cmd_at + 1 : NULL;

		if (!strcmp(cmd, "show"))
			rc = cmd_show(&c);
		else if (!strcmp(cmd, "tree"))
			rc = cmd_tree(&c);
		else if (!strcmp(cmd, "decoders"))
			rc = cmd_decoders(&c);
		else if (!strcmp(cmd, "route"))
			rc = cmd_route(&c, cargc, cargv);
		else if (!strcmp(cmd, "hpa"))
			rc = cmd_hpa(&c, cargc, cargv);
		else if (!strcmp(cmd, "layout"))
			rc = cmd_layout(&c, cargc, cargv);
		else if (!strcmp(cmd, "dot"))
			rc = cmd_dot(&c);
		else if (!strcmp(cmd, "cedt"))
			rc = cmd_cedt(&c, cargc, cargv);
		else if (!strcmp(cmd, "trace")) {
			rc = cmd_trace(c.t, ntargs, targs, c.json);
			c.t = NULL; /* the machine took it */
		}
		else {
			fprintf(stderr, "cxlemu: unknown command '%s'\n%s", cmd, usage);
			rc = 2;
		}
	}
	cxlemu_topo_free(c.t);
	cxlemu_ctx_free(c.ctx);
	return rc;
}
