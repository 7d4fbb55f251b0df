/* SPDX-License-Identifier: MIT */
/**
 * @file acpi.h
 * @brief CEDT (CXL Early Discovery Table) generation and parsing.
 *
 * The CEDT (CXL 3.1 9.18) tells the OS where the CXL host bridges' register
 * blocks are (CHBS, 9.18.1.2), which fixed memory windows exist and how they
 * interleave across host bridges (CFMWS, 9.18.1.3) and, for XOR windows,
 * the XOR maps (CXIMS, 9.18.1.4).  cxlemu_cedt_build() makes the table from
 * a topology, in the layout QEMU produces: CHBS records in the order of
 * the host bridges' register blocks, then CFMWS records in window order,
 * then one CXIMS per granularity used by an XOR window.  For the topology
 * of QEMU 10.0's q35 CXL test the table is byte-identical to QEMU's (the
 * test command fetches QEMU's expected table and compares).  cxlemu_cedt_parse() validates and decodes any
 * CEDT.
 */
#ifndef CXLEMU_ACPI_H
#define CXLEMU_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>
#include <cxlemu/decode.h>
#include <cxlemu/topology.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of struct cxlemu_cedt_opts understood by this library. */
#define CXLEMU_CEDT_OPTS_VERSION 1
/** Size of one host bridge's component register block (CHBS Length). */
#define CXLEMU_CHBS_BLOCK_SIZE 0x10000u

/** Header fields and placement for a CEDT. */
struct cxlemu_cedt_opts {
	uint32_t version;          /**< CXLEMU_CEDT_OPTS_VERSION */
	uint32_t oem_revision;     /**< OEM Revision */
	char oem_id[6];            /**< OEM ID, space padded ("BOCHS ") */
	char oem_table_id[8];      /**< OEM Table ID ("BXPC    ") */
	char creator_id[4];        /**< Creator ID ("BXPC") */
	uint32_t creator_revision; /**< Creator Revision */
	/** Register block of the first host bridge; host bridge i (in
	 * component order) is at chbs_base + i * CXLEMU_CHBS_BLOCK_SIZE. */
	uint64_t chbs_base;
};

/**
 * Fills @p o with QEMU's defaults: OEM "BOCHS ", "BXPC    ", revision 1,
 * creator "BXPC" revision 1, and @p chbs_base.
 * @param o         receives the options
 * @param chbs_base register block of the first host bridge
 */
CXLEMU_EXPORT void cxlemu_cedt_opts_default(struct cxlemu_cedt_opts *o,
					    uint64_t chbs_base);

/**
 * Builds the CEDT of a topology.
 * @param t    topology
 * @param o    header fields and placement
 * @param out  receives the table, to be freed with cxlemu_cedt_buf_free()
 * @param len  receives its length in bytes
 * @return 0, -EINVAL (bad options, XOR windows of one granularity with
 *         different maps, a table over 64 KiB of records), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_cedt_build(const struct cxlemu_topo *t,
				    const struct cxlemu_cedt_opts *o,
				    uint8_t **out, size_t *len);

/**
 * Frees a table made by cxlemu_cedt_build().
 * @param buf the table, or NULL
 */
CXLEMU_EXPORT void cxlemu_cedt_buf_free(uint8_t *buf);

/** A decoded CHBS. */
struct cxlemu_cedt_chbs {
	uint32_t uid;         /**< host bridge _UID */
	uint32_t cxl_version; /**< 0: CXL 1.1 (RCRB), 1: CXL 2.0 or later */
	uint64_t base;        /**< register block base */
	uint64_t length;      /**< register block length */
};

/** A decoded CFMWS. */
struct cxlemu_cedt_cfmws {
	uint64_t base;         /**< Base HPA */
	uint64_t size;         /**< Window Size */
	uint32_t eiw;          /**< encoded host bridge interleave ways */
	uint32_t ways;         /**< decoded ways */
	uint32_t eig;          /**< encoded host bridge granularity */
	uint32_t gran;         /**< decoded granularity in bytes */
	uint32_t arith;        /**< enum cxlemu_arith */
	uint32_t restrictions; /**< Window Restrictions */
	uint32_t qtg_id;       /**< QTG ID */
	uint32_t reserved;     /**< zero */
	uint32_t targets[CXLEMU_MAX_WAYS]; /**< host bridge UIDs */
};

/** A decoded CXIMS. */
struct cxlemu_cedt_cxims {
	uint32_t eig;   /**< encoded granularity the maps apply to */
	uint32_t nmaps; /**< number of XOR maps */
	uint64_t maps[CXLEMU_MAX_XORMAPS]; /**< the maps */
};

/** A decoded CEDT. */
struct cxlemu_cedt {
	uint32_t length;           /**< table length from the header */
	uint32_t revision;         /**< header revision */
	char oem_id[7];            /**< NUL-terminated */
	char oem_table_id[9];      /**< NUL-terminated */
	uint32_t oem_revision;     /**< OEM Revision */
	char creator_id[5];        /**< NUL-terminated */
	uint32_t creator_revision; /**< Creator Revision */
	uint32_t nchbs;            /**< CHBS records */
	uint32_t ncfmws;           /**< CFMWS records */
	uint32_t ncxims;           /**< CXIMS records */
	uint32_t nunknown;         /**< records of other types, skipped */
	struct cxlemu_cedt_chbs *chbs;   /**< nchbs records */
	struct cxlemu_cedt_cfmws *cfmws; /**< ncfmws records */
	struct cxlemu_cedt_cxims *cxims; /**< ncxims records */
};

/**
 * Validates and decodes a CEDT: header length and checksum, every record's
 * length, encodings and alignment.  Records of unknown types are counted and
 * skipped (with a note through the log).
 * @param ctx    context for log messages; may be NULL
 * @param buf    the table
 * @param len    bytes available at @p buf
 * @param out    receives the decoded table, free with cxlemu_cedt_free()
 * @param err    receives a message when the table is rejected; may be NULL
 * @param errlen size of @p err
 * @return 0, -EINVAL for a malformed table, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_cedt_parse(struct cxlemu_ctx *ctx, const uint8_t *buf,
				    size_t len, struct cxlemu_cedt **out,
				    char *err, size_t errlen);

/**
 * Frees a decoded CEDT.
 * @param c the table, or NULL
 */
CXLEMU_EXPORT void cxlemu_cedt_free(struct cxlemu_cedt *c);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_ACPI_H */
