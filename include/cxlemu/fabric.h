/* SPDX-License-Identifier: MIT */
/**
 * @file fabric.h
 * @brief One switch, several emulator processes: the owner of the switch
 * state drives binds and unbinds in the host processes over a Unix socket.
 *
 * A multi-host machine runs one emulator process per host.  The owner
 * process holds the authoritative struct cxlemu_switch and its fabric
 * manager; each host process serves one VCS with its own topology.  The
 * owner (struct cxlemu_fabric_owner) installs itself as the switch's host
 * callbacks: a bind or unbind of a vPPB becomes an ATTACH or DETACH message
 * to the host process of that VCS, whose DONE completes the operation
 * (cxlemu_switch_host_done()).  A host process (struct cxlemu_fabric_host)
 * connects, announces its VCS, and carries the requests out through its
 * callbacks (e.g. cxlemu_topo_attach() / cxlemu_topo_detach() and the
 * emulator's device hot-plug), answering at once or later.  When a host
 * connection ends (EOF, error, timeout), every operation of its VCS in
 * progress fails and every vPPB of its VCS still bound is unbound, each
 * with its Virtual CXL Switch Event Record; other hosts are not touched.
 *
 * The wire protocol (framing, messages, versions, errors, timeouts) is
 * documented in docs/fabric-protocol.md; cxlemu_fabric_msg_parse() and
 * cxlemu_fabric_msg_encode() are its pure codec.
 *
 * Both sides are non-blocking and driven by the caller's event loop: poll
 * the descriptors they give, call their service function when one is
 * ready or the deadline passed.  No threads, no timers: time is the
 * context's clock (struct cxlemu_host_ops::now_ns).
 *
 * Thread safety: single writer; an owner, its switch and the CCIs that
 * point at the switch are driven from one thread; a host likewise.
 */
#ifndef CXLEMU_FABRIC_H
#define CXLEMU_FABRIC_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>
#include <cxlemu/vcs.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Magic of every message header: "CXLF" in wire order. */
#define CXLEMU_FABRIC_MAGIC 0x464c5843u
/** Highest (and lowest) protocol version this library speaks. */
#define CXLEMU_FABRIC_VERSION 1
/** Bytes of a message header. */
#define CXLEMU_FABRIC_HDR_SIZE 12u
/** Largest payload of any message (a STATE of 255 vPPBs). */
#define CXLEMU_FABRIC_MAX_PAYLOAD 1024u
/** Largest message. */
#define CXLEMU_FABRIC_MAX_MSG (CXLEMU_FABRIC_HDR_SIZE + CXLEMU_FABRIC_MAX_PAYLOAD)
/** Longest host name in HELLO. */
#define CXLEMU_FABRIC_NAME_MAX 64

/** Message types. */
enum cxlemu_fabric_msg_type {
	CXLEMU_FABRIC_HELLO = 1,   /**< host announces version range, VCS, name */
	CXLEMU_FABRIC_WELCOME = 2, /**< owner accepts the host */
	CXLEMU_FABRIC_REFUSE = 3,  /**< owner refuses the host, then closes */
	CXLEMU_FABRIC_STATE = 4,   /**< owner: the bound vPPBs of the VCS */
	CXLEMU_FABRIC_ATTACH = 5,  /**< owner: hot-add below a vPPB */
	CXLEMU_FABRIC_DETACH = 6,  /**< owner: hot-remove below a vPPB */
	CXLEMU_FABRIC_DONE = 7,    /**< host: a request is carried out */
	CXLEMU_FABRIC_PING = 8,    /**< either: are you there */
	CXLEMU_FABRIC_PONG = 9,    /**< either: answer to PING */
	CXLEMU_FABRIC_BYE = 10,    /**< either: orderly close */
	CXLEMU_FABRIC_ERROR = 11,  /**< either: protocol error, then close */
};

/** REFUSE reasons. */
enum cxlemu_fabric_refuse {
	CXLEMU_FABRIC_REFUSE_VERSION = 1, /**< no common protocol version */
	CXLEMU_FABRIC_REFUSE_NO_VCS = 2,  /**< VCS out of range or disabled */
	CXLEMU_FABRIC_REFUSE_TAKEN = 3,   /**< another host serves the VCS */
	CXLEMU_FABRIC_REFUSE_FULL = 4,    /**< too many connections */
};

