/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a CCI driven by any sequence of direct commands (any
 * CCI kind, opcode and payload) and mailbox register accesses (any offset,
 * width, value, doorbells).  Invariants: return codes are mailbox codes,
 * responses fit the output buffer and the response message limit, the
 * doorbell is clear after every access, the length the command register
 * reports never exceeds the payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t kinds[4] = { CXLEMU_CCI_MAILBOX, CXLEMU_CCI_SWITCH,
					   CXLEMU_CCI_LD_FM, CXLEMU_CCI_MCTP };
	struct cxlemu_cci_config cfg;
	struct cxlemu_cci *cci;
	uint8_t out[4096];
	size_t p = 1;

	if (size < 1)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = CXLEMU_CCI_CONFIG_VERSION;
	cfg.kind = kinds[data[0] & 3];
	cfg.payload_size = 256u << ((data[0] >> 2) % 5);
	if (cxlemu_cci_new(NULL, &cfg, &cci))
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
		if ((op & 0xf0) == 0xf0) {
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
	return 0;
}
