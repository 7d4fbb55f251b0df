/* SPDX-License-Identifier: MIT */
/* Encodings, device decode arithmetic and XOR maps (lib/decode). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

static uint64_t seed;

static bool is_legal_eiw(unsigned int e)
{
	return e <= 4 || (e >= 8 && e <= 10);
}

static void test_eiw_encodings(void **state)
{
	unsigned int e, ways, back;

	(void)state;
	for (e = 0; e < 256; e++) {
		int rc = cxlemu_eiw_to_ways(e, &ways);

		if (!is_legal_eiw(e)) {
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(cxlemu_ways_to_eiw(ways, &back), 0);
		assert_int_equal(back, e);
	}
	/* Spec table: 8.2.4.20.7. */
	assert_int_equal(cxlemu_eiw_to_ways(4, &ways), 0);
	assert_int_equal(ways, 16);
	assert_int_equal(cxlemu_eiw_to_ways(10, &ways), 0);
	assert_int_equal(ways, 12);
	for (ways = 0; ways < 100; ways++) {
		bool legal = ways == 1 || ways == 2 || ways == 4 || ways == 8 ||
			     ways == 16 || ways == 3 || ways == 6 || ways == 12;

		assert_int_equal(cxlemu_ways_to_eiw(ways, &e) == 0, legal);
	}
	assert_int_equal(cxlemu_eiw_to_ways(0, NULL), -EINVAL);
	assert_int_equal(cxlemu_ways_to_eiw(2, NULL), -EINVAL);
	assert_int_equal(cxlemu_ways_to_eiw(UINT32_MAX, &e), -EINVAL);
}

static void test_eig_encodings(void **state)
{
	unsigned int e, back;
	uint64_t g;

	(void)state;
	for (e = 0; e < 256; e++) {
		int rc = cxlemu_eig_to_gran(e, &g);

		if (e > 6) {
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(g, 256u << e);
		assert_int_equal(cxlemu_gran_to_eig(g, &back), 0);
		assert_int_equal(back, e);
	}
	for (g = 0; g < 70000; g++) {
		bool legal = g == 256 || g == 512 || g == 1024 || g == 2048 ||
			     g == 4096 || g == 8192 || g == 16384;

		assert_int_equal(cxlemu_gran_to_eig(g, &e) == 0, legal);
	}
	assert_int_equal(cxlemu_gran_to_eig(UINT64_C(1) << 40, &e), -EINVAL);
	assert_int_equal(cxlemu_gran_to_eig(256, NULL), -EINVAL);
	assert_int_equal(cxlemu_eig_to_gran(0, NULL), -EINVAL);
}

struct kat {
	unsigned int eiw, eig;
	uint64_t hpa;
	unsigned int pos;
	uint64_t dpa;
};

/* Worked by hand from 8.2.4.20.13 (see the comments for the arithmetic). */
static const struct kat kats[] = {
	/* 1 way, 8 KiB: identity. */
	{ 0, 5, 0xABCDE, 0, 0xABCDE },
	/* 2 way, 256 B: granule 0x123 -> pos 1, DPA (0x123 >> 1) << 8 | 0x45. */
	{ 1, 0, 0x12345, 1, 0x9145 },
	{ 1, 0, 0x0, 0, 0x0 },
	{ 1, 0, 0x100, 1, 0x0 },
	{ 1, 0, 0x200, 0, 0x100 },
	{ 1, 0, 0x3ff, 1, 0x1ff },
	/* 4 way, 4 KiB: granule 0x12345 -> pos 1, DPA 0x48d1 << 12 | 0x678. */
	{ 2, 4, 0x12345678, 1, 0x48D1678 },
	/* 8 way, 2 KiB: granule 8192 -> pos 0, DPA 1024 << 11. */
	{ 3, 3, 0x1000000, 0, 0x200000 },
	/* 16 way, 256 B: granule 0xff -> pos 15, DPA 0xf << 8 | 0xff. */
	{ 4, 0, 0xFFFF, 15, 0xFFF },
	/* 3 way, 256 B: granule 5 -> pos 2, DPA (5 / 3) << 8. */
	{ 8, 0, 0x500, 2, 0x100 },
	/* 3 way, 256 B: granule 18 -> pos 0, DPA 6 << 8 | 0x34. */
	{ 8, 0, 0x1234, 0, 0x634 },
	/* 6 way, 1 KiB: granule 10 -> pos 4, DPA ((10 >> 1) / 3) << 10 | 0x200. */
	{ 9, 2, 0x2A00, 4, 0x600 },
	/* 12 way, 16 KiB: granule 25 -> pos 1, DPA ((25 >> 2) / 3) << 14 | 0x123. */
	{ 10, 6, 0x64123, 1, 0x8123 },
	/* 12 way, 256 B at the top of the address space. */
	{ 10, 0, 0xFFFFFFFFFFFFF, (0xFFFFFFFFFFFULL % 12), ((0xFFFFFFFFFFFULL >> 2) / 3) << 8 | 0xff },
};

static void test_known_answers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *k = &kats[i];
		unsigned int pos;
		uint64_t dpa, hpa;

		assert_int_equal(cxlemu_hpa_to_dpa(k->hpa, k->eiw, k->eig, &pos, &dpa), 0);
		assert_int_equal(pos, k->pos);
		assert_int_equal(dpa, k->dpa);
		assert_int_equal(cxlemu_dpa_to_hpa(k->dpa, k->pos, k->eiw, k->eig, &hpa), 0);
		assert_int_equal(hpa, k->hpa);
	}
}

