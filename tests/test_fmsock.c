/* SPDX-License-Identifier: MIT */
/*
 * The FM socket (include/cxlemu/fmsock.h, docs/fm-socket.md): framing of
 * MCTP FM-API messages on a stream, the non-blocking server (partial
 * frames, several frames at once, bad lengths, messages the CCI drops,
 * several clients, a client leaving in the middle of a frame, back
 * pressure), the client (tags, timeouts, broken servers) and the listening
 * socket.  The server is driven by hand: the test writes, services, reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cxlemu/cxlemu.h>

#include "testutil.h"

#define RSP_CAP 8192

struct fx {
	struct cxlemu_ctx *ctx;
	struct cxlemu_switch *sw;
	struct cxlemu_cci *cci;
	struct cxlemu_fmsock_server *srv;
	bool host_waits;  /* attach/detach wait for cxlemu_switch_host_done() */
	uint8_t rsp[RSP_CAP];
};

static int attach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
		  unsigned int ld)
{
	struct fx *f = opaque;

	(void)port;
	(void)ld;
	return f->host_waits ? 0 : cxlemu_switch_host_done(f->sw, vcs, vppb, 0);
}

/* 8 ports: USPs 0 and 1 (VCS 0 and 1, 4 vPPBs each), SLDs on 2..5, an MLD
 * of 4 LDs on 6, an empty DSP on 7: the switch `cxlemu fabric` runs. */
static void fx_start(struct fx *f, bool host_waits)
{
	struct cxlemu_switch_config sc;
	struct cxlemu_cci_config cc;
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->host_waits = host_waits;
	assert_int_equal(cxlemu_ctx_new(NULL, NULL, &f->ctx), 0);
	cxlemu_switch_config_init(&sc);
	sc.nports = 8;
	sc.nvcs = 2;
	for (i = 0; i < 8; i++) {
		sc.ports[i].type = i < 2 ? CXLEMU_SWITCH_PORT_USP : CXLEMU_SWITCH_PORT_DSP;
		sc.ports[i].attached = i < 2 || i == 7 ? CXLEMU_SWITCH_DEV_NONE :
				       i == 6 ? CXLEMU_SWITCH_DEV_MLD : CXLEMU_SWITCH_DEV_SLD;
	}
	sc.ports[6].ld_count = 4;
	sc.vcs[0] = (struct cxlemu_switch_vcs_config){ .enabled = 1, .usp = 0, .nvppbs = 4 };
	sc.vcs[1] = (struct cxlemu_switch_vcs_config){ .enabled = 1, .usp = 1, .nvppbs = 4 };
	sc.host.attach = attach;
	sc.host.opaque = f;
	assert_int_equal(cxlemu_switch_new(f->ctx, &sc, &f->sw), 0);
	memset(&cc, 0, sizeof(cc));
	cc.version = CXLEMU_CCI_CONFIG_VERSION;
	cc.kind = CXLEMU_CCI_SWITCH;
	cc.payload_size = 4096;
	cc.ingress_port = 3;
	cc.fabric_switch = f->sw;
	assert_int_equal(cxlemu_cci_new(f->ctx, &cc, &f->cci), 0);
	assert_int_equal(cxlemu_fmsock_server_new(f->ctx, f->cci, -1, &f->srv), 0);
}

static void fx_stop(struct fx *f)
{
	cxlemu_fmsock_server_free(f->srv);
	cxlemu_cci_free(f->cci);
	cxlemu_switch_free(f->sw);
	cxlemu_ctx_free(f->ctx);
}

/* A new client of the server: returns the test's end of a socketpair. */
static int connect_pair(struct fx *f)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_server_add_client(f->srv, sv[0]), 0);
	return sv[1];
}

static void service(struct fx *f)
{
	assert_int_equal(cxlemu_fmsock_server_service(f->srv, NULL, 0), 0);
}

/* Writes a frame: the length prefix, then an MCTP FM-API request body
 * (type 07h, CCI header with @tag and @opcode, @len payload bytes).
 * Returns the bytes written to @buf (not sent). */
