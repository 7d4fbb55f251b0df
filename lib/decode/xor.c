/* SPDX-License-Identifier: MIT */
/*
 * XOR interleave arithmetic, CXIMS (CXL 3.1 9.18.1.4, Table 9-22).
 *
 * Table 9-22 builds the host bridge target index n bit by bit: bit i of n is
 * XORALLBITS(HPA & XORMAP[i]); for 3/6/12 ways the remaining factor of 3
 * comes from the modulo of the upper bits.  When the lowest set bit of map i
 * (its pivot) is interleave bit i, that is the same as replacing the pivot
 * bit of the address with the parity and then decoding with modulo
 * arithmetic: an involution per map.  We keep that form (as Linux does): it
 * gives exact inverses and lets the whole hierarchy below decode with
 * modulo arithmetic.
 */
#include <string.h>

#include "../internal.h"
#include "decode_priv.h"

#include <cxlemu/decode.h>

static uint64_t parity64(uint64_t x)
{
	x ^= x >> 32;
	x ^= x >> 16;
	x ^= x >> 8;
	x ^= x >> 4;
	x ^= x >> 2;
	x ^= x >> 1;
	return x & 1;
}

int cxlemu_xormaps_init(struct cxlemu_xormaps *x, const uint64_t *maps,
			unsigned int count)
{
	unsigned int i, bit;

	if (!x || count > CXLEMU_MAX_XORMAPS || (count && !maps))
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	for (i = 0; i < count; i++) {
		if (maps[i] == 0 || maps[i] >= CXLEMU_ADDR_LIMIT)
			return -EINVAL;
		for (bit = 0; !(maps[i] & (UINT64_C(1) << bit)); bit++)
			;
		x->map[i] = maps[i];
		x->pivot[i] = (uint8_t)bit;
		x->other[i] = maps[i] & ~(UINT64_C(1) << bit);
	}
	x->count = (uint8_t)count;
	return 0;
}

uint64_t cxlemu_xor_spa_to_hpa(const struct cxlemu_xormaps *x, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < x->count; i++)
		addr ^= parity64(addr & x->other[i]) << x->pivot[i];
	return addr;
}

uint64_t cxlemu_xor_hpa_to_spa(const struct cxlemu_xormaps *x, uint64_t addr)
{
	unsigned int i;

	for (i = x->count; i-- > 0;)
		addr ^= parity64(addr & x->other[i]) << x->pivot[i];
	return addr;
}

/* Maps may only stand for the power-of-two factor of the ways. */
static int check_map_count(unsigned int eiw, const struct cxlemu_xormaps *x)
{
	struct cxlemu_ilv p;

	if (cxlemu_decode_params(eiw, 0, &p))
		return -EINVAL;
	if (x && x->count > p.iw_shift)
		return -EINVAL;
	return 0;
}

int cxlemu_spa_to_dpa(uint64_t spa, unsigned int eiw, unsigned int eig,
		      const struct cxlemu_xormaps *x, unsigned int *pos,
		      uint64_t *dpa_off)
{
	if (check_map_count(eiw, x))
		return -EINVAL;
	if (spa >= CXLEMU_ADDR_LIMIT)
		return -ERANGE;
	if (x)
		spa = cxlemu_xor_spa_to_hpa(x, spa);
	return cxlemu_hpa_to_dpa(spa, eiw, eig, pos, dpa_off);
}

int cxlemu_dpa_to_spa(uint64_t dpa_off, unsigned int pos, unsigned int eiw,
		      unsigned int eig, const struct cxlemu_xormaps *x,
		      uint64_t *spa)
{
	uint64_t hpa;
	int rc;

	if (!spa || check_map_count(eiw, x))
		return -EINVAL;
	rc = cxlemu_dpa_to_hpa(dpa_off, pos, eiw, eig, &hpa);
	if (rc)
		return rc;
	*spa = x ? cxlemu_xor_hpa_to_spa(x, hpa) : hpa;
	return 0;
}