/** ERROR codes. */
enum cxlemu_fabric_error {
	CXLEMU_FABRIC_ERR_FRAMING = 1,    /**< bad magic or length */
	CXLEMU_FABRIC_ERR_VERSION = 2,    /**< unsupported version */
	CXLEMU_FABRIC_ERR_TYPE = 3,       /**< unknown message type */
	CXLEMU_FABRIC_ERR_FIELD = 4,      /**< a field or length out of range */
	CXLEMU_FABRIC_ERR_UNEXPECTED = 5, /**< wrong direction or state */
	CXLEMU_FABRIC_ERR_REQUEST = 6,    /**< unknown request id */
	CXLEMU_FABRIC_ERR_TIMEOUT = 7,    /**< nothing received in time */
};

/** One STATE entry: a bound vPPB. */
struct cxlemu_fabric_binding {
	uint8_t vppb;   /**< vPPB ID */
	uint8_t port;   /**< physical port ID it is bound to */
	uint16_t ld_id; /**< LD ID, or CXLEMU_SWITCH_NO_LD */
};

/**
 * A decoded message.  Which fields mean something depends on @ref type (see
 * docs/fabric-protocol.md); the others are zero after parsing and ignored
 * by encoding.
 */
struct cxlemu_fabric_msg {
	uint16_t version;     /**< header version */
	uint16_t type;        /**< enum cxlemu_fabric_msg_type */
	uint16_t min_version; /**< HELLO, REFUSE: lowest version spoken */
	uint16_t max_version; /**< HELLO, REFUSE: highest; WELCOME: chosen */
	uint8_t vcs;          /**< HELLO, WELCOME, STATE, ATTACH, DETACH */
	uint8_t vppb;         /**< ATTACH, DETACH */
	uint8_t port;         /**< ATTACH, DETACH */
	uint8_t mode;         /**< DETACH: enum cxlemu_unbind_mode */
	uint16_t ld_id;       /**< ATTACH, DETACH: LD ID or CXLEMU_SWITCH_NO_LD */
	uint16_t code;        /**< REFUSE, BYE, ERROR: reason or code */
	uint16_t bad_type;    /**< ERROR: type of the offending message, or 0 */
	uint16_t nvppbs;      /**< WELCOME: vPPBs of the VCS */
	uint32_t req;         /**< ATTACH, DETACH, DONE: request id (non-zero) */
	int32_t status;       /**< DONE: 0 or a negative errno */
	uint64_t token;       /**< PING, PONG */
	/** HELLO: host name, NUL-terminated. */
	char name[CXLEMU_FABRIC_NAME_MAX + 1];
	uint16_t count;       /**< STATE: entries in @ref bindings */
	/** STATE: the bound vPPBs, in increasing vPPB order. */
	struct cxlemu_fabric_binding bindings[CXLEMU_SWITCH_MAX_VPPBS];
};

/**
 * Decodes the first message of @p buf, checking everything that needs no
 * connection state: magic, version (the header must carry
 * CXLEMU_FABRIC_VERSION), type, payload length, every id's range, reserved
 * fields, name characters, STATE order.  Pure: no I/O, no allocation.
 * @param buf  bytes received
 * @param len  bytes in @p buf
 * @param msg  receives the message (on success only)
 * @param used receives the bytes the message takes (on success, and on
 *             any error found once the whole message is there)
 * @return 0; -EAGAIN when @p buf holds only part of a valid message so far;
 *         -EBADMSG bad magic or a length above CXLEMU_FABRIC_MAX_PAYLOAD;
 *         -EPROTONOSUPPORT another version; -ENOMSG an unknown type;
 *         -EINVAL a length or field out of range for the type
 */
CXLEMU_EXPORT int cxlemu_fabric_msg_parse(const uint8_t *buf, size_t len,
					  struct cxlemu_fabric_msg *msg, size_t *used);

