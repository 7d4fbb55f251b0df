/* SPDX-License-Identifier: MIT */
/*
 * cxlemu: the command-line tool for offline work with libcxlemu.
 *
 *   cxlemu [show]              the built-in default topology, its routes
 *   cxlemu translate [QUERY]   interleave arithmetic, batch on stdin
 *   cxlemu route HPA...        route addresses through the default topology
 *   cxlemu layout [--start HPA] [--count N]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

#include "topo.h"
#include "translate.h"

static const char usage[] =
	"usage: cxlemu [show]\n"
	"       cxlemu translate [QUERY]      (no QUERY: one query per line on stdin)\n"
	"       cxlemu route HPA...\n"
	"       cxlemu layout [--start HPA] [--count N]\n"
	"       cxlemu --help | --version\n"
	"\n"
	"QUERY is one of\n"
	"  dpa2hpa (ways=N|eiw=N) (gran=N|eig=N) dpa=X pos=P [xor=M0,M1,...]\n"
	"  hpa2dpa (ways=N|eiw=N) (gran=N|eig=N) hpa=X [xor=M0,M1,...]\n"
	"numbers are decimal or 0x-hex; each answer is one line: hpa=H,\n"
	"pos=P dpa=D, or error: REASON.\n"
	"\n"
	"show, route and layout work on the built-in default topology: two host\n"
	"bridges interleaved 2 ways at 256 B, a switch with two type-3 devices\n"
	"under the first, one type-3 device under the second.\n";

static void log_stderr(void *opaque, int level, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "cxlemu: %s%s\n", level <= CXLEMU_LOG_ERR ? "error: " : "",
		msg);
}

/* Decimal or 0x-hex, as the usage says: no sign, blanks or octal. */
static int parse_num(const char *s, uint64_t *v)
{
	return parse_u64(s, strlen(s), v) ? 0 : -1;
}

