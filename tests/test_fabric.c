/* SPDX-License-Identifier: MIT */
/*
 * A switch shared by two hosts: the fabric manager binds a device to one
 * host, the host writes it, the FM unbinds it and binds it to the other
 * host, which reads the bytes back.  Routes follow the bindings: an
 * unbound device is unreachable from its former host.
 */
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

/* Each host's view: one host bridge, a root port, the switch's USP of its
 * VCS with two downstream vPPBs, and the two devices the switch can bind
 * (added below the vPPBs, then detached: nothing is bound at power-on). */
static const char *host_cmdline =
	"-M q35,cxl=on -m 4G "
	"-object memory-backend-ram,id=m2,size=256M "
	"-object memory-backend-ram,id=m3,size=256M "
	"-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1 "
	"-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0 "
	"-device cxl-upstream,bus=rp0,id=us0 "
	"-device cxl-downstream,port=0,bus=us0,id=vppb0,chassis=0,slot=4 "
	"-device cxl-downstream,port=1,bus=us0,id=vppb1,chassis=0,slot=5 "
	"-device cxl-type3,bus=vppb0,volatile-memdev=m2,id=dev2 "
	"-device cxl-type3,bus=vppb1,volatile-memdev=m3,id=dev3 "
	"-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G";

#define NHOSTS 2
#define BACKING 0x10000 /* bytes of each device the test touches */

/* The physical devices on switch ports 2 and 3: their memory is theirs,
 * whichever host they are bound to. */
struct fabric {
	struct cxlemu_ctx *ctx;
	struct cxlemu_switch *sw;
	struct cxlemu_cci *fm;
	struct cxlemu_topo *host[NHOSTS];
	uint32_t vppb_port[NHOSTS][2]; /* topology ids of the vDSPs */
	uint32_t dev[NHOSTS][2];       /* topology ids of dev2, dev3 */
	uint8_t mem[2][BACKING];       /* device memory, by switch port - 2 */
	uint64_t now;
	unsigned int attaches, detaches;
	int fail_attach;
};

static uint64_t clock_ns(void *opaque)
{
	return ((struct fabric *)opaque)->now;
}

/* The host side of a bind: the device appears below the vPPB in the VCS's
 * host (QEMU: hot-add), then the bind completes. */
static int attach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
		  unsigned int ld)
{
	struct fabric *f = opaque;
	int rc;

	assert_int_equal(ld, CXLEMU_SWITCH_NO_LD);
	assert_true(vcs < NHOSTS && vppb < 2 && port >= 2 && port <= 3);
	f->attaches++;
	if (f->fail_attach)
		return f->fail_attach;
	rc = cxlemu_topo_attach(f->host[vcs], f->vppb_port[vcs][vppb], f->dev[vcs][port - 2]);
	assert_int_equal(rc, 0);
	return cxlemu_switch_host_done(f->sw, vcs, vppb, 0);
}

/* The host side of an unbind: the device leaves the host (hot-remove). */
static int detach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
		  unsigned int ld, unsigned int mode)
{
	struct fabric *f = opaque;

	(void)port;
	(void)ld;
	(void)mode;
	f->detaches++;
	assert_int_equal(cxlemu_topo_detach(f->host[vcs], f->vppb_port[vcs][vppb]), 0);
	return cxlemu_switch_host_done(f->sw, vcs, vppb, 0);
}

static struct fabric *fabric_new(void)
{
	struct fabric *f = calloc(1, sizeof(*f));
	struct cxlemu_host_ops ops = { .version = CXLEMU_HOST_OPS_VERSION, .now_ns = clock_ns };
	struct cxlemu_switch_config sc;
	struct cxlemu_cci_config cc;
	char err[256];
	unsigned int h, i;

	assert_non_null(f);
	assert_int_equal(cxlemu_ctx_new(&ops, f, &f->ctx), 0);
	cxlemu_switch_config_init(&sc);
	sc.nports = 4;
	sc.nvcs = NHOSTS;
	sc.ports[0].type = CXLEMU_SWITCH_PORT_USP;
	sc.ports[1].type = CXLEMU_SWITCH_PORT_USP;
	sc.ports[2].type = CXLEMU_SWITCH_PORT_DSP;
	sc.ports[2].attached = CXLEMU_SWITCH_DEV_SLD;
	sc.ports[3].type = CXLEMU_SWITCH_PORT_DSP;
	sc.ports[3].attached = CXLEMU_SWITCH_DEV_SLD;
	for (h = 0; h < NHOSTS; h++) {
		sc.vcs[h].enabled = 1;
		sc.vcs[h].usp = (uint8_t)h;
		sc.vcs[h].nvppbs = 2;
	}
	sc.host.attach = attach;
	sc.host.detach = detach;
	sc.host.opaque = f;
	assert_int_equal(cxlemu_switch_new(f->ctx, &sc, &f->sw), 0);
	memset(&cc, 0, sizeof(cc));
	cc.version = CXLEMU_CCI_CONFIG_VERSION;
	cc.kind = CXLEMU_CCI_SWITCH;
	cc.payload_size = 4096;
	cc.fabric_switch = f->sw;
	assert_int_equal(cxlemu_cci_new(f->ctx, &cc, &f->fm), 0);
	for (h = 0; h < NHOSTS; h++) {
		if (cxlemu_topo_from_qemu_string(f->ctx, host_cmdline, &f->host[h], err,
						 sizeof(err)))
			fail_msg("%s", err);
		for (i = 0; i < 2; i++) {
			char name[8];

			snprintf(name, sizeof(name), "vppb%u", i);
			f->vppb_port[h][i] = cxlemu_topo_find(f->host[h], name);
			snprintf(name, sizeof(name), "dev%u", i + 2);
			f->dev[h][i] = cxlemu_topo_find(f->host[h], name);
			assert_int_not_equal(f->dev[h][i], CXLEMU_COMP_NONE);
			/* Power-on: nothing bound. */
			assert_int_equal(cxlemu_topo_detach(f->host[h], f->vppb_port[h][i]), 0);
		}
	}
	return f;
}

