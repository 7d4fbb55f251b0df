/* SPDX-License-Identifier: MIT */
/* Poison tracking and the Media and Poison Management commands (4300h to
 * 4305h), against a reference model where it matters. */
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

#define LINE 64u
#define MIB (UINT64_C(1) << 20)
/* The fixture's device: 1.25 GiB static capacity, a 256 MiB DC region at
 * 2 GiB. */
#define STATIC_END (UINT64_C(0x50000000))
#define DC_BASE (UINT64_C(0x80000000))
#define DPA_END (UINT64_C(0x90000000))
#define HDR 0x20u
#define SCAN_NS_PER_LINE 16u

/* A fixture whose host records Clear Poison writes. */
struct fx {
	struct mb m; /* first: the fixture's callbacks get this pointer */
	unsigned int writes;
	uint64_t wdpa;
	size_t wlen;
	uint8_t wbuf[64];
	int write_rc;
};

static int fx_write(void *opaque, uint64_t dpa, const void *buf, size_t len)
{
	struct fx *f = opaque;

	f->writes++;
	f->wdpa = dpa;
	f->wlen = len;
	memcpy(f->wbuf, buf, len < 64 ? len : 64);
	return f->write_rc;
}

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	mb_default_config(&f->m);
	f->m.mcfg.host.media_write = fx_write;
	mb_start(&f->m);
	return f;
}

static int run_cap(struct mb *m, uint16_t op, const void *in, size_t in_len, size_t cap)
{
	int rc = cxlemu_cci_execute(m->cci, op, in, in_len, m->out, cap, &m->out_len);

	assert_true(rc >= 0);
	return rc;
}

static int gpl_cap(struct mb *m, uint64_t start, uint64_t units, size_t cap)
{
	uint8_t in[16];

	for (unsigned int i = 0; i < 8; i++) {
		in[i] = (uint8_t)(start >> (8 * i));
		in[8 + i] = (uint8_t)(units >> (8 * i));
	}
	return run_cap(m, 0x4300, in, sizeof(in), cap);
}

static int gpl(struct mb *m, uint64_t start, uint64_t units)
{
	return gpl_cap(m, start, units, sizeof(m->out));
}

