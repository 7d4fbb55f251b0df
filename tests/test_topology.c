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

/* A window description: @ways ways of 256 B at @base, @size bytes, over
 * the host bridges @targets (@ways of them). */
static void window_desc(struct cxlemu_window_desc *w, uint64_t base, uint64_t size,
			unsigned int ways, const uint32_t *targets)
{
	unsigned int k;

	memset(w, 0, sizeof(*w));
	w->version = CXLEMU_WINDOW_DESC_VERSION;
	w->base = base;
	w->size = size;
	w->ways = ways;
	w->gran = 256;
	for (k = 0; k < ways; k++)
		w->targets[k] = targets[k];
}

/* Adds a host bridge with pass-through flags @flags. */
static uint32_t add_hb(struct cxlemu_topo *t, const char *name, uint32_t flags)
{
	struct cxlemu_comp_desc d;
	uint32_t id;

	memset(&d, 0, sizeof(d));
	d.version = CXLEMU_COMP_DESC_VERSION;
	d.kind = CXLEMU_COMP_HOST_BRIDGE;
	d.name = name;
	d.parent = CXLEMU_COMP_NONE;
	d.flags = flags;
	assert_int_equal(cxlemu_topo_add(t, &d, &id), 0);
	return id;
}

static bool passes(struct cxlemu_topo *t, uint32_t id)
{
	struct cxlemu_comp_info info;

	assert_int_equal(cxlemu_topo_info(t, id, &info), 0);
	/* The flag, no decoders and the root port below go together. */
	if (info.flags & CXLEMU_COMP_PASSTHROUGH) {
		assert_null(info.hdm);
		return true;
	}
	assert_non_null(info.hdm);
	assert_int_equal(info.below, CXLEMU_COMP_NONE);
	return false;
}

/* Two host bridges (with pass-through flags @hbflags, so QEMU's auto rule
 * makes both pass through), a switch with two devices under the first. */
static struct cxlemu_topo *build_flags(struct ids *i, uint32_t hbflags)
{
	struct cxlemu_window_desc w;
	struct cxlemu_topo *t;

	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	i->hb0 = add_hb(t, "cxl.1", hbflags);
	i->hb1 = add_hb(t, "cxl.2", hbflags);
	i->rp0 = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "root_port0", i->hb0, 0, 0, 0);
	i->rp1 = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "root_port1", i->hb1, 0, 0, 0);
	i->usp = test_add_comp(t, CXLEMU_COMP_USP, "us0", i->rp0, 0, 0, 0);
	i->dsp0 = test_add_comp(t, CXLEMU_COMP_DSP, "swport0", i->usp, 0, 0, 0);
	i->dsp1 = test_add_comp(t, CXLEMU_COMP_DSP, "swport1", i->usp, 1, 0, 0);
	i->m0 = test_add_comp(t, CXLEMU_COMP_TYPE3, "cxl-mem0", i->dsp0, 0, GB, 0);
	i->m1 = test_add_comp(t, CXLEMU_COMP_TYPE3, "cxl-mem1", i->dsp1, 0, GB, 0);
	i->m2 = test_add_comp(t, CXLEMU_COMP_TYPE3, "cxl-mem2", i->rp1, 0, 2 * GB, 0);
	window_desc(&w, WBASE, 4 * GB, 2,
		    (const uint32_t[]){ i->hb0, i->hb1 });
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	return t;
}

