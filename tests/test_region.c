/* SPDX-License-Identifier: MIT */
/* Region programming: decoders along every path, as Linux programs them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static uint64_t seed;

static struct cxlemu_region_desc region(uint32_t win, uint32_t ways, uint64_t gran,
					uint64_t size, uint32_t flags)
{
	struct cxlemu_region_desc r;

	memset(&r, 0, sizeof(r));
	r.version = CXLEMU_REGION_DESC_VERSION;
	r.window = win;
	r.ways = ways;
	r.gran = gran;
	r.size = size;
	r.flags = flags;
	return r;
}

/* Every HPA sample: the table agrees with the register walker. */
static unsigned int agree(struct cxlemu_topo *t, uint64_t base, uint64_t size,
			  struct rng *r)
{
	unsigned int k, routed = 0;

	for (k = 0; k < 20000; k++) {
		uint64_t hpa = base + rng_below(r, size), dpa = 0;
		struct cxlemu_route_info info;
		uint32_t ep = 0;
		int want = cxlemu_topo_walk(t, hpa, &info);

		assert_int_equal(cxlemu_topo_route(t, hpa, &ep, &dpa), want);
		assert_int_equal(ep, info.ep);
		if (!want) {
			assert_int_equal(dpa, info.dpa);
			routed++;
		}
	}
	return routed;
}

/* QEMU's documented 2 x 2 interleave: four persistent devices. */
static void test_four_way_pmem(void **state)
{
	struct cxlemu_topo *t = test_topo_file("docs-interleave.qemu");
	struct cxlemu_region_desc r = region(0, 4, 8192, GiB, CXLEMU_REGION_PMEM);
	struct rng rng = { seed };
	uint32_t p0 = cxlemu_topo_find(t, "cxl-pmem0"), p1 = cxlemu_topo_find(t, "cxl-pmem1");
	uint32_t p2 = cxlemu_topo_find(t, "cxl-pmem2"), p3 = cxlemu_topo_find(t, "cxl-pmem3");
	uint32_t order[4] = { p0, p2, p1, p3 }, ep, k;
	struct cxlemu_window_desc w;
	struct cxlemu_comp_info hb;
	struct cxlemu_hdm_decoder d;
	uint64_t hpa, dpa;

	(void)state;
	cxlemu_topo_window(t, 0, &w);
	/* Positions alternate host bridges: p1 under cxl.2 at position 0 fails. */
	r.endpoints[0] = p2;
	r.endpoints[1] = p0;
	r.endpoints[2] = p1;
	r.endpoints[3] = p3;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -EINVAL);
	/* Not enough volatile capacity (these devices are persistent). */
	memcpy(r.endpoints, order, sizeof(order));
	r.flags = 0;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -ENOSPC);
	r.flags = CXLEMU_REGION_PMEM;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), 0);
	assert_int_equal(hpa, w.base);
	/* Host bridge cxl.1 interleaves its two root ports at 16 KiB. */
	cxlemu_topo_info(t, cxlemu_topo_find(t, "cxl.1"), &hb);
	assert_int_equal(cxlemu_hdm_decoder(hb.hdm, 0, &d), 0);
	assert_true(d.committed);
	assert_int_equal(d.ways, 2);
	assert_int_equal(d.gran, 16384);
	assert_int_equal(d.targets[0], 0);
	assert_int_equal(d.targets[1], 1);
	assert_true(d.hostonly);
	/* 8 KiB granules go to positions 0, 1, 2, 3, 0, ... */
	for (k = 0; k < 8; k++) {
		assert_int_equal(cxlemu_topo_route(t, hpa + k * 8192 + 5, &ep, &dpa), 0);
		assert_int_equal(ep, order[k % 4]);
		assert_int_equal(dpa, (k / 4) * 8192 + 5);
	}
	assert_true(agree(t, w.base, w.size, &rng) > 1000);
	/* The devices are full: a second region does not fit. */
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -ENOSPC);
	cxlemu_topo_free(t);
}

