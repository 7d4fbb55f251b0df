/* SPDX-License-Identifier: MIT */
/* Shared test helpers: a seeded PRNG and a random fabric generator. */
#ifndef CXLEMU_TESTUTIL_H
#define CXLEMU_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <cxlemu/cxlemu.h>

struct rng {
	uint64_t s;
};

/* splitmix64: small, fast, good enough for test vectors. */
static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* Reads @n little-endian bytes at @p. */
static inline uint64_t test_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Seed from CXLEMU_TEST_SEED if set, else @def; printed for replay. */
uint64_t test_seed(uint64_t def);

/* A fabric description with the storage behind it. */
#define FAB_MAX_NODES 512
#define FAB_MAX_DECS 2048

struct fab {
	struct cxlemu_route_window w;
	struct cxlemu_route_node nodes[FAB_MAX_NODES];
	struct cxlemu_route_decoder decs[FAB_MAX_DECS];
	uint32_t nnodes, ndecs;
};

void fab_init(struct fab *f, uint64_t base, uint64_t size, unsigned int eiw,
	      unsigned int eig);
uint32_t fab_node(struct fab *f, uint32_t kind, uint32_t id, uint32_t below);
/* Adds a decoder to node @n (must be the last node given decoders). */
struct cxlemu_route_decoder *fab_decoder(struct fab *f, uint32_t n,
					 uint64_t base, uint64_t size,
					 unsigned int eiw, unsigned int eig);

/*
 * Random fabric: 1..@max_levels switching levels (host bridge, then switch
 * levels), mixed ways and granularities, modulo or XOR, holes (ranges no
 * decoder covers, empty ports, missing endpoint decoders).
 */
void fab_random(struct fab *f, struct rng *r, unsigned int max_levels);

/* Reads tests/data/NAME into a NUL-terminated buffer (free() it). */
char *test_read_data(const char *name);

/* Builds a topology from the QEMU options in tests/data/NAME; fails the
 * test with the parser's message if it is rejected. */
struct cxlemu_topo *test_topo_file(const char *name);

/* Adds a component (endpoints get @vol bytes of volatile capacity); fails
 * the test if it is refused. */
uint32_t test_add_comp(struct cxlemu_topo *t, uint32_t kind, const char *name,
		       uint32_t parent, uint32_t port, uint64_t vol, uint32_t caps);

/* Legal encodings, for loops over every configuration. */
extern const unsigned int legal_eiw[8];
extern const unsigned int legal_ways[8];

#endif
