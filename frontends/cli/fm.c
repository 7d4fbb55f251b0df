/* SPDX-License-Identifier: MIT */
/*
 * `cxlemu fm --socket PATH COMMAND`: a fabric-manager client of an FM
 * socket (docs/fm-socket.md).  Each command is one or a few FM-API
 * requests (CXL 3.1 7.6.7), shown readably or as JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cxlemu/cxlemu.h>

#include "fm.h"
#include "json.h"
#include "translate.h"

static const char fm_usage[] =
	"usage: cxlemu fm --socket PATH [--timeout SECONDS] [--json] COMMAND [ARGS]\n"
	"\n"
	"commands (FM-API opcodes in brackets):\n"
	"  identify                       the switch (5100h)\n"
	"  ports [ID...]                  physical port state, default all ports (5101h)\n"
	"  port-control ID assert-perst|deassert-perst|reset   (5102h)\n"
	"  vcs [ID...] [--start N] [--limit N]\n"
	"                                 VCSs and their vPPBs from vPPB N on, default all;\n"
	"                                 --limit is the vPPB count per request (5200h)\n"
	"  bind VCS VPPB PORT [--ld N]    bind a vPPB and wait for the result (5201h)\n"
	"  unbind VCS VPPB [--mode wait|managed|surprise]   (5202h)\n"
	"  aer VCS INSTANCE BIT [--uncorrectable]\n"
	"                                 generate an AER event; instance 0 is the USP,\n"
	"                                 n the vPPB n-1 (5203h)\n"
	"  events [--clear]               the switch's informational and warning event\n"
	"                                 logs (0100h), cleared after reading (0101h)\n"
	"  ld-info PORT                   memory size and LD count of the MLD on PORT\n"
	"                                 (5400h, through a 5300h tunnel to the port)\n"
	"  ld-alloc PORT [--start N] [--limit N]\n"
	"                                 LD allocations of the MLD on PORT from LD N on,\n"
	"                                 --limit LDs per request (5401h, tunnelled)\n"
	"  ld-alloc PORT --set LD=R1[:R2][,LD=R1[:R2]...]\n"
	"                                 set Range 1 and Range 2 (default 0) of LDs, in\n"
	"                                 multiples of the MLD's granularity (5402h, tunnelled)\n"
	"The socket may also be given in the environment as CXLEMU_FM_SOCKET.\n";

/* Largest response payload taken. */
#define FM_OUT_CAP (1u << 20)

struct fm {
	struct cxlemu_fmsock_client *c;
	struct json j;
	bool json;
	int timeout_ms;
	const char *cmd;  /* for messages */
	uint8_t tag;      /* of the next tunnelled message */
	uint8_t *out;
	size_t out_len;
};

static unsigned int le(const uint8_t *p, unsigned int n)
{
	unsigned int v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le(p, 4) | (uint64_t)le(p + 4, 4) << 32;
}

/* One request; a failure is reported on one line, after "@what: " when
 * @what is not NULL, and answers -1. */
static int req_as(struct fm *f, uint16_t op, const void *in, size_t in_len, const char *what)
{
	int rc = cxlemu_fmsock_request(f->c, op, in, in_len, f->out, FM_OUT_CAP, &f->out_len,
				       f->timeout_ms);
	const char *sep = what ? ": " : "";

	if (!what)
		what = "";
	if (rc == CXLEMU_MBOX_SUCCESS || rc == CXLEMU_MBOX_BG_STARTED)
		return rc;
	if (rc > 0)
		fprintf(stderr, "cxlemu: %s: %s%s%s (0x%x)\n", f->cmd, what, sep,
			cxlemu_mbox_rc_name(rc), rc);
	else if (rc == -ETIMEDOUT)
		fprintf(stderr, "cxlemu: %s: %s%sno response within %d ms\n", f->cmd, what, sep,
			f->timeout_ms);
	else if (rc == -EPIPE)
		fprintf(stderr, "cxlemu: %s: %s%sthe server closed the connection\n", f->cmd, what,
			sep);
	else if (rc == -EBADMSG)
		fprintf(stderr, "cxlemu: %s: %s%smalformed response from the server\n", f->cmd,
			what, sep);
	else
		fprintf(stderr, "cxlemu: %s: %s%s%s\n", f->cmd, what, sep, strerror(-rc));
	return -1;
}

static int req(struct fm *f, uint16_t op, const void *in, size_t in_len)
{
	return req_as(f, op, in, in_len, NULL);
}

static int short_response(struct fm *f, uint16_t op)
{
	fprintf(stderr, "cxlemu: %s: response to %04xh has a bad length (%zu bytes)\n", f->cmd,
		op, f->out_len);
	return 1;
}

static bool arg_num(const char *s, uint64_t max, unsigned int *v)
{
	uint64_t x;

	if (!parse_u64(s, strlen(s), &x) || x > max)
		return false;
	*v = (unsigned int)x;
	return true;
}

static int bad_arg(struct fm *f, const char *what, const char *s)
{
	fprintf(stderr, "cxlemu: %s: bad %s '%s'\n", f->cmd, what, s);
	return 2;
}

/* Prints the set bits of a bitmap as "0-3,6". */
static void print_ranges(const uint8_t *map, unsigned int nbits)
{
	unsigned int i = 0;
	bool first = true;

	while (i < nbits) {
		unsigned int s;

		if (!(map[i / 8] >> (i % 8) & 1)) {
			i++;
			continue;
		}
		s = i;
		while (i + 1 < nbits && map[(i + 1) / 8] >> ((i + 1) % 8) & 1)
			i++;
		printf("%s%u", first ? "" : ",", s);
		if (i > s)
			printf("-%u", i);
		first = false;
		i++;
	}
	if (first)
		printf("none");
}

