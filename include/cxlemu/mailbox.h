/* SPDX-License-Identifier: MIT */
/**
 * @file mailbox.h
 * @brief Component Command Interface (CCI): command dispatcher and the
 * memory-mapped mailbox register transport.
 *
 * One struct cxlemu_cci is one CCI of a component (CXL 3.1 8.2.8.4, 8.2.9):
 * the host's PCI mailbox of a device, a switch CCI, an FM-owned LD's CCI or
 * an MCTP endpoint.  Commands come in as (command set, command, payload),
 * from the register interface (cxlemu_cci_reg_read() / _write()) or
 * directly (cxlemu_cci_execute()), and are dispatched from one table: the
 * dispatcher checks what every command has in common (that the command
 * exists and this CCI may run it, the input length rule, one background
 * operation at a time), handlers validate the rest against the input length
 * before acting, and write into a separate output buffer.  The Command
 * Effects Log is generated from the same table.
 *
 * Background operations take simulated time: the library never runs a
 * thread or timer; it asks the host to call cxlemu_cci_poll() at a given
 * time (struct cxlemu_cci_host::schedule) and reads the clock through the
 * context.
 *
 * Thread safety: single writer; a CCI is driven from one thread.
 */
#ifndef CXLEMU_MAILBOX_H
#define CXLEMU_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>
#include <cxlemu/memdev.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cxlemu_switch;
struct cxlemu_mld;

/** Mailbox return codes (CXL 3.1 8.2.8.4.5.1, Table 8-34). */
enum cxlemu_mbox_rc {
	CXLEMU_MBOX_SUCCESS = 0x0,           /**< success */
	CXLEMU_MBOX_BG_STARTED = 0x1,        /**< background command started */
	CXLEMU_MBOX_INVALID_INPUT = 0x2,     /**< invalid input */
	CXLEMU_MBOX_UNSUPPORTED = 0x3,       /**< unsupported */
	CXLEMU_MBOX_INTERNAL_ERROR = 0x4,    /**< internal error */
	CXLEMU_MBOX_RETRY_REQUIRED = 0x5,    /**< retry required */
	CXLEMU_MBOX_BUSY = 0x6,              /**< busy */
	CXLEMU_MBOX_MEDIA_DISABLED = 0x7,    /**< media disabled */
	CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS = 0x8, /**< FW transfer in progress */
	CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER = 0x9, /**< FW transfer out of order */
	CXLEMU_MBOX_FW_VERIFICATION_FAILED = 0xa, /**< FW verification failed */
	CXLEMU_MBOX_INVALID_SLOT = 0xb,      /**< invalid slot */
	CXLEMU_MBOX_ACTIVATION_FAILED_ROLLED_BACK = 0xc, /**< FW activation failed, rolled back */
	CXLEMU_MBOX_ACTIVATION_FAILED_COLD_RESET = 0xd, /**< FW activation failed, cold reset required */
	CXLEMU_MBOX_INVALID_HANDLE = 0xe,    /**< invalid handle */
	CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS = 0xf, /**< invalid physical address */
	CXLEMU_MBOX_INJECT_POISON_LIMIT = 0x10, /**< inject poison limit reached */
	CXLEMU_MBOX_PERMANENT_MEDIA_FAILURE = 0x11, /**< permanent media failure */
	CXLEMU_MBOX_ABORTED = 0x12,          /**< aborted */
	CXLEMU_MBOX_INVALID_SECURITY_STATE = 0x13, /**< invalid security state */
	CXLEMU_MBOX_INCORRECT_PASSPHRASE = 0x14, /**< incorrect passphrase */
	CXLEMU_MBOX_UNSUPPORTED_CCI = 0x15,  /**< unsupported mailbox or CCI */
	CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH = 0x16, /**< invalid payload length */
	CXLEMU_MBOX_INVALID_LOG = 0x17,      /**< invalid log */
	CXLEMU_MBOX_INTERRUPTED = 0x18,      /**< interrupted */
	CXLEMU_MBOX_UNSUPPORTED_FEATURE_VERSION = 0x19, /**< unsupported feature version */
	CXLEMU_MBOX_UNSUPPORTED_FEATURE_SELECTION = 0x1a, /**< unsupported feature selection value */
	CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS = 0x1b, /**< feature transfer in progress */
	CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER = 0x1c, /**< feature transfer out of order */
	CXLEMU_MBOX_RESOURCES_EXHAUSTED = 0x1d, /**< resources exhausted */
	CXLEMU_MBOX_INVALID_EXTENT_LIST = 0x1e, /**< invalid extent list */
	CXLEMU_MBOX_TRANSFER_OUT_OF_ORDER = 0x1f, /**< transfer out of order */
	CXLEMU_MBOX_REQUEST_ABORT_NOT_SUPPORTED = 0x20, /**< abort not supported */
};