static size_t build(uint8_t *buf, uint8_t tag, uint16_t opcode, const void *pl, size_t len)
{
	size_t body = 13 + len;

	memset(buf, 0, 4 + 13);
	buf[0] = (uint8_t)body;
	buf[1] = (uint8_t)(body >> 8);
	buf[2] = (uint8_t)(body >> 16);
	buf[4] = 0x07;
	buf[5] = 0;   /* request */
	buf[6] = tag;
	buf[8] = (uint8_t)opcode;
	buf[9] = (uint8_t)(opcode >> 8);
	buf[10] = (uint8_t)len;
	buf[11] = (uint8_t)(len >> 8);
	buf[12] = (uint8_t)(len >> 16);
	if (len)
		memcpy(buf + 17, pl, len);
	return 4 + body;
}

static void send_all(int fd, const void *b, size_t n)
{
	assert_int_equal(send(fd, b, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Reads one frame into f->rsp: answers its body length, 0 when the server
 * closed the connection, -1 when no frame began within @wait_ms.  Once a
 * frame began, the server is serviced until the rest comes (it may have
 * sent only part of it). */
static long read_frame(struct fx *f, int fd, int wait_ms)
{
	uint8_t hdr[4];
	size_t got = 0, len = 4;
	int rounds = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint8_t *dst = got < 4 ? hdr + got : f->rsp + (got - 4);
		size_t want = got < 4 ? 4 - got : len - got;
		ssize_t n;

		if (poll(&p, 1, got ? 10 : wait_ms) != 1) {
			if (!got)
				return -1;
			assert_true(++rounds < 1000);
			service(f);
			continue;
		}
		n = recv(fd, dst, want, 0);
		if (n == 0 && !got)
			return 0;
		assert_true(n > 0);
		got += (size_t)n;
		if (got == 4) {
			len = 4 + (size_t)test_le(hdr, 4);
			assert_true(len >= 4 + 13 && len <= 4 + RSP_CAP);
		}
	}
	return (long)(len - 4);
}

/* Checks a response body: FM-API type, response category, @tag, @opcode,
 * payload length agreeing with the frame, return code @rc. */
static void check_rsp(const struct fx *f, long len, uint8_t tag, uint16_t opcode, int rc)
{
	assert_true(len >= 13);
	assert_int_equal(f->rsp[0], 0x07);
	assert_int_equal(f->rsp[1] & 0x0f, 1);
	assert_int_equal(f->rsp[2], tag);
	assert_int_equal(test_le(f->rsp + 4, 2), opcode);
	assert_int_equal(test_le(f->rsp + 6, 3) & 0x1fffff, (uint64_t)len - 13);
	assert_int_equal(test_le(f->rsp + 9, 2), (uint64_t)rc);
}

/* Identify Switch Device's answer for the fixture's switch. */
static void check_identify(const struct fx *f, long len)
{
	const uint8_t *p = f->rsp + 13;

	assert_int_equal(len, 13 + 0x49);
	assert_int_equal(p[0], 3);    /* ingress port */
	assert_int_equal(p[2], 8);    /* ports */
	assert_int_equal(p[3], 2);    /* VCSs */
	assert_int_equal(p[4], 0xff); /* ports 0..7 active */
	assert_int_equal(p[0x24], 0x03);
	assert_int_equal(test_le(p + 0x44, 2), 8);
}

static void test_one_request(void **state)
{
	struct fx f;
	uint8_t b[64];
	int fd;

	(void)state;
	fx_start(&f, false);
	fd = connect_pair(&f);
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), 1);
	send_all(fd, b, build(b, 0x5a, 0x5100, NULL, 0));
	service(&f);
	check_identify(&f, read_frame(&f, fd, 1000));
	check_rsp(&f, 13 + 0x49, 0x5a, 0x5100, CXLEMU_MBOX_SUCCESS);
	close(fd);
	service(&f);
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), 0);
	assert_int_equal(cxlemu_fmsock_server_connections(f.srv), 1);
	fx_stop(&f);
}

