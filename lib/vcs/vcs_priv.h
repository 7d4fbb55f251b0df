/* SPDX-License-Identifier: MIT */
/*
 * Private parts of lib/vcs: the switch state and what the FM-API command
 * handlers need of it.  Plain arrays of plain values, so that the whole
 * state can be serialized (several emulator processes sharing one fabric).
 */
#ifndef CXLEMU_VCS_PRIV_H
#define CXLEMU_VCS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <cxlemu/vcs.h>

#include "../internal.h"
#include "../mailbox/cci_priv.h"

/* Bytes of a PPB's configuration space that hold registers (the type 1
 * header); the rest of the 4 KiB reads 0. */
#define PPB_CFG_SIZE 64u

struct vcs_port {
	struct cxlemu_switch_port_config cfg;
	bool perst;           /* PERST# asserted by the FM */
	uint8_t vcs;          /* USP: its VCS */
	uint16_t bound;       /* vPPBs holding this port or one of its LDs */
	uint16_t binding;     /* of them, binds in progress */
	uint16_t unbinding;   /* of them, unbinds in progress */
	uint16_t lds_held;    /* MLD: bit n set while a vPPB holds LD n */
	uint8_t cfgspace[PPB_CFG_SIZE];
};

/* An operation waiting for the host (bind or unbind). */
struct vcs_op {
	bool pending;         /* the host has not answered yet */
	uint8_t prev;         /* state to return to if it fails */
	/* Who waits for the completion (a CCI's background operation), or
	 * NULL; notify(owner, rc) is called once the operation completed. */
	void *owner;
	void (*notify)(void *owner, int mbox_rc);
};

struct vcs_vppb {
	uint8_t state;        /* enum cxlemu_vppb_state */
	uint8_t port;
	uint16_t ld_id;       /* CXLEMU_SWITCH_NO_LD unless bound to an LD */
	uint16_t link_ctl;    /* Link Control of the vPPB as the host reports */
	uint16_t slot_ctl;    /* Slot Control */
	struct vcs_op op;
};

struct vcs_vcs {
	struct cxlemu_switch_vcs_config cfg;
	struct vcs_vppb *vppb; /* cfg.nvppbs entries */
};

/* Virtual CXL Switch Event Record (7.6.8.2, Table 7-78): 128 bytes, the
 * common event record header (8.2.9.2.1) first. */
#define VCS_EVENT_SIZE 128u
/* Event log a record belongs to (8.2.9.2.2). */
#define VCS_LOG_INFO 0
#define VCS_LOG_WARN 1
/* Records each of the switch's event logs keeps until they are cleared. */
#define VCS_EVENT_MAX MD_EVENT_LOG_RECORDS

struct vcs_event {
	uint8_t rec[VCS_EVENT_SIZE];
};

struct cxlemu_switch {
	struct cxlemu_ctx *ctx;
	struct cxlemu_switch_config cfg;
	struct vcs_port ports[CXLEMU_SWITCH_MAX_PORTS];
	struct vcs_vcs vcs[CXLEMU_SWITCH_MAX_VCS];
	/* Event logs (8.2.9.2) the switch CCI reads with Get Event Records. */
	struct md_events *events;
	/* The FM-owned LD's CCI of each MLD port (borrowed, or NULL): how the
	 * host wired the fabric, not switch state. */
	struct cxlemu_cci *port_cci[CXLEMU_SWITCH_MAX_PORTS];
};

/* An MLD (7.6.7.4): its configuration, the current LD allocations in
 * cfg.range1/range2 (granularity units), and the CCIs of its LDs. */
struct cxlemu_mld {
	struct cxlemu_ctx *ctx;
	struct cxlemu_mld_config cfg;
	struct cxlemu_cci *ld_cci[CXLEMU_SWITCH_MAX_LDS]; /* borrowed, or NULL */
};

/* Bytes of one allocation unit of an MLD. */
uint64_t mld_gran_bytes(const struct cxlemu_mld *mld);
/* Whether Range 1 and Range 2 multipliers @r1, @r2 for LDs [@start,
 * @start + @n) keep the MLD's total allocation within its memory (the
 * other LDs keep theirs); no overflow whatever the values. */
bool mld_alloc_fits(const struct cxlemu_mld *mld, unsigned int start, unsigned int n,
		    const uint64_t *r1, const uint64_t *r2);

/*
 * The switch's event logs are the ones Get/Clear Event Records read on its
 * CCI (lib/mailbox/cmd_events.c through vcs_switch_events()).  For tests
 * and hosts that look without a CCI: take the oldest record of @log (false
 * when there is none), and count a log's records.
 */
bool vcs_event_pop(struct cxlemu_switch *sw, unsigned int log, struct vcs_event *ev);
unsigned int vcs_event_count(const struct cxlemu_switch *sw, unsigned int log);

/* Configuration State of a port in Get Physical Port State (Table 7-19). */
unsigned int vcs_port_config_state(const struct cxlemu_switch *sw, unsigned int port);
/* Whether the link of a port is up. */
bool vcs_port_link_up(const struct cxlemu_switch *sw, unsigned int port);
/* Binding Status, Bound Port ID, Bound LD ID and a reserved byte of a vPPB
 * as Get Virtual CXL Switch Info reports them (Table 7-32). */
void vcs_vppb_wire(const struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		   uint8_t out[4]);
/* Number of bound vPPBs across all VCSs. */
unsigned int vcs_bound_count(const struct cxlemu_switch *sw);

/*
 * Bind and unbind for the FM-API: validation answers a mailbox return code
 * (enum cxlemu_mbox_rc: Invalid Input, Busy) before anything changes;
 * start returns Success once the operation runs.  @owner/@notify are told
 * when it completes (possibly before start returns).
 */
int vcs_bind_check(const struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		   unsigned int port, unsigned int ld_id);
int vcs_bind_start(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		   unsigned int port, unsigned int ld_id, void *owner,
		   void (*notify)(void *owner, int mbox_rc));
int vcs_unbind_check(const struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		     unsigned int mode);
int vcs_unbind_start(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		     unsigned int mode, void *owner, void (*notify)(void *owner, int mbox_rc));
/* The host serving @vcs went away (fabric_owner.c): every operation of
 * the VCS waiting for the host fails with @status (a warning record each),
 * then every vPPB still bound is unbound (a Binding Change record each, as
 * for any unbind).  Other VCSs are not touched. */
void vcs_host_lost(struct cxlemu_switch *sw, unsigned int vcs, int status);
/* Forgets @owner: its operations complete without telling it. */
void vcs_forget_owner(struct cxlemu_switch *sw, void *owner);

/* Whether the FM may control a port's PPB (Physical Port Control and PPB
 * config requests, 7.6.7.1.3-4): a DSP that no vPPB holds, or an MLD port. */
bool vcs_port_fm_owned(const struct cxlemu_switch *sw, unsigned int port);
/* PERST# and PPB reset (Physical Port Control). */
void vcs_port_perst(struct cxlemu_switch *sw, unsigned int port, bool assert);
void vcs_port_reset(struct cxlemu_switch *sw, unsigned int port);

/* A PPB's configuration space (ppb_cfg.c): type 1 header defaults, and
 * dword access with byte enables; unimplemented registers read 0 and
 * ignore writes. */
void ppb_cfg_reset(struct cxlemu_switch *sw, unsigned int port);
uint32_t ppb_cfg_read(const struct cxlemu_switch *sw, unsigned int port, unsigned int off,
		      unsigned int be);
void ppb_cfg_write(struct cxlemu_switch *sw, unsigned int port, unsigned int off,
		   unsigned int be, uint32_t val);

#endif
