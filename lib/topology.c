/* SPDX-License-Identifier: MIT */
/*
 * The topology: components, windows, component registers, and route tables
 * rebuilt whenever an HDM decoder commits, uncommits or resets.  Host
 * bridges may pass through to their only root port (topology.h): such a host
 * bridge keeps its HDM decoders aside, hidden from its registers, and is a
 * port in the router's description.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hdm/compregs.h"
#include "hdm/hdm_priv.h"
#include "topology_priv.h"
#include "decode/route_priv.h"

#include <cxlemu/topology.h>

#define MAX_NAME 63
#define DEFAULT_DECODERS 4
#define ALL_CAPS (CXLEMU_HDM_CAP_A11TO8 | CXLEMU_HDM_CAP_A14TO12 | \
		  CXLEMU_HDM_CAP_3_6_12 | CXLEMU_HDM_CAP_16WAY | CXLEMU_HDM_CAP_POISON)

struct comp {
	struct cxlemu_comp_info info;
	char *name;
	uint32_t depth; /* components from the host bridge (1) down */
	struct cxlemu_compregs regs;
	/* Owned HDM decoders; NULL for ports and for host bridges that always
	 * pass through.  info.hdm and regs.hdm point here except while a host
	 * bridge passes through (then NULL: no HDM capability). */
	struct cxlemu_hdm *hdm;
	/* Host bridges: CXLEMU_COMP_PASSTHROUGH or _AUTO as added, or 0. */
	uint32_t mode;
};

#define PASS_FLAGS (CXLEMU_COMP_PASSTHROUGH | CXLEMU_COMP_PASSTHROUGH_AUTO)

struct window {
	struct cxlemu_window_desc desc;
	struct cxlemu_route_pub *pub;
};

struct cxlemu_topo {
	struct cxlemu_ctx *ctx;
	struct comp *comps;
	uint32_t ncomps, capcomps;
	struct window *wins;
	uint32_t nwins, capwins;
	bool dirty;
	uint64_t host_reg_base;
	uint64_t generation; /* rebuilds so far (cxlemu_topo_generation) */
	cxlemu_route_retire_fn retire; /* host reclamation, or NULL for QSBR */
	void *retire_opaque;
};

int cxlemu_topo_new(struct cxlemu_ctx *ctx, struct cxlemu_topo **out)
{
	struct cxlemu_topo *t;

	if (!out)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ctx = ctx;
	*out = t;
	return 0;
}

void cxlemu_topo_free(struct cxlemu_topo *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncomps; i++) {
		cxlemu_hdm_free(t->comps[i].hdm);
		free(t->comps[i].name);
	}
	for (i = 0; i < t->nwins; i++)
		cxlemu_route_pub_free(t->wins[i].pub);
	free(t->comps);
	free(t->wins);
	free(t);
}

uint32_t cxlemu_topo_count(const struct cxlemu_topo *t)
{
	return t ? t->ncomps : 0;
}

uint32_t cxlemu_topo_windows(const struct cxlemu_topo *t)
{
	return t ? t->nwins : 0;
}

uint32_t cxlemu_topo_find(const struct cxlemu_topo *t, const char *name)
{
	uint32_t i;

	for (i = 0; t && name && i < t->ncomps; i++)
		if (!strcmp(t->comps[i].name, name))
			return i;
	return CXLEMU_COMP_NONE;
}

/* Makes room for one more element in a growing array. */
static int grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
	uint32_t ncap;
	void *na;

	if (n < *cap)
		return 0;
	if (*cap > UINT32_MAX / 2)
		return -ENOMEM;
	ncap = *cap ? 2 * *cap : 8;
	na = realloc(*arr, ncap * elem);
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = ncap;
	return 0;
}

static bool is_port(uint32_t kind)
{
	return kind == CXLEMU_COMP_ROOT_PORT || kind == CXLEMU_COMP_DSP;
}

static bool is_endpoint(uint32_t kind)
{
	return kind == CXLEMU_COMP_TYPE3 || kind == CXLEMU_COMP_TYPE2;
}

/* A host bridge passing everything to its only root port (info.below). */
static bool passes_through(const struct comp *c)
{
	return c->info.kind == CXLEMU_COMP_HOST_BRIDGE &&
	       (c->info.flags & CXLEMU_COMP_PASSTHROUGH);
}

