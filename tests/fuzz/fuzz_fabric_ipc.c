/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fabric protocol (docs/fabric-protocol.md).
 *
 * 1. The codec on the input as a byte stream: every message it accepts
 *    lies inside the input and encodes back to exactly its bytes.
 * 2. The owner of a switch fed a script: raw bytes or well-formed messages
 *    (HELLO, DONE for the requests it sent, PING, BYE, ERROR) written as if
 *    from host processes on two socketpairs, binds and unbinds on the
 *    switch, time passing, hosts disconnecting and reconnecting.
 *
 * Invariants after every step: everything the owner sends parses; after
 * it sends ERROR or REFUSE it closes; a stream the codec finds malformed
 * gets the connection closed (both within the service call; the host may
 * see the EOF a moment later, see peer_drain()); the switch is consistent
 * (an LD or a non-MLD port held at most once, holder counts per port
 * right); a VCS whose host is connected has exactly as many operations in
 * progress as the owner has requests outstanding, a VCS without one has
 * none, and a VCS whose host just went away has no vPPB bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cxlemu/cxlemu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NVCS 3
#define NVPPB 3
#define NCONN 2
#define STREAM_MAX 8192

struct peer {
	int fd;                 /* the host's end, -1 when none */
	uint8_t stream[STREAM_MAX]; /* what was written since connecting */
	size_t len, pos;        /* bytes written; parsed so far */
	bool bad;               /* the stream holds a malformed message */
	bool closing;           /* the owner sent ERROR or REFUSE */
	uint32_t req[8];        /* requests seen in ATTACH/DETACH */
	unsigned int nreq;
};

struct fz {
	uint64_t now;
	struct cxlemu_switch *sw;
	struct cxlemu_fabric_owner *o;
	struct peer p[NCONN];
	bool was_connected[NVCS];
};

static uint64_t clock_ns(void *opaque)
{
	return ((struct fz *)opaque)->now;
}

static void codec(const uint8_t *d, size_t n)
{
	struct cxlemu_fabric_msg *m = malloc(sizeof(*m));
	uint8_t out[CXLEMU_FABRIC_MAX_MSG];
	size_t off = 0, used, len;

	if (!m)
		abort();
	while (off < n) {
		int rc = cxlemu_fabric_msg_parse(d + off, n - off, m, &used);

		if (rc == -EAGAIN)
			break;
		if (rc) {
			/* Skip a byte and try again: resynchronisation is not
			 * part of the protocol, but it exercises the parser. */
			if (rc != -EBADMSG && rc != -EPROTONOSUPPORT && rc != -ENOMSG &&
			    rc != -EINVAL)
				abort();
			off++;
			continue;
		}
		if (used < CXLEMU_FABRIC_HDR_SIZE || used > n - off ||
		    cxlemu_fabric_msg_encode(m, out, sizeof(out), &len) || len != used ||
		    memcmp(out, d + off, len))
			abort();
		off += used;
	}
	free(m);
}

static void peer_open(struct fz *f, struct peer *p)
{
	int sv[2];

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		abort();
	if (cxlemu_fabric_owner_add_fd(f->o, sv[0])) {
		close(sv[1]);
		return;
	}
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK))
		abort();
	p->fd = sv[1];
}

