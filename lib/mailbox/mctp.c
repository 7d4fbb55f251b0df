/* SPDX-License-Identifier: MIT */
/*
 * MCTP binding (DSP0234 FM API, DSP0281 component commands): the message
 * type byte around a CCI message (CXL 3.1 7.6.3).
 */
#include <cxlemu/mctp.h>

#include "cci_priv.h"

int cxlemu_mctp_type(const struct cxlemu_cci *cci)
{
	if (!cci)
		return -EINVAL;
	switch (cci->cfg.kind) {
	case CXLEMU_CCI_SWITCH:
	case CXLEMU_CCI_LD_FM:
		return CXLEMU_MCTP_TYPE_FM_API;
	case CXLEMU_CCI_MCTP:
		return CXLEMU_MCTP_TYPE_CCI;
	default:
		return -EINVAL;
	}
}

int cxlemu_mctp_message(struct cxlemu_cci *cci, const uint8_t *req, size_t req_len,
			uint8_t *rsp, size_t rsp_cap, size_t *rsp_len)
{
	int type, rc;

	if (!cci || !rsp_len || (req_len && !req) || !rsp ||
	    rsp_cap < 1 + CXLEMU_CCI_MSG_HEADER)
		return -EINVAL;
	*rsp_len = 0;
	if (!req_len) {
		cxlemu_dbg(cci->ctx, "mctp: empty message dropped");
		return -EBADMSG;
	}
	/* DSP0234/DSP0281: integrity check is not used by these types. */
	if (req[0] & CXLEMU_MCTP_IC) {
		cxlemu_dbg(cci->ctx, "mctp: message with IC set dropped");
		return -EBADMSG;
	}
	type = cxlemu_mctp_type(cci);
	if (type < 0 || req[0] != (unsigned int)type) {
		cxlemu_dbg(cci->ctx, "mctp: message type 0x%02x not answered here", req[0]);
		return -EPROTONOSUPPORT;
	}
	rc = cxlemu_cci_message(cci, req + 1, req_len - 1, rsp + 1, rsp_cap - 1, rsp_len);
	if (rc) {
		*rsp_len = 0;
		return -EBADMSG;
	}
	rsp[0] = (uint8_t)type;
	*rsp_len += 1;
	return 0;
}