/* The port below @parent with Port Number @port, or CXLEMU_COMP_NONE. */
static uint32_t child_port(const struct cxlemu_topo *t, uint32_t parent,
			   uint32_t port)
{
	uint32_t i;

	for (i = 0; i < t->ncomps; i++)
		if (t->comps[i].info.parent == parent &&
		    is_port(t->comps[i].info.kind) && t->comps[i].info.port == port)
			return i;
	return CXLEMU_COMP_NONE;
}

static int rebuild(struct cxlemu_topo *t);

/* Root ports of host bridge @hb; the first one added in @first. */
static uint32_t root_ports(const struct cxlemu_topo *t, uint32_t hb, uint32_t *first)
{
	uint32_t i, n = 0;

	*first = CXLEMU_COMP_NONE;
	for (i = 0; i < t->ncomps; i++) {
		if (t->comps[i].info.kind != CXLEMU_COMP_ROOT_PORT ||
		    t->comps[i].info.parent != hb)
			continue;
		if (!n++)
			*first = i;
	}
	return n;
}

/* Whether a switch or endpoint below host bridge @hb has a committed
 * decoder (committed decoders are a prefix: decoder 0 tells). */
static bool committed_below(const struct cxlemu_topo *t, uint32_t hb)
{
	struct cxlemu_hdm_decoder d;
	uint32_t i, up;

	for (i = 0; i < t->ncomps; i++) {
		if (i == hb || !t->comps[i].info.hdm ||
		    cxlemu_hdm_decoder(t->comps[i].info.hdm, 0, &d) || !d.committed)
			continue;
		for (up = t->comps[i].info.parent; up != CXLEMU_COMP_NONE &&
		     up != hb; up = t->comps[up].info.parent)
			;
		if (up == hb)
			return true;
	}
	return false;
}

/*
 * Decides whether host bridge @id passes through (topology.h): always,
 * never, or (auto) exactly while it has one root port.  A change of mode
 * resets its HDM decoders, which show or hide with the mode.
 */
static void hb_decide(struct cxlemu_topo *t, uint32_t id)
{
	struct comp *c = &t->comps[id];
	struct cxlemu_hdm_decoder d;
	uint32_t first, n = root_ports(t, id, &first);
	bool was = c->info.flags & CXLEMU_COMP_PASSTHROUGH, pass;

	if (c->mode & CXLEMU_COMP_PASSTHROUGH)
		pass = true;
	else if (c->mode & CXLEMU_COMP_PASSTHROUGH_AUTO)
		pass = n == 1;
	else
		pass = false;
	c->info.below = pass ? first : CXLEMU_COMP_NONE;
	if (pass == was)
		return;
	if (c->hdm) {
		if (pass && !cxlemu_hdm_decoder(c->hdm, 0, &d) && d.committed)
			cxlemu_warn(t->ctx, "%s: its committed HDM decoders are dropped: it passes through now",
				    c->name);
		cxlemu_hdm_reset(c->hdm);
	}
	c->info.flags = (c->mode & CXLEMU_COMP_PASSTHROUGH_AUTO) |
			(pass ? CXLEMU_COMP_PASSTHROUGH : 0);
	c->info.hdm = pass ? NULL : c->hdm;
	c->regs.hdm = pass ? NULL : c->hdm;
	t->dirty = true;
	if (pass)
		cxlemu_info(t->ctx, "%s: passes through to %s, no HDM decoders", c->name,
			    first == CXLEMU_COMP_NONE ? "its root port once added" :
			    t->comps[first].name);
	else
		cxlemu_info(t->ctx, "%s: %u root ports: decodes with HDM decoders, all uncommitted",
			    c->name, n);
	if (!pass && committed_below(t, id))
		cxlemu_warn(t->ctx, "%s: routes through it miss until its HDM decoders are programmed",
			    c->name);
}

static void hdm_changed(void *opaque, unsigned int decoder)
{
	struct cxlemu_topo *t = opaque;

	(void)decoder;
	t->dirty = true;
}

