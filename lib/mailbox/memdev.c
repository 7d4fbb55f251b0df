/* SPDX-License-Identifier: MIT */
/*
 * The memory device state shared by every CCI of a type-3 device: capacity
 * and partitions, label storage, health, alerts, shutdown state, the
 * device timestamp; event logs (events.c) and dynamic capacity (dcd.c)
 * hang off it.
 */
#include <stdlib.h>
#include <string.h>

#include <cxlemu/topology.h>

#include "memdev_priv.h"

void cxlemu_memdev_config_init(struct cxlemu_memdev_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->version = CXLEMU_MEMDEV_CONFIG_VERSION;
}

/* DC block: 2 MiB, what QEMU and Linux use by default. */
#define TOPO_DC_BLOCK (UINT64_C(2) << 20)

int cxlemu_memdev_config_from_topo(const struct cxlemu_topo *t, uint32_t id,
				   struct cxlemu_memdev_config *cfg)
{
	struct cxlemu_comp_info ci;
	uint64_t end;

	if (!t || !cfg || cxlemu_topo_info(t, id, &ci) || ci.kind != CXLEMU_COMP_TYPE3)
		return -EINVAL;
	cfg->volatile_size = ci.volatile_size;
	cfg->persistent_size = ci.persistent_size;
	cfg->partitionable_size = 0;
	cfg->partition_align = 0;
	cfg->lsa_size = ci.lsa_size;
	memset(cfg->dc, 0, sizeof(cfg->dc));
	cfg->dc_nregions = 0;
	if (ci.dc_size) {
		end = ci.volatile_size + ci.persistent_size;
		cfg->dc_nregions = 1;
		cfg->dc[0].base = end;
		cfg->dc[0].decode_len = (ci.dc_size + SZ_256M - 1) & ~(SZ_256M - 1);
		cfg->dc[0].len = ci.dc_size & ~(TOPO_DC_BLOCK - 1);
		cfg->dc[0].block_size = TOPO_DC_BLOCK;
	}
	return 0;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int check_config(struct cxlemu_ctx *ctx, const struct cxlemu_memdev_config *c)
{
	uint64_t end, sum;
	uint32_t i;

	if (c->version != CXLEMU_MEMDEV_CONFIG_VERSION) {
		cxlemu_err(ctx, "memdev: unsupported config version %u", c->version);
		return -EINVAL;
	}
	/* Capacities are reported in 256 MiB units (8.2.9.9.1.1). */
	if (!cxlemu_is_aligned(c->volatile_size, SZ_256M) ||
	    !cxlemu_is_aligned(c->persistent_size, SZ_256M) ||
	    !cxlemu_is_aligned(c->partitionable_size, SZ_256M)) {
		cxlemu_err(ctx, "memdev: capacities must be multiples of 256 MiB");
		return -EINVAL;
	}
	if (c->partitionable_size &&
	    (!c->partition_align || !cxlemu_is_aligned(c->partition_align, SZ_256M) ||
	     c->partitionable_size % c->partition_align)) {
		cxlemu_err(ctx, "memdev: partition alignment must be a multiple of 256 MiB dividing the partitionable capacity");
		return -EINVAL;
	}
	if (!c->partitionable_size && c->partition_align) {
		cxlemu_err(ctx, "memdev: partition alignment without partitionable capacity");
		return -EINVAL;
	}
	sum = c->volatile_size + c->persistent_size;
	if (sum < c->volatile_size || sum + c->partitionable_size < sum ||
	    (sum + c->partitionable_size) >> 52) {
		cxlemu_err(ctx, "memdev: capacity beyond 2^52 bytes");
		return -EINVAL;
	}
	end = sum + c->partitionable_size;
	if (c->lsa_size > UINT32_MAX) {
		cxlemu_err(ctx, "memdev: LSA of %llu bytes does not fit the 32-bit size field",
			   (unsigned long long)c->lsa_size);
		return -EINVAL;
	}
	if (c->dc_nregions > CXLEMU_DC_MAX_REGIONS) {
		cxlemu_err(ctx, "memdev: %u DC regions, at most %u", c->dc_nregions,
			   CXLEMU_DC_MAX_REGIONS);
		return -EINVAL;
	}
	/* DC regions (8.2.9.9.9.1): 256 MiB aligned, above the static
	 * capacity and each other, block size a power of two. */
	for (i = 0; i < c->dc_nregions; i++) {
		const struct cxlemu_dc_region_desc *r = &c->dc[i];

		if (!cxlemu_is_aligned(r->base, SZ_256M) || !r->decode_len ||
		    !cxlemu_is_aligned(r->decode_len, SZ_256M) || r->base < end ||
		    r->base + r->decode_len < r->base || (r->base + r->decode_len) >> 52 ||
		    !is_pow2(r->block_size) || r->block_size < 64 ||
		    r->len > r->decode_len || r->len % r->block_size ||
		    r->flags & ~UINT8_C(0x08)) {
			cxlemu_err(ctx, "memdev: DC region %u is malformed (base, lengths, block size or flags)", i);
			return -EINVAL;
		}
		end = r->base + r->decode_len;
	}
	return 0;
}

int cxlemu_memdev_new(struct cxlemu_ctx *ctx, const struct cxlemu_memdev_config *cfg,
		      struct cxlemu_memdev **out)
{
	struct cxlemu_memdev *md;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg)
		return -EINVAL;
	rc = check_config(ctx, cfg);
	if (rc)
		return rc;
	md = calloc(1, sizeof(*md));
	if (!md)
		return -ENOMEM;
	md->ctx = ctx;
	md->cfg = *cfg;
	if (cfg->lsa_size && (!cfg->host.lsa_read || !cfg->host.lsa_write)) {
		md->lsa = calloc(1, cfg->lsa_size);
		if (!md->lsa)
			goto nomem;
	}
	md->events = md_events_new();
	if (!md->events)
		goto nomem;
	if (cfg->dc_nregions) {
		md->dc = md_dc_new();
		if (!md->dc)
			goto nomem;
	}
	md->active_vol = md->next_vol = cfg->volatile_size + cfg->partitionable_size;
	md->active_pers = md->next_pers = cfg->persistent_size;
	md->health.life_used = 0;
	md->health.temperature = 30;
	/* Fixed critical thresholds (8.2.9.9.3.2). */
	md->alerts.life_crit = 100;
	md->alerts.over_crit = 100;
	md->alerts.under_crit = -20;
	md_fw_init(md);
	md_features_init(md);
	md_poison_init(&md->poison);
	*out = md;
	return 0;
nomem:
	cxlemu_memdev_free(md);
	return -ENOMEM;
}

