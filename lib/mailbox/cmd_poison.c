/* SPDX-License-Identifier: MIT */
/*
 * Media and Poison Management commands (CXL 3.1 8.2.9.9.4): Get Poison
 * List, Inject Poison, Clear Poison, Get Scan Media Capabilities, Scan
 * Media, Get Scan Media Results.  The tracking itself is in poison.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

#define LINE MD_POISON_LINE
/* Get Poison List output header (Table 8-141) and Get Scan Media Results
 * output header (Table 8-147): 0x20 bytes, then Media Error Records. */
#define LIST_HDR 0x20u
/* Media Error Record (Table 8-142): DPA | error source, length in 64-byte
 * units (4 bytes), 4 reserved. */
#define REC_SIZE 16u
/* Longest range one record can express. */
#define REC_MAX_BYTES (UINT64_C(0xffffffff) * LINE)

/* Get Poison List flags (Table 8-141). */
#define GPL_MORE (1u << 0)
#define GPL_OVERFLOW (1u << 1)
#define GPL_SCANNING (1u << 2)
/* Get Scan Media Results flags (Table 8-147). */
#define GSR_MORE (1u << 0)
#define GSR_STOPPED (1u << 1)
/* Scan Media flags (Table 8-145): bit 0 No Event Log. */
#define SCAN_NO_EVENT_LOG (1u << 0)

#define OPCODE_SCAN_MEDIA 0x4304

/* Writes one Media Error Record at @off; @len bytes, a multiple of 64. */
static void put_record(struct cci_out *out, size_t off, uint64_t dpa, uint64_t len,
		       uint8_t source)
{
	put_le(out->buf + off, dpa | (source & 7u), 8);
	put_le(out->buf + off + 8, len / LINE, 4);
	put_le(out->buf + off + 12, 0, 4);
}

/* Records that fit the response after the header. */
static size_t records_fit(const struct cci_out *out)
{
	size_t n = (out->cap - LIST_HDR) / REC_SIZE;

	return n > 0xffff ? 0xffff : n;
}

/* The device timestamp (8.2.9.4) at host time @ns; 0 until it is set. */
static uint64_t cci_timestamp_at(const struct cxlemu_cci *cci, uint64_t ns)
{
	const struct cxlemu_memdev *md = cci->md;

	return md->ts_set ? ns + (uint64_t)md->ts_offset : 0;
}

/*
 * Get Poison List (4300h), 8.2.9.9.4.1: the listed poison inside a 64-byte
 * aligned DPA range (length in 64-byte units), clipped to it.  When the
 * records do not fit the response, More Media Error Records is set and the
 * same request from the same CCI continues where this one stopped (Linux
 * repeats the request while the flag is set).
 */
HANDLER(cci_get_poison_list)
{
	struct cxlemu_memdev *md = cci->md;
	struct md_poison *p = &md->poison;
	uint64_t start = get_le(in, 8), units = get_le(in + 8, 8);
	uint64_t dpa_end = md_dpa_end(md), end, pos, flags = 0;
	size_t i, n = 0, max;
	bool more = false;

	(void)in_len;
	/* Bits 5:0 of the address are reserved; the range must be inside
	 * the device's DPA space. */
	if (start & (LINE - 1) || !units || start >= dpa_end || units > (dpa_end - start) / LINE)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (out->cap < LIST_HDR)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	end = start + units * LINE;
	max = records_fit(out);
	pos = start;
	if (p->cont && p->cont_owner == cci && p->cont_start == start && p->cont_len == units)
		pos = p->cont_next;
	for (i = md_poison_find(p, pos); i < p->n && p->rec[i].start < end && !more; i++) {
		const struct md_poison_rec *r = &p->rec[i];
		uint64_t s = r->start > pos ? r->start : pos, e = r->end < end ? r->end : end;

		if (!r->listed)
			continue;
		while (s < e) {
			uint64_t chunk = e - s > REC_MAX_BYTES ? REC_MAX_BYTES : e - s;

			if (n == max) {
				more = true;
				break;
			}
			put_record(out, LIST_HDR + n * REC_SIZE, s, chunk, r->source);
			n++;
			s += chunk;
			pos = s;
		}
	}
	memset(out->buf, 0, LIST_HDR);
	if (more)
		flags |= GPL_MORE;
	if (p->overflow) {
		flags |= GPL_OVERFLOW;
		put_le(out->buf + 0x02, cci_timestamp_at(cci, p->overflow_ns), 8);
	}
	if (p->scanning)
		flags |= GPL_SCANNING;
	out->buf[0] = (uint8_t)flags;
	put_le(out->buf + 0x0a, n, 2);
	out->len = LIST_HDR + n * REC_SIZE;
	p->cont = more;
	p->cont_owner = cci;
	p->cont_start = start;
	p->cont_len = units;
	p->cont_next = pos;
	return CXLEMU_MBOX_SUCCESS;
}

