/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "topo.h"

#define GIB (UINT64_C(1) << 30)

static uint32_t add_node(struct topo *t, uint32_t kind, const char *name,
			 const char *role, uint32_t below)
{
	uint32_t i = t->nnodes++;

	t->nodes[i].kind = kind;
	t->nodes[i].id = i;
	t->nodes[i].below = below;
	t->names[i] = name;
	t->roles[i] = role;
	return i;
}

static struct cxlemu_route_decoder *add_decoder(struct topo *t, uint32_t node,
						unsigned int eiw,
						unsigned int eig)
{
	struct cxlemu_route_decoder *d = &t->decoders[t->ndecoders++];
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->base = t->window.base;
	d->size = t->window.size;
	d->eiw = (uint8_t)eiw;
	d->eig = (uint8_t)eig;
	for (i = 0; i < CXLEMU_MAX_WAYS; i++)
		d->targets[i] = CXLEMU_NO_NODE;
	t->nodes[node].decoders = d;
	t->nodes[node].ndecoders = 1;
	return d;
}

void topo_default(struct topo *t)
{
	uint32_t hb0, hb1, rp0, rp1, usp, dsp0, dsp1, m0, m1, m2, i;
	struct cxlemu_route_decoder *d;

	memset(t, 0, sizeof(*t));
	/* Where QEMU's q35 puts the first CXL fixed memory window. */
	t->window.base = 0x490000000ULL;
	t->window.size = 4 * GIB;
	t->window.id = UINT32_MAX - 1;
	t->window.eiw = 1; /* 2 ways */
	t->window.eig = 0; /* 256 B */
	t->window.arith = CXLEMU_ARITH_MODULO;
	t->window_name = "cxl-fmw.0";
	for (i = 0; i < CXLEMU_MAX_WAYS; i++)
		t->window.targets[i] = CXLEMU_NO_NODE;

	m0 = add_node(t, CXLEMU_NODE_ENDPOINT, "cxl-mem0", "cxl-type3", CXLEMU_NO_NODE);
	m1 = add_node(t, CXLEMU_NODE_ENDPOINT, "cxl-mem1", "cxl-type3", CXLEMU_NO_NODE);
	m2 = add_node(t, CXLEMU_NODE_ENDPOINT, "cxl-mem2", "cxl-type3", CXLEMU_NO_NODE);
	dsp0 = add_node(t, CXLEMU_NODE_PORT, "swport0", "cxl-downstream", m0);
	dsp1 = add_node(t, CXLEMU_NODE_PORT, "swport1", "cxl-downstream", m1);
	usp = add_node(t, CXLEMU_NODE_SWITCH, "us0", "cxl-upstream", CXLEMU_NO_NODE);
	rp0 = add_node(t, CXLEMU_NODE_PORT, "root_port0", "cxl-rp", usp);
	rp1 = add_node(t, CXLEMU_NODE_PORT, "root_port1", "cxl-rp", m2);
	hb0 = add_node(t, CXLEMU_NODE_SWITCH, "cxl.1", "pxb-cxl", CXLEMU_NO_NODE);
	hb1 = add_node(t, CXLEMU_NODE_SWITCH, "cxl.2", "pxb-cxl", CXLEMU_NO_NODE);
	t->window.targets[0] = hb0;
	t->window.targets[1] = hb1;

	/*
	 * One region over the window.  The window selects the host bridge with
	 * HPA bit 8; below cxl.1 the switch selects with bit 9 (512 B, 2 ways),
	 * so cxl-mem0 and cxl-mem1 decode 4 ways and cxl-mem2 2 ways at 256 B.
	 */
	d = add_decoder(t, hb0, 0, 1);
	d->targets[0] = rp0;
	d = add_decoder(t, hb1, 0, 1);
	d->targets[0] = rp1;
	d = add_decoder(t, usp, 1, 1);
	d->targets[0] = dsp0;
	d->targets[1] = dsp1;
	add_decoder(t, m0, 2, 0);
	add_decoder(t, m1, 2, 0);
	add_decoder(t, m2, 1, 0);
}

const char *topo_name(const struct topo *t, uint32_t id)
{
	if (id == t->window.id)
		return t->window_name;
	if (id < t->nnodes)
		return t->names[id];
	return "?";
}
