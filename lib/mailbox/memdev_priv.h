/* SPDX-License-Identifier: MIT */
/* Private parts of lib/mailbox: the memory device state every CCI of a
 * type-3 device shares. */
#ifndef CXLEMU_MEMDEV_PRIV_H
#define CXLEMU_MEMDEV_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/memdev.h>

#include "../internal.h"

/* Limits Identify Memory Device reports (8.2.9.9.1.1). */
#define MD_EVENT_LOG_RECORDS 64    /* records each event log holds */
#define MD_POISON_LIST_MAX 256     /* Poison List Maximum Media Error Records */
#define MD_INJECT_POISON_LIMIT 64  /* Inject Poison Limit */

/* Event logs (8.2.9.2): informational, warning, failure, fatal, and the
 * dynamic capacity log; 128-byte records, 80 bytes of them data. */
#define MD_EVENT_LOGS 5
#define MD_EVENT_LOG_DC 4
#define MD_EVENT_RECORD_SIZE 0x80
#define MD_EVENT_HDR_SIZE 0x30
#define MD_EVENT_DATA_SIZE (MD_EVENT_RECORD_SIZE - MD_EVENT_HDR_SIZE)

/* Dynamic capacity (8.2.9.9.9): extents and tags the device tracks. */
#define MD_DC_MAX_EXTENTS 256
#define MD_DC_MAX_TAGS 256
#define MD_DC_EXTENT_SIZE 0x28  /* DC extent (Table 8-51) */

/* Alert configuration (8.2.9.9.3.2, 8.2.9.9.3.3). */
struct md_alerts {
	uint8_t valid;       /* Valid Alerts: which programmable warnings are set */
	uint8_t enabled;     /* Programmable Alerts enabled */
	uint8_t life_crit;   /* Life Used Critical Alert Threshold (fixed) */
	uint8_t life_warn;   /* Life Used Programmable Warning Threshold */
	int16_t over_crit;   /* Device Over-Temperature Critical (fixed) */
	int16_t under_crit;  /* Device Under-Temperature Critical (fixed) */
	int16_t over_warn;   /* programmable warnings */
	int16_t under_warn;
	uint16_t cvme_warn;  /* corrected volatile memory errors */
	uint16_t cpme_warn;  /* corrected persistent memory errors */
};

/* One event log: a ring of records, oldest first (8.2.9.2). */
struct md_event_log {
	uint8_t rec[MD_EVENT_LOG_RECORDS][MD_EVENT_RECORD_SIZE];
	unsigned int head, count;  /* oldest record's slot, records held */
	uint16_t next_handle;      /* never 0 */
	uint16_t overflow;         /* Overflow Error Count, saturating */
	uint64_t first_overflow, last_overflow; /* device timestamps */
	uint8_t irq;               /* interrupt settings (Table 8-55) */
};

struct md_events {
	struct md_event_log log[MD_EVENT_LOGS];
};

/* A dynamic capacity extent (Table 8-51). */
struct md_dc_extent {
	uint64_t dpa, len;
	uint8_t tag[16];
	uint16_t shared_seq;
};

/* Dynamic capacity (8.2.9.9.9): accepted extents sorted by DPA, and the
 * offers the host has not answered, oldest first; an offer is the run of
 * pending extents up to one with last set. */
struct md_dc {
	struct md_dc_extent acc[MD_DC_MAX_EXTENTS];
	uint32_t nacc;
	uint32_t generation;
	struct md_dc_extent pend[MD_DC_MAX_EXTENTS];
	bool pend_last[MD_DC_MAX_EXTENTS];
	bool pend_started; /* the oldest offer got a response with More set */
	uint32_t npend;
};

