/* SPDX-License-Identifier: MIT */
/*
 * cxlmem: writes, checks and times memory inside the test guest (built on
 * the host with gcc -static, so it needs nothing from the image).
 *
 *   cxlmem fill   TARGET OFFSET SIZE SEED [--ileave WAYS:GRAN:POS[:BASE]]
 *   cxlmem verify TARGET OFFSET SIZE SEED [--ileave WAYS:GRAN:POS[:BASE] |
 *                                          --regran WAYS:GRAN:OLD_GRAN]
 *   cxlmem bench  TARGET SIZE SECONDS [FAULT_SIZE [FAULT_SECONDS]]
 *   cxlmem check-map SEED BASE [LIST]
 *
 * TARGET is one of
 *   PATH       a device-DAX character device (/dev/daxX.Y: mapped, never
 *              read or written, with offset and length aligned to the
 *              device's alignment), /dev/mem (OFFSET is then a physical
 *              address) or a regular file (for example a QEMU memory
 *              backend file, checked on the host);
 *   --node N   anonymous memory bound to NUMA node N with mbind(MPOL_BIND);
 *              fill and verify then both write the pattern, read it back
 *              and check with move_pages() that every page is on node N
 *              (anonymous memory does not outlive the process), printing
 *              pages=NODE:COUNT;
 *   --ram      anonymous memory with the process's policy (a baseline, or
 *              under numactl --membind); fill and verify work as for --node
 *              and print how many pages each node holds (pages=NODE:COUNT).
 *
 * The pattern is a function of the byte offset and the seed only, so data
 * written through one path (a DAX device, a region) can be checked through
 * another (/dev/mem, the backend file of one interleaved device): the
 * 64-bit little-endian word at offset O (a multiple of 8) is
 * splitmix64(O + SEED * 0x9e3779b97f4a7c15), see pattern() below.
 *
 * --ileave WAYS:GRAN:POS says that TARGET holds only position POS of a
 * WAYS-way region interleaved at GRAN bytes: OFFSET and SIZE are region
 * offsets and only the granules of position POS are touched, at device
 * offset BASE + (O / (GRAN * WAYS)) * GRAN + O % GRAN (modulo arithmetic on
 * the region offset, CXL 3.1 8.2.4.20.13; BASE, default 0, is where the
 * region starts on the device, its DPA for a backend file).  With 1:8:0:BASE
 * and /dev/mem, BASE is the region's physical address: the words are then
 * those of region offsets, as through the region's DAX device.
 *
 * verify --regran WAYS:GRAN:OLD_GRAN says that TARGET is a WAYS-way region
 * interleaved at GRAN whose devices hold, at the same DPAs, what a WAYS-way
 * region at OLD_GRAN wrote: the word at offset O (device position
 * p = O / GRAN % WAYS, device offset d = O / (GRAN * WAYS) * GRAN + O % GRAN)
 * is then the one of old region offset
 * d / OLD_GRAN * OLD_GRAN * WAYS + p * OLD_GRAN + d % OLD_GRAN.
 *
 * check-map reads lines "PATH DEVICE_OFFSET ADDRESS SIZE" from LIST (default
 * stdin) and checks that the SIZE bytes at DEVICE_OFFSET of file PATH hold
 * the words of region offsets ADDRESS - BASE onwards: data written through
 * a region, found where a decode (another program's) says each piece is.
 * Each file is mapped once.  It prints one line, "check-map ok lines=N
 * bytes=B files=F" or "check-map FAIL ...", after the first mismatches.
 *
 * bench measures 8-byte loads, 8-byte stores and memset over SIZE bytes of
 * TARGET, each repeated while SECONDS / 4 have not passed (at least once),
 * then the first touch of FAULT_SIZE (default 64 MiB) of fresh memory,
 * stopped at FAULT_SECONDS (default SECONDS / 4; partial=1 then, with the
 * bytes actually touched).
 * Unless TARGET is --ram, the same figures for --ram in the same run give
 * the ratio.  One line per figure:
 *   bench store8 target=node1 bytes=4194304 seconds=0.41 MBps=10.2 ram_MBps=2100.0 ratio=0.0049
 * MBps is 10^6 bytes per second.  bench overwrites the target (for a DAX
 * device its first SIZE and FAULT_SIZE bytes).  Numbers take a K, M or G suffix (2^10,
 * 2^20, 2^30) and a 0x prefix.  Exit status: 0 on success, 1 when a check
 * fails, 2 on bad usage or a system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define MPOL_BIND_ 2
#define MPOL_MF_STRICT_ (1 << 0)
#define MPOL_MF_MOVE_ (1 << 1)
#define NODE_BITS 1024
#define MAX_REPORTED 8

enum kind { T_PATH, T_NODE, T_RAM };

struct target {
	enum kind kind;
	const char *path;
	int node;
	bool is_dax;
	bool is_devmem;
	uint64_t align; /* mapping granule */
	uint64_t limit; /* bytes addressable (0: unknown) */
	char name[64];  /* for the output: node1, ram, dax0.0, ... */
};

