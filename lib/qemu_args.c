/* SPDX-License-Identifier: MIT */
/*
 * QEMU 10 command lines to topologies: -device, -object, -M/-machine and -m
 * as QEMU's q35 reads them for CXL (pxb-cxl host bridges pass through with
 * one root port unless hdm_for_passthrough=on, as QEMU's do).  Everything else is skipped; properties
 * we do not model are accepted and ignored.  Every rejection names the
 * option (and its position), the property and why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#include <cxlemu/topology.h>

#define MAX_KV 64
#define MAX_FMW 16
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

struct kv {
	char *key, *val;
};

struct opt {
	int argi;        /* position on the command line, for messages */
	const char *what; /* "-device", "-object", "-M", "-m" */
	char *head;      /* driver, object type, machine type or -m size */
	struct kv kv[MAX_KV];
	int nkv;
	char *buf;       /* storage for head and kv */
	bool done;
};

struct parser {
	struct cxlemu_ctx *ctx;
	struct opt *opts;
	int nopts;
	char *err;
	size_t errlen;
	unsigned int anon;
};

static int fail(struct parser *p, const struct opt *o, const char *prop,
		const char *fmt, ...) CXLEMU_PRINTF(4, 5);

static int fail(struct parser *p, const struct opt *o, const char *prop,
		const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen) {
		if (o && prop)
			snprintf(p->err, p->errlen, "%s %s (argument %d): property '%s': %s",
				 o->what, o->head ? o->head : "", o->argi, prop, why);
		else if (o)
			snprintf(p->err, p->errlen, "%s %s (argument %d): %s", o->what,
				 o->head ? o->head : "", o->argi, why);
		else
			snprintf(p->err, p->errlen, "%s", why);
	}
	cxlemu_err(p->ctx, "%s", p->err ? p->err : why);
	return -EINVAL;
}

static const char *get(const struct opt *o, const char *key);

/* Splits "a,b=c,d=e,,f" (",," is a literal comma) into head and pairs. */
static int split_opt(struct parser *p, struct opt *o, const char *s)
{
	size_t len = strlen(s), i, w = 0;
	char *cur;
	bool first = true;

	o->buf = malloc(len + 1);
	if (!o->buf)
		return -ENOMEM;
	cur = o->buf;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] == ',' && i + 1 < len && s[i + 1] == ',') {
			o->buf[w++] = ',';
			i++;
			continue;
		}
		if (i < len && s[i] != ',') {
			o->buf[w++] = s[i];
			continue;
		}
		o->buf[w++] = '\0';
		if (*cur) {
			char *eq = strchr(cur, '=');

			if (first && !eq) {
				o->head = cur;
			} else {
				if (!eq)
					return fail(p, o, cur, "expected key=value");
				if (o->nkv == MAX_KV)
					return fail(p, o, NULL, "more than %d properties", MAX_KV);
				*eq = '\0';
				o->kv[o->nkv].key = cur;
				o->kv[o->nkv].val = eq + 1;
				o->nkv++;
			}
		}
		first = false;
		cur = o->buf + w;
	}
	/* -device driver=cxl-rp,... is the same as -device cxl-rp,... */
	if (!o->head && get(o, "driver"))
		o->head = (char *)get(o, "driver");
	return 0;
}

static const char *get(const struct opt *o, const char *key)
{
	int i;

	/* The last one wins, as in QEMU. */
	for (i = o->nkv; i-- > 0;)
		if (!strcmp(o->kv[i].key, key))
			return o->kv[i].val;
	return NULL;
}

/* QEMU's integer syntax: decimal or 0x-hex, whole string, no overflow. */
static bool parse_uint(const char *s, uint64_t *v)
{
	uint64_t x = 0, base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = (uint64_t)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (uint64_t)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (uint64_t)(*s - 'A' + 10);
		else
			return false;
		if (x > (UINT64_MAX - d) / base)
			return false;
		x = x * base + d;
	}
	*v = x;
	return true;
}

