/* SPDX-License-Identifier: MIT */
/**
 * @file fmsock.h
 * @brief The fabric manager socket: MCTP message bodies carrying FM-API
 * messages over a stream socket (a Unix socket), server and client side.
 *
 * A switch's FM endpoint (a CCI that answers MCTP message type 07h, see
 * mctp.h) becomes reachable by fabric-manager programs over a socket.  The
 * stream carries frames: a 4-byte little-endian length, then that many
 * bytes of one MCTP message body (the type byte, then a CCI message,
 * CXL 3.1 7.6.3).  A length of 0 or above CXLEMU_FMSOCK_MAX_MSG cannot be
 * resynchronised: the server closes that connection.  A well-framed
 * message the CCI drops (another message type, IC set, not a request, too
 * short) gets no response, as MCTP drops it; the connection stays.  The
 * full description is docs/fm-socket.md.
 *
 * Server: serves one CCI to any number of clients, without threads or
 * blocking: the caller polls the descriptors cxlemu_fmsock_server_pollfds()
 * lists and calls cxlemu_fmsock_server_service() when they are ready.
 * Requests are answered in order per client; the response carries the
 * request's CCI message tag.  Background operations (Bind vPPB, Unbind
 * vPPB) are the CCI's: the client polls Background Operation Status
 * (0002h) until they complete.
 *
 * Client: a blocking exchange with a timeout (the monotonic clock of the
 * system measures it): send a request, wait for the response with the
 * same tag.  Responses with another tag (late answers to requests that
 * timed out) are skipped.
 *
 * Thread safety: single writer; a server and the CCI it serves are driven
 * from one thread; a client from one thread.
 */
#ifndef CXLEMU_FMSOCK_H
#define CXLEMU_FMSOCK_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include <cxlemu/common.h>
#include <cxlemu/mailbox.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of a frame's length prefix (little-endian). */
#define CXLEMU_FMSOCK_FRAME_HDR 4u
/** Largest MCTP message body a frame carries: the type byte, a CCI message
 * header and the largest payload a CCI has. */
#define CXLEMU_FMSOCK_MAX_MSG (1u + CXLEMU_CCI_MSG_HEADER + CXLEMU_MBOX_MAX_PAYLOAD)

/** Most clients a server serves at once; more are closed on arrival (a
 * bound on the memory clients can make it hold: each may have one partial
 * frame buffered). */
#define CXLEMU_FMSOCK_MAX_CLIENTS 64u

/**
 * Creates a listening Unix stream socket at @p path (non-blocking,
 * close-on-exec).  A file already at @p path is not removed: the caller
 * removes a stale socket first, and removes @p path when done.
 * @param path    file system path of the socket
 * @param fd_out  receives the descriptor
 * @return 0, -EINVAL (NULL arguments), -ENAMETOOLONG, or the negative
 *         errno of socket(), bind() or listen() (-EADDRINUSE: @p path exists)
 */
CXLEMU_EXPORT int cxlemu_fmsock_listen(const char *path, int *fd_out);

/** An FM socket server. Opaque. */
struct cxlemu_fmsock_server;

/**
 * Creates a server for one CCI.
 * @param ctx       context (logging); may be NULL
 * @param cci       the CCI served (borrowed; it must outlive the server);
 *                  one that answers an MCTP message type (not a PCI mailbox)
 * @param listen_fd a listening socket whose connections become clients
 *                  (owned by the server from now on, even on failure), or
 *                  -1 for none: clients are then added with
 *                  cxlemu_fmsock_server_add_client()
 * @param out       receives the server, owned by the caller
 * @return 0, -EINVAL, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_fmsock_server_new(struct cxlemu_ctx *ctx, struct cxlemu_cci *cci,
					   int listen_fd,
					   struct cxlemu_fmsock_server **out);

/**
 * Frees a server and closes its listening socket and every client.
 * @param srv the server, or NULL
 */
CXLEMU_EXPORT void cxlemu_fmsock_server_free(struct cxlemu_fmsock_server *srv);

/**
 * Adds a connected stream socket as a client (made non-blocking).
 * @param srv the server
 * @param fd  the socket, owned by the server from now on (even on failure)
 * @return 0, -EINVAL, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_fmsock_server_add_client(struct cxlemu_fmsock_server *srv, int fd);

/**
 * Lists the descriptors to poll and the events to poll them for: the
 * listening socket for input, each client for input or, while a response
 * waits to be sent, for output.  The list changes after every
 * cxlemu_fmsock_server_service().
 * @param srv the server
 * @param fds receives up to @p cap entries (revents cleared); may be NULL
 *            when @p cap is 0
 * @param cap entries @p fds has
 * @return the number of entries needed (more than @p cap: the first
 *         @p cap were written)
 */
CXLEMU_EXPORT size_t cxlemu_fmsock_server_pollfds(const struct cxlemu_fmsock_server *srv,
						  struct pollfd *fds, size_t cap);

