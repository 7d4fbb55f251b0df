/* SPDX-License-Identifier: MIT */
/*
 * The switch model (CXL 3.1 7.2): physical ports, VCSs and their vPPBs, the
 * bind/unbind state machine with the host's part in it, and the Virtual
 * CXL Switch Event Records those operations produce (7.6.8.2).
 */
#include <stdlib.h>
#include <string.h>

#include <cxlemu/mailbox.h>

#include "vcs_priv.h"
#include "../le.h"

/* Virtual Switch Event Record UUID 40d26425-3396-4c4d-a5da-3d47263af425
 * (Table 7-78), in the byte order the Event Record Identifier carries. */
static const uint8_t vcs_event_uuid[16] = {
	0x40, 0xd2, 0x64, 0x25, 0x33, 0x96, 0x4c, 0x4d,
	0xa5, 0xda, 0x3d, 0x47, 0x26, 0x3a, 0xf4, 0x25,
};

void cxlemu_switch_config_init(struct cxlemu_switch_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->version = CXLEMU_SWITCH_CONFIG_VERSION;
}

static int check_port(struct cxlemu_ctx *ctx, unsigned int i,
		      const struct cxlemu_switch_port_config *p)
{
	if (p->type > CXLEMU_SWITCH_PORT_DSP || p->attached > CXLEMU_SWITCH_DEV_SWITCH ||
	    p->reserved) {
		cxlemu_err(ctx, "switch: port %u: bad type %u or device %u", i, p->type,
			   p->attached);
		return -EINVAL;
	}
	if (p->type != CXLEMU_SWITCH_PORT_DSP && p->attached != CXLEMU_SWITCH_DEV_NONE) {
		cxlemu_err(ctx, "switch: port %u: only a downstream port has a device", i);
		return -EINVAL;
	}
	if (p->attached == CXLEMU_SWITCH_DEV_MLD ?
		    p->ld_count < 1 || p->ld_count > CXLEMU_SWITCH_MAX_LDS : p->ld_count != 0) {
		cxlemu_err(ctx, "switch: port %u: LD count %u (1..16 for an MLD, else 0)", i,
			   p->ld_count);
		return -EINVAL;
	}
	if (p->link_width > 32 || (p->speeds & 0xc0)) {
		cxlemu_err(ctx, "switch: port %u: link width %u or speeds 0x%x out of range", i,
			   p->link_width, p->speeds);
		return -EINVAL;
	}
	return 0;
}

static int check_config(struct cxlemu_ctx *ctx, const struct cxlemu_switch_config *cfg)
{
	unsigned int owners[CXLEMU_SWITCH_MAX_PORTS] = { 0 };
	unsigned int i;

	if (cfg->version != CXLEMU_SWITCH_CONFIG_VERSION) {
		cxlemu_err(ctx, "switch: unsupported config version %u", cfg->version);
		return -EINVAL;
	}
	if (cfg->nports < 1 || cfg->nports > CXLEMU_SWITCH_MAX_PORTS ||
	    cfg->nvcs > CXLEMU_SWITCH_MAX_VCS || cfg->reserved[0] || cfg->reserved[1] ||
	    cfg->reserved[2]) {
		cxlemu_err(ctx, "switch: %u ports (1..256) and %u VCSs (0..255)", cfg->nports,
			   cfg->nvcs);
		return -EINVAL;
	}
	for (i = 0; i < cfg->nports; i++)
		if (check_port(ctx, i, &cfg->ports[i]))
			return -EINVAL;
	for (i = 0; i < cfg->nvcs; i++) {
		const struct cxlemu_switch_vcs_config *v = &cfg->vcs[i];

		if (v->enabled > 1 || v->reserved) {
			cxlemu_err(ctx, "switch: VCS %u: enabled must be 0 or 1", i);
			return -EINVAL;
		}
		if (!v->enabled)
			continue;
		if (v->usp >= cfg->nports || cfg->ports[v->usp].type != CXLEMU_SWITCH_PORT_USP) {
			cxlemu_err(ctx, "switch: VCS %u: port %u is not an upstream port", i, v->usp);
			return -EINVAL;
		}
		if (owners[v->usp]++) {
			cxlemu_err(ctx, "switch: VCS %u: upstream port %u already has a VCS", i,
				   v->usp);
			return -EINVAL;
		}
	}
	for (i = 0; i < cfg->nports; i++)
		if (cfg->ports[i].type == CXLEMU_SWITCH_PORT_USP && !owners[i]) {
			cxlemu_err(ctx, "switch: upstream port %u belongs to no enabled VCS", i);
			return -EINVAL;
		}
	return 0;
}