static void json_bits(struct json *j, const char *key, const uint8_t *map, unsigned int nbits)
{
	unsigned int i;

	json_arr(j, key);
	for (i = 0; i < nbits; i++)
		if (map[i / 8] >> (i % 8) & 1)
			json_u64(j, NULL, i);
	json_end_arr(j);
}

/* ---- identify (5100h, Table 7-16) ---- */

static int identify(struct fm *f, unsigned int *nports, unsigned int *nvcs)
{
	if (req(f, 0x5100, NULL, 0) < 0)
		return 1;
	if (f->out_len < 0x49)
		return short_response(f, 0x5100);
	*nports = f->out[2] ? f->out[2] : 256;
	*nvcs = f->out[3];
	return 0;
}

static int cmd_identify(struct fm *f, int argc, char **argv)
{
	unsigned int np, nv;
	const uint8_t *o;

	(void)argv;
	if (argc)
		return bad_arg(f, "argument", argv[0]);
	if (identify(f, &np, &nv))
		return 1;
	o = f->out;
	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "ingress_port", o[0]);
		json_u64(&f->j, "num_ports", np);
		json_u64(&f->j, "num_vcs", nv);
		json_bits(&f->j, "active_ports", o + 0x04, 256);
		json_bits(&f->j, "active_vcs", o + 0x24, 255);
		json_u64(&f->j, "total_vppbs", le(o + 0x44, 2));
		json_u64(&f->j, "bound_vppbs", le(o + 0x46, 2));
		json_u64(&f->j, "hdm_decoders", o[0x48]);
		json_end_obj(&f->j);
		return 0;
	}
	printf("ingress port   %u\n", o[0]);
	printf("ports          %u (active: ", np);
	print_ranges(o + 0x04, 256);
	printf(")\nVCSs           %u (active: ", nv);
	print_ranges(o + 0x24, 255);
	printf(")\nvPPBs          %u (%u bound)\n", le(o + 0x44, 2), le(o + 0x46, 2));
	printf("HDM decoders   %u\n", o[0x48]);
	return 0;
}

/* ---- ports (5101h, Tables 7-17 to 7-19) ---- */

static const char *port_state(unsigned int s)
{
	static const char *const n[] = { "disabled", "binding", "unbinding", "dsp", "usp",
					 "fabric" };

	return s < 6 ? n[s] : s == 0xf ? "invalid" : "reserved";
}

static const char *dev_type(unsigned int t)
{
	static const char *const n[] = { "none", "pcie", "type1", "type2", "sld", "mld", "pbr" };

	return t < 7 ? n[t] : "reserved";
}

static const char *dev_mode(unsigned int m)
{
	static const char *const n[] = { "-", "rcd", "68b-vh", "256b", "256b-lo", "pbr" };

	return m < 6 ? n[m] : "reserved";
}

static const char *ltssm(unsigned int s)
{
	static const char *const n[] = { "detect", "polling", "config", "recovery", "L0",
					 "L0s", "L1", "L2", "disabled", "loopback", "hot-reset" };

	return s < 11 ? n[s] : "reserved";
}

static const char *speed(unsigned int s)
{
	static const char *const n[] = { "-", "2.5", "5", "8", "16", "32", "64" };

	return s < 7 ? n[s] : "?";
}

static void show_port(struct fm *f, const uint8_t *b)
{
	unsigned int flags = le(b + 0xd, 2);
	char width[16], spd[24];

	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "port", b[0]);
		json_str(&f->j, "state", port_state(b[1] & 0xf));
		if ((b[1] & 0xf) == 0xf) {
			json_end_obj(&f->j);
			return;
		}
		json_str(&f->j, "device", dev_type(b[4]));
		json_str(&f->j, "mode", dev_mode(b[2]));
		json_hex(&f->j, "cxl_modes", b[5]);
		json_u64(&f->j, "max_width", b[6] & 0x3f);
		json_u64(&f->j, "width", b[7] & 0x3f);
		json_hex(&f->j, "supported_speeds", b[8] & 0x3f);
		json_str(&f->j, "max_speed_gts", speed(b[9] & 0x3f));
		json_str(&f->j, "speed_gts", speed(b[0xa] & 0x3f));
		json_str(&f->j, "ltssm", ltssm(b[0xb]));
		json_u64(&f->j, "first_lane", b[0xc]);
		json_bool(&f->j, "lane_reversal", flags & 1);
		json_bool(&f->j, "perst", flags & 2);
		json_bool(&f->j, "present", flags & 4);
		json_bool(&f->j, "power_off", flags & 8);
		json_u64(&f->j, "supported_lds", b[0xf]);
		json_end_obj(&f->j);
		return;
	}
	if ((b[1] & 0xf) == 0xf) {
		printf("%-4u invalid port ID\n", b[0]);
		return;
	}
	snprintf(width, sizeof(width), "x%u/x%u", b[7] & 0x3f, b[6] & 0x3f);
	snprintf(spd, sizeof(spd), "%s/%s GT/s", speed(b[0xa] & 0x3f), speed(b[9] & 0x3f));
	printf("%-4u %-9s %-6s %-7s %-9s %-8s %-13s %3u  %s%s%s\n", b[0], port_state(b[1] & 0xf),
	       (b[1] & 0xf) == 4 ? "-" : dev_type(b[4]), dev_mode(b[2]), ltssm(b[0xb]), width,
	       spd, b[0xf], flags & 4 ? "present" : "-", flags & 2 ? ",perst" : "",
	       flags & 1 ? ",reversed" : "");
}