/* Checks where a new component may go and finds its depth. */
static int check_parent(struct cxlemu_topo *t, const struct cxlemu_comp_desc *d,
			uint32_t *depth)
{
	const struct comp *p;
	uint32_t want;

	if (d->kind == CXLEMU_COMP_HOST_BRIDGE) {
		if (d->parent != CXLEMU_COMP_NONE) {
			cxlemu_err(t->ctx, "%s: a host bridge has no parent", d->name);
			return -EINVAL;
		}
		*depth = 1;
		return 0;
	}
	if (d->parent >= t->ncomps) {
		cxlemu_err(t->ctx, "%s: parent %u does not exist", d->name, d->parent);
		return -EINVAL;
	}
	p = &t->comps[d->parent];
	want = p->info.kind;
	switch (d->kind) {
	case CXLEMU_COMP_ROOT_PORT: {
		uint32_t first;

		if (want != CXLEMU_COMP_HOST_BRIDGE) {
			cxlemu_err(t->ctx, "%s: a root port belongs to a host bridge, not %s",
				   d->name, p->name);
			return -EINVAL;
		}
		/* Without HDM decoders it could not choose between two. */
		if ((p->mode & CXLEMU_COMP_PASSTHROUGH) &&
		    root_ports(t, d->parent, &first)) {
			cxlemu_err(t->ctx, "%s: host bridge %s always passes through (no HDM decoders) and already has root port %s; give it HDM decoders or the auto mode for more",
				   d->name, p->name, t->comps[first].name);
			return -EINVAL;
		}
		break;
	}
	case CXLEMU_COMP_DSP:
		if (want != CXLEMU_COMP_USP) {
			cxlemu_err(t->ctx, "%s: a downstream port belongs to a switch upstream port, not %s",
				   d->name, p->name);
			return -EINVAL;
		}
		break;
	default: /* switch upstream port or endpoint: below a free port */
		if (!is_port(want)) {
			cxlemu_err(t->ctx, "%s: must sit below a root or downstream port, not %s",
				   d->name, p->name);
			return -EINVAL;
		}
		if (p->info.below != CXLEMU_COMP_NONE) {
			cxlemu_err(t->ctx, "%s: port %s already has %s attached", d->name,
				   p->name, t->comps[p->info.below].name);
			return -EBUSY;
		}
		break;
	}
	if (is_port(d->kind)) {
		if (d->port > 255 || child_port(t, d->parent, d->port) != CXLEMU_COMP_NONE) {
			cxlemu_err(t->ctx, "%s: port number %u invalid or already used below %s",
				   d->name, d->port, p->name);
			return -EINVAL;
		}
	}
	if (p->depth + 1 > CXLEMU_ROUTE_MAX_DEPTH) {
		cxlemu_err(t->ctx, "%s: hierarchy deeper than %u components", d->name,
			   CXLEMU_ROUTE_MAX_DEPTH);
		return -EINVAL;
	}
	*depth = p->depth + 1;
	return 0;
}

static int make_hdm(struct cxlemu_topo *t, const struct cxlemu_comp_desc *d,
		    uint32_t flags, struct cxlemu_hdm **out)
{
	struct cxlemu_hdm_config cfg;

	*out = NULL;
	if (is_port(d->kind) || (flags & CXLEMU_COMP_PASSTHROUGH))
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = CXLEMU_HDM_CONFIG_VERSION;
	cfg.decoders = d->decoders ? d->decoders : DEFAULT_DECODERS;
	cfg.caps = d->caps ? d->caps : ALL_CAPS;
	cfg.changed = hdm_changed;
	cfg.opaque = t;
	if (is_endpoint(d->kind)) {
		cfg.kind = CXLEMU_HDM_ENDPOINT;
		/* DPA order (8.2.9.9.2.1): volatile, persistent, dynamic. */
		cfg.npartitions = 0;
		if (d->volatile_size)
			cfg.partition_size[cfg.npartitions++] = d->volatile_size;
		if (d->persistent_size)
			cfg.partition_size[cfg.npartitions++] = d->persistent_size;
		if (d->dc_size)
			cfg.partition_size[cfg.npartitions++] = d->dc_size;
	} else {
		cfg.kind = d->kind == CXLEMU_COMP_HOST_BRIDGE ?
			   CXLEMU_HDM_HOST_BRIDGE : CXLEMU_HDM_SWITCH;
		cfg.targets = CXLEMU_HDM_MAX_TARGETS;
		/* Ports are added later: the port list is filled then. */
		cfg.nports = 0;
	}
	return cxlemu_hdm_new(t->ctx, &cfg, out);
}

