/*
 * Case frames: the good frame in detail, JSON and YAML round trips, and a
 * list of mistakes each reported at the right line:column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/intake/case_frame.h"
#include "ebba/lib/util.h"

#define DATA "tests/data/frames/"

static void load_frame(const char *name, struct case_frame *f)
{
	struct ebba_err err;
	if (case_frame_load(name, f, &err) != 0)
		fail_msg("%s", err.msg);
}

static void test_good(void **state)
{
	(void)state;
	struct case_frame f;
	load_frame(DATA "good.yaml", &f);
	assert_string_equal(f.case_id, "C-10042");
	assert_true(f.automation_allowed);
	assert_int_equal(f.valid_until.year, 2027);
	assert_int_equal(f.valid_until.month, 2);
	assert_int_equal(f.valid_until.day, 28);
	assert_int_equal(f.n_household, 4);
	assert_string_equal(f.household[3], "202203012386");
	assert_int_equal(f.n_adults, 2);
	assert_string_equal(f.adults[0].pnr, "198503012380");
	assert_int_equal(f.adults[0].capacity, CAPACITY_FULL);
	assert_int_equal(f.adults[0].plan, PLAN_REQUIRED);
	assert_string_equal(f.adults[0].reason, "");
	assert_string_equal(f.adults[0].jobbstimulans_from, "2026-03");
	assert_string_equal(f.adults[1].jobbstimulans_from, "");
	assert_int_equal(f.adults[1].capacity, CAPACITY_NONE);
	assert_int_equal(f.adults[1].plan, PLAN_EXEMPT);
	assert_string_equal(f.adults[1].reason, "sjukskriven");
	assert_true(f.cost_approved[COST_RENT]);
	assert_int_equal(f.approved_costs[COST_RENT], 7450);
	assert_int_equal(f.approved_costs[COST_ELECTRICITY], 450);
	assert_int_equal(f.approved_costs[COST_HOME_INSURANCE], 150);
	assert_false(f.cost_approved[COST_CHILDCARE]);
	assert_int_equal(f.months_on_assistance, 14);
	assert_true(f.has_last_decision);
	assert_string_equal(f.last_period, "2026-11");
	assert_int_equal(f.last_amount, 9120);
	assert_true(case_frame_in_household(&f, "201505012391"));
	assert_null(case_frame_adult(&f, "201505012391"));
	assert_non_null(case_frame_adult(&f, "198701012398"));
}

static void assert_same(const struct case_frame *a, const struct case_frame *b)
{
	/* Fixed-size fields, zero-filled by the parser: bytes compare. */
	assert_memory_equal(a, b, sizeof(*a));
}

static void test_json_round_trip(void **state)
{
	(void)state;
	struct case_frame f, g;
	struct ebba_err err;
	load_frame(DATA "good.yaml", &f);
	char *json = case_frame_to_json(&f);
	if (case_frame_from_json(json, strlen(json), &g, &err) != 0)
		fail_msg("%s\n%s", err.msg, json);
	assert_same(&f, &g);
	assert_non_null(strstr(json, "\"approved_costs\":{\"rent\":7450,"));
	assert_non_null(strstr(json, "\"jobbstimulans_from\":\"2026-03\""));
	free(json);
}

