/* SPDX-License-Identifier: MIT */
/*
 * Logs (CXL 3.1 8.2.9.5): Get Supported Logs, Get Log, Get Log
 * Capabilities, Clear Log and Get Supported Logs Sub-List for the Command
 * Effects Log, which is generated from the command table.
 */
#include <string.h>

#include "cci_priv.h"
#include "../le.h"
#include "cmds.h"

/* CEL UUID 0da9c0b5-bf41-4b78-8f79-96b1623b3f17 (8.2.9.5.2.1), in the byte
 * order the Log Identifier field carries. */
static const uint8_t cel_uuid[16] = {
	0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
	0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17,
};

/* CEL entries of the commands this CCI runs, 4 bytes each. */
static size_t cel_size(const struct cxlemu_cci *cci)
{
	size_t i, n = 0;

	for (i = 0; i < cxlemu_cci_ncmds; i++)
		n += cci_cmd_available(cci, &cxlemu_cci_cmds[i]);
	return 4 * n;
}

/* Get Supported Logs (0400h), Table 8-72. */
int cci_get_supported_logs(struct cxlemu_cci *cci, const uint8_t *in,
			   size_t in_len, struct cci_out *out)
{
	size_t i;

	(void)in;
	(void)in_len;
	if (!cci_put(out, 0, 1, 2) || !cci_put(out, 2, 0, 6) ||
	    !cci_put(out, 8 + 16, cel_size(cci), 4))
		return CXLEMU_MBOX_INTERNAL_ERROR;
	for (i = 0; i < sizeof(cel_uuid); i++)
		out->buf[8 + i] = cel_uuid[i];
	return CXLEMU_MBOX_SUCCESS;
}

/* Get Log (0401h), Table 8-73: UUID, offset, length. */
int cci_get_log(struct cxlemu_cci *cci, const uint8_t *in, size_t in_len,
		struct cci_out *out)
{
	uint32_t off = (uint32_t)get_le(in + 16, 4), len = (uint32_t)get_le(in + 20, 4);
	size_t i, pos = 0, size = cel_size(cci);

	(void)in_len;
	if (memcmp(in, cel_uuid, 16))
		return CXLEMU_MBOX_INVALID_LOG;
	/* The range must lie inside the log and the response. */
	if (off > size || len > size - off || len > out->cap)
		return CXLEMU_MBOX_INVALID_INPUT;
	for (i = 0; i < cxlemu_cci_ncmds; i++) {
		const struct cci_cmd *c = &cxlemu_cci_cmds[i];
		uint8_t e[4];
		unsigned int k;

		if (!cci_cmd_available(cci, c))
			continue;
		e[0] = (uint8_t)c->opcode;
		e[1] = (uint8_t)(c->opcode >> 8);
		e[2] = (uint8_t)c->effects;
		e[3] = (uint8_t)(c->effects >> 8);
		for (k = 0; k < 4; k++, pos++)
			if (pos >= off && pos < (size_t)off + len)
				out->buf[pos - off] = e[k];
	}
	out->len = len;
	return CXLEMU_MBOX_SUCCESS;
}

/* Get Log Capabilities parameter flags (Table 8-78). */
#define LOG_CAP_CLEAR (1u << 0)
#define LOG_CAP_POPULATE (1u << 1)
#define LOG_CAP_AUTO_POPULATE (1u << 2)
#define LOG_CAP_PERSISTENT (1u << 3)

/* Get Log Capabilities (0402h): Log Identifier in, 4 bytes of parameter
 * flags out.  The CEL is fixed by the command table: neither clearable
 * nor populated, the same after a cold reset.  Unknown logs: Invalid Log. */
HANDLER(cci_get_log_caps)
{
	(void)cci;
	(void)in_len;
	if (memcmp(in, cel_uuid, 16))
		return CXLEMU_MBOX_INVALID_LOG;
	return cci_put(out, 0, LOG_CAP_PERSISTENT, 4) ? CXLEMU_MBOX_SUCCESS :
							CXLEMU_MBOX_INTERNAL_ERROR;
}

/* Clear Log (0403h): Log Identifier in.  A log whose capabilities do not
 * include Clear Log (the CEL) is refused with Invalid Input; unknown logs
 * are Invalid Log. */
HANDLER(cci_clear_log)
{
	(void)cci;
	(void)in_len;
	(void)out;
	if (memcmp(in, cel_uuid, 16))
		return CXLEMU_MBOX_INVALID_LOG;
	return CXLEMU_MBOX_INVALID_INPUT;
}

/* Get Supported Logs Sub-List (0405h): Maximum Number of Supported Log
 * Entries and Start Log Entry Index in; number returned, total, start
 * index, then 20-byte entries out.  A start index past the last log is
 * Invalid Input. */
HANDLER(cci_get_supported_logs_sublist)
{
	unsigned int max = in[0], start = in[1], total = 1, n, i;

	(void)in_len;
	if (start >= total)
		return CXLEMU_MBOX_INVALID_INPUT;
	n = total - start < max ? total - start : max;
	if (out->cap < 8 + 20 * (size_t)n)
		return CXLEMU_MBOX_INTERNAL_ERROR;
	memset(out->buf, 0, 8 + 20 * (size_t)n);
	out->buf[0] = (uint8_t)n;
	put_le(out->buf + 2, total, 2);
	out->buf[4] = (uint8_t)start;
	for (i = 0; i < n; i++) {
		/* Only the CEL (index 0) exists. */
		memcpy(out->buf + 8 + 20 * i, cel_uuid, 16);
		put_le(out->buf + 8 + 20 * i + 16, cel_size(cci), 4);
	}
	out->len = 8 + 20 * (size_t)n;
	return CXLEMU_MBOX_SUCCESS;
}
