/*
 * Komplettering on the decision page (issue 29 item 2; schema 027):
 *
 *   GET  /beslut/ID/komplettering   the form: documents from the rule set's
 *                                   catalogue, a message, the deadline
 *   POST /beslut/ID/komplettering   asks (ebba.request_documents: the request
 *                                   and its letter in one statement), then
 *                                   303 to the decision; a refused form is
 *                                   shown again with its errors (422)
 *   GET  /beslut/ID/bilaga/N        an attachment the applicant sent, as a
 *                                   download only (Content-Disposition:
 *                                   attachment, nosniff: server.c), the view
 *                                   logged by ebba.completion_attachment
 *
 * Who asked is the database's person, never a field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "ebba/rules/rules.h"
#include "ebba/store/completions.h"
#include "decision.h"
#include "pages.h"
#include "request.h"

#define MAX_CHOSEN 20

static void add_error(json_t *ctx, const char *field, const char *key, const char *text)
{
	json_t *errors = json_object_get(ctx, "errors");
	if (!errors) {
		errors = json_array();
		json_object_set_new(ctx, "errors", errors);
	}
	json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "text", text));
	json_object_set_new(ctx, key, json_string(text));
	json_object_set_new(ctx, "has_errors", json_true());
}

/* The form's context: the decision's case and period, the catalogue with
 * what rq chose (a POST) checked. */
static json_t *form_ctx(const struct web_request *rq, const json_t *d, const struct ruleset *cat)
{
	json_t *ctx = json_pack("{s:O, s:O, s:O}", "id", json_object_get(d, "id"),
				"case_id", json_object_get(d, "case_id"), "period", json_object_get(d, "period"));
	json_t *docs = json_array();
	const char *doc_id, *doc_text;
	for (size_t i = 0; ruleset_document(cat, i, &doc_id, &doc_text) == 0; i++) {
		char field[160];
		snprintf(field, sizeof(field), "handling-%s", doc_id);
		const char *v = strcmp(rq->method, "POST") == 0 ? web_form(rq, field) : NULL;
		json_array_append_new(docs, json_pack("{s:s, s:s, s:b}", "field", field, "text", doc_text,
						      "checked", v && strcmp(v, "ja") == 0));
	}
	json_object_set_new(ctx, "documents", docs);
	const char *m = strcmp(rq->method, "POST") == 0 ? web_form(rq, "meddelande") : NULL;
	const char *dl = strcmp(rq->method, "POST") == 0 ? web_form(rq, "sista_dag") : NULL;
	json_object_set_new(ctx, "message", json_string(m ? m : ""));
	json_object_set_new(ctx, "deadline", json_string(dl ? dl : ""));
	json_object_set_new(ctx, "example", json_string("2026-12-31"));
	return ctx;
}

/* The request the form asks for, or errors in ctx. */
/* The range ebba.request_documents allows (schema 027), checked here too
 * so that the form names every error at once (the database still
 * decides: its day may differ from ours around midnight). */
#define DEADLINE_RANGE_SV "Sista dagen ska vara efter i dag och högst 90 dagar fram"
static bool deadline_in_range(const char *deadline)
{
	char today[DATE_BUF];
	int64_t days;
	struct ebba_err err;
	date_today_local(today);
	if (!date_is_iso(deadline) || date_days_between(today, deadline, &days, &err) != 0)
		return false;
	return days >= 1 && days <= 90;
}