/* A frame trickling in one byte at a time is answered once, when whole. */
static void test_partial_reads(void **state)
{
	struct fx f;
	uint8_t b[64], in[3] = { 2, 6, 7 };
	size_t n, i;
	int fd;

	(void)state;
	fx_start(&f, false);
	fd = connect_pair(&f);
	n = build(b, 9, 0x5101, in, sizeof(in));
	for (i = 0; i < n; i++) {
		send_all(fd, b + i, 1);
		service(&f);
		if (i + 1 < n)
			assert_int_equal(read_frame(&f, fd, 0), -1);
	}
	check_rsp(&f, read_frame(&f, fd, 1000), 9, 0x5101, CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(f.rsp + 6, 3), 4 + 2 * 16);
	assert_int_equal(f.rsp[13], 2);          /* two blocks */
	assert_int_equal(f.rsp[13 + 4], 6);      /* port 6 ... */
	assert_int_equal(f.rsp[13 + 4 + 4], 5);  /* ... an MLD */
	assert_int_equal(f.rsp[13 + 20], 7);     /* port 7 ... */
	assert_int_equal(f.rsp[13 + 20 + 4], 0); /* ... with nothing */
	fx_stop(&f);
	close(fd);
}

/* A frame larger than the first buffer the server takes (it grows with the
 * bytes received): 9000 payload bytes, answered in full. */
static void test_large_frame(void **state)
{
	struct fx f;
	uint8_t *b = calloc(1, 4 + 13 + 9000);
	size_t n;
	int fd;

	(void)state;
	assert_non_null(b);
	fx_start(&f, false);
	fd = connect_pair(&f);
	n = build(b, 0x77, 0x5101, NULL, 0);
	n += 9000;
	b[0] = (uint8_t)(n - 4);
	b[1] = (uint8_t)((n - 4) >> 8);
	b[10] = (uint8_t)9000;
	b[11] = (uint8_t)(9000 >> 8);
	b[17] = 3;  /* 3 ports, but 8999 bytes follow the count */
	send_all(fd, b, n);
	service(&f);
	check_rsp(&f, read_frame(&f, fd, 1000), 0x77, 0x5101, CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* The stream is still in step. */
	send_all(fd, b, build(b, 0x78, 0x5100, NULL, 0));
	service(&f);
	check_rsp(&f, read_frame(&f, fd, 1000), 0x78, 0x5100, 0);
	free(b);
	fx_stop(&f);
	close(fd);
}

/* Several frames in one write: all answered, in order, by tag. */
static void test_pipelined(void **state)
{
	struct fx f;
	uint8_t b[256], st[4] = { 0, 4, 1, 1 };
	size_t n = 0;
	int fd;

	(void)state;
	fx_start(&f, false);
	fd = connect_pair(&f);
	n += build(b + n, 1, 0x5100, NULL, 0);
	n += build(b + n, 2, 0x5200, st, sizeof(st));
	n += build(b + n, 3, 0x0002, NULL, 0);
	send_all(fd, b, n);
	service(&f);
	check_identify(&f, read_frame(&f, fd, 1000));
	check_rsp(&f, 13 + 0x49, 1, 0x5100, 0);
	check_rsp(&f, read_frame(&f, fd, 1000), 2, 0x5200, 0);
	assert_int_equal(f.rsp[13 + 4], 1);     /* VCS 1 */
	assert_int_equal(f.rsp[13 + 4 + 2], 1); /* its USP */
	check_rsp(&f, read_frame(&f, fd, 1000), 3, 0x0002, 0);
	assert_int_equal(read_frame(&f, fd, 0), -1);
	fx_stop(&f);
	close(fd);
}

/* A length of 0 or beyond the maximum loses the framing: the connection is
 * closed; the largest length allowed is taken (the server waits for it). */
static void test_bad_lengths(void **state)
{
	static const uint32_t lens[] = { 0, CXLEMU_FMSOCK_MAX_MSG + 1, 0xffffffffu };
	struct fx f;
	uint8_t hdr[4];
	size_t i;
	int fd;

	(void)state;
	fx_start(&f, false);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fd = connect_pair(&f);
		hdr[0] = (uint8_t)lens[i];
		hdr[1] = (uint8_t)(lens[i] >> 8);
		hdr[2] = (uint8_t)(lens[i] >> 16);
		hdr[3] = (uint8_t)(lens[i] >> 24);
		send_all(fd, hdr, 4);
		service(&f);
		assert_int_equal(cxlemu_fmsock_server_clients(f.srv), 0);
		assert_int_equal(read_frame(&f, fd, 1000), 0);  /* closed, no answer */
		close(fd);
	}
	fd = connect_pair(&f);
	hdr[0] = (uint8_t)CXLEMU_FMSOCK_MAX_MSG;
	hdr[1] = (uint8_t)(CXLEMU_FMSOCK_MAX_MSG >> 8);
	hdr[2] = (uint8_t)(CXLEMU_FMSOCK_MAX_MSG >> 16);
	hdr[3] = 0;
	send_all(fd, hdr, 4);
	service(&f);
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), 1);
	assert_int_equal(read_frame(&f, fd, 0), -1);
	fx_stop(&f);  /* frees the half-read frame */
	close(fd);
}

