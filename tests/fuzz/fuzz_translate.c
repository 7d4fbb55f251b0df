/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the `cxlemu translate` query language. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../frontends/cli/translate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[512];
	int rc = translate_line((const char *)data, size, out, sizeof(out));

	/* One line, and either an answer or an error. */
	if (memchr(out, '\n', strlen(out)))
		abort();
	if (rc && strncmp(out, "error: ", 7))
		abort();
	if (!rc && strncmp(out, "hpa=0x", 6) && strncmp(out, "pos=", 4))
		abort();
	return 0;
}
