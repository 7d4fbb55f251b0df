/* SPDX-License-Identifier: MIT */
/*
 * The level-by-level walk: window -> host bridge decoder -> root port ->
 * switch decoders -> ... -> endpoint decoder.  This is how emulators route
 * every access today and the reference semantics of the route tables.
 */
#include <string.h>

#include "../internal.h"
#include "decode_priv.h"
#include "route_priv.h"

int cxlemu_window_xormaps(const struct cxlemu_route_window *w,
			  struct cxlemu_xormaps *x)
{
	if (w->arith != CXLEMU_ARITH_XOR)
		return cxlemu_xormaps_init(x, NULL, 0);
	return cxlemu_xormaps_init(x, w->xormaps, w->nxormaps);
}

int cxlemu_walk_hpa(const struct cxlemu_route_window *w,
		    const struct cxlemu_route_node *nodes, uint32_t nnodes,
		    uint64_t hpa, struct cxlemu_route_info *info)
{
	const struct cxlemu_route_decoder *d;
	const struct cxlemu_route_node *n;
	unsigned int pos;
	uint32_t next, level;
	uint64_t dpa_off;
	int di;

	info->hpa = hpa;
	info->depth = 0;
	info->decoder = 0;
	info->dpa = 0;
	/* Level 0: the window picks a host bridge (CFMWS, 9.18.1.3). */
	if (cxlemu_hpa_to_dpa(hpa - w->base, w->eiw, w->eig, &pos, NULL))
		return -EINVAL;
	info->pos[0] = (uint8_t)pos;
	next = w->targets[pos];
	if (next == CXLEMU_NO_NODE)
		return cxlemu_route_miss(info, 0, w->id, CXLEMU_MISS_EMPTY_PORT);

	for (level = 1;; level++) {
		if (next >= nnodes)
			return -EINVAL;
		if (level > CXLEMU_ROUTE_MAX_DEPTH)
			return -ELOOP;
		n = &nodes[next];
		info->path[info->depth++] = next;
		switch (n->kind) {
		case CXLEMU_NODE_PORT:
			next = n->below;
			if (next == CXLEMU_NO_NODE)
				return cxlemu_route_miss(info, level, n->id,
					    CXLEMU_MISS_EMPTY_PORT);
			if (level < CXLEMU_ROUTE_MAX_DEPTH)
				info->pos[level] = 0;
			break;
		case CXLEMU_NODE_SWITCH:
		case CXLEMU_NODE_ENDPOINT:
			di = cxlemu_find_decoder(n, hpa);
			if (di < 0)
				return cxlemu_route_miss(info, level, n->id,
					    CXLEMU_MISS_NO_DECODER);
			d = &n->decoders[di];
			if (cxlemu_hpa_to_dpa(hpa - d->base, d->eiw, d->eig, &pos,
					      n->kind == CXLEMU_NODE_ENDPOINT ?
					      &dpa_off : NULL))
				return -EINVAL;
			if (level < CXLEMU_ROUTE_MAX_DEPTH)
				info->pos[level] = (uint8_t)pos;
			if (n->kind == CXLEMU_NODE_ENDPOINT) {
				info->level = level;
				info->ep = n->id;
				info->decoder = (uint32_t)di;
				info->dpa = d->dpa_base + dpa_off;
				info->reason = CXLEMU_MISS_NONE;
				return 0;
			}
			next = d->targets[pos];
			if (next == CXLEMU_NO_NODE)
				return cxlemu_route_miss(info, level, n->id,
					    CXLEMU_MISS_EMPTY_PORT);
			break;
		default:
			return -EINVAL;
		}
	}
}

int cxlemu_route_walk(const struct cxlemu_route_window *w,
		      const struct cxlemu_route_node *nodes, uint32_t nnodes,
		      uint64_t hpa, struct cxlemu_route_info *info)
{
	struct cxlemu_route_info tmp;
	uint64_t spa = hpa, m;
	unsigned int i;

	if (!info)
		info = &tmp;
	if (!w || (nnodes && !nodes))
		return -EINVAL;
	info->depth = 0;
	info->hpa = hpa;
	if (hpa < w->base || hpa - w->base >= w->size)
		return cxlemu_route_miss(info, 0, w->id, CXLEMU_MISS_OUTSIDE);
	if (w->arith == CXLEMU_ARITH_XOR) {
		/* Table 9-22, as cxlemu_xor_spa_to_hpa() without the set-up. */
		if (w->nxormaps > CXLEMU_MAX_XORMAPS)
			return -EINVAL;
		for (i = 0; i < w->nxormaps; i++) {
			m = w->xormaps[i];
			if (!m)
				return -EINVAL;
			hpa ^= (uint64_t)(__builtin_parityll(spa & m) ^
					  (spa & m & -m ? 1 : 0)) << __builtin_ctzll(m);
		}
	}
	return cxlemu_walk_hpa(w, nodes, nnodes, hpa, info);
}
