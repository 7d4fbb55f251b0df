/* SPDX-License-Identifier: MIT */
/*
 * FM-API Physical Switch command set (CXL 3.1 7.6.7.1): Identify Switch
 * Device, Get Physical Port State, Physical Port Control, Send PPB CXL.io
 * Configuration Request.
 *
 * The handlers live with the switch model they serve; the command table in
 * lib/mailbox names them (it is the one place commands are registered), and
 * lib/mailbox sees the switch only as an opaque pointer, so the parts still
 * depend downwards only: mailbox <- vcs.
 */
#include <string.h>

#include "../mailbox/cci_priv.h"
#include "../mailbox/cmds.h"
#include "../le.h"
#include "vcs_priv.h"

/* Identify Switch Device (5100h), Table 7-16: 49h bytes. */
HANDLER(cci_identify_switch)
{
	const struct cxlemu_switch *sw = cci->sw;
	unsigned int i, total = 0;

	(void)in;
	(void)in_len;
	if (out->cap < 0x49)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	memset(out->buf, 0, 0x49);
	out->len = 0x49;
	out->buf[0x00] = cci->cfg.ingress_port;
	out->buf[0x02] = (uint8_t)sw->cfg.nports;  /* 256 ports wrap to 0 */
	out->buf[0x03] = (uint8_t)sw->cfg.nvcs;
	for (i = 0; i < sw->cfg.nports; i++)
		if (sw->ports[i].cfg.type != CXLEMU_SWITCH_PORT_DISABLED)
			out->buf[0x04 + i / 8] |= (uint8_t)(1u << (i % 8));
	for (i = 0; i < sw->cfg.nvcs; i++) {
		if (sw->vcs[i].cfg.enabled)
			out->buf[0x24 + i / 8] |= (uint8_t)(1u << (i % 8));
		total += sw->vcs[i].cfg.nvppbs;
	}
	put_le(out->buf + 0x44, total, 2);
	put_le(out->buf + 0x46, vcs_bound_count(sw), 2);
	out->buf[0x48] = sw->cfg.hdm_decoders;
	return CXLEMU_MBOX_SUCCESS;
}

/* Connected Device Type (Table 7-19) of what a DSP has below it. */
static uint8_t dev_type(uint8_t attached)
{
	static const uint8_t t[] = {
		[CXLEMU_SWITCH_DEV_NONE] = 0x00, [CXLEMU_SWITCH_DEV_PCIE] = 0x01,
		[CXLEMU_SWITCH_DEV_TYPE1] = 0x02, [CXLEMU_SWITCH_DEV_TYPE2] = 0x03,
		[CXLEMU_SWITCH_DEV_SLD] = 0x04, [CXLEMU_SWITCH_DEV_MLD] = 0x05,
		[CXLEMU_SWITCH_DEV_SWITCH] = 0x03,
	};

	return attached < sizeof(t) ? t[attached] : 0;
}

/* Max Link Speed encoding (PCIe Link Capabilities): n for bit n - 1 of the
 * Supported Link Speeds Vector, the highest one set. */
static uint8_t max_speed(uint8_t speeds)
{
	uint8_t n = 0;

	while (speeds >> n)
		n++;
	return n;
}

