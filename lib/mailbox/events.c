/* SPDX-License-Identifier: MIT */
/*
 * Event logs of a memory device (CXL 3.1 8.2.9.2): five rings of 128-byte
 * records, their overflow counters and interrupt settings, and the host's
 * calls that produce General Media, DRAM and Memory Module records.
 */
#include <stdlib.h>
#include <string.h>

#include "memdev_priv.h"
#include "../le.h"

/* Record identifiers (8.2.9.2.1.1 - 8.2.9.2.1.3), in record byte order. */
static const uint8_t gen_media_uuid[16] = {
	0xfb, 0xcd, 0x0a, 0x77, 0xc2, 0x60, 0x41, 0x7f,
	0x85, 0xa9, 0x08, 0x8b, 0x16, 0x21, 0xeb, 0xa6,
};
static const uint8_t dram_uuid[16] = {
	0x60, 0x1d, 0xcb, 0xb3, 0x9c, 0x06, 0x4e, 0xab,
	0xb8, 0xaf, 0x4e, 0x9b, 0xfb, 0x5c, 0x96, 0x24,
};
static const uint8_t mem_module_uuid[16] = {
	0xfe, 0x92, 0x74, 0x75, 0xdd, 0x59, 0x43, 0x39,
	0xa5, 0x86, 0x79, 0xba, 0xb1, 0x13, 0xb7, 0x74,
};

struct md_events *md_events_new(void)
{
	struct md_events *ev = calloc(1, sizeof(*ev));
	unsigned int i;

	if (!ev)
		return NULL;
	for (i = 0; i < MD_EVENT_LOGS; i++)
		ev->log[i].next_handle = 1;
	return ev;
}

void md_events_free(struct md_events *ev)
{
	free(ev);
}

unsigned int md_event_room(const struct cxlemu_memdev *md, unsigned int log)
{
	if (log >= MD_EVENT_LOGS)
		return 0;
	return MD_EVENT_LOG_RECORDS - md->events->log[log].count;
}

int md_events_put(struct md_events *ev, unsigned int log, uint64_t now, uint8_t *r)
{
	struct md_event_log *l;
	uint8_t *slot;

	if (log >= MD_EVENT_LOGS)
		return -EINVAL;
	l = &ev->log[log];
	/* A full log keeps its records and counts what it loses: Overflow,
	 * Overflow Error Count, First/Last Overflow Event Timestamp
	 * (8.2.9.2.2, Table 8-53). */
	if (l->count == MD_EVENT_LOG_RECORDS) {
		if (!l->overflow)
			l->first_overflow = now;
		if (l->overflow != UINT16_MAX)
			l->overflow++;
		l->last_overflow = now;
		return -ENOSPC;
	}
	put_le(r + 0x14, l->next_handle, 2);
	put_le(r + 0x18, now, 8);
	slot = l->rec[(l->head + l->count) % MD_EVENT_LOG_RECORDS];
	memcpy(slot, r, MD_EVENT_RECORD_SIZE);
	l->count++;
	/* Handles are nonzero and increase; 0 is skipped on wrap.  A log
	 * holds far fewer than 65535 records, so they stay unique. */
	l->next_handle = (uint16_t)(l->next_handle + 1);
	if (!l->next_handle)
		l->next_handle = 1;
	return 0;
}

int md_event_add(struct cxlemu_memdev *md, unsigned int log, const uint8_t uuid[16],
		 uint32_t flags, uint16_t related, uint8_t maint_class,
		 const uint8_t *data, size_t len)
{
	const struct cxlemu_memdev_host *h = &md->cfg.host;
	uint8_t r[MD_EVENT_RECORD_SIZE];
	unsigned int mode, setting;
	int rc;

	if (log >= MD_EVENT_LOGS || len > MD_EVENT_DATA_SIZE || flags >> 24)
		return -EINVAL;
	/* Common Event Record Format (8.2.9.2.1, Table 8-43); the handle and
	 * timestamp are stamped as it is stored. */
	memset(r, 0, sizeof(r));
	memcpy(r, uuid, 16);
	r[0x10] = MD_EVENT_RECORD_SIZE;
	put_le(r + 0x11, flags, 3);
	put_le(r + 0x16, related, 2);
	r[0x20] = maint_class;
	if (len)
		memcpy(r + MD_EVENT_HDR_SIZE, data, len);
	rc = md_events_put(md->events, log, md_timestamp(md), r);
	if (rc) {
		cxlemu_dbg(md->ctx, "memdev: event log %u full, record dropped", log);
		return rc;
	}
	/* Event Interrupt Policy (8.2.9.2.4, Table 8-55): bits 1:0 mode,
	 * bits 7:4 interrupt message number. */
	setting = md->events->log[log].irq;
	mode = setting & 3u;
	if ((mode == 1 || mode == 2) && h->event_irq)
		h->event_irq(h->opaque, log, mode, setting >> 4);
	return 0;
}

/* Logs the host's record: severity from the log, checked header fields. */
static int host_record(struct cxlemu_memdev *md, unsigned int log, const uint8_t uuid[16],
		       const struct cxlemu_event_common *c, const uint8_t *data)
{
	const uint32_t known = CXLEMU_EVENT_FLAG_PERMANENT | CXLEMU_EVENT_FLAG_MAINT_NEEDED |
			       CXLEMU_EVENT_FLAG_PERF_DEGRADED | CXLEMU_EVENT_FLAG_HW_REPLACE;
	int rc;

	if (log > CXLEMU_EVENT_LOG_FATAL || (c && (c->flags & ~known || c->reserved))) {
		cxlemu_err(md->ctx, "memdev: bad event log %u or record flags", log);
		return -EINVAL;
	}
	/* Event Record Severity, bits 1:0, matches the log it sits in. */
	rc = md_event_add(md, log, uuid, log | (c ? c->flags : 0), c ? c->related_handle : 0,
			  c ? c->maint_op_class : 0, data, MD_EVENT_DATA_SIZE);
	return rc == -ENOSPC ? 0 : rc;
}

