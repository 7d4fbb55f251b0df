/* SPDX-License-Identifier: MIT */
/* Publication of route tables: atomic swaps, QSBR and host retire hooks. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "testutil.h"

#define MB256 (UINT64_C(256) << 20)
#define VSTRIDE (UINT64_C(1) << 36)

static uint64_t seed;

/*
 * Version v of a 4-way fabric: endpoint ids are v * 16 + position and every
 * DPA lies in [v * 2^36, (v + 1) * 2^36), so a reader can tell whether one
 * answer came whole from one table.
 */
static struct cxlemu_route_table *make_version(uint32_t v)
{
	static struct fab f;
	struct cxlemu_route_table *t;
	struct cxlemu_route_decoder *d;
	uint32_t hb, ep[4], i;

	fab_init(&f, 16 * MB256, 4 * MB256, 0, 0);
	for (i = 0; i < 4; i++) {
		ep[i] = fab_node(&f, CXLEMU_NODE_ENDPOINT, v * 16 + i, CXLEMU_NO_NODE);
		d = fab_decoder(&f, ep[i], f.w.base, f.w.size, 2, 0);
		d->dpa_base = v * VSTRIDE;
	}
	hb = fab_node(&f, CXLEMU_NODE_SWITCH, 99, CXLEMU_NO_NODE);
	d = fab_decoder(&f, hb, f.w.base, f.w.size, 2, 0);
	for (i = 0; i < 4; i++)
		d->targets[i] = ep[i];
	f.w.targets[0] = hb;
	if (cxlemu_route_table_build(NULL, &f.w, f.nodes, f.nnodes, &t))
		return NULL;
	return t;
}

static void test_reclaim_waits_for_readers(void **state)
{
	struct cxlemu_route_pub *p;
	struct cxlemu_route_reader *r1, *r2;
	const struct cxlemu_route_table *held;
	uint64_t dpa;
	uint32_t ep;

	(void)state;
	assert_int_equal(cxlemu_route_pub_new(NULL, NULL, NULL, &p), 0);
	assert_null(cxlemu_route_pub_get(p));
	assert_int_equal(cxlemu_route_reader_register(p, &r1), 0);
	assert_int_equal(cxlemu_route_reader_register(p, &r2), 0);
	assert_int_equal(cxlemu_route_pub_set(p, make_version(1)), 0);
	held = cxlemu_route_pub_get(p);
	assert_non_null(held);
	/* Replacing it: r1 and r2 may still hold version 1. */
	assert_int_equal(cxlemu_route_pub_set(p, make_version(2)), 0);
	assert_int_equal(cxlemu_route_pub_reclaim(p), 1);
	assert_int_equal(cxlemu_route(held, 16 * MB256, &ep, &dpa), 0);
	assert_int_equal(ep, 16);
	cxlemu_route_reader_quiescent(r1);
	assert_int_equal(cxlemu_route_pub_reclaim(p), 1);
	/* An offline reader is not waited for. */
	cxlemu_route_reader_offline(r2);
	assert_int_equal(cxlemu_route_pub_reclaim(p), 0);
	cxlemu_route_reader_online(r2);
	assert_int_equal(cxlemu_route(cxlemu_route_pub_get(p), 16 * MB256, &ep, &dpa), 0);
	assert_int_equal(ep, 32);
	/* Unmapping the window publishes NULL and retires version 2. */
	assert_int_equal(cxlemu_route_pub_set(p, NULL), 0);
	assert_null(cxlemu_route_pub_get(p));
	assert_int_equal(cxlemu_route_pub_reclaim(p), 1);
	cxlemu_route_reader_quiescent(r1);
	cxlemu_route_reader_quiescent(r2);
	assert_int_equal(cxlemu_route_pub_reclaim(p), 0);
	cxlemu_route_reader_unregister(r1);
	cxlemu_route_reader_unregister(r2);
	assert_int_equal(cxlemu_route_pub_set(p, make_version(3)), 0);
	cxlemu_route_pub_free(p);
	assert_int_equal(cxlemu_route_pub_set(NULL, NULL), -EINVAL);
	assert_int_equal(cxlemu_route_pub_new(NULL, NULL, NULL, NULL), -EINVAL);
}

/* Regression (review): quiescent() on an offline reader brings it online
 * with the ordering online() has, so reclamation waits for it again. */
static void test_quiescent_from_offline(void **state)
{
	struct cxlemu_route_pub *p;
	struct cxlemu_route_reader *r;

	(void)state;
	assert_int_equal(cxlemu_route_pub_new(NULL, NULL, NULL, &p), 0);
	assert_int_equal(cxlemu_route_reader_register(p, &r), 0);
	assert_int_equal(cxlemu_route_pub_set(p, make_version(1)), 0);
	cxlemu_route_reader_offline(r);
	assert_int_equal(cxlemu_route_pub_set(p, make_version(2)), 0);
	assert_int_equal(cxlemu_route_pub_reclaim(p), 0);
	cxlemu_route_reader_quiescent(r);
	assert_non_null(cxlemu_route_pub_get(p));
	assert_int_equal(cxlemu_route_pub_set(p, make_version(3)), 0);
	assert_int_equal(cxlemu_route_pub_reclaim(p), 1);
	cxlemu_route_reader_quiescent(r);
	assert_int_equal(cxlemu_route_pub_reclaim(p), 0);
	cxlemu_route_reader_unregister(r);
	cxlemu_route_pub_free(p);
}

static unsigned int retired;

