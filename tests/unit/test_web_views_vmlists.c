/*
 * The typed view models of Arbetskö, Stickprov, Drift, Sök and Hushåll
 * (include/ebba/store/web_{queue,flags,ops,find,household}.h): a page's
 * document unpacks into its struct, closed sets into their enums, and a
 * key missing or extra, or a name outside its set, is an error that names
 * it, instead of a quiet 0 or NULL.  Each document is a literal, shaped as
 * the page's SQL builds it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/store/web_find.h"
#include "ebba/store/web_flags.h"
#include "ebba/store/web_household.h"
#include "ebba/store/web_ops.h"
#include "ebba/store/web_queue.h"

static json_t *doc(const char *text)
{
	json_error_t je;
	json_t *d = json_loads(text, 0, &je);
	if (!d)
		fail_msg("bad literal: %s", je.text);
	return d;
}

#define QUEUE_ROW "{\"id\": 7, \"case_id\": \"K-1\", \"period\": \"2026-11\", \"outcome\": \"referred\"," \
	" \"amount\": 18700, \"received\": \"2026-11-02 09:00\", \"age_days\": 3, \"reason\": null," \
	" \"expired\": false, \"holder\": null, \"flags\": [\"sample\"]}"
#define QUEUE_REST "\"shown\": 1, \"next\": null, \"total\": 4," \
	" \"waiting\": [{\"id\": 9, \"case_id\": \"K-2\", \"period\": \"2026-10\", \"deadline\": \"2026-12-01\"}]," \
	" \"reasons\": [{\"check\": \"income\", \"count\": 2}], \"flags\": [{\"kind\": \"targeted\", \"count\": 1}]," \
	" \"checks\": [\"income\"], \"periods\": [\"2026-11\", \"2026-10\"]"

static void test_queue_unpacks_into_its_types(void **state)
{
	(void)state;
	struct web_queue_view v;
	struct ebba_err err = {{0}};
	int rc = store_web_queue_view_unpack(doc("{\"rows\": [" QUEUE_ROW "], " QUEUE_REST "}"), &v, &err);
	if (rc != 0) fail_msg("%s", err.msg);
	assert_int_equal(v.n_rows, 1);
	assert_int_equal(v.rows[0].id, 7);
	assert_int_equal(v.rows[0].outcome, OUTCOME_REFERRED);
	assert_true(v.rows[0].has_amount);
	assert_int_equal(v.rows[0].amount, 18700);
	assert_null(v.rows[0].reason);
	assert_null(v.rows[0].holder);
	assert_int_equal(v.rows[0].n_flags, 1);
	assert_int_equal(v.rows[0].flags[0], DECISION_FLAG_SAMPLE);
	assert_false(v.has_next);
	assert_int_equal(v.total, 4);
	assert_int_equal(v.n_waiting, 1);
	assert_string_equal(v.waiting[0].deadline, "2026-12-01");
	assert_int_equal(v.flags[0].kind, DECISION_FLAG_TARGETED);
	assert_int_equal(v.n_periods, 2);
	assert_string_equal(v.periods[1], "2026-10");
	store_web_queue_view_free(&v);
	store_web_queue_view_free(&v);   /* a freed view is a zeroed one */
}

static void test_queue_refuses_a_missing_key(void **state)
{
	(void)state;
	struct web_queue_view v;
	struct ebba_err err = {{0}};
	/* "total" left out */
	assert_int_not_equal(store_web_queue_view_unpack(doc("{\"rows\": [], \"shown\": 0, \"next\": null,"
		" \"waiting\": [], \"reasons\": [], \"flags\": [], \"checks\": [], \"periods\": []}"), &v, &err), 0);
	assert_non_null(strstr(err.msg, "total"));
	store_web_queue_view_free(&v);
}

static void test_queue_refuses_a_key_it_does_not_hold(void **state)
{
	(void)state;
	struct web_queue_view v;
	struct ebba_err err = {{0}};
	/* the row's "check" that the page no longer reads */
	assert_int_not_equal(store_web_queue_view_unpack(doc("{\"rows\": [{\"id\": 7, \"case_id\": \"K-1\","
		" \"period\": \"2026-11\", \"outcome\": \"referred\", \"amount\": null, \"received\": \"x\","
		" \"age_days\": 3, \"reason\": \"r\", \"check\": \"income\", \"expired\": false, \"holder\": null,"
		" \"flags\": []}], " QUEUE_REST "}"), &v, &err), 0);
	assert_non_null(strstr(err.msg, "check"));
	assert_non_null(strstr(err.msg, "rows[0]"));
	store_web_queue_view_free(&v);
}

static void test_an_unknown_outcome_is_named(void **state)
{
	(void)state;
	struct web_flags_view v;
	struct ebba_err err = {{0}};
	assert_int_not_equal(store_web_flags_view_unpack(doc("{\"flags\": [], \"open\": 0, \"next\": 12,"
		" \"by_outcome\": [{\"outcome\": \"maybe\", \"decided\": 3, \"sampled\": 1, \"percent\": 33.3}],"
		" \"resolved\": []}"), &v, &err), 0);
	assert_non_null(strstr(err.msg, "\"maybe\" is not an outcome"));
	store_web_flags_view_free(&v);
}

