/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

#define MB256 (UINT64_C(256) << 20)

const unsigned int legal_eiw[8] = { 0, 1, 2, 3, 4, 8, 9, 10 };
const unsigned int legal_ways[8] = { 1, 2, 4, 8, 16, 3, 6, 12 };

uint64_t test_seed(uint64_t def)
{
	const char *s = getenv("CXLEMU_TEST_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : def;

	fprintf(stderr, "# seed 0x%llx (set CXLEMU_TEST_SEED to replay)\n",
		(unsigned long long)seed);
	return seed;
}

void fab_init(struct fab *f, uint64_t base, uint64_t size, unsigned int eiw,
	      unsigned int eig)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->w.base = base;
	f->w.size = size;
	f->w.eiw = (uint8_t)eiw;
	f->w.eig = (uint8_t)eig;
	f->w.id = 1000;
	for (i = 0; i < CXLEMU_MAX_WAYS; i++)
		f->w.targets[i] = CXLEMU_NO_NODE;
}

uint32_t fab_node(struct fab *f, uint32_t kind, uint32_t id, uint32_t below)
{
	struct cxlemu_route_node *n = &f->nodes[f->nnodes];

	if (f->nnodes >= FAB_MAX_NODES)
		abort();
	n->kind = kind;
	n->id = id;
	n->below = below;
	n->decoders = NULL;
	n->ndecoders = 0;
	return f->nnodes++;
}

struct cxlemu_route_decoder *fab_decoder(struct fab *f, uint32_t n,
					 uint64_t base, uint64_t size,
					 unsigned int eiw, unsigned int eig)
{
	struct cxlemu_route_node *node = &f->nodes[n];
	struct cxlemu_route_decoder *d;
	unsigned int i;

	if (f->ndecs >= FAB_MAX_DECS)
		abort();
	if (!node->decoders)
		node->decoders = &f->decs[f->ndecs];
	/* Decoders of one node must be contiguous in decs[]. */
	if (node->decoders + node->ndecoders != &f->decs[f->ndecs])
		abort();
	d = &f->decs[f->ndecs++];
	memset(d, 0, sizeof(*d));
	d->base = base;
	d->size = size;
	d->eiw = (uint8_t)eiw;
	d->eig = (uint8_t)eig;
	for (i = 0; i < CXLEMU_MAX_WAYS; i++)
		d->targets[i] = CXLEMU_NO_NODE;
	node->ndecoders++;
	return d;
}

struct gen {
	struct fab *f;
	struct rng *r;
	unsigned int levels;
	uint32_t next_id;
};

/* A random sub-range of the window, 256 MiB aligned; sometimes all of it. */
static void sub_range(struct gen *g, uint64_t *base, uint64_t *size)
{
	uint64_t chunks = g->f->w.size / MB256, a, b;

	if (rng_below(g->r, 3) == 0 || chunks == 1) {
		*base = g->f->w.base;
		*size = g->f->w.size;
		return;
	}
	a = rng_below(g->r, chunks);
	b = a + 1 + rng_below(g->r, chunks - a);
	*base = g->f->w.base + a * MB256;
	*size = (b - a) * MB256;
}

static uint32_t gen_endpoint(struct gen *g)
{
	uint32_t ep = fab_node(g->f, CXLEMU_NODE_ENDPOINT, g->next_id++,
			       CXLEMU_NO_NODE);
	unsigned int k, nd = (unsigned int)rng_below(g->r, 4);
	uint64_t dpa = 0;

	/* Mostly one decoder over the whole window; sometimes none. */
	if (nd == 0 && rng_below(g->r, 4))
		nd = 1;
	for (k = 0; k < nd; k++) {
		uint64_t base, size;
		unsigned int eiw = legal_eiw[rng_below(g->r, 8)];
		struct cxlemu_route_decoder *d;

		sub_range(g, &base, &size);
		d = fab_decoder(g->f, ep, base, size, eiw,
				(unsigned int)rng_below(g->r, 7));
		d->dpa_base = dpa;
		dpa += size + MB256 * rng_below(g->r, 3);
	}
	return ep;
}

static uint32_t gen_below(struct gen *g, unsigned int level);