static struct cxlemu_topo *build(struct ids *i)
{
	return build_flags(i, 0);
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

/* A 2-way region over the window; host bridges that pass through have
 * nothing to program. */
static void program_region(struct cxlemu_topo *t, const struct ids *i)
{
	if (!passes(t, i->hb0))
		assert_true(program(t, i->hb0, 0, WBASE, 4 * GB, 0, 1, 0) & (1u << 10));
	if (!passes(t, i->hb1))
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
	window_desc(&w, WBASE + 4 * GB, GB, 1,
		    (const uint32_t[]){ i.rp0 });
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
	window_desc(&w, base, UINT64_C(1) << 49, 1,
		    (const uint32_t[]){ hb });
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
		/* Every other round the host bridges pass through. */
		struct cxlemu_topo *t = build_flags(&i, round & 1 ? CXLEMU_COMP_PASSTHROUGH_AUTO : 0);
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

/* Probes the whole window: the table agrees with the register walk. */
static unsigned int agree(struct cxlemu_topo *t, uint64_t base, uint64_t size, struct rng *r)
{
	unsigned int k, routed = 0;

	for (k = 0; k < 5000; k++) {
		uint64_t hpa = base + rng_below(r, size + 8192) - 4096, dpa = 0;
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
	}
	return routed;
}

/* A 1-way window over a host bridge that passes through (QEMU's auto rule
 * and the explicit one): no HDM capability in its register block, the
 * window goes straight to the root port, the endpoint's decoder alone maps
 * it. */
static void test_passthrough_one_way(void **state)
{
	static const uint32_t modes[] = { CXLEMU_COMP_PASSTHROUGH_AUTO, CXLEMU_COMP_PASSTHROUGH };
	struct rng r = { seed ^ 0x55 };
	unsigned int m;

	(void)state;
	for (m = 0; m < 2; m++) {
		struct cxlemu_window_desc w;
		struct cxlemu_comp_info info;
		struct cxlemu_route_info ri;
		struct cxlemu_topo *t;
		uint32_t hb, rp, dev, off;

		assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
		hb = add_hb(t, "hb", modes[m]);
		/* No root port yet: auto decodes (QEMU's first reset sees no
		 * port), the explicit mode passes to nothing. */
		assert_int_equal(passes(t, hb), m == 1);
		rp = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "rp", hb, 5, 0, 0);
		dev = test_add_comp(t, CXLEMU_COMP_TYPE3, "dev", rp, 0, GB, 0);
		assert_true(passes(t, hb));
		assert_int_equal(cxlemu_topo_info(t, hb, &info), 0);
		assert_int_equal(info.flags, modes[m] | CXLEMU_COMP_PASSTHROUGH);
		assert_int_equal(info.below, rp);
		window_desc(&w, WBASE, 2 * GB, 1,
			    (const uint32_t[]){ hb });
		assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);

		/* Capability array: CXL header with RAS and Link only. */
		assert_int_equal(rd(t, hb, 0x1000) >> 24, 2);
		assert_int_equal(rd(t, hb, 0x1004) & 0xffff, 2);
		assert_int_equal(rd(t, hb, 0x1008) & 0xffff, 4);
		assert_int_equal(rd(t, hb, 0x100c), 0);
		/* Where HDM would be: zeros, and a commit goes nowhere. */
		program(t, hb, 0, WBASE, GB, 0, 0, 5);
		wr(t, hb, HDM + 4, 2);
		for (off = HDM; off < HDM + 0x100; off += 4)
			assert_int_equal(rd(t, hb, off), 0);
		/* RAS still works. */
		wr(t, hb, 0x1104, 0x3);
		assert_int_equal(rd(t, hb, 0x1104), 0x3);

		/* Nothing decoded: the miss is at the endpoint, level 3. */
		expect(t, WBASE, CXLEMU_ROUTE_MISS | 3, dev, 0);
		assert_int_equal(cxlemu_topo_walk(t, WBASE, &ri), CXLEMU_ROUTE_MISS | 3);
		assert_int_equal(ri.reason, CXLEMU_MISS_NO_DECODER);
		wr(t, dev, HDM + 4, 2);
		assert_true(program(t, dev, 0, WBASE, GB, 0, 0, 0) & (1u << 10));
		expect(t, WBASE + 0x12345, 0, dev, 0x12345);
		expect(t, WBASE + GB, CXLEMU_ROUTE_MISS | 3, dev, 0);
		assert_int_equal(cxlemu_topo_walk(t, WBASE + 64, &ri), 0);
		assert_int_equal(ri.depth, 3);
		assert_int_equal(ri.path[0], hb);
		assert_int_equal(ri.path[1], rp);
		assert_int_equal(ri.path[2], dev);
		assert_int_equal(ri.level, 3);
		/* A reset keeps it passing through; the routes stay. */
		assert_int_equal(cxlemu_topo_reset(t, hb), 0);
		assert_true(passes(t, hb));
		expect(t, WBASE + 64, 0, dev, 64);
		assert_true(agree(t, w.base, w.size, &r) > 1000);
		/* Detached device: the root port is empty, level 2. */
		assert_int_equal(cxlemu_topo_detach(t, rp), 0);
		expect(t, WBASE + 64, CXLEMU_ROUTE_MISS | 2, rp, 0);
		cxlemu_topo_free(t);
	}
}

/*
 * A 4-way window over two host bridges that pass through and one that
 * decodes (two root ports), in different positions: the table agrees with
 * the register walk, every granule goes where the arithmetic says.
 */
