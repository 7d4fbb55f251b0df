/* SPDX-License-Identifier: MIT */
/*
 * HDM Decoder Capability Structure, CXL 3.1 8.2.4.20: registers, reset
 * values, access rules and commit validation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"

#include <cxlemu/decode.h>
#include <cxlemu/hdm.h>

#include "hdm_priv.h"

/* Register offsets (8.2.4.20). */
#define REG_CAP 0x00
#define REG_GLOBAL_CTRL 0x04
#define DEC_BASE 0x10
#define DEC_STRIDE 0x20
#define DEC_BASE_LO 0x00
#define DEC_BASE_HI 0x04
#define DEC_SIZE_LO 0x08
#define DEC_SIZE_HI 0x0c
#define DEC_CTRL 0x10
#define DEC_TL_LO 0x14 /* target list low, or DPA skip low at endpoints */
#define DEC_TL_HI 0x18 /* target list high, or DPA skip high */

/* HDM Decoder Global Control (8.2.4.20.2). */
#define GCTRL_POISON_EN (1u << 0)
#define GCTRL_ENABLE (1u << 1)

/* HDM Decoder n Control (8.2.4.20.7). */
#define CTRL_IG_MASK 0xfu
#define CTRL_IW_SHIFT 4
#define CTRL_IW_MASK (0xfu << CTRL_IW_SHIFT)
#define CTRL_LOCK (1u << 8)
#define CTRL_COMMIT (1u << 9)
#define CTRL_COMMITTED (1u << 10)
#define CTRL_ERR (1u << 11)
#define CTRL_HOSTONLY (1u << 12)
#define CTRL_WRITABLE (CTRL_IG_MASK | CTRL_IW_MASK | CTRL_LOCK | CTRL_COMMIT | \
		       CTRL_HOSTONLY)

/* Base and size low registers implement bits 31:28 only. */
#define LO_MASK 0xf0000000u

struct decoder {
	uint32_t base_lo, base_hi, size_lo, size_hi, ctrl, tl_lo, tl_hi;
	uint64_t dpa_base; /* endpoints, valid while committed */
};

struct cxlemu_hdm {
	struct cxlemu_ctx *ctx;
	struct cxlemu_hdm_config cfg;
	uint32_t cap;
	uint32_t gctrl;
	struct decoder dec[CXLEMU_HDM_MAX_DECODERS];
};

/* Decoder Count encodings (8.2.4.20.1). */
static const uint8_t decoder_counts[] = { 1, 2, 4, 6, 8, 10, 12, 14, 16, 20,
					  24, 28, 32 };

static int encode_count(uint32_t n, uint32_t *enc)
{
	uint32_t i;

	for (i = 0; i < CXLEMU_ARRAY_SIZE(decoder_counts); i++) {
		if (decoder_counts[i] == n) {
			*enc = i;
			return 0;
		}
	}
	return -EINVAL;
}

static bool is_switching(const struct cxlemu_hdm *h)
{
	return h->cfg.kind != CXLEMU_HDM_ENDPOINT;
}

