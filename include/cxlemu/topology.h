/* SPDX-License-Identifier: MIT */
/**
 * @file topology.h
 * @brief The emulated CXL hierarchy: windows, host bridges, ports, switches,
 * endpoints, their component registers, and routes that follow them.
 *
 * A topology owns every component a host describes: fixed memory windows
 * (CFMWS), host bridges with their root ports, switches (an upstream port
 * and downstream ports, at any depth), type-3 memory devices and type-2
 * accelerators.  Host bridges, switch upstream ports and endpoints carry a
 * component register block whose HDM decoders (hdm.h) the guest programs
 * through cxlemu_topo_reg_read() / cxlemu_topo_reg_write(), except for a
 * host bridge that passes through (see below).  Every commit,
 * uncommit and reset republishes the route table of each window
 * (route.h), so the hot path never walks registers: a front-end reads the
 * current table with cxlemu_topo_routes().
 *
 * @par Pass-through host bridges
 * A host bridge with exactly one root port may have no HDM Decoder
 * Capability (CXL 3.1 8.2.4.20 requires one of a host bridge with more than
 * one root port only): it sends every address of its windows to that root
 * port.  Linux then gives the port a "passthrough decoder" instead of
 * programming one; QEMU's pxb-cxl behaves so unless hdm_for_passthrough=on.
 * A host bridge's mode is chosen when it is added (struct
 * cxlemu_comp_desc::flags):
 *
 * - 0: HDM decoders, whatever its root ports (the default, and QEMU's
 *   hdm_for_passthrough=on);
 * - CXLEMU_COMP_PASSTHROUGH: always passes through; a second root port is
 *   refused;
 * - CXLEMU_COMP_PASSTHROUGH_AUTO: QEMU's default rule: passes through
 *   exactly while it has one root port, has HDM decoders (8 targets) with
 *   none or several.
 *
 * While it passes through, a host bridge's CXL.cache/mem capability array
 * lists RAS and Link only (no HDM capability: reads where the HDM registers
 * would be return 0, writes are ignored), cxlemu_topo_info() reports
 * CXLEMU_COMP_PASSTHROUGH in its flags, no HDM decoders (hdm NULL) and its
 * root port as @c below, and routes go from the window straight to that root
 * port (in the router's description, a CXLEMU_NODE_PORT above the root
 * port).  cxlemu_topo_region_create() programs nothing at it.
 *
 * An auto host bridge decides again, at once, whenever a root port is
 * added below it and whenever cxlemu_topo_reset() resets it (QEMU decides
 * at reset, after every device exists; here the topology is built one
 * component at a time, so the count is followed as it grows).  Changing
 * mode resets its HDM decoders: when a second root port arrives, the host
 * bridge starts decoding with every decoder uncommitted, so routes through
 * it miss at level 1 (no committed decoder) until its decoders are
 * programmed, even where the switches and endpoints below kept theirs
 * committed (a warning is logged then).  Going from none to one root port
 * drops whatever its decoders held (they could name no port).
 *
 * Components are named by small integer ids returned when they are added.
 * Thread safety: single writer for everything but the published route
 * tables, which any number of threads may read as route.h describes.
 */
#ifndef CXLEMU_TOPOLOGY_H
#define CXLEMU_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>
#include <cxlemu/decode.h>
#include <cxlemu/hdm.h>
#include <cxlemu/route.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Kinds of component. */
enum cxlemu_comp_kind {
	CXLEMU_COMP_HOST_BRIDGE = 1, /**< CXL host bridge (pxb-cxl) */
	CXLEMU_COMP_ROOT_PORT = 2,   /**< root port of a host bridge (cxl-rp) */
	CXLEMU_COMP_USP = 3,         /**< switch upstream port (cxl-upstream) */
	CXLEMU_COMP_DSP = 4,         /**< switch downstream port (cxl-downstream) */
	CXLEMU_COMP_TYPE3 = 5,       /**< memory device (cxl-type3) */
	CXLEMU_COMP_TYPE2 = 6,       /**< accelerator with device memory */
};

/** No component / not attached. */
#define CXLEMU_COMP_NONE UINT32_MAX
/** Offset of the CXL.cache/mem registers in a component register block. */
#define CXLEMU_CM_OFFSET 0x1000u
/** Size of a component register block (8.2.3). */
#define CXLEMU_COMP_REGS_SIZE 0x10000u