void cxlemu_memdev_free(struct cxlemu_memdev *md)
{
	if (!md)
		return;
	md_poison_fini(&md->poison);
	free(md->mo_ranges);
	md_dc_free(md->dc);
	md_events_free(md->events);
	free(md->lsa);
	free(md);
}

void cxlemu_memdev_reset(struct cxlemu_memdev *md)
{
	if (!md)
		return;
	md->active_vol = md->next_vol;
	md->active_pers = md->next_pers;
	md_fw_reset(md);
	md_features_reset(md);
}

void md_cci_gone(struct cxlemu_memdev *md, const void *cci)
{
	struct md_fw *fw = &md->fw;

	if ((fw->xfer.active && fw->xfer.owner == cci) ||
	    (fw->pending && fw->pending_cci == cci)) {
		memset(&fw->xfer, 0, sizeof(fw->xfer));
		fw->pending = false;
		fw->gen++;
	}
	if (md->feat.xfer && md->feat.owner == cci)
		md->feat.xfer = false;
	if (md->poison.cont && md->poison.cont_owner == cci)
		md->poison.cont = false;
}

bool cxlemu_memdev_media_disabled(const struct cxlemu_memdev *md)
{
	return md && md->media_disabled;
}

uint32_t cxlemu_memdev_event_status(const struct cxlemu_memdev *md)
{
	uint32_t st = 0;
	unsigned int i;

	if (!md || !md->events)
		return 0;
	for (i = 0; i < MD_EVENT_LOGS; i++)
		if (md->events->log[i].count)
			st |= 1u << i;
	return st;
}

int cxlemu_memdev_set_health(struct cxlemu_memdev *md, const struct cxlemu_memdev_health *h)
{
	if (!md || !h || (h->life_used > 100 && h->life_used != 0xff) ||
	    h->health_status & ~7u || h->media_status > 9)
		return -EINVAL;
	md->health = *h;
	md->health.reserved = 0;
	md->health.reserved2 = 0;
	return 0;
}

void cxlemu_memdev_shutdown(struct cxlemu_memdev *md)
{
	if (md && md->shutdown_dirty && md->dirty_shutdowns != UINT32_MAX)
		md->dirty_shutdowns++;
}

uint64_t md_timestamp(const struct cxlemu_memdev *md)
{
	if (!md->ts_set)
		return 0;
	return cxlemu_ctx_now_ns(md->ctx) + (uint64_t)md->ts_offset;
}

void md_set_timestamp(struct cxlemu_memdev *md, uint64_t ts)
{
	md->ts_offset = (int64_t)(ts - cxlemu_ctx_now_ns(md->ctx));
	md->ts_set = true;
}