static bool zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Physical Address bits 5:2 are reserved (Table 8-45, 8-46). */
#define PA_RESERVED UINT64_C(0x3c)
#define U24_MAX 0xffffffu

int cxlemu_memdev_event_gen_media(struct cxlemu_memdev *md, unsigned int log,
				  const struct cxlemu_event_gen_media *ev)
{
	uint8_t d[MD_EVENT_DATA_SIZE] = { 0 };

	if (!md || !ev)
		return -EINVAL;
	if (ev->phys_addr & PA_RESERVED || ev->device > U24_MAX || ev->cme_count > U24_MAX ||
	    !zero(ev->reserved, sizeof(ev->reserved))) {
		cxlemu_err(md->ctx, "memdev: general media record field out of range");
		return -EINVAL;
	}
	/* Table 8-45, offsets from the record data (record offset 30h). */
	put_le(d + 0x00, ev->phys_addr, 8);
	d[0x08] = ev->descriptor;
	d[0x09] = ev->type;
	d[0x0a] = ev->transaction_type;
	put_le(d + 0x0b, ev->validity_flags, 2);
	d[0x0d] = ev->channel;
	d[0x0e] = ev->rank;
	put_le(d + 0x0f, ev->device, 3);
	memcpy(d + 0x12, ev->component_id, 16);
	d[0x22] = ev->cme_flags;
	put_le(d + 0x23, ev->cme_count, 3);
	d[0x26] = ev->sub_type;
	return host_record(md, log, gen_media_uuid, &ev->hdr, d);
}

int cxlemu_memdev_event_dram(struct cxlemu_memdev *md, unsigned int log,
			     const struct cxlemu_event_dram *ev)
{
	uint8_t d[MD_EVENT_DATA_SIZE] = { 0 };
	unsigned int i;

	if (!md || !ev)
		return -EINVAL;
	if (ev->phys_addr & PA_RESERVED || ev->nibble_mask > U24_MAX || ev->row > U24_MAX ||
	    ev->cvme_count > U24_MAX || !zero(ev->reserved, sizeof(ev->reserved))) {
		cxlemu_err(md->ctx, "memdev: DRAM record field out of range");
		return -EINVAL;
	}
	/* Table 8-46, offsets from the record data. */
	put_le(d + 0x00, ev->phys_addr, 8);
	d[0x08] = ev->descriptor;
	d[0x09] = ev->type;
	d[0x0a] = ev->transaction_type;
	put_le(d + 0x0b, ev->validity_flags, 2);
	d[0x0d] = ev->channel;
	d[0x0e] = ev->rank;
	put_le(d + 0x0f, ev->nibble_mask, 3);
	d[0x12] = ev->bank_group;
	d[0x13] = ev->bank;
	put_le(d + 0x14, ev->row, 3);
	put_le(d + 0x17, ev->column, 2);
	for (i = 0; i < 4; i++)
		put_le(d + 0x19 + 8 * i, ev->correction_mask[i], 8);
	memcpy(d + 0x39, ev->component_id, 16);
	d[0x49] = ev->sub_channel;
	d[0x4a] = ev->cme_flags;
	put_le(d + 0x4b, ev->cvme_count, 3);
	d[0x4e] = ev->sub_type;
	return host_record(md, log, dram_uuid, &ev->hdr, d);
}

int cxlemu_memdev_event_mem_module(struct cxlemu_memdev *md, unsigned int log,
				   const struct cxlemu_event_mem_module *ev)
{
	uint8_t d[MD_EVENT_DATA_SIZE] = { 0 };

	if (!md || !ev)
		return -EINVAL;
	if (!zero(ev->reserved, sizeof(ev->reserved))) {
		cxlemu_err(md->ctx, "memdev: memory module record reserved bytes set");
		return -EINVAL;
	}
	/* Table 8-47: event type, the Get Health Info fields (Table 8-133),
	 * validity flags, component id, sub-type. */
	d[0x00] = ev->event_type;
	d[0x01] = ev->health_status;
	d[0x02] = ev->media_status;
	d[0x03] = ev->additional_status;
	d[0x04] = ev->life_used;
	put_le(d + 0x05, (uint16_t)ev->temperature, 2);
	put_le(d + 0x07, ev->dirty_shutdowns, 4);
	put_le(d + 0x0b, ev->corrected_volatile, 4);
	put_le(d + 0x0f, ev->corrected_persistent, 4);
	put_le(d + 0x13, ev->validity_flags, 2);
	memcpy(d + 0x15, ev->component_id, 16);
	d[0x25] = ev->sub_type;
	return host_record(md, log, mem_module_uuid, &ev->hdr, d);
}

int cxlemu_memdev_event_raw(struct cxlemu_memdev *md, unsigned int log,
			    const uint8_t uuid[16], const struct cxlemu_event_common *hdr,
			    const void *data, size_t len)
{
	uint8_t d[MD_EVENT_DATA_SIZE] = { 0 };

	if (!md || !uuid || len > MD_EVENT_DATA_SIZE || (len && !data))
		return -EINVAL;
	if (len)
		memcpy(d, data, len);
	return host_record(md, log, uuid, hdr, d);
}
