/* SPDX-License-Identifier: MIT */
/*
 * cxlemu-sim-bench: cost of one 64-byte cxlemu_sim_access() on the built-in
 * sparse store, beside the raw cxlemu_route() of the same addresses in the
 * same run (the baseline: what the access adds on top of routing is the
 * window lookup, the split at granules, the media and poison checks, the
 * page lookup and the copy, the latency model and the counters).
 *
 * Machines: the `cxlemu` tool's default topology (2-way 256 B across two
 * host bridges, two devices behind a switch), and one device behind one
 * host bridge (nothing interleaves).  Patterns: sequential 64-byte lines
 * and random lines over a 64 MiB working set that was written first
 * (pages present), reads and writes; and reads of memory never written
 * (zero fill).  Each figure is the best of several rounds of 65,536
 * accesses.
 *
 * A third column copies the same lines from a flat array (what a simulator
 * that keeps device memory in one buffer pays for the data alone).
 *
 * The last line reads
 *   sim ns/access (64 B, sparse store): worst X; route ns: Y; ratio Z
 * with X the slowest sim configuration, Y the slowest route figure, Z = X/Y.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cxlemu/cxlemu.h>

#include "../frontends/cli/default_topology.h"

#define NADDR 65536
#define WSET (UINT64_C(64) << 20)

static const char default_topology[] = CXLEMU_CLI_DEFAULT_TOPOLOGY;

static const char single_topology[] =
	"-M q35,cxl=on -m 4G,maxmem=8G,slots=8\n"
	"-object memory-backend-ram,id=vmem0,size=1G\n"
	"-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1\n"
	"-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0\n"
	"-device cxl-type3,bus=rp0,volatile-memdev=vmem0,id=mem0,sn=0x1\n"
	"-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G\n";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t sink;

static double time_route(const struct cxlemu_route_table *t, const uint64_t *a)
{
	double t0 = now_ns();
	uint64_t dpa, acc = 0;
	uint32_t ep;
	unsigned int i;

	for (i = 0; i < NADDR; i++) {
		cxlemu_route(t, a[i], &ep, &dpa);
		acc += dpa + ep;
	}
	sink += acc;
	return (now_ns() - t0) / NADDR;
}

/* The other baseline: the same lines copied from a flat buffer, what a
 * simulator that keeps device memory in one array pays for the data. */
static double time_flat(const uint8_t *flat, uint64_t base, const uint64_t *a, unsigned int op)
{
	uint8_t line[64];
	double t0;
	unsigned int i;

	memset(line, 0x5a, sizeof(line));
	t0 = now_ns();
	for (i = 0; i < NADDR; i++) {
		uint64_t off = (a[i] - base) % (2 * WSET);

		if (op == CXLEMU_SIM_WRITE)
			memcpy((uint8_t *)(uintptr_t)flat + off, line, 64);
		else
			memcpy(line, flat + off, 64);
		sink += line[7];
	}
	return (now_ns() - t0) / NADDR;
}

static double time_sim(struct cxlemu_sim *sim, const uint64_t *a, unsigned int op)
{
	uint8_t line[64];
	double t0;
	unsigned int i;

	memset(line, 0x5a, sizeof(line));
	t0 = now_ns();
	for (i = 0; i < NADDR; i++) {
		if (cxlemu_sim_access(sim, a[i], 64, op, line, NULL)) {
			fprintf(stderr, "access to 0x%" PRIx64 " failed\n", a[i]);
			exit(1);
		}
		sink += line[7];
	}
	return (now_ns() - t0) / NADDR;
}

static struct cxlemu_sim *machine(const char *cmdline, unsigned int ways, uint64_t *base)
{
	struct cxlemu_sim_config cfg;
	struct cxlemu_region_desc r;
	struct cxlemu_sim *sim;
	struct cxlemu_topo *t;
	char err[256];