/* Different depths below the two host bridges, and a switch. */
static void test_switch_and_depths(void **state)
{
	struct cxlemu_topo *t = test_topo_file("switch.qemu");
	struct cxlemu_region_desc r = region(0, 2, 256, 512 * MiB, 0);
	struct rng rng = { seed ^ 1 };
	uint32_t v0 = cxlemu_topo_find(t, "cxl-vmem0"), v1 = cxlemu_topo_find(t, "cxl-vmem1");
	uint32_t p2 = cxlemu_topo_find(t, "cxl-pmem2"), ep;
	uint64_t hpa, hpa2, dpa;

	(void)state;
	/* vmem0 (through the switch) with pmem2 (volatile: none) fails. */
	r.endpoints[0] = v0;
	r.endpoints[1] = p2;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -ENOSPC);
	/* Both positions under cxl.1 cannot work with a 2-way window. */
	r.endpoints[1] = v1;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -EINVAL);
	/* Persistent: vmem0 has none. */
	r.flags = CXLEMU_REGION_PMEM;
	r.endpoints[1] = p2;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -ENOSPC);
	cxlemu_topo_free(t);

	/* Give every device both kinds of capacity through the C API. */
	t = test_topo_file("switch.qemu");
	{
		struct cxlemu_comp_desc dd;
		uint32_t rp2, dev;

		memset(&dd, 0, sizeof(dd));
		dd.version = CXLEMU_COMP_DESC_VERSION;
		dd.kind = CXLEMU_COMP_ROOT_PORT;
		dd.name = "root_port2";
		dd.parent = cxlemu_topo_find(t, "cxl.2");
		dd.port = 1;
		assert_int_equal(cxlemu_topo_add(t, &dd, &rp2), 0);
		dd.kind = CXLEMU_COMP_TYPE3;
		dd.name = "vm2";
		dd.parent = rp2;
		dd.volatile_size = GiB;
		assert_int_equal(cxlemu_topo_add(t, &dd, &dev), 0);
		r = region(0, 2, 256, 512 * MiB, 0);
		r.endpoints[0] = v0;
		r.endpoints[1] = dev;
		assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), 0);
		/* Granule 0 through the switch to vmem0, granule 1 to vm2. */
		assert_int_equal(cxlemu_topo_route(t, hpa, &ep, &dpa), 0);
		assert_int_equal(ep, v0);
		assert_int_equal(cxlemu_topo_route(t, hpa + 256, &ep, &dpa), 0);
		assert_int_equal(ep, dev);
		assert_int_equal(cxlemu_topo_route(t, hpa + 512 + 7, &ep, &dpa), 0);
		assert_int_equal(ep, v0);
		assert_int_equal(dpa, 256 + 7);
		/* A second region after the first, with the other switch port;
		 * vm2's next DPA follows its first region. */
		r.endpoints[0] = v1;
		assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa2), 0);
		assert_int_equal(hpa2, hpa + 512 * MiB);
		assert_int_equal(cxlemu_topo_route(t, hpa2 + 256, &ep, &dpa), 0);
		assert_int_equal(ep, dev);
		assert_int_equal(dpa, 256 * MiB);
		assert_int_equal(cxlemu_topo_route(t, hpa2, &ep, &dpa), 0);
		assert_int_equal(ep, v1);
		assert_int_equal(dpa, 0);
		assert_true(agree(t, hpa, GiB, &rng) > 10000);
		/* vmem0 has 256 MiB: a third region finds no DPA. */
		r.endpoints[0] = v0;
		assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa2), -ENOSPC);
	}
	cxlemu_topo_free(t);
}