/**
 * The name of a mailbox return code, as Table 8-34 of CXL 3.1 calls it
 * ("Invalid Input").
 * @param rc a return code (enum cxlemu_mbox_rc)
 * @return a static string; "Unknown Return Code" for a value the table
 *         does not define
 */
CXLEMU_EXPORT const char *cxlemu_mbox_rc_name(int rc);

/** Kinds of CCI; a command lists the kinds that may run it. */
enum cxlemu_cci_kind {
	CXLEMU_CCI_MAILBOX = 1u << 0, /**< the host's PCI mailbox */
	CXLEMU_CCI_SWITCH = 1u << 1,  /**< a switch's mailbox CCI */
	CXLEMU_CCI_LD_FM = 1u << 2,   /**< an FM-owned LD's CCI */
	CXLEMU_CCI_MCTP = 1u << 3,    /**< an MCTP (out-of-band) endpoint */
};

/** Smallest payload a mailbox may have (8.2.8.4.3). */
#define CXLEMU_MBOX_MIN_PAYLOAD 256u
/** Largest payload a mailbox may have (1 MiB). */
#define CXLEMU_MBOX_MAX_PAYLOAD (1u << 20)
/** Offset of the payload in the mailbox registers (8.2.8.4). */
#define CXLEMU_MBOX_PAYLOAD_OFFSET 0x20u

/** Host services a CCI needs (all optional). */
struct cxlemu_cci_host {
	/** Raise the mailbox interrupt (doorbell or background completion).
	 * @param opaque the host's pointer */
	void (*irq)(void *opaque);
	/** Ask the host to call cxlemu_cci_poll() at @p when_ns (host clock).
	 * @param opaque  the host's pointer
	 * @param when_ns time of the next poll */
	void (*schedule)(void *opaque, uint64_t when_ns);
	/** Passed to the callbacks. */
	void *opaque;
};

/** Version of struct cxlemu_cci_config understood by this library. */
#define CXLEMU_CCI_CONFIG_VERSION 1

/** What a CCI is and what its component reports. */
struct cxlemu_cci_config {
	uint32_t version;      /**< CXLEMU_CCI_CONFIG_VERSION */
	uint32_t kind;         /**< one enum cxlemu_cci_kind value */
	uint32_t payload_size; /**< power of two, 256 B to 1 MiB */
	uint8_t component_type; /**< Identify: 0 switch, 3 type 3, ... */
	/** Identify Switch Device's Ingress Port ID: the physical port a
	 * switch CCI is reached through, or the index of the management bus
	 * for MCTP (7.6.7.1.1). */
	uint8_t ingress_port;
	uint8_t reserved[2];   /**< zero */
	uint16_t vendor_id;    /**< PCI Vendor ID */
	uint16_t device_id;    /**< PCI Device ID */
	uint16_t subsys_vendor_id; /**< PCI Subsystem Vendor ID */
	uint16_t subsys_id;    /**< PCI Subsystem ID */
	uint64_t serial;       /**< device serial number */
	struct cxlemu_cci_host host; /**< host callbacks */
	/** The memory device behind this CCI (borrowed; it must outlive the
	 * CCI), or NULL: the memory device command sets (8.2.9.9) and the
	 * device-level logs, events, firmware and features answer Unsupported
	 * without one.  Several CCIs may share one memdev. */
	struct cxlemu_memdev *memdev;
	/** The switch behind this CCI (borrowed; it must outlive the CCI), or
	 * NULL: the FM-API Physical Switch and Virtual Switch command sets
	 * (7.6.7.1, 7.6.7.2) answer Unsupported without one.  A switch's
	 * mailbox CCI and its MCTP endpoint may share one switch. */
	struct cxlemu_switch *fabric_switch;
	/** The multi-logical device behind this CCI (borrowed; it must
	 * outlive the CCI), or NULL: the FM-owned LD's CCI of an MLD (kind
	 * CXLEMU_CCI_LD_FM, or MCTP when the FM reaches the MLD out of band)
	 * runs the MLD Component command set (7.6.7.4) and tunnels to the
	 * MLD's LDs with it; without one they answer Unsupported. */
	struct cxlemu_mld *mld;
};

