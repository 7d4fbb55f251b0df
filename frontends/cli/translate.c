/* SPDX-License-Identifier: MIT */
/*
 * The query language of `cxlemu translate`.  Every field is checked before
 * anything is computed; a bad query gets one line naming what is wrong.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cxlemu/cxlemu.h>

#include "translate.h"

#define MAX_TOKENS 16

struct query {
	bool dpa2hpa;
	bool has_ways, has_eiw, has_gran, has_eig, has_addr, has_pos, has_xor;
	uint64_t ways, eiw, gran, eig, addr, pos;
	uint64_t xor_maps[CXLEMU_MAX_XORMAPS];
	unsigned int nxor;
};

__attribute__((format(printf, 3, 4)))
static int errf(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(out, outlen, "error: ");

	char *c;

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < outlen)
		vsnprintf(out + n, outlen - (size_t)n, fmt, ap);
	va_end(ap);
	/* Echoed input must not break the one-line answer. */
	for (c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -1;
}

/* Decimal or 0x-hex, the whole token, no sign, no overflow. */
bool parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0, base = 10, d;
	size_t i = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (uint64_t)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (uint64_t)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (uint64_t)(c - 'A' + 10);
		else
			return false;
		if (x > (UINT64_MAX - d) / base)
			return false;
		x = x * base + d;
	}
	*v = x;
	return true;
}

bool parse_size(const char *s, size_t len, uint64_t *v)
{
	unsigned int shift = 0;
	char c = len ? s[len - 1] : '\0';

	if (c == 'K' || c == 'k')
		shift = 10;
	else if (c == 'M' || c == 'm')
		shift = 20;
	else if (c == 'G' || c == 'g')
		shift = 30;
	else if (c == 'T' || c == 't')
		shift = 40;
	if (shift)
		len--;
	if (!parse_u64(s, len, v) || (shift && *v > (UINT64_MAX >> shift)))
		return false;
	*v <<= shift;
	return true;
}

static int parse_xor(struct query *q, const char *s, size_t len, char *out,
		     size_t outlen)
{
	size_t start = 0, i;

	q->nxor = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		if (q->nxor == CXLEMU_MAX_XORMAPS)
			return errf(out, outlen, "xor: more than %d maps",
				    CXLEMU_MAX_XORMAPS);
		if (!parse_u64(s + start, i - start, &q->xor_maps[q->nxor]))
			return errf(out, outlen, "xor: map %u is not a number",
				    q->nxor);
		q->nxor++;
		start = i + 1;
	}
	return 0;
}

static int set_field(struct query *q, const char *key, size_t klen,
		     const char *val, size_t vlen, char *out, size_t outlen)
{
	static const struct {
		const char *name;
		size_t off_has, off_val;
	} fields[] = {
#define F(n) { #n, offsetof(struct query, has_##n), offsetof(struct query, n) }
		F(ways), F(eiw), F(gran), F(eig), F(pos),
#undef F
		{ "hpa", offsetof(struct query, has_addr), offsetof(struct query, addr) },
		{ "dpa", offsetof(struct query, has_addr), offsetof(struct query, addr) },
	};
	size_t i;

	if (klen == 3 && !memcmp(key, "xor", 3)) {
		if (q->has_xor)
			return errf(out, outlen, "xor given twice");
		q->has_xor = true;
		return parse_xor(q, val, vlen, out, outlen);
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		bool *has = (bool *)((char *)q + fields[i].off_has);

		if (strlen(fields[i].name) != klen ||
		    memcmp(fields[i].name, key, klen))
			continue;
		/* hpa= belongs to hpa2dpa, dpa= and pos= to dpa2hpa. */
		if ((!strcmp(fields[i].name, "hpa") && q->dpa2hpa) ||
		    (!strcmp(fields[i].name, "dpa") && !q->dpa2hpa) ||
		    (!strcmp(fields[i].name, "pos") && !q->dpa2hpa))
			return errf(out, outlen, "%s= is not a field of %s",
				    fields[i].name,
				    q->dpa2hpa ? "dpa2hpa" : "hpa2dpa");
		if (*has)
			return errf(out, outlen, "%s given twice",
				    fields[i].name);
		if (!parse_u64(val, vlen,
			       (uint64_t *)((char *)q + fields[i].off_val)))
			return errf(out, outlen, "%s: '%.*s' is not a number",
				    fields[i].name, (int)(vlen > 40 ? 40 : vlen),
				    val);
		*has = true;
		return 0;
	}
	return errf(out, outlen, "unknown field '%.*s'",
		    (int)(klen > 40 ? 40 : klen), key);
}

/* Resolves ways/eiw and gran/eig to encodings. */
static int encodings(const struct query *q, unsigned int *eiw,
		     unsigned int *eig, char *out, size_t outlen)
{
	unsigned int ways;

	if (q->has_ways == q->has_eiw)
		return errf(out, outlen, "give exactly one of ways= and eiw=");
	if (q->has_gran == q->has_eig)
		return errf(out, outlen, "give exactly one of gran= and eig=");
	if (q->has_ways) {
		if (q->ways > UINT32_MAX ||
		    cxlemu_ways_to_eiw((unsigned int)q->ways, eiw))
			return errf(out, outlen,
				    "ways=%" PRIu64 " is not 1, 2, 3, 4, 6, 8, 12 or 16",
				    q->ways);
	} else {
		if (q->eiw > UINT32_MAX ||
		    cxlemu_eiw_to_ways((unsigned int)q->eiw, &ways))
			return errf(out, outlen,
				    "eiw=%" PRIu64 " is reserved (0-4 and 8-10 are defined)",
				    q->eiw);
		*eiw = (unsigned int)q->eiw;
	}
	if (q->has_gran) {
		if (cxlemu_gran_to_eig(q->gran, eig))
			return errf(out, outlen,
				    "gran=%" PRIu64 " is not a power of two from 256 to 16384",
				    q->gran);
	} else {
		if (q->eig > CXLEMU_MAX_EIG)
			return errf(out, outlen,
				    "eig=%" PRIu64 " is out of range 0-6", q->eig);
		*eig = (unsigned int)q->eig;
	}
	return 0;
}

