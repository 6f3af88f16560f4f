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
#include "ebba/store/web_pages.h"
#include "ebba/store/web_saved.h"
#include "pages.h"
#include "server.h"
#include "ebba/lib/outcome.h"

/* A filter value is used only when it has the shape its column has. */
static const char *clean(const char *v, const char *allowed, size_t max)
{
	if (!v || !*v || strlen(v) > max || strspn(v, allowed) != strlen(v))
		return NULL;
	return v;
}

static void decorate_rows(json_t *rows)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_t *flags = json_object_get(r, "flags");
		size_t k;
		json_t *f;
		json_array_foreach(flags, k, f)
			json_object_set_new(f, "label", json_string(sv_flag(json_string_value(json_object_get(f, "kind")))));
		json_object_set_new(r, "outcome_label", json_string(sv_outcome(json_string_value(json_object_get(r, "outcome")))));
		const char *reason = json_string_value(json_object_get(r, "reason"));
		if (!reason || !*reason)
			json_object_set_new(r, "reason", json_string(
				outcome_is(json_string_value(json_object_get(r, "outcome")), OUTCOME_APPROVED)
				? "(beviljat automatiskt)" : "(ingen kontroll föll)"));
	}
}

static void add_filters(json_t *ctx, const struct web_queue_filter *f)
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
	size_t i;
	json_t *v;
	/* a reason group is named by what its check asks (the rule set's
	 * description), never by a case's own message */
	json_array_foreach(json_object_get(ctx, "reasons"), i, v)
		json_object_set_new(v, "reason", json_string(check_word(words,
			json_string_value(json_object_get(v, "check")))));
	/* a check is chosen by what it asks, in words; its id is only the value sent */
	json_array_foreach(json_object_get(ctx, "checks"), i, v)
		json_array_append_new(checks, json_pack("{s:O,s:s,s:b}", "value", v, "label",
			check_word(words, json_string_value(v)),
			"selected", f->check && strcmp(f->check, json_string_value(v)) == 0));
	json_decref(words);
	json_array_foreach(json_object_get(ctx, "periods"), i, v)
		json_array_append_new(periods, json_pack("{s:O,s:b}", "value", v, "selected",
			f->period && strcmp(f->period, json_string_value(v)) == 0));
	json_object_set_new(ctx, "check_options", checks);
	json_object_set_new(ctx, "period_options", periods);
	json_object_set_new(ctx, "older_than", json_string(f->older_than ? f->older_than : ""));
	json_object_set_new(ctx, "filtered", json_boolean(f->outcome || f->flag || f->check ||
							  f->period || f->older_than || f->assigned));
	json_object_set_new(ctx, "has_counts", json_boolean(json_array_size(json_object_get(ctx, "reasons")) +
							    json_array_size(json_object_get(ctx, "flags")) > 0));
	json_array_foreach(json_object_get(ctx, "flags"), i, v)
		json_object_set_new(v, "label", json_string(sv_flag(json_string_value(json_object_get(v, "kind")))));
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
	const struct ebba_config *cfg = server_config();
	if (cfg && store_case_release_idle(rq->db, cfg->web.assign_idle_minutes, err) != 0)
		return -1;
	json_t *ctx;
	if (store_web_queue(rq->db, &f, &ctx, err) != 0)
		return -1;
	decorate_rows(json_object_get(ctx, "rows"));
	add_filters(ctx, &f);
	add_paging(ctx, &f);
	const char *saved = clean(web_query(rq, "sparat"), "0123456789", 18);
	struct web_saved_view what;
	bool found = false;
	if (saved && store_web_saved(rq->db, saved, &what, &found, err) != 0) {
		json_decref(ctx);
		return -1;
	}
	/* after saving: what was saved, and the next case (the queue's oldest) */
	if (found) {
		char amount[40];
		kr_format(what.amount, amount, sizeof(amount));
		json_t *s = json_pack("{s:I,s:s,s:s,s:s,s:s?,s:s,s:s,s:s}", "id", (json_int_t)what.id,
			"case_id", what.case_id, "period", what.period, "outcome", outcome_name(what.outcome),
			"amount", what.has_amount ? amount : NULL, "decided_by", what.decided_by,
			"decided_at", what.decided_at, "outcome_label", outcome_sv(what.outcome));
		json_object_set(s, "next_id", json_object_get(json_array_get(json_object_get(ctx, "rows"), 0), "id"));
		json_object_set_new(ctx, "saved", s);
		web_saved_view_free(&what);
	}
	json_object_set_new(ctx, "skip_to_queue", json_true());
	int rc = page_log(rq, "view", "queue", NULL, err);
	if (rc == 0)
		rc = web_page(rq, rs, "Arbetskö", "queue", ctx, err);
	json_decref(ctx);
	return rc;
}
