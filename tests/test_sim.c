/* SPDX-License-Identifier: MIT */
/*
 * The simulator ABI (sim.h): accesses against the route table byte by byte,
 * the latency model, the sparse store, register windows, the mailbox on a
 * fake clock and scheduler, poison, the CEDT, and every error return.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "../lib/sim/sparse.h"

#include "../frontends/cli/default_topology.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static uint64_t seed;

/* The `cxlemu` tool's default topology (its window 0 at DEF_WIN). */
static const char default_topology[] = CXLEMU_CLI_DEFAULT_TOPOLOGY;
#define DEF_WIN UINT64_C(0x490000000)

/* One host bridge, one root port, one device: for programming decoders by
 * hand (hdm_for_passthrough=on: the host bridge has HDM decoders). */
#define SINGLE_TOPOLOGY(pxb_extra) \
	"-M q35,cxl=on -m 4G\n" \
	"-object memory-backend-ram,id=vmem0,size=256M\n" \
	"-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1" pxb_extra "\n" \
	"-device cxl-rp,port=3,bus=cxl.1,id=rp0,chassis=0,slot=0\n" \
	"-device cxl-type3,bus=rp0,volatile-memdev=vmem0,id=mem0,sn=0x9\n" \
	"-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G\n"
static const char single_topology[] = SINGLE_TOPOLOGY(",hdm_for_passthrough=on");
/* The same as QEMU builds it by default: the host bridge passes through. */
static const char passthrough_topology[] = SINGLE_TOPOLOGY("");

/* ---- a host that records everything ---- */

#define HM_CHUNK (64u << 10)
#define HM_MAX 8192
#define MAX_CALLS 64

struct call {
	uint32_t ep;
	uint64_t dpa;
	size_t off, len;
};

struct host {
	/* device memory in 64 KiB chunks keyed by (endpoint, DPA / 64 KiB) */
	uint32_t hm_ep[HM_MAX];
	uint64_t hm_key[HM_MAX];
	uint8_t *hm[HM_MAX];
	unsigned int nhm;
	int mem_rc;            /* returned by the memory callbacks */
	const uint8_t *cur;    /* the buffer of the access under way */
	struct call calls[MAX_CALLS];
	unsigned int ncalls;
	/* clock, scheduler, interrupts */
	uint64_t now, scheduled;
	unsigned int schedules;
	unsigned int mbox_irqs[8];
	unsigned int event_irqs;
	uint32_t event_ep;
	unsigned int event_log, event_vector;
	unsigned int logs;
};

static uint8_t *hm_chunk(struct host *h, uint32_t ep, uint64_t key, bool create)
{
	unsigned int i;

	for (i = 0; i < h->nhm; i++)
		if (h->hm_ep[i] == ep && h->hm_key[i] == key)
			return h->hm[i];
	if (!create)
		return NULL;
	assert_true(h->nhm < HM_MAX);
	h->hm_ep[h->nhm] = ep;
	h->hm_key[h->nhm] = key;
	h->hm[h->nhm] = calloc(1, HM_CHUNK);
	assert_non_null(h->hm[h->nhm]);
	return h->hm[h->nhm++];
}

static void hm_copy(struct host *h, uint32_t ep, uint64_t dpa, uint8_t *buf, size_t len,
		    bool write)
{
	while (len) {
		size_t in = (size_t)(dpa % HM_CHUNK), n = HM_CHUNK - in < len ? HM_CHUNK - in : len;
		uint8_t *c = hm_chunk(h, ep, dpa / HM_CHUNK, false);
		size_t k;

		/* Zeroes where nothing was written cost no memory. */
		for (k = 0; write && !c && k < n && !buf[k]; k++)
			;
		if (write && !c && k < n)
			c = hm_chunk(h, ep, dpa / HM_CHUNK, true);
		if (write) {
			if (c)
				memcpy(c + in, buf, n);
		} else if (c) {
			memcpy(buf, c + in, n);
		} else {
			memset(buf, 0, n);
		}
		buf += n;
		dpa += n;
		len -= n;
	}
}

static void record(struct host *h, uint32_t ep, uint64_t dpa, const void *buf, size_t len)
{
	/* Counted always, kept while there is room (sanitize writes many). */
	if (h->ncalls++ >= MAX_CALLS)
		return;
	h->ncalls--;
	h->calls[h->ncalls].ep = ep;
	h->calls[h->ncalls].dpa = dpa;
	h->calls[h->ncalls].off = h->cur ? (size_t)((const uint8_t *)buf - h->cur) : 0;
	h->calls[h->ncalls].len = len;
	h->ncalls++;
}

static int h_read(void *opaque, uint32_t ep, uint64_t dpa, void *buf, size_t len)
{
	struct host *h = opaque;

	record(h, ep, dpa, buf, len);
	if (h->mem_rc)
		return h->mem_rc;
	hm_copy(h, ep, dpa, buf, len, false);
	return 0;
}

static int h_write(void *opaque, uint32_t ep, uint64_t dpa, const void *buf, size_t len)
{
	struct host *h = opaque;

	record(h, ep, dpa, buf, len);
	if (h->mem_rc)
		return h->mem_rc;
	hm_copy(h, ep, dpa, (uint8_t *)(uintptr_t)buf, len, true);
	return 0;
}

static uint64_t h_now(void *opaque)
{
	return ((struct host *)opaque)->now;
}

static void h_schedule(void *opaque, uint64_t when)
{
	struct host *h = opaque;

	h->scheduled = when;
	h->schedules++;
}

static void h_mbox_irq(void *opaque, uint32_t ep)
{
	struct host *h = opaque;

	assert_true(ep < 8);
	h->mbox_irqs[ep]++;
}

static void h_event_irq(void *opaque, uint32_t ep, unsigned int log, unsigned int vector)
{
	struct host *h = opaque;

	h->event_irqs++;
	h->event_ep = ep;
	h->event_log = log;
	h->event_vector = vector;
}

static void h_log(void *opaque, int level, const char *msg)
{
	(void)level;
	(void)msg;
	((struct host *)opaque)->logs++;
}

static struct host *host_new(void)
{
	struct host *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	return h;
}

static void host_free(struct host *h)
{
	unsigned int i;

	for (i = 0; i < h->nhm; i++)
		free(h->hm[i]);
	free(h);
}

/* A configuration with the host's clock, scheduler and interrupts; with
 * @mem also its memory callbacks. */
static void host_config(struct cxlemu_sim_config *c, struct host *h, bool mem)
{
	cxlemu_sim_config_init(c);
	c->host.now_ns = h_now;
	c->host.schedule = h_schedule;
	c->host.mbox_irq = h_mbox_irq;
	c->host.event_irq = h_event_irq;
	c->host.log = h_log;
	if (mem) {
		c->host.mem_read = h_read;
		c->host.mem_write = h_write;
	}
	c->host.opaque = h;
}

static struct cxlemu_sim *sim_cmdline(struct cxlemu_sim_config *c, const char *cmdline)
{
	struct cxlemu_sim *sim = NULL;
	char err[256];

	c->qemu_cmdline = cmdline;
	if (cxlemu_sim_new(c, &sim, err, sizeof(err)))
		fail_msg("cxlemu_sim_new: %s", err);
	return sim;
}

/* Programs a region over devices named in @names (NULL-terminated). */
static uint64_t region(struct cxlemu_sim *sim, uint32_t window, uint64_t gran, uint64_t size,
		       const char *const *names)
{
	struct cxlemu_topo *t = cxlemu_sim_topo(sim);
	struct cxlemu_region_desc r;
	uint64_t hpa = 0;

	memset(&r, 0, sizeof(r));
	r.version = CXLEMU_REGION_DESC_VERSION;
	r.window = window;
	r.gran = gran;
	r.size = size;
	while (names[r.ways]) {
		r.endpoints[r.ways] = cxlemu_topo_find(t, names[r.ways]);
		assert_int_not_equal(r.endpoints[r.ways], CXLEMU_COMP_NONE);
		r.ways++;
	}
	assert_int_equal(cxlemu_topo_region_create(t, &r, &hpa), 0);
	return hpa;
}

/* The endpoint index of a component, by its name. */
static uint32_t ep_named(struct cxlemu_sim *sim, const char *name)
{
	uint32_t comp = cxlemu_topo_find(cxlemu_sim_topo(sim), name), i;

	for (i = 0; i < cxlemu_sim_endpoints(sim); i++)
		if (cxlemu_sim_endpoint_comp(sim, i) == comp)
			return i;
	fail_msg("no endpoint %s", name);
	return UINT32_MAX;
}

static struct cxlemu_sim *default_machine(struct cxlemu_sim_config *c)
{
	static const char *const a[] = { "cxl-mem0", "cxl-mem2", NULL };
	static const char *const b[] = { "cxl-mem1", "cxl-mem2", NULL };
	struct cxlemu_sim *sim = sim_cmdline(c, default_topology);

	assert_int_equal(region(sim, 0, 256, GiB, a), DEF_WIN);
	assert_int_equal(region(sim, 0, 256, GiB, b), DEF_WIN + GiB);
	return sim;
}

