/* SPDX-License-Identifier: MIT */
/* Topology model, component registers, routes that follow the registers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define MB256 (UINT64_C(256) << 20)
#define GB (UINT64_C(1) << 30)
#define HDM (0x1000u + 0x400u)
#define DEC(n, r) (HDM + 0x10u + 0x20u * (n) + (r))
#define WBASE UINT64_C(0x490000000)

static uint64_t seed;

struct ids {
	uint32_t hb0, hb1, rp0, rp1, usp, dsp0, dsp1, m0, m1, m2;
};

/* Two host bridges, a switch with two devices under the first. */
static struct cxlemu_topo *build(struct ids *i)
{
	struct cxlemu_window_desc w;
	struct cxlemu_topo *t;

	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	i->hb0 = test_add_comp(t, CXLEMU_COMP_HOST_BRIDGE, "cxl.1", CXLEMU_COMP_NONE, 0, 0, 0);
	i->hb1 = test_add_comp(t, CXLEMU_COMP_HOST_BRIDGE, "cxl.2", CXLEMU_COMP_NONE, 0, 0, 0);
	i->rp0 = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "root_port0", i->hb0, 0, 0, 0);
	i->rp1 = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "root_port1", i->hb1, 0, 0, 0);
	i->usp = test_add_comp(t, CXLEMU_COMP_USP, "us0", i->rp0, 0, 0, 0);
	i->dsp0 = test_add_comp(t, CXLEMU_COMP_DSP, "swport0", i->usp, 0, 0, 0);
	i->dsp1 = test_add_comp(t, CXLEMU_COMP_DSP, "swport1", i->usp, 1, 0, 0);
	i->m0 = test_add_comp(t, CXLEMU_COMP_TYPE3, "cxl-mem0", i->dsp0, 0, GB, 0);
	i->m1 = test_add_comp(t, CXLEMU_COMP_TYPE3, "cxl-mem1", i->dsp1, 0, GB, 0);
	i->m2 = test_add_comp(t, CXLEMU_COMP_TYPE3, "cxl-mem2", i->rp1, 0, 2 * GB, 0);
	memset(&w, 0, sizeof(w));
	w.version = CXLEMU_WINDOW_DESC_VERSION;
	w.base = WBASE;
	w.size = 4 * GB;
	w.ways = 2;
	w.gran = 256;
	w.targets[0] = i->hb0;
	w.targets[1] = i->hb1;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	return t;
}

static void wr(struct cxlemu_topo *t, uint32_t id, uint32_t off, uint32_t v)
{
	assert_int_equal(cxlemu_topo_reg_write(t, id, off, 4, v), 0);
}

static uint32_t rd(struct cxlemu_topo *t, uint32_t id, uint32_t off)
{
	uint64_t v;

	assert_int_equal(cxlemu_topo_reg_read(t, id, off, 4, &v), 0);
	return (uint32_t)v;
}

/* Programs and commits decoder n as Linux does. */
static uint32_t program(struct cxlemu_topo *t, uint32_t id, unsigned int n,
			uint64_t base, uint64_t size, unsigned int eiw,
			unsigned int eig, uint32_t tl)
{
	wr(t, id, DEC(n, 0x0), (uint32_t)base);
	wr(t, id, DEC(n, 0x4), (uint32_t)(base >> 32));
	wr(t, id, DEC(n, 0x8), (uint32_t)size);
	wr(t, id, DEC(n, 0xc), (uint32_t)(size >> 32));
	wr(t, id, DEC(n, 0x14), tl);
	wr(t, id, DEC(n, 0x10), eig | eiw << 4 | 1u << 9);
	return rd(t, id, DEC(n, 0x10));
}

