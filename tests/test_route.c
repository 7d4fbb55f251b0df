/* SPDX-License-Identifier: MIT */
/* Window model, reference walker and flat route tables (lib/decode). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define GB (UINT64_C(1) << 30)
#define MB256 (UINT64_C(256) << 20)

static uint64_t seed;

/*
 * Two host bridges, 2-way 256 B across them.  HB0 (2-way, 512 B) has an
 * endpoint on each root port; HB1 (1 way) has a switch (2-way, 512 B) with
 * two endpoints.  Every endpoint decodes 4 ways at 256 B.
 */
enum { HB0, HB1, RP0, RP1, EP0, EP1, RP2, USP, DSP0, DSP1, EP2, EP3 };

static void known_fabric(struct fab *f)
{
	const uint64_t base = UINT64_C(64) << 30, size = 4 * GB;
	struct cxlemu_route_decoder *d;
	uint32_t n;

	fab_init(f, base, size, 1, 0);
	f->w.targets[0] = HB0;
	f->w.targets[1] = HB1;
	fab_node(f, CXLEMU_NODE_SWITCH, 100, CXLEMU_NO_NODE);  /* HB0 */
	fab_node(f, CXLEMU_NODE_SWITCH, 101, CXLEMU_NO_NODE);  /* HB1 */
	fab_node(f, CXLEMU_NODE_PORT, 102, EP0);               /* RP0 */
	fab_node(f, CXLEMU_NODE_PORT, 103, EP1);               /* RP1 */
	fab_node(f, CXLEMU_NODE_ENDPOINT, 10, CXLEMU_NO_NODE); /* EP0 */
	fab_node(f, CXLEMU_NODE_ENDPOINT, 11, CXLEMU_NO_NODE); /* EP1 */
	fab_node(f, CXLEMU_NODE_PORT, 104, USP);               /* RP2 */
	fab_node(f, CXLEMU_NODE_SWITCH, 105, CXLEMU_NO_NODE);  /* USP */
	fab_node(f, CXLEMU_NODE_PORT, 106, EP2);               /* DSP0 */
	fab_node(f, CXLEMU_NODE_PORT, 107, EP3);               /* DSP1 */
	fab_node(f, CXLEMU_NODE_ENDPOINT, 12, CXLEMU_NO_NODE); /* EP2 */
	fab_node(f, CXLEMU_NODE_ENDPOINT, 13, CXLEMU_NO_NODE); /* EP3 */
	d = fab_decoder(f, HB0, base, size, 1, 1);
	d->targets[0] = RP0;
	d->targets[1] = RP1;
	d = fab_decoder(f, HB1, base, size, 0, 1);
	d->targets[0] = RP2;
	d = fab_decoder(f, USP, base, size, 1, 1);
	d->targets[0] = DSP0;
	d->targets[1] = DSP1;
	for (n = EP0; n <= EP3; n++) {
		if (n == RP2 || n == USP || n == DSP0 || n == DSP1)
			continue;
		d = fab_decoder(f, n, base, size, 2, 0);
		if (n == EP3)
			d->dpa_base = GB;
	}
}

struct expect {
	uint64_t off;
	int rc;
	uint32_t ep;
	uint64_t dpa;
};

static void check_both(const struct fab *f, const struct cxlemu_route_table *t,
		       uint64_t hpa, int rc, uint32_t ep, uint64_t dpa)
{
	struct cxlemu_route_info info;
	uint32_t got_ep = 0;
	uint64_t got_dpa = 0;

	assert_int_equal(cxlemu_route_walk(&f->w, f->nodes, f->nnodes, hpa, &info), rc);
	assert_int_equal(info.ep, ep);
	assert_int_equal(cxlemu_route(t, hpa, &got_ep, &got_dpa), rc);
	assert_int_equal(got_ep, ep);
	if (rc == 0) {
		assert_int_equal(info.dpa, dpa);
		assert_int_equal(got_dpa, dpa);
	}
}