/* ---- random traces against the route table ---- */

/* A machine to trace: a topology built with the C API, with more decoders
 * than QEMU gives, so that regions can be added after a hot-plug. */
struct swtopo {
	struct cxlemu_topo *t;
	uint32_t hb, rp0, rp1, usp, dsp0, dsp1, dsp2, mem0, mem1, mem2;
};

static uint32_t add(struct cxlemu_topo *t, uint32_t kind, const char *name, uint32_t parent,
		    uint32_t port, uint64_t vol)
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
	d.serial = port + 100;
	d.decoders = kind == CXLEMU_COMP_TYPE3 ? 4 : kind == CXLEMU_COMP_ROOT_PORT ||
		     kind == CXLEMU_COMP_DSP ? 0 : 4;
	assert_int_equal(cxlemu_topo_add(t, &d, &id), 0);
	return id;
}

#define SW_WIN UINT64_C(0x400000000)
#define SW_REGS UINT64_C(0x200000000)

static void swtopo(struct swtopo *s)
{
	struct cxlemu_window_desc w;

	assert_int_equal(cxlemu_topo_new(NULL, &s->t), 0);
	cxlemu_topo_set_host_reg_base(s->t, SW_REGS);
	s->hb = add(s->t, CXLEMU_COMP_HOST_BRIDGE, "hb", CXLEMU_COMP_NONE, 0, 0);
	s->rp0 = add(s->t, CXLEMU_COMP_ROOT_PORT, "rp0", s->hb, 0, 0);
	s->rp1 = add(s->t, CXLEMU_COMP_ROOT_PORT, "rp1", s->hb, 1, 0);
	s->usp = add(s->t, CXLEMU_COMP_USP, "usp", s->rp0, 0, 0);
	s->dsp0 = add(s->t, CXLEMU_COMP_DSP, "dsp0", s->usp, 0, 0);
	s->dsp1 = add(s->t, CXLEMU_COMP_DSP, "dsp1", s->usp, 1, 0);
	s->dsp2 = add(s->t, CXLEMU_COMP_DSP, "dsp2", s->usp, 2, 0);
	s->mem0 = add(s->t, CXLEMU_COMP_TYPE3, "mem0", s->dsp0, 0, 512 * MiB);
	s->mem1 = add(s->t, CXLEMU_COMP_TYPE3, "mem1", s->dsp1, 0, 512 * MiB);
	s->mem2 = add(s->t, CXLEMU_COMP_TYPE3, "mem2", s->rp1, 0, 256 * MiB);
	memset(&w, 0, sizeof(w));
	w.version = CXLEMU_WINDOW_DESC_VERSION;
	w.ways = 1;
	w.base = SW_WIN;
	w.size = 4 * GiB;
	w.gran = 256;
	w.targets[0] = s->hb;
	assert_int_equal(cxlemu_topo_add_window(s->t, &w, NULL), 0);
}

/* The trace configurations: machine, window range, and the unit every
 * routed access is split at. */
enum { CFG_DEFAULT, CFG_DOCS, CFG_SWITCH, NCFG };

