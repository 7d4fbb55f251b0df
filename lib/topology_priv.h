/* SPDX-License-Identifier: MIT */
/* Library-private access to a topology. */
#ifndef CXLEMU_TOPOLOGY_PRIV_H
#define CXLEMU_TOPOLOGY_PRIV_H

#include <cxlemu/topology.h>

/* The context a topology logs through (may be NULL). */
struct cxlemu_ctx *cxlemu_topo_ctx(const struct cxlemu_topo *t);

#endif