/**
 * Encodes a message (header version CXLEMU_FABRIC_VERSION whatever
 * @p msg says), after checking it as cxlemu_fabric_msg_parse() would: what
 * it encodes parses back to the same message.
 * @param msg the message
 * @param buf receives the bytes
 * @param cap bytes available in @p buf
 * @param len receives the message's length
 * @return 0, -EINVAL (a field out of range, an unknown type), -ENOSPC
 */
CXLEMU_EXPORT int cxlemu_fabric_msg_encode(const struct cxlemu_fabric_msg *msg, uint8_t *buf,
					   size_t cap, size_t *len);

/**
 * Creates a listening Unix stream socket at @p path (non-blocking,
 * close-on-exec).  An existing file at @p path is not removed.
 * @param path socket path
 * @param fd   receives the socket, owned by the caller
 * @return 0, -EINVAL (no or empty path), -ENAMETOOLONG, or the negative
 *         errno of socket/bind/listen
 */
CXLEMU_EXPORT int cxlemu_fabric_listen(const char *path, int *fd);

/**
 * Connects to the owner's socket at @p path; the socket returned is
 * non-blocking and close-on-exec.
 * @param path socket path
 * @param fd   receives the socket, owned by the caller until given to
 *             cxlemu_fabric_host_new()
 * @return 0, -EINVAL (no or empty path), -ENAMETOOLONG, or the negative
 *         errno of socket/connect
 */
CXLEMU_EXPORT int cxlemu_fabric_connect(const char *path, int *fd);

/* ---- owner ---- */

/** Version of struct cxlemu_fabric_owner_config understood by this library. */
#define CXLEMU_FABRIC_OWNER_CONFIG_VERSION 1

/** How the owner runs. */
struct cxlemu_fabric_owner_config {
	uint32_t version;          /**< CXLEMU_FABRIC_OWNER_CONFIG_VERSION */
	/** A listening socket to accept hosts from (cxlemu_fabric_listen()),
	 * borrowed: the owner never closes it; -1 for none (hosts come only
	 * through cxlemu_fabric_owner_add_fd()). */
	int listen_fd;
	uint32_t ping_interval_ms; /**< silence before a PING; 0: 1000 */
	uint32_t timeout_ms;       /**< silence before giving up; 0: 5000 */
	/** Called when a host connection of a VCS begins (after WELCOME) or
	 * ends (its vPPBs already unbound); optional.
	 * @param opaque    @ref opaque
	 * @param vcs       VCS ID
	 * @param connected true when the host arrived, false when it left
	 * @param name      the host's name from HELLO */
	void (*host_changed)(void *opaque, unsigned int vcs, bool connected, const char *name);
	void *opaque;              /**< passed to @ref host_changed */
};

/** The owner side. Opaque. */
struct cxlemu_fabric_owner;

/**
 * Creates an owner for a switch and installs it as the switch's attach and
 * detach host callbacks (its AER callback stays); the previous callbacks
 * come back when the owner is freed.
 * @param ctx context (log, clock); may be NULL (no timeouts then)
 * @param sw  the switch, borrowed; it must outlive the owner
 * @param cfg configuration, copied
 * @param out receives the owner
 * @return 0, -EINVAL, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_fabric_owner_new(struct cxlemu_ctx *ctx, struct cxlemu_switch *sw,
					  const struct cxlemu_fabric_owner_config *cfg,
					  struct cxlemu_fabric_owner **out);

/**
 * Frees an owner: every host connection is closed (BYE) and handled as a
 * host that went away (operations in progress fail, vPPBs of connected
 * VCSs are unbound); the switch gets its previous callbacks back.
 * @param o the owner, or NULL
 */
CXLEMU_EXPORT void cxlemu_fabric_owner_free(struct cxlemu_fabric_owner *o);

/**
 * Adopts a connected socket as a host connection (made non-blocking and
 * close-on-exec); the host's HELLO is expected on it.
 * @param o  the owner
 * @param fd the socket, owned by the owner from now on (closed on error)
 * @return 0, -EINVAL, -EMFILE (too many connections), -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_fabric_owner_add_fd(struct cxlemu_fabric_owner *o, int fd);

/**
 * The descriptors to poll: the listening socket (if any), then one per
 * connection, with POLLIN, and POLLOUT while output waits.  The set changes
 * after cxlemu_fabric_owner_service() and after binds: ask again each
 * round.
 * @param o   the owner
 * @param fds receives up to @p max entries (revents zeroed)
 * @param max capacity of @p fds
 * @return the number of descriptors (may exceed @p max: only @p max were
 *         written)
 */
