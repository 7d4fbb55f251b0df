/* SPDX-License-Identifier: MIT */
/* Sanitize (4400h), Secure Erase (4401h) and Media Operations (4402h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mbox_util.h"
#include "testutil.h"

#define LINE 64u
#define MIB (UINT64_C(1) << 20)
#define STATIC_END (UINT64_C(0x50000000))
#define DC_BASE (UINT64_C(0x80000000))
#define DC_LEN (UINT64_C(0x10000000))
#define DPA_END (DC_BASE + DC_LEN)
#define ZERO_NS_PER_MIB 100000u
/* User capacity of the fixture: 1280 MiB static + 256 MiB DC. */
#define SANITIZE_NS (UINT64_C(1536) * ZERO_NS_PER_MIB)

/* A fixture whose host records every zeroing. */
struct fx {
	struct mb m; /* first: the fixture's callbacks get this pointer */
	struct {
		uint64_t dpa, len;
	} z[16];
	unsigned int nz;
	int fail_at; /* 1-based call that fails, 0 none */
};

static int fx_zero(void *opaque, uint64_t dpa, uint64_t len)
{
	struct fx *f = opaque;

	if (f->nz < 16) {
		f->z[f->nz].dpa = dpa;
		f->z[f->nz].len = len;
	}
	f->nz++;
	return f->fail_at && f->nz == (unsigned int)f->fail_at ? -EIO : 0;
}

static struct fx *fx_new(bool zero_cb)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	mb_default_config(&f->m);
	f->m.mcfg.host.media_zero = zero_cb ? fx_zero : NULL;
	mb_start(&f->m);
	/* Background completion interrupts on (8.2.8.4.4). */
	assert_int_equal(cxlemu_cci_reg_write(f->m.cci, 0x04, 4, 1u << 2), 0);
	return f;
}

static struct cxlemu_cci *second_cci(struct mb *m)
{
	struct cxlemu_cci_config c = m->ccfg;
	struct cxlemu_cci *cci;

	c.kind = CXLEMU_CCI_MCTP;
	c.host.irq = NULL;
	c.host.schedule = NULL;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &cci), 0);
	return cci;
}

static int run2(struct cxlemu_cci *cci, uint16_t op, const void *in, size_t len)
{
	uint8_t out[4096];
	size_t out_len;

	return cxlemu_cci_execute(cci, op, in, len, out, sizeof(out), &out_len);
}

static void le_put(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t bg_status(struct mb *m)
{
	assert_int_equal(mb_run(m, 0x0002, NULL, 0), CXLEMU_MBOX_SUCCESS);
	return test_le(m->out, 8);
}

static unsigned int bg_percent(struct mb *m)
{
	return (unsigned int)((bg_status(m) >> 1) & 0x7f);
}

static int inject(struct mb *m, uint64_t dpa)
{
	uint8_t in[8];

	le_put(in, dpa, 8);
	return mb_run(m, 0x4301, in, 8);
}

static void set_lsa(struct mb *m, uint8_t v)
{
	uint8_t in[8 + 16] = { 0 };

	memset(in + 8, v, 16);
	assert_int_equal(mb_run(m, 0x4103, in, sizeof(in)), CXLEMU_MBOX_SUCCESS);
}

static uint8_t lsa_byte(struct mb *m)
{
	uint8_t in[8] = { 0 };

	in[4] = 16;
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 16);
	for (unsigned int i = 1; i < 16; i++)
		assert_int_equal(m->out[i], m->out[0]);
	return m->out[0];
}