static int cmd_ports(struct fm *f, int argc, char **argv)
{
	uint8_t ids[256], in[1 + 15];
	unsigned int n = 0, i, k, np, nv;

	if (argc > 256)
		return bad_arg(f, "port list", "(more than 256)");
	for (i = 0; i < (unsigned int)argc; i++)
		if (!arg_num(argv[i], 255, &k))
			return bad_arg(f, "port ID", argv[i]);
		else
			ids[n++] = (uint8_t)k;
	if (!n) {
		if (identify(f, &np, &nv))
			return 1;
		for (n = 0; n < np; n++)
			ids[n] = (uint8_t)n;
	}
	if (f->json)
		json_arr(&f->j, NULL);
	else
		printf("PORT STATE     DEVICE MODE    LTSSM     WIDTH    SPEED         LDS  FLAGS\n");
	/* 15 ports a request: the answer fits a 256-byte payload. */
	for (i = 0; i < n; i += k) {
		k = n - i < 15 ? n - i : 15;
		in[0] = (uint8_t)k;
		memcpy(in + 1, ids + i, k);
		if (req(f, 0x5101, in, 1 + k) < 0)
			return 1;
		if (f->out_len != 4 + 16u * k || f->out[0] != k)
			return short_response(f, 0x5101);
		for (unsigned int p = 0; p < k; p++)
			show_port(f, f->out + 4 + 16 * p);
	}
	if (f->json)
		json_end_arr(&f->j);
	return 0;
}

/* ---- port-control (5102h, Table 7-20) ---- */

static int cmd_port_control(struct fm *f, int argc, char **argv)
{
	static const char *const ops[] = { "assert-perst", "deassert-perst", "reset" };
	static const char *const done[] = { "PERST# asserted", "PERST# deasserted",
					    "PPB reset" };
	unsigned int port, op;
	uint8_t in[2];

	if (argc != 2)
		return bad_arg(f, "arguments", "(need ID and assert-perst|deassert-perst|reset)");
	if (!arg_num(argv[0], 255, &port))
		return bad_arg(f, "port ID", argv[0]);
	for (op = 0; op < 3 && strcmp(argv[1], ops[op]); op++)
		;
	if (op == 3)
		return bad_arg(f, "operation", argv[1]);
	in[0] = (uint8_t)port;
	in[1] = (uint8_t)op;
	if (req(f, 0x5102, in, 2) < 0)
		return 1;
	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "port", port);
		json_str(&f->j, "operation", ops[op]);
		json_str(&f->j, "result", cxlemu_mbox_rc_name(0));
		json_end_obj(&f->j);
	} else {
		printf("port %u: %s\n", port, done[op]);
	}
	return 0;
}

/* ---- vcs (5200h, Tables 7-30 to 7-32) ---- */

static const char *vcs_state(unsigned int s)
{
	return s == 0 ? "disabled" : s == 1 ? "enabled" : s == 0xff ? "invalid" : "reserved";
}

static const char *binding(unsigned int s)
{
	static const char *const n[] = { "unbound", "in-progress", "bound-port", "bound-ld" };

	return s < 4 ? n[s] : "reserved";
}

static void show_vppb(struct fm *f, unsigned int id, const uint8_t *e)
{
	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "vppb", id);
		json_str(&f->j, "status", binding(e[0]));
		if (e[0] == 2 || e[0] == 3)
			json_u64(&f->j, "port", e[1]);
		else
			json_null(&f->j, "port");
		if (e[0] == 3)
			json_u64(&f->j, "ld", e[2]);
		else
			json_null(&f->j, "ld");
		json_end_obj(&f->j);
		return;
	}
	printf("  vPPB %u: ", id);
	switch (e[0]) {
	case 0: printf("unbound\n"); break;
	case 1: printf("bind or unbind in progress\n"); break;
	case 2: printf("bound to port %u\n", e[1]); break;
	case 3: printf("bound to port %u LD %u\n", e[1], e[2]); break;
	default: printf("reserved status 0x%x\n", e[0]); break;
	}
}

/* One VCS, following the paging from @start, @limit vPPBs a request. */
static int show_vcs(struct fm *f, unsigned int id, unsigned int start, unsigned int limit)
{
	unsigned int total = 0, got, i;
	bool head = false;
	uint8_t in[4];

	do {
		const uint8_t *b = f->out + 4;

		in[0] = (uint8_t)start;
		in[1] = (uint8_t)limit;
		in[2] = 1;
		in[3] = (uint8_t)id;
		if (req(f, 0x5200, in, 4) < 0)
			return 1;
		if (f->out_len < 8 || (f->out_len - 8) % 4 || f->out[0] != 1 || b[0] != id)
			return short_response(f, 0x5200);
		got = (unsigned int)(f->out_len - 8) / 4;
		total = b[3];
		if (got > limit || (got && start + got > total))
			return short_response(f, 0x5200);
		if (!head) {
			head = true;
			if (f->json) {
				json_obj(&f->j, NULL);
				json_u64(&f->j, "vcs", id);
				json_str(&f->j, "state", vcs_state(b[1]));
				if (b[1] == 1)
					json_u64(&f->j, "usp", b[2]);
				else
					json_null(&f->j, "usp");
				json_u64(&f->j, "num_vppbs", b[1] == 0xff ? 0 : total);
				json_arr(&f->j, "vppbs");
			} else if (b[1] == 1) {
				printf("VCS %u: enabled, USP port %u, %u vPPBs\n", id, b[2], total);
			} else {
				printf("VCS %u: %s\n", id, b[1] == 0xff ? "invalid VCS ID" :
								   vcs_state(b[1]));
			}
		}
		for (i = 0; i < got; i++)
			show_vppb(f, start + i, b + 4 + 4 * i);
		start += got;
	} while (got && start < total);
	if (f->json) {
		json_end_arr(&f->j);
		json_end_obj(&f->j);
	}
	return 0;
}

