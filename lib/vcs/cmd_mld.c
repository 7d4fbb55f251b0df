/* SPDX-License-Identifier: MIT */
/*
 * FM-API MLD Port command set (CXL 3.1 7.6.7.3): the Tunnel Management
 * Command; and the MLD Component command set (7.6.7.4) an MLD's FM-owned
 * LD runs: Get LD Info, Get LD Allocations, Set LD Allocations.
 *
 * The tunnel carries a whole CCI message (7.6.3) and returns the whole
 * response message.  A switch's CCI tunnels to the FM-owned LD's CCI of the
 * MLD on a port (cxlemu_switch_set_port_cci()); an FM-owned LD's CCI
 * tunnels to one of its LDs (cxlemu_mld_set_ld_cci()).  These are the two
 * hops of "tunnelling to an LD of an MLD through a switch" and the only
 * nesting allowed: a switch tunnel never arrives through a tunnel, and an
 * LD tunnel arrives through at most the switch's.
 *
 * Registered in the command table of lib/mailbox like every command (see
 * cmd_phys_switch.c).
 */
#include <string.h>

#include "../mailbox/cci_priv.h"
#include "../mailbox/cmds.h"
#include "../le.h"
#include "vcs_priv.h"

/* Tunnel Management Command request (7.6.7.3.1): Port or LD ID, Target
 * Type, Command Size, then the command; response: Response Length,
 * reserved, then the response message. */
#define TUNNEL_HDR 4u
/* Response Length is 2 bytes: the response message never exceeds it. */
#define TUNNEL_RSP_MAX 0xffffu
/* Target Type 0: the port or LD the ID names (1 is a multi-headed device's
 * LD pool CCI, which this library does not model). */
#define TUNNEL_TARGET_PORT_OR_LD 0

/* The FM-owned LD CCI of the MLD on a switch port, or NULL. */
static struct cxlemu_cci *port_target(struct cxlemu_cci *cci, unsigned int port)
{
	const struct cxlemu_switch *sw = cci->sw;

	if (cci->tunnel_depth) {
		cxlemu_dbg(cci->ctx, "tunnel: a switch tunnel arrived through a tunnel");
		return NULL;
	}
	if (port >= sw->cfg.nports || sw->ports[port].cfg.type != CXLEMU_SWITCH_PORT_DSP ||
	    sw->ports[port].cfg.attached != CXLEMU_SWITCH_DEV_MLD || !sw->port_cci[port]) {
		cxlemu_dbg(cci->ctx, "tunnel: port %u has no MLD with an FM-owned LD CCI", port);
		return NULL;
	}
	return sw->port_cci[port];
}

/* The CCI of an LD of the MLD behind an FM-owned LD's CCI, or NULL. */
static struct cxlemu_cci *ld_target(struct cxlemu_cci *cci, unsigned int ld)
{
	const struct cxlemu_mld *mld = cci->mld;

	if (cci->tunnel_depth > 1) {
		cxlemu_dbg(cci->ctx, "tunnel: an LD tunnel nested %u deep", cci->tunnel_depth);
		return NULL;
	}
	if (ld >= mld->cfg.ld_count || !mld->ld_cci[ld]) {
		cxlemu_dbg(cci->ctx, "tunnel: the MLD has no LD %u with a CCI", ld);
		return NULL;
	}
	return mld->ld_cci[ld];
}

/* Tunnel Management Command (5300h, 7.6.7.3.1).  Command Size must be
 * exactly what follows the 4-byte header and hold at least a message
 * header; the message must be a request.  A switch CCI tunnels by port
 * ID, an FM-owned LD's CCI by LD ID.  The response message answers the
 * tunnelled command, whatever its return code; this command fails only
 * when it cannot deliver it. */
HANDLER(cci_tunnel_management)
{
	size_t size = (size_t)get_le(in + 2, 2), cap, rsp_len = 0;
	struct cxlemu_cci *target;
	uint8_t depth;
	int rc;

	if (in_len - TUNNEL_HDR != size) {
		cxlemu_dbg(cci->ctx, "tunnel: command size %zu, %zu bytes follow", size,
			   in_len - TUNNEL_HDR);
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	}
	if (size < CXLEMU_CCI_MSG_HEADER || in[1] != TUNNEL_TARGET_PORT_OR_LD) {
		cxlemu_dbg(cci->ctx, "tunnel: command of %zu bytes, target type %u refused", size,
			   in[1]);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	/* The message header is there now: only requests are tunnelled. */
	if ((in[TUNNEL_HDR] & 0x0f) != 0) {
		cxlemu_dbg(cci->ctx, "tunnel: message category %u is not a request",
			   in[TUNNEL_HDR] & 0x0f);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	target = cci->sw ? port_target(cci, in[0]) : ld_target(cci, in[0]);
	if (!target)
		return CXLEMU_MBOX_INVALID_INPUT;
	/* A CCI in the middle of a command (this one, or one that tunnelled
	 * here) takes no other: the wiring made a loop. */
	if (target->in_handler) {
		cxlemu_dbg(cci->ctx, "tunnel: the target CCI is running a command");
		return CXLEMU_MBOX_BUSY;
	}
	if (out->cap < TUNNEL_HDR + CXLEMU_CCI_MSG_HEADER)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	cap = out->cap - TUNNEL_HDR;
	if (cap > TUNNEL_RSP_MAX)
		cap = TUNNEL_RSP_MAX;
	depth = target->tunnel_depth;
	target->tunnel_depth = (uint8_t)(cci->tunnel_depth + 1);
	rc = cxlemu_cci_message(target, in + TUNNEL_HDR, size, out->buf + TUNNEL_HDR, cap,
				&rsp_len);
	target->tunnel_depth = depth;
	if (rc < 0)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	put_le(out->buf, rsp_len, 2);
	put_le(out->buf + 2, 0, 2);
	out->len = TUNNEL_HDR + rsp_len;
	return CXLEMU_MBOX_SUCCESS;
}

/* Get LD Info (5400h, 7.6.7.4.1): Memory Size (bytes), LD Count, QoS
 * Telemetry Capability; 11 bytes. */
HANDLER(cci_get_ld_info)
{
	const struct cxlemu_mld *mld = cci->mld;

	(void)in;
	(void)in_len;
	if (out->cap < 11)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	put_le(out->buf, mld->cfg.memory_size, 8);
	put_le(out->buf + 8, mld->cfg.ld_count, 2);
	out->buf[10] = mld->cfg.qos_telemetry;
	out->len = 11;
	return CXLEMU_MBOX_SUCCESS;
}

/* LD Allocation List entry (7.6.7.4.2): Range 1 and Range 2 Allocation
 * Multipliers, 8 bytes each. */
#define LD_ALLOC_ENTRY 16u
#define LD_ALLOC_HDR 4u

static void put_allocs(const struct cxlemu_mld *mld, unsigned int start, unsigned int n,
		       uint8_t *b)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		put_le(b + LD_ALLOC_ENTRY * i, mld->cfg.range1[start + i], 8);
		put_le(b + LD_ALLOC_ENTRY * i + 8, mld->cfg.range2[start + i], 8);
	}
}

