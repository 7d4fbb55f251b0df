/* SPDX-License-Identifier: MIT */
/*
 * The simulator ABI (sim.h): a topology, a memory device and a mailbox per
 * type-3 endpoint, register windows, and one call per memory access that
 * routes through the published route tables, splits at interleave unit
 * boundaries, reads or writes device memory and models the latency.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../topology_priv.h"
#include "sparse.h"

#include <cxlemu/acpi.h>
#include <cxlemu/mailbox.h>
#include <cxlemu/memdev.h>
#include <cxlemu/sim.h>
#include <cxlemu/topology.h>

#define SIM_MAX_ACCESS 4096u
/* An access of at most 4096 bytes over units of at least 256 bytes (the
 * smallest interleave granularity) has at most 17 pieces. */
#define SIM_MAX_PIECES (SIM_MAX_ACCESS / 256u + 1u)
#define REG_BLOCK UINT64_C(0x10000)
#define NO_EP UINT32_MAX

/* Default latency model: rough figures for CXL 2.0 x8 devices. */
#define DEF_HOST_BRIDGE_NS 40
#define DEF_SWITCH_NS 70
#define DEF_LINK_NS 25
#define DEF_MEDIA_READ_NS 90
#define DEF_MEDIA_WRITE_NS 90
#define DEF_PS_PER_BYTE 32 /* 32 GT/s x8: about 32 GB/s a direction */

/* PCI IDs the endpoints' mailboxes report (those of QEMU's cxl-type3). */
#define EP_VENDOR_ID 0x8086
#define EP_DEVICE_ID 0x0d93

struct sim_ep {
	struct cxlemu_sim *sim;
	uint32_t idx;      /* endpoint index */
	uint32_t comp;     /* topology component id */
	uint32_t switches; /* switch levels between its host bridge and it */
	struct cxlemu_memdev *md;
	struct cxlemu_cci *cci;
	struct sparse_store store;
	struct cxlemu_sim_ep_stats st;
};

struct sim_win {
	uint64_t base, size;
	struct cxlemu_route_pub *pub;
};

struct reg_win {
	struct cxlemu_sim_reg_window w;
	uint32_t ep; /* mailbox windows: endpoint index */
};

struct cxlemu_sim {
	struct cxlemu_ctx *ctx;
	struct cxlemu_topo *t;
	struct cxlemu_sim_latency lat;
	struct cxlemu_sim_host host;
	uint32_t payload;
	bool host_mem;      /* the host keeps device memory */
	struct sim_ep *eps;
	uint32_t neps;
	uint32_t *comp_ep;  /* component id -> endpoint index, or NO_EP */
	uint32_t ncomp_ep;
	/* Cached from the topology, refreshed when its generation moves. */
	uint64_t gen;
	struct sim_win *wins;
	uint32_t nwins;
	struct reg_win *regs;
	uint32_t nregs;
	uint32_t *reg_order; /* indices of regs by base */
};

/* One piece of an access: the bytes [off, off + len) go to (ep, dpa). */
struct piece {
	uint32_t ep;
	uint32_t len;
	uint32_t off;
	uint64_t dpa;
};

static const uint8_t zero_page[SPARSE_PAGE_SIZE];

void cxlemu_sim_config_init(struct cxlemu_sim_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->version = CXLEMU_SIM_CONFIG_VERSION;
	cfg->host.version = CXLEMU_SIM_HOST_VERSION;
	cfg->lat.host_bridge_ns = DEF_HOST_BRIDGE_NS;
	cfg->lat.switch_ns = DEF_SWITCH_NS;
	cfg->lat.link_ns = DEF_LINK_NS;
	cfg->lat.media_read_ns = DEF_MEDIA_READ_NS;
	cfg->lat.media_write_ns = DEF_MEDIA_WRITE_NS;
	cfg->lat.ps_per_byte = DEF_PS_PER_BYTE;
}

/* ---- host services, seen from the context, memdevs and mailboxes ---- */

static void sim_log(void *opaque, int level, const char *msg)
{
	struct cxlemu_sim *sim = opaque;

	if (sim->host.log)
		sim->host.log(sim->host.opaque, level, msg);
}

static uint64_t sim_now(void *opaque)
{
	struct cxlemu_sim *sim = opaque;

	return sim->host.now_ns ? sim->host.now_ns(sim->host.opaque) : 0;
}

