/* SPDX-License-Identifier: MIT */
/**
 * @file sim.h
 * @brief Simulator ABI: a whole CXL machine behind a few calls, for
 * architecture simulators (gem5, SST, trace-driven models).
 *
 * A simulator creates a machine from a topology (the QEMU-style command
 * line the `cxlemu` tool reads, or a topology built with the C API), then:
 *  - sends every memory access to a CXL window through cxlemu_sim_access():
 *    the library routes it (HDM decoders at every level, as programmed),
 *    splits it at interleave granule boundaries, reads or writes the
 *    device memory (the host's callbacks, or a built-in sparse store) and
 *    returns a latency from a per-hop model, counting per endpoint;
 *  - maps the register windows (host bridge component registers, each
 *    endpoint's component registers and mailbox) and forwards guest or
 *    firmware register accesses with cxlemu_sim_reg_read() / _write();
 *  - gets the CEDT bytes for its firmware tables (cxlemu_sim_cedt());
 *  - drives time: the library never runs a thread or timer; it reads the
 *    host's clock and asks the host to call cxlemu_sim_poll() at a given
 *    time (background mailbox operations such as sanitize complete then).
 *
 * Units: times are nanoseconds of simulated time on the host's clock.
 *
 * Thread safety: single writer; a machine is driven from one thread (the
 * simulator's event loop).
 */
#ifndef CXLEMU_SIM_H
#define CXLEMU_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cxlemu_topo;
struct cxlemu_memdev;
struct cxlemu_cci;

/** Version of struct cxlemu_sim_host understood by this library. */
#define CXLEMU_SIM_HOST_VERSION 1

/**
 * Services of the simulator.  Every callback is optional; @ref version
 * first so that fields can be added at the end.
 */
struct cxlemu_sim_host {
	uint32_t version;  /**< CXLEMU_SIM_HOST_VERSION */
	uint32_t reserved; /**< zero */
	/** Current simulated time in ns.  Without it the clock reads 0 and
	 * background operations complete at the next cxlemu_sim_poll().
	 * @param opaque the host's pointer */
	uint64_t (*now_ns)(void *opaque);
	/** Asks the host to call cxlemu_sim_poll() at @p when_ns (or later).
	 * @param opaque  the host's pointer
	 * @param when_ns simulated time */
	void (*schedule)(void *opaque, uint64_t when_ns);
	/** An endpoint's mailbox interrupt (doorbell or background
	 * completion, as the mailbox control register enables them).
	 * @param opaque the host's pointer
	 * @param ep     endpoint index (0 .. cxlemu_sim_endpoints() - 1) */
	void (*mbox_irq)(void *opaque, uint32_t ep);
	/** An endpoint's event interrupt (Set Event Interrupt Policy).
	 * @param opaque the host's pointer
	 * @param ep     endpoint index
	 * @param log    event log (0 informational .. 4 dynamic capacity)
	 * @param vector interrupt message number */
	void (*event_irq)(void *opaque, uint32_t ep, unsigned int log, unsigned int vector);
	/** Reads device memory.  Without mem_read/mem_write the machine keeps
	 * device memory itself in a sparse store (zero until written).
	 * @param opaque the host's pointer
	 * @param ep     endpoint index
	 * @param dpa    device physical address
	 * @param buf    receives the bytes
	 * @param len    byte count (never crosses an interleave granule)
	 * @return 0, or a negative errno (the access fails with it) */
	int (*mem_read)(void *opaque, uint32_t ep, uint64_t dpa, void *buf, size_t len);
	/** Writes device memory; see mem_read.
	 * @param opaque the host's pointer
	 * @param ep     endpoint index
	 * @param dpa    device physical address
	 * @param buf    the bytes
	 * @param len    byte count
	 * @return 0, or a negative errno */
	int (*mem_write)(void *opaque, uint32_t ep, uint64_t dpa, const void *buf, size_t len);
	/** Log sink, as struct cxlemu_host_ops::log.
	 * @param opaque the host's pointer
	 * @param level  enum cxlemu_log_level
	 * @param msg    the message */
	void (*log)(void *opaque, int level, const char *msg);
	/** Passed to every callback. */
	void *opaque;
};