/* QEMU's size syntax: a number with an optional B/K/M/G/T/P/E suffix. */
static bool parse_size(const char *s, uint64_t unit, uint64_t *v)
{
	char num[32];
	size_t n = strlen(s);
	unsigned int shift = 0;
	uint64_t x;

	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'b': case 'B': shift = 0; unit = 1; num[--n] = '\0'; break;
	case 'k': case 'K': shift = 10; unit = 1; num[--n] = '\0'; break;
	case 'm': case 'M': shift = 20; unit = 1; num[--n] = '\0'; break;
	case 'g': case 'G': shift = 30; unit = 1; num[--n] = '\0'; break;
	case 't': case 'T': shift = 40; unit = 1; num[--n] = '\0'; break;
	case 'p': case 'P': shift = 50; unit = 1; num[--n] = '\0'; break;
	case 'e': case 'E': shift = 60; unit = 1; num[--n] = '\0'; break;
	default: break;
	}
	if (!parse_uint(num, &x) || (unit > 1 && x > UINT64_MAX / unit))
		return false;
	x *= unit;
	if (shift && x > (UINT64_MAX >> shift))
		return false;
	*v = x << shift;
	return true;
}

static int prop_uint(struct parser *p, const struct opt *o, const char *key,
		     uint64_t max, bool required, uint64_t def, uint64_t *v)
{
	const char *s = get(o, key);

	if (!s) {
		if (required)
			return fail(p, o, key, "required");
		*v = def;
		return 0;
	}
	if (!parse_uint(s, v) || *v > max)
		return fail(p, o, key, "'%s' is not a number from 0 to %llu", s,
			    (unsigned long long)max);
	return 0;
}

/* A QEMU boolean property (qapi_bool_parse: on/yes/true/y, off/no/false/n,
 * exactly so spelled), @def when absent. */
static int prop_bool(struct parser *p, const struct opt *o, const char *key,
		     bool def, bool *v)
{
	static const char *const yes[] = { "on", "yes", "true", "y" };
	static const char *const no[] = { "off", "no", "false", "n" };
	const char *s = get(o, key);
	size_t i;

	*v = def;
	if (!s)
		return 0;
	for (i = 0; i < CXLEMU_ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*v = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*v = false;
			return 0;
		}
	}
	return fail(p, o, key, "'%s' is not 'on' or 'off'", s);
}

/* Size of the memory backend named by property @key, or 0 if absent. */
static int memdev_size(struct parser *p, const struct opt *o, const char *key,
		       uint64_t *size)
{
	const char *id = get(o, key);
	int i;

	*size = 0;
	if (!id)
		return 0;
	for (i = 0; i < p->nopts; i++) {
		const struct opt *b = &p->opts[i];
		const char *bid, *s;

		if (strcmp(b->what, "-object") || !b->head ||
		    strncmp(b->head, "memory-backend-", 15))
			continue;
		bid = get(b, "id");
		if (!bid || strcmp(bid, id))
			continue;
		s = get(b, "size");
		if (!s || !parse_size(s, 1, size))
			return fail(p, b, "size", "missing or not a size");
		return 0;
	}
	return fail(p, o, key, "no memory backend object with id '%s'", id);
}

static const char *const cxl_devices[] = {
	"pxb-cxl", "cxl-rp", "cxl-upstream", "cxl-downstream", "cxl-type3",
	"cxl-switch-mailbox-cci",
};

static bool is_cxl_device(const struct opt *o)
{
	size_t i;

	if (strcmp(o->what, "-device") || !o->head)
		return false;
	for (i = 0; i < CXLEMU_ARRAY_SIZE(cxl_devices); i++)
		if (!strcmp(o->head, cxl_devices[i]))
			return true;
	return false;
}

