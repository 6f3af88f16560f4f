/*
 * GET /api/v1/applications/{id}/letters/{n}: the n-th letter of the
 * token's own application as its stored PDF (DESIGN.md §13; schema 022,
 * ebba.intake_letter), for the e-service's pages, which show the applicant
 * their own case.  The bytes are those that were sent: the PDF stored
 * write-once when the letter was first rendered (by ebba-deliver, as a
 * rule, before it delivered it).  A letter exists for the API once it is
 * delivered, as its event in GET /api/v1/applications/{id} says; until
 * then, and for another token's application, 404.
 *
 * Should no PDF be stored yet, it is rendered here, outside any
 * transaction, and offered to the database, which keeps the first it is
 * offered, as /beslut/ID/brev.pdf does for a person.  The export is logged
 * by the database in the statement that answers with the PDF.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/letter/letter_pdf.h"
#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/intake_tokens.h"
#include "api.h"
#include "api_pool.h"

static void letter_error(struct web_response *rs, int status, const char *message)
{
	buf_reset(&rs->body);
	buf_printf(&rs->body, "{\"error\":\"%s\"}\n", message);
	rs->status = status;
	rs->content_type = "application/json";
}

struct letter_call {
	const char *token, *id;
	int n;
	enum intake_verdict verdict;
	struct intake_letter l;
};

/* Once, then rendered and offered if the database asks for a PDF. */
static int ask(PGconn *db, struct letter_call *c, struct ebba_err *err)
{
	if (store_intake_letter(db, c->token, c->id, c->n, NULL, NULL, NULL, &c->verdict, &c->l, err) != 0)
		return -1;
	if (c->verdict != INTAKE_RENDER)
		return 0;
	struct ebba_buf fresh = {0};
	struct letter_pdf_opts o = {.created = c->l.created[0] ? c->l.created : NULL};
	char sha[sizeof(c->l.body_sha256)];
	memcpy(sha, c->l.body_sha256, sizeof(sha));
	int rc = letter_pdf_render(c->l.body.data ? c->l.body.data : "", c->l.body.len, &o, &fresh, err);
	if (rc != 0)
		ebba_err_prefix(err, "decision %s", c->l.decision_id);
	else
		rc = store_intake_letter(db, c->token, c->id, c->n, &fresh, sha, letter_pdf_renderer(),
					 &c->verdict, &c->l, err);
	buf_free(&fresh);
	if (rc == 0 && c->verdict == INTAKE_RENDER)
		rc = ebba_errf(err, "decision %s: the database stored no PDF", c->l.decision_id);
	return rc;
}

void api_letter(const struct api_request *rq, struct web_response *rs, const char *token,
		const char *id, int n)
{
	struct letter_call c = {.token = token, .id = id, .n = n};
	struct ebba_err err;
	struct api_slot *s = api_slot_take();
	PGconn *db = api_slot_db(s, false, &err);
	int rc = db ? ask(db, &c, &err) : -1;
	if (rc != 0 && db && PQstatus(db) != CONNECTION_OK) {
		db = api_slot_db(s, true, &err);
		rc = db ? ask(db, &c, &err) : -1;
	}
	api_slot_give(s);
	if (rc != 0) {
		pnr_scrub(err.msg);
		log_warn("ebba-web: api: GET " API_PREFIX "applications/{id}/letters/{n}: %s", err.msg);
		rs->retry_after = API_RETRY_AFTER;
		letter_error(rs, 503, "the database is not available; try again later");
	} else if (c.verdict == INTAKE_UNAUTHENTICATED) {
		rs->www_authenticate = "Bearer realm=\"ebba\"";
		letter_error(rs, 401, "the token is not valid (unknown or revoked)");
	} else if (c.verdict == INTAKE_FORBIDDEN) {
		letter_error(rs, 403, "the token's role may not read applications (not in ebba_intake)");
	} else if (c.verdict != INTAKE_OK) {
		letter_error(rs, 404, "no such letter");
	} else {
		buf_reset(&rs->body);
		buf_append(&rs->body, c.l.pdf.data, c.l.pdf.len);
		rs->status = 200;
		rs->content_type = "application/pdf";
		snprintf(rs->filename, sizeof(rs->filename), "%s-brev-%d.pdf", id, n);
	}
	store_intake_letter_free(&c.l);
}
