/*
 * The small HTTP server beside ebbad and ebba-web that monitoring talks to
 * (docs/architecture.md §13), on libmicrohttpd with one thread of its own:
 *
 *   GET /metrics   the registry in the Prometheus text format
 *   GET /healthz   200 "ok": the process is alive and answering
 *   GET /readyz    200 "ready", or 503 with the reason, as ready() says
 *
 * Nothing else is served (404; a method other than GET or HEAD: 405), no
 * request body is read, and at most 16 connections are served at once,
 * each cut off after 10 s, so a scraper cannot hold the program up.
 * It serves only figures without personal data, without authentication:
 * listen on loopback or a monitoring network, never where the public is.
 */
#ifndef EBBA_METRICS_HTTP_H
#define EBBA_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/error.h"
#include "ebba/lib/metrics.h"

/* Ready?  When not, writes why (one line) into why[n].  Runs on the
 * server's thread: it must only read state the program keeps atomically. */
typedef bool (*metrics_ready_fn)(void *arg, char *why, size_t n);

struct metrics_server;

/*
 * Starts serving on listen, "HOST:PORT" with an IP address for HOST
 * ("127.0.0.1:9464", "[::1]:9464"; port 0: any free port, see
 * metrics_server_port()).  key names the setting in errors.  m and arg
 * must outlive the server; ready may be NULL (always ready).  The calling
 * thread's signal mask is inherited by the server's thread.
 */
struct metrics_server *metrics_server_start(const char *listen, const char *key,
					    struct metrics *m, metrics_ready_fn ready, void *arg,
					    struct ebba_err *err);
/* The TCP port listened on. */
unsigned metrics_server_port(const struct metrics_server *s);
/* Stops at once (requests in progress are cut off) and frees; NULL is fine. */
void metrics_server_stop(struct metrics_server *s);

#endif