static void test_known_topology(void **state)
{
	static struct fab f;
	struct cxlemu_route_table *t;
	struct cxlemu_route_info info;
	static const struct expect ex[] = {
		{ 0x000, 0, 10, 0 },
		{ 0x100, 0, 12, 0 },
		{ 0x200, 0, 11, 0 },
		{ 0x300, 0, 13, GB },
		{ 0x400, 0, 10, 0x100 },
		/* granule 0x123 -> HB1; (0x12345 >> 9) odd -> EP3;
		 * DPA = 1 GiB + ((0x12345 >> 10) << 8 | 0x45) */
		{ 0x12345, 0, 13, GB + 0x4845 },
		{ 0xFFFFFFFF, 0, 13, GB + 0x3FFFFFFF },
		{ 0xFFFFFEFF, 0, 11, 0x3FFFFFFF },
	};
	size_t i;

	(void)state;
	known_fabric(&f);
	assert_int_equal(cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, &t), 0);
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
		check_both(&f, t, f.w.base + ex[i].off, ex[i].rc, ex[i].ep, ex[i].dpa);
	/* Outside the window: level 0, the window's id. */
	check_both(&f, t, f.w.base - 1, CXLEMU_ROUTE_MISS, f.w.id, 0);
	check_both(&f, t, f.w.base + f.w.size, CXLEMU_ROUTE_MISS, f.w.id, 0);
	check_both(&f, t, 0, CXLEMU_ROUTE_MISS, f.w.id, 0);
	check_both(&f, t, UINT64_MAX, CXLEMU_ROUTE_MISS, f.w.id, 0);
	/* The walk records the path and positions. */
	assert_int_equal(cxlemu_route_walk(&f.w, f.nodes, f.nnodes, f.w.base + 0x300, &info), 0);
	assert_int_equal(info.depth, 5);
	assert_int_equal(info.path[0], HB1);
	assert_int_equal(info.path[2], USP);
	assert_int_equal(info.path[4], EP3);
	assert_int_equal(info.level, 5);
	assert_int_equal(info.pos[0], 1);
	assert_int_equal(info.pos[2], 0);
	assert_int_equal(info.pos[3], 1);
	assert_int_equal(info.pos[5], 3);
	cxlemu_route_table_free(t);
}

static void test_misses_report_level(void **state)
{
	static struct fab f;
	struct cxlemu_route_table *t;
	struct cxlemu_route_info info;

	(void)state;
	known_fabric(&f);
	/* EP1 maps only the first 2 GiB; HB1 only the first 3 GiB. */
	f.decs[f.nodes[EP1].decoders - f.decs].size = 2 * GB;
	f.decs[f.nodes[HB1].decoders - f.decs].size = 3 * GB;
	/* RP0 has nothing below it. */
	f.nodes[RP0].below = CXLEMU_NO_NODE;
	assert_int_equal(cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, &t), 0);
	/* HB0 -> RP0 (empty): level 2, RP0's id. */
	check_both(&f, t, f.w.base, CXLEMU_ROUTE_MISS | 2, 102, 0);
	assert_int_equal(cxlemu_route_walk(&f.w, f.nodes, f.nnodes, f.w.base, &info),
			 CXLEMU_ROUTE_MISS | 2);
	assert_int_equal(info.reason, CXLEMU_MISS_EMPTY_PORT);
	/* HB0 -> RP1 -> EP1 beyond 2 GiB: level 3, EP1's id. */
	check_both(&f, t, f.w.base + 2 * GB + 0x200, CXLEMU_ROUTE_MISS | 3, 11, 0);
	check_both(&f, t, f.w.base + 2 * GB, CXLEMU_ROUTE_MISS | 2, 102, 0);
	/* Just below 2 GiB, bit 8 clear and bit 9 set: EP1, DPA (off >> 10) << 8. */
	check_both(&f, t, f.w.base + 2 * GB - 0x200, 0, 11, 0x1FFFFF00);
	/* HB1 beyond 3 GiB: level 1, HB1's id, reason "no decoder". */
	check_both(&f, t, f.w.base + 3 * GB + 0x100, CXLEMU_ROUTE_MISS | 1, 101, 0);
	assert_int_equal(cxlemu_route_walk(&f.w, f.nodes, f.nnodes, f.w.base + 3 * GB + 0x100, &info),
			 CXLEMU_ROUTE_MISS | 1);
	assert_int_equal(info.reason, CXLEMU_MISS_NO_DECODER);
	/* Still routed below 3 GiB. */
	check_both(&f, t, f.w.base + 3 * GB - 0x100, 0, 13, GB + (3 * GB / 4) - 0x100);
	assert_int_equal(CXLEMU_ROUTE_MISS_LEVEL(CXLEMU_ROUTE_MISS | 3), 3);
	cxlemu_route_table_free(t);
}

