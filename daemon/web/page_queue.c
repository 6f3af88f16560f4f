/*
 * Arbetskö: what a person still has to look at, oldest first, the first
 * reason in full, who has taken each case (Handläggare, with Ta ärendet
 * for one nobody has), with filters (a GET form, so a filtered queue is a
 * link; Mina / Otilldelade among them), the count per check that failed,
 * worded as the rule set describes the check, and 100 a page (a link to
 * the next, filters kept).  Assignments idle past web.assign_idle_minutes
 * are released before the queue is read, so none is shown as taken.
 */
#include <ctype.h>
#include <string.h>

#include "check_words.h"
#include "ebba/store/assign.h"
#include "ebba/store/web_queue.h"
#include "ebba/store/web_saved.h"
#include "pages.h"
#include "request.h"
#include "ebba/lib/outcome.h"

/* A filter value is used only when it has the shape its column has. */
static const char *clean(const char *v, const char *allowed, size_t max)
{
	if (!v || !*v || strlen(v) > max || strspn(v, allowed) != strlen(v))
		return NULL;
	return v;
}

static json_t *row_json(const struct web_queue_row *r)
{
	json_t *flags = json_array();
	for (size_t k = 0; k < r->n_flags; k++)
		json_array_append_new(flags, json_pack("{s:s}", "label",
						       sv_flag(decision_flag_kind_name(r->flags[k]))));
	const char *reason = r->reason && *r->reason ? r->reason
			     : r->outcome == OUTCOME_APPROVED ? "(beviljat automatiskt)"
							      : "(ingen kontroll föll)";
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:o,s:s,s:s,s:b,s:s?,s:o}", "id", (json_int_t)r->id,
			 "case_id", r->case_id, "period", r->period, "received", r->received,
			 "age_days", (json_int_t)r->age_days, "amount",
			 kr_json(r->has_amount, r->amount), "outcome_label", outcome_sv(r->outcome),
			 "reason", reason, "expired", r->expired, "holder", r->holder, "flags", flags);
}

/* The queue's rows, the cases waiting for a komplettering and the counts. */
static void add_lists(json_t *ctx, const struct web_queue_view *v)
{
	json_t *rows = json_array(), *waiting = json_array(), *reasons = json_array(),
	       *flags = json_array();
	for (size_t i = 0; i < v->n_rows; i++)
		json_array_append_new(rows, row_json(&v->rows[i]));
	for (size_t i = 0; i < v->n_waiting; i++)
		json_array_append_new(waiting, json_pack("{s:I,s:s,s:s,s:s}", "id",
			(json_int_t)v->waiting[i].id, "case_id", v->waiting[i].case_id,
			"period", v->waiting[i].period, "deadline", v->waiting[i].deadline));
	/* a reason group is named by what its check asks (the rule set's
	 * description), never by a case's own message */
	json_t *words = check_words();
	for (size_t i = 0; i < v->n_reasons; i++)
		json_array_append_new(reasons, json_pack("{s:s,s:s,s:I}", "check", v->reasons[i].check,
			"reason", check_word(words, v->reasons[i].check),
			"count", (json_int_t)v->reasons[i].count));
	json_decref(words);
	for (size_t i = 0; i < v->n_flags; i++) {
		const char *kind = decision_flag_kind_name(v->flags[i].kind);
		json_array_append_new(flags, json_pack("{s:s,s:s,s:I}", "kind", kind, "label",
			sv_flag(kind), "count", (json_int_t)v->flags[i].count));
	}
	json_object_set_new(ctx, "rows", rows);
	json_object_set_new(ctx, "waiting", waiting);
	json_object_set_new(ctx, "reasons", reasons);
	json_object_set_new(ctx, "flags", flags);
	json_object_set_new(ctx, "has_counts", json_boolean(v->n_reasons + v->n_flags > 0));
}

