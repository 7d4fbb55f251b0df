/* SPDX-License-Identifier: MIT */
/**
 * @file common.h
 * @brief Library context, host services, error codes and logging.
 *
 * Every object of the library hangs off a context (struct cxlemu_ctx); no global
 * state exists, so several emulated machines can live in one process.  Library calls
 * return 0 or a negative errno value and set no global error; every rejection
 * is also explained by a message through the context's log callback.
 *
 * Thread safety: a context is single-writer.  Logging may be called from any
 * thread that uses objects of the context.
 */
#ifndef CXLEMU_COMMON_H
#define CXLEMU_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a symbol exported from the shared library. */
#if defined(CXLEMU_BUILDING) && defined(__GNUC__)
#define CXLEMU_EXPORT __attribute__((visibility("default")))
#else
#define CXLEMU_EXPORT
#endif

/** Major version of the library API. */
#define CXLEMU_VERSION_MAJOR 0
/** Minor version of the library API. */
#define CXLEMU_VERSION_MINOR 1

/** Severity of a log message. */
enum cxlemu_log_level {
	CXLEMU_LOG_ERR = 3,   /**< an operation was rejected or failed */
	CXLEMU_LOG_WARN = 4,  /**< suspicious input that was accepted */
	CXLEMU_LOG_INFO = 6,  /**< state changes worth telling a user */
	CXLEMU_LOG_DEBUG = 7, /**< detail for developers */
};

/** Version of struct cxlemu_host_ops understood by this library. */
#define CXLEMU_HOST_OPS_VERSION 1

/**
 * Services the host (front-end) provides to the library.
 *
 * The struct starts with a version so that fields can be added at the end
 * without breaking callers: set @ref version to CXLEMU_HOST_OPS_VERSION.
 * Every callback is optional; a NULL callback gets a sensible default
 * (logging goes nowhere, the clock reads 0).
 */
struct cxlemu_host_ops {
	/** Must be CXLEMU_HOST_OPS_VERSION (or an older supported version). */
	uint32_t version;
	/** Reserved, must be 0. */
	uint32_t reserved;
	/**
	 * Receives every log message at or below the context's log level.
	 * @param opaque the host's pointer given to cxlemu_ctx_new()
	 * @param level  a value of enum cxlemu_log_level
	 * @param msg    NUL-terminated message without trailing newline
	 */
	void (*log)(void *opaque, int level, const char *msg);
	/**
	 * Current time in nanoseconds on the host's clock (simulated or real).
	 * @param opaque the host's pointer given to cxlemu_ctx_new()
	 */
	uint64_t (*now_ns)(void *opaque);
};

/** A library context: owns logging and host services. Opaque. */
struct cxlemu_ctx;

/**
 * Creates a context.
 *
 * @param ops    host services, copied; may be NULL for none
 * @param opaque passed back to every host callback
 * @param out    receives the new context, owned by the caller
 * @return 0, -EINVAL for a NULL @p out or an unsupported ops version,
 *         -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_ctx_new(const struct cxlemu_host_ops *ops,
				 void *opaque, struct cxlemu_ctx **out);

/**
 * Frees a context. Objects created from it must have been freed first.
 * @param ctx the context, or NULL
 */
CXLEMU_EXPORT void cxlemu_ctx_free(struct cxlemu_ctx *ctx);

/**
 * Sets the most verbose level passed to the log callback.
 * @param ctx   the context
 * @param level a value of enum cxlemu_log_level (default CXLEMU_LOG_WARN)
 */
CXLEMU_EXPORT void cxlemu_ctx_set_log_level(struct cxlemu_ctx *ctx,
					    int level);

/**
 * Reads the host clock through the context's host ops.
 * @param ctx the context
 * @return nanoseconds, or 0 when the host gave no clock
 */
CXLEMU_EXPORT uint64_t cxlemu_ctx_now_ns(const struct cxlemu_ctx *ctx);

/**
 * Turns a return code of the library into a readable string.
 *
 * @param err a negative errno value returned by a library call (0 is "ok")
 * @return a static string, never NULL
 */
CXLEMU_EXPORT const char *cxlemu_strerror(int err);

/**
 * Returns the library's version string, e.g. "0.1.0".
 * @return a static string
 */
CXLEMU_EXPORT const char *cxlemu_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_COMMON_H */
