/*
 * Pröva: the caseworker's own decision on one of ebba's (POST
 * /beslut/ID/prova).  A refused form shows the decision page again (422)
 * with a GOV.UK-style error summary whose links lead to the fields; a
 * saved one is a 303 back to the queue.  Who decided is the database's
 * answer (store_web_resolve), never a field; the decision and its
 * access_log row commit together.  A refused form shows the decision
 * again, so it is a view and is logged as one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision.h"
#include "ebba/store/web_pages.h"
#include "pages.h"

#define NOTE_MAX 4000

static void add_error(json_t *ctx, const char *field, const char *key, const char *text)
{
	json_t *errors = json_object_get(ctx, "errors");
	if (!errors) {
		errors = json_array();
		json_object_set_new(ctx, "errors", errors);
	}
	json_array_append_new(errors, json_pack("{s:s,s:s}", "field", field, "text", text));
	json_object_set_new(ctx, key, json_string(text));
	json_object_set_new(ctx, "has_errors", json_true());
}

/* Whole kronor, 0..99 999 999. */
static bool amount_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 8 || strspn(s, "0123456789") != strlen(s))
		return false;
	return true;
}

static void validate(json_t *ctx, const char *verdict, const char *amount, const char *note)
{
	bool reject = verdict && strcmp(verdict, "reject") == 0;
	bool adjust = verdict && strcmp(verdict, "adjust") == 0;
	if (!verdict || !(reject || adjust || strcmp(verdict, "approve") == 0))
		add_error(ctx, "verdict", "err_verdict", "Välj ett beslut: bevilja, bevilja med annat belopp eller avslå");
	if (adjust && !amount_ok(amount))
		add_error(ctx, "amount", "err_amount", "Ange beloppet i hela kronor, till exempel 18700");
	else if (!adjust && amount && *amount)
		add_error(ctx, "amount", "err_amount", "Ange ett belopp bara när du beviljar med annat belopp");
	if ((reject || adjust) && (!note || !*note))
		add_error(ctx, "note", "err_note", "Skriv en anteckning: den krävs vid avslag och ändrat belopp");
	else if (note && strlen(note) > NOTE_MAX)
		add_error(ctx, "note", "err_note", "Anteckningen får vara högst 4000 tecken");
}

static int refuse(const struct web_request *rq, struct web_response *rs, json_t *ctx,
		  int status, struct ebba_err *err)
{
	rs->status = status;
	if (page_log(rq, "view", "decision", json_string_value(json_object_get(ctx, "id_text")), err) != 0)
		return -1;
	char title[96];
	snprintf(title, sizeof(title), "Fel i prövningen av beslut %s",
		 json_string_value(json_object_get(ctx, "id_text")));
	return web_page(rq, rs, title, "decision", ctx, err);
}

static void keep_form(json_t *ctx, const char *verdict, const char *amount, const char *note)
{
	json_object_set_new(ctx, "f_amount", json_string(amount ? amount : ""));
	json_object_set_new(ctx, "f_note", json_string(note ? note : ""));
	if (verdict && strlen(verdict) < 16) {
		char key[24];
		snprintf(key, sizeof(key), "v_%s", verdict);
		json_object_set_new(ctx, key, json_true());
	}
}

int page_review(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	char id[24] = "";
	int n = 0;
	const char *tail = rq->tail ? rq->tail : "";
	if (sscanf(tail, "%18[0-9]%n", id, &n) != 1 || strcmp(tail + n, "/prova") != 0)
		return page_not_found(rq, rs, "Sidan finns inte.", err);
	json_t *ctx;
	int prc = decision_page_ctx(rq, rs, id, &ctx, err);
	if (prc != 0 || !ctx)
		return prc;
	const char *verdict = web_form(rq, "verdict"), *amount = web_form(rq, "amount");
	const char *note = web_form(rq, "note");
	int rc;
	json_object_set_new(ctx, "can_review", json_true());
	keep_form(ctx, verdict, amount, note);
	if (!json_is_true(json_object_get(ctx, "open"))) {
		json_object_set_new(ctx, "can_review", json_false());
		json_object_set_new(ctx, "refused", json_true());
		rs->status = 409;
		json_t *m = json_pack("{s:s,s:s}", "message",
			"Ärendet är redan prövat. Ett beslut prövas en gång; se prövningen på beslutssidan.",
			"back", "ko");
		rc = web_page(rq, rs, "Redan prövat", "message", m, err);
		json_decref(m);
		json_decref(ctx);
		return rc;
	}
	if (web_form(rq, "lines")) {
		rc = page_review_lines(rq, rs, id, ctx, err);
		json_decref(ctx);
		return rc;
	}
	if (rq->form_unreadable) {
		/* At its field; the note is the form's text, and anything else too. */
		const char *f = rq->form_unreadable;
		f = strcmp(f, "verdict") == 0 || strcmp(f, "amount") == 0 ? f : "note";
		char key[16];
		snprintf(key, sizeof(key), "err_%s", f);
		add_error(ctx, f, key, WEB_FORM_UNREADABLE_TEXT);
	}
	validate(ctx, verdict, amount, note);
	if (json_is_true(json_object_get(ctx, "has_errors"))) {
		rc = refuse(rq, rs, ctx, 422, err);
		json_decref(ctx);
		return rc;
	}
	int64_t new_id;
	rc = store_web_resolve(rq->db, id, verdict, strcmp(verdict, "adjust") == 0 ? amount : NULL,
			       note ? note : "", rq->client, &new_id, err);
	if (rc == 0 && new_id == 0) {
		/* Someone else was first, between the page and the form. */
		add_error(ctx, "verdict", "err_verdict", "Ärendet har redan prövats av någon annan; ditt beslut sparades inte");
		json_object_set_new(ctx, "has_errors", json_true());
		rc = refuse(rq, rs, ctx, 409, err);
	} else if (rc == 0) {
		rs->status = 303;
		snprintf(rs->location, sizeof(rs->location), "/ko?sparat=%lld", (long long)new_id);
	}
	json_decref(ctx);
	return rc;
}
