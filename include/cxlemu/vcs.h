/* SPDX-License-Identifier: MIT */
/**
 * @file vcs.h
 * @brief Virtual CXL Switch: a switch's physical ports, its Virtual CXL
 * Switches (VCSs) and the binding of their vPPBs (CXL 3.1 7.2, 7.6.7.1,
 * 7.6.7.2).
 *
 * A struct cxlemu_switch is one CXL switch as its fabric manager sees it:
 * up to 256 physical ports, each disabled, an upstream port (USP) owned by
 * one VCS, or a downstream port (DSP) with what is attached below it
 * (nothing, a PCIe or CXL device, a single logical device, a multi-logical
 * device with its LD count, or another switch); and up to 255 VCSs, each
 * with its USP and its downstream vPPBs.  A vPPB is unbound, bound to a
 * physical port, bound to one LD of an MLD, or in the middle of a bind or
 * unbind.  An LD is bound to at most one vPPB, a port that is not an MLD
 * port to at most one vPPB of one VCS.
 *
 * Binding changes are asynchronous, as on hardware: the switch asks the
 * host (front-end) to attach or detach the endpoint below the vPPB through
 * struct cxlemu_switch_host, and the host answers with
 * cxlemu_switch_host_done() when its part is done, immediately (even from
 * inside the callback) or later.  Only then does the binding change and
 * the operation complete; without callbacks, operations complete at once.
 * Every completed bind or unbind queues a Virtual CXL Switch Event Record
 * (7.6.8.2) for the switch's event log.
 *
 * The fabric manager reaches the switch through a CCI whose configuration
 * points at it (struct cxlemu_cci_config::fabric_switch): the Physical
 * Switch (51h) and Virtual Switch (52h) FM-API command sets run against
 * this object, bind and unbind as background operations that finish when
 * the host reports done.
 *
 * Multi-logical devices: an MLD port may have the CCI of its FM-owned LD
 * attached (cxlemu_switch_set_port_cci()); the FM reaches it through the
 * switch with the Tunnel Management Command (7.6.7.3.1), and through it the
 * MLD Component commands (7.6.7.4: Get LD Info, Get/Set LD Allocations)
 * that run against a struct cxlemu_mld, the MLD's own state.
 *
 * Identifiers are the wire's: port IDs 0..255, VCS IDs 0..254, vPPB IDs
 * 0..254 within a VCS (the downstream vPPBs; Generate AER Event's vPPB
 * instance 0 is the VCS's upstream vPPB and instance n is vPPB n - 1),
 * LD-IDs 0..15, CXLEMU_SWITCH_NO_LD for a port that is not an MLD port.
 *
 * Thread safety: single writer; a switch and the CCIs that point at it are
 * driven from one thread.
 */
#ifndef CXLEMU_VCS_H
#define CXLEMU_VCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most physical ports a switch has (port IDs are one byte). */
#define CXLEMU_SWITCH_MAX_PORTS 256
/** Most VCSs a switch has (VCS ID FFh is never valid). */
#define CXLEMU_SWITCH_MAX_VCS 255
/** Most downstream vPPBs a VCS has. */
#define CXLEMU_SWITCH_MAX_VPPBS 255
/** Most LDs an MLD has (CXL 3.1 2.4). */
#define CXLEMU_SWITCH_MAX_LDS 16
/** The LD ID of a binding that is not to an LD (Bind vPPB, Table 7-33). */
#define CXLEMU_SWITCH_NO_LD 0xffffu

/** What a physical port is. */
enum cxlemu_switch_port_type {
	CXLEMU_SWITCH_PORT_DISABLED = 0, /**< disabled */
	CXLEMU_SWITCH_PORT_USP = 1,      /**< upstream port of one VCS */
	CXLEMU_SWITCH_PORT_DSP = 2,      /**< downstream port */
};

/** What is attached below a downstream port. */
enum cxlemu_switch_dev {
	CXLEMU_SWITCH_DEV_NONE = 0,   /**< nothing (link down) */
	CXLEMU_SWITCH_DEV_PCIE = 1,   /**< a PCIe device */
	CXLEMU_SWITCH_DEV_TYPE1 = 2,  /**< a CXL type 1 device */
	CXLEMU_SWITCH_DEV_TYPE2 = 3,  /**< a CXL type 2 device */
	CXLEMU_SWITCH_DEV_SLD = 4,    /**< a CXL type 3 single logical device */
	CXLEMU_SWITCH_DEV_MLD = 5,    /**< a CXL type 3 multi-logical device */
	CXLEMU_SWITCH_DEV_SWITCH = 6, /**< another (HBR) switch */
};

