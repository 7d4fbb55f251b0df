/* SPDX-License-Identifier: MIT */
/* CCI dispatcher, generic/timestamp/log commands, mailbox registers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mbox_util.h"
#include "testutil.h"

static uint64_t fake_ns;
static unsigned int irqs;

static uint64_t clock_ns(void *opaque)
{
	(void)opaque;
	return fake_ns;
}

static void irq(void *opaque)
{
	(void)opaque;
	irqs++;
}

static struct cxlemu_ctx *ctx;

static struct cxlemu_cci *mk(uint32_t kind, uint32_t payload)
{
	struct cxlemu_cci_config c;
	struct cxlemu_cci *cci;

	memset(&c, 0, sizeof(c));
	c.version = CXLEMU_CCI_CONFIG_VERSION;
	c.kind = kind;
	c.payload_size = payload;
	c.component_type = 3;
	c.vendor_id = 0x8086;
	c.device_id = 0x0d93;
	c.subsys_vendor_id = 0x1af4;
	c.subsys_id = 0x1100;
	c.serial = UINT64_C(0x1122334455667788);
	c.host.irq = irq;
	assert_int_equal(cxlemu_cci_new(ctx, &c, &cci), 0);
	return cci;
}

static int run(struct cxlemu_cci *cci, uint16_t op, const void *in, size_t in_len,
	       uint8_t *out, size_t *out_len)
{
	return cxlemu_cci_execute(cci, op, in, in_len, out, 4096, out_len);
}

static void test_config(void **state)
{
	struct cxlemu_cci_config c;
	struct cxlemu_cci *cci;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.version = CXLEMU_CCI_CONFIG_VERSION;
	c.kind = CXLEMU_CCI_MAILBOX;
	c.payload_size = 512;
	assert_int_equal(cxlemu_cci_new(NULL, &c, &cci), 0);
	cxlemu_cci_free(cci);
#define BAD(stmt) do { struct cxlemu_cci_config b = c; stmt; \
		assert_int_equal(cxlemu_cci_new(NULL, &b, &cci), -EINVAL); assert_null(cci); } while (0)
	BAD(b.version = 0);
	BAD(b.kind = 0);
	BAD(b.kind = CXLEMU_CCI_MAILBOX | CXLEMU_CCI_MCTP);
	BAD(b.payload_size = 128);
	BAD(b.payload_size = 300);
	BAD(b.payload_size = 2u << 20);
#undef BAD
	assert_int_equal(cxlemu_cci_new(NULL, &c, NULL), -EINVAL);
}

static void test_generic_commands(void **state)
{
	struct cxlemu_cci *cci = mk(CXLEMU_CCI_MAILBOX, 512);
	uint8_t out[4096], in[16] = { 0 };
	size_t len;

	(void)state;
	/* Identify: PCI ids, serial, 2^9 message size, type 3. */
	assert_int_equal(run(cci, 0x0001, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 18);
	assert_int_equal(test_le(out, 2), 0x8086);
	assert_int_equal(test_le(out + 2, 2), 0x0d93);
	assert_int_equal(test_le(out + 4, 2), 0x1af4);
	assert_int_equal(test_le(out + 6, 2), 0x1100);
	assert_int_equal(test_le(out + 8, 8), UINT64_C(0x1122334455667788));
	assert_int_equal(out[16], 9);
	assert_int_equal(out[17], 3);
	/* Inputs where none is taken: Invalid Payload Length, no output. */
	assert_int_equal(run(cci, 0x0001, in, 1, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(len, 0);
	/* Unknown opcodes. */
	assert_int_equal(run(cci, 0xffff, NULL, 0, out, &len), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(run(cci, 0x4000, NULL, 0, out, &len), CXLEMU_MBOX_UNSUPPORTED);
	/* Background status: nothing running. */
	memset(out, 0xee, 8);
	assert_int_equal(run(cci, 0x0002, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 8);
	assert_int_equal(test_le(out, 8), 0);
	/* Abort with nothing running succeeds. */
	assert_int_equal(run(cci, 0x0005, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	/* Response message limit: 2^9 here; 8..20 accepted, capped at 9. */
	assert_int_equal(run(cci, 0x0003, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(out[0], 9);
	in[0] = 7;
	assert_int_equal(run(cci, 0x0004, in, 1, out, &len), CXLEMU_MBOX_INVALID_INPUT);
	in[0] = 21;
	assert_int_equal(run(cci, 0x0004, in, 1, out, &len), CXLEMU_MBOX_INVALID_INPUT);
	in[0] = 12;
	assert_int_equal(run(cci, 0x0004, in, 1, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(out[0], 9);
	in[0] = 8;
	assert_int_equal(run(cci, 0x0004, in, 1, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(out[0], 8);
	assert_int_equal(run(cci, 0x0004, in, 2, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Misuse of the call itself. */
	assert_int_equal(cxlemu_cci_execute(cci, 1, NULL, 3, out, 16, &len), -EINVAL);
	assert_int_equal(cxlemu_cci_execute(cci, 1, NULL, 0, out, 16, NULL), -EINVAL);
	assert_int_equal(cxlemu_cci_execute(NULL, 1, NULL, 0, out, 16, &len), -EINVAL);
	/* An output buffer too small for the response. */
	assert_int_equal(cxlemu_cci_execute(cci, 1, NULL, 0, out, 4, &len), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(len, 0);
	cxlemu_cci_free(cci);
}

static void test_timestamp(void **state)
{
	struct cxlemu_cci *cci = mk(CXLEMU_CCI_MAILBOX, 256);
	uint8_t out[64], in[8];
	size_t len;

	(void)state;
	fake_ns = 5000;
	assert_int_equal(run(cci, 0x0300, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out, 8), 0); /* never set */
	for (len = 0; len < 8; len++)
		in[len] = (uint8_t)(UINT64_C(1700000000000000000) >> (8 * len));
	assert_int_equal(run(cci, 0x0301, in, 8, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0);
	fake_ns += 1234;
	assert_int_equal(run(cci, 0x0300, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out, 8), UINT64_C(1700000000000001234));
	assert_int_equal(run(cci, 0x0301, in, 7, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	cxlemu_cci_free(cci);
}

static const uint8_t cel_uuid[16] = {
	0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
	0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17,
};

static void get_log_in(uint8_t *in, const uint8_t *uuid, uint32_t off, uint32_t len)
{
	unsigned int i;

	memcpy(in, uuid, 16);
	for (i = 0; i < 4; i++) {
		in[16 + i] = (uint8_t)(off >> (8 * i));
		in[20 + i] = (uint8_t)(len >> (8 * i));
	}
}

static void test_logs(void **state)
{
	struct cxlemu_cci *cci = mk(CXLEMU_CCI_MAILBOX, 256);
	uint8_t out[4096], in[24], bad_uuid[16];
	uint32_t size, i;
	size_t len;
	bool saw_set_limit = false;

	(void)state;
	assert_int_equal(run(cci, 0x0400, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 8 + 20);
	assert_int_equal(test_le(out, 2), 1);
	assert_memory_equal(out + 8, cel_uuid, 16);
	size = (uint32_t)test_le(out + 24, 4);
	assert_true(size >= 4 * 9 && size % 4 == 0);
	/* The whole CEL: every entry an opcode this CCI runs, with effects. */
	get_log_in(in, cel_uuid, 0, size);
	assert_int_equal(run(cci, 0x0401, in, 24, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, size);
	for (i = 0; i < size; i += 4) {
		uint16_t op = (uint16_t)test_le(out + i, 2);
		uint8_t probe[4096];
		size_t plen;

		assert_int_not_equal(run(cci, op, NULL, 0, probe, &plen), CXLEMU_MBOX_UNSUPPORTED);
		if (op == 0x0004) {
			assert_int_equal(test_le(out + i + 2, 2), 1u << 1); /* immediate config change */
			saw_set_limit = true;
		}
	}
	assert_true(saw_set_limit);
	/* A window into the log. */
	get_log_in(in, cel_uuid, 4, 8);
	assert_int_equal(run(cci, 0x0401, in, 24, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 8);
	assert_int_equal(test_le(out, 2), 0x0002);
	/* Past the end, wrapping offsets, an unknown log, short input. */
	get_log_in(in, cel_uuid, size, 1);
	assert_int_equal(run(cci, 0x0401, in, 24, out, &len), CXLEMU_MBOX_INVALID_INPUT);
	get_log_in(in, cel_uuid, 0xffffffffu, 2);
	assert_int_equal(run(cci, 0x0401, in, 24, out, &len), CXLEMU_MBOX_INVALID_INPUT);
	get_log_in(in, cel_uuid, 4, 0xfffffffcu);
	assert_int_equal(run(cci, 0x0401, in, 24, out, &len), CXLEMU_MBOX_INVALID_INPUT);
	memcpy(bad_uuid, cel_uuid, 16);
	bad_uuid[15] ^= 1;
	get_log_in(in, bad_uuid, 0, 4);
	assert_int_equal(run(cci, 0x0401, in, 24, out, &len), CXLEMU_MBOX_INVALID_LOG);
	assert_int_equal(run(cci, 0x0401, in, 23, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(cci, 0x0401, in, 25, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* A response never exceeds the output buffer. */
	get_log_in(in, cel_uuid, 0, size);
	assert_int_equal(cxlemu_cci_execute(cci, 0x0401, in, 24, out, 8, &len),
			 CXLEMU_MBOX_INVALID_INPUT);
	cxlemu_cci_free(cci);
}

static uint32_t rd(struct cxlemu_cci *cci, uint32_t off, unsigned int size)
{
	uint64_t v;

	assert_int_equal(cxlemu_cci_reg_read(cci, off, size, &v), 0);
	return (uint32_t)v;
}

static uint64_t rd64(struct cxlemu_cci *cci, uint32_t off)
{
	uint64_t v;

	assert_int_equal(cxlemu_cci_reg_read(cci, off, 8, &v), 0);
	return v;
}

static void wr(struct cxlemu_cci *cci, uint32_t off, unsigned int size, uint64_t v)
{
	assert_int_equal(cxlemu_cci_reg_write(cci, off, size, v), 0);
}

/* A session through the registers, the way Linux's cxl_pci drives it. */
static void test_register_session(void **state)
{
	struct cxlemu_cci *cci = mk(CXLEMU_CCI_MAILBOX, 1024);
	uint64_t v;
	unsigned int i;

	(void)state;
	assert_int_equal(cxlemu_cci_reg_size(cci), 0x20 + 1024);
	/* Capabilities: payload 2^10, both interrupts capable. */
	assert_int_equal(rd(cci, 0x00, 4) & 0x1f, 10);
	assert_true(rd(cci, 0x00, 4) & (1u << 5));
	wr(cci, 0x00, 4, 0);
	assert_int_equal(rd(cci, 0x00, 4) & 0x1f, 10);
	/* Identify: opcode 0001h, no input, doorbell. */
	wr(cci, 0x08, 8, 0x0001);
	wr(cci, 0x04, 4, 1);
	assert_int_equal(rd(cci, 0x04, 4) & 1, 0);            /* doorbell cleared */
	assert_int_equal((rd64(cci, 0x10) >> 32) & 0xffff, 0); /* success */
	assert_int_equal((rd64(cci, 0x08) >> 16) & 0x1fffff, 18);
	assert_int_equal(rd(cci, 0x20, 2), 0x8086);
	assert_int_equal(rd(cci, 0x30, 1), 10);
	/* Get Log through the payload, with the doorbell interrupt on. */
	irqs = 0;
	for (i = 0; i < 16; i++)
		wr(cci, 0x20 + i, 1, cel_uuid[i]);
	wr(cci, 0x30, 4, 0);
	wr(cci, 0x34, 4, 8);
	wr(cci, 0x08, 8, 0x0401 | (UINT64_C(24) << 16));
	wr(cci, 0x04, 4, 1u << 1 | 1);
	assert_int_equal(irqs, 1);
	assert_int_equal((rd64(cci, 0x08) >> 16) & 0x1fffff, 8);
	assert_int_equal(rd(cci, 0x20, 2), 0x0001); /* first CEL entry: Identify */
	assert_int_equal(rd(cci, 0x24, 2), 0x0002);
	/* An input longer than the payload: Invalid Payload Length. */
	wr(cci, 0x08, 8, 0x0001 | (UINT64_C(2000) << 16));
	wr(cci, 0x04, 1, 1);
	assert_int_equal((rd64(cci, 0x10) >> 32) & 0xffff, CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal((rd64(cci, 0x08) >> 16) & 0x1fffff, 0);
	/* Reserved command bits read 0; status is read-only. */
	wr(cci, 0x08, 8, UINT64_MAX);
	assert_int_equal(rd64(cci, 0x08), (UINT64_C(1) << 37) - 1);
	wr(cci, 0x10, 8, UINT64_MAX);
	assert_int_equal((rd64(cci, 0x10) >> 32) & 0xffff, CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Widths, alignment, bounds. */
	assert_int_equal(cxlemu_cci_reg_read(cci, 0x02, 4, &v), -EINVAL);
	assert_int_equal(cxlemu_cci_reg_read(cci, 0x00, 3, &v), -EINVAL);
	assert_int_equal(cxlemu_cci_reg_read(cci, 0x20 + 1024, 1, &v), -EINVAL);
	assert_int_equal(cxlemu_cci_reg_read(cci, 0x20 + 1016, 8, &v), 0);
	assert_int_equal(cxlemu_cci_reg_write(cci, 0x20 + 1020, 8, 0), -EINVAL);
	assert_int_equal(cxlemu_cci_reg_write(cci, UINT32_MAX, 1, 0), -EINVAL);
	cxlemu_cci_free(cci);
}

/* The CEL and the dispatcher follow the CCI kind. */
static void test_cci_kinds(void **state)
{
	struct cxlemu_cci *sw = mk(CXLEMU_CCI_SWITCH, 256);
	uint8_t out[256];
	size_t len;

	(void)state;
	assert_int_equal(run(sw, 0x0001, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(run(sw, 0x0400, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_true(test_le(out + 24, 4) > 0);
	cxlemu_cci_free(sw);
}

static size_t msg(uint8_t *m, uint8_t cat, uint8_t tag, uint16_t op, const void *pl,
		  size_t len, uint32_t claimed)
{
	m[0] = cat;
	m[1] = tag;
	m[2] = 0;
	m[3] = (uint8_t)op;
	m[4] = (uint8_t)(op >> 8);
	m[5] = (uint8_t)claimed;
	m[6] = (uint8_t)(claimed >> 8);
	m[7] = (uint8_t)(claimed >> 16);
	memset(m + 8, 0, 4);
	if (len)
		memcpy(m + 12, pl, len);
	return 12 + len;
}

static void test_cci_messages(void **state)
{
	struct cxlemu_cci *cci = mk(CXLEMU_CCI_SWITCH, 512);
	uint8_t req[64], rsp[1024], lim = 9;
	size_t n, len;

	(void)state;
	/* Identify as a request: response category, same tag and opcode. */
	n = msg(req, 0, 0x5a, 0x0001, NULL, 0, 0);
	assert_int_equal(cxlemu_cci_message(cci, req, n, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(len, 12 + 18);
	assert_int_equal(rsp[0], 1);
	assert_int_equal(rsp[1], 0x5a);
	assert_int_equal(test_le(rsp + 3, 2), 0x0001);
	assert_int_equal(test_le(rsp + 5, 3), 18);
	assert_int_equal(test_le(rsp + 8, 2), 0);
	assert_int_equal(test_le(rsp + 12, 2), 0x8086);
	/* Payload carried through. */
	n = msg(req, 0, 1, 0x0004, &lim, 1, 1);
	assert_int_equal(cxlemu_cci_message(cci, req, n, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(test_le(rsp + 8, 2), 0);
	assert_int_equal(rsp[12], 9);
	/* A length field that disagrees with the bytes: answered, rejected. */
	n = msg(req, 0, 2, 0x0004, &lim, 1, 2);
	assert_int_equal(cxlemu_cci_message(cci, req, n, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(len, 12);
	assert_int_equal(test_le(rsp + 8, 2), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	n = msg(req, 0, 3, 0x0001, NULL, 0, 0x1fffff);
	assert_int_equal(cxlemu_cci_message(cci, req, n, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(test_le(rsp + 8, 2), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Unknown command: Unsupported. */
	n = msg(req, 0, 4, 0x7777, NULL, 0, 0);
	assert_int_equal(cxlemu_cci_message(cci, req, n, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(test_le(rsp + 8, 2), CXLEMU_MBOX_UNSUPPORTED);
	/* Not requests: no answer. */
	n = msg(req, 1, 5, 0x0001, NULL, 0, 0);
	assert_int_equal(cxlemu_cci_message(cci, req, n, rsp, sizeof(rsp), &len), -EINVAL);
	assert_int_equal(cxlemu_cci_message(cci, req, 11, rsp, sizeof(rsp), &len), -EINVAL);
	assert_int_equal(cxlemu_cci_message(cci, req, 12, rsp, 11, &len), -EINVAL);
	/* A response buffer too small for Identify's output. */
	n = msg(req, 0, 6, 0x0001, NULL, 0, 0);
	assert_int_equal(cxlemu_cci_message(cci, req, n, rsp, 16, &len), 0);
	assert_int_equal(test_le(rsp + 8, 2), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(len, 12);
	cxlemu_cci_free(cci);
}

/* Get Log Capabilities, Clear Log, Get Supported Logs Sub-List. */
static void test_log_commands(void **state)
{
	struct cxlemu_cci *cci = mk(CXLEMU_CCI_SWITCH, 256);
	uint8_t out[4096], in[17], bad[16];
	uint32_t size;
	size_t len;
	unsigned int i;

	(void)state;
	memcpy(bad, cel_uuid, 16);
	bad[0] ^= 0x80;
	assert_int_equal(run(cci, 0x0400, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	size = (uint32_t)test_le(out + 24, 4);
	/* Capabilities of the CEL: persistent only (no clear, no populate). */
	memcpy(in, cel_uuid, 16);
	memset(out, 0xee, 8);
	assert_int_equal(run(cci, 0x0402, in, 16, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 4);
	assert_int_equal(test_le(out, 4), 1u << 3);
	assert_int_equal(run(cci, 0x0402, bad, 16, out, &len), CXLEMU_MBOX_INVALID_LOG);
	assert_int_equal(len, 0);
	assert_int_equal(run(cci, 0x0402, in, 15, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(cci, 0x0402, in, 17, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Clear Log: the CEL cannot be cleared; unknown logs. */
	assert_int_equal(run(cci, 0x0403, in, 16, out, &len), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(cci, 0x0403, bad, 16, out, &len), CXLEMU_MBOX_INVALID_LOG);
	assert_int_equal(run(cci, 0x0403, in, 0, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(cci, 0x0400, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out + 24, 4), size);
	/* Sub-list: up to 5 from index 0 gives the one log. */
	in[0] = 5;
	in[1] = 0;
	memset(out, 0xee, 64);
	assert_int_equal(run(cci, 0x0405, in, 2, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 8 + 20);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0);
	assert_int_equal(test_le(out + 2, 2), 1);
	assert_int_equal(out[4], 0);
	for (i = 5; i < 8; i++)
		assert_int_equal(out[i], 0);
	assert_memory_equal(out + 8, cel_uuid, 16);
	assert_int_equal(test_le(out + 24, 4), size);
	in[0] = 0;
	assert_int_equal(run(cci, 0x0405, in, 2, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 8);
	assert_int_equal(out[0], 0);
	assert_int_equal(test_le(out + 2, 2), 1);
	in[0] = 5;
	in[1] = 1;
	assert_int_equal(run(cci, 0x0405, in, 2, out, &len), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 0xff;
	assert_int_equal(run(cci, 0x0405, in, 2, out, &len), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(cci, 0x0405, in, 1, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(cci, 0x0405, in, 3, out, &len), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	in[1] = 0;
	assert_int_equal(cxlemu_cci_execute(cci, 0x0405, in, 2, out, 27, &len),
			 CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(cxlemu_cci_execute(cci, 0x0402, cel_uuid, 16, out, 3, &len),
			 CXLEMU_MBOX_INTERNAL_ERROR);
	cxlemu_cci_free(cci);
}

/* An MCTP message: type byte, then a CCI message. */
static size_t mctp_msg(uint8_t *m, uint8_t type, uint8_t tag, uint16_t op, const void *pl,
		       size_t len)
{
	m[0] = type;
	return 1 + msg(m + 1, 0, tag, op, pl, len, (uint32_t)len);
}

static void test_mctp_framing(void **state)
{
	struct cxlemu_cci *sw = mk(CXLEMU_CCI_SWITCH, 512), *ld = mk(CXLEMU_CCI_LD_FM, 512);
	struct cxlemu_cci *ep = mk(CXLEMU_CCI_MCTP, 512), *mbx = mk(CXLEMU_CCI_MAILBOX, 512);
	uint8_t req[64], rsp[1024];
	size_t n, len;

	(void)state;
	/* Which type each kind answers. */
	assert_int_equal(cxlemu_mctp_type(sw), CXLEMU_MCTP_TYPE_FM_API);
	assert_int_equal(cxlemu_mctp_type(ld), CXLEMU_MCTP_TYPE_FM_API);
	assert_int_equal(cxlemu_mctp_type(ep), CXLEMU_MCTP_TYPE_CCI);
	assert_int_equal(cxlemu_mctp_type(mbx), -EINVAL);
	assert_int_equal(cxlemu_mctp_type(NULL), -EINVAL);
	assert_int_equal(CXLEMU_MCTP_TYPE_FM_API, 0x07);
	assert_int_equal(CXLEMU_MCTP_TYPE_CCI, 0x08);
	/* Identify on a switch over FM API: type byte echoed, then the
	 * response message. */
	n = mctp_msg(req, 0x07, 0x33, 0x0001, NULL, 0);
	assert_int_equal(n, 13);
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(len, 1 + 12 + 18);
	assert_int_equal(rsp[0], 0x07);
	assert_int_equal(rsp[1], 1);
	assert_int_equal(rsp[2], 0x33);
	assert_int_equal(test_le(rsp + 4, 2), 0x0001);
	assert_int_equal(test_le(rsp + 6, 3), 18);
	assert_int_equal(test_le(rsp + 9, 2), 0);
	assert_int_equal(test_le(rsp + 13, 2), 0x8086);
	/* The same on a type-3 endpoint over the component type. */
	n = mctp_msg(req, 0x08, 0x34, 0x0001, NULL, 0);
	assert_int_equal(cxlemu_mctp_message(ep, req, n, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(rsp[0], 0x08);
	assert_int_equal(rsp[2], 0x34);
	/* Wrong types: dropped. */
	memset(rsp, 0xee, 16);
	assert_int_equal(cxlemu_mctp_message(ep, (uint8_t[]){ 0x07 }, 1, rsp, sizeof(rsp), &len),
			 -EPROTONOSUPPORT);
	n = mctp_msg(req, 0x07, 1, 0x0001, NULL, 0);
	assert_int_equal(cxlemu_mctp_message(ep, req, n, rsp, sizeof(rsp), &len), -EPROTONOSUPPORT);
	assert_int_equal(len, 0);
	assert_int_equal(rsp[0], 0xee);
	req[0] = 0x08;
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, sizeof(rsp), &len), -EPROTONOSUPPORT);
	assert_int_equal(cxlemu_mctp_message(mbx, req, n, rsp, sizeof(rsp), &len), -EPROTONOSUPPORT);
	req[0] = 0x00;
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, sizeof(rsp), &len), -EPROTONOSUPPORT);
	req[0] = 0x7f;
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, sizeof(rsp), &len), -EPROTONOSUPPORT);
	/* Integrity check set: dropped, for the right type too. */
	req[0] = 0x87;
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, sizeof(rsp), &len), -EBADMSG);
	assert_int_equal(len, 0);
	/* Short messages, responses, nothing at all. */
	req[0] = 0x07;
	assert_int_equal(cxlemu_mctp_message(sw, req, 0, rsp, sizeof(rsp), &len), -EBADMSG);
	assert_int_equal(cxlemu_mctp_message(sw, req, 1, rsp, sizeof(rsp), &len), -EBADMSG);
	assert_int_equal(cxlemu_mctp_message(sw, req, 12, rsp, sizeof(rsp), &len), -EBADMSG);
	req[1] = 1;
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, sizeof(rsp), &len), -EBADMSG);
	assert_int_equal(len, 0);
	req[1] = 0;
	/* A length field that disagrees: answered with Invalid Payload Length. */
	assert_int_equal(cxlemu_mctp_message(sw, req, n + 1, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(len, 13);
	assert_int_equal(test_le(rsp + 9, 2), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* A response buffer too small for the output, or for any response. */
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, 20, &len), 0);
	assert_int_equal(len, 13);
	assert_int_equal(test_le(rsp + 9, 2), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, 12, &len), -EINVAL);
	/* Misuse. */
	assert_int_equal(cxlemu_mctp_message(NULL, req, n, rsp, sizeof(rsp), &len), -EINVAL);
	assert_int_equal(cxlemu_mctp_message(sw, NULL, n, rsp, sizeof(rsp), &len), -EINVAL);
	assert_int_equal(cxlemu_mctp_message(sw, req, n, NULL, sizeof(rsp), &len), -EINVAL);
	assert_int_equal(cxlemu_mctp_message(sw, req, n, rsp, sizeof(rsp), NULL), -EINVAL);
	assert_true(strcmp(cxlemu_strerror(-EBADMSG), "unknown error") != 0);
	assert_true(strcmp(cxlemu_strerror(-EPROTONOSUPPORT), "unknown error") != 0);
	cxlemu_cci_free(sw);
	cxlemu_cci_free(ld);
	cxlemu_cci_free(ep);
	cxlemu_cci_free(mbx);
}

/* Several commands to a type-3 device's MCTP endpoint, sharing the device
 * with its mailbox: firmware transfer in the background, features, logs. */
static void test_mctp_round_trip(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_cci_config c = m->ccfg;
	struct cxlemu_cci *ep;
	static uint8_t req[0x200], rsp[0x400], pl[0x100];
	size_t n, len;
	uint8_t tag = 0;

	(void)state;
	c.kind = CXLEMU_CCI_MCTP;
	c.payload_size = 512;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &ep), 0);
#define RT(op, p, l, want_rc)                                                         \
	do {                                                                          \
		n = mctp_msg(req, 0x08, ++tag, (op), (p), (l));                       \
		assert_int_equal(cxlemu_mctp_message(ep, req, n, rsp, sizeof(rsp), &len), 0); \
		assert_int_equal(rsp[0], 0x08);                                       \
		assert_int_equal(rsp[1], 1);                                          \
		assert_int_equal(rsp[2], tag);                                        \
		assert_int_equal(test_le(rsp + 4, 2), (op));                          \
		assert_int_equal(test_le(rsp + 9, 2), (want_rc));                     \
		assert_int_equal(test_le(rsp + 6, 3), len - 13);                      \
	} while (0)
	/* Identify Memory Device: the running firmware's revision. */
	RT(0x4000, NULL, 0, CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(rsp + 13, "cxlemu fw 1.0", 13);
	/* Get FW Info. */
	RT(0x0200, NULL, 0, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 13 + 0x50);
	assert_int_equal(rsp[13], 4);
	assert_int_equal(rsp[14], 1);
	/* A full firmware transfer: background, polled through MCTP. */
	memset(pl, 0, sizeof(pl));
	pl[0] = 0;    /* full */
	pl[1] = 2;    /* slot */
	memset(pl + 0x80, 0x5a, 0x80);
	RT(0x0201, pl, 0x100, CXLEMU_MBOX_BG_STARTED);
	RT(0x0002, NULL, 0, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rsp[13] & 1, 1);
	assert_int_equal(test_le(rsp + 15, 2), 0x0201);
	mb_advance(m, UINT64_C(10000000));
	cxlemu_cci_poll(ep);
	RT(0x0002, NULL, 0, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rsp[13] & 1, 0);
	assert_int_equal(test_le(rsp + 17, 2), CXLEMU_MBOX_SUCCESS);
	/* The mailbox sees the new slot. */
	assert_int_equal(mb_run(m, 0x0200, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(m->out + 0x20, "img-", 4);
	/* Features: set through MCTP, read through the mailbox. */
	assert_int_equal(mb_run(m, 0x0500, (uint8_t[]){ 8, 0, 0, 0, 0, 0, 0, 0 }, 8),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 2, 2), 2);
	RT(0x0500, ((uint8_t[]){ 200, 0, 0, 0, 0, 0, 0, 0 }), 8, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 13 + 8 + 96);
	memset(pl, 0, 0x22);
	memcpy(pl, rsp + 13 + 8, 16); /* the first feature's UUID */
	pl[0x16] = rsp[13 + 8 + 0x1b]; /* its set version */
	pl[0x20] = 48;
	pl[0x21] = 1;
	RT(0x0502, pl, 0x22, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 13);
	memset(pl + 16, 0, 5);
	pl[18] = 4;
	assert_int_equal(mb_run(m, 0x0501, pl, 21), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[1], 48);
	assert_int_equal(m->out[3], 1);
	/* Logs. */
	RT(0x0402, cel_uuid, 16, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(rsp + 13, 4), 8);
	RT(0x0403, cel_uuid, 16, CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(len, 13);
	/* A command no MCTP endpoint runs here. */
	RT(0x7777, NULL, 0, CXLEMU_MBOX_UNSUPPORTED);
#undef RT
	cxlemu_cci_free(ep);
	mb_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_generic_commands),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_logs),
		cmocka_unit_test(test_register_session),
		cmocka_unit_test(test_cci_kinds),
		cmocka_unit_test(test_cci_messages),
		cmocka_unit_test(test_log_commands),
		cmocka_unit_test(test_mctp_framing),
		cmocka_unit_test(test_mctp_round_trip),
	};
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = clock_ns };
	int rc;

	if (cxlemu_ctx_new(&ops, NULL, &ctx))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cxlemu_ctx_free(ctx);
	return rc;
}
