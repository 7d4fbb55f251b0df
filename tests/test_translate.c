/* SPDX-License-Identifier: MIT */
/* The translate query language against the library, on random queries. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "../frontends/cli/translate.h"

static uint64_t seed;

static void test_random_queries(void **state)
{
	struct rng r = { seed };
	char q[512], a[512], b[512], xs[128];
	unsigned int i, k, eiw, eig, ways, pos, n, pos2;
	uint64_t dpa, hpa, maps[4], dpa2;

	(void)state;
	for (i = 0; i < 100000; i++) {
		int len;

		eiw = legal_eiw[rng_below(&r, 8)];
		eig = (unsigned int)rng_below(&r, 7);
		cxlemu_eiw_to_ways(eiw, &ways);
		n = (unsigned int)rng_below(&r, (eiw >= 8 ? eiw - 8 : eiw) + 1u);
		xs[0] = '\0';
		for (k = 0; k < n; k++) {
			maps[k] = (UINT64_C(1) << (eig + 8 + k)) |
				  ((rng_next(&r) & (CXLEMU_ADDR_LIMIT - 1)) &
				   ~((UINT64_C(2) << (eig + 8 + k)) - 1));
			snprintf(xs + strlen(xs), sizeof(xs) - strlen(xs), "%s0x%" PRIx64,
				 k ? "," : " xor=", maps[k]);
		}
		dpa = rng_next(&r) >> (12 + rng_below(&r, 40));
		dpa /= ways;
		pos = (unsigned int)rng_below(&r, ways);
		/* Mix the two spellings of ways and granularity. */
		len = snprintf(q, sizeof(q), "dpa2hpa %s=%u %s=%u dpa=%" PRIu64 " pos=%u%s",
			       i & 1 ? "ways" : "eiw", i & 1 ? ways : eiw,
			       i & 2 ? "gran" : "eig", i & 2 ? 256u << eig : eig,
			       dpa, pos, xs);
		assert_int_equal(translate_line(q, (size_t)len, a, sizeof(a)), 0);
		assert_int_equal(sscanf(a, "hpa=0x%" SCNx64, &hpa), 1);
		len = snprintf(q, sizeof(q), "hpa2dpa eiw=%u eig=%u hpa=0x%" PRIx64 "%s",
			       eiw, eig, hpa, xs);
		assert_int_equal(translate_line(q, (size_t)len, b, sizeof(b)), 0);
		assert_int_equal(sscanf(b, "pos=%u dpa=0x%" SCNx64, &pos2, &dpa2), 2);
		assert_int_equal(pos2, pos);
		assert_int_equal(dpa2, dpa);
	}
}

/* Any bytes: one line out, never a crash, always "error:" or an answer. */
static void test_garbage(void **state)
{
	struct rng r = { seed ^ 0x99 };
	static const char *words[] = { "hpa2dpa", "dpa2hpa", "ways=", "eiw=", "gran=",
				       "eig=", "hpa=", "dpa=", "pos=", "xor=", "0x",
				       "1", "256", ",", " ", "=", "\t", "9", "ff" };
	char q[256], a[512];
	unsigned int i, k;

	(void)state;
	for (i = 0; i < 200000; i++) {
		size_t len = 0;
		unsigned int nw = (unsigned int)rng_below(&r, 14);

		for (k = 0; k < nw; k++) {
			const char *w = words[rng_below(&r, sizeof(words) / sizeof(words[0]))];
			size_t l = strlen(w);

			if (len + l >= sizeof(q))
				break;
			memcpy(q + len, w, l);
			len += l;
		}
		if (rng_below(&r, 4) == 0 && len)
			q[rng_below(&r, len)] = (char)rng_next(&r);
		if (translate_line(q, len, a, sizeof(a)))
			assert_memory_equal(a, "error: ", 7);
		else
			assert_true(!strncmp(a, "hpa=0x", 6) || !strncmp(a, "pos=", 4));
		assert_null(memchr(a, '\n', strlen(a)));
	}
}

/* Sizes with and without a suffix; what is refused. */
static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "0x10", 16 }, { "1k", 1024 },
		{ "3K", 3072 }, { "256M", UINT64_C(268435456) }, { "4g", UINT64_C(4294967296) },
		{ "2T", UINT64_C(2199023255552) }, { "0x10M", UINT64_C(16777216) },
		{ "16777215T", UINT64_C(18446742974197923840) },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "G", "1.5G", "-1", "1GB", "1P", " 1", "16777216T", "18446744073709551616", "0x",
	};
	unsigned int i;
	uint64_t v;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		assert_true(parse_size(good[i].s, strlen(good[i].s), &v));
		assert_true(v == good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(parse_size(bad[i], strlen(bad[i]), &v));
	/* The length bounds the parse: "4G" of "4Gx". */
	assert_true(parse_size("4Gx", 2, &v));
	assert_true(v == UINT64_C(4294967296));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_queries),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_parse_size),
	};

	seed = test_seed(0x7A7);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
