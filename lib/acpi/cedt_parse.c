/* SPDX-License-Identifier: MIT */
/*
 * CEDT parsing: every length is checked against the bytes that are there
 * before anything is read, every encoding is decoded with its checks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "cedt.h"
#include "../le.h"

#include <cxlemu/acpi.h>

static int bad(struct cxlemu_ctx *ctx, char *err, size_t errlen, const char *fmt, ...)
	CXLEMU_PRINTF(4, 5);

static int bad(struct cxlemu_ctx *ctx, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	cxlemu_err(ctx, "cedt: %s", msg);
	return -EINVAL;
}

void cxlemu_cedt_free(struct cxlemu_cedt *c)
{
	if (!c)
		return;
	free(c->chbs);
	free(c->cfmws);
	free(c->cxims);
	free(c);
}

static void copy_text(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	/* Printable ASCII only: a table is untrusted input. */
	for (i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[n] = '\0';
}

int cxlemu_cedt_parse(struct cxlemu_ctx *ctx, const uint8_t *buf, size_t len,
		      struct cxlemu_cedt **out, char *err, size_t errlen)
{
	struct cxlemu_cedt *c;
	uint32_t tlen, off, n[4] = { 0 };
	uint8_t sum = 0;
	int pass, rc = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!out || (!buf && len))
		return -EINVAL;
	*out = NULL;
	if (len < CEDT_HEADER_LEN)
		return bad(ctx, err, errlen, "%zu bytes: shorter than an ACPI header (36)", len);
	if (memcmp(buf, "CEDT", 4))
		return bad(ctx, err, errlen, "signature is not CEDT");
	tlen = (uint32_t)get_le(buf + 4, 4);
	if (tlen < CEDT_HEADER_LEN || tlen > len)
		return bad(ctx, err, errlen, "header length %u outside 36..%zu", tlen, len);
	for (off = 0; off < tlen; off++)
		sum = (uint8_t)(sum + buf[off]);
	if (sum)
		return bad(ctx, err, errlen, "checksum wrong (bytes sum to 0x%02x)", sum);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->length = tlen;
	c->revision = buf[8];
	copy_text(c->oem_id, buf + 10, 6);
	copy_text(c->oem_table_id, buf + 16, 8);
	c->oem_revision = (uint32_t)get_le(buf + 24, 4);
	copy_text(c->creator_id, buf + 28, 4);
	c->creator_revision = (uint32_t)get_le(buf + 32, 4);
	/* Pass 0 counts and validates lengths, pass 1 decodes. */
	for (pass = 0; pass < 2 && !rc; pass++) {
		uint32_t i[4] = { 0 };

		if (pass == 1) {
			c->chbs = calloc(n[0] ? n[0] : 1, sizeof(*c->chbs));
			c->cfmws = calloc(n[1] ? n[1] : 1, sizeof(*c->cfmws));
			c->cxims = calloc(n[2] ? n[2] : 1, sizeof(*c->cxims));
			if (!c->chbs || !c->cfmws || !c->cxims) {
				rc = -ENOMEM;
				break;
			}
		}
		for (off = CEDT_HEADER_LEN; off < tlen && !rc;) {
			const uint8_t *r = buf + off;
			uint32_t type, rlen;

			if (tlen - off < 4) {
				rc = bad(ctx, err, errlen, "offset %u: %u stray bytes after the last record",
					 off, tlen - off);
				break;
			}
			type = r[0];
			rlen = (uint32_t)get_le(r + 2, 2);
			if (rlen < 4 || rlen > tlen - off) {
				rc = bad(ctx, err, errlen, "offset %u: record length %u outside 4..%u",
					 off, rlen, tlen - off);
				break;
			}
			switch (type) {
			case CEDT_TYPE_CHBS:
				if (rlen != CEDT_CHBS_LEN) {
					rc = bad(ctx, err, errlen, "offset %u: CHBS length %u, not 32", off, rlen);
					break;
				}
				if (pass) {
					struct cxlemu_cedt_chbs *h = &c->chbs[i[0]];

					h->uid = (uint32_t)get_le(r + 4, 4);
					h->cxl_version = (uint32_t)get_le(r + 8, 4);
					h->base = get_le(r + 16, 8);
					h->length = get_le(r + 24, 8);
				}
				i[0]++;
				break;
			case CEDT_TYPE_CFMWS: {
				unsigned int eiw, eig, ways, k;
				uint64_t gran, base, size;

				if (rlen < CEDT_CFMWS_LEN) {
					rc = bad(ctx, err, errlen, "offset %u: CFMWS length %u below 36", off, rlen);
					break;
				}
				eiw = r[24];
				eig = (unsigned int)get_le(r + 28, 4);
				base = get_le(r + 8, 8);
				size = get_le(r + 16, 8);
				if (cxlemu_eiw_to_ways(eiw, &ways) ||
				    (uint32_t)get_le(r + 28, 4) > CXLEMU_MAX_EIG ||
				    cxlemu_eig_to_gran(eig, &gran)) {
					rc = bad(ctx, err, errlen, "offset %u: CFMWS interleave ways %u or granularity %u reserved",
						 off, eiw, (unsigned int)get_le(r + 28, 4));
					break;
				}
				if (rlen < CEDT_CFMWS_LEN + 4 * ways) {
					rc = bad(ctx, err, errlen, "offset %u: CFMWS length %u too short for %u targets",
						 off, rlen, ways);
					break;
				}
				if (r[25] > CXLEMU_ARITH_XOR) {
					rc = bad(ctx, err, errlen, "offset %u: CFMWS interleave arithmetic %u unknown",
						 off, r[25]);
					break;
				}
				if ((base | size) & (SZ_256M - 1) || size == 0 ||
				    base >= CXLEMU_ADDR_LIMIT || size > CXLEMU_ADDR_LIMIT - base) {
					rc = bad(ctx, err, errlen, "offset %u: CFMWS window 0x%llx+0x%llx not 256 MiB aligned inside 52 bits",
						 off, (unsigned long long)base, (unsigned long long)size);
					break;
				}
				if (pass) {
					struct cxlemu_cedt_cfmws *f = &c->cfmws[i[1]];

					f->base = base;
					f->size = size;
					f->eiw = eiw;
					f->ways = ways;
					f->eig = eig;
					f->gran = (uint32_t)gran;
					f->arith = r[25];
					f->restrictions = (uint32_t)get_le(r + 32, 2);
					f->qtg_id = (uint32_t)get_le(r + 34, 2);
					for (k = 0; k < ways; k++)
						f->targets[k] = (uint32_t)get_le(r + CEDT_CFMWS_LEN + 4 * k, 4);
				}
				i[1]++;
				break;
			}
			case CEDT_TYPE_CXIMS: {
				unsigned int nmaps, k;

				if (rlen < CEDT_CXIMS_LEN) {
					rc = bad(ctx, err, errlen, "offset %u: CXIMS length %u below 8", off, rlen);
					break;
				}
				nmaps = r[7];
				if (nmaps > CXLEMU_MAX_XORMAPS || r[6] > CXLEMU_MAX_EIG ||
				    rlen != CEDT_CXIMS_LEN + 8 * nmaps) {
					rc = bad(ctx, err, errlen, "offset %u: CXIMS with %u maps (at most 4), granularity %u, length %u",
						 off, nmaps, r[6], rlen);
					break;
				}
				if (pass) {
					struct cxlemu_cedt_cxims *x = &c->cxims[i[2]];

					x->eig = r[6];
					x->nmaps = nmaps;
					for (k = 0; k < nmaps; k++)
						x->maps[k] = get_le(r + CEDT_CXIMS_LEN + 8 * k, 8);
				}
				i[2]++;
				break;
			}
			default:
				if (pass)
					cxlemu_info(ctx, "cedt: offset %u: record type %u (%u bytes) skipped",
						    off, type, rlen);
				i[3]++;
				break;
			}
			off += rlen;
		}
		if (pass == 0)
			memcpy(n, i, sizeof(n));
	}
	if (rc) {
		cxlemu_cedt_free(c);
		return rc;
	}
	c->nchbs = n[0];
	c->ncfmws = n[1];
	c->ncxims = n[2];
	c->nunknown = n[3];
	*out = c;
	return 0;
}
