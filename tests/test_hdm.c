/* SPDX-License-Identifier: MIT */
/* HDM decoder capability structure: registers and commit rules (lib/hdm). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define MB256 (UINT64_C(256) << 20)
#define GB (UINT64_C(1) << 30)
#define D(n, r) (0x10u + 0x20u * (n) + (r))
#define BASE_LO 0x00
#define BASE_HI 0x04
#define SIZE_LO 0x08
#define SIZE_HI 0x0c
#define CTRL 0x10
#define TL_LO 0x14
#define TL_HI 0x18
#define C_LOCK (1u << 8)
#define C_COMMIT (1u << 9)
#define C_COMMITTED (1u << 10)
#define C_ERR (1u << 11)

static uint64_t seed;
static unsigned int changes;

static void on_change(void *opaque, unsigned int n)
{
	(void)opaque;
	(void)n;
	changes++;
}

static struct cxlemu_hdm *mk(uint32_t kind, uint32_t decoders, uint32_t targets,
			     uint32_t caps)
{
	struct cxlemu_hdm_config cfg;
	struct cxlemu_hdm *h;

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = CXLEMU_HDM_CONFIG_VERSION;
	cfg.kind = kind;
	cfg.decoders = decoders;
	cfg.targets = targets;
	cfg.caps = caps;
	cfg.changed = on_change;
	if (kind != CXLEMU_HDM_ENDPOINT) {
		/* Ports 2, 3, 5 and 7 exist. */
		cfg.nports = 4;
		cfg.port_ids[0] = 2;
		cfg.port_ids[1] = 3;
		cfg.port_ids[2] = 5;
		cfg.port_ids[3] = 7;
	} else {
		/* 1 GiB volatile, then 2 GiB persistent. */
		cfg.npartitions = 2;
		cfg.partition_size[0] = GB;
		cfg.partition_size[1] = 2 * GB;
	}
	assert_int_equal(cxlemu_hdm_new(NULL, &cfg, &h), 0);
	return h;
}

#define ALLCAPS (CXLEMU_HDM_CAP_A11TO8 | CXLEMU_HDM_CAP_A14TO12 | \
		 CXLEMU_HDM_CAP_3_6_12 | CXLEMU_HDM_CAP_16WAY)

static uint32_t rd(struct cxlemu_hdm *h, uint32_t off)
{
	uint64_t v;

	assert_int_equal(cxlemu_hdm_read(h, off, 4, &v), 0);
	return (uint32_t)v;
}

static void wr(struct cxlemu_hdm *h, uint32_t off, uint32_t v)
{
	assert_int_equal(cxlemu_hdm_write(h, off, 4, v), 0);
}

/* Programs decoder n the way Linux does (dword writes, control last). */
static uint32_t program(struct cxlemu_hdm *h, unsigned int n, uint64_t base,
			uint64_t size, unsigned int eiw, unsigned int eig,
			uint64_t tl, uint32_t extra)
{
	wr(h, D(n, BASE_LO), (uint32_t)base);
	wr(h, D(n, BASE_HI), (uint32_t)(base >> 32));
	wr(h, D(n, SIZE_LO), (uint32_t)size);
	wr(h, D(n, SIZE_HI), (uint32_t)(size >> 32));
	wr(h, D(n, TL_LO), (uint32_t)tl);
	wr(h, D(n, TL_HI), (uint32_t)(tl >> 32));
	wr(h, D(n, CTRL), eig | eiw << 4 | C_COMMIT | extra);
	return rd(h, D(n, CTRL));
}

static bool committed(uint32_t ctrl)
{
	return (ctrl & C_COMMITTED) && !(ctrl & C_ERR);
}

static bool rejected(uint32_t ctrl)
{
	return !(ctrl & C_COMMITTED) && (ctrl & C_ERR);
}