/* Well-framed messages the MCTP binding drops get no answer, and the
 * connection goes on: another message type, IC set, a response, a body
 * shorter than a CCI header.  A payload length that disagrees with the
 * frame is a request: it is answered Invalid Payload Length. */
static void test_dropped_messages(void **state)
{
	struct fx f;
	uint8_t b[64], in[4] = { 0, 1, 1, 0 };
	size_t n;
	int fd;

	(void)state;
	fx_start(&f, false);
	fd = connect_pair(&f);
	n = build(b, 1, 0x5100, NULL, 0);
	b[4] = 0x08;  /* component command type: not this CCI's */
	send_all(fd, b, n);
	n = build(b, 2, 0x5100, NULL, 0);
	b[4] = 0x87;  /* IC set */
	send_all(fd, b, n);
	n = build(b, 3, 0x5100, NULL, 0);
	b[5] = 1;     /* a response */
	send_all(fd, b, n);
	b[0] = 5;     /* 5 bytes: type + part of a header */
	b[1] = b[2] = b[3] = 0;
	b[4] = 0x07;
	send_all(fd, b, 9);
	b[0] = 1;     /* a type byte only */
	send_all(fd, b, 5);
	service(&f);
	assert_int_equal(read_frame(&f, fd, 0), -1);
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), 1);
	/* Payload length 5 in the header, 4 bytes sent. */
	n = build(b, 4, 0x5200, in, sizeof(in));
	b[10] = 5;
	send_all(fd, b, n);
	n = build(b, 5, 0x5100, NULL, 0);
	send_all(fd, b, n);
	service(&f);
	check_rsp(&f, read_frame(&f, fd, 1000), 4, 0x5200, CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	check_rsp(&f, read_frame(&f, fd, 1000), 5, 0x5100, CXLEMU_MBOX_SUCCESS);
	fx_stop(&f);
	close(fd);
}

/* Three clients with interleaved partial frames each get their own
 * answers; one leaving in the middle of a frame disturbs nobody. */
static void test_several_clients(void **state)
{
	struct fx f;
	uint8_t b[3][64];
	size_t n[3], i;
	int fd[3];

	(void)state;
	fx_start(&f, false);
	for (i = 0; i < 3; i++) {
		fd[i] = connect_pair(&f);
		n[i] = build(b[i], (uint8_t)(0x10 + i), 0x5100, NULL, 0);
		send_all(fd[i], b[i], 7);
	}
	service(&f);
	for (i = 0; i < 3; i++)
		assert_int_equal(read_frame(&f, fd[i], 0), -1);
	close(fd[1]);  /* leaves with 7 bytes of a frame sent */
	send_all(fd[0], b[0] + 7, n[0] - 7);
	send_all(fd[2], b[2] + 7, n[2] - 7);
	service(&f);
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), 2);
	check_rsp(&f, read_frame(&f, fd[2], 1000), 0x12, 0x5100, 0);
	check_identify(&f, 13 + 0x49);
	check_rsp(&f, read_frame(&f, fd[0], 1000), 0x10, 0x5100, 0);
	/* A new client after that is served too. */
	fd[1] = connect_pair(&f);
	send_all(fd[1], b[1], n[1]);
	service(&f);
	check_rsp(&f, read_frame(&f, fd[1], 1000), 0x11, 0x5100, 0);
	assert_int_equal(cxlemu_fmsock_server_connections(f.srv), 4);
	fx_stop(&f);
	for (i = 0; i < 3; i++)
		close(fd[i]);
}

