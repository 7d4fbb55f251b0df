/* SPDX-License-Identifier: MIT */
/*
 * Multi-logical devices: the MLD model, the MLD Component command set
 * (Get LD Info, Get/Set LD Allocations, CXL 3.1 7.6.7.4) on the FM-owned
 * LD's CCI, the Tunnel Management Command (7.6.7.3.1) from a switch to an
 * MLD port and from an FM-owned LD to an LD, and LDs of one MLD bound to
 * different VCSs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define GIB (UINT64_C(1) << 30)
#define UNIT (UINT64_C(256) << 20) /* granularity code 0 */

/*
 * The fixture: a switch of 6 ports and 2 VCSs (2 vPPBs each):
 *   port 0 USP of VCS 0, port 1 USP of VCS 1, port 2 DSP with an MLD of 4
 *   LDs whose FM-owned LD CCI is attached, port 3 DSP with an SLD, port 4
 *   DSP with an MLD of 2 LDs and no CCI, port 5 disabled.
 * The MLD: 4 GiB in 256 MiB units (16 of them), QoS capabilities 3; LD 0
 * has 2 + 0 units, LD 1 2 + 1, LDs 2 and 3 nothing.  LD 0 has a CCI of its
 * own (Identify answers its serial).
 */
struct mf {
	struct cxlemu_ctx *ctx;
	struct cxlemu_switch *sw;
	struct cxlemu_cci *swcci; /* the switch's mailbox CCI */
	struct cxlemu_cci *mctp;  /* the FM's MCTP endpoint on the switch */
	struct cxlemu_mld *mld;
	struct cxlemu_cci *ldfm;  /* the MLD's FM-owned LD CCI */
	struct cxlemu_cci *ld0;   /* LD 0's CCI */
	uint64_t now;
	uint8_t out[8192];
	size_t out_len;
};

static uint64_t clock_ns(void *opaque)
{
	return ((struct mf *)opaque)->now;
}

static struct cxlemu_cci *new_cci(struct mf *f, uint32_t kind, struct cxlemu_switch *sw,
				  struct cxlemu_mld *mld, uint64_t serial)
{
	struct cxlemu_cci_config c;
	struct cxlemu_cci *cci;

	memset(&c, 0, sizeof(c));
	c.version = CXLEMU_CCI_CONFIG_VERSION;
	c.kind = kind;
	c.payload_size = 4096;
	c.component_type = sw ? 0 : 3;
	c.vendor_id = 0x1e98;
	c.device_id = 0x0d93;
	c.serial = serial;
	c.fabric_switch = sw;
	c.mld = mld;
	assert_int_equal(cxlemu_cci_new(f->ctx, &c, &cci), 0);
	return cci;
}

static void mld_config(struct cxlemu_mld_config *c)
{
	cxlemu_mld_config_init(c);
	c->ld_count = 4;
	c->granularity = CXLEMU_MLD_GRAN_256M;
	c->qos_telemetry = 3;
	c->memory_size = 4 * GIB;
	c->range1[0] = 2;
	c->range1[1] = 2;
	c->range2[1] = 1;
}

static struct mf *mf_new(void)
{
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = clock_ns };
	struct mf *f = calloc(1, sizeof(*f));
	struct cxlemu_switch_config sc;
	struct cxlemu_mld_config mc;

	assert_non_null(f);
	f->now = 1000;
	assert_int_equal(cxlemu_ctx_new(&ops, f, &f->ctx), 0);
	cxlemu_switch_config_init(&sc);
	sc.nports = 6;
	sc.nvcs = 2;
	sc.ports[0].type = CXLEMU_SWITCH_PORT_USP;
	sc.ports[1].type = CXLEMU_SWITCH_PORT_USP;
	sc.ports[2].type = CXLEMU_SWITCH_PORT_DSP;
	sc.ports[2].attached = CXLEMU_SWITCH_DEV_MLD;
	sc.ports[2].ld_count = 4;
	sc.ports[3].type = CXLEMU_SWITCH_PORT_DSP;
	sc.ports[3].attached = CXLEMU_SWITCH_DEV_SLD;
	sc.ports[4].type = CXLEMU_SWITCH_PORT_DSP;
	sc.ports[4].attached = CXLEMU_SWITCH_DEV_MLD;
	sc.ports[4].ld_count = 2;
	sc.ports[5].type = CXLEMU_SWITCH_PORT_DISABLED;
	sc.vcs[0] = (struct cxlemu_switch_vcs_config){ .enabled = 1, .usp = 0, .nvppbs = 2 };
	sc.vcs[1] = (struct cxlemu_switch_vcs_config){ .enabled = 1, .usp = 1, .nvppbs = 2 };
	assert_int_equal(cxlemu_switch_new(f->ctx, &sc, &f->sw), 0);
	f->swcci = new_cci(f, CXLEMU_CCI_SWITCH, f->sw, NULL, 0);
	f->mctp = new_cci(f, CXLEMU_CCI_MCTP, f->sw, NULL, 0);
	mld_config(&mc);
	assert_int_equal(cxlemu_mld_new(f->ctx, &mc, &f->mld), 0);
	f->ldfm = new_cci(f, CXLEMU_CCI_LD_FM, NULL, f->mld, 0x1000);
	f->ld0 = new_cci(f, CXLEMU_CCI_MAILBOX, NULL, NULL, 0x1001);
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 2, f->ldfm), 0);
	assert_int_equal(cxlemu_mld_set_ld_cci(f->mld, 0, f->ld0), 0);
	return f;
}

