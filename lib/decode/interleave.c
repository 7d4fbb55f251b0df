/* SPDX-License-Identifier: MIT */
/*
 * Device decode logic, CXL 3.1 8.2.4.20.13.
 *
 * With IG the encoded granularity and IW the encoded ways of the decoder:
 *   1/2/4/8/16 ways: DPAOffset[51:IG+8] = HPAOffset[51:IG+8+IW]
 *   3/6/12 ways:     DPAOffset[51:IG+8] = HPAOffset[51:IG+IW] / 3
 *   and in both cases DPAOffset[IG+7:0] = HPAOffset[IG+7:0].
 * The position of the device that owns an HPA is the granule index modulo
 * the number of ways, which for powers of two is HPA[IG+8+IW-1:IG+8].
 */
#include "../internal.h"
#include "decode_priv.h"

#include <cxlemu/decode.h>

int cxlemu_decode_params(unsigned int eiw, unsigned int eig,
			 struct cxlemu_ilv *p)
{
	unsigned int ways;

	if (cxlemu_eiw_to_ways(eiw, &ways) || eig > CXLEMU_MAX_EIG)
		return -EINVAL;
	p->ways = ways;
	p->ig_shift = eig + 8;
	p->div3 = eiw >= 8;
	p->iw_shift = p->div3 ? eiw - 8 : eiw;
	return 0;
}

int cxlemu_hpa_to_dpa(uint64_t hpa_off, unsigned int eiw, unsigned int eig,
		      unsigned int *pos, uint64_t *dpa_off)
{
	struct cxlemu_ilv p;
	uint64_t granule, upper;

	if (cxlemu_decode_params(eiw, eig, &p))
		return -EINVAL;
	if (hpa_off >= CXLEMU_ADDR_LIMIT)
		return -ERANGE;
	granule = hpa_off >> p.ig_shift;
	upper = granule >> p.iw_shift;
	if (p.div3)
		upper /= 3;
	if (pos)
		*pos = (unsigned int)(granule % p.ways);
	if (dpa_off)
		*dpa_off = (upper << p.ig_shift) |
			   (hpa_off & ((UINT64_C(1) << p.ig_shift) - 1));
	return 0;
}

int cxlemu_dpa_to_hpa(uint64_t dpa_off, unsigned int pos, unsigned int eiw,
		      unsigned int eig, uint64_t *hpa_off)
{
	struct cxlemu_ilv p;
	uint64_t dgranule, granule;

	if (!hpa_off || cxlemu_decode_params(eiw, eig, &p))
		return -EINVAL;
	if (pos >= p.ways)
		return -EINVAL;
	if (dpa_off >= CXLEMU_ADDR_LIMIT)
		return -ERANGE;
	dgranule = dpa_off >> p.ig_shift;
	/* dgranule < 2^44 and ways <= 16, so this cannot overflow 64 bits. */
	granule = dgranule * p.ways + pos;
	if (granule >= (CXLEMU_ADDR_LIMIT >> p.ig_shift))
		return -ERANGE;
	*hpa_off = (granule << p.ig_shift) |
		   (dpa_off & ((UINT64_C(1) << p.ig_shift) - 1));
	return 0;
}
