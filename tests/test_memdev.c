/* SPDX-License-Identifier: MIT */
/* Memory device state and commands: identify, partitions, LSA, health,
 * alerts, shutdown state, security state. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mbox_util.h"
#include "testutil.h"

#define MiB (UINT64_C(1) << 20)

static void test_config(void **state)
{
	struct cxlemu_memdev_config c, b;
	struct cxlemu_memdev *md;

	(void)state;
	cxlemu_memdev_config_init(&c);
	assert_int_equal(c.version, CXLEMU_MEMDEV_CONFIG_VERSION);
	assert_int_equal(cxlemu_memdev_new(NULL, &c, &md), 0); /* an empty device */
	cxlemu_memdev_free(md);
	c.volatile_size = 256 * MiB;
	c.dc_nregions = 1;
	c.dc[0].base = 256 * MiB;
	c.dc[0].decode_len = 512 * MiB;
	c.dc[0].len = 256 * MiB;
	c.dc[0].block_size = 2 * MiB;
	assert_int_equal(cxlemu_memdev_new(NULL, &c, &md), 0);
	cxlemu_memdev_free(md);
#define BAD(stmt) do { b = c; stmt; md = (void *)&b; \
		assert_int_equal(cxlemu_memdev_new(NULL, &b, &md), -EINVAL); assert_null(md); } while (0)
	BAD(b.version = 2);
	BAD(b.volatile_size = 100 * MiB);
	BAD(b.persistent_size = 1);
	BAD(b.partitionable_size = 256 * MiB);                   /* no alignment */
	BAD(b.partition_align = 256 * MiB);                      /* nothing to align */
	BAD(b.partitionable_size = 256 * MiB; b.partition_align = 512 * MiB);
	BAD(b.partitionable_size = 512 * MiB; b.partition_align = 128 * MiB);
	BAD(b.volatile_size = UINT64_C(1) << 52);
	BAD(b.volatile_size = UINT64_C(0xfffffffff0000000));
	BAD(b.lsa_size = UINT64_C(1) << 32);
	BAD(b.dc_nregions = CXLEMU_DC_MAX_REGIONS + 1);
	BAD(b.dc[0].base = 0);                                   /* inside static capacity */
	BAD(b.dc[0].base = 384 * MiB);
	BAD(b.dc[0].decode_len = 0);
	BAD(b.dc[0].len = 768 * MiB);
	BAD(b.dc[0].block_size = 3 * MiB);
	BAD(b.dc[0].block_size = 32);
	BAD(b.dc[0].len = 3 * MiB);
	BAD(b.dc[0].flags = 1);
	BAD(b.dc_nregions = 2; b.dc[1] = b.dc[0]);               /* overlapping regions */
	BAD(b.dc[0].base = UINT64_C(1) << 52);
#undef BAD
	assert_int_equal(cxlemu_memdev_new(NULL, NULL, &md), -EINVAL);
	assert_int_equal(cxlemu_memdev_new(NULL, &c, NULL), -EINVAL);
	cxlemu_memdev_free(NULL);
	cxlemu_memdev_reset(NULL);
	assert_false(cxlemu_memdev_media_disabled(NULL));
}

/* A type-3 endpoint of a topology describes the memdev. */
static void test_from_topo(void **state)
{
	struct cxlemu_topo *t = test_topo_file("switch.qemu");
	struct cxlemu_memdev_config c;
	struct cxlemu_comp_info ci;
	struct cxlemu_memdev *md;
	uint32_t id, n3 = 0;

	(void)state;
	for (id = 0; cxlemu_topo_info(t, id, &ci) == 0; id++) {
		cxlemu_memdev_config_init(&c);
		if (ci.kind != CXLEMU_COMP_TYPE3) {
			assert_int_equal(cxlemu_memdev_config_from_topo(t, id, &c), -EINVAL);
			continue;
		}
		n3++;
		assert_int_equal(cxlemu_memdev_config_from_topo(t, id, &c), 0);
		assert_int_equal(c.volatile_size, ci.volatile_size);
		assert_int_equal(c.persistent_size, ci.persistent_size);
		assert_int_equal(c.lsa_size, ci.lsa_size);
		assert_int_equal(cxlemu_memdev_new(NULL, &c, &md), 0);
		cxlemu_memdev_free(md);
		if (!strcmp(ci.name, "cxl-pmem2"))
			assert_int_equal(c.lsa_size, 256 * MiB);
	}
	assert_int_equal(n3, 3);
	assert_int_equal(cxlemu_memdev_config_from_topo(t, id, &c), -EINVAL);
	assert_int_equal(cxlemu_memdev_config_from_topo(NULL, 0, &c), -EINVAL);
	cxlemu_topo_free(t);
}

