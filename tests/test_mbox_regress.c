/* SPDX-License-Identifier: MIT */
/* Regressions of lib/mailbox: each test failed on a bug a review found
 * (the comments say what the bug was), and passes since its fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mbox_util.h"
#include "testutil.h"

#define OP_FW_INFO 0x0200
#define OP_XFER 0x0201
#define OP_ACT 0x0202
#define OP_GET_FEAT 0x0501
#define OP_SET_FEAT 0x0502
#define OP_SET_PART 0x4101
#define OP_POISON_LIST 0x4300
#define MS UINT64_C(1000000)

static const uint8_t scrub_uuid[16] = {
	0x96, 0xda, 0xd7, 0xd6, 0xfd, 0xe8, 0x48, 0x2b,
	0xa7, 0x33, 0x75, 0x77, 0x4e, 0x06, 0xdb, 0x8a,
};

/* Set Partition Info: @units of 256 MiB volatile, flag 1 = immediate. */
static int set_part_now(struct mb *m, uint64_t units)
{
	uint8_t in[9];

	for (unsigned int i = 0; i < 8; i++)
		in[i] = (uint8_t)(units >> (8 * i));
	in[8] = 1;
	return mb_run(m, 0x4101, in, sizeof(in));
}

static int xfer(struct mb *m, unsigned int action, unsigned int slot, uint32_t units,
		size_t len)
{
	static uint8_t in[0x80 + 512];

	memset(in, 0, sizeof(in));
	in[0] = (uint8_t)action;
	in[1] = (uint8_t)slot;
	in[4] = (uint8_t)units;
	memset(in + 0x80, 0xa5, len);
	return mb_run(m, OP_XFER, in, 0x80 + len);
}

/*
 * Set Partition Info with the Immediate flag (8.2.9.9.2.2) changes the
 * partitioning only.  cmd_memdev.c calls cxlemu_memdev_reset(), a whole
 * cold reset: a firmware staged for the next cold reset becomes active.
 */
static void review_set_partition_immediate_activates_staged_fw(void **state)
{
	struct mb *m = *state;
	uint8_t in[2] = { 1, 2 }; /* at the next cold reset, slot 2 */

	assert_int_equal(xfer(m, 0, 2, 0, 256), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, 10 * MS);
	assert_int_equal(mb_run(m, OP_ACT, in, 2), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, OP_FW_INFO, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[1], 1 | 2 << 3); /* active 1, staged 2 */

	assert_int_equal(set_part_now(m, 1), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, OP_FW_INFO, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[1] & 7, 1);        /* still slot 1 running */
	assert_int_equal((m->out[1] >> 3) & 7, 2); /* still staged */
}

/* ... and a transfer in parts under way on the mailbox is aborted. */
static void review_set_partition_immediate_aborts_fw_transfer(void **state)
{
	struct mb *m = *state;

	assert_int_equal(xfer(m, 1, 0, 0, 256), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, 10 * MS);
	assert_int_equal(set_part_now(m, 1), CXLEMU_MBOX_SUCCESS);
	/* The next part continues at 256 bytes = 2 units. */
	assert_int_equal(xfer(m, 2, 0, 2, 256), CXLEMU_MBOX_BG_STARTED);
}

/* ... and current feature values that were not saved revert. */
static void review_set_partition_immediate_reverts_features(void **state)
{
	struct mb *m = *state;
	uint8_t in[0x22];

	memset(in, 0, sizeof(in));
	memcpy(in, scrub_uuid, 16);
	in[0x10] = 0; /* Full transfer, not saved */
	in[0x16] = 1; /* version */
	in[0x20] = 5; /* cycle hours */
	in[0x21] = 1; /* enabled */
	assert_int_equal(mb_run(m, OP_SET_FEAT, in, sizeof(in)), CXLEMU_MBOX_SUCCESS);

	assert_int_equal(set_part_now(m, 1), CXLEMU_MBOX_SUCCESS);

	memset(in, 0, 0x15);
	memcpy(in, scrub_uuid, 16);
	in[0x12] = 4; /* count */
	in[0x14] = 0; /* current */
	assert_int_equal(mb_run(m, OP_GET_FEAT, in, 0x15), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 4);
	assert_int_equal(m->out[1], 5);
	assert_int_equal(m->out[3], 1);
}

static bool list_overflow(struct mb *m)
{
	uint8_t in[16];
	uint64_t units = (UINT64_C(1280) << 20) / 64;

	memset(in, 0, sizeof(in));
	for (unsigned int i = 0; i < 8; i++)
		in[8 + i] = (uint8_t)(units >> (8 * i));
	assert_int_equal(mb_run(m, OP_POISON_LIST, in, 16), CXLEMU_MBOX_SUCCESS);
	return m->out[0] & 2;
}

