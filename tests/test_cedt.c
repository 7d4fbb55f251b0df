/* SPDX-License-Identifier: MIT */
/* CEDT generation and parsing (lib/acpi). */
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

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static uint64_t seed;

static void fix_checksum(uint8_t *b, size_t len)
{
	uint8_t sum = 0;
	size_t i;

	b[9] = 0;
	for (i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	b[9] = (uint8_t)(0x100 - sum);
}

/* QEMU's documented 2-host-bridge interleave, byte by byte. */
static void test_known_table(void **state)
{
	struct cxlemu_topo *t = test_topo_file("docs-interleave.qemu");
	struct cxlemu_cedt_opts o;
	struct cxlemu_cedt *c;
	uint8_t *b, sum = 0;
	size_t len, i;

	(void)state;
	cxlemu_cedt_opts_default(&o, UINT64_C(0x480000000));
	assert_int_equal(cxlemu_cedt_build(t, &o, &b, &len), 0);
	/* Header, two CHBS, one 2-target CFMWS. */
	assert_int_equal(len, 36 + 2 * 32 + 36 + 8);
	assert_memory_equal(b, "CEDT", 4);
	assert_int_equal(test_le(b + 4, 4), len);
	assert_int_equal(b[8], 1);
	assert_memory_equal(b + 10, "BOCHS BXPC    ", 14);
	assert_memory_equal(b + 28, "BXPC", 4);
	for (i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	assert_int_equal(sum, 0);
	/* CHBS: type 0, length 32, UID = bus_nr, CXL 2.0, 64 KiB blocks, in
	 * register order; q35 gives the last pxb-cxl the first block. */
	assert_int_equal(b[36], 0);
	assert_int_equal(test_le(b + 38, 2), 32);
	assert_int_equal(test_le(b + 40, 4), 222);
	assert_int_equal(test_le(b + 44, 4), 1);
	assert_int_equal(test_le(b + 52, 8), 0x480000000);
	assert_int_equal(test_le(b + 60, 8), 0x10000);
	assert_int_equal(test_le(b + 68 + 4, 4), 12);
	assert_int_equal(test_le(b + 68 + 16, 8), 0x480010000);
	/* CFMWS: base, 4 GiB, 2 ways (1), modulo, 8 KiB (5), 0x0f, UIDs. */
	assert_int_equal(b[100], 1);
	assert_int_equal(test_le(b + 102, 2), 44);
	assert_int_equal(test_le(b + 108, 8), 0x490000000);
	assert_int_equal(test_le(b + 116, 8), 4 * GiB);
	assert_int_equal(b[124], 1);
	assert_int_equal(b[125], 0);
	assert_int_equal(test_le(b + 128, 4), 5);
	assert_int_equal(test_le(b + 132, 2), 0x0f);
	assert_int_equal(test_le(b + 136, 4), 12);
	assert_int_equal(test_le(b + 140, 4), 222);
	/* And back. */
	assert_int_equal(cxlemu_cedt_parse(NULL, b, len, &c, NULL, 0), 0);
	assert_int_equal(c->nchbs, 2);
	assert_int_equal(c->ncfmws, 1);
	assert_int_equal(c->ncxims, 0);
	assert_string_equal(c->oem_id, "BOCHS ");
	assert_int_equal(c->chbs[1].uid, 12);
	assert_int_equal(c->cfmws[0].ways, 2);
	assert_int_equal(c->cfmws[0].gran, 8192);
	assert_int_equal(c->cfmws[0].targets[1], 222);
	cxlemu_cedt_free(c);
	cxlemu_cedt_buf_free(b);
	cxlemu_topo_free(t);
}

/* Random topologies: topology -> CEDT -> parse -> the same windows. */
static void test_round_trips(void **state)
{
	struct rng r = { seed };
	unsigned int round;

	(void)state;
	for (round = 0; round < 500; round++) {
		struct cxlemu_topo *t;
		struct cxlemu_cedt_opts o;
		struct cxlemu_cedt *c;
		uint32_t hbs[16], nhb = 1 + (uint32_t)rng_below(&r, 16), i, k, nwin, win;
		uint64_t base = UINT64_C(16) << 30, maps_by_eig[7][4];
		bool have_maps[7] = { 0 };
		uint8_t *b;
		size_t len;

		assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
		for (i = 0; i < nhb; i++) {
			struct cxlemu_comp_desc d;
			char name[16];

			memset(&d, 0, sizeof(d));
			d.version = CXLEMU_COMP_DESC_VERSION;
			d.kind = CXLEMU_COMP_HOST_BRIDGE;
			snprintf(name, sizeof(name), "hb%u", i);
			d.name = name;
			d.parent = CXLEMU_COMP_NONE;
			d.uid = (uint32_t)rng_next(&r);
			assert_int_equal(cxlemu_topo_add(t, &d, &hbs[i]), 0);
		}
		nwin = (uint32_t)rng_below(&r, 5);
		for (win = 0; win < nwin; win++) {
			struct cxlemu_window_desc w;
			unsigned int eiw = legal_eiw[rng_below(&r, 8)], eig = (unsigned int)rng_below(&r, 7);
			unsigned int n = eiw >= 8 ? eiw - 8 : eiw;

			memset(&w, 0, sizeof(w));
			w.version = CXLEMU_WINDOW_DESC_VERSION;
			cxlemu_eiw_to_ways(eiw, &w.ways);
			w.gran = 256u << eig;
			w.base = base;
			w.size = (1 + rng_below(&r, 64)) * 256 * MiB;
			w.qtg_id = (uint32_t)rng_below(&r, 4);
			w.restrictions = (uint32_t)rng_below(&r, 32);
			for (i = 0; i < w.ways; i++)
				w.targets[i] = hbs[rng_below(&r, nhb)];
			if (rng_below(&r, 2)) {
				w.arith = CXLEMU_ARITH_XOR;
				w.nxormaps = n;
				for (k = 0; k < n; k++) {
					if (have_maps[eig])
						w.xormaps[k] = maps_by_eig[eig][k];
					else
						w.xormaps[k] = (UINT64_C(1) << (eig + 8 + k)) |
							       (rng_next(&r) & (CXLEMU_ADDR_LIMIT - 1) &
								~((UINT64_C(2) << (eig + 8 + k)) - 1));
				}
				if (n && !have_maps[eig]) {
					memcpy(maps_by_eig[eig], w.xormaps, sizeof(maps_by_eig[eig]));
					have_maps[eig] = true;
				}
				/* A map set for this granularity may be longer. */
				if (have_maps[eig] && n)
					for (k = 0; k < n; k++)
						w.xormaps[k] = maps_by_eig[eig][k];
			}
			if (cxlemu_topo_add_window(t, &w, NULL)) {
				win--;
				nwin--;
				continue;
			}
			base += w.size;
		}
		cxlemu_cedt_opts_default(&o, 0x10000000);
		if (cxlemu_cedt_build(t, &o, &b, &len)) {
			/* Only when two XOR windows of one granularity differ. */
			cxlemu_topo_free(t);
			continue;
		}
		assert_int_equal(cxlemu_cedt_parse(NULL, b, len, &c, NULL, 0), 0);
		assert_int_equal(c->nchbs, nhb);
		assert_int_equal(c->ncfmws, cxlemu_topo_windows(t));
		for (win = 0; win < c->ncfmws; win++) {
			struct cxlemu_window_desc w;

			cxlemu_topo_window(t, win, &w);
			assert_int_equal(c->cfmws[win].base, w.base);
			assert_int_equal(c->cfmws[win].size, w.size);
			assert_int_equal(c->cfmws[win].ways, w.ways);
			assert_int_equal(c->cfmws[win].gran, w.gran);
			assert_int_equal(c->cfmws[win].arith, w.arith);
			assert_int_equal(c->cfmws[win].qtg_id, w.qtg_id);
			assert_int_equal(c->cfmws[win].restrictions, w.restrictions ? w.restrictions : 0x0f);
			for (i = 0; i < w.ways; i++) {
				struct cxlemu_comp_info hb;

				cxlemu_topo_info(t, w.targets[i], &hb);
				assert_int_equal(c->cfmws[win].targets[i], hb.uid);
			}
			if (w.arith == CXLEMU_ARITH_XOR && w.nxormaps) {
				for (k = 0; k < c->ncxims && c->cxims[k].eig != c->cfmws[win].eig; k++)
					;
				assert_true(k < c->ncxims);
				assert_int_equal(c->cxims[k].nmaps, w.nxormaps);
				assert_memory_equal(c->cxims[k].maps, w.xormaps, w.nxormaps * 8);
			}
		}
		for (i = 0; i < nhb; i++)
			assert_int_equal(c->chbs[i].base, 0x10000000 + i * 0x10000);
		cxlemu_cedt_free(c);
		cxlemu_cedt_buf_free(b);
		cxlemu_topo_free(t);
	}
}

static void expect_bad(const uint8_t *b, size_t len, const char *msg)
{
	struct cxlemu_cedt *c = (struct cxlemu_cedt *)1;
	char err[256];

	assert_int_equal(cxlemu_cedt_parse(NULL, b, len, &c, err, sizeof(err)), -EINVAL);
	assert_null(c);
	if (!strstr(err, msg))
		fail_msg("error '%s', wanted '%s'", err, msg);
}

static void test_bad_tables(void **state)
{
	struct cxlemu_topo *t = test_topo_file("docs-interleave.qemu");
	struct cxlemu_cedt_opts o;
	struct cxlemu_cedt *c;
	uint8_t *good, b[512];
	size_t len;

	(void)state;
	cxlemu_cedt_opts_default(&o, 0x480000000);
	assert_int_equal(cxlemu_cedt_build(t, &o, &good, &len), 0);
#define MUT(stmt, msg) do { memcpy(b, good, len); stmt; fix_checksum(b, len); expect_bad(b, len, msg); } while (0)
	expect_bad(good, 20, "shorter than an ACPI header");
	expect_bad(good, len - 1, "header length");
	MUT(b[0] = 'X', "signature");
	memcpy(b, good, len);
	b[50] ^= 1;
	expect_bad(b, len, "checksum");
	MUT(b[38] = 31, "CHBS length 31");
	MUT(b[38] = 0, "record length 0");
	MUT(b[102] = 200, "record length 200");
	MUT(b[124] = 5, "interleave ways 5");
	MUT(b[128] = 9, "granularity 9");
	MUT(b[125] = 2, "arithmetic 2");
	MUT(b[108] = 1, "not 256 MiB aligned");
	MUT(b[124] = 3, "too short for 8 targets");
#undef MUT
	/* Two bytes after the last record: not a record header. */
	memcpy(b, good, len);
	b[len] = 0;
	b[len + 1] = 0;
	b[4] = (uint8_t)(len + 2);
	fix_checksum(b, len + 2);
	expect_bad(b, len + 2, "stray bytes");
	/* A CXIMS that claims 5 maps; an unknown record is skipped. */
	memcpy(b, good, len);
	b[len] = 2; b[len + 1] = 0; b[len + 2] = 8 + 40; b[len + 3] = 0;
	b[len + 4] = 0; b[len + 5] = 0; b[len + 6] = 0; b[len + 7] = 5;
	memset(b + len + 8, 0, 40);
	b[4] = (uint8_t)(len + 48);
	fix_checksum(b, len + 48);
	expect_bad(b, len + 48, "5 maps");
	memcpy(b, good, len);
	b[len] = 9; b[len + 1] = 0; b[len + 2] = 12; b[len + 3] = 0;
	memset(b + len + 4, 0xee, 8);
	b[4] = (uint8_t)(len + 12);
	fix_checksum(b, len + 12);
	assert_int_equal(cxlemu_cedt_parse(NULL, b, len + 12, &c, NULL, 0), 0);
	assert_int_equal(c->nunknown, 1);
	assert_int_equal(c->ncfmws, 1);
	cxlemu_cedt_free(c);
	assert_int_equal(cxlemu_cedt_parse(NULL, NULL, 0, &c, NULL, 0), -EINVAL);
	cxlemu_cedt_buf_free(good);
	cxlemu_topo_free(t);
}

/* One CXIMS per granularity: XOR windows that disagree cannot be built. */
static void test_conflicting_xormaps(void **state)
{
	struct cxlemu_topo *t;
	struct cxlemu_window_desc w;
	struct cxlemu_comp_desc d;
	struct cxlemu_cedt_opts o;
	uint32_t hb[2];
	uint8_t *b;
	size_t len;

	(void)state;
	assert_int_equal(cxlemu_topo_new(NULL, &t), 0);
	memset(&d, 0, sizeof(d));
	d.version = CXLEMU_COMP_DESC_VERSION;
	d.kind = CXLEMU_COMP_HOST_BRIDGE;
	d.parent = CXLEMU_COMP_NONE;
	d.name = "a";
	assert_int_equal(cxlemu_topo_add(t, &d, &hb[0]), 0);
	d.name = "b";
	d.uid = 1;
	assert_int_equal(cxlemu_topo_add(t, &d, &hb[1]), 0);
	memset(&w, 0, sizeof(w));
	w.version = CXLEMU_WINDOW_DESC_VERSION;
	w.base = 16 * GiB;
	w.size = GiB;
	w.ways = 2;
	w.gran = 256;
	w.arith = CXLEMU_ARITH_XOR;
	w.nxormaps = 1;
	w.xormaps[0] = 0x100 | (UINT64_C(1) << 30);
	w.targets[0] = hb[0];
	w.targets[1] = hb[1];
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	w.base += GiB;
	w.xormaps[0] = 0x100 | (UINT64_C(1) << 31);
	assert_int_equal(cxlemu_topo_add_window(t, &w, NULL), 0);
	cxlemu_cedt_opts_default(&o, 0);
	assert_int_equal(cxlemu_cedt_build(t, &o, &b, &len), -EINVAL);
	o.version = 7;
	assert_int_equal(cxlemu_cedt_build(t, &o, &b, &len), -EINVAL);
	cxlemu_topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_table),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_bad_tables),
		cmocka_unit_test(test_conflicting_xormaps),
	};

	seed = test_seed(0xCED7);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