/**
 * Version of struct cxlemu_comp_desc understood by this library.  Version 2
 * turned the reserved field into @ref cxlemu_comp_desc::flags; version 1
 * descriptions are still accepted, their flags read as 0.
 */
#define CXLEMU_COMP_DESC_VERSION 2

/** Component flags: struct cxlemu_comp_desc and struct cxlemu_comp_info. */
enum cxlemu_comp_flags {
	/**
	 * Host bridges.  In a description: the host bridge always passes
	 * through (no HDM decoders; at most one root port; decoders and caps
	 * must be 0).  In cxlemu_topo_info(): the host bridge passes through
	 * now, whichever mode made it.
	 */
	CXLEMU_COMP_PASSTHROUGH = 1u << 0,
	/**
	 * Host bridges: pass through exactly while there is one root port,
	 * QEMU's pxb-cxl rule (topology.h, "Pass-through host bridges").
	 * Reported by cxlemu_topo_info() as given.
	 */
	CXLEMU_COMP_PASSTHROUGH_AUTO = 1u << 1,
};

/** Describes one component to add. */
struct cxlemu_comp_desc {
	uint32_t version; /**< CXLEMU_COMP_DESC_VERSION */
	uint32_t kind;    /**< enum cxlemu_comp_kind */
	/** Name (copied), unique in the topology, e.g. QEMU's id=. */
	const char *name;
	/** Upstream component: host bridge for a root port, a root or
	 * downstream port for a switch or endpoint, the upstream port for a
	 * downstream port; CXLEMU_COMP_NONE for a host bridge. */
	uint32_t parent;
	/** Ports: Port Number, as HDM target lists name it. */
	uint32_t port;
	/** Host bridges: ACPI _UID (CHBS); others: 0. */
	uint32_t uid;
	/** Decoders of components with HDM (0: the default, 1 for host
	 * bridges and switches like QEMU, 4 for endpoints). */
	uint32_t decoders;
	/** enum cxlemu_hdm_caps; 0 means all of them. */
	uint32_t caps;
	/** Version 2: enum cxlemu_comp_flags, host bridges only (at most one
	 * of CXLEMU_COMP_PASSTHROUGH and CXLEMU_COMP_PASSTHROUGH_AUTO); 0 for
	 * everything else.  Version 1: reserved, ignored. */
	uint32_t flags;
	/** Endpoints: volatile capacity, bytes (256 MiB multiple). */
	uint64_t volatile_size;
	/** Endpoints: persistent capacity, bytes (256 MiB multiple). */
	uint64_t persistent_size;
	/** Endpoints: dynamic capacity, bytes (256 MiB multiple). */
	uint64_t dc_size;
	/** Endpoints: label storage area size, bytes. */
	uint64_t lsa_size;
	/** Endpoints: serial number. */
	uint64_t serial;
	/** Host bridges: physical address of the component register block
	 * (CEDT CHBS); 0 places it automatically (see
	 * cxlemu_topo_set_host_reg_base()). */
	uint64_t reg_base;
};

/** Version of struct cxlemu_window_desc understood by this library. */
#define CXLEMU_WINDOW_DESC_VERSION 1

/** CFMWS restrictions (CEDT 9.18.1.3, Window Restrictions). */
enum cxlemu_window_restrict {
	CXLEMU_WINDOW_TYPE2 = 1u << 0,      /**< device coherent */
	CXLEMU_WINDOW_TYPE3 = 1u << 1,      /**< host-only coherent */
	CXLEMU_WINDOW_VOLATILE = 1u << 2,   /**< volatile memory */
	CXLEMU_WINDOW_PERSISTENT = 1u << 3, /**< persistent memory */
	CXLEMU_WINDOW_FIXED = 1u << 4,      /**< fixed device configuration */
};