/* A client that sends but does not read: the server keeps one response
 * queued, asks to poll for output and stops reading that client; the
 * responses all arrive, in order, once it reads. */
static void test_back_pressure(void **state)
{
	struct fx f;
	uint8_t b[300], in[256];
	struct pollfd p[4];
	size_t n, i, sent = 0;
	int fd, one = 1, got;

	(void)state;
	fx_start(&f, false);
	fd = connect_pair(&f);
	/* The smallest send buffer the kernel gives the server's end. */
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, p, 4), 1);
	assert_int_equal(setsockopt(p[0].fd, SOL_SOCKET, SO_SNDBUF, &one, sizeof(one)), 0);
	in[0] = 255;
	for (i = 0; i < 255; i++)
		in[1 + i] = (uint8_t)i;
	n = build(b, 0, 0x5101, in, 256);  /* 4 KiB answers */
	for (i = 0; i < 64; i++) {
		struct pollfd w = { .fd = fd, .events = POLLOUT };

		b[6] = (uint8_t)i;
		if (poll(&w, 1, 0) != 1)
			break;
		send_all(fd, b, n);
		sent++;
		service(&f);
	}
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, p, 4), 1);
	assert_int_equal(p[0].events, POLLOUT);
	for (got = 0; (size_t)got < sent;) {
		long len = read_frame(&f, fd, 0);

		if (len < 0) {
			service(&f);
			len = read_frame(&f, fd, 1000);
		}
		check_rsp(&f, len, (uint8_t)got, 0x5101, 0);
		assert_int_equal(len, 13 + 4 + 255 * 16);
		got++;
	}
	service(&f);
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, p, 4), 1);
	assert_int_equal(p[0].events, POLLIN);
	fx_stop(&f);
	close(fd);
}

/* pollfds: listener first, then the clients; a short array gets the count. */
static void test_pollfds(void **state)
{
	struct fx f;
	struct pollfd p[3];
	int fd[2];

	(void)state;
	fx_start(&f, false);
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, NULL, 0), 0);
	fd[0] = connect_pair(&f);
	fd[1] = connect_pair(&f);
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, NULL, 0), 2);
	memset(p, 0xff, sizeof(p));
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, p, 1), 2);
	assert_int_equal(p[0].events, POLLIN);
	assert_int_equal(p[0].revents, 0);
	assert_int_equal(p[1].fd, -1);  /* not written */
	/* Only descriptors with revents are served. */
	{
		uint8_t b[64];

		send_all(fd[0], b, build(b, 7, 0x5100, NULL, 0));
		assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, p, 3), 2);
		p[0].revents = p[1].revents = 0;
		assert_int_equal(cxlemu_fmsock_server_service(f.srv, p, 2), 0);
		assert_int_equal(read_frame(&f, fd[0], 0), -1);
		assert_int_equal(poll(p, 2, 1000), 1);
		assert_int_equal(cxlemu_fmsock_server_service(f.srv, p, 2), 0);
		check_rsp(&f, read_frame(&f, fd[0], 1000), 7, 0x5100, 0);
	}
	assert_int_equal(cxlemu_fmsock_server_service(NULL, NULL, 0), -EINVAL);
	fx_stop(&f);
	close(fd[0]);
	close(fd[1]);
}

/* ---- the client ---- */

/* A client on one end of a socketpair; the other end is the server's. */
static struct cxlemu_fmsock_client *client_pair(struct fx *f)
{
	struct cxlemu_fmsock_client *c;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_server_add_client(f->srv, sv[0]), 0);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[1], &c), 0);
	return c;
}