/**
 * Latency model: an access costs the sum of the hops on its route plus the
 * media time, per piece after splitting at granule boundaries; the pieces
 * of one access are served in parallel by their endpoints, so the access
 * takes the longest piece.  Defaults (cxlemu_sim_config_init()) are rough
 * figures for a CXL 2.0 x8 link generation of devices.
 *
 * A piece of B bytes to an endpoint with S switch levels (switch upstream
 * ports) between its host bridge and itself costs
 *
 *     host_bridge_ns + S * switch_ns + (S + 1) * link_ns
 *       + media_read_ns (or media_write_ns) + ceil(ps_per_byte * B / 1000)
 *
 * nanoseconds: S + 1 links, from the root port down to the device.
 */
struct cxlemu_sim_latency {
	uint32_t host_bridge_ns; /**< root complex / host bridge traversal */
	uint32_t switch_ns;      /**< per switch level traversed */
	uint32_t link_ns;        /**< per link (host bridge to the device's port) */
	uint32_t media_read_ns;  /**< device media, read */
	uint32_t media_write_ns; /**< device media, write */
	/** Serialisation: ps per byte of payload on a link (0: ignored). */
	uint32_t ps_per_byte;
};

/** Version of struct cxlemu_sim_config understood by this library. */
#define CXLEMU_SIM_CONFIG_VERSION 1

/** What machine to build. */
struct cxlemu_sim_config {
	uint32_t version;  /**< CXLEMU_SIM_CONFIG_VERSION */
	uint32_t reserved; /**< zero */
	/** A QEMU 10 style command line (see cxlemu_topo_from_qemu_string());
	 * NULL to use @ref topo. */
	const char *qemu_cmdline;
	/** A topology built with the C API, taken over by the machine (it
	 * frees it; the context it was made with must outlive the machine);
	 * used when @ref qemu_cmdline is NULL.  Give one or the other. */
	struct cxlemu_topo *topo;
	/** Where the endpoints' register windows start (component registers
	 * 64 KiB, then the mailbox, in a 128 KiB slot per endpoint; with a
	 * payload of 64 KiB or more the slot is 64 KiB plus the mailbox block
	 * rounded up to 64 KiB), 64 KiB aligned; 0: right after the host
	 * bridges' register blocks.  The switch upstream ports' blocks follow
	 * the last slot. */
	uint64_t ep_reg_base;
	/** Mailbox payload size of every endpoint (256 B .. 1 MiB, power of
	 * two); 0: 4096. */
	uint32_t mbox_payload;
	uint32_t reserved2; /**< zero */
	struct cxlemu_sim_latency lat; /**< latency model */
	struct cxlemu_sim_host host;   /**< simulator callbacks */
};

/** A simulated CXL machine. Opaque. */
struct cxlemu_sim;

/**
 * Fills @p cfg with defaults: version, the default latency model,
 * everything else zero.
 * @param cfg configuration to reset
 */
CXLEMU_EXPORT void cxlemu_sim_config_init(struct cxlemu_sim_config *cfg);

/**
 * Builds a machine: the topology, a memory device and a mailbox per type-3
 * endpoint (sized from the topology), register windows, route tables.
 * The endpoints are those of the topology at creation: components added
 * later through cxlemu_sim_topo() route but have no memory here (accesses
 * get -ENXIO), and type-2 devices have none either.
 * @param cfg configuration (copied; a topology given is taken over even
 *            on failure)
 * @param out receives the machine, owned by the caller
 * @param err receives a one-line reason on failure (may be NULL)
 * @param errlen size of @p err
 * @return 0, -EINVAL (bad configuration or command line, register
 *         windows that overlap each other or a CXL window; @p err says
 *         why), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_sim_new(const struct cxlemu_sim_config *cfg, struct cxlemu_sim **out,
				 char *err, size_t errlen);

/**
 * Frees a machine.
 * @param sim the machine, or NULL
 */