/* Without a memdev the memory device commands do not exist; with one the
 * CEL lists them. */
static void test_presence(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_cci_config c = m->ccfg;
	struct cxlemu_cci *bare, *sw;
	uint8_t out[4096], in[24] = { 0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
				      0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17 };
	size_t len, i;
	bool found = false;

	(void)state;
	c.memdev = NULL;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &bare), 0);
	assert_int_equal(cxlemu_cci_execute(bare, 0x4000, NULL, 0, out, sizeof(out), &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	/* A switch CCI never runs them, memdev or not. */
	c.memdev = m->md;
	c.kind = CXLEMU_CCI_SWITCH;
	assert_int_equal(cxlemu_cci_new(m->ctx, &c, &sw), 0);
	assert_int_equal(cxlemu_cci_execute(sw, 0x4200, NULL, 0, out, sizeof(out), &len),
			 CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(mb_run(m, 0x0400, NULL, 0), CXLEMU_MBOX_SUCCESS);
	in[20] = (uint8_t)test_le(m->out + 24, 4);
	in[21] = (uint8_t)(test_le(m->out + 24, 4) >> 8);
	assert_int_equal(mb_run(m, 0x0401, in, 24), CXLEMU_MBOX_SUCCESS);
	for (i = 0; i < m->out_len; i += 4)
		if (test_le(m->out + i, 2) == 0x4101) {
			found = true;
			assert_int_equal(test_le(m->out + i + 2, 2), 0x7); /* config + data */
		}
	assert_true(found);
	cxlemu_cci_free(bare);
	cxlemu_cci_free(sw);
	mb_free(m);
}

static void test_identify_memdev(void **state)
{
	struct mb *m = mb_new();
	uint8_t one = 0;

	(void)state;
	assert_int_equal(mb_run(m, 0x4000, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0x45);
	assert_memory_equal(m->out, "cxlemu fw 1.0\0\0\0", 16);
	assert_int_equal(test_le(m->out + 0x10, 8), 5); /* 512 + 256 + 512 MiB */
	assert_int_equal(test_le(m->out + 0x18, 8), 2);
	assert_int_equal(test_le(m->out + 0x20, 8), 1);
	assert_int_equal(test_le(m->out + 0x28, 8), 1);
	assert_true(test_le(m->out + 0x30, 2) > 0);      /* event log sizes */
	assert_true(test_le(m->out + 0x36, 2) > 0);
	assert_int_equal(test_le(m->out + 0x38, 4), 128 << 10);
	assert_true(test_le(m->out + 0x3c, 3) > 0);      /* poison list */
	assert_true(test_le(m->out + 0x43, 2) > 0);      /* DC event log */
	assert_int_equal(mb_run(m, 0x4000, &one, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(m->out_len, 0);
	/* A response limit below 0x45 bytes cannot carry it. */
	assert_int_equal(cxlemu_cci_execute(m->cci, 0x4000, NULL, 0, m->out, 0x44,
					    &m->out_len), CXLEMU_MBOX_INTERNAL_ERROR);
	mb_free(m);
}

static void part_in(uint8_t *in, uint64_t units, uint8_t flags)
{
	for (int i = 0; i < 8; i++)
		in[i] = (uint8_t)(units >> (8 * i));
	in[8] = flags;
}

static void expect_partition(struct mb *m, uint64_t av, uint64_t ap, uint64_t nv, uint64_t np)
{
	assert_int_equal(mb_run(m, 0x4100, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0x20);
	assert_int_equal(test_le(m->out, 8), av);
	assert_int_equal(test_le(m->out + 8, 8), ap);
	assert_int_equal(test_le(m->out + 16, 8), nv);
	assert_int_equal(test_le(m->out + 24, 8), np);
}

static void test_partitions(void **state)
{
	struct mb *m = mb_new();
	uint8_t in[10];

	(void)state;
	/* Partitionable capacity starts volatile. */
	expect_partition(m, 4, 1, 4, 1);
	/* 256 MiB of it volatile from the next reset. */
	part_in(in, 1, 0);
	assert_int_equal(mb_run(m, 0x4101, in, 9), CXLEMU_MBOX_SUCCESS);
	expect_partition(m, 4, 1, 3, 2);
	cxlemu_memdev_reset(m->md);
	expect_partition(m, 3, 2, 3, 2);
	/* All persistent, immediately. */
	part_in(in, 0, 1);
	assert_int_equal(mb_run(m, 0x4101, in, 9), CXLEMU_MBOX_SUCCESS);
	expect_partition(m, 2, 3, 2, 3);
	/* Refused: more than partitionable, reserved flags, lengths. */
	part_in(in, 3, 0);
	assert_int_equal(mb_run(m, 0x4101, in, 9), CXLEMU_MBOX_INVALID_INPUT);
	part_in(in, UINT64_MAX, 0);
	assert_int_equal(mb_run(m, 0x4101, in, 9), CXLEMU_MBOX_INVALID_INPUT);
	part_in(in, 1, 2);
	assert_int_equal(mb_run(m, 0x4101, in, 9), CXLEMU_MBOX_INVALID_INPUT);
	part_in(in, 1, 0);
	assert_int_equal(mb_run(m, 0x4101, in, 8), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4101, in, 10), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4100, in, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	expect_partition(m, 2, 3, 2, 3);
	mb_free(m);

	/* Coarser alignment: only multiples of 512 MiB. */
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.partitionable_size = 1024 * MiB;
	m->mcfg.partition_align = 512 * MiB;
	m->mcfg.dc[0].base = 3u * 1024 * MiB;
	mb_start(m);
	part_in(in, 1, 1);
	assert_int_equal(mb_run(m, 0x4101, in, 9), CXLEMU_MBOX_INVALID_INPUT);
	part_in(in, 2, 1);
	assert_int_equal(mb_run(m, 0x4101, in, 9), CXLEMU_MBOX_SUCCESS);
	expect_partition(m, 4, 3, 4, 3);
	mb_free(m);

	/* Not partitionable: Set Partition Info is unsupported. */
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.partitionable_size = 0;
	m->mcfg.partition_align = 0;
	mb_start(m);
	part_in(in, 0, 0);
	assert_int_equal(mb_run(m, 0x4101, in, 9), CXLEMU_MBOX_UNSUPPORTED);
	expect_partition(m, 2, 1, 2, 1);
	mb_free(m);
}

static void lsa_get_in(uint8_t *in, uint32_t off, uint32_t len)
{
	for (int i = 0; i < 4; i++) {
		in[i] = (uint8_t)(off >> (8 * i));
		in[4 + i] = (uint8_t)(len >> (8 * i));
	}
}

/* Host-backed label storage. */
struct lsa_store {
	uint8_t data[1024];
	unsigned int reads, writes;
	int fail;
};

static int store_read(void *opaque, uint64_t off, void *buf, size_t len)
{
	struct lsa_store *s = opaque;

	assert_true(off + len <= sizeof(s->data));
	s->reads++;
	if (s->fail)
		return s->fail;
	memcpy(buf, s->data + off, len);
	return 0;
}

static int store_write(void *opaque, uint64_t off, const void *buf, size_t len)
{
	struct lsa_store *s = opaque;

	assert_true(off + len <= sizeof(s->data));
	s->writes++;
	if (s->fail)
		return s->fail;
	memcpy(s->data + off, buf, len);
	return 0;
}

static void test_lsa(void **state)
{
	struct mb *m = mb_new();
	struct lsa_store *st;
	uint8_t in[8 + 600];
	size_t i;

	(void)state;
	/* Starts zeroed; a write reads back; neighbours untouched. */
	lsa_get_in(in, 0, 64);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(m->out[i], 0);
	lsa_get_in(in, 100, 0);
	for (i = 0; i < 600; i++)
		in[8 + i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(mb_run(m, 0x4103, in, sizeof(in)), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0);
	lsa_get_in(in, 99, 602);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 602);
	assert_int_equal(m->out[0], 0);
	assert_int_equal(m->out[601], 0);
	for (i = 0; i < 600; i++)
		assert_int_equal(m->out[1 + i], (uint8_t)(i * 7 + 1));
	/* The last byte, then past the end. */
	lsa_get_in(in, (128 << 10) - 1, 1);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_SUCCESS);
	lsa_get_in(in, (128 << 10) - 1, 2);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_INVALID_INPUT);
	lsa_get_in(in, 128 << 10, 0);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_SUCCESS);
	lsa_get_in(in, (128 << 10) + 1, 0);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_INVALID_INPUT);
	lsa_get_in(in, 0xffffffffu, 2);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_INVALID_INPUT);
	/* More than a response carries. */
	lsa_get_in(in, 0, 4097);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_INVALID_INPUT);
	lsa_get_in(in, 0, 8);
	assert_int_equal(cxlemu_cci_execute(m->cci, 0x4102, in, 8, m->out, 7, &m->out_len),
			 CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, 0x4102, in, 7), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4102, in, 9), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	/* Writes past the end change nothing. */
	lsa_get_in(in, (128 << 10) - 4, 0);
	memset(in + 8, 0xab, 5);
	assert_int_equal(mb_run(m, 0x4103, in, 13), CXLEMU_MBOX_INVALID_INPUT);
	lsa_get_in(in, (128 << 10) - 4, 4);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 4), 0);
	assert_int_equal(mb_run(m, 0x4103, in, 7), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	mb_free(m);

	/* Through the host's storage; its failures are internal errors. */
	st = calloc(1, sizeof(*st));
	m = calloc(1, sizeof(*m));
	assert_non_null(st);
	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.lsa_size = sizeof(st->data);
	m->mcfg.host.lsa_read = store_read;
	m->mcfg.host.lsa_write = store_write;
	m->mcfg.host.opaque = st;
	mb_start(m);
	lsa_get_in(in, 1000, 0);
	memcpy(in + 8, "label", 5);
	assert_int_equal(mb_run(m, 0x4103, in, 13), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(st->data + 1000, "label", 5);
	lsa_get_in(in, 1000, 24);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(m->out, "label", 5);
	assert_int_equal(st->reads, 1);
	lsa_get_in(in, 1000, 25);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(st->reads, 1);
	st->fail = -EIO;
	lsa_get_in(in, 0, 4);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_INTERNAL_ERROR);
	assert_int_equal(m->out_len, 0);
	assert_int_equal(mb_run(m, 0x4103, in, 12), CXLEMU_MBOX_INTERNAL_ERROR);
	mb_free(m);
	free(st);

	/* No label storage: unsupported. */
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.lsa_size = 0;
	mb_start(m);
	lsa_get_in(in, 0, 0);
	assert_int_equal(mb_run(m, 0x4102, in, 8), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(mb_run(m, 0x4103, in, 8), CXLEMU_MBOX_UNSUPPORTED);
	mb_free(m);
}

static uint8_t additional(struct mb *m)
{
	assert_int_equal(mb_run(m, 0x4200, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0x12);
	return m->out[2];
}

static void alert_in(uint8_t *in, uint8_t valid, uint8_t enable, uint8_t life, int16_t over,
		     int16_t under, uint16_t cvme, uint16_t cpme)
{
	memset(in, 0, 12);
	in[0] = valid;
	in[1] = enable;
	in[2] = life;
	in[4] = (uint8_t)over;
	in[5] = (uint8_t)((uint16_t)over >> 8);
	in[6] = (uint8_t)under;
	in[7] = (uint8_t)((uint16_t)under >> 8);
	in[8] = (uint8_t)cvme;
	in[9] = (uint8_t)(cvme >> 8);
	in[10] = (uint8_t)cpme;
	in[11] = (uint8_t)(cpme >> 8);
}

static void test_health_alerts(void **state)
{
	struct mb *m = mb_new();
	struct cxlemu_memdev_health h;
	uint8_t in[12], before[16];

	(void)state;
	/* Defaults: healthy, 30 C, nothing counted. */
	assert_int_equal(mb_run(m, 0x4200, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0x12);
	assert_int_equal(m->out[0], 0);
	assert_int_equal(m->out[1], 0);
	assert_int_equal(m->out[2], 0);
	assert_int_equal(m->out[3], 0);
	assert_int_equal(test_le(m->out + 4, 2), 30);
	assert_int_equal(test_le(m->out + 6, 4), 0);
	/* The host's values come back. */
	memset(&h, 0, sizeof(h));
	h.health_status = 1;
	h.media_status = 0;
	h.life_used = 60;
	h.temperature = -5;
	h.corrected_volatile = 7;
	h.corrected_persistent = 9;
	assert_int_equal(cxlemu_memdev_set_health(m->md, &h), 0);
	assert_int_equal(additional(m), 0);
	assert_int_equal(m->out[0], 1);
	assert_int_equal(m->out[3], 60);
	assert_int_equal((int16_t)test_le(m->out + 4, 2), -5);
	assert_int_equal(test_le(m->out + 0xa, 4), 7);
	assert_int_equal(test_le(m->out + 0xe, 4), 9);
	/* Programmable warnings. */
	assert_int_equal(mb_run(m, 0x4201, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 0x10);
	assert_int_equal(m->out[0], 0);
	assert_int_equal(m->out[1], 0x1f);
	assert_int_equal(m->out[2], 100);
	assert_int_equal((int16_t)test_le(m->out + 4, 2), 100);
	assert_int_equal((int16_t)test_le(m->out + 6, 2), -20);
	alert_in(in, 0x1f, 0x1f, 50, 80, 0, 5, 10);
	assert_int_equal(mb_run(m, 0x4202, in, 12), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, 0x4201, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 0x1f);
	assert_int_equal(m->out[3], 50);
	assert_int_equal(test_le(m->out + 8, 2), 80);
	assert_int_equal(test_le(m->out + 0xa, 2), 0);
	assert_int_equal(test_le(m->out + 0xc, 2), 5);
	assert_int_equal(test_le(m->out + 0xe, 2), 10);
	/* life 60 >= 50: warning; -5 <= 0: temperature warning; 7 >= 5. */
	assert_int_equal(additional(m), 1 | 1 << 2 | 1 << 4);
	h.corrected_persistent = 10;
	h.life_used = 100;
	h.temperature = 100;
	assert_int_equal(cxlemu_memdev_set_health(m->md, &h), 0);
	assert_int_equal(additional(m), 2 | 2 << 2 | 1 << 4 | 1 << 5);
	/* Disabling one leaves the others. */
	h.life_used = 60;
	h.temperature = 20;
	assert_int_equal(cxlemu_memdev_set_health(m->md, &h), 0);
	alert_in(in, 0x09, 0x00, 0, 0, 0, 0, 0);
	assert_int_equal(mb_run(m, 0x4202, in, 12), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(additional(m), 1 << 5);
	/* Not implemented life and temperature report normal. */
	h.life_used = 0xff;
	h.temperature = 0x7fff;
	assert_int_equal(cxlemu_memdev_set_health(m->md, &h), 0);
	assert_int_equal(additional(m), 1 << 5);
	/* Refusals change nothing. */
	assert_int_equal(mb_run(m, 0x4201, NULL, 0), CXLEMU_MBOX_SUCCESS);
	memcpy(before, m->out, 16);
	alert_in(in, 0x01, 0x01, 100, 0, 0, 0, 0);      /* life warning at critical */
	assert_int_equal(mb_run(m, 0x4202, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	alert_in(in, 0x02, 0x02, 0, 100, 0, 0, 0);      /* over-temp at critical */
	assert_int_equal(mb_run(m, 0x4202, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	alert_in(in, 0x04, 0x04, 0, 0, -20, 0, 0);      /* under-temp at critical */
	assert_int_equal(mb_run(m, 0x4202, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	alert_in(in, 0x04, 0x04, 0, 0, 85, 0, 0);       /* under-temp above over-temp */
	assert_int_equal(mb_run(m, 0x4202, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	alert_in(in, 0x20, 0x20, 0, 0, 0, 0, 0);        /* reserved alert */
	assert_int_equal(mb_run(m, 0x4202, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	alert_in(in, 0x01, 0x03, 10, 50, 0, 0, 0);      /* enabled but not valid */
	assert_int_equal(mb_run(m, 0x4202, in, 12), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, 0x4202, in, 11), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4201, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_memory_equal(m->out, before, 16);
	/* Host values out of range. */
	h.life_used = 101;
	assert_int_equal(cxlemu_memdev_set_health(m->md, &h), -EINVAL);
	h.life_used = 1;
	h.health_status = 8;
	assert_int_equal(cxlemu_memdev_set_health(m->md, &h), -EINVAL);
	h.health_status = 0;
	h.media_status = 10;
	assert_int_equal(cxlemu_memdev_set_health(m->md, &h), -EINVAL);
	assert_int_equal(cxlemu_memdev_set_health(m->md, NULL), -EINVAL);
	assert_int_equal(mb_run(m, 0x4200, in, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	mb_free(m);
}

static void test_shutdown_security(void **state)
{
	struct mb *m = mb_new();
	uint8_t v;

	(void)state;
	assert_int_equal(mb_run(m, 0x4203, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 1);
	assert_int_equal(m->out[0], 0);
	/* A clean shutdown counts nothing. */
	cxlemu_memdev_shutdown(m->md);
	assert_int_equal(mb_run(m, 0x4200, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 6, 4), 0);
	/* Linux marks the device dirty while it holds persistent data. */
	v = 1;
	assert_int_equal(mb_run(m, 0x4204, &v, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, 0x4203, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 1);
	cxlemu_memdev_shutdown(m->md);
	cxlemu_memdev_shutdown(m->md);
	assert_int_equal(mb_run(m, 0x4200, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 6, 4), 2);
	v = 0;
	assert_int_equal(mb_run(m, 0x4204, &v, 1), CXLEMU_MBOX_SUCCESS);
	cxlemu_memdev_shutdown(m->md);
	assert_int_equal(mb_run(m, 0x4200, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out + 6, 4), 2);
	v = 3;
	assert_int_equal(mb_run(m, 0x4204, &v, 1), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, 0x4204, NULL, 0), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(mb_run(m, 0x4203, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 0);
	/* Security: nothing set, not locked, not frozen. */
	memset(m->out, 0xff, 4);
	assert_int_equal(mb_run(m, 0x4500, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 4);
	assert_int_equal(test_le(m->out, 4), 0);
	assert_int_equal(mb_run(m, 0x4500, &v, 1), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	mb_free(m);
}

/*
 * A command through the mailbox registers as Linux's cxl_pci sends it
 * (__cxl_pci_mbox_send_cmd): payload in, command register, doorbell, wait
 * for the doorbell to clear, return code from the status register, output
 * length from the command register, payload out.
 */
static int reg_cmd(struct mb *m, uint16_t opcode, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t *out_len)
{
	uint64_t v;
	size_t i;

	assert_int_equal(cxlemu_cci_reg_read(m->cci, 0x04, 4, &v), 0);
	assert_int_equal(v & 1, 0);                     /* doorbell idle */
	for (i = 0; i < in_len; i++)
		assert_int_equal(cxlemu_cci_reg_write(m->cci, 0x20 + (uint32_t)i, 1, in[i]), 0);
	assert_int_equal(cxlemu_cci_reg_write(m->cci, 0x08, 8,
					      opcode | (uint64_t)in_len << 16), 0);
	assert_int_equal(cxlemu_cci_reg_write(m->cci, 0x04, 4, 1), 0);
	assert_int_equal(cxlemu_cci_reg_read(m->cci, 0x04, 4, &v), 0);
	assert_int_equal(v & 1, 0);
	assert_int_equal(cxlemu_cci_reg_read(m->cci, 0x08, 8, &v), 0);
	assert_int_equal(v & 0xffff, opcode);
	*out_len = (size_t)(v >> 16 & 0x1fffff);
	for (i = 0; i + 8 <= *out_len; i += 8) {
		assert_int_equal(cxlemu_cci_reg_read(m->cci, 0x20 + (uint32_t)i, 8, &v), 0);
		for (unsigned int k = 0; k < 8; k++)
			out[i + k] = (uint8_t)(v >> (8 * k));
	}
	for (; i < *out_len; i++) {
		assert_int_equal(cxlemu_cci_reg_read(m->cci, 0x20 + (uint32_t)i, 1, &v), 0);
		out[i] = (uint8_t)v;
	}
	assert_int_equal(cxlemu_cci_reg_read(m->cci, 0x10, 8, &v), 0);
	return (int)(v >> 32 & 0xffff);
}

/* What Linux does at probe (cxl_pci_probe and cxl_mem probe), in order. */
static void test_linux_probe(void **state)
{
	static const uint8_t cel[16] = { 0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
					 0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17 };
	struct mb *m = mb_new();
	uint8_t in[64], *out = malloc(4096), *lsa = malloc(128 << 10);
	size_t len, i, ncel, got;
	uint32_t cel_size, lsa_size, payload;
	uint64_t v;
	uint8_t seen[0x10000 / 8];
	struct cxlemu_event_gen_media gm;

	(void)state;
	assert_non_null(out);
	assert_non_null(lsa);
	memset(seen, 0, sizeof(seen));
	/* Something happened before the driver came: a warning record. */
	memset(&gm, 0, sizeof(gm));
	gm.phys_addr = 0x1000;
	gm.transaction_type = 1;
	assert_int_equal(cxlemu_memdev_event_gen_media(m->md, CXLEMU_EVENT_LOG_WARN, &gm), 0);
	assert_int_equal(m->event_irqs, 0);  /* no interrupt policy yet */
	/* Mailbox capabilities: payload size. */
	assert_int_equal(cxlemu_cci_reg_read(m->cci, 0x00, 4, &v), 0);
	payload = 1u << (v & 0x1f);
	assert_int_equal(payload, 4096);
	/* Get Supported Logs, then the CEL in payload-sized pieces. */
	assert_int_equal(reg_cmd(m, 0x0400, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out, 2), 1);
	assert_memory_equal(out + 8, cel, 16);
	cel_size = (uint32_t)test_le(out + 24, 4);
	for (got = 0; got < cel_size; got += len) {
		uint32_t chunk = cel_size - (uint32_t)got < 256 ? cel_size - (uint32_t)got : 256;

		memcpy(in, cel, 16);
		for (i = 0; i < 4; i++) {
			in[16 + i] = (uint8_t)(got >> (8 * i));
			in[20 + i] = (uint8_t)(chunk >> (8 * i));
		}
		assert_int_equal(reg_cmd(m, 0x0401, in, 24, out, &len), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(len, chunk);
		for (i = 0; i < len; i += 4) {
			uint16_t op = (uint16_t)test_le(out + i, 2);

			seen[op / 8] |= (uint8_t)(1u << (op % 8));
		}
	}
	ncel = cel_size / 4;
	assert_true(ncel >= 20);
	/* Linux needs these to bring up a memdev. */
	assert_true(seen[0x4000 / 8] & 1 << (0x4000 % 8));
	assert_true(seen[0x4100 / 8] & 1 << (0x4100 % 8));
	assert_true(seen[0x4102 / 8] & 1 << (0x4102 % 8));
	assert_true(seen[0x4103 / 8] & 1 << (0x4103 % 8));
	assert_true(seen[0x4200 / 8] & 1 << (0x4200 % 8));
	/* Identify Memory Device, partition info. */
	assert_int_equal(reg_cmd(m, 0x4000, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0x45);
	assert_int_equal(test_le(out + 0x10, 8), 5);
	lsa_size = (uint32_t)test_le(out + 0x38, 4);
	assert_int_equal(lsa_size, 128 << 10);
	assert_int_equal(reg_cmd(m, 0x4100, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0x20);
	assert_int_equal(test_le(out, 8), 4);
	assert_int_equal(test_le(out + 8, 8), 1);
	/* Set Timestamp from the host clock. */
	for (i = 0; i < 8; i++)
		in[i] = (uint8_t)(UINT64_C(1700000000000000000) >> (8 * i));
	assert_int_equal(reg_cmd(m, 0x0301, in, 8, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0);
	/* The label area (nvdimm reads it all), in payload-sized pieces less
	 * the Get LSA header, after writing a label. */
	memset(in, 0, 8);
	in[0] = 0x40;
	memcpy(in + 8, "namespace-label!", 16);
	assert_int_equal(reg_cmd(m, 0x4103, in, 24, out, &len), CXLEMU_MBOX_SUCCESS);
	for (got = 0; got < lsa_size; got += len) {
		uint32_t chunk = payload - 8 < lsa_size - got ? payload - 8 :
								 lsa_size - (uint32_t)got;

		for (i = 0; i < 4; i++) {
			in[i] = (uint8_t)(got >> (8 * i));
			in[4 + i] = (uint8_t)(chunk >> (8 * i));
		}
		assert_int_equal(reg_cmd(m, 0x4102, in, 8, out, &len), CXLEMU_MBOX_SUCCESS);
		assert_int_equal(len, chunk);
		memcpy(lsa + got, out, len);
	}
	assert_memory_equal(lsa + 0x40, "namespace-label!", 16);
	assert_int_equal(lsa[0x3f], 0);
	/* Events (cxl_event_config): MSI for the four logs, read back; then
	 * the records already logged are read and cleared. */
	memset(in, 0, 8);
	in[0] = in[1] = in[2] = in[3] = 0x01;
	assert_int_equal(reg_cmd(m, 0x0103, in, 4, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(reg_cmd(m, 0x0102, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 5);
	assert_int_equal(test_le(out, 4), 0x01010101);
	in[0] = 1;  /* warning log: the record logged before probe */
	assert_int_equal(reg_cmd(m, 0x0100, in, 1, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0x20 + 0x80);
	assert_int_equal(test_le(out + 0x14, 2), 1);
	assert_int_equal(test_le(out + 0x20 + 0x30, 8), 0x1000);
	in[1] = 0;
	in[2] = 1;
	in[3] = in[4] = in[5] = 0;
	in[6] = out[0x20 + 0x14];
	in[7] = out[0x20 + 0x15];
	assert_int_equal(reg_cmd(m, 0x0101, in, 8, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(reg_cmd(m, 0x0100, in, 1, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out + 0x14, 2), 0);
	/* A record logged now interrupts as the policy asks. */
	assert_int_equal(cxlemu_memdev_event_gen_media(m->md, CXLEMU_EVENT_LOG_INFO, &gm), 0);
	assert_int_equal(m->event_irqs, 1);
	assert_int_equal(m->last_event_mode, 1);
	/* Firmware (cxl_memdev_setup_fw_upload) and features (cxl_get_features). */
	assert_int_equal(reg_cmd(m, 0x0200, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0x50);
	assert_memory_equal(out + 0x10, "cxlemu fw 1.0", 13);
	memset(in, 0, 8);
	in[0] = 0x80;  /* count (bytes of entries) */
	assert_int_equal(reg_cmd(m, 0x0500, in, 8, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(out, 2), 2);   /* entries returned */
	/* Poison list of the volatile partition (cxl list --media-errors). */
	memset(in, 0, 16);
	in[8 + 3] = 0x01;  /* 2^24 lines of 64 B = 1 GiB */
	assert_int_equal(reg_cmd(m, 0x4300, in, 16, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0x20);
	assert_int_equal(test_le(out + 0x0a, 2), 0);  /* no records */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0x2000, 128, CXLEMU_POISON_EXTERNAL), 0);
	assert_int_equal(reg_cmd(m, 0x4300, in, 16, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0x20 + 0x10);
	assert_int_equal(test_le(out + 0x0a, 2), 1);
	assert_int_equal(test_le(out + 0x20, 8), 0x2000 | CXLEMU_POISON_EXTERNAL);
	assert_int_equal(test_le(out + 0x28, 4), 2);  /* two 64 B lines */
	/* Health for `cxl list -H`. */
	assert_int_equal(reg_cmd(m, 0x4200, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 0x12);
	assert_int_equal(reg_cmd(m, 0x4500, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 4);
	/* An unknown command leaves the mailbox usable. */
	assert_int_equal(reg_cmd(m, 0xcafe, NULL, 0, out, &len), CXLEMU_MBOX_UNSUPPORTED);
	assert_int_equal(len, 0);
	assert_int_equal(reg_cmd(m, 0x0001, NULL, 0, out, &len), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(len, 18);
	free(out);
	free(lsa);
	mb_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_from_topo),
		cmocka_unit_test(test_presence),
		cmocka_unit_test(test_identify_memdev),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_lsa),
		cmocka_unit_test(test_health_alerts),
		cmocka_unit_test(test_shutdown_security),
		cmocka_unit_test(test_linux_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