static void le_put(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int inject(struct mb *m, uint64_t dpa)
{
	uint8_t in[8];

	le_put(in, dpa, 8);
	return mb_run(m, 0x4301, in, sizeof(in));
}

static int clear(struct mb *m, uint64_t dpa, uint8_t fill)
{
	uint8_t in[72];

	le_put(in, dpa, 8);
	memset(in + 8, fill, 64);
	return mb_run(m, 0x4302, in, sizeof(in));
}

/* Record @i of a list or results response. */
static void rec(const struct mb *m, size_t i, uint64_t *dpa, unsigned int *src, uint64_t *len)
{
	const uint8_t *r = m->out + HDR + 16 * i;

	*dpa = test_le(r, 8) & ~UINT64_C(0x3f);
	*src = (unsigned int)(test_le(r, 8) & 7);
	*len = test_le(r + 8, 4) * LINE;
	assert_int_equal(r[0] & 0x38, 0);      /* reserved address bits */
	assert_int_equal(test_le(r + 12, 4), 0); /* reserved */
}

static void expect_rec(const struct mb *m, size_t i, uint64_t dpa, unsigned int src,
		       uint64_t len)
{
	uint64_t d, l;
	unsigned int s;

	rec(m, i, &d, &s, &l);
	assert_int_equal(d, dpa);
	assert_int_equal(s, src);
	assert_int_equal(l, len);
}

static unsigned int list_count(const struct mb *m)
{
	return (unsigned int)test_le(m->out + 0x0a, 2);
}

static void expect_reserved_zero(const struct mb *m)
{
	for (unsigned int i = 0x0c; i < HDR; i++)
		assert_int_equal(m->out[i], 0);
	assert_int_equal(m->out[1], 0);
}

static void test_get_poison_list(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[17] = { 0 };

	(void)state;
	/* Empty: a 0x20-byte header of zeroes. */
	memset(m->out, 0xee, sizeof(m->out));
	assert_int_equal(gpl(m, 0, DPA_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, HDR);
	for (unsigned int i = 0; i < HDR; i++)
		assert_int_equal(m->out[i], 0);
	/* One injected line: DPA | source 3, one 64-byte unit. */
	assert_int_equal(inject(m, 0x1000), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(gpl(m, 0, DPA_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, HDR + 16);
	assert_int_equal(m->out[0], 0);
	assert_int_equal(test_le(m->out + 2, 8), 0);
	assert_int_equal(list_count(m), 1);
	expect_reserved_zero(m);
	assert_int_equal(test_le(m->out + HDR, 8), 0x1003);
	assert_int_equal(test_le(m->out + HDR + 8, 4), 1);
	assert_int_equal(test_le(m->out + HDR + 12, 4), 0);
	/* Records are clipped to the range asked for. */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x10000, 0x1000, CXLEMU_POISON_EXTERNAL), 0);
	assert_int_equal(gpl(m, 0x10800, 0x10), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 1);
	expect_rec(m, 0, 0x10800, CXLEMU_POISON_EXTERNAL, 0x400);
	assert_int_equal(gpl(m, 0x0, 0x1000 / LINE + 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 1);
	expect_rec(m, 0, 0x1000, CXLEMU_POISON_INJECTED, 64);
	assert_int_equal(gpl(m, 0x0, 0x1000 / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 0);
	/* Poison in the DC region is listed too; whole DPA space accepted. */
	assert_int_equal(inject(m, DC_BASE + 0x40), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(gpl(m, 0, DPA_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 3);
	expect_rec(m, 0, 0x1000, CXLEMU_POISON_INJECTED, 64);
	expect_rec(m, 1, 0x10000, CXLEMU_POISON_EXTERNAL, 0x1000);
	expect_rec(m, 2, DC_BASE + 0x40, CXLEMU_POISON_INJECTED, 64);
	/* Bad ranges: unaligned (bits 5:0 reserved), empty, past the DPA
	 * space, length overflowing. */
	assert_int_equal(gpl(m, 0x1001, 1), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(gpl(m, 0x1020, 1), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(gpl(m, 0x1000, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(gpl(m, 0, DPA_END / LINE + 1), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(gpl(m, DPA_END, 1), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(gpl(m, DPA_END - LINE, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(gpl(m, LINE, UINT64_MAX), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(gpl(m, UINT64_MAX & ~UINT64_C(0x3f), 1), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(gpl(m, DPA_END - LINE, 1), CXLEMU_MBOX_SUCCESS);
	/* Payload length is exactly 16. */
	assert_int_equal(mb_run(m, 0x4300, in, 15), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4300, in, 17), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4300, NULL, 0), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	mb_free(m);
}

/* More Media Error Records: the same request continues; another range or
 * another CCI starts over. */
static void test_poison_list_more(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_cci_config c = m->ccfg;
	struct cxlemu_cci *mctp;
	size_t cap = HDR + 3 * 16, len;
	uint8_t in[16], out[4096];
	unsigned int i;

	(void)state;
	for (i = 0; i < 10; i++)
		assert_int_equal(inject(m, 0x2000 + 0x100 * i), CXLEMU_MBOX_SUCCESS);
	for (i = 0; i < 4; i++) {
		assert_int_equal(gpl_cap(m, 0, STATIC_END / LINE, cap), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(list_count(m), i < 3 ? 3 : 1);
		assert_int_equal(m->out[0], i < 3 ? 1 : 0);
		assert_int_equal(m->out_len, HDR + 16 * (i < 3 ? 3 : 1));
		for (unsigned int k = 0; k < list_count(m); k++)
			expect_rec(m, k, 0x2000 + 0x100 * (3 * i + k), CXLEMU_POISON_INJECTED, 64);
	}
	/* Done: the same request starts again from the beginning. */
	assert_int_equal(gpl_cap(m, 0, STATIC_END / LINE, cap), CXLEMU_MBOX_SUCCESS);
	expect_rec(m, 0, 0x2000, CXLEMU_POISON_INJECTED, 64);
	assert_int_equal(m->out[0], 1);
	/* A different range starts over. */
	assert_int_equal(gpl_cap(m, 0, STATIC_END / LINE - 1, cap), CXLEMU_MBOX_SUCCESS);
	expect_rec(m, 0, 0x2000, CXLEMU_POISON_INJECTED, 64);
	/* Another CCI of the device starts over too (one continuation per
	 * device: it belongs to the last requester). */
	assert_int_equal(gpl_cap(m, 0, STATIC_END / LINE, cap), CXLEMU_MBOX_SUCCESS);
	c.kind = CXLEMU_CCI_MCTP;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &mctp), 0);
	le_put(in, 0, 8);
	le_put(in + 8, STATIC_END / LINE, 8);
	assert_int_equal(cxlemu_cci_execute(mctp, 0x4300, in, 16, out, cap, &len),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out + HDR, 8), 0x2003);
	/* A response too small for any record: More set, nothing lost. */
	assert_int_equal(gpl_cap(m, 0, STATIC_END / LINE, HDR + 15), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 1);
	assert_int_equal(list_count(m), 0);
	assert_int_equal(gpl_cap(m, 0, STATIC_END / LINE, HDR + 16), CXLEMU_MBOX_SUCCESS);
	expect_rec(m, 0, 0x2000, CXLEMU_POISON_INJECTED, 64);
	/* Smaller than the header: nothing sensible to answer. */
	assert_int_equal(gpl_cap(m, 0, STATIC_END / LINE, HDR - 1), CXLEMU_MBOX_INTERNAL_ERROR);
	cxlemu_cci_free(mctp);
	mb_free(m);
}

static void test_inject_poison(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[9] = { 0 };
	unsigned int i;

	(void)state;
	/* Address checks: Invalid Physical Address. */
	assert_int_equal(inject(m, 0x1008), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(inject(m, STATIC_END), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(inject(m, DC_BASE - LINE), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(inject(m, DPA_END), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(inject(m, UINT64_MAX & ~UINT64_C(0x3f)), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(mb_run(m, 0x4301, in, 7), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4301, in, 9), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_false(cxlemu_memdev_poisoned(m->md, 0, DPA_END));
	/* Edges of the capacity. */
	assert_int_equal(inject(m, STATIC_END - LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(inject(m, DPA_END - LINE), CXLEMU_MBOX_SUCCESS);
	assert_true(cxlemu_memdev_poisoned(m->md, STATIC_END - 1, 1));
	assert_true(cxlemu_memdev_poisoned(m->md, DPA_END - LINE, LINE));
	/* Injecting again changes nothing, even at the limit. */
	assert_int_equal(inject(m, DPA_END - LINE), CXLEMU_MBOX_SUCCESS);
	/* The limit counts separate injected ranges: 62 more apart. */
	for (i = 0; i < 62; i++)
		assert_int_equal(inject(m, 0x100000 + 0x1000 * i), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(inject(m, 0x200000), CXLEMU_MBOX_INJECT_POISON_LIMIT);
	assert_false(cxlemu_memdev_poisoned(m->md, 0x200000, LINE));
	assert_int_equal(inject(m, 0x100000), CXLEMU_MBOX_SUCCESS);
	/* A line next to an injected range extends it: allowed. */
	assert_int_equal(inject(m, 0x100040), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(inject(m, 0x100000 - LINE), CXLEMU_MBOX_SUCCESS);
	/* Bridging two injected ranges merges them. */
	for (i = 0x100080; i < 0x101000; i += LINE)
		assert_int_equal(inject(m, i), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(gpl(m, 0x100000 - LINE, 0x2000 / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 1);
	expect_rec(m, 0, 0x100000 - LINE, CXLEMU_POISON_INJECTED, 0x1000 + 2 * LINE);
	/* One injected range fewer: room for one more. */
	assert_int_equal(inject(m, 0x200000), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(inject(m, 0x300000), CXLEMU_MBOX_INJECT_POISON_LIMIT);
	/* Other sources do not count against it. */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x400000, LINE, CXLEMU_POISON_INTERNAL), 0);
	assert_int_equal(inject(m, 0x300000), CXLEMU_MBOX_INJECT_POISON_LIMIT);
	/* A line already poisoned by another source stays as it is. */
	assert_int_equal(inject(m, 0x400000), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(gpl(m, 0x400000, 1), CXLEMU_MBOX_SUCCESS);
	expect_rec(m, 0, 0x400000, CXLEMU_POISON_INTERNAL, LINE);
	/* Clearing one frees a place. */
	assert_int_equal(clear(m, 0x200000, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(inject(m, 0x300000), CXLEMU_MBOX_SUCCESS);
	mb_free(m);
}

static void test_clear_poison(void **state)
{
	struct fx *f = fx_new();
	struct mb *m = &f->m;
	uint8_t in[73] = { 0 };
	unsigned int i;

	(void)state;
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x10000, 4 * LINE, CXLEMU_POISON_VENDOR), 0);
	/* Clear the second line: the range splits, the data is written. */
	assert_int_equal(clear(m, 0x10040, 0xa5), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(f->writes, 1);
	assert_int_equal(f->wdpa, 0x10040);
	assert_int_equal(f->wlen, 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(f->wbuf[i], 0xa5);
	assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 2);
	expect_rec(m, 0, 0x10000, CXLEMU_POISON_VENDOR, LINE);
	expect_rec(m, 1, 0x10080, CXLEMU_POISON_VENDOR, 2 * LINE);
	assert_false(cxlemu_memdev_poisoned(m->md, 0x10040, LINE));
	assert_true(cxlemu_memdev_poisoned(m->md, 0x10000, 0x41));
	/* A line that is not poisoned: written, nothing else. */
	assert_int_equal(clear(m, 0x20000, 0x11), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->writes, 2);
	assert_int_equal(f->wdpa, 0x20000);
	/* Bad addresses: Invalid Physical Address, nothing written. */
	assert_int_equal(clear(m, 0x10004, 0), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(clear(m, STATIC_END, 0), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(clear(m, DPA_END, 0), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(mb_run(m, 0x4302, in, 71), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4302, in, 73), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4302, in, 8), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(f->writes, 2);
	/* The host's write fails: Internal Error, the poison stays. */
	f->write_rc = -EIO;
	assert_int_equal(clear(m, 0x10000, 0), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_true(cxlemu_memdev_poisoned(m->md, 0x10000, LINE));
	f->write_rc = 0;
	assert_int_equal(clear(m, 0x10000, 0), CXLEMU_MBOX_SUCCESS);
	assert_false(cxlemu_memdev_poisoned(m->md, 0x10000, LINE));
	/* The end lines of a range. */
	assert_int_equal(clear(m, 0x100c0, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 1);
	expect_rec(m, 0, 0x10080, CXLEMU_POISON_VENDOR, LINE);
	mb_free(m);

	/* Without a write callback, the poison is still cleared. */
	m = mb_new();
	assert_int_equal(inject(m, 0x40), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(clear(m, 0x40, 0), CXLEMU_MBOX_SUCCESS);
	assert_false(cxlemu_memdev_poisoned(m->md, 0, DPA_END));
	mb_free(m);
}

static void test_host_poison_api(void **state)
{
	struct mb *m = mb_new();
	uint64_t first = 0;

	(void)state;
#define BAD_ADD(d, l, s) assert_int_equal(cxlemu_memdev_add_poison(m->md, d, l, s), -EINVAL)
	BAD_ADD(0x20, 64, CXLEMU_POISON_EXTERNAL);
	BAD_ADD(0x40, 32, CXLEMU_POISON_EXTERNAL);
	BAD_ADD(0x40, 0, CXLEMU_POISON_EXTERNAL);
	BAD_ADD(STATIC_END - 64, 128, CXLEMU_POISON_EXTERNAL);
	BAD_ADD(STATIC_END, 64, CXLEMU_POISON_EXTERNAL);
	BAD_ADD(DPA_END - 64, 128, CXLEMU_POISON_EXTERNAL);
	BAD_ADD(UINT64_MAX & ~UINT64_C(63), 64, CXLEMU_POISON_EXTERNAL);
	BAD_ADD(64, UINT64_MAX & ~UINT64_C(63), CXLEMU_POISON_EXTERNAL);
	BAD_ADD(0x40, 64, 4);
	BAD_ADD(0x40, 64, 5);
	BAD_ADD(0x40, 64, 6);
	BAD_ADD(0x40, 64, 8);
#undef BAD_ADD
	assert_int_equal(cxlemu_memdev_add_poison(NULL, 0, 64, CXLEMU_POISON_EXTERNAL), -EINVAL);
	assert_int_equal(cxlemu_memdev_clear_poison(NULL, 0, 64), -EINVAL);
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, 0x20, 64), -EINVAL);
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, 0, 0), -EINVAL);
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, STATIC_END, 64), -EINVAL);
	assert_false(cxlemu_memdev_poisoned(m->md, 0, UINT64_MAX));
	/* Whole static capacity and a whole DC region are fine. */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0, STATIC_END, CXLEMU_POISON_UNKNOWN), 0);
	assert_int_equal(cxlemu_memdev_add_poison(m->md, DC_BASE, DPA_END - DC_BASE,
						  CXLEMU_POISON_EXTERNAL), 0);
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, 0, STATIC_END), 0);
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, DC_BASE, 0x1000), 0);
	/* Queries. */
	assert_false(cxlemu_memdev_poisoned(m->md, DC_BASE, 0x1000));
	assert_true(cxlemu_memdev_poisoned(m->md, DC_BASE, 0x1001));
	assert_false(cxlemu_memdev_poisoned(m->md, DC_BASE + 0x1000, 0));
	assert_false(cxlemu_memdev_poisoned(NULL, 0, 64));
	assert_int_equal(cxlemu_memdev_first_poison(m->md, 0, UINT64_MAX, &first), 0);
	assert_int_equal(first, DC_BASE + 0x1000);
	assert_int_equal(cxlemu_memdev_first_poison(m->md, DC_BASE + 0x1234, 8, &first), 0);
	assert_int_equal(first, DC_BASE + 0x1234);
	assert_int_equal(cxlemu_memdev_first_poison(m->md, 0, DC_BASE + 0x1000, &first), -ENOENT);
	assert_int_equal(cxlemu_memdev_first_poison(m->md, DPA_END, 64, &first), -ENOENT);
	assert_int_equal(cxlemu_memdev_first_poison(m->md, 0, 0, &first), -ENOENT);
	assert_int_equal(cxlemu_memdev_first_poison(m->md, 0, 64, NULL), -EINVAL);
	assert_int_equal(cxlemu_memdev_first_poison(NULL, 0, 64, &first), -EINVAL);
	/* Poison over poison of another source takes the new source. */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, DC_BASE + 0x2000, 0x40,
						  CXLEMU_POISON_VENDOR), 0);
	assert_int_equal(gpl(m, DC_BASE, 0x4000 / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 3);
	expect_rec(m, 0, DC_BASE + 0x1000, CXLEMU_POISON_EXTERNAL, 0x1000);
	expect_rec(m, 1, DC_BASE + 0x2000, CXLEMU_POISON_VENDOR, 0x40);
	expect_rec(m, 2, DC_BASE + 0x2040, CXLEMU_POISON_EXTERNAL, 0x1fc0);
	mb_free(m);
}

/* Reference model: one source byte per line of a window, 0xff clean. */
#define WIN_LINES 2048u
#define NONE 0xffu

struct model {
	uint8_t src[WIN_LINES];
};

static void model_set(struct model *md, uint64_t first, uint64_t n, uint8_t s)
{
	memset(md->src + first, s, n);
}

/* Compares the query API line by line and the listed records with the
 * model's maximal runs of one source. */
static void check_model(struct mb *m, const struct model *md, uint64_t base)
{
	unsigned int runs = 0, got = 0, rounds = 0;
	uint64_t i, first;
	int rc;

	for (i = 0; i < WIN_LINES; i++) {
		assert_int_equal(cxlemu_memdev_poisoned(m->md, base + i * LINE, LINE),
				 md->src[i] != NONE);
		if (md->src[i] != NONE && (i == 0 || md->src[i - 1] != md->src[i]))
			runs++;
	}
	/* First poison from a few places. */
	for (i = 0; i < WIN_LINES; i += 97) {
		uint64_t k = i;

		while (k < WIN_LINES && md->src[k] == NONE)
			k++;
		rc = cxlemu_memdev_first_poison(m->md, base + i * LINE, (WIN_LINES - i) * LINE,
						&first);
		if (k == WIN_LINES) {
			assert_int_equal(rc, -ENOENT);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(first, base + k * LINE);
		}
	}
	/* The list, in pieces of at most 7 records. */
	do {
		assert_int_equal(gpl_cap(m, base, WIN_LINES, HDR + 7 * 16), CXLEMU_MBOX_SUCCESS);
		for (unsigned int r = 0; r < list_count(m); r++) {
			uint64_t d, l, k;
			unsigned int s;

			rec(m, r, &d, &s, &l);
			/* Each record is one maximal run of the model. */
			k = (d - base) / LINE;
			assert_true(l > 0);
			assert_int_equal(md->src[k], s);
			assert_true(k == 0 || md->src[k - 1] != s);
			for (uint64_t j = 0; j < l / LINE; j++)
				assert_int_equal(md->src[k + j], s);
			assert_true(k + l / LINE == WIN_LINES || md->src[k + l / LINE] != s);
			got++;
		}
		assert_true(++rounds < 1000);
	} while (m->out[0] & 1);
	if (!(m->out[0] & 2))
		assert_int_equal(got, runs);
	else
		assert_true(got <= runs && got >= 1);
}

static void test_random_model(void **state)
{
	uint64_t seed = test_seed(0x9015011);
	struct rng r = { seed };
	const uint64_t base = 0x4000000;
	struct model md;
	struct mb *m = mb_new();
	static const uint8_t srcs[] = { CXLEMU_POISON_UNKNOWN, CXLEMU_POISON_EXTERNAL,
					CXLEMU_POISON_INTERNAL, CXLEMU_POISON_INJECTED,
					CXLEMU_POISON_VENDOR };
	unsigned int step;

	(void)state;
	memset(md.src, NONE, sizeof(md.src));
	for (step = 0; step < 3000; step++) {
		uint64_t first = rng_below(&r, WIN_LINES);
		uint64_t n = 1 + rng_below(&r, rng_below(&r, 4) ? 8 : 200);
		unsigned int op = (unsigned int)rng_below(&r, 4);

		if (first + n > WIN_LINES)
			n = WIN_LINES - first;
		if (op == 0) {
			uint8_t s = srcs[rng_below(&r, sizeof(srcs))];

			assert_int_equal(cxlemu_memdev_add_poison(m->md, base + first * LINE,
								  n * LINE, s), 0);
			model_set(&md, first, n, s);
		} else if (op == 1) {
			assert_int_equal(cxlemu_memdev_clear_poison(m->md, base + first * LINE,
								    n * LINE), 0);
			model_set(&md, first, n, NONE);
		} else if (op == 2) {
			int rc = inject(m, base + first * LINE);

			if (rc == CXLEMU_MBOX_SUCCESS) {
				if (md.src[first] == NONE)
					md.src[first] = CXLEMU_POISON_INJECTED;
			} else {
				assert_int_equal(rc, CXLEMU_MBOX_INJECT_POISON_LIMIT);
				assert_int_equal(md.src[first], NONE);
			}
		} else {
			assert_int_equal(clear(m, base + first * LINE, 0), CXLEMU_MBOX_SUCCESS);
			md.src[first] = NONE;
		}
		if (step % 50 == 0)
			check_model(m, &md, base);
	}
	check_model(m, &md, base);
	/* Nothing leaked outside the window. */
	assert_false(cxlemu_memdev_poisoned(m->md, 0, base));
	assert_false(cxlemu_memdev_poisoned(m->md, base + WIN_LINES * LINE, DPA_END));
	mb_free(m);
}

static void set_timestamp(struct mb *m, uint64_t ts)
{
	uint8_t in[8];

	le_put(in, ts, 8);
	assert_int_equal(mb_run(m, 0x0301, in, 8), CXLEMU_MBOX_SUCCESS);
}

static void test_list_overflow(void **state)
{
	struct mb *m = mb_new();
	unsigned int i, got = 0;

	(void)state;
	m->now = 1000;
	set_timestamp(m, UINT64_C(5000000000));
	/* 256 separate ranges fill the list; the 257th overflows it. */
	for (i = 0; i < 256; i++)
		assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x100000 + 0x1000 * i, 0x80,
							  CXLEMU_POISON_EXTERNAL), 0);
	assert_int_equal(gpl(m, 0, STATIC_END / LINE - 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 1);       /* more, no overflow */
	assert_int_equal(list_count(m), 254); /* 4 KiB response */
	m->now = 2000;
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x50000, 0x40, CXLEMU_POISON_EXTERNAL), 0);
	m->now = 3000;
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x60000, 0x40, CXLEMU_POISON_EXTERNAL), 0);
	/* The poison exists for reads, and the list says it is incomplete:
	 * overflow flag, timestamp of the first overflow in the CCI's time. */
	assert_true(cxlemu_memdev_poisoned(m->md, 0x50000, 64));
	assert_true(cxlemu_memdev_poisoned(m->md, 0x60000, 64));
	do {
		assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(m->out[0] & 6, 2);
		assert_int_equal(test_le(m->out + 2, 8), UINT64_C(5000001000));
		for (unsigned int k = 0; k < list_count(m); k++) {
			uint64_t d, l;
			unsigned int s;

			rec(m, k, &d, &s, &l);
			assert_true(d >= 0x100000);
			got++;
		}
	} while (m->out[0] & 1);
	assert_int_equal(got, 256);
	/* Extending a listed range with the list full keeps it listed. */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x100080, 0x40, CXLEMU_POISON_EXTERNAL), 0);
	assert_int_equal(gpl(m, 0x100000, 4), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 1);
	expect_rec(m, 0, 0x100000, CXLEMU_POISON_EXTERNAL, 0xc0);
	/* Splitting a listed range with the list full: the tail is unlisted
	 * (but still poisoned). */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x101080, 0x80, CXLEMU_POISON_EXTERNAL), 0);
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, 0x101040, 0x40), 0);
	assert_true(cxlemu_memdev_poisoned(m->md, 0x101000, 0x40));
	assert_false(cxlemu_memdev_poisoned(m->md, 0x101040, 0x40));
	assert_true(cxlemu_memdev_poisoned(m->md, 0x101080, 0x80));
	assert_int_equal(gpl(m, 0x101000, 4), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(list_count(m), 1);
	expect_rec(m, 0, 0x101000, CXLEMU_POISON_EXTERNAL, 0x40);
	/* Without a timestamp set, the overflow timestamp reads 0. */
	mb_free(m);
	m = mb_new();
	for (i = 0; i < 257; i++)
		assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x1000 * i, 0x40,
							  CXLEMU_POISON_EXTERNAL), 0);
	assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 3);
	assert_int_equal(test_le(m->out + 2, 8), 0);
	mb_free(m);
}

/* Many separate ranges: the tracking limit refuses more, and nothing
 * changes. */
static void test_track_limit(void **state)
{
	struct mb *m = mb_new();
	uint64_t i;
	int rc = 0;

	(void)state;
	for (i = 0; i < 70000 && !rc; i++)
		rc = cxlemu_memdev_add_poison(m->md, i * 0x80, 0x40, CXLEMU_POISON_INTERNAL);
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(i - 1, 65535);
	assert_false(cxlemu_memdev_poisoned(m->md, (i - 1) * 0x80, 0x40));
	assert_true(cxlemu_memdev_poisoned(m->md, (i - 2) * 0x80, 0x40));
	assert_int_equal(inject(m, 0x40000000), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_false(cxlemu_memdev_poisoned(m->md, 0x40000000, 0x40));
	/* Clearing what needs no split always works. */
	assert_int_equal(clear(m, 0x40, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(clear(m, 0x80, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, 0x100, 0x40), 0);
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x10000000, 0xc0,
						  CXLEMU_POISON_INTERNAL), 0);
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x10001000, 0xc0,
						  CXLEMU_POISON_INTERNAL), 0);
	/* The last record splits one range; the next split is refused and
	 * the line stays poisoned. */
	assert_int_equal(clear(m, 0x10000040, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(clear(m, 0x10001040, 0), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, 0x10001040, 0x40), -ENOSPC);
	assert_true(cxlemu_memdev_poisoned(m->md, 0x10001040, 0x40));
	assert_int_equal(clear(m, 0x180, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(clear(m, 0x10001040, 0), CXLEMU_MBOX_SUCCESS);
	assert_false(cxlemu_memdev_poisoned(m->md, 0x10001040, 0x40));
	mb_free(m);
}

static void scan_in(uint8_t *in, uint64_t start, uint64_t units, uint8_t flags)
{
	le_put(in, start, 8);
	le_put(in + 8, units, 8);
	in[16] = flags;
}

static void test_scan_media_caps(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[17];

	(void)state;
	/* Whole static capacity: 20971520 lines at 16 ns = 335.5 ms -> 336. */
	scan_in(in, 0, STATIC_END / LINE, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 4);
	assert_int_equal(test_le(m->out, 4), 336);
	scan_in(in, 0x40, 1, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 4), 1);
	scan_in(in, DC_BASE, (DPA_END - DC_BASE) / LINE, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 4), 68); /* 4194304 lines: 67.1 ms */
	scan_in(in, 0x41, 1, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_INVALID_INPUT);
	scan_in(in, 0x40, 0, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_INVALID_INPUT);
	scan_in(in, DPA_END, 1, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	scan_in(in, 0x40, DPA_END / LINE, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	scan_in(in, 0x40, UINT64_MAX, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(mb_run(m, 0x4303, in, 15), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4303, in, 17), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	mb_free(m);
}

static uint64_t bg_status(struct mb *m)
{
	assert_int_equal(mb_run(m, 0x0002, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 8);
	return test_le(m->out, 8);
}

static void test_scan_media(void **state)
{
	struct mb *m = mb_new();
	const uint64_t start = 0x100000, len = MIB, dur = len / LINE * SCAN_NS_PER_LINE;
	uint8_t in[17];
	uint64_t st;

	(void)state;
	assert_int_equal(cxlemu_cci_reg_write(m->cci, 0x04, 4, 1u << 2), 0);
	assert_int_equal(inject(m, start - LINE), CXLEMU_MBOX_SUCCESS);      /* before */
	assert_int_equal(inject(m, start + 0x40), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_memdev_add_poison(m->md, start + len - 0x80, 0x100,
						  CXLEMU_POISON_EXTERNAL), 0); /* straddles end */
	assert_int_equal(inject(m, start + len + 0x1000), CXLEMU_MBOX_SUCCESS); /* after */
	/* Reserved flags; payload length. */
	scan_in(in, start, len / LINE, 2);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, 0x4304, in, 16), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4304, in, 18), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	scan_in(in, start + 8, len / LINE, 0);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_INVALID_INPUT);
	scan_in(in, start, 0, 0);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_INVALID_INPUT);
	scan_in(in, DPA_END - LINE, 2, 0);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(bg_status(m), 0); /* nothing started */
	/* Start. */
	m->now = 5000;
	scan_in(in, start, len / LINE, 0);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(m->scheduled, 5000 + dur);
	st = bg_status(m);
	assert_int_equal(st & 1, 1);
	assert_int_equal((st >> 1) & 0x7f, 0);
	assert_int_equal((st >> 16) & 0xffff, 0x4304);
	/* Meanwhile: Scan Media in Progress, results Busy, a second scan
	 * Busy. */
	assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 4);
	assert_int_equal(mb_run(m, 0x4305, NULL, 0), CXLEMU_MBOX_BUSY);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BUSY);
	mb_advance(m, dur / 4);
	assert_int_equal((bg_status(m) >> 1) & 0x7f, 25);
	mb_advance(m, dur / 2);
	assert_int_equal((bg_status(m) >> 1) & 0x7f, 75);
	assert_int_equal(m->irqs, 0);
	mb_advance(m, dur - dur / 4 - dur / 2 - 1);
	assert_int_equal(bg_status(m) & 1, 1);
	mb_advance(m, 1);
	assert_int_equal(m->irqs, 1);
	st = bg_status(m);
	assert_int_equal(st & 0xff, 100 << 1);
	assert_int_equal((st >> 16) & 0xffff, 0x4304);
	assert_int_equal((st >> 32) & 0xffff, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 0);
	/* Results: the poison inside the range, clipped, with sources. */
	memset(m->out, 0xee, sizeof(m->out));
	assert_int_equal(mb_run(m, 0x4305, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, HDR + 2 * 16);
	assert_int_equal(test_le(m->out, 8), 0);
	assert_int_equal(test_le(m->out + 8, 8), 0);
	assert_int_equal(m->out[0x10], 0);
	assert_int_equal(m->out[0x11], 0);
	assert_int_equal(test_le(m->out + 0x12, 2), 2);
	for (unsigned int i = 0x14; i < HDR; i++)
		assert_int_equal(m->out[i], 0);
	expect_rec(m, 0, start + 0x40, CXLEMU_POISON_INJECTED, LINE);
	expect_rec(m, 1, start + len - 0x80, CXLEMU_POISON_EXTERNAL, 0x80);
	/* Each record is returned once. */
	assert_int_equal(mb_run(m, 0x4305, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, HDR);
	assert_int_equal(test_le(m->out + 0x12, 2), 0);
	assert_int_equal(mb_run(m, 0x4305, in, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Without No Event Log each error found is a General Media record in
	 * the failure log: uncorrectable, Media ECC Error, Host Scan Media,
	 * the first line of the range, volatile (static capacity starts with
	 * the volatile partition). */
	in[0] = 2;
	assert_int_equal(mb_run(m, 0x0100, in, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 0x14, 2), 2);
	assert_memory_equal(m->out + 0x20, "\xfb\xcd\x0a\x77", 4);   /* UUID, first bytes */
	assert_int_equal(m->out[0x20 + 0x11] & 3, 2);                 /* failure severity */
	assert_int_equal(test_le(m->out + 0x20 + 0x30, 8), (start + 0x40) | 1);
	assert_int_equal(m->out[0x20 + 0x38], 1);
	assert_int_equal(m->out[0x20 + 0x39], 0);
	assert_int_equal(m->out[0x20 + 0x3a], 3);
	assert_int_equal(test_le(m->out + 0xa0 + 0x30, 8), (start + len - 0x80) | 1);
	/* No Event Log: nothing more logged. */
	scan_in(in, start, len / LINE, 1);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, dur);
	assert_int_equal(m->irqs, 2);
	assert_int_equal(m->event_irqs, 0);
	in[0] = 2;
	assert_int_equal(mb_run(m, 0x0100, in, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 0x14, 2), 2);
	mb_free(m);
}

static void test_scan_results_in_pieces(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[17];
	unsigned int i, total = 0;

	(void)state;
	for (i = 0; i < 10; i++)
		assert_int_equal(inject(m, 0x1000 * (i + 1)), CXLEMU_MBOX_SUCCESS);
	scan_in(in, 0, MIB / LINE, 1);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, MIB / LINE * SCAN_NS_PER_LINE);
	for (i = 0; i < 3; i++) {
		assert_int_equal(run_cap(m, 0x4305, NULL, 0, HDR + 4 * 16), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(test_le(m->out + 0x12, 2), i < 2 ? 4 : 2);
		assert_int_equal(m->out[0x10], i < 2 ? 1 : 0);
		for (unsigned int k = 0; k < test_le(m->out + 0x12, 2); k++, total++)
			expect_rec(m, k, 0x1000 * (total + 1), CXLEMU_POISON_INJECTED, LINE);
	}
	assert_int_equal(total, 10);
	assert_int_equal(run_cap(m, 0x4305, NULL, 0, HDR - 1), CXLEMU_MBOX_INTERNAL_ERROR);
	/* A new scan discards old results. */
	scan_in(in, 0x1000, 1, 1);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, SCAN_NS_PER_LINE);
	assert_int_equal(mb_run(m, 0x4305, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 0x12, 2), 1);
	expect_rec(m, 0, 0x1000, CXLEMU_POISON_INJECTED, LINE);
	mb_free(m);
}

/* More poison than a scan keeps: Scan Stopped Prematurely, restart where
 * the unreported poison starts. */
static void test_scan_stopped(void **state)
{
	struct mb *m = mb_new();
	const uint64_t start = 0x200000, len = 0x200000;
	unsigned int i, got = 0;
	uint8_t in[17];

	(void)state;
	for (i = 0; i < 300; i++)
		assert_int_equal(cxlemu_memdev_add_poison(m->md, start + 0x1000 * i, 0x40,
							  CXLEMU_POISON_INTERNAL), 0);
	scan_in(in, start, len / LINE, 1);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, len / LINE * SCAN_NS_PER_LINE);
	do {
		assert_int_equal(mb_run(m, 0x4305, NULL, 0), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(m->out[0x10] & 2, 2);
		assert_int_equal(test_le(m->out, 8), start + 0x1000 * 256);
		assert_int_equal(test_le(m->out + 8, 8), (len - 0x1000 * 256) / LINE);
		for (unsigned int k = 0; k < test_le(m->out + 0x12, 2); k++, got++)
			expect_rec(m, k, start + 0x1000 * got, CXLEMU_POISON_INTERNAL, LINE);
	} while (m->out[0x10] & 1);
	assert_int_equal(got, 256);
	mb_free(m);
}

/* The scan finds what overflowed the list and lists it again. */
static void test_scan_clears_overflow(void **state)
{
	struct mb *m = mb_new();
	unsigned int i, got = 0;
	uint8_t in[17];

	(void)state;
	for (i = 0; i < 258; i++)
		assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x1000 * i, 0x40,
							  CXLEMU_POISON_EXTERNAL), 0);
	assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0] & 2, 2);
	/* Two listed go away; the scan lists the two that were not. */
	assert_int_equal(cxlemu_memdev_clear_poison(m->md, 0, 0x2000), 0);
	assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0] & 2, 2);
	scan_in(in, 0, 0x200000 / LINE, 1);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, 0x200000 / LINE * SCAN_NS_PER_LINE);
	do {
		assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(m->out[0] & 6, 0);
		assert_int_equal(test_le(m->out + 2, 8), 0);
		got += list_count(m);
	} while (m->out[0] & 1);
	assert_int_equal(got, 256);
	mb_free(m);
}

