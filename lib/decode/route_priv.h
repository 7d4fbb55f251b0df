/* SPDX-License-Identifier: MIT */
/* Private parts of the window model shared by the walker and the tables. */
#ifndef CXLEMU_ROUTE_PRIV_H
#define CXLEMU_ROUTE_PRIV_H

#include <stdbool.h>

#include <cxlemu/route.h>

/* Finds the first decoder of a component whose range holds @hpa, or -1. */
static inline int cxlemu_find_decoder(const struct cxlemu_route_node *n,
				      uint64_t hpa)
{
	uint32_t i;

	for (i = 0; i < n->ndecoders; i++) {
		const struct cxlemu_route_decoder *d = &n->decoders[i];

		if (hpa >= d->base && hpa - d->base < d->size)
			return (int)i;
	}
	return -1;
}

/* Records a miss in @info and returns the route result for it. */
static inline int cxlemu_route_miss(struct cxlemu_route_info *info,
				    uint32_t level, uint32_t id, uint32_t reason)
{
	info->level = level;
	info->ep = id;
	info->reason = reason;
	return CXLEMU_ROUTE_MISS | (int)level;
}

/*
 * Walks an HPA that is already in the hierarchy's domain (after XOR) and
 * inside the window.  Shared by cxlemu_route_walk() and the table compiler,
 * so the tables have exactly the walker's semantics.
 */
int cxlemu_walk_hpa(const struct cxlemu_route_window *w,
		    const struct cxlemu_route_node *nodes, uint32_t nnodes,
		    uint64_t hpa, struct cxlemu_route_info *info);

/* Whether two compiled tables route every HPA the same way (NULL equals
 * only NULL), so that a rebuild that changed nothing need not republish. */
bool cxlemu_route_table_same(const struct cxlemu_route_table *a,
			     const struct cxlemu_route_table *b);

/* Prepares a window's XOR maps (none for modulo windows). */
int cxlemu_window_xormaps(const struct cxlemu_route_window *w,
			  struct cxlemu_xormaps *x);

#endif