static int cmd_vcs(struct fm *f, int argc, char **argv)
{
	unsigned int ids[255], n = 0, start = 0, limit = 62, i, np, nv;

	for (i = 0; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--start") && i + 1 < (unsigned int)argc) {
			if (!arg_num(argv[++i], 255, &start))
				return bad_arg(f, "--start", argv[i]);
		} else if (!strcmp(argv[i], "--limit") && i + 1 < (unsigned int)argc) {
			if (!arg_num(argv[++i], 255, &limit) || !limit)
				return bad_arg(f, "--limit", argv[i]);
		} else if (n < 255 && arg_num(argv[i], 255, &ids[n])) {
			n++;
		} else {
			return bad_arg(f, "VCS ID", argv[i]);
		}
	}
	if (!n) {
		if (identify(f, &np, &nv))
			return 1;
		for (n = 0; n < nv; n++)
			ids[n] = n;
	}
	if (f->json)
		json_arr(&f->j, NULL);
	for (i = 0; i < n; i++)
		if (show_vcs(f, ids[i], start, limit))
			return 1;
	if (f->json)
		json_end_arr(&f->j);
	return 0;
}

/* ---- bind, unbind (5201h, 5202h): background operations ---- */

/* Waits for the background operation of @op to end (Background Operation
 * Status, 0002h, 8.2.9.1.2) and answers its return code, or -1. */
static int wait_bg(struct fm *f, uint16_t op)
{
	struct timespec t0, now, pause = { 0, 2000000 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (req(f, 0x0002, NULL, 0) < 0)
			return -1;
		if (f->out_len < 8) {
			short_response(f, 0x0002);
			return -1;
		}
		if (le(f->out + 2, 2) != op) {
			fprintf(stderr, "cxlemu: %s: the background operation is %04xh's, not ours\n",
				f->cmd, le(f->out + 2, 2));
			return -1;
		}
		if (!(f->out[0] & 1))
			return (int)le(f->out + 4, 2);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >
		    f->timeout_ms) {
			fprintf(stderr, "cxlemu: %s: still running after %d ms (%u%% done)\n", f->cmd,
				f->timeout_ms, f->out[0] >> 1);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

/* Runs a bind or unbind to its end; prints a failure. */
static int run_bg(struct fm *f, uint16_t op, const uint8_t *in, size_t len)
{
	int rc = req(f, op, in, len);

	if (rc == CXLEMU_MBOX_BG_STARTED)
		rc = wait_bg(f, op);
	if (rc < 0)
		return 1;
	if (rc) {
		fprintf(stderr, "cxlemu: %s: %s (0x%x)\n", f->cmd, cxlemu_mbox_rc_name(rc), rc);
		return 1;
	}
	return 0;
}

static int cmd_bind(struct fm *f, int argc, char **argv)
{
	unsigned int v[3], ld = CXLEMU_SWITCH_NO_LD, n = 0, i;
	uint8_t in[6];

	for (i = 0; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--ld") && i + 1 < (unsigned int)argc) {
			if (!arg_num(argv[++i], 0xffff, &ld))
				return bad_arg(f, "--ld", argv[i]);
		} else if (n < 3 && arg_num(argv[i], 255, &v[n])) {
			n++;
		} else {
			return bad_arg(f, "argument", argv[i]);
		}
	}
	if (n != 3)
		return bad_arg(f, "arguments", "(need VCS VPPB PORT)");
	in[0] = (uint8_t)v[0];
	in[1] = (uint8_t)v[1];
	in[2] = (uint8_t)v[2];
	in[3] = 0;
	in[4] = (uint8_t)ld;
	in[5] = (uint8_t)(ld >> 8);
	if (run_bg(f, 0x5201, in, sizeof(in)))
		return 1;
	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "vcs", v[0]);
		json_u64(&f->j, "vppb", v[1]);
		json_u64(&f->j, "port", v[2]);
		if (ld == CXLEMU_SWITCH_NO_LD)
			json_null(&f->j, "ld");
		else
			json_u64(&f->j, "ld", ld);
		json_str(&f->j, "result", cxlemu_mbox_rc_name(0));
		json_end_obj(&f->j);
	} else if (ld == CXLEMU_SWITCH_NO_LD) {
		printf("VCS %u vPPB %u bound to port %u\n", v[0], v[1], v[2]);
	} else {
		printf("VCS %u vPPB %u bound to port %u LD %u\n", v[0], v[1], v[2], ld);
	}
	return 0;
}

static int cmd_unbind(struct fm *f, int argc, char **argv)
{
	static const char *const modes[] = { "wait", "managed", "surprise" };
	unsigned int v[2], mode = 0, n = 0, i;
	uint8_t in[3];

	for (i = 0; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < (unsigned int)argc) {
			for (mode = 0; mode < 3 && strcmp(argv[i + 1], modes[mode]); mode++)
				;
			if (mode == 3)
				return bad_arg(f, "--mode", argv[i + 1]);
			i++;
		} else if (n < 2 && arg_num(argv[i], 255, &v[n])) {
			n++;
		} else {
			return bad_arg(f, "argument", argv[i]);
		}
	}
	if (n != 2)
		return bad_arg(f, "arguments", "(need VCS VPPB)");
	in[0] = (uint8_t)v[0];
	in[1] = (uint8_t)v[1];
	in[2] = (uint8_t)mode;
	if (run_bg(f, 0x5202, in, sizeof(in)))
		return 1;
	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "vcs", v[0]);
		json_u64(&f->j, "vppb", v[1]);
		json_str(&f->j, "mode", modes[mode]);
		json_str(&f->j, "result", cxlemu_mbox_rc_name(0));
		json_end_obj(&f->j);
	} else {
		printf("VCS %u vPPB %u unbound\n", v[0], v[1]);
	}
	return 0;
}

/* ---- aer (5203h, Table 7-35) ---- */