static void test_capability_and_access(void **state)
{
	struct cxlemu_hdm *h = mk(CXLEMU_HDM_SWITCH, 4, 8,
				  CXLEMU_HDM_CAP_A11TO8 | CXLEMU_HDM_CAP_16WAY);
	uint64_t v;

	(void)state;
	/* Decoder Count 4 encodes as 2, Target Count 8, A11to8, 16-way. */
	assert_int_equal(rd(h, 0), 2u | 8u << 4 | 1u << 8 | 1u << 12);
	wr(h, 0, 0xffffffff);
	assert_int_equal(rd(h, 0), 2u | 8u << 4 | 1u << 8 | 1u << 12);
	/* Reset values. */
	assert_int_equal(rd(h, 4), 0);
	assert_int_equal(rd(h, D(3, CTRL)), 0);
	assert_int_equal(rd(h, 8), 0);
	/* Widths, alignment and bounds. */
	assert_int_equal(cxlemu_hdm_read(h, 2, 4, &v), -EINVAL);
	assert_int_equal(cxlemu_hdm_read(h, 4, 8, &v), -EINVAL);
	assert_int_equal(cxlemu_hdm_read(h, 0, 2, &v), -EINVAL);
	assert_int_equal(cxlemu_hdm_read(h, 0, 1, &v), -EINVAL);
	assert_int_equal(cxlemu_hdm_read(h, CXLEMU_HDM_SIZE(4), 4, &v), -EINVAL);
	assert_int_equal(cxlemu_hdm_read(h, CXLEMU_HDM_SIZE(4) - 4, 4, &v), 0);
	assert_int_equal(cxlemu_hdm_read(h, CXLEMU_HDM_SIZE(4) - 4, 8, &v), -EINVAL);
	assert_int_equal(cxlemu_hdm_read(h, UINT32_MAX - 3, 4, &v), -EINVAL);
	assert_int_equal(cxlemu_hdm_write(h, 6, 4, 0), -EINVAL);
	assert_int_equal(cxlemu_hdm_write(h, 0, 3, 0), -EINVAL);
	assert_int_equal(cxlemu_hdm_write(h, CXLEMU_HDM_SIZE(4), 4, 0), -EINVAL);
	/* Reserved bits: base/size low keep bits 31:28 only; control keeps
	 * its writable fields; poison enable needs the capability. */
	wr(h, D(0, BASE_LO), 0xffffffff);
	assert_int_equal(rd(h, D(0, BASE_LO)), 0xf0000000u);
	wr(h, D(0, CTRL), 0xffffffff & ~C_COMMIT);
	assert_int_equal(rd(h, D(0, CTRL)), 0x11ffu);
	wr(h, 4, 0xffffffff);
	assert_int_equal(rd(h, 4), 2);
	/* 8-byte access covers two registers. */
	assert_int_equal(cxlemu_hdm_write(h, D(1, BASE_LO), 8, UINT64_C(0x1234567890000000)), 0);
	assert_int_equal(cxlemu_hdm_read(h, D(1, BASE_LO), 8, &v), 0);
	assert_int_equal(v, UINT64_C(0x1234567890000000));
	assert_int_equal(rd(h, D(1, BASE_HI)), 0x12345678);
	cxlemu_hdm_free(h);
}

static void test_commit_switch(void **state)
{
	struct cxlemu_hdm *h = mk(CXLEMU_HDM_HOST_BRIDGE, 2, 4, ALLCAPS);
	struct cxlemu_hdm_decoder d;
	unsigned int before = changes;

	(void)state;
	/* 2 ways over ports 5 and 2, 512 B, at 16 GiB. */
	assert_true(committed(program(h, 0, 16 * GB, 4 * GB, 1, 1, 0x0205, 0)));
	assert_int_equal(changes, before + 1);
	assert_int_equal(cxlemu_hdm_decoder(h, 0, &d), 0);
	assert_true(d.committed && !d.error && !d.locked);
	assert_int_equal(d.base, 16 * GB);
	assert_int_equal(d.size, 4 * GB);
	assert_int_equal(d.ways, 2);
	assert_int_equal(d.gran, 512);
	assert_int_equal(d.targets[0], 5);
	assert_int_equal(d.targets[1], 2);
	/* Registers of a committed decoder are read-only. */
	wr(h, D(0, BASE_HI), 0x77);
	wr(h, D(0, TL_LO), 0x0303);
	assert_int_equal(rd(h, D(0, BASE_HI)), 4);
	assert_int_equal(rd(h, D(0, TL_LO)), 0x0205);
	/* The next decoder above it; then uncommit in reverse order. */
	assert_true(committed(program(h, 1, 20 * GB, MB256, 0, 0, 0x07, 0)));
	wr(h, D(0, CTRL), 0);
	assert_true(rd(h, D(0, CTRL)) & C_COMMITTED);
	wr(h, D(1, CTRL), 0);
	assert_int_equal(rd(h, D(1, CTRL)) & (C_COMMITTED | C_ERR), 0);
	wr(h, D(0, CTRL), 0);
	assert_int_equal(rd(h, D(0, CTRL)) & C_COMMITTED, 0);
	assert_int_equal(changes, before + 4);
	assert_int_equal(cxlemu_hdm_decoder(h, 2, &d), -EINVAL);
	cxlemu_hdm_free(h);
}

