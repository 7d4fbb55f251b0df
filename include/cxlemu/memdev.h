/* SPDX-License-Identifier: MIT */
/**
 * @file memdev.h
 * @brief Type-3 memory device state behind the CCI's memory device
 * command sets (CXL 3.1 8.2.9.9).
 *
 * A struct cxlemu_memdev is what a type-3 device knows about itself beyond
 * its registers: capacity and partitions, the label storage area, health
 * and alert configuration, shutdown state, event logs, poison, firmware
 * slots, features, sanitize state and dynamic capacity.  Every CCI of the
 * device (its PCI mailbox, an MCTP endpoint, an FM-owned LD CCI) points at
 * the same memdev through struct cxlemu_cci_config::memdev, so a command
 * sent through any of them sees and changes the same device.
 *
 * The library never touches guest memory itself: it asks the host through
 * struct cxlemu_memdev_host (label storage, zeroing media for sanitize and
 * secure erase, event interrupts).
 *
 * Thread safety: single writer; a memdev and all its CCIs are driven from
 * one thread.
 */
#ifndef CXLEMU_MEMDEV_H
#define CXLEMU_MEMDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cxlemu_topo;

/** Capacity unit of the memory device commands: 256 MiB (8.2.9.9.1.1). */
#define CXLEMU_CAPACITY_UNIT (UINT64_C(256) << 20)

/** Host services of a memory device (all optional). */
struct cxlemu_memdev_host {
	/** Reads @p len bytes of the label storage area at @p off (always
	 * inside cxlemu_memdev_config::lsa_size).  Without it the LSA reads
	 * as kept in memory by the library.
	 * @param opaque the host's pointer
	 * @param off    byte offset
	 * @param buf    receives the bytes
	 * @param len    byte count
	 * @return 0, or a negative errno (reported as Internal Error) */
	int (*lsa_read)(void *opaque, uint64_t off, void *buf, size_t len);
	/** Writes the label storage area; see lsa_read.
	 * @param opaque the host's pointer
	 * @param off    byte offset
	 * @param buf    the bytes
	 * @param len    byte count
	 * @return 0, or a negative errno */
	int (*lsa_write)(void *opaque, uint64_t off, const void *buf, size_t len);
	/** Zeroes (or otherwise overwrites) device memory from @p dpa for
	 * @p len bytes: sanitize, secure erase and media operations.
	 * @param opaque the host's pointer
	 * @param dpa    device physical address
	 * @param len    byte count
	 * @return 0, or a negative errno */
	int (*media_zero)(void *opaque, uint64_t dpa, uint64_t len);
	/** Raises an event interrupt for event log @p log (0 informational,
	 * 1 warning, 2 failure, 3 fatal, 4 dynamic capacity) as set by Set
	 * Event Interrupt Policy.
	 * @param opaque the host's pointer
	 * @param log    event log
	 * @param mode   1 MSI/MSI-X, 2 firmware interrupt (8.2.9.2.4)
	 * @param vector interrupt message number or firmware vector */
	void (*event_irq)(void *opaque, unsigned int log, unsigned int mode,
			  unsigned int vector);
	/** Writes @p len bytes of device memory at @p dpa: the 64 bytes Clear
	 * Poison (8.2.9.9.4.3) stores in the line it clears.  Without it the
	 * poison is still cleared and the line keeps whatever the host holds.
	 * @param opaque the host's pointer
	 * @param dpa    device physical address, 64-byte aligned
	 * @param buf    the bytes
	 * @param len    byte count (64)
	 * @return 0, or a negative errno (the command then fails with Internal
	 *         Error and the poison stays) */
	int (*media_write)(void *opaque, uint64_t dpa, const void *buf, size_t len);
	/** Passed to the callbacks. */
	void *opaque;
};

/** Most dynamic capacity regions a device has (8.2.9.9.9.1). */
#define CXLEMU_DC_MAX_REGIONS 8