/* The 64-byte line of Inject / Clear Poison: aligned and inside the
 * device's capacity, else Invalid Physical Address (8.2.9.9.4.2-3). */
static bool line_ok(const struct cxlemu_memdev *md, uint64_t dpa)
{
	return !(dpa & (LINE - 1)) && md_dpa_range_ok(md, dpa, LINE);
}

/*
 * Inject Poison (4301h), 8.2.9.9.4.2: poisons one 64-byte line, source
 * Injected.  A line already poisoned stays as it is; a new line that would
 * make more than MD_INJECT_POISON_LIMIT separate injected ranges is refused.
 */
HANDLER(cci_inject_poison)
{
	struct cxlemu_memdev *md = cci->md;
	uint64_t dpa = get_le(in, 8);

	(void)in_len;
	(void)out;
	if (!line_ok(md, dpa))
		return CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS;
	if (cxlemu_memdev_poisoned(md, dpa, LINE))
		return CXLEMU_MBOX_SUCCESS;
	if (md_poison_injected_after(&md->poison, dpa) > MD_INJECT_POISON_LIMIT)
		return CXLEMU_MBOX_INJECT_POISON_LIMIT;
	if (md_poison_reserve(&md->poison, 2)) {
		cxlemu_err(md->ctx, "memdev: no room to track more poisoned ranges");
		return CXLEMU_MBOX_INTERNAL_ERROR;
	}
	md_poison_add(md, dpa, LINE, CXLEMU_POISON_INJECTED);
	return CXLEMU_MBOX_SUCCESS;
}

/*
 * Clear Poison (4302h), 8.2.9.9.4.3: writes the 64 bytes of Write Data to
 * the line and clears its poison (splitting the range it was part of).  A
 * line that is not poisoned is written all the same.
 */
HANDLER(cci_clear_poison)
{
	struct cxlemu_memdev *md = cci->md;
	const struct cxlemu_memdev_host *h = &md->cfg.host;
	uint64_t dpa = get_le(in, 8);
	int rc;

	(void)in_len;
	(void)out;
	if (!line_ok(md, dpa))
		return CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS;
	/* Room for the split first: after the write, nothing may fail. */
	if (md_poison_reserve(&md->poison, md_poison_split_need(&md->poison, dpa, LINE))) {
		cxlemu_err(md->ctx, "memdev: no room to track more poisoned ranges");
		return CXLEMU_MBOX_INTERNAL_ERROR;
	}
	if (h->media_write) {
		rc = h->media_write(h->opaque, dpa, in + 8, LINE);
		if (rc) {
			cxlemu_err(md->ctx, "memdev: host write of DPA 0x%llx failed (%d)",
				   (unsigned long long)dpa, rc);
			return CXLEMU_MBOX_INTERNAL_ERROR;
		}
	}
	md_poison_remove(md, dpa, LINE);
	return CXLEMU_MBOX_SUCCESS;
}

/* The range of Get Scan Media Capabilities and Scan Media: a 64-byte
 * aligned address (else Invalid Input) and a non-zero length in 64-byte
 * units inside the DPA space (else Invalid Physical Address). */
static int scan_range(const struct cxlemu_memdev *md, const uint8_t *in, uint64_t *start,
		      uint64_t *units)
{
	uint64_t end = md_dpa_end(md);

	*start = get_le(in, 8);
	*units = get_le(in + 8, 8);
	if (*start & (LINE - 1) || !*units)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (*start >= end || *units > (end - *start) / LINE)
		return CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS;
	return CXLEMU_MBOX_SUCCESS;
}

/* Get Scan Media Capabilities (4303h), 8.2.9.9.4.4: Estimated Scan Media
 * Time of the range in milliseconds, at least 1. */
