/* SPDX-License-Identifier: MIT */
/*
 * Dynamic Capacity commands (CXL 3.1 8.2.9.9.9): Get Dynamic Capacity
 * Configuration, Get Dynamic Capacity Extent List, Add Dynamic Capacity
 * Response, Release Dynamic Capacity.
 */
#include <stdlib.h>
#include <string.h>

#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

/* Get DC Configuration output (Table 8-164): 8-byte header, 40-byte
 * region configurations (Table 8-165), 16 bytes of extent/tag counts. */
#define CFG_HDR 8
#define CFG_REGION 0x28
#define CFG_TAIL 16

HANDLER(cci_get_dc_config)
{
	const struct cxlemu_memdev *md = cci->md;
	const struct md_dc *dc = md->dc;
	unsigned int want = in[0], start = in[1], n, i;
	size_t off;

	(void)in_len;
	if (start >= md->cfg.dc_nregions)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (out->cap < CFG_HDR + CFG_TAIL)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	n = md->cfg.dc_nregions - start;
	if (n > want)
		n = want;
	if (n > (out->cap - CFG_HDR - CFG_TAIL) / CFG_REGION)
		n = (unsigned int)((out->cap - CFG_HDR - CFG_TAIL) / CFG_REGION);
	memset(out->buf, 0, CFG_HDR + (size_t)n * CFG_REGION + CFG_TAIL);
	out->buf[0] = (uint8_t)md->cfg.dc_nregions; /* Number of Available Regions */
	out->buf[1] = (uint8_t)n;                   /* Regions Returned */
	for (i = 0; i < n; i++) {
		const struct cxlemu_dc_region_desc *r = &md->cfg.dc[start + i];
		uint8_t *p = out->buf + CFG_HDR + (size_t)i * CFG_REGION;

		put_le(p + 0x00, r->base, 8);
		/* Region Decode Length is in 256 MiB units. */
		put_le(p + 0x08, r->decode_len / CXLEMU_CAPACITY_UNIT, 8);
		put_le(p + 0x10, r->len, 8);
		put_le(p + 0x18, r->block_size, 8);
		put_le(p + 0x20, r->dsmad_handle, 4);
		p[0x24] = r->flags;
	}
	off = CFG_HDR + (size_t)n * CFG_REGION;
	put_le(out->buf + off + 0x0, MD_DC_MAX_EXTENTS, 4);
	put_le(out->buf + off + 0x4, MD_DC_MAX_EXTENTS - dc->nacc, 4);
	put_le(out->buf + off + 0x8, MD_DC_MAX_TAGS, 4);
	put_le(out->buf + off + 0xc, MD_DC_MAX_TAGS - md_dc_tags_used(dc), 4);
	out->len = off + CFG_TAIL;
	return CXLEMU_MBOX_SUCCESS;
}

/* Get DC Extent List output (Table 8-167): 16-byte header, extents. */
#define EXT_HDR 16

HANDLER(cci_get_dc_extents)
{
	const struct md_dc *dc = cci->md->dc;
	uint64_t want = get_le(in, 4), start = get_le(in + 4, 4), n, i;

	(void)in_len;
	if (start > dc->nacc)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (out->cap < EXT_HDR)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	n = dc->nacc - start;
	if (n > want)
		n = want;
	if (n > (out->cap - EXT_HDR) / MD_DC_EXTENT_SIZE)
		n = (out->cap - EXT_HDR) / MD_DC_EXTENT_SIZE;
	memset(out->buf, 0, EXT_HDR + (size_t)n * MD_DC_EXTENT_SIZE);
	put_le(out->buf + 0x0, n, 4);
	put_le(out->buf + 0x4, dc->nacc, 4);
	put_le(out->buf + 0x8, dc->generation, 4);
	for (i = 0; i < n; i++) {
		const struct md_dc_extent *e = &dc->acc[start + i];
		uint8_t *p = out->buf + EXT_HDR + (size_t)i * MD_DC_EXTENT_SIZE;

		put_le(p + 0x00, e->dpa, 8);
		put_le(p + 0x08, e->len, 8);
		memcpy(p + 0x10, e->tag, 16);
		put_le(p + 0x20, e->shared_seq, 2);
	}
	out->len = EXT_HDR + (size_t)n * MD_DC_EXTENT_SIZE;
	return CXLEMU_MBOX_SUCCESS;
}

/* Add DC Response / Release DC input (Tables 8-168 to 8-170): Updated
 * Extent List Size, Flags (bit 0 More), 3 reserved bytes, then 24-byte
 * Updated Extents (start DPA, length, 8 reserved bytes). */
#define UPD_HDR 8
#define UPD_EXT 24
#define UPD_MORE (1u << 0)

/* An updated extent: start DPA and length. */
typedef uint64_t range_t[2];

