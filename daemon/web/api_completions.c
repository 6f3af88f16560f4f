/*
 * POST /api/v1/applications/{id}/completions (docs/architecture.md §13;
 * schema/027_completion.sql): the e-service's answer to a komplettering.
 *
 * The body is multipart/form-data, read by libmicrohttpd's post processor
 * from the body server.c has already gathered (the API's size limit
 * holds for the whole request: 413 above it).  Parts: at most one
 * "document" (the corrected application, validated by the parser ebbad
 * uses: 422 with its one-line error, and its id must be the
 * application's) and "attachment" parts, each a PDF, JPEG or PNG by its
 * content as libmagic sees it, whatever the client claimed: anything else
 * is 422 naming the part and what it is.  Nothing is stored unless all of
 * it is acceptable; then one transaction (store_completion) and 201.
 * 409 when no komplettering of the application waits for an answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <magic.h>
#include <microhttpd.h>

#include "ebba/intake/application.h"
#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/completions.h"
#include "api.h"
#include "api_notify.h"
#include "api_pool.h"

/* More parts than an answer needs is refused, not stored. */
#define MAX_PARTS 10

struct part {
	char name[16];              /* "document" or "attachment" */
	char filename[201];
	struct ebba_buf data;
};

struct parts {
	struct part p[MAX_PARTS];
	size_t n;
	char error[160];            /* the first thing wrong, or "" */
};

static void answer(struct web_response *rs, int status, const char *key, const char *value)
{
	json_t *o = json_pack("{s:s}", key, value);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	buf_reset(&rs->body);
	buf_puts(&rs->body, text ? text : "{\"error\":\"the answer could not be encoded\"}");
	buf_putc(&rs->body, '\n');
	free(text);
	rs->status = status;
	rs->content_type = "application/json";
}

/* A file name as stored and offered for download: no path, no control
 * character, no quote; "bilaga" when nothing is left. */
static void safe_filename(char *dst, size_t size, const char *name)
{
	const char *base = name ? strrchr(name, '/') : NULL;
	base = base ? base + 1 : name ? name : "";
	size_t k = 0;
	for (const unsigned char *c = (const unsigned char *)base; *c && k + 1 < size; c++)
		dst[k++] = (*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\') ? '_' : (char)*c;
	dst[k] = '\0';
	if (k == 0)
		snprintf(dst, size, "bilaga");
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct parts *ps = cls;
	bool document = strcmp(key, "document") == 0, attachment = strcmp(key, "attachment") == 0;
	if (!document && !attachment) {
		if (!ps->error[0])
			snprintf(ps->error, sizeof(ps->error),
				 "part \"%.40s\": only \"document\" and \"attachment\" parts are accepted", key);
		return MHD_YES;
	}
	/* a new part starts at offset 0 (an empty part may call only once) */
	if (off == 0) {
		if (ps->n == MAX_PARTS) {
			snprintf(ps->error, sizeof(ps->error), "more than %d parts", MAX_PARTS);
			return MHD_NO;
		}
		struct part *p = &ps->p[ps->n++];
		snprintf(p->name, sizeof(p->name), "%s", key);
		safe_filename(p->filename, sizeof(p->filename), filename);
	}
	if (ps->n > 0 && size > 0)
		buf_append(&ps->p[ps->n - 1].data, data, size);
	return MHD_YES;
}

static void parts_free(struct parts *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->p[i].data.data)
			explicit_bzero(ps->p[i].data.data, ps->p[i].data.len);
		buf_free(&ps->p[i].data);
	}
}

static bool multipart(const char *type)
{
	static const char want[] = "multipart/form-data";
	return type && strncasecmp(type, want, sizeof(want) - 1) == 0;
}

/* The parts of rq's body into ps; false with ps->error set. */
static bool read_parts(const struct api_request *rq, struct parts *ps)
{
	struct MHD_PostProcessor *pp = MHD_create_post_processor(rq->conn, 16 * 1024, on_part, ps);
	if (!pp) {
		snprintf(ps->error, sizeof(ps->error), "the multipart/form-data body has no boundary");
		return false;
	}
	enum MHD_Result r = MHD_post_process(pp, rq->body, rq->body_len);
	enum MHD_Result end = MHD_destroy_post_processor(pp);
	if (!ps->error[0] && (r != MHD_YES || end != MHD_YES))
		snprintf(ps->error, sizeof(ps->error), "the multipart/form-data body is not complete");
	return !ps->error[0];
}

/* libmagic's MIME type of data, one cookie per server thread. */
static const char *content_type_of(const struct ebba_buf *b)
{
	static _Thread_local magic_t cookie;
	if (!cookie) {
		cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
		if (cookie && magic_load(cookie, NULL) != 0) {
			magic_close(cookie);
			cookie = NULL;
		}
	}
	const char *t = cookie && b->len ? magic_buffer(cookie, b->data, b->len) : NULL;
	return t ? t : "unknown";
}

static const char *accepted_type(const char *t)
{
	static const char *const ok[] = {"application/pdf", "image/jpeg", "image/png"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(t, ok[i]) == 0)
			return ok[i];
	return NULL;
}