static void test_scan_abort(void **state)
{
	struct mb *m = mb_new();
	const uint64_t start = 0x400000, len = 0x100000;
	const uint64_t dur = len / LINE * SCAN_NS_PER_LINE;
	uint64_t st, done;
	uint8_t in[17];

	(void)state;
	assert_int_equal(cxlemu_cci_reg_write(m->cci, 0x04, 4, 1u << 2), 0);
	assert_int_equal(inject(m, start + 0x1000), CXLEMU_MBOX_SUCCESS);   /* early */
	assert_int_equal(inject(m, start + 0xf0000), CXLEMU_MBOX_SUCCESS);  /* late */
	scan_in(in, start, len / LINE, 1);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, dur / 4 + 5);
	assert_int_equal(mb_run(m, 0x0005, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->irqs, 1);
	st = bg_status(m);
	assert_int_equal(st & 1, 0);
	assert_int_equal((st >> 32) & 0xffff, CXLEMU_MBOX_ABORTED);
	/* The scanned quarter's poison, and where to restart. */
	done = (dur / 4 + 5) / SCAN_NS_PER_LINE * LINE;
	assert_int_equal(mb_run(m, 0x4305, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0x10], 2);
	assert_int_equal(test_le(m->out, 8), start + done);
	assert_int_equal(test_le(m->out + 8, 8), (len - done) / LINE);
	assert_int_equal(test_le(m->out + 0x12, 2), 1);
	expect_rec(m, 0, start + 0x1000, CXLEMU_POISON_INJECTED, LINE);
	/* Not scanning any more; a new scan may start. */
	assert_int_equal(gpl(m, 0, STATIC_END / LINE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0] & 4, 0);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, dur);
	assert_int_equal(mb_run(m, 0x4305, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0x10], 0);
	assert_int_equal(test_le(m->out + 0x12, 2), 2);
	mb_free(m);
}

