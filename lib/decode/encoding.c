/* SPDX-License-Identifier: MIT */
/*
 * Interleave ways and granularity encodings.
 *
 * CXL 3.1 8.2.4.20.7 (HDM Decoder n Control): IW 0..4 encode 1, 2, 4, 8, 16
 * ways, IW 8, 9, 10 encode 3, 6, 12 ways, everything else is reserved.
 * IG n encodes 2^(n+8) bytes; the HDM decoder and the CFMWS both allow
 * 256 B .. 16 KiB (IG 0..6).
 */
#include "../internal.h"

#include <cxlemu/decode.h>

int cxlemu_eiw_to_ways(unsigned int eiw, unsigned int *ways)
{
	if (!ways)
		return -EINVAL;
	if (eiw <= 4) {
		*ways = 1u << eiw;
		return 0;
	}
	if (eiw >= 8 && eiw <= 10) {
		*ways = 3u << (eiw - 8);
		return 0;
	}
	return -EINVAL;
}

int cxlemu_ways_to_eiw(unsigned int ways, unsigned int *eiw)
{
	if (!eiw)
		return -EINVAL;
	switch (ways) {
	case 1: *eiw = 0; return 0;
	case 2: *eiw = 1; return 0;
	case 4: *eiw = 2; return 0;
	case 8: *eiw = 3; return 0;
	case 16: *eiw = 4; return 0;
	case 3: *eiw = 8; return 0;
	case 6: *eiw = 9; return 0;
	case 12: *eiw = 10; return 0;
	default: return -EINVAL;
	}
}

int cxlemu_eig_to_gran(unsigned int eig, uint64_t *gran)
{
	if (!gran || eig > CXLEMU_MAX_EIG)
		return -EINVAL;
	*gran = (uint64_t)CXLEMU_MIN_GRAN << eig;
	return 0;
}

int cxlemu_gran_to_eig(uint64_t gran, unsigned int *eig)
{
	unsigned int e;

	if (!eig)
		return -EINVAL;
	for (e = 0; e <= CXLEMU_MAX_EIG; e++) {
		if (gran == (uint64_t)CXLEMU_MIN_GRAN << e) {
			*eig = e;
			return 0;
		}
	}
	return -EINVAL;
}
