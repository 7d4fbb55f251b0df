/* SPDX-License-Identifier: MIT */
/* Virtual CXL Switch: the model (ports, VCSs, the bind/unbind state machine
 * with the host's part) and the FM-API Physical and Virtual Switch command
 * sets through switch and MCTP CCIs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
/* The event queue is private until the switch CCI serves Get Event
 * Records; the tests read it directly. */
#include "../lib/vcs/vcs_priv.h"

enum host_mode {
	HOST_NONE,     /* no attach/detach callbacks */
	HOST_INLINE,   /* the host answers from inside the callback */
	HOST_DEFERRED, /* the host answers later (the test calls host_done) */
};

struct sf {
	struct cxlemu_ctx *ctx;
	struct cxlemu_switch_config cfg;
	struct cxlemu_switch *sw;
	struct cxlemu_cci *cci;  /* the switch's mailbox CCI */
	struct cxlemu_cci *mctp; /* the FM's MCTP endpoint */
	uint64_t now;
	enum host_mode mode;
	int host_rc;             /* what attach/detach return */
	int inline_status;       /* what an inline host reports */
	unsigned int attaches, detaches, aers, irqs;
	unsigned int ev_irqs, ev_log, ev_mode, ev_vector;
	unsigned int a_vcs, a_vppb, a_port, a_ld, a_mode;
	unsigned int aer_vcs, aer_inst, aer_sev, aer_bit;
	uint8_t aer_hdr[32];
	uint64_t scheduled;
	uint8_t out[4096];
	size_t out_len;
};

static uint64_t sf_clock(void *opaque)
{
	return ((struct sf *)opaque)->now;
}

static void sf_irq(void *opaque)
{
	((struct sf *)opaque)->irqs++;
}

static void sf_schedule(void *opaque, uint64_t when)
{
	((struct sf *)opaque)->scheduled = when;
}

static int sf_attach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
		     unsigned int ld)
{
	struct sf *f = opaque;

	f->attaches++;
	f->a_vcs = vcs;
	f->a_vppb = vppb;
	f->a_port = port;
	f->a_ld = ld;
	if (f->host_rc)
		return f->host_rc;
	if (f->mode == HOST_INLINE)
		assert_int_equal(cxlemu_switch_host_done(f->sw, vcs, vppb, f->inline_status), 0);
	return 0;
}

static int sf_detach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
		     unsigned int ld, unsigned int mode)
{
	struct sf *f = opaque;

	f->detaches++;
	f->a_vcs = vcs;
	f->a_vppb = vppb;
	f->a_port = port;
	f->a_ld = ld;
	f->a_mode = mode;
	if (f->host_rc)
		return f->host_rc;
	if (f->mode == HOST_INLINE)
		assert_int_equal(cxlemu_switch_host_done(f->sw, vcs, vppb, f->inline_status), 0);
	return 0;
}

static void sf_event_irq(void *opaque, unsigned int log, unsigned int mode,
			 unsigned int vector)
{
	struct sf *f = opaque;

	f->ev_irqs++;
	f->ev_log = log;
	f->ev_mode = mode;
	f->ev_vector = vector;
}

static void sf_aer(void *opaque, unsigned int vcs, unsigned int inst, unsigned int sev,
		   unsigned int bit, const uint8_t hdr[32])
{
	struct sf *f = opaque;

	f->aers++;
	f->aer_vcs = vcs;
	f->aer_inst = inst;
	f->aer_sev = sev;
	f->aer_bit = bit;
	memcpy(f->aer_hdr, hdr, 32);
}

/*
 * The test switch, 8 ports and 3 VCSs:
 *   port 0 USP of VCS 0 (4 vPPBs), port 1 USP of VCS 1 (3 vPPBs),
 *   port 2 DSP with an SLD, port 3 DSP with an MLD of 4 LDs, port 4 DSP
 *   with nothing, port 5 DSP with a PCIe device, port 6 disabled, port 7
 *   DSP with another switch; VCS 2 disabled (2 vPPBs).
 */
static void sf_config(struct sf *f)
{
	struct cxlemu_switch_config *c = &f->cfg;

	cxlemu_switch_config_init(c);
	c->nports = 8;
	c->nvcs = 3;
	c->vendor_id = 0x1e98;
	c->device_id = 0xc0de;
	c->hdm_decoders = 8;
	c->ports[0].type = CXLEMU_SWITCH_PORT_USP;
	c->ports[1].type = CXLEMU_SWITCH_PORT_USP;
	c->ports[1].link_width = 8;
	c->ports[1].speeds = 0x0f;
	c->ports[2].type = CXLEMU_SWITCH_PORT_DSP;
	c->ports[2].attached = CXLEMU_SWITCH_DEV_SLD;
	c->ports[2].first_lane = 16;
	c->ports[3].type = CXLEMU_SWITCH_PORT_DSP;
	c->ports[3].attached = CXLEMU_SWITCH_DEV_MLD;
	c->ports[3].ld_count = 4;
	c->ports[4].type = CXLEMU_SWITCH_PORT_DSP;
	c->ports[5].type = CXLEMU_SWITCH_PORT_DSP;
	c->ports[5].attached = CXLEMU_SWITCH_DEV_PCIE;
	c->ports[5].cxl_modes = 0x01;
	c->ports[6].type = CXLEMU_SWITCH_PORT_DISABLED;
	c->ports[7].type = CXLEMU_SWITCH_PORT_DSP;
	c->ports[7].attached = CXLEMU_SWITCH_DEV_SWITCH;
	c->vcs[0] = (struct cxlemu_switch_vcs_config){ .enabled = 1, .usp = 0, .nvppbs = 4 };
	c->vcs[1] = (struct cxlemu_switch_vcs_config){ .enabled = 1, .usp = 1, .nvppbs = 3 };
	c->vcs[2] = (struct cxlemu_switch_vcs_config){ .enabled = 0, .usp = 0, .nvppbs = 2 };
	c->host.attach = sf_attach;
	c->host.detach = sf_detach;
	c->host.aer = sf_aer;
	c->host.event_irq = sf_event_irq;
	c->host.opaque = f;
}

static struct cxlemu_cci *sf_cci(struct sf *f, uint32_t kind, struct cxlemu_switch *sw)
{
	struct cxlemu_cci_config c;
	struct cxlemu_cci *cci;

	memset(&c, 0, sizeof(c));
	c.version = CXLEMU_CCI_CONFIG_VERSION;
	c.kind = kind;
	c.payload_size = 4096;
	c.component_type = 0;
	c.ingress_port = kind == CXLEMU_CCI_SWITCH ? 0 : 1;
	c.host.irq = sf_irq;
	c.host.schedule = sf_schedule;
	c.host.opaque = f;
	c.fabric_switch = sw;
	assert_int_equal(cxlemu_cci_new(f->ctx, &c, &cci), 0);
	return cci;
}

static void sf_start(struct sf *f)
{
	struct cxlemu_host_ops ops;

	memset(&ops, 0, sizeof(ops));
	ops.version = CXLEMU_HOST_OPS_VERSION;
	ops.now_ns = sf_clock;
	assert_int_equal(cxlemu_ctx_new(&ops, f, &f->ctx), 0);
	if (f->mode == HOST_NONE) {
		f->cfg.host.attach = NULL;
		f->cfg.host.detach = NULL;
	}
	assert_int_equal(cxlemu_switch_new(f->ctx, &f->cfg, &f->sw), 0);
	f->cci = sf_cci(f, CXLEMU_CCI_SWITCH, f->sw);
	f->mctp = sf_cci(f, CXLEMU_CCI_MCTP, f->sw);
}

static struct sf *sf_new(enum host_mode mode)
{
	struct sf *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->mode = mode;
	f->now = 1000;
	sf_config(f);
	sf_start(f);
	return f;
}

static void sf_free(struct sf *f)
{
	cxlemu_cci_free(f->cci);
	cxlemu_cci_free(f->mctp);
	cxlemu_switch_free(f->sw);
	cxlemu_ctx_free(f->ctx);
	free(f);
}

static int run_on(struct sf *f, struct cxlemu_cci *cci, uint16_t op, const void *in,
		  size_t len, size_t cap)
{
	int rc;

	memset(f->out, 0xa5, sizeof(f->out));
	rc = cxlemu_cci_execute(cci, op, in, len, f->out, cap, &f->out_len);
	assert_true(rc >= 0);
	return rc;
}

static int run(struct sf *f, uint16_t op, const void *in, size_t len)
{
	return run_on(f, f->cci, op, in, len, sizeof(f->out));
}

/* Every observable bit of binding state, to show a refusal changed none. */
struct snap {
	struct cxlemu_switch_port_info port[8];
	struct cxlemu_switch_vppb_info vppb[3][4];
	unsigned int events;
};

static void snap(const struct sf *f, struct snap *s)
{
	unsigned int i, j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < 8; i++)
		assert_int_equal(cxlemu_switch_port_info(f->sw, i, &s->port[i]), 0);
	for (i = 0; i < 3; i++)
		for (j = 0; j < f->cfg.vcs[i].nvppbs; j++)
			assert_int_equal(cxlemu_switch_vppb_info(f->sw, i, j, &s->vppb[i][j]), 0);
	s->events = vcs_event_count(f->sw, VCS_LOG_INFO) + vcs_event_count(f->sw, VCS_LOG_WARN);
}

