/* SPDX-License-Identifier: MIT */
/*
 * CCI messages (CXL 3.1 7.6.3): the 12-byte header used by switch CCIs,
 * tunnelling and MCTP around the same dispatcher as the mailbox.
 */
#include "cci_priv.h"
#include "../le.h"

#define CAT_REQUEST 0
#define CAT_RESPONSE 1
#define LEN_MASK 0x1fffffu /* bits 20:0 of the 3-byte length field */

int cxlemu_cci_message(struct cxlemu_cci *cci, const uint8_t *req, size_t req_len,
		       uint8_t *rsp, size_t rsp_cap, size_t *rsp_len)
{
	size_t plen, out_len = 0;
	uint16_t opcode;
	int rc;

	if (!cci || !rsp_len || (req_len && !req) || !rsp ||
	    rsp_cap < CXLEMU_CCI_MSG_HEADER)
		return -EINVAL;
	*rsp_len = 0;
	/* Only well-formed requests are answered. */
	if (req_len < CXLEMU_CCI_MSG_HEADER || (req[0] & 0x0f) != CAT_REQUEST) {
		cxlemu_dbg(cci->ctx, "cci: message of %zu bytes is not a request", req_len);
		return -EINVAL;
	}
	opcode = (uint16_t)(req[3] | req[4] << 8);
	plen = (size_t)get_le(req + 5, 3) & LEN_MASK;
	/* The payload must agree with the bytes and fit this CCI's message
	 * size (Identify's Maximum Supported Message Size). */
	if (plen != req_len - CXLEMU_CCI_MSG_HEADER || plen > cci->cfg.payload_size) {
		rc = CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	} else {
		rc = cxlemu_cci_execute(cci, opcode, req + CXLEMU_CCI_MSG_HEADER, plen,
					rsp + CXLEMU_CCI_MSG_HEADER,
					rsp_cap - CXLEMU_CCI_MSG_HEADER, &out_len);
		if (rc < 0) {
			rc = CXLEMU_MBOX_INTERNAL_ERROR;
			out_len = 0;
		}
	}
	rsp[0] = CAT_RESPONSE;
	rsp[1] = req[1]; /* the tag pairs the response with its request */
	rsp[2] = 0;
	rsp[3] = req[3];
	rsp[4] = req[4];
	rsp[5] = (uint8_t)out_len;
	rsp[6] = (uint8_t)(out_len >> 8);
	rsp[7] = (uint8_t)((out_len >> 16) & 0x1f);
	rsp[8] = (uint8_t)rc;
	rsp[9] = (uint8_t)(rc >> 8);
	rsp[10] = 0;
	rsp[11] = 0;
	*rsp_len = CXLEMU_CCI_MSG_HEADER + out_len;
	return 0;
}