HANDLER(cci_get_scan_media_caps)
{
	uint64_t start, units, ms;
	int rc = scan_range(cci->md, in, &start, &units);

	(void)in_len;
	if (rc != CXLEMU_MBOX_SUCCESS)
		return rc;
	ms = (units * MD_SCAN_NS_PER_LINE + 999999) / 1000000;
	if (ms > UINT32_MAX)
		ms = UINT32_MAX;
	return cci_put(out, 0, ms, 4) ? CXLEMU_MBOX_SUCCESS : CXLEMU_MBOX_INTERNAL_ERROR;
}

/* Scan Media completion or abort: an aborted scan covered the lines its
 * elapsed time allowed; the rest is where to restart. */
static int scan_finish(struct cxlemu_cci *cci, bool aborted)
{
	struct cxlemu_memdev *md = cci->md;
	struct md_poison *p = &md->poison;
	uint64_t done = p->scan_len, now = cci_now(cci), lines;

	if (aborted) {
		lines = (now > cci->bg_start ? now - cci->bg_start : 0) / MD_SCAN_NS_PER_LINE;
		if (lines < p->scan_len / LINE)
			done = lines * LINE;
	}
	md->media_bg = false;
	if (md_poison_scan_done(md, done)) {
		cxlemu_err(md->ctx, "memdev: no memory for Scan Media results");
		return CXLEMU_MBOX_INTERNAL_ERROR;
	}
	return CXLEMU_MBOX_SUCCESS;
}

static const struct cci_bg_ops scan_ops = { .finish = scan_finish, .abortable = true };

/*
 * Scan Media (4304h), 8.2.9.9.4.5: a background operation over the range
 * for as long as Get Scan Media Capabilities estimates; it may be aborted.
 * Previous results are discarded.  Flags: bit 0 No Event Log, others
 * reserved.
 */
HANDLER(cci_scan_media)
{
	struct cxlemu_memdev *md = cci->md;
	struct md_poison *p = &md->poison;
	uint64_t start, units;
	int rc = scan_range(md, in, &start, &units);

	(void)in_len;
	(void)out;
	if (rc != CXLEMU_MBOX_SUCCESS)
		return rc;
	if (in[16] & ~SCAN_NO_EVENT_LOG)
		return CXLEMU_MBOX_INVALID_INPUT;
	/* Another CCI of the device runs a media operation. */
	if (md->media_bg)
		return CXLEMU_MBOX_BUSY;
	free(p->res);
	p->res = NULL;
	p->nres = p->res_pos = 0;
	p->stopped = false;
	p->restart = p->restart_len = 0;
	p->scanning = true;
	p->scan_start = start;
	p->scan_len = units * LINE;
	p->scan_events = !(in[16] & SCAN_NO_EVENT_LOG);
	md->media_bg = true;
	return cci_bg_start(cci, OPCODE_SCAN_MEDIA, units * MD_SCAN_NS_PER_LINE, &scan_ops);
}

/*
 * Get Scan Media Results (4305h), 8.2.9.9.4.6: the poison the last scan
 * found, in as many responses as it takes (More Media Error Records); each
 * record is returned once.  Scan Stopped Prematurely with the restart
 * range when the scan ran out of room for results or was aborted.  Busy
 * while a scan runs; no scan yet: no records.
 */
HANDLER(cci_get_scan_media_results)
{
	struct md_poison *p = &cci->md->poison;
	size_t n = 0, max;
	uint8_t flags = 0;

	(void)in;
	(void)in_len;
	if (p->scanning)
		return CXLEMU_MBOX_BUSY;
	if (out->cap < LIST_HDR)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	max = records_fit(out);
	while (p->res_pos < p->nres && n < max) {
		struct md_poison_rec *r = &p->res[p->res_pos];
		uint64_t chunk = r->end - r->start > REC_MAX_BYTES ? REC_MAX_BYTES :
								     r->end - r->start;

		put_record(out, LIST_HDR + n * REC_SIZE, r->start, chunk, r->source);
		n++;
		r->start += chunk;
		if (r->start == r->end)
			p->res_pos++;
	}
	memset(out->buf, 0, LIST_HDR);
	put_le(out->buf, p->restart, 8);
	put_le(out->buf + 0x08, p->restart_len / LINE, 8);
	if (p->res_pos < p->nres)
		flags |= GSR_MORE;
	if (p->stopped)
		flags |= GSR_STOPPED;
	out->buf[0x10] = flags;
	put_le(out->buf + 0x12, n, 2);
	out->len = LIST_HDR + n * REC_SIZE;
	return CXLEMU_MBOX_SUCCESS;
}