int cxlemu_topo_add(struct cxlemu_topo *t, const struct cxlemu_comp_desc *d,
		    uint32_t *id)
{
	struct cxlemu_hdm *hdm;
	struct comp *c;
	uint32_t depth, n, flags;
	int rc;

	if (!t || !d || d->version < 1 || d->version > CXLEMU_COMP_DESC_VERSION ||
	    !d->name || !d->name[0] || strlen(d->name) > MAX_NAME)
		return -EINVAL;
	if (d->kind < CXLEMU_COMP_HOST_BRIDGE || d->kind > CXLEMU_COMP_TYPE2) {
		cxlemu_err(t->ctx, "%s: unknown component kind %u", d->name, d->kind);
		return -EINVAL;
	}
	/* Version 1 had a reserved field where the flags are. */
	flags = d->version >= 2 ? d->flags : 0;
	if (flags & ~PASS_FLAGS) {
		cxlemu_err(t->ctx, "%s: unknown flags 0x%x", d->name, flags & ~PASS_FLAGS);
		return -EINVAL;
	}
	if (flags && d->kind != CXLEMU_COMP_HOST_BRIDGE) {
		cxlemu_err(t->ctx, "%s: only a host bridge passes through", d->name);
		return -EINVAL;
	}
	if (flags == PASS_FLAGS) {
		cxlemu_err(t->ctx, "%s: a host bridge passes through always or automatically, not both",
			   d->name);
		return -EINVAL;
	}
	if ((flags & CXLEMU_COMP_PASSTHROUGH) && (d->decoders || d->caps)) {
		cxlemu_err(t->ctx, "%s: a host bridge that always passes through has no HDM decoders (decoders and caps must be 0)",
			   d->name);
		return -EINVAL;
	}
	if (cxlemu_topo_find(t, d->name) != CXLEMU_COMP_NONE) {
		cxlemu_err(t->ctx, "%s: name already used", d->name);
		return -EEXIST;
	}
	if (is_endpoint(d->kind) &&
	    (!cxlemu_is_aligned(d->volatile_size, SZ_256M) ||
	     !cxlemu_is_aligned(d->persistent_size, SZ_256M) ||
	     !cxlemu_is_aligned(d->dc_size, SZ_256M) ||
	     d->volatile_size >= CXLEMU_ADDR_LIMIT ||
	     d->persistent_size >= CXLEMU_ADDR_LIMIT - d->volatile_size ||
	     d->dc_size >= CXLEMU_ADDR_LIMIT - d->volatile_size - d->persistent_size)) {
		cxlemu_err(t->ctx, "%s: capacities must be 256 MiB multiples below 2^52",
			   d->name);
		return -EINVAL;
	}
	rc = check_parent(t, d, &depth);
	if (rc)
		return rc;
	rc = grow((void **)&t->comps, &t->capcomps, t->ncomps, sizeof(*t->comps));
	if (rc)
		return rc;
	n = t->ncomps;
	c = &t->comps[n];
	memset(c, 0, sizeof(*c));
	c->name = strdup(d->name);
	if (!c->name)
		return -ENOMEM;
	rc = make_hdm(t, d, flags, &hdm);
	if (rc) {
		free(c->name);
		return rc;
	}
	c->hdm = hdm;
	c->mode = flags;
	c->info.hdm = hdm;
	c->info.flags = flags & CXLEMU_COMP_PASSTHROUGH_AUTO;
	cxlemu_compregs_init(&c->regs, hdm);
	c->info.kind = d->kind;
	c->info.parent = d->parent;
	c->info.port = d->port;
	c->info.uid = d->uid;
	c->info.below = CXLEMU_COMP_NONE;
	c->info.name = c->name;
	c->info.volatile_size = d->volatile_size;
	c->info.persistent_size = d->persistent_size;
	c->info.dc_size = d->dc_size;
	c->info.lsa_size = d->lsa_size;
	c->info.serial = d->serial;
	c->info.reg_base = d->kind == CXLEMU_COMP_HOST_BRIDGE ? d->reg_base : 0;
	c->depth = depth;
	if (d->kind != CXLEMU_COMP_HOST_BRIDGE) {
		struct comp *p = &t->comps[d->parent];

		if (is_port(d->kind)) {
			if (p->hdm)
				cxlemu_hdm_add_port(p->hdm, (uint8_t)d->port);
		} else {
			p->info.below = n;
		}
	}
	t->ncomps++;
	if (id)
		*id = n;
	/* A host bridge's mode may follow its root ports. */
	if (d->kind == CXLEMU_COMP_HOST_BRIDGE)
		hb_decide(t, n);
	else if (d->kind == CXLEMU_COMP_ROOT_PORT)
		hb_decide(t, d->parent);
	/* Something attached below committed decoders changes routes. */
	return t->nwins ? rebuild(t) : 0;
}