/** One dynamic capacity region. */
struct cxlemu_dc_region_desc {
	uint64_t base;         /**< DPA, multiple of 256 MiB */
	uint64_t decode_len;   /**< bytes, multiple of 256 MiB */
	uint64_t len;          /**< usable bytes, multiple of block_size */
	uint64_t block_size;   /**< power of two, 64 B .. 2 GiB */
	uint32_t dsmad_handle; /**< CDAT DSMAS handle */
	uint8_t flags;         /**< bit 3: sanitize on release */
	uint8_t reserved[3];   /**< zero */
};

/** Version of struct cxlemu_memdev_config understood by this library. */
#define CXLEMU_MEMDEV_CONFIG_VERSION 1

/** What a memory device is. Sizes are bytes, multiples of 256 MiB. */
struct cxlemu_memdev_config {
	uint32_t version;          /**< CXLEMU_MEMDEV_CONFIG_VERSION */
	uint32_t reserved0;        /**< zero */
	uint64_t volatile_size;    /**< volatile-only capacity */
	uint64_t persistent_size;  /**< persistent-only capacity */
	/** Capacity that Set Partition Info moves between volatile and
	 * persistent; 0 for none.  It starts volatile. */
	uint64_t partitionable_size;
	/** Partition alignment (multiple of 256 MiB); 0 when
	 * partitionable_size is 0. */
	uint64_t partition_align;
	uint64_t lsa_size;         /**< label storage area bytes, < 4 GiB */
	/** Revision of the firmware in slot 1, which runs at creation:
	 * ASCII, NUL padded (8.2.9.3.1). */
	char fw_revision[16];
	/** Dynamic capacity regions, above the static capacity. */
	uint32_t dc_nregions;
	uint32_t reserved1;        /**< zero */
	struct cxlemu_dc_region_desc dc[CXLEMU_DC_MAX_REGIONS]; /**< regions */
	struct cxlemu_memdev_host host; /**< host callbacks */
};

/** A type-3 memory device. Opaque. */
struct cxlemu_memdev;

/**
 * Fills @p cfg with defaults: version set, nothing else.
 * @param cfg configuration to reset
 */
CXLEMU_EXPORT void cxlemu_memdev_config_init(struct cxlemu_memdev_config *cfg);

/**
 * Fills the capacity, label storage and dynamic capacity of @p cfg from a
 * type-3 endpoint of a topology: its volatile and persistent sizes become
 * the volatile-only and persistent-only capacity, its DC size one dynamic
 * capacity region of 2 MiB blocks after them.  Host callbacks are left as
 * they are.
 * @param t   topology
 * @param id  component id of a type-3 endpoint
 * @param cfg configuration to fill
 * @return 0, or -EINVAL when @p id is not a type-3 endpoint
 */
CXLEMU_EXPORT int cxlemu_memdev_config_from_topo(const struct cxlemu_topo *t,
						 uint32_t id,
						 struct cxlemu_memdev_config *cfg);

/**
 * Creates a memory device.
 * @param ctx context (clock, logging); may be NULL
 * @param cfg configuration, copied
 * @param out receives the device, owned by the caller; free it after every
 *            CCI that points at it
 * @return 0, -EINVAL (the log says why), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_memdev_new(struct cxlemu_ctx *ctx,
				    const struct cxlemu_memdev_config *cfg,
				    struct cxlemu_memdev **out);

/**
 * Frees a memory device.
 * @param md the device, or NULL
 */
CXLEMU_EXPORT void cxlemu_memdev_free(struct cxlemu_memdev *md);

/**
 * Conventional (cold) reset: a pending partition change takes effect, a
 * firmware slot staged by Activate FW becomes the running one, features
 * return to their saved values, and firmware or feature transfers started
 * on the mailbox are aborted (8.2.9.3.2).
 * @param md the device
 */
CXLEMU_EXPORT void cxlemu_memdev_reset(struct cxlemu_memdev *md);

/**
 * Whether media is disabled (a sanitize or secure erase in progress); the
 * front-end then fails accesses to device memory.
 * @param md the device
 * @return true while media is disabled
 */
CXLEMU_EXPORT bool cxlemu_memdev_media_disabled(const struct cxlemu_memdev *md);

/**
 * The Event Status of the device (Device Status registers, 8.2.8.3.1): bit
 * n set while event log n (0 informational, 1 warning, 2 failure, 3 fatal,
 * 4 dynamic capacity) holds records.  Front-ends report it in the device's
 * Event Status register, which an OS reads when an event interrupt fires.
 * @param md the device
 * @return the bit mask (0 for NULL)
 */