/** Binding state of a vPPB. */
enum cxlemu_vppb_state {
	CXLEMU_VPPB_UNBOUND = 0,     /**< unbound */
	CXLEMU_VPPB_BOUND_PORT = 1,  /**< bound to a physical port */
	CXLEMU_VPPB_BOUND_LD = 2,    /**< bound to an LD of an MLD port */
	CXLEMU_VPPB_BINDING = 3,     /**< bind in progress */
	CXLEMU_VPPB_UNBINDING = 4,   /**< unbind in progress */
};

/** How an unbind treats the endpoint (Unbind vPPB, Table 7-34). */
enum cxlemu_unbind_mode {
	CXLEMU_UNBIND_WAIT_LINK_DOWN = 0, /**< wait for the port's link to go down */
	CXLEMU_UNBIND_MANAGED = 1,        /**< simulate a managed hot-remove */
	CXLEMU_UNBIND_SURPRISE = 2,       /**< simulate a surprise hot-remove */
};

/** One physical port. Fields the library defaults are marked so. */
struct cxlemu_switch_port_config {
	uint8_t type;       /**< enum cxlemu_switch_port_type */
	uint8_t attached;   /**< enum cxlemu_switch_dev; NONE unless a DSP */
	uint8_t ld_count;   /**< LDs of an MLD, 1..16; 0 otherwise */
	uint8_t link_width; /**< maximum link width in lanes (1..32); 0: 16 */
	/** Supported Link Speeds Vector (PCIe Link Capabilities 2, bits 0..5:
	 * 2.5 to 64 GT/s); 0: 2.5 to 32 GT/s (0x1f). */
	uint8_t speeds;
	uint8_t first_lane; /**< first negotiated lane number */
	/** Supported CXL Modes bitmask (Table 7-19: bit 0 RCD, 1 68B flit and
	 * VH, 2 256B flit, 3 latency-optimized 256B flit, 4 PBR); 0: 0x06. */
	uint8_t cxl_modes;
	uint8_t reserved;   /**< zero */
};

/** One VCS. */
struct cxlemu_switch_vcs_config {
	uint8_t enabled;  /**< 1 enabled, 0 disabled */
	uint8_t usp;      /**< port ID of its USP (when enabled) */
	uint8_t nvppbs;   /**< number of downstream vPPBs, 0..255 */
	uint8_t reserved; /**< zero */
};

/** Host services of a switch (all optional). */
struct cxlemu_switch_host {
	/** Attaches the endpoint on @p port (LD @p ld_id of it for an MLD,
	 * else CXLEMU_SWITCH_NO_LD) below vPPB @p vppb of VCS @p vcs: the host
	 * makes it visible to the VCS's host (a hot-add).  The bind completes
	 * when the host calls cxlemu_switch_host_done(), which it may do from
	 * inside this callback.
	 * @param opaque the host's pointer
	 * @param vcs    VCS ID
	 * @param vppb   vPPB ID
	 * @param port   physical port ID
	 * @param ld_id  LD ID or CXLEMU_SWITCH_NO_LD
	 * @return 0 when the host took the request, or a negative errno: the
	 *         bind fails at once (no cxlemu_switch_host_done() follows) */
	int (*attach)(void *opaque, unsigned int vcs, unsigned int vppb,
		      unsigned int port, unsigned int ld_id);
	/** Detaches the endpoint below a vPPB (a hot-remove as @p mode says);
	 * the unbind completes when the host calls cxlemu_switch_host_done().
	 * @param opaque the host's pointer
	 * @param vcs    VCS ID
	 * @param vppb   vPPB ID
	 * @param port   physical port ID it is bound to
	 * @param ld_id  LD ID or CXLEMU_SWITCH_NO_LD
	 * @param mode   enum cxlemu_unbind_mode
	 * @return 0 when the host took the request, or a negative errno: the
	 *         unbind fails at once and the binding stays */
	int (*detach)(void *opaque, unsigned int vcs, unsigned int vppb,
		      unsigned int port, unsigned int ld_id, unsigned int mode);
	/** Raises an AER error on a vPPB as Generate AER Event asks (7.6.7.2.4);
	 * the host applies the guest's AER mask settings.  Without it Generate
	 * AER Event answers Unsupported.
	 * @param opaque   the host's pointer
	 * @param vcs      VCS ID
	 * @param instance vPPB instance: 0 the USP, n the vPPB n - 1
	 * @param severity 0 correctable, 1 uncorrectable
	 * @param bit      bit position of the error in the AER (un)correctable
	 *                 error status register
	 * @param header   the 32-byte TLP header log */
	void (*aer)(void *opaque, unsigned int vcs, unsigned int instance,
		    unsigned int severity, unsigned int bit, const uint8_t header[32]);
	/** Raises the switch's event interrupt: a record was logged in event
	 * log @p log whose policy (Set Event Interrupt Policy on the switch
	 * CCI) asks for one.
	 * @param opaque the host's pointer
	 * @param log    event log (0 informational, 1 warning, ...)
	 * @param mode   1 MSI/MSI-X, 2 firmware interrupt
	 * @param vector interrupt message number */
	void (*event_irq)(void *opaque, unsigned int log, unsigned int mode,
			  unsigned int vector);
	/** Passed to the callbacks. */
	void *opaque;
};

