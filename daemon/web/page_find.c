/*
 * Sök (issue 29, item 3): find a household by its case number or by a
 * person's identity number.  Both forms are POSTs: the number typed is in
 * no URL, so in no browser history, proxy log or Referer, even when a
 * person types an identity number into the case-number field.  A case
 * number found goes to its Hushåll page (303); an identity number is
 * answered on the page itself, from the keyed-hash index of
 * ebba.case_people (schema/026_find.sql), and its access-log row names the
 * hash, never the number.  The number is never repeated on the page once
 * it was valid, and never in a log line: a bad one's error names what is
 * wrong, not the number.  What is found is what the person's own
 * connection may read (row-level security on protected cases).
 */
#include <stdio.h>
#include <string.h>

#include "ebba/intake/case_frame.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/web_find.h"
#include "pages.h"

#define PNR_FIELD "personnummer"
#define CASE_FIELD "arende"

static int show(const struct web_request *rq, struct web_response *rs, json_t *ctx,
		struct ebba_err *err)
{
	int rc = web_page(rq, rs, "Sök", "find", ctx, err);
	json_decref(ctx);
	return rc;
}

/* The form again with text at field (422); value is what was typed, kept
 * in the field only when it was not a valid identity number. */
static int refuse(const struct web_request *rq, struct web_response *rs, const char *field,
		  const char *text, const char *value, struct ebba_err *err)
{
	rs->status = 422;
	json_t *ctx = json_pack("{s:s,s:s,s:b}", "error_field", field, "error_text", text,
				strcmp(field, PNR_FIELD) == 0 ? "err_pnr" : "err_case", 1);
	json_object_set_new(ctx, strcmp(field, PNR_FIELD) == 0 ? "pnr_value" : "case_value",
			    json_string(value && !rq->form_unreadable ? value : ""));
	return show(rq, rs, ctx, err);
}

int page_find(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	return show(rq, rs, json_object(), err);
}

static int find_case(const struct web_request *rq, struct web_response *rs, const char *id,
		     struct ebba_err *err)
{
	if (!*id || strlen(id) > FRAME_ID_MAX || strchr(id, '/') || pnr_in_text(id))
		return refuse(rq, rs, CASE_FIELD,
			      pnr_in_text(id) ? "Ärendenummer: det här ser ut som ett personnummer, sök på det i fältet Personnummer"
					      : "Ärendenummer: ange ärendets nummer, högst 64 tecken utan snedstreck",
			      pnr_in_text(id) ? "" : id, err);
	bool exists;
	if (store_web_case_exists(rq->db, id, &exists, err) != 0)
		return -1;
	if (!exists)
		return refuse(rq, rs, CASE_FIELD, "Ärendenummer: det finns inget ärende med det numret som du kan se", id, err);
	rs->status = 303;
	snprintf(rs->location, sizeof(rs->location), "/hushall/%s", id);
	return 0;
}

/* What the person is in a case, in words: "sökande, barn".  "In the
 * household" says nothing beside a role of an application. */
static void role_words(const struct web_find_case *c, char *words, size_t size)
{
	size_t at = 0;
	words[0] = '\0';
	for (size_t j = 0; j < c->n_roles; j++) {
		if (c->n_roles > 1 && c->roles[j] == CASE_ROLE_HOUSEHOLD)
			continue;
		if (at < size)
			at += (size_t)snprintf(words + at, size - at, "%s%s", at ? ", " : "",
					       case_role_sv(c->roles[j]));
	}
}

/* The template's context for a search's answer, from the view and nothing else. */
static json_t *found_context(const struct web_find_view *v)
{
	json_t *cases = json_array();
	for (size_t i = 0; i < v->n_cases; i++) {
		const struct web_find_case *c = &v->cases[i];
		char words[160];
		role_words(c, words, sizeof(words));
		json_array_append_new(cases, json_pack("{s:s,s:s,s:s?,s:s}", "case_id", c->case_id,
			"role_words", words, "period", c->period,
			"outcome_label", c->decided ? outcome_sv(c->outcome) : ""));
	}
	char heading[64];
	snprintf(heading, sizeof(heading), "%zu %s", v->n_cases, v->n_cases == 1 ? "ärende" : "ärenden");
	return json_pack("{s:b,s:o,s:b,s:s}", "searched", 1, "cases", cases, "found", v->n_cases > 0,
			 "found_text", heading);
}

static int find_person(const struct web_request *rq, struct web_response *rs, const char *typed,
		       struct ebba_err *err)
{
	struct pnr p;
	struct ebba_err why;
	char trimmed[32];
	size_t n = strspn(typed, " ");
	snprintf(trimmed, sizeof(trimmed), "%s", typed + n);
	for (n = strlen(trimmed); n && trimmed[n - 1] == ' '; n--)
		trimmed[n - 1] = '\0';
	if (strlen(typed) > 24 || pnr_parse(trimmed, strlen(trimmed), &p, &why) != 0)
		return refuse(rq, rs, PNR_FIELD,
			      "Personnummer: ange ett giltigt personnummer med tolv siffror, ÅÅÅÅMMDDNNNN eller ÅÅÅÅMMDD-NNNN",
			      strlen(typed) > 24 ? "" : typed, err);
	struct web_find_view v;
	if (store_web_find_person(rq->db, p.digits, rq->client, &v, err) != 0) {
		store_web_find_view_free(&v);
		return -1;
	}
	json_t *ctx = found_context(&v);
	store_web_find_view_free(&v);
	return show(rq, rs, ctx, err);
}

int page_find_post(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *id = web_form(rq, CASE_FIELD), *typed = web_form(rq, PNR_FIELD);
	if (rq->form_unreadable)
		return refuse(rq, rs, strcmp(rq->form_unreadable, CASE_FIELD) == 0 ? CASE_FIELD : PNR_FIELD,
			      WEB_FORM_UNREADABLE_TEXT, NULL, err);
	if (id)
		return find_case(rq, rs, id, err);
	if (typed)
		return find_person(rq, rs, typed, err);
	return refuse(rq, rs, PNR_FIELD, "Personnummer: ange personnumret du söker", "", err);
}
