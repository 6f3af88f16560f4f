/* The attendance document (docs/architecture.md §5.2): facts, totals, checks, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/registers/attendance.h"
#include "ebba/lib/util.h"

#define PNR "198503122395"   /* Skatteverket test number */

static const char DESIGN_EXAMPLE[] =
	"<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">\n"
	"  <plan id=\"P-881\" hours-per-week=\"40\" from=\"2026-03-01\"/>\n"
	"  <activity type=\"sfi\" scheduled-hours=\"60\" attended-hours=\"57\" excused-hours=\"3\"/>\n"
	"  <activity type=\"work_training\" scheduled-hours=\"80\" attended-hours=\"48\" excused-hours=\"0\"/>\n"
	"</attendance>\n";

static char *doc_with(const char *plan, const char *activities)
{
	return xasprintf("<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">"
			 "%s%s</attendance>", plan, activities);
}

#define PLAN "<plan id=\"P-1\" hours-per-week=\"40\" from=\"2026-03-01\"/>"

static void test_design_example(void **s)
{
	struct attendance a;
	struct ebba_err err;
	if (attendance_parse(DESIGN_EXAMPLE, strlen(DESIGN_EXAMPLE), PNR, "2026-11", &a, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(a.pnr, PNR);
	assert_string_equal(a.period, "2026-11");
	assert_string_equal(a.plan_id, "P-881");
	assert_int_equal(a.hours_per_week, 40);
	assert_string_equal(a.plan_from, "2026-03-01");
	assert_int_equal(a.n_activities, 2);
	assert_string_equal(a.activities[0].type, "sfi");
	assert_int_equal(a.activities[0].scheduled, 6000);
	assert_int_equal(a.activities[0].attended, 5700);
	assert_int_equal(a.activities[0].excused, 300);
	assert_string_equal(a.activities[1].type, "work_training");
	assert_int_equal(a.scheduled, 14000);
	assert_int_equal(a.attended, 10500);
	assert_int_equal(a.excused, 300);
	assert_int_equal(a.attended_permille, 750);     /* 105 / 140 */
	assert_int_equal(a.accounted_permille, 771);    /* 108 / 140 = 771.4, rounded down */
	attendance_free(&a);
	/* Without expectations the document speaks for itself. */
	assert_int_equal(attendance_parse(DESIGN_EXAMPLE, strlen(DESIGN_EXAMPLE), NULL, NULL, &a,
					  &err), 0);
	attendance_free(&a);
}

static void test_decimals_and_rounding(void **s)
{
	char *d = doc_with(PLAN, "<activity type=\"a\" scheduled-hours=\"100\" attended-hours=\"89.99\" excused-hours=\"0\"/>"
				 "<activity type=\"b\" scheduled-hours=\"0.5\" attended-hours=\"0.5\" excused-hours=\"0\"/>");
	struct attendance a;
	struct ebba_err err;
	assert_int_equal(attendance_parse(d, strlen(d), NULL, NULL, &a, &err), 0);
	assert_int_equal(a.activities[0].attended, 8999);
	assert_int_equal(a.activities[1].scheduled, 50);
	assert_int_equal(a.scheduled, 10050);
	assert_int_equal(a.attended, 9049);
	assert_int_equal(a.attended_permille, 900);     /* 90.04 % */
	attendance_free(&a);
	free(d);

	/* 89.99 % is 899 per mille: never rounded up over a 90 % threshold. */
	d = doc_with(PLAN, "<activity type=\"a\" scheduled-hours=\"100\" attended-hours=\"89.99\" excused-hours=\"0\"/>");
	assert_int_equal(attendance_parse(d, strlen(d), NULL, NULL, &a, &err), 0);
	assert_int_equal(a.attended_permille, 899);
	attendance_free(&a);
	free(d);
}

static void test_no_activities(void **s)
{
	char *d = doc_with(PLAN, "<x:note xmlns:x=\"urn:other\">ignored extension</x:note>");
	struct attendance a;
	struct ebba_err err;
	assert_int_equal(attendance_parse(d, strlen(d), NULL, NULL, &a, &err), 0);
	assert_int_equal(a.n_activities, 0);
	assert_null(a.activities);
	assert_int_equal(a.attended_permille, -1);
	assert_int_equal(a.accounted_permille, -1);
	attendance_free(&a);
	free(d);

	d = doc_with(PLAN, "<activity type=\"a\" scheduled-hours=\"0\" attended-hours=\"0\" excused-hours=\"0\"/>");
	assert_int_equal(attendance_parse(d, strlen(d), NULL, NULL, &a, &err), 0);
	assert_int_equal(a.attended_permille, -1);
	attendance_free(&a);
	free(d);
}

static void test_many_activities(void **s)
{
	struct ebba_buf acts = {0};
	for (int i = 0; i < 300; i++)
		buf_printf(&acts, "<activity type=\"t%d\" scheduled-hours=\"2\" attended-hours=\"1\" excused-hours=\"1\"/>", i);
	char *d = doc_with(PLAN, acts.data);
	struct attendance a;
	struct ebba_err err;
	assert_int_equal(attendance_parse(d, strlen(d), NULL, NULL, &a, &err), 0);
	assert_int_equal(a.n_activities, 300);
	assert_string_equal(a.activities[299].type, "t299");
	assert_int_equal(a.scheduled, 60000);
	assert_int_equal(a.accounted_permille, 1000);
	assert_int_equal(a.attended_permille, 500);
	attendance_free(&a);
	free(d);
	buf_free(&acts);
}

static void expect_error(const char *doc, size_t len, const char *exp_pnr,
			 const char *exp_period, const char *needle)
{
	struct attendance a;
	struct ebba_err err = {0};
	assert_int_equal(attendance_parse(doc, len, exp_pnr, exp_period, &a, &err), -1);
	if (!strstr(err.msg, needle))
		fail_msg("'%s' does not contain '%s'", err.msg, needle);
	assert_null(a.activities);
	attendance_free(&a);   /* harmless after a failure */
}

static void test_errors(void **s)
{
	static const char *const bad[][2] = {
		{ "<attendance xmlns=\"urn:ebba:plan:2\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN "</attendance>",
		  "root element is not" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" period=\"2026-11\">" PLAN "</attendance>", "pnr is missing" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"198503122396\" period=\"2026-11\">" PLAN "</attendance>",
		  "pnr is not a valid" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-13\">" PLAN "</attendance>",
		  "period is not YYYY-MM" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\"/>", "no plan" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN PLAN "</attendance>",
		  "attendance:1: more than one plan" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">"
		  "<plan id=\"P\" hours-per-week=\"169\" from=\"2026-03-01\"/></attendance>", "hours-per-week" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">"
		  "<plan id=\"P\" hours-per-week=\"-1\" from=\"2026-03-01\"/></attendance>", "hours-per-week" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">"
		  "<plan id=\"P\" hours-per-week=\"40\" from=\"2026-02-30\"/></attendance>", "from is not a date" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">"
		  "<plan id=\"\" hours-per-week=\"40\" from=\"2026-03-01\"/></attendance>", "id is missing" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN
		  "<activity scheduled-hours=\"1\" attended-hours=\"1\" excused-hours=\"0\"/></attendance>", "type is missing" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN
		  "<activity type=\"a\" scheduled-hours=\"1\" attended-hours=\"x\" excused-hours=\"0\"/></attendance>",
		  "attended-hours is not a number" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN
		  "<activity type=\"a\" scheduled-hours=\"1.005\" attended-hours=\"1\" excused-hours=\"0\"/></attendance>",
		  "scheduled-hours is not a number" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN
		  "<activity type=\"a\" scheduled-hours=\"745\" attended-hours=\"1\" excused-hours=\"0\"/></attendance>",
		  "scheduled-hours is not a number" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN
		  "<activity type=\"a\" scheduled-hours=\"10\" attended-hours=\"8\" excused-hours=\"3\"/></attendance>",
		  "exceed the scheduled hours" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN
		  "<activity type=\"a\" scheduled-hours=\"-1\" attended-hours=\"0\" excused-hours=\"0\"/></attendance>",
		  "scheduled-hours is not a number" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN
		  "<absence/></attendance>", "unknown element absence" },
		{ "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR "\" period=\"2026-11\">" PLAN,
		  "not well-formed" },
		{ "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
		  "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"&e;\" period=\"2026-11\">" PLAN "</attendance>", "DOCTYPE" },
		{ "<!DOCTYPE a [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><a>&b;</a>", "DOCTYPE" },
		{ "", "empty" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		expect_error(bad[i][0], strlen(bad[i][0]), NULL, NULL, bad[i][1]);
	expect_error(DESIGN_EXAMPLE, strlen(DESIGN_EXAMPLE), "198701052386", NULL, "another person");
	expect_error(DESIGN_EXAMPLE, strlen(DESIGN_EXAMPLE), PNR, "2026-10", "not 2026-10");
}

static void test_limits(void **s)
{
	struct ebba_buf d = {0};
	for (int i = 0; i < 10000; i++)
		buf_puts(&d, "<a>");
	for (int i = 0; i < 10000; i++)
		buf_puts(&d, "</a>");
	expect_error(d.data, d.len, NULL, NULL, "nested deeper");
	buf_free(&d);

	size_t big = ATTENDANCE_MAX_BYTES + 1;
	char *huge = xmalloc(big);
	memset(huge, ' ', big);
	expect_error(huge, big, NULL, NULL, "limit");
	free(huge);

	struct ebba_buf acts = {0};
	for (int i = 0; i <= ATTENDANCE_MAX_ACTIVITIES; i++)
		buf_puts(&acts, "<activity type=\"t\" scheduled-hours=\"1\" attended-hours=\"1\" excused-hours=\"0\"/>");
	char *doc = doc_with(PLAN, acts.data);
	expect_error(doc, strlen(doc), NULL, NULL, "more than 1000 activities");
	free(doc);
	buf_free(&acts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_decimals_and_rounding),
		cmocka_unit_test(test_no_activities),
		cmocka_unit_test(test_many_activities),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests_name("attendance", tests, NULL, NULL);
}