/** Version of struct cxlemu_switch_config understood by this library. */
#define CXLEMU_SWITCH_CONFIG_VERSION 1

/** What a switch is. */
struct cxlemu_switch_config {
	uint32_t version;      /**< CXLEMU_SWITCH_CONFIG_VERSION */
	uint16_t nports;       /**< physical ports, 1..256 */
	uint16_t nvcs;         /**< VCSs, 0..255 */
	uint16_t vendor_id;    /**< PCI Vendor ID of the PPBs' config space */
	uint16_t device_id;    /**< PCI Device ID of the PPBs' config space */
	uint8_t hdm_decoders;  /**< HDM decoders per USP (Identify Switch Device) */
	uint8_t reserved[3];   /**< zero */
	/** Ports by port ID; entries from @ref nports on are ignored. */
	struct cxlemu_switch_port_config ports[CXLEMU_SWITCH_MAX_PORTS];
	/** VCSs by VCS ID; entries from @ref nvcs on are ignored. */
	struct cxlemu_switch_vcs_config vcs[CXLEMU_SWITCH_MAX_VCS];
	struct cxlemu_switch_host host; /**< host callbacks */
};

/** A switch. Opaque. */
struct cxlemu_switch;
struct cxlemu_cci;

/**
 * Fills @p cfg with defaults: version set, no ports, no VCSs.
 * @param cfg configuration to reset
 */
CXLEMU_EXPORT void cxlemu_switch_config_init(struct cxlemu_switch_config *cfg);

/**
 * Creates a switch.  Every enabled VCS names a USP port, and every USP port
 * belongs to exactly one enabled VCS; every vPPB starts unbound.
 * @param ctx context (clock, logging); may be NULL
 * @param cfg configuration, copied
 * @param out receives the switch, owned by the caller; free it after every
 *            CCI that points at it
 * @return 0, -EINVAL (the log says why), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_switch_new(struct cxlemu_ctx *ctx,
				    const struct cxlemu_switch_config *cfg,
				    struct cxlemu_switch **out);

/**
 * Frees a switch.  Operations still waiting for the host are dropped.
 * @param sw the switch, or NULL
 */
CXLEMU_EXPORT void cxlemu_switch_free(struct cxlemu_switch *sw);

/**
 * Starts binding a vPPB to a port (or to an LD of an MLD port), as Bind
 * vPPB does; the host is asked to attach the endpoint.
 * @param sw    the switch
 * @param vcs   VCS ID (enabled)
 * @param vppb  vPPB ID (unbound)
 * @param port  port ID of a DSP not bound elsewhere (a port with nothing
 *              attached may be bound: its link is down)
 * @param ld_id an LD of an MLD port that no vPPB holds, else
 *              CXLEMU_SWITCH_NO_LD
 * @return 0 (started; complete unless the host still has to answer),
 *         -EINVAL for a refused request (nothing changed; the log says
 *         why), -EBUSY when the vPPB is in the middle of an operation,
 *         -EIO when the host refused (the operation failed)
 */
CXLEMU_EXPORT int cxlemu_switch_bind(struct cxlemu_switch *sw, unsigned int vcs,
				     unsigned int vppb, unsigned int port,
				     unsigned int ld_id);

/**
 * Starts unbinding a bound vPPB, as Unbind vPPB does; the host is asked to
 * detach the endpoint.
 * @param sw   the switch
 * @param vcs  VCS ID
 * @param vppb vPPB ID (bound)
 * @param mode enum cxlemu_unbind_mode
 * @return 0, -EINVAL, -EBUSY or -EIO as for cxlemu_switch_bind()
 */