int cxlemu_topo_info(const struct cxlemu_topo *t, uint32_t id,
		     struct cxlemu_comp_info *out)
{
	if (!t || !out || id >= t->ncomps)
		return -EINVAL;
	*out = t->comps[id].info;
	return 0;
}

int cxlemu_topo_window(const struct cxlemu_topo *t, uint32_t win,
		       struct cxlemu_window_desc *out)
{
	if (!t || !out || win >= t->nwins)
		return -EINVAL;
	*out = t->wins[win].desc;
	return 0;
}

/* The router's view of a window. */
static int route_window(const struct cxlemu_window_desc *d,
			struct cxlemu_route_window *w)
{
	unsigned int eiw, eig, i;

	if (cxlemu_ways_to_eiw(d->ways, &eiw) || cxlemu_gran_to_eig(d->gran, &eig) ||
	    d->nxormaps > CXLEMU_MAX_XORMAPS)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->base = d->base;
	w->size = d->size;
	w->id = CXLEMU_COMP_NONE;
	w->eiw = (uint8_t)eiw;
	w->eig = (uint8_t)eig;
	w->arith = (uint8_t)d->arith;
	w->nxormaps = (uint8_t)d->nxormaps;
	for (i = 0; i < CXLEMU_MAX_XORMAPS; i++)
		w->xormaps[i] = d->xormaps[i];
	for (i = 0; i < CXLEMU_MAX_WAYS; i++)
		w->targets[i] = i < d->ways ? d->targets[i] : CXLEMU_NO_NODE;
	return 0;
}

/*
 * The router's view of the components: node i is component i, with the
 * committed decoders of its HDM capability (endpoints: only while HDM
 * decoding is enabled) and target port numbers turned into components.  A
 * host bridge that passes through is a port above its root port.
 */
static int route_nodes(const struct cxlemu_topo *t, struct cxlemu_route_node **nodes_out,
		       struct cxlemu_route_decoder **decs_out)
{
	struct cxlemu_route_node *nodes;
	struct cxlemu_route_decoder *decs;
	uint32_t i, total = 0, k = 0;
	unsigned int n, p;

	for (i = 0; i < t->ncomps; i++)
		if (t->comps[i].info.hdm)
			total += cxlemu_hdm_count(t->comps[i].info.hdm);
	nodes = calloc(t->ncomps ? t->ncomps : 1, sizeof(*nodes));
	decs = calloc(total ? total : 1, sizeof(*decs));
	if (!nodes || !decs) {
		free(nodes);
		free(decs);
		return -ENOMEM;
	}
	for (i = 0; i < t->ncomps; i++) {
		const struct comp *c = &t->comps[i];
		struct cxlemu_route_node *nd = &nodes[i];

		nd->id = i;
		nd->below = CXLEMU_NO_NODE;
		if (is_port(c->info.kind) || passes_through(c)) {
			nd->kind = CXLEMU_NODE_PORT;
			nd->below = c->info.below;
			continue;
		}
		nd->kind = is_endpoint(c->info.kind) ? CXLEMU_NODE_ENDPOINT :
			   CXLEMU_NODE_SWITCH;
		nd->decoders = &decs[k];
		if (!cxlemu_hdm_enabled(c->info.hdm))
			continue;
		for (n = 0; n < cxlemu_hdm_count(c->info.hdm); n++) {
			struct cxlemu_hdm_decoder hd;
			struct cxlemu_route_decoder *rd = &decs[k];

			cxlemu_hdm_decoder(c->info.hdm, n, &hd);
			if (!hd.committed)
				break; /* committed decoders are a prefix */
			rd->base = hd.base;
			rd->size = hd.size;
			rd->eiw = hd.eiw;
			rd->eig = hd.eig;
			rd->dpa_base = hd.dpa_base;
			for (p = 0; p < CXLEMU_MAX_WAYS; p++)
				rd->targets[p] = CXLEMU_NO_NODE;
			if (nd->kind == CXLEMU_NODE_SWITCH)
				for (p = 0; p < hd.ways && p < CXLEMU_HDM_MAX_TARGETS; p++)
					rd->targets[p] = child_port(t, i, hd.targets[p]);
			/* A zero-sized decoder routes nothing. */
			if (hd.size == 0)
				continue;
			nd->ndecoders++;
			k++;
		}
	}
	*nodes_out = nodes;
	*decs_out = decs;
	return 0;
}

/*
 * Rebuilds and publishes the route table of every window.  A window whose
 * table cannot be built is unmapped (every access misses) rather than left
 * routing through decoders that no longer exist; the next change tries
 * again.  Returns the first error.
 */