CXLEMU_EXPORT size_t cxlemu_fabric_owner_pollfds(const struct cxlemu_fabric_owner *o,
						 struct pollfd *fds, size_t max);

/**
 * Does all that can be done without blocking: accepts connections, reads
 * and handles every complete message, writes pending output, sends PINGs,
 * ends timed-out or failed connections (with their consequences on the
 * switch).
 * @param o the owner
 * @return 0, or -EINVAL
 */
CXLEMU_EXPORT int cxlemu_fabric_owner_service(struct cxlemu_fabric_owner *o);

/**
 * When cxlemu_fabric_owner_service() must run even if no descriptor is
 * ready (a PING to send, a timeout to enforce, buffered input).
 * @param o the owner
 * @return a time of the context's clock in ns, UINT64_MAX for never
 */
CXLEMU_EXPORT uint64_t cxlemu_fabric_owner_deadline(const struct cxlemu_fabric_owner *o);

/** What the owner knows of the host of a VCS. */
struct cxlemu_fabric_host_info {
	uint8_t connected;  /**< 1 while a welcomed host serves the VCS */
	uint8_t reserved[3]; /**< zero */
	uint32_t pending;   /**< ATTACH/DETACH requests it has not answered */
	/** The host's name from HELLO, or "" */
	char name[CXLEMU_FABRIC_NAME_MAX + 1];
};

/**
 * Describes the host of a VCS.
 * @param o    the owner
 * @param vcs  VCS ID
 * @param info receives the description
 * @return 0, or -EINVAL for a VCS out of range
 */
CXLEMU_EXPORT int cxlemu_fabric_owner_host_info(const struct cxlemu_fabric_owner *o,
						unsigned int vcs,
						struct cxlemu_fabric_host_info *info);

/* ---- host ---- */

/** A host callback's answer: the host will call cxlemu_fabric_host_done(). */
#define CXLEMU_FABRIC_PENDING 1

/** Version of struct cxlemu_fabric_host_config understood by this library. */
#define CXLEMU_FABRIC_HOST_CONFIG_VERSION 1

/** The host side: which VCS it serves and its callbacks. */
struct cxlemu_fabric_host_config {
	uint32_t version;  /**< CXLEMU_FABRIC_HOST_CONFIG_VERSION */
	/** Connected socket (cxlemu_fabric_connect()), owned by the host
	 * object from cxlemu_fabric_host_new() on, even when it fails. */
	int fd;
	uint32_t vcs;      /**< VCS ID served, 0..254 */
	const char *name;  /**< 1..64 printable ASCII characters, copied */
	uint32_t ping_interval_ms; /**< silence before a PING; 0: 1000 */
	uint32_t timeout_ms;       /**< silence before giving up; 0: 5000 */
	/** Hot-adds the endpoint on switch port @p port (LD @p ld_id) below
	 * vPPB @p vppb.
	 * @param opaque @ref opaque
	 * @param req    request id, for cxlemu_fabric_host_done()
	 * @param vppb   vPPB ID
	 * @param port   physical port ID
	 * @param ld_id  LD ID or CXLEMU_SWITCH_NO_LD
	 * @return 0 done, a negative errno failed, or CXLEMU_FABRIC_PENDING:
	 *         cxlemu_fabric_host_done() follows */
	int (*attach)(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
		      unsigned int ld_id);
	/** Hot-removes the endpoint below vPPB @p vppb.
	 * @param opaque @ref opaque
	 * @param req    request id, for cxlemu_fabric_host_done()
	 * @param vppb   vPPB ID
	 * @param port   physical port ID it is bound to
	 * @param ld_id  LD ID or CXLEMU_SWITCH_NO_LD
	 * @param mode   enum cxlemu_unbind_mode
	 * @return as @ref attach */
	int (*detach)(void *opaque, uint32_t req, unsigned int vppb, unsigned int port,
		      unsigned int ld_id, unsigned int mode);
	/** A vPPB bound when the host connected (STATE): make the endpoint
	 * visible; no answer is expected.  Optional.
	 * @param opaque @ref opaque
	 * @param vppb   vPPB ID
	 * @param port   physical port ID
	 * @param ld_id  LD ID or CXLEMU_SWITCH_NO_LD */
	void (*bound)(void *opaque, unsigned int vppb, unsigned int port, unsigned int ld_id);
	void *opaque;      /**< passed to the callbacks */
};