static struct cxlemu_sim *trace_machine(int which, struct host *h, bool mem, uint64_t *lo,
					uint64_t *hi, uint64_t *unit, uint64_t *ilv_end)
{
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim = NULL;
	char err[256];

	host_config(&c, h, mem);
	switch (which) {
	case CFG_DEFAULT:
		*lo = DEF_WIN;
		*hi = DEF_WIN + 4 * GiB;
		*unit = 256;
		*ilv_end = DEF_WIN + 2 * GiB;
		return default_machine(&c);
	case CFG_DOCS: {
		static const char *const all[] = { "cxl-pmem0", "cxl-pmem2", "cxl-pmem1",
						   "cxl-pmem3", NULL };
		char *s = test_read_data("docs-interleave.qemu");
		struct cxlemu_window_desc w;
		struct cxlemu_region_desc r;

		sim = sim_cmdline(&c, s);
		free(s);
		cxlemu_topo_window(cxlemu_sim_topo(sim), 0, &w);
		memset(&r, 0, sizeof(r));
		r.version = CXLEMU_REGION_DESC_VERSION;
		r.ways = 4;
		r.gran = 8192;
		r.size = GiB;
		r.flags = CXLEMU_REGION_PMEM;
		for (r.ways = 0; all[r.ways]; r.ways++)
			r.endpoints[r.ways] = cxlemu_topo_find(cxlemu_sim_topo(sim), all[r.ways]);
		assert_int_equal(cxlemu_topo_region_create(cxlemu_sim_topo(sim), &r, NULL), 0);
		*lo = w.base;
		*hi = w.base + w.size;
		*unit = 8192;
		*ilv_end = w.base + GiB;
		return sim;
	}
	default: {
		static const char *const two[] = { "mem0", "mem1", NULL };
		static const char *const one[] = { "mem2", NULL };
		struct swtopo s;

		swtopo(&s);
		c.topo = s.t;
		if (cxlemu_sim_new(&c, &sim, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(region(sim, 0, 4096, 512 * MiB, two), SW_WIN);
		assert_int_equal(region(sim, 0, 4096, 256 * MiB, one), SW_WIN + 512 * MiB);
		*lo = SW_WIN;
		*hi = SW_WIN + 4 * GiB;
		*unit = 4096;
		*ilv_end = SW_WIN + 512 * MiB; /* mem2's region does not interleave */
		return sim;
	}
	}
}

/* An address near something interesting: a region start or end, a unit
 * boundary, or anywhere in the window (and a little outside it). */
static uint64_t pick_hpa(struct rng *r, uint64_t lo, uint64_t hi, uint64_t unit)
{
	static const uint64_t marks[] = { 0, 256 * MiB, 512 * MiB, 768 * MiB, GiB, 2 * GiB };
	uint64_t base;

	switch (rng_below(r, 4)) {
	case 0:
		base = lo + marks[rng_below(r, sizeof(marks) / sizeof(marks[0]))];
		return base - 4096 + rng_below(r, 8192);
	case 1:
		return lo + rng_below(r, 4 * MiB);
	case 2:
		base = lo + rng_below(r, 64 * MiB) / unit * unit;
		return base - 64 + rng_below(r, 128);
	default:
		return lo - 8192 + rng_below(r, hi - lo + 16384);
	}
}

/* Per byte, where the route table sends @hpa + i; false if any misses or
 * lands on something without memory. */
static bool expected_route(struct cxlemu_sim *sim, uint64_t hpa, uint32_t size,
			   uint32_t *ep, uint64_t *dpa)
{
	struct cxlemu_topo *t = cxlemu_sim_topo(sim);
	uint32_t i, k, comp;
	bool ok = true;

	for (i = 0; i < size; i++) {
		ep[i] = UINT32_MAX;
		if (cxlemu_topo_route(t, hpa + i, &comp, &dpa[i])) {
			ok = false;
			continue;
		}
		for (k = 0; k < cxlemu_sim_endpoints(sim); k++)
			if (cxlemu_sim_endpoint_comp(sim, k) == comp)
				ep[i] = k;
		if (ep[i] == UINT32_MAX)
			ok = false;
	}
	return ok;
}

/* The interleave unit at @hpa: @unit below @ilv_end, where the
 * configuration's regions interleave, 256 MiB (nothing interleaves) above. */
static uint64_t unit_at(uint64_t hpa, uint64_t unit, uint64_t ilv_end)
{
	return hpa < ilv_end ? unit : 256 * MiB;
}

/* Pieces an access is split into: one per interleave unit it touches. */
static uint32_t units(uint64_t hpa, uint32_t size, uint64_t unit, uint64_t ilv_end)
{
	uint32_t i, n = 1;

	for (i = 1; i < size; i++)
		n += (hpa + i) % unit_at(hpa + i, unit, ilv_end) == 0;
	return n;
}

/* Every byte of every access lands at the (endpoint, DPA) the route table
 * says, in pieces that never cross an interleave unit; reads give back
 * what was written, whatever the alignment. */
static void test_random_traces_host_memory(void **state)
{
	static uint32_t ep[4096];
	static uint64_t dpa[4096];
	static uint8_t buf[4096], back[4096];
	struct rng r = { seed };
	int which;

	(void)state;
	for (which = 0; which < NCFG; which++) {
		struct host *h = host_new();
		uint64_t lo, hi, unit, ilv, total_pieces = 0, routed_bytes = 0;
		struct cxlemu_sim *sim = trace_machine(which, h, true, &lo, &hi, &unit, &ilv);
		struct cxlemu_sim_ep_stats st;
		unsigned int k, c, nrouted = 0, nmiss = 0;
		uint32_t e;

		for (k = 0; k < 3000; k++) {
			uint64_t hpa = pick_hpa(&r, lo, hi, unit);
			uint32_t size = 1 + (uint32_t)rng_below(&r, rng_below(&r, 2) ? 64 : 4096);
			bool routed = expected_route(sim, hpa, size, ep, dpa);
			struct cxlemu_sim_result res;
			uint32_t i;
			int rc;

			for (i = 0; i < size; i++)
				buf[i] = (uint8_t)rng_next(&r);
			h->ncalls = 0;
			h->cur = buf;
			rc = cxlemu_sim_access(sim, hpa, size, CXLEMU_SIM_WRITE, buf, &res);
			if (!routed) {
				assert_int_equal(rc, -ENXIO);
				assert_int_equal(h->ncalls, 0); /* nothing written */
				assert_int_equal(res.first_ep, UINT32_MAX);
				nmiss++;
				continue;
			}
			assert_int_equal(rc, 0);
			nrouted++;
			routed_bytes += size;
			/* Pieces: one per unit touched, in order, contiguous. */
			assert_int_equal(res.pieces, units(hpa, size, unit, ilv));
			assert_int_equal(h->ncalls, res.pieces);
			total_pieces += res.pieces;
			assert_int_equal(res.first_ep, ep[0]);
			assert_int_equal(res.first_dpa, dpa[0]);
			for (c = 0, i = 0; c < h->ncalls; c++) {
				const struct call *cl = &h->calls[c];
				size_t b;

				assert_int_equal(cl->off, i);
				for (b = 0; b < cl->len; b++, i++) {
					assert_int_equal(cl->ep, ep[i]);
					assert_int_equal(cl->dpa + b, dpa[i]);
				}
				assert_int_equal(units(hpa + cl->off, (uint32_t)cl->len, unit, ilv), 1);
			}
			assert_int_equal(i, size);
			/* Read back through another alignment and size. */
			{
				uint32_t skip = (uint32_t)rng_below(&r, size);
				uint32_t n = 1 + (uint32_t)rng_below(&r, size - skip);

				h->cur = back;
				h->ncalls = 0;
				assert_int_equal(cxlemu_sim_access(sim, hpa + skip, n, CXLEMU_SIM_READ,
								   back, &res), 0);
				assert_memory_equal(back, buf + skip, n);
				assert_int_equal(res.pieces, units(hpa + skip, n, unit, ilv));
				total_pieces += res.pieces;
				routed_bytes += n;
			}
		}
		/* Both outcomes were exercised, and the counters add up. */
		assert_true(nrouted > 500 && nmiss > 100);
		for (e = 0; e < cxlemu_sim_endpoints(sim); e++) {
			assert_int_equal(cxlemu_sim_ep_stats(sim, e, &st), 0);
			total_pieces -= st.reads + st.writes;
			routed_bytes -= st.read_bytes + st.write_bytes;
			assert_int_equal(st.store_bytes, 0); /* the host keeps memory */
		}
		assert_int_equal(total_pieces, 0);
		assert_int_equal(routed_bytes, 0);
		cxlemu_sim_free(sim);
		host_free(h);
	}
}

/* The same traces on the built-in sparse store: what was written reads
 * back through any alignment; failed accesses change nothing. */
static void test_random_traces_sparse_store(void **state)
{
	static uint32_t ep[4096];
	static uint64_t dpa[4096];
	static uint8_t buf[4096], back[4096];
	struct rng r = { seed ^ 0x5a5a };
	int which;

	(void)state;
	for (which = 0; which < NCFG; which++) {
		struct host *h = host_new();
		uint64_t lo, hi, unit, ilv;
		struct cxlemu_sim *sim = trace_machine(which, h, false, &lo, &hi, &unit, &ilv);
		/* A shadow of the first 4 MiB of the window, by HPA. */
		uint8_t *shadow = calloc(1, 4 * MiB);
		unsigned int k;

		assert_non_null(shadow);
		for (k = 0; k < 4000; k++) {
			uint64_t hpa = lo + rng_below(&r, 4 * MiB);
			uint32_t size = 1 + (uint32_t)rng_below(&r, 4096), i;
			bool routed, write = rng_below(&r, 2);
			int rc;

			if (hpa - lo + size > 4 * MiB)
				size = (uint32_t)(lo + 4 * MiB - hpa);
			routed = expected_route(sim, hpa, size, ep, dpa);
			for (i = 0; i < size; i++)
				buf[i] = (uint8_t)rng_next(&r);
			rc = cxlemu_sim_access(sim, hpa, size,
					       write ? CXLEMU_SIM_WRITE : CXLEMU_SIM_READ,
					       write ? buf : back, NULL);
			assert_int_equal(rc, routed ? 0 : -ENXIO);
			if (!routed) {
				if (!write)
					for (i = 0; i < size; i++)
						assert_int_equal(back[i], 0xff);
				continue;
			}
			if (write)
				memcpy(shadow + (hpa - lo), buf, size);
			else
				assert_memory_equal(back, shadow + (hpa - lo), size);
		}
		free(shadow);
		cxlemu_sim_free(sim);
		host_free(h);
	}
}

/* ---- latency arithmetic ---- */

static void test_latency_model(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_result res;
	struct cxlemu_sim_ep_stats st;
	static uint8_t big[4096];
	uint8_t buf[512];
	uint32_t m0, m2;

	(void)state;
	host_config(&c, h, false);
	c.lat.host_bridge_ns = 10;
	c.lat.switch_ns = 100;
	c.lat.link_ns = 1000;
	c.lat.media_read_ns = 10000;
	c.lat.media_write_ns = 20000;
	c.lat.ps_per_byte = 1500;
	sim = default_machine(&c);
	m0 = ep_named(sim, "cxl-mem0");
	m2 = ep_named(sim, "cxl-mem2");
	memset(buf, 0, sizeof(buf));

	/* cxl-mem2 sits right below a root port: no switch, one link.
	 * 10 + 1000 + 10000 + 64 * 1.5 = 11106. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256, 64, CXLEMU_SIM_READ, buf, &res), 0);
	assert_int_equal(res.first_ep, m2);
	assert_int_equal(res.pieces, 1);
	assert_int_equal(res.latency_ns, 11106);
	/* cxl-mem0 is behind one switch level: two links.
	 * 10 + 100 + 2 * 1000 + 10000 + 96 = 12206; a write 22206. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, CXLEMU_SIM_READ, buf, &res), 0);
	assert_int_equal(res.first_ep, m0);
	assert_int_equal(res.latency_ns, 12206);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, CXLEMU_SIM_WRITE, buf, &res), 0);
	assert_int_equal(res.latency_ns, 22206);
	/* Serialisation rounds up: 1 byte at 1.5 ns costs 2. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256, 1, CXLEMU_SIM_READ, buf, &res), 0);
	assert_int_equal(res.latency_ns, 10 + 1000 + 10000 + 2);
	/* 512 bytes split in two 256-byte pieces served in parallel:
	 * mem0 10 + 100 + 2000 + 10000 + 384 = 12494, mem2 11394; max. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 512, CXLEMU_SIM_READ, buf, &res), 0);
	assert_int_equal(res.pieces, 2);
	assert_int_equal(res.latency_ns, 12494);
	/* busy_ns sums the pieces: mem0 12206 + 22206 + 12494. */
	assert_int_equal(cxlemu_sim_ep_stats(sim, m0, &st), 0);
	assert_int_equal(st.busy_ns, 12206 + 22206 + 12494);
	assert_int_equal(st.reads, 2);
	assert_int_equal(st.writes, 1);
	assert_int_equal(st.read_bytes, 64 + 256);
	assert_int_equal(st.write_bytes, 64);
	assert_int_equal(cxlemu_sim_ep_stats(sim, m2, &st), 0);
	assert_int_equal(st.busy_ns, 11106 + 11012 + 11394);
	assert_int_equal(st.reads, 3);
	/* ps_per_byte 0 ignores serialisation. */
	cxlemu_sim_free(sim);
	c.lat.ps_per_byte = 0;
	sim = default_machine(&c);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256, 4096 - 256, CXLEMU_SIM_READ, big,
					   &res), 0);
	assert_int_equal(res.pieces, 15);
	assert_int_equal(res.latency_ns, 10 + 100 + 2000 + 10000);
	/* The defaults are what cxlemu_sim_config_init() documents. */
	cxlemu_sim_free(sim);
	host_config(&c, h, false);
	assert_true(c.lat.host_bridge_ns && c.lat.link_ns && c.lat.media_read_ns &&
		    c.lat.media_write_ns && c.lat.switch_ns && c.lat.ps_per_byte);
	host_free(h);
}

