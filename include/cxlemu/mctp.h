/* SPDX-License-Identifier: MIT */
/**
 * @file mctp.h
 * @brief MCTP binding of a CCI: CXL FM API over MCTP (DMTF DSP0234,
 * message type 07h) and the CXL type-3 component command interface over
 * MCTP (DMTF DSP0281, message type 08h).
 *
 * An MCTP message body (what follows the MCTP transport header, once the
 * packets are reassembled) starts with the message type byte: bit 7 is
 * the integrity check flag (IC), bits 6:0 the type.  For both CXL types
 * the IC flag must be 0 and the rest of the body is one CCI message
 * (CXL 3.1 7.6.3, see cxlemu_cci_message()).
 *
 * A CCI answers exactly one message type, fixed by its kind:
 *  - CXLEMU_CCI_SWITCH and CXLEMU_CCI_LD_FM answer the FM API type (07h),
 *  - CXLEMU_CCI_MCTP (a type-3 device's out-of-band CCI) answers the
 *    component command type (08h),
 *  - CXLEMU_CCI_MAILBOX is no MCTP endpoint and answers none.
 * Anything else is dropped without a response, as MCTP does with messages
 * an endpoint does not take.
 *
 * The library does no I/O: the front-end owns the transport (I2C, I3C,
 * PCIe VDM, a socket), packetisation, endpoint IDs and tags of the MCTP
 * header; it hands whole message bodies in and sends the response body
 * back with the request's tag (tag owner cleared).
 *
 * Thread safety: as the CCI (single writer).
 */
#ifndef CXLEMU_MCTP_H
#define CXLEMU_MCTP_H

#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>
#include <cxlemu/mailbox.h>

#ifdef __cplusplus
extern "C" {
#endif

/** MCTP message type of CXL FM API messages (DSP0234). */
#define CXLEMU_MCTP_TYPE_FM_API 0x07u
/** MCTP message type of CXL component command messages (DSP0281). */
#define CXLEMU_MCTP_TYPE_CCI 0x08u
/** Integrity check flag of the message type byte. */
#define CXLEMU_MCTP_IC 0x80u

/**
 * The MCTP message type a CCI answers.
 * @param cci the CCI
 * @return CXLEMU_MCTP_TYPE_FM_API, CXLEMU_MCTP_TYPE_CCI, or -EINVAL for a
 *         CCI that is no MCTP endpoint (a PCI mailbox) or NULL
 */
CXLEMU_EXPORT int cxlemu_mctp_type(const struct cxlemu_cci *cci);

/**
 * Runs one MCTP message: checks the type byte, runs the CCI message that
 * follows it through cxlemu_cci_message() and writes the response body,
 * prefixed with the same type byte, to @p rsp.
 * @param cci     the CCI
 * @param req     the request body: type byte, then a CCI message
 * @param req_len its length
 * @param rsp     receives the response body (distinct from @p req)
 * @param rsp_cap its size; at least 1 + CXLEMU_CCI_MSG_HEADER
 * @param rsp_len receives the response length (0 when dropped)
 * @return 0 with a response in @p rsp; -EPROTONOSUPPORT for a message type
 *         this CCI does not answer; -EBADMSG for a message to drop (IC
 *         set, shorter than a CCI message header, not a request);
 *         -EINVAL for misuse of the call (NULL pointers, @p rsp_cap too
 *         small)
 */
CXLEMU_EXPORT int cxlemu_mctp_message(struct cxlemu_cci *cci, const uint8_t *req,
				      size_t req_len, uint8_t *rsp, size_t rsp_cap,
				      size_t *rsp_len);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_MCTP_H */
