/* SPDX-License-Identifier: MIT */
/*
 * One switch, several emulator processes (docs/fabric-protocol.md): the
 * codec against hand-written bytes, the owner and two hosts in one process
 * over socketpairs (FM-API binds and unbinds carried out by the hosts,
 * late answers, a host vanishing mid-bind, refusals, protocol errors on
 * both sides, liveness), and the owner with a forked host process that
 * writes device memory, is unbound, and is killed mid-operation.
 */
/* MAP_ANONYMOUS is not POSIX. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
/* The switch's event records, read directly as in test_vcs.c. */
#include "../lib/vcs/vcs_priv.h"

/* ---- the codec ---- */

/* A message by hand: header fields as given, then the payload. */
static size_t mk(uint8_t *b, uint32_t magic, uint16_t ver, uint16_t type, const uint8_t *pl,
		 size_t n)
{
	b[0] = (uint8_t)magic;
	b[1] = (uint8_t)(magic >> 8);
	b[2] = (uint8_t)(magic >> 16);
	b[3] = (uint8_t)(magic >> 24);
	b[4] = (uint8_t)ver;
	b[5] = (uint8_t)(ver >> 8);
	b[6] = (uint8_t)type;
	b[7] = (uint8_t)(type >> 8);
	b[8] = (uint8_t)n;
	b[9] = (uint8_t)(n >> 8);
	b[10] = (uint8_t)(n >> 16);
	b[11] = (uint8_t)(n >> 24);
	if (n)
		memcpy(b + 12, pl, n);
	return 12 + n;
}

#define MAGIC 0x464c5843u

static int parse(const uint8_t *pl, size_t n, uint16_t type, struct cxlemu_fabric_msg *m)
{
	uint8_t b[2048];
	size_t len = mk(b, MAGIC, 1, type, pl, n), used = 0;
	int rc = cxlemu_fabric_msg_parse(b, len, m, &used);

	if (rc == 0)
		assert_int_equal(used, len);
	return rc;
}

/* Every prefix of a valid message is incomplete, never an error. */
static void prefixes_wait(const uint8_t *b, size_t len)
{
	struct cxlemu_fabric_msg m;
	size_t i, used;

	for (i = 0; i < len; i++)
		assert_int_equal(cxlemu_fabric_msg_parse(b, i, &m, &used), -EAGAIN);
}

/* The bytes encode produces for @m are @want. */
static void encodes_to(const struct cxlemu_fabric_msg *m, const uint8_t *want, size_t n)
{
	uint8_t b[2048];
	size_t len;

	assert_int_equal(cxlemu_fabric_msg_encode(m, b, sizeof(b), &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(b, want, n);
	assert_int_equal(cxlemu_fabric_msg_encode(m, b, n - 1, &len), -ENOSPC);
}

static void test_parse_hello(void **state)
{
	const uint8_t pl[] = { 1, 0, 3, 0, 7, 0, 5, 0, 'h', 'o', 's', 't', '1' };
	uint8_t b[64], p2[sizeof(pl)];
	struct cxlemu_fabric_msg m;
	size_t len, used;

	(void)state;
	assert_int_equal(parse(pl, sizeof(pl), 1, &m), 0);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.type, CXLEMU_FABRIC_HELLO);
	assert_int_equal(m.min_version, 1);
	assert_int_equal(m.max_version, 3);
	assert_int_equal(m.vcs, 7);
	assert_string_equal(m.name, "host1");
	assert_int_equal(m.req, 0);
	len = mk(b, MAGIC, 1, 1, pl, sizeof(pl));
	prefixes_wait(b, len);
	encodes_to(&m, b, len);
	/* Followed by another message: only the first is taken. */
	memcpy(b + len, b, len);
	assert_int_equal(cxlemu_fabric_msg_parse(b, 2 * len, &m, &used), 0);
	assert_int_equal(used, len);
	/* Malformed HELLOs. */
#define BAD(off, val, rc)                                                  \
	do {                                                               \
		memcpy(p2, pl, sizeof(pl));                                \
		p2[off] = (val);                                           \
		assert_int_equal(parse(p2, sizeof(pl), 1, &m), rc);        \
	} while (0)
	BAD(0, 0, -EINVAL);      /* min_version 0 */
	BAD(0, 4, -EINVAL);      /* min above max */
	BAD(4, 255, -EINVAL);    /* VCS FFh */
	BAD(5, 1, -EINVAL);      /* reserved */
	BAD(6, 0, -EINVAL);      /* name length 0 */
	BAD(6, 4, -EINVAL);      /* name length short of the payload */
	BAD(6, 6, -EINVAL);      /* name length past the payload */
	BAD(7, 1, -EINVAL);      /* name length 261 */
	BAD(9, 0, -EINVAL);      /* NUL in the name */
	BAD(9, 0x1f, -EINVAL);   /* control character */
	BAD(9, 0x7f, -EINVAL);   /* DEL */
	BAD(9, 0x80, -EINVAL);   /* not ASCII */
#undef BAD
	assert_int_equal(parse(pl, 7, 1, &m), -EINVAL);  /* shorter than its fields */
	{
		uint8_t big[8 + 65];

		memset(big, 'a', sizeof(big));
		memcpy(big, pl, 6);
		big[6] = 64;
		big[7] = 0;
		assert_int_equal(parse(big, 8 + 64, 1, &m), 0);
		assert_int_equal(strlen(m.name), 64);
		big[6] = 65;
		assert_int_equal(parse(big, 8 + 65, 1, &m), -EINVAL);
	}
}

static void test_parse_fixed(void **state)
{
	const uint8_t welcome[] = { 1, 0, 4, 9 };
	const uint8_t refuse[] = { 3, 0, 1, 0, 2, 0, 0, 0 };
	const uint8_t attach[] = { 0x78, 0x56, 0x34, 0x12, 2, 3, 200, 0, 5, 0, 0, 0 };
	const uint8_t detach[] = { 1, 0, 0, 0, 254, 254, 255, 2, 0xff, 0xff, 0, 0 };
	const uint8_t done[] = { 9, 0, 0, 0, 0xfb, 0xff, 0xff, 0xff };
	const uint8_t ping[] = { 1, 2, 3, 4, 5, 6, 7, 0x88 };
	const uint8_t bye[] = { 0x34, 0x12, 0, 0 };
	const uint8_t err[] = { 6, 0, 7, 0 };
	struct cxlemu_fabric_msg m;
	uint8_t b[64];

	(void)state;
	assert_int_equal(parse(welcome, 4, 2, &m), 0);
	assert_int_equal(m.max_version, 1);
	assert_int_equal(m.vcs, 4);
	assert_int_equal(m.nvppbs, 9);
	encodes_to(&m, b, mk(b, MAGIC, 1, 2, welcome, 4));

	assert_int_equal(parse(refuse, 8, 3, &m), 0);
	assert_int_equal(m.code, CXLEMU_FABRIC_REFUSE_TAKEN);
	assert_int_equal(m.min_version, 1);
	assert_int_equal(m.max_version, 2);
	encodes_to(&m, b, mk(b, MAGIC, 1, 3, refuse, 8));

	assert_int_equal(parse(attach, 12, 5, &m), 0);
	assert_int_equal(m.req, 0x12345678);
	assert_int_equal(m.vcs, 2);
	assert_int_equal(m.vppb, 3);
	assert_int_equal(m.port, 200);
	assert_int_equal(m.ld_id, 5);
	encodes_to(&m, b, mk(b, MAGIC, 1, 5, attach, 12));
	prefixes_wait(b, 24);

	assert_int_equal(parse(detach, 12, 6, &m), 0);
	assert_int_equal(m.req, 1);
	assert_int_equal(m.vcs, 254);
	assert_int_equal(m.vppb, 254);
	assert_int_equal(m.port, 255);
	assert_int_equal(m.mode, CXLEMU_UNBIND_SURPRISE);
	assert_int_equal(m.ld_id, CXLEMU_SWITCH_NO_LD);
	encodes_to(&m, b, mk(b, MAGIC, 1, 6, detach, 12));

	assert_int_equal(parse(done, 8, 7, &m), 0);
	assert_int_equal(m.req, 9);
	assert_int_equal(m.status, -5);
	encodes_to(&m, b, mk(b, MAGIC, 1, 7, done, 8));

	assert_int_equal(parse(ping, 8, 8, &m), 0);
	assert_true(m.token == UINT64_C(0x8807060504030201));
	encodes_to(&m, b, mk(b, MAGIC, 1, 8, ping, 8));
	assert_int_equal(parse(ping, 8, 9, &m), 0);
	assert_int_equal(m.type, CXLEMU_FABRIC_PONG);
	assert_true(m.token == UINT64_C(0x8807060504030201));
	encodes_to(&m, b, mk(b, MAGIC, 1, 9, ping, 8));

	assert_int_equal(parse(bye, 4, 10, &m), 0);
	assert_int_equal(m.code, 0x1234);
	encodes_to(&m, b, mk(b, MAGIC, 1, 10, bye, 4));

	assert_int_equal(parse(err, 4, 11, &m), 0);
	assert_int_equal(m.code, CXLEMU_FABRIC_ERR_REQUEST);
	assert_int_equal(m.bad_type, 7);
	encodes_to(&m, b, mk(b, MAGIC, 1, 11, err, 4));
}

static void test_parse_state(void **state)
{
	const uint8_t pl[] = { 3, 3, 0, 0, 0, 2, 0xff, 0xff, 4, 7, 15, 0, 254, 9, 0xff, 0xff };
	uint8_t p2[sizeof(pl)], b[64];
	struct cxlemu_fabric_msg m;

	(void)state;
	assert_int_equal(parse(pl, sizeof(pl), 4, &m), 0);
	assert_int_equal(m.vcs, 3);
	assert_int_equal(m.count, 3);
	assert_int_equal(m.bindings[0].vppb, 0);
	assert_int_equal(m.bindings[0].port, 2);
	assert_int_equal(m.bindings[0].ld_id, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(m.bindings[1].vppb, 4);
	assert_int_equal(m.bindings[1].port, 7);
	assert_int_equal(m.bindings[1].ld_id, 15);
	assert_int_equal(m.bindings[2].vppb, 254);
	assert_int_equal(m.bindings[3].vppb, 0);  /* the rest zero */
	encodes_to(&m, b, mk(b, MAGIC, 1, 4, pl, sizeof(pl)));
	/* Empty. */
	assert_int_equal(parse((const uint8_t[]){ 1, 0, 0, 0 }, 4, 4, &m), 0);
	assert_int_equal(m.count, 0);
	/* Count and length disagree, both ways. */
	assert_int_equal(parse(pl, sizeof(pl) - 4, 4, &m), -EINVAL);
	memcpy(p2, pl, sizeof(pl));
	p2[1] = 2;
	assert_int_equal(parse(p2, sizeof(pl), 4, &m), -EINVAL);
	assert_int_equal(parse(pl, 3, 4, &m), -EINVAL);
#define BAD(off, val)                                                      \
	do {                                                               \
		memcpy(p2, pl, sizeof(pl));                                \
		p2[off] = (val);                                           \
		assert_int_equal(parse(p2, sizeof(pl), 4, &m), -EINVAL);   \
	} while (0)
	BAD(0, 255);  /* VCS */
	BAD(2, 1);    /* reserved */
	BAD(4, 4);    /* vPPBs not increasing (duplicate) */
	BAD(8, 0);    /* not increasing */
	BAD(12, 255); /* vPPB FFh */
	BAD(10, 16);  /* LD 16 */
	BAD(11, 1);   /* LD 0x10f */
#undef BAD
	/* The largest: 255 entries, 1024 bytes. */
	{
		uint8_t big[1024];
		unsigned int i;

		memset(big, 0, sizeof(big));
		big[1] = 255;
		for (i = 0; i < 255; i++) {
			big[4 + 4 * i] = (uint8_t)i;
			big[6 + 4 * i] = 0xff;
			big[7 + 4 * i] = 0xff;
		}
		assert_int_equal(parse(big, sizeof(big), 4, &m), 0);
		assert_int_equal(m.count, 255);
		assert_int_equal(m.bindings[254].vppb, 254);
	}
}

static void test_parse_bad_fields(void **state)
{
	struct cxlemu_fabric_msg m;
	uint8_t a[12] = { 1, 0, 0, 0, 0, 0, 2, 0, 0xff, 0xff, 0, 0 }, p[12];

	(void)state;
	assert_int_equal(parse(a, 12, 5, &m), 0);
	assert_int_equal(parse(a, 12, 6, &m), 0);
#define BAD(type, off, val)                                                \
	do {                                                               \
		memcpy(p, a, sizeof(a));                                   \
		p[off] = (val);                                            \
		assert_int_equal(parse(p, 12, type, &m), -EINVAL);         \
	} while (0)
	BAD(5, 0, 0);     /* request id 0 */
	BAD(5, 4, 255);   /* VCS FFh */
	BAD(5, 5, 255);   /* vPPB FFh */
	BAD(5, 7, 1);     /* ATTACH: reserved */
	BAD(5, 8, 16);    /* LD 0xff10 */
	BAD(5, 10, 1);    /* reserved */
	BAD(5, 11, 0x80); /* reserved */
	BAD(6, 7, 3);     /* DETACH: mode 3 */
	BAD(6, 9, 0);     /* LD 0xff */
#undef BAD
	a[8] = 15;
	a[9] = 0;
	assert_int_equal(parse(a, 12, 5, &m), 0);
	assert_int_equal(m.ld_id, 15);
	/* Fixed lengths: one byte short or long. */
	assert_int_equal(parse(a, 11, 5, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[13]){ 1 }, 13, 5, &m), -EINVAL);
	assert_int_equal(parse(a, 7, 7, &m), -EINVAL);
	assert_int_equal(parse(a, 9, 8, &m), -EINVAL);
	assert_int_equal(parse(a, 0, 9, &m), -EINVAL);
	assert_int_equal(parse(a, 5, 10, &m), -EINVAL);
	assert_int_equal(parse(a, 3, 11, &m), -EINVAL);
	assert_int_equal(parse(a, 5, 2, &m), -EINVAL);
	assert_int_equal(parse(a, 7, 3, &m), -EINVAL);
	/* DONE: request id 0, a positive status, below -4095. */
	assert_int_equal(parse((const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0 }, 8, 7, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 1, 0, 0, 0, 1, 0, 0, 0 }, 8, 7, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 1, 0, 0, 0, 0x00, 0xf0, 0xff, 0xff }, 8, 7, &m),
			 -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 1, 0, 0, 0, 0x01, 0xf0, 0xff, 0xff }, 8, 7, &m),
			 0);
	assert_int_equal(m.status, -4095);
	assert_int_equal(parse((const uint8_t[]){ 1, 0, 0, 0, 0, 0, 0, 0x80 }, 8, 7, &m), -EINVAL);
	/* WELCOME: version 0, VCS FFh. */
	assert_int_equal(parse((const uint8_t[]){ 0, 0, 0, 0 }, 4, 2, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 1, 0, 255, 0 }, 4, 2, &m), -EINVAL);
	/* REFUSE: unknown reasons, min above max, reserved. */
	assert_int_equal(parse((const uint8_t[]){ 0, 0, 1, 0, 1, 0, 0, 0 }, 8, 3, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 5, 0, 1, 0, 1, 0, 0, 0 }, 8, 3, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 1, 0, 2, 0, 1, 0, 0, 0 }, 8, 3, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 1, 0, 1, 0, 1, 0, 0, 1 }, 8, 3, &m), -EINVAL);
	/* BYE reserved; ERROR codes 0 and 8. */
	assert_int_equal(parse((const uint8_t[]){ 0, 0, 1, 0 }, 4, 10, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 0, 0, 0, 0 }, 4, 11, &m), -EINVAL);
	assert_int_equal(parse((const uint8_t[]){ 8, 0, 0, 0 }, 4, 11, &m), -EINVAL);
}

