/*
 * The case's history of the year (facts/history.h): the window of periods,
 * a period's incomes counted once, the JSON form both ways, and its
 * mistakes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/facts/history.h"

#define CHILD "200406012393"
#define PARENT "198001022386"

static void test_window(void **state)
{
	(void)state;
	char from[8];
	int year;
	case_history_window("2021-09", from, &year);
	assert_string_equal(from, "2021-02");
	assert_int_equal(year, 2021);
	/* January counts December's income: the year before. */
	case_history_window("2022-01", from, &year);
	assert_string_equal(from, "2021-02");
	assert_int_equal(year, 2021);
	case_history_window("2022-02", from, &year);
	assert_string_equal(from, "2022-02");
	assert_int_equal(year, 2022);
}

static void test_counted_once(void **state)
{
	(void)state;
	struct case_history *h = malloc(sizeof(*h));
	struct ebba_err err;
	case_history_init(h, "2021-10");
	assert_int_equal(case_history_add_decision(h, "2021-07", "approved", true, 13510, "ebba", &err), 0);
	assert_int_equal(case_history_add_income(h, CHILD, INCOME_SALARY, 20000, &err), 0);
	assert_int_equal(case_history_add_income(h, PARENT, INCOME_CHILD_ALLOWANCE, 1250, &err), 0);
	assert_int_equal(case_history_add_decision(h, "2021-08", "referred", false, 0, "ebba", &err), 0);
	assert_int_equal(case_history_add_income(h, CHILD, INCOME_SALARY, 26000, &err), 0);
	/* The caseworker's decision of the same application: same incomes. */
	assert_int_equal(case_history_add_decision(h, "2021-08", "approved", true, 13000, "hl1", &err), 0);
	assert_int_equal(case_history_add_income(h, CHILD, INCOME_SALARY, 26000, &err), 0);
	assert_int_equal(case_history_income(h, CHILD, INCOME_SALARY), 46000);
	assert_int_equal(case_history_income(h, PARENT, INCOME_CHILD_ALLOWANCE), 1250);
	assert_int_equal(case_history_income(h, PARENT, INCOME_SALARY), 0);
	assert_int_equal(case_history_add_decision(h, "2021-13", "approved", true, 1, "ebba", &err), -1);
	assert_non_null(strstr(err.msg, "not YYYY-MM"));
	assert_int_equal(case_history_add_decision(h, "2021-09", "maybe", true, 1, "ebba", &err), -1);
	free(h);
}

static void test_json(void **state)
{
	(void)state;
	static const char file[] =
		"{\"decisions\": ["
		" {\"period\": \"2020-12\", \"outcome\": \"approved\", \"amount\": 9000,"
		"  \"incomes\": {\"" CHILD "\": {\"salary\": 40000}}},"
		" {\"period\": \"2021-07\", \"outcome\": \"approved\", \"amount\": 13510, \"by\": \"ebba\","
		"  \"incomes\": {\"20040601-2393\": {\"salary\": 20000}}},"
		" {\"period\": \"2021-08\", \"outcome\": \"referred\", \"amount\": null},"
		" {\"period\": \"2021-09\", \"outcome\": \"approved\", \"amount\": 1}]}";
	struct case_history *h = malloc(sizeof(*h)), *g = malloc(sizeof(*g));
	struct ebba_err err;
	if (case_history_from_json("h.json", file, strlen(file), "2021-09", h, &err) != 0)
		fail_msg("%s", err.msg);
	/* 2020-12 is another year, 2021-09 the period itself: both left out. */
	assert_int_equal(h->n_decisions, 2);
	assert_int_equal(h->year, 2021);
	assert_false(h->decisions[1].has_amount);
	assert_string_equal(h->decisions[0].by, "ebba");
	assert_int_equal(case_history_income(h, CHILD, INCOME_SALARY), 20000);
	char *json = case_history_to_json(h);
	assert_non_null(strstr(json, "\"year\":2021"));
	assert_non_null(strstr(json, "\"incomes\":{\"" CHILD "\":{\"salary\":20000}}"));
	if (case_history_from_json("again", json, strlen(json), "2021-09", g, &err) != 0)
		fail_msg("%s\n%s", err.msg, json);
	assert_int_equal(g->n_decisions, h->n_decisions);
	assert_int_equal(g->n_incomes, h->n_incomes);
	assert_memory_equal(g->decisions, h->decisions, h->n_decisions * sizeof(h->decisions[0]));
	free(json);
	free(h);
	free(g);
}

static void expect_error(const char *json, const char *want)
{
	struct case_history *h = malloc(sizeof(*h));
	struct ebba_err err;
	assert_int_equal(case_history_from_json("h.json", json, strlen(json), "2021-09", h, &err), -1);
	if (!strstr(err.msg, want))
		fail_msg("got '%s', want '%s'", err.msg, want);
	assert_null(strstr(err.msg, "2393"));   /* no identity number in a message */
	free(h);
}

static void test_mistakes(void **state)
{
	(void)state;
	expect_error("[]", "expected an object with a list \"decisions\"");
	expect_error("{\"decisions\": [{\"outcome\": \"approved\"}]}", "each decision needs a period");
	expect_error("{\"decisions\": [{\"period\": \"2021-03\", \"outcome\": \"ok\"}]}",
		     "outcome 'ok' is not approved|partly_approved|referred|rejected");
	expect_error("{\"decisions\": [{\"period\": \"2021-03\", \"outcome\": \"approved\", \"amount\": \"12\"}]}",
		     "amount must be whole kronor or null");
	expect_error("{\"decisions\": [{\"period\": \"2021-03\", \"outcome\": \"approved\","
		     " \"incomes\": {\"" CHILD "\": {\"salry\": 1}}}]}", "unknown income type 'salry'");
	expect_error("{\"decisions\": [{\"period\": \"2021-03\", \"outcome\": \"approved\","
		     " \"incomes\": {\"200406012394\": {\"salary\": 1}}}]}", "check digit");
	expect_error("{\"decisions\": [{\"period\": \"2021-03\", \"outcome\": \"approved\","
		     " \"incomes\": {\"" CHILD "\": {\"salary\": -5}}}]}", "not negative");
	expect_error("{\"decisions\": [", "h.json:1:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_counted_once),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_mistakes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
