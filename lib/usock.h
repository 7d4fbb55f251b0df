/* SPDX-License-Identifier: MIT */
/* Unix stream sockets for the library's own protocols (the FM socket and
 * the multi-process fabric): one way to make, listen and connect them. */
#ifndef CXLEMU_USOCK_H
#define CXLEMU_USOCK_H

#include <stdbool.h>

/* Sets O_NONBLOCK, and FD_CLOEXEC when @cloexec: 0 or -errno. */
int cxlemu_fd_nonblock(int fd, bool cloexec);

/* A close-on-exec, non-blocking Unix stream socket bound at @path and
 * listening: 0, -EINVAL (no or empty path), -ENAMETOOLONG, or the negative
 * errno of socket/bind/listen.  *fd is set only on success. */
int cxlemu_usock_listen(const char *path, int *fd);

/* A close-on-exec Unix stream socket connected to @path, left blocking (a
 * Unix socket connects at once or fails): 0, -EINVAL, -ENAMETOOLONG, or
 * the negative errno of socket/connect.  *fd is set only on success. */
int cxlemu_usock_connect(const char *path, int *fd);

#endif
