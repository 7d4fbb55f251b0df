/* SPDX-License-Identifier: MIT */
/* Private parts of lib/mailbox: the CCI state and the command table. */
#ifndef CXLEMU_CCI_PRIV_H
#define CXLEMU_CCI_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/mailbox.h>

#include "../internal.h"
#include "memdev_priv.h"

/* Command Effects (CEL entry, 8.2.9.5.2.1, Table 8-75). */
#define EFFECT_CONFIG_CHANGE_COLD_RESET (1u << 0)
#define EFFECT_CONFIG_CHANGE_IMMEDIATE (1u << 1)
#define EFFECT_DATA_CHANGE_IMMEDIATE (1u << 2)
#define EFFECT_POLICY_CHANGE_IMMEDIATE (1u << 3)
#define EFFECT_LOG_CHANGE_IMMEDIATE (1u << 4)
#define EFFECT_SECURITY_CHANGE (1u << 5)
#define EFFECT_BACKGROUND (1u << 6)
/* Request Abort Background Operation Supported (CXL 3.2 Table 8-87). */
#define EFFECT_BG_ABORT (1u << 7)

/* How the dispatcher checks a command's input length. */
enum in_rule {
	IN_EXACT, /* exactly in_len bytes */
	IN_MIN,   /* at least in_len bytes; the handler checks the rest */
};

struct cxlemu_cci;

/* Output buffer of a handler: separate from the input, bounded. */
struct cci_out {
	uint8_t *buf;
	size_t cap, len;
};

typedef int (*cci_handler)(struct cxlemu_cci *cci, const uint8_t *in,
			   size_t in_len, struct cci_out *out);

/* What a command needs beyond its CCI kind (checked by the dispatcher). */
#define F_MEMDEV (1u << 0) /* a memory device behind the CCI */
#define F_MEDIA (1u << 1)  /* media access: Media Disabled while sanitizing */
#define F_DC (1u << 2)     /* a memory device with dynamic capacity regions */
#define F_SWITCH (1u << 3) /* a switch behind the CCI (fabric_switch) */
#define F_EVENTS (1u << 4) /* event logs: a memory device's or a switch's */
#define F_MLD (1u << 5)    /* an MLD behind the CCI (its FM-owned LD's CCI) */
/* Something to tunnel to: a switch (its MLD ports) or an MLD (its LDs). */
#define F_TUNNEL (1u << 6)

struct cci_cmd {
	uint16_t opcode;
	const char *name;
	cci_handler fn;
	uint8_t rule;     /* enum in_rule */
	uint32_t in_len;
	uint16_t effects;
	uint8_t ccis;     /* enum cxlemu_cci_kind mask */
	uint8_t flags;    /* F_* */
};

/* The command table (cci_cmds.c). */
extern const struct cci_cmd cxlemu_cci_cmds[];
extern const size_t cxlemu_cci_ncmds;

struct cxlemu_cci {
	struct cxlemu_ctx *ctx;
	struct cxlemu_cci_config cfg;
	uint8_t resp_limit;     /* log2 of the response message limit */
	uint8_t payload_log2;   /* log2 of the payload size */
	int64_t ts_offset;      /* Set Timestamp minus host clock */
	bool ts_set;
	struct md_events *events; /* the event logs of md or sw, or NULL */
	struct cxlemu_memdev *md; /* borrowed, or NULL */
	struct cxlemu_switch *sw; /* borrowed, or NULL */
	struct cxlemu_mld *mld;   /* borrowed, or NULL */
	/* How many Tunnel Management Commands the command now running came
	 * through (0 when it came straight to this CCI); set by the tunnel
	 * that forwards to this CCI for the time of the call. */
	uint8_t tunnel_depth;
	bool in_handler;        /* a command handler is running */
	/* Background operation state (8.2.9.1.2). */
	bool bg_running;
	uint16_t bg_opcode;
	uint16_t bg_rc;
	uint8_t bg_percent;
	uint64_t bg_start, bg_dur;  /* host clock, ns */
	const struct cci_bg_ops *bg_ops;
	bool bg_signalled;      /* an external operation reported its end */
	uint16_t bg_signal_rc;
	/* Mailbox registers (8.2.8.4). */
	uint32_t control;
	uint64_t command;
	uint64_t status;
	uint8_t *payload;
};

/*
 * A background operation (8.2.9.1.2): it runs for a duration of host
 * clock; cxlemu_cci_poll() reports progress and completes it.
 */
struct cci_bg_ops {
	/* Called once at completion (aborted false) or on an accepted abort
	 * (aborted true); returns the return code Background Operation
	 * Status reports (ignored when aborted: Aborted is reported). */
	int (*finish)(struct cxlemu_cci *cci, bool aborted);
	/* May Request Abort Background Operation stop it? */
	bool abortable;
	/* Ends when someone else says so (cci_bg_signal()), not after a
	 * duration: a bind that waits for the host.  finish() is still called
	 * and its return code reported. */
	bool external;
	/* Optional: the CCI is freed while the operation runs; whoever would
	 * signal it must forget it. */
	void (*drop)(struct cxlemu_cci *cci);
};

/* Starts a background operation of @opcode for @dur_ns and returns
 * CXLEMU_MBOX_BG_STARTED; a zero duration still completes at the next poll.
 * The dispatcher has already refused a second one with Busy. */
int cci_bg_start(struct cxlemu_cci *cci, uint16_t opcode, uint64_t dur_ns,
		 const struct cci_bg_ops *ops);

/* Ends an external background operation with @rc (a mailbox return code
 * finish() may report): completes it now, or at the next poll when a
 * handler is running (the host is asked to poll at once).  Ignored when no
 * external operation runs. */
void cci_bg_signal(struct cxlemu_cci *cci, int rc);

/* Whether this CCI runs @c (its kind, and a memdev or switch if it needs
 * one). */
bool cci_cmd_available(const struct cxlemu_cci *cci, const struct cci_cmd *c);

/* Request Abort Background Operation on this CCI's operation. */
int cci_bg_abort(struct cxlemu_cci *cci);

/* Raises the background completion interrupt as the transport wants. */
void cci_bg_irq(struct cxlemu_cci *cci);

/* Mailbox Control register bits (8.2.8.4.4), shared with the transport. */
#define CCI_CTRL_DOORBELL (1u << 0)
#define CCI_CTRL_DOORBELL_INT (1u << 1)
#define CCI_CTRL_BG_INT (1u << 2)

/* Writes @n little-endian bytes of @v at @off of the output, growing len;
 * false if it would not fit. */
bool cci_put(struct cci_out *o, size_t off, uint64_t v, unsigned int n);

/* The host clock through the context, in nanoseconds. */
uint64_t cci_now(const struct cxlemu_cci *cci);

/* The event logs of a switch (lib/vcs/switch.c): how a switch CCI reaches
 * them without the mailbox depending on the switch's internals. */
struct md_events *vcs_switch_events(struct cxlemu_switch *sw);

#endif
