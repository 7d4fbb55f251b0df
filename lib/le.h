/* SPDX-License-Identifier: MIT */
/* Explicit little-endian access to byte buffers (never cast them). */
#ifndef CXLEMU_LE_H
#define CXLEMU_LE_H

#include <stdint.h>

static inline void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#endif
