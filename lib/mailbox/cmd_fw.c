/* SPDX-License-Identifier: MIT */
/*
 * Firmware update (CXL 3.1 8.2.9.3): Get FW Info, Transfer FW, Activate FW.
 *
 * The device has MD_FW_SLOTS slots; slot 1 starts with the configured
 * revision and runs.  A package arrives whole (Full FW Transfer) or in
 * parts (Initiate, Continue..., End), each part a short background
 * operation; the package is verified when its last part arrives, and
 * stored in its slot when that part's background operation completes.
 * The library keeps no image bytes: it checks the package as it streams by.
 *
 * Package verification (vendor specific, 8.2.9.3.2), our rule:
 *  - an empty package fails;
 *  - a package that starts with the 8 bytes "CXLEMUFW" carries our header
 *    and must match it (all little-endian):
 *      00h  8  magic "CXLEMUFW"
 *      08h  4  package length, header included
 *      0Ch  4  CRC-32 (IEEE 802.3) of the bytes from 30h to the end
 *      10h  4  flags: bit 0 online activation fails and rolls back,
 *              bit 1 online activation fails and needs a cold reset;
 *              other bits zero
 *      14h 12  reserved, zero
 *      20h 16  revision: printable ASCII, NUL padded, not empty
 *    and the slot then reports that revision;
 *  - any other package passes (as QEMU accepts any image, so Linux's
 *    firmware upload of arbitrary test files works) and its slot reports
 *    the revision "img-XXXXXXXX", the CRC-32 of the whole package in hex.
 */
#include <string.h>

#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

#define OP_TRANSFER_FW 0x0201

/* Transfer FW actions (Table 8-58). */
enum { ACT_FULL, ACT_INIT, ACT_CONT, ACT_END, ACT_ABORT };

#define XFER_DATA 0x80u   /* data offset in the Transfer FW input */
#define XFER_UNIT 128u    /* the Offset field counts 128-byte units */
/* Parts more than 30 s apart abort the transfer (8.2.9.3.2). */
#define PART_TIMEOUT_NS (UINT64_C(30) * 1000000000u)
/* Simulated time a part takes: 1 ms plus 100 ns per byte. */
#define BG_BASE_NS UINT64_C(1000000)
#define BG_NS_PER_BYTE 100u

/* Our package header (see above). */
static const uint8_t fw_magic[8] = { 'C', 'X', 'L', 'E', 'M', 'U', 'F', 'W' };
#define HDR_LEN 0x08
#define HDR_CRC 0x0c
#define HDR_FLAGS 0x10
#define HDR_RSVD 0x14
#define HDR_REV 0x20
#define FAIL_ROLLBACK (1u << 0)
#define FAIL_COLD_RESET (1u << 1)

/* CRC-32 (reflected 0xEDB88320), four bits at a time. */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

static uint32_t crc_byte(uint32_t crc, uint8_t b)
{
	crc ^= b;
	crc = (crc >> 4) ^ crc_nibble[crc & 15];
	return (crc >> 4) ^ crc_nibble[crc & 15];
}

static void img_start(struct md_fw_img *img)
{
	memset(img, 0, sizeof(*img));
	img->crc_all = img->crc_body = UINT32_MAX;
}

/* Adds the part at @off (== img->len: parts arrive in order). */
static void img_feed(struct md_fw_img *img, uint64_t off, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t pos = off + i;

		img->crc_all = crc_byte(img->crc_all, p[i]);
		if (pos < MD_FW_HDR_SIZE)
			img->hdr[pos] = p[i];
		else
			img->crc_body = crc_byte(img->crc_body, p[i]);
	}
	img->len = off + n;
}

static bool rev_ok(const uint8_t *r)
{
	unsigned int i = 0;

	while (i < MD_FW_REV_LEN && r[i] >= 0x20 && r[i] < 0x7f)
		i++;
	if (!i)
		return false;
	for (; i < MD_FW_REV_LEN; i++)
		if (r[i])
			return false;
	return true;
}

/* Verifies a whole package; fills its revision and activation flags. */
static bool img_verify(const struct md_fw_img *img, char *rev, uint8_t *fail)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *h = img->hdr;
	uint32_t flags, crc;
	unsigned int i;

	*fail = 0;
	if (!img->len)
		return false;
	if (img->len < sizeof(fw_magic) || memcmp(h, fw_magic, sizeof(fw_magic))) {
		crc = ~img->crc_all;
		memset(rev, 0, MD_FW_REV_LEN);
		memcpy(rev, "img-", 4);
		for (i = 0; i < 8; i++)
			rev[4 + i] = hex[(crc >> (28 - 4 * i)) & 15];
		return true;
	}
	flags = (uint32_t)get_le(h + HDR_FLAGS, 4);
	if (img->len < MD_FW_HDR_SIZE || get_le(h + HDR_LEN, 4) != img->len ||
	    get_le(h + HDR_CRC, 4) != (uint32_t)~img->crc_body ||
	    flags & ~(FAIL_ROLLBACK | FAIL_COLD_RESET) || !rev_ok(h + HDR_REV))
		return false;
	for (i = HDR_RSVD; i < HDR_REV; i++)
		if (h[i])
			return false;
	memcpy(rev, h + HDR_REV, MD_FW_REV_LEN);
	*fail = (uint8_t)flags;
	return true;
}

