/* SPDX-License-Identifier: MIT */
/* Mailbox test fixture: a memory device behind a mailbox CCI, on a clock
 * the test drives. */
#ifndef CXLEMU_MBOX_UTIL_H
#define CXLEMU_MBOX_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cxlemu/cxlemu.h>

#define MB_OUT_CAP 4096

struct mb {
	struct cxlemu_ctx *ctx;
	struct cxlemu_memdev_config mcfg;
	struct cxlemu_memdev *md;
	struct cxlemu_cci_config ccfg;
	struct cxlemu_cci *cci;
	uint64_t now;            /* the clock the library reads, ns */
	unsigned int irqs;       /* mailbox interrupts */
	uint64_t scheduled;      /* last poll time asked for */
	unsigned int event_irqs; /* event interrupts */
	unsigned int last_event_log, last_event_mode, last_event_vector;
	/* media_zero calls: last range, count, and an error to return */
	uint64_t zero_dpa, zero_len;
	unsigned int zeroes;
	int zero_rc;
	uint8_t out[MB_OUT_CAP];
	size_t out_len;
};

/* Default device: 512 MiB volatile, 256 MiB persistent, 512 MiB
 * partitionable (256 MiB alignment), 128 KiB LSA kept by the library, one
 * DC region of 256 MiB with 2 MiB blocks; behind a 4 KiB-payload mailbox. */
void mb_default_config(struct mb *m);
/* Creates ctx, memdev and CCI from m->mcfg / m->ccfg (call
 * mb_default_config() first, then adjust); fails the test on error. */
void mb_start(struct mb *m);
/* mb_default_config() + mb_start() into a heap fixture. */
struct mb *mb_new(void);
void mb_free(struct mb *m);
/* Runs a command; output in m->out / m->out_len. */
int mb_run(struct mb *m, uint16_t opcode, const void *in, size_t in_len);
/* Advances the clock and polls. */
void mb_advance(struct mb *m, uint64_t ns);

#endif