/* Every ways x granularity: HPA -> (pos, DPA) -> HPA and back, to 2^52. */
static void test_round_trips(void **state)
{
	struct rng r = { seed };
	unsigned int i, e, pos, pos2, ways;
	uint64_t hpa, dpa, back, dpa2;
	int n;

	(void)state;
	for (i = 0; i < 8; i++) {
		cxlemu_eiw_to_ways(legal_eiw[i], &ways);
		for (e = 0; e <= 6; e++) {
			for (n = 0; n < 20000; n++) {
				/* Mix small, granule-edge and full-width offsets. */
				hpa = rng_next(&r) >> (12 + rng_below(&r, 52));
				if (n & 1)
					hpa = rng_next(&r) & (CXLEMU_ADDR_LIMIT - 1);
				assert_int_equal(cxlemu_hpa_to_dpa(hpa, legal_eiw[i], e, &pos, &dpa), 0);
				assert_true(pos < ways);
				assert_true(dpa <= hpa);
				assert_int_equal(cxlemu_dpa_to_hpa(dpa, pos, legal_eiw[i], e, &back), 0);
				assert_int_equal(back, hpa);
				/* One full interleave further: same device, next granule. */
				if (hpa + ((uint64_t)ways << (e + 8)) < CXLEMU_ADDR_LIMIT) {
					assert_int_equal(cxlemu_hpa_to_dpa(hpa + ((uint64_t)ways << (e + 8)),
									   legal_eiw[i], e, &pos2, &dpa2), 0);
					assert_int_equal(pos2, pos);
					assert_int_equal(dpa2, dpa + (256u << e));
				}
				/* DPA side: every (DPA, pos) has exactly one HPA. */
				dpa = hpa / ways;
				pos = (unsigned int)rng_below(&r, ways);
				assert_int_equal(cxlemu_dpa_to_hpa(dpa, pos, legal_eiw[i], e, &back), 0);
				assert_int_equal(cxlemu_hpa_to_dpa(back, legal_eiw[i], e, &pos2, &dpa2), 0);
				assert_int_equal(pos2, pos);
				assert_int_equal(dpa2, dpa);
			}
		}
	}
}

/* Consecutive granules visit positions 0..ways-1 in turn. */
static void test_positions_cycle(void **state)
{
	unsigned int i, e, ways, pos;
	uint64_t g, dpa;

	(void)state;
	for (i = 0; i < 8; i++) {
		cxlemu_eiw_to_ways(legal_eiw[i], &ways);
		for (e = 0; e <= 6; e++) {
			for (g = 0; g < 4 * ways; g++) {
				assert_int_equal(cxlemu_hpa_to_dpa(g << (e + 8), legal_eiw[i], e, &pos, &dpa), 0);
				assert_int_equal(pos, g % ways);
				assert_int_equal(dpa, (g / ways) << (e + 8));
			}
		}
	}
}

