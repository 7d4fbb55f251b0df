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

/* Poison is tracked in 64-byte lines (8.2.9.9.4). */
#define MD_POISON_LINE 64u
/* Poisoned ranges tracked in all, listed or not: a bound on the memory a
 * guest can make the device use by splitting ranges with Clear Poison. */
#define MD_POISON_TRACK_MAX 65536
/* Media Error Records one Scan Media keeps for Get Scan Media Results;
 * beyond them the scan stops prematurely with a restart address. */
#define MD_SCAN_RESULTS_MAX 256
/* Simulated media speed: Scan Media reads a 64-byte line in this many ns;
 * Sanitize and Media Operations overwrite a MiB in this many ns. */
#define MD_SCAN_NS_PER_LINE 16u
#define MD_ZERO_NS_PER_MIB 100000u

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

/* Firmware (8.2.9.3): slots, the running and staged slot, a transfer. */
#define MD_FW_SLOTS 4                       /* FW Slots Supported */
#define MD_FW_MAX_SIZE (UINT64_C(32) << 20) /* largest package accepted */
#define MD_FW_HDR_SIZE 0x30                 /* our vendor header (cmd_fw.c) */
#define MD_FW_REV_LEN 16

/* What has been received of a package so far: its length, running CRC-32
 * registers over the whole package and over what follows the header, and
 * the header bytes. */
struct md_fw_img {
	uint64_t len;
	uint32_t crc_all, crc_body;
	uint8_t hdr[MD_FW_HDR_SIZE];
};

/* A package transfer in parts (8.2.9.3.2). */
struct md_fw_xfer {
	bool active;
	bool on_mailbox;        /* started on a mailbox CCI: a reset aborts it */
	const void *owner;      /* the CCI that started it */
	uint64_t last_ns;       /* completion of the last part */
	uint64_t prev_off, prev_len; /* the last part, for order and retransmission */
	struct md_fw_img img;   /* everything received */
	struct md_fw_img before; /* before the last part (retransmission) */
};

struct md_fw {
	uint8_t active, staged;  /* slot numbers, 1-based; staged 0 = none */
	uint8_t filled;          /* bit n-1: slot n holds a package */
	char rev[MD_FW_SLOTS][MD_FW_REV_LEN];
	uint8_t fail[MD_FW_SLOTS]; /* header flags: how online activation fails */
	struct md_fw_xfer xfer;
	uint32_t gen;            /* bumped whenever a transfer is aborted */
	/* A part whose background operation runs; applied when it completes. */
	bool pending;
	const void *pending_cci;
	uint32_t pending_gen;
	struct md_fw_xfer next;
	uint8_t store_slot;      /* 0, or the slot a completed package goes to */
	uint8_t store_fail;
	char store_rev[MD_FW_REV_LEN];
};

/* Features (8.2.9.6): the writable attributes of each feature (cmd_features.c). */
#define MD_FEATURES 2
#define MD_FEAT_MAX 16           /* largest Set Feature data of our features */
#define MD_ECS_FRUS 3            /* media FRUs the ECS feature reports */

struct md_features {
	uint8_t cur[MD_FEATURES][MD_FEAT_MAX];   /* current values */
	uint8_t saved[MD_FEATURES][MD_FEAT_MAX]; /* restored at reset */
	/* A Set Feature transfer in parts (8.2.9.6.3). */
	bool xfer;
	unsigned int feat;
	const void *owner;
	uint16_t prev_off, prev_len;
	uint8_t buf[MD_FEAT_MAX];
	uint8_t buf_before[MD_FEAT_MAX];
};

/*
 * One poisoned DPA range [start, end), 64-byte aligned.  Every poisoned
 * line is in exactly one record (the device's knowledge, which guest reads
 * consult); "listed" records are those Get Poison List reports: at most
 * MD_POISON_LIST_MAX of them, the others exist but overflowed the list.
 */
struct md_poison_rec {
	uint64_t start, end;
	uint8_t source;  /* enum cxlemu_poison_source */
	bool listed;
};

/* Poison state of a device (poison.c). */
struct md_poison {
	struct md_poison_rec *rec; /* sorted by address, disjoint */
	size_t n, cap;
	size_t listed;             /* records with listed set */
	size_t injected;           /* records of source Injected */
	/* Poison List Overflow (8.2.9.9.4.1) and when it happened (host ns). */
	bool overflow;
	uint64_t overflow_ns;
	/* Get Poison List continuation: the same requester asking for the same
	 * range again after More Media Error Records gets the next records. */
	bool cont;
	const void *cont_owner;
	uint64_t cont_start, cont_len, cont_next;
	/* Scan Media (8.2.9.9.4.5) running, and its last results (4305h). */
	bool scanning;
	uint64_t scan_start, scan_len; /* bytes */
	bool scan_events;              /* No Event Log flag clear */
	struct md_poison_rec *res;
	size_t nres, res_pos;
	bool stopped;                  /* Scan Stopped Prematurely */
	uint64_t restart, restart_len; /* bytes */
};

