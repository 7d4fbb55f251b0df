/* SPDX-License-Identifier: MIT */
/*
 * Region programming: what Linux's region driver (or firmware, for regions
 * that exist at boot) writes into the HDM decoders of every component on
 * the way from a window to its endpoints.  Everything goes through the
 * component registers, so the commit rules apply as they would to a guest.
 *
 * With R the power-of-two factor of the window's ways and P_l the product
 * of R and the ways of the levels above level l, the component at level l
 * (host bridge = 0) selects its target with granularity g * P_l, so the
 * endpoint at region position p sits at window target p mod W and, at
 * level l, at target floor(p / P_l) mod w_l.  Endpoints decode all N ways
 * at granularity g.  A host bridge that passes through (no HDM decoders, one
 * root port) is a 1-way level with nothing to program, as Linux's
 * passthrough decoder: it stays in the arithmetic and out of the plan.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hdm/compregs.h"
#include "topology_priv.h"

#include <cxlemu/topology.h>

#define MAX_LEVELS 8

/* Logs why a region is refused and returns @rc. */
static int reject(struct cxlemu_topo *t, int rc, const char *fmt, ...)
	CXLEMU_PRINTF(3, 4);

static int reject(struct cxlemu_topo *t, int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cxlemu_err(cxlemu_topo_ctx(t), "region: %s", msg);
	return rc;
}
#define HDM_REG(n, r) (CXLEMU_CM_OFFSET + CM_HDM_OFFSET + 0x10u + 0x20u * (n) + (r))
#define HDM_GCTRL (CXLEMU_CM_OFFSET + CM_HDM_OFFSET + 0x4u)
#define CTRL_LOCK (1u << 8)
#define CTRL_COMMIT (1u << 9)
#define CTRL_COMMITTED (1u << 10)
#define CTRL_HOSTONLY (1u << 12)

struct plan {
	uint32_t comp;       /* component to program */
	unsigned int dec;    /* its decoder index */
	uint64_t size;
	unsigned int eiw, eig;
	uint64_t tl;         /* target list, or DPA skip at endpoints */
	bool endpoint;
	uint32_t gctrl;      /* endpoints: HDM global control before */
};

/* The path from an endpoint up: selecting components and the port taken. */
static int path_of(struct cxlemu_topo *t, uint32_t ep, uint32_t *sel,
		   uint32_t *port, unsigned int *nlevels)
{
	struct cxlemu_comp_info c, parent;
	uint32_t cur = ep;
	unsigned int n = 0, i;

	cxlemu_topo_info(t, cur, &c);
	while (c.parent != CXLEMU_COMP_NONE) {
		uint32_t via = c.parent; /* a root or downstream port */

		cxlemu_topo_info(t, via, &parent);
		if (n == MAX_LEVELS)
			return -EINVAL;
		sel[n] = parent.parent; /* host bridge or switch upstream port */
		port[n] = parent.port;
		n++;
		cur = parent.parent;
		cxlemu_topo_info(t, cur, &c);
	}
	/* Host bridge first. */
	for (i = 0; i < n / 2; i++) {
		uint32_t s = sel[i], pp = port[i];

		sel[i] = sel[n - 1 - i];
		port[i] = port[n - 1 - i];
		sel[n - 1 - i] = s;
		port[n - 1 - i] = pp;
	}
	*nlevels = n;
	return 0;
}

static int next_decoder(struct cxlemu_topo *t, uint32_t comp, uint64_t base,
			unsigned int *dec, uint64_t *dpa_end)
{
	struct cxlemu_comp_info c;
	struct cxlemu_hdm_decoder d;
	unsigned int n, count;

	cxlemu_topo_info(t, comp, &c);
	count = cxlemu_hdm_count(c.hdm);
	*dpa_end = 0;
	for (n = 0; n < count; n++) {
		cxlemu_hdm_decoder(c.hdm, n, &d);
		if (!d.committed)
			break;
		if (d.base + d.size > base)
			return reject(t, -EBUSY, "%s: decoder %u ends above the region base 0x%llx",
				      c.name, n, (unsigned long long)base);
		*dpa_end = d.dpa_base + (d.ways ? d.size / d.ways : 0);
	}
	if (n == count)
		return reject(t, -ENOSPC, "%s: all %u decoders are committed", c.name, count);
	*dec = n;
	return 0;
}