struct ileave {
	uint64_t ways, gran, pos; /* ways == 0: not interleaved */
	uint64_t base;            /* device offset of region offset 0 */
};

/* verify --regran: the words were written at another granularity. */
struct regran {
	uint64_t ways, gran, old; /* ways == 0: no */
};

struct mapping {
	void *base;     /* what mmap returned */
	size_t len;     /* what was mapped */
	uint8_t *data;  /* the first byte asked for */
};

static const char *prog = "cxlmem";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s fill   TARGET OFFSET SIZE SEED [--ileave WAYS:GRAN:POS[:BASE]]\n"
		"       %s verify TARGET OFFSET SIZE SEED [--ileave WAYS:GRAN:POS[:BASE] |\n"
		"                                             --regran WAYS:GRAN:OLD_GRAN]\n"
		"       %s bench  TARGET SIZE SECONDS [FAULT_SIZE [FAULT_SECONDS]]\n"
		"       %s check-map SEED BASE [LIST]   (LIST lines: PATH DEVICE_OFFSET ADDRESS SIZE)\n"
		"TARGET: /dev/daxX.Y | /dev/mem | FILE | --node N | --ram\n",
		prog, prog, prog, prog);
	exit(2);
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void die_errno(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, arg, strerror(errno));
	exit(2);
}

static uint64_t pattern(uint64_t off, uint64_t seed)
{
	uint64_t x = off + seed * 0x9e3779b97f4a7c15ull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A number: decimal or 0x hex, optional K/M/G suffix. */
static bool parse_num(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	default: break;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static uint64_t num_arg(const char *s, const char *what)
{
	uint64_t v;

	if (!parse_num(s, &v)) {
		fprintf(stderr, "%s: bad %s '%s' (a number, 0x hex, K/M/G suffix)\n",
			prog, what, s);
		exit(2);
	}
	return v;
}

static bool read_sys_u64(const char *path, uint64_t *out)
{
	FILE *f = fopen(path, "r");
	char buf[64];
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, sizeof(buf), f) && parse_num(strtok(buf, "\n"), out);
	fclose(f);
	return ok;
}

/* Fills in what kind of file PATH is and its alignment and size. */
static void probe_path(struct target *t)
{
	struct stat st;
	const char *base = strrchr(t->path, '/');

	base = base ? base + 1 : t->path;
	snprintf(t->name, sizeof(t->name), "%s", base);
	if (stat(t->path, &st) < 0)
		die_errno("cannot stat", t->path);
	t->align = (uint64_t)sysconf(_SC_PAGESIZE);
	if (S_ISREG(st.st_mode)) {
		t->limit = (uint64_t)st.st_size;
		return;
	}
	if (!S_ISCHR(st.st_mode))
		die("%s is neither a character device nor a regular file", t->path);
	if (major(st.st_rdev) == 1 && minor(st.st_rdev) == 1) {
		t->is_devmem = true;
		return;
	}
	/* Device DAX: /sys/dev/char/MAJ:MIN is the dax device's directory. */
	char p[128];

	snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/align", major(st.st_rdev),
		 minor(st.st_rdev));
	if (!read_sys_u64(p, &t->align))
		die("%s is a character device but neither /dev/mem nor device DAX "
		    "(no align in sysfs)", t->path);
	snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/size", major(st.st_rdev),
		 minor(st.st_rdev));
	if (!read_sys_u64(p, &t->limit))
		die("cannot read the size of %s from sysfs", t->path);
	t->is_dax = true;
}

