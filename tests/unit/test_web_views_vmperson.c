/*
 * The view models of Referensram (struct web_frame_view), Komplettering
 * (struct web_completion_view), a person's findings on Beslut (struct
 * web_person_findings) and a what-if run's parameter values (struct
 * web_whatif_params): each reads exactly the
 * keys its struct holds, so a key missing or one too many is an error that
 * names it, a closed set's unknown name is an error that says which, and
 * null is accepted only where the struct says "or NULL".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/store/web_completion.h"
#include "ebba/store/web_frames.h"
#include "ebba/store/web_person.h"
#include "ebba/store/web_whatif.h"

static json_t *doc(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	assert_non_null(j);
	return j;
}

/* 0 and the view, or -1 and err naming what was wrong. */
static int frame_view(const char *text, struct web_frame_view *v, struct ebba_err *err)
{
	json_t *d = doc(text);
	int rc = store_web_frame_view_unpack(d, v, err);
	json_decref(d);
	return rc;
}

static void test_frame_view_reads_every_field(void **state)
{
	(void)state;
	struct web_frame_view v;
	struct ebba_err err;
	assert_int_equal(frame_view("{\"frame\": {\"frame\": \"{\\\"case\\\": \\\"C-1\\\"}\", \"version\": 3,"
				    " \"updated_at\": \"2026-12-07 16:40\", \"updated_by\": \"anna\"}, \"latest\": 42}",
				    &v, &err), 0);
	assert_true(v.has_frame);
	assert_string_equal(v.frame.frame_json, "{\"case\": \"C-1\"}");
	assert_int_equal(v.frame.version, 3);
	assert_string_equal(v.frame.updated_at, "2026-12-07 16:40");
	assert_string_equal(v.frame.updated_by, "anna");
	assert_true(v.has_latest);
	assert_int_equal(v.latest, 42);
	store_web_frame_view_free(&v);
}

static void test_frame_view_without_frame_or_decision(void **state)
{
	(void)state;
	struct web_frame_view v;
	struct ebba_err err;
	assert_int_equal(frame_view("{}", &v, &err), 0);
	assert_false(v.has_frame);
	assert_false(v.has_latest);
	store_web_frame_view_free(&v);
}

static void test_frame_view_refuses_a_missing_key(void **state)
{
	(void)state;
	struct web_frame_view v;
	struct ebba_err err;
	assert_int_equal(frame_view("{\"frame\": {\"frame\": \"{}\", \"version\": 1,"
				    " \"updated_at\": \"2026-12-07 16:40\"}}", &v, &err), -1);
	assert_non_null(strstr(err.msg, "updated_by"));
	assert_false(v.has_frame);
	assert_null(v.doc_);
}

static void test_frame_view_refuses_a_key_it_does_not_hold(void **state)
{
	(void)state;
	struct web_frame_view v;
	struct ebba_err err;
	assert_int_equal(frame_view("{\"latest\": 7, \"source_yaml\": \"case: C-1\"}", &v, &err), -1);
	assert_non_null(strstr(err.msg, "source_yaml"));
}

static void test_frame_view_refuses_a_wrong_type(void **state)
{
	(void)state;
	struct web_frame_view v;
	struct ebba_err err;
	assert_int_equal(frame_view("{\"latest\": \"42\"}", &v, &err), -1);
}

/* 0 and the view, or -1 and err naming what was wrong. */
static int completion_view(const char *text, struct web_completion_view *v, struct ebba_err *err)
{
	json_t *d = doc(text);
	int rc = store_web_completion_view_unpack(d, v, err);
	json_decref(d);
	return rc;
}

static void test_completion_view_reads_every_field(void **state)
{
	(void)state;
	struct web_completion_view v;
	struct ebba_err err;
	assert_int_equal(completion_view("{\"id\": 12, \"case_id\": \"C-1\", \"period\": \"2026-12\","
					 " \"outcome\": \"referred\", \"open\": true, \"requested\": false}", &v, &err), 0);
	assert_int_equal(v.id, 12);
	assert_string_equal(v.case_id, "C-1");
	assert_string_equal(v.period, "2026-12");
	assert_int_equal(v.outcome, OUTCOME_REFERRED);
	assert_true(v.open);
	assert_false(v.requested);
	store_web_completion_view_free(&v);
}

static void test_completion_view_refuses_what_it_does_not_know(void **state)
{
	(void)state;
	struct web_completion_view v;
	struct ebba_err err;
	assert_int_equal(completion_view("{\"id\": 12, \"case_id\": \"C-1\", \"period\": \"2026-12\","
					 " \"outcome\": \"referred\", \"open\": true}", &v, &err), -1);
	assert_non_null(strstr(err.msg, "requested"));
	assert_int_equal(completion_view("{\"id\": 12, \"case_id\": \"C-1\", \"period\": \"2026-12\","
					 " \"outcome\": \"maybe\", \"open\": true, \"requested\": true}", &v, &err), -1);
	assert_non_null(strstr(err.msg, "maybe"));
	assert_null(v.doc_);
	assert_int_equal(completion_view("{\"id\": 12, \"case_id\": null, \"period\": \"2026-12\","
					 " \"outcome\": \"referred\", \"open\": true, \"requested\": true}", &v, &err), -1);
}

/* 0 and the findings, or -1 and err naming what was wrong. */
static int findings(const char *lines, const char *reason, struct web_person_findings *f,
		    struct ebba_err *err)
{
	char text[2048];
	snprintf(text, sizeof(text), "{\"lines\": [%s], \"reason\": %s, \"referring_ruleset_sha256\": \"aa\","
		 " \"ruleset_sha256\": \"bb\", \"ruleset_differs\": true}", lines, reason);
	json_t *d = doc(text);
	int rc = store_web_person_findings_read(d, f, err);
	json_decref(d);
	return rc;
}

