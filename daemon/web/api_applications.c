/*
 * POST /api/v1/applications and GET /api/v1/applications/{id}
 * (docs/architecture.md §13; schema/ebba-api.openapi.yaml).
 *
 * POST: the token first, before anything that costs: 401 without a
 * well-formed bearer token, then the database checks it (ebba.intake_token_
 * check: 401 unknown or revoked, 403 its role is not in ebba_intake), so a
 * flood with a made-up token costs one indexed look-up each and never a
 * validation.  Then 413 over the document limit (server.c hands a request
 * over as soon as its Content-Length says so, before reading the body, and
 * while the body streams in), 415 unless application/xml, then the
 * document is parsed and validated by the very parser `ebbactl validate`
 * and ebbad use: 422 with its one-line error.  A valid document goes into
 * the inbox in one statement (ebba.intake_submit, which checks the token
 * again): 201 with Location, 200 when this token sent the same bytes under
 * that id before, 409 when the id is taken.  Whenever the database does not
 * answer, or refuses the write: 503 with Retry-After, and nothing was kept.
 * ebba_web_api_documents_total (web_metrics.h) counts the validations.
 *
 * GET: the state of the token's own submission and its events (schema
 * 023: received, decided, reviewed, letter); any other id is 404, whether
 * it exists or not.  GET .../{id}/letters/{n} is api_letters.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ebba/intake/application.h"
#include "ebba/lib/embedded.h"
#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/intake_tokens.h"
#include "api.h"
#include "api_notify.h"
#include "api_pool.h"
#include "web_metrics.h"

#define APPLICATIONS API_PREFIX "applications"

int api_init(const struct ebba_config *c, const char *conninfo, unsigned threads,
	     struct ebba_err *err)
{
	if (api_pool_init(c, conninfo, threads, err) != 0)
		return -1;
	return api_notify_start(conninfo, c->statement_timeout_ms, err);
}

void api_shutdown(void)
{
	api_notify_stop();
	api_pool_shutdown();
}

bool api_owns(const char *path)
{
	return strncmp(path, API_PREFIX, strlen(API_PREFIX)) == 0 || strcmp(path, "/api/v1") == 0;
}

/* --- answers ----------------------------------------------------------------- */

/* Takes obj (NULL only if a string was not UTF-8, which the parser
 * refuses first; then the body is a generic error). */
static void reply(struct web_response *rs, int status, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	buf_reset(&rs->body);
	buf_puts(&rs->body, text ? text : "{\"error\":\"the answer could not be encoded\"}");
	buf_putc(&rs->body, '\n');
	free(text);
	rs->status = status;
	rs->content_type = "application/json";
}

static void reply_error(struct web_response *rs, int status, const char *message)
{
	reply(rs, status, json_pack("{s:s}", "error", message));
}

static void reply_unauthenticated(struct web_response *rs, const char *message)
{
	rs->www_authenticate = "Bearer realm=\"ebba\"";
	reply_error(rs, 401, message);
}

static void reply_unavailable(struct web_response *rs, const char *what, const struct ebba_err *err)
{
	char text[EBBA_ERR_MAX];
	snprintf(text, sizeof(text), "%s", err->msg);
	pnr_scrub(text);
	log_warn("ebba-web: api: %s: %s", what, text);
	rs->retry_after = API_RETRY_AFTER;
	reply_error(rs, 503, "the database is not available; nothing was kept, try again later");
}

/* The answer to a token the database refused (or INTAKE_OK: none). */
static bool reply_refused_token(struct web_response *rs, enum intake_verdict v)
{
	if (v == INTAKE_UNAUTHENTICATED)
		reply_unauthenticated(rs, "the token is not valid (unknown or revoked)");
	else if (v == INTAKE_FORBIDDEN)
		reply_error(rs, 403, "the token's role may not submit applications (not in ebba_intake)");
	else
		return false;
	return true;
}

/* --- the request --------------------------------------------------------------- */

/* "Bearer <64 hex digits>" into token; false for anything else. */
static bool bearer(const struct api_request *rq, char token[INTAKE_TOKEN_LEN + 1])
{
	const char *h = rq->authorization;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	size_t n = strspn(h, "0123456789abcdef");
	if (n != INTAKE_TOKEN_LEN || h[n + strspn(h + n, " ")] != '\0')
		return false;
	memcpy(token, h, INTAKE_TOKEN_LEN);
	token[INTAKE_TOKEN_LEN] = '\0';
	return true;
}

/* application/xml, with parameters (charset) or without. */
static bool xml_content(const char *type)
{
	static const char want[] = "application/xml";
	if (!type || strncasecmp(type, want, sizeof(want) - 1) != 0)
		return false;
	char next = type[sizeof(want) - 1];
	return next == '\0' || next == ';' || next == ' ';
}

/* An id as the schema allows it ([A-Za-z0-9][A-Za-z0-9._:-]{0,63}). */
static bool id_ok(const char *id)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t n = strlen(id);
	return n >= 1 && n <= 64 && strchr(first, id[0]) &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n;
}

/* --- the database, once more on a fresh connection ------------------------------- */