static void assert_unchanged(const struct sf *f, const struct snap *before)
{
	struct snap now;

	snap(f, &now);
	assert_memory_equal(&now, before, sizeof(now));
}

static void vppb_is(const struct sf *f, unsigned int vcs, unsigned int vppb,
		    unsigned int state, unsigned int port, unsigned int ld)
{
	struct cxlemu_switch_vppb_info vi;

	assert_int_equal(cxlemu_switch_vppb_info(f->sw, vcs, vppb, &vi), 0);
	assert_int_equal(vi.state, state);
	if (state != CXLEMU_VPPB_UNBOUND)
		assert_int_equal(vi.port, port);
	assert_int_equal(vi.ld_id, ld);
}

/* Pops the next event record and checks it field by field (Table 7-78). */
static void event_is(struct sf *f, unsigned int log, unsigned int vcs, unsigned int vppb,
		     unsigned int status, unsigned int port, unsigned int ld)
{
	static const uint8_t uuid[16] = { 0x40, 0xd2, 0x64, 0x25, 0x33, 0x96, 0x4c, 0x4d,
					  0xa5, 0xda, 0x3d, 0x47, 0x26, 0x3a, 0xf4, 0x25 };
	struct vcs_event ev;
	unsigned int i;

	assert_true(vcs_event_pop(f->sw, log, &ev));
	assert_memory_equal(ev.rec, uuid, 16);
	assert_int_equal(ev.rec[0x10], 0x80);
	assert_int_equal(ev.rec[0x11], log);  /* severity */
	assert_int_equal(ev.rec[0x12], 0);
	assert_int_equal(ev.rec[0x13], 0);
	assert_int_not_equal(test_le(ev.rec + 0x14, 2), 0);
	assert_int_equal(test_le(ev.rec + 0x16, 2), 0);
	assert_int_equal(test_le(ev.rec + 0x18, 8), f->now);
	for (i = 0x20; i < 0x30; i++)
		assert_int_equal(ev.rec[i], 0);
	assert_int_equal(ev.rec[0x30], vcs);
	assert_int_equal(ev.rec[0x31], vppb);
	assert_int_equal(ev.rec[0x32], 0);  /* Binding Change */
	assert_int_equal(ev.rec[0x33], status);
	assert_int_equal(ev.rec[0x34], port);
	assert_int_equal(ev.rec[0x35], ld);
	assert_int_equal(test_le(ev.rec + 0x36, 2), 0);
	assert_int_equal(test_le(ev.rec + 0x38, 2), 0);
	for (i = 0x3a; i < 0x80; i++)
		assert_int_equal(ev.rec[i], 0);
}

static void no_event(struct sf *f)
{
	struct vcs_event ev;

	assert_false(vcs_event_pop(f->sw, VCS_LOG_INFO, &ev));
	assert_false(vcs_event_pop(f->sw, VCS_LOG_WARN, &ev));
}

/* ---- the model ---- */

static void test_config(void **state)
{
	struct sf f0;
	struct cxlemu_switch *sw;
	struct cxlemu_switch_port_info pi;
	struct cxlemu_switch_vppb_info vi;

	(void)state;
	memset(&f0, 0, sizeof(f0));
	sf_config(&f0);
	assert_int_equal(cxlemu_switch_new(NULL, &f0.cfg, &sw), 0);
	assert_int_equal(cxlemu_switch_nports(sw), 8);
	assert_int_equal(cxlemu_switch_nvcs(sw), 3);
	assert_int_equal(cxlemu_switch_port_info(sw, 3, &pi), 0);
	assert_int_equal(pi.type, CXLEMU_SWITCH_PORT_DSP);
	assert_int_equal(pi.attached, CXLEMU_SWITCH_DEV_MLD);
	assert_int_equal(pi.ld_count, 4);
	assert_int_equal(pi.link_up, 1);
	assert_int_equal(pi.perst, 0);
	assert_int_equal(pi.bound, 0);
	assert_int_equal(pi.vcs, 0xff);
	assert_int_equal(cxlemu_switch_port_info(sw, 1, &pi), 0);
	assert_int_equal(pi.type, CXLEMU_SWITCH_PORT_USP);
	assert_int_equal(pi.vcs, 1);
	assert_int_equal(cxlemu_switch_port_info(sw, 4, &pi), 0);
	assert_int_equal(pi.link_up, 0);  /* nothing attached */
	assert_int_equal(cxlemu_switch_port_info(sw, 6, &pi), 0);
	assert_int_equal(pi.type, CXLEMU_SWITCH_PORT_DISABLED);
	assert_int_equal(pi.link_up, 0);
	assert_int_equal(cxlemu_switch_port_info(sw, 8, &pi), -EINVAL);
	assert_int_equal(cxlemu_switch_port_info(sw, 0, NULL), -EINVAL);
	assert_int_equal(cxlemu_switch_vppb_info(sw, 2, 1, &vi), 0);
	assert_int_equal(vi.state, CXLEMU_VPPB_UNBOUND);
	assert_int_equal(vi.ld_id, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(cxlemu_switch_vppb_info(sw, 2, 2, &vi), -EINVAL);
	assert_int_equal(cxlemu_switch_vppb_info(sw, 3, 0, &vi), -EINVAL);
	assert_int_equal(cxlemu_switch_vppb_info(sw, 0, 4, &vi), -EINVAL);
	cxlemu_switch_free(sw);
	cxlemu_switch_free(NULL);

#define BAD(stmt) do { struct cxlemu_switch_config b = f0.cfg; stmt; \
		assert_int_equal(cxlemu_switch_new(NULL, &b, &sw), -EINVAL); assert_null(sw); } while (0)
	BAD(b.version = 0);
	BAD(b.nports = 0);
	BAD(b.nports = 257);
	BAD(b.nvcs = 256);
	BAD(b.reserved[1] = 1);
	BAD(b.ports[2].type = 3);
	BAD(b.ports[2].attached = 7);
	BAD(b.ports[2].reserved = 1);
	BAD(b.ports[0].attached = CXLEMU_SWITCH_DEV_SLD);   /* a USP has no device */
	BAD(b.ports[6].attached = CXLEMU_SWITCH_DEV_SLD);   /* nor a disabled port */
	BAD(b.ports[3].ld_count = 0);
	BAD(b.ports[3].ld_count = 17);
	BAD(b.ports[2].ld_count = 1);                        /* only MLDs have LDs */
	BAD(b.ports[2].link_width = 33);
	BAD(b.ports[2].speeds = 0x40);
	BAD(b.vcs[0].usp = 2);                               /* not a USP */
	BAD(b.vcs[0].usp = 9);                               /* no such port */
	BAD(b.vcs[1].usp = 0);                               /* USP shared */
	BAD(b.vcs[1].enabled = 0);                           /* USP 1 orphaned */
	BAD(b.vcs[0].enabled = 2);
	BAD(b.vcs[0].reserved = 1);
#undef BAD
	assert_int_equal(cxlemu_switch_new(NULL, NULL, &sw), -EINVAL);
	assert_int_equal(cxlemu_switch_new(NULL, &f0.cfg, NULL), -EINVAL);
	/* The largest switch: 256 ports, 255 VCSs of 255 vPPBs (ports 0..254
	 * upstream, port 255 downstream). */
	{
		struct cxlemu_switch_config *b = malloc(sizeof(*b));
		unsigned int i;

		assert_non_null(b);
		cxlemu_switch_config_init(b);
		b->nports = 256;
		b->nvcs = 255;
		for (i = 0; i < 255; i++) {
			b->ports[i].type = CXLEMU_SWITCH_PORT_USP;
			b->vcs[i] = (struct cxlemu_switch_vcs_config){ 1, (uint8_t)i, 255, 0 };
		}
		b->ports[255].type = CXLEMU_SWITCH_PORT_DSP;
		b->ports[255].attached = CXLEMU_SWITCH_DEV_SLD;
		assert_int_equal(cxlemu_switch_new(NULL, b, &sw), 0);
		assert_int_equal(cxlemu_switch_nports(sw), 256);
		assert_int_equal(cxlemu_switch_bind(sw, 254, 254, 255, CXLEMU_SWITCH_NO_LD), 0);
		assert_int_equal(cxlemu_switch_vppb_info(sw, 254, 254, &vi), 0);
		assert_int_equal(vi.state, CXLEMU_VPPB_BOUND_PORT);
		assert_int_equal(vi.port, 255);
		cxlemu_switch_free(sw);
		free(b);
	}
}

