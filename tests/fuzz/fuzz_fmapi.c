/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the FM-API switch command sets (7.6.7.1, 7.6.7.2) on a
 * switch whose shape the input chooses, driven through its mailbox CCI and
 * an MCTP CCI by any sequence of commands (any opcode and payload, mostly
 * the switch's), host completions (success or failure, for any vPPB),
 * host behaviour changes (answer later, answer inline, refuse), direct
 * model calls and clock advances.
 *
 * Invariants after every step: return codes are 16-bit, responses fit the
 * buffer; every vPPB state is defined and consistent with its port (an LD
 * only on an MLD port and within its count, a port binding only on a
 * non-MLD DSP); each port's count of holders matches the vPPBs that hold
 * it, an LD or a non-MLD port is held by at most one vPPB; Identify Switch
 * Device's Number of Bound vPPBs equals the bound vPPBs counted here.
 *
 * Every MLD port has an MLD with its FM-owned LD's CCI attached (the
 * Tunnel Management Command's target); LD 0 of each has a plain CCI and
 * LD 1 the switch's MCTP CCI, so tunnels nest and loop back.  After every
 * step each MLD's LD allocations fit its memory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	uint64_t now;
	struct cxlemu_switch *sw;
	unsigned int mode;  /* 0 answer later, 1 answer inline, 2 refuse */
	/* Per port: the MLD on it and its FM-owned LD's CCI, or NULL. */
	struct cxlemu_mld *mld[CXLEMU_SWITCH_MAX_PORTS];
	struct cxlemu_cci *ldfm[CXLEMU_SWITCH_MAX_PORTS];
	struct cxlemu_cci *ld0;  /* LD 0's CCI of every MLD */
};

#define MLD_UNITS 64  /* each MLD: 64 units of 256 MiB */

/* An MLD on every MLD port, its LDs sharing the memory evenly. */
static void attach_mlds(struct fz *f, struct cxlemu_ctx *ctx, struct cxlemu_cci *mctp)
{
	unsigned int i, j, np = cxlemu_switch_nports(f->sw);
	struct cxlemu_cci_config cc;

	memset(&cc, 0, sizeof(cc));
	cc.version = CXLEMU_CCI_CONFIG_VERSION;
	cc.kind = CXLEMU_CCI_MAILBOX;
	cc.payload_size = 256;
	if (cxlemu_cci_new(ctx, &cc, &f->ld0))
		abort();
	cc.kind = CXLEMU_CCI_LD_FM;
	cc.payload_size = 1024;
	for (i = 0; i < np; i++) {
		struct cxlemu_switch_port_info pi;
		struct cxlemu_mld_config mc;

		if (cxlemu_switch_port_info(f->sw, i, &pi))
			abort();
		if (pi.attached != CXLEMU_SWITCH_DEV_MLD)
			continue;
		cxlemu_mld_config_init(&mc);
		mc.ld_count = pi.ld_count;
		mc.memory_size = (uint64_t)MLD_UNITS << 28;
		for (j = 0; j < pi.ld_count; j++)
			mc.range1[j] = MLD_UNITS / pi.ld_count;
		cc.mld = NULL;
		if (cxlemu_mld_new(ctx, &mc, &f->mld[i]))
			abort();
		cc.mld = f->mld[i];
		if (cxlemu_cci_new(ctx, &cc, &f->ldfm[i]) ||
		    cxlemu_switch_set_port_cci(f->sw, i, f->ldfm[i]) ||
		    cxlemu_mld_set_ld_cci(f->mld[i], 0, f->ld0) ||
		    (pi.ld_count > 1 && cxlemu_mld_set_ld_cci(f->mld[i], 1, mctp)))
			abort();
	}
}

static void free_mlds(struct fz *f)
{
	unsigned int i;

	for (i = 0; i < CXLEMU_SWITCH_MAX_PORTS; i++) {
		if (f->ldfm[i] && cxlemu_switch_set_port_cci(f->sw, i, NULL))
			abort();
		cxlemu_cci_free(f->ldfm[i]);
		cxlemu_mld_free(f->mld[i]);
	}
	cxlemu_cci_free(f->ld0);
}

/* Each MLD's allocations fit its memory. */
static void check_mlds(const struct fz *f)
{
	unsigned int i, j;

	for (i = 0; i < CXLEMU_SWITCH_MAX_PORTS; i++) {
		uint64_t total = 0, r1, r2;

		if (!f->mld[i])
			continue;
		for (j = 0; cxlemu_mld_ld_alloc(f->mld[i], j, &r1, &r2) == 0; j++) {
			if (r1 > ((uint64_t)MLD_UNITS << 28) - total)
				abort();
			total += r1;
			if (r2 > ((uint64_t)MLD_UNITS << 28) - total)
				abort();
			total += r2;
		}
	}
}