static int cmd_aer(struct fm *f, int argc, char **argv)
{
	unsigned int v[3], n = 0, i;
	bool unc = false;
	uint8_t in[0x28];

	for (i = 0; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--uncorrectable"))
			unc = true;
		else if (n < 3 && arg_num(argv[i], n == 2 ? 31 : 255, &v[n]))
			n++;
		else
			return bad_arg(f, "argument", argv[i]);
	}
	if (n != 3)
		return bad_arg(f, "arguments", "(need VCS INSTANCE BIT)");
	memset(in, 0, sizeof(in));
	in[0] = (uint8_t)v[0];
	in[1] = (uint8_t)v[1];
	in[4] = (uint8_t)v[2];
	in[7] = unc ? 0x80 : 0;
	if (req(f, 0x5203, in, sizeof(in)) < 0)
		return 1;
	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "vcs", v[0]);
		json_u64(&f->j, "instance", v[1]);
		json_u64(&f->j, "bit", v[2]);
		json_str(&f->j, "severity", unc ? "uncorrectable" : "correctable");
		json_str(&f->j, "result", cxlemu_mbox_rc_name(0));
		json_end_obj(&f->j);
	} else {
		printf("AER %s error bit %u sent to VCS %u instance %u\n",
		       unc ? "uncorrectable" : "correctable", v[2], v[0], v[1]);
	}
	return 0;
}

/* ---- events (0100h, 0101h; Virtual CXL Switch Event Record 7.6.8.2) ---- */

#define EV_HDR 0x20u
#define EV_REC 128u

static const uint8_t vcs_uuid[16] = {
	0x40, 0xd2, 0x64, 0x25, 0x33, 0x96, 0x4c, 0x4d,
	0xa5, 0xda, 0x3d, 0x47, 0x26, 0x3a, 0xf4, 0x25,
};

static const char *vcs_event_type(unsigned int t)
{
	static const char *const n[] = { "binding-change", "secondary-bus-reset",
					 "link-control-updated", "slot-control-updated" };

	return t < 4 ? n[t] : "reserved";
}

static void show_record(struct fm *f, const uint8_t *r)
{
	bool vcs = !memcmp(r, vcs_uuid, 16);
	char uuid[40];
	const uint8_t *d = r + 0x30;

	snprintf(uuid, sizeof(uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
		 r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
		 r[14], r[15]);
	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "handle", le(r + 0x14, 2));
		json_u64(&f->j, "timestamp", le64(r + 0x18));
		json_u64(&f->j, "severity", r[0x11] & 3);
		json_str(&f->j, "uuid", uuid);
		if (vcs) {
			json_str(&f->j, "type", "virtual-switch");
			json_u64(&f->j, "vcs", d[0]);
			json_u64(&f->j, "vppb", d[1]);
			json_str(&f->j, "event", vcs_event_type(d[2]));
			json_str(&f->j, "status", binding(d[3]));
			if (d[3] == 2 || d[3] == 3)
				json_u64(&f->j, "port", d[4]);
			else
				json_null(&f->j, "port");
			if (d[3] == 3)
				json_u64(&f->j, "ld", d[5]);
			else
				json_null(&f->j, "ld");
			json_hex(&f->j, "link_control", le(d + 6, 2));
			json_hex(&f->j, "slot_control", le(d + 8, 2));
		}
		json_end_obj(&f->j);
		return;
	}
	if (!vcs) {
		printf("  handle %u: record %s\n", le(r + 0x14, 2), uuid);
		return;
	}
	printf("  handle %u: VCS %u vPPB %u %s: ", le(r + 0x14, 2), d[0], d[1],
	       vcs_event_type(d[2]));
	switch (d[3]) {
	case 0: printf("unbound"); break;
	case 1: printf("bind or unbind in progress"); break;
	case 2: printf("bound to port %u", d[4]); break;
	case 3: printf("bound to port %u LD %u", d[4], d[5]); break;
	default: printf("status 0x%x", d[3]); break;
	}
	printf(" (link control 0x%04x, slot control 0x%04x)\n", le(d + 6, 2), le(d + 8, 2));
}

static int show_log(struct fm *f, unsigned int log, bool clear)
{
	static const char *const names[] = { "informational", "warning" };
	unsigned int total = 0, n, i, overflow = 0;
	bool more;
	uint8_t in[6 + 2 * 255], lg = (uint8_t)log;

	if (f->json) {
		json_obj(&f->j, NULL);
		json_str(&f->j, "log", names[log]);
		json_arr(&f->j, "records");
	} else {
		printf("%s log:\n", names[log]);
	}
	do {
		if (req(f, 0x0100, &lg, 1) < 0)
			return 1;
		n = f->out_len >= EV_HDR ? le(f->out + 0x14, 2) : 0;
		if (f->out_len < EV_HDR || f->out_len != EV_HDR + (size_t)n * EV_REC)
			return short_response(f, 0x0100);
		more = f->out[0] & 2;
		overflow = le(f->out + 2, 2);
		for (i = 0; i < n; i++)
			show_record(f, f->out + EV_HDR + i * EV_REC);
		total += n;
		if (!clear || !n)
			break;
		n = n > 255 ? 255 : n;
		memset(in, 0, sizeof(in));
		in[0] = lg;
		in[2] = (uint8_t)n;
		for (i = 0; i < n; i++) {
			in[6 + 2 * i] = f->out[EV_HDR + i * EV_REC + 0x14];
			in[7 + 2 * i] = f->out[EV_HDR + i * EV_REC + 0x15];
		}
		if (req(f, 0x0101, in, 6 + 2 * n) < 0)
			return 1;
		/* A log holds at most 65535 records: a server that keeps
		 * saying "more" beyond that is broken. */
		if (total > 0xffff) {
			fprintf(stderr, "cxlemu: events: the server keeps reporting more records\n");
			return 1;
		}
	} while (more);
	if (f->json) {
		json_end_arr(&f->j);
		json_u64(&f->j, "overflow", overflow);
		json_bool(&f->j, "more", more && !clear);
		json_bool(&f->j, "cleared", clear);
		json_end_obj(&f->j);
		return 0;
	}
	if (!total)
		printf("  no records\n");
	if (overflow)
		printf("  %u records lost to overflow\n", overflow);
	if (more && !clear)
		printf("  more records: read on with --clear\n");
	else if (clear && total)
		printf("  %u cleared\n", total);
	return 0;
}