CXLEMU_EXPORT uint32_t cxlemu_memdev_event_status(const struct cxlemu_memdev *md);

/** Health and error counters the host can set (8.2.9.9.3.1). */
struct cxlemu_memdev_health {
	uint8_t health_status;   /**< bit 0 maintenance needed, 1 perf degraded, 2 replace */
	uint8_t media_status;    /**< 0 normal, 1 not ready, 2 write persistency lost, ... */
	uint8_t life_used;       /**< percent, 0..100, or 0xff not implemented */
	uint8_t reserved;        /**< zero */
	int16_t temperature;     /**< degrees Celsius, or 0x7fff not implemented */
	uint16_t reserved2;      /**< zero */
	uint32_t corrected_volatile;   /**< corrected volatile error count */
	uint32_t corrected_persistent; /**< corrected persistent error count */
};

/**
 * Sets what Get Health Info reports (life used, temperature, counters).
 * Alerts configured with Set Alert Configuration are evaluated against it.
 * @param md the device
 * @param h  values, copied
 * @return 0, or -EINVAL for life used above 100 (other than 0xff)
 */
CXLEMU_EXPORT int cxlemu_memdev_set_health(struct cxlemu_memdev *md,
					   const struct cxlemu_memdev_health *h);

/**
 * Records a shutdown: a device whose shutdown state is dirty at that point
 * counts a dirty shutdown (Get Health Info) and stays dirty until software
 * marks it clean again with Set Shutdown State.
 * @param md the device
 */
CXLEMU_EXPORT void cxlemu_memdev_shutdown(struct cxlemu_memdev *md);

/** Granule of poison: every poisoned range is a multiple of 64 bytes. */
#define CXLEMU_POISON_GRANULE 64u

/** Error Source of a Media Error Record (8.2.9.9.4.1, Table 8-142). */
enum cxlemu_poison_source {
	CXLEMU_POISON_UNKNOWN = 0,  /**< unknown */
	CXLEMU_POISON_EXTERNAL = 1, /**< external: poison received from a source external to the device */
	CXLEMU_POISON_INTERNAL = 2, /**< internal: the device generated poison from an internal error */
	CXLEMU_POISON_INJECTED = 3, /**< injected (Inject Poison) */
	CXLEMU_POISON_VENDOR = 7,   /**< vendor specific */
};

/**
 * Whether any byte of [@p dpa, @p dpa + @p len) is poisoned: the front-end
 * asks on guest reads and returns poison for the access when it is.  It
 * sees all of the device's poison, including what overflowed the poison
 * list.
 * @param md  the device
 * @param dpa device physical address
 * @param len byte count (0 is never poisoned)
 * @return true when some byte of the range is poisoned
 */
CXLEMU_EXPORT bool cxlemu_memdev_poisoned(const struct cxlemu_memdev *md, uint64_t dpa,
					  uint64_t len);

/**
 * The first poisoned byte of [@p dpa, @p dpa + @p len).
 * @param md    the device
 * @param dpa   device physical address
 * @param len   byte count
 * @param first receives the lowest poisoned DPA in the range
 * @return 0, -ENOENT when nothing in the range is poisoned, -EINVAL for
 *         NULL pointers
 */
CXLEMU_EXPORT int cxlemu_memdev_first_poison(const struct cxlemu_memdev *md,
					     uint64_t dpa, uint64_t len, uint64_t *first);

/**
 * Poisons device memory as the host sees fit (what QEMU's cxl-inject-poison
 * command does): any 64-byte multiple inside the static capacity or one DC
 * region, not subject to the Inject Poison Limit.  Poison over poison of
 * another source takes the new source.  Records beyond the poison list's
 * capacity set its overflow state.
 * @param md     the device
 * @param dpa    device physical address, multiple of CXLEMU_POISON_GRANULE
 * @param len    bytes, a non-zero multiple of CXLEMU_POISON_GRANULE
 * @param source an enum cxlemu_poison_source value
 * @return 0; -EINVAL for an unaligned, empty or out-of-capacity range or an
 *         unknown source; -ENOSPC when the device tracks too many separate
 *         ranges; -ENOMEM.  Nothing changes on failure.
 */