struct db_call {
	const char *token;
	const struct application *app;    /* submit; NULL: only check the token */
	const struct api_request *rq;
	const char *id;                   /* status */
	enum intake_verdict verdict;
	int64_t inbox_id;
	struct intake_status status;
};

typedef int (*db_fn)(PGconn *db, struct db_call *c, struct ebba_err *err);

static int do_submit(PGconn *db, struct db_call *c, struct ebba_err *err)
{
	if (!c->app)
		return store_intake_token_check(db, c->token, &c->verdict, err);
	return store_intake_submit(db, c->token, c->app->id, c->app->case_id, c->app->period,
				   c->rq->body, c->rq->body_len, &c->verdict, &c->inbox_id, err);
}

static int do_status(PGconn *db, struct db_call *c, struct ebba_err *err)
{
	return store_intake_status(db, c->token, c->id, &c->verdict, &c->status, err);
}

/*
 * fn on the slot's connection.  A connection from before a database
 * restart fails at its first use; then once more on a new one.  (A submit
 * that committed but whose answer was lost is then "exists": 200, which
 * is what the client needs to hear.)
 */
static int call_db(struct api_slot *s, db_fn fn, struct db_call *c, struct ebba_err *err)
{
	PGconn *db = api_slot_db(s, false, err);
	if (!db)
		return -1;
	if (fn(db, c, err) == 0)
		return 0;
	if (PQstatus(db) == CONNECTION_OK)
		return -1;
	db = api_slot_db(s, true, err);
	return db ? fn(db, c, err) : -1;
}

/* --- POST /api/v1/applications --------------------------------------------------- */

static void submitted(struct web_response *rs, const struct application *app, bool created)
{
	snprintf(rs->location, sizeof(rs->location), APPLICATIONS "/%s", app->id);
	reply(rs, created ? 201 : 200,
	      json_pack("{s:s, s:s, s:b}", "id", app->id, "location", rs->location, "created", created));
}

static void post_application(const struct api_request *rq, struct web_response *rs)
{
	char token[INTAKE_TOKEN_LEN + 1];
	if (!bearer(rq, token)) {
		reply_unauthenticated(rs, "a bearer token is required (Authorization: Bearer TOKEN)");
		return;
	}
	struct api_slot *s = api_slot_take();
	struct application *app = NULL;
	struct ebba_err invalid, err;
	struct db_call c = {.token = token, .rq = rq};
	/* The token before the size, the type and above all the validation. */
	int rc = call_db(s, do_submit, &c, &err);
	if (rc == 0 && c.verdict == INTAKE_OK && !rq->too_large && xml_content(rq->content_type)) {
		bool valid = app_parse(api_slot_parser(s), rq->body, rq->body_len, &app, &invalid) == 0;
		web_metrics_api_document(valid);
		if (valid) {
			c.app = app;
			rc = call_db(s, do_submit, &c, &err);
		}
	}
	api_slot_give(s);
	explicit_bzero(token, sizeof(token));
	if (rc != 0) {
		reply_unavailable(rs, "POST " APPLICATIONS, &err);
	} else if (reply_refused_token(rs, c.verdict)) {
		/* 401 or 403, whatever the request carried */
	} else if (rq->too_large) {
		char msg[120];
		snprintf(msg, sizeof(msg), "document: larger than the limit of %zu bytes", api_max_body());
		reply_error(rs, 413, msg);
	} else if (!xml_content(rq->content_type)) {
		reply_error(rs, 415, "the document must be sent as Content-Type: application/xml");
	} else if (!app) {
		reply_error(rs, 422, invalid.msg);
	} else if (c.verdict == INTAKE_CREATED || c.verdict == INTAKE_EXISTS) {
		if (c.verdict == INTAKE_CREATED)
			api_notify_inserted();
		submitted(rs, app, c.verdict == INTAKE_CREATED);
	} else if (c.verdict == INTAKE_CONFLICT) {
		reply_error(rs, 409, "an application with this id was submitted before with other content");
	} else {
		reply_unavailable(rs, "POST " APPLICATIONS, &(struct ebba_err){.msg = "unexpected verdict"});
	}
	application_free(app);
}

/* --- GET /api/v1/applications/{id} ---------------------------------------------- */

static const char *public_state(const char *inbox_state)
{
	if (strcmp(inbox_state, "decided") == 0)
		return "decided";
	if (strcmp(inbox_state, "quarantined") == 0)
		return "quarantined";
	return "received";
}

static json_t *status_json(const char *id, const struct intake_status *st)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "id", id, "state", public_state(st->state),
			      "received_at", st->received_at);
	if (st->outcome[0]) {
		json_object_set_new(o, "outcome", json_string(st->outcome));
		json_object_set_new(o, "amount", st->has_amount ? json_integer(st->amount) : json_null());
		json_object_set_new(o, "decided_at", json_string(st->decided_at));
		json_object_set_new(o, "reviewed", json_boolean(st->reviewed));
	}
	json_t *events = json_loadb(st->events.data ? st->events.data : "[]", st->events.len, 0, NULL);
	if (!json_is_array(events)) {
		log_warn("ebba-web: api: an application's events are not a JSON array");
		json_decref(events);
		events = json_array();
	}
	json_object_set_new(o, "events", events);
	return o;
}