/* Random HPAs: uniform, near every decoder boundary, granule edges. */
static uint64_t pick_hpa(struct rng *r, const struct fab *f)
{
	uint64_t off;

	switch (rng_below(r, 4)) {
	case 0: {
		const struct cxlemu_route_decoder *d;

		if (!f->ndecs)
			break;
		d = &f->decs[rng_below(r, f->ndecs)];
		off = (rng_below(r, 2) ? d->base : d->base + d->size) +
		      rng_below(r, 64 * 1024) - 32 * 1024;
		return off;
	}
	case 1:
		return f->w.base + (rng_below(r, f->w.size >> 8) << 8) +
		       (rng_below(r, 2) ? 255 : 0);
	case 2:
		return f->w.base + rng_below(r, f->w.size + 4096) - 2048;
	default:
		break;
	}
	return f->w.base + rng_below(r, f->w.size);
}

static void compare_random(unsigned int max_levels, unsigned int fabrics,
			   unsigned int probes, uint64_t s)
{
	static struct fab f;
	struct rng r = { s };
	unsigned int i, k, routed = 0, missed = 0, xor_windows = 0;

	for (i = 0; i < fabrics; i++) {
		struct cxlemu_route_table *t;
		struct cxlemu_route_info info;

		fab_random(&f, &r, max_levels);
		assert_int_equal(cxlemu_route_check(NULL, &f.w, f.nodes, f.nnodes), 0);
		assert_int_equal(cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, &t), 0);
		xor_windows += f.w.arith == CXLEMU_ARITH_XOR;
		for (k = 0; k < probes; k++) {
			uint64_t hpa = pick_hpa(&r, &f), dpa = 0;
			uint32_t ep = 0;
			int want = cxlemu_route_walk(&f.w, f.nodes, f.nnodes, hpa, &info);
			int got = cxlemu_route(t, hpa, &ep, &dpa);

			assert_true(want >= 0);
			if (got != want || ep != info.ep || (want == 0 && dpa != info.dpa)) {
				fprintf(stderr, "fabric %u hpa 0x%llx: walk rc %d ep %u dpa 0x%llx, table rc %d ep %u dpa 0x%llx\n",
					i, (unsigned long long)hpa, want, info.ep,
					(unsigned long long)info.dpa, got, ep,
					(unsigned long long)dpa);
				fail();
			}
			if (want == 0)
				routed++;
			else
				missed++;
		}
		cxlemu_route_table_free(t);
	}
	fprintf(stderr, "# %u fabrics (%u XOR), %u routed, %u unmapped probes agree\n",
		fabrics, xor_windows, routed, missed);
	/* The generator must exercise both outcomes substantially. */
	assert_true(routed > fabrics * probes / 10);
	assert_true(missed > fabrics * probes / 20);
}

static void test_random_depth1(void **state)
{
	(void)state;
	compare_random(1, 300, 2000, seed);
}

static void test_random_depth3(void **state)
{
	(void)state;
	compare_random(3, 600, 2000, seed ^ 0x1234);
}

