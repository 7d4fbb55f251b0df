/* SPDX-License-Identifier: MIT */
/*
 * Regressions of the multi-process fabric (lib/vcs/fabric_*.c) and the FM
 * socket (lib/mailbox/fmsock_*.c): each test states the behaviour the
 * documentation promises and failed on a bug a review found (the comments
 * say what the bug was); it passes since the fix.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <cxlemu/cxlemu.h>

#include "testutil.h"

/* Under UBSan, undefined behaviour ends the run (test_host_new_null_name
 * runs last for that reason). */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

/* ---- fabric owner fixture: a switch with VCS 0 and 1, raw hosts ---- */

struct ofx {
	struct cxlemu_ctx *ctx;
	uint64_t now;
	struct cxlemu_switch *sw;
	struct cxlemu_fabric_owner *o;
};

static uint64_t ofx_clock(void *opaque)
{
	return ((struct ofx *)opaque)->now;
}

static void ofx_new(struct ofx *f)
{
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = ofx_clock };
	struct cxlemu_fabric_owner_config oc;
	struct cxlemu_switch_config sc;
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->now = 1000;
	assert_int_equal(cxlemu_ctx_new(&ops, f, &f->ctx), 0);
	cxlemu_switch_config_init(&sc);
	sc.nports = 4;
	sc.nvcs = 2;
	sc.ports[0].type = CXLEMU_SWITCH_PORT_USP;
	sc.ports[1].type = CXLEMU_SWITCH_PORT_USP;
	for (i = 2; i < 4; i++) {
		sc.ports[i].type = CXLEMU_SWITCH_PORT_DSP;
		sc.ports[i].attached = CXLEMU_SWITCH_DEV_SLD;
	}
	for (i = 0; i < 2; i++) {
		sc.vcs[i].enabled = 1;
		sc.vcs[i].usp = (uint8_t)i;
		sc.vcs[i].nvppbs = 2;
	}
	assert_int_equal(cxlemu_switch_new(f->ctx, &sc, &f->sw), 0);
	memset(&oc, 0, sizeof(oc));
	oc.version = CXLEMU_FABRIC_OWNER_CONFIG_VERSION;
	oc.listen_fd = -1;
	assert_int_equal(cxlemu_fabric_owner_new(f->ctx, f->sw, &oc, &f->o), 0);
}

static void ofx_free(struct ofx *f)
{
	cxlemu_fabric_owner_free(f->o);
	cxlemu_switch_free(f->sw);
	cxlemu_ctx_free(f->ctx);
}

/* A socketpair whose first end the owner adopts; the raw end. */
static int raw_peer(struct ofx *f)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fabric_owner_add_fd(f->o, sv[0]), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	return sv[1];
}

static void raw_hello(int fd, unsigned int vcs)
{
	struct cxlemu_fabric_msg m;
	uint8_t b[CXLEMU_FABRIC_MAX_MSG];
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_HELLO;
	m.min_version = 1;
	m.max_version = 1;
	m.vcs = (uint8_t)vcs;
	strcpy(m.name, "raw");
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &n), 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
}

/* The first message the raw end has received, or -1 on EOF / nothing. */
static int raw_first(int fd, struct cxlemu_fabric_msg *m)
{
	uint8_t b[1 << 14];
	size_t len = 0, used;
	ssize_t r;

	while ((r = read(fd, b + len, sizeof(b) - len)) > 0)
		len += (size_t)r;
	if (!len)
		return -1;
	assert_int_equal(cxlemu_fabric_msg_parse(b, len, m, &used), 0);
	return 0;
}

/*
 * docs/fabric-protocol.md: REFUSE reason 3 is "VCS already served by a
 * connected host", and "A later host may connect for the VCS again".  A
 * host whose old connection has just died (EOF not yet seen by the owner)
 * reconnects: in the same service round the owner sees the old
 * connection's EOF and the new HELLO.  hello() (fabric_owner.c:225) tests
 * o->by_vcs[] (still the dead connection until drop() at the end of the
 * round) instead of host_of(), so the new host is refused TAKEN for a VCS
 * nobody serves.
 */
