/* SPDX-License-Identifier: MIT */
/* Private helpers of lib/decode. */
#ifndef CXLEMU_DECODE_PRIV_H
#define CXLEMU_DECODE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

/* Decoded interleave parameters of one decoder. */
struct cxlemu_ilv {
	unsigned int ways;     /* 1..16 */
	unsigned int ig_shift; /* log2 granularity in bytes */
	unsigned int iw_shift; /* log2 of the power-of-two factor of ways */
	bool div3;             /* ways has a factor 3 */
};

int cxlemu_decode_params(unsigned int eiw, unsigned int eig,
			 struct cxlemu_ilv *p);

#endif
