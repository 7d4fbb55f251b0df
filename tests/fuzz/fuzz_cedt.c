/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: any bytes as a CEDT.  A rejection comes with a message;
 * an accepted table decodes to records whose encodings are legal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <cxlemu/cxlemu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cxlemu_cedt *c;
	char err[256];
	uint32_t i;
	int rc = cxlemu_cedt_parse(NULL, data, size, &c, err, sizeof(err));

	if (rc) {
		if (rc != -EINVAL || !err[0])
			abort();
		return 0;
	}
	if (c->length > size)
		abort();
	for (i = 0; i < c->ncfmws; i++) {
		unsigned int ways;

		if (cxlemu_eiw_to_ways(c->cfmws[i].eiw, &ways) || ways != c->cfmws[i].ways ||
		    c->cfmws[i].gran != 256u << c->cfmws[i].eig || c->cfmws[i].arith > 1)
			abort();
	}
	for (i = 0; i < c->ncxims; i++)
		if (c->cxims[i].nmaps > CXLEMU_MAX_XORMAPS)
			abort();
	cxlemu_cedt_free(c);
	return 0;
}