static void test_owner_refuses_reconnect_of_dead_host(void **state)
{
	struct cxlemu_fabric_host_info hi;
	struct cxlemu_fabric_msg m;
	struct ofx f;
	int a, b;

	(void)state;
	ofx_new(&f);
	a = raw_peer(&f);
	raw_hello(a, 0);
	assert_int_equal(cxlemu_fabric_owner_service(f.o), 0);
	assert_int_equal(raw_first(a, &m), 0);
	assert_int_equal(m.type, CXLEMU_FABRIC_WELCOME);
	/* The host process restarts: the old socket closes, a new one says
	 * HELLO before the owner's next round. */
	close(a);
	b = raw_peer(&f);
	raw_hello(b, 0);
	assert_int_equal(cxlemu_fabric_owner_service(f.o), 0);
	assert_int_equal(raw_first(b, &m), 0);
	assert_int_equal(m.type, CXLEMU_FABRIC_WELCOME);  /* bug: REFUSE (TAKEN) */
	assert_int_equal(cxlemu_fabric_owner_service(f.o), 0);
	assert_int_equal(cxlemu_fabric_owner_host_info(f.o, 0, &hi), 0);
	assert_int_equal(hi.connected, 1);
	close(b);
	ofx_free(&f);
}

/*
 * docs/fabric-protocol.md lists REFUSE reason 4 "too many connections",
 * but a connection over the limit is closed without any message
 * (cxlemu_fabric_owner_add_fd(), fabric_owner.c:156-160): the host sees a
 * bare EOF, indistinguishable from a crash of the owner.
 */
static void test_owner_full_sends_no_refuse(void **state)
{
	struct cxlemu_fabric_msg m;
	struct ofx f;
	int fds[32], n = 0, sv[2], i;

	(void)state;
	ofx_new(&f);
	for (;;) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
		if (cxlemu_fabric_owner_add_fd(f.o, sv[0])) {
			break;
		}
		assert_true(n < 32);
		fds[n++] = sv[1];
	}
	/* sv[1]: the connection over the limit; the doc promises REFUSE 4. */
	assert_int_equal(raw_first(sv[1], &m), 0);  /* bug: bare EOF */
	assert_int_equal(m.type, CXLEMU_FABRIC_REFUSE);
	assert_int_equal(m.code, CXLEMU_FABRIC_REFUSE_FULL);
	close(sv[1]);
	for (i = 0; i < n; i++)
		close(fds[i]);
	ofx_free(&f);
}

/* ---- FM socket client ---- */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A hostile server: answers nothing but a never-ending stream of
 * well-formed FM-API responses with a tag the client never uses (0x80)
 * for @secs seconds, then closes. */
static void stale_flood(int fd, unsigned int secs)
{
	static uint8_t buf[17 * 3855];
	uint64_t end = mono_ms() + secs * 1000u;
	int big = 1 << 20;
	size_t i;

	/* As much queued as the system allows: the client has to work
	 * through it without ever waiting. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));

	for (i = 0; i + 17 <= sizeof(buf); i += 17) {
		memset(buf + i, 0, 17);
		buf[i] = 13;               /* frame length */
		buf[i + 4] = 0x07;         /* FM API */
		buf[i + 5] = 1;            /* response */
		buf[i + 6] = 0x80;         /* stale tag */
		buf[i + 8] = 0x00;         /* opcode 5100h */
		buf[i + 9] = 0x51;
	}
	while (mono_ms() < end)
		if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0)
			break;
	close(fd);
	_exit(0);
}

/*
 * fmsock.h / docs/fm-socket.md: cxlemu_fmsock_request() waits "up to a
 * timeout on the monotonic clock".  client_recv() (fmsock_client.c:256-289)
 * skips a response with another tag and loops; read_all() checks the
 * deadline only when recv() would block.  A server that keeps sending
 * stale-tag responses keeps the client inside cxlemu_fmsock_request()
 * forever (here: until the server gives up after 10 s), whatever the
 * timeout; `cxlemu fm --timeout` cannot stop it.
 */
static void test_client_timeout_under_stale_flood(void **state)
{
	struct cxlemu_fmsock_client *c;
	uint8_t out[256];
	size_t out_len;
	uint64_t t0, took;
	pid_t pid;
	int sv[2], rc, st;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		stale_flood(sv[1], 10);
	}
	close(sv[1]);
	assert_int_equal(cxlemu_fmsock_client_new(NULL, sv[0], &c), 0);
	/* Let the flood fill the socket first. */
	usleep(50000);
	t0 = mono_ms();
	rc = cxlemu_fmsock_request(c, 0x5100, NULL, 0, out, sizeof(out), &out_len, 200);
	took = mono_ms() - t0;
	cxlemu_fmsock_client_free(c);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	print_message("request returned %d after %llu ms (timeout 200 ms)\n", rc,
		      (unsigned long long)took);
	assert_int_equal(rc, -ETIMEDOUT);  /* bug: -EPIPE when the flood ends */
	assert_true(took < 2500);          /* bug: until the flood ended (10 s) */
}


/* ---- fabric host ---- */

