/* SPDX-License-Identifier: MIT */
/*
 * cxlemu-bench: cost of one HPA -> (endpoint, DPA) translation.
 *
 * For ways {1,2,3,4,6,8,12,16} x granularity {256 B, 4 KiB, 16 KiB} x
 * {modulo, XOR} x depth {1,2,3} (decoder levels above the endpoints: host
 * bridge, then switch levels), sequential and random addresses, it times the
 * flat route table (cxlemu_route) and, in the same run on the same
 * addresses, the level-by-level walk (cxlemu_route_walk) that emulators do
 * today, and prints both with their ratio.
 *
 * The last line reads
 *   worst ns/translation: X; depth-3 speedup over walk: Y
 * with X the slowest table configuration and Y the smallest depth-3 ratio.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cxlemu/cxlemu.h>

#define MAX_NODES 256
#define MAX_DECS 256
#define NADDR 65536

struct fab {
	struct cxlemu_route_window w;
	struct cxlemu_route_node nodes[MAX_NODES];
	struct cxlemu_route_decoder decs[MAX_DECS];
	uint32_t nnodes, ndecs;
};

static uint32_t add_node(struct fab *f, uint32_t kind, uint32_t below)
{
	uint32_t i = f->nnodes++;

	f->nodes[i].kind = kind;
	f->nodes[i].id = i;
	f->nodes[i].below = below;
	f->nodes[i].ndecoders = 0;
	f->nodes[i].decoders = NULL;
	return i;
}

static struct cxlemu_route_decoder *add_dec(struct fab *f, uint32_t node,
					    unsigned int ways, uint64_t gran)
{
	struct cxlemu_route_decoder *d = &f->decs[f->ndecs++];
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->base = f->w.base;
	d->size = f->w.size;
	cxlemu_ways_to_eiw(ways, &i);
	d->eiw = (uint8_t)i;
	cxlemu_gran_to_eig(gran, &i);
	d->eig = (uint8_t)i;
	memset(d->targets, 0xff, sizeof(d->targets));
	f->nodes[node].decoders = d;
	f->nodes[node].ndecoders = 1;
	return d;
}

/* Ways per level: the window first, then host bridge, then switches. */
static void split_ways(unsigned int ways, unsigned int depth, unsigned int *lw)
{
	unsigned int levels = depth + 1, i, f = ways, k = 0;

	for (i = 0; i < levels; i++)
		lw[i] = 1;
	/* Factor 3 at the window, factors of 2 round-robin over the levels. */
	if (f % 3 == 0) {
		lw[0] = 3;
		f /= 3;
		k = 1;
	}
	while (f > 1) {
		lw[k % levels] *= 2;
		f /= 2;
		k++;
	}
}

/*
 * Builds the subtree below a level-l component selecting over lw[l] ways;
 * returns the node index.  Granularity grows by the ways above (as Linux
 * programs regions), endpoints decode all ways at the window granularity.
 */
static uint32_t build_level(struct fab *f, const unsigned int *lw,
			    unsigned int level, unsigned int depth,
			    uint64_t gran, unsigned int ways, uint64_t above)
{
	uint32_t below[16], sw, i;
	struct cxlemu_route_decoder *d;

	if (level > depth) {
		uint32_t ep = add_node(f, CXLEMU_NODE_ENDPOINT, CXLEMU_NO_NODE);

		add_dec(f, ep, ways, gran);
		return ep;
	}
	for (i = 0; i < lw[level]; i++) {
		uint32_t child = build_level(f, lw, level + 1, depth, gran, ways,
					     above * lw[level]);

		below[i] = add_node(f, CXLEMU_NODE_PORT, child);
	}
	sw = add_node(f, CXLEMU_NODE_SWITCH, CXLEMU_NO_NODE);
	d = add_dec(f, sw, lw[level], gran * above);
	for (i = 0; i < lw[level]; i++)
		d->targets[i] = below[i];
	return sw;
}

