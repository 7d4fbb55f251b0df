/* SPDX-License-Identifier: MIT */
/* QEMU command lines to topologies: good lines and every kind of bad one. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static uint64_t seed;

static void test_switch_example(void **state)
{
	struct cxlemu_topo *t = test_topo_file("switch.qemu");
	struct cxlemu_comp_info i;
	struct cxlemu_window_desc w;
	uint32_t id;

	(void)state;
	assert_int_equal(cxlemu_topo_count(t), 10);
	id = cxlemu_topo_find(t, "cxl.2");
	assert_int_equal(cxlemu_topo_info(t, id, &i), 0);
	assert_int_equal(i.kind, CXLEMU_COMP_HOST_BRIDGE);
	assert_int_equal(i.uid, 222);
	assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "swport1"), &i), 0);
	assert_int_equal(i.kind, CXLEMU_COMP_DSP);
	assert_int_equal(i.port, 1);
	assert_int_equal(i.below, cxlemu_topo_find(t, "cxl-vmem1"));
	assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "cxl-vmem0"), &i), 0);
	assert_int_equal(i.volatile_size, 256 * MiB);
	assert_int_equal(i.serial, 1);
	assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "cxl-pmem2"), &i), 0);
	assert_int_equal(i.persistent_size, 256 * MiB);
	assert_int_equal(i.lsa_size, 256 * MiB);
	assert_int_equal(i.serial, UINT64_MAX);
	/* -m 4G,maxmem=8G,slots=8 on q35: RAM to 6 GiB, device memory to
	 * 18 GiB, 1 MiB of host bridge registers, windows at 18.25 GiB. */
	assert_int_equal(cxlemu_topo_windows(t), 1);
	assert_int_equal(cxlemu_topo_window(t, 0, &w), 0);
	assert_int_equal(w.base, UINT64_C(0x490000000));
	assert_int_equal(w.size, 4 * GiB);
	assert_int_equal(w.ways, 2);
	assert_int_equal(w.gran, 256);
	assert_int_equal(w.targets[0], cxlemu_topo_find(t, "cxl.1"));
	cxlemu_topo_free(t);
}

static void test_docs_examples(void **state)
{
	struct cxlemu_topo *t = test_topo_file("docs-pmem.qemu");
	struct cxlemu_window_desc w;

	(void)state;
	assert_int_equal(cxlemu_topo_count(t), 3);
	cxlemu_topo_free(t);
	t = test_topo_file("docs-interleave.qemu");
	assert_int_equal(cxlemu_topo_count(t), 10);
	assert_int_equal(cxlemu_topo_window(t, 0, &w), 0);
	assert_int_equal(w.gran, 8192);
	assert_int_equal(w.ways, 2);
	cxlemu_topo_free(t);
}

static void test_argv_and_memory_layout(void **state)
{
	const char *argv[] = {
		"qemu-system-x86_64", "-nographic", "-M", "q35,cxl=on", "-m", "16G",
		"-drive", "file=disk.img,if=virtio",
		"-object", "memory-backend-ram,id=vm0,size=512M",
		"-object", "memory-backend-ram,id=dc0,size=1G",
		"--device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1,hdm_for_passthrough=true",
		"-device", "cxl-type3,bus=rp0,volatile-memdev=vm0,volatile-dc-memdev=dc0,num-dc-regions=2,id=m0",
		"-device", "driver=cxl-rp,port=3,bus=cxl.1,id=rp0",
		"-machine", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=1G",
		"-M", "cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.size=512M,cxl-fmw.1.interleave-granularity=2k",
	};
	struct cxlemu_topo *t;
	struct cxlemu_comp_info i;
	struct cxlemu_window_desc w;
	char err[256];

	(void)state;
	assert_int_equal(cxlemu_topo_from_qemu(NULL, (int)(sizeof(argv) / sizeof(argv[0])),
					       argv, &t, err, sizeof(err)), 0);
	/* A device may name a bus defined after it. */
	assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "m0"), &i), 0);
	assert_int_equal(i.volatile_size, 512 * MiB);
	assert_int_equal(i.dc_size, GiB);
	assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "rp0"), &i), 0);
	assert_int_equal(i.port, 3);
	/* hdm_for_passthrough=true: decoders despite the single root port. */
	assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "cxl.1"), &i), 0);
	assert_int_equal(i.flags, 0);
	assert_non_null(i.hdm);
	/* 16 GiB on q35: 2 GiB below 4 GiB, 14 GiB above, RAM ends at 18 GiB. */
	assert_int_equal(cxlemu_topo_window(t, 0, &w), 0);
	assert_int_equal(w.base, 18 * GiB + 256 * MiB);
	assert_int_equal(cxlemu_topo_window(t, 1, &w), 0);
	assert_int_equal(w.base, 19 * GiB + 256 * MiB);
	assert_int_equal(w.gran, 2048);
	cxlemu_topo_free(t);
}