static void bind_node(void *addr, size_t len, int node)
{
	unsigned long mask[NODE_BITS / (8 * sizeof(unsigned long))] = { 0 };

	mask[node / (8 * sizeof(unsigned long))] |= 1ul << (node % (8 * sizeof(unsigned long)));
	if (syscall(SYS_mbind, addr, len, MPOL_BIND_, mask, NODE_BITS + 1,
		    MPOL_MF_STRICT_ | MPOL_MF_MOVE_) < 0) {
		char n[16];

		snprintf(n, sizeof(n), "%d", node);
		die_errno("mbind to node", n);
	}
}

static void check_node_exists(int node)
{
	char p[64];

	snprintf(p, sizeof(p), "/sys/devices/system/node/node%d", node);
	if (access(p, F_OK) < 0) {
		char n[16];

		snprintf(n, sizeof(n), "%d", node);
		die("NUMA node %s does not exist (see /sys/devices/system/node)", n);
	}
}

/*
 * Maps [off, off + len) of the target (anonymous memory for --node/--ram,
 * where off only feeds the pattern).  Device DAX needs the mapping's offset
 * and length aligned to the device alignment; others to the page size.
 */
static struct mapping map_target(const struct target *t, uint64_t off, uint64_t len)
{
	struct mapping m;

	if (t->kind != T_PATH) {
		m.len = len ? len : 1;
		m.base = mmap(NULL, m.len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m.base == MAP_FAILED)
			die_errno("cannot map anonymous memory for", t->name);
		if (t->kind == T_NODE)
			bind_node(m.base, m.len, t->node);
		m.data = m.base;
		return m;
	}
	if (t->limit && (off > t->limit || len > t->limit - off)) {
		fprintf(stderr, "%s: [0x%" PRIx64 ", 0x%" PRIx64 ") is beyond the end of %s (0x%" PRIx64 " bytes)\n",
			prog, off, off + len, t->path, t->limit);
		exit(2);
	}
	uint64_t a = t->align;
	uint64_t start = off / a * a;
	uint64_t end = (off + len + a - 1) / a * a;
	int fd = open(t->path, O_RDWR);

	if (fd < 0)
		die_errno("cannot open", t->path);
	m.len = end - start;
	m.base = mmap(NULL, m.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);
	if (m.base == MAP_FAILED)
		die_errno("cannot map", t->path);
	close(fd);
	m.data = (uint8_t *)m.base + (off - start);
	return m;
}

static void unmap(struct mapping *m)
{
	munmap(m->base, m->len);
}

/* The device offset of region offset o, or o when not interleaved. */
static uint64_t dev_off(const struct ileave *il, uint64_t o)
{
	if (!il->ways)
		return o;
	return il->base + o / (il->gran * il->ways) * il->gran + o % il->gran;
}

static bool mine(const struct ileave *il, uint64_t o)
{
	return !il->ways || (o / il->gran) % il->ways == il->pos;
}

/* The offset whose word is expected at region offset o (--regran). */
static uint64_t src_off(const struct regran *rg, uint64_t o)
{
	uint64_t p, d;

	if (!rg->ways)
		return o;
	p = o / rg->gran % rg->ways;
	d = o / (rg->gran * rg->ways) * rg->gran + o % rg->gran;
	return d / rg->old * rg->old * rg->ways + p * rg->old + d % rg->old;
}

/*
 * Where the pages of [p, p + len) are, with move_pages() (no move: a query):
 * counts per node in where[] (where[NODE_BITS] counts pages not present or
 * in error).  With node >= 0, reports the pages elsewhere and returns 1.
 */