/* Every commit rule, broken once. */
static void test_commit_rejections(void **state)
{
	struct cxlemu_hdm *h;

	(void)state;
	h = mk(CXLEMU_HDM_SWITCH, 4, 4, ALLCAPS);
	assert_true(rejected(program(h, 0, 0, GB, 5, 0, 0x02, 0)));  /* reserved IW */
	assert_true(rejected(program(h, 0, 0, GB, 1, 7, 0x0302, 0))); /* reserved IG */
	assert_true(rejected(program(h, 0, 0, GB, 3, 0, 0x02030507, 0))); /* 8 > 4 targets */
	assert_true(rejected(program(h, 0, 0, GB, 1, 0, 0x0402, 0)));  /* no port 4 */
	assert_true(rejected(program(h, 0, CXLEMU_ADDR_LIMIT - MB256, 2 * MB256, 0, 0, 2, 0)));
	/* Decoder 1 before decoder 0. */
	wr(h, D(0, CTRL), 0);
	assert_true(rejected(program(h, 1, 4 * GB, GB, 0, 0, 2, 0)));
	/* Below the end of the previous decoder. */
	assert_true(committed(program(h, 0, 4 * GB, GB, 0, 0, 2, 0)));
	assert_true(rejected(program(h, 1, 4 * GB + MB256, GB, 0, 0, 2, 0)));
	assert_true(rejected(program(h, 1, 3 * GB, GB, 0, 0, 2, 0)));
	assert_true(committed(program(h, 1, 5 * GB, GB, 0, 0, 2, 0)));
	/* A failed commit can be retried once fixed. */
	assert_true(rejected(program(h, 2, 6 * GB, GB, 1, 0, 0x0902, 0)));
	assert_true(committed(program(h, 2, 6 * GB, GB, 1, 0, 0x0702, 0)));
	cxlemu_hdm_free(h);

	/* 3/6/12 ways and 16 ways need their capability bits. */
	h = mk(CXLEMU_HDM_SWITCH, 1, 4, CXLEMU_HDM_CAP_A11TO8 | CXLEMU_HDM_CAP_A14TO12);
	assert_true(rejected(program(h, 0, 0, 3 * GB, 8, 0, 0x050302, 0)));
	cxlemu_hdm_free(h);
	h = mk(CXLEMU_HDM_SWITCH, 1, 4, ALLCAPS);
	assert_true(committed(program(h, 0, 0, 3 * GB, 8, 0, 0x050302, 0)));
	cxlemu_hdm_free(h);
	h = mk(CXLEMU_HDM_ENDPOINT, 1, 0, CXLEMU_HDM_CAP_A11TO8 | CXLEMU_HDM_CAP_A14TO12);
	assert_true(rejected(program(h, 0, 0, 16 * MB256, 4, 0, 0, 0)));
	cxlemu_hdm_free(h);
	h = mk(CXLEMU_HDM_ENDPOINT, 1, 0, ALLCAPS);
	assert_true(committed(program(h, 0, 0, 16 * MB256, 4, 0, 0, 0)));
	cxlemu_hdm_free(h);

	/* Interleave address bits need A11to8 / A14to12. */
	h = mk(CXLEMU_HDM_SWITCH, 1, 4, CXLEMU_HDM_CAP_A14TO12);
	assert_true(rejected(program(h, 0, 0, GB, 1, 3, 0x0302, 0)));  /* bit 11 */
	assert_true(committed(program(h, 0, 0, GB, 1, 4, 0x0302, 0))); /* bit 12 */
	wr(h, D(0, CTRL), 0);
	assert_true(committed(program(h, 0, 0, GB, 0, 0, 0x02, 0)));   /* 1 way: none */
	cxlemu_hdm_free(h);
	h = mk(CXLEMU_HDM_SWITCH, 1, 4, CXLEMU_HDM_CAP_A11TO8);
	assert_true(rejected(program(h, 0, 0, GB, 2, 3, 0x07050302, 0))); /* bits 11-12 */
	assert_true(committed(program(h, 0, 0, GB, 2, 2, 0x07050302, 0))); /* bits 10-11 */
	wr(h, D(0, CTRL), 0);
	assert_true(rejected(program(h, 0, 0, GB, 1, 6, 0x0302, 0)));  /* bit 14 */
	cxlemu_hdm_free(h);
	/* 3/6/12 ways: the power-of-two part selects on IW-8 bits from IG+8
	 * (as Linux checks the capability); 3 ways select on none. */
	h = mk(CXLEMU_HDM_ENDPOINT, 1, 0, CXLEMU_HDM_CAP_A11TO8 | CXLEMU_HDM_CAP_3_6_12);
	assert_true(committed(program(h, 0, 0, 3 * MB256, 8, 4, 0, 0)));
	wr(h, D(0, CTRL), 0);
	assert_true(committed(program(h, 0, 0, 6 * MB256, 9, 3, 0, 0)));   /* bit 11 */
	wr(h, D(0, CTRL), 0);
	assert_true(rejected(program(h, 0, 0, 6 * MB256, 9, 4, 0, 0)));    /* bit 12 */
	assert_true(rejected(program(h, 0, 0, 12 * MB256, 10, 3, 0, 0)));  /* bits 11-12 */
	assert_true(committed(program(h, 0, 0, 12 * MB256, 10, 2, 0, 0))); /* bits 10-11 */
	cxlemu_hdm_free(h);
}