static void test_yaml_round_trip(void **state)
{
	(void)state;
	struct case_frame f, g;
	struct ebba_err err;
	load_frame(DATA "good.yaml", &f);
	/* Awkward reasons must survive printing as YAML. */
	static const char *const reasons[] = {
		"sjukskriven", "vård av barn: 50 %", "\"citat\" och \\", "123", "true", "- lista",
		"rad ett\nrad två", "#kommentar", "slut med blank ",
	};
	for (size_t i = 0; i < ARRAY_LEN(reasons); i++) {
		memset(f.adults[1].reason, 0, sizeof(f.adults[1].reason));
		snprintf(f.adults[1].reason, sizeof(f.adults[1].reason), "%s", reasons[i]);
		char *y = case_frame_to_yaml(&f);
		if (case_frame_parse_yaml("shown.yaml", y, strlen(y), &g, &err) != 0)
			fail_msg("%s\n%s", err.msg, y);
		assert_same(&f, &g);
		free(y);
	}
	/* Awkward case ids too: "C-1004:" was printed bare and read back as
	 * a YAML syntax error (found by fuzz_case_frame). */
	static const char *const ids[] = {"C-1004:", "C-1:2", "12345", "true", "no", "a.b_c-d"};
	for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
		memset(f.case_id, 0, sizeof(f.case_id));
		snprintf(f.case_id, sizeof(f.case_id), "%s", ids[i]);
		char *y = case_frame_to_yaml(&f);
		if (case_frame_parse_yaml("shown.yaml", y, strlen(y), &g, &err) != 0)
			fail_msg("%s\n%s", err.msg, y);
		assert_same(&f, &g);
		free(y);
	}
	/* Without the optional parts. */
	f.has_last_decision = false;
	memset(f.last_period, 0, sizeof(f.last_period));
	f.last_amount = 0;
	f.n_adults = 0;
	memset(f.adults, 0, sizeof(f.adults));
	memset(f.cost_approved, 0, sizeof(f.cost_approved));
	memset(f.approved_costs, 0, sizeof(f.approved_costs));
	f.automation_allowed = false;
	char *y = case_frame_to_yaml(&f);
	if (case_frame_parse_yaml("shown.yaml", y, strlen(y), &g, &err) != 0)
		fail_msg("%s\n%s", err.msg, y);
	assert_same(&f, &g);
	free(y);
}

static void test_mistakes(void **state)
{
	(void)state;
	static const struct {
		const char *file, *want;
	} cases[] = {
		{"unknown-key.yaml", ":2:1: unknown key 'automaton' (did you mean 'automation'?)"},
		{"missing-case.yaml", ":1:1: missing key 'case'"},
		{"bad-automation.yaml", ":2:13: automation: 'sometimes' is not one of allowed|manual"},
		{"bad-valid-until.yaml", ":3:14: valid_until: 2027-02-30 is not a real date"},
		{"bad-household-pnr.yaml", ":4:27: household: check digit is 9, expected 8"},
		{"duplicate-household.yaml", ":4:27: household: the same person is listed twice"},
		{"household-not-list.yaml", ":4:12: household: expected a list"},
		{"adult-not-in-household.yaml", ":7:3: adults: 19850302-**** is not in household"},
		{"adult-unknown-key.yaml", ":6:51: unknown key 'capcity' (did you mean 'capacity'?) in adults"},
		{"bad-capacity.yaml", ":6:29: capacity: 'most' is not one of full|partial|none"},
		{"bad-plan.yaml", ":6:41: plan: 'maybe' is not one of required|exempt"},
		{"exempt-without-reason.yaml", ":7:17: adults: a reason is required when plan is exempt"},
		{"unknown-cost.yaml", ":9:3: approved_costs: unknown cost type 'rnt' (did you mean 'rent'?)"},
		{"duplicate-cost.yaml", ":10:3: duplicate key 'rent' (first on line 9)"},
		{"negative-cost.yaml", ":10:16: electricity: '-450' is not a whole number >= 0"},
		{"negative-months.yaml", ":12:23: months_on_assistance: '-1' is not a whole number >= 0"},
		{"bad-last-period.yaml", ":13:26: period: 2026-13 is not a real month"},
		{"last-decision-no-amount.yaml", ":13:16: missing key 'amount' in last_decision"},
		{"duplicate-key.yaml", ":2:1: duplicate key 'case' (first on line 1)"},
		{"not-a-mapping.yaml", ":1:1: a case frame is a mapping"},
		{"syntax-error.yaml", ":3:1: YAML syntax: did not find expected ',' or ']' while parsing a flow sequence (started at 2:13)"},
		{"two-documents.yaml", ":14:1: only one YAML document is allowed"},
		{"alias.yaml", ":4:12: anchors (&name) are not allowed"},
		{"alias-only.yaml", ":6:17: aliases (*name) are not allowed"},
		{"billion-laughs.yaml", ":1:4: anchors (&name) are not allowed"},
		{"bad-jobbstimulans-from.yaml", ":6:71: jobbstimulans_from: '2026-3' is not a month YYYY-MM"},
		{"bad-jobbstimulans-month.yaml", ":6:71: jobbstimulans_from: 2026-13 is not a real month"},
		{"break-too-long.yaml", ":6:68: activity_breaks: 32 days in 2026, at most four weeks (28 days) a calendar year (12 kap. 4 f §)"},
		{"bad-sickness-percent.yaml", ":6:77: sickness_benefit_percent: 150 is larger than the maximum 100"},
		{"bad-occupation.yaml", ":6:70: type: 'work' is not one of employment|programme|sfi|other"},
		{"occupation-without-hours.yaml", ":6:63: occupation: give hours (a week) or full_time: true"},
		{"limit-exception-no-note.yaml", ":14:47: limit_exception: the note says why (synnerliga skäl)"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char path[256], want[512];
		struct case_frame f;
		struct ebba_err err;
		snprintf(path, sizeof(path), DATA "%s", cases[i].file);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].want);
		if (case_frame_load(path, &f, &err) == 0)
			fail_msg("%s: accepted", path);
		if (strncmp(err.msg, want, strlen(want)) != 0)
			fail_msg("got  '%s'\nwant '%s'", err.msg, want);
		assert_null(strchr(err.msg, '\n'));
	}
}

