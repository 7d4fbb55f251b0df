/* SPDX-License-Identifier: MIT */
/* A small JSON writer for the CLI's --json output. */
#ifndef CXLEMU_CLI_JSON_H
#define CXLEMU_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool first[32];
};

void json_begin(struct json *j, FILE *f);
void json_obj(struct json *j, const char *key);  /* key NULL inside arrays */
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_fixed(struct json *j, const char *key, double v, int decimals); /* finite v */
void json_hex(struct json *j, const char *key, uint64_t v); /* "0x..." */
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_finish(struct json *j);

#endif
