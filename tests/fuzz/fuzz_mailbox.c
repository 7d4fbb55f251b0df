/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a CCI driven by any sequence of direct commands (any
 * CCI kind, opcode and payload), CCI messages, MCTP messages and mailbox
 * register accesses (any offset, width, value, doorbells).  Every CCI but
 * a switch's has a memory device behind it; the clock moves 1 ms per
 * record so background operations complete.  Invariants: return codes are
 * mailbox codes, responses fit the output buffer and the response message
 * limit, MCTP responses carry the request's type, the doorbell is clear
 * after every access, the length the command register reports never
 * exceeds the payload.
 *
 * Input: byte 0 picks the kind (bits 1:0) and payload size; then records
 * of op, opcode (2 bytes), n, and n bytes: op F8h-FFh an MCTP message,
 * F0h-F7h a CCI message, odd ops a direct command, even ops a register
 * access.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fuzz_clock(void *opaque)
{
	return *(const uint64_t *)opaque;
}

static int fuzz_zero(void *opaque, uint64_t dpa, uint64_t len)
{
	(void)opaque;
	(void)dpa;
	(void)len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t kinds[4] = { CXLEMU_CCI_MAILBOX, CXLEMU_CCI_SWITCH,
					   CXLEMU_CCI_LD_FM, CXLEMU_CCI_MCTP };
	struct cxlemu_host_ops ops;
	struct cxlemu_memdev_config mcfg;
	struct cxlemu_cci_config cfg;
	struct cxlemu_memdev *md = NULL;
	struct cxlemu_ctx *ctx;
	struct cxlemu_cci *cci;
	uint8_t out[4096];
	uint64_t now = 0;
	size_t p = 1;

	if (size < 1)
		return 0;
	memset(&ops, 0, sizeof(ops));
	ops.version = CXLEMU_HOST_OPS_VERSION;
	ops.now_ns = fuzz_clock;
	if (cxlemu_ctx_new(&ops, &now, &ctx))
		abort();
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = CXLEMU_CCI_CONFIG_VERSION;
	cfg.kind = kinds[data[0] & 3];
	cfg.payload_size = 256u << ((data[0] >> 2) % 5);
	if (cfg.kind != CXLEMU_CCI_SWITCH) {
		cxlemu_memdev_config_init(&mcfg);
		mcfg.volatile_size = CXLEMU_CAPACITY_UNIT;
		mcfg.persistent_size = CXLEMU_CAPACITY_UNIT;
		mcfg.partitionable_size = CXLEMU_CAPACITY_UNIT;
		mcfg.partition_align = CXLEMU_CAPACITY_UNIT;
		mcfg.lsa_size = 4096;
		memcpy(mcfg.fw_revision, "fuzz", 4);
		/* Dynamic capacity on every other input, so that both the DC
		 * commands and their absence are reached. */
		if (data[0] & 0x80) {
			mcfg.dc_nregions = 2;
			mcfg.dc[0].base = 4 * CXLEMU_CAPACITY_UNIT;
			mcfg.dc[0].decode_len = CXLEMU_CAPACITY_UNIT;
			mcfg.dc[0].len = CXLEMU_CAPACITY_UNIT;
			mcfg.dc[0].block_size = UINT64_C(2) << 20;
			mcfg.dc[1].base = 5 * CXLEMU_CAPACITY_UNIT;
			mcfg.dc[1].decode_len = CXLEMU_CAPACITY_UNIT;
			mcfg.dc[1].len = CXLEMU_CAPACITY_UNIT / 2;
			mcfg.dc[1].block_size = UINT64_C(64) << 10;
			mcfg.dc[1].flags = 8;
		}
		mcfg.host.media_zero = fuzz_zero;
		if (cxlemu_memdev_new(ctx, &mcfg, &md))
			abort();
		cfg.memdev = md;
	}
	if (cxlemu_cci_new(ctx, &cfg, &cci))
		abort();
	while (p + 4 <= size) {
		uint8_t op = data[p];
		uint16_t opcode = (uint16_t)(data[p + 1] | data[p + 2] << 8);
		size_t n = data[p + 3], outlen;
		uint64_t v = 0;
		int rc;

		p += 4;
		if (n > size - p)
			n = size - p;
		now += 1000000;
		cxlemu_cci_poll(cci);
		if ((op & 0xf8) == 0xf8) {
			/* An MCTP message: answered with its type, or dropped. */
			uint8_t rsp[4096];
			size_t rl;

			rc = cxlemu_mctp_message(cci, data + p, n, rsp, sizeof(rsp), &rl);
			if (rc == 0 ? (rl < 13 || rl > sizeof(rsp) || rsp[0] != data[p] ||
				       rsp[1] != 1) :
				      (rl != 0 || (rc != -EBADMSG && rc != -EPROTONOSUPPORT)))
				abort();
		} else if ((op & 0xf0) == 0xf0) {
			/* A whole CCI message. */
			uint8_t rsp[4096];
			size_t rl;

			if (cxlemu_cci_message(cci, data + p, n, rsp, sizeof(rsp), &rl) == 0 &&
			    (rl < 12 || rl > sizeof(rsp) || rsp[0] != 1))
				abort();
		} else if (op & 1) {
			rc = cxlemu_cci_execute(cci, opcode, data + p, n, out,
						(op >> 1) & 1 ? 16 : sizeof(out), &outlen);
			if (rc < 0 || rc > 0xffff || outlen > sizeof(out) ||
			    ((op >> 1) & 1 && outlen > 16))
				abort();
		} else {
			uint32_t off = (uint32_t)(opcode % (cfg.payload_size + 0x40));
			unsigned int w = 1u << ((op >> 1) & 3);

			memcpy(&v, data + p, n < 8 ? n : 8);
			if ((op >> 3) & 1)
				(void)cxlemu_cci_reg_read(cci, off, w, &v);
			else
				(void)cxlemu_cci_reg_write(cci, off, w, v);
			if (cxlemu_cci_reg_read(cci, 0x04, 4, &v) || (v & 1))
				abort();
			if (cxlemu_cci_reg_read(cci, 0x08, 8, &v) ||
			    ((v >> 16) & 0x1fffff) > cfg.payload_size + (UINT64_C(1) << 21))
				abort();
		}
		p += n;
	}
	cxlemu_cci_free(cci);
	cxlemu_memdev_free(md);
	cxlemu_ctx_free(ctx);
	return 0;
}
