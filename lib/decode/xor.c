/* SPDX-License-Identifier: MIT */
/*
 * XOR interleave arithmetic, CXIMS (CXL 3.1 9.18.1.4, Table 9-22).
 *
 * Table 9-22 builds the host bridge target index n bit by bit: bit i of n is
 * XORALLBITS(SPA & XORMAP[i]); for 3/6/12 ways the remaining factor of 3
 * comes from the modulo of the upper bits.  When the lowest set bit of map i
 * (its pivot) is interleave bit i, that is the same as replacing every pivot
 * bit of the address with its parity and then decoding with modulo
 * arithmetic.  We keep that form (as Linux does): the hierarchy below the
 * window then decodes with modulo arithmetic only.
 *
 * The forward direction takes every parity from the original address, as
 * the table does.  The inverse solves for the original pivot bits: with
 * b the original pivot bits and c the known parities, M b = c over GF(2),
 * where M[i][j] = 1 when map i contains pivot j; M is inverted once here
 * (at most 4 x 4), and maps whose M is singular are not a bijection and are
 * rejected.
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

/* Inverts the n x n GF(2) matrix whose rows are bitmasks; false if singular. */
static bool gf2_invert(const uint8_t *m, unsigned int n, uint8_t *inv)
{
	uint8_t a[CXLEMU_MAX_XORMAPS], b[CXLEMU_MAX_XORMAPS], t;
	unsigned int col, row, r;

	for (row = 0; row < n; row++) {
		a[row] = m[row];
		b[row] = (uint8_t)(1u << row);
	}
	for (col = 0; col < n; col++) {
		for (row = col; row < n && !(a[row] >> col & 1); row++)
			;
		if (row == n)
			return false;
		t = a[row]; a[row] = a[col]; a[col] = t;
		t = b[row]; b[row] = b[col]; b[col] = t;
		for (r = 0; r < n; r++) {
			if (r != col && (a[r] >> col & 1)) {
				a[r] ^= a[col];
				b[r] ^= b[col];
			}
		}
	}
	memcpy(inv, b, n);
	return true;
}

int cxlemu_xormaps_init(struct cxlemu_xormaps *x, const uint64_t *maps,
			unsigned int count)
{
	uint8_t m[CXLEMU_MAX_XORMAPS];
	unsigned int i, j, bit;

	if (!x || count > CXLEMU_MAX_XORMAPS || (count && !maps))
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	for (i = 0; i < count; i++) {
		if (maps[i] == 0 || maps[i] >= CXLEMU_ADDR_LIMIT)
			return -EINVAL;
		for (bit = 0; !(maps[i] & (UINT64_C(1) << bit)); bit++)
			;
		if (x->pivots & (UINT64_C(1) << bit))
			return -EINVAL;
		x->map[i] = maps[i];
		x->pivot[i] = (uint8_t)bit;
		x->pivots |= UINT64_C(1) << bit;
		x->other[i] = maps[i] & ~(UINT64_C(1) << bit);
	}
	for (i = 0; i < count; i++) {
		m[i] = 0;
		for (j = 0; j < count; j++)
			if (maps[i] >> x->pivot[j] & 1)
				m[i] |= (uint8_t)(1u << j);
	}
	if (!gf2_invert(m, count, x->inv))
		return -EINVAL;
	x->count = (uint8_t)count;
	return 0;
}

uint64_t cxlemu_xor_spa_to_hpa(const struct cxlemu_xormaps *x, uint64_t addr)
{
	uint64_t h = addr;
	unsigned int i;

	for (i = 0; i < x->count; i++)
		h ^= parity64(addr & x->other[i]) << x->pivot[i];
	return h;
}

uint64_t cxlemu_xor_hpa_to_spa(const struct cxlemu_xormaps *x, uint64_t addr)
{
	uint64_t rest = addr & ~x->pivots, spa = rest;
	unsigned int i, c = 0;

	/* c_i = parity(SPA & map i) = HPA pivot bit i; move the known part. */
	for (i = 0; i < x->count; i++)
		c |= (unsigned int)((addr >> x->pivot[i] & 1) ^
				    parity64(rest & x->map[i])) << i;
	for (i = 0; i < x->count; i++)
		spa |= parity64(x->inv[i] & c) << x->pivot[i];
	return spa;
}

/*
 * Maps stand for bits of the power-of-two factor of the ways, map i for
 * interleave bit i: only then is replacing its pivot the same as Table 9-22
 * selecting target bit i.
 */
static int check_maps(unsigned int eiw, unsigned int eig,
		      const struct cxlemu_xormaps *x)
{
	struct cxlemu_ilv p;
	unsigned int i;

	if (cxlemu_decode_params(eiw, eig, &p))
		return -EINVAL;
	if (!x)
		return 0;
	if (x->count > p.iw_shift)
		return -EINVAL;
	for (i = 0; i < x->count; i++)
		if (x->pivot[i] != p.ig_shift + i)
			return -EINVAL;
	return 0;
}

int cxlemu_spa_to_dpa(uint64_t spa, unsigned int eiw, unsigned int eig,
		      const struct cxlemu_xormaps *x, unsigned int *pos,
		      uint64_t *dpa_off)
{
	if (check_maps(eiw, eig, x))
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

	if (!spa || check_maps(eiw, eig, x))
		return -EINVAL;
	rc = cxlemu_dpa_to_hpa(dpa_off, pos, eiw, eig, &hpa);
	if (rc)
		return rc;
	*spa = x ? cxlemu_xor_hpa_to_spa(x, hpa) : hpa;
	return 0;
}
