/* SPDX-License-Identifier: MIT */
/*
 * cxlemu trace FILE: replays a memory trace through the simulator ABI
 * (sim.h) and reports per-endpoint traffic, a latency histogram and the
 * throughput.
 *
 * Two text formats, told apart per line (one file uses one of them):
 *  - ours: `TICK R|W ADDRESS SIZE`, white-space separated, TICK in ns;
 *  - gem5's ASCII packet trace (util/encode_packet_trace.py input,
 *    util/decode_packet_trace.py output): comma separated
 *    `[PKT_ID,]CMD,ADDR,SIZE[,FLAGS],TICK[,PC]` with CMD r, w or u and
 *    TICK in ps (gem5's default 1 THz tick).  Two fields after SIZE are
 *    taken as FLAGS,TICK, as decode_packet_trace.py writes them when the
 *    trace records flags (gem5's memory trace probe always does).  u
 *    packets (neither read nor write) are skipped and counted.
 * Numbers are decimal or 0x hex; '#' starts a comment; blank lines are
 * ignored.  Ticks may not go backwards; sizes are 1 to 4096 bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

#include "json.h"
#include "trace.h"
#include "translate.h"

#define MAX_LINE 4096
#define MAX_FIELDS 8
#define NBUCKETS 64

enum fmt { FMT_NONE, FMT_PLAIN, FMT_GEM5 };

struct replay {
	const char *path;
	unsigned long line;
	enum fmt fmt;
	struct cxlemu_sim *sim;
	uint64_t now_ps;     /* tick of the access under way, ps */
	bool started;
	uint64_t first_ps, last_ps, end_ps; /* first and last tick, last completion */
	uint64_t accesses, reads, writes, bytes;
	uint64_t unrouted, unrouted_bytes, failed, skipped;
	uint64_t pieces, split;
	uint64_t lat_min, lat_max, lat_sum, ok;
	uint64_t hist[NBUCKETS];
};

static uint64_t clock_ns(void *opaque)
{
	return ((const struct replay *)opaque)->now_ps / 1000;
}

static void log_stderr(void *opaque, int level, const char *msg)
{
	(void)opaque;
	if (level <= CXLEMU_LOG_ERR)
		fprintf(stderr, "cxlemu: error: %s\n", msg);
}

static int bad(const struct replay *r, const char *why, const char *tok)
{
	if (tok)
		fprintf(stderr, "cxlemu: trace: %s:%lu: %s '%s'\n", r->path, r->line, why, tok);
	else
		fprintf(stderr, "cxlemu: trace: %s:%lu: %s\n", r->path, r->line, why);
	return -1;
}

/* Splits @s in place at @sep (blank: any run of blanks); trims fields. */
static int split(char *s, char sep, char **f)
{
	int n = 0;

	for (;;) {
		char *e;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s && sep == ' ')
			return n;
		if (n == MAX_FIELDS)
			return MAX_FIELDS + 1;
		f[n++] = s;
		e = sep == ' ' ? s + strcspn(s, " \t") : strchr(s, sep);
		if (!e || !*e) {
			e = s + strlen(s);
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				*--e = '\0';
			return n;
		}
		if (sep != ' ') {
			char *t = e;

			while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
				t--;
			*t = '\0';
		} else {
			*e = '\0';
		}
		s = e + 1;
	}
}

static bool num(const char *s, uint64_t *v)
{
	return parse_u64(s, strlen(s), v);
}

static bool is_cmd(const char *s)
{
	return (s[0] == 'r' || s[0] == 'w' || s[0] == 'u' || s[0] == 'R' || s[0] == 'W' ||
		s[0] == 'U') && !s[1];
}

/* Parses one line: 1 with an access, 0 for nothing (blank, comment, a
 * skipped packet), -1 for an error (reported). */
