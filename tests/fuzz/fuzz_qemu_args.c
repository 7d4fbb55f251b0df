/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: QEMU command lines and option files.  A rejected line
 * must come with a message; an accepted one must give a consistent
 * topology (windows over host bridges only, ports under the right parents,
 * host bridges passing through exactly when QEMU's rule says so) whose
 * routes agree with the register walker.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * pxb-cxl's rule: without hdm_for_passthrough=on (auto), a host bridge with
 * exactly one root port passes through: no HDM decoders, no HDM capability
 * in its registers, its root port below; otherwise it has decoders.
 */
static void check_host_bridge(struct cxlemu_topo *t, uint32_t id,
			      const struct cxlemu_comp_info *c)
{
	struct cxlemu_comp_info x;
	uint32_t i, n = 0, first = CXLEMU_COMP_NONE;
	uint64_t hdr;
	bool pass = c->flags & CXLEMU_COMP_PASSTHROUGH;

	for (i = 0; i < cxlemu_topo_count(t); i++) {
		if (cxlemu_topo_info(t, i, &x))
			abort();
		if (x.kind == CXLEMU_COMP_ROOT_PORT && x.parent == id && !n++)
			first = i;
	}
	if ((c->flags & ~(CXLEMU_COMP_PASSTHROUGH | CXLEMU_COMP_PASSTHROUGH_AUTO)) ||
	    pass != ((c->flags & CXLEMU_COMP_PASSTHROUGH_AUTO) && n == 1) ||
	    !pass != !!c->hdm || c->below != (pass ? first : CXLEMU_COMP_NONE))
		abort();
	if (cxlemu_topo_reg_read(t, id, CXLEMU_CM_OFFSET, 4, &hdr) ||
	    hdr >> 24 != (pass ? 2u : 3u))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cxlemu_topo *t;
	char err[512], *s;
	uint32_t i, k;
	int rc;

	if (size > 1 << 16)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = cxlemu_topo_from_qemu_string(NULL, s, &t, err, sizeof(err));
	free(s);
	if (rc) {
		if (rc != -EINVAL && rc != -ENOMEM)
			abort();
		if (rc == -EINVAL && !err[0])
			abort();
		return 0;
	}
	for (i = 0; i < cxlemu_topo_count(t); i++) {
		struct cxlemu_comp_info c, p;

		if (cxlemu_topo_info(t, i, &c))
			abort();
		if (c.kind == CXLEMU_COMP_HOST_BRIDGE) {
			if (c.parent != CXLEMU_COMP_NONE)
				abort();
			check_host_bridge(t, i, &c);
			continue;
		}
		if (cxlemu_topo_info(t, c.parent, &p))
			abort();
		if ((c.kind == CXLEMU_COMP_ROOT_PORT && p.kind != CXLEMU_COMP_HOST_BRIDGE) ||
		    (c.kind == CXLEMU_COMP_DSP && p.kind != CXLEMU_COMP_USP))
			abort();
	}
	for (i = 0; i < cxlemu_topo_windows(t); i++) {
		struct cxlemu_window_desc w;

		if (cxlemu_topo_window(t, i, &w))
			abort();
		for (k = 0; k < w.ways; k++) {
			struct cxlemu_comp_info c;

			if (cxlemu_topo_info(t, w.targets[k], &c) ||
			    c.kind != CXLEMU_COMP_HOST_BRIDGE)
				abort();
		}
		for (k = 0; k < 16; k++) {
			uint64_t hpa = w.base + (w.size / 16) * k + k * 256, dpa;
			struct cxlemu_route_info info;
			uint32_t ep;

			if (cxlemu_topo_route(t, hpa, &ep, &dpa) != cxlemu_topo_walk(t, hpa, &info))
				abort();
		}
	}
	cxlemu_topo_free(t);
	return 0;
}
