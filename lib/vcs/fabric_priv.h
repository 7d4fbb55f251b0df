/* SPDX-License-Identifier: MIT */
/*
 * Private parts of the fabric protocol's two ends (fabric_owner.c,
 * fabric_host.c): one buffered, non-blocking connection and what both ends
 * do with it the same way (framing, ERROR, PING and the timeout).
 */
#ifndef CXLEMU_FABRIC_PRIV_H
#define CXLEMU_FABRIC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/fabric.h>

#include "../internal.h"

/* Output a connection buffers before its peer counts as dead. */
#define FAB_OUT_MAX 65536u
/* Messages handled per connection per service call (a peer flooding us
 * cannot keep the loop to itself; the deadline says "now" meanwhile). */
#define FAB_MSGS_PER_SERVICE 1024u
#define FAB_DEFAULT_INTERVAL_MS 1000u
#define FAB_DEFAULT_TIMEOUT_MS 5000u

struct fab_conn {
	int fd;               /* -1 once closed */
	int err;              /* 0 while alive; why it ended (negative errno) */
	bool more;            /* input may hold complete messages not handled */
	uint8_t in[CXLEMU_FABRIC_MAX_MSG];
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_cap;
	uint64_t last_rx;     /* clock of the last message received */
	bool pinged;          /* a PING went out since the last message */
	uint64_t last_ping;   /* clock of that PING */
	uint64_t token;       /* of the next PING */
	uint64_t interval, timeout; /* ns */
};

void fab_conn_init(struct fab_conn *c, int fd, uint64_t now, uint32_t interval_ms,
		   uint32_t timeout_ms);
/* Flushes what it can (best effort) and closes; frees the buffers. */
void fab_conn_close(struct fab_conn *c);
/* Queues a message and writes what the socket takes; a failure ends the
 * connection (c->err) and is returned. */
int fab_conn_send(struct fab_conn *c, const struct cxlemu_fabric_msg *m);
int fab_conn_flush(struct fab_conn *c);
/* The next message: 0, -EAGAIN (none complete yet), -ECONNRESET (EOF or
 * socket error), or a cxlemu_fabric_msg_parse() error. */
int fab_conn_next(struct fab_conn *c, struct cxlemu_fabric_msg *m, uint64_t now);
/* A protocol error: sends ERROR (best effort) and ends the connection. */
void fab_conn_fail(struct fab_conn *c, unsigned int code, unsigned int bad_type, int err);
/* The ERROR code of a parse error; the type of the message in the input
 * (0 when the header is unusable). */
unsigned int fab_parse_error_code(int rc);
unsigned int fab_conn_in_type(const struct fab_conn *c);
/* PING after the interval (if @may_ping), ERROR(timeout) after the
 * timeout. */
void fab_conn_timers(struct fab_conn *c, uint64_t now, bool may_ping);
uint64_t fab_conn_deadline(const struct fab_conn *c, bool may_ping);
short fab_conn_events(const struct fab_conn *c);

#endif
