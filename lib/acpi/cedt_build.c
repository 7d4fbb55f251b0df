/* SPDX-License-Identifier: MIT */
/*
 * CEDT generation (CXL 3.1 9.18): ACPI header, CHBS per host bridge, CFMWS
 * per window, CXIMS per granularity of the XOR windows.
 */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "cedt.h"
#include "../le.h"

#include <cxlemu/acpi.h>

void cxlemu_cedt_opts_default(struct cxlemu_cedt_opts *o, uint64_t chbs_base)
{
	memset(o, 0, sizeof(*o));
	o->version = CXLEMU_CEDT_OPTS_VERSION;
	memcpy(o->oem_id, "BOCHS ", 6);
	memcpy(o->oem_table_id, "BXPC    ", 8);
	o->oem_revision = 1;
	memcpy(o->creator_id, "BXPC", 4);
	o->creator_revision = 1;
	o->chbs_base = chbs_base;
}

void cxlemu_cedt_buf_free(uint8_t *buf)
{
	free(buf);
}

int cxlemu_cedt_build(const struct cxlemu_topo *t, const struct cxlemu_cedt_opts *o,
		      uint8_t **out, size_t *len)
{
	struct cxlemu_cxims_rec {
		unsigned int eig, n;
		uint64_t maps[CXLEMU_MAX_XORMAPS];
	} cxims[CXLEMU_MAX_EIG + 1];
	uint32_t k, w, nhb = 0, ncx = 0, nwin, i;
	size_t size = CEDT_HEADER_LEN, off;
	uint8_t *b, sum = 0;

	if (!t || !o || !out || !len || o->version != CXLEMU_CEDT_OPTS_VERSION)
		return -EINVAL;
	*out = NULL;
	nwin = cxlemu_topo_windows(t);
	/* Sizes first. */
	for (k = 0; k < cxlemu_topo_count(t); k++) {
		struct cxlemu_comp_info c;

		cxlemu_topo_info(t, k, &c);
		if (c.kind == CXLEMU_COMP_HOST_BRIDGE)
			size += CEDT_CHBS_LEN;
	}
	for (w = 0; w < nwin; w++) {
		struct cxlemu_window_desc d;
		unsigned int eig;

		cxlemu_topo_window(t, w, &d);
		size += CEDT_CFMWS_LEN + 4u * d.ways;
		if (d.arith != CXLEMU_ARITH_XOR || !d.nxormaps)
			continue;
		cxlemu_gran_to_eig(d.gran, &eig);
		for (i = 0; i < ncx && cxims[i].eig != eig; i++)
			;
		if (i < ncx) {
			/* One CXIMS per granularity serves every XOR window. */
			if (cxims[i].n != d.nxormaps ||
			    memcmp(cxims[i].maps, d.xormaps, d.nxormaps * sizeof(uint64_t)))
				return -EINVAL;
			continue;
		}
		cxims[ncx].eig = eig;
		cxims[ncx].n = d.nxormaps;
		memcpy(cxims[ncx].maps, d.xormaps, sizeof(cxims[ncx].maps));
		size += CEDT_CXIMS_LEN + 8u * d.nxormaps;
		ncx++;
	}
	if (size > UINT32_MAX)
		return -EINVAL;
	b = calloc(1, size);
	if (!b)
		return -ENOMEM;
	/* ACPI table header (ACPI 6.5 5.2.6). */
	memcpy(b, "CEDT", 4);
	put_le(b + 4, size, 4);
	b[8] = 1; /* revision */
	memcpy(b + 10, o->oem_id, 6);
	memcpy(b + 16, o->oem_table_id, 8);
	put_le(b + 24, o->oem_revision, 4);
	memcpy(b + 28, o->creator_id, 4);
	put_le(b + 32, o->creator_revision, 4);
	off = CEDT_HEADER_LEN;
	/*
	 * CHBS (9.18.1.2): one per host bridge, CXL 2.0 register block, in
	 * register block order (as QEMU lists them).  Host bridges without a
	 * register base of their own take consecutive blocks from chbs_base.
	 */
	{
		uint32_t count = cxlemu_topo_count(t), m, auto_n = 0;
		uint64_t *bases = calloc(count ? count : 1, sizeof(*bases));
		uint32_t *order = calloc(count ? count : 1, sizeof(*order));

		if (!bases || !order) {
			free(bases);
			free(order);
			free(b);
			return -ENOMEM;
		}
		for (k = 0; k < count; k++) {
			struct cxlemu_comp_info c;

			cxlemu_topo_info(t, k, &c);
			if (c.kind != CXLEMU_COMP_HOST_BRIDGE)
				continue;
			bases[nhb] = c.reg_base ? c.reg_base :
				     o->chbs_base + (uint64_t)auto_n++ * CXLEMU_CHBS_BLOCK_SIZE;
			order[nhb++] = k;
		}
		/* Insertion sort by base; host bridges are few. */
		for (k = 1; k < nhb; k++) {
			for (m = k; m > 0 && bases[m - 1] > bases[m]; m--) {
				uint64_t tb = bases[m];
				uint32_t to = order[m];

				bases[m] = bases[m - 1];
				order[m] = order[m - 1];
				bases[m - 1] = tb;
				order[m - 1] = to;
			}
		}
		for (k = 0; k < nhb; k++) {
			struct cxlemu_comp_info c;

			cxlemu_topo_info(t, order[k], &c);
			b[off] = CEDT_TYPE_CHBS;
			put_le(b + off + 2, CEDT_CHBS_LEN, 2);
			put_le(b + off + 4, c.uid, 4);
			put_le(b + off + 8, 1, 4);
			put_le(b + off + 16, bases[k], 8);
			put_le(b + off + 24, CXLEMU_CHBS_BLOCK_SIZE, 8);
			off += CEDT_CHBS_LEN;
		}
		free(bases);
		free(order);
	}
	/* CFMWS (9.18.1.3). */
	for (w = 0; w < nwin; w++) {
		struct cxlemu_window_desc d;
		unsigned int eiw, eig;

		cxlemu_topo_window(t, w, &d);
		cxlemu_ways_to_eiw(d.ways, &eiw);
		cxlemu_gran_to_eig(d.gran, &eig);
		b[off] = CEDT_TYPE_CFMWS;
		put_le(b + off + 2, CEDT_CFMWS_LEN + 4u * d.ways, 2);
		put_le(b + off + 8, d.base, 8);
		put_le(b + off + 16, d.size, 8);
		b[off + 24] = (uint8_t)eiw;
		b[off + 25] = (uint8_t)d.arith;
		put_le(b + off + 28, eig, 4);
		/* QEMU's restrictions: type 2, type 3, volatile, persistent. */
		put_le(b + off + 32, d.restrictions ? d.restrictions : 0x0f, 2);
		put_le(b + off + 34, d.qtg_id, 2);
		for (i = 0; i < d.ways; i++) {
			struct cxlemu_comp_info hb;

			cxlemu_topo_info(t, d.targets[i], &hb);
			put_le(b + off + CEDT_CFMWS_LEN + 4 * i, hb.uid, 4);
		}
		off += CEDT_CFMWS_LEN + 4u * d.ways;
	}
	/* CXIMS (9.18.1.4). */
	for (i = 0; i < ncx; i++) {
		unsigned int m;

		b[off] = CEDT_TYPE_CXIMS;
		put_le(b + off + 2, CEDT_CXIMS_LEN + 8u * cxims[i].n, 2);
		b[off + 6] = (uint8_t)cxims[i].eig;
		b[off + 7] = (uint8_t)cxims[i].n;
		for (m = 0; m < cxims[i].n; m++)
			put_le(b + off + CEDT_CXIMS_LEN + 8 * m, cxims[i].maps[m], 8);
		off += CEDT_CXIMS_LEN + 8u * cxims[i].n;
	}
	for (off = 0; off < size; off++)
		sum = (uint8_t)(sum + b[off]);
	b[9] = (uint8_t)(0x100 - sum);
	*out = b;
	*len = size;
	return 0;
}
