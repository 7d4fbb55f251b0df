/* SPDX-License-Identifier: MIT */
/*
 * Route table extents (cxlemu_route_table_extent): what a front-end maps
 * straight onto memory, translates page by page or routes per access must
 * agree with cxlemu_route() on every address.
 */
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

/* One host bridge (two root ports, so it decodes), a switch below one of
 * them with two devices, one device below the other; a 1-way window with a
 * 4 KiB granule and a 2-way window with a 256 B granule over a second
 * host bridge. */
static const char cmdline[] =
	"-M q35,cxl=on -m 4G\n"
	"-object memory-backend-ram,id=v0,size=1G\n"
	"-object memory-backend-ram,id=v1,size=1G\n"
	"-object memory-backend-ram,id=v2,size=1G\n"
	"-object memory-backend-ram,id=v3,size=1G\n"
	"-device pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0\n"
	"-device pxb-cxl,bus_nr=34,bus=pcie.0,id=hb1\n"
	"-device cxl-rp,port=0,bus=hb0,id=rp0,chassis=0,slot=0\n"
	"-device cxl-rp,port=1,bus=hb0,id=rp1,chassis=0,slot=1\n"
	"-device cxl-rp,port=0,bus=hb1,id=rp2,chassis=0,slot=2\n"
	"-device cxl-upstream,bus=rp0,id=us0\n"
	"-device cxl-downstream,port=0,bus=us0,id=ds0,chassis=0,slot=4\n"
	"-device cxl-downstream,port=1,bus=us0,id=ds1,chassis=0,slot=5\n"
	"-device cxl-type3,bus=ds0,volatile-memdev=v0,id=m0\n"
	"-device cxl-type3,bus=ds1,volatile-memdev=v1,id=m1\n"
	"-device cxl-type3,bus=rp1,volatile-memdev=v2,id=m2\n"
	"-device cxl-type3,bus=rp2,volatile-memdev=v3,id=m3\n"
	"-M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G,"
	"cxl-fmw.0.interleave-granularity=4k,"
	"cxl-fmw.1.targets.0=hb0,cxl-fmw.1.targets.1=hb1,cxl-fmw.1.size=4G,"
	"cxl-fmw.1.interleave-granularity=256\n";

static struct cxlemu_topo *topo(void)
{
	struct cxlemu_topo *t = NULL;
	char err[256];

	assert_int_equal(cxlemu_topo_from_qemu_string(NULL, cmdline, &t, err, sizeof(err)), 0);
	return t;
}

static void region(struct cxlemu_topo *t, uint32_t win, uint32_t ways, uint64_t gran,
		   uint64_t size, const char *const *eps)
{
	struct cxlemu_region_desc r;
	uint32_t i;

	memset(&r, 0, sizeof(r));
	r.version = CXLEMU_REGION_DESC_VERSION;
	r.window = win;
	r.ways = ways;
	r.gran = gran;
	r.size = size;
	for (i = 0; i < ways; i++) {
		r.endpoints[i] = cxlemu_topo_find(t, eps[i]);
		assert_int_not_equal(r.endpoints[i], CXLEMU_COMP_NONE);
	}
	assert_int_equal(cxlemu_topo_region_create(t, &r, NULL), 0);
}

/* Every extent of window @p win against cxlemu_route() on sampled
 * addresses: coverage without gaps, the flags, linear DPAs, and the same
 * endpoint at consecutive DPAs within each unit.  Returns the extents'
 * flags or'ed together. */
static uint32_t check_extents(struct cxlemu_topo *t, uint32_t win, struct rng *rg)
{
	const struct cxlemu_route_table *tb = cxlemu_route_pub_get(cxlemu_topo_routes(t, win));
	struct cxlemu_route_extent e;
	uint64_t next = tb->base;
	uint32_t i, all = 0;

	for (i = 0; cxlemu_route_table_extent(tb, i, &e) == 0; i++) {
		uint32_t s, misses = 0, hits = 0;

		assert_int_equal(e.base, next);
		assert_true(e.size > 0 && e.unit > 0 && e.unit <= e.size);
		assert_int_equal(e.size % e.unit, 0);
		next = e.base + e.size;
		all |= e.flags;
		for (s = 0; s < 2000; s++) {
			uint64_t u = e.base + rng_below(rg, e.size / e.unit) * e.unit;
			uint64_t k = rng_below(rg, e.unit), dpa0, dpa;
			uint32_t ep0, ep;
			int rc0 = cxlemu_route(tb, u, &ep0, &dpa0);
			int rc = cxlemu_route(tb, u + k, &ep, &dpa);

			/* One unit: one endpoint, consecutive DPAs (or one miss). */
			assert_int_equal(rc, rc0);
			assert_int_equal(ep, ep0);
			if (!rc)
				assert_int_equal(dpa, dpa0 + k);
			if (rc)
				misses++;
			else
				hits++;
			if (e.flags & CXLEMU_EXTENT_LINEAR) {
				assert_int_equal(rc, 0);
				assert_int_equal(ep, e.ep);
				assert_int_equal(dpa, e.dpa + (u + k - e.base));
			}
		}
		if (e.flags & CXLEMU_EXTENT_MISS)
			assert_int_equal(hits, 0);
		if (!(e.flags & (CXLEMU_EXTENT_MISS | CXLEMU_EXTENT_PARTIAL)))
			assert_int_equal(misses, 0);
	}
	assert_int_equal(i > 0, 1);
	assert_int_equal(next, tb->base + tb->size);
	assert_int_equal(cxlemu_route_table_extent(tb, i, &e), -ENOENT);
	return all;
}