static int rebuild(struct cxlemu_topo *t)
{
	struct cxlemu_route_node *nodes = NULL;
	struct cxlemu_route_decoder *decs = NULL;
	struct cxlemu_route_window w;
	uint32_t i;
	int rc, first = 0;

	t->dirty = false;
	t->generation++;
	rc = route_nodes(t, &nodes, &decs);
	for (i = 0; i < t->nwins; i++) {
		struct cxlemu_route_table *tbl = NULL;
		int wrc = rc;

		if (!wrc) {
			route_window(&t->wins[i].desc, &w);
			wrc = cxlemu_route_table_build(t->ctx, &w, nodes, t->ncomps, &tbl);
		}
		if (wrc)
			cxlemu_err(t->ctx, "window %u: route table not rebuilt (%s): window unmapped",
				   i, cxlemu_strerror(wrc));
		/* A change elsewhere leaves this window's routes as they were:
		 * keep the published table (readers and front-ends' mappings
		 * stay valid). */
		if (!wrc && t->wins[i].pub->table &&
		    cxlemu_route_table_same(t->wins[i].pub->table, tbl)) {
			cxlemu_route_table_free(tbl);
			continue;
		}
		if (cxlemu_route_pub_set(t->wins[i].pub, tbl)) {
			cxlemu_route_table_free(tbl);
			wrc = wrc ? wrc : -ENOMEM;
		}
		if (wrc && !first)
			first = wrc;
	}
	free(nodes);
	free(decs);
	return first;
}

int cxlemu_topo_add_window(struct cxlemu_topo *t, const struct cxlemu_window_desc *d,
			   uint32_t *id)
{
	struct cxlemu_route_window w;
	uint32_t i;
	int rc;

	if (!t || !d || d->version != CXLEMU_WINDOW_DESC_VERSION)
		return -EINVAL;
	if (route_window(d, &w)) {
		cxlemu_err(t->ctx, "window: %u ways, granularity %llu or %u XOR maps not valid",
			   d->ways, (unsigned long long)d->gran, d->nxormaps);
		return -EINVAL;
	}
	for (i = 0; i < d->ways; i++) {
		if (d->targets[i] >= t->ncomps ||
		    t->comps[d->targets[i]].info.kind != CXLEMU_COMP_HOST_BRIDGE) {
			cxlemu_err(t->ctx, "window: target %u is not a host bridge", i);
			return -EINVAL;
		}
	}
	for (i = 0; i < t->nwins; i++) {
		const struct cxlemu_window_desc *o = &t->wins[i].desc;

		if (d->base < o->base + o->size && o->base < d->base + d->size) {
			cxlemu_err(t->ctx, "window: [0x%llx, +0x%llx) overlaps window %u",
				   (unsigned long long)d->base,
				   (unsigned long long)d->size, i);
			return -EINVAL;
		}
	}
	/* Alignment, sizes, XOR maps: the router's own rules (the targets
	 * were checked above, so the window is checked alone). */
	for (i = 0; i < CXLEMU_MAX_WAYS; i++)
		w.targets[i] = CXLEMU_NO_NODE;
	rc = cxlemu_route_check(t->ctx, &w, NULL, 0);
	if (rc)
		return rc;
	rc = grow((void **)&t->wins, &t->capwins, t->nwins, sizeof(*t->wins));
	if (rc)
		return rc;
	memset(&t->wins[t->nwins], 0, sizeof(t->wins[0]));
	t->wins[t->nwins].desc = *d;
	rc = cxlemu_route_pub_new(t->ctx, t->retire, t->retire_opaque,
				  &t->wins[t->nwins].pub);
	if (rc)
		return rc;
	if (id)
		*id = t->nwins;
	t->nwins++;
	return rebuild(t);
}

static struct comp *comp_of(struct cxlemu_topo *t, uint32_t id)
{
	return t && id < t->ncomps ? &t->comps[id] : NULL;
}

int cxlemu_topo_reg_read(struct cxlemu_topo *t, uint32_t id, uint32_t offset,
			 unsigned int size, uint64_t *val)
{
	struct comp *c = comp_of(t, id);

	if (!c)
		return -EINVAL;
	return cxlemu_compregs_read(&c->regs, offset, size, val);
}