static void xfer_abort(struct md_fw *fw)
{
	memset(&fw->xfer, 0, sizeof(fw->xfer));
	fw->gen++;
}

void md_fw_init(struct cxlemu_memdev *md)
{
	struct md_fw *fw = &md->fw;

	memset(fw, 0, sizeof(*fw));
	fw->active = 1;
	fw->filled = 1;
	memcpy(fw->rev[0], md->cfg.fw_revision, MD_FW_REV_LEN);
}

/* A cold reset runs the staged slot and aborts a mailbox's transfer. */
void md_fw_reset(struct cxlemu_memdev *md)
{
	struct md_fw *fw = &md->fw;

	if (fw->staged) {
		fw->active = fw->staged;
		fw->staged = 0;
	}
	if ((fw->xfer.active && fw->xfer.on_mailbox) ||
	    (fw->pending && fw->next.on_mailbox)) {
		xfer_abort(fw);
		fw->pending = false;
	}
}

/* Get FW Info (0200h), Table 8-56: 50h bytes. */
HANDLER(cci_get_fw_info)
{
	const struct md_fw *fw = &cci->md->fw;
	unsigned int s;

	(void)in;
	(void)in_len;
	if (out->cap < 0x50)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	memset(out->buf, 0, 0x50);
	out->buf[0] = MD_FW_SLOTS;
	out->buf[1] = (uint8_t)((fw->active & 7) | (fw->staged & 7) << 3);
	out->buf[2] = 1; /* online activation supported */
	for (s = 0; s < MD_FW_SLOTS; s++)
		if (fw->filled & (1u << s))
			memcpy(out->buf + 0x10 + 0x10 * s, fw->rev[s], MD_FW_REV_LEN);
	out->len = 0x50;
	return CXLEMU_MBOX_SUCCESS;
}

/* The part's background operation completes: apply it. */
static int fw_part_done(struct cxlemu_cci *cci, bool aborted)
{
	struct md_fw *fw = &cci->md->fw;
	unsigned int s;

	if (!fw->pending || fw->pending_cci != cci || fw->pending_gen != fw->gen) {
		if (fw->pending_cci == cci)
			fw->pending = false;
		return CXLEMU_MBOX_ABORTED; /* a reset aborted the transfer */
	}
	fw->pending = false;
	if (aborted) {
		/* Request Abort on a part aborts the whole package. */
		xfer_abort(fw);
		return CXLEMU_MBOX_ABORTED;
	}
	if (!fw->store_slot) {
		fw->xfer = fw->next;
		fw->xfer.last_ns = cci_now(cci);
		return CXLEMU_MBOX_SUCCESS;
	}
	memset(&fw->xfer, 0, sizeof(fw->xfer));
	s = fw->store_slot;
	/* Activated online meanwhile: the running slot is never overwritten. */
	if (s == fw->active)
		return CXLEMU_MBOX_INVALID_SLOT;
	fw->filled |= (uint8_t)(1u << (s - 1));
	memcpy(fw->rev[s - 1], fw->store_rev, MD_FW_REV_LEN);
	fw->fail[s - 1] = fw->store_fail;
	return CXLEMU_MBOX_SUCCESS;
}

static const struct cci_bg_ops fw_part_ops = { .finish = fw_part_done, .abortable = true };

/*
 * Transfer FW (0201h), Table 8-58: action, slot, offset (128-byte units)
 * at 04h, data from 80h.  Rules (8.2.9.3.2):
 *  - one transfer at a time per device: Full or Initiate while one is
 *    under way, or any part from another CCI, is FW Transfer in Progress;
 *  - parts come in order: each part starts where the previous one ended,
 *    or repeats it exactly (back-to-back retransmission); anything else,
 *    and Continue or End without a transfer, is FW Transfer Out of Order;
 *  - Initiate starts at offset 0, and Initiate and Continue carry whole
 *    128-byte units (so the next offset can be expressed): Invalid Input;
 *  - nothing goes past MD_FW_MAX_SIZE: Invalid Input;
 *  - Full and End name the slot: not 0, not above the count, not the
 *    running slot: Invalid Slot; the package must verify: FW Verification
 *    Failed, and the transfer stays as it was (End may be sent again);
 *  - Abort ends a transfer of this CCI (or none) at once.
 * A failing command changes nothing, except that a transfer whose parts
 * were more than 30 s apart is found aborted first.
 */
