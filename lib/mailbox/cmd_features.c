/* SPDX-License-Identifier: MIT */
/*
 * Features (CXL 3.1 8.2.9.6): Get Supported Features, Get Feature, Set
 * Feature, for the memory device features this library models:
 *  - Device Patrol Scrub Control (8.2.9.9.11.1),
 *  - DDR5 Error Check Scrub (ECS) Control (8.2.9.9.11.2), MD_ECS_FRUS
 *    media FRUs.
 * The memdev keeps each feature's writable attributes (current and saved);
 * the readable attributes are built from them.  Every feature supports the
 * current, default and saved selections; a cold reset brings back the
 * saved values (deepest reset persistence: none).
 */
#include <string.h>

#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

/* Supported Feature Entry (Table 8-97). */
#define ENTRY_SIZE 48u
#define SUP_HDR 8u
#define ATTR_CHANGEABLE (1u << 0)
#define ATTR_PERSIST_FW_UPDATE (1u << 4)
#define ATTR_DEFAULT_SEL (1u << 5)
#define ATTR_SAVED_SEL (1u << 6)
#define SFE_CONFIG_NOW (1u << 1)
#define SFE_RESET_BITS_VALID (1u << 9) /* bits 11:10 are meaningful */

/* Get Feature selections (Table 8-99). */
enum { SEL_CURRENT, SEL_DEFAULT, SEL_SAVED };

/* Set Feature flags (Table 8-101). */
enum { XF_FULL, XF_INIT, XF_CONT, XF_FINISH, XF_ABORT };
#define SF_ACTION_MASK 0x7u
#define SF_SAVED (1u << 3)
#define SF_DATA 0x20u

struct feat_desc {
	uint8_t uuid[16];
	uint16_t get_size, set_size;
	uint8_t get_ver, set_ver;
	/* writable attributes at power-on */
	void (*defaults)(uint8_t *wr);
	/* whether writable attributes are acceptable; may normalise them */
	bool (*check)(uint8_t *wr);
	/* readable attributes from writable ones */
	void (*read)(const uint8_t *wr, uint8_t *rd);
};

/* Patrol scrub (8.2.9.9.11.1): writable = cycle hours, flags (bit 0
 * enable); readable = capabilities, cycle (7:0 current, 15:8 minimum),
 * flags. */
#define SCRUB_MIN_HOURS 1
#define SCRUB_DEFAULT_HOURS 12
#define SCRUB_CAP_CHANGEABLE (1u << 0)
#define SCRUB_CAP_REALTIME (1u << 1)

static void scrub_defaults(uint8_t *wr)
{
	wr[0] = SCRUB_DEFAULT_HOURS;
	wr[1] = 0;
}

static bool scrub_check(uint8_t *wr)
{
	return wr[0] >= SCRUB_MIN_HOURS && !(wr[1] & ~1u);
}

static void scrub_read(const uint8_t *wr, uint8_t *rd)
{
	rd[0] = SCRUB_CAP_CHANGEABLE | SCRUB_CAP_REALTIME;
	rd[1] = wr[0];
	rd[2] = SCRUB_MIN_HOURS;
	rd[3] = wr[1];
}

/* ECS (8.2.9.9.11.2): writable = log entry type (1:0: 0 per DRAM, 1 per
 * media FRU), then per FRU a 16-bit config (2:0 threshold count 3/4/5 for
 * 256/1024/4096, bit 3 count mode, bit 4 reset the counter: an action,
 * never stored); readable = log entry type, then per FRU capabilities
 * (bit 0 real-time report), config, flags. */
#define ECS_CAP_REALTIME 1u
#define ECS_THRESHOLD_256 3u
#define ECS_RESET_COUNTER (1u << 4)

static void ecs_defaults(uint8_t *wr)
{
	unsigned int f;

	wr[0] = 1;
	for (f = 0; f < MD_ECS_FRUS; f++)
		put_le(wr + 1 + 2 * f, ECS_THRESHOLD_256, 2);
}

static bool ecs_check(uint8_t *wr)
{
	unsigned int f;

	if (wr[0] > 1)
		return false;
	for (f = 0; f < MD_ECS_FRUS; f++) {
		uint16_t c = (uint16_t)get_le(wr + 1 + 2 * f, 2);

		if ((c & 7u) < 3 || (c & 7u) > 5 || c >> 5)
			return false;
	}
	for (f = 0; f < MD_ECS_FRUS; f++)
		wr[1 + 2 * f] &= (uint8_t)~ECS_RESET_COUNTER;
	return true;
}

static void ecs_read(const uint8_t *wr, uint8_t *rd)
{
	unsigned int f;

	rd[0] = wr[0];
	for (f = 0; f < MD_ECS_FRUS; f++) {
		rd[1 + 4 * f] = ECS_CAP_REALTIME;
		rd[2 + 4 * f] = wr[1 + 2 * f];
		rd[3 + 4 * f] = wr[2 + 2 * f];
		rd[4 + 4 * f] = 0;
	}
}

