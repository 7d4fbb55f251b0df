/* SPDX-License-Identifier: MIT */
/*
 * Sanitize and Media Operations commands: Sanitize (4400h, CXL 3.1
 * 8.2.9.9.5.1), Secure Erase (4401h, 8.2.9.9.5.2) and Media Operations
 * (4402h, CXL 3.2 8.2.10.9.5.3).  The library never touches guest memory:
 * it overwrites through the host's media_zero callback.
 */
#include <stdlib.h>
#include <string.h>

#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

#define OPCODE_SANITIZE 0x4400
#define OPCODE_MEDIA_OPERATIONS 0x4402

#define MIB (UINT64_C(1) << 20)

/* Simulated time to overwrite @bytes, saturating. */
static uint64_t zero_ns(uint64_t bytes)
{
	uint64_t mib = bytes / MIB + (bytes % MIB ? 1 : 0);

	return mib > UINT64_MAX / MD_ZERO_NS_PER_MIB ? UINT64_MAX : mib * MD_ZERO_NS_PER_MIB;
}

/* Bytes of user capacity: static capacity and the DC regions' usable
 * lengths. */
static uint64_t user_bytes(const struct cxlemu_memdev *md)
{
	uint64_t n = md_static_size(md);
	uint32_t i;

	for (i = 0; i < md->cfg.dc_nregions; i++)
		n += md->cfg.dc[i].len;
	return n;
}

static int host_zero(struct cxlemu_memdev *md, uint64_t dpa, uint64_t len)
{
	const struct cxlemu_memdev_host *h = &md->cfg.host;
	int rc;

	if (!len)
		return 0;
	rc = h->media_zero(h->opaque, dpa, len);
	if (rc)
		cxlemu_err(md->ctx, "memdev: host zeroing of %llu bytes at DPA 0x%llx failed (%d)",
			   (unsigned long long)len, (unsigned long long)dpa, rc);
	return rc;
}

/* Overwrites every byte of user capacity. */
static int zero_user(struct cxlemu_memdev *md)
{
	uint32_t i;
	int rc;

	rc = host_zero(md, 0, md_static_size(md));
	for (i = 0; !rc && i < md->cfg.dc_nregions; i++)
		rc = host_zero(md, md->cfg.dc[i].base, md->cfg.dc[i].len);
	return rc;
}

/* Zero bytes for the host LSA writes of sanitize (read-only). */
static const uint8_t lsa_zeroes[4096];

/* Sanitize covers the label storage area too (8.2.9.9.5.1: user data and
 * meta-data, wherever they reside). */
static int zero_lsa(struct cxlemu_memdev *md)
{
	const struct cxlemu_memdev_host *h = &md->cfg.host;
	uint64_t off, n;
	int rc;

	if (md->lsa) {
		memset(md->lsa, 0, md->cfg.lsa_size);
		return 0;
	}
	for (off = 0; off < md->cfg.lsa_size; off += n) {
		n = md->cfg.lsa_size - off;
		if (n > sizeof(lsa_zeroes))
			n = sizeof(lsa_zeroes);
		rc = h->lsa_write(h->opaque, off, lsa_zeroes, (size_t)n);
		if (rc) {
			cxlemu_err(md->ctx, "memdev: host LSA write at %llu failed (%d)",
				   (unsigned long long)off, rc);
			return rc;
		}
	}
	return 0;
}

/*
 * Sanitize completion: every byte of user capacity and the label storage
 * area overwritten, poison gone, media enabled again.  If the host fails
 * to overwrite, the operation ends with Internal Error and media stays
 * disabled, as 8.2.9.9.5.1 requires of a failed sanitize, until a Sanitize
 * succeeds; the poison is kept meanwhile.
 */
static int sanitize_finish(struct cxlemu_cci *cci, bool aborted)
{
	struct cxlemu_memdev *md = cci->md;

	(void)aborted; /* not abortable */
	md->media_bg = false;
	if (zero_user(md) || zero_lsa(md))
		return CXLEMU_MBOX_INTERNAL_ERROR;
	md_poison_clear_all(&md->poison);
	md->media_disabled = false;
	return CXLEMU_MBOX_SUCCESS;
}

/* A sanitize runs to its end: Request Abort Background Operation gets
 * Request Abort Not Supported. */
static const struct cci_bg_ops sanitize_ops = { .finish = sanitize_finish, .abortable = false };

