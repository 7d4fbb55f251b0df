/* SPDX-License-Identifier: MIT */
/*
 * Poison tracking of a memory device (CXL 3.1 8.2.9.9.4): disjoint, sorted
 * ranges of 64-byte lines with their error source, merged and split as
 * poison is added and cleared.  All of them answer guest reads; at most
 * MD_POISON_LIST_MAX of them are "listed" (what Get Poison List reports),
 * and poison that cannot be listed sets the list's overflow state until a
 * Scan Media finds it again (8.2.9.9.4.1, 8.2.9.9.4.5).
 */
#include <stdlib.h>
#include <string.h>

#include "memdev_priv.h"

void md_poison_init(struct md_poison *p)
{
	memset(p, 0, sizeof(*p));
}

void md_poison_fini(struct md_poison *p)
{
	free(p->rec);
	free(p->res);
	memset(p, 0, sizeof(*p));
}

int md_poison_reserve(struct md_poison *p, size_t extra)
{
	struct md_poison_rec *r;
	size_t cap;

	if (p->n + extra > MD_POISON_TRACK_MAX)
		return -ENOSPC;
	if (p->n + extra <= p->cap)
		return 0;
	cap = p->cap ? p->cap * 2 : 16;
	while (cap < p->n + extra)
		cap *= 2;
	if (cap > MD_POISON_TRACK_MAX)
		cap = MD_POISON_TRACK_MAX;
	r = realloc(p->rec, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	p->rec = r;
	p->cap = cap;
	return 0;
}

void md_poison_clear_all(struct md_poison *p)
{
	p->n = 0;
	p->listed = 0;
	p->injected = 0;
	p->overflow = false;
	p->overflow_ns = 0;
	p->cont = false;
	free(p->res);
	p->res = NULL;
	p->nres = p->res_pos = 0;
	p->stopped = false;
	p->restart = p->restart_len = 0;
}

size_t md_poison_find(const struct md_poison *p, uint64_t addr)
{
	size_t lo = 0, hi = p->n;

	/* Records are disjoint and sorted, so their ends are sorted too. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->rec[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

size_t md_poison_split_need(const struct md_poison *p, uint64_t start, uint64_t len)
{
	size_t i = md_poison_find(p, start);

	return i < p->n && p->rec[i].start < start && p->rec[i].end > start + len ? 1 : 0;
}

static void count(struct md_poison *p, const struct md_poison_rec *r, int d)
{
	if (r->listed)
		p->listed += (size_t)d;
	if (r->source == CXLEMU_POISON_INJECTED)
		p->injected += (size_t)d;
}

static void rec_insert(struct md_poison *p, size_t i, const struct md_poison_rec *r)
{
	memmove(&p->rec[i + 1], &p->rec[i], (p->n - i) * sizeof(*r));
	p->rec[i] = *r;
	p->n++;
	count(p, r, 1);
}

static void rec_delete(struct md_poison *p, size_t i)
{
	count(p, &p->rec[i], -1);
	memmove(&p->rec[i], &p->rec[i + 1], (p->n - i - 1) * sizeof(p->rec[0]));
	p->n--;
}

static void set_listed(struct md_poison *p, size_t i, bool listed)
{
	count(p, &p->rec[i], -1);
	p->rec[i].listed = listed;
	count(p, &p->rec[i], 1);
}

/* A new record is listed while the list has room; otherwise the list has
 * overflowed (8.2.9.9.4.1: Poison List Overflow, Overflow Timestamp of the
 * first time it did). */
static bool list_new(struct cxlemu_memdev *md)
{
	struct md_poison *p = &md->poison;

	if (p->listed < MD_POISON_LIST_MAX)
		return true;
	if (!p->overflow) {
		p->overflow = true;
		p->overflow_ns = cxlemu_ctx_now_ns(md->ctx);
		cxlemu_dbg(md->ctx, "memdev: poison list overflowed");
	}
	return false;
}

void md_poison_remove(struct cxlemu_memdev *md, uint64_t start, uint64_t len)
{
	struct md_poison *p = &md->poison;
	uint64_t end = start + len;
	size_t i = md_poison_find(p, start);

	while (i < p->n && p->rec[i].start < end) {
		struct md_poison_rec *r = &p->rec[i];

		if (r->start < start && r->end > end) {
			/* A hole in the middle: split in two. */
			struct md_poison_rec tail = *r;

			tail.start = end;
			r->end = start;
			tail.listed = r->listed && list_new(md);
			rec_insert(p, i + 1, &tail);
			return;
		}
		if (r->start < start) {
			r->end = start;
			i++;
		} else if (r->end > end) {
			r->start = end;
			return;
		} else {
			rec_delete(p, i);
		}
	}
}

void md_poison_add(struct cxlemu_memdev *md, uint64_t start, uint64_t len, uint8_t source)
{
	struct md_poison *p = &md->poison;
	uint64_t end = start + len;
	struct md_poison_rec r;
	bool left, right;
	size_t i;

	/* Already poisoned with this source: nothing changes (and no split
	 * and re-merge that would count as a list overflow). */
	i = md_poison_find(p, start);
	if (i < p->n && p->rec[i].start <= start && p->rec[i].end >= end &&
	    p->rec[i].source == source)
		return;
	md_poison_remove(md, start, len);
	i = md_poison_find(p, start);
	left = i > 0 && p->rec[i - 1].end == start && p->rec[i - 1].source == source;
	right = i < p->n && p->rec[i].start == end && p->rec[i].source == source;
	if (left && right) {
		bool listed = p->rec[i - 1].listed || p->rec[i].listed;

		p->rec[i - 1].end = p->rec[i].end;
		rec_delete(p, i);
		set_listed(p, i - 1, listed);
	} else if (left) {
		p->rec[i - 1].end = end;
	} else if (right) {
		p->rec[i].start = start;
	} else {
		r.start = start;
		r.end = end;
		r.source = source;
		r.listed = list_new(md);
		rec_insert(p, i, &r);
	}
}

size_t md_poison_injected_after(const struct md_poison *p, uint64_t dpa)
{
	size_t i = md_poison_find(p, dpa), n = p->injected + 1;

	if (i > 0 && p->rec[i - 1].end == dpa && p->rec[i - 1].source == CXLEMU_POISON_INJECTED)
		n--;
	if (i < p->n && p->rec[i].start == dpa + MD_POISON_LINE &&
	    p->rec[i].source == CXLEMU_POISON_INJECTED)
		n--;
	return n;
}

/*
 * An error Scan Media found, reported when its No Event Log flag is clear
 * (8.2.9.9.4.5): a General Media Event record (8.2.9.2.1.1) in the
 * failure log, uncorrectable, Media ECC Error, Transaction Type Host Scan
 * Media, at the first line of the range; the volatile flag says which
 * partition the DPA is in.  A full log counts it as an overflow.
 */
void md_poison_scan_event(struct cxlemu_memdev *md, const struct md_poison_rec *r)
{
	struct cxlemu_event_gen_media ev;

	memset(&ev, 0, sizeof(ev));
	ev.phys_addr = (r->start & ~UINT64_C(0x3f)) | (r->start < md->active_vol ? 1 : 0);
	ev.descriptor = 1;       /* Uncorrectable Event */
	ev.type = 0;             /* Media ECC Error */
	ev.transaction_type = 3; /* Host Scan Media */
	(void)cxlemu_memdev_event_gen_media(md, CXLEMU_EVENT_LOG_FAILURE, &ev);
}

int md_poison_scan_done(struct cxlemu_memdev *md, uint64_t done)
{
	struct md_poison *p = &md->poison;
	uint64_t s = p->scan_start, e = p->scan_start + done, end = p->scan_start + p->scan_len;
	struct md_poison_rec *res;
	size_t i, n = 0;

	p->scanning = false;
	free(p->res);
	p->res = NULL;
	p->nres = p->res_pos = 0;
	p->stopped = false;
	p->restart = p->restart_len = 0;
	res = calloc(MD_SCAN_RESULTS_MAX, sizeof(*res));
	if (!res)
		return -ENOMEM;
	for (i = md_poison_find(p, s); i < p->n && p->rec[i].start < e; i++) {
		struct md_poison_rec *r = &p->rec[i];

		if (n == MD_SCAN_RESULTS_MAX) {
			/* Out of room for results: the host retrieves these and
			 * restarts from here (8.2.9.9.4.6). */
			p->stopped = true;
			p->restart = r->start > s ? r->start : s;
			break;
		}
		res[n] = *r;
		if (res[n].start < s)
			res[n].start = s;
		if (res[n].end > e)
			res[n].end = e;
		/* Poison found by the scan joins the poison list if it can. */
		if (!r->listed && p->listed < MD_POISON_LIST_MAX)
			set_listed(p, i, true);
		if (p->scan_events)
			md_poison_scan_event(md, &res[n]);
		n++;
	}
	if (!p->stopped && done < p->scan_len) {
		/* Aborted: the unscanned rest is where to restart. */
		p->stopped = true;
		p->restart = e;
	}
	if (p->stopped)
		p->restart_len = end - p->restart;
	/* The list is complete again once nothing is left unlisted. */
	if (p->overflow && p->listed == p->n) {
		p->overflow = false;
		p->overflow_ns = 0;
	}
	p->res = res;
	p->nres = n;
	return 0;
}

/* Public queries and host-side poison. */

uint64_t md_static_size(const struct cxlemu_memdev *md)
{
	return md->cfg.volatile_size + md->cfg.persistent_size + md->cfg.partitionable_size;
}

uint64_t md_dpa_end(const struct cxlemu_memdev *md)
{
	uint32_t n = md->cfg.dc_nregions;

	if (n)
		return md->cfg.dc[n - 1].base + md->cfg.dc[n - 1].decode_len;
	return md_static_size(md);
}

bool md_dpa_range_ok(const struct cxlemu_memdev *md, uint64_t dpa, uint64_t len)
{
	uint64_t stat = md_static_size(md);
	uint32_t i;

	if (!len || dpa + len < dpa)
		return false;
	if (dpa < stat)
		return len <= stat - dpa;
	for (i = 0; i < md->cfg.dc_nregions; i++) {
		const struct cxlemu_dc_region_desc *r = &md->cfg.dc[i];

		if (dpa >= r->base && dpa - r->base < r->decode_len)
			return len <= r->decode_len - (dpa - r->base);
	}
	return false;
}

int cxlemu_memdev_first_poison(const struct cxlemu_memdev *md, uint64_t dpa, uint64_t len,
			       uint64_t *first)
{
	const struct md_poison *p;
	uint64_t end;
	size_t i;

	if (!md || !first)
		return -EINVAL;
	if (!len)
		return -ENOENT;
	p = &md->poison;
	end = dpa + len < dpa ? UINT64_MAX : dpa + len;
	i = md_poison_find(p, dpa);
	if (i == p->n || p->rec[i].start >= end)
		return -ENOENT;
	*first = p->rec[i].start > dpa ? p->rec[i].start : dpa;
	return 0;
}

bool cxlemu_memdev_poisoned(const struct cxlemu_memdev *md, uint64_t dpa, uint64_t len)
{
	uint64_t first;

	return cxlemu_memdev_first_poison(md, dpa, len, &first) == 0;
}

static bool host_range_ok(const struct cxlemu_memdev *md, uint64_t dpa, uint64_t len)
{
	return cxlemu_is_aligned(dpa, MD_POISON_LINE) && cxlemu_is_aligned(len, MD_POISON_LINE) &&
	       md_dpa_range_ok(md, dpa, len);
}

int cxlemu_memdev_add_poison(struct cxlemu_memdev *md, uint64_t dpa, uint64_t len,
			     enum cxlemu_poison_source source)
{
	int rc;

	if (!md)
		return -EINVAL;
	if (!host_range_ok(md, dpa, len) ||
	    (source != CXLEMU_POISON_UNKNOWN && source != CXLEMU_POISON_EXTERNAL &&
	     source != CXLEMU_POISON_INTERNAL && source != CXLEMU_POISON_INJECTED &&
	     source != CXLEMU_POISON_VENDOR)) {
		cxlemu_err(md->ctx, "memdev: cannot poison %llu bytes at DPA 0x%llx with source %d",
			   (unsigned long long)len, (unsigned long long)dpa, (int)source);
		return -EINVAL;
	}
	rc = md_poison_reserve(&md->poison, 2);
	if (rc) {
		cxlemu_err(md->ctx, "memdev: no room to track more poisoned ranges");
		return rc;
	}
	md_poison_add(md, dpa, len, (uint8_t)source);
	return 0;
}

int cxlemu_memdev_clear_poison(struct cxlemu_memdev *md, uint64_t dpa, uint64_t len)
{
	int rc;

	if (!md)
		return -EINVAL;
	if (!host_range_ok(md, dpa, len)) {
		cxlemu_err(md->ctx, "memdev: cannot clear poison of %llu bytes at DPA 0x%llx",
			   (unsigned long long)len, (unsigned long long)dpa);
		return -EINVAL;
	}
	rc = md_poison_reserve(&md->poison, md_poison_split_need(&md->poison, dpa, len));
	if (rc) {
		cxlemu_err(md->ctx, "memdev: no room to track more poisoned ranges");
		return rc;
	}
	md_poison_remove(md, dpa, len);
	return 0;
}