/* What a media command answers while media is disabled. */
static void expect_media_disabled(struct mb *m, struct cxlemu_cci *other)
{
	uint8_t in[72] = { 0 };

	in[8] = 1; /* one line for the range commands */
	assert_int_equal(mb_run(m, 0x4300, in, 16), CXLEMU_MBOX_MEDIA_DISABLED);
	assert_int_equal(mb_run(m, 0x4301, in, 8), CXLEMU_MBOX_MEDIA_DISABLED);
	assert_int_equal(mb_run(m, 0x4302, in, 72), CXLEMU_MBOX_MEDIA_DISABLED);
	assert_int_equal(mb_run(m, 0x4303, in, 16), CXLEMU_MBOX_MEDIA_DISABLED);
	assert_int_equal(mb_run(m, 0x4305, NULL, 0), CXLEMU_MBOX_MEDIA_DISABLED);
	assert_int_equal(mb_run(m, 0x4401, NULL, 0), CXLEMU_MBOX_MEDIA_DISABLED);
	assert_int_equal(run2(other, 0x4304, in, 17), CXLEMU_MBOX_MEDIA_DISABLED);
	/* Media Operations: Zero refused, Discovery fine. */
	memset(in, 0, sizeof(in));
	in[0] = 1;
	in[1] = 1;
	in[4] = 1;
	in[16] = LINE;
	assert_int_equal(run2(other, 0x4402, in, 24), CXLEMU_MBOX_MEDIA_DISABLED);
	memset(in, 0, sizeof(in));
	in[10] = 3;
	assert_int_equal(run2(other, 0x4402, in, 12), CXLEMU_MBOX_SUCCESS);
	/* Commands that do not touch media still answer. */
	assert_int_equal(mb_run(m, 0x4000, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, 0x4200, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, 0x4500, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 4), 0);
}

