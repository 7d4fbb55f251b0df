/* SPDX-License-Identifier: MIT */
/* Dynamic capacity: Get DC Configuration, Get DC Extent List, Add DC
 * Response, Release DC, and the offer/release/backed API with its DC event
 * records. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mbox_util.h"
#include "testutil.h"

#define OP_CONFIG 0x4800
#define OP_EXTENTS 0x4801
#define OP_ADD_RSP 0x4802
#define OP_RELEASE 0x4803
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define REC 128
#define HDR 0x20

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static bool zeros(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Two regions: 0 at 2 GiB, 128 MiB usable of 256 MiB decode, 2 MiB blocks,
 * DSMAD handle 7, sanitize on release; 1 at 2.25 GiB, 512 MiB, 64 MiB
 * blocks, handle 9. */
static struct mb *mk2(void)
{
	struct mb *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.dc_nregions = 2;
	m->mcfg.dc[0].base = 2 * GIB;
	m->mcfg.dc[0].decode_len = 256 * MIB;
	m->mcfg.dc[0].len = 128 * MIB;
	m->mcfg.dc[0].block_size = 2 * MIB;
	m->mcfg.dc[0].dsmad_handle = 7;
	m->mcfg.dc[0].flags = 0x08;
	m->mcfg.dc[1].base = 2 * GIB + 256 * MIB;
	m->mcfg.dc[1].decode_len = 512 * MIB;
	m->mcfg.dc[1].len = 512 * MIB;
	m->mcfg.dc[1].block_size = 64 * MIB;
	m->mcfg.dc[1].dsmad_handle = 9;
	mb_start(m);
	return m;
}

/* One region of 256 MiB in 512 KiB blocks (512 blocks: more than the
 * device tracks as extents). */
static struct mb *mk_small_blocks(void)
{
	struct mb *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.dc[0].block_size = 512 << 10;
	mb_start(m);
	return m;
}

static struct mb *mk_nodc(void)
{
	struct mb *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.dc_nregions = 0;
	memset(m->mcfg.dc, 0, sizeof(m->mcfg.dc));
	mb_start(m);
	return m;
}

static struct cxlemu_dc_extent ext(uint64_t dpa, uint64_t len, uint8_t tag)
{
	struct cxlemu_dc_extent e;

	memset(&e, 0, sizeof(e));
	e.dpa = dpa;
	e.len = len;
	if (tag)
		memset(e.tag, tag, 16);
	e.shared_seq = tag;
	return e;
}

/* Add DC Response / Release DC input: @n (dpa, len) pairs, the count
 * field @count, @extra bytes more or fewer. */
static int update(struct mb *m, uint16_t op, uint8_t flags, uint64_t (*r)[2],
		  unsigned int n, uint32_t count, long extra)
{
	static uint8_t in[8 + 24 * 300 + 64];
	unsigned int i;

	memset(in, 0, sizeof(in));
	put(in, count, 4);
	in[4] = flags;
	for (i = 0; i < n; i++) {
		put(in + 8 + 24 * i, r[i][0], 8);
		put(in + 8 + 24 * i + 8, r[i][1], 8);
	}
	return mb_run(m, op, in, (size_t)((long)(8 + 24 * n) + extra));
}

static int respond(struct mb *m, uint8_t flags, uint64_t (*r)[2], unsigned int n)
{
	return update(m, OP_ADD_RSP, flags, r, n, n, 0);
}

static int release(struct mb *m, uint64_t (*r)[2], unsigned int n)
{
	return update(m, OP_RELEASE, 0, r, n, n, 0);
}

static int extents(struct mb *m, uint32_t count, uint32_t start)
{
	uint8_t in[8];

	put(in, count, 4);
	put(in + 4, start, 4);
	return mb_run(m, OP_EXTENTS, in, 8);
}

static uint32_t nextents(struct mb *m)
{
	assert_int_equal(extents(m, 0, 0), CXLEMU_MBOX_SUCCESS);
	return (uint32_t)test_le(m->out + 4, 4);
}

static uint32_t generation(struct mb *m)
{
	assert_int_equal(extents(m, 0, 0), CXLEMU_MBOX_SUCCESS);
	return (uint32_t)test_le(m->out + 8, 4);
}

static unsigned int dc_log_count(struct mb *m)
{
	uint8_t log = 4;

	assert_int_equal(mb_run(m, 0x0100, &log, 1), CXLEMU_MBOX_SUCCESS);
	return (unsigned int)test_le(m->out + 0x14, 2);
}