static void test_flags_unpack_verdicts_and_rates(void **state)
{
	(void)state;
	struct web_flags_view v;
	struct ebba_err err = {{0}};
	assert_int_equal(store_web_flags_view_unpack(doc("{\"flags\": [], \"open\": 0, \"next\": 12,"
		" \"by_outcome\": [{\"outcome\": \"approved\", \"decided\": 3, \"sampled\": 1, \"percent\": 33.3}],"
		" \"resolved\": [{\"id\": 4, \"kind\": \"sample\", \"decision_id\": 5, \"verdict\": \"not-ok: fel inkomst\","
		" \"resolved_by\": \"anna\", \"resolved_at\": \"2026-11-03 10:00\"},"
		" {\"id\": 6, \"kind\": \"targeted\", \"decision_id\": 7, \"verdict\": \"approve\","
		" \"resolved_by\": \"anna\", \"resolved_at\": \"2026-11-03 10:00\"}]}"), &v, &err), 0);
	assert_true(v.has_next);
	assert_int_equal(v.next, 12);
	assert_true(v.rates[0].percent > 33.2 && v.rates[0].percent < 33.4);
	/* stored as "verdict: note" by ebba.resolve_flag, or a review's verdict */
	assert_int_equal(v.resolved[0].verdict, AUDIT_VERDICT_NOT_OK);
	assert_string_equal(v.resolved[0].verdict_note, "fel inkomst");
	assert_int_equal(v.resolved[1].verdict, AUDIT_VERDICT_APPROVE);
	assert_null(v.resolved[1].verdict_note);
	store_web_flags_view_free(&v);
}

static void test_ops_refuses_a_missing_count(void **state)
{
	(void)state;
	struct web_ops_view v;
	struct ebba_err err = {{0}};
	/* the letters' "digital" left out */
	assert_int_not_equal(store_web_ops_view_unpack(doc("{\"counts\": {\"pending\": 1, \"processing\": 0,"
		" \"decided\": 2, \"quarantined\": 0}, \"rates\": {\"received_hour\": 0, \"decided_hour\": 0,"
		" \"decided_day\": 0}, \"workers\": [], \"quarantined\": [], \"letters\": {\"queued\": 0,"
		" \"claimed\": 0, \"print\": 0, \"protected\": 0, \"failed\": 0}, \"letters_failed\": []}"),
		&v, &err), 0);
	assert_non_null(strstr(err.msg, "digital"));
	store_web_ops_view_free(&v);
}

static void test_find_refuses_an_unknown_role(void **state)
{
	(void)state;
	struct web_find_view v;
	struct ebba_err err = {{0}};
	assert_int_not_equal(store_web_find_view_unpack(doc("{\"cases\": [{\"case_id\": \"K-1\","
		" \"roles\": [\"applicant\", \"lodger\"], \"period\": null, \"outcome\": null}]}"), &v, &err), 0);
	assert_non_null(strstr(err.msg, "lodger"));
	store_web_find_view_free(&v);
	assert_int_equal(store_web_find_view_unpack(doc("{\"cases\": [{\"case_id\": \"K-1\","
		" \"roles\": [\"applicant\", \"household\"], \"period\": null, \"outcome\": null}]}"), &v, &err), 0);
	assert_false(v.cases[0].decided);
	assert_int_equal(v.cases[0].roles[1], CASE_ROLE_HOUSEHOLD);
	store_web_find_view_free(&v);
}

static void test_household_open_flag_has_no_verdict(void **state)
{
	(void)state;
	struct web_household_view v;
	struct ebba_err err = {{0}};
	assert_int_equal(store_web_household_view_unpack(doc("{\"case_id\": \"K-1\", \"months\": [{\"period\": \"2026-11\","
		" \"outcome\": \"approved\", \"amount\": 500, \"decisions\": [{\"id\": 1, \"outcome\": \"approved\","
		" \"amount\": 500, \"decided_by\": \"ebba\", \"decider\": null, \"by_ebba\": true,"
		" \"decided_at\": \"2026-11-02 09:00\", \"reviews\": null, \"flags\": [{\"kind\": \"sample\","
		" \"open\": true, \"verdict\": null}]}]}], \"versions\": [{\"version\": 1, \"updated_at\": \"x\","
		" \"updated_by\": \"anna\", \"updater\": null, \"changed\": [\"case\", \"household\"]}]}"), &v, &err), 0);
	const struct web_household_decision *d = &v.months[0].decisions[0];
	assert_true(d->by_ebba);
	assert_false(d->has_reviews);
	assert_true(d->flags[0].open);
	assert_false(d->flags[0].has_verdict);
	assert_int_equal(v.versions[0].n_changed, 2);
	assert_string_equal(v.versions[0].changed[1], "household");
	store_web_household_view_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_unpacks_into_its_types),
		cmocka_unit_test(test_queue_refuses_a_missing_key),
		cmocka_unit_test(test_queue_refuses_a_key_it_does_not_hold),
		cmocka_unit_test(test_an_unknown_outcome_is_named),
		cmocka_unit_test(test_flags_unpack_verdicts_and_rates),
		cmocka_unit_test(test_ops_refuses_a_missing_count),
		cmocka_unit_test(test_find_refuses_an_unknown_role),
		cmocka_unit_test(test_household_open_flag_has_no_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
