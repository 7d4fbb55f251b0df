/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: any sequence of guest register reads, writes (4 and 8
 * bytes, any offset and value) and resets on an HDM decoder capability
 * structure.  Invariants: committed decoders are a prefix, in increasing
 * non-overlapping HPA order, within 52 bits; endpoint DPA ranges are in
 * order, inside the capacity and inside one partition; switch targets name
 * existing ports.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

#define MB256 (UINT64_C(256) << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct cxlemu_hdm *h, uint32_t kind,
		  const struct cxlemu_hdm_config *cfg)
{
	struct cxlemu_hdm_decoder d, prev;
	uint64_t dpa_end = 0, cap = 0;
	unsigned int n, i, k, seen = 0;

	for (i = 0; i < cfg->npartitions; i++)
		cap += cfg->partition_size[i];
	for (n = 0; n < cxlemu_hdm_count(h); n++) {
		if (cxlemu_hdm_decoder(h, n, &d) || (d.committed && d.error))
			abort();
		if (!d.committed)
			continue;
		if (seen++ != n || !d.ways || d.base + d.size > CXLEMU_ADDR_LIMIT ||
		    (n && d.base < prev.base + prev.size))
			abort();
		if (kind == CXLEMU_HDM_ENDPOINT) {
			uint64_t pstart = 0;

			if (d.size % (d.ways * MB256) || d.dpa_base < dpa_end)
				abort();
			dpa_end = d.dpa_base + d.size / d.ways;
			if (dpa_end > cap)
				abort();
			for (i = 0; i < cfg->npartitions && d.size; i++) {
				uint64_t pend = pstart + cfg->partition_size[i];

				if (d.dpa_base >= pstart && d.dpa_base < pend && dpa_end > pend)
					abort();
				pstart = pend;
			}
		} else {
			if (d.ways > cfg->targets)
				abort();
			for (i = 0; i < d.ways; i++) {
				for (k = 0; k < cfg->nports; k++)
					if (cfg->port_ids[k] == d.targets[i])
						break;
				if (k == cfg->nports)
					abort();
			}
		}
		prev = d;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cxlemu_hdm_config cfg;
	struct cxlemu_hdm *h;
	size_t p = 0;

	if (size < 2)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = CXLEMU_HDM_CONFIG_VERSION;
	cfg.kind = 1 + data[0] % 3;
	cfg.decoders = (data[0] >> 2) & 1 ? 8 : 2;
	cfg.targets = 4;
	cfg.caps = data[1] & 0x1f;
	cfg.nports = 3;
	cfg.port_ids[0] = 0;
	cfg.port_ids[1] = 1;
	cfg.port_ids[2] = 9;
	cfg.npartitions = 2;
	cfg.partition_size[0] = 4 * MB256;
	cfg.partition_size[1] = 8 * MB256;
	if (cxlemu_hdm_new(NULL, &cfg, &h))
		abort();
	p = 2;
	/* Records: op, offset, value (8 bytes). */
	while (p + 10 <= size) {
		uint8_t op = data[p];
		uint32_t off = data[p + 1];
		uint64_t v;
		unsigned int width = op & 1 ? 8 : 4;

		memcpy(&v, data + p + 2, 8);
		p += 10;
		/* Bias towards small, plausible addresses. */
		if (op & 2)
			v &= UINT64_C(0x00000003f000ffff) | ((uint64_t)op << 40);
		if ((op >> 2) % 16 == 0) {
			cxlemu_hdm_reset(h);
		} else if ((op >> 2) % 4 == 1) {
			uint64_t r;

			(void)cxlemu_hdm_read(h, off, width, &r);
		} else {
			int rc = cxlemu_hdm_write(h, off, width, v);

			if (rc && rc != -EINVAL)
				abort();
		}
		check(h, cfg.kind, &cfg);
	}
	cxlemu_hdm_free(h);
	return 0;
}
