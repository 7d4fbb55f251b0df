/* SPDX-License-Identifier: MIT */
/*
 * Validation of a window description before it is compiled: every field the
 * router relies on is checked, and every rejection says why.
 */
#include <stdlib.h>

#include "../internal.h"
#include "decode_priv.h"
#include "route_priv.h"

/* Most decoders one component may have (HDM Decoder Count, 8.2.4.20.1). */
#define MAX_DECODERS 32

static int check_range(struct cxlemu_ctx *ctx, const char *what, uint32_t idx,
		       uint64_t base, uint64_t size)
{
	/* HDM decoders and CFMWS are 256 MiB aligned (8.2.4.20.5, 9.18.1.3). */
	if (!cxlemu_is_aligned(base, SZ_256M) || !cxlemu_is_aligned(size, SZ_256M)) {
		cxlemu_err(ctx, "%s %u: base 0x%llx or size 0x%llx not 256 MiB aligned",
			   what, idx, (unsigned long long)base,
			   (unsigned long long)size);
		return -EINVAL;
	}
	if (size == 0) {
		cxlemu_err(ctx, "%s %u: size is 0", what, idx);
		return -EINVAL;
	}
	if (base >= CXLEMU_ADDR_LIMIT || size > CXLEMU_ADDR_LIMIT - base) {
		cxlemu_err(ctx, "%s %u: range 0x%llx+0x%llx beyond 2^52",
			   what, idx, (unsigned long long)base,
			   (unsigned long long)size);
		return -EINVAL;
	}
	return 0;
}