static void test_uncommitted_windows_miss(void **state)
{
	struct cxlemu_topo *t = topo();
	const struct cxlemu_route_table *tb = cxlemu_route_pub_get(cxlemu_topo_routes(t, 0));
	struct cxlemu_route_extent e;
	struct rng rg = { 1 };

	(void)state;
	assert_int_equal(cxlemu_route_table_extent(tb, 0, &e), 0);
	assert_int_equal(e.flags, CXLEMU_EXTENT_MISS);
	assert_int_equal(e.base, tb->base);
	assert_int_equal(e.size, tb->size);
	assert_int_equal(check_extents(t, 1, &rg), CXLEMU_EXTENT_MISS);
	assert_int_equal(cxlemu_route_table_extent(NULL, 0, &e), -EINVAL);
	assert_int_equal(cxlemu_route_table_extent(tb, 0, NULL), -EINVAL);
	cxlemu_topo_free(t);
}

static void test_one_way_region_is_linear(void **state)
{
	static const char *const m2[] = { "m2" };
	struct cxlemu_topo *t = topo();
	const struct cxlemu_route_table *tb;
	struct cxlemu_route_extent e;
	struct rng rg = { 2 };
	uint32_t ep;
	uint64_t dpa;

	(void)state;
	region(t, 0, 1, 4096, 512 * MiB, m2);
	tb = cxlemu_route_pub_get(cxlemu_topo_routes(t, 0));
	assert_int_equal(cxlemu_route_table_extent(tb, 0, &e), 0);
	assert_true(e.flags & CXLEMU_EXTENT_LINEAR);
	assert_int_equal(e.size, 512 * MiB);
	assert_int_equal(e.unit, e.size);
	assert_int_equal(e.ep, cxlemu_topo_find(t, "m2"));
	assert_int_equal(cxlemu_route(tb, e.base + 12345, &ep, &dpa), 0);
	assert_int_equal(dpa, e.dpa + 12345);
	/* The rest of the window misses. */
	assert_int_equal(cxlemu_route_table_extent(tb, 1, &e), 0);
	assert_int_equal(e.flags, CXLEMU_EXTENT_MISS);
	assert_int_equal(check_extents(t, 0, &rg),
			 CXLEMU_EXTENT_LINEAR | CXLEMU_EXTENT_MISS);
	cxlemu_topo_free(t);
}

static void test_interleaved_units(void **state)
{
	static const char *const sw[] = { "m0", "m1" };
	struct cxlemu_topo *t = topo();
	const struct cxlemu_route_table *tb;
	struct cxlemu_route_extent e;
	struct rng rg = { 3 };

	const struct cxlemu_route_table *other;

	(void)state;
	other = cxlemu_route_pub_get(cxlemu_topo_routes(t, 1));
	/* Behind the switch, 2 ways at 4 KiB: a unit of a page. */
	region(t, 0, 2, 4096, 1 * GiB, sw);
	/* Window 1 routes as before: its table stays published. */
	assert_ptr_equal(cxlemu_route_pub_get(cxlemu_topo_routes(t, 1)), other);
	tb = cxlemu_route_pub_get(cxlemu_topo_routes(t, 0));
	assert_int_equal(cxlemu_route_table_extent(tb, 0, &e), 0);
	assert_int_equal(e.flags, 0);
	assert_int_equal(e.unit, 4096);
	assert_int_equal(e.slots, 2);
	check_extents(t, 0, &rg);
	cxlemu_topo_free(t);
}

static void test_fine_interleave_across_host_bridges(void **state)
{
	static const char *const two[] = { "m2", "m3" };
	struct cxlemu_topo *t = topo();
	const struct cxlemu_route_table *tb;
	struct cxlemu_route_extent e;
	struct rng rg = { 4 };

	(void)state;
	region(t, 1, 2, 256, 512 * MiB, two);
	/* hb0 leads to m2 only: a 1-way decoder, yet with the granularity
	 * Linux expects of it when it assembles a firmware-committed region
	 * (window granularity x window ways). */
	{
		struct cxlemu_comp_info hb;
		struct cxlemu_hdm_decoder dec;

		assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "hb0"), &hb), 0);
		assert_int_equal(cxlemu_hdm_decoder(hb.hdm, 0, &dec), 0);
		assert_true(dec.committed);
		assert_int_equal(dec.ways, 1);
		assert_int_equal(dec.gran, 512);
	}
	tb = cxlemu_route_pub_get(cxlemu_topo_routes(t, 1));
	assert_int_equal(cxlemu_route_table_extent(tb, 0, &e), 0);
	assert_int_equal(e.unit, 256);
	assert_int_equal(e.slots, 2);
	assert_false(e.flags & CXLEMU_EXTENT_LINEAR);
	check_extents(t, 1, &rg);
	/* One device hot-removed: half the units miss. */
	assert_int_equal(cxlemu_topo_detach(t, cxlemu_topo_find(t, "rp2")), 0);
	tb = cxlemu_route_pub_get(cxlemu_topo_routes(t, 1));
	assert_int_equal(cxlemu_route_table_extent(tb, 0, &e), 0);
	assert_int_equal(e.flags, CXLEMU_EXTENT_PARTIAL);
	assert_true(check_extents(t, 1, &rg) & CXLEMU_EXTENT_PARTIAL);
	cxlemu_topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncommitted_windows_miss),
		cmocka_unit_test(test_one_way_region_is_linear),
		cmocka_unit_test(test_interleaved_units),
		cmocka_unit_test(test_fine_interleave_across_host_bridges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
