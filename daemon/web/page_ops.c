/*
 * Drift (supervisors): the inbox by state, how fast work arrives and is
 * decided, the workers seen lately, and the latest quarantined documents
 * with their one-line errors.
 */
#include "ebba/store/web_ops.h"
#include "pages.h"

/* The template's context, from the view and nothing else. */
static json_t *ops_context(const struct web_ops_view *v)
{
	json_t *workers = json_array(), *quarantined = json_array(), *failed = json_array();
	for (size_t i = 0; i < v->n_workers; i++) {
		const struct web_ops_worker *w = &v->workers[i];
		json_array_append_new(workers, json_pack("{s:s,s:s,s:I,s:s,s:I}", "owner", w->owner,
			"last_seen", w->last_seen, "ago", (json_int_t)w->ago_seconds,
			"started", w->started, "rows", (json_int_t)w->decided));
	}
	for (size_t i = 0; i < v->n_quarantine; i++) {
		const struct web_ops_quarantined *q = &v->quarantine[i];
		json_array_append_new(quarantined, json_pack("{s:I,s:s,s:s,s:I,s:s}",
			"id", (json_int_t)q->inbox_id, "external_id", q->external_id,
			"received", q->received, "attempts", (json_int_t)q->attempts, "error", q->error));
	}
	for (size_t i = 0; i < v->n_failed_letters; i++) {
		const struct web_ops_letter_failed *l = &v->failed_letters[i];
		json_array_append_new(failed, json_pack("{s:I,s:s,s:I,s:s,s:s}",
			"decision", (json_int_t)l->decision_id, "channel", l->channel,
			"attempts", (json_int_t)l->attempts, "at", l->gave_up_at, "error", l->error));
	}
	return json_pack("{s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I,s:I,s:I},"
			 "s:o,s:o,s:o}",
			 "counts", "pending", (json_int_t)v->pending, "processing",
			 (json_int_t)v->processing, "decided", (json_int_t)v->decided,
			 "quarantined", (json_int_t)v->quarantined,
			 "rates", "received_hour", (json_int_t)v->received_hour, "decided_hour",
			 (json_int_t)v->decided_hour, "decided_day", (json_int_t)v->decided_day,
			 "letters", "queued", (json_int_t)v->letters_queued, "claimed",
			 (json_int_t)v->letters_claimed, "print", (json_int_t)v->letters_print,
			 "protected", (json_int_t)v->letters_protected, "digital",
			 (json_int_t)v->letters_digital, "failed", (json_int_t)v->letters_failed,
			 "workers", workers, "quarantined", quarantined, "letters_failed", failed);
}

int page_ops(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	struct web_ops_view v;
	if (store_web_ops(rq->db, &v, err) != 0) {
		store_web_ops_view_free(&v);
		return -1;
	}
	json_t *ctx = ops_context(&v);
	store_web_ops_view_free(&v);
	int rc = page_log(rq, "view", "operations", NULL, err);
	if (rc == 0)
		rc = web_page(rq, rs, "Drift", "ops", ctx, err);
	json_decref(ctx);
	return rc;
}