CXLEMU_EXPORT int cxlemu_switch_unbind(struct cxlemu_switch *sw, unsigned int vcs,
				       unsigned int vppb, unsigned int mode);

/**
 * The host reports that it has done its part of the bind or unbind of a
 * vPPB: with @p status 0 the binding changes (bound, or unbound); with a
 * negative errno the operation fails and the vPPB returns to its state
 * before it.  Either way the operation completes: its event record is
 * queued and a background command waiting on it finishes.
 * @param sw     the switch
 * @param vcs    VCS ID
 * @param vppb   vPPB ID
 * @param status 0 or a negative errno
 * @return 0, -EINVAL for ids out of range, -ENOENT when no operation of
 *         this vPPB waits for the host
 */
CXLEMU_EXPORT int cxlemu_switch_host_done(struct cxlemu_switch *sw, unsigned int vcs,
					  unsigned int vppb, int status);

/**
 * Number of physical ports.
 * @param sw the switch
 * @return 1..256
 */
CXLEMU_EXPORT unsigned int cxlemu_switch_nports(const struct cxlemu_switch *sw);

/**
 * Number of VCSs.
 * @param sw the switch
 * @return 0..255
 */
CXLEMU_EXPORT unsigned int cxlemu_switch_nvcs(const struct cxlemu_switch *sw);

/** State of a physical port. */
struct cxlemu_switch_port_info {
	uint8_t type;      /**< enum cxlemu_switch_port_type */
	uint8_t attached;  /**< enum cxlemu_switch_dev */
	uint8_t ld_count;  /**< LDs of an MLD, else 0 */
	uint8_t perst;     /**< 1 while the FM holds PERST# asserted */
	uint8_t link_up;   /**< 1 when the link is up (LTSSM L0) */
	uint8_t vcs;       /**< a USP's VCS ID; FFh for other ports */
	uint16_t bound;    /**< vPPBs bound to it or to its LDs (or binding) */
};

/**
 * Reads the state of a physical port.
 * @param sw   the switch
 * @param port port ID
 * @param info receives the state
 * @return 0, or -EINVAL for a port ID out of range
 */
CXLEMU_EXPORT int cxlemu_switch_port_info(const struct cxlemu_switch *sw, unsigned int port,
					  struct cxlemu_switch_port_info *info);

/**
 * The host reports that what is attached to a downstream port changed: a
 * device was plugged into it or removed from it outside a bind or unbind
 * (a hot-add or hot-remove the FM did not ask for, or a device that left
 * while its port was unbound).  Bindings stay as they are: a vPPB bound to
 * a port whose device left stays bound to the port, whose link is down
 * (Get Physical Port State reports it).  Changing to or from an MLD is
 * refused (an MLD's LDs are fixed at creation).
 * @param sw       the switch
 * @param port     port ID of a downstream port
 * @param attached enum cxlemu_switch_dev other than MLD
 * @return 0, or -EINVAL (the log says why; nothing changed)
 */
CXLEMU_EXPORT int cxlemu_switch_set_port_attached(struct cxlemu_switch *sw, unsigned int port,
						  unsigned int attached);

/** State of a vPPB. */
struct cxlemu_switch_vppb_info {
	uint8_t state;      /**< enum cxlemu_vppb_state */
	uint8_t port;       /**< bound (or binding, unbinding) port ID */
	uint16_t ld_id;     /**< LD ID, or CXLEMU_SWITCH_NO_LD */
};

/**
 * Reads the state of a vPPB.
 * @param sw   the switch
 * @param vcs  VCS ID
 * @param vppb vPPB ID
 * @param info receives the state
 * @return 0, or -EINVAL for ids out of range
 */
CXLEMU_EXPORT int cxlemu_switch_vppb_info(const struct cxlemu_switch *sw, unsigned int vcs,
					  unsigned int vppb,
					  struct cxlemu_switch_vppb_info *info);

/**
 * Attaches the FM-owned LD's CCI of the MLD on a downstream port: the CCI
 * the Tunnel Management Command (5300h, 7.6.7.3.1) sent to the switch with
 * this port ID reaches.  The CCI is borrowed: it must be of kind
 * CXLEMU_CCI_LD_FM, stay alive while attached, and be detached (NULL)
 * before it is freed; freeing the switch forgets it.  When the CCI has an
 * MLD behind it (struct cxlemu_cci_config::mld), its LD count must be the
 * port's.
 * @param sw   the switch
 * @param port port ID of a DSP with an MLD attached
 * @param cci  the FM-owned LD's CCI, or NULL to detach
 * @return 0, or -EINVAL (the log says why; nothing changed)
 */
