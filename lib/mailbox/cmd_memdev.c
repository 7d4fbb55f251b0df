/* SPDX-License-Identifier: MIT */
/*
 * Memory device commands (CXL 3.1 8.2.9.9): Identify Memory Device,
 * Get/Set Partition Info, Get/Set LSA, Get Health Info, Get/Set Alert
 * Configuration, Get/Set Shutdown State, Get Security State.
 */
#include <string.h>

#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

#define UNITS(b) ((b) / CXLEMU_CAPACITY_UNIT)

static int put_ok(bool ok)
{
	return ok ? CXLEMU_MBOX_SUCCESS : CXLEMU_MBOX_INTERNAL_ERROR;
}

/* Identify Memory Device (4000h), Table 8-127: 0x45 bytes. */
HANDLER(cci_identify_memdev)
{
	const struct cxlemu_memdev *md = cci->md;
	const struct cxlemu_memdev_config *c = &md->cfg;
	uint64_t total = c->volatile_size + c->persistent_size + c->partitionable_size;
	bool ok;

	(void)in;
	(void)in_len;
	if (out->cap < 0x45)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	memset(out->buf, 0, 0x45);
	/* The revision of the running firmware slot (8.2.9.3). */
	memcpy(out->buf, md->fw.rev[md->fw.active - 1], MD_FW_REV_LEN);
	ok = cci_put(out, 0x10, UNITS(total), 8) &&
	     cci_put(out, 0x18, UNITS(c->volatile_size), 8) &&
	     cci_put(out, 0x20, UNITS(c->persistent_size), 8) &&
	     cci_put(out, 0x28, UNITS(c->partition_align), 8) &&
	     cci_put(out, 0x30, MD_EVENT_LOG_RECORDS, 2) &&
	     cci_put(out, 0x32, MD_EVENT_LOG_RECORDS, 2) &&
	     cci_put(out, 0x34, MD_EVENT_LOG_RECORDS, 2) &&
	     cci_put(out, 0x36, MD_EVENT_LOG_RECORDS, 2) &&
	     cci_put(out, 0x38, c->lsa_size, 4) &&
	     cci_put(out, 0x3c, MD_POISON_LIST_MAX, 3) &&
	     cci_put(out, 0x3f, MD_INJECT_POISON_LIMIT, 2) &&
	     cci_put(out, 0x41, 0, 1) && cci_put(out, 0x42, 0, 1) &&
	     cci_put(out, 0x43, c->dc_nregions ? MD_EVENT_LOG_RECORDS : 0, 2);
	return put_ok(ok);
}

/* Get Partition Info (4100h), Table 8-129: active and next capacities. */
HANDLER(cci_get_partition_info)
{
	const struct cxlemu_memdev *md = cci->md;

	(void)in;
	(void)in_len;
	return put_ok(cci_put(out, 0x00, UNITS(md->active_vol), 8) &&
		      cci_put(out, 0x08, UNITS(md->active_pers), 8) &&
		      cci_put(out, 0x10, UNITS(md->next_vol), 8) &&
		      cci_put(out, 0x18, UNITS(md->next_pers), 8));
}

/*
 * Set Partition Info (4101h), Table 8-130: how much of the partitionable
 * capacity is volatile (256 MiB units, a multiple of the partition
 * alignment); flag bit 0 applies it now instead of at the next reset.
 */
HANDLER(cci_set_partition_info)
{
	struct cxlemu_memdev *md = cci->md;
	const struct cxlemu_memdev_config *c = &md->cfg;
	uint64_t units = get_le(in, 8);
	uint8_t flags = in[8];
	uint64_t vol;

	(void)in_len;
	(void)out;
	if (!c->partitionable_size)
		return CXLEMU_MBOX_UNSUPPORTED;
	if (flags & ~1u || units > UNITS(c->partitionable_size))
		return CXLEMU_MBOX_INVALID_INPUT;
	vol = units * CXLEMU_CAPACITY_UNIT;
	if (vol % c->partition_align)
		return CXLEMU_MBOX_INVALID_INPUT;
	md->next_vol = c->volatile_size + vol;
	md->next_pers = c->persistent_size + (c->partitionable_size - vol);
	/* Immediate: the new partitions now, nothing else of a reset. */
	if (flags & 1) {
		md->active_vol = md->next_vol;
		md->active_pers = md->next_pers;
	}
	return CXLEMU_MBOX_SUCCESS;
}