static void test_parse_framing(void **state)
{
	const uint8_t ping[8] = { 0 };
	struct cxlemu_fabric_msg m;
	uint8_t b[2048];
	size_t len, used = 1234;

	(void)state;
	/* Bad magic, even before the payload arrived. */
	len = mk(b, 0x464c5844u, 1, 8, ping, 8);
	assert_int_equal(cxlemu_fabric_msg_parse(b, len, &m, &used), -EBADMSG);
	assert_int_equal(cxlemu_fabric_msg_parse(b, 12, &m, &used), -EBADMSG);
	len = mk(b, 0x43584c46u, 1, 8, ping, 8); /* byte-swapped */
	assert_int_equal(cxlemu_fabric_msg_parse(b, len, &m, &used), -EBADMSG);
	/* Versions 0 and 2. */
	len = mk(b, MAGIC, 0, 8, ping, 8);
	assert_int_equal(cxlemu_fabric_msg_parse(b, len, &m, &used), -EPROTONOSUPPORT);
	assert_int_equal(used, 20);
	len = mk(b, MAGIC, 2, 1, ping, 8);
	assert_int_equal(cxlemu_fabric_msg_parse(b, len, &m, &used), -EPROTONOSUPPORT);
	/* Unknown types. */
	len = mk(b, MAGIC, 1, 0, ping, 8);
	assert_int_equal(cxlemu_fabric_msg_parse(b, len, &m, &used), -ENOMSG);
	len = mk(b, MAGIC, 1, 12, ping, 8);
	assert_int_equal(cxlemu_fabric_msg_parse(b, len, &m, &used), -ENOMSG);
	len = mk(b, MAGIC, 1, 0xffff, NULL, 0);
	assert_int_equal(cxlemu_fabric_msg_parse(b, len, &m, &used), -ENOMSG);
	/* A length above 1024 is refused from the header alone. */
	len = mk(b, MAGIC, 1, 4, NULL, 0);
	b[8] = 0x01;
	b[9] = 0x04;
	assert_int_equal(cxlemu_fabric_msg_parse(b, 12, &m, &used), -EBADMSG);
	b[11] = 0x80;
	b[9] = 0;
	assert_int_equal(cxlemu_fabric_msg_parse(b, 12, &m, &used), -EBADMSG);
	/* 1024 exactly waits for its payload. */
	b[8] = 0;
	b[9] = 0x04;
	b[11] = 0;
	assert_int_equal(cxlemu_fabric_msg_parse(b, 12, &m, &used), -EAGAIN);
	/* NULL arguments. */
	assert_int_equal(cxlemu_fabric_msg_parse(NULL, 0, &m, &used), -EINVAL);
	assert_int_equal(cxlemu_fabric_msg_parse(b, 12, NULL, &used), -EINVAL);
}

static void test_encode_refuses(void **state)
{
	struct cxlemu_fabric_msg m;
	uint8_t b[2048];
	size_t len;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = 12;
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &len), -EINVAL);
	m.type = CXLEMU_FABRIC_ATTACH; /* request id 0 */
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &len), -EINVAL);
	m.req = 1;
	m.ld_id = 16;
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &len), -EINVAL);
	m.ld_id = 0;
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &len), 0);
	m.type = CXLEMU_FABRIC_HELLO; /* no name */
	m.min_version = m.max_version = 1;
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &len), -EINVAL);
	memset(m.name, 'x', sizeof(m.name)); /* 65 characters, no NUL */
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &len), -EINVAL);
	m.type = CXLEMU_FABRIC_STATE;
	m.count = 2;
	m.bindings[0].vppb = 3;
	m.bindings[1].vppb = 3;
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &len), -EINVAL);
	m.type = CXLEMU_FABRIC_DONE;
	m.status = 1;
	assert_int_equal(cxlemu_fabric_msg_encode(&m, b, sizeof(b), &len), -EINVAL);
}

/* ---- owner and hosts in one process ---- */

static const char *host_cmdline =
	"-M q35,cxl=on -m 4G "
	"-object memory-backend-ram,id=m2,size=256M "
	"-object memory-backend-ram,id=m3,size=256M "
	"-object memory-backend-ram,id=m4,size=256M "
	"-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1 "
	"-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0 "
	"-device cxl-upstream,bus=rp0,id=us0 "
	"-device cxl-downstream,port=0,bus=us0,id=vppb0,chassis=0,slot=4 "
	"-device cxl-downstream,port=1,bus=us0,id=vppb1,chassis=0,slot=5 "
	"-device cxl-downstream,port=2,bus=us0,id=vppb2,chassis=0,slot=6 "
	"-device cxl-type3,bus=vppb0,volatile-memdev=m2,id=dev2 "
	"-device cxl-type3,bus=vppb1,volatile-memdev=m3,id=dev3 "
	"-device cxl-type3,bus=vppb2,volatile-memdev=m4,id=dev4 "
	"-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G";

#define NVPPB 3   /* vPPBs of each host VCS, and SLD ports 2..4 */
#define MLD_PORT 5
#define BACKING 0x4000

/* One host's topology: its vPPBs' ports and the devices it can see. */
struct view {
	struct cxlemu_topo *topo;
	uint32_t vppb_port[NVPPB];
	uint32_t dev[NVPPB]; /* by switch port - 2 */
};

static void view_new(struct cxlemu_ctx *ctx, struct view *v)
{
	char err[256], name[8];
	unsigned int i;

	if (cxlemu_topo_from_qemu_string(ctx, host_cmdline, &v->topo, err, sizeof(err)))
		fail_msg("%s", err);
	for (i = 0; i < NVPPB; i++) {
		snprintf(name, sizeof(name), "vppb%u", i);
		v->vppb_port[i] = cxlemu_topo_find(v->topo, name);
		snprintf(name, sizeof(name), "dev%u", i + 2);
		v->dev[i] = cxlemu_topo_find(v->topo, name);
		assert_int_not_equal(v->dev[i], CXLEMU_COMP_NONE);
		assert_int_equal(cxlemu_topo_detach(v->topo, v->vppb_port[i]), 0);
	}
}

/* A 1-way region over the device of switch port @port; its base HPA. */
static int view_region(struct view *v, unsigned int port, uint64_t *hpa)
{
	struct cxlemu_region_desc r;

	memset(&r, 0, sizeof(r));
	r.version = CXLEMU_REGION_DESC_VERSION;
	r.ways = 1;
	r.gran = 256;
	r.size = UINT64_C(256) << 20;
	r.endpoints[0] = v->dev[port - 2];
	return cxlemu_topo_region_create(v->topo, &r, hpa);
}

/* The DPA an HPA reaches on the device of @port, or -1 when unrouted or
 * routed elsewhere. */
static int64_t view_route(struct view *v, uint64_t hpa, unsigned int port)
{
	uint32_t ep;
	uint64_t dpa;

	if (cxlemu_topo_route(v->topo, hpa, &ep, &dpa) || ep != v->dev[port - 2])
		return -1;
	return (int64_t)dpa;
}

struct fx;

struct th {
	struct fx *f;
	unsigned int vcs;
	struct cxlemu_fabric_host *h;
	struct view v;
	bool defer;       /* leave requests pending */
	int fail;         /* what a request returns when not 0 */
	uint32_t req;     /* the last request left pending */
	unsigned int req_vppb, req_port, attaches, detaches, bounds, last_mode, last_ld;
	int rc;           /* last cxlemu_fabric_host_service() result */
};

