/*
 * Stickprov: the open sample and targeted audit flags, 100 a page (a link
 * to the next), each resolved with a verdict (POST /stickprov/ID), and the
 * realised sample rate beside the one configured.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/store/web_flags.h"
#include "ebba/store/web_pages.h"
#include "pages.h"

static json_t *open_flags_json(const struct web_flags_view *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n_flags; i++) {
		const struct web_flag_open *f = &v->flags[i];
		json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:o}",
			"id", (json_int_t)f->id, "label", sv_flag(decision_flag_kind_name(f->kind)),
			"reason", f->reason, "created", f->created,
			"decision_id", (json_int_t)f->decision_id, "case_id", f->case_id,
			"period", f->period, "outcome_label", outcome_sv(f->outcome),
			"amount", kr_json(f->has_amount, f->amount)));
	}
	return a;
}

/* The realised rate, one decimal with a comma ("12,5"). */
static json_t *rates_json(const struct web_flags_view *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n_rates; i++) {
		const struct web_flag_rate *r = &v->rates[i];
		char percent[32];
		snprintf(percent, sizeof(percent), "%.1f", r->percent);
		char *dot = strchr(percent, '.');
		if (dot)
			*dot = ',';
		json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:s}",
			"outcome_label", outcome_sv(r->outcome), "decided", (json_int_t)r->decided,
			"sampled", (json_int_t)r->sampled, "percent", percent));
	}
	return a;
}

/* "beslutet var fel: the note" */
static json_t *verdict_label(enum audit_verdict v, const char *note)
{
	return note ? json_sprintf("%s: %s", audit_verdict_sv(v), note) : json_string(audit_verdict_sv(v));
}

static json_t *resolved_json(const struct web_flags_view *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n_resolved; i++) {
		const struct web_flag_resolved *f = &v->resolved[i];
		json_array_append_new(a, json_pack("{s:s,s:I,s:o,s:s,s:s}",
			"label", sv_flag(decision_flag_kind_name(f->kind)),
			"decision_id", (json_int_t)f->decision_id,
			"verdict_label", verdict_label(f->verdict, f->verdict_note),
			"resolved_by", f->resolved_by, "resolved_at", f->resolved_at));
	}
	return a;
}

/* The template's context, from the view and nothing else. */
static json_t *flags_context(const struct web_flags_view *v, bool paged, bool can_resolve)
{
	return json_pack("{s:o,s:I,s:o,s:o,s:o,s:b,s:b}", "flags", open_flags_json(v),
			 "open", (json_int_t)v->open,
			 "next", v->has_next ? json_integer((json_int_t)v->next) : json_null(),
			 "by_outcome", rates_json(v), "resolved", resolved_json(v),
			 "paged", paged, "can_resolve", can_resolve);
}

/* from: a flag the page must show (the one whose form had an error), or NULL
 * for the page the query string asks for. */
static int show(const struct web_request *rq, struct web_response *rs, json_t *extra,
		const char *from, struct ebba_err *err)
{
	const char *after = from ? NULL : web_query(rq, "efter");
	struct web_flags_view v;
	if (store_web_flags(rq->db, after, from, &v, err) != 0) {
		store_web_flags_view_free(&v);
		return -1;
	}
	json_t *ctx = flags_context(&v, (after && *after) || from,
				    rq->session && (rq->session->groups & WEB_CASEWORKER));
	store_web_flags_view_free(&v);
	if (extra)
		json_object_update(ctx, extra);
	int rc = page_log(rq, "view", "audit_flags", NULL, err);
	if (rc == 0)
		rc = web_page(rq, rs, "Stickprov", "flags", ctx, err);
	json_decref(ctx);
	return rc;
}

int page_flags(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	return show(rq, rs, NULL, NULL, err);
}

int page_flag_resolve(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	char id[24];
	int n = 0;
	const char *tail = rq->tail ? rq->tail : "";
	if (sscanf(tail, "%18[0-9]%n", id, &n) != 1 || tail[n] != '\0')
		return page_not_found(rq, rs, "Det finns ingen sådan flagga.", err);
	const char *verdict = web_form(rq, "verdict"), *note = web_form(rq, "note");
	bool ok = verdict && (strcmp(verdict, "ok") == 0 || strcmp(verdict, "not-ok") == 0);
	const char *field = NULL, *text = NULL;
	if (rq->form_unreadable) {
		field = strcmp(rq->form_unreadable, "verdict") == 0 ? "verdict" : "note";
		text = WEB_FORM_UNREADABLE_TEXT;
	} else if (!ok) {
		field = "verdict";
		text = "Välj utfallet av granskningen";
	} else if ((strcmp(verdict, "not-ok") == 0 && (!note || !*note)) || (note && strlen(note) > 4000)) {
		field = "note";
		text = "Skriv en anteckning: den krävs när granskningen visar fel (högst 4000 tecken)";
	}
	if (field) {
		rs->status = 422;
		json_t *e = json_pack("{s:s,s:s,s:s}", "error_flag", id, "error_field", field,
				      "error_text", text);
		int rc = show(rq, rs, e, id, err);
		json_decref(e);
		return rc;
	}
	bool done;
	if (store_web_flag_resolve(rq->db, id, verdict, note, rq->client, &done, err) != 0)
		return -1;
	if (!done) {
		rs->status = 409;
		json_t *m = json_pack("{s:s,s:s}", "message", "Flaggan är redan avgjord eller finns inte.", "back", "stickprov");
		int rc = web_page(rq, rs, "Redan avgjord", "message", m, err);
		json_decref(m);
		return rc;
	}
	rs->status = 303;
	snprintf(rs->location, sizeof(rs->location), "/stickprov");
	return 0;
}
