/* SPDX-License-Identifier: MIT */
/*
 * The FM socket client (docs/fm-socket.md): one FM-API request at a time,
 * framed as the server expects, and its response found by tag.  Blocking
 * with a timeout, measured on the system's monotonic clock: this side is
 * for tools, not for the emulator's event loop.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cxlemu/fmsock.h>
#include <cxlemu/mctp.h>

#include "../internal.h"
#include "../le.h"
#include "../usock.h"

/* CCI message header fields (CXL 3.1 7.6.3, Figure 7-19), after the MCTP
 * type byte. */
#define MSG_CAT 1      /* bits 3:0: 0 request, 1 response */
#define MSG_TAG 2
#define MSG_OPCODE 4   /* command, then command set */
#define MSG_LEN 6      /* 3 bytes, bits 20:0 */
#define MSG_RC 9
#define MSG_PAYLOAD (1 + CXLEMU_CCI_MSG_HEADER)

struct cxlemu_fmsock_client {
	struct cxlemu_ctx *ctx;
	int fd;
	uint8_t tag;      /* tag of the last request sent */
	uint16_t opcode;  /* its opcode */
	bool pending;     /* a response is awaited */
	bool broken;      /* the stream lost its framing or the peer left */
};

int cxlemu_fmsock_client_new(struct cxlemu_ctx *ctx, int fd, struct cxlemu_fmsock_client **out)
{
	struct cxlemu_fmsock_client *c;

	if (out)
		*out = NULL;
	if (!out || fd < 0) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (cxlemu_fd_nonblock(fd, false)) {
		close(fd);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->ctx = ctx;
	c->fd = fd;
	c->tag = 0xff;  /* the first request carries tag 0 */
	*out = c;
	return 0;
}

int cxlemu_fmsock_connect(struct cxlemu_ctx *ctx, const char *path,
			  struct cxlemu_fmsock_client **out)
{
	int fd, rc;

	if (out)
		*out = NULL;
	if (!path || !out || !path[0])
		return -EINVAL;
	rc = cxlemu_usock_connect(path, &fd);
	if (rc) {
		cxlemu_dbg(ctx, "fmsock: connect to %s failed (errno %d)", path, -rc);
		return rc;
	}
	return cxlemu_fmsock_client_new(ctx, fd, out);
}

void cxlemu_fmsock_client_free(struct cxlemu_fmsock_client *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Deadline of a timeout: UINT64_MAX for none. */
static uint64_t deadline(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX : now_ms() + (uint64_t)timeout_ms;
}

/* Waits until @fd is ready for @events or the deadline passes. */
static int wait_fd(int fd, short events, uint64_t end)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		uint64_t now = now_ms();
		int ms, rc;

		if (end == UINT64_MAX)
			ms = -1;
		else if (now >= end)
			return -ETIMEDOUT;
		else
			ms = end - now > 60000 ? 60000 : (int)(end - now);
		rc = poll(&p, 1, ms);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

static int write_all(struct cxlemu_fmsock_client *c, const uint8_t *b, size_t len,
		     uint64_t end)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, b + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		int rc;

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == EPIPE || errno == ECONNRESET ? -EPIPE : -errno;
		rc = wait_fd(c->fd, POLLOUT, end);
		if (rc)
			return rc;
	}
	return 0;
}

/* Reads exactly @len bytes; -EPIPE when the peer closed first.  *got says
 * how many came (some may have come before a timeout). */