/*
 * Poisoning (host API) a line already inside a listed range of the same
 * source while the poison list is full: md_poison_add() removes the line
 * first, the split's tail cannot be listed so list_new() sets Poison List
 * Overflow, then the merge puts the range back together as one listed
 * record.  Nothing was lost but Get Poison List reports Overflow.
 */
static void review_add_poison_inside_range_spurious_overflow(void **state)
{
	struct mb *m = *state;
	unsigned int i;

	/* Record 0: three lines; then 255 single separate lines: 256 listed. */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 0, 192, CXLEMU_POISON_EXTERNAL), 0);
	for (i = 1; i < 256; i++)
		assert_int_equal(cxlemu_memdev_add_poison(m->md, (uint64_t)i * 4096, 64,
							  CXLEMU_POISON_EXTERNAL), 0);
	assert_false(list_overflow(m));
	/* The middle line again, same source: no new poison at all. */
	assert_int_equal(cxlemu_memdev_add_poison(m->md, 64, 64, CXLEMU_POISON_EXTERNAL), 0);
	assert_false(list_overflow(m));
}

/*
 * Media Operations (4402h) is IN_MIN 8 bytes; mo_discovery() reads Start
 * Index and Number of Operations at in+8..in+11 (cmd_sanitize.c:195)
 * before checking in_len == 12: an 8-byte Discovery request reads 4 bytes
 * past the input (found by fuzz_mailbox; ASan heap-buffer-overflow).
 */
static void review_media_ops_discovery_short_input_overread(void **state)
{
	struct mb *m = *state;
	uint8_t *in = calloc(1, 8); /* class 0, subclass 0, count 0 */

	assert_non_null(in);
	assert_int_equal(mb_run(m, 0x4402, in, 8), CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH);
	free(in);
}

/* Review 2: dynamic capacity and event interrupt policy. */
#define OP_EXTENTS 0x4801
#define OP_ADD_RSP 0x4802
#define OP_RELEASE 0x4803
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int update(struct mb *m, uint16_t op, uint8_t flags, uint64_t dpa, uint64_t len)
{
	uint8_t in[8 + 24];

	memset(in, 0, sizeof(in));
	put(in, 1, 4);
	in[4] = flags;
	put(in + 8, dpa, 8);
	put(in + 16, len, 8);
	return mb_run(m, op, in, sizeof(in));
}

static uint32_t nextents(struct mb *m)
{
	uint8_t in[8] = { 0 };

	assert_int_equal(mb_run(m, OP_EXTENTS, in, 8), CXLEMU_MBOX_SUCCESS);
	return (uint32_t)test_le(m->out + 4, 4);
}

static struct cxlemu_dc_extent ext(uint64_t dpa, uint64_t len)
{
	struct cxlemu_dc_extent e;

	memset(&e, 0, sizeof(e));
	e.dpa = dpa;
	e.len = len;
	return e;
}

/*
 * The FM forcibly releases capacity the host accepted in a partial (More)
 * response; the offer it came from is still open, and the host's last
 * response accepts the same range again: capacity the device took away is
 * backed again, without any new offer.
 */