static void test_sanitize(void **state)
{
	struct fx *f = fx_new(true);
	struct mb *m = &f->m;
	struct cxlemu_cci *other = second_cci(m);
	uint64_t st;

	(void)state;
	assert_int_equal(inject(m, 0x1000), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_memdev_add_poison(m->md, DC_BASE, 0x1000, CXLEMU_POISON_EXTERNAL), 0);
	set_lsa(m, 0x5a);
	assert_int_equal(mb_run(m, 0x4400, "", 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_false(cxlemu_memdev_media_disabled(m->md));
	m->now = 1000;
	assert_int_equal(mb_run(m, 0x4400, NULL, 0), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(m->scheduled, 1000 + SANITIZE_NS);
	assert_true(cxlemu_memdev_media_disabled(m->md));
	assert_int_equal(f->nz, 0);
	st = bg_status(m);
	assert_int_equal(st & 0xff, 1);
	assert_int_equal((st >> 16) & 0xffff, 0x4400);
	expect_media_disabled(m, other);
	/* One background operation: Busy here and on the device's other CCI. */
	assert_int_equal(mb_run(m, 0x4400, NULL, 0), CXLEMU_MBOX_BUSY);
	assert_int_equal(run2(other, 0x4400, NULL, 0), CXLEMU_MBOX_BUSY);
	/* Not abortable. */
	assert_int_equal(mb_run(m, 0x0005, NULL, 0), CXLEMU_MBOX_REQUEST_ABORT_NOT_SUPPORTED);
	assert_true(cxlemu_memdev_media_disabled(m->md));
	/* Progress in percent. */
	mb_advance(m, SANITIZE_NS / 10);
	assert_int_equal(bg_percent(m), 10);
	mb_advance(m, SANITIZE_NS * 4 / 10);
	assert_int_equal(bg_percent(m), 50);
	mb_advance(m, SANITIZE_NS / 2 - 1);
	assert_int_equal(bg_percent(m), 99);
	assert_int_equal(m->irqs, 0);
	assert_int_equal(f->nz, 0);
	assert_true(cxlemu_memdev_media_disabled(m->md));
	/* Completion: all user capacity zeroed, LSA too, poison gone, media
	 * back, interrupt. */
	mb_advance(m, 1);
	assert_int_equal(m->irqs, 1);
	assert_int_equal(f->nz, 2);
	assert_int_equal(f->z[0].dpa, 0);
	assert_int_equal(f->z[0].len, STATIC_END);
	assert_int_equal(f->z[1].dpa, DC_BASE);
	assert_int_equal(f->z[1].len, DC_LEN);
	assert_false(cxlemu_memdev_media_disabled(m->md));
	assert_false(cxlemu_memdev_poisoned(m->md, 0, DPA_END));
	st = bg_status(m);
	assert_int_equal(st & 0xff, 100 << 1);
	assert_int_equal((st >> 16) & 0xffff, 0x4400);
	assert_int_equal((st >> 32) & 0xffff, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(lsa_byte(m), 0);
	assert_int_equal(inject(m, 0x40), CXLEMU_MBOX_SUCCESS);
	cxlemu_cci_free(other);
	mb_free(m);
}

static uint64_t rd64(struct cxlemu_cci *cci, uint32_t off)
{
	uint64_t v;

	assert_int_equal(cxlemu_cci_reg_read(cci, off, 8, &v), 0);
	return v;
}

/* Sanitize through the mailbox registers, as Linux's cxl_pci drives it:
 * doorbell, Background Operation status bit, Background Command Status
 * register, completion interrupt. */
static void test_sanitize_registers(void **state)
{
	struct fx *f = fx_new(true);
	struct mb *m = &f->m;
	struct cxlemu_cci *cci = m->cci;
	uint64_t v;

	(void)state;
	m->irqs = 0;
	assert_int_equal(cxlemu_cci_reg_write(cci, 0x08, 8, 0x4400), 0);
	/* Doorbell with the background interrupt left on, doorbell
	 * interrupt off. */
	assert_int_equal(cxlemu_cci_reg_write(cci, 0x04, 4, 1u << 2 | 1), 0);
	assert_int_equal(m->irqs, 0);
	assert_int_equal((rd64(cci, 0x10) >> 32) & 0xffff, CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(rd64(cci, 0x10) & 1, 1);                /* background op */
	v = rd64(cci, 0x18);
	assert_int_equal(v & 0xffff, 0x4400);
	assert_int_equal((v >> 16) & 0x7f, 0);
	m->now += SANITIZE_NS / 4;
	assert_int_equal((rd64(cci, 0x18) >> 16) & 0x7f, 25);   /* reading polls */
	assert_true(cxlemu_memdev_media_disabled(m->md));
	m->now += SANITIZE_NS - SANITIZE_NS / 4;
	v = rd64(cci, 0x18);
	assert_int_equal((v >> 16) & 0x7f, 100);
	assert_int_equal((v >> 32) & 0xffff, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rd64(cci, 0x10) & 1, 0);
	assert_int_equal(m->irqs, 1);
	assert_false(cxlemu_memdev_media_disabled(m->md));
	assert_int_equal(f->nz, 2);
	/* With the background interrupt disabled, completion is silent. */
	assert_int_equal(cxlemu_cci_reg_write(cci, 0x04, 4, 0), 0);
	assert_int_equal(cxlemu_cci_reg_write(cci, 0x08, 8, 0x4400), 0);
	assert_int_equal(cxlemu_cci_reg_write(cci, 0x04, 4, 1), 0);
	mb_advance(m, SANITIZE_NS);
	assert_int_equal((rd64(cci, 0x18) >> 16) & 0x7f, 100);
	assert_int_equal(m->irqs, 1);
	mb_free(m);
}

/* A host that fails to zero: Internal Error, media stays disabled and the
 * poison stays until a sanitize succeeds. */
static void test_sanitize_fails(void **state)
{
	struct fx *f = fx_new(true);
	struct mb *m = &f->m;
	struct cxlemu_cci *other = second_cci(m);

	(void)state;
	assert_int_equal(inject(m, 0x1000), CXLEMU_MBOX_SUCCESS);
	f->fail_at = 2;
	assert_int_equal(mb_run(m, 0x4400, NULL, 0), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, SANITIZE_NS);
	assert_int_equal(m->irqs, 1);
	assert_int_equal((bg_status(m) >> 32) & 0xffff, CXLEMU_MBOX_INTERNAL_ERROR);
	assert_true(cxlemu_memdev_media_disabled(m->md));
	assert_true(cxlemu_memdev_poisoned(m->md, 0x1000, LINE));
	expect_media_disabled(m, other);
	/* Sanitize itself is allowed with media disabled: retry. */
	f->fail_at = 0;
	f->nz = 0;
	assert_int_equal(mb_run(m, 0x4400, NULL, 0), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, SANITIZE_NS);
	assert_int_equal((bg_status(m) >> 32) & 0xffff, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->nz, 2);
	assert_false(cxlemu_memdev_media_disabled(m->md));
	assert_false(cxlemu_memdev_poisoned(m->md, 0x1000, LINE));
	cxlemu_cci_free(other);
	mb_free(m);
}

/* Without a zeroing callback the device cannot sanitize: Unsupported. */
static void test_no_zero_callback(void **state)
{
	struct fx *f = fx_new(false);
	struct mb *m = &f->m;
	uint8_t in[24] = { 1, 1, 0, 0, 1 };

	(void)state;
	in[16] = LINE;
	assert_int_equal(mb_run(m, 0x4400, NULL, 0), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(mb_run(m, 0x4401, NULL, 0), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(mb_run(m, 0x4402, in, 24), CXLEMU_MBOX_UNSUPPORTED);
	assert_false(cxlemu_memdev_media_disabled(m->md));
	assert_int_equal(bg_status(m), 0);
	mb_free(m);
}

static void test_secure_erase(void **state)
{
	struct fx *f = fx_new(true);
	struct mb *m = &f->m;

	(void)state;
	assert_int_equal(inject(m, 0x1000), CXLEMU_MBOX_SUCCESS);
	set_lsa(m, 0x77);
	assert_int_equal(mb_run(m, 0x4401, "", 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(f->nz, 0);
	/* Done at once: user data zeroed, poison gone, LSA kept. */
	assert_int_equal(mb_run(m, 0x4401, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(f->nz, 2);
	assert_int_equal(f->z[0].dpa, 0);
	assert_int_equal(f->z[0].len, STATIC_END);
	assert_int_equal(f->z[1].dpa, DC_BASE);
	assert_int_equal(f->z[1].len, DC_LEN);
	assert_false(cxlemu_memdev_poisoned(m->md, 0, DPA_END));
	assert_false(cxlemu_memdev_media_disabled(m->md));
	assert_int_equal(bg_status(m), 0);
	assert_int_equal(m->irqs, 0);
	assert_int_equal(lsa_byte(m), 0x77);
	/* A failing host: Internal Error, the poison stays. */
	assert_int_equal(inject(m, 0x1000), CXLEMU_MBOX_SUCCESS);
	f->fail_at = 3;
	assert_int_equal(mb_run(m, 0x4401, NULL, 0), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_true(cxlemu_memdev_poisoned(m->md, 0x1000, LINE));
	assert_false(cxlemu_memdev_media_disabled(m->md));
	mb_free(m);
}

static void mo_hdr(uint8_t *in, uint8_t cls, uint8_t sub, uint32_t count)
{
	memset(in, 0, 8);
	in[0] = cls;
	in[1] = sub;
	le_put(in + 4, count, 4);
}

static void mo_range(uint8_t *in, unsigned int i, uint64_t dpa, uint64_t len)
{
	le_put(in + 8 + 16 * i, dpa, 8);
	le_put(in + 16 + 16 * i, len, 8);
}

static void test_media_ops_discovery(void **state)
{
	struct fx *f = fx_new(true);
	struct mb *m = &f->m;
	uint8_t in[16];

	(void)state;
	mo_hdr(in, 0, 0, 0);
	le_put(in + 8, 0, 2);
	le_put(in + 10, 16, 2);
	memset(m->out, 0xee, sizeof(m->out));
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 12 + 3 * 2);
	assert_int_equal(test_le(m->out, 8), 64);   /* DPA range granularity */
	assert_int_equal(test_le(m->out + 8, 2), 3); /* total */
	assert_int_equal(test_le(m->out + 10, 2), 3); /* returned */
	assert_int_equal(m->out[12], 0); /* General: Discovery */
	assert_int_equal(m->out[13], 0);
	assert_int_equal(m->out[14], 1); /* Sanitize: Sanitize */
	assert_int_equal(m->out[15], 0);
	assert_int_equal(m->out[16], 1); /* Sanitize: Zero */
	assert_int_equal(m->out[17], 1);
	/* A window of the list. */
	le_put(in + 8, 1, 2);
	le_put(in + 10, 1, 2);
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 14);
	assert_int_equal(test_le(m->out + 8, 2), 3);
	assert_int_equal(test_le(m->out + 10, 2), 1);
	assert_int_equal(m->out[12], 1);
	assert_int_equal(m->out[13], 0);
	le_put(in + 10, 0, 2);
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 12);
	le_put(in + 8, 3, 2);
	le_put(in + 10, 5, 2);
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 10, 2), 0);
	/* Errors: start past the list, DPA ranges given, reserved bytes,
	 * lengths, unknown operations. */
	le_put(in + 8, 4, 2);
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	le_put(in + 8, 0, 2);
	le_put(in + 4, 1, 4);
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	le_put(in + 4, 0, 4);
	in[2] = 1;
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	in[2] = 0;
	in[3] = 0x80;
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	in[3] = 0;
	assert_int_equal(mb_run(m, 0x4402, in, 11), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4402, in, 13), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4402, in, 7), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(m->out_len, 0);
	in[1] = 1;
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_UNSUPPORTED);
	in[0] = 1;
	in[1] = 2;
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_UNSUPPORTED);
	in[0] = 2;
	in[1] = 0;
	assert_int_equal(mb_run(m, 0x4402, in, 12), CXLEMU_MBOX_UNSUPPORTED);
	/* A response too small for the header. */
	mo_hdr(in, 0, 0, 0);
	le_put(in + 8, 0, 4);
	in[10] = 3;
	assert_int_equal(cxlemu_cci_execute(m->cci, 0x4402, in, 12, m->out, 11, &m->out_len),
			 CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(cxlemu_cci_execute(m->cci, 0x4402, in, 12, m->out, 15, &m->out_len),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 10, 2), 1);
	assert_int_equal(bg_status(m), 0);
	mb_free(m);
}

static void test_media_ops_zero(void **state)
{
	struct fx *f = fx_new(true);
	struct mb *m = &f->m;
	uint8_t in[8 + 3 * 16 + 1];
	unsigned int sub;
	uint64_t t0;

	(void)state;
	for (sub = 0; sub < 2; sub++) {
		/* Poison inside both ranges, and next to them. */
		assert_int_equal(inject(m, 0x100000), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(inject(m, 0x100000 + MIB), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(cxlemu_memdev_add_poison(m->md, DC_BASE, 0x200,
							  CXLEMU_POISON_EXTERNAL), 0);
		mo_hdr(in, 1, (uint8_t)sub, 2);
		mo_range(in, 0, 0x100000, MIB);
		mo_range(in, 1, DC_BASE + 0x40, LINE);
		f->nz = 0;
		m->irqs = 0;
		t0 = m->now;
		assert_int_equal(mb_run(m, 0x4402, in, 8 + 2 * 16), CXLEMU_MBOX_BG_STARTED);
		assert_int_equal(m->out_len, 0);
		/* 1 MiB + 64 bytes: two MiB of simulated time. */
		assert_int_equal(m->scheduled, t0 + 2 * ZERO_NS_PER_MIB);
		assert_int_equal((bg_status(m) >> 16) & 0xffff, 0x4402);
		assert_false(cxlemu_memdev_media_disabled(m->md));
		assert_int_equal(mb_run(m, 0x0005, NULL, 0), CXLEMU_MBOX_REQUEST_ABORT_NOT_SUPPORTED);
		assert_int_equal(mb_run(m, 0x4402, in, 8 + 2 * 16), CXLEMU_MBOX_BUSY);
		mb_advance(m, ZERO_NS_PER_MIB);
		assert_int_equal(bg_percent(m), 50);
		assert_int_equal(f->nz, 0);
		mb_advance(m, ZERO_NS_PER_MIB - 1);
		assert_int_equal(f->nz, 0);
		mb_advance(m, 1);
		assert_int_equal(m->irqs, 1);
		assert_int_equal((bg_status(m) >> 32) & 0xffff, CXLEMU_MBOX_SUCCESS);
		assert_int_equal(f->nz, 2);
		assert_int_equal(f->z[0].dpa, 0x100000);
		assert_int_equal(f->z[0].len, MIB);
		assert_int_equal(f->z[1].dpa, DC_BASE + 0x40);
		assert_int_equal(f->z[1].len, LINE);
		assert_false(cxlemu_memdev_poisoned(m->md, 0x100000, MIB));
		assert_true(cxlemu_memdev_poisoned(m->md, 0x100000 + MIB, LINE));
		assert_true(cxlemu_memdev_poisoned(m->md, DC_BASE, LINE));
		assert_false(cxlemu_memdev_poisoned(m->md, DC_BASE + 0x40, LINE));
		assert_true(cxlemu_memdev_poisoned(m->md, DC_BASE + 0x80, 0x180));
		assert_int_equal(cxlemu_memdev_clear_poison(m->md, 0, STATIC_END), 0);
		assert_int_equal(cxlemu_memdev_clear_poison(m->md, DC_BASE, DC_LEN), 0);
	}
	/* No ranges: nothing to do. */
	mo_hdr(in, 1, 1, 0);
	assert_int_equal(mb_run(m, 0x4402, in, 8), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(bg_status(m) & 1, 0);
	/* Inconsistent payloads: the count says more or fewer ranges than
	 * the input carries. */
	mo_hdr(in, 1, 1, 2);
	mo_range(in, 0, 0, LINE);
	mo_range(in, 1, LINE, LINE);
	assert_int_equal(mb_run(m, 0x4402, in, 8 + 16), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4402, in, 8 + 2 * 16 + 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4402, in, 8 + 3 * 16), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4402, in, 8 + 2 * 16 - 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	le_put(in + 4, 0xffffffffu, 4);
	assert_int_equal(mb_run(m, 0x4402, in, 8 + 2 * 16), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	le_put(in + 4, 0x10000002u, 4); /* count x 16 wraps 32 bits to 32 */
	assert_int_equal(mb_run(m, 0x4402, in, 8 + 2 * 16), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	mo_hdr(in, 1, 0, 0);
	assert_int_equal(mb_run(m, 0x4402, in, 8 + 16), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Bad ranges, anywhere in the list: Invalid Input, nothing starts. */
#define BAD_RANGE(d, l) do { mo_hdr(in, 1, 1, 2); mo_range(in, 0, 0, LINE); \
		mo_range(in, 1, d, l); \
		assert_int_equal(mb_run(m, 0x4402, in, 8 + 2 * 16), CXLEMU_MBOX_INVALID_INPUT); \
	} while (0)
	BAD_RANGE(0x20, LINE);
	BAD_RANGE(0x40, 0x20);
	BAD_RANGE(0x40, 0);
	BAD_RANGE(STATIC_END - LINE, 2 * LINE);
	BAD_RANGE(STATIC_END, LINE);
	BAD_RANGE(DPA_END - LINE, 2 * LINE);
	BAD_RANGE(DPA_END, LINE);
	BAD_RANGE(LINE, UINT64_MAX & ~UINT64_C(63));
	BAD_RANGE(UINT64_MAX & ~UINT64_C(63), LINE);
#undef BAD_RANGE
	mo_hdr(in, 1, 1, 1);
	mo_range(in, 0, 0, LINE);
	in[2] = 1;
	assert_int_equal(mb_run(m, 0x4402, in, 8 + 16), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bg_status(m) & 1, 0);
	assert_int_equal(f->nz, 2);
	mb_free(m);
}

/* A host failure in the second range: Internal Error; the first range's
 * poison is cleared, the second's kept. */
static void test_media_ops_fail(void **state)
{
	struct fx *f = fx_new(true);
	struct mb *m = &f->m;
	struct cxlemu_cci *other = second_cci(m);
	uint8_t in[8 + 2 * 16];

	(void)state;
	assert_int_equal(inject(m, 0x1000), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(inject(m, 0x3000), CXLEMU_MBOX_SUCCESS);
	mo_hdr(in, 1, 0, 2);
	mo_range(in, 0, 0x1000, 0x1000);
	mo_range(in, 1, 0x3000, 0x1000);
	f->fail_at = 2;
	assert_int_equal(mb_run(m, 0x4402, in, sizeof(in)), CXLEMU_MBOX_BG_STARTED);
	/* The device's other CCI waits for it. */
	assert_int_equal(run2(other, 0x4402, in, sizeof(in)), CXLEMU_MBOX_BUSY);
	assert_int_equal(run2(other, 0x4400, NULL, 0), CXLEMU_MBOX_BUSY);
	mb_advance(m, ZERO_NS_PER_MIB);
	assert_int_equal((bg_status(m) >> 32) & 0xffff, CXLEMU_MBOX_INTERNAL_ERROR);
	assert_false(cxlemu_memdev_poisoned(m->md, 0x1000, LINE));
	assert_true(cxlemu_memdev_poisoned(m->md, 0x3000, LINE));
	assert_false(cxlemu_memdev_media_disabled(m->md));
	/* And it runs again once done. */
	f->fail_at = 0;
	assert_int_equal(run2(other, 0x4402, in, sizeof(in)), CXLEMU_MBOX_BG_STARTED);
	cxlemu_cci_free(other);
	mb_free(m);
}

/* The CEL lists the new commands with their effects. */
/* A CCI freed mid-sanitize: the sanitize completes, media comes back, and
 * a new CCI of the device finds it usable. */
static void test_sanitize_cci_freed(void **state)
{
	struct fx *f = fx_new(true);
	struct cxlemu_cci *again;
	uint8_t in[8] = { 0 };
	size_t len;

	(void)state;
	assert_int_equal(mb_run(&f->m, 0x4400, NULL, 0), CXLEMU_MBOX_BG_STARTED);
	assert_true(cxlemu_memdev_media_disabled(f->m.md));
	assert_int_equal(mb_run(&f->m, 0x4102, in, 8), CXLEMU_MBOX_MEDIA_DISABLED);
	cxlemu_cci_free(f->m.cci);
	f->m.cci = NULL;
	assert_false(cxlemu_memdev_media_disabled(f->m.md));
	assert_true(f->nz >= 1);
	assert_int_equal(f->z[0].dpa, 0);
	assert_int_equal(cxlemu_cci_new(f->m.ctx, &f->m.ccfg, &again), 0);
	f->m.cci = again;
	assert_int_equal(cxlemu_cci_execute(again, 0x4304, in, 0, f->m.out, sizeof(f->m.out), &len),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	in[4] = 1;
	assert_int_equal(mb_run(&f->m, 0x4102, in, 8), CXLEMU_MBOX_SUCCESS);
	mb_free(&f->m);
}

static void test_cel_effects(void **state)
{
	static const uint8_t cel_uuid[16] = {
		0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
		0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17,
	};
	static const struct {
		uint16_t op, effects;
	} want[] = {
		{ 0x4300, 0 }, { 0x4301, 0x04 }, { 0x4302, 0x04 }, { 0x4303, 0 },
		{ 0x4304, 0xc0 }, { 0x4305, 0 }, { 0x4400, 0x64 }, { 0x4401, 0x24 },
		{ 0x4402, 0x44 },
	};
	struct mb *m = mb_new();
	uint8_t in[0x18] = { 0 }, cel[4096];
	size_t size, i, k;
	unsigned int found = 0;

	(void)state;
	assert_int_equal(mb_run(m, 0x0400, NULL, 0), CXLEMU_MBOX_SUCCESS);
	size = (size_t)test_le(m->out + 24, 4);
	memcpy(in, cel_uuid, 16);
	le_put(in + 20, size, 4);
	assert_int_equal(mb_run(m, 0x0401, in, sizeof(in)), CXLEMU_MBOX_SUCCESS);
	memcpy(cel, m->out, size);
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		for (i = 0; i < size; i += 4)
			if (test_le(cel + i, 2) == want[k].op) {
				assert_int_equal(test_le(cel + i + 2, 2), want[k].effects);
				found++;
			}
	assert_int_equal(found, sizeof(want) / sizeof(want[0]));
	mb_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_registers),
		cmocka_unit_test(test_sanitize_fails),
		cmocka_unit_test(test_no_zero_callback),
		cmocka_unit_test(test_secure_erase),
		cmocka_unit_test(test_media_ops_discovery),
		cmocka_unit_test(test_media_ops_zero),
		cmocka_unit_test(test_media_ops_fail),
		cmocka_unit_test(test_sanitize_cci_freed),
		cmocka_unit_test(test_cel_effects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