static void test_passthrough_interleaved(void **state)
{
	struct rng r = { seed ^ 0x99 };
	struct cxlemu_window_desc w;
	struct cxlemu_topo *t;
	uint32_t hb[3], rp[4], m[4], ep, k;
	uint64_t dpa;

	(void)state;
	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	hb[0] = add_hb(t, "a", CXLEMU_COMP_PASSTHROUGH_AUTO);
	hb[1] = add_hb(t, "b", CXLEMU_COMP_PASSTHROUGH_AUTO);
	hb[2] = add_hb(t, "c", CXLEMU_COMP_PASSTHROUGH);
	rp[0] = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "a0", hb[0], 0, 0, 0);
	rp[1] = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "b0", hb[1], 0, 0, 0);
	rp[2] = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "b1", hb[1], 1, 0, 0);
	rp[3] = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "c0", hb[2], 7, 0, 0);
	assert_true(passes(t, hb[0]));
	assert_false(passes(t, hb[1]));
	assert_true(passes(t, hb[2]));
	for (k = 0; k < 4; k++) {
		char name[8];

		snprintf(name, sizeof(name), "m%u", k);
		m[k] = test_add_comp(t, CXLEMU_COMP_TYPE3, name, rp[k], 0, GB, 0);
	}
	/* Window positions: a, b, c, b; b interleaves its two ports. */
	window_desc(&w, WBASE, 4 * GB, 4,
		    (const uint32_t[]){ hb[0], hb[1], hb[2], hb[1] });
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	/* b at window positions 1 and 3 sees offsets 256..511 and 768..1023
	 * of each KiB: a 2-way decoder at 512 B picks b0 then b1. */
	assert_true(program(t, hb[1], 0, WBASE, 4 * GB, 1, 1, 0x0100) & (1u << 10));
	for (k = 0; k < 4; k++) {
		wr(t, m[k], HDM + 4, 2);
		assert_true(program(t, m[k], 0, WBASE, 4 * GB, 2, 0, 0) & (1u << 10));
	}
	for (k = 0; k < 16; k++) {
		static const unsigned int at[4] = { 0, 1, 3, 2 }; /* m index per position */

		assert_int_equal(cxlemu_topo_route(t, WBASE + k * 256 + 3, &ep, &dpa), 0);
		assert_int_equal(ep, m[at[k % 4]]);
		assert_int_equal(dpa, (k / 4) * 256 + 3);
	}
	assert_true(agree(t, w.base, w.size, &r) > 4000);
	/* Uncommitting b's decoder: its positions miss at level 1, the
	 * pass-through positions still route. */
	wr(t, hb[1], DEC(0, 0x10), 0);
	expect(t, WBASE + 256, CXLEMU_ROUTE_MISS | 1, hb[1], 0);
	expect(t, WBASE + 512, 0, m[3], 0);
	assert_true(agree(t, w.base, w.size, &r) > 2000);
	cxlemu_topo_free(t);
}

/*
 * An auto host bridge with one root port and a programmed path below it
 * gets a second root port: it decodes from then on, its decoders start
 * uncommitted, the path below keeps its decoders but misses at the host
 * bridge until the host bridge is programmed.  Resets keep the mode.
 */
static void test_passthrough_second_root_port(void **state)
{
	struct cxlemu_window_desc w;
	struct cxlemu_comp_info info;
	struct cxlemu_hdm_decoder d;
	struct cxlemu_topo *t;
	uint32_t hb, rp0, rp1, m0, m1;

	(void)state;
	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	hb = add_hb(t, "hb", CXLEMU_COMP_PASSTHROUGH_AUTO);
	rp0 = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "rp0", hb, 0, 0, 0);
	m0 = test_add_comp(t, CXLEMU_COMP_TYPE3, "m0", rp0, 0, GB, 0);
	window_desc(&w, WBASE, GB, 1,
		    (const uint32_t[]){ hb });
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	wr(t, m0, HDM + 4, 2);
	assert_true(program(t, m0, 0, WBASE, GB, 0, 0, 0) & (1u << 10));
	expect(t, WBASE + 64, 0, m0, 64);

	rp1 = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "rp1", hb, 1, 0, 0);
	assert_false(passes(t, hb));
	assert_int_equal(cxlemu_topo_info(t, hb, &info), 0);
	assert_int_equal(info.flags, CXLEMU_COMP_PASSTHROUGH_AUTO);
	/* HDM capability back, 8 targets, nothing committed. */
	assert_int_equal(rd(t, hb, 0x1000) >> 24, 3);
	assert_int_equal(rd(t, hb, 0x100c) & 0xffff, 5);
	assert_int_equal(rd(t, hb, HDM) >> 4 & 0xf, 8);
	assert_int_equal(cxlemu_hdm_decoder(info.hdm, 0, &d), 0);
	assert_false(d.committed);
	/* m0 keeps its decoder; the host bridge misses. */
	assert_int_equal(cxlemu_topo_info(t, m0, &info), 0);
	assert_int_equal(cxlemu_hdm_decoder(info.hdm, 0, &d), 0);
	assert_true(d.committed);
	expect(t, WBASE + 64, CXLEMU_ROUTE_MISS | 1, hb, 0);
	/* Programming the host bridge brings the route back, to either port. */
	assert_true(program(t, hb, 0, WBASE, GB, 0, 0, 0) & (1u << 10));
	expect(t, WBASE + 64, 0, m0, 64);
	m1 = test_add_comp(t, CXLEMU_COMP_TYPE3, "m1", rp1, 0, GB, 0);
	wr(t, m1, HDM + 4, 2);
	assert_true(program(t, m1, 0, WBASE, GB, 0, 0, 0) & (1u << 10));
	wr(t, hb, DEC(0, 0x10), 0);
	assert_true(program(t, hb, 0, WBASE, GB, 0, 0, 1) & (1u << 10));
	expect(t, WBASE + 64, 0, m1, 64);
	/* A reset with two root ports: still decoding, decoders uncommitted. */
	assert_int_equal(cxlemu_topo_reset(t, hb), 0);
	assert_false(passes(t, hb));
	expect(t, WBASE + 64, CXLEMU_ROUTE_MISS | 1, hb, 0);
	cxlemu_topo_free(t);
}

