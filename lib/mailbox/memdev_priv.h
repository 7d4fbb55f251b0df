/* SPDX-License-Identifier: MIT */
/* Private parts of lib/mailbox: the memory device state every CCI of a
 * type-3 device shares. */
#ifndef CXLEMU_MEMDEV_PRIV_H
#define CXLEMU_MEMDEV_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <cxlemu/memdev.h>

#include "../internal.h"

/* Limits Identify Memory Device reports (8.2.9.9.1.1). */
#define MD_EVENT_LOG_RECORDS 64    /* records each event log holds */
#define MD_POISON_LIST_MAX 256     /* Poison List Maximum Media Error Records */
#define MD_INJECT_POISON_LIMIT 64  /* Inject Poison Limit */

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
};

/* Firmware and feature state at creation and at a cold reset (cmd_fw.c,
 * cmd_features.c). */
void md_fw_init(struct cxlemu_memdev *md);
void md_fw_reset(struct cxlemu_memdev *md);
void md_features_init(struct cxlemu_memdev *md);
void md_features_reset(struct cxlemu_memdev *md);
/* A CCI goes away: transfers it started are aborted. */
void md_cci_gone(struct cxlemu_memdev *md, const void *cci);

#endif