int cxlemu_topo_reg_write(struct cxlemu_topo *t, uint32_t id, uint32_t offset,
			  unsigned int size, uint64_t val)
{
	struct comp *c = comp_of(t, id);
	int rc;

	if (!c)
		return -EINVAL;
	rc = cxlemu_compregs_write(&c->regs, offset, size, val);
	/* Decoders that committed, uncommitted or reset, and HDM decode
	 * being enabled or disabled at an endpoint, change routes. */
	if (rc == 0 && (t->dirty || (c->info.hdm && offset <= CXLEMU_CM_OFFSET + CM_HDM_OFFSET + 4 &&
				     offset + size > CXLEMU_CM_OFFSET + CM_HDM_OFFSET + 4)))
		rc = rebuild(t);
	return rc;
}

int cxlemu_topo_set_route_retire(struct cxlemu_topo *t, cxlemu_route_retire_fn retire,
				 void *opaque)
{
	if (!t)
		return -EINVAL;
	if (t->nwins) {
		cxlemu_err(t->ctx, "route reclamation must be chosen before the first window");
		return -EBUSY;
	}
	t->retire = retire;
	t->retire_opaque = opaque;
	return 0;
}

int cxlemu_topo_hdm_offset(const struct cxlemu_topo *t, uint32_t id, uint32_t *offset)
{
	if (!t || id >= t->ncomps || !offset)
		return -EINVAL;
	if (!t->comps[id].info.hdm)
		return -ENOENT;
	*offset = CXLEMU_CM_OFFSET + CM_HDM_OFFSET;
	return 0;
}

int cxlemu_topo_reset(struct cxlemu_topo *t, uint32_t id)
{
	struct comp *c = comp_of(t, id);

	if (!c)
		return -EINVAL;
	cxlemu_compregs_reset(&c->regs);
	/* QEMU decides at reset whether a pxb-cxl passes through. */
	if (c->info.kind == CXLEMU_COMP_HOST_BRIDGE)
		hb_decide(t, id);
	return rebuild(t);
}

int cxlemu_topo_detach(struct cxlemu_topo *t, uint32_t port)
{
	struct comp *p = comp_of(t, port), *e;

	if (!p || !is_port(p->info.kind) || p->info.below == CXLEMU_COMP_NONE ||
	    !is_endpoint(t->comps[p->info.below].info.kind)) {
		if (t)
			cxlemu_err(t->ctx, "detach: component %u is not a port with an endpoint below",
				   port);
		return -EINVAL;
	}
	e = &t->comps[p->info.below];
	p->info.below = CXLEMU_COMP_NONE;
	e->info.parent = CXLEMU_COMP_NONE;
	cxlemu_compregs_reset(&e->regs);
	cxlemu_info(t->ctx, "%s detached from %s", e->name, p->name);
	return rebuild(t);
}

int cxlemu_topo_attach(struct cxlemu_topo *t, uint32_t port, uint32_t id)
{
	struct comp *p = comp_of(t, port), *e = comp_of(t, id);

	if (!p || !e || !is_port(p->info.kind) || !is_endpoint(e->info.kind) ||
	    e->info.parent != CXLEMU_COMP_NONE) {
		if (t)
			cxlemu_err(t->ctx, "attach: %u is not a port or %u not a detached endpoint",
				   port, id);
		return -EINVAL;
	}
	if (p->info.below != CXLEMU_COMP_NONE) {
		cxlemu_err(t->ctx, "attach: port %s already has %s below it", p->name,
			   t->comps[p->info.below].name);
		return -EBUSY;
	}
	if (p->depth + 1 > CXLEMU_ROUTE_MAX_DEPTH) {
		cxlemu_err(t->ctx, "attach: %s below %s is deeper than %u components", e->name,
			   p->name, CXLEMU_ROUTE_MAX_DEPTH);
		return -EINVAL;
	}
	cxlemu_compregs_reset(&e->regs);
	p->info.below = id;
	e->info.parent = port;
	e->depth = p->depth + 1;
	cxlemu_info(t->ctx, "%s attached below %s", e->name, p->name);
	return rebuild(t);
}

struct cxlemu_route_pub *cxlemu_topo_routes(struct cxlemu_topo *t, uint32_t win)
{
	return t && win < t->nwins ? t->wins[win].pub : NULL;
}

static int find_window(const struct cxlemu_topo *t, uint64_t hpa)
{
	uint32_t i;

	for (i = 0; i < t->nwins; i++)
		if (hpa >= t->wins[i].desc.base &&
		    hpa - t->wins[i].desc.base < t->wins[i].desc.size)
			return (int)i;
	return -1;
}