struct fx {
	struct cxlemu_ctx *ctx;
	uint64_t now;
	struct cxlemu_switch *sw;
	struct cxlemu_cci *fm;
	struct cxlemu_fabric_owner *o;
	struct th host[3];
	unsigned int arrived[4], left[4];
};

static uint64_t fake_clock(void *opaque)
{
	return ((struct fx *)opaque)->now;
}

static int host_attach(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
		       unsigned int ld)
{
	struct th *t = opaque;

	t->attaches++;
	t->last_ld = ld;
	t->req = req;
	t->req_vppb = vppb;
	t->req_port = port;
	if (t->fail)
		return t->fail;
	if (t->defer)
		return CXLEMU_FABRIC_PENDING;
	if (port >= 2 && port < 2 + NVPPB)
		assert_int_equal(cxlemu_topo_attach(t->v.topo, t->v.vppb_port[vppb],
						    t->v.dev[port - 2]), 0);
	return 0;
}

static int host_detach(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
		       unsigned int ld, unsigned int mode)
{
	struct th *t = opaque;

	t->detaches++;
	t->last_ld = ld;
	t->last_mode = mode;
	t->req = req;
	t->req_vppb = vppb;
	t->req_port = port;
	if (t->fail)
		return t->fail;
	if (t->defer)
		return CXLEMU_FABRIC_PENDING;
	if (port >= 2 && port < 2 + NVPPB)
		assert_int_equal(cxlemu_topo_detach(t->v.topo, t->v.vppb_port[vppb]), 0);
	return 0;
}

static void host_bound(void *opaque, unsigned int vppb, unsigned int port, unsigned int ld)
{
	struct th *t = opaque;

	t->bounds++;
	t->req_vppb = vppb;
	t->req_port = port;
	t->last_ld = ld;
	if (port >= 2 && port < 2 + NVPPB)
		assert_int_equal(cxlemu_topo_attach(t->v.topo, t->v.vppb_port[vppb],
						    t->v.dev[port - 2]), 0);
}

static void host_changed(void *opaque, unsigned int vcs, bool connected, const char *name)
{
	struct fx *f = opaque;

	assert_true(vcs < 4);
	assert_non_null(name);
	if (connected)
		f->arrived[vcs]++;
	else
		f->left[vcs]++;
}

/* The switch: USPs 0, 1 and 6 for VCSs 0, 1 and 2 (2 has no host in these
 * tests), SLDs on ports 2..4, an MLD of 4 LDs on port 5; VCS 3 disabled. */
static void switch_config(struct cxlemu_switch_config *sc)
{
	unsigned int i;

	cxlemu_switch_config_init(sc);
	sc->nports = 7;
	sc->nvcs = 4;
	sc->ports[0].type = CXLEMU_SWITCH_PORT_USP;
	sc->ports[1].type = CXLEMU_SWITCH_PORT_USP;
	sc->ports[6].type = CXLEMU_SWITCH_PORT_USP;
	for (i = 2; i <= 5; i++) {
		sc->ports[i].type = CXLEMU_SWITCH_PORT_DSP;
		sc->ports[i].attached = CXLEMU_SWITCH_DEV_SLD;
	}
	sc->ports[MLD_PORT].attached = CXLEMU_SWITCH_DEV_MLD;
	sc->ports[MLD_PORT].ld_count = 4;
	for (i = 0; i < 3; i++) {
		sc->vcs[i].enabled = 1;
		sc->vcs[i].nvppbs = NVPPB;
	}
	sc->vcs[0].usp = 0;
	sc->vcs[1].usp = 1;
	sc->vcs[2].usp = 6;
	sc->vcs[3].nvppbs = 1;
}

static struct cxlemu_cci *fm_cci(struct cxlemu_ctx *ctx, struct cxlemu_switch *sw)
{
	struct cxlemu_cci_config cc;
	struct cxlemu_cci *cci;

	memset(&cc, 0, sizeof(cc));
	cc.version = CXLEMU_CCI_CONFIG_VERSION;
	cc.kind = CXLEMU_CCI_SWITCH;
	cc.payload_size = 4096;
	cc.fabric_switch = sw;
	assert_int_equal(cxlemu_cci_new(ctx, &cc, &cci), 0);
	return cci;
}

static struct fx *fx_new_with(void (*before_owner)(struct fx *))
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = fake_clock };
	struct cxlemu_fabric_owner_config oc;
	struct cxlemu_switch_config sc;

	assert_non_null(f);
	f->now = 1000;
	assert_int_equal(cxlemu_ctx_new(&ops, f, &f->ctx), 0);
	switch_config(&sc);
	assert_int_equal(cxlemu_switch_new(f->ctx, &sc, &f->sw), 0);
	f->fm = fm_cci(f->ctx, f->sw);
	if (before_owner)
		before_owner(f);
	memset(&oc, 0, sizeof(oc));
	oc.version = CXLEMU_FABRIC_OWNER_CONFIG_VERSION;
	oc.listen_fd = -1;
	oc.ping_interval_ms = 100;
	oc.timeout_ms = 500;
	oc.host_changed = host_changed;
	oc.opaque = f;
	assert_int_equal(cxlemu_fabric_owner_new(f->ctx, f->sw, &oc, &f->o), 0);
	return f;
}

static struct fx *fx_new(void)
{
	return fx_new_with(NULL);
}

static void pump(struct fx *f)
{
	unsigned int k, i;

	for (k = 0; k < 16; k++) {
		assert_int_equal(cxlemu_fabric_owner_service(f->o), 0);
		for (i = 0; i < 3; i++)
			if (f->host[i].h)
				f->host[i].rc = cxlemu_fabric_host_service(f->host[i].h);
		cxlemu_cci_poll(f->fm);
	}
}

/* Starts host @i for VCS @vcs over a socketpair; returns the host end's fd. */
static int host_start(struct fx *f, unsigned int i, unsigned int vcs, const char *name)
{
	struct cxlemu_fabric_host_config hc;
	struct th *t = &f->host[i];
	struct pollfd pfd;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fabric_owner_add_fd(f->o, sv[0]), 0);
	if (!t->v.topo)
		view_new(f->ctx, &t->v);
	t->f = f;
	t->vcs = vcs;
	memset(&hc, 0, sizeof(hc));
	hc.version = CXLEMU_FABRIC_HOST_CONFIG_VERSION;
	hc.fd = sv[1];
	hc.vcs = vcs;
	hc.name = name;
	hc.ping_interval_ms = 100;
	hc.timeout_ms = 500;
	hc.attach = host_attach;
	hc.detach = host_detach;
	hc.bound = host_bound;
	hc.opaque = t;
	assert_int_equal(cxlemu_fabric_host_new(f->ctx, &hc, &t->h), 0);
	assert_int_equal(cxlemu_fabric_host_state(t->h), CXLEMU_FABRIC_HOST_CONNECTING);
	assert_int_equal(cxlemu_fabric_host_pollfd(t->h, &pfd), 0);
	assert_int_equal(pfd.fd, sv[1]);
	pump(f);
	return sv[1];
}

static void host_stop(struct th *t)
{
	cxlemu_fabric_host_free(t->h);
	t->h = NULL;
}

static void fx_free(struct fx *f)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		host_stop(&f->host[i]);
		cxlemu_topo_free(f->host[i].v.topo);
	}
	cxlemu_fabric_owner_free(f->o);
	cxlemu_cci_free(f->fm);
	cxlemu_switch_free(f->sw);
	cxlemu_ctx_free(f->ctx);
	free(f);
}

/* Background Operation Status (0002h): whether one runs; its return code. */
static bool bg_running(struct cxlemu_cci *fm, uint16_t *opcode, int *rc)
{
	uint8_t out[16];
	size_t len;

	assert_int_equal(cxlemu_cci_execute(fm, 0x0002, NULL, 0, out, sizeof(out), &len),
			 CXLEMU_MBOX_SUCCESS);
	*opcode = (uint16_t)test_le(out + 2, 2);
	*rc = (int)test_le(out + 4, 2);
	return out[0] & 1;
}

static int fm_start_bind(struct cxlemu_cci *fm, unsigned int vcs, unsigned int vppb,
			 unsigned int port, unsigned int ld)
{
	const uint8_t in[6] = { (uint8_t)vcs, (uint8_t)vppb, (uint8_t)port, 0, (uint8_t)ld,
				(uint8_t)(ld >> 8) };
	uint8_t out[16];
	size_t len;

	return cxlemu_cci_execute(fm, 0x5201, in, sizeof(in), out, sizeof(out), &len);
}

static int fm_start_unbind(struct cxlemu_cci *fm, unsigned int vcs, unsigned int vppb,
			   unsigned int mode)
{
	const uint8_t in[3] = { (uint8_t)vcs, (uint8_t)vppb, (uint8_t)mode };
	uint8_t out[16];
	size_t len;

	return cxlemu_cci_execute(fm, 0x5202, in, sizeof(in), out, sizeof(out), &len);
}

/* Pumps, then the finished background command's return code. */
static int fm_result(struct fx *f, uint16_t op)
{
	uint16_t got;
	int rc;

	pump(f);
	assert_false(bg_running(f->fm, &got, &rc));
	assert_int_equal(got, op);
	return rc;
}

static int fm_bind(struct fx *f, unsigned int vcs, unsigned int vppb, unsigned int port,
		   unsigned int ld)
{
	int rc = fm_start_bind(f->fm, vcs, vppb, port, ld);

	if (rc != CXLEMU_MBOX_BG_STARTED)
		return rc;
	return fm_result(f, 0x5201);
}

static int fm_unbind(struct fx *f, unsigned int vcs, unsigned int vppb, unsigned int mode)
{
	int rc = fm_start_unbind(f->fm, vcs, vppb, mode);

	if (rc != CXLEMU_MBOX_BG_STARTED)
		return rc;
	return fm_result(f, 0x5202);
}

static void sw_vppb_is(struct cxlemu_switch *sw, unsigned int vcs, unsigned int vppb,
		       unsigned int st, unsigned int port, unsigned int ld)
{
	struct cxlemu_switch_vppb_info vi;

	assert_int_equal(cxlemu_switch_vppb_info(sw, vcs, vppb, &vi), 0);
	assert_int_equal(vi.state, st);
	if (st != CXLEMU_VPPB_UNBOUND)
		assert_int_equal(vi.port, port);
	assert_int_equal(vi.ld_id, ld);
}

static void host_vppb_is(struct th *t, unsigned int vppb, unsigned int st, unsigned int port)
{
	struct cxlemu_switch_vppb_info vi;

	assert_int_equal(cxlemu_fabric_host_vppb(t->h, vppb, &vi), 0);
	assert_int_equal(vi.state, st);
	if (st != CXLEMU_VPPB_UNBOUND)
		assert_int_equal(vi.port, port);
}

static void port_bound(struct cxlemu_switch *sw, unsigned int port, unsigned int n)
{
	struct cxlemu_switch_port_info pi;

	assert_int_equal(cxlemu_switch_port_info(sw, port, &pi), 0);
	assert_int_equal(pi.bound, n);
}

/* The next record of a log: a Binding Change of (vcs, vppb) with the
 * binding status, port and LD it reports (Table 7-78). */
