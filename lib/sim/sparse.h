/* SPDX-License-Identifier: MIT */
/*
 * The simulator's built-in backing store: device memory of one endpoint as
 * a hash of 4 KiB pages, allocated on first write.  A page never written
 * reads as zeroes, so memory use is bounded by what was written.
 */
#ifndef CXLEMU_SIM_SPARSE_H
#define CXLEMU_SIM_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#define SPARSE_PAGE_SHIFT 12
#define SPARSE_PAGE_SIZE (1u << SPARSE_PAGE_SHIFT)

/* One slot of the index: a page number and its page (NULL: empty). */
struct sparse_slot {
	uint64_t key;  /* DPA >> SPARSE_PAGE_SHIFT */
	uint8_t *page; /* SPARSE_PAGE_SIZE bytes */
};

/* Open addressing, linear probing; key and page side by side, so that a
 * lookup touches one cache line of the index. */
struct sparse_store {
	struct sparse_slot *slots;
	size_t cap; /* slots, a power of two (0 when empty) */
	size_t n;   /* pages held */
};

/* Frees every page; the store is empty (and usable) afterwards. */
void sparse_free(struct sparse_store *s);

/* The page holding @page_no, or NULL when it was never written. */
uint8_t *sparse_find(const struct sparse_store *s, uint64_t page_no);

/* The page holding @page_no, created zeroed if needed; NULL if out of
 * memory (the store is unchanged then). */
uint8_t *sparse_get(struct sparse_store *s, uint64_t page_no);

/* Copies [@dpa, @dpa + @len) out; unwritten bytes read as zero. */
void sparse_read(const struct sparse_store *s, uint64_t dpa, void *buf, size_t len);

/* Copies into [@dpa, @dpa + @len); 0 or -ENOMEM (nothing written then). */
int sparse_write(struct sparse_store *s, uint64_t dpa, const void *buf, size_t len);

/* Zeroes [@dpa, @dpa + @len): whole pages are freed, partial ones cleared. */
void sparse_zero(struct sparse_store *s, uint64_t dpa, uint64_t len);

#endif
