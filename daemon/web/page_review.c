/*
 * Pröva: the caseworker's own decision on one of ebba's (POST
 * /beslut/ID/prova; /beslut/ID/ta and /slapp are page_assign.c's), line by line with its letter (page_person.c,
 * page_review_lines): there is no other form.  A refused form shows the
 * decision page again (422) with a GOV.UK-style error summary whose links
 * lead to the fields; a saved one is a 303 to the person's decision.  Who
 * decided is the database's answer (ebba.decide_referral), never a field;
 * the decision, its letter and its access_log row commit together.  A
 * refused form shows the decision again, so it is a view and is logged as
 * one.
 */
#include <stdio.h>
#include <string.h>

#include "decision.h"
#include "ebba/intake/application.h"
#include "pages.h"

int page_review(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	char id[24] = "";
	int n = 0;
	const char *tail = rq->tail ? rq->tail : "";
	if (sscanf(tail, "%18[0-9]%n", id, &n) == 1 && strcmp(tail + n, "/komplettering") == 0)
		return page_completion(rq, rs, id, err);
	if (sscanf(tail, "%18[0-9]%n", id, &n) == 1 &&
	    (strcmp(tail + n, "/ta") == 0 || strcmp(tail + n, "/slapp") == 0))
		return page_assign(rq, rs, id, strcmp(tail + n, "/ta") == 0, err);
	if (sscanf(tail, "%18[0-9]%n", id, &n) != 1 || strcmp(tail + n, "/prova") != 0)
		return page_not_found(rq, rs, "Sidan finns inte.", err);
	struct web_decision_view v;
	json_t *ctx;
	struct application *app;
	int rc = decision_page_view(rq, rs, id, &v, &ctx, &app, err);
	bool open = decision_open(&v);
	if (rc != 0 || !ctx) {
		application_free(app);
		store_web_decision_view_free(&v);
		return rc;
	}
	json_object_set_new(ctx, "can_review", json_true());
	if (!open) {
		rs->status = 409;
		json_t *m = json_pack("{s:s,s:s}", "message",
			"Ärendet är redan prövat. Ett beslut prövas en gång; se prövningen på beslutssidan.",
			"back", "ko");
		rc = web_page(rq, rs, "Redan prövat", "message", m, err);
		json_decref(m);
		json_decref(ctx);
		application_free(app);
		store_web_decision_view_free(&v);
		return rc;
	}
	rc = page_review_lines(rq, rs, id, &v, app, ctx, err);
	json_decref(ctx);
	application_free(app);
	store_web_decision_view_free(&v);
	return rc;
}