static void test_client_exchange(void **state)
{
	struct fx f;
	struct cxlemu_fmsock_client *c;
	uint8_t out[512], bind[6] = { 0, 0, 6, 0, 2, 0 };
	size_t len;

	(void)state;
	fx_start(&f, false);
	c = client_pair(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 0), -EINVAL);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), 0);
	assert_int_equal(len, 0x49);
	assert_int_equal(out[2], 8);
	/* Bind (background), then its status. */
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5201, bind, sizeof(bind), 1000), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000),
			 CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x0002, NULL, 0, 1000), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), 0);
	assert_int_equal(out[0] & 1, 0);              /* done */
	assert_int_equal(test_le(out + 2, 2), 0x5201);
	assert_int_equal(test_le(out + 4, 2), CXLEMU_MBOX_SUCCESS);
	/* The same bind again is refused. */
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5201, bind, sizeof(bind), 1000), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000),
			 CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(len, 0);
	/* An answer larger than the buffer. */
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, 8, &len, 1000), -EMSGSIZE);
	/* No answer in time, then the answer after all. */
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 20), -ETIMEDOUT);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), 0);
	assert_int_equal(len, 0x49);
	cxlemu_fmsock_client_free(c);
	service(&f);
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), 0);
	fx_stop(&f);
}

/* A bind whose host answers later: the background operation runs until
 * cxlemu_switch_host_done(), and the client sees it through 0002h. */
static void test_background_later(void **state)
{
	struct fx f;
	struct cxlemu_fmsock_client *c;
	uint8_t out[512], bind[6] = { 1, 3, 2, 0, 0xff, 0xff };
	size_t len;

	(void)state;
	fx_start(&f, true);
	c = client_pair(&f);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5201, bind, sizeof(bind), 1000), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000),
			 CXLEMU_MBOX_BG_STARTED);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x0002, NULL, 0, 1000), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), 0);
	assert_int_equal(out[0] & 1, 1);  /* still running */
	assert_int_equal(test_le(out + 2, 2), 0x5201);
	assert_int_equal(cxlemu_switch_host_done(f.sw, 1, 3, 0), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_request(c, 0x0002, NULL, 0, out, sizeof(out), &len, 0),
			 -ETIMEDOUT);  /* nobody services the server meanwhile */
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), 0);
	assert_int_equal(out[0] & 1, 0);
	assert_int_equal(test_le(out + 4, 2), CXLEMU_MBOX_SUCCESS);
	cxlemu_fmsock_client_free(c);
	fx_stop(&f);
}

/* A fake server on the other end writes what the test wants. */
static void fake_rsp(int fd, uint8_t tag, uint16_t opcode, uint8_t cat, uint8_t type,
		     const uint8_t *pl, size_t len)
{
	uint8_t b[64];
	size_t n = build(b, tag, opcode, pl, len);

	b[4] = type;
	b[5] = cat;
	send_all(fd, b, n);
}

static void test_client_checks(void **state)
{
	struct cxlemu_fmsock_client *c;
	uint8_t out[64], req[64], pl[2] = { 0xab, 0xcd };
	size_t len;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[1], &c), 0);
	/* The first request has tag 0, the next tag 1. */
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x1234, pl, 2, 1000), 0);
	assert_int_equal(recv(sv[0], req, sizeof(req), 0), 4 + 13 + 2);
	assert_int_equal(test_le(req, 4), 15);
	assert_int_equal(req[4], 0x07);
	assert_int_equal(req[5], 0);
	assert_int_equal(req[6], 0);
	assert_int_equal(test_le(req + 8, 2), 0x1234);
	assert_int_equal(test_le(req + 10, 3), 2);
	assert_memory_equal(req + 17, pl, 2);
	/* A stale answer (another tag) is skipped; the right one is taken. */
	fake_rsp(sv[0], 7, 0x1234, 1, 0x07, NULL, 0);
	fake_rsp(sv[0], 0, 0x1234, 1, 0x07, pl, 2);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, pl, 2);
	/* Only a stale answer: time out. */
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x1234, NULL, 0, 1000), 0);
	assert_int_equal(recv(sv[0], req, sizeof(req), 0), 17);
	assert_int_equal(req[6], 1);
	fake_rsp(sv[0], 0, 0x1234, 1, 0x07, NULL, 0);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 30), -ETIMEDOUT);
	/* A request echoed instead of a response breaks the protocol; the
	 * client is then unusable. */
	fake_rsp(sv[0], 1, 0x1234, 0, 0x07, NULL, 0);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), -EBADMSG);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x1234, NULL, 0, 1000), -EPIPE);
	cxlemu_fmsock_client_free(c);
	close(sv[0]);

	/* Another message type; another command with the right tag. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[1], &c), 0);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	fake_rsp(sv[0], 0, 0x5100, 1, 0x08, NULL, 0);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), -EBADMSG);
	cxlemu_fmsock_client_free(c);
	close(sv[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[1], &c), 0);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	fake_rsp(sv[0], 0, 0x5101, 1, 0x07, NULL, 0);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), -EBADMSG);
	cxlemu_fmsock_client_free(c);
	close(sv[0]);

	/* A bad frame length; a payload length that disagrees with it. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[1], &c), 0);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	send_all(sv[0], "\x05\x00\x00\x00", 4);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), -EBADMSG);
	cxlemu_fmsock_client_free(c);
	close(sv[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[1], &c), 0);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	{
		uint8_t b[64];
		size_t n = build(b, 0, 0x5100, pl, 2);

		b[5] = 1;
		b[10] = 3;  /* says 3, carries 2 */
		send_all(sv[0], b, n);
	}
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), -EBADMSG);
	cxlemu_fmsock_client_free(c);
	close(sv[0]);

	/* The server goes away: in the middle of a frame, or before it. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[1], &c), 0);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	send_all(sv[0], "\x20\x00", 2);
	close(sv[0]);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), -EPIPE);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), -EPIPE);
	cxlemu_fmsock_client_free(c);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[1], &c), 0);
	close(sv[0]);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), -EPIPE);
	cxlemu_fmsock_client_free(c);

	/* Misuse. */
	assert_int_equal(cxlemu_fmsock_client_new(NULL, -1, &c), -EINVAL);
	assert_int_equal(cxlemu_fmsock_client_send(NULL, 0x5100, NULL, 0, 0), -EINVAL);
	assert_int_equal(cxlemu_fmsock_request(NULL, 0x5100, NULL, 0, out, 1, &len, 0), -EINVAL);
	cxlemu_fmsock_client_free(NULL);
}