	cxlemu_sim_config_init(&cfg);
	cfg.qemu_cmdline = cmdline;
	if (cxlemu_sim_new(&cfg, &sim, err, sizeof(err))) {
		fprintf(stderr, "machine: %s\n", err);
		exit(1);
	}
	t = cxlemu_sim_topo(sim);
	memset(&r, 0, sizeof(r));
	r.version = CXLEMU_REGION_DESC_VERSION;
	r.ways = ways;
	r.gran = 256;
	r.size = UINT64_C(1) << 30;
	r.endpoints[0] = cxlemu_topo_find(t, ways == 2 ? "cxl-mem0" : "mem0");
	if (ways == 2)
		r.endpoints[1] = cxlemu_topo_find(t, "cxl-mem2");
	if (cxlemu_topo_region_create(t, &r, base)) {
		fprintf(stderr, "region failed\n");
		exit(1);
	}
	return sim;
}

int main(int argc, char **argv)
{
	static uint64_t seq[NADDR], rnd[NADDR], cold[NADDR];
	unsigned int rounds = 15, m, i, k;
	double worst_sim = 0, worst_route = 0;
	uint64_t s = 0x9e3779b97f4a7c15u;

	if (argc > 1 && !strcmp(argv[1], "--quick")) {
		rounds = 3;
	} else if (argc > 1) {
		fprintf(stderr, "usage: cxlemu-sim-bench [--quick]\n");
		return 2;
	}
	uint8_t *flat = calloc(1, 2 * WSET);

	if (!flat)
		return 1;
	printf("%-22s %-8s %9s %9s %9s %8s\n", "machine", "pattern", "route ns", "flat ns",
	       "sim ns", "sim/route");
	for (m = 0; m < 2; m++) {
		uint64_t base;
		struct cxlemu_sim *sim = machine(m ? single_topology : default_topology, m ? 1 : 2,
						 &base);
		const struct cxlemu_route_table *t =
			cxlemu_route_pub_get(cxlemu_topo_routes(cxlemu_sim_topo(sim), 0));
		const char *name = m ? "1 device" : "2-way 256 B, switch";
		struct {
			const char *pat;
			const uint64_t *a;
			unsigned int op;
		} runs[] = {
			{ "seq rd", seq, CXLEMU_SIM_READ },
			{ "seq wr", seq, CXLEMU_SIM_WRITE },
			{ "rand rd", rnd, CXLEMU_SIM_READ },
			{ "rand wr", rnd, CXLEMU_SIM_WRITE },
			{ "cold rd", cold, CXLEMU_SIM_READ },
		};

		for (i = 0; i < NADDR; i++) {
			s = s * 6364136223846793005u + 1442695040888963407u;
			seq[i] = base + 64 * (uint64_t)i;
			rnd[i] = base + ((s >> 11) % (WSET / 64)) * 64;
			/* Never written: the upper half of the region. */
			cold[i] = base + (UINT64_C(512) << 20) + ((s >> 13) % (WSET / 64)) * 64;
		}
		/* Pages present for the working set. */
		for (k = 0; k < WSET / 4096; k++) {
			static uint8_t page[4096];

			cxlemu_sim_access(sim, base + 4096 * (uint64_t)k, 4096, CXLEMU_SIM_WRITE, page,
					  NULL);
		}
		for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
			double best_r = 1e30, best_s = 1e30, best_f = 1e30, v;

			for (k = 0; k < rounds; k++) {
				v = time_route(t, runs[i].a);
				if (v < best_r)
					best_r = v;
				v = time_flat(flat, base, runs[i].a, runs[i].op);
				if (v < best_f)
					best_f = v;
				v = time_sim(sim, runs[i].a, runs[i].op);
				if (v < best_s)
					best_s = v;
			}
			printf("%-22s %-8s %9.2f %9.2f %9.2f %7.1fx\n", name, runs[i].pat, best_r,
			       best_f, best_s, best_s / best_r);
			if (best_s > worst_sim)
				worst_sim = best_s;
			if (best_r > worst_route)
				worst_route = best_r;
		}
		cxlemu_sim_free(sim);
	}
	free(flat);
	printf("(checksum %" PRIx64 ")\n", sink);
	printf("sim ns/access (64 B, sparse store): worst %.2f; route ns: %.2f; ratio %.1f\n",
	       worst_sim, worst_route, worst_sim / worst_route);
	return 0;
}
