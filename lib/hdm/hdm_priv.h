/* SPDX-License-Identifier: MIT */
/* Library-private parts of lib/hdm. */
#ifndef CXLEMU_HDM_PRIV_H
#define CXLEMU_HDM_PRIV_H

#include <stdint.h>

#include <cxlemu/hdm.h>

/* Records a port that decoder target lists may name (ports are added to a
 * switching component after it exists).  Returns 0 or -ENOSPC. */
int cxlemu_hdm_add_port(struct cxlemu_hdm *hdm, uint8_t port);

#endif