HANDLER(cci_transfer_fw)
{
	struct md_fw *fw = &cci->md->fw;
	unsigned int action = in[0], slot = in[1];
	uint64_t off = get_le(in + 4, 4) * XFER_UNIT, now = cci_now(cci);
	const uint8_t *data = in + XFER_DATA;
	size_t len = in_len - XFER_DATA;
	struct md_fw_xfer next;
	char rev[MD_FW_REV_LEN];
	uint8_t fail = 0;

	(void)out;
	if (action > ACT_ABORT)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (fw->pending)
		return fw->pending_cci == cci ? CXLEMU_MBOX_BUSY :
						CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS;
	if (fw->xfer.active && now > fw->xfer.last_ns &&
	    now - fw->xfer.last_ns > PART_TIMEOUT_NS) {
		cxlemu_dbg(cci->ctx, "fw: transfer timed out between parts");
		xfer_abort(fw);
	}
	if (fw->xfer.active && fw->xfer.owner != cci)
		return CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS;
	if (action == ACT_ABORT) {
		if (fw->xfer.active)
			xfer_abort(fw);
		return CXLEMU_MBOX_SUCCESS;
	}
	if (action == ACT_FULL)
		off = 0; /* ignored for a full transfer */
	if ((action == ACT_INIT || action == ACT_CONT) && len % XFER_UNIT)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (off > MD_FW_MAX_SIZE || len > MD_FW_MAX_SIZE - off)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (action == ACT_FULL || action == ACT_INIT) {
		if (fw->xfer.active)
			return CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS;
		if (off)
			return CXLEMU_MBOX_INVALID_INPUT;
		memset(&next, 0, sizeof(next));
		img_start(&next.img);
	} else {
		if (!fw->xfer.active)
			return CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER;
		next = fw->xfer;
		if (off == next.prev_off && len == next.prev_len)
			next.img = next.before; /* retransmission */
		else if (off != next.prev_off + next.prev_len)
			return CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER;
	}
	next.before = next.img;
	img_feed(&next.img, off, data, len);
	next.prev_off = off;
	next.prev_len = len;
	next.owner = cci;
	next.on_mailbox = cci->cfg.kind == CXLEMU_CCI_MAILBOX;
	next.active = action == ACT_INIT || action == ACT_CONT;
	if (action == ACT_FULL || action == ACT_END) {
		if (!slot || slot > MD_FW_SLOTS || slot == fw->active)
			return CXLEMU_MBOX_INVALID_SLOT;
		if (!img_verify(&next.img, rev, &fail)) {
			cxlemu_dbg(cci->ctx, "fw: package of %llu bytes failed verification",
				   (unsigned long long)next.img.len);
			return CXLEMU_MBOX_FW_VERIFICATION_FAILED;
		}
	}
	fw->next = next;
	fw->pending = true;
	fw->pending_cci = cci;
	fw->pending_gen = fw->gen;
	fw->store_slot = (uint8_t)(next.active ? 0 : slot);
	fw->store_fail = fail;
	if (!next.active)
		memcpy(fw->store_rev, rev, MD_FW_REV_LEN);
	return cci_bg_start(cci, OP_TRANSFER_FW, BG_BASE_NS + (uint64_t)len * BG_NS_PER_BYTE,
			    &fw_part_ops);
}

/*
 * Activate FW (0202h), Table 8-59: action (0 online, 1 at the next cold
 * reset), slot.  The slot must hold a package and not be the running one
 * (Invalid Slot).  A package whose header asks for it fails online
 * activation with Activation Failed (rolled back, or cold reset required);
 * either way the running slot stays.
 */
HANDLER(cci_activate_fw)
{
	struct md_fw *fw = &cci->md->fw;
	unsigned int action = in[0], slot = in[1];

	(void)in_len;
	(void)out;
	if (action > 1)
		return CXLEMU_MBOX_INVALID_INPUT;
	if (!slot || slot > MD_FW_SLOTS || slot == fw->active ||
	    !(fw->filled & (1u << (slot - 1))))
		return CXLEMU_MBOX_INVALID_SLOT;
	if (action == 1) {
		fw->staged = (uint8_t)slot;
		return CXLEMU_MBOX_SUCCESS;
	}
	if (fw->fail[slot - 1] & FAIL_ROLLBACK)
		return CXLEMU_MBOX_ACTIVATION_FAILED_ROLLED_BACK;
	if (fw->fail[slot - 1] & FAIL_COLD_RESET)
		return CXLEMU_MBOX_ACTIVATION_FAILED_COLD_RESET;
	fw->active = (uint8_t)slot;
	if (fw->staged == slot)
		fw->staged = 0;
	return CXLEMU_MBOX_SUCCESS;
}
