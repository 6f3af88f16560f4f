/*
 * The typed view models of Beslut and the saved-decision notice
 * (include/ebba/store/web_decision.h, web_saved.h): a document of the
 * query's shape fills the struct; a key missing or extra, or a closed
 * set's unknown name, is an error that names it, never a quiet 0 or NULL.
 * The stored rule trace is read leniently (web_decision_trace.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/store/web_decision.h"
#include "ebba/store/web_saved.h"

/* One decision as DECISION_SQL builds it: a referral with a failed
 * check, two register answers, a sample flag and a komplettering. */
static const char DECISION[] =
	"{\"id\": 7, \"external_id\": \"A-1\", \"case_id\": \"C-1\", \"period\": \"2026-11\","
	" \"outcome\": \"referred\", \"amount\": 18700, \"norm\": 9000, \"costs\": 10000, \"incomes\": 300,"
	" \"ruleset_name\": \"ekonomiskt-bistand\", \"ruleset_version\": \"2026.1\", \"ruleset_sha256\": \"ab\","
	" \"decided_at\": \"2026-11-24 21:13\", \"decided_by\": \"ebba\", \"note\": null, \"by_ebba\": true,"
	" \"received\": \"2026-11-24 21:12\", \"trace\": {\"rules\": {}},"
	" \"checks\": [{\"id\": \"rent\", \"result\": \"fail\", \"message\": \"Hyran är hög\"},"
	"  {\"id\": \"age\", \"result\": \"pass\", \"message\": null}],"
	" \"evidence\": [{\"id\": 3, \"source\": \"ssbtek\", \"agency\": \"SSBTEK\", \"person_ref\": \"0:sökande\","
	"  \"status\": \"ok\", \"fetched_at\": \"2026-11-24 21:12\", \"sha256\": \"cd\", \"bytes\": 120},"
	"  {\"id\": 4, \"source\": \"ssbtek\", \"agency\": \"AF\", \"person_ref\": \"0:sökande\","
	"  \"status\": \"absent\", \"fetched_at\": null, \"sha256\": null, \"bytes\": null}],"
	" \"flags\": [{\"id\": 9, \"kind\": \"sample\", \"reason\": \"stickprov\", \"open\": true,"
	"  \"verdict\": null, \"resolved_by\": null, \"resolved_at\": null}],"
	" \"letter\": null, \"reviews\": [], \"reviewed\": null, \"redecided\": null, \"redecides\": null,"
	" \"redecided_register\": false, \"redecides_register\": false,"
	" \"komplettering\": {\"state\": \"waiting\", \"deadline\": \"2026-12-10\", \"requested_by\": \"anna\","
	"  \"requested_at\": \"2026-11-25 09:00\", \"message\": null, \"documents\": [{\"text\": \"Hyresavi\"}],"
	"  \"files\": [{\"id\": 1, \"filename\": \"avi.pdf\", \"media_type\": \"application/pdf\","
	"  \"bytes\": 2048, \"sha256\": \"ef\"}]},"
	" \"assignment\": null, \"findings\": null, \"decider\": null, \"referral\": null,"
	" \"history\": [{\"id\": 5, \"period\": \"2026-10\", \"outcome\": \"approved\", \"amount\": 9100,"
	"  \"decided_by\": \"ebba\", \"decided_at\": \"2026-10-20 08:00\"}]}";

/* DECISION with the text from..to (the first occurrence) replaced by with. */
static json_t *doc_with(const char *from, const char *with)
{
	char text[sizeof(DECISION) + 256];
	const char *at = strstr(DECISION, from);
	assert_non_null(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - DECISION), DECISION, with, at + strlen(from));
	json_t *doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	return doc;
}

/* The error reading doc into a decision view ("" when it was read). */
static const char *decision_error(json_t *doc)
{
	static struct ebba_err err;
	struct web_decision_view v;
	memset(&err, 0, sizeof(err));
	int rc = store_web_decision_view_read(doc, &v, &err);
	store_web_decision_view_free(&v);
	return rc == 0 ? "" : err.msg;
}

static void test_a_decision_fills_the_view(void **state)
{
	(void)state;
	struct web_decision_view v;
	struct ebba_err err = {{0}};
	assert_int_equal(store_web_decision_view_read(json_loads(DECISION, 0, NULL), &v, &err), 0);
	assert_int_equal(v.id, 7);
	assert_int_equal(v.outcome, OUTCOME_REFERRED);
	assert_true(v.amount.has);
	assert_int_equal(v.amount.kr, 18700);
	assert_null(v.note);
	assert_true(v.by_ebba);
	assert_int_equal(v.n_checks, 2);
	assert_int_equal(v.checks[0].result, RULE_FAIL);
	assert_null(v.checks[1].message);
	assert_int_equal(v.n_evidence, 2);
	assert_int_equal(v.evidence[0].source, EV_SOURCE_SSBTEK);
	assert_int_equal(v.evidence[1].status, EV_ABSENT);
	assert_false(v.evidence[1].has_bytes);
	assert_int_equal(v.flags[0].kind, DECISION_FLAG_SAMPLE);
	assert_true(v.has_request);
	assert_string_equal(v.request.state, "waiting");
	assert_int_equal(v.request.n_files, 1);
	assert_int_equal(v.request.files[0].bytes, 2048);
	assert_false(v.has_assignment);
	assert_false(v.has_reviewed);
	assert_int_equal(v.n_history, 1);
	assert_int_equal(v.history[0].outcome, OUTCOME_APPROVED);
	assert_int_equal(v.history[0].amount.kr, 9100);
	assert_true(v.trace_view.present);
	assert_false(v.trace_view.has_lines);
	store_web_decision_view_free(&v);
	assert_null(v.doc_);
}