static int check_placement(uint8_t *p, size_t len, int node, const char *name,
			   size_t *where)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = (len + pg - 1) / pg, bad = 0, done = 0;
	void *pages[512];
	int status[512];

	memset(where, 0, (NODE_BITS + 1) * sizeof(*where));

	while (done < n) {
		size_t k = n - done < 512 ? n - done : 512;

		for (size_t i = 0; i < k; i++)
			pages[i] = p + (done + i) * pg;
		if (syscall(SYS_move_pages, 0, k, pages, NULL, status, 0) < 0)
			die_errno("move_pages (query) failed for", name);
		for (size_t i = 0; i < k; i++) {
			where[status[i] >= 0 && status[i] < NODE_BITS ? status[i] : NODE_BITS]++;
			if (node >= 0 && status[i] != node) {
				if (bad < MAX_REPORTED)
					fprintf(stderr, "%s: page %zu of %s is on node %d, not %d\n",
						prog, done + i, name, status[i], node);
				bad++;
			}
		}
		done += k;
	}
	if (bad) {
		fprintf(stderr, "%s: %zu of %zu pages not on node %d\n", prog, bad, n, node);
		return 1;
	}
	return 0;
}

/* " pages=node:count,..." (node -1: not present) */
static void print_where(const size_t *where)
{
	const char *sep = " pages=";

	for (int i = 0; i <= NODE_BITS; i++) {
		if (!where[i])
			continue;
		printf("%s%d:%zu", sep, i == NODE_BITS ? -1 : i, where[i]);
		sep = ",";
	}
}

static int cmd_fill_verify(bool verify, const struct target *t, uint64_t off,
			   uint64_t size, uint64_t seed, const struct ileave *il,
			   const struct regran *rg)
{
	static size_t where[NODE_BITS + 1];
	uint64_t lo, hi, bad = 0;
	struct mapping m;
	double t0, dt;
	int rc = 0;

	if (off % 8 || size % 8)
		die("%s", "OFFSET and SIZE must be multiples of 8");
	if (il->ways && (il->gran % 8 || off % (il->gran * il->ways) ||
			 size % (il->gran * il->ways)))
		die("%s", "with --ileave, OFFSET and SIZE must be multiples of GRAN * WAYS");
	/* The device range holding the region range [off, off + size). */
	if (il->ways) {
		lo = il->base + off / il->ways;
		hi = lo + size / il->ways;
	} else {
		lo = off;
		hi = off + size;
	}
	m = map_target(t, t->kind == T_PATH ? lo : 0, hi - lo);
	t0 = now();
	/* Anonymous memory does not outlive the process: write, then check. */
	if (!verify || t->kind != T_PATH) {
		for (uint64_t o = off; o < off + size; o += 8) {
			if (!mine(il, o))
				continue;
			*(volatile uint64_t *)(m.data + dev_off(il, o) - lo) = pattern(o, seed);
		}
	}
	if (verify) {
		for (uint64_t o = off; o < off + size; o += 8) {
			uint64_t got, want;

			if (!mine(il, o))
				continue;
			got = *(volatile uint64_t *)(m.data + dev_off(il, o) - lo);
			want = pattern(src_off(rg, o), seed);
			if (got != want) {
				if (bad < MAX_REPORTED)
					fprintf(stderr, "%s: %s offset 0x%" PRIx64 " (device 0x%" PRIx64
						"): got 0x%016" PRIx64 ", want 0x%016" PRIx64 "\n",
						prog, t->name, o, dev_off(il, o), got, want);
				bad++;
			}
		}
	}
	dt = now() - t0;
	if (bad) {
		fprintf(stderr, "%s: %" PRIu64 " of %" PRIu64 " words differ\n", prog, bad,
			(hi - lo) / 8);
		rc = 1;
	}
	if (t->kind != T_PATH &&
	    check_placement(m.data, hi - lo, t->kind == T_NODE ? t->node : -1, t->name, where))
		rc = 1;
	printf("%s %s target=%s offset=0x%" PRIx64 " bytes=%" PRIu64 " seconds=%.3f MBps=%.1f",
	       verify ? "verify" : "fill", rc ? "FAIL" : "ok", t->name, off, hi - lo, dt,
	       dt > 0 ? (double)(hi - lo) / dt / 1e6 : 0.0);
	if (t->kind != T_PATH)
		print_where(where);
	printf("\n");
	unmap(&m);
	return rc;
}