static void clear_dc_log(struct mb *m)
{
	uint8_t in[6] = { 4, 1, 0, 0, 0, 0 };

	assert_int_equal(mb_run(m, 0x0101, in, 6), CXLEMU_MBOX_SUCCESS);
}

static void test_no_dc(void **state)
{
	struct mb *m = mk_nodc();
	uint8_t in[32] = { 0 }, cel[24] = { 0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
					    0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17 };
	struct cxlemu_dc_extent e = ext(2 * GIB, 2 * MIB, 0);
	unsigned int i, size;

	(void)state;
	assert_int_equal(mb_run(m, OP_CONFIG, in, 2), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(mb_run(m, OP_EXTENTS, in, 8), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(mb_run(m, OP_ADD_RSP, in, 8), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(mb_run(m, OP_RELEASE, in, 8), CXLEMU_MBOX_UNSUPPORTED);
	/* The CEL does not list them: Linux reads that as "no DCD". */
	assert_int_equal(mb_run(m, 0x0400, NULL, 0), CXLEMU_MBOX_SUCCESS);
	size = (unsigned int)test_le(m->out + 24, 4);
	put(cel + 20, size, 4);
	assert_int_equal(mb_run(m, 0x0401, cel, 24), CXLEMU_MBOX_SUCCESS);
	for (i = 0; i < size; i += 4)
		assert_true((test_le(m->out + i, 2) & 0xff00) != 0x4800);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &e, 1), -EINVAL);
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, &e, 1, true), -EINVAL);
	assert_false(cxlemu_memdev_dc_backed(m->md, 2 * GIB, 2 * MIB));
	mb_free(m);

	/* With DC they are listed, with their effects. */
	m = mb_new();
	assert_int_equal(mb_run(m, 0x0400, NULL, 0), CXLEMU_MBOX_SUCCESS);
	size = (unsigned int)test_le(m->out + 24, 4);
	put(cel + 20, size, 4);
	assert_int_equal(mb_run(m, 0x0401, cel, 24), CXLEMU_MBOX_SUCCESS);
	for (i = 0; i < size; i += 4) {
		unsigned int op = (unsigned int)test_le(m->out + i, 2);
		unsigned int eff = (unsigned int)test_le(m->out + i + 2, 2);

		if (op == OP_CONFIG || op == OP_EXTENTS)
			assert_int_equal(eff, 0);
		if (op == OP_ADD_RSP || op == OP_RELEASE)
			assert_int_equal(eff, (1u << 1) | (1u << 2));
		in[op & 0xf] |= (op & 0xff00) == 0x4800;
	}
	assert_true(in[0] && in[1] && in[2] && in[3]);
	mb_free(m);
}

static void check_region(const uint8_t *p, uint64_t base, uint64_t decode_units, uint64_t len,
			 uint64_t block, uint32_t handle, uint8_t flags)
{
	assert_int_equal(test_le(p + 0x00, 8), base);
	assert_int_equal(test_le(p + 0x08, 8), decode_units);
	assert_int_equal(test_le(p + 0x10, 8), len);
	assert_int_equal(test_le(p + 0x18, 8), block);
	assert_int_equal(test_le(p + 0x20, 4), handle);
	assert_int_equal(p[0x24], flags);
	assert_true(zeros(p + 0x25, 3));
}