static void test_bad_regions(void **state)
{
	struct cxlemu_topo *t = test_topo_file("docs-interleave.qemu");
	struct cxlemu_region_desc r = region(0, 4, 8192, GiB, CXLEMU_REGION_PMEM);
	uint32_t p0 = cxlemu_topo_find(t, "cxl-pmem0"), p1 = cxlemu_topo_find(t, "cxl-pmem1");
	uint32_t p2 = cxlemu_topo_find(t, "cxl-pmem2"), p3 = cxlemu_topo_find(t, "cxl-pmem3");
	uint64_t hpa;

	(void)state;
	r.endpoints[0] = p0;
	r.endpoints[1] = p2;
	r.endpoints[2] = p1;
	r.endpoints[3] = p3;
#define BAD(stmt, err) do { struct cxlemu_region_desc b = r; stmt; \
		assert_int_equal(cxlemu_topo_region_create(t, &b, &hpa), err); } while (0)
	BAD(b.version = 9, -EINVAL);
	BAD(b.window = 7, -EINVAL);
	BAD(b.ways = 5, -EINVAL);
	BAD(b.gran = 4096, -EINVAL);            /* not the window's 8 KiB */
	BAD(b.gran = 1000, -EINVAL);
	BAD(b.ways = 3, -EINVAL);               /* not a multiple of 2 */
	BAD(b.size = GiB + 256 * MiB, -EINVAL); /* not a multiple of 4 x 256 MiB */
	BAD(b.size = 0, -EINVAL);
	BAD(b.endpoints[3] = p0, -EINVAL);      /* twice */
	BAD(b.endpoints[3] = cxlemu_topo_find(t, "cxl.1"), -EINVAL);
	BAD(b.endpoints[2] = p3; b.endpoints[3] = p1, -EINVAL);
	BAD(b.ways = 2; b.size = 512 * MiB; b.endpoints[1] = p1, -EINVAL);
	/* 2 ways over p0 and p2 with only 1 way per host bridge is fine, and
	 * leaves room for nothing else at 4 ways on those devices. */
	BAD(b.ways = 2; b.size = 512 * MiB, 0);
	BAD((void)0, -ENOSPC);
#undef BAD
	/* Nothing committed by a refused region stays committed. */
	{
		struct cxlemu_comp_info c;
		struct cxlemu_hdm_decoder d;

		cxlemu_topo_info(t, p1, &c);
		cxlemu_hdm_decoder(c.hdm, 0, &d);
		assert_false(d.committed);
		cxlemu_topo_info(t, p0, &c);
		cxlemu_hdm_decoder(c.hdm, 1, &d);
		assert_false(d.committed);
	}
	cxlemu_topo_free(t);
}

/* Firmware-style locked region: the guest cannot undo it. */
static void test_locked_region(void **state)
{
	struct cxlemu_topo *t = test_topo_file("docs-pmem.qemu");
	struct cxlemu_region_desc r = region(0, 1, 256, 256 * MiB,
					     CXLEMU_REGION_PMEM | CXLEMU_REGION_LOCK);
	uint32_t dev = cxlemu_topo_find(t, "cxl-pmem0"), ep;
	uint64_t hpa, dpa;

	(void)state;
	r.endpoints[0] = dev;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), 0);
	/* Clearing Commit on the endpoint decoder is ignored. */
	assert_int_equal(cxlemu_topo_reg_write(t, dev, 0x1000 + 0x400 + 0x20, 4, 0), 0);
	assert_int_equal(cxlemu_topo_route(t, hpa + 42, &ep, &dpa), 0);
	assert_int_equal(ep, dev);
	assert_int_equal(dpa, 42);
	/* A reset clears the lock and the route. */
	assert_int_equal(cxlemu_topo_reset(t, dev), 0);
	assert_int_not_equal(cxlemu_topo_route(t, hpa + 42, &ep, &dpa), 0);
	cxlemu_topo_free(t);
}

/* Decoders commit in increasing HPA order: a region below one already
 * programmed through the same components is refused. */
static void test_increasing_order(void **state)
{
	struct cxlemu_topo *t = test_topo_file("docs-pmem.qemu");
	struct cxlemu_window_desc w;
	struct cxlemu_region_desc r;
	uint32_t dev = cxlemu_topo_find(t, "cxl-pmem0");
	uint64_t hpa;

	(void)state;
	/* A second window above the first, over the same host bridge. */
	cxlemu_topo_window(t, 0, &w);
	w.base += w.size;
	w.size = GiB;
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	r = region(1, 1, 256, 256 * MiB, CXLEMU_REGION_PMEM);
	r.endpoints[0] = dev;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), 0);
	assert_int_equal(hpa, w.base);
	r.window = 0;
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -EBUSY);
	cxlemu_topo_free(t);
}