static void test_commit_endpoint(void **state)
{
	struct cxlemu_hdm *h = mk(CXLEMU_HDM_ENDPOINT, 4, 0, ALLCAPS);
	struct cxlemu_hdm_decoder d;

	(void)state;
	/* Size must be a multiple of ways x 256 MiB. */
	assert_true(rejected(program(h, 0, 0, 3 * MB256, 1, 0, 0, 0)));
	assert_true(rejected(program(h, 0, 0, 4 * MB256, 8, 0, 0, 0)));
	/* 2 ways x 512 MiB of volatile DPA from DPA 0. */
	assert_true(committed(program(h, 0, 0, 4 * MB256, 1, 0, 0, 0)));
	assert_int_equal(cxlemu_hdm_decoder(h, 0, &d), 0);
	assert_int_equal(d.dpa_base, 0);
	/* The next one would cross from volatile into persistent. */
	assert_true(rejected(program(h, 1, GB, 3 * MB256, 0, 0, 0, 0)));
	/* With a skip of 512 MiB it starts at the persistent partition. */
	assert_true(committed(program(h, 1, GB, 2 * GB, 0, 0, 2 * MB256, 0)));
	assert_int_equal(cxlemu_hdm_decoder(h, 1, &d), 0);
	assert_int_equal(d.dpa_skip, 2 * MB256);
	assert_int_equal(d.dpa_base, GB);
	/* Capacity is 3 GiB: nothing more fits. */
	assert_true(rejected(program(h, 2, 3 * GB, MB256, 0, 0, 0, 0)));
	/* DPA skip low keeps bits 31:28 only. */
	wr(h, D(2, TL_LO), 0x1fffffff);
	assert_int_equal(rd(h, D(2, TL_LO)), 0x10000000);
	/* A skip beyond the capacity. */
	assert_true(rejected(program(h, 2, 3 * GB, 0, 0, 0, UINT64_C(1) << 40, 0)));
	/* Regression (review): a skip that would wrap the DPA onto decoder 0's
	 * range (0xFFFFFFFFF0000000 + 3 GiB wraps to 2.75 GiB). */
	assert_true(rejected(program(h, 2, 3 * GB, MB256, 0, 0, UINT64_C(0xFFFFFFFFF0000000), 0)));
	cxlemu_hdm_free(h);
	/* No capacity at all. */
	{
		struct cxlemu_hdm_config cfg;

		memset(&cfg, 0, sizeof(cfg));
		cfg.version = CXLEMU_HDM_CONFIG_VERSION;
		cfg.kind = CXLEMU_HDM_ENDPOINT;
		cfg.decoders = 1;
		cfg.caps = ALLCAPS;
		assert_int_equal(cxlemu_hdm_new(NULL, &cfg, &h), 0);
		assert_true(rejected(program(h, 0, 0, MB256, 0, 0, 0, 0)));
		cxlemu_hdm_free(h);
	}
}