static void test_model_immediate(void **state)
{
	struct sf *f = sf_new(HOST_NONE);
	struct cxlemu_switch_port_info pi;

	(void)state;
	/* Without callbacks, bind and unbind complete at once. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 1, 2, CXLEMU_SWITCH_NO_LD), 0);
	vppb_is(f, 0, 1, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 2, &pi), 0);
	assert_int_equal(pi.bound, 1);
	event_is(f, VCS_LOG_INFO, 0, 1, 2, 2, 0xff);
	/* Two LDs of one MLD to two VCSs. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 3, 2), 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 2, 3, 0), 0);
	vppb_is(f, 0, 0, CXLEMU_VPPB_BOUND_LD, 3, 2);
	vppb_is(f, 1, 2, CXLEMU_VPPB_BOUND_LD, 3, 0);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 3, &pi), 0);
	assert_int_equal(pi.bound, 2);
	event_is(f, VCS_LOG_INFO, 0, 0, 3, 3, 2);
	event_is(f, VCS_LOG_INFO, 1, 2, 3, 3, 0);
	/* A port whose link is down may be bound (7.6.7.2.2). */
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 0, 4, CXLEMU_SWITCH_NO_LD), 0);
	event_is(f, VCS_LOG_INFO, 1, 0, 2, 4, 0xff);
	/* Unbind, then the port is free for another VCS. */
	f->now = 5000;
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 1, CXLEMU_UNBIND_MANAGED), 0);
	vppb_is(f, 0, 1, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_INFO, 0, 1, 0, 0xff, 0xff);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 2, &pi), 0);
	assert_int_equal(pi.bound, 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 1, 2, CXLEMU_SWITCH_NO_LD), 0);
	vppb_is(f, 1, 1, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_INFO, 1, 1, 2, 2, 0xff);
	/* An LD unbound can be bound again, elsewhere. */
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 0, CXLEMU_UNBIND_SURPRISE), 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 3, 3, 2), 0);
	vppb_is(f, 0, 3, CXLEMU_VPPB_BOUND_LD, 3, 2);
	event_is(f, VCS_LOG_INFO, 0, 0, 0, 0xff, 0xff);
	event_is(f, VCS_LOG_INFO, 0, 3, 3, 3, 2);
	no_event(f);
	assert_int_equal(vcs_bound_count(f->sw), 4);
	sf_free(f);
}

static void test_model_refusals(void **state)
{
	struct sf *f = sf_new(HOST_DEFERRED);
	struct snap s;

	(void)state;
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 2, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 0, 0), 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 1, 3, 1), 0);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 1, 0), 0);
	snap(f, &s);
	f->attaches = f->detaches = 0;
	/* ids out of range, disabled VCS */
	assert_int_equal(cxlemu_switch_bind(f->sw, 3, 0, 4, CXLEMU_SWITCH_NO_LD), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(f->sw, 2, 0, 4, CXLEMU_SWITCH_NO_LD), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 4, 4, CXLEMU_SWITCH_NO_LD), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 8, CXLEMU_SWITCH_NO_LD), -EINVAL);
	/* not a DSP */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 1, CXLEMU_SWITCH_NO_LD), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 6, CXLEMU_SWITCH_NO_LD), -EINVAL);
	/* LD IDs: only for an MLD, required there, within its count */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 5, 0), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 3, CXLEMU_SWITCH_NO_LD), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 3, 4), -EINVAL);
	/* bound elsewhere: the SLD port (another VCS too), the LD */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 2, CXLEMU_SWITCH_NO_LD), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 0, 2, CXLEMU_SWITCH_NO_LD), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 0, 3, 1), -EINVAL);
	/* vPPB already bound */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 4, CXLEMU_SWITCH_NO_LD), -EINVAL);
	/* unbind: unbound vPPB, reserved option, ids */
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 2, 0), -EINVAL);
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 0, 3), -EINVAL);
	assert_int_equal(cxlemu_switch_unbind(f->sw, 2, 0, 0), -EINVAL);
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 9, 0), -EINVAL);
	assert_int_equal(cxlemu_switch_bind(NULL, 0, 0, 2, 0), -EINVAL);
	assert_int_equal(cxlemu_switch_unbind(NULL, 0, 0, 0), -EINVAL);
	assert_int_equal(f->attaches + f->detaches, 0);
	assert_unchanged(f, &s);
	/* A vPPB in the middle of an operation is busy. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 0, 4, CXLEMU_SWITCH_NO_LD), 0);
	snap(f, &s);
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 0, 5, CXLEMU_SWITCH_NO_LD), -EBUSY);
	assert_int_equal(cxlemu_switch_unbind(f->sw, 1, 0, 0), -EBUSY);
	/* and the port it is binding is taken */
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 1, 4, CXLEMU_SWITCH_NO_LD), -EINVAL);
	assert_unchanged(f, &s);
	sf_free(f);
}

static void test_model_deferred(void **state)
{
	struct sf *f = sf_new(HOST_DEFERRED);
	struct cxlemu_switch_port_info pi;

	(void)state;
	/* Bind: the host is asked, the vPPB waits. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 2, 3, 3), 0);
	assert_int_equal(f->attaches, 1);
	assert_int_equal(f->a_vcs, 1);
	assert_int_equal(f->a_vppb, 2);
	assert_int_equal(f->a_port, 3);
	assert_int_equal(f->a_ld, 3);
	vppb_is(f, 1, 2, CXLEMU_VPPB_BINDING, 3, 3);
	assert_int_equal(vcs_port_config_state(f->sw, 3), 1);
	assert_int_equal(vcs_bound_count(f->sw), 0);
	no_event(f);
	/* host_done misuse */
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 1, 0), -ENOENT);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 3, 0), -EINVAL);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 9, 0, 0), -EINVAL);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 2, 1), -EINVAL);
	assert_int_equal(cxlemu_switch_host_done(NULL, 1, 2, 0), -EINVAL);
	vppb_is(f, 1, 2, CXLEMU_VPPB_BINDING, 3, 3);
	f->now = 2000;
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 2, 0), 0);
	vppb_is(f, 1, 2, CXLEMU_VPPB_BOUND_LD, 3, 3);
	assert_int_equal(vcs_port_config_state(f->sw, 3), 3);
	event_is(f, VCS_LOG_INFO, 1, 2, 3, 3, 3);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 2, 0), -ENOENT);

	/* Unbind with managed hot-remove; the host fails it: still bound. */
	assert_int_equal(cxlemu_switch_unbind(f->sw, 1, 2, CXLEMU_UNBIND_MANAGED), 0);
	assert_int_equal(f->detaches, 1);
	assert_int_equal(f->a_mode, CXLEMU_UNBIND_MANAGED);
	assert_int_equal(f->a_port, 3);
	assert_int_equal(f->a_ld, 3);
	vppb_is(f, 1, 2, CXLEMU_VPPB_UNBINDING, 3, 3);
	assert_int_equal(vcs_port_config_state(f->sw, 3), 2);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 2, -EIO), 0);
	vppb_is(f, 1, 2, CXLEMU_VPPB_BOUND_LD, 3, 3);
	event_is(f, VCS_LOG_WARN, 1, 2, 3, 3, 3);
	/* Unbind again, surprise: done. */
	assert_int_equal(cxlemu_switch_unbind(f->sw, 1, 2, CXLEMU_UNBIND_SURPRISE), 0);
	assert_int_equal(f->a_mode, CXLEMU_UNBIND_SURPRISE);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 2, 0), 0);
	vppb_is(f, 1, 2, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_INFO, 1, 2, 0, 0xff, 0xff);

	/* A bind the host fails later: unbound again, the port free. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 2, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 0, -ENODEV), 0);
	vppb_is(f, 0, 0, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 2, &pi), 0);
	assert_int_equal(pi.bound, 0);
	event_is(f, VCS_LOG_WARN, 0, 0, 0, 0xff, 0xff);
	/* A host that refuses at once. */
	f->host_rc = -ENOSPC;
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 2, CXLEMU_SWITCH_NO_LD), -EIO);
	vppb_is(f, 0, 0, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_WARN, 0, 0, 0, 0xff, 0xff);
	f->host_rc = 0;
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 2, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 0, 0), 0);
	event_is(f, VCS_LOG_INFO, 0, 0, 2, 2, 0xff);
	f->host_rc = -ENOSPC;
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 0, 0), -EIO);
	vppb_is(f, 0, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_WARN, 0, 0, 2, 2, 0xff);
	no_event(f);
	sf_free(f);
}

static void test_model_inline(void **state)
{
	struct sf *f = sf_new(HOST_INLINE);

	(void)state;
	/* The host answers from inside the callback. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 3, 7, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(f->attaches, 1);
	vppb_is(f, 0, 3, CXLEMU_VPPB_BOUND_PORT, 7, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_INFO, 0, 3, 2, 7, 0xff);
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 3, CXLEMU_UNBIND_WAIT_LINK_DOWN), 0);
	assert_int_equal(f->a_mode, CXLEMU_UNBIND_WAIT_LINK_DOWN);
	vppb_is(f, 0, 3, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_INFO, 0, 3, 0, 0xff, 0xff);
	/* ... and may fail it from there too. */
	f->inline_status = -EIO;
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 3, 7, CXLEMU_SWITCH_NO_LD), -EIO);
	vppb_is(f, 0, 3, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_WARN, 0, 3, 0, 0xff, 0xff);
	no_event(f);
	sf_free(f);
}