/*
 * Sanitize (4400h), 8.2.9.9.5.1: a background operation whose duration
 * grows with the capacity; media is disabled from the start (commands that
 * access media get Media Disabled, the front-end fails accesses) until it
 * completes.  Allowed while media is disabled, so that a failed sanitize can
 * be retried.  No security state ever forbids it here: the device has no
 * passphrase and is never locked (Get Security State reports 0), so Invalid
 * Security State does not arise.
 */
HANDLER(cci_sanitize)
{
	struct cxlemu_memdev *md = cci->md;

	(void)in;
	(void)in_len;
	(void)out;
	if (!md->cfg.host.media_zero)
		return CXLEMU_MBOX_UNSUPPORTED;
	if (md->media_bg)
		return CXLEMU_MBOX_BUSY;
	md->media_disabled = true;
	md->media_bg = true;
	return cci_bg_start(cci, OPCODE_SANITIZE, zero_ns(user_bytes(md)), &sanitize_ops);
}

/*
 * Secure Erase (4401h), 8.2.9.9.5.2: erases all user data at once (a new
 * media encryption key on real devices: here, zeroes), not in the
 * background (Linux sends it as an ordinary command).  Poison goes with the
 * data.  A host that fails to zero gives Internal Error; the poison is
 * then kept.
 */
HANDLER(cci_secure_erase)
{
	struct cxlemu_memdev *md = cci->md;

	(void)in;
	(void)in_len;
	(void)out;
	if (!md->cfg.host.media_zero)
		return CXLEMU_MBOX_UNSUPPORTED;
	if (md->media_bg)
		return CXLEMU_MBOX_BUSY;
	if (zero_user(md))
		return CXLEMU_MBOX_INTERNAL_ERROR;
	md_poison_clear_all(&md->poison);
	return CXLEMU_MBOX_SUCCESS;
}

/* Media Operation classes and subclasses (CXL 3.2 8.2.10.9.5.3). */
#define MO_CLASS_GENERAL 0
#define MO_SUB_DISCOVERY 0
#define MO_CLASS_SANITIZE 1
#define MO_SUB_SANITIZE 0
#define MO_SUB_ZERO 1

/* The operations this device supports, in Discovery order. */
static const uint8_t mo_supported[][2] = {
	{ MO_CLASS_GENERAL, MO_SUB_DISCOVERY },
	{ MO_CLASS_SANITIZE, MO_SUB_SANITIZE },
	{ MO_CLASS_SANITIZE, MO_SUB_ZERO },
};
#define MO_NSUPPORTED CXLEMU_ARRAY_SIZE(mo_supported)

/* Input header: class, subclass, 2 reserved, DPA Range Count (4). */
#define MO_HDR 8u
/* Discovery: Start Index (2), Number of Operations (2) after the header. */
#define MO_DISCOVERY_IN (MO_HDR + 4u)
/* Discovery output: DPA Range Granularity (8), Total Supported Operations
 * (2), Number of Supported Operations returned (2), then 2-byte entries. */
#define MO_DISCOVERY_OUT 12u
/* DPA range list entry: Starting DPA (8), Length in bytes (8). */
#define MO_RANGE 16u

static int mo_discovery(const uint8_t *in, size_t in_len, struct cci_out *out)
{
	uint64_t count, start, num;
	size_t i, n;

	/* The length first: the fields below exist only then. */
	if (in_len != MO_DISCOVERY_IN)
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	count = get_le(in + 4, 4);
	start = get_le(in + 8, 2);
	num = get_le(in + 10, 2);
	/* Discovery takes no DPA ranges; the start index must be inside the
	 * list (an index at its end returns nothing). */
	if (count || start > MO_NSUPPORTED)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (out->cap < MO_DISCOVERY_OUT)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	n = MO_NSUPPORTED - (size_t)start;
	if (n > num)
		n = (size_t)num;
	if (n > (out->cap - MO_DISCOVERY_OUT) / 2)
		n = (out->cap - MO_DISCOVERY_OUT) / 2;
	put_le(out->buf, MD_POISON_LINE, 8);
	put_le(out->buf + 8, MO_NSUPPORTED, 2);
	put_le(out->buf + 10, n, 2);
	for (i = 0; i < n; i++) {
		out->buf[MO_DISCOVERY_OUT + 2 * i] = mo_supported[start + i][0];
		out->buf[MO_DISCOVERY_OUT + 2 * i + 1] = mo_supported[start + i][1];
	}
	out->len = MO_DISCOVERY_OUT + 2 * n;
	return CXLEMU_MBOX_SUCCESS;
}

/* Media Operation completion: each range overwritten and its poison
 * cleared, in order; a host failure ends it with Internal Error, the
 * ranges done so far staying done. */