static void program_region(struct cxlemu_topo *t, const struct ids *i)
{
	assert_true(program(t, i->hb0, 0, WBASE, 4 * GB, 0, 1, 0) & (1u << 10));
	assert_true(program(t, i->hb1, 0, WBASE, 4 * GB, 0, 1, 0) & (1u << 10));
	assert_true(program(t, i->usp, 0, WBASE, 4 * GB, 1, 1, 0x0100) & (1u << 10));
	assert_true(program(t, i->m0, 0, WBASE, 4 * GB, 2, 0, 0) & (1u << 10));
	assert_true(program(t, i->m1, 0, WBASE, 4 * GB, 2, 0, 0) & (1u << 10));
	assert_true(program(t, i->m2, 0, WBASE, 4 * GB, 1, 0, 0) & (1u << 10));
	wr(t, i->m0, HDM + 4, 2);
	wr(t, i->m1, HDM + 4, 2);
	wr(t, i->m2, HDM + 4, 2);
}

static void expect(struct cxlemu_topo *t, uint64_t hpa, int rc, uint32_t ep,
		   uint64_t dpa)
{
	struct cxlemu_route_info info;
	uint32_t got;
	uint64_t gdpa;

	assert_int_equal(cxlemu_topo_route(t, hpa, &got, &gdpa), rc);
	assert_int_equal(got, ep);
	assert_int_equal(cxlemu_topo_walk(t, hpa, &info), rc);
	assert_int_equal(info.ep, ep);
	if (rc == 0) {
		assert_int_equal(gdpa, dpa);
		assert_int_equal(info.dpa, dpa);
	}
}

static void test_routes_follow_registers(void **state)
{
	struct ids i;
	struct cxlemu_topo *t = build(&i);

	(void)state;
	/* Nothing committed: the window misses at the host bridge. */
	expect(t, WBASE, CXLEMU_ROUTE_MISS | 1, i.hb0, 0);
	expect(t, WBASE + 0x100, CXLEMU_ROUTE_MISS | 1, i.hb1, 0);
	expect(t, WBASE - 1, CXLEMU_ROUTE_MISS, CXLEMU_COMP_NONE, 0);
	program_region(t, &i);
	expect(t, WBASE, 0, i.m0, 0);
	expect(t, WBASE + 0x100, 0, i.m2, 0);
	expect(t, WBASE + 0x200, 0, i.m1, 0);
	expect(t, WBASE + 0x12345, 0, i.m2, 0x9145);
	expect(t, WBASE + 4 * GB - 1, 0, i.m2, 2 * GB - 1);
	/* HDM decode disabled at an endpoint: it misses at its level. */
	wr(t, i.m1, HDM + 4, 0);
	expect(t, WBASE + 0x200, CXLEMU_ROUTE_MISS | 5, i.m1, 0);
	wr(t, i.m1, HDM + 4, 2);
	expect(t, WBASE + 0x200, 0, i.m1, 0);
	/* Uncommit the switch decoder: the switch misses. */
	wr(t, i.usp, DEC(0, 0x10), 0);
	expect(t, WBASE, CXLEMU_ROUTE_MISS | 3, i.usp, 0);
	expect(t, WBASE + 0x100, 0, i.m2, 0);
	/* Retarget it to one port only (1 way): everything to cxl-mem1. */
	assert_true(program(t, i.usp, 0, WBASE, 4 * GB, 0, 1, 0x01) & (1u << 10));
	expect(t, WBASE, 0, i.m1, 0);
	/* A reset of the host bridge unmaps its half. */
	assert_int_equal(cxlemu_topo_reset(t, i.hb0), 0);
	expect(t, WBASE + 0x200, CXLEMU_ROUTE_MISS | 1, i.hb0, 0);
	expect(t, WBASE + 0x300, 0, i.m2, 0x100);
	cxlemu_topo_free(t);
}