static void test_a_missing_key_is_named(void **state)
{
	(void)state;
	const char *e = decision_error(doc_with("\"decider\": null, ", ""));
	assert_non_null(strstr(e, "decider"));
	e = decision_error(doc_with("\"sha256\": \"ef\"", "\"sha\": \"ef\""));
	assert_non_null(strstr(e, "sha256"));
}

static void test_an_extra_key_is_refused(void **state)
{
	(void)state;
	const char *e = decision_error(doc_with("\"decider\": null,", "\"decider\": null, \"amount_value\": 1,"));
	assert_non_null(strstr(e, "left unpacked"));
	assert_non_null(strstr(e, "amount_value"));
}

static void test_an_unknown_name_is_named(void **state)
{
	(void)state;
	assert_non_null(strstr(decision_error(doc_with("\"referred\"", "\"hänvisad\"")), "\"hänvisad\""));
	assert_non_null(strstr(decision_error(doc_with("\"absent\"", "\"gone\"")), "\"gone\""));
	assert_non_null(strstr(decision_error(doc_with("\"kind\": \"sample\"", "\"kind\": \"random\"")),
			       "\"random\""));
	assert_non_null(strstr(decision_error(doc_with("\"result\": \"fail\"", "\"result\": \"bad\"")), "\"bad\""));
}

static void test_a_wrong_type_is_refused(void **state)
{
	(void)state;
	/* an amount formatted as text (as the old query did) is not an amount */
	assert_non_null(strstr(decision_error(doc_with("\"amount\": 18700", "\"amount\": \"18 700\"")), "amount"));
	assert_non_null(strstr(decision_error(doc_with("\"note\": null", "\"note\": 3")), "note"));
}

static void test_the_saved_view(void **state)
{
	(void)state;
	struct web_saved_view v;
	struct ebba_err err = {{0}};
	const char *saved = "{\"id\": 8, \"case_id\": \"C-1\", \"period\": \"2026-11\", \"outcome\": \"rejected\","
			    " \"amount\": null, \"decided_by\": \"anna\", \"decided_at\": \"2026-11-25 10:00\"}";
	assert_int_equal(store_web_saved_view_read(json_loads(saved, 0, NULL), &v, &err), 0);
	assert_int_equal(v.outcome, OUTCOME_REJECTED);
	assert_false(v.has_amount);
	store_web_saved_view_free(&v);
	assert_int_not_equal(store_web_saved_view_read(json_loads("{\"id\": 8, \"case_id\": \"C-1\", \"period\": \"2026-11\","
		" \"outcome\": \"approved\", \"amount\": 5, \"decided_by\": \"anna\"}", 0, NULL), &v, &err), 0);
	assert_non_null(strstr(err.msg, "decided_at"));
}

/* The trace is the rules' document: what is there is read, what an older
 * trace lacks is absent, never an error. */
static void test_the_trace_reader(void **state)
{
	(void)state;
	json_t *trace = json_loads("{\"rules\": {\"lines\": [{\"part\": \"costs\", \"type\": \"rent\","
		" \"what\": \"Hyra\", \"amount\": 6150, \"applied\": 7000, \"ceiling\": 6150,"
		" \"approved\": true, \"capped\": true}, {\"part\": \"norm\", \"what\": \"Riksnorm\"}],"
		" \"notes\": [\"preliminär\"], \"delegation\": {\"label\": \"Delegation 3.1\"}},"
		" \"registers\": [{\"ssbtek\": \"unavailable\", \"ssbtek_reason\": \"timeout\","
		" \"attendance_figures\": {\"scheduled\": 40, \"attended\": 30, \"excused\": 5, \"percent\": 87}}],"
		" \"calculation_notes\": []}", 0, NULL);
	assert_non_null(trace);
	struct web_decision_trace t;
	store_web_decision_trace_read(trace, &t);
	assert_true(t.present);
	assert_true(t.has_lines);
	assert_int_equal(t.n_lines, 2);
	assert_string_equal(t.lines[0].type, "rent");
	assert_true(t.lines[0].has_applied && t.lines[0].capped);
	assert_int_equal(t.lines[0].ceiling, 6150);
	assert_false(t.lines[1].has_amount);
	assert_string_equal(t.lines[1].type, "");
	assert_int_equal(t.n_persons, 1);
	assert_string_equal(t.persons[0].ssbtek_reason, "timeout");
	assert_null(t.persons[0].attendance_reason);
	assert_true(t.persons[0].has_figures);
	assert_int_equal(t.persons[0].percent, 87);
	assert_int_equal(t.n_notes, 1);
	assert_int_equal(t.n_provisional, 0);
	assert_int_equal(t.n_calculation_notes, 0);
	assert_string_equal(t.delegation, "Delegation 3.1");
	store_web_decision_trace_free(&t);
	json_decref(trace);
	/* a decision from before the rules kept lines; one without a trace */
	trace = json_loads("{\"rules\": {}}", 0, NULL);
	store_web_decision_trace_read(trace, &t);
	assert_true(t.present);
	assert_false(t.has_lines);
	assert_null(t.delegation);
	store_web_decision_trace_free(&t);
	json_decref(trace);
	store_web_decision_trace_read(NULL, &t);
	assert_false(t.present);
	assert_int_equal(t.n_lines + t.n_persons + t.n_notes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_decision_fills_the_view),
		cmocka_unit_test(test_a_missing_key_is_named),
		cmocka_unit_test(test_an_extra_key_is_refused),
		cmocka_unit_test(test_an_unknown_name_is_named),
		cmocka_unit_test(test_a_wrong_type_is_refused),
		cmocka_unit_test(test_the_saved_view),
		cmocka_unit_test(test_the_trace_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