static void mf_free(struct mf *f)
{
	cxlemu_cci_free(f->swcci);
	cxlemu_cci_free(f->mctp);
	cxlemu_cci_free(f->ldfm);
	cxlemu_cci_free(f->ld0);
	cxlemu_mld_free(f->mld);
	cxlemu_switch_free(f->sw);
	cxlemu_ctx_free(f->ctx);
	free(f);
}

static int run(struct mf *f, struct cxlemu_cci *cci, uint16_t op, const void *in, size_t len,
	       size_t cap)
{
	int rc;

	memset(f->out, 0xa5, sizeof(f->out));
	rc = cxlemu_cci_execute(cci, op, in, len, f->out, cap, &f->out_len);
	assert_true(rc >= 0);
	return rc;
}

/* A CCI request message (7.6.3): category 0, tag, command, set, length. */
static size_t msg(uint8_t *b, uint8_t tag, uint16_t op, const uint8_t *pl, size_t len)
{
	memset(b, 0, 12);
	b[1] = tag;
	b[3] = (uint8_t)op;
	b[4] = (uint8_t)(op >> 8);
	b[5] = (uint8_t)len;
	b[6] = (uint8_t)(len >> 8);
	b[7] = (uint8_t)(len >> 16);
	if (len)
		memcpy(b + 12, pl, len);
	return 12 + len;
}

/* A Tunnel Management Command payload around a message. */
static size_t tunnel(uint8_t *b, uint8_t id, const uint8_t *m, size_t len)
{
	b[0] = id;
	b[1] = 0;
	b[2] = (uint8_t)len;
	b[3] = (uint8_t)(len >> 8);
	memcpy(b + 4, m, len);
	return 4 + len;
}

/* Checks a tunnel's output (Response Length, reserved) and the response
 * message header in it; returns the response's payload. */
static const uint8_t *tunnel_rsp(struct mf *f, uint8_t tag, uint16_t op, unsigned int rc,
				 size_t plen)
{
	const uint8_t *m = f->out + 4;

	assert_int_equal(f->out_len, 4 + 12 + plen);
	assert_int_equal(test_le(f->out, 2), 12 + plen);
	assert_int_equal(test_le(f->out + 2, 2), 0);
	assert_int_equal(m[0], 1); /* response */
	assert_int_equal(m[1], tag);
	assert_int_equal(m[2], 0);
	assert_int_equal(m[3], op & 0xff);
	assert_int_equal(m[4], op >> 8);
	assert_int_equal(test_le(m + 5, 3), plen);
	assert_int_equal(test_le(m + 8, 2), rc);
	assert_int_equal(test_le(m + 10, 2), 0);
	return m + 12;
}

/* The allocation of every LD in bytes, to show a refusal changed none. */
struct allocs {
	uint64_t r[CXLEMU_SWITCH_MAX_LDS][2];
};

static void allocs(const struct mf *f, struct allocs *a)
{
	unsigned int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < 4; i++)
		assert_int_equal(cxlemu_mld_ld_alloc(f->mld, i, &a->r[i][0], &a->r[i][1]), 0);
}

static void allocs_unchanged(const struct mf *f, const struct allocs *before)
{
	struct allocs now;

	allocs(f, &now);
	assert_memory_equal(&now, before, sizeof(now));
}

static void alloc_is(const struct mf *f, unsigned int ld, uint64_t r1_units, uint64_t r2_units)
{
	uint64_t r1, r2;

	assert_int_equal(cxlemu_mld_ld_alloc(f->mld, ld, &r1, &r2), 0);
	assert_int_equal(r1, r1_units * UNIT);
	assert_int_equal(r2, r2_units * UNIT);
}

/* A Set LD Allocations payload: n entries from start. */
static size_t set_alloc_in(uint8_t *b, uint8_t n, uint8_t start, const uint64_t *r1,
			   const uint64_t *r2)
{
	unsigned int i;

	b[0] = n;
	b[1] = start;
	b[2] = 0;
	b[3] = 0;
	for (i = 0; i < n; i++) {
		uint64_t a = r1[i], c = r2[i];
		unsigned int k;

		for (k = 0; k < 8; k++) {
			b[4 + 16 * i + k] = (uint8_t)(a >> (8 * k));
			b[4 + 16 * i + 8 + k] = (uint8_t)(c >> (8 * k));
		}
	}
	return 4 + 16 * (size_t)n;
}

/* ---- the model ---- */

