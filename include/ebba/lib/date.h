/*
 * The calendar: proleptic Gregorian dates of years 1..9999, the text forms
 * ebba reads and writes ("YYYY-MM-DD", "YYYY-MM", ISO 8601 timestamps) and
 * the arithmetic on them.  The one place for date helpers; nothing here
 * allocates or depends on the locale.
 *
 * Text forms are strict: "YYYY-MM-DD" is exactly ten characters, digits
 * where digits belong, and a real date ("2025-02-29" is not one).  Functions
 * that can fail follow error.h (0 or -1, one English line in err, which may
 * be NULL when the caller only needs the answer).
 */
#ifndef EBBA_DATE_H
#define EBBA_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ebba/lib/error.h"

/* A calendar date; month 1..12, day 1..31. */
struct date {
	int year, month, day;
};

#define DATE_BUF 11        /* "YYYY-MM-DD" + NUL */
#define DATE_MONTH_BUF 8   /* "YYYY-MM" + NUL */
#define DATE_NOW_BUF 40    /* date_now_utc() */

/* True if year-month-day is a real Gregorian date of years 1..9999. */
bool date_is_valid(int year, int month, int day);

/* Days in that month (28..31); 0 for a month outside 1..12. */
int date_days_in_month(int year, int month);

/*
 * Reads "YYYY-MM-DD" into out.  Fails on NULL, on any other shape
 * ("not a date YYYY-MM-DD") and on a day the calendar does not have
 * ("2025-02-29 is not a real date").  The message quotes at most 32
 * characters of s.
 */
int date_parse(const char *s, struct date *out, struct ebba_err *err);

/* True if s is "YYYY-MM-DD" and a real date; NULL is not. */
bool date_is_iso(const char *s);

/*
 * True if s is "YYYY-MM" with a year from 1 and a month 1..12; NULL is
 * not.
 */
bool date_is_month(const char *s);

/*
 * Days since 1970-01-01 of a date (negative before it), Howard Hinnant's
 * days_from_civil.  No check: give it a valid date.
 */
int64_t date_days_from_civil(int year, int month, int day);

/*
 * The date `days` days after `from` ("YYYY-MM-DD"; days may be negative),
 * Howard Hinnant's civil_from_days.  Fails if from is not a date.
 */
int date_add_days(const char *from, int days, char out[DATE_BUF], struct ebba_err *err);

/*
 * Days from date `from` to date `to` (both "YYYY-MM-DD"), negative if `to`
 * is earlier.  Fails if either is not a date (the message names which).
 */
int date_days_between(const char *from, const char *to, int64_t *days, struct ebba_err *err);

/*
 * Whole years between birth and on (negative if on is before birth): an
 * age.  Someone born on 29 February has their birthday on 1 March in
 * common years.
 */
int date_age_on(const struct date *birth, const struct date *on);

/*
 * An ISO 8601 timestamp "YYYY-MM-DDThh:mm:ss[.fraction]" with a zone "Z" or
 * "+hh:mm"/"-hh:mm" (hours up to 14) -> seconds since 1970-01-01 UTC.
 * Fails ("not a timestamp YYYY-MM-DDThh:mm:ss with time zone") on any
 * other shape, on a date that is not real, or on a time past 23:59:59.
 */
int date_parse_timestamp(const char *s, int64_t *epoch, struct ebba_err *err);

/*
 * The month before a "YYYY-MM" month (years from 1900): the income month
 * of an application period, whose incomes the application declares and
 * the registers are asked about ("2026-01" -> "2025-12").  Fails
 * ("period \"...\" is not YYYY-MM") on anything else.
 */
int date_prev_month(const char *month, char out[DATE_MONTH_BUF], struct ebba_err *err);

/*
 * The first and last day of a "YYYY-MM" month ("2024-02" -> "2024-02-01",
 * "2024-02-29").  Fails ("month: expected YYYY-MM", "month: no month 13 in
 * year 2026") on anything else.
 */
int date_month_bounds(const char *month, char from[DATE_BUF], char to[DATE_BUF],
		      struct ebba_err *err);

/* Today in the local time zone, "YYYY-MM-DD": the date decisions are made on. */
void date_today_local(char out[DATE_BUF]);

/*
 * Now in UTC with microseconds ("2026-12-01T20:31:07.123456Z"), as
 * PostgreSQL's timestamptz reads it.
 */
void date_now_utc(char out[DATE_NOW_BUF]);

#endif
