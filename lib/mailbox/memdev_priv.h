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
};

#endif