CXLEMU_EXPORT int cxlemu_switch_set_port_cci(struct cxlemu_switch *sw, unsigned int port,
					     struct cxlemu_cci *cci);

/** Memory Granularity of an MLD's LD allocations (Get LD Allocations,
 * 7.6.7.4.2): the unit of the Range 1 and Range 2 allocation multipliers. */
enum cxlemu_mld_granularity {
	CXLEMU_MLD_GRAN_256M = 0, /**< 256 MiB */
	CXLEMU_MLD_GRAN_512M = 1, /**< 512 MiB */
	CXLEMU_MLD_GRAN_1G = 2,   /**< 1 GiB */
};

/** Version of struct cxlemu_mld_config understood by this library. */
#define CXLEMU_MLD_CONFIG_VERSION 1

/** What a multi-logical device is, as its FM-owned LD reports it. */
struct cxlemu_mld_config {
	uint32_t version;      /**< CXLEMU_MLD_CONFIG_VERSION */
	uint8_t ld_count;      /**< LDs, 1..16 */
	uint8_t granularity;   /**< enum cxlemu_mld_granularity */
	/** QoS Telemetry Capability of Get LD Info (7.6.7.4.1): bit 0 Egress
	 * Port Congestion, bit 1 Temporary Throughput Reduction; bits 7:2
	 * zero. */
	uint8_t qos_telemetry;
	uint8_t reserved;      /**< zero */
	/** Memory Size: the device's memory in bytes, a nonzero multiple of
	 * the granularity. */
	uint64_t memory_size;
	/** Initial Range 1 allocation multiplier of each LD (in units of the
	 * granularity); entries from @ref ld_count on are zero.  Together
	 * with @ref range2 the allocations fit @ref memory_size. */
	uint64_t range1[CXLEMU_SWITCH_MAX_LDS];
	/** Initial Range 2 allocation multiplier of each LD. */
	uint64_t range2[CXLEMU_SWITCH_MAX_LDS];
};

/** A multi-logical device's component state: its LDs and their memory
 * allocations, which the MLD Component command set (7.6.7.4) reads and
 * sets on the FM-owned LD's CCI (struct cxlemu_cci_config::mld). Opaque. */
struct cxlemu_mld;

/**
 * Fills @p cfg with defaults: version set, everything else zero.
 * @param cfg configuration to reset
 */
CXLEMU_EXPORT void cxlemu_mld_config_init(struct cxlemu_mld_config *cfg);

/**
 * Creates an MLD.
 * @param ctx context (logging); may be NULL
 * @param cfg configuration, copied
 * @param out receives the MLD, owned by the caller; free it after every
 *            CCI that points at it
 * @return 0, -EINVAL (the log says why), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_mld_new(struct cxlemu_ctx *ctx, const struct cxlemu_mld_config *cfg,
				 struct cxlemu_mld **out);

/**
 * Frees an MLD.
 * @param mld the MLD, or NULL
 */
CXLEMU_EXPORT void cxlemu_mld_free(struct cxlemu_mld *mld);

/**
 * Reads the memory allocated to an LD, as Set LD Allocations left it.
 * @param mld    the MLD
 * @param ld     LD ID
 * @param range1 receives Range 1 in bytes (may be NULL)
 * @param range2 receives Range 2 in bytes (may be NULL)
 * @return 0, or -EINVAL for an LD ID out of range
 */
CXLEMU_EXPORT int cxlemu_mld_ld_alloc(const struct cxlemu_mld *mld, unsigned int ld,
				      uint64_t *range1, uint64_t *range2);

/**
 * Attaches the CCI of one LD: the target of a Tunnel Management Command
 * that the MLD's FM-owned LD receives with this LD ID (7.6.7.3.1; the
 * switch's tunnel may carry that one inside it, a tunnel nests no deeper).
 * The CCI is borrowed: it must stay alive while attached and be detached
 * (NULL) before it is freed.
 * @param mld the MLD
 * @param ld  LD ID
 * @param cci the LD's CCI, or NULL to detach
 * @return 0, or -EINVAL for an LD ID out of range
 */
CXLEMU_EXPORT int cxlemu_mld_set_ld_cci(struct cxlemu_mld *mld, unsigned int ld,
					struct cxlemu_cci *cci);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_VCS_H */