/** Describes one fixed memory window. */
struct cxlemu_window_desc {
	uint32_t version;  /**< CXLEMU_WINDOW_DESC_VERSION */
	uint32_t ways;     /**< host bridges interleaved: 1,2,3,4,6,8,12,16 */
	uint64_t base;     /**< HPA base, 256 MiB aligned */
	uint64_t size;     /**< size, a non-zero multiple of 256 MiB */
	uint64_t gran;     /**< host bridge interleave granularity, bytes */
	uint32_t arith;    /**< enum cxlemu_arith */
	uint32_t restrictions; /**< enum cxlemu_window_restrict; 0 = 0x0f, as QEMU */
	uint32_t qtg_id;   /**< QoS throttling group */
	uint32_t nxormaps; /**< XOR windows: number of maps */
	uint64_t xormaps[CXLEMU_MAX_XORMAPS]; /**< XOR windows: CXIMS maps */
	/** Host bridge component ids, one per interleave position. */
	uint32_t targets[CXLEMU_MAX_WAYS];
};

/** A topology. Opaque. */
struct cxlemu_topo;

/**
 * Creates an empty topology.
 * @param ctx context for logging and host services; may be NULL
 * @param out receives the topology, owned by the caller
 * @return 0, -EINVAL, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_topo_new(struct cxlemu_ctx *ctx,
				  struct cxlemu_topo **out);

/**
 * Frees a topology and everything it owns, route tables included.
 * @param t the topology, or NULL
 */
CXLEMU_EXPORT void cxlemu_topo_free(struct cxlemu_topo *t);

/**
 * Adds a component.
 * @param t    topology
 * @param desc description
 * @param id   receives the component id; may be NULL
 * @return 0, -EINVAL (bad kind, parent of the wrong kind, port number in
 *         use, bad sizes, unknown or contradictory flags, a second root
 *         port below a host bridge that always passes through),
 *         -EEXIST (name in use), -EBUSY (parent port already has something
 *         attached), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_topo_add(struct cxlemu_topo *t,
				  const struct cxlemu_comp_desc *desc,
				  uint32_t *id);

/**
 * Adds a fixed memory window.
 * @param t    topology
 * @param desc description
 * @param id   receives the window index; may be NULL
 * @return 0, -EINVAL (alignment, encodings, targets that are not host
 *         bridges, overlap with another window), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_topo_add_window(struct cxlemu_topo *t,
					 const struct cxlemu_window_desc *desc,
					 uint32_t *id);

/**
 * Number of components.
 * @param t topology
 * @return components added so far; ids run from 0 to this minus 1
 */
CXLEMU_EXPORT uint32_t cxlemu_topo_count(const struct cxlemu_topo *t);

/**
 * Number of windows.
 * @param t topology
 * @return windows added so far
 */
CXLEMU_EXPORT uint32_t cxlemu_topo_windows(const struct cxlemu_topo *t);

/**
 * Looks a component up by name.
 * @param t    topology
 * @param name component name
 * @return its id, or CXLEMU_COMP_NONE
 */
CXLEMU_EXPORT uint32_t cxlemu_topo_find(const struct cxlemu_topo *t,
					const char *name);

/** What a component is and where it sits. */
struct cxlemu_comp_info {
	uint32_t kind;   /**< enum cxlemu_comp_kind */
	/** Upstream component; CXLEMU_COMP_NONE for a host bridge and for
	 * an endpoint detached with cxlemu_topo_detach(). */
	uint32_t parent;
	uint32_t port;   /**< Port Number (ports) */
	uint32_t uid;    /**< host bridges: _UID */
	/** Ports: what is attached, or CXLEMU_COMP_NONE; a host bridge that
	 * passes through: its root port (CXLEMU_COMP_NONE while it has none);
	 * other components: CXLEMU_COMP_NONE. */
	uint32_t below;
	/** Host bridges: enum cxlemu_comp_flags (CXLEMU_COMP_PASSTHROUGH
	 * while it passes through, CXLEMU_COMP_PASSTHROUGH_AUTO for QEMU's
	 * rule); 0 for other components. */
	uint32_t flags;
	const char *name; /**< borrowed, valid while the topology lives */
	/** HDM decoders of this component, borrowed, to read with
	 * cxlemu_hdm_decoder(); NULL for ports and for a host bridge that
	 * passes through.  Write them through cxlemu_topo_reg_write() so that
	 * the routes follow.  The pointer of an auto host bridge changes when
	 * its mode does: read it again after adding a root port or a reset. */
	const struct cxlemu_hdm *hdm;
	uint64_t volatile_size;   /**< endpoints */
	uint64_t persistent_size; /**< endpoints */
	uint64_t dc_size;         /**< endpoints */
	uint64_t lsa_size;        /**< endpoints */
	uint64_t serial;          /**< endpoints */
	uint64_t reg_base;        /**< host bridges: register block, 0 = auto */
};