static int ask(const struct web_request *rq, const char *id, const struct ruleset *cat, json_t *ctx,
	       struct ebba_err *err)
{
	const char *chosen[MAX_CHOSEN];
	size_t n = 0;
	json_t *v;
	size_t i;
	const char *doc_text;
	json_array_foreach(json_object_get(ctx, "documents"), i, v)
		if (json_is_true(json_object_get(v, "checked")) && n < MAX_CHOSEN &&
		    ruleset_document(cat, i, &chosen[n], &doc_text) == 0)
			n++;
	const char *message = json_string_value(json_object_get(ctx, "message"));
	const char *deadline = json_string_value(json_object_get(ctx, "deadline"));
	int y, mo, da;
	if (n == 0 && !*message)
		add_error(ctx, ruleset_n_documents(cat) ? "handling-" : "meddelande", "err_documents",
			  "Välj minst en handling eller skriv ett meddelande");
	if (strlen(message) > 2000)
		add_error(ctx, "meddelande", "err_message", "Meddelandet får vara högst 2 000 tecken");
	if (sscanf(deadline, "%4d-%2d-%2d", &y, &mo, &da) != 3 || strlen(deadline) != 10)
		add_error(ctx, "sista-dag", "err_deadline", "Skriv sista dagen som ÅÅÅÅ-MM-DD");
	else if (!deadline_in_range(deadline))
		add_error(ctx, "sista-dag", "err_deadline", DEADLINE_RANGE_SV);
	if (json_is_true(json_object_get(ctx, "has_errors")))
		return 0;
	json_t *docs = json_array();
	struct ebba_buf letter = {0};
	long long request_id;
	struct ebba_err refused;
	int rc = ruleset_documents_request(cat, chosen, n, message, deadline, docs, &letter, err);
	char *text = rc == 0 ? json_dumps(docs, JSON_COMPACT) : NULL;
	if (rc == 0 && store_request_documents(rq->db, id, text, message, deadline, letter.data,
					       &request_id, &refused) != 0) {
		if (strstr(refused.msg, "deadline"))
			add_error(ctx, "sista-dag", "err_deadline", DEADLINE_RANGE_SV);
		else
			add_error(ctx, "handling-", "err_documents",
				  "Ärendet kan inte kompletteras: det är redan prövat, omprövat eller begärt");
	}
	free(text);
	buf_free(&letter);
	json_decref(docs);
	return rc;
}

int page_completion(const struct web_request *rq, struct web_response *rs, const char *id,
		    struct ebba_err *err)
{
	json_t *d;
	int rc = decision_page_ctx(rq, rs, id, &d, err);
	if (rc != 0 || !d)
		return rc;
	if (!json_is_true(json_object_get(d, "can_request"))) {
		json_decref(d);
		rs->status = 409;
		json_t *m = json_pack("{s:s,s:s}", "message",
			"Det går inte att begära komplettering här: bara ebbas hänvisning som ingen har prövat, och en gång.",
			"back", "ko");
		rc = web_page(rq, rs, "Komplettering", "message", m, err);
		json_decref(m);
		return rc;
	}
	struct ruleset *cat = NULL;
	if (ruleset_load(request_config()->rules_dir, &cat, NULL, err) != 0) {
		json_decref(d);
		return -1;
	}
	json_t *ctx = form_ctx(rq, d, cat);
	json_decref(d);
	bool post = strcmp(rq->method, "POST") == 0;
	rc = post ? ask(rq, id, cat, ctx, err) : 0;
	if (rc == 0 && post && !json_is_true(json_object_get(ctx, "has_errors"))) {
		snprintf(rs->location, sizeof(rs->location), "/beslut/%s", id);
	} else if (rc == 0) {
		if (post)
			rs->status = 422;
		/* the first checkbox is where an error about the documents leads */
		json_t *first = json_array_get(json_object_get(ctx, "documents"), 0);
		json_t *e;
		size_t i;
		json_array_foreach(json_object_get(ctx, "errors"), i, e)
			if (strcmp(json_string_value(json_object_get(e, "field")), "handling-") == 0 && first)
				json_object_set(e, "field", json_object_get(first, "field"));
		rc = web_page(rq, rs, "Begär komplettering", "komplettering", ctx, err);
	}
	json_decref(ctx);
	ruleset_free(cat);
	return rc;
}

int page_completion_file(const struct web_request *rq, struct web_response *rs, const char *id,
			 const char *file, struct ebba_err *err)
{
	const char *p[] = {file, id, rq->client};
	PGresult *res = PQexecParams(rq->db,
		"select a.filename, a.media_type, a.content from ebba.completion_attachment($1::bigint, $3) a"
		" where exists (select 1 from ebba.completion_files f where f.id = $1::bigint"
		"               and f.decision_id = $2::bigint) and a.content is not null",
		3, NULL, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading an attachment: %s", PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return page_not_found(rq, rs, "Det finns ingen sådan bilaga.", err);
	}
	static const char *const types[] = {"application/pdf", "image/jpeg", "image/png"};
	const char *type = "application/octet-stream";
	for (size_t i = 0; i < 3; i++)
		if (strcmp(PQgetvalue(res, 0, 1), types[i]) == 0)
			type = types[i];
	rs->content_type = type;
	snprintf(rs->filename, sizeof(rs->filename), "bilaga-%s-%.80s", file, PQgetvalue(res, 0, 0));
	buf_append(&rs->body, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
	PQclear(res);
	return 0;
}
