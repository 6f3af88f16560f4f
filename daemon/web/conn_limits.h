/*
 * Slow and greedy clients (conn_limits.c).  libmicrohttpd's own timeout
 * closes only an idle connection, so a client that sends a header line
 * every few seconds would hold a connection for as long as it likes, and
 * seventy such clients would hold every connection there is.  Here:
 *
 *   - a request's head (request line and headers) must have arrived whole
 *     within header_timeout_seconds of its first byte, and the whole
 *     request (with its body) within request_timeout_seconds; otherwise
 *     the connection is cut.  The clock of a connection's first request
 *     starts when the connection is accepted; a later request's, when its
 *     first byte arrives (seen in the kernel's count of bytes received,
 *     TCP_INFO), so a kept-alive connection may wait between requests
 *     (libmicrohttpd's connection_timeout_seconds closes it when idle).
 *     Where the kernel cannot say (a Unix socket), a later request's clock
 *     starts connection_timeout_seconds after the previous answer.  While
 *     ebba-web answers, no deadline runs;
 *   - one client address holds at most max_connections_per_ip
 *     connections; from a trusted proxy (web.proxy_peers), whose
 *     connections carry everybody's requests, the limit counts the
 *     requests in hand per forwarded client address instead (a request
 *     it forwards for nobody is not limited: the proxy is trusted).
 */
#ifndef EBBA_WEB_CONN_LIMITS_H
#define EBBA_WEB_CONN_LIMITS_H

#include <netinet/in.h>
#include <stdbool.h>

#include <microhttpd.h>

#include "ebba/lib/error.h"

struct limits_config {
	int header_timeout_seconds;
	int request_timeout_seconds;
	int idle_seconds;               /* connection_timeout_seconds */
	int per_client;                 /* max_connections_per_ip; 0: none */
	bool on_unix;                   /* the listening socket is a Unix socket */
	bool (*trusted)(const char *peer);   /* a proxy in web.proxy_peers */
};

/* Starts the thread that cuts late requests (twice a second). */
int limits_start(const struct limits_config *cfg, struct ebba_err *err);
/* Stops it (after MHD_stop_daemon, which closes every connection). */
void limits_stop(void);

/* The peer's address as inet_ntop writes it (IPv4-mapped addresses as
 * IPv4), or "unix". */
void limits_peer_address(struct MHD_Connection *c, char out[INET6_ADDRSTRLEN]);

/* MHD_OPTION_NOTIFY_CONNECTION: a connection starts or closes.  A
 * connection over its address's limit is shut down at once. */
void limits_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		   enum MHD_ConnectionNotificationCode code);
/*
 * The head of a request on c has arrived (its body may follow); client:
 * the address a proxy forwarded it for, or NULL.  false: client already
 * has max_connections_per_ip requests in hand; answer 429.
 */
bool limits_head_read(struct MHD_Connection *c, const char *client);
/* The request on c has arrived whole: no deadline while it is answered. */
void limits_request_read(struct MHD_Connection *c);
/* The answer is sent: the next request on c starts its clock. */
void limits_request_done(struct MHD_Connection *c);

#endif