int cxlemu_topo_route(struct cxlemu_topo *t, uint64_t hpa, uint32_t *ep,
		      uint64_t *dpa)
{
	const struct cxlemu_route_table *tbl;
	int w = t ? find_window(t, hpa) : -1;

	if (w < 0 || !(tbl = cxlemu_route_pub_get(t->wins[w].pub))) {
		*ep = CXLEMU_COMP_NONE;
		*dpa = 0;
		return CXLEMU_ROUTE_MISS;
	}
	return cxlemu_route(tbl, hpa, ep, dpa);
}

/* First committed decoder covering @hpa, read from the registers. */
static int reg_decoder(const struct comp *c, uint64_t hpa,
		       struct cxlemu_hdm_decoder *d)
{
	unsigned int n;

	if (!cxlemu_hdm_enabled(c->info.hdm))
		return -1;
	for (n = 0; n < cxlemu_hdm_count(c->info.hdm); n++) {
		cxlemu_hdm_decoder(c->info.hdm, n, d);
		if (d->committed && hpa >= d->base && hpa - d->base < d->size)
			return (int)n;
	}
	return -1;
}

int cxlemu_topo_walk(struct cxlemu_topo *t, uint64_t hpa,
		     struct cxlemu_route_info *info)
{
	const struct cxlemu_window_desc *wd;
	struct cxlemu_hdm_decoder d;
	struct cxlemu_xormaps x;
	uint32_t cur, level;
	unsigned int eiw, eig, pos;
	uint64_t off;
	int w, n;

	if (!t || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	w = find_window(t, hpa);
	if (w < 0)
		return cxlemu_route_miss(info, 0, CXLEMU_COMP_NONE, CXLEMU_MISS_OUTSIDE);
	wd = &t->wins[w].desc;
	cxlemu_ways_to_eiw(wd->ways, &eiw);
	cxlemu_gran_to_eig(wd->gran, &eig);
	if (wd->arith == CXLEMU_ARITH_XOR) {
		if (cxlemu_xormaps_init(&x, wd->xormaps, wd->nxormaps))
			return -EINVAL;
		hpa = cxlemu_xor_spa_to_hpa(&x, hpa);
	}
	info->hpa = hpa;
	cxlemu_hpa_to_dpa(hpa - wd->base, eiw, eig, &pos, NULL);
	cur = wd->targets[pos];
	for (level = 1; level <= CXLEMU_ROUTE_MAX_DEPTH; level++) {
		const struct comp *c = &t->comps[cur];

		info->path[info->depth++] = cur;
		if (is_port(c->info.kind) || passes_through(c)) {
			if (c->info.below == CXLEMU_COMP_NONE)
				return cxlemu_route_miss(info, level, cur, CXLEMU_MISS_EMPTY_PORT);
			cur = c->info.below;
			continue;
		}
		n = reg_decoder(c, hpa, &d);
		if (n < 0)
			return cxlemu_route_miss(info, level, cur, CXLEMU_MISS_NO_DECODER);
		cxlemu_hpa_to_dpa(hpa - d.base, d.eiw, d.eig, &pos, &off);
		if (is_endpoint(c->info.kind)) {
			info->level = level;
			info->ep = cur;
			info->decoder = (uint32_t)n;
			info->dpa = d.dpa_base + off;
			return 0;
		}
		cur = child_port(t, cur, d.targets[pos]);
		if (cur == CXLEMU_COMP_NONE)
			return cxlemu_route_miss(info, level, info->path[info->depth - 1],
					 CXLEMU_MISS_EMPTY_PORT);
	}
	return -ELOOP;
}

struct cxlemu_ctx *cxlemu_topo_ctx(const struct cxlemu_topo *t)
{
	return t ? t->ctx : NULL;
}

uint64_t cxlemu_topo_generation(const struct cxlemu_topo *t)
{
	return t ? t->generation : 0;
}

void cxlemu_topo_set_host_reg_base(struct cxlemu_topo *t, uint64_t base)
{
	if (t)
		t->host_reg_base = base;
}

uint64_t cxlemu_topo_host_reg_base(const struct cxlemu_topo *t)
{
	return t ? t->host_reg_base : 0;
}

int cxlemu_topo_set_reg_base(struct cxlemu_topo *t, uint32_t id, uint64_t base)
{
	if (!t || id >= t->ncomps ||
	    t->comps[id].info.kind != CXLEMU_COMP_HOST_BRIDGE)
		return -EINVAL;
	t->comps[id].info.reg_base = base;
	return 0;
}