static void test_findings_reads_each_kind(void **state)
{
	(void)state;
	struct web_person_findings f;
	struct ebba_err err;
	assert_int_equal(findings(
		"{\"kind\": \"cost\", \"type\": \"rent\", \"accepted\": 6150, \"applied\": 7000, \"reason\": \"rent-cap\"},"
		"{\"kind\": \"income\", \"type\": \"salary\", \"counted\": 9000, \"declared\": 8000, \"reason\": null},"
		"{\"kind\": \"check\", \"check\": \"rent-plausible\", \"verdict\": \"reject\", \"reason\": \"x\"}",
		"null", &f, &err), 0);
	assert_int_equal(f.n_lines, 3);
	assert_int_equal(f.lines[0].kind, VERDICT_COST);
	assert_string_equal(f.lines[0].type, "rent");
	assert_int_equal(f.lines[0].amount, 6150);
	assert_int_equal(f.lines[0].applied, 7000);
	assert_string_equal(f.lines[0].reason, "rent-cap");
	assert_int_equal(f.lines[1].kind, VERDICT_INCOME);
	assert_int_equal(f.lines[1].amount, 9000);
	assert_int_equal(f.lines[1].applied, 8000);
	assert_null(f.lines[1].reason);
	assert_int_equal(f.lines[2].kind, VERDICT_CHECK);
	assert_string_equal(f.lines[2].check, "rent-plausible");
	assert_true(f.lines[2].reject);
	assert_null(f.reason);
	assert_true(f.ruleset_differs);
	assert_string_equal(f.ruleset_sha256, "bb");
	store_web_person_findings_free(&f);
	assert_int_equal(findings("", "\"whole-reason\"", &f, &err), 0);
	assert_int_equal(f.n_lines, 0);
	assert_string_equal(f.reason, "whole-reason");
	store_web_person_findings_free(&f);
}

static void test_findings_refuses_another_kinds_key(void **state)
{
	(void)state;
	struct web_person_findings f;
	struct ebba_err err;
	/* a cost line with an income's key: "counted" left, "accepted" missing */
	assert_int_equal(findings("{\"kind\": \"cost\", \"type\": \"rent\", \"counted\": 1, \"applied\": 2,"
				  " \"reason\": null}", "null", &f, &err), -1);
	assert_non_null(strstr(err.msg, "accepted"));
	assert_null(f.lines);
	assert_null(f.doc_);
}

static void test_findings_refuses_an_unknown_kind_or_verdict(void **state)
{
	(void)state;
	struct web_person_findings f;
	struct ebba_err err;
	assert_int_equal(findings("{\"kind\": \"norm\", \"amount\": 1}", "null", &f, &err), -1);
	assert_non_null(strstr(err.msg, "norm"));
	assert_int_equal(findings("{\"kind\": \"check\", \"check\": \"c\", \"verdict\": \"maybe\", \"reason\": null}",
				  "null", &f, &err), -1);
	assert_non_null(strstr(err.msg, "maybe"));
	assert_int_equal(findings("", "7", &f, &err), -1);
	assert_non_null(strstr(err.msg, "reason"));
}

static void test_whatif_params_read_exactly_name_and_value(void **state)
{
	(void)state;
	struct web_whatif_params p;
	struct ebba_err err;
	assert_int_equal(store_web_whatif_params_read("[{\"name\": \"norm.single\", \"value\": \"3 400\"}]", &p, &err), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.items[0].name, "norm.single");
	assert_string_equal(p.items[0].value, "3 400");
	store_web_whatif_params_free(&p);
	assert_int_equal(store_web_whatif_params_read("[]", &p, &err), 0);
	assert_int_equal(p.n, 0);
	store_web_whatif_params_free(&p);
	assert_int_equal(store_web_whatif_params_read("[{\"name\": \"norm.single\"}]", &p, &err), -1);
	assert_non_null(strstr(err.msg, "value"));
	assert_null(p.items);
	assert_int_equal(store_web_whatif_params_read("[{\"name\": \"a\", \"value\": \"1\", \"unit\": \"kr\"}]", &p, &err), -1);
	assert_non_null(strstr(err.msg, "unit"));
	assert_int_equal(store_web_whatif_params_read("{}", &p, &err), -1);
	assert_int_equal(store_web_whatif_params_read("", &p, &err), -1);
}

static void test_verdict_kind_names_round_trip(void **state)
{
	(void)state;
	for (int k = 0; k < VERDICT_KIND_COUNT; k++) {
		enum verdict_kind back;
		assert_true(verdict_kind_parse(verdict_kind_name((enum verdict_kind)k), &back));
		assert_int_equal(back, k);
	}
	enum verdict_kind none;
	assert_false(verdict_kind_parse("Cost", &none));
	assert_false(verdict_kind_parse(NULL, &none));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_view_reads_every_field),
		cmocka_unit_test(test_frame_view_without_frame_or_decision),
		cmocka_unit_test(test_frame_view_refuses_a_missing_key),
		cmocka_unit_test(test_frame_view_refuses_a_key_it_does_not_hold),
		cmocka_unit_test(test_frame_view_refuses_a_wrong_type),
		cmocka_unit_test(test_completion_view_reads_every_field),
		cmocka_unit_test(test_completion_view_refuses_what_it_does_not_know),
		cmocka_unit_test(test_findings_reads_each_kind),
		cmocka_unit_test(test_findings_refuses_another_kinds_key),
		cmocka_unit_test(test_findings_refuses_an_unknown_kind_or_verdict),
		cmocka_unit_test(test_whatif_params_read_exactly_name_and_value),
		cmocka_unit_test(test_verdict_kind_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
