/* SPDX-License-Identifier: MIT */
/*
 * The FM socket server: length-prefixed MCTP message bodies over a stream
 * socket (docs/fm-socket.md), answered by one CCI through the MCTP binding
 * (mctp.c).  Non-blocking throughout: every descriptor is O_NONBLOCK, the
 * caller's event loop says when to look again.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cxlemu/fmsock.h>
#include <cxlemu/mctp.h>

#include "cci_priv.h"
#include "../le.h"
#include "../usock.h"

/* Frames one client gets served per service call, so that a client that
 * keeps sending cannot starve the others (poll reports it again). */
#define FRAMES_PER_TURN 16

struct fms_client {
	int fd;
	/* The frame being read: its length prefix, then its body. */
	uint8_t hdr[CXLEMU_FMSOCK_FRAME_HDR];
	size_t hdr_got;
	uint8_t *msg;
	size_t msg_len, msg_got, msg_cap;  /* msg grows as bytes arrive */
	/* A response being sent (prefix included); no request is read while
	 * one waits, so a client that does not read holds only one. */
	uint8_t *out;
	size_t out_len, out_off;
};

struct cxlemu_fmsock_server {
	struct cxlemu_ctx *ctx;
	struct cxlemu_cci *cci;
	int listen_fd;
	bool accept_stalled; /* accept() ran out of descriptors */
	struct fms_client *cl;
	size_t ncl, capcl;
	uint64_t connections;
	/* One response body at a time: type byte, CCI header, payload. */
	uint8_t *rsp;
	size_t rsp_cap;
};

int cxlemu_fmsock_listen(const char *path, int *fd_out)
{
	if (!fd_out)
		return -EINVAL;
	*fd_out = -1;
	return cxlemu_usock_listen(path, fd_out);
}

int cxlemu_fmsock_server_new(struct cxlemu_ctx *ctx, struct cxlemu_cci *cci, int listen_fd,
			     struct cxlemu_fmsock_server **out)
{
	struct cxlemu_fmsock_server *srv;

	if (out)
		*out = NULL;
	if (!out || !cci || cxlemu_mctp_type(cci) < 0) {
		cxlemu_err(ctx, "fmsock: the CCI served must be an MCTP endpoint");
		if (listen_fd >= 0)
			close(listen_fd);
		return -EINVAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv) {
		srv->rsp_cap = 1 + CXLEMU_CCI_MSG_HEADER + cci->cfg.payload_size;
		srv->rsp = malloc(srv->rsp_cap);
	}
	if (!srv || !srv->rsp) {
		free(srv);
		if (listen_fd >= 0)
			close(listen_fd);
		return -ENOMEM;
	}
	srv->ctx = ctx;
	srv->cci = cci;
	srv->listen_fd = listen_fd;
	*out = srv;
	return 0;
}

static void client_close(struct cxlemu_fmsock_server *srv, size_t i, const char *why)
{
	struct fms_client *c = &srv->cl[i];

	cxlemu_dbg(srv->ctx, "fmsock: client on fd %d closed: %s", c->fd, why);
	close(c->fd);
	free(c->msg);
	free(c->out);
	srv->cl[i] = srv->cl[--srv->ncl];
	srv->accept_stalled = false;  /* a descriptor is free again */
}

void cxlemu_fmsock_server_free(struct cxlemu_fmsock_server *srv)
{
	if (!srv)
		return;
	while (srv->ncl)
		client_close(srv, srv->ncl - 1, "server freed");
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	free(srv->cl);
	free(srv->rsp);
	free(srv);
}