static void peer_close(struct peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* Writes bytes as the host; the shadow parse notes a malformed stream. */
static void peer_write(struct peer *p, const uint8_t *b, size_t n)
{
	struct cxlemu_fabric_msg *m;

	if (p->fd < 0 || p->closing || !n || p->len + n > STREAM_MAX)
		return;
	if (send(p->fd, b, n, MSG_NOSIGNAL) != (ssize_t)n)
		return;  /* the owner closed: nothing more to check */
	memcpy(p->stream + p->len, b, n);
	p->len += n;
	m = malloc(sizeof(*m));
	if (!m)
		abort();
	while (!p->bad) {
		size_t used;
		int rc = cxlemu_fabric_msg_parse(p->stream + p->pos, p->len - p->pos, m, &used);

		if (rc == -EAGAIN)
			break;
		if (rc)
			p->bad = true;
		else
			p->pos += used;
	}
	free(m);
}

static void peer_send(struct peer *p, const struct cxlemu_fabric_msg *m)
{
	uint8_t b[CXLEMU_FABRIC_MAX_MSG];
	size_t n;

	if (cxlemu_fabric_msg_encode(m, b, sizeof(b), &n))
		abort();
	peer_write(p, b, n);
}

/* How long peer_drain() waits for the EOF of a connection the owner has
 * closed (see there); far more than the microseconds it takes. */
#define EOF_WAIT_MS 2000

/* Reads what the owner sent: every message must parse; nothing may follow
 * an ERROR or a REFUSE but the close. */
static void peer_drain(struct peer *p)
{
	static uint8_t buf[1 << 16];
	struct cxlemu_fabric_msg *m;
	size_t len = 0, off = 0, used;
	unsigned int waited = 0;  /* ms */
	ssize_t r;
	bool eof = false;

	if (p->fd < 0)
		return;
	m = malloc(sizeof(*m));
	if (!m)
		abort();
	for (;;) {
		while ((r = read(p->fd, buf + len, sizeof(buf) - len)) > 0 ||
		       (r < 0 && errno == EINTR))
			len += r > 0 ? (size_t)r : 0;
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			eof = true;
		while (off < len) {
			if (p->closing || cxlemu_fabric_msg_parse(buf + off, len - off, m, &used))
				abort();
			off += used;
			switch (m->type) {
			case CXLEMU_FABRIC_ERROR:
			case CXLEMU_FABRIC_REFUSE:
				p->closing = true;
				break;
			case CXLEMU_FABRIC_ATTACH:
			case CXLEMU_FABRIC_DETACH:
				if (m->vcs >= NVCS || m->vppb >= NVPPB)
					abort();
				p->req[p->nreq++ % 8] = m->req;
				break;
			case CXLEMU_FABRIC_WELCOME:
			case CXLEMU_FABRIC_STATE:
			case CXLEMU_FABRIC_PING:
			case CXLEMU_FABRIC_PONG:
			case CXLEMU_FABRIC_BYE:
				break;
			default:
				abort();  /* the owner never sends HELLO or DONE */
			}
		}
		/* The documented disconnect: ERROR/REFUSE, or a malformed stream,
		 * end the connection within the same service call, i.e. the
		 * owner has closed its descriptor when the call returns.  That
		 * close is not always visible here at once: the kernel releases
		 * a socket (and gives its peer EOF) when the last reference to
		 * the open file goes, and another task may hold one for a moment
		 * (reading /proc/PID/fd or fdinfo as lsof, ss -p or fuser do,
		 * or a child between fork() and exec()).  The owner does nothing
		 * while we wait (it has no threads and runs only in its service
		 * call), so an EOF that comes while we wait is still the close
		 * made in that call; one that never comes is a connection the
		 * owner kept open. */
		if (eof || !(p->closing || p->bad))
			break;
		if (waited >= EOF_WAIT_MS)
			abort();
		/* Sleeps 10 ms at most (less when the EOF comes); a signal
		 * only makes the wait longer than counted. */
		(void)poll(&(struct pollfd){ .fd = p->fd, .events = POLLIN }, 1, 10);
		waited += 10;
	}
	free(m);
	if (eof)
		peer_close(p);
}

static void check(struct fz *f)
{
	unsigned int holders[8] = { 0 }, lds[8] = { 0 };
	unsigned int i, j;

	for (i = 0; i < NVCS; i++) {
		struct cxlemu_fabric_host_info hi;
		unsigned int busy = 0, bound = 0;

		if (cxlemu_fabric_owner_host_info(f->o, i, &hi))
			abort();
		for (j = 0; j < NVPPB; j++) {
			struct cxlemu_switch_vppb_info v;
			struct cxlemu_switch_port_info pi;

			if (cxlemu_switch_vppb_info(f->sw, i, j, &v))
				abort();
			if (v.state == CXLEMU_VPPB_UNBOUND)
				continue;
			busy += v.state == CXLEMU_VPPB_BINDING || v.state == CXLEMU_VPPB_UNBINDING;
			bound++;
			if (cxlemu_switch_port_info(f->sw, v.port, &pi) || v.port >= 8)
				abort();
			holders[v.port]++;
			if (pi.attached == CXLEMU_SWITCH_DEV_MLD) {
				if (v.ld_id >= pi.ld_count || (lds[v.port] & (1u << v.ld_id)))
					abort();
				lds[v.port] |= 1u << v.ld_id;
			} else if (v.ld_id != CXLEMU_SWITCH_NO_LD) {
				abort();
			}
		}
		if (hi.connected ? hi.pending != busy : busy != 0)
			abort();
		if (f->was_connected[i] && !hi.connected && bound)
			abort();
		f->was_connected[i] = hi.connected;
	}
	for (i = 0; i < cxlemu_switch_nports(f->sw); i++) {
		struct cxlemu_switch_port_info pi;

		if (cxlemu_switch_port_info(f->sw, i, &pi) || pi.bound != holders[i] ||
		    (pi.attached != CXLEMU_SWITCH_DEV_MLD && pi.bound > 1))
			abort();
	}
}

static void service(struct fz *f)
{
	unsigned int i;

	if (cxlemu_fabric_owner_service(f->o))
		abort();
	for (i = 0; i < NCONN; i++)
		peer_drain(&f->p[i]);
	check(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cxlemu_host_ops hops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = clock_ns };
	struct cxlemu_fabric_owner_config oc;
	struct cxlemu_switch_config *sc;
	struct cxlemu_fabric_msg *m;
	struct cxlemu_ctx *ctx;
	struct fz *f;
	size_t p = 0;
	unsigned int i;

	codec(data, size);

	f = calloc(1, sizeof(*f));
	sc = malloc(sizeof(*sc));
	m = malloc(sizeof(*m));
	if (!f || !sc || !m || cxlemu_ctx_new(&hops, f, &ctx))
		abort();
	/* USPs 0..2 for VCSs 0..2; SLDs on 3..5, an MLD of 4 LDs on 6, a
	 * port with nothing attached on 7. */
	cxlemu_switch_config_init(sc);
	sc->nports = 8;
	sc->nvcs = NVCS;
	for (i = 0; i < NVCS; i++) {
		sc->ports[i].type = CXLEMU_SWITCH_PORT_USP;
		sc->vcs[i] = (struct cxlemu_switch_vcs_config){ 1, (uint8_t)i, NVPPB, 0 };
	}
	for (i = 3; i < 8; i++) {
		sc->ports[i].type = CXLEMU_SWITCH_PORT_DSP;
		sc->ports[i].attached = CXLEMU_SWITCH_DEV_SLD;
	}
	sc->ports[6].attached = CXLEMU_SWITCH_DEV_MLD;
	sc->ports[6].ld_count = 4;
	sc->ports[7].attached = CXLEMU_SWITCH_DEV_NONE;
	if (cxlemu_switch_new(ctx, sc, &f->sw))
		abort();
	free(sc);
	memset(&oc, 0, sizeof(oc));
	oc.version = CXLEMU_FABRIC_OWNER_CONFIG_VERSION;
	oc.listen_fd = -1;
	oc.ping_interval_ms = 100;
	oc.timeout_ms = 500;
	if (cxlemu_fabric_owner_new(ctx, f->sw, &oc, &f->o))
		abort();
	for (i = 0; i < NCONN; i++)
		peer_open(f, &f->p[i]);

	while (p + 2 <= size) {
		uint8_t op = data[p], a = data[p + 1];
		struct peer *pe = &f->p[op >> 7];
		size_t n;

		p += 2;
		memset(m, 0, sizeof(*m));
		switch (op & 7) {
		case 0: /* raw bytes */
			n = a < size - p ? a : size - p;
			peer_write(pe, data + p, n);
			p += n;
			break;
		case 1: /* HELLO */
			m->type = CXLEMU_FABRIC_HELLO;
			m->min_version = 1;
			m->max_version = (uint16_t)(1 + ((op >> 3) & 1));
			m->vcs = (uint8_t)(a % 5);
			m->name[0] = 'h';
			m->name[1] = (char)('0' + (a & 7));
			peer_send(pe, m);
			break;
		case 2: /* DONE for a request seen (or a made-up one) */
			m->type = CXLEMU_FABRIC_DONE;
			m->req = pe->nreq ? pe->req[(pe->nreq - 1 - (a & 3)) % 8] + (a >> 6) : a | 1;
			if (!m->req)
				m->req = 1;
			m->status = (op >> 3) & 1 ? -EIO : 0;
			peer_send(pe, m);
			break;
		case 3: /* bind */
			(void)cxlemu_switch_bind(f->sw, a % NVCS, (a >> 2) % NVPPB, 3 + (op >> 3) % 5,
						 (op >> 3) % 5 == 3 ? (a >> 4) % 5 :
								      CXLEMU_SWITCH_NO_LD);
			break;
		case 4: /* unbind */
			(void)cxlemu_switch_unbind(f->sw, a % NVCS, (a >> 2) % NVPPB, (a >> 4) % 4);
			break;
		case 5: /* time passes */
			f->now += (uint64_t)a * 5000000u;
			break;
		case 6: /* the host process goes; another comes */
			peer_close(pe);
			if (!(op & 8))
				peer_open(f, pe);
			break;
		default: /* PING, PONG, BYE, ERROR */
			m->type = (uint16_t)(CXLEMU_FABRIC_PING + (a & 3));
			m->token = a;
			if (m->type == CXLEMU_FABRIC_ERROR)
				m->code = CXLEMU_FABRIC_ERR_FIELD;
			peer_send(pe, m);
			break;
		}
		service(f);
		if (pe->fd < 0 && (op & 0x40))
			peer_open(f, pe);
	}
	for (i = 0; i < NCONN; i++)
		peer_close(&f->p[i]);
	service(f);
	cxlemu_fabric_owner_free(f->o);
	for (i = 0; i < NVCS; i++) {
		unsigned int j;

		for (j = 0; j < NVPPB; j++) {
			struct cxlemu_switch_vppb_info v;

			/* Every host gone: no binding may remain. */
			if (cxlemu_switch_vppb_info(f->sw, i, j, &v) ||
			    v.state != CXLEMU_VPPB_UNBOUND)
				abort();
		}
	}
	cxlemu_switch_free(f->sw);
	cxlemu_ctx_free(ctx);
	free(m);
	free(f);
	return 0;
}