static int parse_line(struct replay *r, char *s, uint64_t *tick_ps, bool *write, uint64_t *addr,
		      uint64_t *size)
{
	char *f[MAX_FIELDS + 1], *hash = strchr(s, '#');
	enum fmt fmt;
	uint64_t tick;
	int n, c;

	if (hash)
		*hash = '\0';
	fmt = strchr(s, ',') ? FMT_GEM5 : FMT_PLAIN;
	n = split(s, fmt == FMT_GEM5 ? ',' : ' ', f);
	if (n == 0)
		return 0;
	if (r->fmt != FMT_NONE && fmt != r->fmt)
		return bad(r, fmt == FMT_GEM5 ? "a gem5 packet line in a trace of TICK R|W ADDRESS SIZE lines" :
			   "a TICK R|W ADDRESS SIZE line in a gem5 packet trace", NULL);
	if (fmt == FMT_PLAIN) {
		if (n != 4)
			return bad(r, "expected TICK R|W ADDRESS SIZE", NULL);
		if (!num(f[0], &tick))
			return bad(r, "bad tick", f[0]);
		if (tick > UINT64_MAX / 1000)
			return bad(r, "tick too large", f[0]);
		tick *= 1000;
		c = 1;
		if (!is_cmd(f[1]) || f[1][0] == 'u' || f[1][0] == 'U')
			return bad(r, "expected R or W, not", f[1]);
		if (!num(f[2], addr))
			return bad(r, "bad address", f[2]);
		if (!num(f[3], size))
			return bad(r, "bad size", f[3]);
	} else {
		/* [PKT_ID,]CMD,ADDR,SIZE[,FLAGS],TICK[,PC] */
		uint64_t id;
		int rest;

		c = n > 0 && is_cmd(f[0]) ? 0 : n > 1 && is_cmd(f[1]) ? 1 : -1;
		if (c < 0)
			return bad(r, "expected [PKT_ID,]r|w|u,ADDR,SIZE[,FLAGS],TICK[,PC]", NULL);
		if (c == 1 && !num(f[0], &id))
			return bad(r, "bad packet id", f[0]);
		rest = n - c - 3;
		if (rest < 1 || rest > 3)
			return bad(r, "expected [PKT_ID,]r|w|u,ADDR,SIZE[,FLAGS],TICK[,PC]", NULL);
		if (!num(f[c + 1], addr))
			return bad(r, "bad address", f[c + 1]);
		if (!num(f[c + 2], size))
			return bad(r, "bad size", f[c + 2]);
		/* FLAGS, when present, and PC are checked but not used. */
		if (rest >= 2 && !num(f[c + 3], &id))
			return bad(r, "bad flags", f[c + 3]);
		if (!num(f[c + (rest >= 2 ? 4 : 3)], &tick))
			return bad(r, "bad tick", f[c + (rest >= 2 ? 4 : 3)]);
		if (rest == 3 && !num(f[c + 5], &id))
			return bad(r, "bad pc", f[c + 5]);
	}
	if (r->started && tick < r->last_ps)
		return bad(r, "tick goes backwards:",
			   f[fmt == FMT_PLAIN ? 0 : c + (n - c - 3 >= 2 ? 4 : 3)]);
	if (*size == 0 || *size > 4096)
		return bad(r, "size must be 1 to 4096 bytes, not", f[c + 2]);
	/* Accepted: only now does the line set the format and the clock. */
	r->fmt = fmt;
	*tick_ps = tick;
	if (!r->started)
		r->first_ps = tick;
	r->started = true;
	r->last_ps = tick;
	if (f[c][0] == 'u' || f[c][0] == 'U') {
		r->skipped++;
		return 0;
	}
	*write = f[c][0] == 'w' || f[c][0] == 'W';
	return 1;
}