static int cmp_range(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * Reads and checks an updated extent list: the count against the input
 * length, then every extent inside one DC region (else Invalid Physical
 * Address), nonzero and aligned to its region's block size, and no two
 * overlapping (else Invalid Extent List).  *list receives the ranges
 * sorted by DPA (the caller frees it).
 */
static int read_list(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		     range_t **list, uint32_t *count)
{
	const struct cxlemu_memdev *md = cci->md;
	uint64_t n = get_le(in, 4), i;
	range_t *r;
	int reg;

	*list = NULL;
	*count = 0;
	if ((uint64_t)in_len != UPD_HDR + n * UPD_EXT)
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	if (in[4] & ~UPD_MORE)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (!n)
		return CXLEMU_MBOX_SUCCESS;
	r = malloc((size_t)n * sizeof(*r));
	if (!r)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	for (i = 0; i < n; i++) {
		const uint8_t *p = in + UPD_HDR + i * UPD_EXT;

		r[i][0] = get_le(p, 8);
		r[i][1] = get_le(p + 8, 8);
		if (!r[i][1]) {
			free(r);
			return CXLEMU_MBOX_INVALID_EXTENT_LIST;
		}
		reg = md_dc_region(md, r[i][0], r[i][1]);
		if (reg < 0) {
			free(r);
			return CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS;
		}
		if (r[i][0] % md->cfg.dc[reg].block_size ||
		    r[i][1] % md->cfg.dc[reg].block_size) {
			free(r);
			return CXLEMU_MBOX_INVALID_EXTENT_LIST;
		}
	}
	qsort(r, (size_t)n, sizeof(*r), cmp_range);
	for (i = 1; i < n; i++)
		if (r[i][0] < r[i - 1][0] + r[i - 1][1]) {
			free(r);
			return CXLEMU_MBOX_INVALID_EXTENT_LIST;
		}
	*list = r;
	*count = (uint32_t)n;
	return CXLEMU_MBOX_SUCCESS;
}

/* Index of the extent of the oldest pending offer holding the range, or
 * -1. */
static int offered(const struct md_dc *dc, const uint64_t *r)
{
	uint32_t i;

	for (i = 0; i < dc->npend; i++) {
		const struct md_dc_extent *p = &dc->pend[i];

		if (r[0] >= p->dpa && r[0] - p->dpa < p->len &&
		    r[1] <= p->len - (r[0] - p->dpa))
			return (int)i;
		if (dc->pend_last[i])
			break;
	}
	return -1;
}

/*
 * Add Dynamic Capacity Response (4802h), 8.2.9.9.9.3: the host accepts
 * extents (or block-aligned parts of them) of the oldest pending offer;
 * they become backed.  With More clear the offer is done and what was not
 * accepted goes back to the device; an empty list rejects the rest of the
 * offer.  An extent outside the offer or overlapping accepted capacity is
 * an Invalid Physical Address; more extents than the device tracks,
 * Resources Exhausted.  A refused list changes nothing.
 */
HANDLER(cci_add_dc_response)
{
	struct md_dc *dc = cci->md->dc;
	range_t *r;
	uint32_t n, i;
	int rc, k;

	(void)out;
	rc = read_list(cci, in, in_len, &r, &n);
	if (rc != CXLEMU_MBOX_SUCCESS)
		return rc;
	if (!dc->npend) {
		free(r);
		return n ? CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS : CXLEMU_MBOX_INVALID_INPUT;
	}
	for (i = 0; i < n; i++)
		if (offered(dc, r[i]) < 0 ||
		    md_dc_overlaps(dc->acc, dc->nacc, r[i][0], r[i][1]) ||
		    md_dc_overlaps(dc->taken, dc->ntaken, r[i][0], r[i][1])) {
			free(r);
			return CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS;
		}
	if (n > MD_DC_MAX_EXTENTS - dc->nacc ||
	    ((in[4] & UPD_MORE) && n > MD_DC_MAX_EXTENTS - dc->ntaken)) {
		free(r);
		return CXLEMU_MBOX_RESOURCES_EXHAUSTED;
	}
	for (i = 0; i < n; i++) {
		struct md_dc_extent e;

		k = offered(dc, r[i]);
		e = dc->pend[k];  /* tag and sequence of the offered extent */
		e.dpa = r[i][0];
		e.len = r[i][1];
		md_dc_insert(dc->acc, &dc->nacc, &e);
		/* The offer stays open: remember what it gave already. */
		if (in[4] & UPD_MORE)
			md_dc_insert(dc->taken, &dc->ntaken, &e);
	}
	if (n)
		dc->generation++;
	if (in[4] & UPD_MORE)
		dc->pend_started = true;
	else
		md_dc_retire_offer(dc);
	free(r);
	return CXLEMU_MBOX_SUCCESS;
}

/*
 * Release Dynamic Capacity (4803h), 8.2.9.9.9.4: the host gives back
 * accepted capacity, whole extents or block-aligned parts (which split
 * them).  A range not wholly accepted is an Invalid Physical Address;
 * splits beyond what the device tracks, Resources Exhausted.  Regions that
 * sanitize on release have the ranges zeroed.
 */
HANDLER(cci_release_dc)
{
	struct cxlemu_memdev *md = cci->md;
	struct md_dc *dc = md->dc;
	range_t *r;
	uint32_t n, i;
	int rc, host_err = 0;

	(void)out;
	rc = read_list(cci, in, in_len, &r, &n);
	if (rc != CXLEMU_MBOX_SUCCESS)
		return rc;
	if (!n)
		return CXLEMU_MBOX_INVALID_INPUT;
	for (i = 0; i < n; i++)
		if (!md_dc_covered(dc->acc, dc->nacc, r[i][0], r[i][1])) {
			free(r);
			return CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS;
		}
	rc = md_dc_release(md, (const uint64_t (*)[2])r, n, &host_err);
	free(r);
	if (rc == -EIO)
		cxlemu_err(md->ctx, "memdev: sanitize on release of a DC range failed (%d)",
			   host_err);
	if (rc)
		return rc == -ENOSPC ? CXLEMU_MBOX_RESOURCES_EXHAUSTED : CXLEMU_MBOX_INTERNAL_ERROR;
	return CXLEMU_MBOX_SUCCESS;
}