/* A switching component (host bridge or switch upstream port). */
static uint32_t gen_switch(struct gen *g, unsigned int level)
{
	uint32_t sw = fab_node(g->f, CXLEMU_NODE_SWITCH, g->next_id++,
			       CXLEMU_NO_NODE);
	uint32_t ports[4], nports = 1 + (uint32_t)rng_below(g->r, 4), p, i;
	unsigned int k, nd = 1 + (unsigned int)rng_below(g->r, 3);
	struct {
		uint64_t base, size;
		unsigned int eiw, eig;
	} dd[3];

	/* Downstream ports first, so the decoders of sw stay contiguous. */
	for (p = 0; p < nports; p++) {
		uint32_t below = gen_below(g, level + 1);

		ports[p] = fab_node(g->f, CXLEMU_NODE_PORT, g->next_id++, below);
	}
	for (k = 0; k < nd; k++) {
		sub_range(g, &dd[k].base, &dd[k].size);
		dd[k].eiw = legal_eiw[rng_below(g->r, 8)];
		dd[k].eig = (unsigned int)rng_below(g->r, 7);
	}
	/* Decoders of sw are added after all nodes below it are built. */
	for (k = 0; k < nd; k++) {
		struct cxlemu_route_decoder *d;
		unsigned int ways;

		d = fab_decoder(g->f, sw, dd[k].base, dd[k].size, dd[k].eiw,
				dd[k].eig);
		cxlemu_eiw_to_ways(dd[k].eiw, &ways);
		for (i = 0; i < ways; i++)
			d->targets[i] = rng_below(g->r, 20) == 0 ?
					CXLEMU_NO_NODE :
					ports[rng_below(g->r, nports)];
	}
	return sw;
}

static uint32_t gen_below(struct gen *g, unsigned int level)
{
	if (rng_below(g->r, 25) == 0)
		return CXLEMU_NO_NODE;
	if (level < g->levels && rng_below(g->r, 4))
		return gen_switch(g, level);
	return gen_endpoint(g);
}

void fab_random(struct fab *f, struct rng *r, unsigned int max_levels)
{
	struct gen g = { .f = f, .r = r, .next_id = 1 };
	unsigned int eiw = legal_eiw[rng_below(r, 8)], ways, i, nhb;
	unsigned int eig = (unsigned int)rng_below(r, 7);
	uint64_t base = rng_below(r, UINT64_C(1) << 18) * MB256;
	uint64_t size = (1 + rng_below(r, 8)) * MB256;
	uint32_t hbs[16];
	struct cxlemu_xormaps x;
	uint64_t maps[4];

	g.levels = 1 + (unsigned int)rng_below(r, max_levels);
	fab_init(f, base, size, eiw, eig);
	cxlemu_eiw_to_ways(eiw, &ways);
	nhb = 1 + (unsigned int)rng_below(r, ways);
	/* Host bridges must be built before decoders go elsewhere. */
	for (i = 0; i < nhb; i++)
		hbs[i] = gen_switch(&g, 1);
	for (i = 0; i < ways; i++)
		f->w.targets[i] = hbs[i % nhb];
	if (rng_below(r, 2)) {
		unsigned int n = eiw >= 8 ? eiw - 8 : eiw;

		f->w.arith = CXLEMU_ARITH_XOR;
		f->w.nxormaps = (uint8_t)n;
		for (i = 0; i < n; i++) {
			unsigned int pivot = eig + 8 + i;
			uint64_t high = rng_next(r) & (CXLEMU_ADDR_LIMIT - 1);

			/* Any bits above the pivot, below bit 52. */
			high &= ~((UINT64_C(2) << pivot) - 1);
			maps[i] = (UINT64_C(1) << pivot) | high;
			f->w.xormaps[i] = maps[i];
		}
		(void)cxlemu_xormaps_init(&x, maps, n);
	}
}

char *test_read_data(const char *name)
{
	char path[512], *buf;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	buf = calloc(1, 1 << 16);
	if (!buf)
		fail_msg("out of memory");
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct cxlemu_topo *test_topo_file(const char *name)
{
	char err[512], *s = test_read_data(name);
	struct cxlemu_topo *t = NULL;

	if (cxlemu_topo_from_qemu_string(NULL, s, &t, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	free(s);
	return t;
}

uint32_t test_add_comp(struct cxlemu_topo *t, uint32_t kind, const char *name,
		       uint32_t parent, uint32_t port, uint64_t vol, uint32_t caps)
{
	struct cxlemu_comp_desc d;
	uint32_t id;

	memset(&d, 0, sizeof(d));
	d.version = CXLEMU_COMP_DESC_VERSION;
	d.kind = kind;
	d.name = name;
	d.parent = parent;
	d.port = port;
	d.volatile_size = vol;
	d.caps = caps;
	if (cxlemu_topo_add(t, &d, &id))
		fail_msg("cannot add %s", name);
	return id;
}