static void replay_one(struct replay *r, uint64_t tick_ps, bool write, uint64_t addr,
		       uint64_t size)
{
	static uint8_t buf[4096];
	struct cxlemu_sim_result res;
	uint64_t end, i;
	unsigned int b;
	int rc;

	r->now_ps = tick_ps;
	if (write)
		for (i = 0; i < size; i++)
			buf[i] = (uint8_t)(addr + i);
	rc = cxlemu_sim_access(r->sim, addr, (uint32_t)size,
			       write ? CXLEMU_SIM_WRITE : CXLEMU_SIM_READ, buf, &res);
	r->accesses++;
	if (rc == -ENXIO) {
		r->unrouted++;
		r->unrouted_bytes += size;
		return;
	}
	if (rc) {
		r->failed++;
		return;
	}
	r->ok++;
	r->bytes += size;
	r->reads += !write;
	r->writes += write;
	r->pieces += res.pieces;
	r->split += res.pieces > 1;
	if (r->ok == 1 || res.latency_ns < r->lat_min)
		r->lat_min = res.latency_ns;
	if (res.latency_ns > r->lat_max)
		r->lat_max = res.latency_ns;
	r->lat_sum += res.latency_ns;
	/* Bucket k holds [2^k, 2^(k+1)) ns; bucket 0 also holds 0. */
	for (b = 0; b + 1 < NBUCKETS && res.latency_ns >> (b + 1); b++)
		;
	r->hist[b]++;
	end = tick_ps + res.latency_ns * 1000;
	if (end > r->end_ps)
		r->end_ps = end;
}

