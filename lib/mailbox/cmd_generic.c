/* SPDX-License-Identifier: MIT */
/*
 * Generic component commands (CXL 3.1 8.2.9.1): Identify, Background
 * Operation Status, Get/Set Response Message Limit, Request Abort
 * Background Operation.
 */
#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

/* Identify (0001h), Table 8-38: 18 bytes of output. */
int cci_identify(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		 struct cci_out *out)
{
	const struct cxlemu_cci_config *c = &cci->cfg;
	unsigned int n = cci->payload_log2; /* Maximum Supported Message Size */

	(void)in;
	(void)in_len;
	if (!cci_put(out, 0x00, c->vendor_id, 2) || !cci_put(out, 0x02, c->device_id, 2) ||
	    !cci_put(out, 0x04, c->subsys_vendor_id, 2) ||
	    !cci_put(out, 0x06, c->subsys_id, 2) || !cci_put(out, 0x08, c->serial, 8) ||
	    !cci_put(out, 0x10, n, 1) || !cci_put(out, 0x11, c->component_type, 1))
		return CXLEMU_MBOX_INTERNAL_ERROR;
	return CXLEMU_MBOX_SUCCESS;
}

/* Background Operation Status (0002h), Table 8-40: 8 bytes. */
int cci_bg_status(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		  struct cci_out *out)
{
	(void)in;
	(void)in_len;
	if (!cci_put(out, 0, (uint64_t)(cci->bg_running ? 1 : 0) |
			      (uint64_t)(cci->bg_percent & 0x7f) << 1, 1) ||
	    !cci_put(out, 1, 0, 1) || !cci_put(out, 2, cci->bg_opcode, 2) ||
	    !cci_put(out, 4, cci->bg_rc, 2) || !cci_put(out, 6, 0, 2))
		return CXLEMU_MBOX_INTERNAL_ERROR;
	return CXLEMU_MBOX_SUCCESS;
}

/* Get Response Message Limit (0003h): 2^n bytes, n in 8..20. */
int cci_get_resp_limit(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		       struct cci_out *out)
{
	(void)in;
	(void)in_len;
	return cci_put(out, 0, cci->resp_limit, 1) ? CXLEMU_MBOX_SUCCESS :
						     CXLEMU_MBOX_INTERNAL_ERROR;
}

/* Set Response Message Limit (0004h): n from 8 to 20, and no larger than
 * this CCI's own message size; answers the limit in force. */
int cci_set_resp_limit(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		       struct cci_out *out)
{
	unsigned int n = in[0], max = cci->payload_log2;

	(void)in_len;
	if (n < 8 || n > 20)
		return CXLEMU_MBOX_INVALID_INPUT;
	cci->resp_limit = (uint8_t)(n < max ? n : max);
	return cci_put(out, 0, cci->resp_limit, 1) ? CXLEMU_MBOX_SUCCESS :
						     CXLEMU_MBOX_INTERNAL_ERROR;
}

/* Request Abort Background Operation (0005h). */
int cci_abort_bg(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		 struct cci_out *out)
{
	(void)in;
	(void)in_len;
	(void)out;
	return cci_bg_abort(cci);
}

/* Get Timestamp (0300h): 8 bytes, ns since 1970 as last set.  A memory
 * device keeps one timestamp for all its CCIs and its event records; a CCI
 * without one keeps its own. */
int cci_get_timestamp(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		      struct cci_out *out)
{
	uint64_t ts;

	if (cci->md)
		ts = md_timestamp(cci->md);
	else
		ts = cci->ts_set ? cci_now(cci) + (uint64_t)cci->ts_offset : 0;

	(void)in;
	(void)in_len;
	return cci_put(out, 0, ts, 8) ? CXLEMU_MBOX_SUCCESS : CXLEMU_MBOX_INTERNAL_ERROR;
}

/* Set Timestamp (0301h): 8 bytes in; the clock runs from there. */
int cci_set_timestamp(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		      struct cci_out *out)
{
	(void)in_len;
	(void)out;
	if (cci->md) {
		md_set_timestamp(cci->md, get_le(in, 8));
		return CXLEMU_MBOX_SUCCESS;
	}
	cci->ts_offset = (int64_t)(get_le(in + 0, 8) - cci_now(cci));
	cci->ts_set = true;
	return CXLEMU_MBOX_SUCCESS;
}
