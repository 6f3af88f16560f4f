/*
 * What a handler (the pages, login.c, sso.c) may ask of the request it
 * answers, beyond struct web_request: the configuration, its cookies, its
 * session's end, a message page.  It sits below the server (server.c
 * calls the handlers and sets this up), so that nothing a handler uses
 * leads back to the server: the web files' dependencies stay a DAG
 * (tests/integration/05_include_dag.sh).  Takes and keeps nothing of the
 * caller's but cfg, which must outlive the server.
 */
#ifndef EBBA_WEB_REQUEST_H
#define EBBA_WEB_REQUEST_H

#include <stdbool.h>

#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "web.h"

#define REQUEST_SESSION_COOKIE "ebba_session"

/* Set once by the server before it answers anything. */
void request_configure(const struct ebba_config *cfg, bool secure_cookie);

/* The server's configuration. */
const struct ebba_config *request_config(void);

/* The login form's cookie (login.c) the request came with, or NULL. */
const char *request_login_cookie(const struct web_request *rq);
/* Makes the response set the login form's cookie (login.c) to token. */
void request_set_login_cookie(const struct web_request *rq, const char *token, int max_age);
/* Ends the request's session on the server (logout, a new login). */
void request_end_session(const struct web_request *rq);
/* Makes the response set the session cookie to id (NULL: expire it). */
void request_set_cookie(const struct web_request *rq, const char *id);

/* A small page (templates/message.html) with status. */
int request_message(const struct web_request *rq, struct web_response *rs, int status,
		    const char *title, const char *message, struct ebba_err *err);

#endif