static void report(struct replay *r, bool json)
{
	struct cxlemu_topo *t = cxlemu_sim_topo(r->sim);
	uint64_t span_ps = r->ok ? r->end_ps - r->first_ps : 0;
	double mean = r->ok ? (double)r->lat_sum / (double)r->ok : 0;
	double gbps = span_ps ? (double)r->bytes * 1000.0 / (double)span_ps : 0;
	uint32_t e, n = cxlemu_sim_endpoints(r->sim);
	unsigned int b;
	struct json j;

	if (json) {
		json_begin(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "format", r->fmt == FMT_GEM5 ? "gem5" : "plain");
		json_u64(&j, "accesses", r->accesses);
		json_u64(&j, "reads", r->reads);
		json_u64(&j, "writes", r->writes);
		json_u64(&j, "bytes", r->bytes);
		json_u64(&j, "unrouted", r->unrouted);
		json_u64(&j, "unrouted_bytes", r->unrouted_bytes);
		json_u64(&j, "failed", r->failed);
		json_u64(&j, "skipped", r->skipped);
		json_u64(&j, "pieces", r->pieces);
		json_u64(&j, "split_accesses", r->split);
		json_fixed(&j, "first_tick_ns", (double)r->first_ps / 1000.0, 3);
		json_fixed(&j, "last_tick_ns", (double)r->last_ps / 1000.0, 3);
		json_fixed(&j, "span_ns", (double)span_ps / 1000.0, 3);
		json_fixed(&j, "throughput_gbps", gbps, 6);
		json_obj(&j, "latency_ns");
		if (r->ok) {
			json_u64(&j, "min", r->lat_min);
			json_fixed(&j, "mean", mean, 3);
			json_u64(&j, "max", r->lat_max);
		} else {
			json_null(&j, "min");
			json_null(&j, "mean");
			json_null(&j, "max");
		}
		json_arr(&j, "histogram");
		for (b = 0; b < NBUCKETS; b++) {
			if (!r->hist[b])
				continue;
			json_obj(&j, NULL);
			json_u64(&j, "from", b ? UINT64_C(1) << b : 0);
			json_u64(&j, "to", (UINT64_C(1) << (b + 1)) - 1);
			json_u64(&j, "count", r->hist[b]);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_end_obj(&j);
		json_arr(&j, "endpoints");
	} else {
		printf("trace %s (%s format): %" PRIu64 " accesses; served: %" PRIu64
		       " reads, %" PRIu64 " writes, %" PRIu64 " bytes\n", r->path,
		       r->fmt == FMT_GEM5 ? "gem5 packet" : "TICK R|W ADDRESS SIZE", r->accesses,
		       r->reads, r->writes, r->bytes);
		printf("unrouted: %" PRIu64 " (%" PRIu64 " bytes); failed: %" PRIu64
		       "; skipped packets: %" PRIu64 "\n", r->unrouted, r->unrouted_bytes, r->failed,
		       r->skipped);
		printf("pieces: %" PRIu64 " (%" PRIu64 " accesses split at interleave granules)\n",
		       r->pieces, r->split);
		if (r->ok)
			printf("latency: min %" PRIu64 " ns, mean %.3f ns, max %" PRIu64 " ns\n",
			       r->lat_min, mean, r->lat_max);
		printf("throughput: %.3f GB/s (%" PRIu64 " bytes over %.3f ns, first access to last completion)\n",
		       gbps, r->bytes, (double)span_ps / 1000.0);
		printf("\nlatency histogram:\n");
		for (b = 0; b < NBUCKETS; b++)
			if (r->hist[b])
				printf("  %6" PRIu64 " - %6" PRIu64 " ns: %" PRIu64 "\n",
				       b ? UINT64_C(1) << b : 0, (UINT64_C(1) << (b + 1)) - 1,
				       r->hist[b]);
		printf("\n%-12s %10s %10s %14s %14s %14s\n", "endpoint", "reads", "writes",
		       "read bytes", "write bytes", "busy ns");
	}
	for (e = 0; e < n; e++) {
		struct cxlemu_sim_ep_stats st;
		struct cxlemu_comp_info ci;

		cxlemu_sim_ep_stats(r->sim, e, &st);
		cxlemu_topo_info(t, cxlemu_sim_endpoint_comp(r->sim, e), &ci);
		if (json) {
			json_obj(&j, NULL);
			json_str(&j, "name", ci.name);
			json_u64(&j, "reads", st.reads);
			json_u64(&j, "writes", st.writes);
			json_u64(&j, "read_bytes", st.read_bytes);
			json_u64(&j, "write_bytes", st.write_bytes);
			json_u64(&j, "busy_ns", st.busy_ns);
			json_end_obj(&j);
		} else {
			printf("%-12s %10" PRIu64 " %10" PRIu64 " %14" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n",
			       ci.name, st.reads, st.writes, st.read_bytes, st.write_bytes, st.busy_ns);
		}
	}
	if (json) {
		json_end_arr(&j);
		json_end_obj(&j);
		json_finish(&j);
	}
}

int cmd_trace(struct cxlemu_topo *t, int argc, char **argv, bool json)
{
	struct cxlemu_sim_config cfg;
	struct replay r;
	char err[512], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	if (argc != 1) {
		fprintf(stderr, "cxlemu: trace: give one trace FILE ('-' for stdin)\n");
		cxlemu_topo_free(t);
		return 2;
	}
	r.path = argv[0];
	f = strcmp(r.path, "-") ? fopen(r.path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "cxlemu: trace: %s: %s\n", r.path, strerror(errno));
		cxlemu_topo_free(t);
		return 2;
	}
	cxlemu_sim_config_init(&cfg);
	cfg.topo = t;
	cfg.host.now_ns = clock_ns;
	cfg.host.log = log_stderr;
	cfg.host.opaque = &r;
	if (cxlemu_sim_new(&cfg, &r.sim, err, sizeof(err))) {
		fprintf(stderr, "cxlemu: trace: %s\n", err);
		if (f != stdin)
			fclose(f);
		return 2;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		uint64_t tick, addr, size;
		bool write = false;
		int got;

		r.line++;
		if ((size_t)len != strlen(line)) {
			bad(&r, "NUL byte in line", NULL);
			rc = 1;
			break;
		}
		if (len > MAX_LINE) {
			bad(&r, "line longer than 4096 bytes", NULL);
			rc = 1;
			break;
		}
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		got = parse_line(&r, line, &tick, &write, &addr, &size);
		if (got < 0) {
			rc = 1;
			break;
		}
		if (got)
			replay_one(&r, tick, write, addr, size);
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "cxlemu: trace: %s: read error\n", r.path);
		rc = 2;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (!rc)
		report(&r, json);
	cxlemu_sim_free(r.sim);
	if (!rc && fflush(stdout)) {
		fprintf(stderr, "cxlemu: trace: cannot write the report\n");
		rc = 2;
	}
	return rc;
}
