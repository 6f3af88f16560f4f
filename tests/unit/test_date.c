/*
 * The calendar (ebba/lib/date.h): which dates exist, day numbers against
 * known values, ages, timestamps, months, and what bad input gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/lib/date.h"

static void test_valid(void **state)
{
	(void)state;
	assert_true(date_is_iso("2024-02-29"));
	assert_true(date_is_iso("2000-02-29"));   /* divisible by 400 */
	assert_false(date_is_iso("2025-02-29"));
	assert_false(date_is_iso("2100-02-29"));  /* divisible by 100 only */
	assert_false(date_is_iso("1900-02-29"));
	assert_true(date_is_iso("2026-12-31"));
	assert_false(date_is_iso("2026-04-31"));
	assert_false(date_is_iso("2026-13-01"));
	assert_false(date_is_iso("2026-00-10"));
	assert_false(date_is_iso("2026-01-00"));
	assert_false(date_is_iso("0000-01-01"));
	assert_true(date_is_valid(9999, 12, 31));
	assert_false(date_is_valid(10000, 1, 1));
	assert_int_equal(date_days_in_month(2024, 2), 29);
	assert_int_equal(date_days_in_month(2025, 2), 28);
	assert_int_equal(date_days_in_month(2025, 13), 0);
}

static void test_bad_text(void **state)
{
	(void)state;
	const char *bad[] = {NULL, "", "2026-1-01", "2026-01-1", "2026/01/01", "+026-01-01",
			     " 2026-01-01", "2026-01-01 ", "2026-01-01T00:00:00Z", "2026-01-0x",
			     "20260101"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(date_is_iso(bad[i]));
	struct ebba_err err;
	struct date d = {1, 2, 3};
	assert_int_equal(date_parse("2026-1-01", &d, &err), -1);
	assert_string_equal(err.msg, "'2026-1-01' is not a date YYYY-MM-DD");
	assert_int_equal(date_parse("2025-02-29", &d, &err), -1);
	assert_string_equal(err.msg, "2025-02-29 is not a real date");
	assert_int_equal(d.year, 1);  /* untouched on failure */
	assert_int_equal(date_parse(NULL, &d, &err), -1);
	assert_int_equal(date_parse("2026-12-01", &d, &err), 0);
	assert_int_equal(d.year, 2026);
	assert_int_equal(d.month, 12);
	assert_int_equal(d.day, 1);
	assert_int_equal(date_parse("x", &d, NULL), -1);  /* err may be NULL */
}

static void test_days_from_civil(void **state)
{
	(void)state;
	assert_int_equal(date_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(date_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(date_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(date_days_from_civil(2000, 2, 29), 11016);
	assert_int_equal(date_days_from_civil(2026, 12, 1), 20788);
	assert_int_equal(date_days_from_civil(1, 1, 1), -719162);
	int64_t days = 0;
	struct ebba_err err;
	assert_int_equal(date_days_between("2024-02-28", "2024-03-01", &days, &err), 0);
	assert_int_equal(days, 2);
	assert_int_equal(date_days_between("2026-12-01", "2025-12-01", &days, &err), 0);
	assert_int_equal(days, -365);
	assert_int_equal(date_days_between("2026-12-01", "2026-12-32", &days, &err), -1);
	assert_string_equal(err.msg, "to: 2026-12-32 is not a real date");
	assert_int_equal(date_days_between("", "2026-12-01", &days, &err), -1);
	assert_string_equal(err.msg, "from: '' is not a date YYYY-MM-DD");
}

/* A komplettering's deadline (rules_request.c): across months, a leap
 * day, a year's end, and back again; a non-date refused. */
static void test_add_days(void **state)
{
	(void)state;
	char out[DATE_BUF];
	struct ebba_err err;
	assert_int_equal(date_add_days("2026-12-07", 14, out, &err), 0);
	assert_string_equal(out, "2026-12-21");
	assert_int_equal(date_add_days("2026-12-20", 14, out, &err), 0);
	assert_string_equal(out, "2027-01-03");
	assert_int_equal(date_add_days("2028-02-15", 14, out, &err), 0);
	assert_string_equal(out, "2028-02-29");
	assert_int_equal(date_add_days("2027-02-15", 14, out, &err), 0);
	assert_string_equal(out, "2027-03-01");
	assert_int_equal(date_add_days("2027-03-01", -1, out, &err), 0);
	assert_string_equal(out, "2027-02-28");
	assert_int_equal(date_add_days("1970-01-01", 0, out, &err), 0);
	assert_string_equal(out, "1970-01-01");
	assert_int_equal(date_add_days("2027-02-30", 1, out, &err), -1);
}

static void test_age(void **state)
{
	(void)state;
	struct date b = {2005, 12, 1};
	assert_int_equal(date_age_on(&b, &(struct date){2026, 12, 1}), 21);
	assert_int_equal(date_age_on(&b, &(struct date){2026, 11, 30}), 20);
	assert_int_equal(date_age_on(&b, &(struct date){2005, 11, 30}), -1);
	struct date leap = {2004, 2, 29};
	assert_int_equal(date_age_on(&leap, &(struct date){2025, 2, 28}), 20);
	assert_int_equal(date_age_on(&leap, &(struct date){2025, 3, 1}), 21);
	assert_int_equal(date_age_on(&leap, &(struct date){2028, 2, 29}), 24);
}

static void test_timestamp(void **state)
{
	(void)state;
	int64_t t = 0;
	struct ebba_err err;
	assert_int_equal(date_parse_timestamp("1970-01-01T00:00:00Z", &t, &err), 0);
	assert_int_equal(t, 0);
	assert_int_equal(date_parse_timestamp("2026-12-01T10:00:00.123+01:00", &t, &err), 0);
	assert_int_equal(t, 20788LL * 86400 + 9 * 3600);
	assert_int_equal(date_parse_timestamp("2026-12-01T10:00:00-14:00", &t, &err), 0);
	assert_int_equal(t, 20789LL * 86400);
	const char *bad[] = {NULL, "2026-12-01T10:00:00", "2026-12-01 10:00:00Z",
			     "2026-12-01T24:00:00Z", "2026-12-01T10:60:00Z", "2025-02-29T10:00:00Z",
			     "2026-12-01T10:00:00.Z", "2026-12-01T10:00:00+15:00",
			     "2026-12-01T10:00:00+01:00x", "2026-12-01T10:00:00Zx",
			     "2026-12-01T10:00:00+1:00"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(date_parse_timestamp(bad[i], &t, &err), -1);
		assert_string_equal(err.msg, "not a timestamp YYYY-MM-DDThh:mm:ss with time zone");
	}
}

static void test_months(void **state)
{
	(void)state;
	char m[DATE_MONTH_BUF];
	struct ebba_err err;
	assert_int_equal(date_prev_month("2026-01", m, &err), 0);
	assert_string_equal(m, "2025-12");
	assert_int_equal(date_prev_month("2026-12", m, &err), 0);
	assert_string_equal(m, "2026-11");
	const char *bad[] = {NULL, "2026-13", "2026-00", "2026-1", "2026-011", "1899-05", "2026/01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(date_prev_month(bad[i], m, &err), -1);
	assert_string_equal(err.msg, "period \"2026/01\" is not YYYY-MM");
	assert_true(date_is_month("2026-12"));
	assert_false(date_is_month("2026-13"));
	assert_false(date_is_month("0000-01"));

	char from[DATE_BUF], to[DATE_BUF];
	assert_int_equal(date_month_bounds("2024-02", from, to, &err), 0);
	assert_string_equal(from, "2024-02-01");
	assert_string_equal(to, "2024-02-29");
	assert_int_equal(date_month_bounds("2026-11", from, to, &err), 0);
	assert_string_equal(to, "2026-11-30");
	assert_int_equal(date_month_bounds("2026-13", from, to, &err), -1);
	assert_string_equal(err.msg, "month: no month 13 in year 2026");
	assert_int_equal(date_month_bounds("2026-1", from, to, &err), -1);
	assert_string_equal(err.msg, "month: expected YYYY-MM");
	assert_int_equal(date_month_bounds("2026-1x", from, to, &err), -1);
}

static void test_now(void **state)
{
	(void)state;
	char today[DATE_BUF], now[DATE_NOW_BUF];
	date_today_local(today);
	assert_true(date_is_iso(today));
	date_now_utc(now);
	assert_int_equal(strlen(now), 27);
	int64_t t;
	assert_int_equal(date_parse_timestamp(now, &t, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_bad_text),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_add_days),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_now),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