/* A host bridge without HDM decoders, passing to its only root port. */
static bool passes_through(const struct cxlemu_comp_info *c)
{
	return c->kind == CXLEMU_COMP_HOST_BRIDGE && (c->flags & CXLEMU_COMP_PASSTHROUGH);
}

/*
 * The first component at or below window target @hb that decodes: the host
 * bridge itself, or, when it passes through, what sits below its root port
 * (a switch or an endpoint); CXLEMU_COMP_NONE when nothing does.
 */
static uint32_t first_decoder(struct cxlemu_topo *t, uint32_t hb)
{
	struct cxlemu_comp_info c, rp;

	cxlemu_topo_info(t, hb, &c);
	if (!passes_through(&c))
		return hb;
	if (c.below == CXLEMU_COMP_NONE || cxlemu_topo_info(t, c.below, &rp))
		return CXLEMU_COMP_NONE;
	return rp.below;
}

/*
 * Lowest free, aligned base for @size in the window: clear of every
 * committed decoder of the components that decode first below the window's
 * targets (each region the window holds has one there).
 */
static int find_base(struct cxlemu_topo *t, const struct cxlemu_window_desc *w,
		     uint64_t size, uint64_t align, uint64_t *base)
{
	uint64_t cand = w->base;
	bool moved = true;
	unsigned int i, n;

	while (moved) {
		moved = false;
		for (i = 0; i < w->ways; i++) {
			struct cxlemu_comp_info c;
			struct cxlemu_hdm_decoder d;
			uint32_t comp = first_decoder(t, w->targets[i]);

			if (comp == CXLEMU_COMP_NONE || cxlemu_topo_info(t, comp, &c) || !c.hdm)
				continue;
			for (n = 0; n < cxlemu_hdm_count(c.hdm); n++) {
				cxlemu_hdm_decoder(c.hdm, n, &d);
				if (!d.committed || d.size == 0 ||
				    d.base >= cand + size || d.base + d.size <= cand)
					continue;
				cand = w->base + ((d.base + d.size - w->base + align - 1) / align) * align;
				moved = true;
			}
		}
		if (cand + size > w->base + w->size || cand + size < cand)
			return -ENOSPC;
	}
	*base = cand;
	return 0;
}

static int write_plan(struct cxlemu_topo *t, const struct plan *p, uint64_t base,
		      uint32_t ctrl_extra)
{
	uint64_t v;
	int rc = 0;

	rc |= cxlemu_topo_reg_write(t, p->comp, HDM_REG(p->dec, 0x0), 8, base);
	rc |= cxlemu_topo_reg_write(t, p->comp, HDM_REG(p->dec, 0x8), 8, p->size);
	rc |= cxlemu_topo_reg_write(t, p->comp, HDM_REG(p->dec, 0x14), 4, (uint32_t)p->tl);
	rc |= cxlemu_topo_reg_write(t, p->comp, HDM_REG(p->dec, 0x18), 4,
				    (uint32_t)(p->tl >> 32));
	if (rc)
		return -EIO;
	/* A route rebuild failing after the commit is reported as such. */
	rc = cxlemu_topo_reg_write(t, p->comp, HDM_REG(p->dec, 0x10), 4,
				   p->eig | p->eiw << 4 | CTRL_COMMIT | ctrl_extra);
	if (cxlemu_topo_reg_read(t, p->comp, HDM_REG(p->dec, 0x10), 4, &v) ||
	    !(v & CTRL_COMMITTED))
		return -EIO;
	return rc;
}

