/* SPDX-License-Identifier: MIT */
/* Firmware update: Get FW Info, Transfer FW, Activate FW (CXL 3.1 8.2.9.3). */
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

#define OP_INFO 0x0200
#define OP_XFER 0x0201
#define OP_ACT 0x0202
#define OP_BG 0x0002
#define FULL 0
#define INIT 1
#define CONT 2
#define END 3
#define ABORT 4
#define MS UINT64_C(1000000)
#define MAX_SIZE (UINT32_C(32) << 20)

/* Bitwise CRC-32 (IEEE), independent of the library's. */
static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
	uint32_t c = UINT32_MAX;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static uint8_t in[4096 + 128];

/* Runs Transfer FW: action, slot, offset in 128-byte units, data. */
static int xfer(struct mb *m, unsigned int action, unsigned int slot, uint32_t units,
		const uint8_t *data, size_t len)
{
	memset(in, 0, 0x80);
	in[0] = (uint8_t)action;
	in[1] = (uint8_t)slot;
	in[4] = (uint8_t)units;
	in[5] = (uint8_t)(units >> 8);
	in[6] = (uint8_t)(units >> 16);
	in[7] = (uint8_t)(units >> 24);
	if (len)
		memcpy(in + 0x80, data, len);
	return mb_run(m, OP_XFER, in, 0x80 + len);
}

/* Duration of a part: 1 ms plus 100 ns per byte (cmd_fw.c). */
static uint64_t part_ns(size_t len)
{
	return MS + 100 * (uint64_t)len;
}

/* Background Operation Status: running flag, percent, opcode, rc. */
static void bg(struct mb *m, unsigned int *running, unsigned int *pct, unsigned int *op,
	       unsigned int *rc)
{
	assert_int_equal(mb_run(m, OP_BG, NULL, 0), CXLEMU_MBOX_SUCCESS);
	*running = m->out[0] & 1;
	*pct = m->out[0] >> 1;
	*op = (unsigned int)test_le(m->out + 2, 2);
	*rc = (unsigned int)test_le(m->out + 4, 2);
}