struct bad {
	const char *line;
	const char *msg; /* substring the error must contain */
};

#define HB "-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1 -device cxl-rp,port=0,bus=cxl.1,id=rp0 "
#define MEM "-object memory-backend-ram,id=m,size=256M "

static const struct bad bads[] = {
	{ HB "-device cxl-rp,bus=cxl.1,id=rp1", "cxl-rp (argument 6): property 'port': required" },
	{ HB "-device cxl-rp,port=0,bus=cxl.1,id=rp1", "rejected by the topology" },
	{ HB "-device cxl-rp,port=256,bus=cxl.1,id=rp1", "property 'port': '256' is not a number" },
	{ HB "-device cxl-rp,port=x1,bus=cxl.1,id=rp1", "property 'port'" },
	{ HB "-device cxl-rp,port=1,bus=rp0,id=rp1", "property 'bus': 'rp0' is not a pxb-cxl host bridge" },
	{ HB "-device cxl-rp,port=1,id=rp1", "property 'bus': required" },
	{ HB MEM "-device cxl-type3,bus=rp9,volatile-memdev=m,id=d", "property 'bus': no CXL device named 'rp9'" },
	{ HB MEM "-device cxl-type3,bus=cxl.1,volatile-memdev=m,id=d", "is not a cxl-rp or cxl-downstream port" },
	{ HB MEM "-device cxl-type3,bus=rp0,volatile-memdev=nope,id=d", "property 'volatile-memdev': no memory backend object with id 'nope'" },
	{ HB "-device cxl-type3,bus=rp0,id=d", "needs volatile-memdev" },
	{ HB MEM "-device cxl-type3,bus=rp0,volatile-memdev=m,id=d -device cxl-type3,bus=rp0,volatile-memdev=m,id=e", "already has a device" },
	{ HB MEM "-device cxl-type3,bus=rp0,volatile-memdev=m,id=rp0", "property 'id': 'rp0' is used twice" },
	{ HB "-object memory-backend-ram,id=m,size=100M -device cxl-type3,bus=rp0,volatile-memdev=m,id=d", "rejected by the topology" },
	{ HB "-object memory-backend-ram,id=m,size=lots -device cxl-type3,bus=rp0,volatile-memdev=m,id=d", "property 'size': missing or not a size" },
	{ HB MEM "-device cxl-type3,bus=rp0,volatile-memdev=m,id=d,sn=-1", "property 'sn'" },
	{ HB "-device cxl-downstream,port=0,bus=rp0,id=x", "is not a cxl-upstream switch port" },
	{ HB "-device cxl-switch-mailbox-cci,id=c,bus=rp0,target=cxl.1", "property 'target': 'cxl.1' is not a cxl-upstream" },
	{ HB "-device cxl-switch-mailbox-cci,id=c,bus=rp0", "property 'target': required" },
	{ HB "-device cxl-switch-mailbox-cci,id=c,bus=rp0,target=ghost", "property 'target': no CXL device named 'ghost'" },
	{ HB "-M cxl-fmw.0.targets.0=rp0,cxl-fmw.0.size=4G", "property 'cxl-fmw.0.targets.0': 'rp0' is not a pxb-cxl host bridge" },
	{ HB "-M cxl-fmw.0.targets.0=cxl.1", "cxl-fmw.0 needs a size" },
	{ HB "-M cxl-fmw.0.size=4G", "cxl-fmw.0 has no targets" },
	{ HB "-M cxl-fmw.0.targets.1=cxl.1,cxl-fmw.0.size=4G", "without gaps" },
	{ HB "-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4X", "property 'cxl-fmw.0.size': '4X' is not a size" },
	{ HB "-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=100M", "rejected" },
	{ HB "-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=3k", "rejected" },
	{ HB "-M cxl-fmw.99.targets.0=cxl.1", "window index must be 0 to 15" },
	{ HB "-M cxl-fmw.0.targets.x=cxl.1", "target index must be 0 to 15" },
	{ HB "-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.1,cxl-fmw.0.targets.2=cxl.1,cxl-fmw.0.targets.3=cxl.1,cxl-fmw.0.targets.4=cxl.1,cxl-fmw.0.size=5G", "rejected" },
	{ HB "-m lots", "property 'size': 'lots' is not a size" },
	{ HB "-device", "missing its argument" },
	{ HB "-device cxl-rp,port=1,bus=cxl.1,id=rp1,oops", "property 'oops': expected key=value" },
	{ "-device pxb-cxl,id='unterminated", "unterminated ' quote" },
	{ "-device pxb-cxl,bus_nr=300,id=h", "property 'bus_nr'" },
	/* QEMU's boolean words only, spelled exactly. */
	{ "-device pxb-cxl,bus_nr=1,id=h,hdm_for_passthrough=maybe", "property 'hdm_for_passthrough': 'maybe' is not 'on' or 'off'" },
	{ "-device pxb-cxl,bus_nr=1,id=h,hdm_for_passthrough=ON", "property 'hdm_for_passthrough'" },
	{ "-device pxb-cxl,bus_nr=1,id=h,hdm_for_passthrough=", "property 'hdm_for_passthrough'" },
	{ "-device pxb-cxl,bus_nr=1,id=h,hdm_for_passthrough=1", "property 'hdm_for_passthrough'" },
	{ "-device cxl-rp,port=0,bus=h,id=r -device cxl-rp,port=0,bus=r,id=s", "no CXL device named 'h'" },
	/* Regressions (review): memory sizes that wrap, ids QEMU refuses. */
	{ HB "-m 1G,maxmem=18446744071562067968B", "beyond 52-bit addresses" },
	{ HB "-m 4503599627370496B", "beyond 52-bit addresses" },
	{ "-device pxb-cxl,bus_nr=1,id=a\\\"b", "is not a QEMU id" },
	{ "-device pxb-cxl,bus_nr=1,id=1abc", "is not a QEMU id" },
};

