/* SPDX-License-Identifier: MIT */
/* The README's hot-path example, linked against the shared library. */
#include <stdio.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

int main(void)
{
	struct cxlemu_route_decoder dec = {
		.base = 0x490000000, .size = 1ULL << 30, .eiw = 0, .eig = 0,
	};
	struct cxlemu_route_node ep = {
		.kind = CXLEMU_NODE_ENDPOINT, .id = 7, .below = CXLEMU_NO_NODE,
		.ndecoders = 1, .decoders = &dec,
	};
	struct cxlemu_route_window w = {
		.base = 0x490000000, .size = 1ULL << 30, .eiw = 0, .eig = 0,
	};
	struct cxlemu_route_table *t;
	uint64_t dpa;
	uint32_t id;

	memset(w.targets, 0xff, sizeof(w.targets));
	w.targets[0] = 0;
	if (cxlemu_route_table_build(NULL, &w, &ep, 1, &t))
		return 1;
	if (cxlemu_route(t, 0x490001234, &id, &dpa) || id != 7 || dpa != 0x1234)
		return 1;
	if (cxlemu_route(t, 0x4d0000000, &id, &dpa) != CXLEMU_ROUTE_MISS)
		return 1;
	cxlemu_route_table_free(t);
	printf("ok - shared library hot path (%s)\n", cxlemu_version());
	return 0;
}
