/* SPDX-License-Identifier: MIT */
/* `cxlemu trace`: replays a memory trace through the simulator ABI. */
#ifndef CXLEMU_CLI_TRACE_H
#define CXLEMU_CLI_TRACE_H

#include <stdbool.h>

struct cxlemu_topo;

/* Replays the trace named by argv[0] on a machine built from @t (taken
 * over, freed in every case) and prints the report; returns the exit
 * status: 0, 1 for a bad trace, 2 for bad usage. */
int cmd_trace(struct cxlemu_topo *t, int argc, char **argv, bool json);

#endif
