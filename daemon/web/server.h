/*
 * ebba-web's HTTP server on libmicrohttpd: a pool of cfg->web.threads
 * threads, routing, sessions and authentication, the security headers on
 * every response, CSRF on every POST, static files.  What the handlers
 * ask of a request is request.h's: they never include this header.
 */
#ifndef EBBA_WEB_SERVER_H
#define EBBA_WEB_SERVER_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "web.h"

struct web_server;

/* Starts listening; cfg must outlive the server.  NULL with err set. */
struct web_server *server_start(const struct ebba_config *cfg, struct ebba_err *err);
/* The TCP port listened on (0 for a Unix socket). */
unsigned server_port(const struct web_server *srv);
/* Stops answering, waits for the threads, ends every session. */
void server_stop(struct web_server *srv);

#endif