static void event_is(struct cxlemu_switch *sw, unsigned int log, unsigned int vcs,
		     unsigned int vppb, unsigned int status, unsigned int port, unsigned int ld)
{
	struct vcs_event ev;

	assert_true(vcs_event_pop(sw, log, &ev));
	assert_int_equal(ev.rec[0x11], log);
	assert_int_equal(ev.rec[0x30], vcs);
	assert_int_equal(ev.rec[0x31], vppb);
	assert_int_equal(ev.rec[0x32], 0);
	assert_int_equal(ev.rec[0x33], status);
	assert_int_equal(ev.rec[0x34], port);
	assert_int_equal(ev.rec[0x35], ld);
}

static void no_event(struct cxlemu_switch *sw)
{
	assert_int_equal(vcs_event_count(sw, VCS_LOG_INFO), 0);
	assert_int_equal(vcs_event_count(sw, VCS_LOG_WARN), 0);
}

static void host_info_is(struct fx *f, unsigned int vcs, bool connected, unsigned int pending,
			 const char *name)
{
	struct cxlemu_fabric_host_info hi;

	assert_int_equal(cxlemu_fabric_owner_host_info(f->o, vcs, &hi), 0);
	assert_int_equal(hi.connected, connected);
	assert_int_equal(hi.pending, pending);
	assert_string_equal(hi.name, name);
}

