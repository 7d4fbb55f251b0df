/* SPDX-License-Identifier: MIT */
/**
 * @file hdm.h
 * @brief HDM decoder capability structure: registers and commit semantics.
 *
 * One struct cxlemu_hdm is the HDM Decoder Capability Structure of one
 * component (CXL 3.1 8.2.4.20): a host bridge, a switch upstream port or a
 * type-2/type-3 endpoint.  A front-end maps guest reads and writes of that
 * structure onto cxlemu_hdm_read() and cxlemu_hdm_write(); the library keeps
 * the registers and validates a commit the way hardware does, so a guest
 * sees Committed or Error Not Committed, never a half-programmed decoder.
 *
 * Register offsets are relative to the start of the capability structure:
 * capability at 0x00, global control at 0x04, decoder n at 0x10 + 0x20 * n
 * (base low/high, size low/high, control, target list or DPA skip low/high).
 * Accesses are 4 or 8 bytes wide and naturally aligned; reserved bits read 0
 * and ignore writes.
 *
 * @par Commit rules enforced
 * A decoder commits only when: its IW and IG are legal and supported by the
 * component (3/6/12 and 16 ways only with the capability; interleave address
 * bits 11:8 and 14:12 only with A11to8 / A14to12); base + size fits 52 bits;
 * decoder n-1 is committed and ends at or below decoder n's base; a switching
 * component interleaves over no more than its target count and every target
 * names one of its ports; an endpoint decoder's size is a multiple of
 * ways x 256 MiB and its DPA range (after the previous decoder's DPA range
 * and this decoder's DPA skip) lies inside one partition.  A locked decoder
 * (Lock On Commit) ignores writes until cxlemu_hdm_reset().
 *
 * Thread safety: single writer; readers of the decoded state must be
 * serialised with writes by the caller.  The hot path never reads these
 * registers: a change callback lets the owner rebuild route tables.
 */
#ifndef CXLEMU_HDM_H
#define CXLEMU_HDM_H

#include <stdbool.h>
#include <stdint.h>

#include <cxlemu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of struct cxlemu_hdm_config understood by this library. */
#define CXLEMU_HDM_CONFIG_VERSION 1
/** Most decoders one HDM capability can have (Decoder Count 0xC). */
#define CXLEMU_HDM_MAX_DECODERS 32
/** Most target list entries of a decoder (Target Count 8). */
#define CXLEMU_HDM_MAX_TARGETS 8
/** Most DPA partitions of an endpoint modelled here. */
#define CXLEMU_HDM_MAX_PARTITIONS 8
/** Size in bytes of the capability structure with @p n decoders. */
#define CXLEMU_HDM_SIZE(n) (0x10u + 0x20u * (n))

/** Which kind of component the decoders belong to. */
enum cxlemu_hdm_kind {
	CXLEMU_HDM_HOST_BRIDGE = 1, /**< decoders select a root port */
	CXLEMU_HDM_SWITCH = 2,      /**< decoders select a downstream port */
	CXLEMU_HDM_ENDPOINT = 3,    /**< decoders translate HPA to DPA */
};

/** Capability flags (HDM Decoder Capability register, 8.2.4.20.1). */
enum cxlemu_hdm_caps {
	CXLEMU_HDM_CAP_A11TO8 = 1u << 0,  /**< interleave on HPA bits 11:8 */
	CXLEMU_HDM_CAP_A14TO12 = 1u << 1, /**< interleave on HPA bits 14:12 */
	CXLEMU_HDM_CAP_3_6_12 = 1u << 2,  /**< 3, 6 and 12 way interleave */
	CXLEMU_HDM_CAP_16WAY = 1u << 3,   /**< 16 way interleave */
	CXLEMU_HDM_CAP_POISON = 1u << 4,  /**< poison on decode error */
};

/** Called after a decoder commits, uncommits, or the block resets. */
typedef void (*cxlemu_hdm_changed_fn)(void *opaque, unsigned int decoder);