/* Descriptions that cannot work are refused with a reason; version 1
 * descriptions keep their old meaning. */
static void test_passthrough_bad(void **state)
{
	struct cxlemu_comp_desc d;
	struct cxlemu_topo *t;
	struct cxlemu_window_desc w;
	uint32_t hb, hb1, id;

	(void)state;
	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	memset(&d, 0, sizeof(d));
	d.version = CXLEMU_COMP_DESC_VERSION;
	d.kind = CXLEMU_COMP_HOST_BRIDGE;
	d.parent = CXLEMU_COMP_NONE;
	d.name = "hb";
	d.flags = CXLEMU_COMP_PASSTHROUGH | CXLEMU_COMP_PASSTHROUGH_AUTO;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL); /* both */
	d.flags = 1u << 5;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL); /* unknown */
	d.flags = CXLEMU_COMP_PASSTHROUGH;
	d.decoders = 2;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL); /* decoders */
	d.decoders = 0;
	d.caps = CXLEMU_HDM_CAP_3_6_12;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL); /* caps */
	d.caps = 0;
	d.version = CXLEMU_COMP_DESC_VERSION + 1;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL); /* future */
	d.version = CXLEMU_COMP_DESC_VERSION;
	assert_int_equal(cxlemu_topo_add(t, &d, &hb), 0);
	assert_int_equal(cxlemu_topo_count(t), 1);
	/* Flags on anything but a host bridge. */
	test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "rp", hb, 0, 0, 0);
	d.kind = CXLEMU_COMP_ROOT_PORT;
	d.name = "rp1";
	d.parent = hb1 = add_hb(t, "hb1", 0);
	d.flags = CXLEMU_COMP_PASSTHROUGH_AUTO;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);
	/* Explicit pass-through with a second root port: refused. */
	d.flags = 0;
	d.parent = hb;
	d.port = 1;
	assert_int_equal(cxlemu_topo_add(t, &d, NULL), -EINVAL);
	assert_true(passes(t, hb));
	/* Version 1: the flags field was reserved and is ignored. */
	d.version = 1;
	d.kind = CXLEMU_COMP_HOST_BRIDGE;
	d.parent = CXLEMU_COMP_NONE;
	d.name = "old";
	d.flags = 0xdead;
	assert_int_equal(cxlemu_topo_add(t, &d, &id), 0);
	test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "old-rp", id, 0, 0, 0);
	assert_false(passes(t, id));
	/* An explicit pass-through host bridge without a root port misses at
	 * itself: nothing below. */
	hb1 = add_hb(t, "empty", CXLEMU_COMP_PASSTHROUGH);
	window_desc(&w, WBASE, GB, 1,
		    (const uint32_t[]){ hb1 });
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	expect(t, WBASE, CXLEMU_ROUTE_MISS | 1, hb1, 0);
	cxlemu_topo_free(t);
}


/* cxlemu_topo_hdm_offset: the HDM capability found by walking the block's
 * capability array is where the call says; ports and pass-through host
 * bridges have none. */