static void expect_yaml_error(const char *text, size_t len, const char *want)
{
	struct case_frame f;
	struct ebba_err err;
	assert_int_equal(case_frame_parse_yaml("f.yaml", text, len, &f, &err), -1);
	if (!strstr(err.msg, want))
		fail_msg("got '%s', want '%s'", err.msg, want);
}

static void test_limits(void **state)
{
	(void)state;
	struct ebba_buf b = {0};
	for (int i = 0; i < 10000; i++)
		buf_putc(&b, '[');
	expect_yaml_error(b.data, b.len, "f.yaml:1:9: nested deeper than 8 levels");
	buf_reset(&b);
	for (size_t i = 0; b.len <= FRAME_MAX_BYTES; i++)
		buf_puts(&b, "# a comment line\n");
	expect_yaml_error(b.data, b.len, "larger than the limit of 65536 bytes");
	buf_free(&b);
	expect_yaml_error("", 0, "f.yaml:1:1: empty file");
	expect_yaml_error("case: \"C-1\0\"\n", 13, "f.yaml:1:11: YAML input: control characters are not allowed");
	expect_yaml_error("\"a\\nb\": 1\n", 10, "f.yaml:1:1: unknown key 'a b'");
	expect_yaml_error("\xff\xfe", 2, "f.yaml:1:1: YAML input: invalid leading UTF-8 octet");
	expect_yaml_error("case: C\xc3\x28\n", 10, "f.yaml:1:9: YAML input: invalid trailing UTF-8 octet");
	/* The good frame with another first line. */
	struct ebba_err err;
	struct ebba_buf good = {0};
	if (read_file_limited(DATA "good.yaml", FRAME_MAX_BYTES, &good, &err) < 0)
		fail_msg("%s", err.msg);
	static const struct {
		const char *line, *want;
	} first[] = {
		{"case: [C-1]", "f.yaml:1:7: case: expected a single value"},
		{"case: C 1", "f.yaml:1:7: case: 'C 1' is not a case id"},
		{"case:", "f.yaml:1:6: case: '' is not a case id"},
		{"case: -C", "f.yaml:1:7: case: '-C' is not a case id"},
		/* A case id is in URLs and logs: no identity number, in any spelling. */
		{"case: C-850301-2380", "f.yaml:1:7: case: must not hold an identity number"},
		{"case: C-19850301_2380", "f.yaml:1:7: case: must not hold an identity number"},
		{"case: \"8503012380\"", "f.yaml:1:7: case: must not hold an identity number"},
	};
	for (size_t i = 0; i < ARRAY_LEN(first); i++) {
		char *doc = xasprintf("%s%s", first[i].line, strchr(good.data, '\n'));
		expect_yaml_error(doc, strlen(doc), first[i].want);
		free(doc);
	}
	buf_free(&good);
}