static void ep_irq(void *opaque)
{
	struct sim_ep *ep = opaque;

	if (ep->sim->host.mbox_irq)
		ep->sim->host.mbox_irq(ep->sim->host.opaque, ep->idx);
}

static void ep_schedule(void *opaque, uint64_t when_ns)
{
	struct sim_ep *ep = opaque;

	if (ep->sim->host.schedule)
		ep->sim->host.schedule(ep->sim->host.opaque, when_ns);
}

static void ep_event_irq(void *opaque, unsigned int log, unsigned int mode,
			 unsigned int vector)
{
	struct sim_ep *ep = opaque;

	(void)mode;
	if (ep->sim->host.event_irq)
		ep->sim->host.event_irq(ep->sim->host.opaque, ep->idx, log, vector);
}

/* Writes device memory for the device itself (Clear Poison). */
static int ep_media_write(void *opaque, uint64_t dpa, const void *buf, size_t len)
{
	struct sim_ep *ep = opaque;
	struct cxlemu_sim *sim = ep->sim;

	if (sim->host_mem)
		return sim->host.mem_write(sim->host.opaque, ep->idx, dpa, buf, len);
	return sparse_write(&ep->store, dpa, buf, len);
}

/* Sanitize and secure erase: the sparse store drops the pages; a host that
 * keeps memory gets zeroes written, a page at a time. */
static int ep_media_zero(void *opaque, uint64_t dpa, uint64_t len)
{
	struct sim_ep *ep = opaque;
	struct cxlemu_sim *sim = ep->sim;
	int rc;

	if (!sim->host_mem) {
		sparse_zero(&ep->store, dpa, len);
		return 0;
	}
	while (len) {
		size_t n = len < sizeof(zero_page) ? (size_t)len : sizeof(zero_page);

		rc = sim->host.mem_write(sim->host.opaque, ep->idx, dpa, zero_page, n);
		if (rc)
			return rc < 0 ? rc : -EIO;
		dpa += n;
		len -= n;
	}
	return 0;
}

/* ---- creation ---- */