CXLEMU_EXPORT int cxlemu_memdev_add_poison(struct cxlemu_memdev *md, uint64_t dpa,
					   uint64_t len, enum cxlemu_poison_source source);

/**
 * Clears poison from device memory (the host repaired or rewrote it).
 * Clearing lines that are not poisoned is not an error.
 * @param md  the device
 * @param dpa device physical address, multiple of CXLEMU_POISON_GRANULE
 * @param len bytes, a non-zero multiple of CXLEMU_POISON_GRANULE
 * @return 0; -EINVAL for an unaligned, empty or out-of-capacity range;
 *         -ENOSPC or -ENOMEM when splitting a range needs a record the
 *         device cannot have.  Nothing changes on failure.
 */
CXLEMU_EXPORT int cxlemu_memdev_clear_poison(struct cxlemu_memdev *md, uint64_t dpa,
					     uint64_t len);
/** Event logs of a device (CXL 3.1 8.2.9.2.2, Get Event Records). */
enum cxlemu_event_log {
	CXLEMU_EVENT_LOG_INFO = 0,    /**< informational */
	CXLEMU_EVENT_LOG_WARN = 1,    /**< warning */
	CXLEMU_EVENT_LOG_FAILURE = 2, /**< failure */
	CXLEMU_EVENT_LOG_FATAL = 3,   /**< fatal */
	CXLEMU_EVENT_LOG_DC = 4,      /**< dynamic capacity (only with DC regions) */
};

/** Event Record Flags beyond the severity (Table 8-43, bits 2..5). */
#define CXLEMU_EVENT_FLAG_PERMANENT (1u << 2)
/** Maintenance Needed. */
#define CXLEMU_EVENT_FLAG_MAINT_NEEDED (1u << 3)
/** Performance Degraded. */
#define CXLEMU_EVENT_FLAG_PERF_DEGRADED (1u << 4)
/** Hardware Replacement Needed. */
#define CXLEMU_EVENT_FLAG_HW_REPLACE (1u << 5)

/** Common event record header fields the host chooses (Table 8-43); the
 * library fills the UUID, length, severity (from the log), handle and
 * timestamp. */
struct cxlemu_event_common {
	uint32_t flags;          /**< CXLEMU_EVENT_FLAG_* bits, nothing else */
	uint16_t related_handle; /**< Related Event Record Handle, or 0 */
	uint8_t maint_op_class;  /**< Maintenance Operation Class, or 0 */
	uint8_t reserved;        /**< zero */
};

/** General Media Event Record (8.2.9.2.1.1, Table 8-45). */
struct cxlemu_event_gen_media {
	struct cxlemu_event_common hdr; /**< common header fields */
	/** Physical Address: DPA in bits 63:6; bit 0 volatile, bit 1 not
	 * repairable; bits 5:2 zero. */
	uint64_t phys_addr;
	uint8_t descriptor;       /**< Memory Event Descriptor */
	uint8_t type;             /**< Memory Event Type */
	uint8_t transaction_type; /**< Transaction Type */
	uint8_t channel;          /**< Channel */
	uint16_t validity_flags;  /**< Validity Flags */
	uint8_t rank;             /**< Rank */
	uint8_t cme_flags;        /**< Advanced Programmable CME Threshold Event Flags */
	uint32_t device;          /**< Device (24 bits) */
	uint32_t cme_count;       /**< Corrected Memory Error Count at Event (24 bits) */
	uint8_t component_id[16]; /**< Component Identifier */
	uint8_t sub_type;         /**< Memory Event Sub-Type */
	uint8_t reserved[7];      /**< zero */
};

