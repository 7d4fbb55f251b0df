/* SPDX-License-Identifier: MIT */
/* Unix stream sockets: see usock.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "usock.h"

int cxlemu_fd_nonblock(int fd, bool cloexec)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    (cloexec && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0))
		return -errno;
	return 0;
}

/* A close-on-exec socket and the address of @path. */
static int usock_at(const char *path, struct sockaddr_un *sa, int *fd)
{
	if (!path || !path[0] || !fd)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path));
	*fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (*fd < 0)
		return -errno;
	if (fcntl(*fd, F_SETFD, FD_CLOEXEC) < 0) {
		int rc = -errno;

		close(*fd);
		return rc;
	}
	return 0;
}

int cxlemu_usock_listen(const char *path, int *fd)
{
	struct sockaddr_un sa;
	int s, rc = usock_at(path, &sa, &s);

	if (rc)
		return rc;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 16) < 0) {
		rc = -errno;
		close(s);
		return rc;
	}
	rc = cxlemu_fd_nonblock(s, false);
	if (rc) {
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}

int cxlemu_usock_connect(const char *path, int *fd)
{
	struct sockaddr_un sa;
	int s, rc = usock_at(path, &sa, &s);

	if (rc)
		return rc;
	while (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		rc = -errno;
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}
