/* SPDX-License-Identifier: MIT */
/*
 * One end of a fabric protocol connection (docs/fabric-protocol.md): a
 * non-blocking Unix stream socket with an input buffer of one message and
 * an output queue, the ERROR-then-close rule, PING and the timeout; and
 * cxlemu_fabric_listen/connect (over lib/usock.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fabric_priv.h"
#include "../le.h"
#include "../usock.h"

int cxlemu_fabric_listen(const char *path, int *fd)
{
	return cxlemu_usock_listen(path, fd);
}

int cxlemu_fabric_connect(const char *path, int *fd)
{
	int s, rc = cxlemu_usock_connect(path, &s);

	if (rc)
		return rc;
	rc = cxlemu_fd_nonblock(s, false);
	if (rc) {
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}

void fab_conn_init(struct fab_conn *c, int fd, uint64_t now, uint32_t interval_ms,
		   uint32_t timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->last_rx = now;
	c->interval = (uint64_t)(interval_ms ? interval_ms : FAB_DEFAULT_INTERVAL_MS) * 1000000u;
	c->timeout = (uint64_t)(timeout_ms ? timeout_ms : FAB_DEFAULT_TIMEOUT_MS) * 1000000u;
}

int fab_conn_flush(struct fab_conn *c)
{
	size_t off = 0;

	while (c->fd >= 0 && off < c->out_len) {
		ssize_t n = send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (!c->err)
			c->err = -ECONNRESET;
		c->out_len = off = 0;
		break;
	}
	if (off) {
		memmove(c->out, c->out + off, c->out_len - off);
		c->out_len -= off;
	}
	return c->err;
}

void fab_conn_close(struct fab_conn *c)
{
	if (c->fd >= 0) {
		fab_conn_flush(c);
		close(c->fd);
		c->fd = -1;
	}
	if (!c->err)
		c->err = -ECONNRESET;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_cap = 0;
}

int fab_conn_send(struct fab_conn *c, const struct cxlemu_fabric_msg *m)
{
	uint8_t buf[CXLEMU_FABRIC_MAX_MSG];
	size_t len;
	int rc;

	if (c->fd < 0)
		return c->err ? c->err : -ENOTCONN;
	rc = cxlemu_fabric_msg_encode(m, buf, sizeof(buf), &len);
	if (rc)
		return rc;
	if (c->out_len + len > FAB_OUT_MAX) {
		/* The peer stopped reading: treat it as gone. */
		if (!c->err)
			c->err = -ENOBUFS;
		return -ENOBUFS;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap * 2 : 4096;
		uint8_t *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			if (!c->err)
				c->err = -ENOMEM;
			return -ENOMEM;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	fab_conn_flush(c);
	return 0;
}

int fab_conn_next(struct fab_conn *c, struct cxlemu_fabric_msg *m, uint64_t now)
{
	for (;;) {
		size_t used = 0;
		ssize_t n;
		int rc = cxlemu_fabric_msg_parse(c->in, c->in_len, m, &used);

		if (rc == 0) {
			memmove(c->in, c->in + used, c->in_len - used);
			c->in_len -= used;
			c->last_rx = now;
			c->pinged = false;
			return 0;
		}
		if (rc != -EAGAIN)
			return rc;
		if (c->fd < 0)
			return -ECONNRESET;
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -EAGAIN;
		return -ECONNRESET;
	}
}

void fab_conn_fail(struct fab_conn *c, unsigned int code, unsigned int bad_type, int err)
{
	struct cxlemu_fabric_msg m;

	if (c->err)
		return;
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_ERROR;
	m.code = (uint16_t)code;
	m.bad_type = (uint16_t)bad_type;
	fab_conn_send(c, &m);
	c->err = err;
}

unsigned int fab_parse_error_code(int rc)
{
	switch (rc) {
	case -EPROTONOSUPPORT:
		return CXLEMU_FABRIC_ERR_VERSION;
	case -ENOMSG:
		return CXLEMU_FABRIC_ERR_TYPE;
	case -EINVAL:
		return CXLEMU_FABRIC_ERR_FIELD;
	default:
		return CXLEMU_FABRIC_ERR_FRAMING;
	}
}

unsigned int fab_conn_in_type(const struct fab_conn *c)
{
	if (c->in_len < CXLEMU_FABRIC_HDR_SIZE || get_le(c->in, 4) != CXLEMU_FABRIC_MAGIC)
		return 0;
	return (unsigned int)get_le(c->in + 6, 2);
}

void fab_conn_timers(struct fab_conn *c, uint64_t now, bool may_ping)
{
	uint64_t quiet = now > c->last_rx ? now - c->last_rx : 0;
	struct cxlemu_fabric_msg m;

	if (c->err)
		return;
	if (quiet >= c->timeout) {
		fab_conn_fail(c, CXLEMU_FABRIC_ERR_TIMEOUT, 0, -ETIMEDOUT);
		return;
	}
	if (may_ping && quiet >= c->interval && (!c->pinged || now - c->last_ping >= c->interval)) {
		memset(&m, 0, sizeof(m));
		m.type = CXLEMU_FABRIC_PING;
		m.token = ++c->token;
		fab_conn_send(c, &m);
		c->last_ping = now;
		c->pinged = true;
	}
}

uint64_t fab_conn_deadline(const struct fab_conn *c, bool may_ping)
{
	uint64_t t;

	if (c->err || c->more)
		return 0;
	t = c->last_rx + c->timeout;
	if (!may_ping)
		return t;
	if (c->pinged) {
		if (c->last_ping + c->interval < t)
			t = c->last_ping + c->interval;
	} else if (c->last_rx + c->interval < t) {
		t = c->last_rx + c->interval;
	}
	return t;
}

short fab_conn_events(const struct fab_conn *c)
{
	return (short)(POLLIN | (c->out_len ? POLLOUT : 0));
}
