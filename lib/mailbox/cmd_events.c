/* SPDX-License-Identifier: MIT */
/*
 * Events command set (CXL 3.1 8.2.9.2): Get Event Records, Clear Event
 * Records, Get/Set Event Interrupt Policy.
 */
#include <string.h>

#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

/* Get Event Records output header (Table 8-53). */
#define GET_HDR 0x20
#define GET_FLAG_OVERFLOW (1u << 0)
#define GET_FLAG_MORE (1u << 1)

/* Whether the CCI's component has a dynamic capacity log: only a memory
 * device with DC regions. */
static bool has_dc(const struct cxlemu_cci *cci)
{
	return cci->md && cci->md->dc;
}

/* The event logs are a memory device's or a switch's (8.2.9.2). */
static struct md_event_log *event_log(struct cxlemu_cci *cci, unsigned int log)
{
	if (log > MD_EVENT_LOG_DC || (log == MD_EVENT_LOG_DC && !has_dc(cci)))
		return NULL;
	return &cci->events->log[log];
}

/* Get Event Records (0100h), Tables 8-52/8-53: the oldest records of a
 * log, as many as the response holds; More Event Records when some stay
 * behind. */
HANDLER(cci_get_event_records)
{
	struct md_event_log *l = event_log(cci, in[0]);
	unsigned int n, i, flags = 0;

	(void)in_len;
	if (!l)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (out->cap < GET_HDR)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	n = (unsigned int)((out->cap - GET_HDR) / MD_EVENT_RECORD_SIZE);
	if (n > l->count)
		n = l->count;
	if (l->overflow)
		flags |= GET_FLAG_OVERFLOW;
	if (n < l->count)
		flags |= GET_FLAG_MORE;
	memset(out->buf, 0, GET_HDR);
	out->len = GET_HDR;
	out->buf[0] = (uint8_t)flags;
	put_le(out->buf + 0x02, l->overflow, 2);
	put_le(out->buf + 0x04, l->first_overflow, 8);
	put_le(out->buf + 0x0c, l->last_overflow, 8);
	put_le(out->buf + 0x14, n, 2);
	for (i = 0; i < n; i++)
		memcpy(out->buf + GET_HDR + (size_t)i * MD_EVENT_RECORD_SIZE,
		       l->rec[(l->head + i) % MD_EVENT_LOG_RECORDS], MD_EVENT_RECORD_SIZE);
	out->len += (size_t)n * MD_EVENT_RECORD_SIZE;
	return CXLEMU_MBOX_SUCCESS;
}

/* Clear Event Records input (Table 8-54). */
#define CLR_HDR 6
#define CLR_ALL (1u << 0)

static void clear_oldest(struct md_event_log *l, unsigned int n)
{
	if (!n)
		return;
	l->head = (l->head + n) % MD_EVENT_LOG_RECORDS;
	l->count -= n;
	/* Overflow stays set until the host has cleared records (8.2.9.2.2). */
	l->overflow = 0;
	l->first_overflow = l->last_overflow = 0;
}

/*
 * Clear Event Records (0101h), Table 8-54: log, flags (bit 0 Clear All
 * Events, only with no handles), handle count, 3 reserved bytes, handles.
 * The handles must be the log's oldest records, in order: a record older
 * than a cleared one that would stay behind makes the command fail with
 * Invalid Handle, clearing nothing (8.2.9.2.3).
 */
HANDLER(cci_clear_event_records)
{
	struct md_event_log *l = event_log(cci, in[0]);
	unsigned int flags = in[1], n = in[2], i;

	(void)out;
	if (in_len != CLR_HDR + 2u * n)
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	if (!l || flags & ~CLR_ALL || ((flags & CLR_ALL) && n))
		return CXLEMU_MBOX_INVALID_INPUT;
	if (flags & CLR_ALL) {
		clear_oldest(l, l->count);
		/* Clear All ends the overflow condition even on an empty log. */
		l->overflow = 0;
		l->first_overflow = l->last_overflow = 0;
		return CXLEMU_MBOX_SUCCESS;
	}
	if (n > l->count)
		return CXLEMU_MBOX_INVALID_HANDLE;
	for (i = 0; i < n; i++) {
		const uint8_t *r = l->rec[(l->head + i) % MD_EVENT_LOG_RECORDS];

		if (get_le(in + CLR_HDR + 2 * i, 2) != get_le(r + 0x14, 2))
			return CXLEMU_MBOX_INVALID_HANDLE;
	}
	clear_oldest(l, n);
	return CXLEMU_MBOX_SUCCESS;
}

/* Get Event Interrupt Policy (0102h), Table 8-55: one settings byte per
 * log, the dynamic capacity log's last. */
HANDLER(cci_get_event_irq_policy)
{
	struct md_events *ev = cci->events;
	unsigned int i;

	(void)in;
	(void)in_len;
	if (out->cap < MD_EVENT_LOGS)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	for (i = 0; i < MD_EVENT_LOGS; i++)
		out->buf[i] = ev->log[i].irq;
	out->len = MD_EVENT_LOGS;
	return CXLEMU_MBOX_SUCCESS;
}

/* Interrupt settings: bits 1:0 mode (0 none, 1 MSI/MSI-X, 2 FW
 * interrupt, 3 reserved), bits 3:2 reserved, bits 7:4 message number. */
static bool irq_setting_ok(uint8_t s)
{
	return (s & 3u) != 3u && !(s & 0x0cu);
}

/*
 * Set Event Interrupt Policy (0103h), Table 8-56: four settings bytes, and
 * the dynamic capacity log's as a fifth, optional one (Linux sends it only
 * to a device with dynamic capacity).  A device without DC takes a fifth
 * byte that asks for no interrupt.
 */
HANDLER(cci_set_event_irq_policy)
{
	unsigned int i;

	(void)out;
	if (in_len > MD_EVENT_LOGS)
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	for (i = 0; i < in_len; i++)
		if (!irq_setting_ok(in[i]))
			return CXLEMU_MBOX_INVALID_INPUT;
	/* Without a DC log its byte, if sent, must ask for nothing. */
	if (in_len == MD_EVENT_LOGS && !has_dc(cci) && in[MD_EVENT_LOG_DC])
		return CXLEMU_MBOX_INVALID_INPUT;
	for (i = 0; i < in_len; i++)
		cci->events->log[i].irq = in[i];
	return CXLEMU_MBOX_SUCCESS;
}