int translate_line(const char *line, size_t len, char *out, size_t outlen)
{
	struct cxlemu_xormaps x;
	struct query q;
	unsigned int eiw, eig, ways, pos, maxmaps, i;
	size_t p = 0, tok, ntok = 0, eq;
	uint64_t res;
	int rc;

	memset(&q, 0, sizeof(q));
	if (len > TRANSLATE_MAX_LINE)
		return errf(out, outlen, "query longer than %d bytes",
			    TRANSLATE_MAX_LINE);
	for (;;) {
		while (p < len && (line[p] == ' ' || line[p] == '\t' ||
				   line[p] == '\r'))
			p++;
		if (p == len)
			break;
		tok = p;
		while (p < len && line[p] != ' ' && line[p] != '\t' &&
		       line[p] != '\r')
			p++;
		if (line[tok] == '\0' || memchr(line + tok, '\0', p - tok))
			return errf(out, outlen, "NUL byte in query");
		if (ntok++ == 0) {
			if (p - tok == 7 && !memcmp(line + tok, "dpa2hpa", 7))
				q.dpa2hpa = true;
			else if (p - tok == 7 && !memcmp(line + tok, "hpa2dpa", 7))
				q.dpa2hpa = false;
			else
				return errf(out, outlen,
					    "unknown query '%.*s' (dpa2hpa or hpa2dpa)",
					    (int)(p - tok > 40 ? 40 : p - tok),
					    line + tok);
			continue;
		}
		if (ntok > MAX_TOKENS)
			return errf(out, outlen, "too many fields");
		for (eq = tok; eq < p && line[eq] != '='; eq++)
			;
		if (eq == p || eq == tok)
			return errf(out, outlen, "'%.*s' is not key=value",
				    (int)(p - tok > 40 ? 40 : p - tok),
				    line + tok);
		rc = set_field(&q, line + tok, eq - tok, line + eq + 1,
			       p - eq - 1, out, outlen);
		if (rc)
			return rc;
	}
	if (ntok == 0)
		return errf(out, outlen, "empty query");
	rc = encodings(&q, &eiw, &eig, out, outlen);
	if (rc)
		return rc;
	cxlemu_eiw_to_ways(eiw, &ways);
	if (!q.has_addr)
		return errf(out, outlen, "%s= missing", q.dpa2hpa ? "dpa" : "hpa");
	if (q.dpa2hpa && !q.has_pos)
		return errf(out, outlen, "pos= missing");
	if (q.addr >= CXLEMU_ADDR_LIMIT)
		return errf(out, outlen, "%s=0x%" PRIx64 " beyond 52 bits",
			    q.dpa2hpa ? "dpa" : "hpa", q.addr);
	if (q.dpa2hpa && q.pos >= ways)
		return errf(out, outlen, "pos=%" PRIu64 " not below ways=%u",
			    q.pos, ways);
	/* One map per bit of the power-of-two factor of the ways. */
	for (maxmaps = 0; !((ways >> maxmaps) & 1); maxmaps++)
		;
	if (q.nxor > maxmaps)
		return errf(out, outlen, "%u xor maps for %u ways (at most %u)",
			    q.nxor, ways, maxmaps);
	for (i = 0; i < q.nxor; i++)
		if (q.xor_maps[i] == 0 || q.xor_maps[i] >= CXLEMU_ADDR_LIMIT)
			return errf(out, outlen,
				    "xor map %u must be non-zero and below 2^52", i);
	if (cxlemu_xormaps_init(&x, q.xor_maps, q.nxor))
		return errf(out, outlen, "xor maps share a lowest bit");
	/* Table 9-22: map i selects target bit i, interleave bit eig+8+i. */
	for (i = 0; i < q.nxor; i++)
		if (x.pivot[i] != eig + 8 + i)
			return errf(out, outlen,
				    "xor map %u (0x%" PRIx64 ") must have bit %u (interleave bit %u) as its lowest set bit",
				    i, q.xor_maps[i], eig + 8 + i, i);
	if (q.dpa2hpa) {
		rc = cxlemu_dpa_to_spa(q.addr, (unsigned int)q.pos, eiw, eig,
				       q.has_xor ? &x : NULL, &res);
		if (rc)
			return errf(out, outlen, "%s", rc == -ERANGE ?
				    "the HPA would not fit in 52 bits" :
				    cxlemu_strerror(rc));
		snprintf(out, outlen, "hpa=0x%" PRIx64, res);
		return 0;
	}
	rc = cxlemu_spa_to_dpa(q.addr, eiw, eig, q.has_xor ? &x : NULL, &pos,
			       &res);
	if (rc)
		return errf(out, outlen, "%s", cxlemu_strerror(rc));
	snprintf(out, outlen, "pos=%u dpa=0x%" PRIx64, pos, res);
	return 0;
}
