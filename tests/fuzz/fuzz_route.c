/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: window descriptions as a front-end could pass them
 * (built from guest-programmed decoders).  Invalid ones must be rejected
 * cleanly; valid ones must compile, and the table must agree with the
 * walker, never route outside the window, and keep every DPA inside the
 * endpoint decoder that produced it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

#define NODES 12
#define DECS 24
#define MB256 (UINT64_C(256) << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct reader *r, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v = v << 8 | (r->n ? *r->p : 0);
		if (r->n) {
			r->p++;
			r->n--;
		}
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cxlemu_route_node nodes[NODES];
	static struct cxlemu_route_decoder decs[DECS];
	struct cxlemu_route_window w;
	struct cxlemu_route_table *t;
	struct reader r = { data, size };
	unsigned int i, k, nd = 0;
	uint32_t nnodes;

	memset(&w, 0, sizeof(w));
	/* Small multiples of 256 MiB, with raw values sometimes. */
	w.base = take(&r, 1) & 0x80 ? take(&r, 8) : take(&r, 1) * MB256;
	w.size = take(&r, 1) & 0x80 ? take(&r, 8) : (take(&r, 1) % 16 + 1) * MB256;
	w.eiw = (uint8_t)take(&r, 1);
	w.eig = (uint8_t)take(&r, 1);
	w.arith = (uint8_t)(take(&r, 1) % 3);
	w.nxormaps = (uint8_t)(take(&r, 1) % 6);
	for (i = 0; i < CXLEMU_MAX_XORMAPS; i++)
		w.xormaps[i] = take(&r, 8);
	nnodes = (uint32_t)(take(&r, 1) % (NODES + 1));
	for (i = 0; i < CXLEMU_MAX_WAYS; i++) {
		uint8_t v = (uint8_t)take(&r, 1);

		w.targets[i] = v == 0xff ? CXLEMU_NO_NODE : v % (NODES + 2);
	}
	for (i = 0; i < nnodes; i++) {
		unsigned int want = (unsigned int)take(&r, 1) % 4;

		nodes[i].kind = (uint32_t)(take(&r, 1) % 4);
		nodes[i].id = i;
		nodes[i].below = (uint32_t)(take(&r, 1) % (NODES + 2));
		if (nodes[i].below >= NODES)
			nodes[i].below = CXLEMU_NO_NODE;
		if (want > DECS - nd)
			want = DECS - nd;
		nodes[i].ndecoders = want;
		nodes[i].decoders = &decs[nd];
		for (k = 0; k < want; k++, nd++) {
			struct cxlemu_route_decoder *d = &decs[nd];
			unsigned int j;

			memset(d, 0, sizeof(*d));
			d->base = w.base + (take(&r, 1) % 16) * MB256;
			d->size = (take(&r, 1) % 16) * MB256;
			if (take(&r, 1) == 0xA5)
				d->base += take(&r, 4);
			d->eiw = (uint8_t)take(&r, 1);
			d->eig = (uint8_t)take(&r, 1);
			d->dpa_base = take(&r, 1) * MB256;
			for (j = 0; j < CXLEMU_MAX_WAYS; j++) {
				uint8_t v = (uint8_t)take(&r, 1);

				d->targets[j] = v == 0xff ? CXLEMU_NO_NODE : v % (NODES + 2);
			}
		}
	}

	if (cxlemu_route_table_build(NULL, &w, nodes, nnodes, &t)) {
		/* A rejected description must also be rejected by the checker. */
		if (cxlemu_route_check(NULL, &w, nodes, nnodes) == 0 && w.size <= (UINT64_C(1) << 40))
			abort();
		return 0;
	}
	for (i = 0; i < 64; i++) {
		struct cxlemu_route_info info;
		uint64_t hpa = w.base + take(&r, 8) % (w.size + 512) - (i & 1 ? 256 : 0);
		uint64_t dpa = 0;
		uint32_t ep = 0;
		int want = cxlemu_route_walk(&w, nodes, nnodes, hpa, &info);
		int got = cxlemu_route(t, hpa, &ep, &dpa);

		if (want < 0 || want != got || ep != info.ep)
			abort();
		if (want == 0) {
			const struct cxlemu_route_decoder *d =
				&nodes[info.path[info.depth - 1]].decoders[info.decoder];
			unsigned int ways;

			if (dpa != info.dpa || hpa < w.base || hpa - w.base >= w.size)
				abort();
			uint64_t gran;

			cxlemu_eiw_to_ways(d->eiw, &ways);
			cxlemu_eig_to_gran(d->eig, &gran);
			/* Whole granules per way, the last round rounded up. */
			if (dpa < d->dpa_base ||
			    dpa - d->dpa_base >= ((d->size / gran + ways - 1) / ways) * gran)
				abort();
		}
	}
	cxlemu_route_table_free(t);
	return 0;
}