int cxlemu_fmsock_server_add_client(struct cxlemu_fmsock_server *srv, int fd)
{
	struct fms_client *c;

	if (!srv || fd < 0) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (srv->ncl >= CXLEMU_FMSOCK_MAX_CLIENTS) {
		cxlemu_warn(srv->ctx, "fmsock: %zu clients already, one more refused", srv->ncl);
		close(fd);
		return -EMFILE;
	}
	if (cxlemu_fd_nonblock(fd, true)) {
		close(fd);
		return -EINVAL;
	}
	if (srv->ncl == srv->capcl) {
		size_t cap = srv->capcl ? 2 * srv->capcl : 4;
		struct fms_client *n = realloc(srv->cl, cap * sizeof(*n));

		if (!n) {
			close(fd);
			return -ENOMEM;
		}
		srv->cl = n;
		srv->capcl = cap;
	}
	c = &srv->cl[srv->ncl++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	srv->connections++;
	cxlemu_dbg(srv->ctx, "fmsock: client on fd %d connected", fd);
	return 0;
}

size_t cxlemu_fmsock_server_pollfds(const struct cxlemu_fmsock_server *srv,
				    struct pollfd *fds, size_t cap)
{
	size_t n = 0, i;

	if (!srv)
		return 0;
	/* The listening socket is watched while a client can be taken: not
	 * at the client limit, nor after accept() ran out of descriptors
	 * (until a client leaves), so that the caller's loop never spins on
	 * a socket it cannot serve. */
	if (srv->listen_fd >= 0 && srv->ncl < CXLEMU_FMSOCK_MAX_CLIENTS && !srv->accept_stalled) {
		if (fds && n < cap)
			fds[n] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
		n++;
	}
	for (i = 0; i < srv->ncl; i++, n++)
		if (fds && n < cap)
			fds[n] = (struct pollfd){
				.fd = srv->cl[i].fd,
				.events = srv->cl[i].out ? POLLOUT : POLLIN,
			};
	return n;
}

size_t cxlemu_fmsock_server_clients(const struct cxlemu_fmsock_server *srv)
{
	return srv ? srv->ncl : 0;
}

uint64_t cxlemu_fmsock_server_connections(const struct cxlemu_fmsock_server *srv)
{
	return srv ? srv->connections : 0;
}

/* Runs a whole request body through the CCI and queues the framed
 * response; a message the MCTP binding drops gets none.  Returns false
 * when the client must be closed (out of memory). */
static bool handle_frame(struct cxlemu_fmsock_server *srv, struct fms_client *c)
{
	size_t len = 0;
	int rc = cxlemu_mctp_message(srv->cci, c->msg, c->msg_len, srv->rsp, srv->rsp_cap, &len);

	free(c->msg);
	c->msg = NULL;
	c->msg_len = c->msg_got = c->msg_cap = 0;
	c->hdr_got = 0;
	if (rc || !len) {
		cxlemu_dbg(srv->ctx, "fmsock: message on fd %d dropped (%d)", c->fd, rc);
		return true;
	}
	c->out = malloc(CXLEMU_FMSOCK_FRAME_HDR + len);
	if (!c->out)
		return false;
	put_le(c->out, len, CXLEMU_FMSOCK_FRAME_HDR);
	memcpy(c->out + CXLEMU_FMSOCK_FRAME_HDR, srv->rsp, len);
	c->out_len = CXLEMU_FMSOCK_FRAME_HDR + len;
	c->out_off = 0;
	return true;
}

enum step { STEP_MORE, STEP_WAIT, STEP_CLOSE };

/* Sends what remains of the queued response. */
static enum step flush_out(struct fms_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? STEP_WAIT : STEP_CLOSE;
		}
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return STEP_MORE;
}

/* Reads into the length prefix or the body; a frame that is complete is
 * handled.  *frames counts handled frames. */
