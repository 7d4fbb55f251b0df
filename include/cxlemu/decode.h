/* SPDX-License-Identifier: MIT */
/**
 * @file decode.h
 * @brief Interleave arithmetic: encodings, HPA <-> DPA and XOR maps.
 *
 * Pure functions of (offset, position, ways, granularity) with no topology
 * objects, as the CXL specification defines them:
 *
 * - encoded interleave ways (ENIW/IW) and granularity (EIG/IG) of HDM
 *   decoders and CFMWS (CXL 3.1 8.2.4.20.7, ACPI CEDT CFMWS 9.18.1.3);
 * - the device decode logic of 8.2.4.20.13, which turns an HPA offset into
 *   a DPA offset, and its inverse;
 * - the XOR interleave arithmetic of CXIMS (9.18.1.4, Table 9-22).
 *
 * Every function returns 0 or a negative errno value and writes its result
 * through an out-pointer, so that an invalid encoding can never be used as
 * if it were a number.  All of them are thread-safe.
 *
 * Addresses are 52-bit (HPA[51:0] in the spec); offsets and results at or
 * above 2^52 are rejected with -ERANGE.
 */
#ifndef CXLEMU_DECODE_H
#define CXLEMU_DECODE_H

#include <stdint.h>

#include <cxlemu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Number of address bits an HPA or DPA may use (HPA[51:0]). */
#define CXLEMU_ADDR_BITS 52
/** First address that is out of range: 2^52. */
#define CXLEMU_ADDR_LIMIT (UINT64_C(1) << CXLEMU_ADDR_BITS)
/** Largest number of interleave ways in CXL (16). */
#define CXLEMU_MAX_WAYS 16
/** Smallest interleave granularity, 256 bytes (EIG 0). */
#define CXLEMU_MIN_GRAN 256u
/** Largest interleave granularity, 16 KiB (EIG 6). */
#define CXLEMU_MAX_GRAN 16384u
/** Largest legal EIG value (16 KiB). */
#define CXLEMU_MAX_EIG 6u
/** Largest number of CXIMS XOR maps a window can use (16 ways = 4 bits). */
#define CXLEMU_MAX_XORMAPS 4

/** Interleave arithmetic of a CFMWS (CEDT, 9.18.1.3). */
enum cxlemu_arith {
	CXLEMU_ARITH_MODULO = 0, /**< standard modulo arithmetic */
	CXLEMU_ARITH_XOR = 1,    /**< modulo arithmetic combined with XOR */
};

/**
 * Converts encoded interleave ways to a number of ways.
 *
 * Legal encodings (8.2.4.20.7): 0..4 for 1, 2, 4, 8, 16 ways and
 * 8, 9, 10 for 3, 6, 12 ways.
 *
 * @param eiw  encoded interleave ways
 * @param ways receives the number of ways
 * @return 0, or -EINVAL for a reserved encoding or a NULL pointer
 */
CXLEMU_EXPORT int cxlemu_eiw_to_ways(unsigned int eiw, unsigned int *ways);

/**
 * Converts a number of ways to its encoding.
 *
 * @param ways number of ways: 1, 2, 3, 4, 6, 8, 12 or 16
 * @param eiw  receives the encoding
 * @return 0, or -EINVAL for any other number or a NULL pointer
 */
CXLEMU_EXPORT int cxlemu_ways_to_eiw(unsigned int ways, unsigned int *eiw);

/**
 * Converts an encoded granularity to bytes: 256 << eig, eig in 0..6.
 *
 * @param eig  encoded interleave granularity
 * @param gran receives the granularity in bytes
 * @return 0, or -EINVAL for eig > 6 or a NULL pointer
 */
CXLEMU_EXPORT int cxlemu_eig_to_gran(unsigned int eig, uint64_t *gran);

/**
 * Converts a granularity in bytes to its encoding.
 *
 * @param gran granularity: a power of two from 256 to 16384
 * @param eig  receives the encoding
 * @return 0, or -EINVAL for any other value or a NULL pointer
 */
CXLEMU_EXPORT int cxlemu_gran_to_eig(uint64_t gran, unsigned int *eig);

/**
 * Device decode (8.2.4.20.13): splits an HPA offset into the interleave
 * position that owns it and the DPA offset inside that device.
 *
 * For 1/2/4/8/16 ways the position is HPA[IG+8+IW-1:IG+8] and the DPA keeps
 * HPA[IG+7:0] with the upper bits shifted down by IW.  For 3/6/12 ways the
 * position is (HPA[51:IG+8] mod ways) and the upper DPA bits are
 * HPA[51:IG+IW] / 3.
 *
 * @param hpa_off offset of the HPA from the start of the interleave set
 * @param eiw     encoded interleave ways
 * @param eig     encoded interleave granularity
 * @param pos     receives the position (0 .. ways-1); may be NULL
 * @param dpa_off receives the DPA offset; may be NULL
 * @return 0, -EINVAL for a bad encoding, -ERANGE for hpa_off >= 2^52
 */
CXLEMU_EXPORT int cxlemu_hpa_to_dpa(uint64_t hpa_off, unsigned int eiw,
				    unsigned int eig, unsigned int *pos,
				    uint64_t *dpa_off);