int cxlemu_hdm_new(struct cxlemu_ctx *ctx, const struct cxlemu_hdm_config *cfg,
		   struct cxlemu_hdm **out)
{
	struct cxlemu_hdm *h;
	uint32_t count_enc, i;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg || cfg->version != CXLEMU_HDM_CONFIG_VERSION) {
		cxlemu_err(ctx, "hdm: missing config or unsupported version");
		return -EINVAL;
	}
	if (cfg->kind < CXLEMU_HDM_HOST_BRIDGE || cfg->kind > CXLEMU_HDM_ENDPOINT) {
		cxlemu_err(ctx, "hdm: unknown component kind %u", cfg->kind);
		return -EINVAL;
	}
	if (encode_count(cfg->decoders, &count_enc)) {
		cxlemu_err(ctx, "hdm: %u decoders is not an encodable Decoder Count",
			   cfg->decoders);
		return -EINVAL;
	}
	if (cfg->kind != CXLEMU_HDM_ENDPOINT &&
	    cfg->targets != 1 && cfg->targets != 2 && cfg->targets != 4 &&
	    cfg->targets != 8) {
		cxlemu_err(ctx, "hdm: target count %u is not 1, 2, 4 or 8", cfg->targets);
		return -EINVAL;
	}
	if (cfg->nports > sizeof(cfg->port_ids) ||
	    cfg->npartitions > CXLEMU_HDM_MAX_PARTITIONS) {
		cxlemu_err(ctx, "hdm: %u ports or %u partitions out of range",
			   cfg->nports, cfg->npartitions);
		return -EINVAL;
	}
	for (i = 0; i < cfg->npartitions; i++) {
		if (!cxlemu_is_aligned(cfg->partition_size[i], SZ_256M) ||
		    cfg->partition_size[i] >= CXLEMU_ADDR_LIMIT) {
			cxlemu_err(ctx, "hdm: partition %u size 0x%llx not a 256 MiB multiple below 2^52",
				   i, (unsigned long long)cfg->partition_size[i]);
			return -EINVAL;
		}
	}
	if (cfg->caps & ~(uint32_t)(CXLEMU_HDM_CAP_A11TO8 | CXLEMU_HDM_CAP_A14TO12 |
				    CXLEMU_HDM_CAP_3_6_12 | CXLEMU_HDM_CAP_16WAY |
				    CXLEMU_HDM_CAP_POISON)) {
		cxlemu_err(ctx, "hdm: unknown capability flags 0x%x", cfg->caps);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->ctx = ctx;
	h->cfg = *cfg;
	/* HDM Decoder Capability register (8.2.4.20.1). */
	h->cap = count_enc;
	if (cfg->kind != CXLEMU_HDM_ENDPOINT)
		h->cap |= (cfg->targets & 0xf) << 4;
	if (cfg->caps & CXLEMU_HDM_CAP_A11TO8)
		h->cap |= 1u << 8;
	if (cfg->caps & CXLEMU_HDM_CAP_A14TO12)
		h->cap |= 1u << 9;
	if (cfg->caps & CXLEMU_HDM_CAP_POISON)
		h->cap |= 1u << 10;
	if (cfg->caps & CXLEMU_HDM_CAP_3_6_12)
		h->cap |= 1u << 11;
	if (cfg->caps & CXLEMU_HDM_CAP_16WAY)
		h->cap |= 1u << 12;
	cxlemu_hdm_reset(h);
	*out = h;
	return 0;
}

void cxlemu_hdm_free(struct cxlemu_hdm *hdm)
{
	free(hdm);
}

unsigned int cxlemu_hdm_count(const struct cxlemu_hdm *hdm)
{
	return hdm->cfg.decoders;
}

bool cxlemu_hdm_enabled(const struct cxlemu_hdm *hdm)
{
	return is_switching(hdm) || (hdm->gctrl & GCTRL_ENABLE);
}

void cxlemu_hdm_reset(struct cxlemu_hdm *hdm)
{
	unsigned int i;
	bool had = false;

	for (i = 0; i < hdm->cfg.decoders; i++)
		had |= !!(hdm->dec[i].ctrl & CTRL_COMMITTED);
	hdm->gctrl = 0;
	memset(hdm->dec, 0, sizeof(hdm->dec));
	/* Reset value of Target Device Type is device-coherent (0). */
	if (had && hdm->cfg.changed)
		hdm->cfg.changed(hdm->cfg.opaque, UINT32_MAX);
}

static uint64_t dec_base(const struct decoder *d)
{
	return (uint64_t)d->base_hi << 32 | (d->base_lo & LO_MASK);
}

static uint64_t dec_size(const struct decoder *d)
{
	return (uint64_t)d->size_hi << 32 | (d->size_lo & LO_MASK);
}

static uint64_t dec_skip(const struct decoder *d)
{
	return (uint64_t)d->tl_hi << 32 | (d->tl_lo & LO_MASK);
}

static uint8_t dec_target(const struct decoder *d, unsigned int pos)
{
	uint32_t reg = pos < 4 ? d->tl_lo : d->tl_hi;

	return (uint8_t)(reg >> (8 * (pos % 4)));
}

/*
 * DPA where decoder n's range would start: the end of decoder n-1's range
 * plus decoder n's DPA skip.  False when that is not a 52-bit address (a
 * guest can write any skip; it must not wrap onto another range).
 */