static void test_dc_reaccept_after_forced_release(void **state)
{
	struct mb *m = mb_new();
	const uint64_t base = 2 * GIB, B = 2 * MIB;
	struct cxlemu_dc_extent e = ext(base, 2 * B), r = ext(base, B);

	(void)state;
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &e, 1), 0);
	assert_int_equal(update(m, OP_ADD_RSP, 1, base, B), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(nextents(m), 1);
	assert_int_equal(cxlemu_memdev_dc_release(m->md, 0, 0, &r, 1, true), 0);
	assert_int_equal(nextents(m), 0);
	assert_false(cxlemu_memdev_dc_backed(m->md, base, B));
	/* The released block was already answered; it is not on offer. */
	assert_int_equal(update(m, OP_ADD_RSP, 0, base, B),
			 CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_false(cxlemu_memdev_dc_backed(m->md, base, B));
	mb_free(m);
}

/* Same with the host's own Release Dynamic Capacity between the partial
 * responses. */
static void test_dc_reaccept_after_host_release(void **state)
{
	struct mb *m = mb_new();
	const uint64_t base = 2 * GIB, B = 2 * MIB;
	struct cxlemu_dc_extent e = ext(base, 2 * B);

	(void)state;
	assert_int_equal(cxlemu_memdev_dc_add(m->md, 0, 0, &e, 1), 0);
	assert_int_equal(update(m, OP_ADD_RSP, 1, base, B), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(update(m, OP_RELEASE, 0, base, B), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(nextents(m), 0);
	assert_int_equal(update(m, OP_ADD_RSP, 0, base, B),
			 CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS);
	assert_int_equal(nextents(m), 0);
	mb_free(m);
}

/* A device without DC took a fifth Set Event Interrupt Policy byte with a
 * message number and echoed it as the settings of a log that does not
 * exist; now the byte, when sent, must be 0. */
static void test_irq_policy_dc_byte_without_dc(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	uint8_t in[5] = { 0x01, 0x01, 0x01, 0x01, 0xf0 };

	(void)state;
	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.dc_nregions = 0;
	memset(m->mcfg.dc, 0, sizeof(m->mcfg.dc));
	mb_start(m);
	assert_int_equal(mb_run(m, 0x0103, in, 5), CXLEMU_MBOX_INVALID_INPUT);
	assert_int_equal(mb_run(m, 0x0102, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out_len, 5);
	assert_int_equal(test_le(m->out, 5), 0);  /* nothing applied */
	in[4] = 0;
	assert_int_equal(mb_run(m, 0x0103, in, 5), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(mb_run(m, 0x0102, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(test_le(m->out, 5), 0x01010101);
	mb_free(m);
}

static int setup(void **state)
{
	*state = mb_new();
	return 0;
}

static int teardown(void **state)
{
	mb_free(*state);
	return 0;
}

/* Media Operations ranges that overlap are refused: one command could
 * otherwise make the host overwrite the device once per range. */
static void review_media_ops_overlapping_ranges(void **state)
{
	struct mb *m = *state;
	uint8_t in[8 + 2 * 16];

	memset(in, 0, sizeof(in));
	in[0] = 1;  /* class: sanitize */
	in[1] = 1;  /* zero */
	in[4] = 2;  /* two ranges */
	in[8 + 8] = 0x80;            /* [0, 128) */
	in[24] = 0x40;               /* [64, 128) */
	in[24 + 8] = 0x40;
	assert_int_equal(mb_run(m, 0x4402, in, sizeof(in)), CXLEMU_MBOX_INVALID_INPUT);
	in[24] = 0x80;               /* [128, 192): adjacent is fine */
	assert_int_equal(mb_run(m, 0x4402, in, sizeof(in)), CXLEMU_MBOX_BG_STARTED);
}

/* A host whose zeroing callback polls the CCI (as a front-end that runs
 * its timers from any callback might): the sanitize finishes once. */
static struct mb *reentrant;
static unsigned int reentrant_zeroes;

static int zero_and_poll(void *opaque, uint64_t dpa, uint64_t len)
{
	(void)opaque;
	(void)dpa;
	(void)len;
	reentrant_zeroes++;
	cxlemu_cci_poll(reentrant->cci);
	return 0;
}

static void review_finish_not_reentered(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));

	(void)state;
	assert_non_null(m);
	mb_default_config(m);
	m->mcfg.host.media_zero = zero_and_poll;
	mb_start(m);
	reentrant = m;
	reentrant_zeroes = 0;
	assert_int_equal(mb_run(m, 0x4400, NULL, 0), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, UINT64_C(1) << 40);
	/* Static capacity and one DC region: two zeroings, one completion. */
	assert_int_equal(reentrant_zeroes, 2);
	assert_false(cxlemu_memdev_media_disabled(m->md));
	assert_int_equal(mb_run(m, 0x0002, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0], 100 << 1);
	mb_free(m);
}

/* Percent complete of a short operation: 100 ns into 199 ns is 50 %. */
static void review_percent_of_short_operation(void **state)
{
	struct mb *m = *state;
	uint8_t in[17];

	memset(in, 0, sizeof(in));
	in[8] = 12;  /* scan 12 lines: 192 ns at 16 ns a line */
	assert_int_equal(mb_run(m, 0x4304, in, 17), CXLEMU_MBOX_BG_STARTED);
	mb_advance(m, 96);
	assert_int_equal(mb_run(m, 0x0002, NULL, 0), CXLEMU_MBOX_SUCCESS);
	assert_int_equal(m->out[0] >> 1, 50);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(review_set_partition_immediate_activates_staged_fw),
		T(review_set_partition_immediate_aborts_fw_transfer),
		T(review_set_partition_immediate_reverts_features),
		T(review_add_poison_inside_range_spurious_overflow),
		T(review_media_ops_discovery_short_input_overread),
		T(review_media_ops_overlapping_ranges),
		cmocka_unit_test(review_finish_not_reentered),
		T(review_percent_of_short_operation),
		cmocka_unit_test(test_dc_reaccept_after_forced_release),
		cmocka_unit_test(test_dc_reaccept_after_host_release),
		cmocka_unit_test(test_irq_policy_dc_byte_without_dc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