static void test_hdm_offset(void **state)
{
	struct ids i;
	struct cxlemu_topo *t = build(&i);
	struct cxlemu_topo *p = build_flags(&i, CXLEMU_COMP_PASSTHROUGH_AUTO);
	uint32_t ids[] = { i.hb0, i.usp, i.m0 }, off, k, n, hdr;

	(void)state;
	for (k = 0; k < 3; k++) {
		uint32_t found = 0;

		assert_int_equal(cxlemu_topo_hdm_offset(t, ids[k], &off), 0);
		hdr = rd(t, ids[k], CXLEMU_CM_OFFSET);
		for (n = 1; n <= ((hdr >> 24) & 0xff); n++) {
			uint32_t cap = rd(t, ids[k], CXLEMU_CM_OFFSET + 4 * n);

			if ((cap & 0xffff) == 5)
				found = CXLEMU_CM_OFFSET + (cap >> 20);
		}
		assert_int_equal(found, off);
		/* Global Control (offset 4) through the offset: HDM Decoder
		 * Enable reads back. */
		if (k == 2) {
			wr(t, ids[k], off + 4, 2);
			assert_int_equal(rd(t, ids[k], off + 4) & 2, 2);
		}
	}
	assert_int_equal(cxlemu_topo_hdm_offset(t, i.rp0, &off), -ENOENT);
	assert_int_equal(cxlemu_topo_hdm_offset(t, i.dsp0, &off), -ENOENT);
	assert_int_equal(cxlemu_topo_hdm_offset(p, i.hb0, &off), -ENOENT);
	assert_int_equal(cxlemu_topo_hdm_offset(t, 999, &off), -EINVAL);
	assert_int_equal(cxlemu_topo_hdm_offset(t, i.m0, NULL), -EINVAL);
	cxlemu_topo_free(t);
	cxlemu_topo_free(p);
}


struct retired {
	unsigned int count;
};

static void retire_cb(void *opaque, struct cxlemu_route_table *old)
{
	struct retired *r = opaque;

	r->count++;
	cxlemu_route_table_free(old);
}

/* cxlemu_topo_set_route_retire: every replaced table goes to the host's
 * callback; too late once a window exists. */
static void test_route_retire(void **state)
{
	struct retired r = { 0 };
	struct cxlemu_window_desc w;
	struct cxlemu_region_desc rd;
	const struct cxlemu_route_table *tb;
	struct cxlemu_topo *t;
	uint32_t hb, rp, m, n;

	(void)state;
	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	assert_int_equal(cxlemu_topo_set_route_retire(NULL, retire_cb, &r), -EINVAL);
	assert_int_equal(cxlemu_topo_set_route_retire(t, retire_cb, &r), 0);
	hb = add_hb(t, "hb", 0);
	rp = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, "rp", hb, 0, 0, 0);
	m = test_add_comp(t, CXLEMU_COMP_TYPE3, "m", rp, 0, GB, 0);
	window_desc(&w, WBASE, 4 * GB, 1,
		    (const uint32_t[]){ hb });
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	n = r.count;
	assert_int_equal(cxlemu_topo_set_route_retire(t, NULL, NULL), -EBUSY);
	/* A reset that changes no route keeps the published table. */
	tb = cxlemu_route_pub_get(cxlemu_topo_routes(t, 0));
	assert_int_equal(cxlemu_topo_reset(t, m), 0);
	assert_int_equal(r.count, n);
	assert_ptr_equal(cxlemu_route_pub_get(cxlemu_topo_routes(t, 0)), tb);
	/* A region changes the routes: the old table goes to the callback. */
	memset(&rd, 0, sizeof(rd));
	rd.version = CXLEMU_REGION_DESC_VERSION;
	rd.window = 0;
	rd.ways = 1;
	rd.gran = 256;
	rd.size = 256 << 20;
	rd.endpoints[0] = m;
	assert_int_equal(cxlemu_topo_region_create(t, &rd, NULL), 0);
	assert_true(r.count > n);
	assert_ptr_not_equal(cxlemu_route_pub_get(cxlemu_topo_routes(t, 0)), tb);
	n = r.count;
	/* Uncommitting them does too. */
	assert_int_equal(cxlemu_topo_reset(t, m), 0);
	assert_int_equal(r.count, n + 1);
	cxlemu_topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_follow_registers),
		cmocka_unit_test(test_component_registers),
		cmocka_unit_test(test_add_rules),
		cmocka_unit_test(test_rebuild_failure_unmaps),
		cmocka_unit_test(test_random_register_traffic),
		cmocka_unit_test(test_passthrough_one_way),
		cmocka_unit_test(test_passthrough_interleaved),
		cmocka_unit_test(test_passthrough_second_root_port),
		cmocka_unit_test(test_passthrough_bad),
		cmocka_unit_test(test_hdm_offset),
		cmocka_unit_test(test_route_retire),
	};

	seed = test_seed(0x7090);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