/* Every address in a small window, exhaustively at 256 B steps. */
static void test_exhaustive_small(void **state)
{
	static struct fab f;
	struct rng r = { seed ^ 0xABCD };
	unsigned int i;
	uint64_t off;

	(void)state;
	for (i = 0; i < 30; i++) {
		struct cxlemu_route_table *t;

		do
			fab_random(&f, &r, 3);
		while (f.w.size > 2 * MB256);
		assert_int_equal(cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, &t), 0);
		for (off = 0; off < f.w.size; off += 256 * 7) {
			struct cxlemu_route_info info;
			uint64_t dpa = 0;
			uint32_t ep = 0;
			int want = cxlemu_route_walk(&f.w, f.nodes, f.nnodes, f.w.base + off, &info);

			assert_int_equal(cxlemu_route(t, f.w.base + off, &ep, &dpa), want);
			assert_int_equal(ep, info.ep);
			if (want == 0)
				assert_int_equal(dpa, info.dpa);
		}
		cxlemu_route_table_free(t);
	}
}

static int build_rc(struct fab *f)
{
	struct cxlemu_route_table *t = (struct cxlemu_route_table *)1;
	int rc = cxlemu_route_table_build(NULL, &f->w, f->nodes, f->nnodes, &t);

	if (rc == 0)
		cxlemu_route_table_free(t);
	else
		assert_null(t);
	return rc;
}

static void test_invalid_descriptions(void **state)
{
	static struct fab f;
	struct cxlemu_route_table *t;
	struct cxlemu_route_decoder *d;
	uint32_t a, b;

	(void)state;
	known_fabric(&f);
	assert_int_equal(build_rc(&f), 0);
	assert_int_equal(cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, NULL), -EINVAL);
	assert_int_equal(cxlemu_route_table_build(NULL, NULL, f.nodes, f.nnodes, &t), -EINVAL);
	assert_int_equal(cxlemu_route_table_build(NULL, &f.w, NULL, 3, &t), -EINVAL);

