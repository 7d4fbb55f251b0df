/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the FM socket server (docs/fm-socket.md) fed arbitrary
 * byte streams by two clients over socketpairs, a switch CCI behind it.
 * The input is a program of steps, each a byte: bits 2:0 the step, bit 3
 * the client:
 *   0 raw write: the next byte is a count, that many input bytes are
 *     written as they are (any framing, any garbage)
 *   1 framed write: the next byte is a count n, a length prefix of n and
 *     n input bytes are written (an MCTP body of the fuzzer's choice)
 *   2 service the server
 *   3 read what the client has received and check it
 *   4 hang up the client (perhaps in the middle of a frame); the next
 *     write connects a new one
 *   5 a well-formed FM-API request: the next bytes are tag, opcode (2),
 *     payload length n, then n payload bytes
 *   6, 7 service, then read and check
 *
 * Invariants: the server never crashes or leaks; everything a client
 * receives is whole frames of 13 bytes or more and at most the CCI's
 * response size, each an FM-API response (type 07h, category 1) whose
 * payload length agrees with the frame; once the server has had its
 * turns, its client count is the number of connections alive.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cxlemu/cxlemu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAYLOAD 4096u
#define MAX_RSP (1u + 12u + PAYLOAD)

struct cl {
	int fd;           /* the fuzzer's end, -1 when hung up */
	uint8_t buf[4 + MAX_RSP];
	size_t have;      /* bytes of an incomplete frame kept */
};

struct fz {
	struct cxlemu_switch *sw;
	struct cxlemu_cci *cci;
	struct cxlemu_fmsock_server *srv;
	struct cl cl[2];
	size_t alive;
};

static void open_client(struct fz *f, struct cl *c)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		abort();
	if (fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK) < 0)
		abort();
	if (cxlemu_fmsock_server_add_client(f->srv, sv[0]))
		abort();
	c->fd = sv[1];
	c->have = 0;
	f->alive++;
}

static void write_some(struct fz *f, struct cl *c, const uint8_t *b, size_t n)
{
	if (c->fd < 0)
		open_client(f, c);
	while (n) {
		ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w <= 0)
			return;  /* full (the server is not reading) or gone */
		b += w;
		n -= (size_t)w;
	}
}

static void service(struct fz *f)
{
	if (cxlemu_fmsock_server_service(f->srv, NULL, 0))
		abort();
}

/* Reads what arrived and checks every whole frame. */
static void drain(struct fz *f, struct cl *c)
{
	if (c->fd < 0)
		return;
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, MSG_DONTWAIT);
		size_t len, plen;

		if (n == 0) {
			/* Closed by the server (a bad frame length). */
			close(c->fd);
			c->fd = -1;
			f->alive--;
			return;
		}
		if (n < 0)
			return;
		c->have += (size_t)n;
		while (c->have >= 4) {
			len = (size_t)c->buf[0] | (size_t)c->buf[1] << 8 | (size_t)c->buf[2] << 16 |
			      (size_t)c->buf[3] << 24;
			if (len < 13 || len > MAX_RSP)
				abort();
			if (c->have < 4 + len)
				break;
			plen = ((size_t)c->buf[10] | (size_t)c->buf[11] << 8 |
				(size_t)c->buf[12] << 16) & 0x1fffff;
			if (c->buf[4] != 0x07 || (c->buf[5] & 0x0f) != 1 || plen != len - 13)
				abort();
			memmove(c->buf, c->buf + 4 + len, c->have - 4 - len);
			c->have -= 4 + len;
		}
		if (c->have == sizeof(c->buf))
			abort();  /* a whole frame always fits */
	}
}

static void hang_up(struct fz *f, struct cl *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	service(f);  /* the server notices */
	f->alive--;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cxlemu_switch_config sc;
	struct cxlemu_cci_config cc;
	struct fz f;
	size_t i = 0, k;

	memset(&f, 0, sizeof(f));
	cxlemu_switch_config_init(&sc);
	sc.nports = 8;
	sc.nvcs = 2;
	for (k = 0; k < 8; k++) {
		sc.ports[k].type = k < 2 ? CXLEMU_SWITCH_PORT_USP : CXLEMU_SWITCH_PORT_DSP;
		sc.ports[k].attached = k < 2 || k == 7 ? CXLEMU_SWITCH_DEV_NONE :
				       k == 6 ? CXLEMU_SWITCH_DEV_MLD : CXLEMU_SWITCH_DEV_SLD;
	}
	sc.ports[6].ld_count = 4;
	sc.vcs[0] = (struct cxlemu_switch_vcs_config){ .enabled = 1, .usp = 0, .nvppbs = 4 };
	sc.vcs[1] = (struct cxlemu_switch_vcs_config){ .enabled = 1, .usp = 1, .nvppbs = 4 };
	if (cxlemu_switch_new(NULL, &sc, &f.sw))
		abort();
	memset(&cc, 0, sizeof(cc));
	cc.version = CXLEMU_CCI_CONFIG_VERSION;
	cc.kind = CXLEMU_CCI_SWITCH;
	cc.payload_size = PAYLOAD;
	cc.fabric_switch = f.sw;
	if (cxlemu_cci_new(NULL, &cc, &f.cci) ||
	    cxlemu_fmsock_server_new(NULL, f.cci, -1, &f.srv))
		abort();
	f.cl[0].fd = f.cl[1].fd = -1;
	open_client(&f, &f.cl[0]);
	open_client(&f, &f.cl[1]);

	while (i < size) {
		uint8_t op = data[i++];
		struct cl *c = &f.cl[(op >> 3) & 1];
		uint8_t hdr[4 + 13];
		size_t n;

		switch (op & 7) {
		case 0:
		case 1:
			if (i >= size)
				break;
			n = data[i++];
			if (n > size - i)
				n = size - i;
			if ((op & 7) == 1) {
				uint8_t len[4] = { (uint8_t)n, 0, 0, 0 };

				write_some(&f, c, len, 4);
			}
			write_some(&f, c, data + i, n);
			i += n;
			break;
		case 2:
			service(&f);
			break;
		case 3:
			drain(&f, c);
			break;
		case 4:
			hang_up(&f, c);
			break;
		case 5:
			if (size - i < 4)
				break;
			n = data[i + 3];
			if (n > size - i - 4)
				n = size - i - 4;
			memset(hdr, 0, sizeof(hdr));
			hdr[0] = (uint8_t)(13 + n);
			hdr[4] = 0x07;
			hdr[6] = data[i];
			hdr[8] = data[i + 1];
			hdr[9] = data[i + 2];
			hdr[10] = (uint8_t)n;
			write_some(&f, c, hdr, sizeof(hdr));
			write_some(&f, c, data + i + 4, n);
			i += 4 + n;
			break;
		default:
			service(&f);
			drain(&f, c);
			break;
		}
	}
	/* The server serves a bounded number of frames a turn: give it turns
	 * until it has seen every hang-up. */
	for (k = 0; k < 1000 && cxlemu_fmsock_server_clients(f.srv) != f.alive; k++) {
		service(&f);
		drain(&f, &f.cl[0]);
		drain(&f, &f.cl[1]);
	}
	if (cxlemu_fmsock_server_clients(f.srv) != f.alive)
		abort();
	for (k = 0; k < 2; k++)
		if (f.cl[k].fd >= 0)
			close(f.cl[k].fd);
	cxlemu_fmsock_server_free(f.srv);
	cxlemu_cci_free(f.cci);
	cxlemu_switch_free(f.sw);
	return 0;
}