/** A Component Command Interface. Opaque. */
struct cxlemu_cci;

/**
 * Creates a CCI.
 * @param ctx context (clock, logging); may be NULL (clock reads 0)
 * @param cfg configuration, copied
 * @param out receives the CCI, owned by the caller
 * @return 0, -EINVAL, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_cci_new(struct cxlemu_ctx *ctx,
				 const struct cxlemu_cci_config *cfg,
				 struct cxlemu_cci **out);

/**
 * Frees a CCI.
 * @param cci the CCI, or NULL
 */
CXLEMU_EXPORT void cxlemu_cci_free(struct cxlemu_cci *cci);

/**
 * Runs one command.
 * @param cci     the CCI
 * @param opcode  command set << 8 | command
 * @param in      input payload (may be NULL when @p in_len is 0)
 * @param in_len  input length
 * @param out     output buffer, distinct from @p in
 * @param out_cap its size
 * @param out_len receives the output length
 * @return a mailbox return code (enum cxlemu_mbox_rc, >= 0), or a negative
 *         errno for misuse of this call (NULL pointers)
 */
CXLEMU_EXPORT int cxlemu_cci_execute(struct cxlemu_cci *cci, uint16_t opcode,
				     const void *in, size_t in_len, void *out,
				     size_t out_cap, size_t *out_len);

/**
 * Advances background operations to the host clock; call it when the host
 * scheduled a poll (or at any time).
 * @param cci the CCI
 */
CXLEMU_EXPORT void cxlemu_cci_poll(struct cxlemu_cci *cci);

/**
 * Size of the mailbox register block: 0x20 bytes of registers, then the
 * payload.
 * @param cci the CCI
 * @return bytes
 */
CXLEMU_EXPORT uint32_t cxlemu_cci_reg_size(const struct cxlemu_cci *cci);

/**
 * Reads a mailbox register or payload bytes (8.2.8.4): capabilities (0x00),
 * control (0x04), command (0x08), status (0x10), background command status
 * (0x18), payload (0x20...).
 * @param cci    the CCI
 * @param offset byte offset, aligned to @p size
 * @param size   1, 2, 4 or 8
 * @param val    receives the value
 * @return 0, or -EINVAL for a bad width, alignment or offset
 */
CXLEMU_EXPORT int cxlemu_cci_reg_read(struct cxlemu_cci *cci, uint32_t offset,
				      unsigned int size, uint64_t *val);

/**
 * Writes a mailbox register or payload bytes.  Setting the doorbell runs
 * the command in the command register on the payload, then clears the
 * doorbell (and raises the interrupt when enabled).
 * @param cci    the CCI
 * @param offset byte offset, aligned to @p size
 * @param size   1, 2, 4 or 8
 * @param val    value
 * @return 0, or -EINVAL for a bad width, alignment or offset
 */
CXLEMU_EXPORT int cxlemu_cci_reg_write(struct cxlemu_cci *cci, uint32_t offset,
				       unsigned int size, uint64_t val);

/** Size of the CCI message header (CXL 3.1 7.6.3). */
#define CXLEMU_CCI_MSG_HEADER 12u

/**
 * Runs one CCI message, the framing switch CCIs, tunnelled commands and
 * MCTP carry (7.6.3): a 12-byte header (category, tag, command, command
 * set, 21-bit payload length, return code, vendor status) and the payload.
 * A request with a payload length that disagrees with the bytes received
 * gets a response with Invalid Payload Length; anything that is not a
 * request (too short, category not 0) gets no response.
 * @param cci     the CCI
 * @param req     the request message
 * @param req_len its length
 * @param rsp     receives the response message (distinct from @p req)
 * @param rsp_cap its size; at least CXLEMU_CCI_MSG_HEADER
 * @param rsp_len receives the response length
 * @return 0 with a response in @p rsp, or -EINVAL when no response is due
 *         (or for misuse of the call)
 */
CXLEMU_EXPORT int cxlemu_cci_message(struct cxlemu_cci *cci, const uint8_t *req,
				     size_t req_len, uint8_t *rsp, size_t rsp_cap,
				     size_t *rsp_len);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_MAILBOX_H */