static bool dpa_start(const struct cxlemu_hdm *h, unsigned int n, uint64_t *start)
{
	const struct decoder *p;
	unsigned int ways = 1;
	uint64_t prev_end = 0, skip = dec_skip(&h->dec[n]);

	if (n > 0) {
		p = &h->dec[n - 1];
		cxlemu_eiw_to_ways((p->ctrl & CTRL_IW_MASK) >> CTRL_IW_SHIFT, &ways);
		prev_end = p->dpa_base + dec_size(p) / ways;
	}
	if (skip >= CXLEMU_ADDR_LIMIT || prev_end > CXLEMU_ADDR_LIMIT - skip)
		return false;
	*start = prev_end + skip;
	return true;
}

/* Checks the interleave address bits against A11to8 / A14to12. */
static const char *check_addr_bits(const struct cxlemu_hdm *h, unsigned int eiw,
				   unsigned int eig)
{
	unsigned int lo = eig + 8, hi, b;

	if (eiw == 0)
		return NULL;
	/* The power-of-two part of the ways selects on bits IG+8 up: IW bits
	 * for 1/2/4/8/16 ways, IW-8 bits for 3/6/12 (the factor 3 comes from
	 * the modulo of the upper bits), as Linux's interleave check reads
	 * the capability. */
	if (eiw == 8)
		return NULL;
	hi = lo + (eiw >= 8 ? eiw - 8 : eiw) - 1;
	for (b = lo; b <= hi && b <= 14; b++) {
		if (b <= 11 && !(h->cfg.caps & CXLEMU_HDM_CAP_A11TO8))
			return "interleave on HPA bits 11:8 is not supported (A11to8 = 0)";
		if (b >= 12 && !(h->cfg.caps & CXLEMU_HDM_CAP_A14TO12))
			return "interleave on HPA bits 14:12 is not supported (A14to12 = 0)";
	}
	return NULL;
}

static bool has_port(const struct cxlemu_hdm *h, uint8_t id)
{
	uint32_t i;

	for (i = 0; i < h->cfg.nports; i++)
		if (h->cfg.port_ids[i] == id)
			return true;
	return false;
}

/* Every rule a commit must pass; returns why it fails, or NULL. */
static const char *commit_error(struct cxlemu_hdm *h, unsigned int n,
				uint32_t ctrl, char *buf, size_t len)
{
	const struct decoder *d = &h->dec[n];
	unsigned int eiw = (ctrl & CTRL_IW_MASK) >> CTRL_IW_SHIFT;
	unsigned int eig = ctrl & CTRL_IG_MASK, ways, i;
	uint64_t base = dec_base(d), size = dec_size(d);
	const char *why;

	if (cxlemu_eiw_to_ways(eiw, &ways))
		return "reserved IW encoding";
	if (eig > CXLEMU_MAX_EIG)
		return "reserved IG encoding";
	if (eiw >= 8 && !(h->cfg.caps & CXLEMU_HDM_CAP_3_6_12))
		return "3, 6 and 12 way interleave not supported";
	if (ways == 16 && !(h->cfg.caps & CXLEMU_HDM_CAP_16WAY))
		return "16 way interleave not supported";
	why = check_addr_bits(h, eiw, eig);
	if (why)
		return why;
	if (base >= CXLEMU_ADDR_LIMIT || size > CXLEMU_ADDR_LIMIT - base)
		return "base + size beyond 2^52";
	/* Decoders commit in order and cover increasing HPAs (8.2.4.20.12). */
	if (n > 0) {
		const struct decoder *p = &h->dec[n - 1];

		if (!(p->ctrl & CTRL_COMMITTED))
			return "the previous decoder is not committed";
		if (base < dec_base(p) + dec_size(p))
			return "base below the end of the previous decoder";
	}
	if (is_switching(h)) {
		if (ways > h->cfg.targets) {
			snprintf(buf, len, "%u ways exceed the target count %u",
				 ways, h->cfg.targets);
			return buf;
		}
		for (i = 0; i < ways; i++) {
			if (!has_port(h, dec_target(d, i))) {
				snprintf(buf, len, "target %u names port %u, which does not exist",
					 i, dec_target(d, i));
				return buf;
			}
		}
		return NULL;
	}
	/* Endpoints: whole 256 MiB of DPA per way, inside one partition. */
	if (size % ((uint64_t)ways * SZ_256M))
		return "size is not a multiple of ways x 256 MiB";
	{
		uint64_t start, end, pstart = 0;
		uint64_t dsize = size / ways;

		if (!dpa_start(h, n, &start))
			return "DPA skip takes the range beyond 2^52";
		end = start + dsize;
		if (end < start)
			return "DPA range overflows";
		for (i = 0; i < h->cfg.npartitions; i++) {
			uint64_t pend = pstart + h->cfg.partition_size[i];

			if (start >= pstart && start < pend) {
				if (end > pend) {
					snprintf(buf, len, "DPA range 0x%llx-0x%llx crosses the end of partition %u",
						 (unsigned long long)start,
						 (unsigned long long)end, i);
					return buf;
				}
				return NULL;
			}
			pstart = pend;
		}
		if (dsize == 0 && start <= pstart)
			return NULL;
		snprintf(buf, len, "DPA 0x%llx (skip included) beyond the device capacity 0x%llx",
			 (unsigned long long)start, (unsigned long long)pstart);
		return buf;
	}
}