/** Where a host connection stands. */
enum cxlemu_fabric_host_state {
	CXLEMU_FABRIC_HOST_CONNECTING = 0, /**< HELLO sent, no answer yet */
	CXLEMU_FABRIC_HOST_WELCOMED = 1,   /**< serving its VCS */
	CXLEMU_FABRIC_HOST_CLOSED = 2,     /**< over (see the service result) */
};

/** The host side. Opaque. */
struct cxlemu_fabric_host;

/**
 * Creates the host side of a connection and queues its HELLO.
 * @param ctx context (log, clock); may be NULL
 * @param cfg configuration, copied
 * @param out receives the host
 * @return 0, -EINVAL, -ENOMEM (the descriptor is closed on error)
 */
CXLEMU_EXPORT int cxlemu_fabric_host_new(struct cxlemu_ctx *ctx,
					 const struct cxlemu_fabric_host_config *cfg,
					 struct cxlemu_fabric_host **out);

/**
 * Sends BYE (best effort), closes the connection and frees the host.
 * @param h the host, or NULL
 */
CXLEMU_EXPORT void cxlemu_fabric_host_free(struct cxlemu_fabric_host *h);

/**
 * The descriptor to poll (POLLIN, and POLLOUT while output waits).
 * @param h   the host
 * @param pfd receives it (revents zeroed); fd -1 once closed
 * @return 0, or -ENOTCONN once closed
 */
CXLEMU_EXPORT int cxlemu_fabric_host_pollfd(const struct cxlemu_fabric_host *h,
					    struct pollfd *pfd);

/**
 * Does all that can be done without blocking: reads and handles messages
 * (calling the callbacks), writes output, PINGs, timeouts.
 * @param h the host
 * @return 0 while the connection lives; once it is over, every call
 *         returns why: -ECONNREFUSED (REFUSE), -ECONNRESET (EOF, BYE or
 *         a socket error), -EPROTO (a protocol error, either side),
 *         -ETIMEDOUT
 */
CXLEMU_EXPORT int cxlemu_fabric_host_service(struct cxlemu_fabric_host *h);

/**
 * When cxlemu_fabric_host_service() must run even without activity.
 * @param h the host
 * @return a time of the context's clock in ns, UINT64_MAX for never
 */
CXLEMU_EXPORT uint64_t cxlemu_fabric_host_deadline(const struct cxlemu_fabric_host *h);

/**
 * Answers a request a callback left pending.
 * @param h      the host
 * @param req    its request id
 * @param status 0 or a negative errno (-4095..-1)
 * @return 0, -EINVAL (status out of range), -ENOENT (no such request
 *         pending), -ENOTCONN (the connection is over)
 */
CXLEMU_EXPORT int cxlemu_fabric_host_done(struct cxlemu_fabric_host *h, uint32_t req,
					  int status);

/**
 * Where the connection stands.
 * @param h the host
 * @return enum cxlemu_fabric_host_state
 */
CXLEMU_EXPORT int cxlemu_fabric_host_state(const struct cxlemu_fabric_host *h);

/**
 * The host's view of one of its vPPBs: bound (after a successful ATTACH
 * or from STATE) or not.
 * @param h    the host
 * @param vppb vPPB ID
 * @param info receives the binding (state CXLEMU_VPPB_BOUND_PORT or
 *             _BOUND_LD, port, LD ID), or state CXLEMU_VPPB_UNBOUND;
 *             CXLEMU_VPPB_BINDING or _UNBINDING while a request waits
 * @return 0, -EINVAL (no such vPPB, or not welcomed yet)
 */
CXLEMU_EXPORT int cxlemu_fabric_host_vppb(const struct cxlemu_fabric_host *h, unsigned int vppb,
					  struct cxlemu_switch_vppb_info *info);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_FABRIC_H */