int cxlemu_switch_new(struct cxlemu_ctx *ctx, const struct cxlemu_switch_config *cfg,
		      struct cxlemu_switch **out)
{
	struct cxlemu_switch *sw;
	unsigned int i, j;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg) {
		cxlemu_err(ctx, "switch: missing config");
		return -EINVAL;
	}
	if (check_config(ctx, cfg))
		return -EINVAL;
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	sw->ctx = ctx;
	sw->cfg = *cfg;
	sw->events = md_events_new();
	if (!sw->events) {
		free(sw);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->nports; i++) {
		struct vcs_port *p = &sw->ports[i];

		p->cfg = cfg->ports[i];
		if (!p->cfg.link_width)
			p->cfg.link_width = 16;
		if (!p->cfg.speeds)
			p->cfg.speeds = 0x1f;
		if (!p->cfg.cxl_modes)
			p->cfg.cxl_modes = 0x06;
		p->vcs = 0xff;
		ppb_cfg_reset(sw, i);
	}
	for (i = 0; i < cfg->nvcs; i++) {
		struct vcs_vcs *v = &sw->vcs[i];

		v->cfg = cfg->vcs[i];
		if (v->cfg.enabled)
			sw->ports[v->cfg.usp].vcs = (uint8_t)i;
		if (!v->cfg.nvppbs)
			continue;
		v->vppb = calloc(v->cfg.nvppbs, sizeof(*v->vppb));
		if (!v->vppb) {
			cxlemu_switch_free(sw);
			return -ENOMEM;
		}
		for (j = 0; j < v->cfg.nvppbs; j++)
			v->vppb[j].ld_id = CXLEMU_SWITCH_NO_LD;
	}
	*out = sw;
	return 0;
}

void cxlemu_switch_free(struct cxlemu_switch *sw)
{
	unsigned int i;

	if (!sw)
		return;
	for (i = 0; i < sw->cfg.nvcs; i++)
		free(sw->vcs[i].vppb);
	md_events_free(sw->events);
	free(sw);
}

unsigned int cxlemu_switch_nports(const struct cxlemu_switch *sw)
{
	return sw ? sw->cfg.nports : 0;
}

unsigned int cxlemu_switch_nvcs(const struct cxlemu_switch *sw)
{
	return sw ? sw->cfg.nvcs : 0;
}

static struct vcs_vppb *get_vppb(const struct cxlemu_switch *sw, unsigned int vcs,
				 unsigned int vppb)
{
	if (!sw || vcs >= sw->cfg.nvcs || vppb >= sw->vcs[vcs].cfg.nvppbs)
		return NULL;
	return &sw->vcs[vcs].vppb[vppb];
}

bool vcs_port_link_up(const struct cxlemu_switch *sw, unsigned int port)
{
	const struct vcs_port *p = &sw->ports[port];

	switch (p->cfg.type) {
	case CXLEMU_SWITCH_PORT_USP:
		return true;
	case CXLEMU_SWITCH_PORT_DSP:
		return p->cfg.attached != CXLEMU_SWITCH_DEV_NONE && !p->perst;
	default:
		return false;
	}
}

/* Current Port Configuration State (Table 7-19). */
unsigned int vcs_port_config_state(const struct cxlemu_switch *sw, unsigned int port)
{
	const struct vcs_port *p;

	if (port >= sw->cfg.nports)
		return 0xf;
	p = &sw->ports[port];
	switch (p->cfg.type) {
	case CXLEMU_SWITCH_PORT_USP:
		return 4;
	case CXLEMU_SWITCH_PORT_DSP:
		return p->binding ? 1 : p->unbinding ? 2 : 3;
	default:
		return 0;
	}
}

unsigned int vcs_bound_count(const struct cxlemu_switch *sw)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < sw->cfg.nvcs; i++)
		for (j = 0; j < sw->vcs[i].cfg.nvppbs; j++)
			n += sw->vcs[i].vppb[j].state == CXLEMU_VPPB_BOUND_PORT ||
			     sw->vcs[i].vppb[j].state == CXLEMU_VPPB_BOUND_LD;
	return n;
}

int cxlemu_switch_port_info(const struct cxlemu_switch *sw, unsigned int port,
			    struct cxlemu_switch_port_info *info)
{
	const struct vcs_port *p;