/* Uncommits what a plan committed (last first) and restores HDM enables. */
static void undo(struct cxlemu_topo *t, struct plan *plan, unsigned int n)
{
	while (n-- > 0) {
		cxlemu_topo_reg_write(t, plan[n].comp, HDM_REG(plan[n].dec, 0x10), 4, 0);
		if (plan[n].endpoint)
			cxlemu_topo_reg_write(t, plan[n].comp, HDM_GCTRL, 4, plan[n].gctrl);
	}
}

static int commit_all(struct cxlemu_topo *t, struct plan *plan, unsigned int n,
		      uint64_t base, uint32_t extra)
{
	struct cxlemu_comp_info c;
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		uint64_t g = 0;

		/* Remember HDM Decoder Enable before touching anything. */
		if (plan[i].endpoint) {
			if (cxlemu_topo_reg_read(t, plan[i].comp, HDM_GCTRL, 4, &g))
				g = 0;
			plan[i].gctrl = (uint32_t)g;
		}
		rc = write_plan(t, &plan[i], base, extra);
		if (rc == 0 && plan[i].endpoint &&
		    cxlemu_topo_reg_write(t, plan[i].comp, HDM_GCTRL, 4, g | 2))
			rc = -EIO;
		if (rc) {
			cxlemu_topo_info(t, plan[i].comp, &c);
			reject(t, rc, "%s refused decoder %u (see above); undoing", c.name,
			       plan[i].dec);
			/* The failing step may have committed before failing. */
			undo(t, plan, i + 1);
			return rc;
		}
	}
	return 0;
}

