/* SPDX-License-Identifier: MIT */
/*
 * Publication of route tables: an atomic pointer swap for the writer, one
 * acquire load for readers, and reclamation of old tables once no reader can
 * hold them.
 *
 * Built-in reclamation is quiescent-state based (QSBR).  A global epoch
 * counts publications.  Each registered reader records, at its quiescent
 * points, the epoch it has seen (0 while offline).  A table retired at epoch
 * e (the epoch after its replacement was swapped in) is freed once every
 * online reader has recorded an epoch >= e: such a reader loaded the epoch
 * after the swap, so every table pointer it loads from then on is the new
 * one, and it promised to hold no pointer from before its quiescent point.
 */
#include <pthread.h>
#include <stdlib.h>

#include "../internal.h"

#include <cxlemu/route.h>

struct retired {
	struct retired *next;
	struct cxlemu_route_table *table;
	uint64_t epoch;
};

struct cxlemu_route_reader {
	uint64_t seen; /* atomic: epoch at the last quiescent point, 0 offline */
	struct cxlemu_route_pub *pub;
	struct cxlemu_route_reader *next;
	char pad[64 - 3 * sizeof(void *)]; /* one cache line per reader */
};

struct cxlemu_route_pub_state {
	struct cxlemu_ctx *ctx;
	cxlemu_route_retire_fn retire;
	void *opaque;
	uint64_t epoch; /* atomic */
	pthread_mutex_t lock; /* protects readers and the retired list */
	struct cxlemu_route_reader *readers;
	struct retired *retired;
	unsigned int nretired;
};

int cxlemu_route_pub_new(struct cxlemu_ctx *ctx, cxlemu_route_retire_fn retire,
			 void *opaque, struct cxlemu_route_pub **out)
{
	struct cxlemu_route_pub *p;
	struct cxlemu_route_pub_state *st;

	if (!out)
		return -EINVAL;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	st = calloc(1, sizeof(*st));
	if (!p || !st || pthread_mutex_init(&st->lock, NULL)) {
		free(p);
		free(st);
		return -ENOMEM;
	}
	st->ctx = ctx;
	st->retire = retire;
	st->opaque = opaque;
	st->epoch = 1;
	p->state = st;
	*out = p;
	return 0;
}

void cxlemu_route_pub_free(struct cxlemu_route_pub *p)
{
	struct retired *r, *next;

	if (!p)
		return;
	for (r = p->state->retired; r; r = next) {
		next = r->next;
		cxlemu_route_table_free(r->table);
		free(r);
	}
	if (p->state->readers)
		cxlemu_warn(p->state->ctx, "route publication freed with readers still registered");
	cxlemu_route_table_free(p->table);
	pthread_mutex_destroy(&p->state->lock);
	free(p->state);
	free(p);
}

unsigned int cxlemu_route_pub_reclaim(struct cxlemu_route_pub *p)
{
	struct cxlemu_route_pub_state *st;
	struct cxlemu_route_reader *rd;
	struct retired **pp, *r;
	uint64_t min = UINT64_MAX, seen;
	unsigned int left;

	if (!p)
		return 0;
	st = p->state;
	pthread_mutex_lock(&st->lock);
	/* Pairs with the fences in online() and quiescent(). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (rd = st->readers; rd; rd = rd->next) {
		seen = __atomic_load_n(&rd->seen, __ATOMIC_ACQUIRE);
		if (seen && seen < min)
			min = seen;
	}
	for (pp = &st->retired; (r = *pp);) {
		if (r->epoch <= min) {
			*pp = r->next;
			cxlemu_route_table_free(r->table);
			free(r);
			st->nretired--;
		} else {
			pp = &r->next;
		}
	}
	left = st->nretired;
	pthread_mutex_unlock(&st->lock);
	return left;
}

int cxlemu_route_pub_set(struct cxlemu_route_pub *p, struct cxlemu_route_table *t)
{
	struct cxlemu_route_pub_state *st;
	struct cxlemu_route_table *old;
	struct retired *r;
	uint64_t e;

	if (!p)
		return -EINVAL;
	st = p->state;
	/* Allocate first: a failure must not lose the old table. */
	r = st->retire ? NULL : malloc(sizeof(*r));
	if (!st->retire && !r)
		return -ENOMEM;
	old = __atomic_exchange_n(&p->table, t, __ATOMIC_SEQ_CST);
	e = __atomic_add_fetch(&st->epoch, 1, __ATOMIC_SEQ_CST);
	if (st->retire) {
		if (old)
			st->retire(st->opaque, old);
		return 0;
	}
	if (!old) {
		free(r);
		return 0;
	}
	r->table = old;
	r->epoch = e;
	pthread_mutex_lock(&st->lock);
	r->next = st->retired;
	st->retired = r;
	st->nretired++;
	pthread_mutex_unlock(&st->lock);
	cxlemu_route_pub_reclaim(p);
	return 0;
}

int cxlemu_route_reader_register(struct cxlemu_route_pub *p,
				 struct cxlemu_route_reader **out)
{
	struct cxlemu_route_reader *r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!p || p->state->retire) {
		cxlemu_err(p ? p->state->ctx : NULL,
			   "route readers need the built-in reclamation");
		return -EINVAL;
	}
	r = aligned_alloc(64, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->pub = p;
	pthread_mutex_lock(&p->state->lock);
	r->next = p->state->readers;
	p->state->readers = r;
	__atomic_store_n(&r->seen, __atomic_load_n(&p->state->epoch, __ATOMIC_SEQ_CST),
			 __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&p->state->lock);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*out = r;
	return 0;
}

void cxlemu_route_reader_unregister(struct cxlemu_route_reader *r)
{
	struct cxlemu_route_reader **pp;
	struct cxlemu_route_pub_state *st;

	if (!r)
		return;
	st = r->pub->state;
	pthread_mutex_lock(&st->lock);
	for (pp = &st->readers; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	free(r);
}

void cxlemu_route_reader_quiescent(struct cxlemu_route_reader *r)
{
	uint64_t e;

	/* From offline this is coming online, which needs its fence. */
	if (__atomic_load_n(&r->seen, __ATOMIC_RELAXED) == 0) {
		cxlemu_route_reader_online(r);
		return;
	}
	e = __atomic_load_n(&r->pub->state->epoch, __ATOMIC_SEQ_CST);
	__atomic_store_n(&r->seen, e, __ATOMIC_RELEASE);
}

void cxlemu_route_reader_offline(struct cxlemu_route_reader *r)
{
	__atomic_store_n(&r->seen, 0, __ATOMIC_RELEASE);
}

void cxlemu_route_reader_online(struct cxlemu_route_reader *r)
{
	uint64_t e = __atomic_load_n(&r->pub->state->epoch, __ATOMIC_SEQ_CST);

	__atomic_store_n(&r->seen, e, __ATOMIC_SEQ_CST);
	/* The store must be visible before this reader loads a table. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
