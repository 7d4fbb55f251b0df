/* SPDX-License-Identifier: MIT */
/* Features (CXL 3.1 8.2.9.6): Get Supported Features, Get Feature, Set
 * Feature, with patrol scrub and ECS control (8.2.9.9.11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mbox_util.h"
#include "testutil.h"

#define OP_SUP 0x0500
#define OP_GET 0x0501
#define OP_SET 0x0502
#define FULL 0
#define INIT 1
#define CONT 2
#define FINISH 3
#define ABORT 4
#define SAVED (1u << 3)

static const uint8_t scrub_uuid[16] = {
	0x96, 0xda, 0xd7, 0xd6, 0xfd, 0xe8, 0x48, 0x2b,
	0xa7, 0x33, 0x75, 0x77, 0x4e, 0x06, 0xdb, 0x8a,
};
static const uint8_t ecs_uuid[16] = {
	0xe5, 0xb1, 0x3f, 0x22, 0x23, 0x28, 0x4a, 0x14,
	0xb8, 0xba, 0xb9, 0x69, 0x1e, 0x89, 0x33, 0x86,
};
static const uint8_t other_uuid[16] = { 1, 2, 3 };

/* Defaults, read back as readable attributes. */
static const uint8_t scrub_default[4] = { 0x03, 12, 1, 0 };
static const uint8_t ecs_default[13] = { 1, 1, 3, 0, 0, 1, 3, 0, 0, 1, 3, 0, 0 };

static int sup(struct mb *m, uint32_t count, uint16_t start)
{
	uint8_t in[8] = { 0 };

	in[0] = (uint8_t)count;
	in[1] = (uint8_t)(count >> 8);
	in[2] = (uint8_t)(count >> 16);
	in[3] = (uint8_t)(count >> 24);
	in[4] = (uint8_t)start;
	in[5] = (uint8_t)(start >> 8);
	return mb_run(m, OP_SUP, in, 8);
}

static void get_in(uint8_t *in, const uint8_t *uuid, uint16_t off, uint16_t count, uint8_t sel)
{
	memcpy(in, uuid, 16);
	in[16] = (uint8_t)off;
	in[17] = (uint8_t)(off >> 8);
	in[18] = (uint8_t)count;
	in[19] = (uint8_t)(count >> 8);
	in[20] = sel;
}

static int get(struct mb *m, const uint8_t *uuid, uint16_t off, uint16_t count, uint8_t sel)
{
	uint8_t in[21];

	get_in(in, uuid, off, count, sel);
	return mb_run(m, OP_GET, in, sizeof(in));
}

/* The readable attributes, current selection, checked against @want. */
static void expect(struct mb *m, const uint8_t *uuid, uint8_t sel, const uint8_t *want,
		   size_t n)
{
	assert_int_equal(get(m, uuid, 0, 64, sel), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, n);
	assert_memory_equal(m->out, want, n);
}

static size_t set_in(uint8_t *in, const uint8_t *uuid, uint32_t flags, uint16_t off,
		     uint8_t ver, const void *data, size_t len)
{
	memset(in, 0, 0x20);
	memcpy(in, uuid, 16);
	in[0x10] = (uint8_t)flags;
	in[0x11] = (uint8_t)(flags >> 8);
	in[0x12] = (uint8_t)(flags >> 16);
	in[0x13] = (uint8_t)(flags >> 24);
	in[0x14] = (uint8_t)off;
	in[0x15] = (uint8_t)(off >> 8);
	in[0x16] = ver;
	if (len)
		memcpy(in + 0x20, data, len);
	return 0x20 + len;
}

static int set(struct mb *m, const uint8_t *uuid, uint32_t flags, uint16_t off,
	       const void *data, size_t len)
{
	uint8_t in[0x20 + 64];
	size_t n = set_in(in, uuid, flags, off, 1, data, len);
	int rc = mb_run(m, OP_SET, in, n);

	assert_int_equal(m->out_len, 0);
	return rc;
}

