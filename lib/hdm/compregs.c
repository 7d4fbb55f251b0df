/* SPDX-License-Identifier: MIT */
/*
 * Component register block (CXL 3.1 8.2.3, 8.2.4): the CXL.io part is
 * empty; the CXL.cache/mem part at 0x1000 starts with the CXL Capability
 * Header and an array of capability headers pointing at the RAS (ID 2),
 * Link (ID 4) and, for components that decode HDM, HDM Decoder (ID 5)
 * capability structures.
 */
#include "../internal.h"
#include "compregs.h"

#include <cxlemu/topology.h>

/* Capability IDs and versions (8.2.4.1). */
#define CAP_ID_CXL 1
#define CAP_ID_RAS 2
#define CAP_ID_LINK 4
#define CAP_ID_HDM 5

/* RAS Capability Structure (8.2.4.17). */
#define RAS_UE_STATUS 0x00
#define RAS_UE_MASK 0x04
#define RAS_UE_SEVERITY 0x08
#define RAS_CE_STATUS 0x0c
#define RAS_CE_MASK 0x10
/* Uncorrectable error bits 0-16 and correctable bits 0-6 are defined. */
#define UE_BITS 0x1ffffu
#define CE_BITS 0x7fu

void cxlemu_compregs_init(struct cxlemu_compregs *r, struct cxlemu_hdm *hdm)
{
	r->hdm = hdm;
	cxlemu_compregs_reset(r);
}

void cxlemu_compregs_reset(struct cxlemu_compregs *r)
{
	r->ue_status = 0;
	r->ue_mask = 0;
	/* Severity defaults to fatal for every defined error. */
	r->ue_severity = UE_BITS;
	r->ce_status = 0;
	r->ce_mask = 0;
	if (r->hdm)
		cxlemu_hdm_reset(r->hdm);
}

static uint32_t cap_header(uint32_t id, uint32_t version, uint32_t ptr)
{
	return id | version << 16 | ptr << 20;
}

static uint32_t read32(const struct cxlemu_compregs *r, uint32_t off)
{
	uint32_t n = r->hdm ? 3 : 2;

	if (off < CXLEMU_CM_OFFSET)
		return 0; /* CXL.io registers: none implemented */
	off -= CXLEMU_CM_OFFSET;
	switch (off) {
	case 0x0: /* CXL Capability Header: ID 1, v1, CXL.cache/mem v1 */
		return CAP_ID_CXL | 1u << 16 | 1u << 20 | n << 24;
	case 0x4:
		return cap_header(CAP_ID_RAS, 2, CM_RAS_OFFSET);
	case 0x8:
		return cap_header(CAP_ID_LINK, 2, CM_LINK_OFFSET);
	case 0xc:
		return r->hdm ? cap_header(CAP_ID_HDM, 3, CM_HDM_OFFSET) : 0;
	case CM_RAS_OFFSET + RAS_UE_STATUS: return r->ue_status;
	case CM_RAS_OFFSET + RAS_UE_MASK: return r->ue_mask;
	case CM_RAS_OFFSET + RAS_UE_SEVERITY: return r->ue_severity;
	case CM_RAS_OFFSET + RAS_CE_STATUS: return r->ce_status;
	case CM_RAS_OFFSET + RAS_CE_MASK: return r->ce_mask;
	default:
		return 0;
	}
}

static void write32(struct cxlemu_compregs *r, uint32_t off, uint32_t v)
{
	if (off < CXLEMU_CM_OFFSET)
		return;
	switch (off - CXLEMU_CM_OFFSET) {
	case CM_RAS_OFFSET + RAS_UE_STATUS: r->ue_status &= ~(v & UE_BITS); break; /* RW1C */
	case CM_RAS_OFFSET + RAS_UE_MASK: r->ue_mask = v & UE_BITS; break;
	case CM_RAS_OFFSET + RAS_UE_SEVERITY: r->ue_severity = v & UE_BITS; break;
	case CM_RAS_OFFSET + RAS_CE_STATUS: r->ce_status &= ~(v & CE_BITS); break; /* RW1C */
	case CM_RAS_OFFSET + RAS_CE_MASK: r->ce_mask = v & CE_BITS; break;
	default: break; /* read-only or reserved */
	}
}

/* The HDM capability's part of the block, if @off falls in it. */
static bool in_hdm(const struct cxlemu_compregs *r, uint32_t off, unsigned int size)
{
	uint32_t start = CXLEMU_CM_OFFSET + CM_HDM_OFFSET;

	return r->hdm && off >= start &&
	       off + size <= start + CXLEMU_HDM_SIZE(cxlemu_hdm_count(r->hdm));
}

static bool access_ok(uint32_t offset, unsigned int size)
{
	return (size == 4 || size == 8) && !(offset & (size - 1)) &&
	       offset <= CXLEMU_COMP_REGS_SIZE - size;
}

int cxlemu_compregs_read(const struct cxlemu_compregs *r, uint32_t offset,
			 unsigned int size, uint64_t *val)
{
	if (!access_ok(offset, size) || !val)
		return -EINVAL;
	if (in_hdm(r, offset, size))
		return cxlemu_hdm_read(r->hdm, offset - CXLEMU_CM_OFFSET - CM_HDM_OFFSET,
				       size, val);
	*val = read32(r, offset);
	if (size == 8)
		*val |= (uint64_t)read32(r, offset + 4) << 32;
	return 0;
}

int cxlemu_compregs_write(struct cxlemu_compregs *r, uint32_t offset,
			  unsigned int size, uint64_t val)
{
	if (!access_ok(offset, size))
		return -EINVAL;
	if (in_hdm(r, offset, size))
		return cxlemu_hdm_write(r->hdm, offset - CXLEMU_CM_OFFSET - CM_HDM_OFFSET,
					size, val);
	write32(r, offset, (uint32_t)val);
	if (size == 8)
		write32(r, offset + 4, (uint32_t)(val >> 32));
	return 0;
}
