/*
 * Regler (supervisors): the rule set in the configured rules_dir as it is
 * on disk now -- name, version, SHA-256, every parameter with its dated
 * values, sources and provisional marks, every check as written, and the
 * result of the rule tests in rules_dir/tests/.  The rules are read at each
 * request (about 40 ms with the tests), so the page never shows a set that
 * has since been edited; a set that does not load is shown with its errors.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ebba/rules/rules.h"
#include "pages.h"
#include "request.h"

static const char *sv_check_outcome(const char *outcome)
{
	return strcmp(outcome, "reject") == 0 ? "Avslag" : "Hänvisas till handläggare";
}

/* One parameter: its values oldest first, the one in force on today
 * marked; the first row carries the name and the row count (rowspan). */
static json_t *param_json(const struct ruleset_param_view *p, const char *today)
{
	size_t now = p->n_values;
	for (size_t k = 0; k < p->n_values; k++)
		if (strcmp(p->values[k].from, today) <= 0)
			now = k;
	json_t *values = json_array();
	for (size_t k = 0; k < p->n_values; k++) {
		const struct ruleset_param_value_view *v = &p->values[k];
		json_t *j = json_pack("{s:s,s:s,s:s,s:b,s:b}", "from", v->from, "value", v->value,
				      "source", v->source, "provisional", v->provisional, "current",
				      k == now);
		if (k == 0)
			json_object_set_new(j, "first", json_pack("{s:s,s:I}", "name", p->name, "rows",
								  (json_int_t)p->n_values));
		json_array_append_new(values, j);
	}
	return json_pack("{s:s,s:o}", "name", p->name, "values", values);
}

static json_t *check_json(const struct ruleset_check_view *c)
{
	json_t *j = json_pack("{s:s,s:s,s:s,s:b,s:s,s:s}", "id", c->id, "group", c->group,
			      "outcome_label", sv_check_outcome(c->outcome), "reject",
			      strcmp(c->outcome, "reject") == 0, "expr", c->expr, "message",
			      c->message);
	if (c->when)
		json_object_set_new(j, "when", json_string(c->when));
	return j;
}

/* The lines of the test run that are not a passed test: "FAIL NAME
 * (file:line): why" and problems with the test files. */
static json_t *test_failures(const struct ebba_buf *out)
{
	json_t *a = json_array();
	const char *p = out->data ? out->data : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len && !str_starts_with(p, "ok ")) {
			const char *why = str_after(p, "FAIL ");
			size_t skip = why ? (size_t)(why - p) : 0;
			json_array_append_new(a, json_stringn(p + skip, len - skip));
		}
		p += len + (nl ? 1 : 0);
	}
	return a;
}

static json_t *tests_json(const struct ruleset *set, const char *dir)
{
	struct ebba_buf out = {0};
	struct rule_test_report rep;
	struct ebba_err e = {{0}};
	json_t *t;
	if (ruleset_run_tests(set, dir, &out, &rep, &e) != 0) {
		t = json_pack("{s:s}", "unreadable", e.msg);
	} else {
		/* a count of 0 would show in a {{#section}}: the template tests the bools */
		t = json_pack("{s:I,s:I,s:I,s:b,s:b,s:b,s:o}", "total", (json_int_t)rep.total,
			      "passed", (json_int_t)rep.passed, "failed", (json_int_t)rep.failed,
			      "all_passed", rep.failed == 0 && rep.total > 0, "any_failed",
			      rep.failed > 0, "none", rep.total == 0, "failures", test_failures(&out));
	}
	buf_free(&out);
	return t;
}

static json_t *ruleset_json(const struct ruleset *set, const char *dir)
{
	char today[11];
	time_t now = time(NULL);
	struct tm tm;
	strftime(today, sizeof(today), "%Y-%m-%d", localtime_r(&now, &tm));
	json_t *params = json_array(), *checks = json_array();
	struct ruleset_param_view p;
	for (size_t i = 0; ruleset_param(set, i, &p) == 0; i++)
		json_array_append_new(params, param_json(&p, today));
	struct ruleset_check_view c;
	for (size_t i = 0; ruleset_check(set, i, &c) == 0; i++)
		json_array_append_new(checks, check_json(&c));
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:b,s:o,s:o,s:o}", "name", ruleset_name(set),
			 "version", ruleset_version(set), "sha256", ruleset_sha256(set), "today",
			 today, "n_params", (json_int_t)ruleset_n_params(set), "n_checks",
			 (json_int_t)ruleset_n_checks(set), "n_warnings",
			 (json_int_t)ruleset_n_warnings(set), "has_warnings",
			 ruleset_n_warnings(set) > 0, "params", params, "checks", checks,
			 "tests", tests_json(set, dir));
}

/* The diagnostics of a failed load, one problem a line. */
static json_t *lines_json(const struct ebba_buf *b)
{
	json_t *a = json_array();
	const char *p = b->data ? b->data : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len)
			json_array_append_new(a, json_stringn(p, len));
		p += len + (nl ? 1 : 0);
	}
	return a;
}

int page_rules(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *dir = request_config()->rules_dir;
	struct ruleset *set = NULL;
	struct ebba_buf diag = {0};
	struct ebba_err e = {{0}};
	json_t *ctx;
	if (ruleset_load(dir, &set, &diag, &e) != 0) {
		/* the problems found, each at its file:line:column; when there are
		 * none (no directory, no files), what stopped the load */
		json_t *problems = lines_json(&diag);
		if (json_array_size(problems) == 0)
			json_array_append_new(problems, json_string(e.msg));
		ctx = json_pack("{s:s,s:{s:o}}", "dir", dir, "load_failed", "problems", problems);
	} else {
		ctx = json_pack("{s:s,s:o}", "dir", dir, "set", ruleset_json(set, dir));
	}
	buf_free(&diag);
	int rc = page_log(rq, "view", "ruleset", set ? ruleset_sha256(set) : NULL, err);
	if (rc == 0)
		rc = web_page(rq, rs, "Regler", "rules", ctx, err);
	ruleset_free(set);
	json_decref(ctx);
	return rc;
}
