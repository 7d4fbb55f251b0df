/* SPDX-License-Identifier: MIT */
/**
 * @file route.h
 * @brief Window model, flat route tables and the per-access hot path.
 *
 * A fixed memory window (CFMWS) interleaves across host bridges; each host
 * bridge's committed HDM decoders pick a root port; below a root port sits an
 * endpoint or a switch, whose upstream port's decoders pick a downstream port,
 * and so on down to the endpoint decoders that turn the HPA into a DPA.
 *
 * The library describes that hierarchy as plain data (struct
 * cxlemu_route_window and an array of struct cxlemu_route_node) and offers
 * two ways to route an HPA through it:
 *
 * - cxlemu_route_walk(): the level-by-level walk every emulator does today,
 *   the reference semantics;
 * - cxlemu_route_table_build() + cxlemu_route(): the same answers from a flat,
 *   immutable table, in O(1) whatever the depth of the hierarchy, without
 *   allocation and without locks.
 *
 * @par Decode rules
 * At every component, the first committed decoder (in index order) whose
 * range [base, base + size) holds the HPA decodes it.  A decoder of a host
 * bridge or switch selects its target from the offset of the HPA from the
 * decoder's base: position = (offset / granularity) mod ways (8.2.4.20.13;
 * for 1/2/4/8/16 ways this equals the HPA bits the spec names, because bases
 * are 256 MiB aligned).  The window selects its host bridge the same way from
 * the offset from the window base.  An endpoint decoder computes the DPA with
 * cxlemu_hpa_to_dpa() from the offset from its base and adds its DPA base.
 * With XOR arithmetic (CXIMS, Table 9-22) the window's XOR maps turn the
 * address the CPU issues (SPA) into the HPA that the hierarchy decodes (see
 * struct cxlemu_xormaps); the map pivots must be the window's interleave
 * bits, so the XOR selects the same host bridge as Table 9-22.
 *
 * @par Unmapped addresses
 * An HPA that no committed decoder covers is reported as unmapped, with the
 * level that missed: level 0 is the window (the address is outside it),
 * level 1 the host bridge, then one level per component on the path (root
 * port, switch upstream port, downstream port, ..., endpoint).  A port with
 * nothing below it misses at its own level.
 *
 * @par Concurrency
 * A route table is immutable once built: any number of threads may call
 * cxlemu_route() on it.  To replace a table while readers run, publish it
 * through a struct cxlemu_route_pub: cxlemu_route_pub_set() swaps the pointer
 * atomically and retires the old table; readers fetch the current table with
 * cxlemu_route_pub_get() (one acquire load).  The old table is freed when no
 * reader can still hold it, decided in one of two ways chosen at creation:
 *
 * - built-in quiescent-state based reclamation (QSBR): each reader thread
 *   registers a struct cxlemu_route_reader and calls
 *   cxlemu_route_reader_quiescent() at points where it holds no table
 *   pointer (QEMU: after each access; a simulator: once per tick), or goes
 *   offline while idle.  A retired table is freed by the next
 *   cxlemu_route_pub_set() or cxlemu_route_pub_reclaim() once every online
 *   reader has passed a quiescent point after the swap.  Readers pay nothing
 *   per access;
 * - the host's own RCU: a retire callback receives each old table and frees
 *   it with cxlemu_route_table_free() after its own grace period (QEMU's
 *   call_rcu()).
 */
#ifndef CXLEMU_ROUTE_H
#define CXLEMU_ROUTE_H

#include <stdint.h>

#include <cxlemu/common.h>
#include <cxlemu/decode.h>

