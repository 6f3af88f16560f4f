/*
 * One request as the server holds it (server.c), and what request.c reads
 * and writes of it for the pages, login and sso.  Private to those two
 * files: a page sees only its first member, the struct web_request.  The
 * call owns its body, its decoded form and its cookie strings; the
 * session is a reference (sess_release at the end).
 */
#ifndef EBBA_WEB_CALL_H
#define EBBA_WEB_CALL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "ebba/lib/util.h"
#include "web.h"

#define MAX_PARAMS 256

struct sess;

/* One request, from its first byte to MHD's "completed". */
struct call {
	struct web_request rq;
	struct MHD_Connection *conn;
	struct ebba_buf body;
	size_t max_body;            /* the API's document limit, or max_request_bytes */
	bool too_large;
	bool answered;              /* a response is queued (refused early) */
	size_t dropped;             /* body bytes read past the limit */
	struct sess *sess;          /* a reference, or NULL */
	char peer[INET6_ADDRSTRLEN];    /* the socket's other end, or "unix" */
	char client[INET6_ADDRSTRLEN];  /* the peer, or the client a proxy forwards for */
	long peer_uid;                  /* on a Unix socket: the peer's user id, or -1 */
	struct web_param query[MAX_PARAMS], form[MAX_PARAMS];
	char *form_text;            /* the decoded form the params point into */
	size_t form_len;            /* its size, for wiping it */
	bool form_refused;          /* a body the post processor would not read */
	char cookie[160];
	bool set_cookie;
	char login_cookie[200];
	bool set_login_cookie;
	uint64_t started;           /* for the metrics (web_metrics.h) */
	const char *route_class;
	int status;                 /* the answer's, once queued */
};

#endif
