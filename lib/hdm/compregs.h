/* SPDX-License-Identifier: MIT */
/* A component register block: capability array, RAS, link, HDM. */
#ifndef CXLEMU_COMPREGS_H
#define CXLEMU_COMPREGS_H

#include <stdbool.h>
#include <stdint.h>

#include <cxlemu/hdm.h>

/* Offsets in the CXL.cache/mem area (CXL 3.1 8.2.4). */
#define CM_RAS_OFFSET 0x100u
#define CM_RAS_SIZE 0x58u
#define CM_LINK_OFFSET 0x200u
#define CM_LINK_SIZE 0x38u
#define CM_HDM_OFFSET 0x400u

struct cxlemu_compregs {
	struct cxlemu_hdm *hdm; /* NULL for ports */
	uint32_t ue_status, ue_mask, ue_severity;
	uint32_t ce_status, ce_mask;
};

void cxlemu_compregs_init(struct cxlemu_compregs *r, struct cxlemu_hdm *hdm);
void cxlemu_compregs_reset(struct cxlemu_compregs *r);
int cxlemu_compregs_read(const struct cxlemu_compregs *r, uint32_t offset,
			 unsigned int size, uint64_t *val);
int cxlemu_compregs_write(struct cxlemu_compregs *r, uint32_t offset,
			  unsigned int size, uint64_t val);

#endif