static enum step read_some(struct cxlemu_fmsock_server *srv, struct fms_client *c,
			   unsigned int *frames, const char **why)
{
	uint8_t *dst;
	size_t want;
	ssize_t n;

	if (c->hdr_got < CXLEMU_FMSOCK_FRAME_HDR) {
		dst = c->hdr + c->hdr_got;
		want = CXLEMU_FMSOCK_FRAME_HDR - c->hdr_got;
	} else {
		/* Memory follows the bytes received, not the length claimed:
		 * a prefix alone does not cost the server a megabyte. */
		if (c->msg_got == c->msg_cap) {
			size_t cap = c->msg_cap ? 2 * c->msg_cap : 4096;
			uint8_t *m;

			if (cap > c->msg_len)
				cap = c->msg_len;
			m = realloc(c->msg, cap);
			if (!m) {
				*why = "out of memory";
				return STEP_CLOSE;
			}
			c->msg = m;
			c->msg_cap = cap;
		}
		dst = c->msg + c->msg_got;
		want = c->msg_cap - c->msg_got;
	}
	n = recv(c->fd, dst, want, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EINTR)
			return STEP_MORE;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return STEP_WAIT;
		*why = "receive error";
		return STEP_CLOSE;
	}
	if (n == 0) {
		*why = c->hdr_got || c->msg_got ? "hung up in the middle of a frame" : "hung up";
		return STEP_CLOSE;
	}
	if (c->hdr_got < CXLEMU_FMSOCK_FRAME_HDR) {
		c->hdr_got += (size_t)n;
		if (c->hdr_got < CXLEMU_FMSOCK_FRAME_HDR)
			return STEP_MORE;
		c->msg_len = (size_t)get_le(c->hdr, CXLEMU_FMSOCK_FRAME_HDR);
		/* A bad length leaves no way to find the next frame. */
		if (!c->msg_len || c->msg_len > CXLEMU_FMSOCK_MAX_MSG) {
			cxlemu_warn(srv->ctx, "fmsock: frame of %zu bytes on fd %d (1..%u)",
				    c->msg_len, c->fd, CXLEMU_FMSOCK_MAX_MSG);
			*why = "bad frame length";
			return STEP_CLOSE;
		}
		c->msg_got = 0;
		return STEP_MORE;
	}
	c->msg_got += (size_t)n;
	if (c->msg_got < c->msg_len)
		return STEP_MORE;
	(*frames)++;
	if (!handle_frame(srv, c)) {
		*why = "out of memory";
		return STEP_CLOSE;
	}
	return STEP_MORE;
}

/* Serves one client as far as it goes without blocking; false when it
 * must be closed. */
static bool serve(struct cxlemu_fmsock_server *srv, struct fms_client *c, const char **why)
{
	unsigned int frames = 0;
	enum step s;

	for (;;) {
		if (c->out) {
			s = flush_out(c);
			if (s == STEP_CLOSE)
				*why = "send error";
			if (s != STEP_MORE)
				return s != STEP_CLOSE;
		}
		if (frames >= FRAMES_PER_TURN)
			return true;
		s = read_some(srv, c, &frames, why);
		if (s != STEP_MORE)
			return s != STEP_CLOSE;
	}
}

static bool ready(const struct pollfd *fds, size_t nfds, int fd)
{
	size_t i;

	if (!fds)
		return true;
	for (i = 0; i < nfds; i++)
		if (fds[i].fd == fd)
			return fds[i].revents != 0;
	return false;
}

static void accept_all(struct cxlemu_fmsock_server *srv)
{
	for (;;) {
		int fd = accept(srv->listen_fd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				srv->accept_stalled = true;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				cxlemu_warn(srv->ctx, "fmsock: accept failed (errno %d)", errno);
			return;
		}
		if (cxlemu_fmsock_server_add_client(srv, fd) == -EMFILE)
			return;
	}
}

int cxlemu_fmsock_server_service(struct cxlemu_fmsock_server *srv, const struct pollfd *fds,
				 size_t nfds)
{
	size_t i, n;

	if (!srv)
		return -EINVAL;
	cxlemu_cci_poll(srv->cci);
	/* Only the clients present now: those accepted below wait for the
	 * next round (they are not in the caller's poll set yet). */
	n = srv->ncl;
	for (i = 0; i < n;) {
		const char *why = "";

		if (!ready(fds, nfds, srv->cl[i].fd) || serve(srv, &srv->cl[i], &why)) {
			i++;
			continue;
		}
		/* The last client moves into slot i and is served next. */
		client_close(srv, i, why);
		n--;
	}
	if (srv->listen_fd >= 0 && ready(fds, nfds, srv->listen_fd))
		accept_all(srv);
	return 0;
}
