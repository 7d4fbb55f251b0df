/* SPDX-License-Identifier: MIT */
/* Library-private helpers shared by every part. */
#ifndef CXLEMU_INTERNAL_H
#define CXLEMU_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>

struct cxlemu_ctx {
	struct cxlemu_host_ops ops;
	void *opaque;
	int log_level;
};

#if defined(__GNUC__)
#define CXLEMU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CXLEMU_PRINTF(a, b)
#endif

/* Logs through the context's host callback; ctx may be NULL (dropped). */
void cxlemu_log(const struct cxlemu_ctx *ctx, int level, const char *fmt, ...)
	CXLEMU_PRINTF(3, 4);

#define cxlemu_err(ctx, ...) cxlemu_log((ctx), CXLEMU_LOG_ERR, __VA_ARGS__)
#define cxlemu_warn(ctx, ...) cxlemu_log((ctx), CXLEMU_LOG_WARN, __VA_ARGS__)
#define cxlemu_info(ctx, ...) cxlemu_log((ctx), CXLEMU_LOG_INFO, __VA_ARGS__)
#define cxlemu_dbg(ctx, ...) cxlemu_log((ctx), CXLEMU_LOG_DEBUG, __VA_ARGS__)

#define CXLEMU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define SZ_256M (UINT64_C(256) << 20)

static inline bool cxlemu_is_aligned(uint64_t v, uint64_t a)
{
	return (v & (a - 1)) == 0;
}

#endif /* CXLEMU_INTERNAL_H */
