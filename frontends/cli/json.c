/* SPDX-License-Identifier: MIT */
#include <inttypes.h>

#include "json.h"

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
}

static void escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void sep(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		escape(j->f, key);
		fputc(':', j->f);
	}
}

static void open_(struct json *j, const char *key, char c)
{
	sep(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < 32)
		j->depth++;
	j->first[j->depth] = true;
}

void json_obj(struct json *j, const char *key) { open_(j, key, '{'); }
void json_arr(struct json *j, const char *key) { open_(j, key, '['); }

void json_end_obj(struct json *j)
{
	fputc('}', j->f);
	if (j->depth)
		j->depth--;
}

void json_end_arr(struct json *j)
{
	fputc(']', j->f);
	if (j->depth)
		j->depth--;
}

void json_str(struct json *j, const char *key, const char *v)
{
	sep(j, key);
	escape(j->f, v);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	sep(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_fixed(struct json *j, const char *key, double v, int decimals)
{
	sep(j, key);
	fprintf(j->f, "%.*f", decimals, v);
}

void json_hex(struct json *j, const char *key, uint64_t v)
{
	sep(j, key);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	sep(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	sep(j, key);
	fputs("null", j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
}