#define BREAK(stmt, err) do { known_fabric(&f); stmt; assert_int_equal(build_rc(&f), err); } while (0)
	/* Window rules (CFMWS 9.18.1.3). */
	BREAK(f.w.base += 4096, -EINVAL);
	BREAK(f.w.size += 4096, -EINVAL);
	BREAK(f.w.size = 0, -EINVAL);
	BREAK(f.w.base = CXLEMU_ADDR_LIMIT - MB256; f.w.size = 2 * MB256, -EINVAL);
	BREAK(f.w.eiw = 5, -EINVAL);
	BREAK(f.w.eig = 7, -EINVAL);
	BREAK(f.w.arith = 2, -EINVAL);
	BREAK(f.w.nxormaps = 1; f.w.xormaps[0] = 0x100, -EINVAL);
	BREAK(f.w.arith = CXLEMU_ARITH_XOR, -EINVAL); /* 2 ways needs 1 map */
	BREAK(f.w.arith = CXLEMU_ARITH_XOR; f.w.nxormaps = 1; f.w.xormaps[0] = 0x200, -EINVAL);
	BREAK(f.w.arith = CXLEMU_ARITH_XOR; f.w.nxormaps = 1; f.w.xormaps[0] = 0, -EINVAL);
	BREAK(f.w.arith = CXLEMU_ARITH_XOR; f.w.nxormaps = 1; f.w.xormaps[0] = 0x100 | CXLEMU_ADDR_LIMIT, -EINVAL);
	BREAK(f.w.arith = CXLEMU_ARITH_XOR; f.w.nxormaps = 1; f.w.xormaps[0] = 0x10100, 0);
	BREAK(f.w.targets[1] = f.nnodes, -EINVAL);
	BREAK(f.w.targets[1] = CXLEMU_NO_NODE, 0);
	/* Decoder rules (8.2.4.20). */
	BREAK(f.decs[0].base += MB256 / 2, -EINVAL);
	BREAK(f.decs[0].size = 0, -EINVAL);
	BREAK(f.decs[0].eiw = 7, -EINVAL);
	BREAK(f.decs[0].eig = 9, -EINVAL);
	BREAK(f.decs[0].targets[1] = 9999, -EINVAL);
	BREAK(f.decs[0].base = UINT64_MAX - MB256 + 1, -EINVAL);
	BREAK(f.decs[f.ndecs - 1].dpa_base = CXLEMU_ADDR_LIMIT - MB256, -EINVAL);
	BREAK(f.nodes[RP0].kind = 9, -EINVAL);
	BREAK(f.nodes[RP0].ndecoders = 1; f.nodes[RP0].decoders = f.decs, -EINVAL);
	BREAK(f.nodes[EP0].ndecoders = 33, -EINVAL);
	BREAK(f.nodes[EP0].decoders = NULL, -EINVAL);
	BREAK(f.nodes[RP0].below = 5000, -EINVAL);
	/* A cycle: the switch's downstream port leads back to its root port. */
	BREAK(f.nodes[DSP1].below = RP2, -ELOOP);
	BREAK(f.nodes[DSP1].below = USP, -ELOOP);

	/*
	 * Regression (review): a 3-way decoder whose size is not a multiple of
	 * 3 x 256 MiB maps a partial last round, up to one granule beyond
	 * size / 3.  2^20 granules over 3 ways is 349526 granules (0x5555600
	 * bytes) per device, so a DPA base 0x5555555 below 2^52 is refused and
	 * one 0x5555600 below is the highest allowed.
	 */
	fab_init(&f, MB256, MB256, 0, 0);
	f.w.targets[0] = 0;
	b = fab_node(&f, CXLEMU_NODE_ENDPOINT, 1, CXLEMU_NO_NODE);
	d = fab_decoder(&f, b, MB256, MB256, 8, 0);
	d->dpa_base = CXLEMU_ADDR_LIMIT - 0x5555555;
	assert_int_equal(build_rc(&f), -EINVAL);
	d->dpa_base = CXLEMU_ADDR_LIMIT - 0x5555600;
	assert_int_equal(build_rc(&f), 0);
	{
		struct cxlemu_route_info info;

		assert_int_equal(cxlemu_route_walk(&f.w, f.nodes, f.nnodes, 2 * MB256 - 1, &info), 0);
		assert_true(info.dpa < CXLEMU_ADDR_LIMIT);
		assert_int_equal(info.dpa, CXLEMU_ADDR_LIMIT - 0x5555600 + 0x55555ff);
	}

	/* A chain deeper than CXLEMU_ROUTE_MAX_DEPTH. */
	fab_init(&f, 0, MB256, 0, 0);
	f.w.targets[0] = 0;
	for (a = 0; a < 20; a++)
		fab_node(&f, CXLEMU_NODE_PORT, a, a + 1);
	b = fab_node(&f, CXLEMU_NODE_ENDPOINT, 99, CXLEMU_NO_NODE);
	fab_decoder(&f, b, 0, MB256, 0, 0);
	assert_int_equal(build_rc(&f), -ELOOP);
	assert_int_equal(cxlemu_route_walk(&f.w, f.nodes, f.nnodes, 0, NULL), -ELOOP);
	/* ... and one that just fits. */
	f.nodes[CXLEMU_ROUTE_MAX_DEPTH - 2].below = b;
	assert_int_equal(build_rc(&f), 0);

	/* Boundaries that would need more than 2^20 chunks. */
	fab_init(&f, 0, UINT64_C(1) << 51, 0, 0);
	f.w.targets[0] = 0;
	b = fab_node(&f, CXLEMU_NODE_ENDPOINT, 1, CXLEMU_NO_NODE);
	d = fab_decoder(&f, b, MB256, MB256, 0, 0);
	assert_int_equal(build_rc(&f), -E2BIG);
	/* The same decoder at a coarse boundary is fine. */
	d->base = UINT64_C(1) << 48;
	d->size = UINT64_C(1) << 48;
	assert_int_equal(build_rc(&f), 0);