/* A DPA range of a pending Media Operation (8.2.10.9.5.3 of CXL 3.2). */
struct md_range {
	uint64_t start, len;
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
	/* What responses with More already accepted from the oldest offer
	 * (sorted): each offered block is accepted at most once, even after
	 * it was released meanwhile. */
	struct md_dc_extent taken[MD_DC_MAX_EXTENTS];
	uint32_t ntaken;
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
	struct md_fw fw;
	struct md_features feat;
	/* Poison and Scan Media (poison.c, cmd_poison.c). */
	struct md_poison poison;
	/* A media background operation (Scan Media, Sanitize, Media
	 * Operations) runs on one of the device's CCIs: the others get Busy. */
	bool media_bg;
	/* Ranges of the Media Operation in progress (cmd_sanitize.c). */
	struct md_range *mo_ranges;
	size_t mo_n;
	/* Device timestamp (8.2.9.4): Set Timestamp minus host clock; every
	 * CCI of the device and every event record read it. */
	int64_t ts_offset;
	bool ts_set;
	/* Event logs (events.c). */
	struct md_events *events;
	/* Dynamic capacity (dcd.c); NULL without DC regions. */
	struct md_dc *dc;
};

/* Firmware and feature state at creation and at a cold reset (cmd_fw.c,
 * cmd_features.c). */
void md_fw_init(struct cxlemu_memdev *md);
void md_fw_reset(struct cxlemu_memdev *md);
void md_features_init(struct cxlemu_memdev *md);
void md_features_reset(struct cxlemu_memdev *md);
/* A CCI goes away: transfers it started are aborted. */
void md_cci_gone(struct cxlemu_memdev *md, const void *cci);

/* User capacity: static capacity [0, md_static_size()) and the DC regions. */
uint64_t md_static_size(const struct cxlemu_memdev *md);
/* End of the DPA space: the static capacity or the last DC region. */
uint64_t md_dpa_end(const struct cxlemu_memdev *md);
/* Whether [dpa, dpa + len) is non-empty and inside the static capacity or
 * inside one DC region. */
bool md_dpa_range_ok(const struct cxlemu_memdev *md, uint64_t dpa, uint64_t len);

/* Poison tracking (poison.c).  Ranges are 64-byte aligned. */
void md_poison_init(struct md_poison *p);
void md_poison_fini(struct md_poison *p);
/* Makes room for @extra more records: 0, or -ENOSPC (MD_POISON_TRACK_MAX)
 * or -ENOMEM; nothing changes on failure.  Adding needs 2, removing
 * md_poison_split_need(). */
int md_poison_reserve(struct md_poison *p, size_t extra);
/* Records removing [start, start + len) adds: 1 when it splits one. */
size_t md_poison_split_need(const struct md_poison *p, uint64_t start, uint64_t len);
/* Poisons [start, start + len) with @source, merging with neighbours of
 * the same source; md_poison_reserve() first.  The overflow state is set
 * when a new record cannot be listed. */
void md_poison_add(struct cxlemu_memdev *md, uint64_t start, uint64_t len,
		   uint8_t source);
/* Clears [start, start + len), splitting records; md_poison_reserve()
 * first. */
void md_poison_remove(struct cxlemu_memdev *md, uint64_t start, uint64_t len);
/* Forgets every record, the overflow state and scan results (sanitize). */
void md_poison_clear_all(struct md_poison *p);
/* Index of the first record ending after @addr. */
size_t md_poison_find(const struct md_poison *p, uint64_t addr);
/* Records of source Injected the device would hold after injecting the
 * (unpoisoned) line at @dpa. */
size_t md_poison_injected_after(const struct md_poison *p, uint64_t dpa);
/* Scan Media completion: the poison in [scan_start, scan_start + done)
 * becomes the results (at most MD_SCAN_RESULTS_MAX, else the scan stopped
 * prematurely), found records join the poison list while it has room, and
 * the overflow state ends when nothing is left unlisted.  @done < scan_len
 * when the scan was aborted.  Returns 0 or -ENOMEM. */
int md_poison_scan_done(struct cxlemu_memdev *md, uint64_t done);
/* Where General Media Event records for errors Scan Media finds will be
 * produced (8.2.9.2.1.1, CXL 3.1 8.2.9.9.4.5 without No Event Log): the
 * event log implementation hooks in here. */
void md_poison_scan_event(struct cxlemu_memdev *md, const struct md_poison_rec *r);

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
/* Stores a 128-byte record in log @log of @ev, stamping its handle (0x14)
 * and timestamp (0x18) with @now: 0, -EINVAL for a bad log, or -ENOSPC
 * when the log is full (the record is dropped and counted as overflow).
 * The record's other header fields are the caller's. */
int md_events_put(struct md_events *ev, unsigned int log, uint64_t now, uint8_t *rec);
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
/* Releases @nr ranges (dpa, len pairs, wholly accepted), splitting
 * extents: nothing changes unless the whole release can be done.  Returns
 * 0 (the ranges released, the generation bumped), -ENOSPC when more
 * extents would remain than the device tracks, -ENOMEM, or -EIO when the
 * host failed to zero a range of a region that sanitizes on release
 * (its negative errno in *host_err). */
int md_dc_release(struct cxlemu_memdev *md, const uint64_t (*r)[2], uint32_t nr,
		  int *host_err);
/* Distinct nonzero tags among the accepted extents. */
uint32_t md_dc_tags_used(const struct md_dc *dc);
/* Drops the oldest pending offer. */
void md_dc_retire_offer(struct md_dc *dc);
/* Zeroes a released range when its region sanitizes on release; 0 or the
 * host's negative errno. */
int md_dc_sanitize(struct cxlemu_memdev *md, uint64_t dpa, uint64_t len);

#endif