static void test_mld_config(void **state)
{
	struct mf *f = mf_new();
	struct cxlemu_mld_config c;
	struct cxlemu_mld *m = (void *)1;
	struct cxlemu_cci *other;
	uint64_t r1, r2;

	(void)state;
	/* Refusals: each breaks one rule of an otherwise valid config. */
	assert_int_equal(cxlemu_mld_new(f->ctx, NULL, &m), -EINVAL);
	assert_null(m);
	mld_config(&c);
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, NULL), -EINVAL);
	c.version = 2;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.ld_count = 0;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	c.ld_count = 17;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.granularity = 3;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.qos_telemetry = 4;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.reserved = 1;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.memory_size = 0;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	c.memory_size = 4 * GIB + UNIT / 2;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.granularity = CXLEMU_MLD_GRAN_1G;
	c.memory_size = 3 * GIB / 2;  /* not a multiple of 1 GiB */
	c.range1[1] = c.range2[1] = 0;
	c.range1[0] = 1;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.range1[4] = 1;  /* an LD past the count */
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.range2[3] = 12;  /* 2 + 3 + 12 = 17 of 16 units */
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	mld_config(&c);
	c.range1[2] = UINT64_MAX;  /* a sum that would wrap */
	c.range2[2] = 2;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), -EINVAL);
	assert_null(m);
	/* Exactly full is fine; units of 1 GiB count as such. */
	mld_config(&c);
	c.range2[3] = 11;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), 0);
	assert_int_equal(cxlemu_mld_ld_alloc(m, 3, &r1, &r2), 0);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 11 * UNIT);
	assert_int_equal(cxlemu_mld_ld_alloc(m, 4, &r1, &r2), -EINVAL);
	assert_int_equal(cxlemu_mld_ld_alloc(NULL, 0, &r1, &r2), -EINVAL);
	assert_int_equal(cxlemu_mld_ld_alloc(m, 0, NULL, NULL), 0);
	assert_int_equal(cxlemu_mld_set_ld_cci(m, 4, f->ld0), -EINVAL);
	assert_int_equal(cxlemu_mld_set_ld_cci(NULL, 0, f->ld0), -EINVAL);
	cxlemu_mld_free(m);
	mld_config(&c);
	c.granularity = CXLEMU_MLD_GRAN_1G;
	c.memory_size = 2 * GIB;
	c.range1[0] = 1;
	c.range1[1] = 1;
	c.range2[1] = 0;
	assert_int_equal(cxlemu_mld_new(f->ctx, &c, &m), 0);
	assert_int_equal(cxlemu_mld_ld_alloc(m, 1, &r1, &r2), 0);
	assert_int_equal(r1, GIB);
	cxlemu_mld_free(m);
	cxlemu_mld_free(NULL);
	cxlemu_mld_config_init(NULL);
	alloc_is(f, 0, 2, 0);
	alloc_is(f, 1, 2, 1);
	alloc_is(f, 2, 0, 0);

	/* The FM-owned LD CCI goes on an MLD port only, and must be one. */
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 3, f->ldfm), -EINVAL);  /* SLD */
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 0, f->ldfm), -EINVAL);  /* USP */
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 5, f->ldfm), -EINVAL);  /* disabled */
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 6, f->ldfm), -EINVAL);  /* none */
	assert_int_equal(cxlemu_switch_set_port_cci(NULL, 2, f->ldfm), -EINVAL);
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 4, f->swcci), -EINVAL); /* kind */
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 4, f->ldfm), -EINVAL);  /* 4 != 2 LDs */
	other = new_cci(f, CXLEMU_CCI_LD_FM, NULL, NULL, 7);  /* no MLD: nothing to compare */
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 4, other), 0);
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 4, NULL), 0);
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 6, NULL), -EINVAL);
	cxlemu_cci_free(other);
	mf_free(f);
}

/* ---- MLD Component commands ---- */

static void test_get_ld_info(void **state)
{
	struct mf *f = mf_new();
	struct cxlemu_cci *bare = new_cci(f, CXLEMU_CCI_LD_FM, NULL, NULL, 0);
	struct cxlemu_cci *mctp = new_cci(f, CXLEMU_CCI_MCTP, NULL, f->mld, 0);
	struct cxlemu_cci *mbox = new_cci(f, CXLEMU_CCI_MAILBOX, NULL, f->mld, 0);
	uint8_t in[1] = { 0 };

	(void)state;
	assert_int_equal(run(f, f->ldfm, 0x5400, NULL, 0, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 11);
	assert_int_equal(test_le(f->out, 8), 4 * GIB);
	assert_int_equal(test_le(f->out + 8, 2), 4);
	assert_int_equal(f->out[10], 3);
	assert_int_equal(f->out[11], 0xa5);  /* nothing written past it */
	/* The same over the FM's MCTP endpoint on the MLD. */
	assert_int_equal(run(f, mctp, 0x5400, NULL, 0, 11), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(f->out, 8), 4 * GIB);
	/* Failures. */
	assert_int_equal(run(f, f->ldfm, 0x5400, in, 1, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, f->ldfm, 0x5400, NULL, 0, 10), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(f->out[0], 0xa5);
	/* Only an FM-owned LD with an MLD (or MCTP) runs it. */
	assert_int_equal(run(f, bare, 0x5400, NULL, 0, 4096), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(run(f, mbox, 0x5400, NULL, 0, 4096), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(run(f, f->swcci, 0x5400, NULL, 0, 4096), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(run(f, f->mctp, 0x5400, NULL, 0, 4096), CXLEMU_MBOX_UNSUPPORTED);
	/* The CEL of an FM-owned LD with an MLD lists the 3 MLD Component
	 * commands and the tunnel (4 bytes each); without one it does not. */
	{
		uint32_t with, without;

		assert_int_equal(run(f, f->ldfm, 0x0400, NULL, 0, 4096), CXLEMU_MBOX_SUCCESS);
		with = (uint32_t)test_le(f->out + 24, 4);
		assert_int_equal(run(f, bare, 0x0400, NULL, 0, 4096), CXLEMU_MBOX_SUCCESS);
		without = (uint32_t)test_le(f->out + 24, 4);
		assert_int_equal(with, without + 4 * 4);
	}
	cxlemu_cci_free(bare);
	cxlemu_cci_free(mctp);
	cxlemu_cci_free(mbox);
	mf_free(f);
}

static void entry_is(const uint8_t *e, uint64_t r1, uint64_t r2)
{
	assert_int_equal(test_le(e, 8), r1);
	assert_int_equal(test_le(e + 8, 8), r2);
}

static void test_get_ld_allocations(void **state)
{
	struct mf *f = mf_new();
	uint8_t in[3] = { 0, 16, 0 };

	(void)state;
	/* All four. */
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 2, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 4 * 16);
	assert_int_equal(f->out[0], 4);  /* Number of LDs */
	assert_int_equal(f->out[1], 0);  /* 256 MiB */
	assert_int_equal(f->out[2], 0);  /* Start LD ID */
	assert_int_equal(f->out[3], 4);  /* List Length */
	entry_is(f->out + 4, 2, 0);
	entry_is(f->out + 20, 2, 1);
	entry_is(f->out + 36, 0, 0);
	entry_is(f->out + 52, 0, 0);
	assert_int_equal(f->out[68], 0xa5);
	/* A page: LDs 1 and 2. */
	in[0] = 1;
	in[1] = 2;
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 2, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 2 * 16);
	assert_int_equal(f->out[0], 4);
	assert_int_equal(f->out[2], 1);
	assert_int_equal(f->out[3], 2);
	entry_is(f->out + 4, 2, 1);
	entry_is(f->out + 20, 0, 0);
	/* The last LD, the limit larger than what is left. */
	in[0] = 3;
	in[1] = 255;
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 2, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 16);
	assert_int_equal(f->out[2], 3);
	assert_int_equal(f->out[3], 1);
	/* Exactly the room it needs. */
	in[0] = 0;
	in[1] = 4;
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 2, 68), CXLEMU_MBOX_SUCCESS);
	/* Failures: past the LDs, a zero limit, no room, lengths. */
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 2, 67), CXLEMU_MBOX_INVALID_INPUT);
	in[0] = 4;
	in[1] = 1;
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 2, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[0] = 255;
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 2, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[0] = 0;
	in[1] = 0;
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 2, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 1;
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 1, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, f->ldfm, 0x5401, in, 3, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, f->ldfm, 0x5401, NULL, 0, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(run(f, f->swcci, 0x5401, in, 2, 4096), CXLEMU_MBOX_UNSUPPORTED);
	mf_free(f);
}