/* A hot-plug moves a device to a path with a switch: its latency follows. */
static void test_latency_follows_hotplug(void **state)
{
	static const char *const one[] = { "mem2", NULL };
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim = NULL;
	struct cxlemu_sim_result res;
	struct swtopo s;
	uint8_t buf[64] = { 0 };
	uint64_t hpa;
	char err[256];

	(void)state;
	swtopo(&s);
	host_config(&c, h, false);
	c.lat.host_bridge_ns = 1;
	c.lat.switch_ns = 10;
	c.lat.link_ns = 100;
	c.lat.media_read_ns = 1000;
	c.lat.ps_per_byte = 0;
	c.topo = s.t;
	assert_int_equal(cxlemu_sim_new(&c, &sim, err, sizeof(err)), 0);
	hpa = region(sim, 0, 256, 256 * MiB, one);
	assert_int_equal(cxlemu_sim_access(sim, hpa, 64, CXLEMU_SIM_READ, buf, &res), 0);
	assert_int_equal(res.latency_ns, 1 + 100 + 1000);
	/* Unplugged: the route goes at once. */
	assert_int_equal(cxlemu_topo_detach(s.t, s.rp1), 0);
	assert_int_equal(cxlemu_sim_access(sim, hpa, 64, CXLEMU_SIM_READ, buf, &res), -ENXIO);
	/* Plugged in below the switch, with a new region. */
	assert_int_equal(cxlemu_topo_attach(s.t, s.dsp2, s.mem2), 0);
	hpa = region(sim, 0, 256, 256 * MiB, one);
	assert_int_equal(cxlemu_sim_access(sim, hpa, 64, CXLEMU_SIM_READ, buf, &res), 0);
	assert_int_equal(res.first_ep, 2);
	assert_int_equal(res.latency_ns, 1 + 10 + 200 + 1000);
	cxlemu_sim_free(sim);
	host_free(h);
}

/* ---- the sparse store ---- */

static void test_sparse_store_unit(void **state)
{
	struct sparse_store s;
	uint8_t buf[3 * SPARSE_PAGE_SIZE], z[3 * SPARSE_PAGE_SIZE];
	uint64_t i;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(z, 0, sizeof(z));
	/* Untouched memory reads zero and costs nothing. */
	memset(buf, 0xaa, sizeof(buf));
	sparse_read(&s, 12345, buf, sizeof(buf));
	assert_memory_equal(buf, z, sizeof(buf));
	assert_int_equal(s.n, 0);
	/* Many pages: the index grows; every page reads back. */
	for (i = 0; i < 5000; i++)
		assert_int_equal(sparse_write(&s, i * 3 * SPARSE_PAGE_SIZE + 7, &i, sizeof(i)), 0);
	assert_int_equal(s.n, 5000);
	for (i = 0; i < 5000; i++) {
		uint64_t v = 0;

		sparse_read(&s, i * 3 * SPARSE_PAGE_SIZE + 7, &v, sizeof(v));
		assert_int_equal(v, i);
	}
	/* A write across a page boundary takes two pages. */
	sparse_free(&s);
	memset(buf, 0x5c, sizeof(buf));
	assert_int_equal(sparse_write(&s, SPARSE_PAGE_SIZE - 10, buf, 20), 0);
	assert_int_equal(s.n, 2);
	/* Zeroing: whole pages are freed, partial ones cleared in place. */
	assert_int_equal(sparse_write(&s, 0, buf, sizeof(buf)), 0);
	assert_int_equal(s.n, 3);
	sparse_zero(&s, 100, 2 * SPARSE_PAGE_SIZE);
	assert_int_equal(s.n, 2); /* page 1 freed; pages 0 and 2 partly cleared */
	assert_null(sparse_find(&s, 1));
	sparse_read(&s, 0, buf, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], i < 100 || i >= 100 + 2 * SPARSE_PAGE_SIZE ? 0x5c : 0);
	sparse_zero(&s, 0, UINT64_MAX);
	assert_int_equal(s.n, 0);
	sparse_read(&s, 0, buf, sizeof(buf));
	assert_memory_equal(buf, z, sizeof(buf));
	sparse_zero(&s, 0, 0); /* nothing */
	sparse_free(&s);
	sparse_free(&s); /* twice is fine */
}

