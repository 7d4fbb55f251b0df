/* SPDX-License-Identifier: MIT */
/*
 * Dynamic capacity of a memory device (CXL 3.1 8.2.9.9.9, 9.13.3): the
 * extents the host accepted, the offers it has not answered, and the
 * device/fabric-manager side that offers and takes back capacity through
 * Dynamic Capacity Event Records (8.2.9.2.1.6) in the DC event log.
 */
#include <stdlib.h>
#include <string.h>

#include "memdev_priv.h"
#include "../le.h"

/* Dynamic Capacity Event Record identifier (8.2.9.2.1.6). */
static const uint8_t dc_event_uuid[16] = {
	0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,
	0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a,
};

/* Dynamic Capacity Event Type (Table 8-50). */
enum {
	DC_EV_ADD = 0,
	DC_EV_RELEASE = 1,
	DC_EV_FORCED_RELEASE = 2,
};

/* Region flag: Sanitize on Release (cxlemu_dc_region_desc::flags). */
#define DC_REGION_SANITIZE (1u << 3)

struct md_dc *md_dc_new(void)
{
	return calloc(1, sizeof(struct md_dc));
}

void md_dc_free(struct md_dc *dc)
{
	free(dc);
}

int md_dc_region(const struct cxlemu_memdev *md, uint64_t dpa, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < md->cfg.dc_nregions; i++) {
		const struct cxlemu_dc_region_desc *r = &md->cfg.dc[i];

		/* Extents never cross regions (9.13.3). */
		if (dpa >= r->base && dpa - r->base < r->len && len <= r->len - (dpa - r->base))
			return (int)i;
	}
	return -1;
}

bool md_dc_covered(const struct md_dc_extent *l, uint32_t n, uint64_t dpa, uint64_t len)
{
	uint64_t pos = dpa, end = dpa + len;
	uint32_t i;

	for (i = 0; i < n && pos < end; i++)
		if (l[i].dpa <= pos && pos - l[i].dpa < l[i].len)
			pos = l[i].dpa + l[i].len;
	return pos >= end;
}

bool md_dc_overlaps(const struct md_dc_extent *l, uint32_t n, uint64_t dpa, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (l[i].dpa < dpa + len && dpa < l[i].dpa + l[i].len)
			return true;
	return false;
}

void md_dc_insert(struct md_dc_extent *l, uint32_t *n, const struct md_dc_extent *e)
{
	uint32_t i = 0;

	while (i < *n && l[i].dpa < e->dpa)
		i++;
	memmove(&l[i + 1], &l[i], (size_t)(*n - i) * sizeof(*l));
	l[i] = *e;
	(*n)++;
}

void md_dc_remove(struct md_dc_extent *l, uint32_t *n, uint64_t dpa, uint64_t len)
{
	uint64_t end = dpa + len;
	uint32_t i = 0;

	while (i < *n) {
		struct md_dc_extent *x = &l[i];
		uint64_t xend = x->dpa + x->len;

		if (xend <= dpa || x->dpa >= end) {
			i++;
			continue;
		}
		if (x->dpa < dpa && xend > end) {
			/* The range sits inside: two pieces remain. */
			memmove(&l[i + 2], &l[i + 1], (size_t)(*n - i - 1) * sizeof(*l));
			l[i + 1] = *x;
			l[i + 1].dpa = end;
			l[i + 1].len = xend - end;
			x->len = dpa - x->dpa;
			(*n)++;
			return;
		}
		if (x->dpa < dpa) {
			x->len = dpa - x->dpa;
			i++;
		} else if (xend > end) {
			x->dpa = end;
			x->len = xend - end;
			i++;
		} else {
			memmove(x, x + 1, (size_t)(*n - i - 1) * sizeof(*l));
			(*n)--;
		}
	}
}

/* Dry run of a release: the new accepted list in *out (the caller frees
 * it) and its size; -ENOSPC or -ENOMEM as md_dc_release(). */
static int release_plan(const struct md_dc *dc, const uint64_t (*r)[2], uint32_t nr,
			struct md_dc_extent **out, uint32_t *n)
{
	struct md_dc_extent *l;
	uint32_t i, k = dc->nacc;