static int cmd_events(struct fm *f, int argc, char **argv)
{
	bool clear = false;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "--clear")))
		return bad_arg(f, "argument", argv[argc > 1 && !strcmp(argv[0], "--clear")]);
	clear = argc == 1;
	if (f->json)
		json_arr(&f->j, NULL);
	if (show_log(f, 0, clear) || show_log(f, 1, clear))
		return 1;
	if (f->json)
		json_end_arr(&f->j);
	return 0;
}

/* ---- ld-info, ld-alloc: MLD Component commands (5400h-5402h, 7.6.7.4)
 * tunnelled to the FM-owned LD of the MLD on a port (5300h, 7.6.7.3.1) ---- */

/* Largest tunnelled request payload: Set LD Allocations of 16 LDs. */
#define LD_REQ_MAX (4u + 16u * CXLEMU_SWITCH_MAX_LDS)
#define TUNNEL_HDR 4u

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put64(uint8_t *p, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/*
 * Runs the MLD Component command @op (@name, for messages) with payload
 * @in on the FM-owned LD of the MLD on @port: the request message (7.6.3,
 * CCI message header then payload) goes in a Tunnel Management Command to
 * the port.  On success f->out holds the inner response's payload.  A
 * refused tunnel and a tunnelled command that failed inside a successful
 * tunnel are reported apart, each with its return code; answers 0 or -1.
 */
static int ld_req(struct fm *f, unsigned int port, uint16_t op, const char *name,
		  const uint8_t *in, size_t len)
{
	uint8_t b[TUNNEL_HDR + CXLEMU_CCI_MSG_HEADER + LD_REQ_MAX];
	uint8_t tag = f->tag++;
	size_t rsp;
	const uint8_t *m;
	char what[48];
	int rc;

	memset(b, 0, TUNNEL_HDR + CXLEMU_CCI_MSG_HEADER);
	b[0] = (uint8_t)port;
	b[1] = 0;  /* Target Type: the port's device */
	put16(b + 2, (unsigned int)(CXLEMU_CCI_MSG_HEADER + len));
	b[TUNNEL_HDR + 0] = 0;  /* category: request */
	b[TUNNEL_HDR + 1] = tag;
	put16(b + TUNNEL_HDR + 3, op);
	b[TUNNEL_HDR + 5] = (uint8_t)len;
	b[TUNNEL_HDR + 6] = (uint8_t)(len >> 8);
	if (len)
		memcpy(b + TUNNEL_HDR + CXLEMU_CCI_MSG_HEADER, in, len);
	snprintf(what, sizeof(what), "tunnel (5300h) to port %u", port);
	rc = req_as(f, 0x5300, b, TUNNEL_HDR + CXLEMU_CCI_MSG_HEADER + len, what);
	if (rc < 0)
		return -1;
	/* Response Length, reserved, then the response message. */
	rsp = f->out_len >= TUNNEL_HDR ? le(f->out, 2) : 0;
	m = f->out + TUNNEL_HDR;
	if (rc != CXLEMU_MBOX_SUCCESS || rsp < CXLEMU_CCI_MSG_HEADER ||
	    f->out_len != TUNNEL_HDR + rsp || (m[0] & 0xf) != 1 || m[1] != tag ||
	    le(m + 3, 2) != op || le(m + 5, 3) != rsp - CXLEMU_CCI_MSG_HEADER) {
		fprintf(stderr, "cxlemu: %s: malformed response in the tunnel from port %u\n",
			f->cmd, port);
		return -1;
	}
	rc = (int)le(m + 8, 2);
	if (rc) {
		fprintf(stderr, "cxlemu: %s: %s (%04xh) on port %u: %s (0x%x)\n", f->cmd, name, op,
			port, cxlemu_mbox_rc_name(rc), rc);
		return -1;
	}
	f->out_len = rsp - CXLEMU_CCI_MSG_HEADER;
	memmove(f->out, m + CXLEMU_CCI_MSG_HEADER, f->out_len);
	return 0;
}

/* "4 GiB", "768 MiB", "100 B": the largest binary unit that divides. */
static const char *fmt_bytes(char *buf, size_t n, uint64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;

	while (v && u < 6 && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, n, "%" PRIu64 " %s", v, units[u]);
	return buf;
}

static int cmd_ld_info(struct fm *f, int argc, char **argv)
{
	unsigned int port, qos;
	uint64_t size;
	char sz[32];

	if (argc != 1)
		return bad_arg(f, "arguments", "(need PORT)");
	if (!arg_num(argv[0], 255, &port))
		return bad_arg(f, "port ID", argv[0]);
	if (ld_req(f, port, 0x5400, "Get LD Info", NULL, 0))
		return 1;
	if (f->out_len != 11)
		return short_response(f, 0x5400);
	size = le64(f->out);
	qos = f->out[10];
	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "port", port);
		json_u64(&f->j, "memory_size", size);
		json_u64(&f->j, "ld_count", le(f->out + 8, 2));
		json_hex(&f->j, "qos_telemetry", qos);
		json_bool(&f->j, "egress_port_congestion", qos & 1);
		json_bool(&f->j, "temporary_throughput_reduction", qos & 2);
		json_end_obj(&f->j);
		return 0;
	}
	printf("port           %u\n", port);
	printf("memory size    %s (0x%" PRIx64 ")\n", fmt_bytes(sz, sizeof(sz), size), size);
	printf("LDs            %u\n", le(f->out + 8, 2));
	printf("QoS telemetry  %s%s%s\n", qos & 3 ? "" : "none",
	       qos & 1 ? "egress-port-congestion" : "",
	       (qos & 3) == 3 ? ",temporary-throughput-reduction" :
	       qos & 2 ? "temporary-throughput-reduction" : "");
	return 0;
}

