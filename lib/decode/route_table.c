/* SPDX-License-Identifier: MIT */
/*
 * Compiles a window and its hierarchy into a flat route table.
 *
 * Decoder bases and sizes are 256 MiB multiples, so the window splits into
 * segments: HPA ranges over which every component has the same decoder (or
 * none).  Within a segment, every interleaving decoder (the window, host
 * bridges and switches selecting a target, endpoints spreading their DPA)
 * works on (offset / g) mod w with g a power of two dividing 256 MiB.  So the
 * pattern repeats with a period P = lcm(g * w) (a power of two, or three
 * times one: at most 3 * 2^18 bytes) and is constant over units of
 * u = min(g) bytes.  For each of the P / u slots of one period the table
 * keeps the endpoint (or the miss) and the DPA of the slot's first byte; an
 * endpoint's DPA then grows by P / ways per period, so any HPA resolves with
 * one division of its offset by P.  A chunk index turns an HPA into its
 * segment with one shift.  The slots are filled by walking one HPA per slot
 * with the reference walker, so the table has exactly its semantics.
 */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "decode_priv.h"
#include "route_priv.h"

#define MAX_CHUNKS (UINT32_C(1) << 20)

/* The hot path indexes these with a single shift. */
_Static_assert(sizeof(struct cxlemu_route_target) == 32, "slot record size");
_Static_assert(sizeof(struct cxlemu_route_segment) == 64, "segment size");

struct table_priv {
	struct cxlemu_route_table pub; /* first: the public pointer */
	uint32_t nsegs, nchunks, nslots, ntargets;
	uint64_t bytes;
};

/* Per-segment working state. */
struct seg_build {
	uint64_t base, end;
	unsigned int unit_shift, pow2_shift;
	bool mod3;
	uint32_t nslots, ntargets;
	struct cxlemu_route_target *slots;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static unsigned int ctz64(uint64_t v)
{
	unsigned int n = 0;