/**
 * Describes a component.
 * @param t   topology
 * @param id  component id
 * @param out receives the description
 * @return 0, or -EINVAL for an unknown id
 */
CXLEMU_EXPORT int cxlemu_topo_info(const struct cxlemu_topo *t, uint32_t id,
				   struct cxlemu_comp_info *out);

/**
 * Describes a window.
 * @param t   topology
 * @param win window index
 * @param out receives the description as added
 * @return 0, or -EINVAL for an unknown window
 */
CXLEMU_EXPORT int cxlemu_topo_window(const struct cxlemu_topo *t, uint32_t win,
				     struct cxlemu_window_desc *out);

/**
 * Reads a component register (the component register block of a host
 * bridge, switch upstream port or endpoint; CXL.cache/mem registers start
 * at CXLEMU_CM_OFFSET: capability array, RAS, link and HDM decoder
 * capabilities).
 * @param t      topology
 * @param id     component id
 * @param offset byte offset in the 64 KiB block, aligned to @p size
 * @param size   4 or 8
 * @param val    receives the value (0 for unimplemented registers)
 * @return 0, or -EINVAL for a bad id, width, alignment or offset
 */
CXLEMU_EXPORT int cxlemu_topo_reg_read(struct cxlemu_topo *t, uint32_t id,
				       uint32_t offset, unsigned int size,
				       uint64_t *val);

/**
 * Writes a component register; HDM commits take effect here and the routes
 * of every window follow.
 * @param t      topology
 * @param id     component id
 * @param offset byte offset in the 64 KiB block, aligned to @p size
 * @param size   4 or 8
 * @param val    value
 * @return 0, -EINVAL for a bad id, width, alignment or offset; -ENOMEM or
 *         -E2BIG when the write took effect but a window's route table
 *         could not be rebuilt: that window is then unmapped (every access
 *         misses, none goes through stale decoders) until a later change
 *         rebuilds it
 */
CXLEMU_EXPORT int cxlemu_topo_reg_write(struct cxlemu_topo *t, uint32_t id,
					uint32_t offset, unsigned int size,
					uint64_t val);

/**
 * Chooses how the windows' retired route tables are reclaimed: by the
 * host's own RCU through @p retire (a front-end whose threads route
 * without registering as readers, e.g. QEMU's call_rcu()), or, with NULL,
 * by the library's QSBR (route.h).  Call before adding the first window.
 * @param t      topology
 * @param retire the host's retire callback, or NULL
 * @param opaque passed to @p retire
 * @return 0, -EINVAL, -EBUSY when a window exists already
 */
CXLEMU_EXPORT int cxlemu_topo_set_route_retire(struct cxlemu_topo *t,
					       cxlemu_route_retire_fn retire,
					       void *opaque);

/**
 * Where a component's HDM Decoder Capability Structure (8.2.4.20) sits in
 * its component register block, for front-ends that keep their own
 * capability array and pass only the HDM decoder registers on: the
 * register at offset X of the structure is read and written with
 * cxlemu_topo_reg_read() / cxlemu_topo_reg_write() at @p offset + X.
 * @param t      topology
 * @param id     component id
 * @param offset receives the byte offset in the 64 KiB block
 * @return 0, -ENOENT when the component has no HDM decoders (ports,
 *         pass-through host bridges), -EINVAL for a bad id
 */
CXLEMU_EXPORT int cxlemu_topo_hdm_offset(const struct cxlemu_topo *t, uint32_t id,
					 uint32_t *offset);

/**
 * Conventional reset of one component's registers (decoders uncommitted).
 * A host bridge in CXLEMU_COMP_PASSTHROUGH_AUTO mode decides again whether
 * it passes through (one root port) or decodes.
 * @param t  topology
 * @param id component id
 * @return 0, -EINVAL, -ENOMEM as for cxlemu_topo_reg_write()
 */
CXLEMU_EXPORT int cxlemu_topo_reset(struct cxlemu_topo *t, uint32_t id);