static void test_invalid_decode(void **state)
{
	unsigned int pos;
	uint64_t v;

	(void)state;
	assert_int_equal(cxlemu_hpa_to_dpa(0, 5, 0, &pos, &v), -EINVAL);
	assert_int_equal(cxlemu_hpa_to_dpa(0, 11, 0, &pos, &v), -EINVAL);
	assert_int_equal(cxlemu_hpa_to_dpa(0, 0, 7, &pos, &v), -EINVAL);
	assert_int_equal(cxlemu_hpa_to_dpa(CXLEMU_ADDR_LIMIT, 0, 0, &pos, &v), -ERANGE);
	assert_int_equal(cxlemu_hpa_to_dpa(UINT64_MAX, 1, 0, &pos, &v), -ERANGE);
	assert_int_equal(cxlemu_dpa_to_hpa(0, 2, 1, 0, &v), -EINVAL);
	assert_int_equal(cxlemu_dpa_to_hpa(0, 3, 8, 0, &v), -EINVAL);
	assert_int_equal(cxlemu_dpa_to_hpa(0, 12, 10, 0, &v), -EINVAL);
	assert_int_equal(cxlemu_dpa_to_hpa(0, 0, 1, 0, NULL), -EINVAL);
	/* Half of 2^52 on each of 2 devices fits; one granule more does not. */
	assert_int_equal(cxlemu_dpa_to_hpa(CXLEMU_ADDR_LIMIT / 2 - 1, 1, 1, 0, &v), 0);
	assert_int_equal(v, CXLEMU_ADDR_LIMIT - 1);
	assert_int_equal(cxlemu_dpa_to_hpa(CXLEMU_ADDR_LIMIT / 2, 0, 1, 0, &v), -ERANGE);
	assert_int_equal(cxlemu_dpa_to_hpa(CXLEMU_ADDR_LIMIT, 0, 0, 0, &v), -ERANGE);
	assert_int_equal(cxlemu_dpa_to_hpa(CXLEMU_ADDR_LIMIT / 3, 2, 8, 0, &v), -ERANGE);
}

static void test_xor_known_answers(void **state)
{
	const uint64_t maps[2] = { 0x2020900, 0x4041200 };
	struct cxlemu_xormaps x;
	unsigned int pos;
	uint64_t dpa, spa;

	(void)state;
	assert_int_equal(cxlemu_xormaps_init(&x, maps, 2), 0);
	assert_int_equal(x.pivot[0], 8);
	assert_int_equal(x.pivot[1], 9);
	/* Bit 17 is in map 0: bit 8 becomes 1 -> HPA 0x20100, granule 0x201. */
	assert_int_equal(cxlemu_xor_spa_to_hpa(&x, 0x20000), 0x20100);
	assert_int_equal(cxlemu_spa_to_dpa(0x20000, 2, 0, &x, &pos, &dpa), 0);
	assert_int_equal(pos, 1);
	assert_int_equal(dpa, 0x8000);
	assert_int_equal(cxlemu_dpa_to_spa(0x8000, 1, 2, 0, &x, &spa), 0);
	assert_int_equal(spa, 0x20000);
	/* Bit 12 is in map 1: bit 9 becomes 1 -> HPA 0x1200, position 2. */
	assert_int_equal(cxlemu_spa_to_dpa(0x1000, 2, 0, &x, &pos, &dpa), 0);
	assert_int_equal(pos, 2);
	assert_int_equal(dpa, 0x400);
	/* Without maps the same address is position 0. */
	assert_int_equal(cxlemu_spa_to_dpa(0x1000, 2, 0, NULL, &pos, &dpa), 0);
	assert_int_equal(pos, 0);
}

/* XOR over every ways with a power-of-two factor: exact inverses. */
static void test_xor_round_trips(void **state)
{
	struct rng r = { seed ^ 0x5A5A };
	struct cxlemu_xormaps x;
	unsigned int i, e, k, n, pos, ways;
	uint64_t maps[4], spa, dpa, back;
	int it;

	(void)state;
	for (i = 0; i < 8; i++) {
		n = legal_eiw[i] >= 8 ? legal_eiw[i] - 8 : legal_eiw[i];
		cxlemu_eiw_to_ways(legal_eiw[i], &ways);
		for (e = 0; e <= 6; e++) {
			for (it = 0; it < 2000; it++) {
				for (k = 0; k < n; k++) {
					uint64_t high = rng_next(&r) & (CXLEMU_ADDR_LIMIT - 1);

					high &= ~((UINT64_C(2) << (e + 8 + k)) - 1);
					maps[k] = (UINT64_C(1) << (e + 8 + k)) | high;
				}
				assert_int_equal(cxlemu_xormaps_init(&x, maps, n), 0);
				spa = rng_next(&r) & (CXLEMU_ADDR_LIMIT - 1);
				assert_int_equal(cxlemu_xor_hpa_to_spa(&x, cxlemu_xor_spa_to_hpa(&x, spa)), spa);
				assert_int_equal(cxlemu_spa_to_dpa(spa, legal_eiw[i], e, &x, &pos, &dpa), 0);
				assert_true(pos < ways);
				assert_int_equal(cxlemu_dpa_to_spa(dpa, pos, legal_eiw[i], e, &x, &back), 0);
				assert_int_equal(back, spa);
				/* Table 9-22: bit k of the target index is the parity of SPA & map k. */
				for (k = 0; k < n; k++)
					assert_int_equal((pos >> k) & 1,
							 (unsigned int)__builtin_parityll(spa & maps[k]));
				/* The DPA does not depend on the pivot bits. */
				assert_int_equal(cxlemu_hpa_to_dpa(spa, legal_eiw[i], e, NULL, &back), 0);
				assert_int_equal(back, dpa);
			}
		}
	}
}