/** DRAM Event Record (8.2.9.2.1.2, Table 8-46). */
struct cxlemu_event_dram {
	struct cxlemu_event_common hdr; /**< common header fields */
	/** Physical Address: DPA in bits 63:6; bit 0 volatile, bit 1 not
	 * repairable; bits 5:2 zero. */
	uint64_t phys_addr;
	uint8_t descriptor;       /**< Memory Event Descriptor */
	uint8_t type;             /**< Memory Event Type */
	uint8_t transaction_type; /**< Transaction Type */
	uint8_t channel;          /**< Channel */
	uint16_t validity_flags;  /**< Validity Flags */
	uint8_t rank;             /**< Rank */
	uint8_t bank_group;       /**< Bank Group */
	uint32_t nibble_mask;     /**< Nibble Mask (24 bits) */
	uint32_t row;             /**< Row (24 bits) */
	uint16_t column;          /**< Column */
	uint8_t bank;             /**< Bank */
	uint8_t sub_channel;      /**< Sub-channel */
	uint64_t correction_mask[4]; /**< Correction Mask, 4 x 64 bits */
	uint8_t component_id[16]; /**< Component Identifier */
	uint8_t cme_flags;        /**< Advanced Programmable CME Threshold Event Flags */
	uint8_t sub_type;         /**< Memory Event Sub-Type */
	uint8_t reserved[2];      /**< zero */
	uint32_t cvme_count;      /**< Corrected Volatile Memory Error Count at Event (24 bits) */
};

/** Memory Module Event Record (8.2.9.2.1.3, Table 8-47). */
struct cxlemu_event_mem_module {
	struct cxlemu_event_common hdr; /**< common header fields */
	uint8_t event_type;        /**< Device Event Type */
	uint8_t health_status;     /**< Device Health Information: Health Status */
	uint8_t media_status;      /**< Media Status */
	uint8_t additional_status; /**< Additional Status */
	uint8_t life_used;         /**< Life Used */
	uint8_t sub_type;          /**< Device Event Sub-Type */
	int16_t temperature;       /**< Device Temperature, degrees Celsius */
	uint32_t dirty_shutdowns;  /**< Dirty Shutdown Count */
	uint32_t corrected_volatile;   /**< Corrected Volatile Error Count */
	uint32_t corrected_persistent; /**< Corrected Persistent Error Count */
	uint16_t validity_flags;   /**< Validity Flags */
	uint8_t reserved[2];       /**< zero */
	uint8_t component_id[16];  /**< Component Identifier */
};

/**
 * Logs a General Media Event Record (UUID
 * fbcd0a77-c260-417f-85a9-088b1621eba6) in event log @p log; its severity
 * is the log's.  A full log drops the record and counts it in the log's
 * overflow counters, as a device does (8.2.9.2.2); that is not an error.
 * When the log's interrupt policy asks for one, the host's event_irq
 * callback runs.
 * @param md  the device
 * @param log CXLEMU_EVENT_LOG_INFO .. CXLEMU_EVENT_LOG_FATAL
 * @param ev  record fields, copied
 * @return 0 (logged or counted as overflow), or -EINVAL for a bad log, a
 *         field wider than its record field, or nonzero reserved bits
 */
CXLEMU_EXPORT int cxlemu_memdev_event_gen_media(struct cxlemu_memdev *md,
						unsigned int log,
						const struct cxlemu_event_gen_media *ev);

/**
 * Logs a DRAM Event Record (UUID 601dcbb3-9c06-4eab-b8af-4e9bfb5c9624);
 * see cxlemu_memdev_event_gen_media().
 * @param md  the device
 * @param log CXLEMU_EVENT_LOG_INFO .. CXLEMU_EVENT_LOG_FATAL
 * @param ev  record fields, copied
 * @return 0 (logged or counted as overflow), or -EINVAL
 */
CXLEMU_EXPORT int cxlemu_memdev_event_dram(struct cxlemu_memdev *md, unsigned int log,
					   const struct cxlemu_event_dram *ev);

/**
 * Logs a Memory Module Event Record (UUID
 * fe927475-dd59-4339-a586-79bab113b774); see
 * cxlemu_memdev_event_gen_media().
 * @param md  the device
 * @param log CXLEMU_EVENT_LOG_INFO .. CXLEMU_EVENT_LOG_FATAL
 * @param ev  record fields, copied
 * @return 0 (logged or counted as overflow), or -EINVAL
 */
CXLEMU_EXPORT int cxlemu_memdev_event_mem_module(struct cxlemu_memdev *md,
						 unsigned int log,
						 const struct cxlemu_event_mem_module *ev);