	if (!sw || !info || port >= sw->cfg.nports)
		return -EINVAL;
	p = &sw->ports[port];
	memset(info, 0, sizeof(*info));
	info->type = p->cfg.type;
	info->attached = p->cfg.attached;
	info->ld_count = p->cfg.ld_count;
	info->perst = p->perst;
	info->link_up = vcs_port_link_up(sw, port);
	info->vcs = p->vcs;
	info->bound = p->bound;
	return 0;
}

int cxlemu_switch_set_port_attached(struct cxlemu_switch *sw, unsigned int port,
				    unsigned int attached)
{
	struct vcs_port *p;

	if (!sw || port >= sw->cfg.nports)
		return -EINVAL;
	p = &sw->ports[port];
	if (p->cfg.type != CXLEMU_SWITCH_PORT_DSP) {
		cxlemu_err(sw->ctx, "switch: port %u is not a downstream port", port);
		return -EINVAL;
	}
	if (attached > CXLEMU_SWITCH_DEV_SWITCH || attached == CXLEMU_SWITCH_DEV_MLD ||
	    p->cfg.attached == CXLEMU_SWITCH_DEV_MLD) {
		cxlemu_err(sw->ctx, "switch: port %u: cannot change device %u to %u (MLDs are "
			   "fixed)", port, p->cfg.attached, attached);
		return -EINVAL;
	}
	if (p->cfg.attached != attached)
		cxlemu_info(sw->ctx, "switch: port %u: device %u -> %u", port, p->cfg.attached,
			    attached);
	p->cfg.attached = (uint8_t)attached;
	return 0;
}