/* One Port Information Block (Table 7-19), 16 bytes. */
static void port_block(const struct cxlemu_switch *sw, unsigned int id, uint8_t *b)
{
	const struct vcs_port *p = &sw->ports[id];
	bool up;

	memset(b, 0, 16);
	b[0x0] = (uint8_t)id;
	if (id >= sw->cfg.nports) {
		b[0x1] = 0xf;  /* Invalid Port_ID; the rest undefined */
		return;
	}
	up = vcs_port_link_up(sw, id);
	b[0x1] = (uint8_t)vcs_port_config_state(sw, id);
	if (p->cfg.type == CXLEMU_SWITCH_PORT_DSP) {
		/* Connected Device Mode: a CXL device trained in 68B flit and
		 * VH mode; a PCIe device or no link is not CXL. */
		if (up && p->cfg.attached != CXLEMU_SWITCH_DEV_PCIE)
			b[0x2] = 2;
		b[0x4] = dev_type(p->cfg.attached);
	}
	b[0x5] = p->cfg.cxl_modes;
	b[0x6] = p->cfg.link_width;
	b[0x7] = up ? p->cfg.link_width : 0;
	b[0x8] = p->cfg.speeds;
	b[0x9] = max_speed(p->cfg.speeds);
	b[0xa] = up ? max_speed(p->cfg.speeds) : 0;
	/* LTSSM: L0 when up, Disabled for a disabled port, else Detect. */
	b[0xb] = up ? 0x04 : p->cfg.type == CXLEMU_SWITCH_PORT_DISABLED ? 0x08 : 0x00;
	b[0xc] = p->cfg.first_lane;
	/* Link State Flags: PERST# (bit 1), presence (bit 2). */
	put_le(b + 0xd, (p->perst ? 2u : 0u) |
			 (p->cfg.type == CXLEMU_SWITCH_PORT_USP ||
			  p->cfg.attached != CXLEMU_SWITCH_DEV_NONE ? 4u : 0u), 2);
	/* Supported LD Count: what the port supports, at least one. */
	b[0xf] = p->cfg.type == CXLEMU_SWITCH_PORT_DSP ? CXLEMU_SWITCH_MAX_LDS : 1;
}

/* Get Physical Port State (5101h), Tables 7-17 to 7-19: a count and that
 * many port IDs in; a 4-byte header and 16 bytes per port out.  A port ID
 * the switch lacks gets a block saying Invalid Port_ID. */
HANDLER(cci_get_phys_port_state)
{
	size_t n = in[0], i;

	if (in_len != 1 + n)
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	if (4 + 16 * n > out->cap)
		return CXLEMU_MBOX_INVALID_INPUT;
	memset(out->buf, 0, 4);
	out->buf[0] = (uint8_t)n;
	for (i = 0; i < n; i++)
		port_block(cci->sw, in[1 + i], out->buf + 4 + 16 * i);
	out->len = 4 + 16 * n;
	return CXLEMU_MBOX_SUCCESS;
}

/* Physical Port Control (5102h), Table 7-20: PPB ID and port opcode, for
 * unbound ports and MLD ports only. */
HANDLER(cci_phys_port_control)
{
	struct cxlemu_switch *sw = cci->sw;
	unsigned int port = in[0], op = in[1];

	(void)in_len;
	(void)out;
	if (op > 2 || !vcs_port_fm_owned(sw, port)) {
		cxlemu_dbg(cci->ctx, "switch: port control %u of port %u refused", op, port);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	if (op == 2)
		vcs_port_reset(sw, port);
	else
		vcs_port_perst(sw, port, op == 0);
	return CXLEMU_MBOX_SUCCESS;
}

/* Send PPB CXL.io Configuration Request (5103h), Tables 7-21 and 7-22:
 * register (byte offset bits 7:0 of a dword, as the register number sits
 * in a configuration request TLP), extended register number, first dword
 * byte enables, transaction type; 4 bytes of data either way. */
HANDLER(cci_ppb_config_request)
{
	struct cxlemu_switch *sw = cci->sw;
	unsigned int port = in[0];
	uint32_t f = (uint32_t)get_le(in + 1, 3), data = (uint32_t)get_le(in + 4, 4);
	unsigned int reg = f & 0xff, ext = (f >> 8) & 0xf, be = (f >> 12) & 0xf;
	bool write = f >> 23;

	(void)in_len;
	if ((f & 0x7f0000) || (reg & 3) || !vcs_port_fm_owned(sw, port)) {
		cxlemu_dbg(cci->ctx, "switch: PPB config request 0x%06x to port %u refused", f, port);
		return CXLEMU_MBOX_INVALID_INPUT;
	}
	if (out->cap < 4)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	if (write) {
		ppb_cfg_write(sw, port, ext << 8 | reg, be, data);
		data = 0;
	} else {
		data = ppb_cfg_read(sw, port, ext << 8 | reg, be);
	}
	return cci_put(out, 0, data, 4) ? CXLEMU_MBOX_SUCCESS : CXLEMU_MBOX_INTERNAL_ERROR;
}