/* The LD allocations of an MLD as Get LD Allocations reports them. */
struct ld_allocs {
	unsigned int count;  /* Number of LDs */
	uint64_t gran;       /* Memory Granularity in bytes */
	uint64_t r[CXLEMU_SWITCH_MAX_LDS][2];
};

/* Reads the allocations of the LDs from @start on, @limit a request
 * (Get LD Allocations 5401h, 7.6.7.4.2), into @a. */
static int read_allocs(struct fm *f, unsigned int port, unsigned int start, unsigned int limit,
		       struct ld_allocs *a)
{
	unsigned int n, i;
	uint8_t in[2];

	do {
		in[0] = (uint8_t)start;
		in[1] = (uint8_t)limit;
		if (ld_req(f, port, 0x5401, "Get LD Allocations", in, 2))
			return -1;
		n = f->out_len >= 4 ? f->out[3] : 0;
		/* Some LDs from the asked one on, at most the limit, in the
		 * device; granularity codes 0..2 (256 MiB, 512 MiB, 1 GiB). */
		if (f->out_len != 4 + 16u * n || !n || n > limit || f->out[2] != start ||
		    f->out[0] > CXLEMU_SWITCH_MAX_LDS || start + n > f->out[0] || f->out[1] > 2) {
			short_response(f, 0x5401);
			return -1;
		}
		a->count = f->out[0];
		a->gran = (UINT64_C(256) << 20) << f->out[1];
		for (i = 0; i < n; i++) {
			a->r[start + i][0] = le64(f->out + 4 + 16 * i);
			a->r[start + i][1] = le64(f->out + 12 + 16 * i);
		}
		start += n;
	} while (start < a->count);
	return 0;
}

/* Prints the allocations of LDs @first..@end-1, @set: as just set. */
static void show_allocs(struct fm *f, unsigned int port, const struct ld_allocs *a,
			unsigned int first, unsigned int end, bool set)
{
	unsigned int i;
	char sz[32];

	if (f->json) {
		json_obj(&f->j, NULL);
		json_u64(&f->j, "port", port);
		json_u64(&f->j, "ld_count", a->count);
		json_u64(&f->j, "granularity", a->gran);
		json_arr(&f->j, "lds");
	} else {
		printf("port %u: %s%u LDs, granularity %s\n", port,
		       set ? "allocations set; " : "", a->count, fmt_bytes(sz, sizeof(sz), a->gran));
		printf("LD    RANGE1    RANGE2  MEMORY\n");
	}
	for (i = first; i < end; i++) {
		uint64_t r1 = a->r[i][0], r2 = a->r[i][1];
		/* The multipliers as the wire has them: their bytes may not fit. */
		bool fits = r1 <= UINT64_MAX - r2 && r1 + r2 <= UINT64_MAX / a->gran;

		if (f->json) {
			json_obj(&f->j, NULL);
			json_u64(&f->j, "ld", i);
			json_u64(&f->j, "range1", r1);
			json_u64(&f->j, "range2", r2);
			if (fits)
				json_u64(&f->j, "bytes", (r1 + r2) * a->gran);
			else
				json_null(&f->j, "bytes");
			json_end_obj(&f->j);
		} else {
			printf("%-3u %8" PRIu64 "  %8" PRIu64 "  %s\n", i, r1, r2,
			       fits ? fmt_bytes(sz, sizeof(sz), (r1 + r2) * a->gran) : "-");
		}
	}
	if (f->json) {
		json_end_arr(&f->j);
		json_end_obj(&f->j);
	}
}

/* Parses --set LD=R1[:R2][,...] into @want (R2 default 0) and @named. */
static bool parse_set(const char *spec, uint64_t want[][2], bool *named)
{
	const char *p = spec;

	if (!*p)
		return false;
	for (;;) {
		const char *end = strchr(p, ','), *eq, *colon;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		uint64_t ld, r1, r2 = 0;

		eq = memchr(p, '=', len);
		if (!eq)
			return false;
		colon = memchr(eq, ':', len - (size_t)(eq - p));
		if (!parse_u64(p, (size_t)(eq - p), &ld) || ld >= CXLEMU_SWITCH_MAX_LDS ||
		    named[ld])
			return false;
		if (!parse_u64(eq + 1, (size_t)((colon ? colon : p + len) - eq - 1), &r1) ||
		    (colon && !parse_u64(colon + 1, (size_t)(p + len - colon - 1), &r2)))
			return false;
		named[ld] = true;
		want[ld][0] = r1;
		want[ld][1] = r2;
		if (!end)
			return true;
		p = end + 1;
	}
}

/*
 * Set LD Allocations (5402h, 7.6.7.4.3) names a run of LDs from a Start LD
 * ID: the run goes from the lowest LD named to the highest, the LDs
 * between not named keep their allocations as just read (an LD the device
 * lacks gets 0 and the device refuses the request).  One request, so the
 * device applies all or nothing.
 */
