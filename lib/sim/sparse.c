/* SPDX-License-Identifier: MIT */
/* The simulator's sparse backing store (sparse.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sparse.h"

#define MIN_CAP 16

static size_t slot_of(uint64_t key, size_t cap)
{
	/* Fibonacci hashing: consecutive pages spread over the table. */
	return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

void sparse_free(struct sparse_store *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i].page);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

uint8_t *sparse_find(const struct sparse_store *s, uint64_t page_no)
{
	size_t i;

	if (!s->cap)
		return NULL;
	for (i = slot_of(page_no, s->cap); s->slots[i].page; i = (i + 1) & (s->cap - 1))
		if (s->slots[i].key == page_no)
			return s->slots[i].page;
	return NULL;
}

static void put(struct sparse_slot *slots, size_t cap, uint64_t key, uint8_t *page)
{
	size_t i;

	for (i = slot_of(key, cap); slots[i].page; i = (i + 1) & (cap - 1))
		;
	slots[i].key = key;
	slots[i].page = page;
}

/* Moves every page into a table of @cap slots; -ENOMEM leaves it as is. */
static int rehash(struct sparse_store *s, size_t cap)
{
	struct sparse_slot *slots = calloc(cap, sizeof(*slots));
	size_t i;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->slots[i].page)
			put(slots, cap, s->slots[i].key, s->slots[i].page);
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

uint8_t *sparse_get(struct sparse_store *s, uint64_t page_no)
{
	uint8_t *p = sparse_find(s, page_no);

	if (p)
		return p;
	/* Load at most 1/2: probes stay short. */
	if (2 * (s->n + 1) > s->cap) {
		if (s->cap > SIZE_MAX / 4 || rehash(s, s->cap ? 2 * s->cap : MIN_CAP))
			return NULL;
	}
	p = calloc(1, SPARSE_PAGE_SIZE);
	if (!p)
		return NULL;
	put(s->slots, s->cap, page_no, p);
	s->n++;
	return p;
}

void sparse_read(const struct sparse_store *s, uint64_t dpa, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		size_t in = (size_t)(dpa & (SPARSE_PAGE_SIZE - 1));
		size_t n = SPARSE_PAGE_SIZE - in < len ? SPARSE_PAGE_SIZE - in : len;
		const uint8_t *p = sparse_find(s, dpa >> SPARSE_PAGE_SHIFT);

		if (p)
			memcpy(out, p + in, n);
		else
			memset(out, 0, n);
		out += n;
		dpa += n;
		len -= n;
	}
}

int sparse_write(struct sparse_store *s, uint64_t dpa, const void *buf, size_t len)
{
	const uint8_t *src = buf;
	uint64_t a;
	size_t left;

	/* Every page first, so that running out of memory writes nothing. */
	for (a = dpa, left = len; left;) {
		size_t in = (size_t)(a & (SPARSE_PAGE_SIZE - 1));
		size_t n = SPARSE_PAGE_SIZE - in < left ? SPARSE_PAGE_SIZE - in : left;

		if (!sparse_get(s, a >> SPARSE_PAGE_SHIFT))
			return -ENOMEM;
		a += n;
		left -= n;
	}
	for (a = dpa, left = len; left;) {
		size_t in = (size_t)(a & (SPARSE_PAGE_SIZE - 1));
		size_t n = SPARSE_PAGE_SIZE - in < left ? SPARSE_PAGE_SIZE - in : left;

		memcpy(sparse_find(s, a >> SPARSE_PAGE_SHIFT) + in, src, n);
		src += n;
		a += n;
		left -= n;
	}
	return 0;
}

/* The part of page @key inside [dpa, end), as offsets; false if none. */
static int overlap(uint64_t key, uint64_t dpa, uint64_t end, size_t *from, size_t *to)
{
	uint64_t lo = key << SPARSE_PAGE_SHIFT, hi = lo + SPARSE_PAGE_SIZE;
	uint64_t a = dpa > lo ? dpa : lo, b = end < hi ? end : hi;

	if (a >= b)
		return 0;
	*from = (size_t)(a - lo);
	*to = (size_t)(b - lo);
	return 1;
}

void sparse_zero(struct sparse_store *s, uint64_t dpa, uint64_t len)
{
	uint64_t end = len > UINT64_MAX - dpa ? UINT64_MAX : dpa + len;
	struct sparse_slot *slots = NULL;
	size_t i, from, to, whole = 0, cap = MIN_CAP;

	if (!len)
		return;
	for (i = 0; i < s->cap; i++)
		if (s->slots[i].page && overlap(s->slots[i].key, dpa, end, &from, &to) &&
		    from == 0 && to == SPARSE_PAGE_SIZE)
			whole++;
	if (whole) {
		/* A smaller index without the freed pages, allocated before
		 * anything is dropped: without memory, pages are cleared in
		 * place instead of freed. */
		while (cap < 2 * (s->n - whole))
			cap *= 2;
		slots = calloc(cap, sizeof(*slots));
	}
	for (i = 0; i < s->cap; i++) {
		struct sparse_slot *sl = &s->slots[i];

		if (!sl->page)
			continue;
		if (overlap(sl->key, dpa, end, &from, &to)) {
			if (slots && from == 0 && to == SPARSE_PAGE_SIZE) {
				free(sl->page);
				continue;
			}
			memset(sl->page + from, 0, to - from);
		}
		if (slots)
			put(slots, cap, sl->key, sl->page);
	}
	if (!slots)
		return;
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	s->n -= whole;
}