static int cmd_translate(int argc, char **argv)
{
	char out[512], *line = NULL, joined[TRANSLATE_MAX_LINE + 2];
	size_t cap = 0, n = 0;
	ssize_t len;
	int i, failed = 0;

	if (argc > 0) {
		/* The query is the rest of the command line. */
		joined[0] = '\0';
		for (i = 0; i < argc; i++) {
			size_t l = strlen(argv[i]);

			if (n + l + 1 > TRANSLATE_MAX_LINE + 1) {
				fprintf(stderr, "cxlemu: query too long\n");
				return 2;
			}
			if (i)
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

static void print_size(uint64_t v)
{
	if (v >= (UINT64_C(1) << 30) && !(v & ((UINT64_C(1) << 30) - 1)))
		printf("%" PRIu64 " GiB", v >> 30);
	else if (v >= (UINT64_C(1) << 20) && !(v & ((UINT64_C(1) << 20) - 1)))
		printf("%" PRIu64 " MiB", v >> 20);
	else
		printf("0x%" PRIx64, v);
}

static void print_decoder(const struct cxlemu_route_decoder *d,
			  const struct topo *t, uint32_t kind, int indent)
{
	unsigned int ways, i;
	uint64_t gran;

	cxlemu_eiw_to_ways(d->eiw, &ways);
	cxlemu_eig_to_gran(d->eig, &gran);
	printf("%*sdecoder [0x%" PRIx64 ", +", indent, "", d->base);
	print_size(d->size);
	printf(") %u-way %" PRIu64 " B", ways, gran);
	if (kind == CXLEMU_NODE_ENDPOINT) {
		printf(" dpa 0x%" PRIx64 "\n", d->dpa_base);
		return;
	}
	printf(" ->");
	for (i = 0; i < ways; i++)
		printf(" %s", d->targets[i] == CXLEMU_NO_NODE ? "-" :
			      t->names[d->targets[i]]);
	printf("\n");
}

static void print_node(const struct topo *t, uint32_t n, int indent)
{
	const struct cxlemu_route_node *node = &t->nodes[n];
	uint32_t i, k;

	printf("%*s%s (%s)\n", indent, "", t->names[n], t->roles[n]);
	for (i = 0; i < node->ndecoders; i++)
		print_decoder(&node->decoders[i], t, node->kind, indent + 4);
	if (node->kind == CXLEMU_NODE_PORT) {
		if (node->below != CXLEMU_NO_NODE)
			print_node(t, node->below, indent + 2);
		return;
	}
	if (node->kind != CXLEMU_NODE_SWITCH)
		return;
	/* Ports below a switching component: every target, once. */
	for (k = 0; k < t->nnodes; k++) {
		bool below = false;

		for (i = 0; i < node->ndecoders; i++) {
			unsigned int ways, j;

			cxlemu_eiw_to_ways(node->decoders[i].eiw, &ways);
			for (j = 0; j < ways; j++)
				below |= node->decoders[i].targets[j] == k;
		}
		if (below)
			print_node(t, k, indent + 2);
	}
}

static void print_topology(const struct topo *t)
{
	const struct cxlemu_route_window *w = &t->window;
	unsigned int ways, i;
	uint64_t gran;

	cxlemu_eiw_to_ways(w->eiw, &ways);
	cxlemu_eig_to_gran(w->eig, &gran);
	printf("%s: [0x%" PRIx64 ", +", t->window_name, w->base);
	print_size(w->size);
	printf(") %u-way %" PRIu64 " B %s ->", ways, gran,
	       w->arith == CXLEMU_ARITH_XOR ? "xor" : "modulo");
	for (i = 0; i < ways; i++)
		printf(" %s", t->names[w->targets[i]]);
	printf("\n");
	for (i = 0; i < ways; i++)
		print_node(t, w->targets[i], 2);
}

static const char *reason_text(uint32_t r)
{
	switch (r) {
	case CXLEMU_MISS_OUTSIDE: return "outside the window";
	case CXLEMU_MISS_NO_DECODER: return "no committed decoder covers it";
	case CXLEMU_MISS_EMPTY_PORT: return "nothing attached";
	default: return "routed";
	}
}

static void print_route(const struct topo *t, uint64_t hpa)
{
	struct cxlemu_route_info info;
	uint32_t i;
	int rc = cxlemu_route_walk(&t->window, t->nodes, t->nnodes, hpa, &info);

	printf("0x%" PRIx64 ": ", hpa);
	if (rc < 0) {
		printf("error: %s\n", cxlemu_strerror(rc));
		return;
	}
	if (rc) {
		printf("unmapped at level %u (%s): %s\n", info.level,
		       topo_name(t, info.ep), reason_text(info.reason));
		return;
	}
	printf("%s dpa=0x%" PRIx64 " via %s", t->names[info.ep], info.dpa,
	       t->window_name);
	for (i = 0; i < info.depth; i++)
		printf("/%s", t->names[info.path[i]]);
	printf("\n");
}

static int build_table(const struct topo *t, struct cxlemu_ctx *ctx,
		       struct cxlemu_route_table **rt)
{
	int rc = cxlemu_route_table_build(ctx, &t->window, t->nodes, t->nnodes, rt);

	if (rc)
		fprintf(stderr, "cxlemu: route table: %s\n", cxlemu_strerror(rc));
	return rc;
}

static void print_layout(const struct topo *t, const struct cxlemu_route_table *rt,
			 uint64_t start, uint64_t count)
{
	uint64_t gran, i, hpa, dpa;
	uint32_t ep;
	int rc;

	/* The finest granularity of the window is the interleave unit. */
	gran = 256;
	start &= ~(gran - 1);
	printf("%-18s  %-10s  %s\n", "HPA", "device", "DPA");
	for (i = 0; i < count; i++) {
		hpa = start + i * gran;
		rc = cxlemu_route(rt, hpa, &ep, &dpa);
		if (rc)
			printf("0x%016" PRIx64 "  unmapped at level %u (%s)\n", hpa,
			       CXLEMU_ROUTE_MISS_LEVEL(rc), topo_name(t, ep));
		else
			printf("0x%016" PRIx64 "  %-10s  0x%" PRIx64 "\n", hpa,
			       topo_name(t, ep), dpa);
	}
}

/* The main job: show the default topology and prove its table right. */
static int cmd_show(struct cxlemu_ctx *ctx)
{
	static struct topo t;
	struct cxlemu_route_table *rt;
	struct cxlemu_route_table_stats st;
	uint64_t i, hpa, dpa, state = 0x12345678, agree = 0;
	uint32_t ep;
	int rc;

	topo_default(&t);
	if (build_table(&t, ctx, &rt))
		return 1;
	printf("libcxlemu %s: built-in default topology\n\n", cxlemu_version());
	print_topology(&t);
	cxlemu_route_table_stats(rt, &st);
	printf("\nroute table: %u segment(s), %u slot(s), %u target(s), %" PRIu64 " bytes\n\n",
	       st.segments, st.slots, st.targets, st.bytes);
	printf("interleave layout of the first 8 granules:\n");
	print_layout(&t, rt, t.window.base, 8);
	printf("\nroutes:\n");
	print_route(&t, t.window.base + 0x12345);
	print_route(&t, t.window.base + t.window.size - 1);
	print_route(&t, t.window.base + t.window.size);
	/* Table and level-by-level walk agree on random addresses. */
	for (i = 0; i < 1000000; i++) {
		struct cxlemu_route_info info;

		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		hpa = t.window.base + (state >> 11) % (t.window.size + 4096);
		rc = cxlemu_route(rt, hpa, &ep, &dpa);
		if (rc != cxlemu_route_walk(&t.window, t.nodes, t.nnodes, hpa, &info) ||
		    ep != info.ep || (!rc && dpa != info.dpa)) {
			printf("MISMATCH at 0x%" PRIx64 "\n", hpa);
			cxlemu_route_table_free(rt);
			return 1;
		}
		agree++;
	}
	printf("\nroute table and level-by-level walk agree on %" PRIu64 " random addresses\n",
	       agree);
	cxlemu_route_table_free(rt);
	return 0;
}

static int cmd_route(struct cxlemu_ctx *ctx, int argc, char **argv)
{
	static struct topo t;
	uint64_t hpa;
	int i, bad = 0;

	(void)ctx;
	if (argc == 0) {
		fprintf(stderr, "cxlemu: route: give at least one HPA\n");
		return 2;
	}
	topo_default(&t);
	for (i = 0; i < argc; i++) {
		if (parse_num(argv[i], &hpa)) {
			fprintf(stderr, "cxlemu: route: '%s' is not an address\n", argv[i]);
			bad = 2;
			continue;
		}
		print_route(&t, hpa);
	}
	return bad;
}

static int cmd_layout(struct cxlemu_ctx *ctx, int argc, char **argv)
{
	static struct topo t;
	struct cxlemu_route_table *rt;
	uint64_t start, count = 16;
	int i;

	topo_default(&t);
	start = t.window.base;
	for (i = 0; i < argc; i++) {
		uint64_t *v = !strcmp(argv[i], "--start") ? &start :
			      !strcmp(argv[i], "--count") ? &count : NULL;

		if (!v || i + 1 == argc || parse_num(argv[i + 1], v)) {
			fprintf(stderr, "cxlemu: layout: bad option '%s'\n%s", argv[i], usage);
			return 2;
		}
		i++;
	}
	if (count > 1000000) {
		fprintf(stderr, "cxlemu: layout: --count at most 1000000\n");
		return 2;
	}
	if (build_table(&t, ctx, &rt))
		return 1;
	print_layout(&t, rt, start, count);
	cxlemu_route_table_free(rt);
	return 0;
}

int main(int argc, char **argv)
{
	struct cxlemu_host_ops ops = {
		.version = CXLEMU_HOST_OPS_VERSION,
		.log = log_stderr,
	};
	struct cxlemu_ctx *ctx;
	const char *cmd = argc > 1 ? argv[1] : "show";
	int rc;

	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("cxlemu %s\n", cxlemu_version());
		return 0;
	}
	if (!strcmp(cmd, "translate"))
		return cmd_translate(argc - 2, argv + 2);
	if (cxlemu_ctx_new(&ops, NULL, &ctx)) {
		fprintf(stderr, "cxlemu: out of memory\n");
		return 1;
	}
	if (!strcmp(cmd, "show"))
		rc = cmd_show(ctx);
	else if (!strcmp(cmd, "route"))
		rc = cmd_route(ctx, argc - 2, argv + 2);
	else if (!strcmp(cmd, "layout"))
		rc = cmd_layout(ctx, argc - 2, argv + 2);
	else {
		fprintf(stderr, "cxlemu: unknown command '%s'\n%s", cmd, usage);
		rc = 2;
	}
	cxlemu_ctx_free(ctx);
	return rc;
}