static void retire(void *opaque, struct cxlemu_route_table *old)
{
	assert_ptr_equal(opaque, &retired);
	retired++;
	cxlemu_route_table_free(old);
}

static void test_host_retire_callback(void **state)
{
	struct cxlemu_route_pub *p;
	struct cxlemu_route_reader *r;
	unsigned int i;

	(void)state;
	assert_int_equal(cxlemu_route_pub_new(NULL, retire, &retired, &p), 0);
	/* The host reclaims: no QSBR readers. */
	assert_int_equal(cxlemu_route_reader_register(p, &r), -EINVAL);
	for (i = 1; i <= 10; i++)
		assert_int_equal(cxlemu_route_pub_set(p, make_version(i)), 0);
	assert_int_equal(retired, 9);
	assert_int_equal(cxlemu_route_pub_reclaim(p), 0);
	cxlemu_route_pub_free(p);
}

struct reader_arg {
	struct cxlemu_route_pub *pub;
	volatile int *stop;
	uint64_t seed;
	uint64_t lookups, versions_seen, last_version;
	int bad;
};

static void *reader(void *opaque)
{
	struct reader_arg *a = opaque;
	struct cxlemu_route_reader *r;
	struct rng rng = { a->seed };
	uint64_t n = 0;

	if (cxlemu_route_reader_register(a->pub, &r)) {
		a->bad = 1;
		return NULL;
	}
	while (!__atomic_load_n(a->stop, __ATOMIC_RELAXED)) {
		const struct cxlemu_route_table *t = cxlemu_route_pub_get(a->pub);
		uint64_t off, dpa, v;
		uint32_t ep;
		unsigned int pos;

		if (!t) {
			cxlemu_route_reader_quiescent(r);
			continue;
		}
		off = rng_below(&rng, 4 * MB256);
		if (cxlemu_route(t, 16 * MB256 + off, &ep, &dpa)) {
			a->bad = 2;
			break;
		}
		v = ep / 16;
		pos = (unsigned int)(off >> 8 & 3);
		/* The whole answer comes from one version, and it is right. */
		if (ep % 16 != pos || dpa / VSTRIDE != v ||
		    dpa % VSTRIDE != ((off >> 10) << 8 | (off & 0xff))) {
			a->bad = 3;
			break;
		}
		/* Versions only move forward for one reader. */
		if (v < a->last_version) {
			a->bad = 4;
			break;
		}
		if (v != a->last_version)
			__atomic_add_fetch(&a->versions_seen, 1, __ATOMIC_RELAXED);
		a->last_version = v;
		a->lookups++;
		if (++n % 32 == 0)
			cxlemu_route_reader_quiescent(r);
		if (n % 4096 == 0) {
			cxlemu_route_reader_offline(r);
			cxlemu_route_reader_online(r);
		}
	}
	cxlemu_route_reader_offline(r);
	cxlemu_route_reader_unregister(r);
	return NULL;
}

/* Readers route continuously while a writer publishes new tables. */
static void test_concurrent_swaps(void **state)
{
	/* DPA bases v * 2^36 must stay below 2^52. */
	enum { READERS = 3, MAX_VERSIONS = 60000, WANT_SEEN = 100 };
	struct reader_arg args[READERS];
	pthread_t th[READERS];
	struct cxlemu_route_pub *p;
	volatile int stop = 0;
	uint64_t total = 0;
	unsigned int i, v, pending = 0;
	bool enough = false;

	(void)state;
	assert_int_equal(cxlemu_route_pub_new(NULL, NULL, NULL, &p), 0);
	assert_int_equal(cxlemu_route_pub_set(p, make_version(1)), 0);
	for (i = 0; i < READERS; i++) {
		args[i] = (struct reader_arg){ .pub = p, .stop = &stop,
					       .seed = seed + i };
		assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]), 0);
	}
	/* Swap until every reader has met many versions (or a bound). */
	for (v = 2; v <= MAX_VERSIONS && !enough; v++) {
		struct cxlemu_route_table *t = make_version(v);

		assert_non_null(t);
		assert_int_equal(cxlemu_route_pub_set(p, t), 0);
		pending = cxlemu_route_pub_reclaim(p);
		/*
		 * A reader the scheduler keeps off the CPU holds reclamation
		 * back, as QSBR intends; once readers run again the retired
		 * tables must go.  Give them up to 10 s of wall time.
		 */
		if (pending > 256) {
			time_t until = time(NULL) + 10;

			while (pending > 256 && time(NULL) < until) {
				sched_yield();
				pending = cxlemu_route_pub_reclaim(p);
			}
			if (pending > 256)
				fail_msg("%u tables still waiting for readers after 10 s", pending);
		}
		enough = true;
		for (i = 0; i < READERS; i++)
			enough &= __atomic_load_n(&args[i].versions_seen,
						  __ATOMIC_RELAXED) >= WANT_SEEN;
		sched_yield();
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < READERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].bad, 0);
		total += args[i].lookups;
		assert_true(args[i].lookups > 0);
	}
	assert_true(enough);
	/* With every reader gone, everything retired can go. */
	assert_int_equal(cxlemu_route_pub_reclaim(p), 0);
	fprintf(stderr, "# %llu lookups during %u swaps; reader 0 saw %llu versions\n",
		(unsigned long long)total, v - 2,
		(unsigned long long)args[0].versions_seen);
	cxlemu_route_pub_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reclaim_waits_for_readers),
		cmocka_unit_test(test_host_retire_callback),
		cmocka_unit_test(test_quiescent_from_offline),
		cmocka_unit_test(test_concurrent_swaps),
	};

	seed = test_seed(0xFEED);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