#ifdef __cplusplus
extern "C" {
#endif

/** "No node": an empty port, an unused target slot. */
#define CXLEMU_NO_NODE UINT32_MAX
/** Most components on one path below a window (host bridge ... endpoint). */
#define CXLEMU_ROUTE_MAX_DEPTH 16

/** Kinds of component in a route description. */
enum cxlemu_node_kind {
	/** Host bridge or switch upstream port: decoders select a target. */
	CXLEMU_NODE_SWITCH = 1,
	/** Root port or switch downstream port: passes to one node below. */
	CXLEMU_NODE_PORT = 2,
	/** Type-2 or type-3 device: decoders translate HPA to DPA. */
	CXLEMU_NODE_ENDPOINT = 3,
};

/** A committed HDM decoder as the router sees it. */
struct cxlemu_route_decoder {
	uint64_t base;     /**< HPA base, 256 MiB aligned (8.2.4.20.5) */
	uint64_t size;     /**< size in bytes, a non-zero 256 MiB multiple */
	uint64_t dpa_base; /**< endpoints: DPA of the decoder's first byte */
	uint8_t eiw;       /**< encoded interleave ways */
	uint8_t eig;       /**< encoded interleave granularity */
	uint8_t reserved[6]; /**< zero */
	/** Switching components: node index for each interleave position. */
	uint32_t targets[CXLEMU_MAX_WAYS];
};

/** One component of the hierarchy below a window. */
struct cxlemu_route_node {
	uint32_t kind;  /**< enum cxlemu_node_kind */
	uint32_t id;    /**< caller's id, reported by routes and misses */
	uint32_t below; /**< CXLEMU_NODE_PORT: node index below, or NO_NODE */
	uint32_t ndecoders; /**< number of committed decoders */
	/** Committed decoders, borrowed for the duration of a call. */
	const struct cxlemu_route_decoder *decoders;
};

/** A fixed memory window (CFMWS, 9.18.1.3) and its host bridge targets. */
struct cxlemu_route_window {
	uint64_t base;   /**< HPA base, 256 MiB aligned */
	uint64_t size;   /**< size, a non-zero 256 MiB multiple */
	uint32_t id;     /**< caller's id, reported for misses at level 0 */
	uint8_t eiw;     /**< encoded interleave ways across host bridges */
	uint8_t eig;     /**< encoded host bridge interleave granularity */
	uint8_t arith;   /**< enum cxlemu_arith */
	uint8_t nxormaps; /**< XOR: number of CXIMS maps */
	/** XOR: the CXIMS maps for this window's granularity. */
	uint64_t xormaps[CXLEMU_MAX_XORMAPS];
	/** Node index of the host bridge for each interleave position. */
	uint32_t targets[CXLEMU_MAX_WAYS];
};

/** Returned by the route functions for an address that is not mapped. */
#define CXLEMU_ROUTE_MISS 0x100
/** Level that missed, from a non-zero route result. */
#define CXLEMU_ROUTE_MISS_LEVEL(rc) ((unsigned int)(rc) & 0xffu)

/** Why a walk did not reach a DPA. */
enum cxlemu_miss_reason {
	CXLEMU_MISS_NONE = 0,       /**< routed */
	CXLEMU_MISS_OUTSIDE = 1,    /**< HPA outside the window */
	CXLEMU_MISS_NO_DECODER = 2, /**< no committed decoder covers the HPA */
	CXLEMU_MISS_EMPTY_PORT = 3, /**< a port or target slot leads nowhere */
};

/** Everything a walk learned about one HPA. */
struct cxlemu_route_info {
	uint32_t ep;      /**< routed: endpoint id; missed: id of the missing
			       component (window id at level 0) */
	uint32_t level;   /**< level of the endpoint, or level that missed */
	uint64_t dpa;     /**< routed: DPA at the endpoint */
	uint64_t hpa;     /**< HPA decoded by the hierarchy (after XOR) */
	uint32_t reason;  /**< enum cxlemu_miss_reason */
	uint32_t decoder; /**< routed: endpoint decoder index */
	uint32_t depth;   /**< number of nodes in @ref path */
	/** Node indices from the host bridge down to the last node reached. */
	uint32_t path[CXLEMU_ROUTE_MAX_DEPTH];
	/** Interleave position chosen at each level (window first). */
	uint8_t pos[CXLEMU_ROUTE_MAX_DEPTH];
};

/**
 * Routes one HPA level by level, the way emulators decode today.
 *
 * This is the reference semantics of the route tables and the baseline of
 * the benchmark.  It checks indices as it goes but does not validate the
 * whole description; cxlemu_route_check() does.
 *
 * @param w      window
 * @param nodes  components, indexed by the window's and decoders' targets
 * @param nnodes number of components
 * @param hpa    address issued by the host (before XOR)
 * @param info   receives the result; may be NULL
 * @return 0 when routed, CXLEMU_ROUTE_MISS | level when unmapped, or a
 *         negative errno for an invalid description (-EINVAL: index out of
 *         range, bad encoding; -ELOOP: path deeper than
 *         CXLEMU_ROUTE_MAX_DEPTH)
 */
CXLEMU_EXPORT int cxlemu_route_walk(const struct cxlemu_route_window *w,
				    const struct cxlemu_route_node *nodes,
				    uint32_t nnodes, uint64_t hpa,
				    struct cxlemu_route_info *info);

/**
 * Validates a window and the components reachable from it: alignment and
 * overflow of every range, legal encodings, target indices in range, XOR
 * maps that match the window's ways and granularity, no cycles and no path
 * deeper than CXLEMU_ROUTE_MAX_DEPTH.  Every rejection is logged.
 *
 * @param ctx    context for log messages; may be NULL
 * @param w      window
 * @param nodes  components
 * @param nnodes number of components
 * @return 0 or -EINVAL / -ELOOP
 */
CXLEMU_EXPORT int cxlemu_route_check(struct cxlemu_ctx *ctx,
				     const struct cxlemu_route_window *w,
				     const struct cxlemu_route_node *nodes,
				     uint32_t nnodes);

/** @cond INTERNAL */
/* Layout used by the inline hot path; treat as opaque. */
struct cxlemu_route_target {
	/* DPA = dpa0 + n * dpp + (offset in the slot), n the period index */
	uint64_t dpa0;     /* DPA of the slot's first byte in period 0 */
	uint32_t dpp;      /* DPA bytes per period at this endpoint */
	uint32_t id;       /* endpoint id, or id of the component that missed */
	uint16_t rc;       /* 0, or CXLEMU_ROUTE_MISS | level */
	uint8_t reserved[14]; /* 32 bytes: the index is one shift */
};

struct cxlemu_route_segment {
	uint64_t base;      /* first HPA of the segment */
	uint64_t lo_mask;   /* (1 << pow2_shift) - 1 */
	uint64_t unit_mask; /* (1 << unit_shift) - 1 */
	const struct cxlemu_route_target *slots; /* one period of the pattern */
	uint8_t unit_shift; /* log2 of the bytes one slot covers */
	uint8_t pow2_shift; /* log2 of the power-of-two factor of slots */
	uint8_t mod3;       /* the slot count has a factor 3 */
	uint8_t reserved[29]; /* 64 bytes: one cache line */
};

struct cxlemu_route_table {
	uint64_t base;        /* window base */
	uint64_t size;        /* window size */
	const uint32_t *chunk; /* chunk -> byte offset of its segment in segs */
	const struct cxlemu_route_segment *segs;
	uint32_t window_id;
	uint8_t chunk_shift;
	uint8_t nxor;         /* XOR maps, 0 for modulo */
	uint8_t xor_pivot0;   /* pivot of map 0; map i pivots at bit pivot0 + i */
	uint8_t reserved;
	uint64_t xor_other[CXLEMU_MAX_XORMAPS]; /* map i without its pivot */
	/* library-private fields follow */
};

#if defined(__GNUC__)
#define CXLEMU_UNLIKELY_(x) __builtin_expect(!!(x), 0)
#define CXLEMU_HOT_INLINE_ static inline __attribute__((always_inline))
#if defined(__POPCNT__)
#define CXLEMU_PARITY_(x) ((uint64_t)__builtin_popcountll(x) & 1)
#else
#define CXLEMU_PARITY_(x) ((uint64_t)__builtin_parityll(x))
#endif
#else
#define CXLEMU_UNLIKELY_(x) (x)
#define CXLEMU_HOT_INLINE_ static inline
static inline uint64_t cxlemu_parity_(uint64_t x)
{
	x ^= x >> 32; x ^= x >> 16; x ^= x >> 8;
	x ^= x >> 4; x ^= x >> 2; x ^= x >> 1;
	return x & 1;
}
#define CXLEMU_PARITY_(x) cxlemu_parity_(x)
#endif

/* floor(x / 3) for x < 2^64, by multiplication (no divide instruction). */
CXLEMU_HOT_INLINE_ uint64_t cxlemu_div3_(uint64_t x)
{
	__extension__ typedef unsigned __int128 cxlemu_u128_;
	return (uint64_t)(((cxlemu_u128_)x * UINT64_C(0xAAAAAAAAAAAAAAAB)) >> 65);
}
/** @endcond */

/**
 * The hot path: routes one HPA through a compiled table.
 *
 * Constant time whatever the depth of the hierarchy, no allocation, no lock,
 * safe on an immutable table from any number of threads.
 *
 * @param t   route table (from cxlemu_route_table_build())
 * @param hpa address issued by the host (before XOR, as the CPU sees it)
 * @param ep  receives the endpoint id, or on a miss the id of the
 *            component that missed (the window id at level 0)
 * @param dpa receives the DPA at the endpoint; not meaningful on a miss
 * @return 0 when routed, else CXLEMU_ROUTE_MISS | level (see
 *         CXLEMU_ROUTE_MISS_LEVEL())
 */
CXLEMU_HOT_INLINE_ int cxlemu_route(const struct cxlemu_route_table *t,
				    uint64_t hpa, uint32_t *ep, uint64_t *dpa)
{
	const struct cxlemu_route_segment *s;
	const struct cxlemu_route_target *tg;
	uint64_t off = hpa - t->base, h = hpa, x, n, slot;

	if (CXLEMU_UNLIKELY_(off >= t->size)) {
		*ep = t->window_id;
		*dpa = 0;
		return CXLEMU_ROUTE_MISS;
	}
	/* SPA -> HPA (CXIMS, Table 9-22): pivots become parities of the SPA. */
	switch (t->nxor) {
	case 4:
		h ^= CXLEMU_PARITY_(hpa & t->xor_other[3]) << (t->xor_pivot0 + 3);
		/* fall through */
	case 3:
		h ^= CXLEMU_PARITY_(hpa & t->xor_other[2]) << (t->xor_pivot0 + 2);
		/* fall through */
	case 2:
		h ^= CXLEMU_PARITY_(hpa & t->xor_other[1]) << (t->xor_pivot0 + 1);
		/* fall through */
	case 1:
		h ^= CXLEMU_PARITY_(hpa & t->xor_other[0]) << t->xor_pivot0;
		/* fall through */
	default:
		break;
	}
	s = (const struct cxlemu_route_segment *)
		((const char *)t->segs + t->chunk[off >> t->chunk_shift]);
	/* Period index n and slot of the HPA in the segment's pattern. */
	h -= s->base;
	x = h >> s->unit_shift;
	if (s->mod3) {
		n = cxlemu_div3_(x >> s->pow2_shift);
		slot = (x & s->lo_mask) |
		       (((x >> s->pow2_shift) - 3 * n) << s->pow2_shift);
	} else {
		n = x >> s->pow2_shift;
		slot = x & s->lo_mask;
	}
	tg = &s->slots[slot];
	*ep = tg->id;
	/* The endpoint's DPA advances by dpp every period (8.2.4.20.13). */
	*dpa = tg->dpa0 + n * tg->dpp + (h & s->unit_mask);
	return tg->rc;
}

/**
 * How far the route of @p hpa stays the same: the number of bytes from
 * @p hpa over which cxlemu_route() gives the same endpoint (or the same
 * miss) and consecutive DPAs.  Within a window that is the rest of the
 * interleave unit holding @p hpa (the smallest granularity of any decoder
 * on the segment, or the rest of the 256 MiB block where nothing
 * interleaves); below the window, the bytes up to its base; above it, up to
 * the end of the address space.  A front-end splits an access that crosses
 * an interleave granule with it.
 *
 * Constant time, no allocation, safe as cxlemu_route().
 *
 * @param t   route table (from cxlemu_route_table_build())
 * @param hpa address issued by the host (before XOR)
 * @return bytes, at least 1 (UINT64_MAX - @p hpa + 1 saturated to
 *         UINT64_MAX above the window)
 */
CXLEMU_HOT_INLINE_ uint64_t cxlemu_route_span(const struct cxlemu_route_table *t,
					      uint64_t hpa)
{
	const struct cxlemu_route_segment *s;
	uint64_t off = hpa - t->base;

	if (CXLEMU_UNLIKELY_(off >= t->size)) {
		if (hpa < t->base)
			return t->base - hpa;
		return hpa ? UINT64_MAX - hpa + 1 : UINT64_MAX;
	}
	s = (const struct cxlemu_route_segment *)
		((const char *)t->segs + t->chunk[off >> t->chunk_shift]);
	/* XOR (CXIMS) flips only bits at or above the window's granularity,
	 * and segments start 256 MiB aligned, so the unit offset of the HPA
	 * the hierarchy decodes is the issued address's own. */
	return s->unit_mask + 1 - (hpa & s->unit_mask);
}

/**
 * Compiles a window and the components below it into a flat route table.
 *
 * The description is validated first (cxlemu_route_check()).  The table is
 * independent of the description afterwards: the caller may free or change
 * its arrays.
 *
 * @param ctx    context for log messages; may be NULL
 * @param w      window
 * @param nodes  components
 * @param nnodes number of components
 * @param out    receives the table, owned by the caller
 * @return 0, -EINVAL / -ELOOP for an invalid description, -E2BIG when the
 *         window's decoder boundaries would need more than 2^20 chunk
 *         entries, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_route_table_build(struct cxlemu_ctx *ctx,
					   const struct cxlemu_route_window *w,
					   const struct cxlemu_route_node *nodes,
					   uint32_t nnodes,
					   struct cxlemu_route_table **out);

/**
 * Frees a route table.
 * @param t the table, or NULL
 */
CXLEMU_EXPORT void cxlemu_route_table_free(struct cxlemu_route_table *t);

/** Figures about a compiled table. */
struct cxlemu_route_table_stats {
	uint32_t segments; /**< HPA ranges with one decoder configuration */
	uint32_t chunks;   /**< entries of the chunk index */
	uint32_t slots;    /**< slot entries over all segments */
	uint32_t targets;  /**< target records over all segments */
	uint64_t bytes;    /**< memory the table occupies */
};

/**
 * Reports the size of a compiled table.
 * @param t  the table
 * @param st receives the figures
 */
CXLEMU_EXPORT void cxlemu_route_table_stats(const struct cxlemu_route_table *t,
					    struct cxlemu_route_table_stats *st);

/** What a front-end may do with an extent (struct cxlemu_route_extent). */
enum cxlemu_extent_flags {
	/** Every address of the extent misses (nothing committed there). */
	CXLEMU_EXTENT_MISS = 1u << 0,
	/** Some interleave positions miss, others route. */
	CXLEMU_EXTENT_PARTIAL = 1u << 1,
	/** The whole extent goes to one endpoint at consecutive DPAs: a
	 * front-end may map it straight onto that endpoint's memory. */
	CXLEMU_EXTENT_LINEAR = 1u << 2,
	/** The window's XOR maps permute the interleave units. */
	CXLEMU_EXTENT_XOR = 1u << 3,
};

/** A stretch of a window that one decoder configuration routes. */
struct cxlemu_route_extent {
	uint64_t base;  /**< first HPA */
	uint64_t size;  /**< bytes */
	/** Bytes that route to one endpoint at consecutive DPAs, from any
	 * multiple of @p unit past @p base: the smallest interleave granule
	 * on the way (the whole extent when it is linear). */
	uint64_t unit;
	uint32_t slots; /**< interleave positions in one period of the pattern */
	uint32_t flags; /**< enum cxlemu_extent_flags */
	uint32_t ep;    /**< CXLEMU_EXTENT_LINEAR: the endpoint id */
	uint32_t reserved; /**< zero */
	uint64_t dpa;   /**< CXLEMU_EXTENT_LINEAR: the DPA of @p base */
};

/**
 * Describes the extents of a compiled table, in HPA order, so that a
 * front-end can choose how to serve each: map a linear extent onto the
 * endpoint's memory, translate page by page where @p unit is at least a
 * page, or route every access with cxlemu_route() elsewhere.  The extents
 * cover the window without gaps.
 * @param t     the table
 * @param index 0 for the first extent, then 1, 2, ...
 * @param out   receives the extent
 * @return 0, or -ENOENT past the last extent (-EINVAL for NULL arguments)
 */
CXLEMU_EXPORT int cxlemu_route_table_extent(const struct cxlemu_route_table *t,
					    uint32_t index,
					    struct cxlemu_route_extent *out);

/**
 * A published route table: one atomically replaced pointer.
 *
 * Create with cxlemu_route_pub_new(); only @ref table is public, to be read
 * with cxlemu_route_pub_get().
 */
struct cxlemu_route_pub {
	struct cxlemu_route_table *table; /**< current table, may be NULL */
	struct cxlemu_route_pub_state *state; /**< library-private */
};

/** A registered reader thread of a struct cxlemu_route_pub. Opaque. */
struct cxlemu_route_reader;

/**
 * Receives a retired table when the host does its own reclamation.
 * @param opaque the pointer given to cxlemu_route_pub_new()
 * @param old    the retired table; free it with cxlemu_route_table_free()
 *               once no reader can hold it
 */
typedef void (*cxlemu_route_retire_fn)(void *opaque,
				       struct cxlemu_route_table *old);

/**
 * Creates a publication point for route tables.
 *
 * @param ctx    context for log messages; may be NULL
 * @param retire NULL for the built-in QSBR reclamation, or the host's
 *               retire callback
 * @param opaque passed to @p retire
 * @param out    receives the new object, owned by the caller
 * @return 0, -EINVAL, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_route_pub_new(struct cxlemu_ctx *ctx,
				       cxlemu_route_retire_fn retire,
				       void *opaque,
				       struct cxlemu_route_pub **out);

/**
 * Frees a publication point and every table it still holds.  No reader may
 * use it any more, and every reader must have been unregistered.
 * @param p the object, or NULL
 */
CXLEMU_EXPORT void cxlemu_route_pub_free(struct cxlemu_route_pub *p);

/**
 * Fetches the current table (one acquire load).  With QSBR the pointer stays
 * valid until the calling reader's next quiescent point.
 * @param p publication point
 * @return the current table, or NULL if none was published
 */
static inline const struct cxlemu_route_table *
cxlemu_route_pub_get(const struct cxlemu_route_pub *p)
{
	return __atomic_load_n(&p->table, __ATOMIC_ACQUIRE);
}

/**
 * Publishes a new table (which may be NULL) and retires the previous one.
 * Takes ownership of @p t.  Single writer: calls must not race with each
 * other, with cxlemu_route_pub_reclaim() or cxlemu_route_pub_free().
 *
 * @param p publication point
 * @param t new table, or NULL to unmap the whole window
 * @return 0, or -EINVAL for a NULL @p p
 */
CXLEMU_EXPORT int cxlemu_route_pub_set(struct cxlemu_route_pub *p,
				       struct cxlemu_route_table *t);

/**
 * Frees retired tables that no online reader can hold any more (QSBR mode).
 * @param p publication point
 * @return number of retired tables still waiting for readers
 */
CXLEMU_EXPORT unsigned int cxlemu_route_pub_reclaim(struct cxlemu_route_pub *p);

/**
 * Registers the calling thread as a reader (QSBR mode).  The reader starts
 * online.
 * @param p   publication point
 * @param out receives the reader, owned by the caller
 * @return 0, -EINVAL (also in retire-callback mode), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_route_reader_register(struct cxlemu_route_pub *p,
					       struct cxlemu_route_reader **out);

/**
 * Unregisters and frees a reader.  The thread must hold no table pointer.
 * @param r the reader, or NULL
 */
CXLEMU_EXPORT void cxlemu_route_reader_unregister(struct cxlemu_route_reader *r);

/**
 * Announces that the reader holds no table pointer from before this call.
 * Called on an offline reader, it brings the reader online.
 * @param r the reader
 */
CXLEMU_EXPORT void cxlemu_route_reader_quiescent(struct cxlemu_route_reader *r);

/**
 * Takes the reader offline (idle): it will not read tables until
 * cxlemu_route_reader_online(), and reclamation does not wait for it.
 * @param r the reader
 */
CXLEMU_EXPORT void cxlemu_route_reader_offline(struct cxlemu_route_reader *r);

/**
 * Brings an offline reader back online.
 * @param r the reader
 */
CXLEMU_EXPORT void cxlemu_route_reader_online(struct cxlemu_route_reader *r);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_ROUTE_H */
