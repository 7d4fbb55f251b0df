/* SPDX-License-Identifier: MIT */
/*
 * Memory-mapped mailbox registers (CXL 3.1 8.2.8.4): capabilities,
 * control with the doorbell, command, status, background command status and
 * the payload.  Ringing the doorbell runs the command synchronously on the
 * payload; the doorbell then clears and, if enabled, the interrupt fires.
 */
#include <stdlib.h>
#include <string.h>

#include "cci_priv.h"
#include "../le.h"

#define REG_CAPS 0x00
#define REG_CONTROL 0x04
#define REG_COMMAND 0x08
#define REG_STATUS 0x10
#define REG_BG_STATUS 0x18

#define CTRL_DOORBELL CCI_CTRL_DOORBELL
#define CTRL_DOORBELL_INT CCI_CTRL_DOORBELL_INT
#define CTRL_BG_INT CCI_CTRL_BG_INT

#define CMD_OPCODE_MASK 0xffffu
#define CMD_LEN_SHIFT 16
#define CMD_LEN_MASK 0x1fffffu /* bits 36:16 */

uint32_t cxlemu_cci_reg_size(const struct cxlemu_cci *cci)
{
	return CXLEMU_MBOX_PAYLOAD_OFFSET + cci->cfg.payload_size;
}

static uint64_t caps(const struct cxlemu_cci *cci)
{
	/* Payload Size 2^n, doorbell and background interrupts capable. */
	return (uint64_t)cci->payload_log2 | 1u << 5 | 1u << 6;
}

static uint64_t bg_status(const struct cxlemu_cci *cci)
{
	return (uint64_t)cci->bg_opcode | (uint64_t)(cci->bg_percent & 0x7f) << 16 |
	       (uint64_t)cci->bg_rc << 32;
}

/* The 8-byte register containing @off, and where @off sits in it. */
static uint64_t reg64(const struct cxlemu_cci *cci, uint32_t off)
{
	switch (off & ~7u) {
	case REG_CAPS: return caps(cci) | (uint64_t)cci->control << 32;
	case REG_COMMAND: return cci->command;
	case REG_STATUS: return cci->status | (cci->bg_running ? 1 : 0);
	default: return bg_status(cci); /* REG_BG_STATUS */
	}
}

static bool access_ok(const struct cxlemu_cci *cci, uint32_t off, unsigned int size)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && !(off & (size - 1)) &&
	       off < cxlemu_cci_reg_size(cci) && size <= cxlemu_cci_reg_size(cci) - off;
}

int cxlemu_cci_reg_read(struct cxlemu_cci *cci, uint32_t off, unsigned int size,
			uint64_t *val)
{
	uint64_t v = 0;

	if (!cci || !val || !access_ok(cci, off, size))
		return -EINVAL;
	if (off >= CXLEMU_MBOX_PAYLOAD_OFFSET) {
		v = get_le(cci->payload + off - CXLEMU_MBOX_PAYLOAD_OFFSET, size);
	} else {
		/* Status reads show background progress up to now. */
		if (off >= REG_STATUS)
			cxlemu_cci_poll(cci);
		v = reg64(cci, off) >> (8 * (off & 7));
		if (size < 8)
			v &= (UINT64_C(1) << (8 * size)) - 1;
	}
	*val = v;
	return 0;
}

/* The doorbell: run the command on the payload, answer in the payload. */
static void ring(struct cxlemu_cci *cci)
{
	uint32_t len = (uint32_t)(cci->command >> CMD_LEN_SHIFT) & CMD_LEN_MASK;
	uint16_t opcode = (uint16_t)(cci->command & CMD_OPCODE_MASK);
	size_t out_len = 0;
	uint8_t *out;
	int rc;

	if (len > cci->cfg.payload_size) {
		rc = CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	} else {
		/* Separate output buffer: handlers never see aliased input. */
		out = malloc(cci->cfg.payload_size);
		if (!out) {
			rc = CXLEMU_MBOX_INTERNAL_ERROR;
		} else {
			rc = cxlemu_cci_execute(cci, opcode, cci->payload, len, out,
						cci->cfg.payload_size, &out_len);
			if (rc < 0) {
				rc = CXLEMU_MBOX_INTERNAL_ERROR;
				out_len = 0;
			}
			memcpy(cci->payload, out, out_len);
			free(out);
		}
	}
	cci->command = (cci->command & CMD_OPCODE_MASK) |
		       (uint64_t)(out_len & CMD_LEN_MASK) << CMD_LEN_SHIFT;
	cci->status = (uint64_t)(uint16_t)rc << 32;
	cci->control &= ~CTRL_DOORBELL;
	if ((cci->control & CTRL_DOORBELL_INT) && cci->cfg.host.irq)
		cci->cfg.host.irq(cci->cfg.host.opaque);
}

int cxlemu_cci_reg_write(struct cxlemu_cci *cci, uint32_t off, unsigned int size,
			 uint64_t val)
{
	bool doorbell = false;
	unsigned int i;

	if (!cci || !access_ok(cci, off, size))
		return -EINVAL;
	if (off >= CXLEMU_MBOX_PAYLOAD_OFFSET) {
		/* The payload belongs to the device while the doorbell rings. */
		if (cci->control & CTRL_DOORBELL)
			return 0;
		put_le(cci->payload + off - CXLEMU_MBOX_PAYLOAD_OFFSET, val, size);
		return 0;
	}
	for (i = 0; i < size; i++) {
		uint32_t b = off + i;
		uint8_t byte = (uint8_t)(val >> (8 * i));

		if (b >= REG_CONTROL && b < REG_CONTROL + 4) {
			unsigned int sh = 8 * (b - REG_CONTROL);
			uint32_t keep = cci->control & ~(0xffu << sh);
			uint32_t nv = keep | (uint32_t)byte << sh;

			/* Interrupt enables are RW; the doorbell is set by
			 * software and cleared by the device. */
			if (b == REG_CONTROL && (byte & CTRL_DOORBELL) &&
			    !(cci->control & CTRL_DOORBELL))
				doorbell = true;
			nv &= CTRL_DOORBELL_INT | CTRL_BG_INT;
			nv |= cci->control & CTRL_DOORBELL;
			cci->control = nv;
		} else if (b >= REG_COMMAND && b < REG_COMMAND + 8 &&
			   !(cci->control & CTRL_DOORBELL)) {
			unsigned int sh = 8 * (b - REG_COMMAND);

			cci->command = (cci->command & ~(UINT64_C(0xff) << sh)) |
				       (uint64_t)byte << sh;
			/* Bits 63:37 are reserved. */
			cci->command &= (UINT64_C(1) << 37) - 1;
		}
		/* Capabilities and the status registers are read-only. */
	}
	if (doorbell) {
		cci->control |= CTRL_DOORBELL;
		ring(cci);
	}
	return 0;
}