static void build(struct fab *f, unsigned int ways, uint64_t gran, int xor,
		  unsigned int depth)
{
	unsigned int lw[4], i, eiw, eig, n;

	memset(f, 0, sizeof(*f));
	f->w.base = UINT64_C(0x4000000000);
	f->w.size = UINT64_C(64) << 30;
	split_ways(ways, depth, lw);
	cxlemu_ways_to_eiw(lw[0], &eiw);
	cxlemu_gran_to_eig(gran, &eig);
	f->w.eiw = (uint8_t)eiw;
	f->w.eig = (uint8_t)eig;
	memset(f->w.targets, 0xff, sizeof(f->w.targets));
	for (i = 0; i < lw[0]; i++)
		f->w.targets[i] = build_level(f, lw, 1, depth, gran, ways, lw[0]);
	if (xor) {
		f->w.arith = CXLEMU_ARITH_XOR;
		n = eiw >= 8 ? eiw - 8 : eiw;
		f->w.nxormaps = (uint8_t)n;
		/* Pivot = interleave bit i, plus a few high bits as platforms use. */
		for (i = 0; i < n; i++)
			f->w.xormaps[i] = (UINT64_C(1) << (eig + 8 + i)) |
					  (UINT64_C(1) << (22 + i)) |
					  (UINT64_C(1) << (31 + i)) |
					  (UINT64_C(1) << (40 + i));
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t sink;

static double time_table(const struct cxlemu_route_table *t, const uint64_t *a,
			 unsigned int n, unsigned int reps)
{
	double best = 1e30, t0, dt;
	uint64_t acc = 0, dpa;
	unsigned int r, i;
	uint32_t ep;

	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			acc += (uint64_t)cxlemu_route(t, a[i], &ep, &dpa);
			acc += dpa ^ ep;
		}
		dt = (now_ns() - t0) / n;
		if (dt < best)
			best = dt;
	}
	sink += acc;
	return best;
}

static double time_walk(const struct fab *f, const uint64_t *a, unsigned int n,
			unsigned int reps)
{
	struct cxlemu_route_info info;
	double best = 1e30, t0, dt;
	uint64_t acc = 0;
	unsigned int r, i;

	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			acc += (uint64_t)cxlemu_route_walk(&f->w, f->nodes, f->nnodes,
							   a[i], &info);
			acc += info.dpa ^ info.ep;
		}
		dt = (now_ns() - t0) / n;
		if (dt < best)
			best = dt;
	}
	sink += acc;
	return best;
}

int main(int argc, char **argv)
{
	static const unsigned int ways[] = { 1, 2, 3, 4, 6, 8, 12, 16 };
	static const uint64_t grans[] = { 256, 4096, 16384 };
	static struct fab f;
	static uint64_t seq[NADDR], rnd[NADDR];
	double worst = 0, min_speed3 = 1e30, sum_depth[4] = { 0 };
	unsigned int wi, gi, x, depth, i, cnt_depth[4] = { 0 };
	unsigned int reps = 5, rounds = 8;
	uint64_t s = 0x243F6A8885A308D3ULL;

	if (argc > 1 && !strcmp(argv[1], "--quick")) {
		reps = 2;
		rounds = 2;
	} else if (argc > 1) {
		fprintf(stderr, "usage: cxlemu-bench [--quick]\n");
		return 2;
	}
	printf("%-5s %-6s %-6s %-5s %-4s %10s %10s %9s %12s\n", "ways", "gran",
	       "arith", "depth", "addr", "table ns", "walk ns", "speedup",
	       "table Mtr/s");
	for (wi = 0; wi < 8; wi++)
	for (gi = 0; gi < 3; gi++)
	for (x = 0; x < 2; x++)
	for (depth = 1; depth <= 3; depth++) {
		struct cxlemu_route_table *t;
		int p;

		build(&f, ways[wi], grans[gi], x, depth);
		if (cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, &t)) {
			fprintf(stderr, "build failed: ways %u gran %" PRIu64 " depth %u\n",
				ways[wi], grans[gi], depth);
			return 1;
		}
		for (i = 0; i < NADDR; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			/* 64-byte accesses: consecutive lines, and random lines. */
			seq[i] = f.w.base + (uint64_t)i * 64;
			rnd[i] = f.w.base + ((s % f.w.size) & ~UINT64_C(63));
		}
		for (p = 0; p < 2; p++) {
			const uint64_t *a = p ? rnd : seq;
			double tt = 1e30, tw = 1e30, v;
			unsigned int k;

			/* Interleave the two so both see the same machine state. */
			for (k = 0; k < rounds; k++) {
				v = time_table(t, a, NADDR, reps);
				tt = v < tt ? v : tt;
				v = time_walk(&f, a, NADDR, 1);
				tw = v < tw ? v : tw;
			}
			printf("%-5u %-6" PRIu64 " %-6s %-5u %-4s %10.2f %10.2f %8.1fx %12.0f\n",
			       ways[wi], grans[gi], x ? "xor" : "modulo", depth,
			       p ? "rand" : "seq", tt, tw, tw / tt, 1e3 / tt);
			if (tt > worst)
				worst = tt;
			if (depth == 3 && tw / tt < min_speed3)
				min_speed3 = tw / tt;
			sum_depth[depth] += tt;
			cnt_depth[depth]++;
		}
		cxlemu_route_table_free(t);
	}
	printf("\nmean table ns by depth: 1: %.2f  2: %.2f  3: %.2f\n",
	       sum_depth[1] / cnt_depth[1], sum_depth[2] / cnt_depth[2],
	       sum_depth[3] / cnt_depth[3]);
	printf("(checksum %" PRIx64 ")\n", sink);
	printf("worst ns/translation: %.2f; depth-3 speedup over walk: %.1f\n",
	       worst, min_speed3);
	return 0;
}