static int lsa_failed(struct cxlemu_memdev *md, const char *what, size_t len,
		      uint32_t off, int rc)
{
	cxlemu_err(md->ctx, "memdev: host LSA %s of %zu bytes at %u failed (%d)", what, len,
		   off, rc);
	return CXLEMU_MBOX_INTERNAL_ERROR;
}

static int lsa_read(struct cxlemu_memdev *md, uint32_t off, uint8_t *buf, size_t len)
{
	const struct cxlemu_memdev_host *h = &md->cfg.host;
	int rc;

	if (!len)
		return CXLEMU_MBOX_SUCCESS;
	if (md->lsa) {
		memcpy(buf, md->lsa + off, len);
		return CXLEMU_MBOX_SUCCESS;
	}
	rc = h->lsa_read(h->opaque, off, buf, len);
	return rc ? lsa_failed(md, "read", len, off, rc) : CXLEMU_MBOX_SUCCESS;
}

static int lsa_write(struct cxlemu_memdev *md, uint32_t off, const uint8_t *buf,
		     size_t len)
{
	const struct cxlemu_memdev_host *h = &md->cfg.host;
	int rc;

	if (!len)
		return CXLEMU_MBOX_SUCCESS;
	if (md->lsa) {
		memcpy(md->lsa + off, buf, len);
		return CXLEMU_MBOX_SUCCESS;
	}
	rc = h->lsa_write(h->opaque, off, buf, len);
	return rc ? lsa_failed(md, "write", len, off, rc) : CXLEMU_MBOX_SUCCESS;
}

/* Get LSA (4102h), Table 8-131: offset and length inside the LSA; the
 * data must fit the response. */
HANDLER(cci_get_lsa)
{
	struct cxlemu_memdev *md = cci->md;
	uint64_t off = get_le(in, 4), len = get_le(in + 4, 4);
	int rc;

	(void)in_len;
	if (!md->cfg.lsa_size)
		return CXLEMU_MBOX_UNSUPPORTED;
	if (off > md->cfg.lsa_size || len > md->cfg.lsa_size - off || len > out->cap)
		return CXLEMU_MBOX_INVALID_INPUT;
	rc = lsa_read(md, (uint32_t)off, out->buf, (size_t)len);
	if (rc == CXLEMU_MBOX_SUCCESS)
		out->len = (size_t)len;
	return rc;
}

/* Set LSA (4103h), Table 8-132: offset, 4 reserved bytes, the data. */
HANDLER(cci_set_lsa)
{
	struct cxlemu_memdev *md = cci->md;
	uint64_t off = get_le(in, 4);
	size_t len = in_len - 8;

	(void)out;
	if (!md->cfg.lsa_size)
		return CXLEMU_MBOX_UNSUPPORTED;
	if (off > md->cfg.lsa_size || len > md->cfg.lsa_size - off)
		return CXLEMU_MBOX_INVALID_INPUT;
	return lsa_write(md, (uint32_t)off, in + 8, len);
}

/* Alert bits (Table 8-134). */
#define ALERT_LIFE (1u << 0)
#define ALERT_OVER (1u << 1)
#define ALERT_UNDER (1u << 2)
#define ALERT_CVME (1u << 3)
#define ALERT_CPME (1u << 4)
#define ALERT_ALL 0x1fu

/* Additional Status of Get Health Info from the values and thresholds. */
static uint8_t additional_status(const struct cxlemu_memdev *md)
{
	const struct cxlemu_memdev_health *h = &md->health;
	const struct md_alerts *a = &md->alerts;
	unsigned int life = 0, temp = 0, st = 0;

	if (h->life_used != 0xff) {
		if (h->life_used >= a->life_crit)
			life = 2;
		else if ((a->valid & ALERT_LIFE) && h->life_used >= a->life_warn)
			life = 1;
	}
	if (h->temperature != 0x7fff) {
		if (h->temperature >= a->over_crit || h->temperature <= a->under_crit)
			temp = 2;
		else if (((a->valid & ALERT_OVER) && h->temperature >= a->over_warn) ||
			 ((a->valid & ALERT_UNDER) && h->temperature <= a->under_warn))
			temp = 1;
	}
	st = life | temp << 2;
	if ((a->valid & ALERT_CVME) && h->corrected_volatile >= a->cvme_warn)
		st |= 1u << 4;
	if ((a->valid & ALERT_CPME) && h->corrected_persistent >= a->cpme_warn)
		st |= 1u << 5;
	return (uint8_t)st;
}