/* "ID/letters/N" into id and n (1 to 999 999); false for anything else. */
static bool letter_path(const char *rest, char id[65], int *n)
{
	const char *slash = strchr(rest, '/');
	static const char mid[] = "/letters/";
	if (!slash || (size_t)(slash - rest) > 64 || strncmp(slash, mid, sizeof(mid) - 1) != 0)
		return false;
	const char *num = slash + sizeof(mid) - 1;
	size_t len = strlen(num);
	if (len < 1 || len > 6 || num[0] == '0' || strspn(num, "0123456789") != len)
		return false;
	memcpy(id, rest, (size_t)(slash - rest));
	id[slash - rest] = '\0';
	*n = atoi(num);
	return true;
}

static void get_application(const struct api_request *rq, struct web_response *rs, const char *rest)
{
	char token[INTAKE_TOKEN_LEN + 1];
	if (!bearer(rq, token)) {
		reply_unauthenticated(rs, "a bearer token is required (Authorization: Bearer TOKEN)");
		return;
	}
	char letter_of[65];
	int n = 0;
	bool letter = letter_path(rest, letter_of, &n);
	const char *id = letter ? letter_of : rest;
	/* No application holds an identity number in its id (intake refuses
	 * one): no need to ask, nor to send it to the database. */
	if (!id_ok(id) || pnr_in_text(id)) {
		explicit_bzero(token, sizeof(token));
		reply_error(rs, 404, letter ? "no such letter" : "no such application");
		return;
	}
	if (letter) {
		api_letter(rq, rs, token, id, n);
		explicit_bzero(token, sizeof(token));
		return;
	}
	struct api_slot *s = api_slot_take();
	struct db_call c = {.token = token, .rq = rq, .id = id};
	struct ebba_err err;
	int rc = call_db(s, do_status, &c, &err);
	api_slot_give(s);
	explicit_bzero(token, sizeof(token));
	if (rc != 0)
		reply_unavailable(rs, "GET " APPLICATIONS "/{id}", &err);
	else if (c.verdict == INTAKE_OK)
		reply(rs, 200, status_json(id, &c.status));
	else if (!reply_refused_token(rs, c.verdict))
		reply_error(rs, 404, "no such application");
	store_intake_status_free(&c.status);
}

/* "{id}/completions" (an id as the schema allows it, and no identity
 * number) into id. */
static bool completion_path(const char *rest, char id[65])
{
	static const char tail[] = "/completions";
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : 0;
	if (!slash || n == 0 || n > 64 || strcmp(slash, tail) != 0)
		return false;
	memcpy(id, rest, n);
	id[n] = '\0';
	return id_ok(id) && !pnr_in_text(id);
}

/* --- routing ------------------------------------------------------------------------ */

static void openapi(struct web_response *rs)
{
	const struct embedded_file *f = embedded_find("ebba-api.openapi.yaml");
	if (!f) {
		reply_error(rs, 404, "no such resource");
		return;
	}
	buf_append(&rs->body, f->data, f->len);
	rs->content_type = "application/yaml";
}

static void method_not_allowed(struct web_response *rs, const char *allow)
{
	rs->allow = allow;
	reply_error(rs, 405, "method not allowed");
}

void api_handle(const struct api_request *rq, struct web_response *rs)
{
	bool get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
	const char *p = rq->path;
	size_t n = strlen(APPLICATIONS);
	char token[INTAKE_TOKEN_LEN + 1];
	char completion_of[65];
	bool openapi_path = strcmp(p, API_PREFIX "openapi.yaml") == 0;
	/* Without a token, nothing but the description: not even which
	 * methods a path has. */
	if (!openapi_path && !bearer(rq, token))
		reply_unauthenticated(rs, "a bearer token is required (Authorization: Bearer TOKEN)");
	else if (strcmp(p, APPLICATIONS) == 0 && post)
		post_application(rq, rs);
	else if (strcmp(p, APPLICATIONS) == 0)
		method_not_allowed(rs, "POST");
	else if (strncmp(p, APPLICATIONS "/", n + 1) == 0 && completion_path(p + n + 1, completion_of) && post)
		api_completion(rq, rs, token, completion_of);
	else if (strncmp(p, APPLICATIONS "/", n + 1) == 0 && completion_path(p + n + 1, completion_of))
		method_not_allowed(rs, "POST");
	else if (strncmp(p, APPLICATIONS "/", n + 1) == 0 && get)
		get_application(rq, rs, p + n + 1);
	else if (strncmp(p, APPLICATIONS "/", n + 1) == 0)
		method_not_allowed(rs, "GET");
	else if (strcmp(p, API_PREFIX "decisions") == 0 && get)
		api_decisions(rq, rs, token);
	else if (strcmp(p, API_PREFIX "decisions") == 0)
		method_not_allowed(rs, "GET");
	else if (openapi_path && get)
		openapi(rs);
	else
		reply_error(rs, 404, "no such resource");
	explicit_bzero(token, sizeof(token));
}
