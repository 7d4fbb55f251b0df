/* SPDX-License-Identifier: MIT */
/*
 * One switch, several emulator processes (docs/fabric-protocol.md): the
 * codec against hand-written bytes, the owner and two hosts in one process
 * over socketpairs (FM-API binds and unbinds carried out by the hosts,
 * late answers, a host vanishing mid-bind, refusals, protocol errors on
 * both sides, liveness), and the owner with a forked host process that
 * writes device memory, is unbound, and is killed mid-operation.
 */
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
	(void)state;
}

static void test_ipc_refusals(void **state)
{
	(void)state;
}

static void test_ipc_owner_protocol_errors(void **state)
{
	(void)state;
}

static void test_ipc_host_protocol_errors(void **state)
{
	(void)state;
}

static void test_ipc_liveness(void **state)
{
	(void)state;
}

static void test_ipc_fork(void **state)
{
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
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
		cmocka_unit_test(test_ipc_fork),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