static void test_xor_invalid(void **state)
{
	struct cxlemu_xormaps x;
	uint64_t maps[5] = { 0x100, 0x200, 0x400, 0x800, 0x1000 };
	uint64_t zero[1] = { 0 }, high[1] = { CXLEMU_ADDR_LIMIT };
	uint64_t same[2] = { 0x2100, 0x100 };
	unsigned int pos;
	uint64_t v;

	(void)state;
	assert_int_equal(cxlemu_xormaps_init(&x, maps, 5), -EINVAL);
	assert_int_equal(cxlemu_xormaps_init(&x, zero, 1), -EINVAL);
	assert_int_equal(cxlemu_xormaps_init(&x, high, 1), -EINVAL);
	assert_int_equal(cxlemu_xormaps_init(&x, NULL, 1), -EINVAL);
	/* Two maps with the same pivot would not be a bijection. */
	assert_int_equal(cxlemu_xormaps_init(&x, same, 2), -EINVAL);
	assert_int_equal(cxlemu_xormaps_init(NULL, maps, 1), -EINVAL);
	assert_int_equal(cxlemu_xormaps_init(&x, NULL, 0), 0);
	/* 3 ways has no power-of-two factor: no maps allowed. */
	assert_int_equal(cxlemu_xormaps_init(&x, maps, 1), 0);
	assert_int_equal(cxlemu_spa_to_dpa(0, 8, 0, &x, &pos, &v), -EINVAL);
	assert_int_equal(cxlemu_dpa_to_spa(0, 0, 8, 0, &x, &v), -EINVAL);
	/* 6 ways: one map is fine, two are not. */
	assert_int_equal(cxlemu_spa_to_dpa(0, 9, 0, &x, &pos, &v), 0);
	assert_int_equal(cxlemu_xormaps_init(&x, maps, 2), 0);
	assert_int_equal(cxlemu_spa_to_dpa(0, 9, 0, &x, &pos, &v), -EINVAL);
	assert_int_equal(cxlemu_spa_to_dpa(CXLEMU_ADDR_LIMIT, 2, 0, &x, &pos, &v), -ERANGE);
	/* Regression (review): map i must pivot at interleave bit i, else the
	 * result would not be the target Table 9-22 selects. */
	assert_int_equal(cxlemu_xormaps_init(&x, maps, 1), 0);
	assert_int_equal(cxlemu_spa_to_dpa(0x100, 1, 0, &x, &pos, &v), 0);
	assert_int_equal(pos, 1); /* a one-bit map changes nothing */
	assert_int_equal(cxlemu_spa_to_dpa(0x100, 1, 1, &x, &pos, &v), -EINVAL);
	assert_int_equal(cxlemu_dpa_to_spa(0, 0, 1, 1, &x, &v), -EINVAL);
	assert_int_equal(cxlemu_xormaps_init(&x, &maps[1], 1), 0);
	assert_int_equal(cxlemu_spa_to_dpa(0x100, 2, 0, &x, &pos, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eiw_encodings),
		cmocka_unit_test(test_eig_encodings),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_positions_cycle),
		cmocka_unit_test(test_invalid_decode),
		cmocka_unit_test(test_xor_known_answers),
		cmocka_unit_test(test_xor_round_trips),
		cmocka_unit_test(test_xor_invalid),
	};

	seed = test_seed(0xC0FFEE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