/** What a component's HDM capability looks like. */
struct cxlemu_hdm_config {
	uint32_t version;  /**< CXLEMU_HDM_CONFIG_VERSION */
	uint32_t kind;     /**< enum cxlemu_hdm_kind */
	uint32_t decoders; /**< 1, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32 */
	uint32_t targets;  /**< switching components: 1, 2, 4 or 8 */
	uint32_t caps;     /**< enum cxlemu_hdm_caps flags */
	uint32_t nports;   /**< switching components: ports in @ref port_ids */
	/** Switching components: the Port Numbers of the ports below. */
	uint8_t port_ids[256];
	/** Endpoints: number of DPA partitions (volatile, persistent, ...). */
	uint32_t npartitions;
	uint32_t reserved; /**< zero */
	/** Endpoints: partition sizes in DPA order, 256 MiB multiples. */
	uint64_t partition_size[CXLEMU_HDM_MAX_PARTITIONS];
	/** Optional change callback. */
	cxlemu_hdm_changed_fn changed;
	/** Passed to @ref changed. */
	void *opaque;
};

/** One HDM decoder capability structure. Opaque. */
struct cxlemu_hdm;

/**
 * Creates an HDM decoder capability structure in its reset state.
 * @param ctx context for log messages; may be NULL
 * @param cfg configuration, copied
 * @param out receives the object, owned by the caller
 * @return 0, -EINVAL for an invalid configuration, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_hdm_new(struct cxlemu_ctx *ctx,
				 const struct cxlemu_hdm_config *cfg,
				 struct cxlemu_hdm **out);

/**
 * Frees an HDM capability structure.
 * @param hdm the object, or NULL
 */
CXLEMU_EXPORT void cxlemu_hdm_free(struct cxlemu_hdm *hdm);

/**
 * Reads a register.
 * @param hdm    the capability structure
 * @param offset byte offset in the structure, aligned to @p size
 * @param size   4 or 8
 * @param val    receives the value
 * @return 0, or -EINVAL for a bad width, misalignment or an offset beyond
 *         the structure
 */
CXLEMU_EXPORT int cxlemu_hdm_read(const struct cxlemu_hdm *hdm,
				  uint32_t offset, unsigned int size,
				  uint64_t *val);

/**
 * Writes a register.  Setting Commit validates the decoder; clearing it
 * uncommits.  A rejected commit is not an error of this call: it sets
 * Error Not Committed, as hardware does, and logs why.
 * @param hdm    the capability structure
 * @param offset byte offset, aligned to @p size
 * @param size   4 or 8
 * @param val    value
 * @return 0, or -EINVAL for a bad width, misalignment or offset
 */
CXLEMU_EXPORT int cxlemu_hdm_write(struct cxlemu_hdm *hdm, uint32_t offset,
				   unsigned int size, uint64_t val);

/**
 * Returns every register to its reset value (a conventional reset of the
 * component): decoders uncommitted and unlocked.
 * @param hdm the capability structure
 */
CXLEMU_EXPORT void cxlemu_hdm_reset(struct cxlemu_hdm *hdm);

/** Decoded state of one decoder. */
struct cxlemu_hdm_decoder {
	uint64_t base;       /**< HPA base */
	uint64_t size;       /**< HPA size */
	uint64_t dpa_skip;   /**< endpoints: DPA skip */
	uint64_t dpa_base;   /**< endpoints, committed: first DPA */
	uint32_t ways;       /**< interleave ways */
	uint32_t gran;       /**< interleave granularity in bytes */
	uint8_t eiw;         /**< encoded ways */
	uint8_t eig;         /**< encoded granularity */
	bool committed;      /**< Committed */
	bool error;          /**< Error Not Committed */
	bool locked;         /**< committed with Lock On Commit */
	bool hostonly;       /**< target type: host-only coherent (HDM-H) */
	uint8_t reserved[2]; /**< zero */
	/** Switching components: target port numbers by position. */
	uint8_t targets[CXLEMU_HDM_MAX_TARGETS];
};

/**
 * Reads the decoded state of decoder @p n.
 * @param hdm the capability structure
 * @param n   decoder index
 * @param out receives the state
 * @return 0, or -EINVAL for n out of range
 */
CXLEMU_EXPORT int cxlemu_hdm_decoder(const struct cxlemu_hdm *hdm,
				     unsigned int n,
				     struct cxlemu_hdm_decoder *out);

/**
 * Number of decoders of the structure.
 * @param hdm the capability structure
 * @return the decoder count
 */
CXLEMU_EXPORT unsigned int cxlemu_hdm_count(const struct cxlemu_hdm *hdm);

/**
 * Whether decoding is globally enabled (HDM Decoder Enable, endpoints) .
 * Host bridges and switches decode whenever a decoder is committed.
 * @param hdm the capability structure
 * @return true when committed decoders take effect
 */
CXLEMU_EXPORT bool cxlemu_hdm_enabled(const struct cxlemu_hdm *hdm);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_HDM_H */