/* ---- the listening socket ---- */

static void test_listen_connect(void **state)
{
	struct fx f;
	struct cxlemu_fmsock_client *c = NULL;
	char path[64], longpath[200];
	uint8_t out[512];
	size_t len;
	int lfd, fd2;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/cxlemu-test-fmsock-%d.sock", (int)getpid());
	unlink(path);
	assert_int_equal(cxlemu_fmsock_connect(NULL, path, &c), -ENOENT);
	assert_int_equal(cxlemu_fmsock_listen(path, &lfd), 0);
	assert_int_equal(cxlemu_fmsock_listen(path, &fd2), -EADDRINUSE);
	fx_start(&f, false);
	cxlemu_fmsock_server_free(f.srv);
	assert_int_equal(cxlemu_fmsock_server_new(f.ctx, f.cci, lfd, &f.srv), 0);
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, NULL, 0), 1);
	assert_int_equal(cxlemu_fmsock_connect(NULL, path, &c), 0);
	service(&f);  /* accepts */
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), 1);
	assert_int_equal(cxlemu_fmsock_client_send(c, 0x5100, NULL, 0, 1000), 0);
	service(&f);
	assert_int_equal(cxlemu_fmsock_client_recv(c, out, sizeof(out), &len, 1000), 0);
	assert_int_equal(out[3], 2);
	cxlemu_fmsock_client_free(c);
	fx_stop(&f);  /* closes the listener; the file stays */
	assert_int_equal(cxlemu_fmsock_connect(NULL, path, &c), -ECONNREFUSED);
	unlink(path);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(cxlemu_fmsock_listen(longpath, &fd2), -ENAMETOOLONG);
	assert_int_equal(cxlemu_fmsock_connect(NULL, longpath, &c), -ENAMETOOLONG);
	assert_int_equal(cxlemu_fmsock_listen("", &fd2), -EINVAL);
	assert_int_equal(cxlemu_fmsock_listen(NULL, &fd2), -EINVAL);
	assert_int_equal(cxlemu_fmsock_connect(NULL, "", &c), -EINVAL);
}

/* At most CXLEMU_FMSOCK_MAX_CLIENTS clients; at the limit the listening
 * socket is not polled, and one more client is closed at once. */