static void test_event_queue_bound(void **state)
{
	struct sf *f = sf_new(HOST_NONE);
	unsigned int i;
	struct vcs_event ev;
	uint16_t last = 0;

	(void)state;
	/* 40 bind/unbind pairs: 80 records, the queue keeps the first 64. */
	for (i = 0; i < 40; i++) {
		assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 2, CXLEMU_SWITCH_NO_LD), 0);
		assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 0, 0), 0);
	}
	assert_int_equal(vcs_event_count(f->sw, VCS_LOG_INFO), VCS_EVENT_MAX);
	assert_int_equal(f->sw->events->log[VCS_LOG_INFO].overflow, 80 - VCS_EVENT_MAX);
	for (i = 0; i < VCS_EVENT_MAX; i++) {
		assert_true(vcs_event_pop(f->sw, VCS_LOG_INFO, &ev));
		assert_int_equal(ev.rec[0x33], i % 2 ? 0 : 2);  /* bind, unbind, ... */
		assert_true(test_le(ev.rec + 0x14, 2) > last);   /* handles increase */
		last = (uint16_t)test_le(ev.rec + 0x14, 2);
	}
	no_event(f);
	sf_free(f);
}

/* ---- FM-API: physical switch ---- */

static void test_identify_switch(void **state)
{
	struct sf *f = sf_new(HOST_NONE);
	unsigned int i;

	(void)state;
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 1, 2, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 0, 3, 1), 0);
	assert_int_equal(run(f, 0x5100, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 0x49);
	assert_int_equal(f->out[0x00], 0);     /* ingress port of the switch CCI */
	assert_int_equal(f->out[0x01], 0);
	assert_int_equal(f->out[0x02], 8);     /* ports */
	assert_int_equal(f->out[0x03], 3);     /* VCSs */
	assert_int_equal(f->out[0x04], 0xbf);  /* all but port 6 */
	for (i = 0x05; i < 0x24; i++)
		assert_int_equal(f->out[i], 0);
	assert_int_equal(f->out[0x24], 0x03);  /* VCS 0 and 1 */
	for (i = 0x25; i < 0x44; i++)
		assert_int_equal(f->out[i], 0);
	assert_int_equal(test_le(f->out + 0x44, 2), 9);  /* 4 + 3 + 2 vPPBs */
	assert_int_equal(test_le(f->out + 0x46, 2), 2);
	assert_int_equal(f->out[0x48], 8);
	/* Through MCTP: ingress 1, same switch. */
	assert_int_equal(run_on(f, f->mctp, 0x5100, NULL, 0, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out[0x00], 1);
	assert_int_equal(test_le(f->out + 0x46, 2), 2);
	/* Input where none is taken; a response buffer too small. */
	assert_int_equal(run(f, 0x5100, "x", 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run_on(f, f->cci, 0x5100, NULL, 0, 0x48), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(f->out_len, 0);
	sf_free(f);
}

static const uint8_t *block(const struct sf *f, unsigned int i)
{
	return f->out + 4 + 16 * i;
}

static void test_phys_port_state(void **state)
{
	struct sf *f = sf_new(HOST_DEFERRED);
	const uint8_t req[] = { 8, 0, 1, 2, 3, 4, 5, 6, 200 };
	const uint8_t *b;
	uint8_t big[1 + 255];
	struct snap s;
	unsigned int i;

	(void)state;
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 5, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(run(f, 0x5101, req, sizeof(req)), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 8 * 16);
	assert_int_equal(f->out[0], 8);
	assert_int_equal(f->out[1] | f->out[2] | f->out[3], 0);
	/* port 0: USP, x16, 2.5-32 GT/s, up */
	b = block(f, 0);
	assert_int_equal(b[0x0], 0);
	assert_int_equal(b[0x1], 4);
	assert_int_equal(b[0x2], 0);
	assert_int_equal(b[0x3], 0);
	assert_int_equal(b[0x4], 0);
	assert_int_equal(b[0x5], 0x06);
	assert_int_equal(b[0x6], 16);
	assert_int_equal(b[0x7], 16);
	assert_int_equal(b[0x8], 0x1f);
	assert_int_equal(b[0x9], 5);
	assert_int_equal(b[0xa], 5);
	assert_int_equal(b[0xb], 4);
	assert_int_equal(b[0xc], 0);
	assert_int_equal(test_le(b + 0xd, 2), 4);
	assert_int_equal(b[0xf], 1);
	/* port 1: USP, x8, up to 16 GT/s */
	b = block(f, 1);
	assert_int_equal(b[0x1], 4);
	assert_int_equal(b[0x6], 8);
	assert_int_equal(b[0x7], 8);
	assert_int_equal(b[0x8], 0x0f);
	assert_int_equal(b[0x9], 4);
	assert_int_equal(b[0xa], 4);
	/* port 2: DSP with an SLD, lane 16 */
	b = block(f, 2);
	assert_int_equal(b[0x0], 2);
	assert_int_equal(b[0x1], 3);
	assert_int_equal(b[0x2], 2);
	assert_int_equal(b[0x4], 4);
	assert_int_equal(b[0x7], 16);
	assert_int_equal(b[0xb], 4);
	assert_int_equal(b[0xc], 16);
	assert_int_equal(test_le(b + 0xd, 2), 4);
	assert_int_equal(b[0xf], 16);
	/* port 3: MLD */
	b = block(f, 3);
	assert_int_equal(b[0x1], 3);
	assert_int_equal(b[0x4], 5);
	/* port 4: DSP, nothing: link down, not present */
	b = block(f, 4);
	assert_int_equal(b[0x1], 3);
	assert_int_equal(b[0x2], 0);
	assert_int_equal(b[0x4], 0);
	assert_int_equal(b[0x7], 0);
	assert_int_equal(b[0xa], 0);
	assert_int_equal(b[0xb], 0);
	assert_int_equal(test_le(b + 0xd, 2), 0);
	/* port 5: PCIe device, bind in progress */
	b = block(f, 5);
	assert_int_equal(b[0x1], 1);
	assert_int_equal(b[0x2], 0);
	assert_int_equal(b[0x4], 1);
	assert_int_equal(b[0x5], 0x01);
	/* port 6: disabled */
	b = block(f, 6);
	assert_int_equal(b[0x1], 0);
	assert_int_equal(b[0x7], 0);
	assert_int_equal(b[0xb], 8);
	/* port 200: none */
	b = block(f, 7);
	assert_int_equal(b[0x0], 200);
	assert_int_equal(b[0x1], 0xf);
	for (i = 2; i < 16; i++)
		assert_int_equal(b[i], 0);
	/* unbind in progress */
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 0, 0), 0);
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 0, 0), 0);
	assert_int_equal(run(f, 0x5101, (const uint8_t[]){ 1, 5 }, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(block(f, 0)[1], 2);
	/* MCTP, a switch with the other 7 ports, none requested */
	assert_int_equal(run_on(f, f->mctp, 0x5101, (const uint8_t[]){ 1, 7 }, 2, 4096),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(block(f, 0)[1], 3);
	assert_int_equal(block(f, 0)[4], 3);  /* a switch reports as type 2 / HBR switch */
	assert_int_equal(run(f, 0x5101, (const uint8_t[]){ 0 }, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4);
	assert_int_equal(f->out[0], 0);

	/* Counts that disagree with the list, no input at all. */
	snap(f, &s);
	assert_int_equal(run(f, 0x5101, (const uint8_t[]){ 3, 0, 1 }, 3),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(run(f, 0x5101, (const uint8_t[]){ 1, 0, 1 }, 3),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, 0x5101, (const uint8_t[]){ 255 }, 1),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, 0x5101, NULL, 0), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* More blocks than the response holds: 4 + 16 * 4 > 64. */
	assert_int_equal(run_on(f, f->cci, 0x5101, (const uint8_t[]){ 4, 0, 1, 2, 3 }, 5, 64),
			 CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(run_on(f, f->cci, 0x5101, (const uint8_t[]){ 3, 0, 1, 2 }, 4, 52),
			 CXLEMU_MBOX_SUCCESS);
	/* 255 ports fit a 4 KiB response: 4 + 255 * 16 = 4084. */
	big[0] = 255;
	for (i = 0; i < 255; i++)
		big[1 + i] = (uint8_t)i;
	assert_int_equal(run(f, 0x5101, big, sizeof(big)), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4084);
	assert_int_equal(f->out[4 + 16 * 254], 254);
	assert_int_equal(f->out[4 + 16 * 254 + 1], 0xf);
	/* ... but not a 2 KiB response limit. */
	assert_int_equal(run(f, 0x0004, (const uint8_t[]){ 11 }, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(run(f, 0x5101, big, sizeof(big)), CXLEMU_MBOX_INVALID_INPUT);
	assert_unchanged(f, &s);
	sf_free(f);
}

static void test_port_control(void **state)
{
	struct sf *f = sf_new(HOST_NONE);
	struct cxlemu_switch_port_info pi;
	struct snap s;
	uint8_t cfg[8] = { 4, 0x18, 0x70, 0x80, 0x01, 0x02, 0x03, 0x00 };

	(void)state;
	/* Assert PERST# on the free SLD port: link down, flag set. */
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 2, 0 }, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 2, &pi), 0);
	assert_int_equal(pi.perst, 1);
	assert_int_equal(pi.link_up, 0);
	assert_int_equal(run(f, 0x5101, (const uint8_t[]){ 1, 2 }, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(block(f, 0)[0x7], 0);
	assert_int_equal(block(f, 0)[0xa], 0);
	assert_int_equal(block(f, 0)[0xb], 0);
	assert_int_equal(block(f, 0)[0x2], 0);
	assert_int_equal(block(f, 0)[0x4], 4);  /* still present */
	assert_int_equal(test_le(block(f, 0) + 0xd, 2), 6);
	/* Deassert: up again. */
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 2, 1 }, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 2, &pi), 0);
	assert_int_equal(pi.perst, 0);
	assert_int_equal(pi.link_up, 1);
	/* Reset PPB: the bus numbers written through 5103h go back to 0. */
	assert_int_equal(run(f, 0x5103, cfg, 8), CXLEMU_MBOX_SUCCESS);
	cfg[3] = 0x00;
	assert_int_equal(run(f, 0x5103, cfg, 8), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(f->out, 4), 0x030201);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 4, 2 }, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(run(f, 0x5103, cfg, 8), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(f->out, 4), 0);
	/* An MLD port may be controlled while LDs are bound. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 3, 0), 0);
	assert_int_equal(run_on(f, f->mctp, 0x5102, (const uint8_t[]){ 3, 0 }, 2, 4096),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 3, &pi), 0);
	assert_int_equal(pi.perst, 1);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 3, 1 }, 2), CXLEMU_MBOX_SUCCESS);
	/* Refused: a bound SLD port, USP, disabled port, no such port,
	 * reserved opcode; and wrong lengths. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 1, 2, CXLEMU_SWITCH_NO_LD), 0);
	snap(f, &s);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 2, 0 }, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 0, 0 }, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 6, 0 }, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 8, 0 }, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 255, 0 }, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 4, 3 }, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 4, 0xff }, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 4 }, 1),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, 0x5102, (const uint8_t[]){ 4, 0, 0 }, 3),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_unchanged(f, &s);
	sf_free(f);
}

/* A 5103h request: port, register byte offset, byte enables, write? */
static int cfg_rq(struct sf *f, unsigned int port, unsigned int off, unsigned int be,
		  int write, uint32_t data)
{
	uint8_t in[8];
	uint32_t fld = (off & 0xff) | ((off >> 8) & 0xf) << 8 | be << 12 |
		       (write ? 1u << 23 : 0);

	in[0] = (uint8_t)port;
	in[1] = (uint8_t)fld;
	in[2] = (uint8_t)(fld >> 8);
	in[3] = (uint8_t)(fld >> 16);
	in[4] = (uint8_t)data;
	in[5] = (uint8_t)(data >> 8);
	in[6] = (uint8_t)(data >> 16);
	in[7] = (uint8_t)(data >> 24);
	return run(f, 0x5103, in, 8);
}

static uint32_t cfg_rd(struct sf *f, unsigned int port, unsigned int off, unsigned int be)
{
	assert_int_equal(cfg_rq(f, port, off, be, 0, 0xdeadbeef), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4);
	return (uint32_t)test_le(f->out, 4);
}

static void test_ppb_config(void **state)
{
	struct sf *f = sf_new(HOST_NONE);
	struct snap s;
	uint8_t in[8] = { 0 };
	unsigned int p;

	(void)state;
	/* Header: IDs, class code 060400h, header type 1. */
	assert_int_equal(cfg_rd(f, 4, 0x00, 0xf), 0xc0de1e98u);
	assert_int_equal(cfg_rd(f, 4, 0x00, 0x3), 0x1e98);
	assert_int_equal(cfg_rd(f, 4, 0x00, 0xc), 0xc0de0000u);
	assert_int_equal(cfg_rd(f, 4, 0x08, 0xf), 0x06040000u);
	assert_int_equal(cfg_rd(f, 4, 0x0c, 0x4), 0x00010000u);
	assert_int_equal(cfg_rd(f, 4, 0x0c, 0x0), 0);
	assert_int_equal(cfg_rd(f, 4, 0x34, 0xf), 0);  /* no capabilities */
	/* Bus numbers, with byte enables. */
	assert_int_equal(cfg_rq(f, 4, 0x18, 0x7, 1, 0xff050403u), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4);
	assert_int_equal(test_le(f->out, 4), 0);
	assert_int_equal(cfg_rd(f, 4, 0x18, 0xf), 0x00050403u);
	assert_int_equal(cfg_rq(f, 4, 0x18, 0x2, 1, 0x00000900u), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cfg_rd(f, 4, 0x18, 0xf), 0x00050903u);
	/* Command: only the defined bits stick; status is read-only. */
	assert_int_equal(cfg_rq(f, 4, 0x04, 0xf, 1, 0xffffffffu), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cfg_rd(f, 4, 0x04, 0xf), 0x0547);
	/* Memory window: address bits only. */
	assert_int_equal(cfg_rq(f, 4, 0x20, 0xf, 1, 0xffffffffu), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cfg_rd(f, 4, 0x20, 0xf), 0xfff0fff0u);
	/* IDs and class are read-only. */
	assert_int_equal(cfg_rq(f, 4, 0x00, 0xf, 1, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cfg_rq(f, 4, 0x08, 0xf, 1, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cfg_rd(f, 4, 0x00, 0xf), 0xc0de1e98u);
	assert_int_equal(cfg_rd(f, 4, 0x08, 0xf), 0x06040000u);
	/* Bridge control. */
	assert_int_equal(cfg_rq(f, 4, 0x3c, 0xf, 1, 0xffffffffu), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cfg_rd(f, 4, 0x3c, 0xf), 0x004300ffu);
	/* Unimplemented registers: 0, writes ignored (extended space too). */
	assert_int_equal(cfg_rq(f, 4, 0x40, 0xf, 1, 0x12345678u), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cfg_rd(f, 4, 0x40, 0xf), 0);
	assert_int_equal(cfg_rq(f, 4, 0x100, 0xf, 1, 0x12345678u), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cfg_rd(f, 4, 0x100, 0xf), 0);
	assert_int_equal(cfg_rd(f, 4, 0xffc, 0xf), 0);
	/* Ports are separate: port 5 untouched. */
	assert_int_equal(cfg_rd(f, 5, 0x18, 0xf), 0);
	/* The extended register number selects 256-byte pages: 0x118 is not
	 * 0x18. */
	assert_int_equal(cfg_rd(f, 4, 0x118, 0xf), 0);
	/* Through MCTP too. */
	in[0] = 4;
	in[1] = 0x18;
	in[2] = 0xf0;
	assert_int_equal(run_on(f, f->mctp, 0x5103, in, 8, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(f->out, 4), 0x00050903u);

	/* Refusals: unaligned register, reserved bits, ports not the FM's,
	 * no such port, wrong lengths, a response with no room. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 2, CXLEMU_SWITCH_NO_LD), 0);
	snap(f, &s);
	assert_int_equal(cfg_rq(f, 4, 0x19, 0xf, 0, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(f->out_len, 0);
	in[3] = 0x01;  /* bit 16 reserved */
	assert_int_equal(run(f, 0x5103, in, 8), CXLEMU_MBOX_INVALID_INPUT);
	in[3] = 0x40;  /* bit 22 reserved */
	assert_int_equal(run(f, 0x5103, in, 8), CXLEMU_MBOX_INVALID_INPUT);
	in[3] = 0;
	for (p = 0; p < 9; p++) {
		if (p == 3 || p == 4 || p == 5 || p == 7)
			continue;  /* the FM's: free DSPs and MLD ports */
		assert_int_equal(cfg_rq(f, p, 0x18, 0xf, 1, 1), CXLEMU_MBOX_INVALID_INPUT);
	}
	assert_int_equal(cfg_rq(f, 255, 0x00, 0xf, 0, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5103, in, 7), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	{
		uint8_t in9[9] = { 4, 0x18, 0xf0, 0 };

		assert_int_equal(run(f, 0x5103, in9, 9), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	}
	assert_int_equal(run_on(f, f->cci, 0x5103, in, 8, 3), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_unchanged(f, &s);
	assert_int_equal(cfg_rd(f, 4, 0x18, 0xf), 0x00050903u);
	/* The MLD port is reachable while bound. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 1, 3, 0), 0);
	assert_int_equal(cfg_rd(f, 3, 0x00, 0xf), 0xc0de1e98u);
	sf_free(f);
}

/* ---- FM-API: virtual switch ---- */

static void vppb_entry_is(const uint8_t *e, unsigned int st, unsigned int port,
			  unsigned int ld)
{
	assert_int_equal(e[0], st);
	assert_int_equal(e[1], port);
	assert_int_equal(e[2], ld);
	assert_int_equal(e[3], 0);
}

static void test_vcs_info(void **state)
{
	struct sf *f = sf_new(HOST_DEFERRED);
	uint8_t req[3 + 8];
	const uint8_t *b;
	struct snap s;

	(void)state;
	/* VCS 0: vPPB 0 bound to port 2, vPPB 1 to LD 3 of port 3, vPPB 2
	 * binding, vPPB 3 unbound. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 2, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 0, 0), 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 1, 3, 3), 0);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 1, 0), 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 7, CXLEMU_SWITCH_NO_LD), 0);

	memcpy(req, (const uint8_t[]){ 0, 255, 1, 0 }, 4);
	assert_int_equal(run(f, 0x5200, req, 4), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 4 + 4 * 4);
	assert_int_equal(f->out[0], 1);
	assert_int_equal(f->out[1] | f->out[2] | f->out[3], 0);
	b = f->out + 4;
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 4);
	vppb_entry_is(b + 4, 2, 2, 0xff);
	vppb_entry_is(b + 8, 3, 3, 3);
	vppb_entry_is(b + 12, 1, 0xff, 0xff);
	vppb_entry_is(b + 16, 0, 0xff, 0xff);

	/* Several VCSs, one unknown, one disabled, paged from vPPB 1, at most
	 * 2 entries each. */
	memcpy(req, (const uint8_t[]){ 1, 2, 4, 1, 200, 2, 0 }, 7);
	assert_int_equal(run(f, 0x5200, req, 7), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + (4 + 8) + 4 + (4 + 4) + (4 + 8));
	assert_int_equal(f->out[0], 4);
	b = f->out + 4;  /* VCS 1: USP 1, 3 vPPBs, entries 1 and 2 */
	assert_int_equal(b[0], 1);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[2], 1);
	assert_int_equal(b[3], 3);
	vppb_entry_is(b + 4, 0, 0xff, 0xff);
	vppb_entry_is(b + 8, 0, 0xff, 0xff);
	b += 12;         /* VCS 200: invalid */
	assert_int_equal(b[0], 200);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 0);
	b += 4;          /* VCS 2: disabled, 2 vPPBs, entry 1 only */
	assert_int_equal(b[0], 2);
	assert_int_equal(b[1], 0);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 2);
	vppb_entry_is(b + 4, 0, 0xff, 0xff);
	b += 8;          /* VCS 0: entries 1 and 2 */
	assert_int_equal(b[0], 0);
	assert_int_equal(b[3], 4);
	vppb_entry_is(b + 4, 3, 3, 3);
	vppb_entry_is(b + 8, 1, 0xff, 0xff);
	/* The last page: from vPPB 3, limit 2 gives 1 entry; past the end 0. */
	memcpy(req, (const uint8_t[]){ 3, 2, 1, 0 }, 4);
	assert_int_equal(run(f, 0x5200, req, 4), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 4 + 4);
	vppb_entry_is(f->out + 8, 0, 0xff, 0xff);
	memcpy(req, (const uint8_t[]){ 4, 2, 1, 0 }, 4);
	assert_int_equal(run(f, 0x5200, req, 4), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 8);
	assert_int_equal(f->out[4 + 3], 4);
	/* The same VCS twice is two blocks. */
	memcpy(req, (const uint8_t[]){ 0, 1, 2, 0, 0 }, 5);
	assert_int_equal(run(f, 0x5200, req, 5), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 4 + 8 + 8);

	/* Refusals. */
	snap(f, &s);
	memcpy(req, (const uint8_t[]){ 0, 0, 1, 0 }, 4);  /* limit 0 */
	assert_int_equal(run(f, 0x5200, req, 4), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(f->out_len, 0);
	memcpy(req, (const uint8_t[]){ 0, 1, 0 }, 3);     /* no VCS */
	assert_int_equal(run(f, 0x5200, req, 3), CXLEMU_MBOX_INVALID_INPUT);
	memcpy(req, (const uint8_t[]){ 0, 1, 3, 0, 1 }, 5);  /* 3 IDs promised, 2 given */
	assert_int_equal(run(f, 0x5200, req, 5), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	memcpy(req, (const uint8_t[]){ 0, 1, 1, 0, 1 }, 5);  /* 1 promised, 2 given */
	assert_int_equal(run(f, 0x5200, req, 5), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	memcpy(req, (const uint8_t[]){ 0, 1, 255 }, 3);
	assert_int_equal(run(f, 0x5200, req, 3), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, 0x5200, req, 2), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* A response that does not fit: 4 + 4 + 16 > 23. */
	memcpy(req, (const uint8_t[]){ 0, 255, 1, 0 }, 4);
	assert_int_equal(run_on(f, f->cci, 0x5200, req, 4, 23), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run_on(f, f->cci, 0x5200, req, 4, 24), CXLEMU_MBOX_SUCCESS);
	assert_unchanged(f, &s);
	sf_free(f);
}

static void bg_status(struct sf *f, struct cxlemu_cci *cci, unsigned int running,
		      unsigned int pct, unsigned int op, unsigned int rc)
{
	assert_int_equal(run_on(f, cci, 0x0002, NULL, 0, 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out[0] & 1, running);
	assert_int_equal(f->out[0] >> 1, pct);
	assert_int_equal(test_le(f->out + 2, 2), op);
	assert_int_equal(test_le(f->out + 4, 2), rc);
}

static int bind_cmd(struct sf *f, struct cxlemu_cci *cci, unsigned int vcs, unsigned int vppb,
		    unsigned int port, unsigned int ld)
{
	uint8_t in[6] = { (uint8_t)vcs, (uint8_t)vppb, (uint8_t)port, 0, (uint8_t)ld,
			  (uint8_t)(ld >> 8) };

	return run_on(f, cci, 0x5201, in, 6, 4096);
}

static int unbind_cmd(struct sf *f, struct cxlemu_cci *cci, unsigned int vcs,
		      unsigned int vppb, unsigned int opt)
{
	uint8_t in[3] = { (uint8_t)vcs, (uint8_t)vppb, (uint8_t)opt };

	return run_on(f, cci, 0x5202, in, 3, 4096);
}

static void test_bind_cmd(void **state)
{
	struct sf *f = sf_new(HOST_DEFERRED);
	struct snap s;
	unsigned int irqs;
	uint8_t in[6];

	(void)state;
	/* Started, waits for the host however much time passes. */
	assert_int_equal(bind_cmd(f, f->cci, 1, 0, 3, 2), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(f->attaches, 1);
	assert_int_equal(f->a_ld, 2);
	assert_int_equal(f->scheduled, f->now);
	vppb_is(f, 1, 0, CXLEMU_VPPB_BINDING, 3, 2);
	irqs = f->irqs;
	f->now += 1000000000;
	cxlemu_cci_poll(f->cci);
	assert_int_equal(f->irqs, irqs);
	bg_status(f, f->cci, 1, 0, 0x5201, 0);
	/* One background operation per CCI: Busy from the dispatcher, even
	 * for a bind that would be fine. */
	assert_int_equal(bind_cmd(f, f->cci, 0, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_BUSY);
	assert_int_equal(unbind_cmd(f, f->cci, 0, 0, 0), CXLEMU_MBOX_BUSY);
	/* Another CCI on the same vPPB: Busy from the switch. */
	assert_int_equal(bind_cmd(f, f->mctp, 1, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_BUSY);
	assert_int_equal(unbind_cmd(f, f->mctp, 1, 0, 0), CXLEMU_MBOX_BUSY);
	/* ... on the LD being bound: taken. */
	assert_int_equal(bind_cmd(f, f->mctp, 0, 0, 3, 2), CXLEMU_MBOX_INVALID_INPUT);
	/* Not abortable. */
	assert_int_equal(run(f, 0x0005, NULL, 0), CXLEMU_MBOX_REQUEST_ABORT_NOT_SUPPORTED);
	assert_int_equal(f->attaches, 1);
	/* The host is done: the operation completes at once, with its
	 * interrupt and event. */
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 0, 0), 0);
	assert_int_equal(f->irqs, irqs + 1);
	bg_status(f, f->cci, 0, 100, 0x5201, CXLEMU_MBOX_SUCCESS);
	vppb_is(f, 1, 0, CXLEMU_VPPB_BOUND_LD, 3, 2);
	event_is(f, VCS_LOG_INFO, 1, 0, 3, 3, 2);
	/* Meanwhile the MCTP CCI can run its own bind (inline host). */
	f->mode = HOST_INLINE;
	assert_int_equal(bind_cmd(f, f->mctp, 0, 0, 2, CXLEMU_SWITCH_NO_LD),
			 CXLEMU_MBOX_BG_STARTED);
	/* Completed inside the command: reported at the next poll. */
	vppb_is(f, 0, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	bg_status(f, f->mctp, 0, 100, 0x5201, CXLEMU_MBOX_SUCCESS);
	event_is(f, VCS_LOG_INFO, 0, 0, 2, 2, 0xff);
	/* A bind the host fails: Internal Error in the status, warning event. */
	f->mode = HOST_DEFERRED;
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 7, CXLEMU_SWITCH_NO_LD),
			 CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 1, -EIO), 0);
	bg_status(f, f->cci, 0, 100, 0x5201, CXLEMU_MBOX_INTERNAL_ERROR);
	vppb_is(f, 0, 1, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_WARN, 0, 1, 0, 0xff, 0xff);
	/* A host that refuses at once. */
	f->host_rc = -EBUSY;
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 7, CXLEMU_SWITCH_NO_LD),
			 CXLEMU_MBOX_BG_STARTED);
	bg_status(f, f->cci, 0, 100, 0x5201, CXLEMU_MBOX_INTERNAL_ERROR);
	event_is(f, VCS_LOG_WARN, 0, 1, 0, 0xff, 0xff);
	f->host_rc = 0;

	/* Every refusal, nothing changed and the host never asked. */
	snap(f, &s);
	f->attaches = 0;
	assert_int_equal(bind_cmd(f, f->cci, 3, 0, 4, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 255, 0, 4, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 2, 0, 4, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 4, 4, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 8, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 1, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 6, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 5, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 4, 0xfffe), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 3, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 3, 4), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 3, 0x102), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 1, 3, 2), CXLEMU_MBOX_INVALID_INPUT);  /* LD taken */
	assert_int_equal(bind_cmd(f, f->cci, 1, 1, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(bind_cmd(f, f->cci, 0, 0, 4, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	memcpy(in, (const uint8_t[]){ 0, 1, 4, 1, 0xff, 0xff }, 6);  /* reserved byte */
	assert_int_equal(run(f, 0x5201, in, 6), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5201, in, 5), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, 0x5201, in, 0), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, 0x5201, (const uint8_t[]){ 0, 1, 4, 0, 0xff, 0xff, 0 }, 7),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(f->attaches, 0);
	assert_unchanged(f, &s);
	bg_status(f, f->cci, 0, 100, 0x5201, CXLEMU_MBOX_INTERNAL_ERROR);
	sf_free(f);
}

/* A device plugged into or removed from a port outside a bind: the port's
 * link follows, bindings stay, MLD ports and USPs are refused. */
static void test_port_attached(void **state)
{
	struct sf *f = sf_new(HOST_INLINE);
	struct cxlemu_switch_port_info pi;
	struct snap s;

	(void)state;
	assert_int_equal(cxlemu_switch_port_info(f->sw, 4, &pi), 0);
	assert_int_equal(pi.link_up, 0);
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 4, CXLEMU_SWITCH_DEV_SLD), 0);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 4, &pi), 0);
	assert_int_equal(pi.attached, CXLEMU_SWITCH_DEV_SLD);
	assert_int_equal(pi.link_up, 1);
	/* Bound, then the device leaves: still bound, link down. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 1, 4, CXLEMU_SWITCH_NO_LD), 0);
	vppb_is(f, 0, 1, CXLEMU_VPPB_BOUND_PORT, 4, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 4, CXLEMU_SWITCH_DEV_NONE), 0);
	vppb_is(f, 0, 1, CXLEMU_VPPB_BOUND_PORT, 4, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 4, &pi), 0);
	assert_int_equal(pi.attached, CXLEMU_SWITCH_DEV_NONE);
	assert_int_equal(pi.link_up, 0);
	assert_int_equal(pi.bound, 1);
	/* Refusals change nothing. */
	snap(f, &s);
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 0, CXLEMU_SWITCH_DEV_SLD), -EINVAL);
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 6, CXLEMU_SWITCH_DEV_SLD), -EINVAL);
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 3, CXLEMU_SWITCH_DEV_SLD), -EINVAL);
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 4, CXLEMU_SWITCH_DEV_MLD), -EINVAL);
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 4, CXLEMU_SWITCH_DEV_SWITCH + 1),
			 -EINVAL);
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 8, CXLEMU_SWITCH_DEV_SLD), -EINVAL);
	assert_int_equal(cxlemu_switch_set_port_attached(NULL, 4, CXLEMU_SWITCH_DEV_SLD), -EINVAL);
	assert_unchanged(f, &s);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 3, &pi), 0);
	assert_int_equal(pi.attached, CXLEMU_SWITCH_DEV_MLD);
	/* Another device type on a port with a device. */
	assert_int_equal(cxlemu_switch_set_port_attached(f->sw, 5, CXLEMU_SWITCH_DEV_TYPE2), 0);
	assert_int_equal(cxlemu_switch_port_info(f->sw, 5, &pi), 0);
	assert_int_equal(pi.attached, CXLEMU_SWITCH_DEV_TYPE2);
	sf_free(f);
}