static void test_sparse_store_through_access(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_ep_stats st;
	uint8_t buf[4096], z[4096];
	uint32_t m0;

	(void)state;
	host_config(&c, h, false);
	sim = default_machine(&c);
	m0 = ep_named(sim, "cxl-mem0");
	memset(z, 0, sizeof(z));
	memset(buf, 0xee, sizeof(buf));
	/* Never written: zero, and no page is allocated by reading. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 3 * GiB / 2, 4096, CXLEMU_SIM_READ, buf,
					   NULL), 0);
	assert_memory_equal(buf, z, sizeof(buf));
	assert_int_equal(cxlemu_sim_ep_stats(sim, m0, &st), 0);
	assert_int_equal(st.store_bytes, 0);
	/* One byte: one page on one device. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 1, CXLEMU_SIM_WRITE, buf, NULL), 0);
	assert_int_equal(cxlemu_sim_ep_stats(sim, m0, &st), 0);
	assert_int_equal(st.store_bytes, 4096);
	/* 4096 bytes over 2-way 256 B: 2048 bytes on each device, still in
	 * its first page. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 4096, CXLEMU_SIM_WRITE, z, NULL), 0);
	assert_int_equal(cxlemu_sim_ep_stats(sim, m0, &st), 0);
	assert_int_equal(st.store_bytes, 4096);
	assert_int_equal(cxlemu_sim_ep_stats(sim, ep_named(sim, "cxl-mem2"), &st), 0);
	assert_int_equal(st.store_bytes, 4096);
	cxlemu_sim_free(sim);
	host_free(h);
}

/* ---- register windows ---- */

static const struct cxlemu_sim_reg_window *window_of(struct cxlemu_sim *sim, uint32_t kind,
						     uint32_t comp,
						     struct cxlemu_sim_reg_window *w)
{
	uint32_t i;

	for (i = 0; i < cxlemu_sim_reg_windows(sim); i++) {
		assert_int_equal(cxlemu_sim_reg_window(sim, i, w), 0);
		if (w->kind == kind && w->comp == comp)
			return w;
	}
	fail_msg("no window of kind %u for component %u", kind, comp);
	return NULL;
}

/* HDM decoder registers (8.2.4.20) in a component register block. */
#define HDM (CXLEMU_CM_OFFSET + 0x400)
#define HDM_GLOBAL_CTRL (HDM + 0x04)
#define HDM_BASE_LO(n) (HDM + 0x10 + 0x20 * (n))
#define HDM_BASE_HI(n) (HDM + 0x14 + 0x20 * (n))
#define HDM_SIZE_LO(n) (HDM + 0x18 + 0x20 * (n))
#define HDM_SIZE_HI(n) (HDM + 0x1c + 0x20 * (n))
#define HDM_CTRL(n) (HDM + 0x20 + 0x20 * (n))
#define HDM_TLIST_LO(n) (HDM + 0x24 + 0x20 * (n))
#define CTRL_COMMIT (1u << 9)
#define CTRL_COMMITTED (1u << 10)
#define CTRL_HOSTONLY (1u << 12)

static void program(struct cxlemu_sim *sim, uint64_t base, uint32_t n, uint64_t hpa,
		    uint64_t size, uint32_t tlist)
{
	uint64_t v;

	assert_int_equal(cxlemu_sim_reg_write(sim, base + HDM_GLOBAL_CTRL, 4, 2), 0);
	assert_int_equal(cxlemu_sim_reg_write(sim, base + HDM_BASE_LO(n), 4, (uint32_t)hpa), 0);
	assert_int_equal(cxlemu_sim_reg_write(sim, base + HDM_BASE_HI(n), 4, hpa >> 32), 0);
	assert_int_equal(cxlemu_sim_reg_write(sim, base + HDM_SIZE_LO(n), 4, (uint32_t)size), 0);
	assert_int_equal(cxlemu_sim_reg_write(sim, base + HDM_SIZE_HI(n), 4, size >> 32), 0);
	assert_int_equal(cxlemu_sim_reg_write(sim, base + HDM_TLIST_LO(n), 4, tlist), 0);
	assert_int_equal(cxlemu_sim_reg_write(sim, base + HDM_CTRL(n), 4,
					      CTRL_HOSTONLY | CTRL_COMMIT), 0);
	assert_int_equal(cxlemu_sim_reg_read(sim, base + HDM_CTRL(n), 4, &v), 0);
	assert_true(v & CTRL_COMMITTED);
}

static void test_register_windows_program_hdm(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_reg_window hbw, epw, mbw;
	struct cxlemu_window_desc win;
	struct cxlemu_topo *t;
	uint32_t hb, mem, i;
	uint64_t v, want, off;
	uint8_t buf[64], back[64];

	(void)state;
	host_config(&c, h, false);
	sim = sim_cmdline(&c, single_topology);
	t = cxlemu_sim_topo(sim);
	hb = cxlemu_topo_find(t, "cxl.1");
	mem = cxlemu_topo_find(t, "mem0");
	cxlemu_topo_window(t, 0, &win);
	/* Host bridge, endpoint registers, mailbox: three windows. */
	assert_int_equal(cxlemu_sim_reg_windows(sim), 3);
	window_of(sim, CXLEMU_SIM_REG_HB, hb, &hbw);
	window_of(sim, CXLEMU_SIM_REG_EP, mem, &epw);
	window_of(sim, CXLEMU_SIM_REG_MBOX, mem, &mbw);
	assert_int_equal(hbw.base, cxlemu_topo_host_reg_base(t));
	assert_int_equal(hbw.size, 0x10000);
	assert_int_equal(epw.base, hbw.base + 0x10000); /* right after */
	assert_int_equal(epw.size, 0x10000);
	assert_int_equal(mbw.base, epw.base + 0x10000);
	assert_int_equal(mbw.size, 0x20 + 4096);
	/* Component register reads equal the topology's. */
	for (off = CXLEMU_CM_OFFSET; off < CXLEMU_CM_OFFSET + 0x500; off += 4) {
		assert_int_equal(cxlemu_sim_reg_read(sim, hbw.base + off, 4, &v), 0);
		assert_int_equal(cxlemu_topo_reg_read(t, hb, (uint32_t)off, 4, &want), 0);
		assert_int_equal(v, want);
		assert_int_equal(cxlemu_sim_reg_read(sim, epw.base + off, 4, &v), 0);
		assert_int_equal(cxlemu_topo_reg_read(t, mem, (uint32_t)off, 4, &want), 0);
		assert_int_equal(v, want);
	}
	assert_int_equal(cxlemu_sim_reg_read(sim, epw.base + HDM, 8, &v), 0);
	assert_int_equal(cxlemu_topo_reg_read(t, mem, HDM, 8, &want), 0);
	assert_int_equal(v, want);
	/* Nothing committed: not routed. */
	assert_int_equal(cxlemu_sim_access(sim, win.base, 64, CXLEMU_SIM_READ, buf, NULL), -ENXIO);
	/* The host bridge's decoder to root port 3, then the device's. */
	program(sim, hbw.base, 0, win.base, 256 * MiB, 3);
	assert_int_equal(cxlemu_sim_access(sim, win.base, 64, CXLEMU_SIM_READ, buf, NULL), -ENXIO);
	program(sim, epw.base, 0, win.base, 256 * MiB, 0);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(cxlemu_sim_access(sim, win.base + 0x1000, 64, CXLEMU_SIM_WRITE, buf, NULL), 0);
	assert_int_equal(cxlemu_sim_access(sim, win.base + 0x1000, 64, CXLEMU_SIM_READ, back, NULL), 0);
	assert_memory_equal(buf, back, 64);
	{
		struct cxlemu_sim_result res;

		assert_int_equal(cxlemu_sim_access(sim, win.base + 0x1000, 64, CXLEMU_SIM_READ,
						   back, &res), 0);
		assert_int_equal(res.first_dpa, 0x1000);
		assert_int_equal(res.first_ep, 0);
	}
	/* Past the 256 MiB decoded: not routed. */
	assert_int_equal(cxlemu_sim_access(sim, win.base + 256 * MiB - 32, 64, CXLEMU_SIM_READ,
					   back, NULL), -ENXIO);
	/* Uncommitting the endpoint's decoder takes the route away. */
	assert_int_equal(cxlemu_sim_reg_write(sim, epw.base + HDM_CTRL(0), 4, CTRL_HOSTONLY), 0);
	assert_int_equal(cxlemu_sim_access(sim, win.base + 0x1000, 64, CXLEMU_SIM_READ, back,
					   NULL), -ENXIO);
	cxlemu_sim_free(sim);
	host_free(h);
}

/*
 * QEMU's default for a host bridge with one root port: its register window
 * shows no HDM capability (RAS and Link only, nothing where the HDM
 * registers would be, writes there ignored), and programming the endpoint
 * alone routes the window to it.
 */
static void test_register_windows_passthrough(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_reg_window hbw, epw;
	struct cxlemu_window_desc win;
	struct cxlemu_comp_info hi;
	struct cxlemu_topo *t;
	uint32_t hb, mem;
	uint64_t v, off;
	uint8_t buf[64], back[64];

	(void)state;
	host_config(&c, h, false);
	sim = sim_cmdline(&c, passthrough_topology);
	t = cxlemu_sim_topo(sim);
	hb = cxlemu_topo_find(t, "cxl.1");
	mem = cxlemu_topo_find(t, "mem0");
	cxlemu_topo_window(t, 0, &win);
	assert_int_equal(cxlemu_topo_info(t, hb, &hi), 0);
	assert_true(hi.flags & CXLEMU_COMP_PASSTHROUGH);
	assert_null(hi.hdm);
	window_of(sim, CXLEMU_SIM_REG_HB, hb, &hbw);
	window_of(sim, CXLEMU_SIM_REG_EP, mem, &epw);
	/* CXL Capability Header: two capabilities, no HDM entry. */
	assert_int_equal(cxlemu_sim_reg_read(sim, hbw.base + CXLEMU_CM_OFFSET, 4, &v), 0);
	assert_int_equal(v >> 24, 2);
	assert_int_equal(cxlemu_sim_reg_read(sim, hbw.base + CXLEMU_CM_OFFSET + 0xc, 4, &v), 0);
	assert_int_equal(v, 0);
	/* What a guest would write to a host bridge decoder goes nowhere. */
	assert_int_equal(cxlemu_sim_reg_write(sim, hbw.base + HDM_CTRL(0), 4, CTRL_COMMIT), 0);
	for (off = HDM; off < HDM + 0x60; off += 4) {
		assert_int_equal(cxlemu_sim_reg_read(sim, hbw.base + off, 4, &v), 0);
		assert_int_equal(v, 0);
	}
	/* The endpoint's decoder alone maps the window. */
	assert_int_equal(cxlemu_sim_access(sim, win.base, 64, CXLEMU_SIM_READ, buf, NULL), -ENXIO);
	program(sim, epw.base, 0, win.base, 256 * MiB, 0);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(cxlemu_sim_access(sim, win.base + 0x2000, 64, CXLEMU_SIM_WRITE, buf, NULL), 0);
	assert_int_equal(cxlemu_sim_access(sim, win.base + 0x2000, 64, CXLEMU_SIM_READ, back, NULL), 0);
	assert_memory_equal(buf, back, 64);
	{
		struct cxlemu_sim_result res;

		assert_int_equal(cxlemu_sim_access(sim, win.base + 0x2000, 64, CXLEMU_SIM_READ,
						   back, &res), 0);
		assert_int_equal(res.first_dpa, 0x2000);
	}
	assert_int_equal(cxlemu_sim_access(sim, win.base + 256 * MiB, 64, CXLEMU_SIM_READ,
					   back, NULL), -ENXIO);
	cxlemu_sim_free(sim);
	host_free(h);
}

/* Every kind of window on a switched topology: host bridges where the
 * CEDT says, slots per endpoint, then the upstream ports; none overlap. */
static void test_register_window_layout(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_reg_window w, w2;
	struct cxlemu_cedt *ced;
	uint8_t cedt[4096];
	size_t len;
	uint32_t i, k, n, counts[5] = { 0 };
	uint64_t v, want;

	(void)state;
	host_config(&c, h, false);
	c.mbox_payload = 1u << 20; /* slots grow with the mailbox */
	sim = default_machine(&c);
	n = cxlemu_sim_reg_windows(sim);
	assert_int_equal(n, 2 + 3 * 2 + 1);
	for (i = 0; i < n; i++) {
		assert_int_equal(cxlemu_sim_reg_window(sim, i, &w), 0);
		assert_true(w.kind >= CXLEMU_SIM_REG_HB && w.kind <= CXLEMU_SIM_REG_USP);
		counts[w.kind]++;
		for (k = 0; k < n; k++) {
			assert_int_equal(cxlemu_sim_reg_window(sim, k, &w2), 0);
			if (k != i)
				assert_true(w.base + w.size <= w2.base || w2.base + w2.size <= w.base);
		}
		if (w.kind == CXLEMU_SIM_REG_MBOX)
			assert_int_equal(w.size, 0x20 + (1u << 20));
		/* The last word of every window answers; the next byte is
		 * outside (or another window's). */
		assert_int_equal(cxlemu_sim_reg_read(sim, w.base + ((w.size - 4) & ~UINT64_C(3)), 4,
						     &v), 0);
		if (w.kind == CXLEMU_SIM_REG_USP) {
			assert_int_equal(cxlemu_sim_reg_read(sim, w.base + HDM, 4, &v), 0);
			assert_int_equal(cxlemu_topo_reg_read(cxlemu_sim_topo(sim), w.comp, HDM, 4,
							      &want), 0);
			assert_int_equal(v, want);
		}
	}
	assert_int_equal(counts[CXLEMU_SIM_REG_HB], 2);
	assert_int_equal(counts[CXLEMU_SIM_REG_EP], 3);
	assert_int_equal(counts[CXLEMU_SIM_REG_MBOX], 3);
	assert_int_equal(counts[CXLEMU_SIM_REG_USP], 1);
	/* Endpoint slots: 64 KiB + the 1 MiB mailbox rounded up. */
	assert_int_equal(cxlemu_sim_reg_window(sim, 2, &w), 0);
	assert_int_equal(cxlemu_sim_reg_window(sim, 4, &w2), 0);
	assert_int_equal(w.kind, CXLEMU_SIM_REG_EP);
	assert_int_equal(w2.kind, CXLEMU_SIM_REG_EP);
	assert_int_equal(w2.base - w.base, 0x10000 + 0x110000);
	/* Host bridge windows are where the CEDT's CHBS records put them. */
	assert_int_equal(cxlemu_sim_cedt(sim, cedt, sizeof(cedt), &len), 0);
	assert_int_equal(cxlemu_cedt_parse(NULL, cedt, len, &ced, NULL, 0), 0);
	assert_int_equal(ced->nchbs, 2);
	for (i = 0; i < ced->nchbs; i++) {
		bool found = false;

		for (k = 0; k < n; k++) {
			struct cxlemu_comp_info ci;

			cxlemu_sim_reg_window(sim, k, &w);
			if (w.kind != CXLEMU_SIM_REG_HB)
				continue;
			cxlemu_topo_info(cxlemu_sim_topo(sim), w.comp, &ci);
			if (ci.uid == ced->chbs[i].uid) {
				assert_int_equal(w.base, ced->chbs[i].base);
				found = true;
			}
		}
		assert_true(found);
	}
	cxlemu_cedt_free(ced);
	cxlemu_sim_free(sim);
	/* Placed explicitly. */
	host_config(&c, h, false);
	c.ep_reg_base = UINT64_C(0x7000000000);
	sim = default_machine(&c);
	assert_int_equal(cxlemu_sim_reg_window(sim, 2, &w), 0);
	assert_int_equal(w.base, UINT64_C(0x7000000000));
	assert_int_equal(cxlemu_sim_reg_window(sim, 3, &w), 0);
	assert_int_equal(w.base, UINT64_C(0x7000010000));
	assert_int_equal(w.kind, CXLEMU_SIM_REG_MBOX);
	assert_int_equal(cxlemu_sim_reg_window(sim, 8, &w), 0);
	assert_int_equal(w.base, UINT64_C(0x7000000000) + 3 * 0x20000);
	assert_int_equal(w.kind, CXLEMU_SIM_REG_USP);
	cxlemu_sim_free(sim);
	host_free(h);
}

/* ---- the mailbox over the register windows ---- */

#define MB_CTRL 0x04
#define MB_CMD 0x08
#define MB_STATUS 0x10
#define MB_BG 0x18
#define MB_PAYLOAD 0x20

/* Runs a command through the registers; returns the return code. */
static unsigned int mbox_cmd(struct cxlemu_sim *sim, uint64_t mb, uint16_t op, const uint8_t *in,
			     size_t in_len, uint8_t *out, size_t *out_len)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < in_len; i++)
		assert_int_equal(cxlemu_sim_reg_write(sim, mb + MB_PAYLOAD + i, 1, in[i]), 0);
	assert_int_equal(cxlemu_sim_reg_write(sim, mb + MB_CMD, 8,
					      op | (uint64_t)in_len << 16), 0);
	assert_int_equal(cxlemu_sim_reg_read(sim, mb + MB_CTRL, 4, &v), 0);
	assert_int_equal(cxlemu_sim_reg_write(sim, mb + MB_CTRL, 4, v | 1), 0);
	assert_int_equal(cxlemu_sim_reg_read(sim, mb + MB_CTRL, 4, &v), 0);
	assert_int_equal(v & 1, 0); /* the doorbell cleared */
	assert_int_equal(cxlemu_sim_reg_read(sim, mb + MB_CMD, 8, &v), 0);
	if (out_len)
		*out_len = (size_t)(v >> 16 & 0x1fffff);
	for (i = 0; out && out_len && i < *out_len; i++) {
		uint64_t b;

		assert_int_equal(cxlemu_sim_reg_read(sim, mb + MB_PAYLOAD + i, 1, &b), 0);
		out[i] = (uint8_t)b;
	}
	assert_int_equal(cxlemu_sim_reg_read(sim, mb + MB_STATUS, 8, &v), 0);
	return (unsigned int)(v >> 32 & 0xffff);
}