static void test_lock_and_reset(void **state)
{
	struct cxlemu_hdm *h = mk(CXLEMU_HDM_SWITCH, 2, 2, ALLCAPS);
	struct cxlemu_hdm_decoder d;
	unsigned int before;

	(void)state;
	assert_true(committed(program(h, 0, 8 * GB, GB, 1, 0, 0x0302, C_LOCK)));
	assert_int_equal(cxlemu_hdm_decoder(h, 0, &d), 0);
	assert_true(d.locked);
	/* Locked: no uncommit, no register change. */
	wr(h, D(0, CTRL), 0);
	wr(h, D(0, BASE_HI), 0);
	assert_int_equal(cxlemu_hdm_write(h, D(0, BASE_LO), 8, 0), 0);
	assert_int_equal(cxlemu_hdm_decoder(h, 0, &d), 0);
	assert_true(d.committed && d.locked);
	assert_int_equal(d.base, 8 * GB);
	/* Reset returns everything to its reset value and says so. */
	wr(h, 4, 2);
	before = changes;
	cxlemu_hdm_reset(h);
	assert_int_equal(changes, before + 1);
	assert_int_equal(rd(h, 4), 0);
	assert_int_equal(rd(h, D(0, CTRL)), 0);
	assert_int_equal(rd(h, D(0, BASE_HI)), 0);
	assert_true(committed(program(h, 0, 0, GB, 0, 0, 0x03, 0)));
	/* Reset with nothing committed is not a change. */
	wr(h, D(0, CTRL), 0);
	before = changes;
	cxlemu_hdm_reset(h);
	assert_int_equal(changes, before);
	cxlemu_hdm_free(h);
}

static void test_wide_writes(void **state)
{
	struct cxlemu_hdm *h = mk(CXLEMU_HDM_SWITCH, 1, 4, ALLCAPS);

	(void)state;
	assert_int_equal(cxlemu_hdm_write(h, D(0, BASE_LO), 8, 2 * GB), 0);
	assert_int_equal(cxlemu_hdm_write(h, D(0, SIZE_LO), 8, GB), 0);
	/* Control and target list low in one access: the commit sees the
	 * targets written with it. */
	assert_int_equal(cxlemu_hdm_write(h, D(0, CTRL), 8,
					  (uint64_t)0x0305 << 32 | 1u << 4 | C_COMMIT), 0);
	assert_true(committed(rd(h, D(0, CTRL))));
	assert_int_equal(rd(h, D(0, TL_LO)), 0x0305);
	/* Uncommit and retarget in one access. */
	assert_int_equal(cxlemu_hdm_write(h, D(0, CTRL), 8, (uint64_t)0x0702 << 32), 0);
	assert_int_equal(rd(h, D(0, CTRL)) & C_COMMITTED, 0);
	assert_int_equal(rd(h, D(0, TL_LO)), 0x0702);
	cxlemu_hdm_free(h);
}

static void test_bad_configs(void **state)
{
	struct cxlemu_hdm_config cfg;
	struct cxlemu_hdm *h;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = CXLEMU_HDM_CONFIG_VERSION;
	cfg.kind = CXLEMU_HDM_SWITCH;
	cfg.decoders = 4;
	cfg.targets = 4;
	assert_int_equal(cxlemu_hdm_new(NULL, &cfg, &h), 0);
	cxlemu_hdm_free(h);
	assert_int_equal(cxlemu_hdm_new(NULL, &cfg, NULL), -EINVAL);
	assert_int_equal(cxlemu_hdm_new(NULL, NULL, &h), -EINVAL);
#define BAD(stmt) do { struct cxlemu_hdm_config c = cfg; stmt; \
		assert_int_equal(cxlemu_hdm_new(NULL, &c, &h), -EINVAL); assert_null(h); } while (0)
	BAD(c.version = 2);
	BAD(c.kind = 0);
	BAD(c.kind = 4);
	BAD(c.decoders = 0);
	BAD(c.decoders = 3);
	BAD(c.decoders = 33);
	BAD(c.targets = 3);
	BAD(c.targets = 16);
	BAD(c.nports = 257);
	BAD(c.caps = 1u << 9);
	BAD(c.kind = CXLEMU_HDM_ENDPOINT; c.npartitions = 9);
	BAD(c.kind = CXLEMU_HDM_ENDPOINT; c.npartitions = 1; c.partition_size[0] = 4096);