static void fabric_free(struct fabric *f)
{
	unsigned int h;

	cxlemu_cci_free(f->fm);
	cxlemu_switch_free(f->sw);
	for (h = 0; h < NHOSTS; h++)
		cxlemu_topo_free(f->host[h]);
	cxlemu_ctx_free(f->ctx);
	free(f);
}

/* An FM-API command on the switch CCI; background ones run to the end. */
static int fm(struct fabric *f, uint16_t op, const uint8_t *in, size_t len)
{
	uint8_t out[4096];
	size_t out_len;
	int rc = cxlemu_cci_execute(f->fm, op, in, len, out, sizeof(out), &out_len);

	if (rc != CXLEMU_MBOX_BG_STARTED)
		return rc;
	cxlemu_cci_poll(f->fm);
	assert_int_equal(cxlemu_cci_execute(f->fm, 0x0002, NULL, 0, out, sizeof(out), &out_len),
			 CXLEMU_MBOX_SUCCESS);
	assert_int_equal(out[0] & 1, 0); /* finished */
	assert_int_equal(test_le(out + 2, 2), op);
	return (int)test_le(out + 4, 2);
}

static int bind(struct fabric *f, unsigned int vcs, unsigned int vppb, unsigned int port)
{
	const uint8_t in[6] = { (uint8_t)vcs, (uint8_t)vppb, (uint8_t)port, 0, 0xff, 0xff };

	return fm(f, 0x5201, in, sizeof(in));
}

static int unbind(struct fabric *f, unsigned int vcs, unsigned int vppb)
{
	const uint8_t in[3] = { (uint8_t)vcs, (uint8_t)vppb, CXLEMU_UNBIND_MANAGED };

	return fm(f, 0x5202, in, sizeof(in));
}

/* The host programs a 1-way region over its device @dev, as Linux does. */
static uint64_t host_region(struct fabric *f, unsigned int h, unsigned int dev)
{
	struct cxlemu_region_desc r;
	uint64_t hpa;

	memset(&r, 0, sizeof(r));
	r.version = CXLEMU_REGION_DESC_VERSION;
	r.window = 0;
	r.ways = 1;
	r.gran = 256;
	r.size = UINT64_C(256) << 20;
	r.endpoints[0] = f->dev[h][dev];
	assert_int_equal(cxlemu_topo_region_create(f->host[h], &r, &hpa), 0);
	return hpa;
}

/* A guest access through the host's route table: which physical device
 * (switch port - 2) and where; false when the HPA is unrouted. */
static bool host_access(struct fabric *f, unsigned int h, uint64_t hpa, unsigned int *dev,
			uint64_t *dpa)
{
	uint32_t ep;

	if (cxlemu_topo_route(f->host[h], hpa, &ep, dpa))
		return false;
	for (*dev = 0; *dev < 2; (*dev)++)
		if (f->dev[h][*dev] == ep)
			break;
	assert_true(*dev < 2);
	assert_true(*dpa + 8 <= BACKING);
	return true;
}

