/*
 * Stickprov: the open sample and targeted audit flags, 100 a page (a link
 * to the next), each resolved with a verdict (POST /stickprov/ID), and the
 * realised sample rate beside the one configured.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/store/web_pages.h"
#include "pages.h"

/* from: a flag the page must show (the one whose form had an error), or NULL
 * for the page the query string asks for. */
static int show(const struct web_request *rq, struct web_response *rs, json_t *extra,
		const char *from, struct ebba_err *err)
{
	const char *after = from ? NULL : web_query(rq, "efter");
	json_t *ctx;
	if (store_web_flags(rq->db, after, from, &ctx, err) != 0)
		return -1;
	json_object_set_new(ctx, "paged", json_boolean((after && *after) || from));
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(ctx, "flags"), i, f) {
		json_object_set_new(f, "label", json_string(sv_flag(json_string_value(json_object_get(f, "kind")))));
		json_object_set_new(f, "outcome_label", json_string(sv_outcome(json_string_value(json_object_get(f, "outcome")))));
	}
	json_array_foreach(json_object_get(ctx, "by_outcome"), i, f)
		json_object_set_new(f, "outcome_label", json_string(sv_outcome(json_string_value(json_object_get(f, "outcome")))));
	json_array_foreach(json_object_get(ctx, "resolved"), i, f) {
		json_object_set_new(f, "label", json_string(sv_flag(json_string_value(json_object_get(f, "kind")))));
		json_object_set_new(f, "verdict_label", json_string(sv_verdict(json_string_value(json_object_get(f, "verdict")))));
	}
	if (extra)
		json_object_update(ctx, extra);
	json_object_set_new(ctx, "can_resolve", json_boolean(rq->session && (rq->session->groups & WEB_CASEWORKER)));
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