/*
 * The parts judged: files filled for the attachments, *doc for the
 * corrected document (validated, its id the application's).  false with
 * msg: the one line the 422 says.
 */
static bool judge(struct api_slot *s, const char *id, struct parts *ps,
		  struct completion_file *files, size_t *n, const struct part **doc,
		  char *msg, size_t size)
{
	*n = 0;
	*doc = NULL;
	for (size_t i = 0; i < ps->n; i++) {
		struct part *p = &ps->p[i];
		if (strcmp(p->name, "document") == 0) {
			struct application *app = NULL;
			struct ebba_err invalid;
			if (*doc) {
				snprintf(msg, size, "document: only one corrected document per answer");
				return false;
			}
			if (app_parse(api_slot_parser(s), p->data.data ? p->data.data : "", p->data.len,
				      &app, &invalid) != 0) {
				snprintf(msg, size, "document: %s", invalid.msg);
				return false;
			}
			bool same = strcmp(app->id, id) == 0;
			application_free(app);
			if (!same) {
				snprintf(msg, size, "document: its id is not the application's (%s)", id);
				return false;
			}
			*doc = p;
			continue;
		}
		const char *seen = content_type_of(&p->data);
		const char *type = accepted_type(seen);
		if (!type) {
			snprintf(msg, size, "attachment %zu (%.60s): its content is %.60s, not PDF, JPEG or PNG",
				 *n + 1, p->filename, seen);
			return false;
		}
		files[(*n)++] = (struct completion_file){.filename = p->filename, .media_type = type,
							 .data = p->data.data, .len = p->data.len};
	}
	if (!*doc && *n == 0) {
		snprintf(msg, size, "an answer needs a corrected document or at least one attachment");
		return false;
	}
	return true;
}

static int store(struct api_slot *s, const char *token, const char *id, const struct part *doc,
		 const struct completion_file *files, size_t n, enum completion_verdict *v,
		 long long *cid, struct ebba_err *err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		PGconn *db = api_slot_db(s, attempt > 0, err);
		if (!db)
			return -1;
		if (store_completion(db, token, id, doc ? (doc->data.data ? doc->data.data : "") : NULL,
				     doc ? doc->data.len : 0, files, n, v, cid, err) == 0)
			return 0;
		if (PQstatus(db) == CONNECTION_OK)
			return -1;
	}
	return -1;
}

static void stored(struct web_response *rs, enum completion_verdict v, long long cid)
{
	if (v == COMPLETION_STORED) {
		char num[24];
		snprintf(num, sizeof(num), "%lld", cid);
		answer(rs, 201, "completion", num);
		api_notify_inserted();
	} else if (v == COMPLETION_NOT_WAITING) {
		answer(rs, 409, "error", "no komplettering of this application waits for an answer "
			"(none was asked for, it was answered, or its deadline has passed)");
	} else if (v == COMPLETION_NOT_FOUND) {
		answer(rs, 404, "error", "no such application");
	} else if (v == COMPLETION_FORBIDDEN) {
		answer(rs, 403, "error", "the token's role may not submit applications (not in ebba_intake)");
	} else {
		rs->www_authenticate = "Bearer realm=\"ebba\"";
		answer(rs, 401, "error", "the token is not valid (unknown or revoked)");
	}
}

void api_completion(const struct api_request *rq, struct web_response *rs, const char *token,
		    const char *id)
{
	if (rq->too_large) {
		char msg[120];
		snprintf(msg, sizeof(msg), "the answer is larger than the limit of %zu bytes", api_max_body());
		answer(rs, 413, "error", msg);
		return;
	}
	if (!multipart(rq->content_type)) {
		answer(rs, 415, "error", "an answer must be sent as Content-Type: multipart/form-data");
		return;
	}
	struct parts *ps = xcalloc(1, sizeof(*ps));
	struct completion_file files[MAX_PARTS];
	const struct part *doc = NULL;
	size_t n = 0;
	char msg[EBBA_ERR_MAX + 100];
	struct api_slot *s = api_slot_take();
	bool ok = read_parts(rq, ps);
	if (!ok)
		snprintf(msg, sizeof(msg), "%s", ps->error);
	else
		ok = judge(s, id, ps, files, &n, &doc, msg, sizeof(msg));
	enum completion_verdict v = COMPLETION_UNAUTHENTICATED;
	long long cid = 0;
	struct ebba_err err;
	int rc = ok ? store(s, token, id, doc, files, n, &v, &cid, &err) : 0;
	api_slot_give(s);
	if (!ok) {
		answer(rs, 422, "error", msg);
	} else if (rc != 0) {
		pnr_scrub(err.msg);
		log_warn("ebba-web: api: POST completions: %s", err.msg);
		rs->retry_after = API_RETRY_AFTER;
		answer(rs, 503, "error", "the database is not available; nothing was kept, try again later");
	} else {
		stored(rs, v, cid);
	}
	parts_free(ps);
	free(ps);
}