static struct cxlemu_topo *flat(unsigned int hbs, unsigned int rps, uint64_t gran,
				uint32_t ep_caps, uint32_t *eps)
{
	struct cxlemu_window_desc w;
	struct cxlemu_topo *t;
	unsigned int h, r;
	char name[32];

	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	memset(&w, 0, sizeof(w));
	w.version = CXLEMU_WINDOW_DESC_VERSION;
	w.base = UINT64_C(16) << 30;
	w.size = UINT64_C(64) << 30;
	w.ways = hbs;
	w.gran = gran;
	for (h = 0; h < hbs; h++) {
		uint32_t hb;

		snprintf(name, sizeof(name), "hb%u", h);
		hb = test_add_comp(t, CXLEMU_COMP_HOST_BRIDGE, name, CXLEMU_COMP_NONE, 0, 0, 0);
		w.targets[h] = hb;
		for (r = 0; r < rps; r++) {
			uint32_t rp;

			snprintf(name, sizeof(name), "rp%u.%u", h, r);
			rp = test_add_comp(t, CXLEMU_COMP_ROOT_PORT, name, hb, r, 0, 0);
			snprintf(name, sizeof(name), "m%u.%u", h, r);
			eps[h * rps + r] = test_add_comp(t, CXLEMU_COMP_TYPE3, name, rp, 0, GiB,
						    h * rps + r == 1 ? ep_caps : 0);
		}
	}
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	return t;
}

static bool any_committed(struct cxlemu_topo *t)
{
	uint32_t k;
	unsigned int n;

	for (k = 0; k < cxlemu_topo_count(t); k++) {
		struct cxlemu_comp_info c;

		cxlemu_topo_info(t, k, &c);
		for (n = 0; c.hdm && n < cxlemu_hdm_count(c.hdm); n++) {
			struct cxlemu_hdm_decoder d;

			cxlemu_hdm_decoder(c.hdm, n, &d);
			if (d.committed)
				return true;
		}
		if (c.kind == CXLEMU_COMP_TYPE3 && cxlemu_hdm_enabled(c.hdm))
			return true;
	}
	return false;
}

/* Regressions (review): undo is complete, also for locked regions; 16 ways
 * at one component are refused up front; 1-way components take any
 * granularity. */
static void test_review_regressions(void **state)
{
	uint32_t eps[16], ep;
	struct cxlemu_topo *t;
	struct cxlemu_region_desc r;
	uint64_t hpa, dpa;
	unsigned int i;

	(void)state;
	/* The second device cannot interleave on bits 11:8: the region is
	 * refused and nothing stays committed, locked or enabled. */
	t = flat(1, 2, 256, CXLEMU_HDM_CAP_A14TO12 | CXLEMU_HDM_CAP_3_6_12, eps);
	r = region(0, 2, 256, 512 * MiB, CXLEMU_REGION_LOCK);
	r.endpoints[0] = eps[0];
	r.endpoints[1] = eps[1];
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -EIO);
	assert_false(any_committed(t));
	/* With 4 KiB granules it works, locked. */
	r.gran = 4096;
	cxlemu_topo_free(t);
	t = flat(1, 2, 4096, CXLEMU_HDM_CAP_A14TO12 | CXLEMU_HDM_CAP_3_6_12, eps);
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), 0);
	assert_int_equal(cxlemu_topo_route(t, hpa + 4096, &ep, &dpa), 0);
	assert_int_equal(ep, eps[1]);
	cxlemu_topo_free(t);

	/* 16 root ports under one host bridge: 8 targets per decoder. */
	t = flat(1, 16, 256, 0, eps);
	r = region(0, 16, 256, 4 * GiB, 0);
	for (i = 0; i < 16; i++)
		r.endpoints[i] = eps[i];
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -EINVAL);
	assert_false(any_committed(t));
	cxlemu_topo_free(t);

	/* 2-way window at 16 KiB, one root port per host bridge. */
	t = flat(2, 1, 16384, 0, eps);
	r = region(0, 2, 16384, 512 * MiB, 0);
	r.endpoints[0] = eps[0];
	r.endpoints[1] = eps[1];
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), 0);
	assert_int_equal(cxlemu_topo_route(t, hpa + 16384 + 5, &ep, &dpa), 0);
	assert_int_equal(ep, eps[1]);
	assert_int_equal(dpa, 5);
	cxlemu_topo_free(t);
}