#undef BREAK
}

/* A walk never crashes on unchecked garbage, and reports it. */
static void test_walk_garbage(void **state)
{
	static struct fab f;
	struct rng r = { seed ^ 0x77 };
	unsigned int i, k;

	(void)state;
	for (i = 0; i < 2000; i++) {
		known_fabric(&f);
		for (k = 0; k < 4; k++) {
			uint8_t *p = (uint8_t *)f.nodes;

			p[rng_below(&r, sizeof(f.nodes[0]) * f.nnodes)] ^= (uint8_t)rng_next(&r);
		}
		/* Keep decoder pointers inside decs[] so the walker may follow them. */
		for (k = 0; k < f.nnodes; k++) {
			f.nodes[k].decoders = f.decs + (k % f.ndecs);
			if (f.nodes[k].ndecoders > f.ndecs - (k % f.ndecs))
				f.nodes[k].ndecoders = f.ndecs - (k % f.ndecs);
		}
		for (k = 0; k < 20; k++) {
			int rc = cxlemu_route_walk(&f.w, f.nodes, f.nnodes,
						   f.w.base + rng_below(&r, f.w.size), NULL);

			assert_true(rc == 0 || rc == -EINVAL || rc == -ELOOP ||
				    (rc & CXLEMU_ROUTE_MISS));
		}
		/* If the description validates, table and walk agree. */
		if (cxlemu_route_check(NULL, &f.w, f.nodes, f.nnodes) == 0) {
			struct cxlemu_route_table *t;

			assert_int_equal(cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, &t), 0);
			for (k = 0; k < 50; k++) {
				uint64_t hpa = f.w.base + rng_below(&r, f.w.size), dpa = 0;
				struct cxlemu_route_info info;
				uint32_t ep = 0;
				int want = cxlemu_route_walk(&f.w, f.nodes, f.nnodes, hpa, &info);

				assert_int_equal(cxlemu_route(t, hpa, &ep, &dpa), want);
				assert_int_equal(ep, info.ep);
				if (!want)
					assert_int_equal(dpa, info.dpa);
			}
			cxlemu_route_table_free(t);
		}
	}
}

static void test_stats(void **state)
{
	static struct fab f;
	struct cxlemu_route_table *t;
	struct cxlemu_route_table_stats st;

	(void)state;
	known_fabric(&f);
	assert_int_equal(cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, &t), 0);
	cxlemu_route_table_stats(t, &st);
	/* One configuration over the window; period 1 KiB in 256 B units. */
	assert_int_equal(st.segments, 1);
	assert_int_equal(st.chunks, 1);
	assert_int_equal(st.slots, 4);
	assert_int_equal(st.targets, 4);
	assert_true(st.bytes < 1024);
	cxlemu_route_table_free(t);
}

static int log_count;

static void count_log(void *opaque, int level, const char *msg)
{
	(void)opaque;
	(void)level;
	assert_non_null(strstr(msg, "256 MiB"));
	log_count++;
}

/* Rejections are explained through the context's log callback. */
static void test_rejections_logged(void **state)
{
	static struct fab f;
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .log = count_log };
	struct cxlemu_ctx *ctx;
	struct cxlemu_route_table *t;

	(void)state;
	assert_int_equal(cxlemu_ctx_new(&ops, NULL, &ctx), 0);
	known_fabric(&f);
	f.w.base += 4096;
	assert_int_equal(cxlemu_route_table_build(ctx, &f.w, f.nodes, f.nnodes, &t), -EINVAL);
	assert_int_equal(log_count, 1);
	cxlemu_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_topology),
		cmocka_unit_test(test_misses_report_level),
		cmocka_unit_test(test_random_depth1),
		cmocka_unit_test(test_random_depth3),
		cmocka_unit_test(test_exhaustive_small),
		cmocka_unit_test(test_invalid_descriptions),
		cmocka_unit_test(test_walk_garbage),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_rejections_logged),
	};

	seed = test_seed(0xDECAF);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