static void test_json_errors(void **state)
{
	(void)state;
	static const struct {
		const char *json, *want;
	} cases[] = {
		{"{", "frame JSON:1:1:"},
		{"[]", "frame JSON: a case frame is a mapping"},
		{"{\"case\":\"C-1\",\"case\":\"C-2\"}", "duplicate object key"},
		{"{\"case\":\"C-1\"}", "frame JSON: missing key 'automation'"},
		/* Found by fuzzing: a key with a line break broke the one-line rule. */
		{"{\"case\":\"C-1\",\"months_on_assist\\nce\":14}", "frame JSON: unknown key 'months_on_assist ce'"},
		{"{\"case\":\"C-1\",\n\"case\"\n:2}", "frame JSON:2:6: duplicate object key"},
		{"{\"case\":\"C-1\",\"automation\":\"allowed\",\"valid_until\":\"2027-01-01\",\"household\":[\"198503012380\"],"
		 "\"adults\":{},\"approved_costs\":{\"rent\":1.5},\"months_on_assistance\":1}",
		 "frame JSON: a number that is not a whole number"},
		{"{\"case\":\"C-1\",\"automation\":\"allowed\",\"valid_until\":\"2027-01-01\",\"household\":[\"198503012380\"],"
		 "\"adults\":{},\"approved_costs\":{},\"months_on_assistance\":-3}",
		 "frame JSON: months_on_assistance: '-3' is not a whole number >= 0"},
		{"{\"case\":\"C-1\",\"automation\":\"allowed\",\"valid_until\":\"2027-01-01\",\"household\":[\"198503012381\"],"
		 "\"adults\":{},\"approved_costs\":{},\"months_on_assistance\":3}",
		 "frame JSON: household: check digit is 1, expected 0"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct case_frame f;
		struct ebba_err err;
		assert_int_equal(case_frame_from_json(cases[i].json, strlen(cases[i].json), &f, &err), -1);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("got '%s', want '%s'", err.msg, cases[i].want);
		assert_null(strstr(err.msg, "198503012381"));
	}
}

/* The aktivitetskrav's keys of an adult and the 2027 keys of the household
 * (docs/application.md) survive JSON and YAML. */
static void test_aktivitetskrav_keys(void **state)
{
	(void)state;
	struct case_frame f, g;
	struct ebba_err err;
	load_frame(DATA "good-aktivitetskrav.yaml", &f);
	const struct frame_aktivitetskrav *a = &case_frame_adult(&f, "198503012380")->ak;
	assert_int_equal(a->hours_able, 30);
	assert_string_equal(a->occupation, "employment");
	assert_false(a->occupation_full_time);
	assert_int_equal(a->occupation_hours, 10);
	assert_int_equal(a->job_search_hours, 5);
	assert_int_equal(a->other_duties_hours, 2);
	assert_int_equal(a->sickness_percent, -1);
	assert_int_equal(a->n_breaks, 1);
	assert_int_equal(a->breaks[0].to.year, 2027);
	const struct frame_aktivitetskrav *b = &case_frame_adult(&f, "198701012398")->ak;
	assert_true(b->studies && b->parental_leave && b->formedlingsinsatser);
	assert_int_equal(b->sickness_percent, 25);
	assert_int_equal(b->hours_able, -1);
	assert_true(f.sublet_without_consent);
	assert_false(f.not_lawfully_resident);
	assert_true(f.has_limit_exception);
	assert_int_equal(f.limit_exception_decided.day, 10);
	char *json = case_frame_to_json(&f);
	if (case_frame_from_json(json, strlen(json), &g, &err) != 0)
		fail_msg("%s\n%s", err.msg, json);
	assert_same(&f, &g);
	free(json);
	char *y = case_frame_to_yaml(&f);
	if (case_frame_parse_yaml("shown.yaml", y, strlen(y), &g, &err) != 0)
		fail_msg("%s\n%s", err.msg, y);
	assert_same(&f, &g);
	free(y);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(frame_capacity_name(CAPACITY_PARTIAL), "partial");
	assert_string_equal(frame_plan_name(PLAN_EXEMPT), "exempt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_yaml_round_trip),
		cmocka_unit_test(test_mistakes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_aktivitetskrav_keys),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