int cxlemu_switch_vppb_info(const struct cxlemu_switch *sw, unsigned int vcs,
			    unsigned int vppb, struct cxlemu_switch_vppb_info *info)
{
	const struct vcs_vppb *v = get_vppb(sw, vcs, vppb);

	if (!v || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->state = v->state;
	info->port = v->port;
	info->ld_id = v->ld_id;
	return 0;
}

/* ---- events ---- */

struct md_events *vcs_switch_events(struct cxlemu_switch *sw)
{
	return sw->events;
}

bool vcs_event_pop(struct cxlemu_switch *sw, unsigned int log, struct vcs_event *ev)
{
	struct md_event_log *l;

	if (log >= MD_EVENT_LOGS || !sw->events->log[log].count)
		return false;
	l = &sw->events->log[log];
	memcpy(ev->rec, l->rec[l->head], VCS_EVENT_SIZE);
	l->head = (l->head + 1) % MD_EVENT_LOG_RECORDS;
	l->count--;
	return true;
}

unsigned int vcs_event_count(const struct cxlemu_switch *sw, unsigned int log)
{
	return log < MD_EVENT_LOGS ? sw->events->log[log].count : 0;
}

/* Binding Status, Bound Port ID and Bound LD ID as Get Virtual CXL Switch
 * Info and the event record carry them (Table 7-32): the port only while
 * bound, the LD ID FFh unless bound to an LD. */
static void vppb_wire(const struct vcs_vppb *v, uint8_t *st, uint8_t *port, uint8_t *ld)
{
	*port = 0xff;
	*ld = 0xff;
	switch (v->state) {
	case CXLEMU_VPPB_BOUND_PORT:
		*st = 2;
		*port = v->port;
		break;
	case CXLEMU_VPPB_BOUND_LD:
		*st = 3;
		*port = v->port;
		*ld = (uint8_t)v->ld_id;
		break;
	case CXLEMU_VPPB_BINDING:
	case CXLEMU_VPPB_UNBINDING:
		*st = 1;
		break;
	default:
		*st = 0;
		break;
	}
}

void vcs_vppb_wire(const struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		   uint8_t out[4])
{
	vppb_wire(&sw->vcs[vcs].vppb[vppb], &out[0], &out[1], &out[2]);
	out[3] = 0;
}

/* Logs a Binding Change record (Table 7-78) in the informational log on
 * success, the warning log on failure; a full log drops it and counts the
 * overflow (8.2.9.2.2). */
static void queue_binding_event(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
				bool ok)
{
	const struct vcs_vppb *v = &sw->vcs[vcs].vppb[vppb];
	unsigned int log = ok ? VCS_LOG_INFO : VCS_LOG_WARN, setting;
	uint8_t r[VCS_EVENT_SIZE];

	memset(r, 0, sizeof(r));
	/* Common Event Record (8.2.9.2.1, Table 8-43); handle and timestamp
	 * are stamped as the log stores it. */
	memcpy(r, vcs_event_uuid, sizeof(vcs_event_uuid));
	r[0x10] = VCS_EVENT_SIZE;
	r[0x11] = (uint8_t)log;  /* Event Record Severity, bits 1:0 */
	/* Virtual CXL Switch Event Record (7.6.8.2). */
	r[0x30] = (uint8_t)vcs;
	r[0x31] = (uint8_t)vppb;
	r[0x32] = 0;  /* Binding Change */
	vppb_wire(v, &r[0x33], &r[0x34], &r[0x35]);
	put_le(r + 0x36, v->link_ctl, 2);
	put_le(r + 0x38, v->slot_ctl, 2);
	if (md_events_put(sw->events, log, cxlemu_ctx_now_ns(sw->ctx), r)) {
		cxlemu_warn(sw->ctx, "switch: event log %u full, VCS %u vPPB %u event dropped",
			    log, vcs, vppb);
		return;
	}
	/* Event Interrupt Policy (8.2.9.2.4): bits 1:0 mode, 7:4 vector. */
	setting = sw->events->log[log].irq;
	if (((setting & 3u) == 1 || (setting & 3u) == 2) && sw->cfg.host.event_irq)
		sw->cfg.host.event_irq(sw->cfg.host.opaque, log, setting & 3u, setting >> 4);
}

/* ---- bind and unbind ---- */

static void hold(struct cxlemu_switch *sw, struct vcs_vppb *v)
{
	struct vcs_port *p = &sw->ports[v->port];

	p->bound++;
	if (v->ld_id != CXLEMU_SWITCH_NO_LD)
		p->lds_held |= (uint16_t)(1u << v->ld_id);
}

static void release(struct cxlemu_switch *sw, struct vcs_vppb *v)
{
	struct vcs_port *p = &sw->ports[v->port];

	p->bound--;
	if (v->ld_id != CXLEMU_SWITCH_NO_LD)
		p->lds_held &= (uint16_t)~(1u << v->ld_id);
	v->port = 0;
	v->ld_id = CXLEMU_SWITCH_NO_LD;
}

/* The operation of a vPPB ends: the binding changes (status 0) or goes
 * back; the record is queued; whoever waits is told. */
static void complete(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		     int status)
{
	struct vcs_vppb *v = &sw->vcs[vcs].vppb[vppb];
	struct vcs_port *p = &sw->ports[v->port];
	void (*notify)(void *, int) = v->op.notify;
	void *owner = v->op.owner;
	bool ok = status == 0;

	v->op.pending = false;
	v->op.owner = NULL;
	v->op.notify = NULL;
	if (v->state == CXLEMU_VPPB_BINDING) {
		p->binding--;
		if (ok) {
			v->state = v->ld_id != CXLEMU_SWITCH_NO_LD ? CXLEMU_VPPB_BOUND_LD :
								     CXLEMU_VPPB_BOUND_PORT;
		} else {
			release(sw, v);
			v->state = CXLEMU_VPPB_UNBOUND;
		}
	} else {
		p->unbinding--;
		if (ok) {
			release(sw, v);
			v->state = CXLEMU_VPPB_UNBOUND;
		} else {
			v->state = v->op.prev;
		}
	}
	if (ok)
		cxlemu_info(sw->ctx, "switch: VCS %u vPPB %u %s", vcs, vppb,
			    v->state == CXLEMU_VPPB_UNBOUND ? "unbound" : "bound");
	else
		cxlemu_err(sw->ctx, "switch: VCS %u vPPB %u: the host failed the operation (%d)",
			   vcs, vppb, status);
	queue_binding_event(sw, vcs, vppb, ok);
	if (notify)
		notify(owner, ok ? CXLEMU_MBOX_SUCCESS : CXLEMU_MBOX_INTERNAL_ERROR);
}

static int vcs_usable(const struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb)
{
	if (vcs >= sw->cfg.nvcs || !sw->vcs[vcs].cfg.enabled) {
		cxlemu_dbg(sw->ctx, "switch: VCS %u does not exist or is disabled", vcs);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	if (vppb >= sw->vcs[vcs].cfg.nvppbs) {
		cxlemu_dbg(sw->ctx, "switch: VCS %u has no vPPB %u", vcs, vppb);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	return CXLEMU_MBOX_SUCCESS;
}

/* Bind vPPB rules (7.6.7.2.2): the vPPB unbound, the port a DSP, an LD-ID
 * for an MLD port and only for it, nothing bound to the port (or LD)
 * already.  A vPPB in the middle of an operation answers Busy. */
int vcs_bind_check(const struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		   unsigned int port, unsigned int ld_id)
{
	const struct vcs_vppb *v;
	const struct vcs_port *p;
	int rc = vcs_usable(sw, vcs, vppb);

	if (rc)
		return rc;
	v = &sw->vcs[vcs].vppb[vppb];
	if (v->state == CXLEMU_VPPB_BINDING || v->state == CXLEMU_VPPB_UNBINDING)
		return CXLEMU_MBOX_BUSY;
	if (v->state != CXLEMU_VPPB_UNBOUND) {
		cxlemu_dbg(sw->ctx, "switch: VCS %u vPPB %u is already bound", vcs, vppb);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	if (port >= sw->cfg.nports || sw->ports[port].cfg.type != CXLEMU_SWITCH_PORT_DSP) {
		cxlemu_dbg(sw->ctx, "switch: port %u is not a downstream port", port);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	p = &sw->ports[port];
	if (p->cfg.attached == CXLEMU_SWITCH_DEV_MLD) {
		if (ld_id >= p->cfg.ld_count) {
			cxlemu_dbg(sw->ctx, "switch: port %u: MLD of %u LDs has no LD 0x%x", port,
				   p->cfg.ld_count, ld_id);
			return CXLEMU_MBOX_INVALID_INPUT;
		}
		if (p->lds_held & (1u << ld_id)) {
			cxlemu_dbg(sw->ctx, "switch: port %u LD %u is bound elsewhere", port, ld_id);
			return CXLEMU_MBOX_INVALID_INPUT;
		}
		return CXLEMU_MBOX_SUCCESS;
	}
	if (ld_id != CXLEMU_SWITCH_NO_LD) {
		cxlemu_dbg(sw->ctx, "switch: port %u is not an MLD port: LD ID must be FFFFh", port);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	if (p->bound) {
		cxlemu_dbg(sw->ctx, "switch: port %u is bound elsewhere", port);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	return CXLEMU_MBOX_SUCCESS;
}

int vcs_bind_start(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		   unsigned int port, unsigned int ld_id, void *owner,
		   void (*notify)(void *owner, int mbox_rc))
{
	struct vcs_vppb *v = &sw->vcs[vcs].vppb[vppb];
	const struct cxlemu_switch_host *h = &sw->cfg.host;
	int rc;

	v->state = CXLEMU_VPPB_BINDING;
	v->port = (uint8_t)port;
	v->ld_id = (uint16_t)ld_id;
	hold(sw, v);
	sw->ports[port].binding++;
	v->op.pending = true;
	v->op.prev = CXLEMU_VPPB_UNBOUND;
	v->op.owner = owner;
	v->op.notify = notify;
	if (!h->attach) {
		complete(sw, vcs, vppb, 0);
		return CXLEMU_MBOX_SUCCESS;
	}
	rc = h->attach(h->opaque, vcs, vppb, port, ld_id);
	/* The host may have answered from inside the callback. */
	if (rc < 0 && v->op.pending)
		complete(sw, vcs, vppb, rc);
	return CXLEMU_MBOX_SUCCESS;
}

/* Unbind vPPB rules (7.6.7.2.3): a bound vPPB, a defined option. */
int vcs_unbind_check(const struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		     unsigned int mode)
{
	const struct vcs_vppb *v;
	int rc = vcs_usable(sw, vcs, vppb);

	if (rc)
		return rc;
	if (mode > CXLEMU_UNBIND_SURPRISE) {
		cxlemu_dbg(sw->ctx, "switch: unbind option %u is reserved", mode);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	v = &sw->vcs[vcs].vppb[vppb];
	if (v->state == CXLEMU_VPPB_BINDING || v->state == CXLEMU_VPPB_UNBINDING)
		return CXLEMU_MBOX_BUSY;
	if (v->state == CXLEMU_VPPB_UNBOUND) {
		cxlemu_dbg(sw->ctx, "switch: VCS %u vPPB %u is not bound", vcs, vppb);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	return CXLEMU_MBOX_SUCCESS;
}

int vcs_unbind_start(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		     unsigned int mode, void *owner, void (*notify)(void *owner, int mbox_rc))
{
	struct vcs_vppb *v = &sw->vcs[vcs].vppb[vppb];
	const struct cxlemu_switch_host *h = &sw->cfg.host;
	int rc;

	v->op.pending = true;
	v->op.prev = v->state;
	v->op.owner = owner;
	v->op.notify = notify;
	v->state = CXLEMU_VPPB_UNBINDING;
	sw->ports[v->port].unbinding++;
	if (!h->detach) {
		complete(sw, vcs, vppb, 0);
		return CXLEMU_MBOX_SUCCESS;
	}
	rc = h->detach(h->opaque, vcs, vppb, v->port, v->ld_id, mode);
	if (rc < 0 && v->op.pending)
		complete(sw, vcs, vppb, rc);
	return CXLEMU_MBOX_SUCCESS;
}

static int mbox_to_errno(int rc)
{
	return rc == CXLEMU_MBOX_BUSY ? -EBUSY : -EINVAL;
}

int cxlemu_switch_bind(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		       unsigned int port, unsigned int ld_id)
{
	int rc;

	if (!sw)
		return -EINVAL;
	rc = vcs_bind_check(sw, vcs, vppb, port, ld_id);
	if (rc) {
		cxlemu_err(sw->ctx, "switch: bind of VCS %u vPPB %u to port %u LD 0x%x refused",
			   vcs, vppb, port, ld_id);
		return mbox_to_errno(rc);
	}
	vcs_bind_start(sw, vcs, vppb, port, ld_id, NULL, NULL);
	return sw->vcs[vcs].vppb[vppb].state == CXLEMU_VPPB_UNBOUND ? -EIO : 0;
}

int cxlemu_switch_unbind(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
			 unsigned int mode)
{
	uint8_t st;
	int rc;

	if (!sw)
		return -EINVAL;
	rc = vcs_unbind_check(sw, vcs, vppb, mode);
	if (rc) {
		cxlemu_err(sw->ctx, "switch: unbind of VCS %u vPPB %u refused", vcs, vppb);
		return mbox_to_errno(rc);
	}
	vcs_unbind_start(sw, vcs, vppb, mode, NULL, NULL);
	st = sw->vcs[vcs].vppb[vppb].state;
	return st == CXLEMU_VPPB_UNBOUND || st == CXLEMU_VPPB_UNBINDING ? 0 : -EIO;
}

int cxlemu_switch_host_done(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
			    int status)
{
	struct vcs_vppb *v = get_vppb(sw, vcs, vppb);

	if (!v || status > 0)
		return -EINVAL;
	if (!v->op.pending)
		return -ENOENT;
	complete(sw, vcs, vppb, status);
	return 0;
}

void vcs_host_lost(struct cxlemu_switch *sw, unsigned int vcs, int status)
{
	unsigned int j;

	if (vcs >= sw->cfg.nvcs)
		return;
	for (j = 0; j < sw->vcs[vcs].cfg.nvppbs; j++) {
		struct vcs_vppb *v = &sw->vcs[vcs].vppb[j];

		if (v->op.pending)
			complete(sw, vcs, j, status < 0 ? status : -ENOTCONN);
		if (v->state != CXLEMU_VPPB_BOUND_PORT && v->state != CXLEMU_VPPB_BOUND_LD)
			continue;
		release(sw, v);
		v->state = CXLEMU_VPPB_UNBOUND;
		cxlemu_info(sw->ctx, "switch: VCS %u vPPB %u unbound: its host went away", vcs, j);
		queue_binding_event(sw, vcs, j, true);
	}
}

void vcs_forget_owner(struct cxlemu_switch *sw, void *owner)
{
	unsigned int i, j;

	for (i = 0; i < sw->cfg.nvcs; i++)
		for (j = 0; j < sw->vcs[i].cfg.nvppbs; j++)
			if (sw->vcs[i].vppb[j].op.owner == owner) {
				sw->vcs[i].vppb[j].op.owner = NULL;
				sw->vcs[i].vppb[j].op.notify = NULL;
			}
}

/* ---- physical port control ---- */

bool vcs_port_fm_owned(const struct cxlemu_switch *sw, unsigned int port)
{
	const struct vcs_port *p = &sw->ports[port];

	return port < sw->cfg.nports && p->cfg.type == CXLEMU_SWITCH_PORT_DSP &&
	       (p->cfg.attached == CXLEMU_SWITCH_DEV_MLD || !p->bound);
}

void vcs_port_perst(struct cxlemu_switch *sw, unsigned int port, bool assert)
{
	sw->ports[port].perst = assert;
	cxlemu_info(sw->ctx, "switch: port %u PERST# %s", port, assert ? "asserted" : "deasserted");
}

void vcs_port_reset(struct cxlemu_switch *sw, unsigned int port)
{
	ppb_cfg_reset(sw, port);
	cxlemu_info(sw->ctx, "switch: port %u PPB reset", port);
}