static void test_mailbox_identify_and_sanitize(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_reg_window mb;
	struct cxlemu_sim_ep_stats st;
	uint8_t out[4096], buf[256], back[256];
	size_t out_len;
	uint64_t v, start, done;
	uint32_t m0, m1, m2;
	unsigned int i;

	(void)state;
	host_config(&c, h, false);
	sim = default_machine(&c);
	m0 = ep_named(sim, "cxl-mem0");
	m1 = ep_named(sim, "cxl-mem1");
	m2 = ep_named(sim, "cxl-mem2");
	window_of(sim, CXLEMU_SIM_REG_MBOX, cxlemu_sim_endpoint_comp(sim, m0), &mb);

	/* Identify Memory Device (4000h): the device as the topology has it. */
	assert_int_equal(mbox_cmd(sim, mb.base, 0x4000, NULL, 0, out, &out_len), 0);
	assert_int_equal(out_len, 0x45);
	assert_memory_equal(out, "cxlemu-sim 1\0\0\0\0", 16);
	assert_int_equal(test_le(out + 0x10, 8), 2); /* 512 MiB in 256 MiB units */
	assert_int_equal(test_le(out + 0x18, 8), 2); /* volatile only */
	assert_int_equal(test_le(out + 0x20, 8), 0); /* no persistent */
	/* Identify (0001h): the mailbox's PCI identity and serial number. */
	assert_int_equal(mbox_cmd(sim, mb.base, 0x0001, NULL, 0, out, &out_len), 0);
	assert_int_equal(test_le(out + 0, 2), 0x8086);
	assert_int_equal(test_le(out + 2, 2), 0x0d93);
	assert_int_equal(test_le(out + 8, 8), 1); /* sn=0x1 */
	assert_int_equal(h->mbox_irqs[m0], 0);    /* interrupts not enabled */

	/* Data on every device. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i + 1);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 256, CXLEMU_SIM_WRITE, buf, NULL), 0);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256, 256, CXLEMU_SIM_WRITE, buf, NULL), 0);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + GiB, 256, CXLEMU_SIM_WRITE, buf, NULL), 0);

	/* Sanitize (4400h) with the background interrupt enabled: it starts
	 * at the host's time and asks for a poll when it is due. */
	h->now = 5000;
	assert_int_equal(cxlemu_sim_reg_write(sim, mb.base + MB_CTRL, 4, 1u << 2), 0);
	h->schedules = 0;
	assert_int_equal(mbox_cmd(sim, mb.base, 0x4400, NULL, 0, NULL, NULL),
			 CXLEMU_MBOX_BG_STARTED);
	assert_true(h->schedules >= 1); /* status reads poll, and ask again */
	start = h->now;
	done = h->scheduled;
	/* 512 MiB overwritten at 100 us per MiB. */
	assert_int_equal(done, start + 512 * UINT64_C(100000));
	assert_true(cxlemu_memdev_media_disabled(NULL) == false);
	{
		struct cxlemu_memdev *md;

		assert_int_equal(cxlemu_sim_endpoint_dev(sim, m0, &md, NULL), 0);
		assert_true(cxlemu_memdev_media_disabled(md));
	}
	/* Meanwhile the device's memory is unavailable, the others' is not. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, CXLEMU_SIM_READ, back, NULL), -EIO);
	assert_int_equal(back[0], 0xff);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, CXLEMU_SIM_WRITE, buf, NULL), -EIO);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 200, 64, CXLEMU_SIM_READ, back, NULL),
			 -EIO); /* a piece on cxl-mem0 fails the access */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256, 256, CXLEMU_SIM_READ, back, NULL), 0);
	assert_memory_equal(back, buf, 256);
	/* Polling early changes nothing; the host's clock decides. */
	h->now = done - 1;
	cxlemu_sim_poll(sim);
	assert_int_equal(cxlemu_sim_reg_read(sim, mb.base + MB_STATUS, 8, &v), 0);
	assert_int_equal(v & 1, 1); /* background operation running */
	assert_int_equal(cxlemu_sim_reg_read(sim, mb.base + MB_BG, 8, &v), 0);
	assert_int_equal(v & 0xffff, 0x4400);
	assert_int_equal(v >> 16 & 0x7f, 99);
	assert_int_equal(h->mbox_irqs[m0], 0);
	/* Time passes but nobody polls: still running. */
	h->now = done + 10;
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, CXLEMU_SIM_READ, back, NULL), -EIO);
	cxlemu_sim_poll(sim);
	assert_int_equal(h->mbox_irqs[m0], 1);
	assert_int_equal(h->mbox_irqs[m1] + h->mbox_irqs[m2], 0);
	assert_int_equal(cxlemu_sim_reg_read(sim, mb.base + MB_STATUS, 8, &v), 0);
	assert_int_equal(v & 1, 0);
	assert_int_equal(cxlemu_sim_reg_read(sim, mb.base + MB_BG, 8, &v), 0);
	assert_int_equal(v >> 16 & 0x7f, 100);
	assert_int_equal(v >> 32 & 0xffff, 0); /* success */
	/* Media back; the device's data is gone and its pages are freed. */
	assert_int_equal(cxlemu_sim_ep_stats(sim, m0, &st), 0);
	assert_int_equal(st.store_bytes, 0);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 256, CXLEMU_SIM_READ, back, NULL), 0);
	for (i = 0; i < 256; i++)
		assert_int_equal(back[i], 0);
	/* The other devices keep theirs. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + GiB, 256, CXLEMU_SIM_READ, back, NULL), 0);
	assert_memory_equal(back, buf, 256);
	assert_int_equal(cxlemu_sim_ep_stats(sim, m1, &st), 0);
	assert_int_equal(st.store_bytes, 4096);
	cxlemu_sim_free(sim);
	host_free(h);
}

/* Sanitize with the host keeping memory: zeroes arrive through mem_write. */
static void test_sanitize_host_memory(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_reg_window mb;
	static const char *const one[] = { "mem0", NULL };
	uint8_t buf[64], back[64];
	uint64_t hpa;
	int rc;

	(void)state;
	host_config(&c, h, true);
	sim = sim_cmdline(&c, single_topology);
	hpa = region(sim, 0, 256, 256 * MiB, one);
	window_of(sim, CXLEMU_SIM_REG_MBOX, cxlemu_sim_endpoint_comp(sim, 0), &mb);
	memset(buf, 0x77, sizeof(buf));
	h->cur = buf;
	assert_int_equal(cxlemu_sim_access(sim, hpa + 128 * MiB, 64, CXLEMU_SIM_WRITE, buf, NULL),
			 0);
	assert_int_equal(h->nhm, 1);
	/* A failing host: the sanitize ends in Internal Error, media stays
	 * disabled. */
	h->mem_rc = -EIO;
	assert_int_equal(mbox_cmd(sim, mb.base, 0x4400, NULL, 0, NULL, NULL),
			 CXLEMU_MBOX_BG_STARTED);
	h->now = h->scheduled;
	cxlemu_sim_poll(sim);
	{
		uint64_t v;

		assert_int_equal(cxlemu_sim_reg_read(sim, mb.base + MB_BG, 8, &v), 0);
		assert_int_equal(v >> 32 & 0xffff, CXLEMU_MBOX_INTERNAL_ERROR);
	}
	rc = cxlemu_sim_access(sim, hpa, 64, CXLEMU_SIM_READ, back, NULL);
	assert_int_equal(rc, -EIO);
	/* Retried with a working host. */
	h->mem_rc = 0;
	h->ncalls = 0;
	assert_int_equal(mbox_cmd(sim, mb.base, 0x4400, NULL, 0, NULL, NULL),
			 CXLEMU_MBOX_BG_STARTED);
	h->now = h->scheduled;
	cxlemu_sim_poll(sim);
	h->cur = back;
	assert_int_equal(cxlemu_sim_access(sim, hpa + 128 * MiB, 64, CXLEMU_SIM_READ, back, NULL),
			 0);
	memset(buf, 0, sizeof(buf));
	assert_memory_equal(back, buf, 64);
	/* 256 MiB of zeroes went through mem_write, a page at a time. */
	assert_true(h->ncalls >= 256 * MiB / 4096);
	cxlemu_sim_free(sim);
	host_free(h);
}