static void test_supported(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[9] = { 0 };
	unsigned int i;

	(void)state;
	/* Header only: how many features (what Linux asks first). */
	assert_int_equal(sup(m, 8, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8);
	assert_int_equal(test_le(m->out, 2), 0);
	assert_int_equal(test_le(m->out + 2, 2), 2);
	assert_int_equal(test_le(m->out + 4, 4), 0);
	/* Both entries, field by field. */
	assert_int_equal(sup(m, 8 + 2 * 48, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8 + 2 * 48);
	assert_int_equal(test_le(m->out, 2), 2);
	assert_int_equal(test_le(m->out + 2, 2), 2);
	for (i = 0; i < 2; i++) {
		const uint8_t *e = m->out + 8 + 48 * i;
		unsigned int k;

		assert_memory_equal(e, i ? ecs_uuid : scrub_uuid, 16);
		assert_int_equal(test_le(e + 0x10, 2), i);
		assert_int_equal(test_le(e + 0x12, 2), i ? 13 : 4);
		assert_int_equal(test_le(e + 0x14, 2), i ? 7 : 2);
		/* changeable, persists across FW update, default and saved
		 * selections; deepest reset persistence none */
		assert_int_equal(test_le(e + 0x16, 4), 0x71);
		assert_int_equal(e[0x1a], 1);
		assert_int_equal(e[0x1b], 1);
		/* immediate configuration change; bits 11:10 valid */
		assert_int_equal(test_le(e + 0x1c, 2), 0x202);
		for (k = 0x1e; k < 48; k++)
			assert_int_equal(e[k], 0);
	}
	/* From index 1; a count beyond the entries; a count of 1.98 entries. */
	assert_int_equal(sup(m, 4096, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8 + 48);
	assert_int_equal(test_le(m->out, 2), 1);
	assert_int_equal(test_le(m->out + 8 + 0x10, 2), 1);
	assert_memory_equal(m->out + 8, ecs_uuid, 16);
	assert_int_equal(sup(m, 8 + 48 + 47, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 2), 1);
	assert_int_equal(m->out_len, 8 + 48);
	assert_int_equal(sup(m, UINT32_MAX, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 2), 2);
	/* Bad count or start. */
	assert_int_equal(sup(m, 7, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(sup(m, 0, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(sup(m, 4096, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(sup(m, 4096, 0xffff), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(mb_run(m, OP_SUP, in, 7), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_SUP, in, 9), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* The response holds only whole entries that fit. */
	in[0] = 200;
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_SUP, in, 8, m->out, 8 + 48 + 10,
					    &m->out_len),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8 + 48);
	assert_int_equal(test_le(m->out, 2), 1);
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_SUP, in, 8, m->out, 7, &m->out_len),
			 CXLEMU_MBOX_INTERNAL_ERROR);
	mb_free(m);
}

static void test_get(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[22];

	(void)state;
	expect(m, scrub_uuid, 0, scrub_default, 4);
	expect(m, scrub_uuid, 1, scrub_default, 4);
	expect(m, scrub_uuid, 2, scrub_default, 4);
	expect(m, ecs_uuid, 0, ecs_default, 13);
	/* A window; a count past the end is cut; count 0. */
	assert_int_equal(get(m, scrub_uuid, 1, 2, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 2);
	assert_int_equal(m->out[0], 12);
	assert_int_equal(m->out[1], 1);
	assert_int_equal(get(m, ecs_uuid, 10, 100, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 3);
	assert_memory_equal(m->out, ecs_default + 10, 3);
	assert_int_equal(get(m, ecs_uuid, 12, 0, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	/* Offsets at or past the end; unknown feature; selections. */
	assert_int_equal(get(m, scrub_uuid, 4, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(get(m, ecs_uuid, 13, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(get(m, ecs_uuid, 0xffff, 0xffff, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(get(m, other_uuid, 0, 4, 0), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(get(m, scrub_uuid, 0, 4, 3), CXLEMU_MBOX_UNSUPPORTED_FEATURE_SELECTION);
	assert_int_equal(get(m, scrub_uuid, 0, 4, 0xff), CXLEMU_MBOX_UNSUPPORTED_FEATURE_SELECTION);
	assert_int_equal(m->out_len, 0);
	/* Input lengths; a response that does not fit. */
	get_in(in, scrub_uuid, 0, 4, 0);
	assert_int_equal(mb_run(m, OP_GET, in, 20), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_GET, in, 22), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_GET, in, 21, m->out, 3, &m->out_len),
			 CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_GET, in, 21, m->out, 4, &m->out_len),
			 CXLEMU_MBOX_SUCCESS);
	mb_free(m);
}

static void test_set_full(void **state)
{
	struct mb *m = mb_new();
	uint8_t d[7], want[13];

	(void)state;
	/* Scrub every 24 h, enabled, not saved. */
	d[0] = 24;
	d[1] = 1;
	assert_int_equal(set(m, scrub_uuid, FULL, 0, d, 2), CXLEMU_MBOX_SUCCESS);
	want[0] = 0x03;
	want[1] = 24;
	want[2] = 1;
	want[3] = 1;
	expect(m, scrub_uuid, 0, want, 4);
	expect(m, scrub_uuid, 1, scrub_default, 4);
	expect(m, scrub_uuid, 2, scrub_default, 4);
	/* A reset brings the saved values back. */
	cxlemu_memdev_reset(m->md);
	expect(m, scrub_uuid, 0, scrub_default, 4);
	/* Saved across reset (as Linux sends it). */
	assert_int_equal(set(m, scrub_uuid, FULL | SAVED, 0, d, 2), CXLEMU_MBOX_SUCCESS);
	expect(m, scrub_uuid, 2, want, 4);
	cxlemu_memdev_reset(m->md);
	expect(m, scrub_uuid, 0, want, 4);
	expect(m, scrub_uuid, 1, scrub_default, 4);
	/* One byte at an offset: disable only. */
	d[0] = 0;
	assert_int_equal(set(m, scrub_uuid, FULL, 1, d, 1), CXLEMU_MBOX_SUCCESS);
	want[3] = 0;
	expect(m, scrub_uuid, 0, want, 4);
	/* ECS: per FRU log, FRU 1 at 4096 counting codewords, a counter reset
	 * (an action: reads back 0). */
	d[0] = 0;
	d[1] = 3;
	d[2] = 0;
	d[3] = 5 | 1 << 3 | 1 << 4;
	d[4] = 0;
	d[5] = 4;
	d[6] = 0;
	assert_int_equal(set(m, ecs_uuid, FULL, 0, d, 7), CXLEMU_MBOX_SUCCESS);
	memcpy(want, ecs_default, 13);
	want[0] = 0;
	want[6] = 5 | 1 << 3;
	want[10] = 4;
	expect(m, ecs_uuid, 0, want, 13);
	expect(m, ecs_uuid, 1, ecs_default, 13);
	/* Zero bytes: nothing changes, still a success. */
	assert_int_equal(set(m, ecs_uuid, FULL, 7, d, 0), CXLEMU_MBOX_SUCCESS);
	expect(m, ecs_uuid, 0, want, 13);
	mb_free(m);
}

static void test_set_refused(void **state)
{
	struct mb *m = mb_new();
	uint8_t d[8] = { 0 }, in[0x40];
	size_t n;

	(void)state;
	/* Values the features do not accept, each alone. */
	d[0] = 0;
	d[1] = 0;
	assert_int_equal(set(m, scrub_uuid, FULL, 0, d, 2), CXLEMU_MBOX_INVALID_INPUT);
	d[0] = 5;
	d[1] = 2;
	assert_int_equal(set(m, scrub_uuid, FULL, 0, d, 2), CXLEMU_MBOX_INVALID_INPUT);
	d[1] = 0x80;
	assert_int_equal(set(m, scrub_uuid, FULL, 0, d, 2), CXLEMU_MBOX_INVALID_INPUT);
	memcpy(d, "\x01\x03\x00\x03\x00\x03\x00", 7);
	d[0] = 2;
	assert_int_equal(set(m, ecs_uuid, FULL, 0, d, 7), CXLEMU_MBOX_INVALID_INPUT);
	d[0] = 1;
	d[3] = 2;
	assert_int_equal(set(m, ecs_uuid, FULL, 0, d, 7), CXLEMU_MBOX_INVALID_INPUT);
	d[3] = 6;
	assert_int_equal(set(m, ecs_uuid, FULL, 0, d, 7), CXLEMU_MBOX_INVALID_INPUT);
	d[3] = 3 | 1 << 5;
	assert_int_equal(set(m, ecs_uuid, FULL, 0, d, 7), CXLEMU_MBOX_INVALID_INPUT);
	d[3] = 3;
	d[6] = 0x80;
	assert_int_equal(set(m, ecs_uuid, FULL, 0, d, 7), CXLEMU_MBOX_INVALID_INPUT);
	d[6] = 0;
	/* Data beyond the writable attributes. */
	assert_int_equal(set(m, scrub_uuid, FULL, 0, d, 3), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(set(m, scrub_uuid, FULL, 1, d, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(set(m, scrub_uuid, FULL, 3, d, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(set(m, ecs_uuid, FULL, 0xffff, d, 1), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(set(m, ecs_uuid, FULL, 0, d, 8), CXLEMU_MBOX_INVALID_INPUT);
	/* Flags: reserved bits, reserved transfer values. */
	assert_int_equal(set(m, scrub_uuid, 1u << 4, 0, d, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(set(m, scrub_uuid, 1u << 31, 0, d, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(set(m, scrub_uuid, 5, 0, d, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(set(m, scrub_uuid, 7, 0, d, 0), CXLEMU_MBOX_INVALID_INPUT);
	/* Unknown feature, wrong version, short input. */
	assert_int_equal(set(m, other_uuid, FULL, 0, d, 1), CXLEMU_MBOX_UNSUPPORTED);
	n = set_in(in, scrub_uuid, FULL, 0, 2, "\x18\x01", 2);
	assert_int_equal(mb_run(m, OP_SET, in, n), CXLEMU_MBOX_UNSUPPORTED_FEATURE_VERSION);
	n = set_in(in, scrub_uuid, FULL, 0, 0, "\x18\x01", 2);
	assert_int_equal(mb_run(m, OP_SET, in, n), CXLEMU_MBOX_UNSUPPORTED_FEATURE_VERSION);
	assert_int_equal(mb_run(m, OP_SET, in, 0x1f), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Nothing changed. */
	expect(m, scrub_uuid, 0, scrub_default, 4);
	expect(m, scrub_uuid, 2, scrub_default, 4);
	expect(m, ecs_uuid, 0, ecs_default, 13);
	mb_free(m);
}

static void test_set_parts(void **state)
{
	struct mb *m = mb_new();
	uint8_t d[7] = { 1, 4, 0, 5, 0, 3, 0 }, bad[2] = { 7, 0 }, want[13], in[0x40];
	size_t n;

	(void)state;
	memcpy(want, ecs_default, 13);
	want[2] = 4;
	want[6] = 5;
	/* Continue or Finish without a transfer. */
	assert_int_equal(set(m, ecs_uuid, CONT, 0, d, 3), CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(set(m, ecs_uuid, FINISH, 0, d, 3), CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(set(m, ecs_uuid, INIT, 0, d, 3), CXLEMU_MBOX_SUCCESS);
	/* Not applied until Finish. */
	expect(m, ecs_uuid, 0, ecs_default, 13);
	/* One transfer at a time, for this feature only. */
	assert_int_equal(set(m, ecs_uuid, INIT, 0, d, 3), CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS);
	assert_int_equal(set(m, ecs_uuid, FULL, 0, d, 7), CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS);
	assert_int_equal(set(m, scrub_uuid, FULL, 0, d, 2), CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS);
	assert_int_equal(set(m, scrub_uuid, ABORT, 0, d, 0), CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS);
	/* Out of order: a gap, an overlap. */
	assert_int_equal(set(m, ecs_uuid, CONT, 4, d + 4, 1), CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(set(m, ecs_uuid, CONT, 2, d + 2, 2), CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER);
	/* Past the attributes, wrong version, mid-transfer. */
	assert_int_equal(set(m, ecs_uuid, CONT, 3, d, 5), CXLEMU_MBOX_INVALID_INPUT);
	n = set_in(in, ecs_uuid, CONT, 3, 2, d + 3, 2);
	assert_int_equal(mb_run(m, OP_SET, in, n), CXLEMU_MBOX_UNSUPPORTED_FEATURE_VERSION);
	/* A bad part, then the same part again with the right bytes. */
	assert_int_equal(set(m, ecs_uuid, CONT, 3, bad, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(set(m, ecs_uuid, CONT, 3, d + 3, 2), CXLEMU_MBOX_SUCCESS);
	/* A Finish with values refused keeps the transfer. */
	assert_int_equal(set(m, ecs_uuid, FINISH, 5, bad, 2), CXLEMU_MBOX_INVALID_INPUT);
	expect(m, ecs_uuid, 0, ecs_default, 13);
	assert_int_equal(set(m, ecs_uuid, FINISH | SAVED, 5, d + 5, 2), CXLEMU_MBOX_SUCCESS);
	expect(m, ecs_uuid, 0, want, 13);
	expect(m, ecs_uuid, 2, want, 13);
	/* Over: Finish again is out of order. */
	assert_int_equal(set(m, ecs_uuid, FINISH, 5, d + 5, 2), CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER);
	/* Abort: with and without a transfer. */
	assert_int_equal(set(m, scrub_uuid, ABORT, 0, d, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(set(m, scrub_uuid, INIT, 0, "\x30", 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(set(m, scrub_uuid, ABORT, 0, d, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(set(m, scrub_uuid, FINISH, 1, "\x01", 1),
			 CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER);
	expect(m, scrub_uuid, 0, scrub_default, 4);
	/* A reset aborts a transfer too. */
	assert_int_equal(set(m, scrub_uuid, INIT, 0, "\x30", 1), CXLEMU_MBOX_SUCCESS);
	cxlemu_memdev_reset(m->md);
	assert_int_equal(set(m, scrub_uuid, FINISH, 1, "\x01", 1),
			 CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER);
	mb_free(m);
}

/* The features belong to the device: all its CCIs share them, and a
 * transfer belongs to the CCI that started it. */
static void test_two_ccis(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_cci_config c = m->ccfg;
	struct cxlemu_cci *mctp;
	uint8_t in[0x40], out[64];
	size_t n, len;

	(void)state;
	c.kind = CXLEMU_CCI_MCTP;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &mctp), 0);
	n = set_in(in, scrub_uuid, FULL, 0, 1, "\x30\x01", 2);
	assert_int_equal(cxlemu_cci_execute(mctp, OP_SET, in, n, out, 64, &len),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(get(m, scrub_uuid, 1, 1, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 0x30);
	assert_int_equal(set(m, scrub_uuid, INIT, 0, "\x31", 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_cci_execute(mctp, OP_SET, in, n, out, 64, &len),
			 CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS);
	n = set_in(in, scrub_uuid, FINISH, 1, 1, "\x01", 1);
	assert_int_equal(cxlemu_cci_execute(mctp, OP_SET, in, n, out, 64, &len),
			 CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS);
	/* The mailbox goes away: its transfer with it. */
	cxlemu_cci_free(m->cci);
	m->cci = NULL;
	n = set_in(in, scrub_uuid, FULL, 0, 1, "\x32\x01", 2);
	assert_int_equal(cxlemu_cci_execute(mctp, OP_SET, in, n, out, 64, &len),
			 CXLEMU_MBOX_SUCCESS);
	cxlemu_cci_free(mctp);
	mb_free(m);
}

static void test_no_memdev(void **state)
{
	struct cxlemu_cci_config c;
	struct cxlemu_cci *cci;
	uint8_t in[0x40] = { 0 }, out[64];
	size_t len;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.version = CXLEMU_CCI_CONFIG_VERSION;
	c.kind = CXLEMU_CCI_SWITCH;
	c.payload_size = 256;
	assert_int_equal(cxlemu_cci_new(NULL, &c, &cci), 0);
	in[0] = 8;
	assert_int_equal(cxlemu_cci_execute(cci, OP_SUP, in, 8, out, 64, &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(cxlemu_cci_execute(cci, OP_GET, in, 21, out, 64, &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(cxlemu_cci_execute(cci, OP_SET, in, 0x22, out, 64, &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	cxlemu_cci_free(cci);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supported),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_set_full),
		cmocka_unit_test(test_set_refused),
		cmocka_unit_test(test_set_parts),
		cmocka_unit_test(test_two_ccis),
		cmocka_unit_test(test_no_memdev),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