static void test_ipc_bind_unbind(void **state)
{
	struct fx *f = fx_new();
	static const char msg[] = "through host 0";
	struct th *h0 = &f->host[0], *h1 = &f->host[1];
	uint64_t hpa;
	int64_t dpa;
	uint8_t mem[BACKING];
	unsigned int i;

	(void)state;
	host_start(f, 0, 0, "host0");
	host_start(f, 1, 1, "host1");
	assert_int_equal(cxlemu_fabric_host_state(h0->h), CXLEMU_FABRIC_HOST_WELCOMED);
	assert_int_equal(h0->rc, 0);
	assert_int_equal(f->arrived[0], 1);
	assert_int_equal(f->arrived[1], 1);
	host_info_is(f, 0, true, 0, "host0");
	host_info_is(f, 1, true, 0, "host1");
	host_info_is(f, 2, false, 0, "");
	assert_int_equal(cxlemu_fabric_owner_pollfds(f->o, NULL, 0), 2);
	host_vppb_is(h0, 0, CXLEMU_VPPB_UNBOUND, 0);
	assert_int_equal(h0->bounds, 0);  /* empty STATE */

	/* Bind port 2 to host 0's vPPB 1: the host hot-adds it, writes. */
	assert_int_equal(fm_bind(f, 0, 1, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(h0->attaches, 1);
	assert_int_equal(h0->req_vppb, 1);
	assert_int_equal(h0->req_port, 2);
	assert_int_equal(h0->last_ld, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(h1->attaches, 0);
	sw_vppb_is(f->sw, 0, 1, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h0, 1, CXLEMU_VPPB_BOUND_PORT, 2);
	event_is(f->sw, VCS_LOG_INFO, 0, 1, 2, 2, 0xff);
	no_event(f->sw);
	host_info_is(f, 0, true, 0, "host0");
	assert_int_equal(view_region(&h0->v, 2, &hpa), 0);
	memset(mem, 0, sizeof(mem));
	for (i = 0; i < sizeof(msg); i++) {
		dpa = view_route(&h0->v, hpa + 0x100 + i, 2);
		assert_true(dpa >= 0 && dpa < BACKING);
		mem[dpa] = (uint8_t)msg[i];
	}
	/* Unbind (managed): the host hot-removes it; host 0 loses the route. */
	assert_int_equal(fm_unbind(f, 0, 1, CXLEMU_UNBIND_MANAGED), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(h0->detaches, 1);
	assert_int_equal(h0->last_mode, CXLEMU_UNBIND_MANAGED);
	assert_int_equal(view_route(&h0->v, hpa + 0x100, 2), -1);
	host_vppb_is(h0, 1, CXLEMU_VPPB_UNBOUND, 0);
	event_is(f->sw, VCS_LOG_INFO, 0, 1, 0, 0xff, 0xff);
	/* Rebind to host 1; it reads what host 0 wrote. */
	assert_int_equal(fm_bind(f, 1, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(h1->attaches, 1);
	assert_int_equal(view_region(&h1->v, 2, &hpa), 0);
	for (i = 0; i < sizeof(msg); i++) {
		dpa = view_route(&h1->v, hpa + 0x100 + i, 2);
		assert_true(dpa >= 0 && dpa < BACKING);
		assert_int_equal(mem[dpa], (uint8_t)msg[i]);
	}
	/* An LD of the MLD: the LD ID travels to the host. */
	assert_int_equal(fm_bind(f, 0, 2, MLD_PORT, 3), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(h0->last_ld, 3);
	assert_int_equal(h0->req_port, MLD_PORT);
	sw_vppb_is(f->sw, 0, 2, CXLEMU_VPPB_BOUND_LD, MLD_PORT, 3);
	host_vppb_is(h0, 2, CXLEMU_VPPB_BOUND_LD, MLD_PORT);
	assert_int_equal(fm_unbind(f, 0, 2, CXLEMU_UNBIND_SURPRISE), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(h0->last_mode, CXLEMU_UNBIND_SURPRISE);
	assert_int_equal(h0->last_ld, 3);
	/* A host that refuses the hot-add: the bind fails, Internal Error. */
	h1->fail = -EIO;
	assert_int_equal(fm_bind(f, 1, 1, 3, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(f->sw, 1, 1, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h1, 1, CXLEMU_VPPB_UNBOUND, 0);
	port_bound(f->sw, 3, 0);
	/* ... and the hot-remove: the binding stays. */
	assert_int_equal(fm_unbind(f, 1, 0, CXLEMU_UNBIND_MANAGED), CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(f->sw, 1, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h1, 0, CXLEMU_VPPB_BOUND_PORT, 2);
	h1->fail = 0;
	assert_int_equal(fm_unbind(f, 1, 0, CXLEMU_UNBIND_MANAGED), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(h0->rc, 0);
	assert_int_equal(h1->rc, 0);
	fx_free(f);
}

static void test_ipc_late_done(void **state)
{
	struct fx *f = fx_new();
	struct th *h0 = &f->host[0];
	uint16_t op;
	int rc;

	(void)state;
	host_start(f, 0, 0, "late");
	h0->defer = true;
	assert_int_equal(fm_start_bind(f->fm, 0, 0, 3, CXLEMU_SWITCH_NO_LD),
			 CXLEMU_MBOX_BG_STARTED);
	pump(f);
	/* The host has it; the FM's command still runs. */
	assert_int_equal(h0->attaches, 1);
	assert_true(bg_running(f->fm, &op, &rc));
	assert_int_equal(op, 0x5201);
	sw_vppb_is(f->sw, 0, 0, CXLEMU_VPPB_BINDING, 3, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h0, 0, CXLEMU_VPPB_BINDING, 3);
	host_info_is(f, 0, true, 1, "late");
	no_event(f->sw);
	/* Busy for the FM meanwhile (one background command at a time). */
	assert_int_equal(fm_start_bind(f->fm, 0, 1, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_BUSY);
	/* A DONE for a request nobody asked is refused locally. */
	assert_int_equal(cxlemu_fabric_host_done(h0->h, h0->req + 1, 0), -ENOENT);
	assert_int_equal(cxlemu_fabric_host_done(h0->h, h0->req, 1), -EINVAL);
	assert_int_equal(cxlemu_fabric_host_done(h0->h, h0->req, -4096), -EINVAL);
	/* The host answers later. */
	assert_int_equal(cxlemu_topo_attach(h0->v.topo, h0->v.vppb_port[0], h0->v.dev[1]), 0);
	assert_int_equal(cxlemu_fabric_host_done(h0->h, h0->req, 0), 0);
	assert_int_equal(cxlemu_fabric_host_done(h0->h, h0->req, 0), -ENOENT);
	assert_int_equal(fm_result(f, 0x5201), CXLEMU_MBOX_SUCCESS);
	sw_vppb_is(f->sw, 0, 0, CXLEMU_VPPB_BOUND_PORT, 3, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h0, 0, CXLEMU_VPPB_BOUND_PORT, 3);
	host_info_is(f, 0, true, 0, "late");
	event_is(f->sw, VCS_LOG_INFO, 0, 0, 2, 3, 0xff);
	/* A late failure of an unbind: the binding stays. */
	assert_int_equal(fm_start_unbind(f->fm, 0, 0, CXLEMU_UNBIND_WAIT_LINK_DOWN),
			 CXLEMU_MBOX_BG_STARTED);
	pump(f);
	assert_true(bg_running(f->fm, &op, &rc));
	sw_vppb_is(f->sw, 0, 0, CXLEMU_VPPB_UNBINDING, 3, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h0, 0, CXLEMU_VPPB_UNBINDING, 3);
	assert_int_equal(h0->last_mode, CXLEMU_UNBIND_WAIT_LINK_DOWN);
	assert_int_equal(cxlemu_fabric_host_done(h0->h, h0->req, -EBUSY), 0);
	assert_int_equal(fm_result(f, 0x5202), CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(f->sw, 0, 0, CXLEMU_VPPB_BOUND_PORT, 3, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h0, 0, CXLEMU_VPPB_BOUND_PORT, 3);
	event_is(f->sw, VCS_LOG_WARN, 0, 0, 2, 3, 0xff);
	/* A late failure of a bind: unbound. */
	assert_int_equal(fm_start_bind(f->fm, 0, 1, 2, CXLEMU_SWITCH_NO_LD),
			 CXLEMU_MBOX_BG_STARTED);
	pump(f);
	assert_int_equal(cxlemu_fabric_host_done(h0->h, h0->req, -ENODEV), 0);
	assert_int_equal(fm_result(f, 0x5201), CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(f->sw, 0, 1, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h0, 1, CXLEMU_VPPB_UNBOUND, 0);
	port_bound(f->sw, 2, 0);
	event_is(f->sw, VCS_LOG_WARN, 0, 1, 0, 0xff, 0xff);
	no_event(f->sw);
	assert_int_equal(h0->rc, 0);
	fx_free(f);
}

/* Host 1 disappears (its socket shut down, no BYE) with one vPPB bound
 * and a bind in progress: the bind fails, both vPPBs end unbound with
 * their records; host 0, with its own binding, is not touched. */
static void test_ipc_host_vanishes_mid_bind(void **state)
{
	struct fx *f = fx_new();
	struct th *h0 = &f->host[0], *h1 = &f->host[1];
	uint16_t op;
	int fd1, rc;

	(void)state;
	host_start(f, 0, 0, "stays");
	fd1 = host_start(f, 1, 1, "goes");
	assert_int_equal(fm_bind(f, 0, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(fm_bind(f, 1, 0, 3, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_SUCCESS);
	event_is(f->sw, VCS_LOG_INFO, 0, 0, 2, 2, 0xff);
	event_is(f->sw, VCS_LOG_INFO, 1, 0, 2, 3, 0xff);
	h1->defer = true;
	assert_int_equal(fm_start_bind(f->fm, 1, 2, MLD_PORT, 1), CXLEMU_MBOX_BG_STARTED);
	pump(f);
	assert_int_equal(h1->attaches, 2);
	sw_vppb_is(f->sw, 1, 2, CXLEMU_VPPB_BINDING, MLD_PORT, 1);
	host_info_is(f, 1, true, 1, "goes");
	/* Gone without a word. */
	assert_int_equal(shutdown(fd1, SHUT_RDWR), 0);
	pump(f);
	assert_false(bg_running(f->fm, &op, &rc));
	assert_int_equal(op, 0x5201);
	assert_int_equal(rc, CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(f->sw, 1, 2, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	sw_vppb_is(f->sw, 1, 0, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	port_bound(f->sw, 3, 0);
	port_bound(f->sw, MLD_PORT, 0);
	event_is(f->sw, VCS_LOG_WARN, 1, 2, 0, 0xff, 0xff);
	event_is(f->sw, VCS_LOG_INFO, 1, 0, 0, 0xff, 0xff);
	no_event(f->sw);
	host_info_is(f, 1, false, 0, "");
	assert_int_equal(f->left[1], 1);
	assert_int_equal(f->left[0], 0);
	assert_int_equal(h1->rc, -ECONNRESET);
	assert_int_equal(cxlemu_fabric_host_state(h1->h), CXLEMU_FABRIC_HOST_CLOSED);
	assert_int_equal(cxlemu_fabric_host_done(h1->h, h1->req, 0), -ENOTCONN);
	assert_int_equal(cxlemu_fabric_host_service(h1->h), -ECONNRESET);
	/* Host 0 keeps its binding and still works. */
	sw_vppb_is(f->sw, 0, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	host_vppb_is(h0, 0, CXLEMU_VPPB_BOUND_PORT, 2);
	host_info_is(f, 0, true, 0, "stays");
	assert_int_equal(h0->rc, 0);
	assert_int_equal(fm_bind(f, 0, 1, 3, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(fm_unbind(f, 0, 1, CXLEMU_UNBIND_MANAGED), CXLEMU_MBOX_SUCCESS);
	/* VCS 1 has no host: a bind fails at once. */
	assert_int_equal(fm_bind(f, 1, 0, 3, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(f->sw, 1, 0, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	/* A new host process for VCS 1: empty STATE, binds work again. */
	host_stop(h1);
	cxlemu_topo_free(h1->v.topo);
	memset(h1, 0, sizeof(*h1));
	host_start(f, 1, 1, "again");
	assert_int_equal(f->arrived[1], 2);
	assert_int_equal(h1->bounds, 0);
	assert_int_equal(fm_bind(f, 1, 0, 3, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_SUCCESS);
	host_vppb_is(h1, 0, CXLEMU_VPPB_BOUND_PORT, 3);
	/* A clean goodbye (BYE) has the same consequence. */
	host_stop(h1);
	pump(f);
	sw_vppb_is(f->sw, 1, 0, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(f->left[1], 2);
	sw_vppb_is(f->sw, 0, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	fx_free(f);
}

/* Bindings made before the owner took the switch: a host connecting gets
 * them in STATE; an unbind without a host succeeds at once. */
static void bind_before_owner(struct fx *f)
{
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 2, 4, CXLEMU_SWITCH_NO_LD), 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 0, 0, MLD_PORT, 2), 0);
	assert_int_equal(cxlemu_switch_bind(f->sw, 1, 0, 3, CXLEMU_SWITCH_NO_LD), 0);
}

static void test_ipc_state_snapshot(void **state)
{
	struct fx *f = fx_new_with(bind_before_owner);
	struct th *h0 = &f->host[0];
	struct vcs_event ev;
	uint64_t hpa;

	(void)state;
	while (vcs_event_pop(f->sw, VCS_LOG_INFO, &ev))
		;
	host_start(f, 0, 0, "restarted");
	/* The bound vPPBs of VCS 0 come in STATE, in vPPB order. */
	assert_int_equal(h0->bounds, 2);
	assert_int_equal(h0->req_vppb, 2);
	assert_int_equal(h0->req_port, 4);
	host_vppb_is(h0, 0, CXLEMU_VPPB_BOUND_LD, MLD_PORT);
	host_vppb_is(h0, 1, CXLEMU_VPPB_UNBOUND, 0);
	host_vppb_is(h0, 2, CXLEMU_VPPB_BOUND_PORT, 4);
	assert_int_equal(h0->attaches, 0);
	assert_int_equal(view_region(&h0->v, 4, &hpa), 0);
	assert_true(view_route(&h0->v, hpa, 4) >= 0);
	/* VCS 1 has no host: its unbind is done at once. */
	assert_int_equal(fm_unbind(f, 1, 0, CXLEMU_UNBIND_MANAGED), CXLEMU_MBOX_SUCCESS);
	sw_vppb_is(f->sw, 1, 0, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	event_is(f->sw, VCS_LOG_INFO, 1, 0, 0, 0xff, 0xff);
	/* Host 0 unbinds what it learnt from STATE. */
	assert_int_equal(fm_unbind(f, 0, 2, CXLEMU_UNBIND_MANAGED), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(h0->detaches, 1);
	assert_int_equal(view_route(&h0->v, hpa, 4), -1);
	assert_int_equal(fm_unbind(f, 0, 0, CXLEMU_UNBIND_MANAGED), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(h0->last_ld, 2);
	host_vppb_is(h0, 0, CXLEMU_VPPB_UNBOUND, 0);
	fx_free(f);
}

/* ---- the protocol by hand ---- */

static int raw_owner_peer(struct fx *f)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fabric_owner_add_fd(f->o, sv[0]), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	return sv[1];
}

static void raw_send(int fd, const uint8_t *b, size_t n)
{
	assert_int_equal(write(fd, b, n), (ssize_t)n);
}

static void raw_send_msg(int fd, const struct cxlemu_fabric_msg *m)
{
	uint8_t b[CXLEMU_FABRIC_MAX_MSG];
	size_t n;

	assert_int_equal(cxlemu_fabric_msg_encode(m, b, sizeof(b), &n), 0);
	raw_send(fd, b, n);
}

static void raw_hello(int fd, unsigned int vcs, uint16_t minv, uint16_t maxv)
{
	struct cxlemu_fabric_msg m;

	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_HELLO;
	m.min_version = minv;
	m.max_version = maxv;
	m.vcs = (uint8_t)vcs;
	strcpy(m.name, "raw");
	raw_send_msg(fd, &m);
}

/* What has arrived: up to @max messages (each must parse), and whether
 * the peer closed. */
static size_t raw_read(int fd, struct cxlemu_fabric_msg *ms, size_t max, bool *eof)
{
	static uint8_t buf[1 << 16];
	size_t len = 0, off = 0, n = 0, used;
	ssize_t r;

	*eof = false;
	while ((r = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)r;
	if (r == 0)
		*eof = true;
	else
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNRESET);
	while (off < len) {
		assert_true(n < max);
		assert_int_equal(cxlemu_fabric_msg_parse(buf + off, len - off, &ms[n], &used), 0);
		off += used;
		n++;
	}
	return n;
}

/* The peer got exactly an ERROR with @code about @type, then EOF. */
static void raw_expect_error(struct fx *f, int fd, unsigned int code, unsigned int type)
{
	struct cxlemu_fabric_msg m[4];
	bool eof;

	pump(f);
	assert_int_equal(raw_read(fd, m, 4, &eof), 1);
	assert_true(eof);
	assert_int_equal(m[0].type, CXLEMU_FABRIC_ERROR);
	assert_int_equal(m[0].code, code);
	assert_int_equal(m[0].bad_type, type);
	close(fd);
}

/* A raw host of @vcs, welcomed: WELCOME and STATE read. */
static int raw_host(struct fx *f, unsigned int vcs)
{
	struct cxlemu_fabric_msg m[4];
	int fd = raw_owner_peer(f);
	bool eof;

	raw_hello(fd, vcs, 1, 1);
	pump(f);
	assert_int_equal(raw_read(fd, m, 4, &eof), 2);
	assert_false(eof);
	assert_int_equal(m[0].type, CXLEMU_FABRIC_WELCOME);
	assert_int_equal(m[0].max_version, 1);
	assert_int_equal(m[0].vcs, vcs);
	assert_int_equal(m[0].nvppbs, NVPPB);
	assert_int_equal(m[1].type, CXLEMU_FABRIC_STATE);
	assert_int_equal(m[1].vcs, vcs);
	return fd;
}

static void raw_expect_refuse(struct fx *f, int fd, unsigned int reason)
{
	struct cxlemu_fabric_msg m[4];
	bool eof;

	pump(f);
	assert_int_equal(raw_read(fd, m, 4, &eof), 1);
	assert_true(eof);
	assert_int_equal(m[0].type, CXLEMU_FABRIC_REFUSE);
	assert_int_equal(m[0].code, reason);
	assert_int_equal(m[0].min_version, 1);
	assert_int_equal(m[0].max_version, 1);
	close(fd);
}

static void test_ipc_refusals(void **state)
{
	struct fx *f = fx_new();
	uint8_t b[64];
	const uint8_t hello_v2[] = { 1, 0, 2, 0, 0, 0, 1, 0, 'x' };
	int fd, n;

	(void)state;
	host_start(f, 0, 0, "first");
	/* A second host for VCS 0, a disabled VCS, one out of range. */
	host_start(f, 1, 0, "second");
	assert_int_equal(f->host[1].rc, -ECONNREFUSED);
	assert_int_equal(cxlemu_fabric_host_state(f->host[1].h), CXLEMU_FABRIC_HOST_CLOSED);
	host_stop(&f->host[1]);
	host_start(f, 1, 3, "disabled");
	assert_int_equal(f->host[1].rc, -ECONNREFUSED);
	host_stop(&f->host[1]);
	host_start(f, 1, 200, "nowhere");
	assert_int_equal(f->host[1].rc, -ECONNREFUSED);
	host_stop(&f->host[1]);
	host_info_is(f, 0, true, 0, "first");
	assert_int_equal(f->arrived[0], 1);
	assert_int_equal(f->left[0], 0);
	/* The REFUSE on the wire. */
	fd = raw_owner_peer(f);
	raw_hello(fd, 0, 1, 1);
	raw_expect_refuse(f, fd, CXLEMU_FABRIC_REFUSE_TAKEN);
	fd = raw_owner_peer(f);
	raw_hello(fd, 3, 1, 1);
	raw_expect_refuse(f, fd, CXLEMU_FABRIC_REFUSE_NO_VCS);
	/* No common version: the host speaks 2..3 only. */
	fd = raw_owner_peer(f);
	raw_hello(fd, 1, 2, 3);
	raw_expect_refuse(f, fd, CXLEMU_FABRIC_REFUSE_VERSION);
	/* A HELLO framed as version 2. */
	fd = raw_owner_peer(f);
	raw_send(fd, b, mk(b, MAGIC, 2, 1, hello_v2, sizeof(hello_v2)));
	raw_expect_refuse(f, fd, CXLEMU_FABRIC_REFUSE_VERSION);
	/* A host speaking 1..3 is welcomed with version 1. */
	fd = raw_owner_peer(f);
	raw_hello(fd, 1, 1, 3);
	pump(f);
	host_info_is(f, 1, true, 0, "raw");
	close(fd);
	pump(f);
	host_info_is(f, 1, false, 0, "");
	/* Connections are limited (one per VCS and a few more). */
	for (n = 0; n < 64; n++) {
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		if (cxlemu_fabric_owner_add_fd(f->o, sv[0])) {
			close(sv[1]);
			break;
		}
		close(sv[1]);
	}
	assert_int_equal(n, 4 + 8 - 1);
	pump(f);  /* the closed ones go */
	assert_int_equal(cxlemu_fabric_owner_pollfds(f->o, NULL, 0), 1);
	host_info_is(f, 0, true, 0, "first");
	assert_int_equal(cxlemu_fabric_owner_add_fd(f->o, -1), -EINVAL);
	fx_free(f);
}

static void test_ipc_owner_protocol_errors(void **state)
{
	struct fx *f = fx_new();
	struct cxlemu_fabric_msg m, in[4];
	uint8_t b[64];
	const uint8_t ping[8] = { 0 };
	int fd;
	bool eof;

	(void)state;
	/* Garbage first. */
	fd = raw_owner_peer(f);
	raw_send(fd, (const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18);
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_FRAMING, 0);
	/* A DONE before HELLO. */
	fd = raw_owner_peer(f);
	raw_send(fd, b, mk(b, MAGIC, 1, 7, (const uint8_t[]){ 1, 0, 0, 0, 0, 0, 0, 0 }, 8));
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_DONE);
	/* A malformed HELLO. */
	fd = raw_owner_peer(f);
	raw_send(fd, b, mk(b, MAGIC, 1, 1, (const uint8_t[]){ 1, 0, 1, 0, 0, 0, 0, 0 }, 8));
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_FIELD, CXLEMU_FABRIC_HELLO);
	/* After HELLO: an unknown type; the VCS's host is gone. */
	fd = raw_host(f, 0);
	assert_int_equal(f->arrived[0], 1);
	raw_send(fd, b, mk(b, MAGIC, 1, 12, NULL, 0));
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_TYPE, 12);
	assert_int_equal(f->left[0], 1);
	host_info_is(f, 0, false, 0, "");
	/* Wrong direction, second HELLO, bad field, other version, length. */
	fd = raw_host(f, 0);
	raw_send(fd, b, mk(b, MAGIC, 1, 2, (const uint8_t[]){ 1, 0, 0, 3 }, 4));
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_WELCOME);
	fd = raw_host(f, 0);
	raw_hello(fd, 0, 1, 1);
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_HELLO);
	fd = raw_host(f, 0);
	raw_send(fd, b, mk(b, MAGIC, 1, 7, (const uint8_t[]){ 1, 0, 0, 0, 1, 0, 0, 0 }, 8));
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_FIELD, CXLEMU_FABRIC_DONE);
	fd = raw_host(f, 0);
	raw_send(fd, b, mk(b, MAGIC, 2, 8, ping, 8));
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_VERSION, CXLEMU_FABRIC_PING);
	fd = raw_host(f, 0);
	raw_send(fd, b, mk(b, MAGIC, 1, 8, ping, 8));
	b[9] = 0x10;  /* 4 KiB payload announced */
	raw_send(fd, b, 12);
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 2);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_PONG);
	assert_int_equal(in[1].type, CXLEMU_FABRIC_ERROR);
	assert_int_equal(in[1].code, CXLEMU_FABRIC_ERR_FRAMING);
	assert_true(eof);
	close(fd);
	/* The raw host does its part right: the ATTACH on the wire, the DONE. */
	fd = raw_host(f, 0);
	assert_int_equal(fm_start_bind(f->fm, 0, 1, 2, CXLEMU_SWITCH_NO_LD),
			 CXLEMU_MBOX_BG_STARTED);
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 1);
	assert_false(eof);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_ATTACH);
	assert_int_not_equal(in[0].req, 0);
	assert_int_equal(in[0].vcs, 0);
	assert_int_equal(in[0].vppb, 1);
	assert_int_equal(in[0].port, 2);
	assert_int_equal(in[0].ld_id, CXLEMU_SWITCH_NO_LD);
	host_info_is(f, 0, true, 1, "raw");
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_DONE;
	m.req = in[0].req;
	raw_send_msg(fd, &m);
	assert_int_equal(fm_result(f, 0x5201), CXLEMU_MBOX_SUCCESS);
	sw_vppb_is(f->sw, 0, 1, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	/* The same DONE again: no such request outstanding; the host is
	 * dropped and its binding with it. */
	raw_send_msg(fd, &m);
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_REQUEST, CXLEMU_FABRIC_DONE);
	sw_vppb_is(f->sw, 0, 1, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	port_bound(f->sw, 2, 0);
	/* A DONE with a wrong id while a bind waits: the bind fails. */
	fd = raw_host(f, 0);
	assert_int_equal(fm_start_bind(f->fm, 0, 1, 2, CXLEMU_SWITCH_NO_LD),
			 CXLEMU_MBOX_BG_STARTED);
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 1);
	m.req = in[0].req + 1;
	raw_send_msg(fd, &m);
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_REQUEST, CXLEMU_FABRIC_DONE);
	assert_int_equal(fm_result(f, 0x5201), CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(f->sw, 0, 1, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	/* ERROR and BYE from the host: closed without an answer. */
	fd = raw_host(f, 0);
	raw_send(fd, b, mk(b, MAGIC, 1, 11, (const uint8_t[]){ 5, 0, 6, 0 }, 4));
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 0);
	assert_true(eof);
	close(fd);
	fd = raw_host(f, 0);
	raw_send(fd, b, mk(b, MAGIC, 1, 10, (const uint8_t[]){ 0, 0, 0, 0 }, 4));
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 0);
	assert_true(eof);
	close(fd);
	/* A message cut in the middle by EOF. */
	fd = raw_host(f, 0);
	raw_send(fd, b, mk(b, MAGIC, 1, 8, ping, 8) - 3);
	close(fd);
	pump(f);
	host_info_is(f, 0, false, 0, "");
	assert_int_equal(cxlemu_fabric_owner_pollfds(f->o, NULL, 0), 0);
	fx_free(f);
}

/* The test plays the owner of host 2 (VCS 1): HELLO read; with @welcome,
 * WELCOME (3 vPPBs) and an empty STATE sent. */
static int fake_owner(struct fx *f, bool welcome)
{
	struct cxlemu_fabric_host_config hc;
	struct cxlemu_fabric_msg m[2];
	struct th *t = &f->host[2];
	int sv[2];
	bool eof;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	if (!t->v.topo)
		view_new(f->ctx, &t->v);
	t->f = f;
	t->vcs = 1;
	t->defer = false;
	memset(&hc, 0, sizeof(hc));
	hc.version = CXLEMU_FABRIC_HOST_CONFIG_VERSION;
	hc.fd = sv[1];
	hc.vcs = 1;
	hc.name = "faked";
	hc.ping_interval_ms = 100;
	hc.timeout_ms = 500;
	hc.attach = host_attach;
	hc.detach = host_detach;
	hc.opaque = t;
	assert_int_equal(cxlemu_fabric_host_new(f->ctx, &hc, &t->h), 0);
	assert_int_equal(raw_read(sv[0], m, 2, &eof), 1);
	assert_int_equal(m[0].type, CXLEMU_FABRIC_HELLO);
	assert_int_equal(m[0].min_version, 1);
	assert_int_equal(m[0].max_version, 1);
	assert_int_equal(m[0].vcs, 1);
	assert_string_equal(m[0].name, "faked");
	if (welcome) {
		memset(m, 0, sizeof(m));
		m[0].type = CXLEMU_FABRIC_WELCOME;
		m[0].max_version = 1;
		m[0].vcs = 1;
		m[0].nvppbs = NVPPB;
		raw_send_msg(sv[0], &m[0]);
		m[0].type = CXLEMU_FABRIC_STATE;
		raw_send_msg(sv[0], &m[0]);
		pump(f);
		assert_int_equal(cxlemu_fabric_host_state(t->h), CXLEMU_FABRIC_HOST_WELCOMED);
	}
	return sv[0];
}

static void request_msg(struct cxlemu_fabric_msg *m, unsigned int type, uint32_t req,
			unsigned int vcs, unsigned int vppb, unsigned int port)
{
	memset(m, 0, sizeof(*m));
	m->type = (uint16_t)type;
	m->req = req;
	m->vcs = (uint8_t)vcs;
	m->vppb = (uint8_t)vppb;
	m->port = (uint8_t)port;
	m->ld_id = CXLEMU_SWITCH_NO_LD;
}

/* The host got a protocol error: ERROR @code about @type on the wire, and
 * its service reports -EPROTO. */
static void host_expect_error(struct fx *f, int fd, unsigned int code, unsigned int type)
{
	struct th *t = &f->host[2];

	raw_expect_error(f, fd, code, type);
	assert_int_equal(t->rc, -EPROTO);
	assert_int_equal(cxlemu_fabric_host_state(t->h), CXLEMU_FABRIC_HOST_CLOSED);
	host_stop(t);
}

static void test_ipc_host_protocol_errors(void **state)
{
	struct fx *f = fx_new();
	struct th *t = &f->host[2];
	struct cxlemu_fabric_msg m, in[4];
	struct cxlemu_fabric_host_config hc;
	uint8_t b[64];
	bool eof;
	int fd;

	(void)state;
	/* ATTACH before WELCOME. */
	fd = fake_owner(f, false);
	request_msg(&m, CXLEMU_FABRIC_ATTACH, 1, 1, 0, 2);
	raw_send_msg(fd, &m);
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_ATTACH);
	/* WELCOME for another VCS. */
	fd = fake_owner(f, false);
	raw_send(fd, b, mk(b, MAGIC, 1, 2, (const uint8_t[]){ 1, 0, 0, 3 }, 4));
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_FIELD, CXLEMU_FABRIC_WELCOME);
	/* ATTACH between WELCOME and STATE. */
	fd = fake_owner(f, false);
	raw_send(fd, b, mk(b, MAGIC, 1, 2, (const uint8_t[]){ 1, 0, 1, 3 }, 4));
	raw_send_msg(fd, &m);
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_ATTACH);
	/* STATE naming a vPPB the VCS does not have. */
	fd = fake_owner(f, false);
	raw_send(fd, b, mk(b, MAGIC, 1, 2, (const uint8_t[]){ 1, 0, 1, 3 }, 4));
	raw_send(fd, b, mk(b, MAGIC, 1, 4, (const uint8_t[]){ 1, 1, 0, 0, 3, 2, 0xff, 0xff }, 8));
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_FIELD, CXLEMU_FABRIC_STATE);
	/* A second STATE. */
	fd = fake_owner(f, true);
	raw_send(fd, b, mk(b, MAGIC, 1, 4, (const uint8_t[]){ 1, 0, 0, 0 }, 4));
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_STATE);
	/* ATTACH for another VCS, a vPPB out of range. */
	fd = fake_owner(f, true);
	request_msg(&m, CXLEMU_FABRIC_ATTACH, 1, 0, 0, 2);
	raw_send_msg(fd, &m);
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_FIELD, CXLEMU_FABRIC_ATTACH);
	fd = fake_owner(f, true);
	request_msg(&m, CXLEMU_FABRIC_ATTACH, 1, 1, NVPPB, 2);
	raw_send_msg(fd, &m);
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_FIELD, CXLEMU_FABRIC_ATTACH);
	assert_int_equal(t->attaches, 0);
	/* DETACH of an unbound vPPB. */
	fd = fake_owner(f, true);
	request_msg(&m, CXLEMU_FABRIC_DETACH, 1, 1, 0, 2);
	raw_send_msg(fd, &m);
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_DETACH);
	assert_int_equal(t->detaches, 0);
	/* A second ATTACH while the first waits. */
	fd = fake_owner(f, true);
	t->defer = true;
	request_msg(&m, CXLEMU_FABRIC_ATTACH, 7, 1, 1, 2);
	raw_send_msg(fd, &m);
	pump(f);
	assert_int_equal(t->attaches, 1);
	assert_int_equal(t->req, 7);
	assert_int_equal(raw_read(fd, in, 4, &eof), 0);
	m.req = 8;
	raw_send_msg(fd, &m);
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_ATTACH);
	/* Garbage. */
	fd = fake_owner(f, true);
	raw_send(fd, (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_FRAMING, 0);
	/* REFUSE: refused, no answer. */
	fd = fake_owner(f, false);
	raw_send(fd, b, mk(b, MAGIC, 1, 3, (const uint8_t[]){ 3, 0, 1, 0, 1, 0, 0, 0 }, 8));
	pump(f);
	assert_int_equal(t->rc, -ECONNREFUSED);
	assert_int_equal(raw_read(fd, in, 4, &eof), 0);
	assert_true(eof);
	close(fd);
	host_stop(t);
	/* Done right: ATTACH answered by DONE, then DETACH; PING; BYE. */
	fd = fake_owner(f, true);
	request_msg(&m, CXLEMU_FABRIC_ATTACH, 0x10203040, 1, 2, 3);
	raw_send_msg(fd, &m);
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 1);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_DONE);
	assert_int_equal(in[0].req, 0x10203040);
	assert_int_equal(in[0].status, 0);
	host_vppb_is(t, 2, CXLEMU_VPPB_BOUND_PORT, 3);
	/* A DETACH naming another port than the binding's. */
	request_msg(&m, CXLEMU_FABRIC_DETACH, 0x10203041, 1, 2, 4);
	m.mode = CXLEMU_UNBIND_SURPRISE;
	raw_send_msg(fd, &m);
	host_expect_error(f, fd, CXLEMU_FABRIC_ERR_UNEXPECTED, CXLEMU_FABRIC_DETACH);
	fd = fake_owner(f, true);
	t->fail = -ENODEV;
	request_msg(&m, CXLEMU_FABRIC_ATTACH, 5, 1, 0, 2);
	raw_send_msg(fd, &m);
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_PING;
	m.token = 0xfeed;
	raw_send_msg(fd, &m);
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 2);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_DONE);
	assert_int_equal(in[0].req, 5);
	assert_int_equal(in[0].status, -ENODEV);
	assert_int_equal(in[1].type, CXLEMU_FABRIC_PONG);
	assert_true(in[1].token == 0xfeed);
	host_vppb_is(t, 0, CXLEMU_VPPB_UNBOUND, 0);
	t->fail = 0;
	raw_send(fd, b, mk(b, MAGIC, 1, 10, (const uint8_t[]){ 0, 0, 0, 0 }, 4));
	pump(f);
	assert_int_equal(t->rc, -ECONNRESET);
	assert_int_equal(raw_read(fd, in, 4, &eof), 0);
	assert_true(eof);
	close(fd);
	host_stop(t);
	/* The host's own BYE when it is freed. */
	fd = fake_owner(f, true);
	host_stop(t);
	assert_int_equal(raw_read(fd, in, 4, &eof), 1);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_BYE);
	assert_true(eof);
	close(fd);
	/* Bad configurations. */
	memset(&hc, 0, sizeof(hc));
	hc.version = CXLEMU_FABRIC_HOST_CONFIG_VERSION;
	hc.fd = -1;
	hc.name = "x";
	hc.attach = host_attach;
	hc.detach = host_detach;
	assert_int_equal(cxlemu_fabric_host_new(f->ctx, &hc, &t->h), -EINVAL);
	hc.fd = dup(0);
	hc.name = "tab\there";
	assert_int_equal(cxlemu_fabric_host_new(f->ctx, &hc, &t->h), -EINVAL);
	hc.fd = dup(0);
	hc.name = "x";
	hc.vcs = 255;
	assert_int_equal(cxlemu_fabric_host_new(f->ctx, &hc, &t->h), -EINVAL);
	hc.fd = dup(0);
	hc.vcs = 0;
	hc.attach = NULL;
	assert_int_equal(cxlemu_fabric_host_new(f->ctx, &hc, &t->h), -EINVAL);
	assert_null(t->h);
	fx_free(f);
}

static void test_ipc_liveness(void **state)
{
	struct fx *f = fx_new();
	struct cxlemu_fabric_msg in[4];
	struct th *h0 = &f->host[0];
	unsigned int k;
	bool eof;
	int fd;

	(void)state;
	assert_true(cxlemu_fabric_owner_deadline(f->o) == UINT64_MAX);
	/* A connection that never says HELLO: no PING, the timeout. */
	fd = raw_owner_peer(f);
	pump(f);
	assert_true(cxlemu_fabric_owner_deadline(f->o) == f->now + 500 * 1000000ull);
	f->now += 499 * 1000000ull;
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 0);
	assert_false(eof);
	f->now += 1000000ull;
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_TIMEOUT, 0);
	assert_int_equal(cxlemu_fabric_owner_pollfds(f->o, NULL, 0), 0);
	/* A real host answers PINGs (and sends its own): alive for long. */
	host_start(f, 0, 0, "alive");
	assert_int_equal(fm_bind(f, 0, 0, 2, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_SUCCESS);
	assert_true(cxlemu_fabric_owner_deadline(f->o) == f->now + 100 * 1000000ull);
	assert_true(cxlemu_fabric_host_deadline(h0->h) == f->now + 100 * 1000000ull);
	for (k = 0; k < 40; k++) {
		f->now += 60 * 1000000ull;
		pump(f);
	}
	host_info_is(f, 0, true, 0, "alive");
	assert_int_equal(h0->rc, 0);
	/* A raw host that never answers: PING once per interval, then out. */
	fd = raw_host(f, 1);
	assert_int_equal(fm_start_bind(f->fm, 1, 0, 3, CXLEMU_SWITCH_NO_LD),
			 CXLEMU_MBOX_BG_STARTED);
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 1);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_ATTACH);
	f->now += 100 * 1000000ull;
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 1);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_PING);
	f->now += 50 * 1000000ull;
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 0);
	f->now += 50 * 1000000ull;
	pump(f);
	assert_int_equal(raw_read(fd, in, 4, &eof), 1);
	assert_int_equal(in[0].type, CXLEMU_FABRIC_PING);
	f->now += 300 * 1000000ull;
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_TIMEOUT, 0);
	assert_int_equal(fm_result(f, 0x5201), CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(f->sw, 1, 0, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	host_info_is(f, 1, false, 0, "");
	/* The other host is fine. */
	host_info_is(f, 0, true, 0, "alive");
	sw_vppb_is(f->sw, 0, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	/* A host whose owner stops answering times out too. */
	fd = fake_owner(f, true);
	for (k = 0; k < 4; k++) {
		f->now += 100 * 1000000ull;
		pump(f);
		assert_int_equal(f->host[2].rc, 0);
		/* The host PINGs once per interval of silence. */
		assert_int_equal(raw_read(fd, in, 4, &eof), 1);
		assert_int_equal(in[0].type, CXLEMU_FABRIC_PING);
		assert_true(in[0].token == k + 1);
	}
	f->now += 100 * 1000000ull;
	raw_expect_error(f, fd, CXLEMU_FABRIC_ERR_TIMEOUT, 0);
	assert_int_equal(f->host[2].rc, -ETIMEDOUT);
	assert_int_equal(cxlemu_fabric_host_state(f->host[2].h), CXLEMU_FABRIC_HOST_CLOSED);
	assert_true(cxlemu_fabric_host_deadline(f->host[2].h) == UINT64_MAX);
	host_stop(&f->host[2]);
	fx_free(f);
}

/* ---- two processes ---- */

/* Shared by the owner and the forked host: the devices' memory (by switch
 * port - 2) and what the child reports. */
struct shm {
	uint8_t mem[NVPPB][BACKING];
	atomic_int wrote;    /* port the child last wrote through, 0 none */
	atomic_int pending;  /* the child holds a request unanswered */
	atomic_int err;      /* line of a failed check in the child */
};

static const char child_msg[] = "from the child process";

struct child {
	struct shm *shm;
	struct view v;
	struct cxlemu_fabric_host *h;
};

#define CHILD_CHECK(c, cond)                                               \
	do {                                                               \
		if (!(cond)) {                                             \
			atomic_store(&(c)->shm->err, __LINE__);            \
			_exit(1);                                          \
		}                                                          \
	} while (0)

static int child_attach(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
			unsigned int ld)
{
	struct child *c = opaque;
	uint64_t hpa;
	int64_t dpa;
	size_t i;

	(void)req;
	CHILD_CHECK(c, ld == CXLEMU_SWITCH_NO_LD && vppb < NVPPB && port >= 2 &&
			       port < 2 + NVPPB);
	if (port == 4) {
		/* Held mid-operation until the owner kills us. */
		atomic_store(&c->shm->pending, 1);
		return CXLEMU_FABRIC_PENDING;
	}
	CHILD_CHECK(c, cxlemu_topo_attach(c->v.topo, c->v.vppb_port[vppb], c->v.dev[port - 2]) == 0);
	/* The child's guest writes through its own route to the device. */
	CHILD_CHECK(c, view_region(&c->v, port, &hpa) == 0);
	for (i = 0; i < sizeof(child_msg); i++) {
		dpa = view_route(&c->v, hpa + 0x200 + i, port);
		CHILD_CHECK(c, dpa >= 0 && dpa < BACKING);
		c->shm->mem[port - 2][dpa] = (uint8_t)child_msg[i];
	}
	atomic_store(&c->shm->wrote, (int)port);
	return 0;
}

static int child_detach(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
			unsigned int ld, unsigned int mode)
{
	struct child *c = opaque;

	(void)req;
	(void)port;
	(void)ld;
	(void)mode;
	CHILD_CHECK(c, vppb < NVPPB);
	CHILD_CHECK(c, cxlemu_topo_detach(c->v.topo, c->v.vppb_port[vppb]) == 0);
	return 0;
}

static uint64_t mono_ns(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The forked host process of VCS 1: serves until the owner goes away. */
static void child_main(struct shm *shm, const char *path)
{
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = mono_ns };
	struct cxlemu_fabric_host_config hc;
	struct cxlemu_ctx *ctx;
	struct child c = { .shm = shm };
	char err[256], name[8];
	unsigned int i;
	int fd;

	alarm(30);
	CHILD_CHECK(&c, cxlemu_ctx_new(&ops, NULL, &ctx) == 0);
	CHILD_CHECK(&c, cxlemu_topo_from_qemu_string(ctx, host_cmdline, &c.v.topo, err,
						     sizeof(err)) == 0);
	for (i = 0; i < NVPPB; i++) {
		snprintf(name, sizeof(name), "vppb%u", i);
		c.v.vppb_port[i] = cxlemu_topo_find(c.v.topo, name);
		snprintf(name, sizeof(name), "dev%u", i + 2);
		c.v.dev[i] = cxlemu_topo_find(c.v.topo, name);
		CHILD_CHECK(&c, cxlemu_topo_detach(c.v.topo, c.v.vppb_port[i]) == 0);
	}
	CHILD_CHECK(&c, cxlemu_fabric_connect(path, &fd) == 0);
	memset(&hc, 0, sizeof(hc));
	hc.version = CXLEMU_FABRIC_HOST_CONFIG_VERSION;
	hc.fd = fd;
	hc.vcs = 1;
	hc.name = "child";
	hc.attach = child_attach;
	hc.detach = child_detach;
	hc.opaque = &c;
	CHILD_CHECK(&c, cxlemu_fabric_host_new(ctx, &hc, &c.h) == 0);
	for (;;) {
		struct pollfd pfd;

		if (cxlemu_fabric_host_pollfd(c.h, &pfd))
			break;
		(void)poll(&pfd, 1, 50);
		if (cxlemu_fabric_host_service(c.h))
			break;
	}
	_exit(0);
}

/* The owner's process: the owner, the switch's FM, and host VCS 0 in
 * process (over a socketpair). */
struct parent {
	struct cxlemu_ctx *ctx;
	struct cxlemu_switch *sw;
	struct cxlemu_cci *fm;
	struct cxlemu_fabric_owner *o;
	struct cxlemu_fabric_host *h;
	struct view v;
	struct shm *shm;
	unsigned int left1;
	uint64_t hpa[2 + NVPPB]; /* host 0's region over a port's device */
};

static int parent_attach(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
			 unsigned int ld)
{
	struct parent *p = opaque;

	(void)req;
	(void)ld;
	assert_int_equal(cxlemu_topo_attach(p->v.topo, p->v.vppb_port[vppb], p->v.dev[port - 2]),
			 0);
	return 0;
}

static int parent_detach(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
			 unsigned int ld, unsigned int mode)
{
	struct parent *p = opaque;

	(void)req;
	(void)port;
	(void)ld;
	(void)mode;
	assert_int_equal(cxlemu_topo_detach(p->v.topo, p->v.vppb_port[vppb]), 0);
	return 0;
}

static void parent_changed(void *opaque, unsigned int vcs, bool connected, const char *name)
{
	struct parent *p = opaque;

	(void)name;
	if (vcs == 1 && !connected)
		p->left1++;
}

/* Runs the event loop until @done(p) or 10 s (a failure). */
static void run_until(struct parent *p, bool (*done)(struct parent *))
{
	uint64_t end = mono_ns(NULL) + UINT64_C(10000000000);

	while (!done(p)) {
		struct pollfd fds[8];
		size_t n = cxlemu_fabric_owner_pollfds(p->o, fds, 7);

		assert_true(n <= 7);
		assert_int_equal(cxlemu_fabric_host_pollfd(p->h, &fds[n]), 0);
		(void)poll(fds, n + 1, 20);
		assert_int_equal(cxlemu_fabric_owner_service(p->o), 0);
		assert_int_equal(cxlemu_fabric_host_service(p->h), 0);
		cxlemu_cci_poll(p->fm);
		assert_int_equal(atomic_load(&p->shm->err), 0);
		assert_true(mono_ns(NULL) < end);
	}
}

static bool bg_over(struct parent *p)
{
	uint16_t op;
	int rc;

	return !bg_running(p->fm, &op, &rc);
}

static bool child_connected(struct parent *p)
{
	struct cxlemu_fabric_host_info hi;

	assert_int_equal(cxlemu_fabric_owner_host_info(p->o, 1, &hi), 0);
	return hi.connected;
}

static bool child_pending(struct parent *p)
{
	return atomic_load(&p->shm->pending) != 0;
}

static bool child_gone(struct parent *p)
{
	return p->left1 > 0 && bg_over(p);
}

static int parent_fm(struct parent *p, uint16_t op, int start_rc)
{
	uint16_t got;
	int rc;

	assert_int_equal(start_rc, CXLEMU_MBOX_BG_STARTED);
	run_until(p, bg_over);
	assert_false(bg_running(p->fm, &got, &rc));
	assert_int_equal(got, op);
	return rc;
}

/* Host 0 (this process) reads the child's bytes on the device of @port. */
static void parent_reads_child(struct parent *p, unsigned int port)
{
	uint64_t hpa;
	int64_t dpa;
	size_t i;

	if (!p->hpa[port])
		assert_int_equal(view_region(&p->v, port, &p->hpa[port]), 0);
	hpa = p->hpa[port];
	for (i = 0; i < sizeof(child_msg); i++) {
		dpa = view_route(&p->v, hpa + 0x200 + i, port);
		assert_true(dpa >= 0 && dpa < BACKING);
		assert_int_equal(p->shm->mem[port - 2][dpa], (uint8_t)child_msg[i]);
	}
}

/* A failed check in the parent must not leave the child behind. */
static int fork_setup(void **state)
{
	pid_t *pid = malloc(sizeof(*pid));

	if (!pid)
		return -1;
	*pid = 0;
	*state = pid;
	return 0;
}

static int fork_teardown(void **state)
{
	pid_t *pid = *state;

	if (*pid > 0 && waitpid(*pid, NULL, WNOHANG) == 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	free(pid);
	alarm(0);
	return 0;
}

static void test_ipc_fork(void **state)
{
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = mono_ns };
	struct cxlemu_fabric_owner_config oc;
	struct cxlemu_fabric_host_config hc;
	struct cxlemu_switch_config sc;
	struct parent p;
	struct vcs_event ev;
	char dir[] = "/tmp/cxlemu-fabric-XXXXXX", path[64];
	int lfd, sv[2], status;
	pid_t pid, *child = *state;

	alarm(60);  /* never hang: a stuck run dies of SIGALRM */
	memset(&p, 0, sizeof(p));
	p.shm = mmap(NULL, sizeof(*p.shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	assert_true(p.shm != MAP_FAILED);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fabric.sock", dir);
	assert_int_equal(cxlemu_fabric_listen(path, &lfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(lfd);
		child_main(p.shm, path);
	}
	*child = pid;
	assert_int_equal(cxlemu_ctx_new(&ops, NULL, &p.ctx), 0);
	switch_config(&sc);
	assert_int_equal(cxlemu_switch_new(p.ctx, &sc, &p.sw), 0);
	p.fm = fm_cci(p.ctx, p.sw);
	memset(&oc, 0, sizeof(oc));
	oc.version = CXLEMU_FABRIC_OWNER_CONFIG_VERSION;
	oc.listen_fd = lfd;
	oc.host_changed = parent_changed;
	oc.opaque = &p;
	assert_int_equal(cxlemu_fabric_owner_new(p.ctx, p.sw, &oc, &p.o), 0);
	view_new(p.ctx, &p.v);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(cxlemu_fabric_owner_add_fd(p.o, sv[0]), 0);
	memset(&hc, 0, sizeof(hc));
	hc.version = CXLEMU_FABRIC_HOST_CONFIG_VERSION;
	hc.fd = sv[1];
	hc.vcs = 0;
	hc.name = "parent";
	hc.attach = parent_attach;
	hc.detach = parent_detach;
	hc.opaque = &p;
	assert_int_equal(cxlemu_fabric_host_new(p.ctx, &hc, &p.h), 0);
	run_until(&p, child_connected);

	/* Bind port 2 to the child's vPPB 0: the child writes through it. */
	assert_int_equal(parent_fm(&p, 0x5201, fm_start_bind(p.fm, 1, 0, 2, CXLEMU_SWITCH_NO_LD)),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(atomic_load(&p.shm->wrote), 2);
	sw_vppb_is(p.sw, 1, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	/* Unbind it from the child, rebind to host 0 here: read back. */
	assert_int_equal(parent_fm(&p, 0x5202, fm_start_unbind(p.fm, 1, 0, CXLEMU_UNBIND_MANAGED)),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(parent_fm(&p, 0x5201, fm_start_bind(p.fm, 0, 0, 2, CXLEMU_SWITCH_NO_LD)),
			 CXLEMU_MBOX_SUCCESS);
	parent_reads_child(&p, 2);
	/* The child gets port 3 (and writes it), then a bind of port 4 it
	 * leaves pending: killed in the middle of that operation. */
	assert_int_equal(parent_fm(&p, 0x5201, fm_start_bind(p.fm, 1, 1, 3, CXLEMU_SWITCH_NO_LD)),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(atomic_load(&p.shm->wrote), 3);
	while (vcs_event_pop(p.sw, VCS_LOG_INFO, &ev))
		;
	assert_int_equal(fm_start_bind(p.fm, 1, 2, 4, CXLEMU_SWITCH_NO_LD), CXLEMU_MBOX_BG_STARTED);
	run_until(&p, child_pending);
	sw_vppb_is(p.sw, 1, 2, CXLEMU_VPPB_BINDING, 4, CXLEMU_SWITCH_NO_LD);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*child = 0;
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	run_until(&p, child_gone);
	/* The owner reports the child's vPPBs unbound; the bind failed. */
	assert_int_equal(parent_fm(&p, 0x5201, CXLEMU_MBOX_BG_STARTED), CXLEMU_MBOX_INTERNAL_ERROR);
	sw_vppb_is(p.sw, 1, 1, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	sw_vppb_is(p.sw, 1, 2, CXLEMU_VPPB_UNBOUND, 0, CXLEMU_SWITCH_NO_LD);
	port_bound(p.sw, 3, 0);
	port_bound(p.sw, 4, 0);
	event_is(p.sw, VCS_LOG_WARN, 1, 2, 0, 0xff, 0xff);
	event_is(p.sw, VCS_LOG_INFO, 1, 1, 0, 0xff, 0xff);
	assert_int_equal(vcs_event_count(p.sw, VCS_LOG_INFO), 0);
	assert_int_equal(vcs_event_count(p.sw, VCS_LOG_WARN), 0);
	assert_false(child_connected(&p));
	/* Host 0 kept its binding and its data, and still works: it takes
	 * port 3 and reads what the dead child wrote there. */
	sw_vppb_is(p.sw, 0, 0, CXLEMU_VPPB_BOUND_PORT, 2, CXLEMU_SWITCH_NO_LD);
	parent_reads_child(&p, 2);
	assert_int_equal(parent_fm(&p, 0x5201, fm_start_bind(p.fm, 0, 1, 3, CXLEMU_SWITCH_NO_LD)),
			 CXLEMU_MBOX_SUCCESS);
	parent_reads_child(&p, 3);
	assert_int_equal(parent_fm(&p, 0x5202, fm_start_unbind(p.fm, 0, 0, CXLEMU_UNBIND_MANAGED)),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(cxlemu_fabric_host_state(p.h), CXLEMU_FABRIC_HOST_WELCOMED);

	cxlemu_fabric_host_free(p.h);
	cxlemu_fabric_owner_free(p.o);
	cxlemu_cci_free(p.fm);
	cxlemu_switch_free(p.sw);
	cxlemu_topo_free(p.v.topo);
	cxlemu_ctx_free(p.ctx);
	close(lfd);
	unlink(path);
	rmdir(dir);
	munmap(p.shm, sizeof(*p.shm));
	alarm(0);
}

/* The socket helpers: bad paths refused, a listener and a connection. */
static void test_socket_paths(void **state)
{
	char dir[] = "/tmp/cxlemu-fabsock-XXXXXX", path[64], longpath[200];
	int lfd, fd, fd2;

	(void)state;
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(cxlemu_fabric_listen(NULL, &lfd), -EINVAL);
	assert_int_equal(cxlemu_fabric_listen("", &lfd), -EINVAL);
	assert_int_equal(cxlemu_fabric_listen(longpath, &lfd), -ENAMETOOLONG);
	assert_int_equal(cxlemu_fabric_connect("", &fd), -EINVAL);
	assert_int_equal(cxlemu_fabric_connect(longpath, &fd), -ENAMETOOLONG);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	assert_int_equal(cxlemu_fabric_connect(path, &fd), -ENOENT);
	assert_int_equal(cxlemu_fabric_listen(path, &lfd), 0);
	assert_int_equal(cxlemu_fabric_listen(path, &fd2), -EADDRINUSE);
	assert_int_equal(cxlemu_fabric_connect(path, &fd), 0);
	/* Both ends non-blocking and close-on-exec. */
	assert_true(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_paths),
		cmocka_unit_test(test_parse_hello),
		cmocka_unit_test(test_parse_fixed),
		cmocka_unit_test(test_parse_state),
		cmocka_unit_test(test_parse_bad_fields),
		cmocka_unit_test(test_parse_framing),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_ipc_bind_unbind),
		cmocka_unit_test(test_ipc_late_done),
		cmocka_unit_test(test_ipc_host_vanishes_mid_bind),
		cmocka_unit_test(test_ipc_state_snapshot),
		cmocka_unit_test(test_ipc_refusals),
		cmocka_unit_test(test_ipc_owner_protocol_errors),
		cmocka_unit_test(test_ipc_host_protocol_errors),
		cmocka_unit_test(test_ipc_liveness),
		cmocka_unit_test_setup_teardown(test_ipc_fork, fork_setup, fork_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