/* Get Health Info (4200h), Table 8-133: 0x12 bytes. */
HANDLER(cci_get_health_info)
{
	const struct cxlemu_memdev *md = cci->md;
	const struct cxlemu_memdev_health *h = &md->health;

	(void)in;
	(void)in_len;
	return put_ok(cci_put(out, 0x00, h->health_status, 1) &&
		      cci_put(out, 0x01, h->media_status, 1) &&
		      cci_put(out, 0x02, additional_status(md), 1) &&
		      cci_put(out, 0x03, h->life_used, 1) &&
		      cci_put(out, 0x04, (uint16_t)h->temperature, 2) &&
		      cci_put(out, 0x06, md->dirty_shutdowns, 4) &&
		      cci_put(out, 0x0a, h->corrected_volatile, 4) &&
		      cci_put(out, 0x0e, h->corrected_persistent, 4));
}

/* Get Alert Configuration (4201h), Table 8-135: 0x10 bytes. */
HANDLER(cci_get_alert_config)
{
	const struct md_alerts *a = &cci->md->alerts;

	(void)in;
	(void)in_len;
	return put_ok(cci_put(out, 0x00, a->valid, 1) &&
		      cci_put(out, 0x01, ALERT_ALL, 1) &&
		      cci_put(out, 0x02, a->life_crit, 1) &&
		      cci_put(out, 0x03, a->life_warn, 1) &&
		      cci_put(out, 0x04, (uint16_t)a->over_crit, 2) &&
		      cci_put(out, 0x06, (uint16_t)a->under_crit, 2) &&
		      cci_put(out, 0x08, (uint16_t)a->over_warn, 2) &&
		      cci_put(out, 0x0a, (uint16_t)a->under_warn, 2) &&
		      cci_put(out, 0x0c, a->cvme_warn, 2) &&
		      cci_put(out, 0x0e, a->cpme_warn, 2));
}

/*
 * Set Alert Configuration (4202h), Table 8-136: for each alert named in
 * Valid Alert Actions, enable it with its threshold or disable it.  A
 * warning threshold must lie inside the critical ones; nothing changes
 * unless every named threshold is acceptable.
 */
HANDLER(cci_set_alert_config)
{
	struct md_alerts *a = &cci->md->alerts, n = *a;
	uint8_t valid = in[0], enable = in[1];

	(void)in_len;
	(void)out;
	if ((valid | enable) & ~ALERT_ALL || enable & ~valid)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (valid & ALERT_LIFE && enable & ALERT_LIFE)
		n.life_warn = in[2];
	if (valid & ALERT_OVER && enable & ALERT_OVER)
		n.over_warn = (int16_t)get_le(in + 4, 2);
	if (valid & ALERT_UNDER && enable & ALERT_UNDER)
		n.under_warn = (int16_t)get_le(in + 6, 2);
	if (valid & ALERT_CVME && enable & ALERT_CVME)
		n.cvme_warn = (uint16_t)get_le(in + 8, 2);
	if (valid & ALERT_CPME && enable & ALERT_CPME)
		n.cpme_warn = (uint16_t)get_le(in + 0xa, 2);
	n.valid = (uint8_t)((a->valid & ~valid) | (enable & valid));
	if ((n.valid & ALERT_LIFE && n.life_warn >= n.life_crit) ||
	    (n.valid & ALERT_OVER && n.over_warn >= n.over_crit) ||
	    (n.valid & ALERT_UNDER && n.under_warn <= n.under_crit) ||
	    (n.valid & ALERT_OVER && n.valid & ALERT_UNDER && n.under_warn >= n.over_warn))
		return CXLEMU_MBOX_INVALID_INPUT;
	*a = n;
	return CXLEMU_MBOX_SUCCESS;
}

/* Get Shutdown State (4203h): bit 0 dirty. */
HANDLER(cci_get_shutdown_state)
{
	(void)in;
	(void)in_len;
	return put_ok(cci_put(out, 0, cci->md->shutdown_dirty ? 1 : 0, 1));
}

/* Set Shutdown State (4204h): bit 0 dirty, bits 7:1 reserved. */
HANDLER(cci_set_shutdown_state)
{
	(void)in_len;
	(void)out;
	if (in[0] & ~1u)
		return CXLEMU_MBOX_INVALID_INPUT;
	cci->md->shutdown_dirty = in[0] & 1;
	return CXLEMU_MBOX_SUCCESS;
}

/* Get Security State (4500h), Table 8-152: no passphrase is set, the
 * device is neither locked nor frozen. */
HANDLER(cci_get_security_state)
{
	(void)in;
	(void)in_len;
	return put_ok(cci_put(out, 0, 0, 4));
}