static int read_all(struct cxlemu_fmsock_client *c, uint8_t *b, size_t len, uint64_t end,
		    size_t *got)
{
	size_t off = 0;

	*got = 0;
	while (off < len) {
		ssize_t n = recv(c->fd, b + off, len - off, MSG_DONTWAIT);
		int rc;

		if (n > 0) {
			off += (size_t)n;
			*got = off;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == ECONNRESET ? -EPIPE : -errno;
		rc = wait_fd(c->fd, POLLIN, end);
		if (rc)
			return rc;
	}
	return 0;
}

static int client_send(struct cxlemu_fmsock_client *c, uint16_t opcode, const void *in,
		       size_t in_len, uint64_t end)
{
	size_t body = MSG_PAYLOAD + in_len;
	uint8_t *f;
	int rc;

	if (!c || (in_len && !in) || in_len > CXLEMU_MBOX_MAX_PAYLOAD)
		return -EINVAL;
	if (c->broken)
		return -EPIPE;
	f = calloc(1, CXLEMU_FMSOCK_FRAME_HDR + body);
	if (!f)
		return -ENOMEM;
	c->tag++;
	put_le(f, body, CXLEMU_FMSOCK_FRAME_HDR);
	f[4] = CXLEMU_MCTP_TYPE_FM_API;
	f[4 + MSG_CAT] = 0;  /* request */
	f[4 + MSG_TAG] = c->tag;
	put_le(f + 4 + MSG_OPCODE, opcode, 2);
	put_le(f + 4 + MSG_LEN, in_len, 3);
	if (in_len)
		memcpy(f + 4 + MSG_PAYLOAD, in, in_len);
	rc = write_all(c, f, CXLEMU_FMSOCK_FRAME_HDR + body, end);
	free(f);
	if (rc) {
		/* Part of a frame may have gone out: the stream is lost. */
		c->broken = true;
		c->pending = false;
		return rc;
	}
	c->opcode = opcode;
	c->pending = true;
	return 0;
}

int cxlemu_fmsock_client_send(struct cxlemu_fmsock_client *c, uint16_t opcode, const void *in,
			      size_t in_len, int timeout_ms)
{
	return client_send(c, opcode, in, in_len, deadline(timeout_ms));
}

/* The stream can no longer be trusted: nothing more is sent or read. */
static int broken(struct cxlemu_fmsock_client *c, int rc, const char *why)
{
	cxlemu_dbg(c->ctx, "fmsock: connection lost: %s", why);
	c->broken = true;
	c->pending = false;
	return rc;
}

static int client_recv(struct cxlemu_fmsock_client *c, void *out, size_t out_cap,
		       size_t *out_len, uint64_t end)
{
	if (!c || !out_len || (out_cap && !out))
		return -EINVAL;
	*out_len = 0;
	if (c->broken)
		return -EPIPE;
	if (!c->pending)
		return -EINVAL;
	for (;;) {
		uint8_t hdr[CXLEMU_FMSOCK_FRAME_HDR], *m;
		size_t len, plen, got;
		int rc;

		/* The deadline holds even while stale responses keep coming. */
		if (now_ms() >= end)
			return -ETIMEDOUT;
		rc = read_all(c, hdr, sizeof(hdr), end, &got);
		if (rc == -ETIMEDOUT && !got)
			return rc;  /* nothing of a frame was lost: wait again later */
		if (rc)
			return broken(c, rc, "reading a frame");
		len = (size_t)get_le(hdr, CXLEMU_FMSOCK_FRAME_HDR);
		if (len < MSG_PAYLOAD || len > CXLEMU_FMSOCK_MAX_MSG)
			return broken(c, -EBADMSG, "bad frame length");
		m = malloc(len);
		if (!m)
			return broken(c, -ENOMEM, "out of memory");
		rc = read_all(c, m, len, end, &got);
		if (rc) {
			free(m);
			return broken(c, rc, "reading a frame");
		}
		plen = (size_t)get_le(m + MSG_LEN, 3) & 0x1fffffu;
		if (m[0] != CXLEMU_MCTP_TYPE_FM_API || (m[MSG_CAT] & 0x0f) != 1 ||
		    plen != len - MSG_PAYLOAD) {
			free(m);
			return broken(c, -EBADMSG, "not an FM-API response");
		}
		if (m[MSG_TAG] != c->tag) {
			/* A late answer to an earlier request that timed out. */
			cxlemu_dbg(c->ctx, "fmsock: response with tag %u skipped (waiting for %u)",
				   m[MSG_TAG], c->tag);
			free(m);
			continue;
		}
		if (get_le(m + MSG_OPCODE, 2) != c->opcode) {
			free(m);
			return broken(c, -EBADMSG, "response to another command");
		}
		c->pending = false;
		rc = (int)get_le(m + MSG_RC, 2);
		if (plen > out_cap) {
			free(m);
			return -EMSGSIZE;
		}
		if (plen)
			memcpy(out, m + MSG_PAYLOAD, plen);
		*out_len = plen;
		free(m);
		return rc;
	}
}

int cxlemu_fmsock_client_recv(struct cxlemu_fmsock_client *c, void *out, size_t out_cap,
			      size_t *out_len, int timeout_ms)
{
	return client_recv(c, out, out_cap, out_len, deadline(timeout_ms));
}

int cxlemu_fmsock_request(struct cxlemu_fmsock_client *c, uint16_t opcode, const void *in,
			  size_t in_len, void *out, size_t out_cap, size_t *out_len,
			  int timeout_ms)
{
	uint64_t end = deadline(timeout_ms);
	int rc;

	if (out_len)
		*out_len = 0;
	rc = client_send(c, opcode, in, in_len, end);
	return rc ? rc : client_recv(c, out, out_cap, out_len, end);
}