/* Get LD Allocations (5401h, 7.6.7.4.2): Start LD ID (an LD of
 * the device) and LD Allocation List Limit (at least 1) in; Number of LDs,
 * Memory Granularity, Start LD ID, LD Allocation List Length and the list
 * out: the LDs from Start LD ID on, at most the limit of them.  A list
 * that does not fit the response is refused (the FM asks for less). */
HANDLER(cci_get_ld_allocations)
{
	const struct cxlemu_mld *mld = cci->mld;
	unsigned int start = in[0], limit = in[1], count = mld->cfg.ld_count, n;

	(void)in_len;
	if (start >= count || !limit) {
		cxlemu_dbg(cci->ctx, "mld: LD allocations from LD %u, at most %u, of %u LDs", start,
			   limit, count);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	n = count - start < limit ? count - start : limit;
	if (LD_ALLOC_HDR + LD_ALLOC_ENTRY * (size_t)n > out->cap) {
		cxlemu_dbg(cci->ctx, "mld: %u LD allocations exceed the response (%zu bytes)", n,
			   out->cap);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	out->buf[0] = (uint8_t)count;
	out->buf[1] = mld->cfg.granularity;
	out->buf[2] = (uint8_t)start;
	out->buf[3] = (uint8_t)n;
	put_allocs(mld, start, n, out->buf + LD_ALLOC_HDR);
	out->len = LD_ALLOC_HDR + LD_ALLOC_ENTRY * (size_t)n;
	return CXLEMU_MBOX_SUCCESS;
}

/* Set LD Allocations (5402h, 7.6.7.4.3): Number of LDs, Start
 * LD ID, 2 reserved bytes, then that many allocation list entries; every
 * LD named exists and the device's total allocation (the LDs not named
 * keep theirs) fits its memory.  All or nothing: the response (Number of
 * LDs, Start LD ID, reserved, the list as it now stands) shows what
 * applies. */
HANDLER(cci_set_ld_allocations)
{
	struct cxlemu_mld *mld = cci->mld;
	unsigned int n = in[0], start = in[1], count = mld->cfg.ld_count, i;
	uint64_t r1[CXLEMU_SWITCH_MAX_LDS], r2[CXLEMU_SWITCH_MAX_LDS];
	size_t size = LD_ALLOC_HDR + LD_ALLOC_ENTRY * (size_t)n;

	if (in_len != size) {
		cxlemu_dbg(cci->ctx, "mld: %u LD allocations need %zu bytes, not %zu", n, size,
			   in_len);
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	}
	if (in[2] || in[3] || !n || start >= count || n > count - start) {
		cxlemu_dbg(cci->ctx, "mld: %u LD allocations from LD %u of %u LDs refused", n,
			   start, count);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	for (i = 0; i < n; i++) {
		r1[i] = get_le(in + LD_ALLOC_HDR + LD_ALLOC_ENTRY * i, 8);
		r2[i] = get_le(in + LD_ALLOC_HDR + LD_ALLOC_ENTRY * i + 8, 8);
	}
	if (!mld_alloc_fits(mld, start, n, r1, r2)) {
		cxlemu_dbg(cci->ctx, "mld: LD allocations exceed the device's %llu bytes",
			   (unsigned long long)mld->cfg.memory_size);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	if (size > out->cap)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	memcpy(mld->cfg.range1 + start, r1, n * sizeof(*r1));
	memcpy(mld->cfg.range2 + start, r2, n * sizeof(*r2));
	cxlemu_info(cci->ctx, "mld: allocations of LDs %u..%u set", start, start + n - 1);
	out->buf[0] = (uint8_t)n;
	out->buf[1] = (uint8_t)start;
	out->buf[2] = 0;
	out->buf[3] = 0;
	put_allocs(mld, start, n, out->buf + LD_ALLOC_HDR);
	out->len = size;
	return CXLEMU_MBOX_SUCCESS;
}