CXLEMU_EXPORT void cxlemu_sim_free(struct cxlemu_sim *sim);

/**
 * The machine's topology, for programming regions (cxlemu_topo_region_create())
 * or inspecting it.  Borrowed.  Register writes through it and through
 * cxlemu_sim_reg_write() are the same.
 * @param sim the machine
 * @return the topology
 */
CXLEMU_EXPORT struct cxlemu_topo *cxlemu_sim_topo(struct cxlemu_sim *sim);

/** What an access is. */
enum cxlemu_sim_op {
	CXLEMU_SIM_READ = 0,  /**< read @p size bytes into the buffer */
	CXLEMU_SIM_WRITE = 1, /**< write @p size bytes from the buffer */
};

/** The outcome of one access (zero, with first_ep UINT32_MAX, when the
 * access failed). */
struct cxlemu_sim_result {
	uint64_t latency_ns; /**< modelled latency of the whole access */
	uint32_t pieces;     /**< granule pieces it was split into */
	uint32_t first_ep;   /**< endpoint index of the first piece */
	uint64_t first_dpa;  /**< DPA of the first piece */
};

/**
 * One memory access to a CXL window.
 * @param sim  the machine
 * @param hpa  host physical address
 * @param size bytes, 1 .. 4096 (a simulator's cache line or page)
 * @param op   enum cxlemu_sim_op
 * @param data buffer of @p size bytes
 * @param res  receives latency and routing (may be NULL)
 * @return 0; -ENXIO when some byte is not routed (no window, no committed
 *         decoder, a detached device: nothing is read or written);
 *         -EIO when a device's media is disabled (sanitize running);
 *         -EFAULT when a read touches poison (these two are checked for
 *         every piece before anything is read or written); the host memory
 *         callback's negative errno (-EIO for a positive one) when it
 *         failed; -ENOMEM when the built-in store cannot grow (nothing is
 *         written); -EINVAL for a NULL machine or buffer, a bad size or
 *         op.  A read that fails fills @p data with all-ones, as a bus
 *         error would.
 */
CXLEMU_EXPORT int cxlemu_sim_access(struct cxlemu_sim *sim, uint64_t hpa, uint32_t size,
				    unsigned int op, void *data, struct cxlemu_sim_result *res);

/** Traffic an endpoint has served. */
struct cxlemu_sim_ep_stats {
	uint64_t reads;          /**< read pieces */
	uint64_t writes;         /**< write pieces */
	uint64_t read_bytes;     /**< bytes read */
	uint64_t write_bytes;    /**< bytes written */
	uint64_t busy_ns;        /**< sum of the pieces' latencies */
	/** Bytes the built-in sparse store holds for this endpoint (whole
	 * 4 KiB pages written to; 0 when the host keeps the memory). */
	uint64_t store_bytes;
};

/**
 * Number of type-3 endpoints (the indices the host callbacks and
 * statistics use, in topology order).
 * @param sim the machine
 * @return count
 */
CXLEMU_EXPORT uint32_t cxlemu_sim_endpoints(const struct cxlemu_sim *sim);

/**
 * The topology component id of endpoint @p ep.
 * @param sim the machine
 * @param ep  endpoint index
 * @return component id, or CXLEMU_COMP_NONE for a bad index
 */
CXLEMU_EXPORT uint32_t cxlemu_sim_endpoint_comp(const struct cxlemu_sim *sim, uint32_t ep);

/**
 * Traffic counters of endpoint @p ep.
 * @param sim the machine
 * @param ep  endpoint index
 * @param out receives the counters
 * @return 0, or -EINVAL for a bad index
 */
CXLEMU_EXPORT int cxlemu_sim_ep_stats(const struct cxlemu_sim *sim, uint32_t ep,
				      struct cxlemu_sim_ep_stats *out);