static int set_allocs(struct fm *f, unsigned int port, const char *spec, unsigned int limit)
{
	uint64_t want[CXLEMU_SWITCH_MAX_LDS][2];
	bool named[CXLEMU_SWITCH_MAX_LDS] = { false };
	struct ld_allocs a;
	unsigned int lo = CXLEMU_SWITCH_MAX_LDS, hi = 0, i, n;
	uint8_t in[LD_REQ_MAX];

	memset(want, 0, sizeof(want));
	if (!parse_set(spec, want, named))
		return bad_arg(f, "--set", spec);
	for (i = 0; i < CXLEMU_SWITCH_MAX_LDS; i++)
		if (named[i]) {
			lo = i < lo ? i : lo;
			hi = i;
		}
	memset(&a, 0, sizeof(a));
	if (read_allocs(f, port, 0, limit, &a))
		return 1;
	n = hi - lo + 1;
	memset(in, 0, sizeof(in));
	in[0] = (uint8_t)n;
	in[1] = (uint8_t)lo;
	for (i = lo; i <= hi; i++) {
		const uint64_t *r = named[i] ? want[i] : a.r[i];

		put64(in + 4 + 16 * (i - lo), r[0]);
		put64(in + 12 + 16 * (i - lo), r[1]);
	}
	if (ld_req(f, port, 0x5402, "Set LD Allocations", in, 4 + 16 * n))
		return 1;
	/* The response: the list as it now stands (7.6.7.4.3). */
	if (f->out_len != 4 + 16u * n || f->out[0] != n || f->out[1] != lo)
		return short_response(f, 0x5402);
	for (i = 0; i < n; i++) {
		a.r[lo + i][0] = le64(f->out + 4 + 16 * i);
		a.r[lo + i][1] = le64(f->out + 12 + 16 * i);
	}
	show_allocs(f, port, &a, lo, hi + 1, true);
	return 0;
}

static int cmd_ld_alloc(struct fm *f, int argc, char **argv)
{
	unsigned int port = 0, start = 0, limit = CXLEMU_SWITCH_MAX_LDS, i;
	bool have_port = false, have_start = false;
	const char *set = NULL;
	struct ld_allocs a;

	for (i = 0; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--start") && i + 1 < (unsigned int)argc) {
			if (!arg_num(argv[++i], 255, &start))
				return bad_arg(f, "--start", argv[i]);
			have_start = true;
		} else if (!strcmp(argv[i], "--limit") && i + 1 < (unsigned int)argc) {
			if (!arg_num(argv[++i], 255, &limit) || !limit)
				return bad_arg(f, "--limit", argv[i]);
		} else if (!strcmp(argv[i], "--set") && i + 1 < (unsigned int)argc && !set) {
			set = argv[++i];
		} else if (!have_port && arg_num(argv[i], 255, &port)) {
			have_port = true;
		} else {
			return bad_arg(f, "argument", argv[i]);
		}
	}
	if (!have_port)
		return bad_arg(f, "arguments", "(need PORT)");
	if (set && have_start)
		return bad_arg(f, "arguments", "(--set takes no --start)");
	if (set)
		return set_allocs(f, port, set, limit);
	memset(&a, 0, sizeof(a));
	if (read_allocs(f, port, start, limit, &a))
		return 1;
	show_allocs(f, port, &a, start, a.count, false);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct fm *f, int argc, char **argv);
} fm_cmds[] = {
	{ "identify", cmd_identify }, { "ports", cmd_ports },
	{ "port-control", cmd_port_control }, { "vcs", cmd_vcs },
	{ "bind", cmd_bind }, { "unbind", cmd_unbind },
	{ "aer", cmd_aer }, { "events", cmd_events },
	{ "ld-info", cmd_ld_info }, { "ld-alloc", cmd_ld_alloc },
};

int cmd_fm(int argc, char **argv, bool json)
{
	struct fm f = { .json = json, .timeout_ms = 5000 };
	const char *path = getenv("CXLEMU_FM_SOCKET");
	char **args, *jbuf = NULL;
	size_t jlen = 0;
	FILE *jf = NULL;
	int nargs = 0, i, rc;
	unsigned int k;
	uint64_t secs;

	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return 1;
	/* Options of fm itself anywhere; the rest is the command's. */
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (!parse_u64(argv[i + 1], strlen(argv[i + 1]), &secs) || secs > 3600) {
				fprintf(stderr, "cxlemu: fm: bad --timeout '%s'\n", argv[i + 1]);
				free(args);
				return 2;
			}
			f.timeout_ms = (int)secs * 1000;
			i++;
		} else if (!strcmp(argv[i], "--json")) {
			f.json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(fm_usage, stdout);
			free(args);
			return 0;
		} else {
			args[nargs++] = argv[i];
		}
	}
	if (!nargs || !path) {
		fprintf(stderr, "cxlemu: fm: %s\n%s", nargs ? "no --socket PATH" : "no command",
			fm_usage);
		free(args);
		return 2;
	}
	for (k = 0; k < sizeof(fm_cmds) / sizeof(fm_cmds[0]); k++)
		if (!strcmp(args[0], fm_cmds[k].name))
			break;
	if (k == sizeof(fm_cmds) / sizeof(fm_cmds[0])) {
		fprintf(stderr, "cxlemu: fm: unknown command '%s'\n%s", args[0], fm_usage);
		free(args);
		return 2;
	}
	f.cmd = fm_cmds[k].name;
	f.out = malloc(FM_OUT_CAP);
	rc = f.out ? cxlemu_fmsock_connect(NULL, path, &f.c) : -ENOMEM;
	if (rc) {
		fprintf(stderr, "cxlemu: %s: cannot connect to %s: %s\n", f.cmd, path, strerror(-rc));
		free(f.out);
		free(args);
		return 1;
	}
	/* JSON goes out whole or not at all. */
	if (f.json) {
		jf = open_memstream(&jbuf, &jlen);
		if (!jf) {
			cxlemu_fmsock_client_free(f.c);
			free(f.out);
			free(args);
			return 1;
		}
		json_begin(&f.j, jf);
	}
	rc = fm_cmds[k].fn(&f, nargs - 1, args + 1);
	if (f.json) {
		json_finish(&f.j);
		fclose(jf);
		if (!rc)
			fwrite(jbuf, 1, jlen, stdout);
		free(jbuf);
	}
	cxlemu_fmsock_client_free(f.c);
	free(f.out);
	free(args);
	return rc;
}