static void test_client_limit(void **state)
{
	struct fx f;
	int fds[CXLEMU_FMSOCK_MAX_CLIENTS], sv[2], lsv[2];
	unsigned int i;
	char b;

	(void)state;
	fx_start(&f, false);
	cxlemu_fmsock_server_free(f.srv);
	/* A stand-in listening descriptor, to see when it is polled. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, lsv), 0);
	assert_int_equal(cxlemu_fmsock_server_new(f.ctx, f.cci, lsv[0], &f.srv), 0);
	for (i = 0; i < CXLEMU_FMSOCK_MAX_CLIENTS; i++) {
		assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, NULL, 0), 1 + i);
		fds[i] = connect_pair(&f);
	}
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, NULL, 0), CXLEMU_FMSOCK_MAX_CLIENTS);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_server_add_client(f.srv, sv[0]), -EMFILE);
	assert_int_equal(read(sv[1], &b, 1), 0);  /* closed */
	close(sv[1]);
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), CXLEMU_FMSOCK_MAX_CLIENTS);
	/* One leaves: the listener is watched again. */
	close(fds[0]);
	service(&f);
	assert_int_equal(cxlemu_fmsock_server_clients(f.srv), CXLEMU_FMSOCK_MAX_CLIENTS - 1);
	assert_int_equal(cxlemu_fmsock_server_pollfds(f.srv, NULL, 0), CXLEMU_FMSOCK_MAX_CLIENTS);
	for (i = 1; i < CXLEMU_FMSOCK_MAX_CLIENTS; i++)
		close(fds[i]);
	close(lsv[1]);
	fx_stop(&f);
}

/* A PCI mailbox is no MCTP endpoint: no server for it. */
static void test_server_misuse(void **state)
{
	struct cxlemu_cci_config cc;
	struct cxlemu_cci *cci;
	struct cxlemu_fmsock_server *srv = (void *)1;
	int sv[2];

	(void)state;
	memset(&cc, 0, sizeof(cc));
	cc.version = CXLEMU_CCI_CONFIG_VERSION;
	cc.kind = CXLEMU_CCI_MAILBOX;
	cc.payload_size = 256;
	assert_int_equal(cxlemu_cci_new(NULL, &cc, &cci), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fmsock_server_new(NULL, cci, sv[0], &srv), -EINVAL);
	assert_null(srv);
	/* sv[0] was closed by the failed call: the peer sees the end. */
	assert_int_equal(recv(sv[1], &cc, 1, 0), 0);
	close(sv[1]);
	assert_int_equal(cxlemu_fmsock_server_new(NULL, NULL, -1, &srv), -EINVAL);
	assert_int_equal(cxlemu_fmsock_server_add_client(NULL, -1), -EINVAL);
	assert_int_equal(cxlemu_fmsock_server_clients(NULL), 0);
	cxlemu_fmsock_server_free(NULL);
	cxlemu_cci_free(cci);
}

static void test_rc_name(void **state)
{
	(void)state;
	assert_string_equal(cxlemu_mbox_rc_name(CXLEMU_MBOX_SUCCESS), "Success");
	assert_string_equal(cxlemu_mbox_rc_name(0x2), "Invalid Input");
	assert_string_equal(cxlemu_mbox_rc_name(0x6), "Busy");
	assert_string_equal(cxlemu_mbox_rc_name(0x16), "Invalid Payload Length");
	assert_string_equal(cxlemu_mbox_rc_name(0x20), "Request Abort Not Supported");
	assert_string_equal(cxlemu_mbox_rc_name(0x21), "Unknown Return Code");
	assert_string_equal(cxlemu_mbox_rc_name(-1), "Unknown Return Code");
	assert_string_equal(cxlemu_mbox_rc_name(0xffff), "Unknown Return Code");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_request),
		cmocka_unit_test(test_partial_reads),
		cmocka_unit_test(test_large_frame),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_dropped_messages),
		cmocka_unit_test(test_several_clients),
		cmocka_unit_test(test_back_pressure),
		cmocka_unit_test(test_pollfds),
		cmocka_unit_test(test_client_exchange),
		cmocka_unit_test(test_background_later),
		cmocka_unit_test(test_client_checks),
		cmocka_unit_test(test_listen_connect),
		cmocka_unit_test(test_client_limit),
		cmocka_unit_test(test_server_misuse),
		cmocka_unit_test(test_rc_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