struct figure {
	double seconds;
	uint64_t bytes;
	bool partial;
};

static volatile uint64_t sink;

static struct figure run_pass(const char *what, uint8_t *p, uint64_t size, double cap)
{
	struct figure f = { 0, 0, false };
	double t0 = now();
	unsigned int pass = 0;

	do {
		if (!strcmp(what, "load8")) {
			uint64_t s = 0;

			for (uint64_t o = 0; o + 8 <= size; o += 8)
				s += *(volatile uint64_t *)(p + o);
			sink += s;
		} else if (!strcmp(what, "store8")) {
			for (uint64_t o = 0; o + 8 <= size; o += 8)
				*(volatile uint64_t *)(p + o) = o ^ pass;
		} else {
			memset(p, (int)(pass & 0xff), size);
			__asm__ volatile("" : : "r"(p) : "memory");
		}
		f.bytes += size;
		pass++;
		f.seconds = now() - t0;
	} while (f.seconds < cap);
	return f;
}

/* First touch of up to fsize bytes of fresh memory, one write per page. */
static struct figure run_fault(const struct target *t, uint64_t fsize, double cap)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct figure f = { 0, 0, false };
	struct mapping m = map_target(t, 0, fsize);
	double t0 = now();

	for (uint64_t o = 0; o < fsize; o += pg) {
		m.data[o] = 1;
		f.bytes = o + pg;
		/* Reading the clock every page costs little next to a fault. */
		f.seconds = now() - t0;
		if (f.seconds >= cap && o + pg < fsize) {
			f.partial = true;
			break;
		}
	}
	unmap(&m);
	return f;
}

static double mbps(const struct figure *f)
{
	return f->seconds > 0 ? (double)f->bytes / f->seconds / 1e6 : 0.0;
}

static void report(const char *what, const struct target *t, const struct figure *f,
		   const struct figure *base)
{
	printf("bench %s target=%s bytes=%" PRIu64 " seconds=%.3f MBps=%.1f", what, t->name,
	       f->bytes, f->seconds, mbps(f));
	if (f->partial)
		printf(" partial=1");
	if (base && mbps(base) > 0)
		printf(" ram_MBps=%.1f ratio=%.4f", mbps(base), mbps(f) / mbps(base));
	printf("\n");
	fflush(stdout);
}

static int cmd_bench(const struct target *t, uint64_t size, double seconds, uint64_t fsize,
		     double fcap)
{
	static const char *const what[] = { "load8", "store8", "memset" };
	struct target ram = { .kind = T_RAM, .name = "ram" };
	double cap = seconds / 4;
	struct figure f, b;
	struct mapping m, mb;
	bool baseline = t->kind != T_RAM;

	if (size < 8 || size % 8)
		die("%s", "SIZE must be a non-zero multiple of 8");
	if (t->kind == T_PATH && t->is_devmem)
		die("%s", "bench on /dev/mem is not supported (give a DAX device or a node)");
	m = map_target(t, 0, size);
	mb = baseline ? map_target(&ram, 0, size) : m;
	/* Fault everything in first: these figures are for present pages. */
	memset(m.data, 0, size);
	if (baseline)
		memset(mb.data, 0, size);
	for (unsigned int i = 0; i < 3; i++) {
		f = run_pass(what[i], m.data, size, cap);
		if (baseline)
			b = run_pass(what[i], mb.data, size, cap / 8);
		report(what[i], t, &f, baseline ? &b : NULL);
	}
	if (t->kind == T_NODE) {
		static size_t where[NODE_BITS + 1];

		if (check_placement(m.data, size, t->node, t->name, where))
			return 1;
	}
	unmap(&m);
	if (baseline)
		unmap(&mb);
	if (t->kind == T_PATH) {
		/* A DAX device's pages are faulted in by the mapping's first
		 * touch too (no zeroing); a file's by the page cache. */
		if (t->limit && fsize > t->limit)
			fsize = t->limit / t->align * t->align;
	}
	f = run_fault(t, fsize, fcap);
	if (baseline)
		b = run_fault(&ram, fsize, fcap);
	report("fault", t, &f, baseline ? &b : NULL);
	return 0;
}

