/* SPDX-License-Identifier: MIT */
/* Return codes to strings, without touching errno or a global buffer. */
#include <errno.h>

#include "internal.h"

const char *cxlemu_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EINVAL:
		return "invalid argument";
	case -ERANGE:
		return "address out of range";
	case -ENOMEM:
		return "out of memory";
	case -ELOOP:
		return "topology too deep or cyclic";
	case -E2BIG:
		return "route table too large";
	case -ENXIO:
		return "address not mapped";
	case -EBUSY:
		return "busy";
	case -ENOENT:
		return "no such object";
	case -EEXIST:
		return "already exists";
	case -ENOTSUP:
		return "not supported";
	case -EIO:
		return "input/output error";
	case -EBADMSG:
		return "malformed message dropped";
	case -EPROTONOSUPPORT:
		return "message type not answered here";
	default:
		return "unknown error";
	}
}

const char *cxlemu_version(void)
{
	return CXLEMU_VERSION_STRING;
}
