/*
 * What handlers ask of their request (request.h): its parameters, its
 * cookies, the end of its session, a message page.  The request is the
 * server's struct call (call.h), whose first member is the web_request a
 * handler holds.
 */
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "call.h"
#include "request.h"
#include "session.h"

/* The login form's token (login.c); with Secure, a name no other host of
 * the domain may set. */
#define LOGIN_COOKIE (R.secure_cookie ? "__Host-ebba_login" : "ebba_login")

static struct {
	const struct ebba_config *cfg;
	bool secure_cookie;
} R;

void request_configure(const struct ebba_config *cfg, bool secure_cookie)
{
	R.cfg = cfg;
	R.secure_cookie = secure_cookie;
}

const struct ebba_config *request_config(void)
{
	return R.cfg;
}

/* --- parameters ------------------------------------------------------------ */

static const char *param(const struct web_param *p, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return p[i].value;
	return NULL;
}

const char *web_query(const struct web_request *rq, const char *name)
{
	return param(rq->query, rq->n_query, name);
}

const char *web_form(const struct web_request *rq, const char *name)
{
	return param(rq->form, rq->n_form, name);
}

/* --- responses ------------------------------------------------------------- */

void request_set_cookie(const struct web_request *rq, const char *id)
{
	struct call *k = (struct call *)rq;   /* rq is the first member */
	const char *secure = R.secure_cookie ? "; Secure" : "";
	if (id)
		snprintf(k->cookie, sizeof(k->cookie), REQUEST_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
			 id, secure);
	else
		snprintf(k->cookie, sizeof(k->cookie),
			 REQUEST_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", secure);
	k->set_cookie = true;
}

const char *request_login_cookie(const struct web_request *rq)
{
	const struct call *k = (const struct call *)rq;
	return MHD_lookup_connection_value(k->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);
}

void request_set_login_cookie(const struct web_request *rq, const char *token, int max_age)
{
	struct call *k = (struct call *)rq;
	snprintf(k->login_cookie, sizeof(k->login_cookie),
		 "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", LOGIN_COOKIE, token, max_age,
		 R.secure_cookie ? "; Secure" : "");
	k->set_login_cookie = true;
}

void request_end_session(const struct web_request *rq)
{
	struct call *k = (struct call *)rq;
	if (k->sess)
		sess_end(k->sess);
}

int request_message(const struct web_request *rq, struct web_response *rs, int status,
		    const char *title, const char *message, struct ebba_err *err)
{
	json_t *ctx = json_pack("{s:s}", "message", message);
	buf_reset(&rs->body);
	int rc = web_page(rq, rs, title, "message", ctx, err);
	json_decref(ctx);
	rs->status = status;
	return rc;
}
