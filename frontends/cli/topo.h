/* SPDX-License-Identifier: MIT */
/* The CLI's view of a topology: route description plus names. */
#ifndef CXLEMU_CLI_TOPO_H
#define CXLEMU_CLI_TOPO_H

#include <cxlemu/cxlemu.h>

#define TOPO_MAX_NODES 64
#define TOPO_MAX_DECODERS 128

struct topo {
	struct cxlemu_route_window window;
	const char *window_name;
	struct cxlemu_route_node nodes[TOPO_MAX_NODES];
	const char *names[TOPO_MAX_NODES];
	const char *roles[TOPO_MAX_NODES];
	struct cxlemu_route_decoder decoders[TOPO_MAX_DECODERS];
	uint32_t nnodes, ndecoders;
};

/*
 * The built-in default: two host bridges with a 2-way, 256 B window across
 * them; a switch with two type-3 endpoints under the root port of the first,
 * one endpoint under the root port of the second; decoders committed for one
 * region over the whole window.
 */
void topo_default(struct topo *t);

/* Name of the node whose id is @id (ids are node indices here). */
const char *topo_name(const struct topo *t, uint32_t id);

#endif
