/* SPDX-License-Identifier: MIT */
/* Event logs: Get/Clear Event Records, Get/Set Event Interrupt Policy, the
 * host's record calls, overflow, interrupts, the device timestamp. */
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

#define OP_GET 0x0100
#define OP_CLEAR 0x0101
#define OP_GET_POLICY 0x0102
#define OP_SET_POLICY 0x0103
#define REC 128
#define HDR 0x20

/* "xxxxxxxx-xxxx-..." to the 16 bytes in written order (how CXL records
 * carry their identifiers). */
static void uuid_parse(const char *s, uint8_t *u)
{
	unsigned int i = 0, v;

	while (*s && i < 16) {
		if (*s == '-') {
			s++;
			continue;
		}
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		u[i++] = (uint8_t)v;
		s += 2;
	}
	assert_int_equal(i, 16);
}

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int get_records(struct mb *m, unsigned int log)
{
	uint8_t in = (uint8_t)log;

	return mb_run(m, OP_GET, &in, 1);
}

static unsigned int rec_count(struct mb *m)
{
	return (unsigned int)test_le(m->out + 0x14, 2);
}

static const uint8_t *rec(struct mb *m, unsigned int i)
{
	return m->out + HDR + (size_t)i * REC;
}

static uint16_t rec_handle(struct mb *m, unsigned int i)
{
	return (uint16_t)test_le(rec(m, i) + 0x14, 2);
}

/* Clear Event Records with explicit handles. */
static int clear(struct mb *m, unsigned int log, uint8_t flags, const uint16_t *h,
		 unsigned int n, size_t extra)
{
	uint8_t in[6 + 2 * 256 + 8] = { 0 };
	unsigned int i;

	in[0] = (uint8_t)log;
	in[1] = flags;
	in[2] = (uint8_t)n;
	for (i = 0; i < n; i++)
		put(in + 6 + 2 * i, h[i], 2);
	return mb_run(m, OP_CLEAR, in, 6 + 2 * n + extra);
}

static void set_timestamp(struct mb *m, uint64_t ts)
{
	uint8_t in[8];

	put(in, ts, 8);
	assert_int_equal(mb_run(m, 0x0301, in, 8), CXLEMU_MBOX_SUCCESS);
}

static void raw(struct mb *m, unsigned int log, uint8_t tagbyte)
{
	static const uint8_t id[16] = { 0x11, 0x22 };
	uint8_t d[80];

	memset(d, tagbyte, sizeof(d));
	assert_int_equal(cxlemu_memdev_event_raw(m->md, log, id, NULL, d, sizeof(d)), 0);
}