static void test_bad_lines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct cxlemu_topo *t = (struct cxlemu_topo *)1;
		char err[512];
		int rc = cxlemu_topo_from_qemu_string(NULL, bads[i].line, &t, err, sizeof(err));

		if (rc != -EINVAL || !strstr(err, bads[i].msg))
			fail_msg("line %zu: rc %d, error '%s', wanted '%s'", i, rc, err,
				 bads[i].msg);
		assert_null(t);
	}
}

static void test_unmodelled_accepted(void **state)
{
	struct cxlemu_topo *t;
	char err[256];

	(void)state;
	/* Non-CXL devices, unknown options and unmodelled properties. */
	assert_int_equal(cxlemu_topo_from_qemu_string(NULL,
		"-device virtio-net-pci,netdev=n0 -netdev user,id=n0 -kernel bzImage "
		"-append 'console=ttyS0 root=/dev/vda' -enable-kvm "
		"-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1,frobnicate=yes",
		&t, err, sizeof(err)), 0);
	assert_int_equal(cxlemu_topo_count(t), 1);
	cxlemu_topo_free(t);
	assert_int_equal(cxlemu_topo_from_qemu_string(NULL, "", &t, err, sizeof(err)), 0);
	assert_int_equal(cxlemu_topo_count(t), 0);
	cxlemu_topo_free(t);
	assert_int_equal(cxlemu_topo_from_qemu_string(NULL, NULL, &t, err, sizeof(err)), -EINVAL);
	assert_int_equal(cxlemu_topo_from_qemu(NULL, 1, NULL, &t, err, sizeof(err)), -EINVAL);
}

/*
 * pxb-cxl's hdm_for_passthrough as QEMU reads it: absent or off, a host
 * bridge with exactly one root port passes through (no HDM capability);
 * on, it has decoders.  With two root ports it decodes either way.
 */