/* QEMU's id rule (id_wellformed): a letter, then [A-Za-z0-9._-]. */
static bool id_wellformed(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 63 ||
	    !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')))
		return false;
	for (i = 1; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

/* Adds one device whose bus exists; 1 if its bus is not there yet. */
static int add_device(struct parser *p, struct cxlemu_topo *t, struct opt *o)
{
	struct cxlemu_comp_desc d;
	struct cxlemu_comp_info bus_info;
	const char *bus = get(o, "bus"), *id = get(o, "id");
	uint32_t bus_id = CXLEMU_COMP_NONE;
	uint64_t v;
	char name[64];
	int rc;

	memset(&d, 0, sizeof(d));
	d.version = CXLEMU_COMP_DESC_VERSION;
	if (id && !id_wellformed(id))
		return fail(p, o, "id", "'%s' is not a QEMU id (a letter, then letters, digits, '-', '.', '_'; at most 63)",
			    id);
	if (!id) {
		snprintf(name, sizeof(name), "%s.%u", o->head, p->anon++);
		id = name;
	}
	d.name = id;
	if (strcmp(o->head, "pxb-cxl")) {
		if (!bus)
			return fail(p, o, "bus", "required");
		bus_id = cxlemu_topo_find(t, bus);
		if (bus_id == CXLEMU_COMP_NONE)
			return 1;
		cxlemu_topo_info(t, bus_id, &bus_info);
	}
	d.parent = bus_id;
	if (!strcmp(o->head, "pxb-cxl")) {
		bool hdm_for_pt;

		d.kind = CXLEMU_COMP_HOST_BRIDGE;
		rc = prop_uint(p, o, "bus_nr", 255, false, 0, &v);
		if (rc)
			return rc;
		d.uid = (uint32_t)v;
		/* pxb_cxl_dev_reset(): with exactly one root port and without
		 * hdm_for_passthrough=on, no HDM decoders (pass-through). */
		rc = prop_bool(p, o, "hdm_for_passthrough", false, &hdm_for_pt);
		if (rc)
			return rc;
		d.flags = hdm_for_pt ? 0 : CXLEMU_COMP_PASSTHROUGH_AUTO;
	} else if (!strcmp(o->head, "cxl-rp") || !strcmp(o->head, "cxl-downstream")) {
		bool rp = !strcmp(o->head, "cxl-rp");

		d.kind = rp ? CXLEMU_COMP_ROOT_PORT : CXLEMU_COMP_DSP;
		if (bus_info.kind != (rp ? CXLEMU_COMP_HOST_BRIDGE : CXLEMU_COMP_USP))
			return fail(p, o, "bus", "'%s' is not a %s", bus,
				    rp ? "pxb-cxl host bridge" : "cxl-upstream switch port");
		rc = prop_uint(p, o, "port", 255, true, 0, &v);
		if (rc)
			return rc;
		d.port = (uint32_t)v;
	} else if (!strcmp(o->head, "cxl-switch-mailbox-cci")) {
		/* A switch CCI: kept for the FM-API; checks what it names. */
		const char *target = get(o, "target");
		uint32_t tid = target ? cxlemu_topo_find(t, target) : CXLEMU_COMP_NONE;
		struct cxlemu_comp_info ti;

		if (!target)
			return fail(p, o, "target", "required");
		if (tid == CXLEMU_COMP_NONE)
			return 1;
		cxlemu_topo_info(t, tid, &ti);
		if (ti.kind != CXLEMU_COMP_USP)
			return fail(p, o, "target", "'%s' is not a cxl-upstream switch port",
				    target);
		return 0;
	} else {
		bool type3 = !strcmp(o->head, "cxl-type3");

		if (bus_info.kind != CXLEMU_COMP_ROOT_PORT && bus_info.kind != CXLEMU_COMP_DSP)
			return fail(p, o, "bus", "'%s' is not a cxl-rp or cxl-downstream port",
				    bus);
		if (bus_info.below != CXLEMU_COMP_NONE)
			return fail(p, o, "bus", "port '%s' already has a device", bus);
		d.kind = type3 ? CXLEMU_COMP_TYPE3 : CXLEMU_COMP_USP;
		if (type3) {
			uint64_t pmem, pmem_old;

			if ((rc = memdev_size(p, o, "volatile-memdev", &d.volatile_size)) ||
			    (rc = memdev_size(p, o, "persistent-memdev", &pmem)) ||
			    (rc = memdev_size(p, o, "memdev", &pmem_old)) ||
			    (rc = memdev_size(p, o, "volatile-dc-memdev", &d.dc_size)) ||
			    (rc = memdev_size(p, o, "lsa", &d.lsa_size)))
				return rc;
			d.persistent_size = pmem ? pmem : pmem_old;
			if (!d.volatile_size && !d.persistent_size && !d.dc_size)
				return fail(p, o, NULL, "needs volatile-memdev, persistent-memdev or volatile-dc-memdev");
			rc = prop_uint(p, o, "sn", UINT64_MAX, false, UINT64_MAX, &d.serial);
			if (rc)
				return rc;
		}
	}
	rc = cxlemu_topo_add(t, &d, NULL);
	if (rc == -EEXIST)
		return fail(p, o, "id", "'%s' is used twice", id);
	if (rc)
		return fail(p, o, NULL, "rejected by the topology (%s)", cxlemu_strerror(rc));
	return 0;
}

/* Where q35 puts the CXL host register area and the first fixed memory
 * window (hw/i386/pc.c). */
static int window_base(struct parser *p, uint64_t *host_regs, uint64_t *base)
{
	uint64_t ram = 128 * MiB, maxmem = 0, slots = 0, lowmem, above, end;
	int i, rc;

	for (i = 0; i < p->nopts; i++) {
		const struct opt *o = &p->opts[i];
		const char *s;

		if (strcmp(o->what, "-m"))
			continue;
		s = o->head ? o->head : get(o, "size");
		if (s && !parse_size(s, MiB, &ram))
			return fail(p, o, "size", "'%s' is not a size", s);
		if ((s = get(o, "maxmem")) && !parse_size(s, MiB, &maxmem))
			return fail(p, o, "maxmem", "'%s' is not a size", s);
		if ((rc = prop_uint(p, o, "slots", 256, false, 0, &slots)))
			return rc;
	}
	/* Nothing here may leave 52-bit addresses (nor wrap 64 bits). */
	if (ram >= CXLEMU_ADDR_LIMIT || maxmem >= CXLEMU_ADDR_LIMIT)
		return fail(p, NULL, NULL, "-m: size %llu or maxmem %llu beyond 52-bit addresses",
			    (unsigned long long)ram, (unsigned long long)maxmem);
	lowmem = ram >= 0xb0000000ULL ? 0x80000000ULL : 0xb0000000ULL;
	above = ram > lowmem ? ram - lowmem : 0;
	end = 4 * GiB + above;
	if (maxmem > ram) {
		/* Device memory after RAM, 1 GiB aligned, 1 GiB per slot. */
		end = (end + GiB - 1) & ~(GiB - 1);
		end += maxmem - ram + GiB * slots;
	}
	/* 1 MiB of CXL host bridge registers, then the windows. */
	*host_regs = end;
	*base = (end + MiB + 256 * MiB - 1) & ~(256 * MiB - 1);
	if (*base >= CXLEMU_ADDR_LIMIT)
		return fail(p, NULL, NULL, "-m: memory ends beyond 52-bit addresses");
	return 0;
}

static int add_windows(struct parser *p, struct cxlemu_topo *t)
{
	struct cxlemu_window_desc w[MAX_FMW];
	const struct opt *where[MAX_FMW] = { 0 };
	bool have[MAX_FMW] = { 0 }, tset[MAX_FMW][CXLEMU_MAX_WAYS] = { { 0 } };
	uint64_t base = 0, host_regs = 0;
	int i, k, n, rc;

	memset(w, 0, sizeof(w));
	for (i = 0; i < p->nopts; i++) {
		const struct opt *o = &p->opts[i];

		if (strcmp(o->what, "-M"))
			continue;
		for (k = 0; k < o->nkv; k++) {
			const char *key = o->kv[k].key, *val = o->kv[k].val;
			unsigned long idx, m;
			char *end;

			if (strncmp(key, "cxl-fmw.", 8))
				continue;
			idx = strtoul(key + 8, &end, 10);
			if (end == key + 8 || *end != '.' || idx >= MAX_FMW)
				return fail(p, o, key, "window index must be 0 to %d", MAX_FMW - 1);
			have[idx] = true;
			where[idx] = o;
			if (!strncmp(end, ".targets.", 9)) {
				char *e2;
				uint32_t hb;
				struct cxlemu_comp_info info;

				m = strtoul(end + 9, &e2, 10);
				if (e2 == end + 9 || *e2 || m >= CXLEMU_MAX_WAYS)
					return fail(p, o, key, "target index must be 0 to 15");
				hb = cxlemu_topo_find(t, val);
				if (hb == CXLEMU_COMP_NONE || cxlemu_topo_info(t, hb, &info) ||
				    info.kind != CXLEMU_COMP_HOST_BRIDGE)
					return fail(p, o, key, "'%s' is not a pxb-cxl host bridge", val);
				w[idx].targets[m] = hb;
				tset[idx][m] = true;
			} else if (!strcmp(end, ".size")) {
				if (!parse_size(val, 1, &w[idx].size))
					return fail(p, o, key, "'%s' is not a size", val);
			} else if (!strcmp(end, ".interleave-granularity")) {
				if (!parse_size(val, 1, &w[idx].gran))
					return fail(p, o, key, "'%s' is not a size", val);
			}
			/* Other window properties are not modelled. */
		}
	}
	rc = window_base(p, &host_regs, &base);
	if (rc)
		return rc;
	cxlemu_topo_set_host_reg_base(t, host_regs);
	/*
	 * q35 maps one 64 KiB register block per pxb-cxl into the host
	 * register area, walking the root bus's child buses, where each new
	 * bus goes to the head of the list: the last host bridge created gets
	 * the first block (QEMU's bios-tables-test CEDT shows the same).
	 */
	{
		uint32_t id, hb = 0, count = cxlemu_topo_count(t);

		for (id = count; id-- > 0;) {
			struct cxlemu_comp_info c;

			cxlemu_topo_info(t, id, &c);
			if (c.kind != CXLEMU_COMP_HOST_BRIDGE)
				continue;
			cxlemu_topo_set_reg_base(t, id, host_regs + (uint64_t)hb++ * 0x10000);
		}
	}
	for (n = 0; n < MAX_FMW; n++) {
		if (!have[n])
			continue;
		for (k = 0; k < CXLEMU_MAX_WAYS && tset[n][k]; k++)
			;
		w[n].ways = (uint32_t)k;
		for (; k < CXLEMU_MAX_WAYS; k++)
			if (tset[n][k])
				return fail(p, where[n], "targets",
					    "cxl-fmw.%d: targets must be numbered from 0 without gaps", n);
		if (!w[n].ways)
			return fail(p, where[n], "targets", "cxl-fmw.%d has no targets", n);
		if (!w[n].size)
			return fail(p, where[n], "size", "cxl-fmw.%d needs a size", n);
		w[n].version = CXLEMU_WINDOW_DESC_VERSION;
		if (!w[n].gran)
			w[n].gran = 256;
		w[n].base = base;
		rc = cxlemu_topo_add_window(t, &w[n], NULL);
		if (rc)
			return fail(p, where[n], NULL,
				    "cxl-fmw.%d (%u ways, %llu bytes, granularity %llu) rejected: %s",
				    n, w[n].ways, (unsigned long long)w[n].size,
				    (unsigned long long)w[n].gran, cxlemu_strerror(rc));
		base += w[n].size;
	}
	return 0;
}

static void free_opts(struct parser *p)
{
	int i;

	for (i = 0; i < p->nopts; i++)
		free(p->opts[i].buf);
	free(p->opts);
}

/* Options that take an argument, besides the ones we read. */
static bool takes_arg(const char *o)
{
	static const char *const noarg[] = {
		"-nographic", "-S", "-s", "-snapshot", "-enable-kvm", "-no-reboot",
		"-no-shutdown", "-daemonize", "-nodefaults", "-no-user-config",
		"-version", "-help", "-h", "-full-screen", "-no-hpet", "-no-acpi",
		"-usb", "-singlestep", "-preconfig", "-enable-sync-profile",
	};
	size_t i;

	for (i = 0; i < CXLEMU_ARRAY_SIZE(noarg); i++)
		if (!strcmp(o, noarg[i]))
			return false;
	return true;
}

int cxlemu_topo_from_qemu(struct cxlemu_ctx *ctx, int argc, const char *const *argv,
			  struct cxlemu_topo **out, char *err, size_t errlen)
{
	struct parser p = { .ctx = ctx, .err = err, .errlen = errlen };
	struct cxlemu_topo *t = NULL;
	int i, rc = 0, progress, pending;

	if (err && errlen)
		err[0] = '\0';
	if (!out || argc < 0 || (argc && !argv))
		return -EINVAL;
	*out = NULL;
	p.opts = calloc((size_t)argc + 1, sizeof(*p.opts));
	if (!p.opts)
		return -ENOMEM;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *what = NULL;

		if (!a)
			return free_opts(&p), -EINVAL;
		if (a[0] != '-')
			continue; /* program name or a stray word */
		if (a[1] == '-')
			a++; /* --device is -device */
		if (!strcmp(a, "-device"))
			what = "-device";
		else if (!strcmp(a, "-object"))
			what = "-object";
		else if (!strcmp(a, "-M") || !strcmp(a, "-machine"))
			what = "-M";
		else if (!strcmp(a, "-m"))
			what = "-m";
		if (!what) {
			if (takes_arg(a) && i + 1 < argc && argv[i + 1][0] != '-')
				i++;
			continue;
		}
		if (i + 1 >= argc) {
			struct opt o = { .argi = i + 1, .what = what };

			rc = fail(&p, &o, NULL, "missing its argument");
			goto out;
		}
		/* Positions are counted from 1, as a person reads them. */
		p.opts[p.nopts].argi = i + 2;
		p.opts[p.nopts].what = what;
		rc = split_opt(&p, &p.opts[p.nopts++], argv[++i]);
		if (rc)
			goto out;
	}
	rc = cxlemu_topo_new(ctx, &t);
	if (rc)
		goto out;
	/* Devices may name buses defined later: add until nothing moves. */
	do {
		progress = 0;
		pending = 0;
		for (i = 0; i < p.nopts; i++) {
			struct opt *o = &p.opts[i];

			if (o->done || !is_cxl_device(o))
				continue;
			rc = add_device(&p, t, o);
			if (rc < 0)
				goto out;
			if (rc == 0) {
				o->done = true;
				progress = 1;
			} else {
				pending = 1;
			}
		}
	} while (progress && pending);
	rc = 0;
	for (i = 0; i < p.nopts; i++) {
		struct opt *o = &p.opts[i];

		if (!o->done && is_cxl_device(o)) {
			const char *key = strcmp(o->head, "cxl-switch-mailbox-cci") ? "bus" : "target";

			rc = fail(&p, o, key, "no CXL device named '%s'", get(o, key));
			goto out;
		}
	}
	rc = add_windows(&p, t);
out:
	free_opts(&p);
	if (rc) {
		cxlemu_topo_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* Shell-like splitting of a command line or an options file. */
int cxlemu_topo_from_qemu_string(struct cxlemu_ctx *ctx, const char *s,
				 struct cxlemu_topo **out, char *err, size_t errlen)
{
	size_t len, w = 0, nargs = 0, cap;
	const char **argv = NULL;
	char *buf = NULL, quote = 0;
	bool in_word = false;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	len = strlen(s);
	/* A word takes at least one character and a separator, or a quote
	 * pair: at most len / 2 + 1 of them. */
	cap = len / 2 + 2;
	buf = malloc(len + 1);
	argv = malloc(cap * sizeof(*argv));
	if (!buf || !argv) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (quote) {
			if (c == quote)
				quote = 0;
			else if (c == '\\' && quote == '"' && i + 1 < len)
				buf[w++] = s[++i];
			else
				buf[w++] = c;
			continue;
		}
		if (c == '#' && !in_word) {
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '\\' && i + 1 < len) {
			i++;
			if (s[i] == '\n')
				continue; /* continuation */
			c = s[i];
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word) {
				buf[w++] = '\0';
				in_word = false;
			}
			continue;
		} else if (c == '\'' || c == '"') {
			quote = c;
			if (!in_word) {
				argv[nargs++] = buf + w;
				in_word = true;
			}
			continue;
		}
		if (!in_word) {
			argv[nargs++] = buf + w;
			in_word = true;
		}
		buf[w++] = c;
	}
	if (quote) {
		if (err && errlen)
			snprintf(err, errlen, "unterminated %c quote", quote);
		rc = -EINVAL;
		goto done;
	}
	if (in_word)
		buf[w++] = '\0';
	if (nargs > INT32_MAX) {
		rc = -EINVAL;
		goto done;
	}
	rc = cxlemu_topo_from_qemu(ctx, (int)nargs, argv, out, err, errlen);
done:
	free(buf);
	free(argv);
	return rc;
}
