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
#include "ebba/store/web_completion.h"
#include "pages.h"
#include "request.h"

#define MAX_CHOSEN 20
#define MAX_FORM_ERRORS 4

/* The field an error about the documents leads to: the first checkbox
 * (form_json makes it so), or the message when the catalogue has none. */
#define DOCUMENTS_FIELD "handling-"

struct form_error {
	const char *field;
	const char *text;
};

/* The form as shown and as posted: the decision, the catalogue's documents
 * with what was chosen, the message and the deadline, and what is wrong. */
struct completion_form {
	const struct web_completion_view *v;
	const struct ruleset *cat;
	bool *checked;               /* one per document of the catalogue */
	size_t n_docs;
	const char *message;         /* "" when none */
	const char *deadline;
	struct form_error errors[MAX_FORM_ERRORS];
	size_t n_errors;
	const char *err_documents, *err_message, *err_deadline;   /* shown at their fields */
};

static void add_error(struct completion_form *f, const char *field, const char **at, const char *text)
{
	if (f->n_errors < MAX_FORM_ERRORS)
		f->errors[f->n_errors++] = (struct form_error){field, text};
	*at = text;
}

/* What rq posted (nothing for a GET). */
static void form_read(const struct web_request *rq, const struct web_completion_view *v,
		      const struct ruleset *cat, struct completion_form *f)
{
	bool post = strcmp(rq->method, "POST") == 0;
	*f = (struct completion_form){.v = v, .cat = cat};
	f->n_docs = ruleset_n_documents(cat);
	f->checked = xcalloc(f->n_docs + 1, sizeof(*f->checked));
	const char *doc_id, *doc_text;
	for (size_t i = 0; i < f->n_docs && ruleset_document(cat, i, &doc_id, &doc_text) == 0; i++) {
		char field[160];
		snprintf(field, sizeof(field), "handling-%s", doc_id);
		const char *val = post ? web_form(rq, field) : NULL;
		f->checked[i] = val && strcmp(val, "ja") == 0;
	}
	const char *m = post ? web_form(rq, "meddelande") : NULL;
	const char *dl = post ? web_form(rq, "sista_dag") : NULL;
	f->message = m ? m : "";
	f->deadline = dl ? dl : "";
}

/* The template's context, from the form alone. */
static json_t *form_json(const struct completion_form *f)
{
	json_t *docs = json_array(), *errors = json_array();
	const char *doc_id, *doc_text;
	char first[160] = DOCUMENTS_FIELD;
	for (size_t i = 0; i < f->n_docs && ruleset_document(f->cat, i, &doc_id, &doc_text) == 0; i++) {
		char field[160];
		snprintf(field, sizeof(field), "handling-%s", doc_id);
		if (i == 0)
			snprintf(first, sizeof(first), "%s", field);
		json_array_append_new(docs, json_pack("{s:s, s:s, s:b}", "field", field, "text", doc_text,
						      "checked", f->checked[i]));
	}
	for (size_t i = 0; i < f->n_errors; i++)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "field",
			strcmp(f->errors[i].field, DOCUMENTS_FIELD) == 0 ? first : f->errors[i].field,
			"text", f->errors[i].text));
	json_t *ctx = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:s}", "id", (json_int_t)f->v->id,
				"case_id", f->v->case_id, "period", f->v->period, "documents", docs,
				"message", f->message, "deadline", f->deadline, "example", "2026-12-31");
	if (f->n_errors) {
		json_object_set_new(ctx, "errors", errors);
		json_object_set_new(ctx, "has_errors", json_true());
	} else {
		json_decref(errors);
	}
	if (f->err_documents)
		json_object_set_new(ctx, "err_documents", json_string(f->err_documents));
	if (f->err_message)
		json_object_set_new(ctx, "err_message", json_string(f->err_message));
	if (f->err_deadline)
		json_object_set_new(ctx, "err_deadline", json_string(f->err_deadline));
	return ctx;
}

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