/* ---- poison and events ---- */

static void test_poison(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_reg_window mb;
	struct cxlemu_memdev *md;
	uint8_t buf[256], back[256], in[8 + 64];
	uint32_t m2;
	unsigned int i;

	(void)state;
	host_config(&c, h, false);
	sim = default_machine(&c);
	m2 = ep_named(sim, "cxl-mem2");
	assert_int_equal(cxlemu_sim_endpoint_dev(sim, m2, &md, NULL), 0);
	window_of(sim, CXLEMU_SIM_REG_MBOX, cxlemu_sim_endpoint_comp(sim, m2), &mb);
	memset(buf, 0x11, sizeof(buf));
	/* HPA DEF_WIN + 256 is cxl-mem2's DPA 0.  Poison its line at 64. */
	assert_int_equal(cxlemu_memdev_add_poison(md, 64, 64, CXLEMU_POISON_INJECTED), 0);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256 + 64, 1, CXLEMU_SIM_READ, back, NULL),
			 -EFAULT);
	assert_int_equal(back[0], 0xff);
	/* An access with one piece on the poisoned line fails whole. */
	memset(back, 0, sizeof(back));
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 512, CXLEMU_SIM_READ,
					   (uint8_t[512]){ 0 }, NULL), -EFAULT);
	/* Around it, reads work; writes are never refused for poison. */
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256, 64, CXLEMU_SIM_READ, back, NULL), 0);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256 + 128, 128, CXLEMU_SIM_READ, back,
					   NULL), 0);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256 + 64, 64, CXLEMU_SIM_WRITE, buf, NULL),
			 0);
	/* Clear Poison (4302h) through the mailbox writes its 64 bytes. */
	memset(in, 0, sizeof(in));
	in[0] = 64;
	for (i = 0; i < 64; i++)
		in[8 + i] = (uint8_t)(0xc0 + i);
	assert_int_equal(mbox_cmd(sim, mb.base, 0x4302, in, sizeof(in), NULL, NULL), 0);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 256 + 64, 64, CXLEMU_SIM_READ, back, NULL),
			 0);
	assert_memory_equal(back, in + 8, 64);
	cxlemu_sim_free(sim);
	host_free(h);
}

static void test_event_irq_forwarded(void **state)
{
	static const uint8_t uuid[16] = { 1, 2, 3 };
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_reg_window mb;
	struct cxlemu_memdev *md;
	uint8_t policy[4] = { 0, 0x51, 0, 0 }; /* warning log: MSI, vector 5 */
	uint8_t data[8] = { 0 };
	uint32_t m1;

	(void)state;
	host_config(&c, h, false);
	sim = default_machine(&c);
	m1 = ep_named(sim, "cxl-mem1");
	window_of(sim, CXLEMU_SIM_REG_MBOX, cxlemu_sim_endpoint_comp(sim, m1), &mb);
	assert_int_equal(mbox_cmd(sim, mb.base, 0x0103, policy, 4, NULL, NULL), 0);
	assert_int_equal(cxlemu_sim_endpoint_dev(sim, m1, &md, NULL), 0);
	assert_int_equal(cxlemu_memdev_event_raw(md, CXLEMU_EVENT_LOG_WARN, uuid, NULL, data,
						 sizeof(data)), 0);
	assert_int_equal(h->event_irqs, 1);
	assert_int_equal(h->event_ep, m1);
	assert_int_equal(h->event_log, CXLEMU_EVENT_LOG_WARN);
	assert_int_equal(h->event_vector, 5);
	cxlemu_sim_free(sim);
	host_free(h);
}

/* ---- CEDT ---- */