static void test_set_ld_allocations(void **state)
{
	struct mf *f = mf_new();
	uint64_t r1[17] = { 3, 4 }, r2[17] = { 1, 0 };
	uint8_t in[4 + 16 * 17 + 16];
	struct allocs before;
	size_t n;

	(void)state;
	/* LDs 2 and 3: 2 + 3 + 4 + 4 = 13 of 16 units. */
	n = set_alloc_in(in, 2, 2, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 2 * 16);
	assert_int_equal(f->out[0], 2);
	assert_int_equal(f->out[1], 2);
	assert_int_equal(f->out[2], 0);
	assert_int_equal(f->out[3], 0);
	entry_is(f->out + 4, 3, 1);
	entry_is(f->out + 20, 4, 0);
	assert_int_equal(f->out[36], 0xa5);
	alloc_is(f, 0, 2, 0);
	alloc_is(f, 1, 2, 1);
	alloc_is(f, 2, 3, 1);
	alloc_is(f, 3, 4, 0);
	/* Get LD Allocations reads it back. */
	assert_int_equal(run(f, f->ldfm, 0x5401, (const uint8_t[]){ 2, 2 }, 2, 4096),
			 CXLEMU_MBOX_SUCCESS);
	entry_is(f->out + 4, 3, 1);
	entry_is(f->out + 20, 4, 0);
	/* Fill the device exactly: LD 0 takes the 3 units left (5 + 0). */
	r1[0] = 5;
	r2[0] = 0;
	n = set_alloc_in(in, 1, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	alloc_is(f, 0, 5, 0);
	/* An LD named gives up its old allocation: LD 0 to 0, LD 1 to 8 (the
	 * 16 units now: 0 + 8 + 4 + 4). */
	r1[0] = 0;
	r2[0] = 0;
	r1[1] = 4;
	r2[1] = 4;
	n = set_alloc_in(in, 2, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	entry_is(f->out + 4, 0, 0);
	entry_is(f->out + 20, 4, 4);
	/* All four at once, all zero. */
	memset(r1, 0, sizeof(r1));
	memset(r2, 0, sizeof(r2));
	n = set_alloc_in(in, 4, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 4 * 16);
	alloc_is(f, 1, 0, 0);
	/* Back to a known state. */
	r1[0] = 2;
	r1[1] = 2;
	r2[1] = 1;
	n = set_alloc_in(in, 2, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_SUCCESS);

	/* Every refusal; nothing changes. */
	allocs(f, &before);
	r1[0] = 12;  /* LD 0 to 12 + 2 units: with LD 1's 3, 17 of 16 */
	r2[0] = 2;
	n = set_alloc_in(in, 1, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	r1[0] = UINT64_MAX;  /* overflow */
	r2[0] = 1;
	n = set_alloc_in(in, 1, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	r1[0] = 0;
	r2[0] = UINT64_MAX;
	n = set_alloc_in(in, 1, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	r1[0] = 1;
	r2[0] = 0;
	r1[1] = UINT64_MAX - 2;  /* the sum of the list would wrap to small */
	r2[1] = 4;
	n = set_alloc_in(in, 2, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	memset(r1, 0, sizeof(r1));
	memset(r2, 0, sizeof(r2));
	n = set_alloc_in(in, 2, 3, r1, r2);  /* LDs 3 and 4 of 4 */
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	n = set_alloc_in(in, 1, 4, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	n = set_alloc_in(in, 5, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	n = set_alloc_in(in, 17, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	n = set_alloc_in(in, 0, 0, r1, r2);  /* nothing to set */
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	n = set_alloc_in(in, 1, 0, r1, r2);
	in[2] = 1;  /* reserved */
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[2] = 0;
	in[3] = 0x80;
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[3] = 0;
	/* The list and the count disagree. */
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n - 1, 4096),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n + 1, 4096),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n + 16, 4096),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	in[0] = 2;  /* two named, one given */
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	in[0] = 255;
	assert_int_equal(run(f, f->ldfm, 0x5402, in, 4, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, 3, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* A response that does not fit: refused before anything changes. */
	r1[0] = 1;
	n = set_alloc_in(in, 1, 0, r1, r2);
	assert_int_equal(run(f, f->ldfm, 0x5402, in, n, 19), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(run(f, f->swcci, 0x5402, in, n, 4096), CXLEMU_MBOX_UNSUPPORTED);
	allocs_unchanged(f, &before);
	mf_free(f);
}

/* ---- the tunnel ---- */

/* Several commands through the switch to the MLD and back, each response
 * whole: Get LD Info, Set then Get LD Allocations, Identify of the
 * FM-owned LD, a command it does not run, a message whose own length
 * disagrees. */
static void test_tunnel_round_trip(void **state)
{
	struct mf *f = mf_new();
	uint8_t m[512], in[600];
	uint64_t r1[2] = { 6, 1 }, r2[2] = { 0, 0 };
	uint8_t pl[64];
	const uint8_t *p;
	size_t n, len;

	(void)state;
	n = tunnel(in, 2, m, msg(m, 0x11, 0x5400, NULL, 0));
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	p = tunnel_rsp(f, 0x11, 0x5400, CXLEMU_MBOX_SUCCESS, 11);
	assert_int_equal(test_le(p, 8), 4 * GIB);
	assert_int_equal(test_le(p + 8, 2), 4);
	assert_int_equal(p[10], 3);
	assert_int_equal(f->out[4 + 12 + 11], 0xa5);

	len = set_alloc_in(pl, 2, 2, r1, r2);
	n = tunnel(in, 2, m, msg(m, 0x12, 0x5402, pl, len));
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	p = tunnel_rsp(f, 0x12, 0x5402, CXLEMU_MBOX_SUCCESS, 36);
	assert_int_equal(p[0], 2);
	assert_int_equal(p[1], 2);
	entry_is(p + 4, 6, 0);
	entry_is(p + 20, 1, 0);
	alloc_is(f, 2, 6, 0);
	alloc_is(f, 3, 1, 0);

	n = tunnel(in, 2, m, msg(m, 0x13, 0x5401, (const uint8_t[]){ 0, 8 }, 2));
	assert_int_equal(run(f, f->mctp, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	p = tunnel_rsp(f, 0x13, 0x5401, CXLEMU_MBOX_SUCCESS, 4 + 64);
	assert_int_equal(p[0], 4);
	assert_int_equal(p[3], 4);
	entry_is(p + 4, 2, 0);
	entry_is(p + 20, 2, 1);
	entry_is(p + 36, 6, 0);
	entry_is(p + 52, 1, 0);

	n = tunnel(in, 2, m, msg(m, 0x14, 0x0001, NULL, 0));
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	p = tunnel_rsp(f, 0x14, 0x0001, CXLEMU_MBOX_SUCCESS, 18);
	assert_int_equal(test_le(p + 8, 8), 0x1000); /* the FM-owned LD's serial */
	assert_int_equal(p[0x11], 3);

	/* The MLD answers, the tunnel succeeds: Unsupported inside. */
	n = tunnel(in, 2, m, msg(m, 0x15, 0x5100, NULL, 0));
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x15, 0x5100, CXLEMU_MBOX_UNSUPPORTED, 0);
	/* A failure inside, with its own code. */
	n = tunnel(in, 2, m, msg(m, 0x16, 0x5401, (const uint8_t[]){ 9, 1 }, 2));
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x16, 0x5401, CXLEMU_MBOX_INVALID_INPUT, 0);
	/* The inner message's length says 5 bytes, 2 follow; and 1 while 2. */
	len = msg(m, 0x17, 0x5401, (const uint8_t[]){ 0, 1 }, 2);
	m[5] = 5;
	n = tunnel(in, 2, m, len);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x17, 0x5401, CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH, 0);
	in[4 + 5] = 1;
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x17, 0x5401, CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH, 0);
	/* A response larger than the room left: the inner command refuses
	 * (before acting) and says so; the tunnel still answers. */
	n = tunnel(in, 2, m, msg(m, 0x18, 0x5400, NULL, 0));
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4 + 12 + 10), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x18, 0x5400, CXLEMU_MBOX_INTERNAL_ERROR, 0);
	r1[0] = 0;
	len = set_alloc_in(pl, 1, 2, r1, r2);
	n = tunnel(in, 2, m, msg(m, 0x19, 0x5402, pl, len));
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4 + 12 + 19), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x19, 0x5402, CXLEMU_MBOX_INTERNAL_ERROR, 0);
	alloc_is(f, 2, 6, 0);
	/* The whole exchange framed as the FM's MCTP message to the switch. */
	{
		uint8_t req[700], rsp[700];
		size_t rl;

		n = tunnel(pl, 2, m, msg(m, 0x1a, 0x5400, NULL, 0));
		len = msg(req, 0x21, 0x5300, pl, n);
		assert_int_equal(cxlemu_cci_message(f->mctp, req, len, rsp, sizeof(rsp), &rl), 0);
		assert_int_equal(rl, 12 + 4 + 12 + 11);
		assert_int_equal(rsp[0], 1);
		assert_int_equal(rsp[1], 0x21);
		assert_int_equal(test_le(rsp + 8, 2), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(test_le(rsp + 12, 2), 12 + 11);
		assert_int_equal(rsp[16], 1);
		assert_int_equal(rsp[17], 0x1a);
		assert_int_equal(test_le(rsp + 28, 8), 4 * GIB);
	}
	mf_free(f);
}

/* What the tunnel itself refuses, before sending anything. */
static void test_tunnel_refusals(void **state)
{
	struct mf *f = mf_new();
	struct cxlemu_cci *bare = new_cci(f, CXLEMU_CCI_SWITCH, NULL, NULL, 0);
	uint8_t m[64], in[128];
	struct allocs before;
	uint64_t r1[1] = { 0 }, r2[1] = { 0 };
	uint8_t pl[20];
	size_t n, len;
	unsigned int i;
	static const uint8_t bad_ports[] = { 0, 1, 3, 4, 5, 6, 255 };

	(void)state;
	allocs(f, &before);
	/* The command the refusals carry would change LD 0. */
	len = msg(m, 1, 0x5402, pl, set_alloc_in(pl, 1, 0, r1, r2));
	n = tunnel(in, 2, m, len);
	/* Command Size against the input: truncated, oversized. */
	in[2] = (uint8_t)(len + 1);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	in[2] = (uint8_t)(len - 1);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	in[2] = (uint8_t)len;
	in[3] = 1;
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	in[3] = 0;
	assert_int_equal(run(f, f->swcci, 0x5300, in, n - 1, 4096),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, f->swcci, 0x5300, in, 3, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, f->swcci, 0x5300, in, 0, 4096), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Consistent but shorter than a message header. */
	in[2] = 11;
	assert_int_equal(run(f, f->swcci, 0x5300, in, 4 + 11, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[2] = 0;
	assert_int_equal(run(f, f->swcci, 0x5300, in, 4, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[2] = (uint8_t)len;
	/* The same with nothing past the 4 bytes (fuzz_fmapi found the
	 * refusal reading the message category there; ASan sees it). */
	{
		uint8_t *four = malloc(4);

		assert_non_null(four);
		memcpy(four, (const uint8_t[]){ 2, 0, 0, 0 }, 4);
		assert_int_equal(run(f, f->swcci, 0x5300, four, 4, 4096),
				 CXLEMU_MBOX_INVALID_INPUT);
		free(four);
	}
	/* Target Type other than port or LD. */
	in[1] = 1;
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 0;
	/* Not a request. */
	in[4] = 1;
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[4] = 0x0f;
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	in[4] = 0;
	/* Ports without an MLD with a CCI: USPs, an SLD, an MLD without CCI,
	 * a disabled port, ports the switch lacks. */
	for (i = 0; i < sizeof(bad_ports); i++) {
		in[0] = bad_ports[i];
		assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	}
	in[0] = 2;
	/* No room for even a response header. */
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 15), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(f->out_len, 0);
	/* A switch CCI without a switch, the MLD's own mailbox: nothing to
	 * tunnel to. */
	assert_int_equal(run(f, bare, 0x5300, in, n, 4096), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(run(f, f->ld0, 0x5300, in, n, 4096), CXLEMU_MBOX_UNSUPPORTED);
	allocs_unchanged(f, &before);
	/* Detached: the port has no CCI any more. */
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 2, NULL), 0);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(cxlemu_switch_set_port_cci(f->sw, 2, f->ldfm), 0);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 1, 0x5402, CXLEMU_MBOX_SUCCESS, 20);
	alloc_is(f, 0, 0, 0);
	cxlemu_cci_free(bare);
	mf_free(f);
}

/* A tunnel inside a tunnel: switch -> FM-owned LD -> LD is the one nesting
 * allowed; deeper, or a switch tunnel arriving through a tunnel, or a
 * loop back to a CCI in the middle of a command, is refused. */
static void test_tunnel_nesting(void **state)
{
	struct mf *f = mf_new();
	struct cxlemu_mld_config mc;
	struct cxlemu_mld *mld2;
	struct cxlemu_cci *ldfm2, *leaf;
	uint8_t m1[128], m2[128], m3[128], in[256];
	const uint8_t *p;
	size_t n, l1, l2, l3;

	(void)state;
	/* FM -> switch -> port 2's FM-owned LD -> LD 0: its Identify. */
	l1 = msg(m1, 0x31, 0x0001, NULL, 0);
	l2 = tunnel(m3, 0, m1, l1);
	l2 = msg(m2, 0x32, 0x5300, m3, l2);
	n = tunnel(in, 2, m2, l2);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	p = tunnel_rsp(f, 0x32, 0x5300, CXLEMU_MBOX_SUCCESS, 4 + 12 + 18);
	assert_int_equal(test_le(p, 2), 12 + 18);
	assert_int_equal(p[4], 1);
	assert_int_equal(p[5], 0x31);
	assert_int_equal(test_le(p + 4 + 8, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(p + 16 + 8, 8), 0x1001); /* LD 0's serial */
	/* The FM-owned LD tunnels to LDs it has a CCI for. */
	m3[0] = 1;  /* LD 1: no CCI */
	l2 = msg(m2, 0x32, 0x5300, m3, 4 + l1);
	n = tunnel(in, 2, m2, l2);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x32, 0x5300, CXLEMU_MBOX_INVALID_INPUT, 0);
	m3[0] = 4;  /* no LD 4 */
	l2 = msg(m2, 0x32, 0x5300, m3, 4 + l1);
	n = tunnel(in, 2, m2, l2);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x32, 0x5300, CXLEMU_MBOX_INVALID_INPUT, 0);
	/* Straight to the FM-owned LD (MCTP's way): one tunnel to LD 0. */
	m3[0] = 0;
	assert_int_equal(run(f, f->ldfm, 0x5300, m3, 4 + l1, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x31, 0x0001, CXLEMU_MBOX_SUCCESS, 18);

	/* LD 2's CCI is itself an FM-owned LD of another MLD, whose LD 0 has
	 * a CCI: a third level. */
	cxlemu_mld_config_init(&mc);
	mc.ld_count = 1;
	mc.memory_size = GIB;
	assert_int_equal(cxlemu_mld_new(f->ctx, &mc, &mld2), 0);
	ldfm2 = new_cci(f, CXLEMU_CCI_LD_FM, NULL, mld2, 0x2000);
	leaf = new_cci(f, CXLEMU_CCI_MAILBOX, NULL, NULL, 0x2001);
	assert_int_equal(cxlemu_mld_set_ld_cci(mld2, 0, leaf), 0);
	assert_int_equal(cxlemu_mld_set_ld_cci(f->mld, 2, ldfm2), 0);
	/* m3: tunnel(LD 0, Identify), as a message to LD 2 ... */
	l2 = tunnel(m3, 0, m1, l1);
	l2 = msg(m2, 0x33, 0x5300, m3, l2);
	/* ... inside tunnel(LD 2, that), as a message to port 2 ... */
	l3 = tunnel(m3, 2, m2, l2);
	l3 = msg(m1, 0x34, 0x5300, m3, l3);
	/* ... from the FM-owned LD itself: two levels, allowed. */
	assert_int_equal(run(f, f->ldfm, 0x5300, m3, tunnel(m3, 2, m2, l2), 4096),
			 CXLEMU_MBOX_SUCCESS);
	p = tunnel_rsp(f, 0x33, 0x5300, CXLEMU_MBOX_SUCCESS, 4 + 12 + 18);
	assert_int_equal(test_le(p + 16 + 8, 8), 0x2001);
	/* ... from the switch: three levels, the last refused. */
	n = tunnel(in, 2, m1, l3);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	p = tunnel_rsp(f, 0x34, 0x5300, CXLEMU_MBOX_SUCCESS, 4 + 12);
	assert_int_equal(p[5], 0x33);
	assert_int_equal(test_le(p + 4 + 8, 2), CXLEMU_MBOX_INVALID_INPUT);
	/* Direct to the inner FM-owned LD still works (depth restored). */
	assert_int_equal(run(f, ldfm2, 0x5300, (const uint8_t[]){ 0, 0, 12, 0, 0, 9, 0, 1, 0,
							   0, 0, 0, 0, 0, 0, 0 }, 16, 4096),
			 CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 9, 0x0001, CXLEMU_MBOX_SUCCESS, 18);

	/* LD 3's CCI is the switch's MCTP endpoint: a switch tunnel reached
	 * through a tunnel goes nowhere. */
	assert_int_equal(cxlemu_mld_set_ld_cci(f->mld, 3, f->mctp), 0);
	l1 = msg(m1, 0x41, 0x5400, NULL, 0);
	l2 = tunnel(m3, 2, m1, l1);           /* tunnel(port 2, Get LD Info) */
	l2 = msg(m2, 0x42, 0x5300, m3, l2);   /* for the switch via LD 3 */
	assert_int_equal(run(f, f->ldfm, 0x5300, m3, tunnel(m3, 3, m2, l2), 4096),
			 CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x42, 0x5300, CXLEMU_MBOX_INVALID_INPUT, 0);
	/* LD 3's CCI is the switch CCI itself: FM -> switch -> port 2 -> LD 3
	 * arrives where the command runs; Busy, not a loop. */
	assert_int_equal(cxlemu_mld_set_ld_cci(f->mld, 3, f->swcci), 0);
	l1 = msg(m1, 0x51, 0x0001, NULL, 0);
	l2 = tunnel(m3, 3, m1, l1);
	l2 = msg(m2, 0x52, 0x5300, m3, l2);
	n = tunnel(in, 2, m2, l2);
	assert_int_equal(run(f, f->swcci, 0x5300, in, n, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x52, 0x5300, CXLEMU_MBOX_BUSY, 0);
	/* The same wiring, direct from the FM-owned LD: one level, fine. */
	assert_int_equal(run(f, f->ldfm, 0x5300, m3, 4 + l1, 4096), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 0x51, 0x0001, CXLEMU_MBOX_SUCCESS, 18);
	/* The port's CCI loops to itself: Busy too. */
	assert_int_equal(cxlemu_mld_set_ld_cci(f->mld, 3, f->ldfm), 0);
	assert_int_equal(run(f, f->ldfm, 0x5300, m3, 4 + l1, 4096), CXLEMU_MBOX_BUSY);
	assert_int_equal(cxlemu_mld_set_ld_cci(f->mld, 3, NULL), 0);
	assert_int_equal(run(f, f->ldfm, 0x5300, m3, 4 + l1, 4096), CXLEMU_MBOX_INVALID_INPUT);

	assert_int_equal(cxlemu_mld_set_ld_cci(f->mld, 2, NULL), 0);
	cxlemu_cci_free(ldfm2);
	cxlemu_cci_free(leaf);
	cxlemu_mld_free(mld2);
	mf_free(f);
}

/* ---- LDs of one MLD in two VCSs ---- */

static int fm(struct mf *f, uint16_t op, const uint8_t *in, size_t len)
{
	int rc = run(f, f->swcci, op, in, len, 4096);

	if (rc != CXLEMU_MBOX_BG_STARTED)
		return rc;
	cxlemu_cci_poll(f->swcci);
	assert_int_equal(run(f, f->swcci, 0x0002, NULL, 0, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out[0] & 1, 0);
	return (int)test_le(f->out + 4, 2);
}

static int bind_ld(struct mf *f, unsigned int vcs, unsigned int vppb, unsigned int ld)
{
	const uint8_t in[6] = { (uint8_t)vcs, (uint8_t)vppb, 2, 0, (uint8_t)ld,
				(uint8_t)(ld >> 8) };

	return fm(f, 0x5201, in, sizeof(in));
}

static void bound_to(struct mf *f, unsigned int vcs, unsigned int vppb, unsigned int ld)
{
	struct cxlemu_switch_vppb_info vi;

	assert_int_equal(cxlemu_switch_vppb_info(f->sw, vcs, vppb, &vi), 0);
	assert_int_equal(vi.state, CXLEMU_VPPB_BOUND_LD);
	assert_int_equal(vi.port, 2);
	assert_int_equal(vi.ld_id, ld);
}

static void test_lds_in_two_vcs(void **state)
{
	struct mf *f = mf_new();
	uint8_t m[128], in[256], pl[64];
	uint64_t r1[2] = { 4, 8 }, r2[2] = { 0, 2 };
	struct cxlemu_switch_port_info pi;
	const uint8_t *p;
	size_t n;

	(void)state;
	/* The FM gives LD 0 1 GiB and LD 1 2.5 GiB, through the switch. */
	n = tunnel(in, 2, m, msg(m, 1, 0x5402, pl, set_alloc_in(pl, 2, 0, r1, r2)));
	assert_int_equal(fm(f, 0x5300, in, n), CXLEMU_MBOX_SUCCESS);
	tunnel_rsp(f, 1, 0x5402, CXLEMU_MBOX_SUCCESS, 36);
	/* LD 0 to VCS 0, LD 1 to VCS 1: the same port, two hosts. */
	assert_int_equal(bind_ld(f, 0, 0, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(bind_ld(f, 1, 0, 1), CXLEMU_MBOX_SUCCESS);
	bound_to(f, 0, 0, 0);
	bound_to(f, 1, 0, 1);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 2, &pi), 0);
	assert_int_equal(pi.bound, 2);
	/* An LD is bound once; the port needs an LD ID. */
	assert_int_equal(bind_ld(f, 1, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_ld(f, 1, 1, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	/* The FM reads the allocations through the switch while bound. */
	n = tunnel(in, 2, m, msg(m, 2, 0x5401, (const uint8_t[]){ 0, 2 }, 2));
	assert_int_equal(fm(f, 0x5300, in, n), CXLEMU_MBOX_SUCCESS);
	p = tunnel_rsp(f, 2, 0x5401, CXLEMU_MBOX_SUCCESS, 4 + 32);
	assert_int_equal(p[0], 4);
	assert_int_equal(p[1], 0);
	assert_int_equal(p[2], 0);
	assert_int_equal(p[3], 2);
	entry_is(p + 4, 4, 0);
	entry_is(p + 20, 8, 2);
	/* And the VCS view says which LD each host has. */
	assert_int_equal(fm(f, 0x5200, (const uint8_t[]){ 0, 2, 2, 0, 1 }, 5),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out[4 + 4 + 0], 3);  /* VCS 0 vPPB 0: bound LD */
	assert_int_equal(f->out[4 + 4 + 1], 2);
	assert_int_equal(f->out[4 + 4 + 2], 0);
	assert_int_equal(f->out[4 + 12 + 4 + 0], 3);  /* VCS 1 vPPB 0 */
	assert_int_equal(f->out[4 + 12 + 4 + 2], 1);
	/* LD 0 moves to VCS 1's other vPPB: one host holds two LDs. */
	assert_int_equal(fm(f, 0x5202, (const uint8_t[]){ 0, 0, CXLEMU_UNBIND_MANAGED }, 3),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(bind_ld(f, 1, 1, 0), CXLEMU_MBOX_SUCCESS);
	bound_to(f, 1, 1, 0);
	bound_to(f, 1, 0, 1);
	alloc_is(f, 0, 4, 0);
	alloc_is(f, 1, 8, 2);
	mf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mld_config),
		cmocka_unit_test(test_get_ld_info),
		cmocka_unit_test(test_get_ld_allocations),
		cmocka_unit_test(test_set_ld_allocations),
		cmocka_unit_test(test_tunnel_round_trip),
		cmocka_unit_test(test_tunnel_refusals),
		cmocka_unit_test(test_tunnel_nesting),
		cmocka_unit_test(test_lds_in_two_vcs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