static void write_ctrl(struct cxlemu_hdm *h, unsigned int n, uint32_t val)
{
	struct decoder *d = &h->dec[n];
	char buf[160];
	const char *why;

	if (d->ctrl & CTRL_COMMITTED) {
		if (val & CTRL_COMMIT)
			return; /* still committed; fields are read-only */
		if (d->ctrl & CTRL_LOCK) {
			cxlemu_warn(h->ctx, "hdm: decoder %u is locked until reset", n);
			return;
		}
		/* Uncommit, last decoder first (8.2.4.20.12). */
		if (n + 1 < h->cfg.decoders && (h->dec[n + 1].ctrl & CTRL_COMMITTED)) {
			cxlemu_warn(h->ctx, "hdm: decoder %u uncommit ignored: decoder %u is committed",
				    n, n + 1);
			return;
		}
		d->ctrl = val & CTRL_WRITABLE;
		if (h->cfg.changed)
			h->cfg.changed(h->cfg.opaque, n);
		return;
	}
	d->ctrl = val & CTRL_WRITABLE;
	if (!(val & CTRL_COMMIT))
		return;
	why = commit_error(h, n, val, buf, sizeof(buf));
	if (why) {
		d->ctrl |= CTRL_ERR;
		cxlemu_err(h->ctx, "hdm: decoder %u not committed: %s", n, why);
		return;
	}
	if (!is_switching(h))
		dpa_start(h, n, &d->dpa_base); /* checked by commit_error() */
	d->ctrl |= CTRL_COMMITTED;
	if (h->cfg.changed)
		h->cfg.changed(h->cfg.opaque, n);
}

static bool dword_ok(const struct cxlemu_hdm *h, uint32_t offset)
{
	return offset < CXLEMU_HDM_SIZE(h->cfg.decoders) && !(offset & 3);
}

static uint32_t read32(const struct cxlemu_hdm *h, uint32_t off)
{
	const struct decoder *d;

	if (off == REG_CAP)
		return h->cap;
	if (off == REG_GLOBAL_CTRL)
		return h->gctrl;
	if (off < DEC_BASE)
		return 0;
	d = &h->dec[(off - DEC_BASE) / DEC_STRIDE];
	switch ((off - DEC_BASE) % DEC_STRIDE) {
	case DEC_BASE_LO: return d->base_lo;
	case DEC_BASE_HI: return d->base_hi;
	case DEC_SIZE_LO: return d->size_lo;
	case DEC_SIZE_HI: return d->size_hi;
	case DEC_CTRL: return d->ctrl;
	case DEC_TL_LO: return d->tl_lo;
	case DEC_TL_HI: return d->tl_hi;
	default: return 0;
	}
}

/* Writes one dword that is not a decoder control register. */
static void write32(struct cxlemu_hdm *h, uint32_t off, uint32_t val)
{
	struct decoder *d;
	unsigned int n;

	if (off == REG_GLOBAL_CTRL) {
		h->gctrl = val & (GCTRL_ENABLE |
				  ((h->cfg.caps & CXLEMU_HDM_CAP_POISON) ?
				   GCTRL_POISON_EN : 0));
		return;
	}
	if (off < DEC_BASE)
		return; /* capability register and reserved dwords are RO */
	n = (off - DEC_BASE) / DEC_STRIDE;
	d = &h->dec[n];
	/* Registers of a committed decoder are read-only (and locked ones
	 * stay so until reset). */
	if (d->ctrl & CTRL_COMMITTED)
		return;
	switch ((off - DEC_BASE) % DEC_STRIDE) {
	case DEC_BASE_LO: d->base_lo = val & LO_MASK; break;
	case DEC_BASE_HI: d->base_hi = val; break;
	case DEC_SIZE_LO: d->size_lo = val & LO_MASK; break;
	case DEC_SIZE_HI: d->size_hi = val; break;
	case DEC_TL_LO: d->tl_lo = is_switching(h) ? val : val & LO_MASK; break;
	case DEC_TL_HI: d->tl_hi = val; break;
	default: break;
	}
}

