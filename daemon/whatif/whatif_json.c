/*
 * A what-if result as JSON (ebba.whatif_runs.result) and back, so a stored
 * run's page shows exactly what the run found.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/whatif/whatif.h"

static json_t *amount(bool has, int64_t v)
{
	return has ? json_integer(v) : json_null();
}

static json_t *transitions_json(const struct whatif_result *r)
{
	json_t *a = json_array();
	for (int f = 0; f < WHATIF_OUTCOMES; f++)
		for (int t = 0; t < WHATIF_OUTCOMES; t++)
			if (r->transitions[f][t])
				json_array_append_new(a, json_pack("{s:s,s:s,s:I}", "from",
					outcome_name(WHATIF_OUTCOME[f]), "to", outcome_name(WHATIF_OUTCOME[t]), "n", (json_int_t)r->transitions[f][t]));
	return a;
}

void whatif_result_json(const struct whatif_result *r, struct ebba_buf *out)
{
	json_t *checks = json_array(), *changes = json_array(), *skips = json_array();
	for (size_t i = 0; i < r->n_checks; i++)
		json_array_append_new(checks, json_pack("{s:s,s:I,s:I}", "id", r->checks[i].id,
			"fails_before", (json_int_t)r->checks[i].fails_before,
			"fails_after", (json_int_t)r->checks[i].fails_after));
	for (size_t i = 0; i < r->n_changes; i++) {
		const struct whatif_change *c = &r->changes[i];
		json_array_append_new(changes, json_pack("{s:I,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:o,s:o}",
			"decision", (json_int_t)c->decision_id, "old_outcome", c->old_outcome,
			"new_outcome", c->new_outcome, "old_amount", amount(c->old_has_amount, c->old_amount),
			"new_amount", amount(c->new_has_amount, c->new_amount),
			"newly_failing", c->newly_failing, "case", c->case_id, "period", c->period,
			"old_norm", amount(c->old_has_norm, c->old_norm),
			"new_norm", amount(c->new_has_norm, c->new_norm)));
	}
	for (size_t i = 0; i < r->n_skips; i++)
		json_array_append_new(skips, json_pack("{s:I,s:s}", "decision",
			(json_int_t)r->skips[i].decision_id, "why", r->skips[i].why));
	json_t *j = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o}",
		"sha256", r->sha256, "ruleset_name", r->ruleset_name,
		"ruleset_version", r->ruleset_version, "total", (json_int_t)r->total,
		"protected_hidden", (json_int_t)r->protected_hidden,
		"decided", (json_int_t)r->decided, "changed", (json_int_t)r->changed,
		"skipped", (json_int_t)r->skipped, "paid_before", (json_int_t)r->paid_before,
		"paid_after", (json_int_t)r->paid_after, "transitions", transitions_json(r),
		"checks", checks, "changes", changes, "skips", skips);
	char *text = json_dumps(j, JSON_COMPACT);
	buf_append(out, text, strlen(text));
	free(text);
	json_decref(j);
}

static int64_t num(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static void copy_str(char *dst, size_t n, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(dst, n, "%s", s ? s : "");
}

static char *dup_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return xstrdup(s ? s : "");
}

static void read_transitions(const json_t *a, struct whatif_result *r)
{
	size_t i;
	json_t *t;
	json_array_foreach(a, i, t) {
		int f = whatif_outcome_index(json_string_value(json_object_get(t, "from")));
		int k = whatif_outcome_index(json_string_value(json_object_get(t, "to")));
		if (f >= 0 && k >= 0)
			r->transitions[f][k] = num(t, "n");
	}
}

static void read_lists(const json_t *j, struct whatif_result *r)
{
	size_t i;
	json_t *e;
	const json_t *checks = json_object_get(j, "checks"), *changes = json_object_get(j, "changes"),
		     *skips = json_object_get(j, "skips");
	r->checks = xcalloc(json_array_size(checks) + 1, sizeof(*r->checks));
	json_array_foreach(checks, i, e)
		r->checks[r->n_checks++] = (struct whatif_check){.id = dup_str(e, "id"),
			.fails_before = num(e, "fails_before"), .fails_after = num(e, "fails_after")};
	r->changes = xcalloc(json_array_size(changes) + 1, sizeof(*r->changes));
	json_array_foreach(changes, i, e) {
		struct whatif_change *c = &r->changes[r->n_changes++];
		json_t *oa = json_object_get(e, "old_amount"), *na = json_object_get(e, "new_amount");
		*c = (struct whatif_change){.decision_id = num(e, "decision"),
			.old_has_amount = json_is_integer(oa), .old_amount = (int64_t)json_integer_value(oa),
			.new_has_amount = json_is_integer(na), .new_amount = (int64_t)json_integer_value(na),
			.newly_failing = dup_str(e, "newly_failing")};
		json_t *on = json_object_get(e, "old_norm"), *nn = json_object_get(e, "new_norm");
		c->old_has_norm = json_is_integer(on);
		c->old_norm = (int64_t)json_integer_value(on);
		c->new_has_norm = json_is_integer(nn);
		c->new_norm = (int64_t)json_integer_value(nn);
		copy_str(c->case_id, sizeof(c->case_id), e, "case");
		copy_str(c->period, sizeof(c->period), e, "period");
		copy_str(c->old_outcome, sizeof(c->old_outcome), e, "old_outcome");
		copy_str(c->new_outcome, sizeof(c->new_outcome), e, "new_outcome");
	}
	r->skips = xcalloc(json_array_size(skips) + 1, sizeof(*r->skips));
	json_array_foreach(skips, i, e)
		r->skips[r->n_skips++] = (struct whatif_skip){.decision_id = num(e, "decision"),
							      .why = dup_str(e, "why")};
}

int whatif_result_from_json(const char *json, size_t len, struct whatif_result *out,
			    struct ebba_err *err)
{
	*out = (struct whatif_result){0};
	json_error_t je;
	json_t *j = json_loadb(json, len, 0, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		return ebba_errf(err, "what-if result: line %d column %d: %s", je.line, je.column, je.text);
	}
	copy_str(out->sha256, sizeof(out->sha256), j, "sha256");
	copy_str(out->ruleset_name, sizeof(out->ruleset_name), j, "ruleset_name");
	copy_str(out->ruleset_version, sizeof(out->ruleset_version), j, "ruleset_version");
	out->total = num(j, "total");
	out->protected_hidden = num(j, "protected_hidden");
	out->decided = num(j, "decided");
	out->changed = num(j, "changed");
	out->skipped = num(j, "skipped");
	out->paid_before = num(j, "paid_before");
	out->paid_after = num(j, "paid_after");
	read_transitions(json_object_get(j, "transitions"), out);
	read_lists(j, out);
	json_decref(j);
	return 0;
}