static void test_bind_write_rebind_read(void **state)
{
	struct fabric *f = fabric_new();
	static const char msg[] = "written by host 0";
	uint64_t hpa0, hpa1, dpa;
	unsigned int dev, i;

	(void)state;
	/* Unbound: host 0 cannot even build a region on the device. */
	{
		struct cxlemu_region_desc r;
		uint64_t hpa;

		memset(&r, 0, sizeof(r));
		r.version = CXLEMU_REGION_DESC_VERSION;
		r.ways = 1;
		r.gran = 256;
		r.size = UINT64_C(256) << 20;
		r.endpoints[0] = f->dev[0][0];
		assert_int_equal(cxlemu_topo_region_create(f->host[0], &r, &hpa), -EINVAL);
	}
	/* Bind port 2 to host 0's vPPB 0; host 0 writes through its route. */
	assert_int_equal(bind(f, 0, 0, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->attaches, 1);
	hpa0 = host_region(f, 0, 0);
	for (i = 0; i < sizeof(msg); i++) {
		assert_true(host_access(f, 0, hpa0 + 0x1000 + i, &dev, &dpa));
		assert_int_equal(dev, 0);
		f->mem[dev][dpa] = (uint8_t)msg[i];
	}
	/* The device cannot be bound to host 1 while host 0 holds it. */
	assert_int_equal(bind(f, 1, 1, 2), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(f->attaches, 1);
	/* Unbind: host 0 loses it at once. */
	assert_int_equal(unbind(f, 0, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(f->detaches, 1);
	assert_false(host_access(f, 0, hpa0 + 0x1000, &dev, &dpa));
	/* Rebind to host 1's vPPB 1; host 1 programs its own region and reads
	 * what host 0 wrote. */
	assert_int_equal(bind(f, 1, 1, 2), CXLEMU_MBOX_SUCCESS);
	hpa1 = host_region(f, 1, 0);
	for (i = 0; i < sizeof(msg); i++) {
		assert_true(host_access(f, 1, hpa1 + 0x1000 + i, &dev, &dpa));
		assert_int_equal(dev, 0);
		assert_int_equal(f->mem[dev][dpa], (uint8_t)msg[i]);
	}
	/* Host 0 still cannot reach it; its decoders were reset by the
	 * hot-remove, so binding it back needs a new region. */
	assert_false(host_access(f, 0, hpa0 + 0x1000, &dev, &dpa));
	/* The other device goes to host 0 meanwhile: both hosts run at once. */
	assert_int_equal(bind(f, 0, 0, 3), CXLEMU_MBOX_SUCCESS);
	hpa0 = host_region(f, 0, 1);
	assert_true(host_access(f, 0, hpa0, &dev, &dpa));
	assert_int_equal(dev, 1);
	assert_true(host_access(f, 1, hpa1, &dev, &dpa));
	assert_int_equal(dev, 0);
	fabric_free(f);
}

/* A host that refuses the hot-add: the bind fails, nothing changes. */
static void test_host_refuses(void **state)
{
	struct fabric *f = fabric_new();
	struct cxlemu_switch_vppb_info vi;
	unsigned int dev;
	uint64_t dpa;

	(void)state;
	f->fail_attach = -EIO;
	assert_int_equal(bind(f, 0, 0, 2), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(cxlemu_switch_vppb_info(f->sw, 0, 0, &vi), 0);
	assert_int_equal(vi.state, CXLEMU_VPPB_UNBOUND);
	assert_false(host_access(f, 0, UINT64_C(0x190000000), &dev, &dpa));
	f->fail_attach = 0;
	assert_int_equal(bind(f, 0, 0, 2), CXLEMU_MBOX_SUCCESS);
	fabric_free(f);
}

/* Attach and detach refuse what is not a port with an endpoint, a busy
 * port, an attached endpoint. */
static void test_topo_attach_rules(void **state)
{
	struct fabric *f = fabric_new();
	struct cxlemu_topo *t = f->host[0];
	uint32_t us = cxlemu_topo_find(t, "us0"), rp = cxlemu_topo_find(t, "rp0");
	struct cxlemu_comp_info ci;

	(void)state;
	assert_int_equal(cxlemu_topo_info(t, f->dev[0][0], &ci), 0);
	assert_int_equal(ci.parent, CXLEMU_COMP_NONE);
	assert_int_equal(cxlemu_topo_detach(t, f->vppb_port[0][0]), -EINVAL); /* empty */
	assert_int_equal(cxlemu_topo_detach(t, rp), -EINVAL);                 /* a switch below */
	assert_int_equal(cxlemu_topo_detach(t, us), -EINVAL);                 /* not a port */
	assert_int_equal(cxlemu_topo_detach(NULL, 0), -EINVAL);
	assert_int_equal(cxlemu_topo_attach(t, us, f->dev[0][0]), -EINVAL);
	assert_int_equal(cxlemu_topo_attach(t, f->vppb_port[0][0], us), -EINVAL);
	assert_int_equal(cxlemu_topo_attach(t, f->vppb_port[0][0], f->dev[0][0]), 0);
	assert_int_equal(cxlemu_topo_info(t, f->dev[0][0], &ci), 0);
	assert_int_equal(ci.parent, f->vppb_port[0][0]);
	assert_int_equal(cxlemu_topo_attach(t, f->vppb_port[0][1], f->dev[0][0]), -EINVAL);
	assert_int_equal(cxlemu_topo_attach(t, f->vppb_port[0][0], f->dev[0][1]), -EBUSY);
	assert_int_equal(cxlemu_topo_attach(t, f->vppb_port[0][1], f->dev[0][1]), 0);
	assert_int_equal(cxlemu_topo_detach(t, f->vppb_port[0][1]), 0);
	assert_int_equal(cxlemu_topo_attach(t, f->vppb_port[0][1], f->dev[0][1]), 0);
	fabric_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_write_rebind_read),
		cmocka_unit_test(test_host_refuses),
		cmocka_unit_test(test_topo_attach_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