static void test_cedt(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_cedt_opts o;
	uint8_t *want, small[8], buf[4096];
	size_t want_len, len = 0;

	(void)state;
	host_config(&c, h, false);
	sim = default_machine(&c);
	cxlemu_cedt_opts_default(&o, cxlemu_topo_host_reg_base(cxlemu_sim_topo(sim)));
	assert_int_equal(cxlemu_cedt_build(cxlemu_sim_topo(sim), &o, &want, &want_len), 0);
	/* The size first, then the table. */
	assert_int_equal(cxlemu_sim_cedt(sim, NULL, 0, &len), -ENOSPC);
	assert_int_equal(len, want_len);
	len = 0;
	assert_int_equal(cxlemu_sim_cedt(sim, small, sizeof(small), &len), -ENOSPC);
	assert_int_equal(len, want_len);
	assert_int_equal(cxlemu_sim_cedt(sim, buf, want_len, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(buf, want, want_len);
	assert_int_equal(cxlemu_sim_cedt(NULL, buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(cxlemu_sim_cedt(sim, buf, sizeof(buf), NULL), -EINVAL);
	cxlemu_cedt_buf_free(want);
	cxlemu_sim_free(sim);
	host_free(h);
}

/* ---- error returns ---- */

static void test_new_errors(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim = (struct cxlemu_sim *)&c;
	struct swtopo s;
	char err[256];

	(void)state;
	cxlemu_sim_config_init(NULL); /* harmless */
	cxlemu_sim_free(NULL);
	assert_null(cxlemu_sim_topo(NULL));
	cxlemu_sim_poll(NULL);

	host_config(&c, h, false);
	c.qemu_cmdline = default_topology;
	assert_int_equal(cxlemu_sim_new(NULL, &sim, err, sizeof(err)), -EINVAL);
	assert_null(sim);
	assert_int_equal(cxlemu_sim_new(&c, NULL, err, sizeof(err)), -EINVAL);
#define BAD(field, value)                                                              \
	do {                                                                           \
		host_config(&c, h, false);                                            \
		c.qemu_cmdline = default_topology;                                     \
		field = value;                                                         \
		err[0] = '\0';                                                         \
		sim = (struct cxlemu_sim *)&c;                                         \
		assert_int_equal(cxlemu_sim_new(&c, &sim, err, sizeof(err)), -EINVAL); \
		assert_null(sim);                                                      \
		assert_true(err[0] != '\0');                                           \
	} while (0)
	BAD(c.version, 2);
	BAD(c.reserved, 1);
	BAD(c.reserved2, 1);
	BAD(c.host.version, 0);
	BAD(c.host.reserved, 1);
	BAD(c.qemu_cmdline, NULL);            /* neither command line nor topology */
	BAD(c.host.mem_read, h_read);         /* without mem_write */
	BAD(c.host.mem_write, h_write);       /* without mem_read */
	BAD(c.mbox_payload, 100);
	BAD(c.mbox_payload, 2u << 20);
	BAD(c.ep_reg_base, 0x1234);
	BAD(c.ep_reg_base, DEF_WIN);          /* on top of the CXL window */
	BAD(c.qemu_cmdline, "-device cxl-type3,bus=nowhere,id=x");
	/* On top of the host bridges' blocks. */
	host_config(&c, h, false);
	c.qemu_cmdline = default_topology;
	assert_int_equal(cxlemu_sim_new(&c, &sim, err, sizeof(err)), 0);
	{
		struct cxlemu_sim_reg_window w;

		assert_int_equal(cxlemu_sim_reg_window(sim, 0, &w), 0);
		c.ep_reg_base = w.base;
	}
	cxlemu_sim_free(sim);
	assert_int_equal(cxlemu_sim_new(&c, &sim, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "overlap"));
	/* A topology is taken over even on failure (ASan would see a leak). */
	swtopo(&s);
	host_config(&c, h, false);
	c.topo = s.t;
	c.qemu_cmdline = default_topology;    /* both: refused */
	assert_int_equal(cxlemu_sim_new(&c, &sim, err, sizeof(err)), -EINVAL);
	swtopo(&s);
	host_config(&c, h, false);
	c.topo = s.t;
	c.version = 0;
	assert_int_equal(cxlemu_sim_new(&c, &sim, NULL, 0), -EINVAL);
	swtopo(&s);
	host_config(&c, h, false);
	c.topo = s.t;
	assert_int_equal(cxlemu_sim_new(&c, NULL, err, sizeof(err)), -EINVAL);
	host_free(h);
}

static void test_call_errors(void **state)
{
	struct host *h = host_new();
	struct cxlemu_sim_config c;
	struct cxlemu_sim *sim;
	struct cxlemu_sim_ep_stats st;
	struct cxlemu_sim_reg_window w;
	struct cxlemu_sim_result res;
	struct cxlemu_memdev *md = NULL;
	struct cxlemu_cci *cci = NULL;
	uint8_t buf[4097];
	uint64_t v;
	uint32_t n;

	(void)state;
	host_config(&c, h, true);
	sim = default_machine(&c);
	n = cxlemu_sim_endpoints(sim);
	assert_int_equal(n, 3);
	assert_int_equal(cxlemu_sim_endpoints(NULL), 0);
	/* Endpoints in topology order. */
	assert_int_equal(cxlemu_sim_endpoint_comp(sim, 0),
			 cxlemu_topo_find(cxlemu_sim_topo(sim), "cxl-mem0"));
	assert_int_equal(cxlemu_sim_endpoint_comp(sim, 2),
			 cxlemu_topo_find(cxlemu_sim_topo(sim), "cxl-mem2"));
	assert_int_equal(cxlemu_sim_endpoint_comp(sim, n), CXLEMU_COMP_NONE);
	assert_int_equal(cxlemu_sim_endpoint_comp(NULL, 0), CXLEMU_COMP_NONE);
	assert_int_equal(cxlemu_sim_ep_stats(sim, n, &st), -EINVAL);
	assert_int_equal(cxlemu_sim_ep_stats(NULL, 0, &st), -EINVAL);
	assert_int_equal(cxlemu_sim_ep_stats(sim, 0, NULL), -EINVAL);
	assert_int_equal(cxlemu_sim_endpoint_dev(sim, n, &md, &cci), -EINVAL);
	assert_int_equal(cxlemu_sim_endpoint_dev(NULL, 0, &md, &cci), -EINVAL);
	assert_int_equal(cxlemu_sim_endpoint_dev(sim, 1, NULL, NULL), 0);
	assert_int_equal(cxlemu_sim_endpoint_dev(sim, 1, &md, &cci), 0);
	assert_non_null(md);
	assert_non_null(cci);

	/* Accesses. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(cxlemu_sim_access(NULL, DEF_WIN, 64, CXLEMU_SIM_READ, buf, &res), -EINVAL);
	assert_int_equal(res.first_ep, UINT32_MAX);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, CXLEMU_SIM_READ, NULL, NULL), -EINVAL);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 0, CXLEMU_SIM_READ, buf, NULL), -EINVAL);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 4097, CXLEMU_SIM_READ, buf, NULL), -EINVAL);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 4096, CXLEMU_SIM_READ, buf, NULL), 0);
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, 2, buf, NULL), -EINVAL);
	assert_int_equal(cxlemu_sim_access(sim, UINT64_MAX - 10, 64, CXLEMU_SIM_READ, buf, &res),
			 -ENXIO);
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(cxlemu_sim_access(sim, 0, 64, CXLEMU_SIM_READ, buf, NULL), -ENXIO);
	/* Partly routed: the regions' end; nothing reaches the host. */
	h->cur = buf;
	h->ncalls = 0;
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN + 2 * GiB - 32, 64, CXLEMU_SIM_WRITE, buf,
					   NULL), -ENXIO);
	assert_int_equal(h->ncalls, 0);
	/* The host's errors come back, positive ones as -EIO. */
	h->cur = buf;
	h->mem_rc = -ENODEV;
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, CXLEMU_SIM_READ, buf, &res), -ENODEV);
	assert_int_equal(res.latency_ns, 0);
	assert_int_equal(res.first_ep, UINT32_MAX);
	h->mem_rc = 7;
	assert_int_equal(cxlemu_sim_access(sim, DEF_WIN, 64, CXLEMU_SIM_WRITE, buf, NULL), -EIO);
	h->mem_rc = 0;
	/* Failed accesses are not counted. */
	assert_int_equal(cxlemu_sim_ep_stats(sim, 0, &st), 0);
	assert_int_equal(st.reads, 8); /* the 4096-byte read: 8 pieces on mem0 */
	assert_int_equal(st.writes, 0);

	/* Register windows. */
	assert_int_equal(cxlemu_sim_reg_windows(NULL), 0);
	assert_int_equal(cxlemu_sim_reg_window(sim, cxlemu_sim_reg_windows(sim), &w), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_window(NULL, 0, &w), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_window(sim, 0, NULL), -EINVAL);
	/* The lowest window. */
	{
		struct cxlemu_sim_reg_window o;
		uint32_t i;

		assert_int_equal(cxlemu_sim_reg_window(sim, 0, &w), 0);
		for (i = 1; i < cxlemu_sim_reg_windows(sim); i++) {
			assert_int_equal(cxlemu_sim_reg_window(sim, i, &o), 0);
			if (o.base < w.base)
				w = o;
		}
	}
	assert_int_equal(cxlemu_sim_reg_read(NULL, w.base, 4, &v), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_read(sim, w.base, 4, NULL), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_read(sim, w.base, 3, &v), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_read(sim, w.base + 2, 4, &v), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_read(sim, w.base + CXLEMU_CM_OFFSET, 2, &v), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_read(sim, 0, 4, &v), -ENXIO);
	assert_int_equal(cxlemu_sim_reg_read(sim, w.base - 4, 4, &v), -ENXIO);
	assert_int_equal(cxlemu_sim_reg_write(NULL, w.base, 4, 0), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_write(sim, w.base + 4, 8, 0), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_write(sim, w.base, 5, 0), -EINVAL);
	assert_int_equal(cxlemu_sim_reg_write(sim, UINT64_MAX - 7, 8, 0), -ENXIO);
	/* Mailbox windows end where the payload does. */
	window_of(sim, CXLEMU_SIM_REG_MBOX, cxlemu_sim_endpoint_comp(sim, 0), &w);
	assert_int_equal(cxlemu_sim_reg_read(sim, w.base + w.size - 1, 1, &v), 0);
	assert_int_equal(cxlemu_sim_reg_read(sim, w.base + w.size, 1, &v), -ENXIO);
	assert_int_equal(cxlemu_sim_reg_write(sim, w.base + w.size, 1, 0), -ENXIO);
	cxlemu_sim_free(sim);
	host_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_traces_host_memory),
		cmocka_unit_test(test_random_traces_sparse_store),
		cmocka_unit_test(test_latency_model),
		cmocka_unit_test(test_latency_follows_hotplug),
		cmocka_unit_test(test_sparse_store_unit),
		cmocka_unit_test(test_sparse_store_through_access),
		cmocka_unit_test(test_register_windows_program_hdm),
		cmocka_unit_test(test_register_windows_passthrough),
		cmocka_unit_test(test_register_window_layout),
		cmocka_unit_test(test_mailbox_identify_and_sanitize),
		cmocka_unit_test(test_sanitize_host_memory),
		cmocka_unit_test(test_poison),
		cmocka_unit_test(test_event_irq_forwarded),
		cmocka_unit_test(test_cedt),
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_call_errors),
	};

	seed = test_seed(0x51d);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