#undef BAD
}

/* Committed decoders form a prefix, in increasing order, each valid. */
static void check_invariants(struct cxlemu_hdm *h, bool endpoint)
{
	struct cxlemu_hdm_decoder d, prev;
	unsigned int n, ncommitted = 0;
	uint64_t dpa_end = 0;

	for (n = 0; n < cxlemu_hdm_count(h); n++) {
		assert_int_equal(cxlemu_hdm_decoder(h, n, &d), 0);
		assert_false(d.committed && d.error);
		if (!d.committed)
			continue;
		assert_int_equal(ncommitted, n);
		ncommitted++;
		assert_true(d.ways > 0 && d.gran > 0);
		assert_true(d.base + d.size <= CXLEMU_ADDR_LIMIT);
		if (n > 0)
			assert_true(d.base >= prev.base + prev.size);
		if (endpoint) {
			assert_int_equal(d.size % (d.ways * MB256), 0);
			assert_true(d.dpa_base >= dpa_end);
			dpa_end = d.dpa_base + d.size / d.ways;
			assert_true(dpa_end <= 3 * GB);
			/* Inside one partition: [0, 1G) or [1G, 3G). */
			assert_true(d.size == 0 || (d.dpa_base < GB) == (dpa_end <= GB));
		} else {
			unsigned int i;

			assert_true(d.ways <= 4);
			for (i = 0; i < d.ways; i++)
				assert_true(d.targets[i] == 2 || d.targets[i] == 3 ||
					    d.targets[i] == 5 || d.targets[i] == 7);
		}
		prev = d;
	}
}

/* Random register traffic, garbage values and widths, resets. */
static void test_random_sequences(void **state)
{
	struct rng r = { seed };
	unsigned int round, i, committed_seen = 0;

	(void)state;
	for (round = 0; round < 400; round++) {
		bool ep = round & 1;
		struct cxlemu_hdm *h = mk(ep ? CXLEMU_HDM_ENDPOINT : CXLEMU_HDM_SWITCH,
					  8, 4, (uint32_t)rng_below(&r, 16));

		for (i = 0; i < 400; i++) {
			unsigned int n = (unsigned int)rng_below(&r, 9);
			uint32_t off = (uint32_t)rng_below(&r, CXLEMU_HDM_SIZE(8) + 8) & ~3u;
			unsigned int width = rng_below(&r, 4) ? 4 : 8;
			uint64_t v = rng_next(&r);

			switch (rng_below(&r, 8)) {
			case 0:
				/* A plausible decoder program. */
				v = rng_below(&r, 16) * MB256;
				program(h, n % 8, v, rng_below(&r, 8) * MB256,
					legal_eiw[rng_below(&r, 8)],
					(unsigned int)rng_below(&r, 8),
					rng_below(&r, 2) ? 0x07050302 : rng_next(&r) & 0x3000000003ULL,
					rng_below(&r, 4) ? 0 : C_LOCK);
				break;
			case 1:
				if (rng_below(&r, 20) == 0)
					cxlemu_hdm_reset(h);
				break;
			default: {
				int rc = cxlemu_hdm_write(h, off, width, v);

				assert_true(rc == 0 || rc == -EINVAL);
				if (rc == 0) {
					uint64_t back;

					assert_int_equal(cxlemu_hdm_read(h, off, width, &back), 0);
				}
			}
			}
			check_invariants(h, ep);
		}
		for (i = 0; i < 8; i++) {
			struct cxlemu_hdm_decoder d;

			cxlemu_hdm_decoder(h, i, &d);
			committed_seen += d.committed;
		}
		cxlemu_hdm_free(h);
	}
	/* The traffic must reach committed states, not only rejections. */
	assert_true(committed_seen > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capability_and_access),
		cmocka_unit_test(test_commit_switch),
		cmocka_unit_test(test_commit_rejections),
		cmocka_unit_test(test_commit_endpoint),
		cmocka_unit_test(test_lock_and_reset),
		cmocka_unit_test(test_wide_writes),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_random_sequences),
	};

	seed = test_seed(0x4D4);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
