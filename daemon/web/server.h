/*
 * ebba-web's HTTP server on libmicrohttpd: a pool of cfg->web.threads
 * threads, routing, sessions and authentication, the security headers on
 * every response, CSRF on every POST, static files.
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

/* --- shared with login.c ------------------------------------------------- */

/* The server's configuration. */
const struct ebba_config *server_config(void);

/* The login form's cookie (login.c) the request came with, or NULL. */
const char *server_login_cookie(const struct web_request *rq);
/* Makes the response set the login form's cookie (login.c) to token. */
void server_set_login_cookie(const struct web_request *rq, const char *token, int max_age);
/* Ends the request's session on the server (logout, a new login). */
void server_end_session(const struct web_request *rq);
/* Makes the response set the session cookie to id (NULL: expire it). */
void server_set_cookie(const struct web_request *rq, const char *id);

/* A small page (templates/message.html) with status. */
int server_message(const struct web_request *rq, struct web_response *rs, int status,
		   const char *title, const char *message, struct ebba_err *err);

/* The web_group bits of a person's groups (0: none of ebba's). */
struct store_person;
unsigned server_groups(const struct store_person *p);

#endif