static void set_err(char *err, size_t errlen, const char *fmt, ...) CXLEMU_PRINTF(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Switch levels above endpoint @comp: the upstream ports on its path. */
static uint32_t switch_levels(const struct cxlemu_topo *t, uint32_t comp)
{
	struct cxlemu_comp_info ci;
	uint32_t n = 0, id = comp, depth;

	for (depth = 0; depth <= CXLEMU_ROUTE_MAX_DEPTH && id != CXLEMU_COMP_NONE; depth++) {
		if (cxlemu_topo_info(t, id, &ci))
			break;
		n += ci.kind == CXLEMU_COMP_USP;
		id = ci.parent;
	}
	return n;
}

/* Follows the topology: windows added and paths changed since last time. */
static int refresh(struct cxlemu_sim *sim)
{
	uint32_t i, n = cxlemu_topo_windows(sim->t);

	if (n != sim->nwins) {
		struct sim_win *w = realloc(sim->wins, (n ? n : 1) * sizeof(*w));

		if (!w)
			return -ENOMEM;
		sim->wins = w;
		sim->nwins = n;
	}
	for (i = 0; i < n; i++) {
		struct cxlemu_window_desc d;

		cxlemu_topo_window(sim->t, i, &d);
		sim->wins[i].base = d.base;
		sim->wins[i].size = d.size;
		sim->wins[i].pub = cxlemu_topo_routes(sim->t, i);
	}
	for (i = 0; i < sim->neps; i++)
		sim->eps[i].switches = switch_levels(sim->t, sim->eps[i].comp);
	sim->gen = cxlemu_topo_generation(sim->t);
	return 0;
}

static int new_endpoint(struct cxlemu_sim *sim, struct sim_ep *ep, char *err, size_t errlen)
{
	struct cxlemu_memdev_config mc;
	struct cxlemu_cci_config cc;
	struct cxlemu_comp_info ci;
	int rc;

	cxlemu_topo_info(sim->t, ep->comp, &ci);
	cxlemu_memdev_config_init(&mc);
	cxlemu_memdev_config_from_topo(sim->t, ep->comp, &mc);
	memcpy(mc.fw_revision, "cxlemu-sim 1", 12);
	mc.host.media_zero = ep_media_zero;
	mc.host.media_write = ep_media_write;
	mc.host.event_irq = ep_event_irq;
	mc.host.opaque = ep;
	rc = cxlemu_memdev_new(sim->ctx, &mc, &ep->md);
	if (rc) {
		set_err(err, errlen, "%s: memory device not created (%s)", ci.name,
			cxlemu_strerror(rc));
		return rc;
	}
	memset(&cc, 0, sizeof(cc));
	cc.version = CXLEMU_CCI_CONFIG_VERSION;
	cc.kind = CXLEMU_CCI_MAILBOX;
	cc.payload_size = sim->payload;
	cc.component_type = 3;
	cc.vendor_id = EP_VENDOR_ID;
	cc.device_id = EP_DEVICE_ID;
	cc.serial = ci.serial;
	cc.host.irq = ep_irq;
	cc.host.schedule = ep_schedule;
	cc.host.opaque = ep;
	cc.memdev = ep->md;
	rc = cxlemu_cci_new(sim->ctx, &cc, &ep->cci);
	if (rc)
		set_err(err, errlen, "%s: mailbox not created (%s)", ci.name,
			cxlemu_strerror(rc));
	return rc;
}

/* Orders the windows by base (insertion sort: qsort has no context). */
static void sort_regs(struct cxlemu_sim *sim)
{
	uint32_t i, j;

	for (i = 0; i < sim->nregs; i++)
		sim->reg_order[i] = i;
	for (i = 1; i < sim->nregs; i++)
		for (j = i; j > 0 && sim->regs[sim->reg_order[j - 1]].w.base >
				     sim->regs[sim->reg_order[j]].w.base; j--) {
			uint32_t tmp = sim->reg_order[j];

			sim->reg_order[j] = sim->reg_order[j - 1];
			sim->reg_order[j - 1] = tmp;
		}
}

static void add_reg(struct cxlemu_sim *sim, uint64_t base, uint64_t size, uint32_t kind,
		    uint32_t comp, uint32_t ep)
{
	struct reg_win *r = &sim->regs[sim->nregs++];

	r->w.base = base;
	r->w.size = size;
	r->w.kind = kind;
	r->w.comp = comp;
	r->ep = ep;
}

/*
 * Register windows: host bridges' component register blocks where the CEDT's
 * CHBS puts them (their own base, or consecutive blocks from the topology's
 * host register base in component order), then one slot per endpoint
 * (component registers, then the mailbox at +64 KiB), then the switch
 * upstream ports' component register blocks.  None may overlap another or a
 * CXL window.
 */
static int build_regs(struct cxlemu_sim *sim, uint64_t ep_base, char *err, size_t errlen)
{
	uint32_t i, k, ncomp = cxlemu_topo_count(sim->t), nhb = 0, nusp = 0, auto_n = 0;
	uint64_t hb_end = cxlemu_topo_host_reg_base(sim->t), mbox_size, slot, a;
	struct cxlemu_comp_info ci;

	for (i = 0; i < ncomp; i++) {
		cxlemu_topo_info(sim->t, i, &ci);
		nhb += ci.kind == CXLEMU_COMP_HOST_BRIDGE;
		nusp += ci.kind == CXLEMU_COMP_USP;
	}
	sim->regs = calloc(nhb + 2 * sim->neps + nusp + 1, sizeof(*sim->regs));
	sim->reg_order = calloc(nhb + 2 * sim->neps + nusp + 1, sizeof(*sim->reg_order));
	if (!sim->regs || !sim->reg_order)
		return -ENOMEM;
	for (i = 0; i < ncomp; i++) {
		cxlemu_topo_info(sim->t, i, &ci);
		if (ci.kind != CXLEMU_COMP_HOST_BRIDGE)
			continue;
		a = ci.reg_base ? ci.reg_base :
		    cxlemu_topo_host_reg_base(sim->t) + (uint64_t)auto_n++ * REG_BLOCK;
		add_reg(sim, a, REG_BLOCK, CXLEMU_SIM_REG_HB, i, NO_EP);
		if (a + REG_BLOCK > hb_end)
			hb_end = a + REG_BLOCK;
	}
	if (!ep_base)
		ep_base = hb_end;
	/* The mailbox block (0x20 + payload) in whole 64 KiB blocks. */
	mbox_size = sim->neps ? cxlemu_cci_reg_size(sim->eps[0].cci) : 0;
	slot = REG_BLOCK + ((mbox_size + REG_BLOCK - 1) & ~(REG_BLOCK - 1));
	if (slot < 2 * REG_BLOCK)
		slot = 2 * REG_BLOCK;
	for (i = 0; i < sim->neps; i++) {
		a = ep_base + i * slot;
		add_reg(sim, a, REG_BLOCK, CXLEMU_SIM_REG_EP, sim->eps[i].comp, i);
		add_reg(sim, a + REG_BLOCK, mbox_size, CXLEMU_SIM_REG_MBOX, sim->eps[i].comp, i);
	}
	a = ep_base + sim->neps * slot;
	for (i = 0; i < ncomp; i++) {
		cxlemu_topo_info(sim->t, i, &ci);
		if (ci.kind != CXLEMU_COMP_USP)
			continue;
		add_reg(sim, a, REG_BLOCK, CXLEMU_SIM_REG_USP, i, NO_EP);
		a += REG_BLOCK;
	}
	sort_regs(sim);
	for (k = 0; k < sim->nregs; k++) {
		const struct cxlemu_sim_reg_window *w = &sim->regs[sim->reg_order[k]].w;

		if (w->base + w->size < w->base ||
		    (k + 1 < sim->nregs && w->base + w->size > sim->regs[sim->reg_order[k + 1]].w.base)) {
			set_err(err, errlen, "register windows overlap at 0x%llx (set ep_reg_base)",
				(unsigned long long)w->base);
			return -EINVAL;
		}
		for (i = 0; i < sim->nwins; i++) {
			if (w->base < sim->wins[i].base + sim->wins[i].size &&
			    sim->wins[i].base < w->base + w->size) {
				set_err(err, errlen,
					"register window at 0x%llx overlaps CXL window %u (set ep_reg_base)",
					(unsigned long long)w->base, i);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int check_config(const struct cxlemu_sim_config *cfg, char *err, size_t errlen)
{
	const struct cxlemu_sim_host *h = &cfg->host;
	unsigned int n;

	if (cfg->version != CXLEMU_SIM_CONFIG_VERSION || cfg->reserved || cfg->reserved2) {
		set_err(err, errlen, "unsupported config version %u or reserved fields set",
			cfg->version);
		return -EINVAL;
	}
	if (h->version != CXLEMU_SIM_HOST_VERSION || h->reserved) {
		set_err(err, errlen, "unsupported host version %u or reserved field set",
			h->version);
		return -EINVAL;
	}
	if (!cfg->qemu_cmdline == !cfg->topo) {
		set_err(err, errlen, "give either a QEMU command line or a topology");
		return -EINVAL;
	}
	if (!h->mem_read != !h->mem_write) {
		set_err(err, errlen, "mem_read and mem_write go together");
		return -EINVAL;
	}
	if (cfg->mbox_payload) {
		for (n = 8; n <= 20 && (1u << n) != cfg->mbox_payload; n++)
			;
		if (n > 20) {
			set_err(err, errlen, "mailbox payload %u is not a power of two from 256 B to 1 MiB",
				cfg->mbox_payload);
			return -EINVAL;
		}
	}
	if (cfg->ep_reg_base & (REG_BLOCK - 1)) {
		set_err(err, errlen, "ep_reg_base must be 64 KiB aligned");
		return -EINVAL;
	}
	return 0;
}

int cxlemu_sim_new(const struct cxlemu_sim_config *cfg, struct cxlemu_sim **out, char *err,
		   size_t errlen)
{
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION };
	struct cxlemu_sim *sim;
	struct cxlemu_comp_info ci;
	uint32_t i, ncomp;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (out)
		*out = NULL;
	if (!cfg || !out) {
		set_err(err, errlen, "no configuration or result pointer");
		if (cfg)
			cxlemu_topo_free(cfg->topo);
		return -EINVAL;
	}
	rc = check_config(cfg, err, errlen);
	if (rc) {
		cxlemu_topo_free(cfg->topo);
		return rc;
	}
	sim = calloc(1, sizeof(*sim));
	if (!sim) {
		cxlemu_topo_free(cfg->topo);
		return -ENOMEM;
	}
	sim->lat = cfg->lat;
	sim->host = cfg->host;
	sim->payload = cfg->mbox_payload ? cfg->mbox_payload : 4096;
	sim->host_mem = cfg->host.mem_read != NULL;
	sim->t = cfg->topo;
	ops.log = sim_log;
	ops.now_ns = sim_now;
	rc = cxlemu_ctx_new(&ops, sim, &sim->ctx);
	if (rc)
		goto fail;
	if (cfg->qemu_cmdline) {
		rc = cxlemu_topo_from_qemu_string(sim->ctx, cfg->qemu_cmdline, &sim->t, err, errlen);
		if (rc)
			goto fail;
	}
	ncomp = cxlemu_topo_count(sim->t);
	sim->comp_ep = malloc((ncomp ? ncomp : 1) * sizeof(*sim->comp_ep));
	sim->eps = calloc(ncomp ? ncomp : 1, sizeof(*sim->eps));
	rc = -ENOMEM;
	if (!sim->comp_ep || !sim->eps)
		goto fail;
	sim->ncomp_ep = ncomp;
	for (i = 0; i < ncomp; i++) {
		sim->comp_ep[i] = NO_EP;
		cxlemu_topo_info(sim->t, i, &ci);
		if (ci.kind != CXLEMU_COMP_TYPE3)
			continue;
		sim->comp_ep[i] = sim->neps;
		sim->eps[sim->neps].sim = sim;
		sim->eps[sim->neps].idx = sim->neps;
		sim->eps[sim->neps].comp = i;
		sim->neps++;
		rc = new_endpoint(sim, &sim->eps[sim->neps - 1], err, errlen);
		if (rc)
			goto fail;
	}
	rc = refresh(sim);
	if (rc)
		goto fail;
	rc = build_regs(sim, cfg->ep_reg_base, err, errlen);
	if (rc)
		goto fail;
	*out = sim;
	return 0;
fail:
	if (rc == -ENOMEM && err && errlen && !err[0])
		snprintf(err, errlen, "out of memory");
	cxlemu_sim_free(sim);
	return rc;
}

void cxlemu_sim_free(struct cxlemu_sim *sim)
{
	uint32_t i;

	if (!sim)
		return;
	/* Mailboxes before their memory devices (mailbox.h). */
	for (i = 0; i < sim->neps; i++)
		cxlemu_cci_free(sim->eps[i].cci);
	for (i = 0; i < sim->neps; i++) {
		cxlemu_memdev_free(sim->eps[i].md);
		sparse_free(&sim->eps[i].store);
	}
	cxlemu_topo_free(sim->t);
	cxlemu_ctx_free(sim->ctx);
	free(sim->eps);
	free(sim->comp_ep);
	free(sim->wins);
	free(sim->regs);
	free(sim->reg_order);
	free(sim);
}

struct cxlemu_topo *cxlemu_sim_topo(struct cxlemu_sim *sim)
{
	return sim ? sim->t : NULL;
}

/* ---- the hot path ---- */

/* Routes @hpa: 0 with the piece's endpoint, DPA and the bytes its route
 * stays linear for, or -ENXIO. */
static int route_one(const struct cxlemu_sim *sim, uint64_t hpa, struct piece *p,
		     uint64_t *span)
{
	const struct cxlemu_route_table *tbl;
	uint32_t i, id;

	for (i = 0; i < sim->nwins; i++) {
		const struct sim_win *w = &sim->wins[i];

		if (hpa - w->base >= w->size)
			continue;
		tbl = cxlemu_route_pub_get(w->pub);
		if (!tbl || cxlemu_route(tbl, hpa, &id, &p->dpa))
			return -ENXIO;
		/* Type-2 devices and components added after creation have no
		 * memory behind them here. */
		if (id >= sim->ncomp_ep || sim->comp_ep[id] == NO_EP)
			return -ENXIO;
		p->ep = sim->comp_ep[id];
		*span = cxlemu_route_span(tbl, hpa);
		return 0;
	}
	return -ENXIO;
}

/* Latency of one piece (sim.h): hops, media, serialisation rounded up. */
static uint64_t piece_ns(const struct cxlemu_sim_latency *l, uint32_t switches, bool write,
			 uint32_t bytes)
{
	uint64_t ns = (uint64_t)l->host_bridge_ns + (uint64_t)switches * l->switch_ns +
		      (uint64_t)(switches + 1) * l->link_ns +
		      (write ? l->media_write_ns : l->media_read_ns);

	return ns + ((uint64_t)l->ps_per_byte * bytes + 999) / 1000;
}

static int host_rc(int rc)
{
	return rc < 0 ? rc : -EIO;
}

int cxlemu_sim_access(struct cxlemu_sim *sim, uint64_t hpa, uint32_t size, unsigned int op,
		      void *data, struct cxlemu_sim_result *res)
{
	struct piece p[SIM_MAX_PIECES];
	uint8_t *buf = data;
	bool write = op == CXLEMU_SIM_WRITE;
	uint64_t span, lat = 0, l;
	uint32_t np = 0, off, i;
	int rc = 0;

	if (res) {
		memset(res, 0, sizeof(*res));
		res->first_ep = UINT32_MAX;
	}
	if (!sim || !data || !size || size > SIM_MAX_ACCESS || op > CXLEMU_SIM_WRITE)
		return -EINVAL;
	if (CXLEMU_UNLIKELY_(cxlemu_topo_generation(sim->t) != sim->gen)) {
		rc = refresh(sim);
		if (rc)
			goto fail;
	}
	if (hpa > UINT64_MAX - (size - 1)) {
		rc = -ENXIO;
		goto fail;
	}
	/* Route every piece first: an access that is not routed whole does
	 * nothing. */
	for (off = 0; off < size; off += p[np++].len) {
		if (np == SIM_MAX_PIECES || route_one(sim, hpa + off, &p[np], &span)) {
			rc = -ENXIO;
			goto fail;
		}
		p[np].off = off;
		p[np].len = span < size - off ? (uint32_t)span : size - off;
	}
	/* Media disabled (sanitize) fails any access; poison fails reads. */
	for (i = 0; i < np; i++) {
		const struct cxlemu_memdev *md = sim->eps[p[i].ep].md;

		if (cxlemu_memdev_media_disabled(md)) {
			rc = -EIO;
			goto fail;
		}
		if (!write && cxlemu_memdev_poisoned(md, p[i].dpa, p[i].len)) {
			rc = -EFAULT;
			goto fail;
		}
	}
	if (sim->host_mem) {
		for (i = 0; i < np; i++) {
			rc = write ? sim->host.mem_write(sim->host.opaque, p[i].ep, p[i].dpa,
							 buf + p[i].off, p[i].len) :
				     sim->host.mem_read(sim->host.opaque, p[i].ep, p[i].dpa,
							buf + p[i].off, p[i].len);
			if (rc) {
				rc = host_rc(rc);
				goto fail;
			}
		}
	} else if (write) {
		/* Pages for every piece first: out of memory writes nothing. */
		for (i = 0; i < np; i++) {
			struct sparse_store *s = &sim->eps[p[i].ep].store;
			uint64_t last = (p[i].dpa + p[i].len - 1) >> SPARSE_PAGE_SHIFT;

			if (!sparse_get(s, p[i].dpa >> SPARSE_PAGE_SHIFT) || !sparse_get(s, last)) {
				rc = -ENOMEM;
				goto fail;
			}
		}
		for (i = 0; i < np; i++)
			sparse_write(&sim->eps[p[i].ep].store, p[i].dpa, buf + p[i].off, p[i].len);
	} else {
		for (i = 0; i < np; i++)
			sparse_read(&sim->eps[p[i].ep].store, p[i].dpa, buf + p[i].off, p[i].len);
	}
	/* The pieces are served in parallel: the access takes the longest. */
	for (i = 0; i < np; i++) {
		struct sim_ep *ep = &sim->eps[p[i].ep];

		l = piece_ns(&sim->lat, ep->switches, write, p[i].len);
		if (l > lat)
			lat = l;
		ep->st.busy_ns += l;
		if (write) {
			ep->st.writes++;
			ep->st.write_bytes += p[i].len;
		} else {
			ep->st.reads++;
			ep->st.read_bytes += p[i].len;
		}
	}
	if (res) {
		res->latency_ns = lat;
		res->pieces = np;
		res->first_ep = p[0].ep;
		res->first_dpa = p[0].dpa;
	}
	return 0;
fail:
	/* A failed read returns all-ones, as a bus error or poison would. */
	if (!write)
		memset(data, 0xff, size);
	return rc;
}

/* ---- endpoints ---- */

uint32_t cxlemu_sim_endpoints(const struct cxlemu_sim *sim)
{
	return sim ? sim->neps : 0;
}

uint32_t cxlemu_sim_endpoint_comp(const struct cxlemu_sim *sim, uint32_t ep)
{
	return sim && ep < sim->neps ? sim->eps[ep].comp : CXLEMU_COMP_NONE;
}

int cxlemu_sim_ep_stats(const struct cxlemu_sim *sim, uint32_t ep,
			struct cxlemu_sim_ep_stats *out)
{
	if (!sim || ep >= sim->neps || !out)
		return -EINVAL;
	*out = sim->eps[ep].st;
	out->store_bytes = (uint64_t)sim->eps[ep].store.n * SPARSE_PAGE_SIZE;
	return 0;
}

int cxlemu_sim_endpoint_dev(struct cxlemu_sim *sim, uint32_t ep, struct cxlemu_memdev **md,
			    struct cxlemu_cci **mbox)
{
	if (!sim || ep >= sim->neps)
		return -EINVAL;
	if (md)
		*md = sim->eps[ep].md;
	if (mbox)
		*mbox = sim->eps[ep].cci;
	return 0;
}

/* ---- register windows ---- */

uint32_t cxlemu_sim_reg_windows(const struct cxlemu_sim *sim)
{
	return sim ? sim->nregs : 0;
}

int cxlemu_sim_reg_window(const struct cxlemu_sim *sim, uint32_t i,
			  struct cxlemu_sim_reg_window *out)
{
	if (!sim || i >= sim->nregs || !out)
		return -EINVAL;
	*out = sim->regs[i].w;
	return 0;
}

/* The register window holding @addr, or NULL. */
static const struct reg_win *find_reg(const struct cxlemu_sim *sim, uint64_t addr)
{
	uint32_t lo = 0, hi = sim->nregs;

	/* Last window whose base is at or below addr. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (sim->regs[sim->reg_order[mid]].w.base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	{
		const struct reg_win *r = &sim->regs[sim->reg_order[lo - 1]];

		return addr - r->w.base < r->w.size ? r : NULL;
	}
}

static int reg_access(struct cxlemu_sim *sim, uint64_t addr, unsigned int size, uint64_t *rd,
		      uint64_t wr)
{
	const struct reg_win *r;
	uint32_t off;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || (addr & (size - 1)))
		return -EINVAL;
	r = find_reg(sim, addr);
	if (!r)
		return -ENXIO;
	off = (uint32_t)(addr - r->w.base);
	if (r->w.kind == CXLEMU_SIM_REG_MBOX) {
		struct cxlemu_cci *cci = sim->eps[r->ep].cci;

		return rd ? cxlemu_cci_reg_read(cci, off, size, rd) :
			    cxlemu_cci_reg_write(cci, off, size, wr);
	}
	return rd ? cxlemu_topo_reg_read(sim->t, r->w.comp, off, size, rd) :
		    cxlemu_topo_reg_write(sim->t, r->w.comp, off, size, wr);
}

int cxlemu_sim_reg_read(struct cxlemu_sim *sim, uint64_t addr, unsigned int size,
			uint64_t *val)
{
	if (!sim || !val)
		return -EINVAL;
	return reg_access(sim, addr, size, val, 0);
}

int cxlemu_sim_reg_write(struct cxlemu_sim *sim, uint64_t addr, unsigned int size,
			 uint64_t val)
{
	if (!sim)
		return -EINVAL;
	return reg_access(sim, addr, size, NULL, val);
}

/* ---- CEDT and time ---- */

int cxlemu_sim_cedt(struct cxlemu_sim *sim, uint8_t *buf, size_t cap, size_t *len)
{
	struct cxlemu_cedt_opts o;
	uint8_t *b;
	size_t n;
	int rc;

	if (!sim || !len)
		return -EINVAL;
	cxlemu_cedt_opts_default(&o, cxlemu_topo_host_reg_base(sim->t));
	rc = cxlemu_cedt_build(sim->t, &o, &b, &n);
	if (rc)
		return rc;
	*len = n;
	if (!buf || cap < n) {
		cxlemu_cedt_buf_free(b);
		return -ENOSPC;
	}
	memcpy(buf, b, n);
	cxlemu_cedt_buf_free(b);
	return 0;
}

void cxlemu_sim_poll(struct cxlemu_sim *sim)
{
	uint32_t i;

	for (i = 0; sim && i < sim->neps; i++)
		cxlemu_cci_poll(sim->eps[i].cci);
}
