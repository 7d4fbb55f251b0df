/* SPDX-License-Identifier: MIT */
/* `cxlemu translate`: one query line in, one answer line out. */
#ifndef CXLEMU_CLI_TRANSLATE_H
#define CXLEMU_CLI_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest query line accepted, in bytes. */
#define TRANSLATE_MAX_LINE 4096

/*
 * Answers one query of the grammar
 *   dpa2hpa (ways=N|eiw=N) (gran=N|eig=N) dpa=X pos=P [xor=M0,M1,...]
 *   hpa2dpa (ways=N|eiw=N) (gran=N|eig=N) hpa=X [xor=M0,M1,...]
 * writing "hpa=H", "pos=P dpa=D" or "error: reason" (no newline) to @out.
 * @line need not be NUL-terminated; @len bytes are read.
 * Returns 0 for an answer, -1 for an error line.
 */
int translate_line(const char *line, size_t len, char *out, size_t outlen);

/* Parses @len bytes of decimal or 0x-hex: no sign, no blanks, no overflow. */
bool parse_u64(const char *s, size_t len, uint64_t *v);

/* Parses @len bytes of a parse_u64() number with an optional K, M, G or T
 * suffix (either case: 2^10, 2^20, 2^30, 2^40), refusing an overflow. */
bool parse_size(const char *s, size_t len, uint64_t *v);

#endif