	while (!(v & 1)) {
		v >>= 1;
		n++;
	}
	return n;
}

/* Marks the nodes reachable from the window (description already valid). */
static void mark(const struct cxlemu_route_node *nodes, uint32_t idx,
		 uint8_t *seen)
{
	const struct cxlemu_route_node *n;
	unsigned int i, j, ways;

	if (idx == CXLEMU_NO_NODE || seen[idx])
		return;
	seen[idx] = 1;
	n = &nodes[idx];
	if (n->kind == CXLEMU_NODE_PORT) {
		mark(nodes, n->below, seen);
		return;
	}
	if (n->kind != CXLEMU_NODE_SWITCH)
		return;
	for (i = 0; i < n->ndecoders; i++) {
		cxlemu_eiw_to_ways(n->decoders[i].eiw, &ways);
		for (j = 0; j < ways; j++)
			mark(nodes, n->decoders[i].targets[j], seen);
	}
}

/*
 * Period of the pattern in [s, e): every decoder with more than one way that
 * covers the segment (the window, host bridges and switches selecting a
 * target, endpoints interleaving their DPA) repeats every g * w bytes and is
 * constant over aligned g bytes.
 */
static void seg_period(const struct cxlemu_route_window *w,
		       const struct cxlemu_route_node *nodes, uint32_t nnodes,
		       const uint8_t *seen, struct seg_build *sb)
{
	unsigned int min_g = 0, max_p2 = 0, i;
	bool three = false, any = false;
	uint32_t k;
	struct cxlemu_ilv p;

	/* The window itself selects a host bridge. */
	cxlemu_decode_params(w->eiw, w->eig, &p);
	if (p.ways > 1) {
		any = true;
		min_g = p.ig_shift;
		max_p2 = p.ig_shift + p.iw_shift;
		three = p.div3;
	}
	for (k = 0; k < nnodes; k++) {
		const struct cxlemu_route_node *n = &nodes[k];

		if (!seen[k] || n->kind == CXLEMU_NODE_PORT)
			continue;
		for (i = 0; i < n->ndecoders; i++) {
			const struct cxlemu_route_decoder *d = &n->decoders[i];

			/* Decoders either cover the segment whole or not. */
			if (sb->base < d->base || sb->base - d->base >= d->size)
				continue;
			cxlemu_decode_params(d->eiw, d->eig, &p);
			if (p.ways == 1)
				continue;
			if (!any || p.ig_shift < min_g)
				min_g = p.ig_shift;
			if (!any || p.ig_shift + p.iw_shift > max_p2)
				max_p2 = p.ig_shift + p.iw_shift;
			three |= p.div3;
			any = true;
		}
	}
	if (!any) {
		/* Nothing interleaves here: one slot of 256 MiB. */
		sb->unit_shift = 28;
		sb->pow2_shift = 0;
		sb->mod3 = false;
		sb->nslots = 1;
		return;
	}
	sb->unit_shift = min_g;
	sb->pow2_shift = max_p2 - min_g;
	sb->mod3 = three;
	sb->nslots = (three ? 3u : 1u) << sb->pow2_shift;
}

static int build_segment(const struct cxlemu_route_window *w,
			 const struct cxlemu_route_node *nodes, uint32_t nnodes,
			 const uint8_t *seen, struct seg_build *sb)
{
	struct cxlemu_route_info info;
	uint64_t period;
	uint32_t k, j;
	int rc;

	seg_period(w, nodes, nnodes, seen, sb);
	period = (uint64_t)sb->nslots << sb->unit_shift;
	sb->slots = calloc(sb->nslots, sizeof(*sb->slots));
	if (!sb->slots)
		return -ENOMEM;
	sb->ntargets = 0;
	for (k = 0; k < sb->nslots; k++) {
		struct cxlemu_route_target *t = &sb->slots[k];
		uint64_t hpa = sb->base + ((uint64_t)k << sb->unit_shift);

		rc = cxlemu_walk_hpa(w, nodes, nnodes, hpa, &info);
		if (rc < 0)
			return rc;
		t->id = info.ep;
		t->rc = (uint16_t)rc;
		if (rc == 0) {
			const struct cxlemu_route_node *n =
				&nodes[info.path[info.depth - 1]];
			unsigned int ways;

			cxlemu_eiw_to_ways(n->decoders[info.decoder].eiw, &ways);
			/* The period holds a whole number of the endpoint's
			 * interleave sets, so its DPA is affine in the period
			 * index, and linear within a slot (unit <= granule). */
			t->dpa0 = info.dpa;
			t->dpp = (uint32_t)(period / ways);
		}
		for (j = 0; j < k; j++)
			if (sb->slots[j].id == t->id && sb->slots[j].rc == t->rc)
				break;
		sb->ntargets += j == k;
	}
	return 0;
}

static void free_segs(struct seg_build *sbs, uint32_t n)
{
	uint32_t i;

	for (i = 0; sbs && i < n; i++)
		free(sbs[i].slots);
	free(sbs);
}

/* Collects the window's boundaries: its ends and every decoder's, clipped. */
static int boundaries(const struct cxlemu_route_window *w,
		      const struct cxlemu_route_node *nodes, uint32_t nnodes,
		      const uint8_t *seen, uint64_t **out, uint32_t *count)
{
	uint64_t wend = w->base + w->size, *b;
	uint32_t n = 2, k, i;
	size_t cap = 2;

	for (k = 0; k < nnodes; k++)
		if (seen[k])
			cap += 2 * (size_t)nodes[k].ndecoders;
	b = malloc(cap * sizeof(*b));
	if (!b)
		return -ENOMEM;
	b[0] = w->base;
	b[1] = wend;
	for (k = 0; k < nnodes; k++) {
		if (!seen[k])
			continue;
		for (i = 0; i < nodes[k].ndecoders; i++) {
			const struct cxlemu_route_decoder *d = &nodes[k].decoders[i];
			uint64_t e = d->base + d->size;

			if (d->base > w->base && d->base < wend)
				b[n++] = d->base;
			if (e > w->base && e < wend)
				b[n++] = e;
		}
	}
	qsort(b, n, sizeof(*b), cmp_u64);
	for (i = 1, k = 1; i < n; i++)
		if (b[i] != b[k - 1])
			b[k++] = b[i];
	*out = b;
	*count = k;
	return 0;
}

int cxlemu_route_table_build(struct cxlemu_ctx *ctx,
			     const struct cxlemu_route_window *w,
			     const struct cxlemu_route_node *nodes,
			     uint32_t nnodes, struct cxlemu_route_table **out)
{
	struct seg_build *sbs = NULL;
	struct table_priv *tp = NULL;
	struct cxlemu_xormaps x;
	uint64_t *bounds = NULL, shift_bits;
	uint32_t nb = 0, nsegs, nchunks, nslots = 0, ntargets = 0, i, c, s;
	unsigned int shift = 63;
	uint8_t *seen = NULL;
	size_t bytes, off_chunk, off_seg, off_slot;
	char *mem;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	rc = cxlemu_route_check(ctx, w, nodes, nnodes);
	if (rc)
		return rc;
	seen = calloc(nnodes ? nnodes : 1, 1);
	if (!seen)
		return -ENOMEM;
	for (i = 0; i < CXLEMU_MAX_WAYS; i++) {
		unsigned int ways;

		cxlemu_eiw_to_ways(w->eiw, &ways);
		if (i < ways)
			mark(nodes, w->targets[i], seen);
	}
	rc = boundaries(w, nodes, nnodes, seen, &bounds, &nb);
	if (rc)
		goto out;
	nsegs = nb - 1;
	/* The chunk size is the largest power of two all boundaries share. */
	for (i = 1; i + 1 < nb; i++) {
		shift_bits = ctz64(bounds[i] - w->base);
		if (shift_bits < shift)
			shift = (unsigned int)shift_bits;
	}
	if (shift >= 63)
		nchunks = 1;
	else if (((w->size - 1) >> shift) + 1 > MAX_CHUNKS) {
		cxlemu_err(ctx, "window %u: decoder boundaries need %llu chunk entries (at most %u)",
			   w->id, (unsigned long long)(((w->size - 1) >> shift) + 1),
			   MAX_CHUNKS);
		rc = -E2BIG;
		goto out;
	} else
		nchunks = (uint32_t)(((w->size - 1) >> shift) + 1);

	sbs = calloc(nsegs, sizeof(*sbs));
	if (!sbs) {
		rc = -ENOMEM;
		goto out;
	}
	for (s = 0; s < nsegs; s++) {
		sbs[s].base = bounds[s];
		sbs[s].end = bounds[s + 1];
		rc = build_segment(w, nodes, nnodes, seen, &sbs[s]);
		if (rc)
			goto out;
		nslots += sbs[s].nslots;
		ntargets += sbs[s].ntargets;
	}

	/* One block: header, chunk index, segments, slot records. */
	off_chunk = (sizeof(*tp) + 63) & ~(size_t)63;
	off_seg = (off_chunk + nchunks * sizeof(uint32_t) + 63) & ~(size_t)63;
	off_slot = (off_seg + nsegs * sizeof(struct cxlemu_route_segment) + 63) &
		   ~(size_t)63;
	bytes = off_slot + nslots * sizeof(struct cxlemu_route_target);
	mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	if (!mem) {
		rc = -ENOMEM;
		goto out;
	}
	memset(mem, 0, bytes);
	tp = (struct table_priv *)mem;
	{
		uint32_t *chunk = (uint32_t *)(mem + off_chunk);
		struct cxlemu_route_segment *segs =
			(struct cxlemu_route_segment *)(mem + off_seg);
		struct cxlemu_route_target *sl =
			(struct cxlemu_route_target *)(mem + off_slot);

		for (s = 0; s < nsegs; s++) {
			struct seg_build *sb = &sbs[s];

			segs[s].base = sb->base;
			segs[s].unit_shift = (uint8_t)sb->unit_shift;
			segs[s].pow2_shift = (uint8_t)sb->pow2_shift;
			segs[s].lo_mask = (UINT64_C(1) << sb->pow2_shift) - 1;
			segs[s].unit_mask = (UINT64_C(1) << sb->unit_shift) - 1;
			segs[s].mod3 = sb->mod3;
			memcpy(sl, sb->slots, sb->nslots * sizeof(*sl));
			segs[s].slots = sl;
			sl += sb->nslots;
		}
		for (c = 0, s = 0; c < nchunks; c++) {
			uint64_t a = w->base + (shift >= 63 ? 0 : (uint64_t)c << shift);

			while (s + 1 < nsegs && a >= sbs[s].end)
				s++;
			chunk[c] = (uint32_t)(s * sizeof(*segs));
		}
		tp->pub.chunk = chunk;
		tp->pub.segs = segs;
	}
	tp->pub.base = w->base;
	tp->pub.size = w->size;
	tp->pub.window_id = w->id;
	tp->pub.chunk_shift = (uint8_t)shift;
	/* Window XOR maps pivot at consecutive bits (cxlemu_route_check). */
	cxlemu_window_xormaps(w, &x);
	tp->pub.nxor = x.count;
	tp->pub.xor_pivot0 = x.count ? x.pivot[0] : 0;
	for (i = 0; i < x.count; i++)
		tp->pub.xor_other[i] = x.other[i];
	tp->nsegs = nsegs;
	tp->nchunks = nchunks;
	tp->nslots = nslots;
	tp->ntargets = ntargets;
	tp->bytes = bytes;
	*out = &tp->pub;
	cxlemu_dbg(ctx, "window %u: %u segments, %u chunks, %u slots, %u targets, %zu bytes",
		   w->id, nsegs, nchunks, nslots, ntargets, bytes);
	rc = 0;
out:
	free_segs(sbs, sbs ? nsegs : 0);
	free(bounds);
	free(seen);
	return rc;
}

void cxlemu_route_table_free(struct cxlemu_route_table *t)
{
	free(t);
}

void cxlemu_route_table_stats(const struct cxlemu_route_table *t,
			      struct cxlemu_route_table_stats *st)
{
	const struct table_priv *tp = (const struct table_priv *)t;