	/* Every range splits at most one extent; only the final count must
	 * fit what the device tracks, whatever the order of the ranges. */
	l = malloc(((size_t)dc->nacc + nr) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	memcpy(l, dc->acc, dc->nacc * sizeof(*l));
	for (i = 0; i < nr; i++)
		md_dc_remove(l, &k, r[i][0], r[i][1]);
	if (k > MD_DC_MAX_EXTENTS) {
		free(l);
		return -ENOSPC;
	}
	*out = l;
	*n = k;
	return 0;
}

static bool tag_zero(const uint8_t *t)
{
	static const uint8_t z[16];

	return !memcmp(t, z, 16);
}

uint32_t md_dc_tags_used(const struct md_dc *dc)
{
	uint32_t i, j, used = 0;

	for (i = 0; i < dc->nacc; i++) {
		if (tag_zero(dc->acc[i].tag))
			continue;
		for (j = 0; j < i && memcmp(dc->acc[j].tag, dc->acc[i].tag, 16); j++)
			;
		used += j == i;
	}
	return used;
}

void md_dc_retire_offer(struct md_dc *dc)
{
	uint32_t k = 0;

	if (!dc->npend)
		return;
	while (k < dc->npend && !dc->pend_last[k])
		k++;
	k = k < dc->npend ? k + 1 : dc->npend;
	memmove(dc->pend, dc->pend + k, (size_t)(dc->npend - k) * sizeof(dc->pend[0]));
	memmove(dc->pend_last, dc->pend_last + k, (size_t)(dc->npend - k));
	dc->npend -= k;
	dc->pend_started = false;
	dc->ntaken = 0;
}

int md_dc_sanitize(struct cxlemu_memdev *md, uint64_t dpa, uint64_t len)
{
	const struct cxlemu_memdev_host *h = &md->cfg.host;
	int r = md_dc_region(md, dpa, len);

	if (r < 0 || !(md->cfg.dc[r].flags & DC_REGION_SANITIZE) || !h->media_zero)
		return 0;
	return h->media_zero(h->opaque, dpa, len);
}

int md_dc_release(struct cxlemu_memdev *md, const uint64_t (*r)[2], uint32_t nr,
		  int *host_err)
{
	struct md_dc *dc = md->dc;
	struct md_dc_extent *plan;
	uint32_t i, np;
	int rc = release_plan(dc, r, nr, &plan, &np);

	if (rc)
		return rc;
	for (i = 0; i < nr && !rc; i++)
		rc = md_dc_sanitize(md, r[i][0], r[i][1]);
	if (rc) {
		free(plan);
		*host_err = rc;
		return -EIO;
	}
	memcpy(dc->acc, plan, np * sizeof(*plan));
	dc->nacc = np;
	dc->generation++;
	free(plan);
	return 0;
}

/* Queues one Dynamic Capacity Event Record (Table 8-50). */
static void dc_event(struct cxlemu_memdev *md, unsigned int type, uint16_t host_id,
		     const struct cxlemu_dc_extent *e, bool more)
{
	const struct md_dc *dc = md->dc;
	uint8_t d[MD_EVENT_DATA_SIZE] = { 0 };

	d[0x00] = (uint8_t)type;
	put_le(d + 0x02, host_id, 2);
	d[0x05] = more ? 1 : 0; /* Flags bit 0: More */
	/* Dynamic Capacity Extent (Table 8-51). */
	put_le(d + 0x08, e->dpa, 8);
	put_le(d + 0x10, e->len, 8);
	memcpy(d + 0x18, e->tag, 16);
	put_le(d + 0x28, e->shared_seq, 2);
	put_le(d + 0x48, MD_DC_MAX_EXTENTS - dc->nacc, 4);
	put_le(d + 0x4c, MD_DC_MAX_TAGS - md_dc_tags_used(dc), 4);
	/* Room was checked; informational severity. */
	(void)md_event_add(md, MD_EVENT_LOG_DC, dc_event_uuid, 0, 0, 0, d, sizeof(d));
}

/* Checks a host/FM extent list against a region: nonzero, block aligned,
 * inside the region's usable length, reserved bytes zero, disjoint. */
static int check_list(struct cxlemu_memdev *md, unsigned int region,
		      const struct cxlemu_dc_extent *ext, uint32_t n)
{
	const struct cxlemu_dc_region_desc *r;
	uint32_t i, j, k;

	if (!md || !md->dc || region >= md->cfg.dc_nregions || !ext || !n ||
	    n > MD_EVENT_LOG_RECORDS) {
		cxlemu_err(md ? md->ctx : NULL, "memdev: no DC, bad region or extent count");
		return -EINVAL;
	}
	r = &md->cfg.dc[region];
	for (i = 0; i < n; i++) {
		const struct cxlemu_dc_extent *e = &ext[i];

		for (k = 0; k < sizeof(e->reserved) && !e->reserved[k]; k++)
			;
		if (!e->len || e->dpa % r->block_size || e->len % r->block_size ||
		    md_dc_region(md, e->dpa, e->len) != (int)region || k < sizeof(e->reserved)) {
			cxlemu_err(md->ctx, "memdev: DC extent %u is not block-aligned capacity of region %u",
				   i, region);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (ext[j].dpa < e->dpa + e->len && e->dpa < ext[j].dpa + ext[j].len) {
				cxlemu_err(md->ctx, "memdev: DC extents %u and %u overlap", j, i);
				return -EINVAL;
			}
	}
	return 0;
}

int cxlemu_memdev_dc_add(struct cxlemu_memdev *md, uint16_t host_id, unsigned int region,
			 const struct cxlemu_dc_extent *ext, uint32_t n)
{
	struct md_dc *dc;
	uint32_t i;
	int rc = check_list(md, region, ext, n);

	if (rc)
		return rc;
	dc = md->dc;
	for (i = 0; i < n; i++)
		if (md_dc_overlaps(dc->acc, dc->nacc, ext[i].dpa, ext[i].len) ||
		    md_dc_overlaps(dc->pend, dc->npend, ext[i].dpa, ext[i].len)) {
			cxlemu_err(md->ctx, "memdev: DC extent %u is accepted or offered already", i);
			return -EINVAL;
		}
	if (n > MD_DC_MAX_EXTENTS - dc->npend || n > md_event_room(md, MD_EVENT_LOG_DC)) {
		cxlemu_err(md->ctx, "memdev: no room to offer %u DC extents", n);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++) {
		struct md_dc_extent *p = &dc->pend[dc->npend];

		p->dpa = ext[i].dpa;
		p->len = ext[i].len;
		memcpy(p->tag, ext[i].tag, 16);
		p->shared_seq = ext[i].shared_seq;
		dc->pend_last[dc->npend] = i == n - 1;
		dc->npend++;
		/* An offer of several extents is chained with More (8.2.9.2.1.6). */
		dc_event(md, DC_EV_ADD, host_id, &ext[i], i + 1 < n);
	}
	return 0;
}

int cxlemu_memdev_dc_release(struct cxlemu_memdev *md, uint16_t host_id,
			     unsigned int region, const struct cxlemu_dc_extent *ext,
			     uint32_t n, bool forced)
{
	uint64_t r[MD_EVENT_LOG_RECORDS][2];
	struct md_dc *dc;
	uint32_t i;
	int rc = check_list(md, region, ext, n);

	if (rc)
		return rc;
	dc = md->dc;
	for (i = 0; i < n; i++)
		if (!md_dc_covered(dc->acc, dc->nacc, ext[i].dpa, ext[i].len)) {
			cxlemu_err(md->ctx, "memdev: DC extent %u is not accepted capacity", i);
			return -EINVAL;
		}
	if (n > md_event_room(md, MD_EVENT_LOG_DC)) {
		cxlemu_err(md->ctx, "memdev: no room in the DC event log for %u records", n);
		return -ENOSPC;
	}
	if (forced) {
		int host_err = 0;

		for (i = 0; i < n; i++) {
			r[i][0] = ext[i].dpa;
			r[i][1] = ext[i].len;
		}
		rc = md_dc_release(md, (const uint64_t (*)[2])r, n, &host_err);
		if (rc)
			return rc == -EIO ? host_err : rc;
	}
	for (i = 0; i < n; i++)
		dc_event(md, forced ? DC_EV_FORCED_RELEASE : DC_EV_RELEASE, host_id, &ext[i],
			 i + 1 < n);
	return 0;
}

bool cxlemu_memdev_dc_backed(const struct cxlemu_memdev *md, uint64_t dpa, uint64_t len)
{
	if (!md || !md->dc || !len || dpa + len < dpa)
		return false;
	return md_dc_covered(md->dc->acc, md->dc->nacc, dpa, len);
}