static int mo_finish(struct cxlemu_cci *cci, bool aborted)
{
	struct cxlemu_memdev *md = cci->md;
	int rc = CXLEMU_MBOX_SUCCESS;
	size_t i;

	(void)aborted; /* not abortable */
	for (i = 0; i < md->mo_n; i++) {
		const struct md_range *r = &md->mo_ranges[i];

		if (host_zero(md, r->start, r->len) ||
		    md_poison_reserve(&md->poison,
				      md_poison_split_need(&md->poison, r->start, r->len))) {
			rc = CXLEMU_MBOX_INTERNAL_ERROR;
			break;
		}
		md_poison_remove(md, r->start, r->len);
	}
	free(md->mo_ranges);
	md->mo_ranges = NULL;
	md->mo_n = 0;
	md->media_bg = false;
	return rc;
}

static const struct cci_bg_ops mo_ops = { .finish = mo_finish, .abortable = false };

/* Sanitize or Zero of a list of DPA ranges: a background operation, not
 * abortable; media stays enabled (the operation is targeted). */
static int mo_ranges(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len)
{
	struct cxlemu_memdev *md = cci->md;
	uint64_t count = get_le(in + 4, 4), total = 0, ns;
	struct md_range *r;
	size_t i;

	/* The list is exactly what the payload carries. */
	if ((uint64_t)(in_len - MO_HDR) / MO_RANGE != count || (in_len - MO_HDR) % MO_RANGE)
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	if (md->media_disabled)
		return CXLEMU_MBOX_MEDIA_DISABLED;
	if (!md->cfg.host.media_zero)
		return CXLEMU_MBOX_UNSUPPORTED;
	if (md->media_bg)
		return CXLEMU_MBOX_BUSY;
	for (i = 0; i < count; i++) {
		uint64_t s = get_le(in + MO_HDR + i * MO_RANGE, 8);
		uint64_t l = get_le(in + MO_HDR + i * MO_RANGE + 8, 8);

		/* Granularity 64 bytes, inside the capacity. */
		if (s % MD_POISON_LINE || l % MD_POISON_LINE || !md_dpa_range_ok(md, s, l))
			return CXLEMU_MBOX_INVALID_INPUT;
		total = total + l < total ? UINT64_MAX : total + l;
	}
	/* Ranges may not overlap: each byte is overwritten once, and a guest
	 * cannot make one command overwrite the device thousands of times. */
	for (i = 0; i < count; i++) {
		uint64_t s = get_le(in + MO_HDR + i * MO_RANGE, 8);
		uint64_t l = get_le(in + MO_HDR + i * MO_RANGE + 8, 8);
		uint64_t k;

		for (k = i + 1; k < count; k++) {
			uint64_t s2 = get_le(in + MO_HDR + k * MO_RANGE, 8);
			uint64_t l2 = get_le(in + MO_HDR + k * MO_RANGE + 8, 8);

			if (s < s2 + l2 && s2 < s + l)
				return CXLEMU_MBOX_INVALID_INPUT;
		}
	}
	if (!count)
		return CXLEMU_MBOX_SUCCESS;
	r = calloc((size_t)count, sizeof(*r));
	if (!r)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	for (i = 0; i < count; i++) {
		r[i].start = get_le(in + MO_HDR + i * MO_RANGE, 8);
		r[i].len = get_le(in + MO_HDR + i * MO_RANGE + 8, 8);
	}
	md->mo_ranges = r;
	md->mo_n = (size_t)count;
	md->media_bg = true;
	ns = zero_ns(total);
	return cci_bg_start(cci, OPCODE_MEDIA_OPERATIONS, ns, &mo_ops);
}

/*
 * Media Operations (4402h), CXL 3.2 8.2.10.9.5.3: class 0 subclass 0
 * Discovery lists the supported operations; class 1 Sanitize (subclass 0)
 * and Zero (subclass 1) overwrite DPA ranges (both zero here).  Other
 * operations are Unsupported; reserved bytes must be zero.
 */
HANDLER(cci_media_operations)
{
	uint8_t cls = in[0], sub = in[1];

	if (get_le(in + 2, 2))
		return CXLEMU_MBOX_INVALID_INPUT;
	if (cls == MO_CLASS_GENERAL && sub == MO_SUB_DISCOVERY)
		return mo_discovery(in, in_len, out);
	if (cls == MO_CLASS_SANITIZE && (sub == MO_SUB_SANITIZE || sub == MO_SUB_ZERO))
		return mo_ranges(cci, in, in_len);
	return CXLEMU_MBOX_UNSUPPORTED;
}