int cxlemu_topo_region_create(struct cxlemu_topo *t,
			      const struct cxlemu_region_desc *d, uint64_t *hpa)
{
	uint32_t sel[CXLEMU_MAX_WAYS][MAX_LEVELS], port[CXLEMU_MAX_WAYS][MAX_LEVELS];
	uint32_t comps[CXLEMU_MAX_WAYS * MAX_LEVELS];
	uint64_t tls[CXLEMU_MAX_WAYS * MAX_LEVELS];
	uint16_t tset[CXLEMU_MAX_WAYS * MAX_LEVELS];
	unsigned int cways[CXLEMU_MAX_WAYS * MAX_LEVELS], cP[CXLEMU_MAX_WAYS * MAX_LEVELS];
	unsigned int nlev[CXLEMU_MAX_WAYS], ck[CXLEMU_MAX_WAYS][MAX_LEVELS], k;
	unsigned int l, p, i, ncomps = 0, nplan = 0, eiw, eig, root_pow2;
	struct plan plan[CXLEMU_MAX_WAYS * (MAX_LEVELS + 1)] = { { 0 } };
	struct cxlemu_window_desc w;
	struct cxlemu_comp_info c;
	uint64_t base, align, gran;
	bool hostonly = true;
	int rc;

	if (!t || !d || d->version != CXLEMU_REGION_DESC_VERSION ||
	    cxlemu_topo_window(t, d->window, &w))
		return -EINVAL;
	if (cxlemu_ways_to_eiw(d->ways, &eiw) || cxlemu_gran_to_eig(d->gran, &eig)) {
		cxlemu_err(NULL, "region: %u ways or granularity %llu not valid", d->ways,
			   (unsigned long long)d->gran);
		return -EINVAL;
	}
	if (w.ways > 1 && d->gran != w.gran)
		return reject(t, -EINVAL, "granularity %llu differs from the window's %llu",
			      (unsigned long long)d->gran, (unsigned long long)w.gran);
	if (d->ways % w.ways)
		return reject(t, -EINVAL, "%u ways are not a multiple of the window's %u",
			      d->ways, w.ways);
	if (d->size == 0 || d->size % ((uint64_t)d->ways * SZ_256M))
		return reject(t, -EINVAL, "size 0x%llx is not a non-zero multiple of %u x 256 MiB",
			      (unsigned long long)d->size, d->ways);
	root_pow2 = w.ways % 3 == 0 ? w.ways / 3 : w.ways;

	/* Paths, one per endpoint (they may differ in depth). */
	for (p = 0; p < d->ways; p++) {
		if (cxlemu_topo_info(t, d->endpoints[p], &c) ||
		    (c.kind != CXLEMU_COMP_TYPE3 && c.kind != CXLEMU_COMP_TYPE2))
			return reject(t, -EINVAL, "position %u is not an endpoint", p);
		hostonly &= c.kind == CXLEMU_COMP_TYPE3;
		for (i = 0; i < p; i++)
			if (d->endpoints[i] == d->endpoints[p])
				return reject(t, -EINVAL, "%s appears twice", c.name);
		if (path_of(t, d->endpoints[p], sel[p], port[p], &nlev[p]) || !nlev[p])
			return reject(t, -EINVAL, "%s: not below a host bridge, or too deep", c.name);
		if (sel[p][0] != w.targets[p % w.ways])
			return reject(t, -EINVAL, "%s at position %u is not below the host bridge the window puts there",
				      c.name, p);
		for (l = 0; l < nlev[p]; l++) {
			for (k = 0; k < ncomps && comps[k] != sel[p][l]; k++)
				;
			if (k == ncomps) {
				if (ncomps == CXLEMU_ARRAY_SIZE(comps))
					return reject(t, -EINVAL, "too many components");
				comps[ncomps] = sel[p][l];
				cways[ncomps] = 0;
				cP[ncomps] = 0;
				tls[ncomps] = 0;
				ncomps++;
			}
			ck[p][l] = k;
		}
	}
	/* Ways of each component: the distinct ports the region takes. */
	for (k = 0; k < ncomps; k++) {
		for (p = 0; p < d->ways; p++) {
			for (l = 0; l < nlev[p] && ck[p][l] != k; l++)
				;
			if (l == nlev[p])
				continue;
			for (i = 0; i < p; i++) {
				unsigned int m;

				for (m = 0; m < nlev[i] && ck[i][m] != k; m++)
					;
				if (m < nlev[i] && port[i][m] == port[p][l])
					break;
			}
			cways[k] += i == p;
		}
		if (cways[k] > CXLEMU_HDM_MAX_TARGETS)
			return reject(t, -EINVAL, "a component would interleave %u ways; its decoders have %u targets",
				      cways[k], CXLEMU_HDM_MAX_TARGETS);
		if (cways[k] & (cways[k] - 1))
			return reject(t, -EINVAL, "a component would interleave %u ways; 3, 6 and 12 only at the window",
				      cways[k]);
	}
	/*
	 * Position p goes to target floor(p / P) mod w at each component on
	 * its path, P the product of the window's power-of-two factor and the
	 * ways above; every path must multiply out to the region's ways.
	 */
	memset(tset, 0, sizeof(tset));
	for (p = 0; p < d->ways; p++) {
		unsigned int P = root_pow2;

		for (l = 0; l < nlev[p]; l++) {
			unsigned int idx;

			k = ck[p][l];
			if (cP[k] && cP[k] != P)
				return reject(t, -EINVAL, "the endpoints reach one component through different interleave depths");
			cP[k] = P;
			idx = (p / P) % cways[k];
			if (tset[k] & (1u << idx)) {
				if ((uint8_t)(tls[k] >> (8 * idx)) != port[p][l])
					return reject(t, -EINVAL, "position %u: the hierarchy cannot interleave the endpoints in this order",
						      p);
			} else {
				tls[k] |= (uint64_t)port[p][l] << (8 * idx);
				tset[k] |= (uint16_t)(1u << idx);
			}
			P *= cways[k];
		}
		if ((uint64_t)P / root_pow2 * w.ways != d->ways)
			return reject(t, -EINVAL, "the path to position %u interleaves %u ways, the region %u",
				      p, P / root_pow2 * w.ways, d->ways);
	}
	/* A port used at two positions of one component cannot work either. */
	for (i = 0; i < ncomps; i++) {
		unsigned int a, b2;

		for (a = 0; a < cways[i]; a++)
			for (b2 = a + 1; b2 < cways[i]; b2++)
				if ((uint8_t)(tls[i] >> (8 * a)) == (uint8_t)(tls[i] >> (8 * b2)))
					return reject(t, -EINVAL, "the hierarchy cannot interleave the endpoints in this order");
	}
	align = SZ_256M * (d->ways % 3 == 0 ? 3 : 1);
	rc = find_base(t, &w, d->size, align, &base);
	if (rc)
		return reject(t, rc, "no free 0x%llx bytes in window %u",
			      (unsigned long long)d->size, d->window);

	/* Plan: switching components, then endpoints. */
	for (i = 0; i < ncomps; i++) {
		struct plan *pl;
		uint64_t dummy;

		cxlemu_topo_info(t, comps[i], &c);
		if (passes_through(&c))
			continue; /* no decoder; 1 way by construction */
		pl = &plan[nplan++];
		pl->comp = comps[i];
		pl->size = d->size;
		pl->endpoint = false;
		pl->tl = tls[i];
		/* A 1-way decoder selects nothing, but Linux checks that it
		 * carries g * P_l like any other when it assembles a region
		 * firmware committed (cxl_port_setup_targets); where that is
		 * above 16 KiB the granularity is moot and g will do. */
		gran = d->gran * cP[i];
		if (cways[i] == 1 && cxlemu_gran_to_eig(gran, &pl->eig))
			gran = d->gran;
		if (cxlemu_ways_to_eiw(cways[i], &pl->eiw) || cxlemu_gran_to_eig(gran, &pl->eig))
			return reject(t, -EINVAL, "a component would need granularity %llu (above 16 KiB)",
				      (unsigned long long)gran);
		rc = next_decoder(t, comps[i], base, &pl->dec, &dummy);
		if (rc)
			return rc;
	}
	for (p = 0; p < d->ways; p++) {
		struct plan *pl = &plan[nplan++];
		uint64_t end, pstart, pend, skip;

		cxlemu_topo_info(t, d->endpoints[p], &c);
		pl->comp = d->endpoints[p];
		pl->size = d->size;
		pl->endpoint = true;
		pl->eiw = eiw;
		pl->eig = eig;
		rc = next_decoder(t, pl->comp, base, &pl->dec, &end);
		if (rc)
			return rc;
		pstart = d->flags & CXLEMU_REGION_PMEM ? c.volatile_size : 0;
		pend = pstart + (d->flags & CXLEMU_REGION_PMEM ? c.persistent_size :
				 c.volatile_size);
		skip = end < pstart ? pstart - end : 0;
		if (end + skip + d->size / d->ways > pend)
			return reject(t, -ENOSPC, "%s: not enough free %s capacity", c.name,
				      d->flags & CXLEMU_REGION_PMEM ? "persistent" : "volatile");
		pl->tl = skip;
	}
	/*
	 * Commit without the lock first; undo everything on the first
	 * refusal.  A locked region is then committed a second time with Lock
	 * On Commit, once every decoder has passed, so a refusal never leaves
	 * locked decoders behind.
	 */
	rc = commit_all(t, plan, nplan, base, hostonly ? CTRL_HOSTONLY : 0);
	if (rc == 0 && (d->flags & CXLEMU_REGION_LOCK)) {
		undo(t, plan, nplan);
		rc = commit_all(t, plan, nplan, base,
				CTRL_LOCK | (hostonly ? CTRL_HOSTONLY : 0));
	}
	if (rc)
		return rc;
	if (hpa)
		*hpa = base;
	return 0;
}
