/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the line parser of `cxlemu trace` (both formats: ours
 * and gem5's ASCII packet trace), fed the input as a trace of lines.
 * Invariants: every line is an access, nothing, or an error; an access
 * has a size of 1 to 4096 bytes; ticks never go backwards; once a line of
 * one format is accepted, a line of the other is refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parser reports each bad line on stderr; millions of them would bury
 * the fuzzer's own report there, so the tool's messages go nowhere. */
static int quiet_fprintf(FILE *f, const char *fmt, ...)
{
	(void)f;
	(void)fmt;
	return 0;
}
#define fprintf quiet_fprintf

/* The parser is static to the tool: take the file whole. */
#include "../../frontends/cli/trace.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[MAX_LINE + 1];
	struct replay r;
	size_t p = 0;

	memset(&r, 0, sizeof(r));
	r.path = "fuzz";
	while (p < size) {
		const uint8_t *nl = memchr(data + p, '\n', size - p);
		size_t n = nl ? (size_t)(nl - (data + p)) : size - p;
		uint64_t tick = 0, addr = 0, len = 0, before = r.last_ps;
		bool write = false, was_started = r.started;
		enum fmt fmt_before = r.fmt;
		int rc;

		if (n > MAX_LINE)
			n = MAX_LINE;
		memcpy(line, data + p, n);
		line[n] = '\0';
		p += (nl ? (size_t)(nl - (data + p)) + 1 : size - p);
		if (strlen(line) != n)
			continue;  /* an embedded NUL: the tool reads text lines */
		r.line++;
		rc = parse_line(&r, line, &tick, &write, &addr, &len);
		if (rc != -1 && rc != 0 && rc != 1)
			abort();
		if (rc == 1 && (len == 0 || len > 4096))
			abort();
		if (rc >= 0 && r.started && was_started && r.last_ps < before)
			abort();
		if (rc == -1 && (r.fmt != fmt_before || r.last_ps != before))
			abort();  /* a refused line changes nothing */
		if (fmt_before != FMT_NONE && r.fmt != fmt_before)
			abort();
	}
	return 0;
}