static void test_config(void **state)
{
	struct mb *m = mk2();
	uint8_t in[3] = { 0xff, 0, 0 };
	const uint8_t *t;

	(void)state;
	assert_int_equal(mb_run(m, OP_CONFIG, in, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8 + 2 * 40 + 16);
	assert_int_equal(m->out[0], 2);
	assert_int_equal(m->out[1], 2);
	assert_true(zeros(m->out + 2, 6));
	/* Decode length in 256 MiB units (Table 8-165). */
	check_region(m->out + 8, 2 * GIB, 1, 128 * MIB, 2 * MIB, 7, 0x08);
	check_region(m->out + 48, 2 * GIB + 256 * MIB, 2, 512 * MIB, 64 * MIB, 9, 0);
	t = m->out + 88;
	assert_int_equal(test_le(t + 0, 4), 256); /* supported extents */
	assert_int_equal(test_le(t + 4, 4), 256); /* available extents */
	assert_int_equal(test_le(t + 8, 4), 256); /* supported tags */
	assert_int_equal(test_le(t + 12, 4), 256);
	/* From region 1, one at most. */
	in[0] = 1;
	in[1] = 1;
	assert_int_equal(mb_run(m, OP_CONFIG, in, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8 + 40 + 16);
	assert_int_equal(m->out[0], 2);
	assert_int_equal(m->out[1], 1);
	check_region(m->out + 8, 2 * GIB + 256 * MIB, 2, 512 * MIB, 64 * MIB, 9, 0);
	assert_int_equal(test_le(m->out + 48, 4), 256);
	/* None asked for: header and counts only. */
	in[0] = 0;
	in[1] = 0;
	assert_int_equal(mb_run(m, OP_CONFIG, in, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8 + 16);
	assert_int_equal(m->out[0], 2);
	assert_int_equal(m->out[1], 0);
	assert_int_equal(test_le(m->out + 8, 4), 256);
	/* A response with room for one region returns one. */
	in[0] = 2;
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_CONFIG, in, 2, m->out, 8 + 40 + 16 + 39,
					    &m->out_len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8 + 40 + 16);
	assert_int_equal(m->out[1], 1);
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_CONFIG, in, 2, m->out, 23, &m->out_len),
			 CXLEMU_MBOX_INTERNAL_ERROR);
	/* Starting index past the regions; lengths. */
	in[1] = 2;
	assert_int_equal(mb_run(m, OP_CONFIG, in, 2), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 0xff;
	assert_int_equal(mb_run(m, OP_CONFIG, in, 2), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 0;
	assert_int_equal(mb_run(m, OP_CONFIG, in, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_CONFIG, in, 3), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	mb_free(m);
}

static void test_extent_list_empty(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[9] = { 0 };

	(void)state;
	memset(m->out, 0xee, 16);
	assert_int_equal(extents(m, 10, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 16);
	assert_true(zeros(m->out, 16));
	assert_int_equal(extents(m, 10, 1), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(extents(m, 0, 0xffffffffu), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, OP_EXTENTS, in, 7), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_EXTENTS, in, 9), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_EXTENTS, in, 8, m->out, 15, &m->out_len),
			 CXLEMU_MBOX_INTERNAL_ERROR);
	mb_free(m);
}

/* Checks DC event record @i of the last Get Event Records. */
static void check_dc_record(struct mb *m, unsigned int i, uint8_t type, uint16_t host,
			    bool more, const struct cxlemu_dc_extent *e, uint32_t avail_ext,
			    uint32_t avail_tags)
{
	static const uint8_t uuid[16] = { 0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,
					  0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a };
	const uint8_t *r = m->out + HDR + (size_t)i * REC;

	assert_memory_equal(r, uuid, 16);
	assert_int_equal(r[0x10], 0x80);
	assert_int_equal(test_le(r + 0x11, 3), 0); /* informational */
	assert_int_not_equal(test_le(r + 0x14, 2), 0);
	assert_int_equal(test_le(r + 0x16, 2), 0);
	assert_true(zeros(r + 0x20, 0x10));
	/* Table 8-50. */
	assert_int_equal(r[0x30], type);
	assert_int_equal(r[0x31], 0);
	assert_int_equal(test_le(r + 0x32, 2), host);
	assert_int_equal(r[0x34], 0);
	assert_int_equal(r[0x35], more ? 1 : 0);
	assert_true(zeros(r + 0x36, 2));
	/* Table 8-51. */
	assert_int_equal(test_le(r + 0x38, 8), e->dpa);
	assert_int_equal(test_le(r + 0x40, 8), e->len);
	assert_memory_equal(r + 0x48, e->tag, 16);
	assert_int_equal(test_le(r + 0x58, 2), e->shared_seq);
	assert_true(zeros(r + 0x5a, 6));
	assert_true(zeros(r + 0x60, 0x18));
	assert_int_equal(test_le(r + 0x78, 4), avail_ext);
	assert_int_equal(test_le(r + 0x7c, 4), avail_tags);
}

/* Checks extent @i of the last Get DC Extent List. */
static void check_extent(struct mb *m, unsigned int i, uint64_t dpa, uint64_t len, uint8_t tag)
{
	const uint8_t *p = m->out + 16 + (size_t)i * 40;
	unsigned int k;

	assert_int_equal(test_le(p, 8), dpa);
	assert_int_equal(test_le(p + 8, 8), len);
	for (k = 0; k < 16; k++)
		assert_int_equal(p[0x10 + k], tag);
	assert_int_equal(test_le(p + 0x20, 2), tag);
	assert_true(zeros(p + 0x22, 6));
}

static void test_flow(void **state)
{
	struct mb *m = mb_new();
	const uint64_t base = 2 * GIB, B = 2 * MIB;
	struct cxlemu_dc_extent e[3] = { ext(base, 4 * B, 0xa1), ext(base + 10 * B, B, 0xa2),
					 ext(base + 20 * B, 2 * B, 0xa3) };
	uint64_t acc[2][2] = { { base + 20 * B, 2 * B }, { base, 4 * B } };
	uint64_t r[1][2];
	uint8_t pol[5] = { 0, 0, 0, 0, 0x21 };

	(void)state;
	m->now = 10;
	assert_int_equal(mb_run(m, 0x0103, pol, 5), CXLEMU_MBOX_SUCCESS);
	/* Offer three extents: three Add Capacity records chained by More,
	 * one interrupt each. */
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0x0102, 0, e, 3), 0);
	assert_int_equal(m->event_irqs, 3);
	assert_int_equal(m->last_event_log, 4);
	assert_int_equal(dc_log_count(m), 3);
	assert_int_equal(m->out[0], 0);
	check_dc_record(m, 0, 0, 0x0102, true, &e[0], 256, 256);
	check_dc_record(m, 1, 0, 0x0102, true, &e[1], 256, 256);
	check_dc_record(m, 2, 0, 0x0102, false, &e[2], 256, 256);
	assert_false(cxlemu_memdev_dc_backed(m->md, base, B));
	assert_int_equal(nextents(m), 0);
	/* The host accepts the first and third (in any order). */
	assert_int_equal(respond(m, 0, acc, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(extents(m, 10, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 16 + 2 * 40);
	assert_int_equal(test_le(m->out, 4), 2);
	assert_int_equal(test_le(m->out + 4, 4), 2);
	assert_int_equal(test_le(m->out + 8, 4), 1);
	assert_true(zeros(m->out + 12, 4));
	check_extent(m, 0, base, 4 * B, 0xa1);
	check_extent(m, 1, base + 20 * B, 2 * B, 0xa3);
	/* Paging. */
	assert_int_equal(extents(m, 1, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 16 + 40);
	assert_int_equal(test_le(m->out, 4), 1);
	check_extent(m, 0, base + 20 * B, 2 * B, 0xa3);
	assert_int_equal(extents(m, 5, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 4), 0);
	assert_int_equal(m->out_len, 16);
	/* Backed: the accepted ranges, nothing else. */
	assert_true(cxlemu_memdev_dc_backed(m->md, base, 4 * B));
	assert_true(cxlemu_memdev_dc_backed(m->md, base + B, 1));
	assert_false(cxlemu_memdev_dc_backed(m->md, base, 4 * B + 1));
	assert_false(cxlemu_memdev_dc_backed(m->md, base + 10 * B, B));
	assert_true(cxlemu_memdev_dc_backed(m->md, base + 21 * B, B));
	assert_false(cxlemu_memdev_dc_backed(m->md, base, 0));
	assert_false(cxlemu_memdev_dc_backed(NULL, base, B));
	assert_false(cxlemu_memdev_dc_backed(m->md, UINT64_MAX, 2));
	/* Counts in Get DC Configuration. */
	pol[0] = 1;
	pol[1] = 0;
	assert_int_equal(mb_run(m, OP_CONFIG, pol, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 48 + 4, 4), 254);
	assert_int_equal(test_le(m->out + 48 + 12, 4), 254);
	/* The offer is done: a second response has nothing to answer. */
	r[0][0] = base + 10 * B;
	r[0][1] = B;
	assert_int_equal(respond(m, 0, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(respond(m, 0, NULL, 0), CXLEMU_MBOX_INVALID_INPUT);
	/* The device asks for the first back: a Release Capacity record. */
	clear_dc_log(m);
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, &e[0], 1, false), 0);
	assert_int_equal(dc_log_count(m), 1);
	check_dc_record(m, 0, 1, 0, false, &e[0], 254, 254);
	assert_int_equal(nextents(m), 2);
	assert_int_equal(m->zeroes, 0);
	/* The host releases it. */
	r[0][0] = base;
	r[0][1] = 4 * B;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(extents(m, 10, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 4, 4), 1);
	assert_int_equal(test_le(m->out + 8, 4), 2);
	check_extent(m, 0, base + 20 * B, 2 * B, 0xa3);
	assert_false(cxlemu_memdev_dc_backed(m->md, base, B));
	/* No sanitize on release in this region. */
	assert_int_equal(m->zeroes, 0);
	/* A forced release takes the other at once. */
	clear_dc_log(m);
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 3, 0, &e[2], 1, true), 0);
	assert_int_equal(dc_log_count(m), 1);
	check_dc_record(m, 0, 2, 3, false, &e[2], 256, 256);
	assert_int_equal(nextents(m), 0);
	assert_int_equal(generation(m), 3);
	assert_false(cxlemu_memdev_dc_backed(m->md, base + 20 * B, B));
	r[0][0] = base + 20 * B;
	r[0][1] = 2 * B;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	/* The capacity can be offered again. */
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 3), 0);
	mb_free(m);
}

