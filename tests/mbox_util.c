/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mbox_util.h"

static uint64_t mb_clock(void *opaque)
{
	return ((struct mb *)opaque)->now;
}

static void mb_irq(void *opaque)
{
	((struct mb *)opaque)->irqs++;
}

static void mb_schedule(void *opaque, uint64_t when)
{
	((struct mb *)opaque)->scheduled = when;
}

static void mb_event_irq(void *opaque, unsigned int log, unsigned int mode,
			 unsigned int vector)
{
	struct mb *m = opaque;

	m->event_irqs++;
	m->last_event_log = log;
	m->last_event_mode = mode;
	m->last_event_vector = vector;
}

static int mb_zero(void *opaque, uint64_t dpa, uint64_t len)
{
	struct mb *m = opaque;

	m->zeroes++;
	m->zero_dpa = dpa;
	m->zero_len = len;
	return m->zero_rc;
}

void mb_default_config(struct mb *m)
{
	struct cxlemu_memdev_config *c = &m->mcfg;

	cxlemu_memdev_config_init(c);
	c->volatile_size = UINT64_C(512) << 20;
	c->persistent_size = UINT64_C(256) << 20;
	c->partitionable_size = UINT64_C(512) << 20;
	c->partition_align = UINT64_C(256) << 20;
	c->lsa_size = 128 << 10;
	memcpy(c->fw_revision, "cxlemu fw 1.0", 13);
	c->dc_nregions = 1;
	c->dc[0].base = UINT64_C(2) << 30;
	c->dc[0].decode_len = UINT64_C(256) << 20;
	c->dc[0].len = UINT64_C(256) << 20;
	c->dc[0].block_size = UINT64_C(2) << 20;
	c->host.media_zero = mb_zero;
	c->host.event_irq = mb_event_irq;
	c->host.opaque = m;

	memset(&m->ccfg, 0, sizeof(m->ccfg));
	m->ccfg.version = CXLEMU_CCI_CONFIG_VERSION;
	m->ccfg.kind = CXLEMU_CCI_MAILBOX;
	m->ccfg.payload_size = 4096;
	m->ccfg.component_type = 3;
	m->ccfg.vendor_id = 0x8086;
	m->ccfg.device_id = 0x0d93;
	m->ccfg.serial = 0x1234;
	m->ccfg.host.irq = mb_irq;
	m->ccfg.host.schedule = mb_schedule;
	m->ccfg.host.opaque = m;
}

void mb_start(struct mb *m)
{
	struct cxlemu_host_ops ops;

	memset(&ops, 0, sizeof(ops));
	ops.version = CXLEMU_HOST_OPS_VERSION;
	ops.now_ns = mb_clock;
	assert_int_equal(cxlemu_ctx_new(&ops, m, &m->ctx), 0);
	assert_int_equal(cxlemu_memdev_new(m->ctx, &m->mcfg, &m->md), 0);
	m->ccfg.memdev = m->md;
	assert_int_equal(cxlemu_cci_new(m->ctx, &m->ccfg, &m->cci), 0);
}

struct mb *mb_new(void)
{
	struct mb *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	mb_default_config(m);
	mb_start(m);
	return m;
}

void mb_free(struct mb *m)
{
	if (!m)
		return;
	cxlemu_cci_free(m->cci);
	cxlemu_memdev_free(m->md);
	cxlemu_ctx_free(m->ctx);
	free(m);
}

int mb_run(struct mb *m, uint16_t opcode, const void *in, size_t in_len)
{
	int rc = cxlemu_cci_execute(m->cci, opcode, in, in_len, m->out, sizeof(m->out),
				    &m->out_len);

	assert_true(rc >= 0);
	return rc;
}

void mb_advance(struct mb *m, uint64_t ns)
{
	m->now += ns;
	cxlemu_cci_poll(m->cci);
}