static uint64_t clock_ns(void *opaque)
{
	return ((struct fz *)opaque)->now;
}

static int host_op(struct fz *f, unsigned int vcs, unsigned int vppb)
{
	if (f->mode == 2)
		return -EIO;
	if (f->mode == 1 && cxlemu_switch_host_done(f->sw, vcs, vppb, 0))
		abort();  /* an operation the host was just asked about waits */
	return 0;
}

static int attach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
		  unsigned int ld)
{
	(void)port;
	(void)ld;
	return host_op(opaque, vcs, vppb);
}

static int detach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
		  unsigned int ld, unsigned int mode)
{
	(void)port;
	(void)ld;
	if (mode > CXLEMU_UNBIND_SURPRISE)
		abort();
	return host_op(opaque, vcs, vppb);
}

static void aer(void *opaque, unsigned int vcs, unsigned int inst, unsigned int sev,
		unsigned int bit, const uint8_t hdr[32])
{
	(void)opaque;
	(void)hdr;
	if (vcs >= CXLEMU_SWITCH_MAX_VCS || inst > 255 || sev > 1 || bit > 31)
		abort();
}

/* The switch: ports 0..nvcs-1 upstream (VCS i on port i), the others
 * downstream with devices the input picks, one disabled now and then. */
static void make_config(struct cxlemu_switch_config *c, const uint8_t *d, size_t n)
{
	unsigned int i, nvcs;

	cxlemu_switch_config_init(c);
	c->nports = (uint16_t)(3 + (n > 0 ? d[0] % 14 : 0));
	nvcs = 1 + (n > 1 ? d[1] % 3 : 0);
	c->nvcs = (uint16_t)(nvcs + 1);  /* the last one disabled */
	c->hdm_decoders = 4;
	c->vendor_id = 0x1e98;
	for (i = 0; i < c->nports; i++) {
		struct cxlemu_switch_port_config *p = &c->ports[i];
		uint8_t b = 2 + i < n ? d[2 + i] : (uint8_t)i;

		if (i < nvcs) {
			p->type = CXLEMU_SWITCH_PORT_USP;
			continue;
		}
		p->type = (b & 0xf0) == 0xf0 ? CXLEMU_SWITCH_PORT_DISABLED : CXLEMU_SWITCH_PORT_DSP;
		if (p->type == CXLEMU_SWITCH_PORT_DSP)
			p->attached = (uint8_t)(b % 7);
		if (p->attached == CXLEMU_SWITCH_DEV_MLD)
			p->ld_count = (uint8_t)(1 + (b >> 3) % 16);
	}
	for (i = 0; i < nvcs; i++)
		c->vcs[i] = (struct cxlemu_switch_vcs_config){ 1, (uint8_t)i,
							       (uint8_t)(2 + i * 2), 0 };
	c->vcs[nvcs] = (struct cxlemu_switch_vcs_config){ 0, 0, 2, 0 };
}