static void test_more_and_subsets(void **state)
{
	struct mb *m = mb_new();
	const uint64_t base = 2 * GIB, B = 2 * MIB;
	struct cxlemu_dc_extent e[2] = { ext(base, 4 * B, 0x11), ext(base + 8 * B, 2 * B, 0x22) };
	struct cxlemu_dc_extent f = ext(base + 16 * B, B, 0x33);
	uint64_t r[2][2];

	(void)state;
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 2), 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &f, 1), 0);
	/* The second offer cannot be answered before the first. */
	r[0][0] = f.dpa;
	r[0][1] = f.len;
	assert_int_equal(respond(m, 0, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	/* First response (More): the middle two blocks of extent 0. */
	r[0][0] = base + B;
	r[0][1] = 2 * B;
	assert_int_equal(respond(m, 1, r, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(extents(m, 10, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 4, 4), 1);
	assert_int_equal(test_le(m->out + 8, 4), 1);
	check_extent(m, 0, base + B, 2 * B, 0x11);
	/* The same range again overlaps what is accepted. */
	assert_int_equal(respond(m, 1, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	/* Last response: extent 1, and the first block of extent 0. */
	r[0][0] = base + 8 * B;
	r[0][1] = 2 * B;
	r[1][0] = base;
	r[1][1] = B;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(extents(m, 10, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 4, 4), 3);
	assert_int_equal(test_le(m->out + 8, 4), 2);
	check_extent(m, 0, base, B, 0x11);
	check_extent(m, 1, base + B, 2 * B, 0x11);
	check_extent(m, 2, base + 8 * B, 2 * B, 0x22);
	/* Adjacent extents back a range across them. */
	assert_true(cxlemu_memdev_dc_backed(m->md, base, 3 * B));
	assert_false(cxlemu_memdev_dc_backed(m->md, base, 4 * B));
	/* The rest of extent 0 went back with the offer. */
	r[0][0] = base + 3 * B;
	r[0][1] = B;
	assert_int_equal(respond(m, 0, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	/* The second offer is rejected whole with an empty response. */
	assert_int_equal(respond(m, 0, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(nextents(m), 3);
	assert_int_equal(generation(m), 2);
	assert_int_equal(respond(m, 0, NULL, 0), CXLEMU_MBOX_INVALID_INPUT);
	/* Rejected capacity may be offered again. */
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &f, 1), 0);
	mb_free(m);
}

static void test_response_errors(void **state)
{
	struct mb *m = mk2();
	const uint64_t base = 2 * GIB, B = 2 * MIB, base1 = base + 256 * MIB;
	struct cxlemu_dc_extent e[2] = { ext(base, 8 * B, 1), ext(base1, 128 * MIB, 2) };
	uint64_t r[2][2];

	(void)state;
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &e[0], 1), 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 1, &e[1], 1), 0);
	r[0][0] = base;
	r[0][1] = 2 * B;
	r[1][0] = base + 4 * B;
	r[1][1] = 2 * B;
	/* Lengths: short header, count beyond the input, bytes beyond. */
	assert_int_equal(mb_run(m, OP_ADD_RSP, (uint8_t[8]){ 0 }, 7),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_ADD_RSP, 0, r, 1, 2, 0), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_ADD_RSP, 0, r, 2, 2, -1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_ADD_RSP, 0, r, 2, 1, 0), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_ADD_RSP, 0, r, 1, 1, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_ADD_RSP, 0, r, 1, 0xffffffffu, 0),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_ADD_RSP, 0, r, 0, 0xaaaaaaabu, 0),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Reserved flag bits. */
	assert_int_equal(update(m, OP_ADD_RSP, 2, r, 1, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(update(m, OP_ADD_RSP, 0x80, r, 1, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	/* Outside every region, past a region's usable length, across two. */
	r[1][0] = 0;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	r[1][0] = base + 126 * MIB;
	r[1][1] = 4 * MIB;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	r[1][0] = base + 128 * MIB;
	r[1][1] = 2 * MIB;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	r[1][0] = base1 - 64 * MIB;
	r[1][1] = 128 * MIB;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	r[1][0] = UINT64_MAX - B + 1;
	r[1][1] = 2 * B;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	/* Zero length, misaligned start or length. */
	r[1][0] = base + 4 * B;
	r[1][1] = 0;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	r[1][1] = B + 4096;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	r[1][0] = base + 4 * B + 4096;
	r[1][1] = B;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	/* Region 1 has 64 MiB blocks: 2 MiB alignment is not enough. */
	r[1][0] = base1 + B;
	r[1][1] = 64 * MIB;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	/* Overlapping each other. */
	r[1][0] = base + B;
	r[1][1] = 2 * B;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	r[1][0] = base;
	r[1][1] = B;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	/* In a region, aligned, but not offered (or offered later). */
	r[1][0] = base + 8 * B;
	r[1][1] = B;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	r[1][0] = base1;
	r[1][1] = 64 * MIB;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	/* Nothing changed: no extents, the first offer still pending. */
	assert_int_equal(nextents(m), 0);
	assert_int_equal(generation(m), 0);
	r[1][0] = base + 4 * B;
	r[1][1] = 4 * B;
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(nextents(m), 2);
	/* Now the region-1 offer. */
	r[0][0] = base1 + 64 * MIB;
	r[0][1] = 64 * MIB;
	assert_int_equal(respond(m, 0, r, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(extents(m, 10, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 4, 4), 3);
	check_extent(m, 2, base1 + 64 * MIB, 64 * MIB, 2);
	mb_free(m);
}

static void test_release_errors(void **state)
{
	struct mb *m = mk2();
	const uint64_t base = 2 * GIB, B = 2 * MIB, base1 = base + 256 * MIB;
	struct cxlemu_dc_extent e[2] = { ext(base, 6 * B, 5), ext(base + 6 * B, 2 * B, 6) };
	uint64_t r[2][2] = { { base, 6 * B }, { base + 6 * B, 2 * B } };

	(void)state;
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 2), 0);
	assert_int_equal(respond(m, 0, r, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(generation(m), 1);
	/* Count 0; lengths; flags. */
	assert_int_equal(release(m, NULL, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, OP_RELEASE, (uint8_t[8]){ 0 }, 4),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_RELEASE, 0, r, 1, 2, 0), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_RELEASE, 0, r, 1, 1, 24), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_RELEASE, 0, r, 1, 1, -1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(update(m, OP_RELEASE, 4, r, 1, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	/* Not accepted, partly accepted, outside regions. */
	r[0][0] = base + 8 * B;
	r[0][1] = B;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	r[0][0] = base + 6 * B;
	r[0][1] = 4 * B;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	r[0][0] = base1;
	r[0][1] = 64 * MIB;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	r[0][0] = 0;
	r[0][1] = B;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	/* Misaligned, empty, overlapping. */
	r[0][0] = base + 4096;
	r[0][1] = B;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	r[0][0] = base;
	r[0][1] = 0;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	r[0][0] = base;
	r[0][1] = 2 * B;
	r[1][0] = base + B;
	r[1][1] = B;
	assert_int_equal(release(m, r, 2), CXLEMU_MBOX_INVALID_EXTENT_LIST);
	assert_int_equal(generation(m), 1);
	assert_int_equal(nextents(m), 2);
	assert_int_equal(m->zeroes, 0);
	/* The host's zeroing fails: Internal Error, nothing released. */
	m->zero_rc = -EIO;
	r[0][0] = base + B;
	r[0][1] = B;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(nextents(m), 2);
	assert_true(cxlemu_memdev_dc_backed(m->md, base + B, B));
	m->zero_rc = 0;
	/* A block from the middle splits the extent, tags kept; the region
	 * sanitizes on release. */
	m->zeroes = 0;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->zeroes, 1);
	assert_int_equal(m->zero_dpa, base + B);
	assert_int_equal(m->zero_len, B);
	assert_int_equal(extents(m, 10, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 4, 4), 3);
	assert_int_equal(test_le(m->out + 8, 4), 2);
	check_extent(m, 0, base, B, 5);
	check_extent(m, 1, base + 2 * B, 4 * B, 5);
	check_extent(m, 2, base + 6 * B, 2 * B, 6);
	/* One range across two adjacent extents, another whole one. */
	r[0][0] = base + 5 * B;
	r[0][1] = 3 * B;
	r[1][0] = base;
	r[1][1] = B;
	assert_int_equal(release(m, r, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(extents(m, 10, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 4, 4), 1);
	check_extent(m, 0, base + 2 * B, 3 * B, 5);
	/* The More flag is accepted. */
	r[0][0] = base + 2 * B;
	r[0][1] = B;
	assert_int_equal(update(m, OP_RELEASE, 1, r, 1, 1, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(nextents(m), 1);
	mb_free(m);
}

static void test_resources(void **state)
{
	struct mb *m = mk_small_blocks();
	const uint64_t B = 512 << 10;
	struct cxlemu_dc_extent big = ext(2 * GIB + 509 * B, 3 * B, 0x77), one;
	uint64_t r[2][2];
	unsigned int i;

	(void)state;
	/* 255 single blocks (every other one) and one of three at the end. */
	for (i = 0; i < 255; i += 51) {
		struct cxlemu_dc_extent e[51];
		uint64_t rr[51][2];
		unsigned int k;

		for (k = 0; k < 51; k++) {
			e[k] = ext(2 * GIB + 2 * (i + k) * B, B, 0);
			rr[k][0] = e[k].dpa;
			rr[k][1] = B;
		}
		assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 51), 0);
		clear_dc_log(m);
		assert_int_equal(respond(m, 0, rr, 51), CXLEMU_MBOX_SUCCESS);
	}
	assert_int_equal(nextents(m), 255);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &big, 1), 0);
	r[0][0] = big.dpa;
	r[0][1] = big.len;
	assert_int_equal(respond(m, 0, r, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(nextents(m), 256);
	/* Get DC Configuration: none available. */
	assert_int_equal(mb_run(m, OP_CONFIG, (uint8_t[2]){ 1, 0 }, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 48 + 4, 4), 0);
	assert_int_equal(test_le(m->out + 48 + 12, 4), 255); /* one tag in use */
	/* Paging through 256 extents in a 4 KiB response. */
	assert_int_equal(extents(m, 1000, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 4), (4096 - 16) / 40);
	assert_int_equal(m->out_len, 16 + 40 * ((4096 - 16) / 40));
	assert_int_equal(extents(m, 10, 250), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 4), 6);
	check_extent(m, 5, big.dpa, big.len, 0x77);
	/* One more accepted extent is too many: Resources Exhausted, the
	 * offer stays pending. */
	one = ext(2 * GIB + B, B, 0);
	clear_dc_log(m);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &one, 1), 0);
	r[0][0] = one.dpa;
	r[0][1] = B;
	assert_int_equal(respond(m, 0, r, 1), CXLEMU_MBOX_RESOURCES_EXHAUSTED);
	assert_int_equal(nextents(m), 256);
	/* Splitting the big extent needs one more too. */
	r[0][0] = big.dpa + B;
	r[0][1] = B;
	assert_int_equal(release(m, r, 1), CXLEMU_MBOX_RESOURCES_EXHAUSTED);
	assert_int_equal(nextents(m), 256);
	assert_true(cxlemu_memdev_dc_backed(m->md, big.dpa, big.len));
	{
		struct cxlemu_dc_extent mid = ext(big.dpa + B, B, 0), first = ext(2 * GIB, B, 0);

		assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, &mid, 1, true), -ENOSPC);
		assert_int_equal(nextents(m), 256);
		assert_true(cxlemu_memdev_dc_backed(m->md, big.dpa, big.len));
		/* With a whole extent released in the same command the split
		 * fits, whatever the order of the two ranges. */
		r[1][0] = 2 * GIB;
		r[1][1] = B;
		assert_int_equal(release(m, r, 2), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(nextents(m), 256);
		assert_false(cxlemu_memdev_dc_backed(m->md, big.dpa + B, B));
		assert_false(cxlemu_memdev_dc_backed(m->md, 2 * GIB, B));
		assert_true(cxlemu_memdev_dc_backed(m->md, big.dpa, B));
		assert_true(cxlemu_memdev_dc_backed(m->md, big.dpa + 2 * B, B));
		/* A forced release of two whole extents. */
		mid = ext(big.dpa + 2 * B, B, 0);
		first = ext(2 * GIB + 2 * B, B, 0);
		{
			struct cxlemu_dc_extent two[2] = { mid, first };

			clear_dc_log(m);
			assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, two, 2, true), 0);
		}
		assert_int_equal(nextents(m), 254);
		assert_false(cxlemu_memdev_dc_backed(m->md, big.dpa + 2 * B, B));
	}
	/* The pending offer can still be rejected. */
	assert_int_equal(respond(m, 0, NULL, 0), CXLEMU_MBOX_SUCCESS);
	mb_free(m);
}

static void test_api_errors(void **state)
{
	struct mb *m = mk2();
	const uint64_t base = 2 * GIB, B = 2 * MIB, base1 = base + 256 * MIB;
	struct cxlemu_dc_extent e[65], a = ext(base, 2 * B, 0);
	uint64_t r[1][2] = { { base, 2 * B } };
	unsigned int i;

	(void)state;
#define BAD(rg, stmt, want) do { struct cxlemu_dc_extent b = a; stmt; \
		assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, rg, &b, 1), want); \
		assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, rg, &b, 1, false), want); \
	} while (0)
	BAD(2, (void)0, -EINVAL);
	BAD(0, b.len = 0, -EINVAL);
	BAD(0, b.dpa += 4096, -EINVAL);
	BAD(0, b.len += 4096, -EINVAL);
	BAD(0, b.dpa = base - B, -EINVAL);
	BAD(0, b.dpa = base + 126 * MIB, -EINVAL);
	BAD(1, (void)0, -EINVAL);   /* region 0's capacity named as region 1 */
	BAD(0, b.dpa = base1, -EINVAL);
	BAD(0, b.reserved[5] = 1, -EINVAL);
	BAD(0, b.dpa = UINT64_MAX - B + 1, -EINVAL);