static void test_component_registers(void **state)
{
	struct ids i;
	struct cxlemu_topo *t = build(&i);
	uint32_t hdr;
	uint64_t v;

	(void)state;
	/* CXL Capability Header: ID 1, version 1, 3 capabilities. */
	hdr = rd(t, i.m0, 0x1000);
	assert_int_equal(hdr & 0xffff, 1);
	assert_int_equal(hdr >> 24, 3);
	/* RAS (2) at 0x100, link (4) at 0x200, HDM (5) at 0x400. */
	assert_int_equal(rd(t, i.m0, 0x1004) & 0xffff, 2);
	assert_int_equal(rd(t, i.m0, 0x1004) >> 20, 0x100);
	assert_int_equal(rd(t, i.m0, 0x1008) & 0xffff, 4);
	assert_int_equal(rd(t, i.m0, 0x100c) & 0xffff, 5);
	assert_int_equal(rd(t, i.m0, 0x100c) >> 20, 0x400);
	/* HDM capability: 4 decoders (encoding 2). */
	assert_int_equal(rd(t, i.m0, HDM) & 0xf, 2);
	/* Ports have RAS and link only. */
	assert_int_equal(rd(t, i.rp0, 0x1000) >> 24, 2);
	assert_int_equal(rd(t, i.rp0, 0x100c), 0);
	/* RAS: masks read back, status is write-one-to-clear, severity
	 * defaults to fatal. */
	assert_int_equal(rd(t, i.m0, 0x1108), 0x1ffff);
	wr(t, i.m0, 0x1104, 0xffffffff);
	assert_int_equal(rd(t, i.m0, 0x1104), 0x1ffff);
	wr(t, i.m0, 0x1100, 0xffffffff);
	assert_int_equal(rd(t, i.m0, 0x1100), 0);
	/* CXL.io area and the rest read 0; bounds and widths are checked. */
	assert_int_equal(rd(t, i.m0, 0x0), 0);
	assert_int_equal(rd(t, i.m0, 0xfffc), 0);
	assert_int_equal(cxlemu_topo_reg_read(t, i.m0, 0x10000, 4, &v), -EINVAL);
	assert_int_equal(cxlemu_topo_reg_read(t, i.m0, 0xfffc, 8, &v), -EINVAL);
	assert_int_equal(cxlemu_topo_reg_read(t, i.m0, 0x1002, 4, &v), -EINVAL);
	assert_int_equal(cxlemu_topo_reg_read(t, 999, 0x1000, 4, &v), -EINVAL);
	assert_int_equal(cxlemu_topo_reg_write(t, i.m0, 0x1001, 4, 0), -EINVAL);
	/* 8-byte access to the HDM decoder base. */
	assert_int_equal(cxlemu_topo_reg_write(t, i.m0, DEC(0, 0), 8, WBASE), 0);
	assert_int_equal(cxlemu_topo_reg_read(t, i.m0, DEC(0, 0), 8, &v), 0);
	assert_int_equal(v, WBASE);
	cxlemu_topo_free(t);
}