/* Two host bridges with one root port each (the default topology of the
 * tool, plus a second window on cxl.2 alone); @pxb2 goes on cxl.2's
 * pxb-cxl. */
#define PT_TOPOLOGY(pxb2) \
	"-M q35,cxl=on -m 4G,maxmem=8G,slots=8\n" \
	"-object memory-backend-ram,id=v0,size=512M\n" \
	"-object memory-backend-ram,id=v1,size=512M\n" \
	"-object memory-backend-ram,id=v2,size=2G\n" \
	"-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1\n" \
	"-device pxb-cxl,bus_nr=222,bus=pcie.0,id=cxl.2" pxb2 "\n" \
	"-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0\n" \
	"-device cxl-rp,port=2,bus=cxl.2,id=rp1,chassis=0,slot=1\n" \
	"-device cxl-upstream,bus=rp0,id=us0\n" \
	"-device cxl-downstream,port=0,bus=us0,id=sw0,chassis=0,slot=4\n" \
	"-device cxl-downstream,port=1,bus=us0,id=sw1,chassis=0,slot=5\n" \
	"-device cxl-type3,bus=sw0,volatile-memdev=v0,id=m0\n" \
	"-device cxl-type3,bus=sw1,volatile-memdev=v1,id=m1\n" \
	"-device cxl-type3,bus=rp1,volatile-memdev=v2,id=m2\n" \
	"-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2,cxl-fmw.0.size=4G\n" \
	"-M cxl-fmw.1.targets.0=cxl.2,cxl-fmw.1.size=1G\n"

/* Committed decoders of a component (NULL hdm: none). */
static unsigned int committed(struct cxlemu_topo *t, uint32_t id)
{
	struct cxlemu_comp_info c;
	struct cxlemu_hdm_decoder d;
	unsigned int n;

	assert_int_equal(cxlemu_topo_info(t, id, &c), 0);
	for (n = 0; c.hdm && n < cxlemu_hdm_count(c.hdm); n++)
		if (cxlemu_hdm_decoder(c.hdm, n, &d) || !d.committed)
			break;
	return c.hdm ? n : 0;
}

/*
 * Regions over host bridges that pass through, as Linux programs them:
 * nothing at the host bridge, the switch and endpoints as usual; regions
 * follow each other in the window (the free range is found below the
 * pass-through host bridges), a window over one host bridge alone too.
 * The same with cxl.2 given decoders (hdm_for_passthrough=on): a mixed
 * 2-way window.
 */
