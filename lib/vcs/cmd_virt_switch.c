/* SPDX-License-Identifier: MIT */
/*
 * FM-API Virtual Switch command set (CXL 3.1 7.6.7.2): Get Virtual CXL
 * Switch Info, Bind vPPB, Unbind vPPB, Generate AER Event.  Bind and
 * unbind are background operations that end when the switch's host has
 * done its part (struct cxlemu_switch_host); their completion queues the
 * Virtual CXL Switch Event Record the FM reads.  Registered in the command
 * table of lib/mailbox like every command (see cmd_phys_switch.c).
 */
#include <string.h>

#include "../mailbox/cci_priv.h"
#include "../mailbox/cmds.h"
#include "../le.h"
#include "vcs_priv.h"

/* vPPB entries a VCS information block carries: the vPPBs from Start
 * vPPB on, at most vPPB List Limit of them (Table 7-32). */
static size_t vppb_entries(const struct cxlemu_switch *sw, unsigned int vcs,
			   unsigned int start, unsigned int limit)
{
	unsigned int n;

	if (vcs >= sw->cfg.nvcs)
		return 0;
	n = sw->vcs[vcs].cfg.nvppbs;
	if (start >= n)
		return 0;
	return n - start < limit ? n - start : limit;
}

/* Get Virtual CXL Switch Info (5200h), Tables 7-30 to 7-32: Start vPPB,
 * vPPB List Limit (at least 1), Number of VCSs (at least 1), the VCS IDs.
 * An unknown VCS ID gets a 4-byte block with state FFh. */
HANDLER(cci_get_vcs_info)
{
	const struct cxlemu_switch *sw = cci->sw;
	unsigned int start = in[0], limit = in[1];
	size_t n = in[2], i, j, size = 4, off = 4;

	if (in_len != 3 + n)
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	if (!n || !limit)
		return CXLEMU_MBOX_INVALID_INPUT;
	for (i = 0; i < n; i++)
		size += 4 + 4 * vppb_entries(sw, in[3 + i], start, limit);
	if (size > out->cap) {
		cxlemu_dbg(cci->ctx, "switch: VCS info of %zu bytes exceeds the response (%zu)",
			   size, out->cap);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	memset(out->buf, 0, size);
	out->buf[0] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		unsigned int id = in[3 + i];
		size_t e = vppb_entries(sw, id, start, limit);
		uint8_t *b = out->buf + off;

		b[0] = (uint8_t)id;
		if (id >= sw->cfg.nvcs) {
			b[1] = 0xff;
		} else {
			const struct cxlemu_switch_vcs_config *v = &sw->vcs[id].cfg;

			b[1] = v->enabled;
			b[2] = v->enabled ? v->usp : 0;
			b[3] = v->nvppbs;
			for (j = 0; j < e; j++)
				vcs_vppb_wire(sw, id, (unsigned int)(start + j), b + 4 + 4 * j);
		}
		off += 4 + 4 * e;
	}
	out->len = size;
	return CXLEMU_MBOX_SUCCESS;
}

/* Bind and unbind as background operations: the CCI waits for the
 * switch's word (notify), which comes when the host is done. */
static void vppb_notify(void *owner, int rc)
{
	cci_bg_signal(owner, rc);
}

static int vppb_finish(struct cxlemu_cci *cci, bool aborted)
{
	(void)aborted;
	return cci->bg_signal_rc;
}

static void vppb_drop(struct cxlemu_cci *cci)
{
	vcs_forget_owner(cci->sw, cci);
}

static const struct cci_bg_ops vppb_bg_ops = {
	.finish = vppb_finish,
	.abortable = false,
	.external = true,
	.drop = vppb_drop,
};

/* Bind vPPB (5201h), Table 7-33: VCS ID, vPPB ID, port ID, reserved, LD ID
 * (FFFFh unless the port is an MLD port).  Everything is checked before the
 * background operation starts. */
HANDLER(cci_bind_vppb)
{
	unsigned int vcs = in[0], vppb = in[1], port = in[2];
	unsigned int ld = (unsigned int)get_le(in + 4, 2);
	int rc;

	(void)in_len;
	(void)out;
	if (in[3])
		return CXLEMU_MBOX_INVALID_INPUT;
	rc = vcs_bind_check(cci->sw, vcs, vppb, port, ld);
	if (rc)
		return rc;
	cci_bg_start(cci, 0x5201, 0, &vppb_bg_ops);
	vcs_bind_start(cci->sw, vcs, vppb, port, ld, cci, vppb_notify);
	return CXLEMU_MBOX_BG_STARTED;
}

/* Unbind vPPB (5202h), Table 7-34: VCS ID, vPPB ID, unbind option in bits
 * 3:0 (bits 7:4 reserved). */
HANDLER(cci_unbind_vppb)
{
	unsigned int vcs = in[0], vppb = in[1], opt = in[2];
	int rc;

	(void)in_len;
	(void)out;
	if (opt & 0xf0)
		return CXLEMU_MBOX_INVALID_INPUT;
	rc = vcs_unbind_check(cci->sw, vcs, vppb, opt);
	if (rc)
		return rc;
	cci_bg_start(cci, 0x5202, 0, &vppb_bg_ops);
	vcs_unbind_start(cci->sw, vcs, vppb, opt, cci, vppb_notify);
	return CXLEMU_MBOX_BG_STARTED;
}

/* Generate AER Event (5203h), Table 7-35: VCS ID, vPPB instance (0 the
 * USP, n the vPPB n - 1, which must be bound), reserved, AER Error (bits
 * 4:0 error bit, 30:5 reserved, 31 severity), 32-byte TLP header.  The
 * host raises it, respecting the guest's AER masks. */
HANDLER(cci_generate_aer)
{
	const struct cxlemu_switch *sw = cci->sw;
	const struct cxlemu_switch_host *h = &sw->cfg.host;
	unsigned int vcs = in[0], inst = in[1];
	uint32_t err = (uint32_t)get_le(in + 4, 4);
	struct cxlemu_switch_vppb_info vi;

	(void)in_len;
	(void)out;
	if (!h->aer)
		return CXLEMU_MBOX_UNSUPPORTED;
	if (in[2] || in[3] || (err & 0x7fffffe0u) || vcs >= sw->cfg.nvcs ||
	    !sw->vcs[vcs].cfg.enabled || inst > sw->vcs[vcs].cfg.nvppbs)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (inst && (cxlemu_switch_vppb_info(sw, vcs, inst - 1, &vi) ||
		     (vi.state != CXLEMU_VPPB_BOUND_PORT && vi.state != CXLEMU_VPPB_BOUND_LD))) {
		cxlemu_dbg(cci->ctx, "switch: AER on VCS %u vPPB %u, which is not bound", vcs,
			   inst - 1);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	h->aer(h->opaque, vcs, inst, err >> 31, err & 0x1f, in + 8);
	return CXLEMU_MBOX_SUCCESS;
}