static int defer_attach(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
			unsigned int ld)
{
	(void)opaque;
	(void)req;
	(void)vppb;
	(void)port;
	(void)ld;
	return CXLEMU_FABRIC_PENDING;
}

static int defer_detach(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
			unsigned int ld, unsigned int mode)
{
	(void)mode;
	return defer_attach(opaque, req, vppb, port, ld);
}

static void host_config(struct cxlemu_fabric_host_config *hc, int fd, const char *name)
{
	memset(hc, 0, sizeof(*hc));
	hc->version = CXLEMU_FABRIC_HOST_CONFIG_VERSION;
	hc->fd = fd;
	hc->vcs = 0;
	hc->name = name;
	hc->attach = defer_attach;
	hc->detach = defer_detach;
}

/*
 * cxlemu_fabric_host_new() with no name is refused (-EINVAL) but first
 * runs memcpy(m.name, cfg->name, 0) with cfg->name NULL
 * (fabric_host.c:59-60): undefined behaviour, reported by UBSan.
 */
static void test_host_new_null_name(void **state)
{
	struct cxlemu_fabric_host_config hc;
	struct cxlemu_fabric_host *h = NULL;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	host_config(&hc, sv[1], NULL);
	assert_int_equal(cxlemu_fabric_host_new(NULL, &hc, &h), -EINVAL);
	assert_null(h);
	close(sv[0]);
}

static void raw_send_msg(int fd, const struct cxlemu_fabric_msg *m)
{
	uint8_t b[CXLEMU_FABRIC_MAX_MSG];
	size_t n;

	assert_int_equal(cxlemu_fabric_msg_encode(m, b, sizeof(b), &n), 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
}

/* Every message the raw end has received; the number of them. */
static size_t raw_all(int fd, struct cxlemu_fabric_msg *ms, size_t max)
{
	uint8_t b[1 << 14];
	size_t len = 0, off = 0, n = 0, used;
	ssize_t r;

	while ((r = read(fd, b + len, sizeof(b) - len)) > 0)
		len += (size_t)r;
	while (off < len && n < max) {
		assert_int_equal(cxlemu_fabric_msg_parse(b + off, len - off, &ms[n], &used), 0);
		off += used;
		n++;
	}
	return n;
}

/*
 * Request-id reuse: a (buggy or hostile) owner sends two ATTACHes with the
 * same request id for two vPPBs.  request() (fabric_host.c:142-157)
 * checks the vPPB's own outstanding request only, so the host takes both;
 * cxlemu_fabric_host_done(7) then answers whichever vPPB comes first
 * (fabric_host.c:320), and the owner receives two DONEs for id 7 that it
 * cannot tell apart.  The host should refuse the second ATTACH (ERROR 6,
 * like the owner does for a DONE whose id is not outstanding).
 */
static void test_host_accepts_duplicate_request_id(void **state)
{
	struct cxlemu_fabric_host_config hc;
	struct cxlemu_fabric_host *h;
	struct cxlemu_fabric_msg m, in[8];
	int sv[2], owner;
	size_t n;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	owner = sv[0];
	assert_int_equal(fcntl(owner, F_SETFL, O_NONBLOCK), 0);
	host_config(&hc, sv[1], "dup");
	assert_int_equal(cxlemu_fabric_host_new(NULL, &hc, &h), 0);
	n = raw_all(owner, in, 8);
	assert_int_equal(n, 1);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_HELLO);
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_WELCOME;
	m.max_version = 1;
	m.nvppbs = 2;
	raw_send_msg(owner, &m);
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_STATE;
	raw_send_msg(owner, &m);
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_ATTACH;
	m.req = 7;
	m.vppb = 0;
	m.port = 2;
	m.ld_id = CXLEMU_SWITCH_NO_LD;
	raw_send_msg(owner, &m);
	m.vppb = 1;
	m.port = 3;
	raw_send_msg(owner, &m);
	(void)cxlemu_fabric_host_service(h);
	n = raw_all(owner, in, 8);
	/* Expected: ERROR (unknown/duplicate request id) and the host closes. */
	assert_int_equal(n, 1);                         /* bug: nothing sent */
	assert_int_equal(in[0].type, CXLEMU_FABRIC_ERROR);
	cxlemu_fabric_host_free(h);
	close(owner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_refuses_reconnect_of_dead_host),
		cmocka_unit_test(test_owner_full_sends_no_refuse),
		cmocka_unit_test(test_client_timeout_under_stale_flood),
		cmocka_unit_test(test_host_accepts_duplicate_request_id),
		cmocka_unit_test(test_host_new_null_name),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
