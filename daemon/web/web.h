/*
 * ebba-web: what a page handler is given and what it gives back.
 *
 * The server (server.c, on libmicrohttpd) owns the connection, the session
 * and the security headers; a page owns nothing but its response.  By the
 * time a handler runs:
 *   - the person is authenticated (except for routes marked WEB_PUBLIC),
 *     and rq->db is a connection that runs as that person's own PostgreSQL
 *     role, so the database's grants and its *_by rules apply to every
 *     statement the page makes;
 *   - the person's groups allow the route (otherwise the server answered
 *     403 and wrote a "denied" row to ebba.access_log);
 *   - for POST, the form's CSRF token matched the session's (the login
 *     form's, which comes before any session: its signed token matched
 *     the one in its cookie).
 * A page that shows personal data records the view with web_access_log()
 * (store/access_log.c) before it answers.
 *
 * All text that reaches HTML goes through the template renderer
 * (template.h), which escapes every value; a handler never writes markup
 * by string concatenation.
 */
#ifndef EBBA_WEB_H
#define EBBA_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/template.h"
#include "ebba/lib/util.h"

/* The NOLOGIN groups of a person's role (docs/architecture.md, "Roles"). */
enum web_group {
	WEB_CASEWORKER = 1u << 0,   /* ebba_caseworker */
	WEB_SUPERVISOR = 1u << 1,   /* ebba_supervisor */
	WEB_AUDITOR = 1u << 2,      /* ebba_auditor */
	WEB_PROTECTED = 1u << 3,    /* ebba_protected: also sees protected cases, which the
				     * database decides (schema 023); opens no page alone */
};

struct web_session {
	char id[65];                /* hex of 256 random bits; never logged */
	char user[64];              /* the PostgreSQL role (session_user) */
	char display_name[128];     /* for the page header; the role if none */
	unsigned groups;            /* enum web_group bits */
	char csrf[65];              /* hex of 256 random bits, one per session */
	char title[128];            /* auth: proxy: the provider's title claim, or "" */
	char claims[65];            /* auth: proxy: digest of the sign-in's claims (sso.h) */
	long long created_us, seen_us;
};

/* One query or form parameter (both decoded). */
struct web_param {
	const char *name, *value;
};

struct sess;

struct web_request {
	const char *method;         /* "GET", "POST" */
	const char *path;           /* without the query string */
	const char *client;         /* peer address, for the access log */
	const struct web_session *session;   /* NULL only on WEB_PUBLIC routes */
	PGconn *db;                 /* as the person's role; NULL on WEB_PUBLIC */
	struct sess *sess;          /* the person's session, for work that outlives the
				       request (session.h: sess_hold); NULL on WEB_PUBLIC */
	const struct web_param *query, *form;
	size_t n_query, n_form;
	/* Path segments after the route's prefix, e.g. "123" for /beslut/123. */
	const char *tail;
	/* The request body as received (NUL-terminated), e.g. for the API. */
	const char *body;
	size_t body_len;
	/*
	 * POST: the name of the first form field whose value was not UTF-8
	 * (or held a NUL), or NULL.  Its bad bytes are '?' in web_form(), so
	 * a page can show the text back.  Only a route marked
	 * WEB_FORM_REDISPLAY sees it set: the server answers any other such
	 * form with 422 itself.
	 */
	const char *form_unreadable;
};

/* A page's error at a field whose text was not UTF-8 (rq->form_unreadable). */
#define WEB_FORM_UNREADABLE_TEXT \
	"Texten innehöll tecken som inte gick att läsa (ogiltig teckenkodning). Skriv in den igen."

/* The value of a query (or form) parameter, or NULL; a name given twice:
 * the first (request.c). */
const char *web_query(const struct web_request *rq, const char *name);
const char *web_form(const struct web_request *rq, const char *name);

struct web_response {
	int status;                 /* 0 means 200 */
	const char *content_type;   /* NULL: text/html; charset=utf-8 */
	struct ebba_buf body;       /* owned by the response */
	char location[512];         /* for 303 See Other after a POST */
	char filename[128];         /* Content-Disposition: attachment */
	int retry_after;            /* seconds, for 503; 0: no Retry-After */
	const char *www_authenticate;   /* for 401; NULL: none */
	const char *allow;          /* for 405; NULL: none */
};

/* A route: exact path, or a prefix ending in '/' whose rest is rq->tail. */
enum web_route_flags {
	WEB_PUBLIC = 1u << 0,       /* no session needed (login, CSS) */
	WEB_FORM_REDISPLAY = 1u << 1,   /* shows its own form again, with an error at
					   rq->form_unreadable's field (422) */
	WEB_LOGIN_FORM = 1u << 2,   /* a POST's CSRF token is the login form's,
				       signed, and needs no session (login.c) */
};

typedef int (*web_handler)(const struct web_request *rq, struct web_response *rs,
			   struct ebba_err *err);

struct web_route {
	const char *method;
	const char *path;
	unsigned groups;            /* any of these; 0 = every logged-in person */
	unsigned flags;
	web_handler handler;
};

/*
 * A handler returns 0 with rs filled, or -1 with err set: the server then
 * answers 500 with a generic page and logs err (which must hold no
 * identity number).  A "not found" or a refused form is a normal answer
 * (rs->status 404 or 422 with a page), not an error.
 */

/* The pages' routes (routes.c); the server adds its own (login, logout,
 * static files, the API).  The array is static: the caller does not free. */
const struct web_route *web_page_routes(size_t *n);

/* --- rendering (template.c, layout.c) --------------------------------- */

/* tmpl_render(): include/ebba/lib/template.h */

/*
 * A whole page: the layout (skip link, header with the person and the
 * navigation their groups allow, <main>) around template NAME rendered with
 * ctx, into rs->body.  rq->session may be NULL (the login page).  Adds
 * "csrf" (the session's token) to ctx for forms.  Does not take ctx.
 */
int web_page(const struct web_request *rq, struct web_response *rs, const char *title,
	     const char *name, json_t *ctx, struct ebba_err *err);

/*
 * The access log (store/access_log.c): one row in ebba.access_log, as the
 * person's own role (who is the database's session_user, never a
 * parameter).  action: "view", "resolve", "export", "login", "denied";
 * object_kind/object_id: e.g. "decision", "123".
 *
 *   int store_access_log(PGconn *db, const char *action, const char *object_kind,
 *                        const char *object_id, const char *client,
 *                        struct ebba_err *err);
 *
 * declared in include/ebba/store/access_log.h.
 */

#endif