	if (!t || !st)
		return;
	st->segments = tp->nsegs;
	st->chunks = tp->nchunks;
	st->slots = tp->nslots;
	st->targets = tp->ntargets;
	st->bytes = tp->bytes;
}

int cxlemu_route_table_extent(const struct cxlemu_route_table *t, uint32_t index,
			      struct cxlemu_route_extent *out)
{
	const struct table_priv *tp = (const struct table_priv *)t;
	const struct cxlemu_route_segment *sg;
	uint32_t i, nslots, misses = 0;
	uint64_t end;

	if (!t || !out)
		return -EINVAL;
	if (index >= tp->nsegs)
		return -ENOENT;
	sg = &t->segs[index];
	end = index + 1 < tp->nsegs ? t->segs[index + 1].base : t->base + t->size;
	nslots = (UINT32_C(1) << sg->pow2_shift) * (sg->mod3 ? 3u : 1u);
	memset(out, 0, sizeof(*out));
	out->base = sg->base;
	out->size = end - sg->base;
	out->unit = sg->unit_mask + 1;
	out->slots = nslots;
	out->ep = UINT32_MAX;
	for (i = 0; i < nslots; i++)
		if (sg->slots[i].rc)
			misses++;
	if (misses == nslots)
		out->flags |= CXLEMU_EXTENT_MISS;
	else if (misses)
		out->flags |= CXLEMU_EXTENT_PARTIAL;
	if (t->nxor)
		out->flags |= CXLEMU_EXTENT_XOR;
	/* One position whose DPA advances by a whole unit per unit of HPA:
	 * the DPA is base's plus the offset, over the whole extent. */
	if (nslots == 1 && !misses && !t->nxor && sg->slots[0].dpp == out->unit) {
		out->flags |= CXLEMU_EXTENT_LINEAR;
		out->ep = sg->slots[0].id;
		out->dpa = sg->slots[0].dpa0;
		out->unit = out->size;
	}
	return 0;
}

bool cxlemu_route_table_same(const struct cxlemu_route_table *a,
			     const struct cxlemu_route_table *b)
{
	const struct table_priv *pa = (const struct table_priv *)a;
	const struct table_priv *pb = (const struct table_priv *)b;
	uint32_t s, i, n;

	if (!a || !b)
		return a == b;
	if (a->base != b->base || a->size != b->size || a->window_id != b->window_id ||
	    a->chunk_shift != b->chunk_shift || a->nxor != b->nxor ||
	    a->xor_pivot0 != b->xor_pivot0 ||
	    memcmp(a->xor_other, b->xor_other, sizeof(a->xor_other)) ||
	    pa->nsegs != pb->nsegs || pa->nchunks != pb->nchunks || pa->nslots != pb->nslots ||
	    memcmp(a->chunk, b->chunk, pa->nchunks * sizeof(*a->chunk)))
		return false;
	for (s = 0; s < pa->nsegs; s++) {
		const struct cxlemu_route_segment *x = &a->segs[s], *y = &b->segs[s];

		if (x->base != y->base || x->lo_mask != y->lo_mask ||
		    x->unit_mask != y->unit_mask || x->unit_shift != y->unit_shift ||
		    x->pow2_shift != y->pow2_shift || x->mod3 != y->mod3)
			return false;
		n = (UINT32_C(1) << x->pow2_shift) * (x->mod3 ? 3u : 1u);
		for (i = 0; i < n; i++) {
			const struct cxlemu_route_target *p = &x->slots[i], *q = &y->slots[i];

			if (p->dpa0 != q->dpa0 || p->dpp != q->dpp || p->id != q->id ||
			    p->rc != q->rc)
				return false;
		}
	}
	return true;
}