static void test_hdm_for_passthrough(void **state)
{
	static const struct {
		const char *prop;
		bool passes;
	} cases[] = {
		{ "", true },
		{ ",hdm_for_passthrough=off", true }, { ",hdm_for_passthrough=false", true },
		{ ",hdm_for_passthrough=no", true }, { ",hdm_for_passthrough=n", true },
		{ ",hdm_for_passthrough=on", false }, { ",hdm_for_passthrough=true", false },
		{ ",hdm_for_passthrough=yes", false }, { ",hdm_for_passthrough=y", false },
		/* The last one wins, as in QEMU. */
		{ ",hdm_for_passthrough=on,hdm_for_passthrough=off", true },
	};
	struct cxlemu_topo *t;
	struct cxlemu_comp_info i;
	char line[512], err[256];
	uint64_t v;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint32_t hb;

		snprintf(line, sizeof(line),
			 "-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1%s "
			 "-device cxl-rp,port=4,bus=cxl.1,id=rp0 "
			 "-object memory-backend-ram,id=m,size=256M "
			 "-device cxl-type3,bus=rp0,volatile-memdev=m,id=d "
			 "-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=1G", cases[k].prop);
		if (cxlemu_topo_from_qemu_string(NULL, line, &t, err, sizeof(err)))
			fail_msg("'%s' refused: %s", cases[k].prop, err);
		hb = cxlemu_topo_find(t, "cxl.1");
		assert_int_equal(cxlemu_topo_info(t, hb, &i), 0);
		if (cases[k].passes) {
			assert_int_equal(i.flags, CXLEMU_COMP_PASSTHROUGH_AUTO | CXLEMU_COMP_PASSTHROUGH);
			assert_null(i.hdm);
			assert_int_equal(i.below, cxlemu_topo_find(t, "rp0"));
		} else {
			assert_int_equal(i.flags, 0);
			assert_non_null(i.hdm);
			assert_int_equal(i.below, CXLEMU_COMP_NONE);
		}
		/* The capability array: RAS, Link, and HDM only with decoders. */
		assert_int_equal(cxlemu_topo_reg_read(t, hb, CXLEMU_CM_OFFSET, 4, &v), 0);
		assert_int_equal(v >> 24, cases[k].passes ? 2 : 3);
		cxlemu_topo_free(t);
	}
	/* Two root ports per host bridge: HDM decoders, still QEMU's rule. */
	t = test_topo_file("docs-interleave.qemu");
	assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "cxl.2"), &i), 0);
	assert_int_equal(i.flags, CXLEMU_COMP_PASSTHROUGH_AUTO);
	assert_non_null(i.hdm);
	cxlemu_topo_free(t);
	/* Root ports named before their host bridge: the count is final. */
	assert_int_equal(cxlemu_topo_from_qemu_string(NULL,
		"-device cxl-rp,port=0,bus=h,id=r0 -device cxl-rp,port=1,bus=h,id=r1 "
		"-device pxb-cxl,bus_nr=1,id=h", &t, err, sizeof(err)), 0);
	assert_int_equal(cxlemu_topo_info(t, cxlemu_topo_find(t, "h"), &i), 0);
	assert_int_equal(i.flags, CXLEMU_COMP_PASSTHROUGH_AUTO);
	cxlemu_topo_free(t);
}

/* Random mutations of a good line never crash and always explain. */
static void test_mutations(void **state)
{
	struct rng r = { seed };
	char *good = test_read_data("switch.qemu"), *buf;
	size_t len = strlen(good), i;
	unsigned int ok = 0, bad = 0;

	(void)state;
	buf = malloc(len + 1);
	assert_non_null(buf);
	for (i = 0; i < 3000; i++) {
		struct cxlemu_topo *t;
		char err[512];
		unsigned int k, n = 1 + (unsigned int)rng_below(&r, 4);
		int rc;

		memcpy(buf, good, len + 1);
		for (k = 0; k < n; k++) {
			size_t at = rng_below(&r, len);

			buf[at] = "=,.-x0 9'\"#\\\nG"[rng_below(&r, 15)];
		}
		rc = cxlemu_topo_from_qemu_string(NULL, buf, &t, err, sizeof(err));
		assert_true(rc == 0 || rc == -EINVAL);
		if (rc == 0) {
			ok++;
			cxlemu_topo_free(t);
		} else {
			assert_true(err[0] != '\0');
			bad++;
		}
	}
	fprintf(stderr, "# mutations: %u accepted, %u rejected with a message\n", ok, bad);
	assert_true(bad > 100);
	free(buf);
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_example),
		cmocka_unit_test(test_docs_examples),
		cmocka_unit_test(test_argv_and_memory_layout),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_unmodelled_accepted),
		cmocka_unit_test(test_hdm_for_passthrough),
		cmocka_unit_test(test_mutations),
	};

	seed = test_seed(0x9E3);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