static void check(struct cxlemu_switch *sw, struct cxlemu_cci *cci)
{
	unsigned int holders[CXLEMU_SWITCH_MAX_PORTS] = { 0 };
	uint32_t lds[CXLEMU_SWITCH_MAX_PORTS] = { 0 };
	unsigned int np = cxlemu_switch_nports(sw), nv = cxlemu_switch_nvcs(sw);
	unsigned int i, j, bound = 0;
	uint8_t out[0x49];
	size_t len;

	for (i = 0; i < nv; i++) {
		struct cxlemu_switch_vppb_info v;

		for (j = 0; cxlemu_switch_vppb_info(sw, i, j, &v) == 0; j++) {
			struct cxlemu_switch_port_info p;

			if (v.state > CXLEMU_VPPB_UNBINDING)
				abort();
			if (v.state == CXLEMU_VPPB_UNBOUND) {
				if (v.ld_id != CXLEMU_SWITCH_NO_LD)
					abort();
				continue;
			}
			if (cxlemu_switch_port_info(sw, v.port, &p) || p.type != CXLEMU_SWITCH_PORT_DSP)
				abort();
			holders[v.port]++;
			if (p.attached == CXLEMU_SWITCH_DEV_MLD) {
				if (v.ld_id >= p.ld_count || v.state == CXLEMU_VPPB_BOUND_PORT ||
				    (lds[v.port] & (1u << v.ld_id)))
					abort();
				lds[v.port] |= 1u << v.ld_id;
			} else if (v.ld_id != CXLEMU_SWITCH_NO_LD || v.state == CXLEMU_VPPB_BOUND_LD) {
				abort();
			}
			bound += v.state == CXLEMU_VPPB_BOUND_PORT || v.state == CXLEMU_VPPB_BOUND_LD;
		}
	}
	for (i = 0; i < np; i++) {
		struct cxlemu_switch_port_info p;

		if (cxlemu_switch_port_info(sw, i, &p) || p.bound != holders[i] ||
		    (p.attached != CXLEMU_SWITCH_DEV_MLD && p.bound > 1))
			abort();
	}
	if (cxlemu_cci_execute(cci, 0x5100, NULL, 0, out, sizeof(out), &len) !=
		    CXLEMU_MBOX_SUCCESS ||
	    len != sizeof(out) || (unsigned int)(out[0x46] | out[0x47] << 8) != bound)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ops[16] = { 0x5100, 0x5101, 0x5102, 0x5103, 0x5200, 0x5201,
					  0x5202, 0x5203, 0x5201, 0x5202, 0x5101, 0x5300,
					  0x0002, 0x0005, 0x0004, 0x0400 };
	struct cxlemu_host_ops hops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = clock_ns };
	struct cxlemu_switch_config *cfg;
	struct cxlemu_cci_config cc;
	struct cxlemu_cci *cci[2];
	struct cxlemu_ctx *ctx;
	struct fz f = { 0 };
	uint8_t out[4096];
	size_t p;

	if (size < 2)
		return 0;
	cfg = malloc(sizeof(*cfg));
	if (!cfg || cxlemu_ctx_new(&hops, &f, &ctx))
		abort();
	make_config(cfg, data, size);
	cfg->host.attach = attach;
	cfg->host.detach = detach;
	cfg->host.aer = aer;
	cfg->host.opaque = &f;
	if (cxlemu_switch_new(ctx, cfg, &f.sw))
		abort();
	p = 2 + cfg->nports < size ? 2 + cfg->nports : size;
	free(cfg);
	memset(&cc, 0, sizeof(cc));
	cc.version = CXLEMU_CCI_CONFIG_VERSION;
	cc.kind = CXLEMU_CCI_SWITCH;
	cc.payload_size = 4096;
	cc.fabric_switch = f.sw;
	if (cxlemu_cci_new(ctx, &cc, &cci[0]))
		abort();
	cc.kind = CXLEMU_CCI_MCTP;
	cc.payload_size = 256;
	if (cxlemu_cci_new(ctx, &cc, &cci[1]))
		abort();
	attach_mlds(&f, ctx, cci[1]);
	while (p + 3 <= size) {
		uint8_t op = data[p], a = data[p + 1], b = data[p + 2];
		size_t n, len;
		int rc;

		p += 3;
		if (op < 0xa0) {
			/* A command: mostly the switch's, sometimes any opcode. */
			uint16_t opcode = op & 0x40 ? (uint16_t)(a | b << 8) : ops[a & 15];
			size_t cap = op & 0x20 ? 24 : sizeof(out);

			n = (size_t)(op & 0x1f) + (op & 0x80 ? b : 0);
			if (n > size - p)
				n = size - p;
			rc = cxlemu_cci_execute(cci[a >> 7], opcode, data + p, n, out, cap, &len);
			if (rc < 0 || rc > 0xffff || len > cap)
				abort();
			p += n;
		} else if (op < 0xc0) {
			/* The host answers for some vPPB (often one that waits). */
			(void)cxlemu_switch_host_done(f.sw, a % 5, b % 8, op & 1 ? -EIO : 0);
		} else if (op < 0xe0) {
			f.now += (uint64_t)(op & 0x1f) << 20;
			cxlemu_cci_poll(cci[0]);
			cxlemu_cci_poll(cci[1]);
		} else if (op < 0xf0) {
			if (op & 1)
				(void)cxlemu_switch_unbind(f.sw, a % 5, b % 8, (op >> 1) & 3);
			else
				(void)cxlemu_switch_bind(f.sw, a % 5, b % 8, a >> 3,
							 op & 2 ? CXLEMU_SWITCH_NO_LD : b >> 4);
		} else {
			f.mode = (op & 0x0f) % 3;
		}
		check(f.sw, cci[0]);
		check_mlds(&f);
	}
	/* A CCI freed with an operation waiting, then the host answers. */
	free_mlds(&f);
	cxlemu_cci_free(cci[1]);
	(void)cxlemu_switch_host_done(f.sw, 0, 0, 0);
	cxlemu_cci_free(cci[0]);
	cxlemu_switch_free(f.sw);
	cxlemu_ctx_free(ctx);
	return 0;
}