/**
 * Inverse of cxlemu_hpa_to_dpa(): the HPA offset at which the device at
 * position @p pos holds DPA offset @p dpa_off.
 *
 * @param dpa_off DPA offset inside the device
 * @param pos     position of the device in the interleave set
 * @param eiw     encoded interleave ways
 * @param eig     encoded interleave granularity
 * @param hpa_off receives the HPA offset
 * @return 0, -EINVAL for a bad encoding or pos >= ways, -ERANGE when the
 *         result would not fit in 52 bits
 */
CXLEMU_EXPORT int cxlemu_dpa_to_hpa(uint64_t dpa_off, unsigned int pos,
				    unsigned int eiw, unsigned int eig,
				    uint64_t *hpa_off);

/**
 * A validated set of CXIMS XOR maps (9.18.1.4).
 *
 * Each map selects HPA bits whose XOR (XORALLBITS, Table 9-22) becomes one
 * bit of the target index.  The library models this, as Linux does, as a
 * bijection between the system physical address the CPU issues (SPA) and
 * the HPA the CXL hierarchy decodes with modulo arithmetic: the lowest set
 * bit of map i (its pivot) is replaced by XORALLBITS(SPA & map i), every
 * parity taken from the original SPA as Table 9-22 does.  Pivots must be
 * distinct and the maps must form a bijection (checked by
 * cxlemu_xormaps_init()).  Build with cxlemu_xormaps_init().
 */
struct cxlemu_xormaps {
	uint8_t count;                          /**< number of maps, 0..4 */
	uint8_t pivot[CXLEMU_MAX_XORMAPS];      /**< lowest set bit of map i */
	uint8_t inv[CXLEMU_MAX_XORMAPS];        /**< inverse matrix rows */
	uint8_t reserved[7];                    /**< zero */
	uint64_t pivots;                        /**< all pivot bits */
	uint64_t map[CXLEMU_MAX_XORMAPS];       /**< map i as given */
	uint64_t other[CXLEMU_MAX_XORMAPS];     /**< map i without its pivot */
};

/**
 * Validates XOR maps and prepares them for use.
 *
 * @param x     receives the prepared maps
 * @param maps  the CXIMS XORMAP values, in target-index bit order
 * @param count number of maps, 0..CXLEMU_MAX_XORMAPS
 * @return 0, or -EINVAL for a zero map, a map with bits at or above 2^52,
 *         two maps with the same lowest bit, maps that do not form a
 *         bijection, too many maps, or a NULL pointer
 */
CXLEMU_EXPORT int cxlemu_xormaps_init(struct cxlemu_xormaps *x,
				      const uint64_t *maps, unsigned int count);

/**
 * Applies XOR maps in the SPA -> HPA direction.
 * @param x    prepared maps
 * @param addr system physical address
 * @return the HPA the hierarchy decodes
 */
CXLEMU_EXPORT uint64_t cxlemu_xor_spa_to_hpa(const struct cxlemu_xormaps *x,
					     uint64_t addr);

/**
 * Applies XOR maps in the HPA -> SPA direction, the exact inverse of
 * cxlemu_xor_spa_to_hpa().
 * @param x    prepared maps
 * @param addr HPA as decoded by the hierarchy
 * @return the system physical address
 */
CXLEMU_EXPORT uint64_t cxlemu_xor_hpa_to_spa(const struct cxlemu_xormaps *x,
					     uint64_t addr);

/**
 * Host-side decode of an address with optional XOR maps: the interleave
 * position and DPA offset that @p spa reaches.  Equivalent to
 * cxlemu_hpa_to_dpa(cxlemu_xor_spa_to_hpa(x, spa), ...).
 *
 * @param spa     address (offset) issued by the host
 * @param eiw     encoded interleave ways of the whole interleave set
 * @param eig     encoded interleave granularity
 * @param x       XOR maps, or NULL for modulo arithmetic; at most log2 of
 *                the power-of-two factor of the ways, map i with its lowest
 *                set bit at interleave bit i (bit eig + 8 + i), so that the
 *                result is the target Table 9-22 selects
 * @param pos     receives the position; may be NULL
 * @param dpa_off receives the DPA offset; may be NULL
 * @return 0, -EINVAL for bad encodings or maps that break those rules,
 *         -ERANGE
 */
CXLEMU_EXPORT int cxlemu_spa_to_dpa(uint64_t spa, unsigned int eiw,
				    unsigned int eig,
				    const struct cxlemu_xormaps *x,
				    unsigned int *pos, uint64_t *dpa_off);

/**
 * Inverse of cxlemu_spa_to_dpa().
 *
 * @param dpa_off DPA offset
 * @param pos     position of the device
 * @param eiw     encoded interleave ways
 * @param eig     encoded interleave granularity
 * @param x       XOR maps, or NULL
 * @param spa     receives the host address (offset)
 * @return 0, -EINVAL, -ERANGE
 */
CXLEMU_EXPORT int cxlemu_dpa_to_spa(uint64_t dpa_off, unsigned int pos,
				    unsigned int eiw, unsigned int eig,
				    const struct cxlemu_xormaps *x,
				    uint64_t *spa);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_DECODE_H */