/**
 * Does the work that is ready without blocking: accepts connections, reads
 * requests, runs whole ones through the CCI, sends responses, closes
 * clients that hung up or broke the framing.  It also polls the CCI's
 * background operation (cxlemu_cci_poll()).
 * @param srv  the server
 * @param fds  the poll results of the entries cxlemu_fmsock_server_pollfds()
 *             gave (only descriptors with revents set are served), or NULL
 *             to try every descriptor
 * @param nfds entries in @p fds
 * @return 0, or -EINVAL for a NULL @p srv
 */
CXLEMU_EXPORT int cxlemu_fmsock_server_service(struct cxlemu_fmsock_server *srv,
					       const struct pollfd *fds, size_t nfds);

/**
 * Number of connected clients.
 * @param srv the server
 * @return clients
 */
CXLEMU_EXPORT size_t cxlemu_fmsock_server_clients(const struct cxlemu_fmsock_server *srv);

/**
 * Number of connections the server has accepted or been given since it was
 * created.
 * @param srv the server
 * @return connections
 */
CXLEMU_EXPORT uint64_t cxlemu_fmsock_server_connections(const struct cxlemu_fmsock_server *srv);

/** An FM socket client. Opaque. */
struct cxlemu_fmsock_client;

/**
 * Connects to the server at @p path.
 * @param ctx  context (logging); may be NULL
 * @param path file system path of the server's socket
 * @param out  receives the client, owned by the caller
 * @return 0, -EINVAL, -ENAMETOOLONG, -ENOMEM, or the negative errno of
 *         connect() (-ENOENT: no socket there, -ECONNREFUSED: nobody
 *         listens)
 */
CXLEMU_EXPORT int cxlemu_fmsock_connect(struct cxlemu_ctx *ctx, const char *path,
					struct cxlemu_fmsock_client **out);

/**
 * Makes a client of an already connected stream socket (a socketpair).
 * @param ctx context (logging); may be NULL
 * @param fd  the socket, owned by the client from now on (even on failure)
 * @param out receives the client, owned by the caller
 * @return 0, -EINVAL, -ENOMEM
 */
CXLEMU_EXPORT int cxlemu_fmsock_client_new(struct cxlemu_ctx *ctx, int fd,
					   struct cxlemu_fmsock_client **out);

/**
 * Closes the connection and frees the client.
 * @param c the client, or NULL
 */
CXLEMU_EXPORT void cxlemu_fmsock_client_free(struct cxlemu_fmsock_client *c);

/**
 * Sends one FM-API request (MCTP type 07h, the next tag of this client)
 * and makes it the one cxlemu_fmsock_client_recv() waits for.
 * @param c          the client
 * @param opcode     command set << 8 | command
 * @param in         payload (may be NULL when @p in_len is 0)
 * @param in_len     payload length, at most CXLEMU_MBOX_MAX_PAYLOAD
 * @param timeout_ms how long sending may take; negative: no limit
 * @return 0, -EINVAL, -ETIMEDOUT, -EPIPE (the connection is gone), or
 *         another negative errno of send()
 */
CXLEMU_EXPORT int cxlemu_fmsock_client_send(struct cxlemu_fmsock_client *c, uint16_t opcode,
					    const void *in, size_t in_len, int timeout_ms);

/**
 * Waits for the response to the last request sent: a response message
 * (category 1) with its tag and command.  Responses with other tags are
 * skipped.
 * @param c          the client
 * @param out        receives the response payload
 * @param out_cap    its size
 * @param out_len    receives the payload length
 * @param timeout_ms how long to wait; negative: no limit
 * @return the response's return code (enum cxlemu_mbox_rc, >= 0), or
 *         -EINVAL (misuse, or no request outstanding), -ETIMEDOUT,
 *         -EPIPE (the server closed the connection), -EBADMSG (a frame
 *         or message that breaks the protocol: the connection is closed),
 *         -EMSGSIZE (the payload is larger than @p out_cap; it is dropped)
 */
CXLEMU_EXPORT int cxlemu_fmsock_client_recv(struct cxlemu_fmsock_client *c, void *out,
					    size_t out_cap, size_t *out_len, int timeout_ms);

/**
 * Sends a request and waits for its response:
 * cxlemu_fmsock_client_send() then cxlemu_fmsock_client_recv(), both
 * within @p timeout_ms.
 * @param c          the client
 * @param opcode     command set << 8 | command
 * @param in         payload (may be NULL when @p in_len is 0)
 * @param in_len     payload length
 * @param out        receives the response payload
 * @param out_cap    its size
 * @param out_len    receives the payload length
 * @param timeout_ms how long the exchange may take; negative: no limit
 * @return as cxlemu_fmsock_client_recv(), or an error of
 *         cxlemu_fmsock_client_send()
 */
CXLEMU_EXPORT int cxlemu_fmsock_request(struct cxlemu_fmsock_client *c, uint16_t opcode,
					const void *in, size_t in_len, void *out,
					size_t out_cap, size_t *out_len, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* CXLEMU_FMSOCK_H */