/* The form's own checks: errors in f. */
static void form_check(struct completion_form *f, size_t n_chosen)
{
	int y, mo, da;
	if (n_chosen == 0 && !*f->message)
		add_error(f, f->n_docs ? DOCUMENTS_FIELD : "meddelande", &f->err_documents,
			  "Välj minst en handling eller skriv ett meddelande");
	if (strlen(f->message) > 2000)
		add_error(f, "meddelande", &f->err_message, "Meddelandet får vara högst 2 000 tecken");
	if (sscanf(f->deadline, "%4d-%2d-%2d", &y, &mo, &da) != 3 || strlen(f->deadline) != 10)
		add_error(f, "sista-dag", &f->err_deadline, "Skriv sista dagen som ÅÅÅÅ-MM-DD");
	else if (!deadline_in_range(f->deadline))
		add_error(f, "sista-dag", &f->err_deadline, DEADLINE_RANGE_SV);
}

/* Asks for what the form chose, or errors in f. */
static int ask(const struct web_request *rq, const char *id, struct completion_form *f,
	       struct ebba_err *err)
{
	const char *chosen[MAX_CHOSEN];
	size_t n = 0;
	const char *doc_text;
	for (size_t i = 0; i < f->n_docs; i++)
		if (f->checked[i] && n < MAX_CHOSEN && ruleset_document(f->cat, i, &chosen[n], &doc_text) == 0)
			n++;
	form_check(f, n);
	if (f->n_errors)
		return 0;
	json_t *docs = json_array();
	struct ebba_buf letter = {0};
	long long request_id;
	struct ebba_err refused;
	int rc = ruleset_documents_request(f->cat, chosen, n, f->message, f->deadline, docs, &letter, err);
	char *text = rc == 0 ? json_dumps(docs, JSON_COMPACT) : NULL;
	if (rc == 0 && store_request_documents(rq->db, id, text, f->message, f->deadline, letter.data,
					       &request_id, &refused) != 0) {
		if (strstr(refused.msg, "deadline"))
			add_error(f, "sista-dag", &f->err_deadline, DEADLINE_RANGE_SV);
		else
			add_error(f, DOCUMENTS_FIELD, &f->err_documents,
				  "Ärendet kan inte kompletteras: det är redan prövat, omprövat eller begärt");
	}
	free(text);
	buf_free(&letter);
	json_decref(docs);
	return rc;
}

/* Once per referral of ebba's still open, by a caseworker (as the decision
 * page offers it: page_decision.c). */
static bool can_request(const struct web_request *rq, const struct web_completion_view *v)
{
	bool caseworker = rq->session && (rq->session->groups & WEB_CASEWORKER);
	return v->open && caseworker && v->outcome == OUTCOME_REFERRED && !v->requested;
}

static int refuse(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	rs->status = 409;
	json_t *m = json_pack("{s:s,s:s}", "message",
		"Det går inte att begära komplettering här: bara ebbas hänvisning som ingen har prövat, och en gång.",
		"back", "ko");
	int rc = web_page(rq, rs, "Komplettering", "message", m, err);
	json_decref(m);
	return rc;
}

int page_completion(const struct web_request *rq, struct web_response *rs, const char *id,
		    struct ebba_err *err)
{
	struct web_completion_view v;
	bool found;
	if (store_web_completion(rq->db, id, &v, &found, err) != 0)
		return -1;
	if (!found)
		return page_not_found(rq, rs, "Det finns inget sådant beslut.", err);
	if (!can_request(rq, &v)) {
		store_web_completion_view_free(&v);
		return refuse(rq, rs, err);
	}
	struct ruleset *cat = NULL;
	if (ruleset_load(request_config()->rules_dir, &cat, NULL, err) != 0) {
		store_web_completion_view_free(&v);
		return -1;
	}
	struct completion_form f;
	form_read(rq, &v, cat, &f);
	bool post = strcmp(rq->method, "POST") == 0;
	int rc = post ? ask(rq, id, &f, err) : 0;
	if (rc == 0 && post && f.n_errors == 0) {
		snprintf(rs->location, sizeof(rs->location), "/beslut/%s", id);
	} else if (rc == 0) {
		if (post)
			rs->status = 422;
		json_t *ctx = form_json(&f);
		rc = web_page(rq, rs, "Begär komplettering", "komplettering", ctx, err);
		json_decref(ctx);
	}
	free(f.checked);
	ruleset_free(cat);
	store_web_completion_view_free(&v);
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
