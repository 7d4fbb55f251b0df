/* SPDX-License-Identifier: MIT */
/*
 * A multi-logical device as its fabric manager sees it (CXL 3.1 2.4,
 * 7.6.7.4): LDs with their memory allocations (Range 1 and Range 2
 * multipliers of the memory granularity), the CCIs of its LDs that the
 * FM-owned LD tunnels to, and the wiring of an MLD port's FM-owned LD CCI
 * to the switch above it.
 */
#include <stdlib.h>
#include <string.h>

#include <cxlemu/mailbox.h>

#include "vcs_priv.h"

void cxlemu_mld_config_init(struct cxlemu_mld_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->version = CXLEMU_MLD_CONFIG_VERSION;
}

static uint64_t gran_bytes(unsigned int code)
{
	return SZ_256M << code;
}

uint64_t mld_gran_bytes(const struct cxlemu_mld *mld)
{
	return gran_bytes(mld->cfg.granularity);
}

/* Sums allocations in granularity units against the device's units: each
 * term is bounded by the units first, so the sum never wraps. */
static bool units_fit(uint64_t units, const uint64_t *r1, const uint64_t *r2, unsigned int n)
{
	uint64_t used = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (r1[i] > units - used)
			return false;
		used += r1[i];
		if (r2[i] > units - used)
			return false;
		used += r2[i];
	}
	return true;
}

bool mld_alloc_fits(const struct cxlemu_mld *mld, unsigned int start, unsigned int n,
		    const uint64_t *r1, const uint64_t *r2)
{
	uint64_t a[CXLEMU_SWITCH_MAX_LDS], b[CXLEMU_SWITCH_MAX_LDS];
	unsigned int count = mld->cfg.ld_count;

	if (start > count || n > count - start)
		return false;
	memcpy(a, mld->cfg.range1, sizeof(a));
	memcpy(b, mld->cfg.range2, sizeof(b));
	memcpy(a + start, r1, n * sizeof(*r1));
	memcpy(b + start, r2, n * sizeof(*r2));
	return units_fit(mld->cfg.memory_size / mld_gran_bytes(mld), a, b, count);
}

static int check_config(struct cxlemu_ctx *ctx, const struct cxlemu_mld_config *cfg)
{
	unsigned int i;

	if (cfg->version != CXLEMU_MLD_CONFIG_VERSION) {
		cxlemu_err(ctx, "mld: unsupported config version %u", cfg->version);
		return -EINVAL;
	}
	if (cfg->ld_count < 1 || cfg->ld_count > CXLEMU_SWITCH_MAX_LDS ||
	    cfg->granularity > CXLEMU_MLD_GRAN_1G || (cfg->qos_telemetry & 0xfc) ||
	    cfg->reserved) {
		cxlemu_err(ctx, "mld: LD count %u (1..16), granularity %u (0..2) or QoS "
			   "telemetry 0x%x out of range", cfg->ld_count, cfg->granularity,
			   cfg->qos_telemetry);
		return -EINVAL;
	}
	if (!cfg->memory_size || cfg->memory_size % gran_bytes(cfg->granularity)) {
		cxlemu_err(ctx, "mld: memory size 0x%llx is not a nonzero multiple of %llu MiB",
			   (unsigned long long)cfg->memory_size,
			   (unsigned long long)(gran_bytes(cfg->granularity) >> 20));
		return -EINVAL;
	}
	for (i = cfg->ld_count; i < CXLEMU_SWITCH_MAX_LDS; i++)
		if (cfg->range1[i] || cfg->range2[i]) {
			cxlemu_err(ctx, "mld: LD %u does not exist but has an allocation", i);
			return -EINVAL;
		}
	if (!units_fit(cfg->memory_size / gran_bytes(cfg->granularity), cfg->range1,
		       cfg->range2, cfg->ld_count)) {
		cxlemu_err(ctx, "mld: the LD allocations exceed the memory size");
		return -EINVAL;
	}
	return 0;
}

int cxlemu_mld_new(struct cxlemu_ctx *ctx, const struct cxlemu_mld_config *cfg,
		   struct cxlemu_mld **out)
{
	struct cxlemu_mld *mld;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg) {
		cxlemu_err(ctx, "mld: missing config");
		return -EINVAL;
	}
	if (check_config(ctx, cfg))
		return -EINVAL;
	mld = calloc(1, sizeof(*mld));
	if (!mld)
		return -ENOMEM;
	mld->ctx = ctx;
	mld->cfg = *cfg;
	*out = mld;
	return 0;
}

void cxlemu_mld_free(struct cxlemu_mld *mld)
{
	free(mld);
}

int cxlemu_mld_ld_alloc(const struct cxlemu_mld *mld, unsigned int ld, uint64_t *range1,
			uint64_t *range2)
{
	if (!mld || ld >= mld->cfg.ld_count)
		return -EINVAL;
	/* Within the memory size: the products cannot overflow. */
	if (range1)
		*range1 = mld->cfg.range1[ld] * mld_gran_bytes(mld);
	if (range2)
		*range2 = mld->cfg.range2[ld] * mld_gran_bytes(mld);
	return 0;
}

int cxlemu_mld_set_ld_cci(struct cxlemu_mld *mld, unsigned int ld, struct cxlemu_cci *cci)
{
	if (!mld || ld >= mld->cfg.ld_count)
		return -EINVAL;
	mld->ld_cci[ld] = cci;
	return 0;
}

int cxlemu_switch_set_port_cci(struct cxlemu_switch *sw, unsigned int port,
			       struct cxlemu_cci *cci)
{
	const struct vcs_port *p;

	if (!sw || port >= sw->cfg.nports)
		return -EINVAL;
	p = &sw->ports[port];
	if (!cci) {
		sw->port_cci[port] = NULL;
		return 0;
	}
	if (p->cfg.type != CXLEMU_SWITCH_PORT_DSP || p->cfg.attached != CXLEMU_SWITCH_DEV_MLD) {
		cxlemu_err(sw->ctx, "switch: port %u has no MLD for an FM-owned LD CCI", port);
		return -EINVAL;
	}
	if (cci->cfg.kind != CXLEMU_CCI_LD_FM) {
		cxlemu_err(sw->ctx, "switch: port %u: the CCI is not an FM-owned LD's", port);
		return -EINVAL;
	}
	if (cci->mld && cci->mld->cfg.ld_count != p->cfg.ld_count) {
		cxlemu_err(sw->ctx, "switch: port %u has %u LDs, the MLD behind the CCI %u", port,
			   p->cfg.ld_count, cci->mld->cfg.ld_count);
		return -EINVAL;
	}
	sw->port_cci[port] = cci;
	return 0;
}