static const struct feat_desc feats[MD_FEATURES] = {
	{ /* 96dad7d6-fde8-482b-a733-75774e06db8a */
	  { 0x96, 0xda, 0xd7, 0xd6, 0xfd, 0xe8, 0x48, 0x2b,
	    0xa7, 0x33, 0x75, 0x77, 0x4e, 0x06, 0xdb, 0x8a },
	  4, 2, 1, 1, scrub_defaults, scrub_check, scrub_read },
	{ /* e5b13f22-2328-4a14-b8ba-b9691e893386 (as Linux and QEMU) */
	  { 0xe5, 0xb1, 0x3f, 0x22, 0x23, 0x28, 0x4a, 0x14,
	    0xb8, 0xba, 0xb9, 0x69, 0x1e, 0x89, 0x33, 0x86 },
	  1 + 4 * MD_ECS_FRUS, 1 + 2 * MD_ECS_FRUS, 1, 1, ecs_defaults, ecs_check,
	  ecs_read },
};

_Static_assert(1 + 4 * MD_ECS_FRUS <= MD_FEAT_MAX, "ECS attributes fit");

static int find_feat(const uint8_t *uuid)
{
	int i;

	for (i = 0; i < MD_FEATURES; i++)
		if (!memcmp(feats[i].uuid, uuid, 16))
			return i;
	return -1;
}

void md_features_init(struct cxlemu_memdev *md)
{
	unsigned int i;

	memset(&md->feat, 0, sizeof(md->feat));
	for (i = 0; i < MD_FEATURES; i++) {
		feats[i].defaults(md->feat.cur[i]);
		feats[i].defaults(md->feat.saved[i]);
	}
}

void md_features_reset(struct cxlemu_memdev *md)
{
	memcpy(md->feat.cur, md->feat.saved, sizeof(md->feat.cur));
	md->feat.xfer = false;
}

/*
 * Get Supported Features (0500h), Tables 8-95/8-96: Count (bytes of output
 * wanted, header included) and Starting Feature Index in; entries that fit
 * both Count and the response out.  Count below the 8-byte header or a
 * start past the last feature: Invalid Input.
 */
HANDLER(cci_get_supported_features)
{
	uint32_t count = (uint32_t)get_le(in, 4);
	unsigned int start = (unsigned int)get_le(in + 4, 2), n, i;
	size_t fit;

	(void)cci;
	(void)in_len;
	if (count < SUP_HDR || start >= MD_FEATURES)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (out->cap < SUP_HDR)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	n = (count - SUP_HDR) / ENTRY_SIZE;
	if (n > MD_FEATURES - start)
		n = MD_FEATURES - start;
	fit = (out->cap - SUP_HDR) / ENTRY_SIZE;
	if (n > fit)
		n = (unsigned int)fit;
	memset(out->buf, 0, SUP_HDR + (size_t)n * ENTRY_SIZE);
	put_le(out->buf, n, 2);
	put_le(out->buf + 2, MD_FEATURES, 2);
	for (i = 0; i < n; i++) {
		const struct feat_desc *f = &feats[start + i];
		uint8_t *e = out->buf + SUP_HDR + (size_t)i * ENTRY_SIZE;

		memcpy(e, f->uuid, 16);
		put_le(e + 0x10, start + i, 2);
		put_le(e + 0x12, f->get_size, 2);
		put_le(e + 0x14, f->set_size, 2);
		put_le(e + 0x16, ATTR_CHANGEABLE | ATTR_PERSIST_FW_UPDATE | ATTR_DEFAULT_SEL |
				 ATTR_SAVED_SEL, 4);
		e[0x1a] = f->get_ver;
		e[0x1b] = f->set_ver;
		put_le(e + 0x1c, SFE_CONFIG_NOW | SFE_RESET_BITS_VALID, 2);
	}
	out->len = SUP_HDR + (size_t)n * ENTRY_SIZE;
	return CXLEMU_MBOX_SUCCESS;
}

/*
 * Get Feature (0501h), Tables 8-99/8-100: UUID, offset, count, selection.
 * Unknown UUID: Unsupported; selection other than current, default or
 * saved: Unsupported Feature Selection Value; offset at or past the end of
 * the readable attributes: Invalid Input.  Returns the bytes from offset,
 * at most count; they must fit the response (Invalid Input otherwise).
 */