struct cxlemu_memdev {
	struct cxlemu_ctx *ctx;
	struct cxlemu_memdev_config cfg;
	/* Partitions in bytes (8.2.9.9.2.1): active and after the next reset. */
	uint64_t active_vol, active_pers, next_vol, next_pers;
	bool media_disabled;
	/* Label storage kept here when the host gives no callbacks. */
	uint8_t *lsa;
	/* Health (8.2.9.9.3.1). */
	struct cxlemu_memdev_health health;
	uint32_t dirty_shutdowns;
	bool shutdown_dirty;
	struct md_alerts alerts;
	/* Device timestamp (8.2.9.4): Set Timestamp minus host clock; every
	 * CCI of the device and every event record read it. */
	int64_t ts_offset;
	bool ts_set;
	/* Event logs (events.c). */
	struct md_events *events;
	/* Dynamic capacity (dcd.c); NULL without DC regions. */
	struct md_dc *dc;
};

/* Device timestamp in ns since 1970, or 0 while never set (8.2.9.4.1). */
uint64_t md_timestamp(const struct cxlemu_memdev *md);
/* Set Timestamp on the device. */
void md_set_timestamp(struct cxlemu_memdev *md, uint64_t ts);

/* Event log storage (events.c). */
struct md_events *md_events_new(void);
void md_events_free(struct md_events *ev);

/*
 * Appends a record to event log @log (0..4): the 48-byte common header
 * (Table 8-43: @uuid, length 0x80, @flags (24 bits; the caller's severity
 * included), a fresh handle, @related handle, the device timestamp,
 * @maint_class) then @len bytes of @data (at most 80), zero padded.
 * Raises the event interrupt the log's policy asks for.
 * Returns 0, -EINVAL for a bad log or length, or -ENOSPC when the log is
 * full: the record is then dropped and counted as an overflow (8.2.9.2.2).
 */
int md_event_add(struct cxlemu_memdev *md, unsigned int log, const uint8_t uuid[16],
		 uint32_t flags, uint16_t related, uint8_t maint_class,
		 const uint8_t *data, size_t len);
/* Free record slots in event log @log. */
unsigned int md_event_room(const struct cxlemu_memdev *md, unsigned int log);

/* Dynamic capacity state (dcd.c). */
struct md_dc *md_dc_new(void);
void md_dc_free(struct md_dc *dc);
/* Index of the DC region whose usable length holds all of [dpa, dpa+len),
 * or -1 (len nonzero). */
int md_dc_region(const struct cxlemu_memdev *md, uint64_t dpa, uint64_t len);
/* Whether [dpa, dpa+len) is wholly covered by / meets any of the sorted,
 * disjoint extents @l[0..n). */
bool md_dc_covered(const struct md_dc_extent *l, uint32_t n, uint64_t dpa, uint64_t len);
bool md_dc_overlaps(const struct md_dc_extent *l, uint32_t n, uint64_t dpa, uint64_t len);
/* Inserts @e into the sorted list @l of @n extents (room checked by the
 * caller). */
void md_dc_insert(struct md_dc_extent *l, uint32_t *n, const struct md_dc_extent *e);
/* Takes [dpa, dpa+len) out of the sorted list @l, splitting extents
 * (each call adds at most one; @l has room for it). */
void md_dc_remove(struct md_dc_extent *l, uint32_t *n, uint64_t dpa, uint64_t len);
/* Dry run of releasing @nr ranges (dpa, len pairs, wholly accepted): a
 * new accepted list in *out (the caller frees it) and its size; -ENOSPC
 * when more extents would remain than the device tracks, -ENOMEM. */
int md_dc_release_plan(const struct md_dc *dc, const uint64_t (*r)[2], uint32_t nr,
		       struct md_dc_extent **out, uint32_t *n);
/* Distinct nonzero tags among the accepted extents. */
uint32_t md_dc_tags_used(const struct md_dc *dc);
/* Drops the oldest pending offer. */
void md_dc_retire_offer(struct md_dc *dc);
/* Zeroes a released range when its region sanitizes on release; 0 or the
 * host's negative errno. */
int md_dc_sanitize(struct cxlemu_memdev *md, uint64_t dpa, uint64_t len);

#endif