/**
 * Hot-removes the endpoint below a root or downstream port (what a fabric
 * manager's unbind does to a host's view): routes stop reaching it at
 * once, and its registers are reset, since a device that comes back
 * starts from reset.  The endpoint keeps its id, detached (parent
 * CXLEMU_COMP_NONE), until cxlemu_topo_attach() puts it below a port
 * again.
 * @param t    topology
 * @param port a root or downstream port with an endpoint below it
 * @return 0, -EINVAL (not such a port; the log says why), -ENOMEM as for
 *         cxlemu_topo_reg_write()
 */
CXLEMU_EXPORT int cxlemu_topo_detach(struct cxlemu_topo *t, uint32_t port);

/**
 * Hot-adds a detached endpoint below a free root or downstream port (a
 * bind).  Its decoders start uncommitted.
 * @param t    topology
 * @param port a root or downstream port with nothing below it
 * @param id   a detached endpoint
 * @return 0, -EINVAL (the log says why), -EBUSY when the port is taken
 */
CXLEMU_EXPORT int cxlemu_topo_attach(struct cxlemu_topo *t, uint32_t port, uint32_t id);

/**
 * The publication point of a window's route table, borrowed: read it with
 * cxlemu_route_pub_get() and route with cxlemu_route(); endpoint ids in
 * routes are component ids.  Register readers with
 * cxlemu_route_reader_register() when several threads route.
 * @param t   topology
 * @param win window index
 * @return the publication point, or NULL for an unknown window
 */
CXLEMU_EXPORT struct cxlemu_route_pub *cxlemu_topo_routes(struct cxlemu_topo *t,
							  uint32_t win);

/**
 * Routes one HPA through whichever window holds it, using the published
 * tables (a convenience for tools; front-ends route per window).
 * @param t   topology
 * @param hpa host physical address
 * @param ep  receives the endpoint component id, or the id that missed
 * @param dpa receives the DPA
 * @return 0, CXLEMU_ROUTE_MISS | level, or CXLEMU_ROUTE_MISS when no
 *         window holds the HPA (then @p ep is CXLEMU_COMP_NONE)
 */
CXLEMU_EXPORT int cxlemu_topo_route(struct cxlemu_topo *t, uint64_t hpa,
				    uint32_t *ep, uint64_t *dpa);

/**
 * The slow reference: routes one HPA by reading the HDM registers level by
 * level, without any route table.
 * @param t    topology
 * @param hpa  host physical address
 * @param info receives the walk (endpoint id, DPA, path, level of a miss)
 * @return as cxlemu_topo_route()
 */
CXLEMU_EXPORT int cxlemu_topo_walk(struct cxlemu_topo *t, uint64_t hpa,
				   struct cxlemu_route_info *info);

/**
 * Sets where the host bridges' component register blocks start, for host
 * bridges added without a reg_base: the first at @p base, then one 64 KiB
 * block per host bridge in component order, as the CEDT's CHBS records tell
 * the OS.  cxlemu_topo_from_qemu() places every host bridge where QEMU's q35
 * maps it instead.
 * @param t    topology
 * @param base physical address of the first block
 */
CXLEMU_EXPORT void cxlemu_topo_set_host_reg_base(struct cxlemu_topo *t,
						 uint64_t base);

/**
 * Sets the register block of one host bridge (CEDT CHBS).
 * @param t    topology
 * @param id   host bridge component id
 * @param base physical address, or 0 for automatic placement
 * @return 0, or -EINVAL when @p id is not a host bridge
 */
CXLEMU_EXPORT int cxlemu_topo_set_reg_base(struct cxlemu_topo *t, uint32_t id,
					   uint64_t base);

/**
 * Where the host bridges' component register blocks start.
 * @param t topology
 * @return the base set by cxlemu_topo_set_host_reg_base(), or 0
 */
CXLEMU_EXPORT uint64_t cxlemu_topo_host_reg_base(const struct cxlemu_topo *t);

/** Region flags. */
enum cxlemu_region_flags {
	CXLEMU_REGION_PMEM = 1u << 0, /**< persistent DPA (default: volatile) */
	CXLEMU_REGION_LOCK = 1u << 1, /**< commit with Lock On Commit */
};

/** Version of struct cxlemu_region_desc understood by this library. */
#define CXLEMU_REGION_DESC_VERSION 1

