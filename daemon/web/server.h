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

/*
 * ebba-web's own connection (failed logins; the start of a proxy person's
 * connection), locked for the caller until server_own_db_unlock.  NULL
 * when the database does not answer (then nothing is locked).
 */
PGconn *server_own_db_lock(void);
void server_own_db_unlock(void);

/* The conninfo of ebba-web's own connection. */
const char *server_conninfo(void);

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

/* --- the server's own routes (login.c) ----------------------------------- */
const struct web_route *login_routes(size_t *n);

/*
 * The login form's CSRF token needs no session (a table of anonymous
 * sessions would let anyone who asks for the form often enough push out
 * the slot of a real person's form): it is signed, a double-submit token.
 * 64 hex digits: 8 random bytes, its expiry (4 bytes, seconds since the
 * epoch), the first 20 bytes of HMAC-SHA-256 over them with a key drawn
 * when ebba-web starts.  The form carries it and so does a cookie; a POST
 * is accepted when both are the same, the signature holds and it has not
 * expired.  Another site can neither read the cookie nor make the browser
 * send it (SameSite=Strict); with Secure it is __Host-, which no other
 * host of the domain may set.  A restart makes open login forms stale.
 */
int login_init(struct ebba_err *err);
bool login_token_ok(const char *form, const char *cookie);

#endif