/* A part accepted and run to completion; returns the background rc. */
static unsigned int part(struct mb *m, unsigned int action, unsigned int slot, uint32_t units,
			 const uint8_t *data, size_t len)
{
	unsigned int run, pct, op, rc;

	assert_int_equal(xfer(m, action, slot, units, data, len), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(m->out_len, 0);
	mb_advance(m, part_ns(len));
	bg(m, &run, &pct, &op, &rc);
	assert_int_equal(run, 0);
	assert_int_equal(op, OP_XFER);
	return rc;
}

static void info(struct mb *m)
{
	assert_int_equal(mb_run(m, OP_INFO, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0x50);
}

static void expect_rev(struct mb *m, unsigned int slot, const char *rev)
{
	char want[16] = { 0 };

	memcpy(want, rev, strlen(rev));
	info(m);
	assert_memory_equal(m->out + 0x10 * slot, want, 16);
}

static void img_rev(const uint8_t *img, size_t len, char *rev)
{
	snprintf(rev, 17, "img-%08x", (unsigned int)crc32_ref(img, len));
}

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	struct rng r = { seed };
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next(&r);
}

/* A package with our header (cmd_fw.c): magic, length, CRC of the body,
 * flags, revision. */
static size_t mk_pkg(uint8_t *p, size_t len, uint32_t flags, const char *rev)
{
	uint32_t crc;
	unsigned int i;

	fill(p, len, len);
	memset(p, 0, 0x30);
	memcpy(p, "CXLEMUFW", 8);
	for (i = 0; i < 4; i++) {
		p[8 + i] = (uint8_t)(len >> (8 * i));
		p[0x10 + i] = (uint8_t)(flags >> (8 * i));
	}
	memcpy(p + 0x20, rev, strlen(rev));
	crc = crc32_ref(p + 0x30, len - 0x30);
	for (i = 0; i < 4; i++)
		p[0x0c + i] = (uint8_t)(crc >> (8 * i));
	return len;
}

static void test_info(void **state)
{
	struct mb *m = mb_new();
	unsigned int i;

	(void)state;
	info(m);
	assert_int_equal(m->out[0], 4);    /* slots */
	assert_int_equal(m->out[1], 0x01); /* active 1, nothing staged */
	assert_int_equal(m->out[2], 0x01); /* online activation */
	for (i = 3; i < 0x10; i++)
		assert_int_equal(m->out[i], 0);
	assert_memory_equal(m->out + 0x10, "cxlemu fw 1.0\0\0", 16);
	for (i = 0x20; i < 0x50; i++)
		assert_int_equal(m->out[i], 0);
	assert_int_equal(mb_run(m, OP_INFO, in, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* A response buffer too small. */
	assert_int_equal(cxlemu_cci_execute(m->cci, OP_INFO, NULL, 0, m->out, 0x4f, &m->out_len),
			 CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(m->out_len, 0);
	mb_free(m);
}

static void test_no_memdev(void **state)
{
	struct cxlemu_cci_config c;
	struct cxlemu_cci *cci;
	uint8_t out[128], buf[0x80] = { 0 };
	size_t len;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.version = CXLEMU_CCI_CONFIG_VERSION;
	c.kind = CXLEMU_CCI_MAILBOX;
	c.payload_size = 256;
	assert_int_equal(cxlemu_cci_new(NULL, &c, &cci), 0);
	assert_int_equal(cxlemu_cci_execute(cci, OP_INFO, NULL, 0, out, 128, &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(cxlemu_cci_execute(cci, OP_XFER, buf, 0x80, out, 128, &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(cxlemu_cci_execute(cci, OP_ACT, buf, 2, out, 128, &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	cxlemu_cci_free(cci);
}

static void test_full_transfer(void **state)
{
	struct mb *m = mb_new();
	uint8_t img[300];
	char rev[17];
	unsigned int run, pct, op, rc;

	(void)state;
	fill(img, sizeof(img), 7);
	img_rev(img, sizeof(img), rev);
	assert_int_equal(xfer(m, FULL, 2, 99 /* ignored */, img, sizeof(img)),
			 CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(m->scheduled, part_ns(sizeof(img)));
	/* Running: the slot is not written yet; a second transfer is Busy. */
	mb_advance(m, part_ns(sizeof(img)) / 2);
	bg(m, &run, &pct, &op, &rc);
	assert_int_equal(run, 1);
	assert_true(pct > 0 && pct < 100);
	assert_int_equal(op, OP_XFER);
	expect_rev(m, 2, "");
	assert_int_equal(xfer(m, FULL, 3, 0, img, 10), CXLEMU_MBOX_BUSY);
	assert_int_equal(xfer(m, ABORT, 0, 0, NULL, 0), CXLEMU_MBOX_BUSY);
	mb_advance(m, part_ns(sizeof(img)) - part_ns(sizeof(img)) / 2 - 1);
	bg(m, &run, &pct, &op, &rc);
	assert_int_equal(run, 1);
	mb_advance(m, 1);
	bg(m, &run, &pct, &op, &rc);
	assert_int_equal(run, 0);
	assert_int_equal(pct, 100);
	assert_int_equal(rc, CXLEMU_MBOX_SUCCESS);
	expect_rev(m, 2, rev);
	assert_int_equal(m->out[1], 0x01); /* still running slot 1 */
	/* Full transfers: slot checks. */
	assert_int_equal(xfer(m, FULL, 0, 0, img, 10), CXLEMU_MBOX_INVALID_SLOT);
	assert_int_equal(xfer(m, FULL, 5, 0, img, 10), CXLEMU_MBOX_INVALID_SLOT);
	assert_int_equal(xfer(m, FULL, 1, 0, img, 10), CXLEMU_MBOX_INVALID_SLOT);
	assert_int_equal(xfer(m, 5, 2, 0, img, 10), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(xfer(m, 0xff, 2, 0, img, 10), CXLEMU_MBOX_INVALID_INPUT);
	/* Shorter than the 128-byte header. */
	assert_int_equal(mb_run(m, OP_XFER, in, 0x7f), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* An empty package fails verification. */
	assert_int_equal(xfer(m, FULL, 3, 0, NULL, 0), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	expect_rev(m, 2, rev);
	expect_rev(m, 3, "");
	/* A new package replaces the old one in the slot. */
	img[0] ^= 1;
	img_rev(img, sizeof(img), rev);
	assert_int_equal(part(m, FULL, 2, 0, img, sizeof(img)), CXLEMU_MBOX_SUCCESS);
	expect_rev(m, 2, rev);
	mb_free(m);
}

static void test_parts(void **state)
{
	struct mb *m = mb_new();
	static uint8_t img[512]; /* a 434-byte package, room for stray parts */
	char rev[17];

	(void)state;
	fill(img, sizeof(img), 3);
	/* Continue or End without a transfer. */
	assert_int_equal(xfer(m, CONT, 0, 0, img, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(xfer(m, END, 2, 0, img, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	/* Initiate: offset 0, whole 128-byte units. */
	assert_int_equal(xfer(m, INIT, 0, 1, img, 128), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(xfer(m, INIT, 0, 0, img, 100), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(part(m, INIT, 9 /* ignored */, 0, img, 256), CXLEMU_MBOX_SUCCESS);
	/* One transfer at a time. */
	assert_int_equal(xfer(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS);
	assert_int_equal(xfer(m, FULL, 2, 0, img, 128), CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS);
	/* Out of order: a gap, an overlap, a shorter repeat. */
	assert_int_equal(xfer(m, CONT, 0, 3, img + 384, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(xfer(m, CONT, 0, 1, img + 128, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(xfer(m, CONT, 0, 0, img, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(xfer(m, END, 2, 1, img + 128, 10), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	/* Continue in whole units only. */
	assert_int_equal(xfer(m, CONT, 0, 2, img + 256, 100), CXLEMU_MBOX_INVALID_INPUT);
	/* A part wrong the first time, sent again (back-to-back). */
	img[300] ^= 0xff;
	assert_int_equal(part(m, CONT, 0, 2, img + 256, 128), CXLEMU_MBOX_SUCCESS);
	img[300] ^= 0xff;
	assert_int_equal(part(m, CONT, 0, 2, img + 256, 128), CXLEMU_MBOX_SUCCESS);
	/* End: slot rules, then the last 50 bytes into slot 3. */
	assert_int_equal(xfer(m, END, 0, 3, img + 384, 50), CXLEMU_MBOX_INVALID_SLOT);
	assert_int_equal(xfer(m, END, 1, 3, img + 384, 50), CXLEMU_MBOX_INVALID_SLOT);
	assert_int_equal(xfer(m, END, 5, 3, img + 384, 50), CXLEMU_MBOX_INVALID_SLOT);
	expect_rev(m, 3, "");
	assert_int_equal(part(m, END, 3, 3, img + 384, 50), CXLEMU_MBOX_SUCCESS);
	img_rev(img, 434, rev);
	expect_rev(m, 3, rev);
	/* The transfer is over. */
	assert_int_equal(xfer(m, END, 3, 3, img + 384, 50), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	mb_free(m);
}

static void test_size_limit(void **state)
{
	struct mb *m = mb_new();
	uint8_t img[256] = { 1 };

	(void)state;
	assert_int_equal(part(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_SUCCESS);
	/* Past the 32 MiB limit: Invalid Input, before any order check. */
	assert_int_equal(xfer(m, CONT, 0, MAX_SIZE / 128, img, 128), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(xfer(m, CONT, 0, MAX_SIZE / 128 - 1, img, 256), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(xfer(m, END, 2, UINT32_MAX, img, 1), CXLEMU_MBOX_INVALID_INPUT);
	/* Up to the limit is only out of order. */
	assert_int_equal(xfer(m, CONT, 0, MAX_SIZE / 128 - 1, img, 128),
			 CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	/* None of that disturbed the transfer. */
	assert_int_equal(part(m, END, 2, 1, img, 1), CXLEMU_MBOX_SUCCESS);
	mb_free(m);
}

static void test_abort(void **state)
{
	struct mb *m = mb_new();
	uint8_t img[256] = { 0 };
	unsigned int run, pct, op, rc;

	(void)state;
	/* Abort with nothing under way. */
	assert_int_equal(xfer(m, ABORT, 0, 0, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(part(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(xfer(m, ABORT, 0, 0, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(xfer(m, CONT, 0, 1, img, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	/* Start again from the beginning. */
	assert_int_equal(part(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_SUCCESS);
	/* Request Abort Background Operation on a running part aborts the
	 * whole package. */
	assert_int_equal(xfer(m, CONT, 0, 1, img, 128), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(mb_run(m, 0x0005, NULL, 0), CXLEMU_MBOX_SUCCESS);
	bg(m, &run, &pct, &op, &rc);
	assert_int_equal(run, 0);
	assert_int_equal(op, OP_XFER);
	assert_int_equal(rc, CXLEMU_MBOX_ABORTED);
	assert_int_equal(xfer(m, CONT, 0, 1, img, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(xfer(m, END, 2, 2, img, 1), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	/* An aborted Full transfer stores nothing. */
	assert_int_equal(xfer(m, FULL, 2, 0, img, 200), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(mb_run(m, 0x0005, NULL, 0), CXLEMU_MBOX_SUCCESS);
	expect_rev(m, 2, "");
	mb_free(m);
}

static void test_timeout(void **state)
{
	struct mb *m = mb_new();
	uint8_t img[256] = { 0 };

	(void)state;
	assert_int_equal(part(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_SUCCESS);
	mb_advance(m, UINT64_C(30) * 1000 * MS);
	assert_int_equal(part(m, CONT, 0, 1, img, 128), CXLEMU_MBOX_SUCCESS);
	mb_advance(m, UINT64_C(30) * 1000 * MS + 1);
	assert_int_equal(xfer(m, CONT, 0, 2, img, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	/* Timed out: a new transfer may start. */
	assert_int_equal(part(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_SUCCESS);
	mb_free(m);
}

static void test_verification(void **state)
{
	struct mb *m = mb_new();
	static uint8_t p[600];
	size_t n;

	(void)state;
	n = mk_pkg(p, 600, 0, "v2.0-test");
	/* Corruptions: body CRC, length, reserved, flags, revision. */
	p[500] ^= 1;
	assert_int_equal(xfer(m, FULL, 2, 0, p, n), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	p[500] ^= 1;
	p[8] ^= 1;
	assert_int_equal(xfer(m, FULL, 2, 0, p, n), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	p[8] ^= 1;
	p[0x1f] = 1;
	assert_int_equal(xfer(m, FULL, 2, 0, p, n), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	p[0x1f] = 0;
	p[0x10] = 4;
	assert_int_equal(xfer(m, FULL, 2, 0, p, n), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	p[0x10] = 0;
	p[0x21] = 0x07;
	assert_int_equal(xfer(m, FULL, 2, 0, p, n), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	p[0x21] = '2';
	p[0x2f] = 'x'; /* text after the NUL padding started */
	assert_int_equal(xfer(m, FULL, 2, 0, p, n), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	p[0x2f] = 0;
	p[0x20] = 0; /* empty revision */
	assert_int_equal(xfer(m, FULL, 2, 0, p, n), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	p[0x20] = 'v';
	/* A package that is only part of a header. */
	assert_int_equal(xfer(m, FULL, 2, 0, p, 0x20), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	/* A transfer in parts whose End fails verification keeps going; End
	 * is sent again with the right bytes. */
	assert_int_equal(part(m, INIT, 0, 0, p, 256), CXLEMU_MBOX_SUCCESS);
	p[599] ^= 1;
	assert_int_equal(xfer(m, END, 2, 2, p + 256, n - 256), CXLEMU_MBOX_FW_VERIFICATION_FAILED);
	p[599] ^= 1;
	expect_rev(m, 2, "");
	assert_int_equal(part(m, END, 2, 2, p + 256, n - 256), CXLEMU_MBOX_SUCCESS);
	expect_rev(m, 2, "v2.0-test");
	mb_free(m);
}

static void activate(struct mb *m, unsigned int action, unsigned int slot, int want)
{
	uint8_t a[2] = { (uint8_t)action, (uint8_t)slot };

	assert_int_equal(mb_run(m, OP_ACT, a, 2), want);
	assert_int_equal(m->out_len, 0);
}

static void test_activate(void **state)
{
	struct mb *m = mb_new();
	static uint8_t p[400];
	uint8_t a[3] = { 0 };

	(void)state;
	/* Empty, out of range, running slots; bad action. */
	activate(m, 0, 2, CXLEMU_MBOX_INVALID_SLOT);
	activate(m, 1, 2, CXLEMU_MBOX_INVALID_SLOT);
	activate(m, 0, 0, CXLEMU_MBOX_INVALID_SLOT);
	activate(m, 0, 5, CXLEMU_MBOX_INVALID_SLOT);
	activate(m, 0, 1, CXLEMU_MBOX_INVALID_SLOT);
	mk_pkg(p, 400, 0, "rev-two");
	assert_int_equal(part(m, FULL, 2, 0, p, 400), CXLEMU_MBOX_SUCCESS);
	activate(m, 2, 2, CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, OP_ACT, a, 3), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, OP_ACT, a, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	info(m);
	assert_int_equal(m->out[1], 0x01);
	/* Online: slot 2 runs now; Identify Memory Device follows. */
	activate(m, 0, 2, CXLEMU_MBOX_SUCCESS);
	info(m);
	assert_int_equal(m->out[1], 0x02);
	assert_int_equal(mb_run(m, 0x4000, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(m->out, "rev-two\0\0\0\0\0\0\0\0\0", 16);
	/* The running slot cannot be written or activated again. */
	assert_int_equal(xfer(m, FULL, 2, 0, p, 400), CXLEMU_MBOX_INVALID_SLOT);
	activate(m, 0, 2, CXLEMU_MBOX_INVALID_SLOT);
	/* At the next cold reset: staged until then. */
	activate(m, 1, 1, CXLEMU_MBOX_SUCCESS);
	info(m);
	assert_int_equal(m->out[1], 0x02 | 1 << 3);
	cxlemu_memdev_reset(m->md);
	info(m);
	assert_int_equal(m->out[1], 0x01);
	assert_int_equal(mb_run(m, 0x4000, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(m->out, "cxlemu fw 1.0\0\0\0", 16);
	/* A reset with nothing staged changes nothing. */
	cxlemu_memdev_reset(m->md);
	info(m);
	assert_int_equal(m->out[1], 0x01);
	/* Online activation of the staged slot clears the staging. */
	activate(m, 1, 2, CXLEMU_MBOX_SUCCESS);
	activate(m, 0, 2, CXLEMU_MBOX_SUCCESS);
	info(m);
	assert_int_equal(m->out[1], 0x02);
	mb_free(m);
}

static void test_activation_failures(void **state)
{
	struct mb *m = mb_new();
	static uint8_t p[300];

	(void)state;
	mk_pkg(p, 300, 1, "rolls-back");
	assert_int_equal(part(m, FULL, 2, 0, p, 300), CXLEMU_MBOX_SUCCESS);
	mk_pkg(p, 300, 2, "needs-reset");
	assert_int_equal(part(m, FULL, 3, 0, p, 300), CXLEMU_MBOX_SUCCESS);
	activate(m, 0, 2, CXLEMU_MBOX_ACTIVATION_FAILED_ROLLED_BACK);
	activate(m, 0, 3, CXLEMU_MBOX_ACTIVATION_FAILED_COLD_RESET);
	info(m);
	assert_int_equal(m->out[1], 0x01);
	/* Activation at a cold reset works. */
	activate(m, 1, 3, CXLEMU_MBOX_SUCCESS);
	cxlemu_memdev_reset(m->md);
	info(m);
	assert_int_equal(m->out[1], 0x03);
	mb_free(m);
}

/* A reset aborts a transfer started on the mailbox, even mid-part. */
static void test_reset_aborts(void **state)
{
	struct mb *m = mb_new();
	uint8_t img[256] = { 0 };
	unsigned int run, pct, op, rc;

	(void)state;
	assert_int_equal(part(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_SUCCESS);
	cxlemu_memdev_reset(m->md);
	assert_int_equal(xfer(m, CONT, 0, 1, img, 128), CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER);
	assert_int_equal(xfer(m, FULL, 2, 0, img, 256), CXLEMU_MBOX_BG_STARTED);
	cxlemu_memdev_reset(m->md);
	mb_advance(m, part_ns(256));
	bg(m, &run, &pct, &op, &rc);
	assert_int_equal(rc, CXLEMU_MBOX_ABORTED);
	expect_rev(m, 2, "");
	mb_free(m);
}

/* Another CCI of the device (its MCTP endpoint) sees the same slots and
 * waits for the mailbox's transfer. */
static void test_two_ccis(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_cci_config c = m->ccfg;
	struct cxlemu_cci *mctp;
	uint8_t img[256] = { 5 }, req[0x80 + 128] = { 0 }, out[256];
	size_t len;

	(void)state;
	c.kind = CXLEMU_CCI_MCTP;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &mctp), 0);
	assert_int_equal(part(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_SUCCESS);
	req[0] = INIT;
	assert_int_equal(cxlemu_cci_execute(mctp, OP_XFER, req, sizeof(req), out, 256, &len),
			 CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS);
	req[0] = ABORT;
	assert_int_equal(cxlemu_cci_execute(mctp, OP_XFER, req, 0x80, out, 256, &len),
			 CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS);
	/* While a mailbox part runs, the other CCI is told so as well. */
	assert_int_equal(xfer(m, CONT, 0, 1, img, 128), CXLEMU_MBOX_BG_STARTED);
	req[0] = CONT;
	req[4] = 2;
	assert_int_equal(cxlemu_cci_execute(mctp, OP_XFER, req, sizeof(req), out, 256, &len),
			 CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS);
	mb_advance(m, part_ns(128));
	assert_int_equal(part(m, END, 4, 2, img, 10), CXLEMU_MBOX_SUCCESS);
	/* Slot 4 is filled for both. */
	assert_int_equal(cxlemu_cci_execute(mctp, OP_INFO, NULL, 0, out, 256, &len),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(out[0x40], 'i');
	/* A transfer whose CCI goes away is aborted. */
	assert_int_equal(part(m, INIT, 0, 0, img, 128), CXLEMU_MBOX_SUCCESS);
	cxlemu_cci_free(m->cci);
	m->cci = NULL;
	req[0] = INIT;
	req[4] = 0;
	assert_int_equal(cxlemu_cci_execute(mctp, OP_XFER, req, sizeof(req), out, 256, &len),
			 CXLEMU_MBOX_BG_STARTED);
	/* MCTP transfers survive a reset (only a mailbox's are aborted). */
	cxlemu_memdev_reset(m->md);
	m->now += part_ns(128);
	cxlemu_cci_poll(mctp);
	req[0] = END;
	req[1] = 2;
	req[4] = 1;
	assert_int_equal(cxlemu_cci_execute(mctp, OP_XFER, req, 0x80 + 1, out, 256, &len),
			 CXLEMU_MBOX_BG_STARTED);
	cxlemu_cci_free(mctp);
	mb_free(m);
}

/* What Linux's firmware upload does: Get FW Info, the next slot after the
 * running one, Initiate/Continue/End in payload-sized slices polled to
 * completion, then Activate at the next cold reset. */
static void test_linux_upload(void **state)
{
	struct mb *m = mb_new();
	static uint8_t img[10000];
	size_t off = 0, chunk = 4096 - 128;
	unsigned int cur, nslots, next;
	char rev[17];

	(void)state;
	fill(img, sizeof(img), 99);
	info(m);
	nslots = m->out[0];
	cur = m->out[1] & 7;
	next = cur % nslots + 1;
	while (off < sizeof(img)) {
		size_t n = sizeof(img) - off < chunk ? sizeof(img) - off : chunk;
		unsigned int action = off == 0 ? INIT : off + n == sizeof(img) ? END : CONT;

		assert_int_equal(part(m, action, action == END ? next : 0, (uint32_t)(off / 128),
				      img + off, n),
				 CXLEMU_MBOX_SUCCESS);
		off += n;
	}
	activate(m, 1, next, CXLEMU_MBOX_SUCCESS);
	cxlemu_memdev_reset(m->md);
	img_rev(img, sizeof(img), rev);
	expect_rev(m, next, rev);
	assert_int_equal(m->out[1], next);
	mb_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_no_memdev),
		cmocka_unit_test(test_full_transfer),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_verification),
		cmocka_unit_test(test_activate),
		cmocka_unit_test(test_activation_failures),
		cmocka_unit_test(test_reset_aborts),
		cmocka_unit_test(test_two_ccis),
		cmocka_unit_test(test_linux_upload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