/** A region to program, the way Linux's `cxl create-region` does. */
struct cxlemu_region_desc {
	uint32_t version; /**< CXLEMU_REGION_DESC_VERSION */
	uint32_t window;  /**< window index */
	uint32_t ways;    /**< endpoints interleaved: 1,2,3,4,6,8,12,16 */
	uint32_t flags;   /**< enum cxlemu_region_flags */
	uint64_t gran;    /**< region interleave granularity in bytes; must
			       be the window's when the window interleaves */
	uint64_t size;    /**< bytes, a multiple of ways x 256 MiB */
	/** Endpoint component ids by interleave position. */
	uint32_t endpoints[CXLEMU_MAX_WAYS];
};

/**
 * Programs and commits every decoder along the paths of a region: each host
 * bridge and switch on the way gets a decoder selecting the ports that lead
 * to the region's endpoints (granularity growing with the ways above, as
 * Linux programs them; a host bridge that passes through has none to
 * program and is skipped, as Linux does), each endpoint a decoder over its
 * next free DPA in the chosen partition.  Everything goes through register writes, so the
 * commit rules of hdm.h apply; on any failure the decoders this call
 * committed are uncommitted again and HDM Decoder Enable is restored (a
 * locked region gets Lock On Commit only after every decoder has committed
 * once without it).  The region takes the lowest free HPA
 * range of the window (256 MiB aligned, 768 MiB for 3/6/12 ways).
 *
 * @param t    topology
 * @param desc the region
 * @param hpa  receives the region's base HPA; may be NULL
 * @return 0, -EINVAL (bad description; endpoints that do not sit below
 *         the window's host bridges at their positions, or that the
 *         hierarchy cannot interleave in that order), -ENOSPC (no free HPA
 *         range, no free decoder, or not enough DPA), -EBUSY (a decoder
 *         would have to go below one already committed), -EIO (a commit
 *         was refused; the log says why)
 */
CXLEMU_EXPORT int cxlemu_topo_region_create(struct cxlemu_topo *t,
					    const struct cxlemu_region_desc *desc,
					    uint64_t *hpa);

/**
 * Builds a topology from a QEMU 10 command line, the one users already
 * have: `-device pxb-cxl | cxl-rp | cxl-upstream | cxl-downstream |
 * cxl-type3 | cxl-switch-mailbox-cci,...`, `-object memory-backend-*,id=,
 * size=` (capacities), `-M/-machine ...,cxl=on,cxl-fmw.N.targets.M=,
 * cxl-fmw.N.size=,cxl-fmw.N.interleave-granularity=` and `-m size,
 * maxmem=,slots=` (where q35 places the windows).  Options and properties
 * the library does not model are accepted and ignored.
 *
 * Host bridges follow QEMU's pxb-cxl: CXLEMU_COMP_PASSTHROUGH_AUTO (pass
 * through with exactly one root port), or HDM decoders whatever the root
 * ports with `hdm_for_passthrough=on` (QEMU's boolean words: on, yes, true,
 * y; off, no, false, n).
 *
 * Window placement follows QEMU's q35: the CXL host register area (1 MiB)
 * starts after RAM above 4 GiB (after device memory when maxmem > size),
 * and the windows follow it, 256 MiB aligned, in cxl-fmw index order.
 *
 * @param ctx    context for log messages and the topology; may be NULL
 * @param argc   number of arguments
 * @param argv   arguments; a leading program name is skipped
 * @param out    receives the topology, owned by the caller
 * @param err    receives a message naming the option, the property and
 *               why, when the command line is rejected; may be NULL
 * @param errlen size of @p err
 * @return 0, -EINVAL for a rejected command line, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_topo_from_qemu(struct cxlemu_ctx *ctx, int argc,
					const char *const *argv,
					struct cxlemu_topo **out, char *err,
					size_t errlen);

/**
 * Like cxlemu_topo_from_qemu(), from one string holding a command line or
 * a file of options: split on white space, with '...' and "..." quoting,
 * backslash escapes, backslash-newline continuations and # comments.
 * @param ctx     context; may be NULL
 * @param cmdline the text (NUL-terminated)
 * @param out     receives the topology
 * @param err     receives an error message; may be NULL
 * @param errlen  size of @p err
 * @return 0, -EINVAL, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_topo_from_qemu_string(struct cxlemu_ctx *ctx,
					       const char *cmdline,
					       struct cxlemu_topo **out,
					       char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_TOPOLOGY_H */