static bool zeros(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static void test_empty_logs(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[2] = { 0 };
	unsigned int log;

	(void)state;
	assert_int_equal(cxlemu_memdev_event_status(m->md), 0);
	assert_int_equal(cxlemu_memdev_event_status(NULL), 0);
	for (log = 0; log <= 4; log++) {
		memset(m->out, 0xee, HDR);
		assert_int_equal(get_records(m, log), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(m->out_len, HDR);
		assert_true(zeros(m->out, HDR));
	}
	assert_int_equal(get_records(m, 5), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(get_records(m, 0xff), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, OP_GET, in, 0), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_GET, in, 2), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* An output buffer without room for the header. */
	in[0] = 0;
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_GET, in, 1, m->out, HDR - 1, &m->out_len),
			 CXLEMU_MBOX_INTERNAL_ERROR);
	mb_free(m);

	/* Without dynamic capacity there is no DC log. */
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.dc_nregions = 0;
	memset(m->mcfg.dc, 0, sizeof(m->mcfg.dc));
	mb_start(m);
	assert_int_equal(get_records(m, 3), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(get_records(m, 4), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(clear(m, 4, 1, NULL, 0, 0), CXLEMU_MBOX_INVALID_INPUT);
	mb_free(m);
}

static void test_no_memdev(void **state)
{
	struct cxlemu_cci_config c;
	struct cxlemu_cci *cci;
	uint8_t in[8] = { 0 }, out[64];
	size_t len;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.version = CXLEMU_CCI_CONFIG_VERSION;
	c.kind = CXLEMU_CCI_MAILBOX;
	c.payload_size = 256;
	assert_int_equal(cxlemu_cci_new(NULL, &c, &cci), 0);
	assert_int_equal(cxlemu_cci_execute(cci, OP_GET, in, 1, out, 64, &len), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(cxlemu_cci_execute(cci, OP_CLEAR, in, 6, out, 64, &len), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(cxlemu_cci_execute(cci, OP_GET_POLICY, NULL, 0, out, 64, &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(cxlemu_cci_execute(cci, OP_SET_POLICY, in, 4, out, 64, &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	cxlemu_cci_free(cci);
}

/* Checks the common header (Table 8-43) of record @r. */
static void check_header(const uint8_t *r, const char *uuid, uint32_t flags, uint16_t handle,
			 uint16_t related, uint64_t ts, uint8_t maint)
{
	uint8_t u[16];

	uuid_parse(uuid, u);
	assert_memory_equal(r, u, 16);
	assert_int_equal(r[0x10], 0x80);
	assert_int_equal(test_le(r + 0x11, 3), flags);
	assert_int_equal(test_le(r + 0x14, 2), handle);
	assert_int_equal(test_le(r + 0x16, 2), related);
	assert_int_equal(test_le(r + 0x18, 8), ts);
	assert_int_equal(r[0x20], maint);
	assert_true(zeros(r + 0x21, 0x0f));
}

static void test_gen_media(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_event_gen_media g;
	const uint8_t *r;
	unsigned int i;

	(void)state;
	m->now = 1000;
	set_timestamp(m, UINT64_C(1700000000000000000));
	m->now += 500;
	memset(&g, 0, sizeof(g));
	g.hdr.flags = CXLEMU_EVENT_FLAG_PERMANENT | CXLEMU_EVENT_FLAG_HW_REPLACE;
	g.hdr.related_handle = 0x1234;
	g.hdr.maint_op_class = 0x5a;
	g.phys_addr = UINT64_C(0x0000000123456740) | 1;
	g.descriptor = 0x03;
	g.type = 0x02;
	g.transaction_type = 0x05;
	g.validity_flags = 0x000f;
	g.channel = 0x11;
	g.rank = 0x22;
	g.device = 0xabcdef;
	for (i = 0; i < 16; i++)
		g.component_id[i] = (uint8_t)(0xc0 + i);
	g.cme_flags = 0x81;
	g.cme_count = 0x123456;
	g.sub_type = 0x07;
	assert_int_equal(cxlemu_memdev_event_gen_media(m->md, CXLEMU_EVENT_LOG_FAILURE, &g), 0);
	/* Event Status: the failure log holds a record. */
	assert_int_equal(cxlemu_memdev_event_status(m->md), 1u << CXLEMU_EVENT_LOG_FAILURE);
	assert_int_equal(get_records(m, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, HDR + REC);
	assert_int_equal(m->out[0], 0);          /* no overflow, no more */
	assert_int_equal(rec_count(m), 1);
	r = rec(m, 0);
	/* Severity 2 (failure) in bits 1:0, then the host's flag bits. */
	check_header(r, "fbcd0a77-c260-417f-85a9-088b1621eba6", 2 | (1u << 2) | (1u << 5), 1,
		     0x1234, UINT64_C(1700000000000000500), 0x5a);
	/* Table 8-45. */
	assert_int_equal(test_le(r + 0x30, 8), UINT64_C(0x0000000123456741));
	assert_int_equal(r[0x38], 0x03);
	assert_int_equal(r[0x39], 0x02);
	assert_int_equal(r[0x3a], 0x05);
	assert_int_equal(test_le(r + 0x3b, 2), 0x000f);
	assert_int_equal(r[0x3d], 0x11);
	assert_int_equal(r[0x3e], 0x22);
	assert_int_equal(test_le(r + 0x3f, 3), 0xabcdef);
	for (i = 0; i < 16; i++)
		assert_int_equal(r[0x42 + i], 0xc0 + i);
	assert_int_equal(r[0x52], 0x81);
	assert_int_equal(test_le(r + 0x53, 3), 0x123456);
	assert_int_equal(r[0x56], 0x07);
	assert_true(zeros(r + 0x57, 0x80 - 0x57));
	/* Other logs stay empty. */
	assert_int_equal(get_records(m, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 0);

	/* Fields that do not fit, reserved bits, bad logs: nothing logged. */
#define BAD(stmt) do { struct cxlemu_event_gen_media b = g; stmt; \
		assert_int_equal(cxlemu_memdev_event_gen_media(m->md, 2, &b), -EINVAL); } while (0)
	BAD(b.device = 0x1000000);
	BAD(b.cme_count = 0x1000000);
	BAD(b.phys_addr |= 0x4);
	BAD(b.phys_addr |= 0x20);
	BAD(b.reserved[6] = 1);
	BAD(b.hdr.flags |= 1);      /* severity is the log's */
	BAD(b.hdr.flags |= 1u << 6);
	BAD(b.hdr.reserved = 1);
#undef BAD
	assert_int_equal(cxlemu_memdev_event_gen_media(m->md, 4, &g), -EINVAL);
	assert_int_equal(cxlemu_memdev_event_gen_media(m->md, 5, &g), -EINVAL);
	assert_int_equal(cxlemu_memdev_event_gen_media(NULL, 0, &g), -EINVAL);
	assert_int_equal(cxlemu_memdev_event_gen_media(m->md, 0, NULL), -EINVAL);
	for (i = 0; i <= 4; i++) {
		assert_int_equal(get_records(m, i), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(rec_count(m), i == 2 ? 1 : 0);
	}
	mb_free(m);
}

static void test_dram(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_event_dram d;
	const uint8_t *r;
	unsigned int i;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.phys_addr = UINT64_C(0x7654321000) | 2;
	d.descriptor = 0x01;
	d.type = 0x04;
	d.transaction_type = 0x02;
	d.validity_flags = 0x01ff;
	d.channel = 3;
	d.rank = 4;
	d.nibble_mask = 0x00f0f0;
	d.bank_group = 5;
	d.bank = 6;
	d.row = 0x0abcde;
	d.column = 0x1357;
	for (i = 0; i < 4; i++)
		d.correction_mask[i] = UINT64_C(0x0102030405060708) * (i + 1);
	for (i = 0; i < 16; i++)
		d.component_id[i] = (uint8_t)(0x40 + i);
	d.sub_channel = 1;
	d.cme_flags = 0x03;
	d.cvme_count = 0x00beef;
	d.sub_type = 0x02;
	assert_int_equal(cxlemu_memdev_event_dram(m->md, CXLEMU_EVENT_LOG_INFO, &d), 0);
	assert_int_equal(get_records(m, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 1);
	r = rec(m, 0);
	/* Timestamp never set: 0. */
	check_header(r, "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624", 0, 1, 0, 0, 0);
	/* Table 8-46. */
	assert_int_equal(test_le(r + 0x30, 8), UINT64_C(0x7654321002));
	assert_int_equal(r[0x38], 0x01);
	assert_int_equal(r[0x39], 0x04);
	assert_int_equal(r[0x3a], 0x02);
	assert_int_equal(test_le(r + 0x3b, 2), 0x01ff);
	assert_int_equal(r[0x3d], 3);
	assert_int_equal(r[0x3e], 4);
	assert_int_equal(test_le(r + 0x3f, 3), 0x00f0f0);
	assert_int_equal(r[0x42], 5);
	assert_int_equal(r[0x43], 6);
	assert_int_equal(test_le(r + 0x44, 3), 0x0abcde);
	assert_int_equal(test_le(r + 0x47, 2), 0x1357);
	for (i = 0; i < 4; i++)
		assert_int_equal(test_le(r + 0x49 + 8 * i, 8),
				 UINT64_C(0x0102030405060708) * (i + 1));
	for (i = 0; i < 16; i++)
		assert_int_equal(r[0x69 + i], 0x40 + i);
	assert_int_equal(r[0x79], 1);
	assert_int_equal(r[0x7a], 0x03);
	assert_int_equal(test_le(r + 0x7b, 3), 0x00beef);
	assert_int_equal(r[0x7e], 0x02);
	assert_int_equal(r[0x7f], 0);
#define BAD(stmt) do { struct cxlemu_event_dram b = d; stmt; \
		assert_int_equal(cxlemu_memdev_event_dram(m->md, 0, &b), -EINVAL); } while (0)
	BAD(b.nibble_mask = 0x1000000);
	BAD(b.row = 0x1000000);
	BAD(b.cvme_count = 0x1000000);
	BAD(b.phys_addr |= 0x8);
	BAD(b.reserved[1] = 1);
#undef BAD
	assert_int_equal(cxlemu_memdev_event_dram(m->md, 4, &d), -EINVAL);
	assert_int_equal(get_records(m, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 1);
	mb_free(m);
}

static void test_mem_module(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_event_mem_module e;
	const uint8_t *r;
	unsigned int i;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.hdr.flags = CXLEMU_EVENT_FLAG_MAINT_NEEDED | CXLEMU_EVENT_FLAG_PERF_DEGRADED;
	e.event_type = 0x01;
	e.health_status = 0x02;
	e.media_status = 0x03;
	e.additional_status = 0x14;
	e.life_used = 77;
	e.temperature = -12;
	e.dirty_shutdowns = 0x01020304;
	e.corrected_volatile = 0x0a0b0c0d;
	e.corrected_persistent = 0x11223344;
	e.validity_flags = 0x0003;
	for (i = 0; i < 16; i++)
		e.component_id[i] = (uint8_t)(0x90 + i);
	e.sub_type = 0x05;
	assert_int_equal(cxlemu_memdev_event_mem_module(m->md, CXLEMU_EVENT_LOG_FATAL, &e), 0);
	assert_int_equal(get_records(m, 3), CXLEMU_MBOX_SUCCESS);
	r = rec(m, 0);
	check_header(r, "fe927475-dd59-4339-a586-79bab113b774", 3 | (1u << 3) | (1u << 4), 1, 0,
		     0, 0);
	/* Table 8-47: event type, health info (Table 8-133), validity,
	 * component id, sub-type. */
	assert_int_equal(r[0x30], 0x01);
	assert_int_equal(r[0x31], 0x02);
	assert_int_equal(r[0x32], 0x03);
	assert_int_equal(r[0x33], 0x14);
	assert_int_equal(r[0x34], 77);
	assert_int_equal(test_le(r + 0x35, 2), 0xfff4);
	assert_int_equal(test_le(r + 0x37, 4), 0x01020304);
	assert_int_equal(test_le(r + 0x3b, 4), 0x0a0b0c0d);
	assert_int_equal(test_le(r + 0x3f, 4), 0x11223344);
	assert_int_equal(test_le(r + 0x43, 2), 0x0003);
	for (i = 0; i < 16; i++)
		assert_int_equal(r[0x45 + i], 0x90 + i);
	assert_int_equal(r[0x55], 0x05);
	assert_true(zeros(r + 0x56, 0x80 - 0x56));
	e.reserved[0] = 1;
	assert_int_equal(cxlemu_memdev_event_mem_module(m->md, 3, &e), -EINVAL);
	e.reserved[0] = 0;
	assert_int_equal(cxlemu_memdev_event_mem_module(m->md, 7, &e), -EINVAL);
	assert_int_equal(cxlemu_memdev_event_mem_module(NULL, 3, &e), -EINVAL);
	mb_free(m);
}

static void test_raw_and_handles(void **state)
{
	struct mb *m = mb_new();
	static const uint8_t id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct cxlemu_event_common c = { CXLEMU_EVENT_FLAG_PERMANENT, 7, 9, 0 };
	uint8_t d[81];
	unsigned int i;

	(void)state;
	memset(d, 0x5c, sizeof(d));
	assert_int_equal(cxlemu_memdev_event_raw(m->md, 1, id, &c, d, 10), 0);
	assert_int_equal(cxlemu_memdev_event_raw(m->md, 1, id, NULL, d, 80), 0);
	assert_int_equal(cxlemu_memdev_event_raw(m->md, 1, id, NULL, NULL, 0), 0);
	assert_int_equal(cxlemu_memdev_event_raw(m->md, 1, id, NULL, d, 81), -EINVAL);
	assert_int_equal(cxlemu_memdev_event_raw(m->md, 1, id, NULL, NULL, 4), -EINVAL);
	assert_int_equal(cxlemu_memdev_event_raw(m->md, 1, NULL, NULL, d, 4), -EINVAL);
	assert_int_equal(cxlemu_memdev_event_raw(m->md, 4, id, NULL, d, 4), -EINVAL);
	assert_int_equal(get_records(m, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 3);
	assert_int_equal(m->out_len, HDR + 3 * REC);
	assert_memory_equal(rec(m, 0), id, 16);
	assert_int_equal(test_le(rec(m, 0) + 0x11, 3), 1 | (1u << 2));
	assert_int_equal(test_le(rec(m, 0) + 0x16, 2), 7);
	assert_int_equal(rec(m, 0)[0x20], 9);
	for (i = 0; i < 10; i++)
		assert_int_equal(rec(m, 0)[0x30 + i], 0x5c);
	assert_true(zeros(rec(m, 0) + 0x3a, 0x80 - 0x3a));
	for (i = 0; i < 80; i++)
		assert_int_equal(rec(m, 1)[0x30 + i], 0x5c);
	assert_true(zeros(rec(m, 2) + 0x30, 80));
	/* Handles: nonzero, increasing, per log. */
	assert_int_equal(rec_handle(m, 0), 1);
	assert_int_equal(rec_handle(m, 1), 2);
	assert_int_equal(rec_handle(m, 2), 3);
	raw(m, 0, 1);
	assert_int_equal(get_records(m, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_handle(m, 0), 1);
	mb_free(m);
}

static void test_handle_wrap(void **state)
{
	struct mb *m = mb_new();
	uint16_t h, prev = 0;
	unsigned int i;

	(void)state;
	/* 70000 records through one log, cleared one by one: handles never
	 * 0 and always differ from the previous one. */
	for (i = 0; i < 70000; i++) {
		raw(m, 0, 0);
		assert_int_equal(get_records(m, 0), CXLEMU_MBOX_SUCCESS);
		h = rec_handle(m, 0);
		assert_int_not_equal(h, 0);
		assert_int_not_equal(h, prev);
		if (prev != 0xffff)
			assert_int_equal(h, (uint16_t)(prev + 1));
		else
			assert_int_equal(h, 1);
		prev = h;
		assert_int_equal(clear(m, 0, 0, &h, 1, 0), CXLEMU_MBOX_SUCCESS);
	}
	mb_free(m);
}

static void test_clear(void **state)
{
	struct mb *m = mb_new();
	uint16_t h[4];
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++)
		raw(m, 1, (uint8_t)i);
	/* Lengths: handles beyond the input, bytes beyond the handles, short. */
	h[0] = 1;
	h[1] = 2;
	assert_int_equal(clear(m, 1, 0, h, 2, (size_t)-2), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(clear(m, 1, 0, h, 2, (size_t)-1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(clear(m, 1, 0, h, 2, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(clear(m, 1, 0, h, 2, 2), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_CLEAR, (uint8_t[6]){ 1 }, 5), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Bad log, reserved flags, Clear All with handles. */
	assert_int_equal(clear(m, 5, 0, h, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(clear(m, 1, 2, h, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(clear(m, 1, 0x80, NULL, 0, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(clear(m, 1, 1, h, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	/* Handles that are not there, or would leave an older record. */
	h[0] = 9;
	assert_int_equal(clear(m, 1, 0, h, 1, 0), CXLEMU_MBOX_INVALID_HANDLE);
	h[0] = 2;
	assert_int_equal(clear(m, 1, 0, h, 1, 0), CXLEMU_MBOX_INVALID_HANDLE);
	h[0] = 2;
	h[1] = 1;
	assert_int_equal(clear(m, 1, 0, h, 2, 0), CXLEMU_MBOX_INVALID_HANDLE);
	h[0] = 1;
	h[1] = 3;
	assert_int_equal(clear(m, 1, 0, h, 2, 0), CXLEMU_MBOX_INVALID_HANDLE);
	h[0] = 0;
	assert_int_equal(clear(m, 1, 0, h, 1, 0), CXLEMU_MBOX_INVALID_HANDLE);
	{
		uint16_t many[5] = { 1, 2, 3, 4, 5 };

		assert_int_equal(clear(m, 1, 0, many, 5, 0), CXLEMU_MBOX_INVALID_HANDLE);
	}
	/* The same handles in another log. */
	h[0] = 1;
	assert_int_equal(clear(m, 0, 0, h, 1, 0), CXLEMU_MBOX_INVALID_HANDLE);
	/* Nothing changed. */
	assert_int_equal(get_records(m, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(rec(m, i)[0x30], i);
	/* Clearing the oldest two, in order. */
	h[0] = 1;
	h[1] = 2;
	assert_int_equal(clear(m, 1, 0, h, 2, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(get_records(m, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 2);
	assert_int_equal(rec_handle(m, 0), 3);
	assert_int_equal(rec(m, 0)[0x30], 2);
	assert_int_equal(rec_handle(m, 1), 4);
	/* No handles, no flag: nothing to do. */
	assert_int_equal(clear(m, 1, 0, NULL, 0, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(get_records(m, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 2);
	/* Clear All; new records keep counting handles. */
	assert_int_equal(clear(m, 1, 1, NULL, 0, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(get_records(m, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 0);
	raw(m, 1, 9);
	assert_int_equal(get_records(m, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_handle(m, 0), 5);
	mb_free(m);
}

static void test_overflow(void **state)
{
	struct mb *m = mb_new();
	unsigned int i, seen;
	uint16_t h[64];

	(void)state;
	m->now = 100;
	set_timestamp(m, 1000000);
	for (i = 0; i < 64; i++)
		raw(m, 2, (uint8_t)i);
	/* Full, no overflow yet. */
	assert_int_equal(get_records(m, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0] & 1, 0);
	/* Three more are dropped, at three times; no interrupt either. */
	m->now += 10;
	raw(m, 2, 0xa0);
	m->now += 10;
	raw(m, 2, 0xa1);
	m->now += 10;
	raw(m, 2, 0xa2);
	assert_int_equal(get_records(m, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 3); /* overflow | more */
	assert_int_equal(m->out[1], 0);
	assert_int_equal(test_le(m->out + 2, 2), 3);
	assert_int_equal(test_le(m->out + 4, 8), 1000010);
	assert_int_equal(test_le(m->out + 12, 8), 1000030);
	assert_int_equal(rec_count(m), (MB_OUT_CAP - HDR) / REC);
	assert_true(zeros(m->out + 0x16, 0x0a));
	/* The oldest 64 are kept, in order, with handles 1..64. */
	seen = 0;
	while (seen < 64) {
		unsigned int n;

		assert_int_equal(get_records(m, 2), CXLEMU_MBOX_SUCCESS);
		n = rec_count(m);
		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(rec(m, i)[0x30], seen + i);
			assert_int_equal(rec_handle(m, i), seen + i + 1);
			h[i] = rec_handle(m, i);
		}
		/* Overflow stays reported until records are cleared. */
		if (!seen)
			assert_int_equal(m->out[0] & 1, 1);
		assert_int_equal(clear(m, 2, 0, h, n, 0), CXLEMU_MBOX_SUCCESS);
		seen += n;
		/* Clearing records ended the overflow condition. */
		assert_int_equal(get_records(m, 2), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(m->out[0] & 1, 0);
		assert_int_equal(test_le(m->out + 2, 2), 0);
		assert_int_equal(test_le(m->out + 4, 8), 0);
		assert_int_equal(test_le(m->out + 12, 8), 0);
	}
	assert_int_equal(seen, 64);
	assert_int_equal(rec_count(m), 0);
	/* Room again: a new record is logged with the next handle. */
	raw(m, 2, 0xb0);
	assert_int_equal(get_records(m, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rec_count(m), 1);
	assert_int_equal(rec_handle(m, 0), 65);

	/* Overflow again, then Clear All resets it. */
	for (i = 0; i < 70; i++)
		raw(m, 2, 0);
	assert_int_equal(get_records(m, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0] & 1, 1);
	assert_int_equal(test_le(m->out + 2, 2), 7);
	assert_int_equal(clear(m, 2, 1, NULL, 0, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(get_records(m, 2), CXLEMU_MBOX_SUCCESS);
	assert_true(zeros(m->out, HDR));
	/* Other logs never overflowed. */
	assert_int_equal(get_records(m, 1), CXLEMU_MBOX_SUCCESS);
	assert_true(zeros(m->out, HDR));
	mb_free(m);
}

static void test_overflow_saturates(void **state)
{
	struct mb *m = mb_new();
	unsigned int i;

	(void)state;
	for (i = 0; i < 64 + 70000; i++)
		raw(m, 0, 0);
	assert_int_equal(get_records(m, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 2, 2), 0xffff);
	mb_free(m);
}

static void test_more_records(void **state)
{
	struct mb *m = mb_new();
	uint8_t in = 0, lim;
	unsigned int i;

	(void)state;
	for (i = 0; i < 5; i++)
		raw(m, 0, (uint8_t)i);
	/* Room for two records. */
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_GET, &in, 1, m->out, HDR + 2 * REC + 127,
					    &m->out_len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, HDR + 2 * REC);
	assert_int_equal(m->out[0], 2);
	assert_int_equal(rec_count(m), 2);
	assert_int_equal(rec(m, 1)[0x30], 1);
	/* Room for the header only. */
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_GET, &in, 1, m->out, HDR, &m->out_len),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, HDR);
	assert_int_equal(m->out[0], 2);
	assert_int_equal(rec_count(m), 0);
	/* Exactly the five: no more. */
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_GET, &in, 1, m->out, HDR + 5 * REC,
					    &m->out_len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 0);
	assert_int_equal(rec_count(m), 5);
	/* A 256-byte response message limit holds one record. */
	lim = 8;
	assert_int_equal(mb_run(m, 0x0004, &lim, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(get_records(m, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, HDR + REC);
	assert_int_equal(m->out[0], 2);
	assert_int_equal(rec_count(m), 1);
	assert_int_equal(rec_handle(m, 0), 1);
	mb_free(m);
}

static void test_irq_policy(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[6] = { 0 };
	struct cxlemu_dc_extent e;

	(void)state;
	assert_int_equal(mb_run(m, OP_GET_POLICY, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 5);
	assert_true(zeros(m->out, 5));
	assert_int_equal(mb_run(m, OP_GET_POLICY, in, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* No interrupts by default. */
	raw(m, 0, 0);
	assert_int_equal(m->event_irqs, 0);
	/* Four bytes, as Linux sends without dynamic capacity. */
	in[0] = 0x31; /* MSI/MSI-X, message 3 */
	in[1] = 0x52; /* firmware interrupt, vector 5 */
	in[2] = 0x70; /* none (message number ignored) */
	in[3] = 0xf1;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 4), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(mb_run(m, OP_GET_POLICY, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(m->out, ((uint8_t[]){ 0x31, 0x52, 0x70, 0xf1, 0x00 }), 5);
	raw(m, 0, 0);
	assert_int_equal(m->event_irqs, 1);
	assert_int_equal(m->last_event_log, 0);
	assert_int_equal(m->last_event_mode, 1);
	assert_int_equal(m->last_event_vector, 3);
	raw(m, 1, 0);
	assert_int_equal(m->event_irqs, 2);
	assert_int_equal(m->last_event_log, 1);
	assert_int_equal(m->last_event_mode, 2);
	assert_int_equal(m->last_event_vector, 5);
	raw(m, 2, 0);
	assert_int_equal(m->event_irqs, 2);
	raw(m, 3, 0);
	assert_int_equal(m->event_irqs, 3);
	assert_int_equal(m->last_event_log, 3);
	assert_int_equal(m->last_event_vector, 15);
	/* Reserved mode, reserved bits, lengths: refused, nothing changes. */
	in[1] = 0x03;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 4), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 0x04;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 4), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 0x08;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 4), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 0x00;
	in[4] = 0x03;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 5), CXLEMU_MBOX_INVALID_INPUT);
	in[4] = 0;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 3), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 6), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_GET_POLICY, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(m->out, ((uint8_t[]){ 0x31, 0x52, 0x70, 0xf1, 0x00 }), 5);
	/* Five bytes set the dynamic capacity log too. */
	in[0] = 0;
	in[4] = 0x21;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 5), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, OP_GET_POLICY, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(m->out, ((uint8_t[]){ 0x00, 0x00, 0x70, 0xf1, 0x21 }), 5);
	raw(m, 0, 0);
	assert_int_equal(m->event_irqs, 3);
	memset(&e, 0, sizeof(e));
	e.dpa = m->mcfg.dc[0].base;
	e.len = m->mcfg.dc[0].block_size;
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &e, 1), 0);
	assert_int_equal(m->event_irqs, 4);
	assert_int_equal(m->last_event_log, 4);
	assert_int_equal(m->last_event_mode, 1);
	assert_int_equal(m->last_event_vector, 2);
	/* Four bytes leave the DC setting alone. */
	in[4] = 0;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 4), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, OP_GET_POLICY, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[4], 0x21);
	mb_free(m);

	/* Without dynamic capacity: a fifth byte asking for none is fine. */
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.dc_nregions = 0;
	memset(m->mcfg.dc, 0, sizeof(m->mcfg.dc));
	mb_start(m);
	memset(in, 0, sizeof(in));
	in[4] = 0x01;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 5), CXLEMU_MBOX_INVALID_INPUT);
	in[4] = 0x00;
	in[0] = 0x11;
	assert_int_equal(mb_run(m, OP_SET_POLICY, in, 5), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, OP_GET_POLICY, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 0x11);
	mb_free(m);
}

static void test_device_timestamp(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_cci *b;
	struct cxlemu_cci_config c = m->ccfg;
	uint8_t out[64];
	size_t len;

	(void)state;
	/* A second CCI of the same device (an MCTP endpoint). */
	c.kind = CXLEMU_CCI_MCTP;
	c.payload_size = 256;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &b), 0);
	m->now = 50;
	assert_int_equal(cxlemu_cci_execute(b, 0x0300, NULL, 0, out, 64, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out, 8), 0);
	set_timestamp(m, 5000000);
	m->now = 80;
	assert_int_equal(cxlemu_cci_execute(b, 0x0300, NULL, 0, out, 64, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out, 8), 5000030);
	assert_int_equal(mb_run(m, 0x0300, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 8), 5000030);
	/* Set through the other CCI: both see it, and so do records. */
	put(out, 9000000, 8);
	assert_int_equal(cxlemu_cci_execute(b, 0x0301, out, 8, out + 8, 56, &len),
			 CXLEMU_MBOX_SUCCESS);
	m->now = 100;
	assert_int_equal(mb_run(m, 0x0300, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 8), 9000020);
	raw(m, 0, 0);
	assert_int_equal(get_records(m, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(rec(m, 0) + 0x18, 8), 9000020);
	/* Records read through either CCI are the same log; a 256-byte
	 * payload holds one of them. */
	{
		uint8_t log = 0, big[512];

		raw(m, 0, 1);
		assert_int_equal(cxlemu_cci_execute(b, OP_GET, &log, 1, big, sizeof(big), &len),
				 CXLEMU_MBOX_SUCCESS);
		assert_int_equal(len, HDR + REC);
		assert_int_equal(big[0], 2); /* more */
		assert_memory_equal(big + HDR, rec(m, 0), REC);
	}
	cxlemu_cci_free(b);
	mb_free(m);
}

static void test_cel(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[24] = { 0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
			   0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17 };
	unsigned int i, size, found = 0;

	(void)state;
	assert_int_equal(mb_run(m, 0x0400, NULL, 0), CXLEMU_MBOX_SUCCESS);
	size = (unsigned int)test_le(m->out + 24, 4);
	put(in + 20, size, 4);
	assert_int_equal(mb_run(m, 0x0401, in, 24), CXLEMU_MBOX_SUCCESS);
	for (i = 0; i < size; i += 4) {
		unsigned int op = (unsigned int)test_le(m->out + i, 2);
		unsigned int eff = (unsigned int)test_le(m->out + i + 2, 2);

		if (op == OP_CLEAR) {
			assert_int_equal(eff, 1u << 4); /* immediate log change */
			found |= 1;
		}
		if (op == OP_SET_POLICY) {
			assert_int_equal(eff, 1u << 1); /* immediate configuration change */
			found |= 2;
		}
		if (op == OP_GET || op == OP_GET_POLICY) {
			assert_int_equal(eff, 0);
			found |= op == OP_GET ? 4 : 8;
		}
	}
	assert_int_equal(found, 15);
	mb_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_logs),
		cmocka_unit_test(test_no_memdev),
		cmocka_unit_test(test_gen_media),
		cmocka_unit_test(test_dram),
		cmocka_unit_test(test_mem_module),
		cmocka_unit_test(test_raw_and_handles),
		cmocka_unit_test(test_handle_wrap),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_overflow_saturates),
		cmocka_unit_test(test_more_records),
		cmocka_unit_test(test_irq_policy),
		cmocka_unit_test(test_device_timestamp),
		cmocka_unit_test(test_cel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