/* A scan on one CCI makes the device's other CCIs wait. */
static void test_scan_other_cci(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_cci_config c = m->ccfg;
	struct cxlemu_cci *mctp;
	uint8_t in[17], out[4096];
	size_t len;

	(void)state;
	c.kind = CXLEMU_CCI_MCTP;
	c.host.irq = NULL;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &mctp), 0);
	scan_in(in, 0, 16, 1);
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(cxlemu_cci_execute(mctp, 0x4304, in, 17, out, sizeof(out), &len),
			 CXLEMU_MBOX_BUSY);
	assert_int_equal(cxlemu_cci_execute(mctp, 0x4305, NULL, 0, out, sizeof(out), &len),
			 CXLEMU_MBOX_BUSY);
	assert_int_equal(cxlemu_cci_execute(mctp, 0x4400, NULL, 0, out, sizeof(out), &len),
			 CXLEMU_MBOX_BUSY);
	assert_int_equal(cxlemu_cci_execute(mctp, 0x4401, NULL, 0, out, sizeof(out), &len),
			 CXLEMU_MBOX_BUSY);
	assert_false(cxlemu_memdev_media_disabled(m->md));
	mb_advance(m, 16 * SCAN_NS_PER_LINE);
	assert_int_equal(cxlemu_cci_execute(mctp, 0x4304, in, 17, out, sizeof(out), &len),
			 CXLEMU_MBOX_BG_STARTED);
	cxlemu_cci_free(mctp);
	mb_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_poison_list),
		cmocka_unit_test(test_poison_list_more),
		cmocka_unit_test(test_inject_poison),
		cmocka_unit_test(test_clear_poison),
		cmocka_unit_test(test_host_poison_api),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_list_overflow),
		cmocka_unit_test(test_track_limit),
		cmocka_unit_test(test_scan_media_caps),
		cmocka_unit_test(test_scan_media),
		cmocka_unit_test(test_scan_results_in_pieces),
		cmocka_unit_test(test_scan_stopped),
		cmocka_unit_test(test_scan_clears_overflow),
		cmocka_unit_test(test_scan_abort),
		cmocka_unit_test(test_scan_other_cci),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