static void test_passthrough_regions(void **state)
{
	static const char *const lines[] = { PT_TOPOLOGY(""),
					     PT_TOPOLOGY(",hdm_for_passthrough=on") };
	struct rng rng = { seed ^ 7 };
	unsigned int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct cxlemu_topo *t;
		struct cxlemu_window_desc w0, w1;
		struct cxlemu_region_desc r = region(0, 2, 256, 512 * MiB, 0);
		struct cxlemu_comp_info c;
		struct cxlemu_hdm_decoder d;
		uint32_t hb1, hb2, us, m0, m1, m2, ep;
		uint64_t hpa, hpa2, hpa3, dpa, v;
		char err[256];

		assert_int_equal(cxlemu_topo_from_qemu_string(NULL, lines[k], &t, err, sizeof(err)), 0);
		hb1 = cxlemu_topo_find(t, "cxl.1");
		hb2 = cxlemu_topo_find(t, "cxl.2");
		us = cxlemu_topo_find(t, "us0");
		m0 = cxlemu_topo_find(t, "m0");
		m1 = cxlemu_topo_find(t, "m1");
		m2 = cxlemu_topo_find(t, "m2");
		cxlemu_topo_window(t, 0, &w0);
		cxlemu_topo_window(t, 1, &w1);
		assert_int_equal(cxlemu_topo_info(t, hb1, &c), 0);
		assert_true(c.flags & CXLEMU_COMP_PASSTHROUGH);
		assert_int_equal(cxlemu_topo_info(t, hb2, &c), 0);
		assert_int_equal(!!(c.flags & CXLEMU_COMP_PASSTHROUGH), k == 0);

		/* The wrong host bridge at position 0 is still refused. */
		r.endpoints[0] = m2;
		r.endpoints[1] = m0;
		assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), -EINVAL);
		r.endpoints[0] = m0;
		r.endpoints[1] = m2;
		assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), 0);
		assert_int_equal(hpa, w0.base);
		assert_int_equal(committed(t, hb1), 0);
		assert_int_equal(committed(t, hb2), k == 0 ? 0 : 1);
		assert_int_equal(committed(t, us), 1);
		assert_int_equal(committed(t, m0), 1);
		assert_int_equal(committed(t, m2), 1);
		if (k == 1) {
			/* cxl.2's decoder: 1 way to root port 2. */
			cxlemu_topo_info(t, hb2, &c);
			assert_int_equal(cxlemu_hdm_decoder(c.hdm, 0, &d), 0);
			assert_int_equal(d.ways, 1);
			assert_int_equal(d.targets[0], 2);
			assert_int_equal(d.base, hpa);
		}
		/* No HDM registers at the pass-through host bridge. */
		assert_int_equal(cxlemu_topo_reg_read(t, hb1, 0x1000 + 0x400 + 0x20, 4, &v), 0);
		assert_int_equal(v, 0);
		assert_int_equal(cxlemu_topo_route(t, hpa + 256 + 9, &ep, &dpa), 0);
		assert_int_equal(ep, m2);
		assert_int_equal(dpa, 9);
		assert_int_equal(cxlemu_topo_route(t, hpa + 512 + 9, &ep, &dpa), 0);
		assert_int_equal(ep, m0);
		assert_int_equal(dpa, 256 + 9);

		/* The next region follows the first. */
		r.endpoints[0] = m1;
		assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa2), 0);
		assert_int_equal(hpa2, hpa + 512 * MiB);
		assert_int_equal(cxlemu_topo_route(t, hpa2, &ep, &dpa), 0);
		assert_int_equal(ep, m1);
		assert_int_equal(dpa, 0);
		assert_int_equal(cxlemu_topo_route(t, hpa2 + 256, &ep, &dpa), 0);
		assert_int_equal(ep, m2);
		assert_int_equal(dpa, 256 * MiB);

		/* Window 1 on cxl.2 alone, locked like firmware's. */
		r = region(1, 1, 256, 256 * MiB, CXLEMU_REGION_LOCK);
		r.endpoints[0] = m2;
		assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa3), 0);
		assert_int_equal(hpa3, w1.base);
		assert_int_equal(cxlemu_topo_route(t, hpa3 + 5, &ep, &dpa), 0);
		assert_int_equal(ep, m2);
		assert_int_equal(dpa, 512 * MiB + 5);
		assert_int_equal(committed(t, m2), 3);
		assert_int_equal(committed(t, hb2), k == 0 ? 0 : 3);
		/* And a second region there (k == 1: at the host bridge's and
		 * the endpoint's next decoders). */
		assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa3), 0);
		assert_int_equal(hpa3, w1.base + 256 * MiB);
		assert_true(agree(t, w0.base, w0.size, &rng) > 2000);
		assert_true(agree(t, w1.base, w1.size, &rng) > 5000);
		cxlemu_topo_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_way_pmem),
		cmocka_unit_test(test_switch_and_depths),
		cmocka_unit_test(test_bad_regions),
		cmocka_unit_test(test_locked_region),
		cmocka_unit_test(test_increasing_order),
		cmocka_unit_test(test_review_regressions),
		cmocka_unit_test(test_passthrough_regions),
	};

	seed = test_seed(0x2E6);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