static int check_targets(struct cxlemu_ctx *ctx, const char *what,
			 uint32_t idx, const uint32_t *targets,
			 unsigned int ways, uint32_t nnodes)
{
	unsigned int i;

	for (i = 0; i < ways; i++) {
		if (targets[i] != CXLEMU_NO_NODE && targets[i] >= nnodes) {
			cxlemu_err(ctx, "%s %u: target %u is node %u, only %u nodes",
				   what, idx, i, targets[i], nnodes);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_decoder(struct cxlemu_ctx *ctx, uint32_t node,
			 const struct cxlemu_route_node *n,
			 const struct cxlemu_route_decoder *d, uint32_t nnodes)
{
	struct cxlemu_ilv p;
	uint64_t span;
	int rc;

	if (cxlemu_decode_params(d->eiw, d->eig, &p)) {
		cxlemu_err(ctx, "node %u: decoder with reserved IW %u or IG %u",
			   node, d->eiw, d->eig);
		return -EINVAL;
	}
	rc = check_range(ctx, "decoder of node", node, d->base, d->size);
	if (rc)
		return rc;
	if (n->kind == CXLEMU_NODE_SWITCH)
		return check_targets(ctx, "node", node, d->targets, p.ways,
				     nnodes);
	/* Endpoint: the DPA range the decoder maps must fit in 52 bits.  A
	 * 3/6/12-way decoder whose size is not a multiple of ways x 256 MiB
	 * maps a partial last round: count whole granules, rounded up. */
	span = (((d->size >> p.ig_shift) + p.ways - 1) / p.ways) << p.ig_shift;
	if (d->dpa_base >= CXLEMU_ADDR_LIMIT ||
	    span > CXLEMU_ADDR_LIMIT - d->dpa_base) {
		cxlemu_err(ctx, "node %u: decoder DPA range 0x%llx+0x%llx beyond 2^52",
			   node, (unsigned long long)d->dpa_base,
			   (unsigned long long)span);
		return -EINVAL;
	}
	return 0;
}

enum { WHITE = 0, GREY, BLACK };

struct check_state {
	struct cxlemu_ctx *ctx;
	const struct cxlemu_route_node *nodes;
	uint32_t nnodes;
	uint8_t *color;
	uint8_t *height; /* longest path from the node down, in nodes */
};

static int visit(struct check_state *st, uint32_t idx, unsigned int depth);

static int visit_child(struct check_state *st, uint32_t parent, uint32_t child,
		       unsigned int depth)
{
	int rc;

	if (child == CXLEMU_NO_NODE)
		return 0;
	rc = visit(st, child, depth + 1);
	if (rc)
		return rc;
	if (st->height[child] + 1u > st->height[parent])
		st->height[parent] = (uint8_t)(st->height[child] + 1u);
	return 0;
}

/* Depth-first: detects cycles and measures the longest path. */
static int visit(struct check_state *st, uint32_t idx, unsigned int depth)
{
	const struct cxlemu_route_node *n;
	unsigned int i, j, ways;
	int rc;

	if (idx >= st->nnodes) {
		cxlemu_err(st->ctx, "node index %u out of range (%u nodes)",
			   idx, st->nnodes);
		return -EINVAL;
	}
	if (st->color[idx] == BLACK) {
		if (st->height[idx] + depth <= CXLEMU_ROUTE_MAX_DEPTH + 1u)
			return 0;
		cxlemu_err(st->ctx, "node %u: path deeper than %u", idx,
			   CXLEMU_ROUTE_MAX_DEPTH);
		return -ELOOP;
	}
	if (st->color[idx] == GREY || depth > CXLEMU_ROUTE_MAX_DEPTH) {
		cxlemu_err(st->ctx, "node %u: cycle or path deeper than %u",
			   idx, CXLEMU_ROUTE_MAX_DEPTH);
		return -ELOOP;
	}
	st->color[idx] = GREY;
	st->height[idx] = 1;
	n = &st->nodes[idx];
	switch (n->kind) {
	case CXLEMU_NODE_PORT:
		if (n->ndecoders) {
			cxlemu_err(st->ctx, "node %u: a port has no decoders", idx);
			return -EINVAL;
		}
		rc = visit_child(st, idx, n->below, depth);
		if (rc)
			return rc;
		break;
	case CXLEMU_NODE_SWITCH:
	case CXLEMU_NODE_ENDPOINT:
		if (n->ndecoders > MAX_DECODERS || (n->ndecoders && !n->decoders)) {
			cxlemu_err(st->ctx, "node %u: %u decoders (at most %u)",
				   idx, n->ndecoders, MAX_DECODERS);
			return -EINVAL;
		}
		for (i = 0; i < n->ndecoders; i++) {
			rc = check_decoder(st->ctx, idx, n, &n->decoders[i],
					   st->nnodes);
			if (rc)
				return rc;
			if (n->kind != CXLEMU_NODE_SWITCH)
				continue;
			cxlemu_eiw_to_ways(n->decoders[i].eiw, &ways);
			for (j = 0; j < ways; j++) {
				rc = visit_child(st, idx,
						 n->decoders[i].targets[j],
						 depth);
				if (rc)
					return rc;
			}
		}
		break;
	default:
		cxlemu_err(st->ctx, "node %u: unknown kind %u", idx, n->kind);
		return -EINVAL;
	}
	if (st->height[idx] + depth > CXLEMU_ROUTE_MAX_DEPTH + 1u) {
		cxlemu_err(st->ctx, "node %u: path deeper than %u", idx,
			   CXLEMU_ROUTE_MAX_DEPTH);
		return -ELOOP;
	}
	st->color[idx] = BLACK;
	return 0;
}

static int check_window(struct cxlemu_ctx *ctx,
			const struct cxlemu_route_window *w, uint32_t nnodes)
{
	struct cxlemu_xormaps x;
	struct cxlemu_ilv p;
	unsigned int i;
	int rc;

	if (cxlemu_decode_params(w->eiw, w->eig, &p)) {
		cxlemu_err(ctx, "window %u: reserved ways %u or granularity %u encoding",
			   w->id, w->eiw, w->eig);
		return -EINVAL;
	}
	rc = check_range(ctx, "window", w->id, w->base, w->size);
	if (rc)
		return rc;
	if (w->arith != CXLEMU_ARITH_MODULO && w->arith != CXLEMU_ARITH_XOR) {
		cxlemu_err(ctx, "window %u: unknown interleave arithmetic %u",
			   w->id, w->arith);
		return -EINVAL;
	}
	if (w->arith == CXLEMU_ARITH_MODULO && w->nxormaps) {
		cxlemu_err(ctx, "window %u: XOR maps given for modulo arithmetic",
			   w->id);
		return -EINVAL;
	}
	if (w->arith == CXLEMU_ARITH_XOR) {
		/* One map per bit of the power-of-two factor (Table 9-22). */
		if (w->nxormaps != p.iw_shift) {
			cxlemu_err(ctx, "window %u: %u-way XOR needs %u maps, got %u",
				   w->id, p.ways, p.iw_shift, w->nxormaps);
			return -EINVAL;
		}
		if (cxlemu_xormaps_init(&x, w->xormaps, w->nxormaps)) {
			cxlemu_err(ctx, "window %u: XOR map zero or beyond bit 51",
				   w->id);
			return -EINVAL;
		}
		for (i = 0; i < x.count; i++) {
			if (x.pivot[i] != p.ig_shift + i) {
				cxlemu_err(ctx, "window %u: XOR map %u (0x%llx) must have bit %u as its lowest bit",
					   w->id, i, (unsigned long long)x.map[i],
					   p.ig_shift + i);
				return -EINVAL;
			}
		}
	}
	return check_targets(ctx, "window", w->id, w->targets, p.ways, nnodes);
}

int cxlemu_route_check(struct cxlemu_ctx *ctx,
		       const struct cxlemu_route_window *w,
		       const struct cxlemu_route_node *nodes, uint32_t nnodes)
{
	struct check_state st = { .ctx = ctx, .nodes = nodes, .nnodes = nnodes };
	unsigned int i, ways;
	int rc;

	if (!w || (nnodes && !nodes)) {
		cxlemu_err(ctx, "route description missing");
		return -EINVAL;
	}
	rc = check_window(ctx, w, nnodes);
	if (rc)
		return rc;
	if (!nnodes)
		return 0;
	st.color = calloc(nnodes, 1);
	st.height = calloc(nnodes, 1);
	if (!st.color || !st.height) {
		rc = -ENOMEM;
		goto out;
	}
	cxlemu_eiw_to_ways(w->eiw, &ways);
	for (i = 0; i < ways && !rc; i++)
		if (w->targets[i] != CXLEMU_NO_NODE)
			rc = visit(&st, w->targets[i], 1);
out:
	free(st.color);
	free(st.height);
	return rc;
}
