/* SPDX-License-Identifier: MIT */
/*
 * The configuration space of a physical port's PPB as Send PPB CXL.io
 * Configuration Request (CXL 3.1 7.6.7.1.4) reaches it: a PCI-to-PCI bridge
 * type 1 header (PCI Local Bus / PCIe Base 7.5.1.3) with the registers an
 * FM uses to look at and set up a port: IDs, command, class code, header
 * type, bus numbers, memory window, interrupt line, bridge control.  No
 * capability list; everything else reads 0 and ignores writes.
 */
#include <string.h>

#include "vcs_priv.h"
#include "../le.h"

/* Writable bits of each byte of the header. */
static const uint8_t wmask[PPB_CFG_SIZE] = {
	/* 04h Command: I/O, memory, bus master, parity error response, SERR#
	 * enable, interrupt disable. */
	[0x04] = 0x47, [0x05] = 0x05,
	/* 0Ch Cache Line Size. */
	[0x0c] = 0xff,
	/* 18h Primary, Secondary, Subordinate Bus Number. */
	[0x18] = 0xff, [0x19] = 0xff, [0x1a] = 0xff,
	/* 20h Memory Base and Limit: address bits 31:20. */
	[0x20] = 0xf0, [0x21] = 0xff, [0x22] = 0xf0, [0x23] = 0xff,
	/* 3Ch Interrupt Line. */
	[0x3c] = 0xff,
	/* 3Eh Bridge Control: parity error response, SERR# enable, secondary
	 * bus reset. */
	[0x3e] = 0x43,
};

void ppb_cfg_reset(struct cxlemu_switch *sw, unsigned int port)
{
	uint8_t *c = sw->ports[port].cfgspace;

	memset(c, 0, PPB_CFG_SIZE);
	put_le(c + 0x00, sw->cfg.vendor_id, 2);
	put_le(c + 0x02, sw->cfg.device_id, 2);
	/* Class Code 060400h: bridge, PCI-to-PCI, revision 0. */
	put_le(c + 0x08, 0x06040000u, 4);
	c[0x0e] = 0x01;  /* Header Type 1 */
}

uint32_t ppb_cfg_read(const struct cxlemu_switch *sw, unsigned int port, unsigned int off,
		      unsigned int be)
{
	const uint8_t *c = sw->ports[port].cfgspace;
	uint32_t v = 0;
	unsigned int i;

	if (off >= PPB_CFG_SIZE)
		return 0;
	for (i = 0; i < 4; i++)
		if (be & (1u << i))
			v |= (uint32_t)c[off + i] << (8 * i);
	return v;
}

void ppb_cfg_write(struct cxlemu_switch *sw, unsigned int port, unsigned int off,
		   unsigned int be, uint32_t val)
{
	uint8_t *c = sw->ports[port].cfgspace;
	unsigned int i;

	if (off >= PPB_CFG_SIZE)
		return;
	for (i = 0; i < 4; i++) {
		uint8_t m = wmask[off + i], b = (uint8_t)(val >> (8 * i));

		if (be & (1u << i))
			c[off + i] = (uint8_t)((c[off + i] & ~m) | (b & m));
	}
}