#undef BAD
	assert_int_equal(cxlemu_memdev_dc_add(NULL, 0, 0, &a, 1), -EINVAL);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, NULL, 1), -EINVAL);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &a, 0), -EINVAL);
	assert_int_equal(cxlemu_memdev_dc_release(NULL, 0, 0, &a, 1, true), -EINVAL);
	/* Overlapping within the list. */
	e[0] = a;
	e[1] = ext(base + B, 2 * B, 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 2), -EINVAL);
	/* 65 extents at once are more than the DC log holds. */
	for (i = 0; i < 65; i++)
		e[i] = ext(base + i * B, B, 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 65), -EINVAL);
	assert_int_equal(dc_log_count(m), 0);
	/* Offered already, accepted already. */
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &a, 1), 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &a, 1), -EINVAL);
	assert_int_equal(respond(m, 0, r, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &a, 1), -EINVAL);
	e[0] = ext(base + B, 2 * B, 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 1), -EINVAL);
	/* Releasing what is partly accepted. */
	e[0] = ext(base, 4 * B, 0);
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, e, 1, false), -EINVAL);
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, e, 1, true), -EINVAL);
	/* A full DC log: -ENOSPC, nothing queued or changed. */
	clear_dc_log(m);
	for (i = 0; i < 62; i++)
		e[i] = ext(base + (2 + i) * B, B, 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 62), 0);
	e[0] = ext(base1, 64 * MIB, 0);
	e[1] = ext(base1 + 64 * MIB, 64 * MIB, 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 1, e, 2), 0);
	assert_int_equal(dc_log_count(m), (4096 - HDR) / REC);
	e[0] = ext(base1 + 128 * MIB, 64 * MIB, 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 1, e, 1), -ENOSPC);
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, &a, 1, false), -ENOSPC);
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, &a, 1, true), -ENOSPC);
	assert_true(cxlemu_memdev_dc_backed(m->md, base, 2 * B));
	{
		uint8_t log = 4;

		assert_int_equal(mb_run(m, 0x0100, &log, 1), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(m->out[0] & 1, 0); /* no overflow: nothing dropped */
	}
	/* The refused offer was not queued: two offers are pending. */
	assert_int_equal(respond(m, 0, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(respond(m, 0, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(respond(m, 0, NULL, 0), CXLEMU_MBOX_INVALID_INPUT);
	/* Room again: a forced release in a sanitizing region zeroes it. */
	clear_dc_log(m);
	m->zeroes = 0;
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, &a, 1, true), 0);
	assert_int_equal(m->zeroes, 1);
	assert_int_equal(m->zero_dpa, base);
	assert_int_equal(m->zero_len, 2 * B);
	assert_false(cxlemu_memdev_dc_backed(m->md, base, B));
	mb_free(m);
}

/* The pending-offer store fills before the DC log can (offers outlive
 * their records). */
static void test_pending_limit(void **state)
{
	struct mb *m = mk_small_blocks();
	const uint64_t B = 512 << 10;
	struct cxlemu_dc_extent e[64];
	unsigned int i, k;

	(void)state;
	for (i = 0; i < 4; i++) {
		for (k = 0; k < 64; k++)
			e[k] = ext(2 * GIB + (64 * i + k) * B, B, 0);
		assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 64), 0);
		clear_dc_log(m);
	}
	e[0] = ext(2 * GIB + 300 * B, B, 0);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 1), -ENOSPC);
	assert_int_equal(dc_log_count(m), 0);
	/* Answering the oldest frees its place. */
	assert_int_equal(respond(m, 0, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, e, 1), 0);
	mb_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_dc),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_extent_list_empty),
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_more_and_subsets),
		cmocka_unit_test(test_response_errors),
		cmocka_unit_test(test_release_errors),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_api_errors),
		cmocka_unit_test(test_pending_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