static void add_filters(json_t *ctx, const struct web_queue_view *v,
			const struct web_queue_filter *f)
{
	static const char *const outcomes[] = {"referred", "approved", "rejected"};
	static const char *const outcome_labels[] = {"Hänvisade", "Beviljade med flagga", "Avslag"};
	static const char *const flags[] = {"sample", "targeted"};
	static const char *const flag_labels[] = {"Stickprov", "Riktad granskning"};
	static const char *const assigned[] = {"mina", "otilldelade"};
	static const char *const assigned_labels[] = {"Mina", "Otilldelade"};
	json_object_set_new(ctx, "outcomes", options_json(outcomes, outcome_labels, 3, f->outcome));
	json_object_set_new(ctx, "assigned_options", options_json(assigned, assigned_labels, 2, f->assigned));
	json_object_set_new(ctx, "flag_options", options_json(flags, flag_labels, 2, f->flag));
	json_t *checks = json_array(), *periods = json_array();
	json_t *words = check_words();
	/* a check is chosen by what it asks, in words; its id is only the value sent */
	for (size_t i = 0; i < v->n_checks; i++)
		json_array_append_new(checks, json_pack("{s:s,s:s,s:b}", "value", v->checks[i], "label",
			check_word(words, v->checks[i]),
			"selected", f->check && strcmp(f->check, v->checks[i]) == 0));
	json_decref(words);
	for (size_t i = 0; i < v->n_periods; i++)
		json_array_append_new(periods, json_pack("{s:s,s:b}", "value", v->periods[i], "selected",
			f->period && strcmp(f->period, v->periods[i]) == 0));
	json_object_set_new(ctx, "check_options", checks);
	json_object_set_new(ctx, "period_options", periods);
	json_object_set_new(ctx, "older_than", json_string(f->older_than ? f->older_than : ""));
	json_object_set_new(ctx, "filtered", json_boolean(f->outcome || f->flag || f->check ||
							  f->period || f->older_than || f->assigned));
}

/* Keyset paging: "next" is the last decision shown when there are more;
 * the links keep the filters (q_*: "" for none, as the form sends them). */
static void add_paging(json_t *ctx, const struct web_queue_filter *f)
{
	const char *const names[] = {"q_utfall", "q_flagga", "q_kontroll", "q_period", "q_aldre",
				     "q_tilldelning"};
	const char *const values[] = {f->outcome, f->flag, f->check, f->period, f->older_than,
				      f->assigned};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		json_object_set_new(ctx, names[i], json_string(values[i] ? values[i] : ""));
	json_object_set_new(ctx, "paged", json_boolean(f->after != NULL));
}

/* After saving: what was saved, and the next case (the queue's oldest). */
static json_t *saved_json(const struct web_saved_view *s, const struct web_queue_view *v)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:o,s:s,s:s,s:o}", "id", (json_int_t)s->id,
			 "case_id", s->case_id, "period", s->period, "outcome_label",
			 outcome_sv(s->outcome), "amount", kr_json(s->has_amount, s->amount),
			 "decided_by", s->decided_by, "decided_at", s->decided_at, "next_id",
			 v->n_rows ? json_integer((json_int_t)v->rows[0].id) : json_null());
}

/* The template's context, from the views and the filter and nothing else. */
static json_t *queue_context(const struct web_queue_view *v, const struct web_saved_view *saved,
			     const struct web_queue_filter *f)
{
	json_t *ctx = json_pack("{s:I,s:I,s:o,s:b}", "total", (json_int_t)v->total, "shown",
				(json_int_t)v->shown, "next",
				v->has_next ? json_integer((json_int_t)v->next) : json_null(),
				"skip_to_queue", 1);
	add_lists(ctx, v);
	add_filters(ctx, v, f);
	add_paging(ctx, f);
	if (saved)
		json_object_set_new(ctx, "saved", saved_json(saved, v));
	return ctx;
}

int page_queue(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
	static const char ident[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
	struct web_queue_filter f = {
		.outcome = clean(web_query(rq, "utfall"), lower, 16),
		.flag = clean(web_query(rq, "flagga"), lower, 16),
		.check = clean(web_query(rq, "kontroll"), ident, 64),
		.period = clean(web_query(rq, "period"), "0123456789-", 7),
		.older_than = clean(web_query(rq, "aldre"), "0123456789", 4),
		.after = clean(web_query(rq, "efter"), "0123456789", 18),
		.assigned = clean(web_query(rq, "tilldelning"), lower, 16),
	};
	if (f.assigned && strcmp(f.assigned, "mina") != 0 && strcmp(f.assigned, "otilldelade") != 0)
		f.assigned = NULL;
	const struct ebba_config *cfg = request_config();
	if (cfg && store_case_release_idle(rq->db, cfg->web.assign_idle_minutes, err) != 0)
		return -1;
	struct web_queue_view v;
	if (store_web_queue(rq->db, &f, &v, err) != 0) {
		store_web_queue_view_free(&v);
		return -1;
	}
	const char *saved_id = clean(web_query(rq, "sparat"), "0123456789", 18);
	struct web_saved_view saved = {0};
	bool found = false;
	if (saved_id && store_web_saved(rq->db, saved_id, &saved, &found, err) != 0) {
		store_web_saved_view_free(&saved);
		store_web_queue_view_free(&v);
		return -1;
	}
	json_t *ctx = queue_context(&v, found ? &saved : NULL, &f);
	store_web_saved_view_free(&saved);
	store_web_queue_view_free(&v);
	int rc = page_log(rq, "view", "queue", NULL, err);
	if (rc == 0)
		rc = web_page(rq, rs, "Arbetskö", "queue", ctx, err);
	json_decref(ctx);
	return rc;
}