static void test_add_rules(void **state)
{
	struct ids i;
	struct cxlemu_topo *t = build(&i);
	struct cxlemu_comp_desc d;
	struct cxlemu_window_desc w;
	struct cxlemu_comp_info info;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.version = CXLEMU_COMP_DESC_VERSION;
	d.kind = CXLEMU_COMP_TYPE3;
	d.name = "cxl-mem0";
	d.parent = i.dsp0;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EEXIST);
	d.name = "m9";
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EBUSY);     /* port taken */
	d.parent = i.usp;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);    /* not a port */
	d.parent = 999;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);
	d.kind = CXLEMU_COMP_ROOT_PORT;
	d.parent = i.hb0;
	d.port = 0;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);    /* port 0 used */
	d.port = 256;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);
	d.kind = CXLEMU_COMP_DSP;
	d.port = 4;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);    /* DSP under HB */
	d.kind = CXLEMU_COMP_HOST_BRIDGE;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);    /* HB with parent */
	d.kind = 42;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);
	d.kind = CXLEMU_COMP_TYPE3;
	d.parent = i.rp0;
	d.volatile_size = 4096;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);    /* size, then busy */
	d.name = NULL;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);
	d.name = "a-name-that-is-much-longer-than-sixty-three-characters-long-really";
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);
	assert_int_equal(cxlemu_topo_find(t, "us0"), i.usp);
	assert_int_equal(cxlemu_topo_find(t, "nope"), CXLEMU_COMP_NONE);
	assert_int_equal(cxlemu_topo_info(t, i.dsp1, &info), 0);
	assert_int_equal(info.kind, CXLEMU_COMP_DSP);
	assert_int_equal(info.port, 1);
	assert_int_equal(info.below, i.m1);
	assert_null(info.hdm);
	assert_int_equal(cxlemu_topo_info(t, 999, &info), -EINVAL);

	/* Windows: targets must be host bridges, no overlap, router rules. */
	memset(&w, 0, sizeof(w));
	w.version = CXLEMU_WINDOW_DESC_VERSION;
	w.base = WBASE + 4 * GB;
	w.size = GB;
	w.ways = 1;
	w.gran = 256;
	w.targets[0] = i.rp0;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), -EINVAL);
	w.targets[0] = i.hb1;
	w.base = WBASE + 3 * GB;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), -EINVAL);
	w.base = WBASE + 4 * GB + 4096;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), -EINVAL);
	w.base = WBASE + 4 * GB;
	w.gran = 100;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), -EINVAL);
	w.gran = 4096;
	w.ways = 5;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), -EINVAL);
	w.ways = 1;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	assert_int_equal(cxlemu_topo_windows(t), 2);
	assert_non_null(cxlemu_topo_routes(t, 1));
	assert_null(cxlemu_topo_routes(t, 2));
	cxlemu_topo_free(t);
}

/*
 * Regression (review): a route table that cannot be rebuilt (a 512 TiB
 * window cut at a 256 MiB decoder boundary needs 2^21 chunk entries) leaves
 * the window unmapped, never routing through stale decoders, and unrelated
 * register writes keep working.
 */
static void test_rebuild_failure_unmaps(void **state)
{
	struct cxlemu_window_desc w;
	struct cxlemu_topo *t;
	uint32_t hb, rp, dev, ep;
	uint64_t dpa, base = UINT64_C(1) << 49;

	(void)state;
	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	hb = test_add_comp(t, CXLEMU_COMP_HOST_BRIDGE, "hb", CXLEMU_COMP_NONE, 0, 0, 0);
	rp = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "rp", hb, 0, 0, 0);
	dev = test_add_comp(t, CXLEMU_COMP_TYPE3, "dev", rp, 0, GB, 0);
	memset(&w, 0, sizeof(w));
	w.version = CXLEMU_WINDOW_DESC_VERSION;
	w.base = base;
	w.size = UINT64_C(1) << 49;
	w.ways = 1;
	w.gran = 256;
	w.targets[0] = hb;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	/* A whole-window host bridge decoder and endpoint: routes. */
	program(t, hb, 0, base, GB, 0, 0, 0);
	wr(t, dev, HDM + 4, 2);
	assert_true(program(t, dev, 0, base, GB, 0, 0, 0) & (1u << 10));
	assert_int_equal(cxlemu_topo_route(t, base + 64, &ep, &dpa), 0);
	assert_int_equal(ep, dev);
	/* Uncommit the endpoint, then shrink it to 256 MiB: its boundary is
	 * too fine for the window, the table fails and the window unmaps. */
	wr(t, dev, DEC(0, 0x10), 0);
	wr(t, dev, DEC(0, 0x8), (uint32_t)MB256);
	wr(t, dev, DEC(0, 0xc), 0);
	assert_int_equal(cxlemu_topo_reg_write(t, dev, DEC(0, 0x10), 4, 1u << 9), -E2BIG);
	assert_int_equal(cxlemu_topo_route(t, base + 64, &ep, &dpa), CXLEMU_ROUTE_MISS);
	assert_int_equal(ep, CXLEMU_COMP_NONE);
	assert_null(cxlemu_route_pub_get(cxlemu_topo_routes(t, 0)));
	/* Unrelated writes succeed. */
	assert_int_equal(cxlemu_topo_reg_write(t, dev, 0x1104, 4, 1), 0);
	/* Uncommitting the offending decoder maps the window again. */
	assert_int_equal(cxlemu_topo_reg_write(t, dev, DEC(0, 0x10), 4, 0), 0);
	assert_int_equal(cxlemu_topo_route(t, base + 64, &ep, &dpa), CXLEMU_ROUTE_MISS | 3);
	assert_int_equal(ep, dev);
	cxlemu_topo_free(t);
}