HANDLER(cci_get_feature)
{
	const struct cxlemu_memdev *md = cci->md;
	unsigned int off = (unsigned int)get_le(in + 16, 2);
	unsigned int count = (unsigned int)get_le(in + 18, 2), sel = in[20], n;
	uint8_t wr[MD_FEAT_MAX], rd[MD_FEAT_MAX];
	const struct feat_desc *f;
	int i = find_feat(in);

	(void)in_len;
	if (i < 0)
		return CXLEMU_MBOX_UNSUPPORTED;
	f = &feats[i];
	if (sel > SEL_SAVED)
		return CXLEMU_MBOX_UNSUPPORTED_FEATURE_SELECTION;
	if (off >= f->get_size)
		return CXLEMU_MBOX_INVALID_INPUT;
	n = f->get_size - off;
	if (n > count)
		n = count;
	if (n > out->cap)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (sel == SEL_DEFAULT)
		f->defaults(wr);
	else
		memcpy(wr, sel == SEL_SAVED ? md->feat.saved[i] : md->feat.cur[i], f->set_size);
	f->read(wr, rd);
	memcpy(out->buf, rd + off, n);
	out->len = n;
	return CXLEMU_MBOX_SUCCESS;
}

/*
 * Set Feature (0502h), Table 8-101: UUID, flags (2:0 data transfer, bit 3
 * saved across reset), offset, version, data from 20h.  The data lands at
 * offset in the writable attributes; a Full transfer or the Finish of a
 * transfer in parts checks and applies them (the saved flag of that last
 * command also makes them the saved values).  Rules:
 *  - reserved flag bits or transfer values: Invalid Input; unknown UUID:
 *    Unsupported; a version other than the feature's: Unsupported Feature
 *    Version; offset + data beyond the writable attributes: Invalid Input;
 *  - one transfer at a time per device: Full or Initiate while one is under
 *    way, or any part for another feature or from another CCI, is Feature
 *    Transfer in Progress;
 *  - Continue and Finish start where the previous part ended, or repeat it
 *    exactly; otherwise, or without a transfer: Feature Transfer Out of
 *    Order;
 *  - attribute values the feature does not accept: Invalid Input, and the
 *    transfer stays as it was;
 *  - Abort ends this CCI's transfer of this feature (or none).
 */
HANDLER(cci_set_feature)
{
	struct md_features *ft = &cci->md->feat;
	uint32_t flags = (uint32_t)get_le(in + 0x10, 4);
	unsigned int action = flags & SF_ACTION_MASK;
	size_t off = (size_t)get_le(in + 0x14, 2), len = in_len - SF_DATA;
	uint8_t buf[MD_FEAT_MAX], before[MD_FEAT_MAX];
	const struct feat_desc *f;
	int i;

	(void)out;
	if (flags & ~(SF_ACTION_MASK | SF_SAVED) || action > XF_ABORT)
		return CXLEMU_MBOX_INVALID_INPUT;
	i = find_feat(in);
	if (i < 0)
		return CXLEMU_MBOX_UNSUPPORTED;
	f = &feats[i];
	if (ft->xfer && (ft->owner != cci || ft->feat != (unsigned int)i))
		return CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS;
	if (action == XF_ABORT) {
		ft->xfer = false;
		return CXLEMU_MBOX_SUCCESS;
	}
	if (in[0x16] != f->set_ver)
		return CXLEMU_MBOX_UNSUPPORTED_FEATURE_VERSION;
	if (off > f->set_size || len > f->set_size - off)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (action == XF_FULL || action == XF_INIT) {
		if (ft->xfer)
			return CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS;
		memcpy(buf, ft->cur[i], MD_FEAT_MAX);
	} else {
		if (!ft->xfer)
			return CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER;
		if (off == ft->prev_off && len == ft->prev_len)
			memcpy(buf, ft->buf_before, MD_FEAT_MAX); /* retransmission */
		else if (off != (size_t)ft->prev_off + ft->prev_len)
			return CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER;
		else
			memcpy(buf, ft->buf, MD_FEAT_MAX);
	}
	memcpy(before, buf, MD_FEAT_MAX);
	memcpy(buf + off, in + SF_DATA, len);
	if (action == XF_INIT || action == XF_CONT) {
		ft->xfer = true;
		ft->feat = (unsigned int)i;
		ft->owner = cci;
		ft->prev_off = (uint16_t)off;
		ft->prev_len = (uint16_t)len;
		memcpy(ft->buf, buf, MD_FEAT_MAX);
		memcpy(ft->buf_before, before, MD_FEAT_MAX);
		return CXLEMU_MBOX_SUCCESS;
	}
	if (!f->check(buf))
		return CXLEMU_MBOX_INVALID_INPUT;
	memcpy(ft->cur[i], buf, MD_FEAT_MAX);
	if (flags & SF_SAVED)
		memcpy(ft->saved[i], buf, MD_FEAT_MAX);
	ft->xfer = false;
	return CXLEMU_MBOX_SUCCESS;
}