/* A:B:C, each a number as parse_num() takes it; false when malformed. */
static bool parse_triple(const char *s, uint64_t v[3])
{
	char buf[128], *save = NULL, *f;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	for (f = strtok_r(buf, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
		if (n == 3 || !parse_num(f, &v[n]))
			return false;
		n++;
	}
	return n == 3;
}

/* WAYS:GRAN:OLD_GRAN, granules multiples of 8. */
static bool parse_regran(const char *s, struct regran *rg)
{
	uint64_t v[3];

	if (!parse_triple(s, v) || !v[0] || !v[1] || !v[2] || v[1] % 8 || v[2] % 8)
		return false;
	rg->ways = v[0];
	rg->gran = v[1];
	rg->old = v[2];
	return true;
}

/* One mapped file of check-map. */
struct mapped_file {
	char *path;
	const uint8_t *data;
	uint64_t size;
};

static const struct mapped_file *map_file_ro(struct mapped_file *files, size_t *n,
					     size_t max, const char *path)
{
	struct stat st;
	struct mapped_file *f;
	void *p;
	int fd;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp(files[i].path, path))
			return &files[i];
	if (*n == max)
		die("check-map: more than %s files", "16");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die_errno("cannot open", path);
	if (fstat(fd, &st) < 0)
		die_errno("cannot stat", path);
	if (!st.st_size)
		die("check-map: %s is empty", path);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die_errno("cannot map", path);
	close(fd);
	f = &files[(*n)++];
	f->path = strdup(path);
	if (!f->path)
		die("%s", "out of memory");
	f->data = p;
	f->size = (uint64_t)st.st_size;
	return f;
}

static int cmd_check_map(uint64_t seed, uint64_t base, const char *list)
{
	struct mapped_file files[16];
	size_t nfiles = 0;
	uint64_t lines = 0, bytes = 0, bad = 0;
	char line[4096], path[4096], doff_s[64], addr_s[64], size_s[64];
	FILE *in = stdin;

	if (list && !(in = fopen(list, "r")))
		die_errno("cannot open", list);
	while (fgets(line, sizeof(line), in)) {
		uint64_t doff, addr, size;
		const struct mapped_file *f;

		if (line[0] == '\n' || line[0] == '#')
			continue;
		if (sscanf(line, "%4095s %63s %63s %63s", path, doff_s, addr_s, size_s) != 4 ||
		    !parse_num(doff_s, &doff) || !parse_num(addr_s, &addr) ||
		    !parse_num(size_s, &size) || addr < base || doff % 8 || size % 8 ||
		    (addr - base) % 8)
			die("check-map: bad line '%s' (PATH DEVICE_OFFSET ADDRESS SIZE, "
			    "8-byte aligned, ADDRESS >= BASE)", strtok(line, "\n"));
		f = map_file_ro(files, &nfiles, 16, path);
		if (doff > f->size || size > f->size - doff) {
			fprintf(stderr, "%s: check-map: [0x%" PRIx64 ", +0x%" PRIx64
				") is beyond the end of %s\n", prog, doff, size, path);
			exit(2);
		}
		for (uint64_t i = 0; i < size; i += 8) {
			uint64_t got, want = pattern(addr - base + i, seed);

			memcpy(&got, f->data + doff + i, 8);
			if (got != want) {
				if (bad < MAX_REPORTED)
					fprintf(stderr, "%s: check-map: address 0x%" PRIx64
						" (region offset 0x%" PRIx64 "): %s at 0x%" PRIx64
						" holds 0x%016" PRIx64 ", want 0x%016" PRIx64 "\n",
						prog, addr + i, addr - base + i, path, doff + i,
						got, want);
				bad++;
			}
		}
		lines++;
		bytes += size;
	}
	if (ferror(in))
		die_errno("cannot read", list ? list : "stdin");
	if (list)
		fclose(in);
	if (!lines)
		die("%s", "check-map: no lines to check");
	if (bad)
		printf("check-map FAIL %" PRIu64 " of %" PRIu64 " words differ, lines=%" PRIu64
		       " files=%zu\n", bad, bytes / 8, lines, nfiles);
	else
		printf("check-map ok lines=%" PRIu64 " bytes=%" PRIu64 " files=%zu\n", lines,
		       bytes, nfiles);
	return bad ? 1 : 0;
}

