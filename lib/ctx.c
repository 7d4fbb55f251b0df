/* SPDX-License-Identifier: MIT */
/* The library context: host services and logging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int cxlemu_ctx_new(const struct cxlemu_host_ops *ops, void *opaque,
		   struct cxlemu_ctx **out)
{
	struct cxlemu_ctx *ctx;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (ops && (ops->version == 0 ||
		    ops->version > CXLEMU_HOST_OPS_VERSION))
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	if (ops)
		ctx->ops = *ops;
	ctx->ops.version = CXLEMU_HOST_OPS_VERSION;
	ctx->opaque = opaque;
	ctx->log_level = CXLEMU_LOG_WARN;
	*out = ctx;
	return 0;
}

void cxlemu_ctx_free(struct cxlemu_ctx *ctx)
{
	free(ctx);
}

void cxlemu_ctx_set_log_level(struct cxlemu_ctx *ctx, int level)
{
	if (ctx)
		ctx->log_level = level;
}

uint64_t cxlemu_ctx_now_ns(const struct cxlemu_ctx *ctx)
{
	if (!ctx || !ctx->ops.now_ns)
		return 0;
	return ctx->ops.now_ns(ctx->opaque);
}

void cxlemu_log(const struct cxlemu_ctx *ctx, int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!ctx || !ctx->ops.log || level > ctx->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->ops.log(ctx->opaque, level, buf);
}
