/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the memory-mapped mailbox register interface of a
 * type-3 device (8.2.8.4), as a guest drives it: any sequence of register
 * and payload reads and writes of any width and offset, doorbells with any
 * command register contents, and the clock moving between accesses so that
 * background operations progress and complete.
 *
 * Invariants after every access: the doorbell reads clear (commands run
 * synchronously), the output length in the command register never exceeds
 * the payload, the return code is a 16-bit mailbox code, background
 * percent complete stays within 0..100, and a running background operation
 * is reported consistently by the status and background status registers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fuzz_now;

static uint64_t clock_ns(void *opaque)
{
	(void)opaque;
	return fuzz_now;
}

static int zero(void *opaque, uint64_t dpa, uint64_t len)
{
	(void)opaque;
	(void)dpa;
	(void)len;
	return 0;
}

static uint64_t rd(struct cxlemu_cci *cci, uint32_t off)
{
	uint64_t v;

	if (cxlemu_cci_reg_read(cci, off, 8, &v))
		abort();
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = clock_ns };
	struct cxlemu_memdev_config mc;
	struct cxlemu_cci_config cfg;
	struct cxlemu_memdev *md;
	struct cxlemu_cci *cci;
	struct cxlemu_ctx *ctx;
	size_t p = 1;

	if (size < 1)
		return 0;
	fuzz_now = 0;
	if (cxlemu_ctx_new(&ops, NULL, &ctx))
		abort();
	cxlemu_memdev_config_init(&mc);
	mc.volatile_size = UINT64_C(256) << 20;
	mc.persistent_size = UINT64_C(256) << 20;
	mc.partitionable_size = UINT64_C(512) << 20;
	mc.partition_align = UINT64_C(256) << 20;
	mc.lsa_size = 4096;
	mc.dc_nregions = 1;
	mc.dc[0].base = UINT64_C(1) << 30;
	mc.dc[0].decode_len = UINT64_C(256) << 20;
	mc.dc[0].len = UINT64_C(256) << 20;
	mc.dc[0].block_size = UINT64_C(2) << 20;
	mc.host.media_zero = zero;
	if (cxlemu_memdev_new(ctx, &mc, &md))
		abort();
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = CXLEMU_CCI_CONFIG_VERSION;
	cfg.kind = CXLEMU_CCI_MAILBOX;
	cfg.payload_size = 256u << (data[0] % 5);
	cfg.component_type = 3;
	cfg.memdev = md;
	if (cxlemu_cci_new(ctx, &cfg, &cci))
		abort();
	while (p + 3 <= size) {
		uint8_t op = data[p];
		uint32_t off = (uint32_t)(data[p + 1] | data[p + 2] << 8) % (cfg.payload_size + 0x40);
		unsigned int w = 1u << ((op >> 1) & 3);
		uint64_t v = 0, st, bg;
		size_t n = (op >> 4) & 7;

		p += 3;
		if (n > size - p)
			n = size - p;
		memcpy(&v, data + p, n);
		p += n;
		if (op & 0x80) {
			/* Time passes: up to about 16 s. */
			fuzz_now += (uint64_t)(op & 0x7f) << 27;
			cxlemu_cci_poll(cci);
		} else if (op & 1) {
			(void)cxlemu_cci_reg_read(cci, off, w, &v);
		} else {
			bool bell = off <= 0x04 && 0x04 < off + w && (v >> (8 * (0x04 - off)) & 1);
			bool ring = cxlemu_cci_reg_write(cci, off, w, v) == 0 && bell;

			/* After a doorbell the command register holds the output
			 * length and the status a mailbox return code. */
			if (ring && (((rd(cci, 0x08) >> 16) & 0x1fffff) > cfg.payload_size ||
				     ((rd(cci, 0x10) >> 32) & 0xffff) > CXLEMU_MBOX_REQUEST_ABORT_NOT_SUPPORTED))
				abort();
		}
		if (rd(cci, 0x00) >> 32 & 1)
			abort(); /* doorbell still set */
		st = rd(cci, 0x10);
		bg = rd(cci, 0x18);
		if (((bg >> 16) & 0x7f) > 100 || (st & 1 && ((bg >> 16) & 0x7f) > 99))
			abort();
	}
	cxlemu_cci_free(cci);
	cxlemu_memdev_free(md);
	cxlemu_ctx_free(ctx);
	return 0;
}
