/* SPDX-License-Identifier: MIT */
/* Library-private access to a topology. */
#ifndef CXLEMU_TOPOLOGY_PRIV_H
#define CXLEMU_TOPOLOGY_PRIV_H

#include <cxlemu/topology.h>

/* The context a topology logs through (may be NULL). */
struct cxlemu_ctx *cxlemu_topo_ctx(const struct cxlemu_topo *t);

/* Bumped whenever the route tables are republished (a decoder commits,
 * a component is added, an endpoint is detached or attached): a reader
 * that caches what it derived from the hierarchy recomputes it when this
 * changes. */
uint64_t cxlemu_topo_generation(const struct cxlemu_topo *t);

#endif