/**
 * Logs a record of any other kind (a vendor-specific one): the 16-byte
 * record identifier and up to 80 bytes of record data (zero padded); see
 * cxlemu_memdev_event_gen_media().
 * @param md   the device
 * @param log  CXLEMU_EVENT_LOG_INFO .. CXLEMU_EVENT_LOG_FATAL
 * @param uuid Event Record Identifier, in record byte order
 * @param hdr  common header fields, or NULL for none
 * @param data record data
 * @param len  its length, at most 80
 * @return 0 (logged or counted as overflow), or -EINVAL
 */
CXLEMU_EXPORT int cxlemu_memdev_event_raw(struct cxlemu_memdev *md, unsigned int log,
					  const uint8_t uuid[16],
					  const struct cxlemu_event_common *hdr,
					  const void *data, size_t len);

/** A dynamic capacity extent (8.2.9.2.1.6, Table 8-51). */
struct cxlemu_dc_extent {
	uint64_t dpa;        /**< Starting DPA, a multiple of the region's block size */
	uint64_t len;        /**< Length, a nonzero multiple of the block size */
	uint8_t tag[16];     /**< Tag */
	uint16_t shared_seq; /**< Shared Extent Sequence */
	uint8_t reserved[6]; /**< zero */
};

/**
 * Offers dynamic capacity to the host (what the fabric manager's Initiate
 * Dynamic Capacity Add asks of a device): queues one Add Capacity Dynamic
 * Capacity Event Record per extent in the DC event log (8.2.9.2.1.6), the
 * More flag set on all but the last.  The host answers with Add Dynamic
 * Capacity Response (8.2.9.9.9.3): the extents (or parts of them) it
 * accepts become backed; the rest of the offer goes back to the device.
 * Offers are answered oldest first.
 * @param md      the device
 * @param host_id Host ID of the records (0 for the device's only host)
 * @param region  DC region index every extent lies in
 * @param ext     extents: inside the region's usable length, block
 *                aligned, overlapping neither each other, accepted
 *                extents nor extents of pending offers
 * @param n       extent count, 1 .. 64
 * @return 0; -EINVAL for no DC, a bad region or extent (the log says
 *         why); -ENOSPC when the DC event log or the pending-offer store
 *         lacks room for them (nothing queued)
 */
CXLEMU_EXPORT int cxlemu_memdev_dc_add(struct cxlemu_memdev *md, uint16_t host_id,
				       unsigned int region,
				       const struct cxlemu_dc_extent *ext, uint32_t n);

/**
 * Asks the host to release dynamic capacity (Initiate Dynamic Capacity
 * Release): queues one Release Capacity event record per extent (More set
 * on all but the last); the host gives it back with Release Dynamic
 * Capacity (8.2.9.9.9.4).  A forced release takes the capacity away at
 * once and queues Forced Capacity Release records instead.  A region with
 * the sanitize-on-release flag has released ranges zeroed through the
 * host's media_zero callback.
 * @param md      the device
 * @param host_id Host ID of the records
 * @param region  DC region index every extent lies in
 * @param ext     extents, each wholly backed by accepted extents
 * @param n       extent count, 1 .. 64
 * @param forced  release now (Forced Capacity Release)
 * @return 0; -EINVAL for no DC, a bad region, or a range not backed;
 *         -ENOSPC when the DC event log lacks room for the records, or a
 *         forced release would split extents beyond what the device
 *         tracks (nothing changed)
 */
CXLEMU_EXPORT int cxlemu_memdev_dc_release(struct cxlemu_memdev *md, uint16_t host_id,
					   unsigned int region,
					   const struct cxlemu_dc_extent *ext, uint32_t n,
					   bool forced);

/**
 * Whether a DPA range is wholly backed by accepted dynamic capacity
 * extents; the front-end asks it on an access to a DC region.
 * @param md  the device
 * @param dpa first byte
 * @param len byte count, nonzero
 * @return true when every byte is backed
 */
CXLEMU_EXPORT bool cxlemu_memdev_dc_backed(const struct cxlemu_memdev *md, uint64_t dpa,
					   uint64_t len);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_MEMDEV_H */