int cxlemu_hdm_read(const struct cxlemu_hdm *hdm, uint32_t offset,
		    unsigned int size, uint64_t *val)
{
	if (!hdm || !val || (size != 4 && size != 8) || (offset & (size - 1)) ||
	    !dword_ok(hdm, offset) || !dword_ok(hdm, offset + size - 4))
		return -EINVAL;
	*val = read32(hdm, offset);
	if (size == 8)
		*val |= (uint64_t)read32(hdm, offset + 4) << 32;
	return 0;
}

static bool is_ctrl(uint32_t off)
{
	return off >= DEC_BASE && (off - DEC_BASE) % DEC_STRIDE == DEC_CTRL;
}

int cxlemu_hdm_write(struct cxlemu_hdm *hdm, uint32_t offset, unsigned int size,
		     uint64_t val)
{
	uint32_t part[2] = { (uint32_t)val, (uint32_t)(val >> 32) };
	unsigned int i, nparts = size / 4;
	int ctrl = -1;

	if (!hdm || (size != 4 && size != 8) || (offset & (size - 1)) ||
	    !dword_ok(hdm, offset) || !dword_ok(hdm, offset + size - 4))
		return -EINVAL;
	for (i = 0; i < nparts; i++)
		if (is_ctrl(offset + 4 * i))
			ctrl = (int)i;
	/* One access: an uncommit takes effect before the other dword, a
	 * commit after it, so a commit sees the value written with it. */
	if (ctrl >= 0 && !(part[ctrl] & CTRL_COMMIT))
		write_ctrl(hdm, (offset + 4 * (unsigned int)ctrl - DEC_BASE) / DEC_STRIDE,
			   part[ctrl]);
	for (i = 0; i < nparts; i++)
		if ((int)i != ctrl)
			write32(hdm, offset + 4 * i, part[i]);
	if (ctrl >= 0 && (part[ctrl] & CTRL_COMMIT))
		write_ctrl(hdm, (offset + 4 * (unsigned int)ctrl - DEC_BASE) / DEC_STRIDE,
			   part[ctrl]);
	return 0;
}

int cxlemu_hdm_decoder(const struct cxlemu_hdm *hdm, unsigned int n,
		       struct cxlemu_hdm_decoder *out)
{
	const struct decoder *d;
	uint64_t gran;
	unsigned int i;

	if (!hdm || !out || n >= hdm->cfg.decoders)
		return -EINVAL;
	d = &hdm->dec[n];
	memset(out, 0, sizeof(*out));
	out->base = dec_base(d);
	out->size = dec_size(d);
	out->eiw = (uint8_t)((d->ctrl & CTRL_IW_MASK) >> CTRL_IW_SHIFT);
	out->eig = (uint8_t)(d->ctrl & CTRL_IG_MASK);
	if (cxlemu_eiw_to_ways(out->eiw, &out->ways))
		out->ways = 0;
	out->gran = cxlemu_eig_to_gran(out->eig, &gran) ? 0 : (uint32_t)gran;
	out->committed = !!(d->ctrl & CTRL_COMMITTED);
	out->error = !!(d->ctrl & CTRL_ERR);
	out->locked = out->committed && (d->ctrl & CTRL_LOCK);
	out->hostonly = !!(d->ctrl & CTRL_HOSTONLY);
	if (is_switching(hdm)) {
		for (i = 0; i < CXLEMU_HDM_MAX_TARGETS; i++)
			out->targets[i] = dec_target(d, i);
	} else {
		out->dpa_skip = dec_skip(d);
		out->dpa_base = out->committed ? d->dpa_base : 0;
	}
	return 0;
}

int cxlemu_hdm_add_port(struct cxlemu_hdm *hdm, uint8_t port)
{
	if (!hdm || hdm->cfg.nports >= sizeof(hdm->cfg.port_ids))
		return -ENOSPC;
	hdm->cfg.port_ids[hdm->cfg.nports++] = port;
	return 0;
}