/**
 * The memory device and the mailbox CCI of endpoint @p ep (borrowed), for
 * what the register interface does not cover (injecting poison or events,
 * dynamic capacity offers).
 * @param sim  the machine
 * @param ep   endpoint index
 * @param md   receives the memory device (may be NULL)
 * @param mbox receives the mailbox CCI (may be NULL)
 * @return 0, or -EINVAL for a bad index
 */
CXLEMU_EXPORT int cxlemu_sim_endpoint_dev(struct cxlemu_sim *sim, uint32_t ep,
					  struct cxlemu_memdev **md, struct cxlemu_cci **mbox);

/** Kinds of register window. */
enum cxlemu_sim_reg_kind {
	CXLEMU_SIM_REG_HB = 1,   /**< host bridge component registers (CHBS) */
	CXLEMU_SIM_REG_EP = 2,   /**< endpoint component registers (64 KiB) */
	CXLEMU_SIM_REG_MBOX = 3, /**< endpoint mailbox registers */
	/** switch upstream port component registers (64 KiB): their HDM
	 * decoders take part in routing below a switch */
	CXLEMU_SIM_REG_USP = 4,
};

/** One register window, as a simulator maps it. */
struct cxlemu_sim_reg_window {
	uint64_t base;  /**< physical address */
	uint64_t size;  /**< bytes */
	uint32_t kind;  /**< enum cxlemu_sim_reg_kind */
	uint32_t comp;  /**< topology component id */
};

/**
 * Number of register windows: the host bridges' (in component order),
 * then each endpoint's component registers and mailbox (in endpoint
 * order), then the switch upstream ports' (in component order).  They are
 * placed at creation and stay put.
 * @param sim the machine
 * @return count
 */
CXLEMU_EXPORT uint32_t cxlemu_sim_reg_windows(const struct cxlemu_sim *sim);

/**
 * Describes register window @p i.
 * @param sim the machine
 * @param i   index
 * @param out receives the window
 * @return 0, or -EINVAL for a bad index
 */
CXLEMU_EXPORT int cxlemu_sim_reg_window(const struct cxlemu_sim *sim, uint32_t i,
					struct cxlemu_sim_reg_window *out);

/**
 * Reads a register at a physical address inside a register window.
 * @param sim  the machine
 * @param addr physical address
 * @param size 1, 2, 4 or 8 (what the window supports: component registers
 *             4 and 8)
 * @param val  receives the value
 * @return 0, -ENXIO outside every window, -EINVAL for a bad width or
 *         alignment (or a NULL pointer)
 */
CXLEMU_EXPORT int cxlemu_sim_reg_read(struct cxlemu_sim *sim, uint64_t addr, unsigned int size,
				      uint64_t *val);

/**
 * Writes a register (an HDM decoder commit rebuilds the routes at once; a
 * mailbox doorbell runs the command).
 * @param sim  the machine
 * @param addr physical address
 * @param size 1, 2, 4 or 8
 * @param val  value
 * @return 0, -ENXIO, -EINVAL as cxlemu_sim_reg_read(); -ENOMEM or -E2BIG
 *         as cxlemu_topo_reg_write() when a route table could not be
 *         rebuilt
 */
CXLEMU_EXPORT int cxlemu_sim_reg_write(struct cxlemu_sim *sim, uint64_t addr, unsigned int size,
				       uint64_t val);

/**
 * The machine's CEDT (with the default OEM fields).
 * @param sim the machine
 * @param buf receives the table (may be NULL to ask the size)
 * @param cap size of @p buf
 * @param len receives the table's length
 * @return 0, -ENOSPC when @p buf is NULL or @p cap too small (@p len says
 *         how much is needed), -EINVAL (NULL machine or @p len, or what
 *         cxlemu_cedt_build() refuses), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_sim_cedt(struct cxlemu_sim *sim, uint8_t *buf, size_t cap,
				  size_t *len);

/**
 * Advances background work (mailbox operations) to the host's clock; call
 * it when the host scheduled a poll, or at any time.
 * @param sim the machine
 */
CXLEMU_EXPORT void cxlemu_sim_poll(struct cxlemu_sim *sim);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_SIM_H */