/* Random register traffic on every component; routes always agree with
 * the register walker. */
static void test_random_register_traffic(void **state)
{
	struct rng r = { seed };
	struct ids i;
	unsigned int round, step, k, routed = 0, probes = 0;

	(void)state;
	for (round = 0; round < 60; round++) {
		struct cxlemu_topo *t = build(&i);
		uint32_t comps[] = { i.hb0, i.hb1, i.usp, i.m0, i.m1, i.m2, i.rp0 };

		if (round % 3 == 0)
			program_region(t, &i);
		for (step = 0; step < 300; step++) {
			uint32_t c = comps[rng_below(&r, 7)];
			unsigned int n = (unsigned int)rng_below(&r, 4);

			switch (rng_below(&r, 10)) {
			case 0: case 1: case 2:
				program(t, c, n, WBASE + rng_below(&r, 20) * MB256 - 2 * MB256,
					rng_below(&r, 18) * MB256,
					legal_eiw[rng_below(&r, 8)],
					(unsigned int)rng_below(&r, 7),
					rng_below(&r, 2) ? 0x0100 : (uint32_t)rng_below(&r, 4));
				break;
			case 3:
				wr(t, c, DEC(n, 0x10), 0);
				break;
			case 4:
				wr(t, c, HDM + 4, (uint32_t)rng_below(&r, 4));
				break;
			case 5:
				if (rng_below(&r, 10) == 0)
					assert_int_equal(cxlemu_topo_reset(t, c), 0);
				break;
			default: {
				/* Garbage anywhere in the block, odd widths too. */
				uint32_t off = (uint32_t)rng_below(&r, 0x10010);
				unsigned int w = (unsigned int)(1u << rng_below(&r, 4));
				int rc = cxlemu_topo_reg_write(t, c, off, w, rng_next(&r));

				assert_true(rc == 0 || rc == -EINVAL);
				if (off >= HDM && off < HDM + 0x90 && rng_below(&r, 2))
					wr(t, c, off & ~3u, (uint32_t)rng_next(&r));
			}
			}
			for (k = 0; k < 20; k++) {
				uint64_t hpa = WBASE + rng_below(&r, 4 * GB + 8192) - 4096, dpa = 0;
				struct cxlemu_route_info info;
				uint32_t ep = 0;
				int want = cxlemu_topo_walk(t, hpa, &info);

				assert_true(want >= 0);
				assert_int_equal(cxlemu_topo_route(t, hpa, &ep, &dpa), want);
				assert_int_equal(ep, info.ep);
				if (want == 0) {
					assert_int_equal(dpa, info.dpa);
					routed++;
				}
				probes++;
			}
		}
		cxlemu_topo_free(t);
	}
	fprintf(stderr, "# %u probes, %u routed, table == register walk\n", probes, routed);
	assert_true(routed > probes / 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_follow_registers),
		cmocka_unit_test(test_component_registers),
		cmocka_unit_test(test_add_rules),
		cmocka_unit_test(test_rebuild_failure_unmaps),
		cmocka_unit_test(test_random_register_traffic),
	};

	seed = test_seed(0x7090);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