/* WAYS:GRAN:POS[:BASE], each a number as parse_num() takes it. */
static bool parse_ileave(const char *s, struct ileave *il)
{
	uint64_t v[4] = { 0, 0, 0, 0 };
	char buf[128], *save = NULL, *f;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	for (f = strtok_r(buf, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
		if (n == 4 || !parse_num(f, &v[n]))
			return false;
		n++;
	}
	if (n < 3 || !v[0] || !v[1] || v[2] >= v[0])
		return false;
	il->ways = v[0];
	il->gran = v[1];
	il->pos = v[2];
	il->base = v[3];
	return true;
}

int main(int argc, char **argv)
{
	struct target t = { 0 };
	struct ileave il = { 0, 0, 0, 0 };
	struct regran rg = { 0, 0, 0 };
	const char *cmd;
	char **a;
	int n, i = 2;

	if (argc < 3)
		usage();
	cmd = argv[1];
	if (!strcmp(cmd, "check-map")) {
		if (argc != 4 && argc != 5)
			usage();
		return cmd_check_map(num_arg(argv[2], "SEED"), num_arg(argv[3], "BASE"),
				     argc == 5 ? argv[4] : NULL);
	}
	if (!strcmp(argv[i], "--node")) {
		uint64_t node;

		if (argc < 4)
			usage();
		node = num_arg(argv[i + 1], "node");
		if (node >= NODE_BITS)
			die("node %s is out of range", argv[i + 1]);
		t.kind = T_NODE;
		t.node = (int)node;
		snprintf(t.name, sizeof(t.name), "node%d", t.node);
		check_node_exists(t.node);
		i += 2;
	} else if (!strcmp(argv[i], "--ram")) {
		t.kind = T_RAM;
		snprintf(t.name, sizeof(t.name), "ram");
		i++;
	} else if (argv[i][0] == '-') {
		die("unknown target '%s'", argv[i]);
	} else {
		t.kind = T_PATH;
		t.path = argv[i];
		probe_path(&t);
		i++;
	}
	a = argv + i;
	n = argc - i;
	if (!strcmp(cmd, "fill") || !strcmp(cmd, "verify")) {
		if (n != 3 && n != 5)
			usage();
		if (n == 5 && !strcmp(a[3], "--regran")) {
			if (strcmp(cmd, "verify"))
				die("%s", "--regran is for verify only");
			if (!parse_regran(a[4], &rg))
				die("bad --regran '%s' (WAYS:GRAN:OLD_GRAN, granules multiples of 8)",
				    a[4]);
		} else if (n == 5) {
			if (strcmp(a[3], "--ileave") || !parse_ileave(a[4], &il))
				die("bad --ileave '%s' (WAYS:GRAN:POS[:BASE], POS < WAYS)", a[4]);
		}
		return cmd_fill_verify(!strcmp(cmd, "verify"), &t, num_arg(a[0], "OFFSET"),
				       num_arg(a[1], "SIZE"), num_arg(a[2], "SEED"), &il, &rg);
	}
	if (!strcmp(cmd, "bench")) {
		uint64_t size, secs, fsize = 64ull << 20, fsecs = 0;

		if (n < 2 || n > 4)
			usage();
		size = num_arg(a[0], "SIZE");
		secs = num_arg(a[1], "SECONDS");
		if (n >= 3)
			fsize = num_arg(a[2], "FAULT_SIZE");
		if (n == 4)
			fsecs = num_arg(a[3], "FAULT_SECONDS");
		if (!secs)
			die("%s", "SECONDS must be at least 1");
		return cmd_bench(&t, size, (double)secs, fsize,
				 fsecs ? (double)fsecs : (double)secs / 4);
	}
	die("unknown command '%s' (fill, verify or bench)", cmd);
	return 2;
}