static void test_unbind_cmd(void **state)
{
	struct sf *f = sf_new(HOST_DEFERRED);
	struct snap s;

	(void)state;
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 2, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 2, 0), 0);
	event_is(f, VCS_LOG_INFO, 0, 2, 2, 2, 0xff);
	/* Refusals first. */
	snap(f, &s);
	f->detaches = 0;
	assert_int_equal(unbind_cmd(f, f->cci, 0, 2, 3), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(unbind_cmd(f, f->cci, 0, 2, 0x0f), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(unbind_cmd(f, f->cci, 0, 2, 0x10), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(unbind_cmd(f, f->cci, 0, 2, 0x81), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(unbind_cmd(f, f->cci, 0, 1, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(unbind_cmd(f, f->cci, 0, 4, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(unbind_cmd(f, f->cci, 2, 0, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(unbind_cmd(f, f->cci, 3, 0, 0), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(run(f, 0x5202, (const uint8_t[]){ 0, 2 }, 2),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, 0x5202, (const uint8_t[]){ 0, 2, 0, 0 }, 4),
			 CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(f->detaches, 0);
	assert_unchanged(f, &s);
	/* Managed hot-remove through MCTP; the host says done later. */
	assert_int_equal(unbind_cmd(f, f->mctp, 0, 2, 1), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(f->detaches, 1);
	assert_int_equal(f->a_mode, 1);
	assert_int_equal(f->a_port, 2);
	assert_int_equal(f->a_ld, CXLEMU_SWITCH_NO_LD);
	vppb_is(f, 0, 2, CXLEMU_VPPB_UNBINDING, 2, CXLEMU_SWITCH_NO_LD);
	bg_status(f, f->mctp, 1, 0, 0x5202, 0);
	assert_int_equal(unbind_cmd(f, f->cci, 0, 2, 0), CXLEMU_MBOX_BUSY);
	assert_int_equal(unbind_cmd(f, f->mctp, 0, 2, 0), CXLEMU_MBOX_BUSY);
	assert_int_equal(bind_cmd(f, f->cci, 1, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 2, 0), 0);
	bg_status(f, f->mctp, 0, 100, 0x5202, CXLEMU_MBOX_SUCCESS);
	event_is(f, VCS_LOG_INFO, 0, 2, 0, 0xff, 0xff);
	/* Now the port binds to another VCS. */
	assert_int_equal(bind_cmd(f, f->cci, 1, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 0, 0), 0);
	event_is(f, VCS_LOG_INFO, 1, 0, 2, 2, 0xff);
	/* An unbind the host fails: still bound, Internal Error, warning. */
	assert_int_equal(unbind_cmd(f, f->cci, 1, 0, 2), CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(f->a_mode, 2);
	assert_int_equal(cxlemu_switch_host_done(f->sw, 1, 0, -EAGAIN), 0);
	bg_status(f, f->cci, 0, 100, 0x5202, CXLEMU_MBOX_INTERNAL_ERROR);
	vppb_is(f, 1, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_WARN, 1, 0, 2, 2, 0xff);
	no_event(f);
	sf_free(f);
}

static void test_no_host_cmds(void **state)
{
	struct sf *f = sf_new(HOST_NONE);

	(void)state;
	/* No callbacks: the operation is done when the command returns; its
	 * completion is reported at the next poll. */
	assert_int_equal(bind_cmd(f, f->cci, 0, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_BG_STARTED);
	vppb_is(f, 0, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(f->irqs, 0);
	cxlemu_cci_poll(f->cci);
	assert_int_equal(f->irqs, 1);
	bg_status(f, f->cci, 0, 100, 0x5201, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(unbind_cmd(f, f->cci, 0, 0, 0), CXLEMU_MBOX_BG_STARTED);
	vppb_is(f, 0, 0, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	/* The next command polls first. */
	bg_status(f, f->cci, 0, 100, 0x5202, CXLEMU_MBOX_SUCCESS);
	event_is(f, VCS_LOG_INFO, 0, 0, 2, 2, 0xff);
	event_is(f, VCS_LOG_INFO, 0, 0, 0, 0xff, 0xff);
	sf_free(f);
}

static void test_generate_aer(void **state)
{
	struct sf *f = sf_new(HOST_NONE);
	uint8_t in[0x28];
	struct snap s;
	unsigned int i;

	(void)state;
	for (i = 0; i < 32; i++)
		in[8 + i] = (uint8_t)(0x80 + i);
	memcpy(in, (const uint8_t[]){ 1, 0, 0, 0, 0x0e, 0, 0, 0x80 }, 8);
	/* Instance 0: the USP of VCS 1; uncorrectable, bit 14. */
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(f->aers, 1);
	assert_int_equal(f->aer_vcs, 1);
	assert_int_equal(f->aer_inst, 0);
	assert_int_equal(f->aer_sev, 1);
	assert_int_equal(f->aer_bit, 14);
	assert_memory_equal(f->aer_hdr, in + 8, 32);
	/* A bound downstream vPPB: instance = vPPB + 1; correctable bit 6. */
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 2, 3, 1), 0);
	in[1] = 3;
	in[4] = 6;
	in[7] = 0;
	assert_int_equal(run_on(f, f->mctp, 0x5203, in, sizeof(in), 4096), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->aers, 2);
	assert_int_equal(f->aer_inst, 3);
	assert_int_equal(f->aer_sev, 0);
	assert_int_equal(f->aer_bit, 6);
	/* Refusals. */
	snap(f, &s);
	in[1] = 1;  /* vPPB 0 unbound */
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 4;  /* VCS 1 has 3 vPPBs */
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[1] = 0;
	in[0] = 2;  /* disabled */
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[0] = 3;  /* none */
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[0] = 1;
	in[2] = 1;  /* reserved */
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[2] = 0;
	in[3] = 0x80;
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[3] = 0;
	in[4] = 0x20;  /* bit 5 of AER Error reserved */
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[4] = 0;
	in[7] = 0x40;  /* bit 30 */
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[7] = 0;
	assert_int_equal(run(f, 0x5203, in, sizeof(in) - 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(run(f, 0x5203, in, 8), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(f->aers, 2);
	assert_unchanged(f, &s);
	sf_free(f);

	/* Without the host's AER hook: Unsupported. */
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	sf_config(f);
	f->cfg.host.aer = NULL;
	sf_start(f);
	memcpy(in, (const uint8_t[]){ 1, 0, 0, 0, 0x0e, 0, 0, 0x80 }, 8);
	assert_int_equal(run(f, 0x5203, in, sizeof(in)), CXLEMU_MBOX_UNSUPPORTED);
	sf_free(f);
}

static void test_unsupported(void **state)
{
	static const uint16_t ops[] = { 0x5100, 0x5101, 0x5102, 0x5103,
					0x5200, 0x5201, 0x5202, 0x5203 };
	struct sf *f = sf_new(HOST_NONE);
	struct cxlemu_cci *bare = sf_cci(f, CXLEMU_CCI_SWITCH, NULL);
	struct cxlemu_cci *mbox = sf_cci(f, CXLEMU_CCI_MAILBOX, f->sw);
	struct cxlemu_cci *ld = sf_cci(f, CXLEMU_CCI_LD_FM, f->sw);
	uint8_t in[0x28] = { 0 };
	unsigned int i;
	uint32_t cel_sw, cel_bare;

	(void)state;
	for (i = 0; i < CXLEMU_ARRAY_SIZE(ops); i++) {
		assert_int_equal(run_on(f, bare, ops[i], in, 0, 4096), CXLEMU_MBOX_UNSUPPORTED);
		assert_int_equal(run_on(f, mbox, ops[i], in, 0, 4096), CXLEMU_MBOX_UNSUPPORTED);
		assert_int_equal(run_on(f, ld, ops[i], in, 0, 4096), CXLEMU_MBOX_UNSUPPORTED);
	}
	/* The CEL lists the 8 switch commands only where they run (and the 4
	 * event commands, since a switch has event logs, and the Tunnel
	 * Management Command, since a switch has ports to tunnel to). */
	assert_int_equal(run_on(f, f->cci, 0x0400, NULL, 0, 4096), CXLEMU_MBOX_SUCCESS);
	cel_sw = (uint32_t)test_le(f->out + 24, 4);
	assert_int_equal(run_on(f, bare, 0x0400, NULL, 0, 4096), CXLEMU_MBOX_SUCCESS);
	cel_bare = (uint32_t)test_le(f->out + 24, 4);
	assert_int_equal(cel_sw, cel_bare + 13 * 4);
	cxlemu_cci_free(bare);
	cxlemu_cci_free(mbox);
	cxlemu_cci_free(ld);
	sf_free(f);
}

/* The switch's records reach the FM through Get/Clear Event Records on the
 * switch CCI and over MCTP (8.2.9.2, 7.6.8.2). */
static void test_switch_event_log(void **state)
{
	struct sf *f = sf_new(HOST_NONE);
	uint8_t in[8] = { 0 };
	struct vcs_event ev;
	uint16_t h;

	(void)state;
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, 2, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(run(f, 0x0100, in, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->out_len, 0x20 + 0x80);
	assert_int_equal(test_le(f->out + 0x14, 2), 1);
	assert_memory_equal(f->out + 0x20, "\x40\xd2\x64\x25", 4);
	assert_int_equal(f->out[0x20 + 0x30], 0);    /* VCS 0 */
	assert_int_equal(f->out[0x20 + 0x33], 2);    /* bound to a port */
	assert_int_equal(f->out[0x20 + 0x34], 2);
	h = (uint16_t)test_le(f->out + 0x20 + 0x14, 2);
	/* The same log through the FM's MCTP CCI; no DC log on a switch. */
	assert_int_equal(run_on(f, f->mctp, 0x0100, in, 1, sizeof(f->out)), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(f->out + 0x14, 2), 1);
	in[0] = 4;
	assert_int_equal(run(f, 0x0100, in, 1), CXLEMU_MBOX_INVALID_INPUT);
	/* Cleared by handle. */
	in[0] = 0;
	in[1] = 0;
	in[2] = 1;
	in[6] = (uint8_t)h;
	in[7] = (uint8_t)(h >> 8);
	assert_int_equal(run(f, 0x0101, in, 8), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(run(f, 0x0100, in, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(f->out + 0x14, 2), 0);
	assert_int_equal(vcs_event_count(f->sw, VCS_LOG_INFO), 0);
	/* No interrupt without a policy; with MSI vector 3 on the
	 * informational log, the next record raises it. */
	assert_int_equal(f->ev_irqs, 0);
	memcpy(in, (const uint8_t[]){ 0x31, 0, 0, 0 }, 4);
	assert_int_equal(run(f, 0x0103, in, 4), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_switch_unbind(f->sw, 0, 0, 0), 0);
	assert_int_equal(f->ev_irqs, 1);
	assert_int_equal(f->ev_log, 0);
	assert_int_equal(f->ev_mode, 1);
	assert_int_equal(f->ev_vector, 3);
	assert_int_equal(vcs_event_pop(f->sw, VCS_LOG_INFO, &ev), true);
	assert_int_equal(ev.rec[0x33], 0);  /* the unbind's record */
	sf_free(f);
}

static void test_cci_freed_while_waiting(void **state)
{
	struct sf *f = sf_new(HOST_DEFERRED);

	(void)state;
	assert_int_equal(bind_cmd(f, f->mctp, 0, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_BG_STARTED);
	cxlemu_cci_free(f->mctp);
	f->mctp = NULL;
	/* The switch no longer tells the freed CCI; the bind still lands. */
	assert_int_equal(cxlemu_switch_host_done(f->sw, 0, 0, 0), 0);
	vppb_is(f, 0, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	event_is(f, VCS_LOG_INFO, 0, 0, 2, 2, 0xff);
	sf_free(f);
}

/* Message framing carries the switch commands too (MCTP's view). */
static void test_message(void **state)
{
	struct sf *f = sf_new(HOST_NONE);
	uint8_t req[12 + 4] = { 0, 7, 0, 0x00, 0x52, 4, 0, 0, 0, 0, 0, 0, 0, 4, 1, 1 };
	uint8_t rsp[256];
	size_t rl;

	(void)state;
	assert_int_equal(cxlemu_cci_message(f->mctp, req, sizeof(req), rsp, sizeof(rsp), &rl), 0);
	assert_int_equal(rl, 12 + 4 + 4 + 4 * 3);
	assert_int_equal(rsp[1], 7);
	assert_int_equal(test_le(rsp + 8, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(rsp[12], 1);
	assert_int_equal(rsp[16], 1);
	assert_int_equal(rsp[17], 1);
	assert_int_equal(rsp[18], 1);
	assert_int_equal(rsp[19], 3);
	sf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_model_immediate),
		cmocka_unit_test(test_model_refusals),
		cmocka_unit_test(test_model_deferred),
		cmocka_unit_test(test_model_inline),
		cmocka_unit_test(test_event_queue_bound),
		cmocka_unit_test(test_identify_switch),
		cmocka_unit_test(test_phys_port_state),
		cmocka_unit_test(test_port_control),
		cmocka_unit_test(test_ppb_config),
		cmocka_unit_test(test_vcs_info),
		cmocka_unit_test(test_bind_cmd),
		cmocka_unit_test(test_unbind_cmd),
		cmocka_unit_test(test_no_host_cmds),
		cmocka_unit_test(test_generate_aer),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_port_attached),
		cmocka_unit_test(test_switch_event_log),
		cmocka_unit_test(test_cci_freed_while_waiting),
		cmocka_unit_test(test_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
