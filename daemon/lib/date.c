/*
 * The calendar (include/ebba/lib/date.h).  Parsing works on the bytes, not
 * through sscanf: "%4d" takes signs and spaces, and these run on the hot
 * path of every decision.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ebba/lib/date.h"
#include "ebba/lib/util.h"

static int number(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* v as n decimal digits with leading zeros; v must fit. */
static void put_number(char *out, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
}

bool date_is_valid(int year, int month, int day)
{
	if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
		return false;
	return day <= date_days_in_month(year, month);
}

int date_days_in_month(int year, int month)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12)
		return 0;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return mdays[month - 1] + (month == 2 && leap);
}

/* "YYYY-MM" as the first seven characters of s; no check of the month. */
static bool month_shape(const char *s)
{
	return digits_only(s, 4) && s[4] == '-' && digits_only(s + 5, 2);
}

int date_parse(const char *s, struct date *out, struct ebba_err *err)
{
	if (!s || strlen(s) != 10 || !month_shape(s) || s[7] != '-' || !digits_only(s + 8, 2))
		return ebba_errf(err, "'%.32s' is not a date YYYY-MM-DD", s ? s : "");
	struct date d = {number(s, 4), number(s + 5, 2), number(s + 8, 2)};
	if (!date_is_valid(d.year, d.month, d.day))
		return ebba_errf(err, "%s is not a real date", s);
	*out = d;
	return 0;
}

bool date_is_iso(const char *s)
{
	struct date d;
	return date_parse(s, &d, NULL) == 0;
}

bool date_is_month(const char *s)
{
	if (!s || strlen(s) != 7 || !month_shape(s))
		return false;
	int m = number(s + 5, 2);
	return number(s, 4) >= 1 && m >= 1 && m <= 12;
}

int64_t date_days_from_civil(int year, int month, int day)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int date_add_days(const char *from, int days, char out[DATE_BUF], struct ebba_err *err)
{
	struct date a;
	if (date_parse(from, &a, err) != 0)
		return -1;
	int64_t z = date_days_from_civil(a.year, a.month, a.day) + days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int y = (int)(yoe + era * 400 + (m <= 2));
	if (y < 1 || y > 9999)
		return ebba_errf(err, "%s + %d days is out of range", from, days);
	snprintf(out, DATE_BUF, "%04d-%02d-%02d", y, m, d);
	return 0;
}

int date_days_between(const char *from, const char *to, int64_t *days, struct ebba_err *err)
{
	struct date a, b;
	if (date_parse(from, &a, err) != 0)
		return ebba_err_prefix(err, "from");
	if (date_parse(to, &b, err) != 0)
		return ebba_err_prefix(err, "to");
	*days = date_days_from_civil(b.year, b.month, b.day) -
		date_days_from_civil(a.year, a.month, a.day);
	return 0;
}

int date_age_on(const struct date *birth, const struct date *on)
{
	int age = on->year - birth->year;
	int bm = birth->month, bd = birth->day;
	if (bm == 2 && bd == 29 && date_days_in_month(on->year, 2) == 28) {
		bm = 3;
		bd = 1;
	}
	if (on->month < bm || (on->month == bm && on->day < bd))
		age--;
	return age;
}

/* "Z", "+hh:mm" or "-hh:mm" (up to 14:59) at the end of a timestamp. */
static bool zone_offset(const char *p, int *seconds)
{
	if (p[0] == 'Z' && !p[1]) {
		*seconds = 0;
		return true;
	}
	if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6 || !digits_only(p + 1, 2) || p[3] != ':' ||
	    !digits_only(p + 4, 2))
		return false;
	int h = number(p + 1, 2), m = number(p + 4, 2);
	if (h > 14 || m > 59)
		return false;
	*seconds = (h * 60 + m) * 60 * (p[0] == '-' ? -1 : 1);
	return true;
}

int date_parse_timestamp(const char *s, int64_t *epoch, struct ebba_err *err)
{
	static const char bad[] = "not a timestamp YYYY-MM-DDThh:mm:ss with time zone";
	if (!s || strlen(s) < 19 || !month_shape(s) || s[7] != '-' || !digits_only(s + 8, 2) ||
	    s[10] != 'T' || !digits_only(s + 11, 2) || s[13] != ':' || !digits_only(s + 14, 2) ||
	    s[16] != ':' || !digits_only(s + 17, 2))
		return ebba_errf(err, "%s", bad);
	const char *p = s + 19;
	if (*p == '.') {
		if (!digits_only(++p, 1))
			return ebba_errf(err, "%s", bad);
		while (*p >= '0' && *p <= '9')
			p++;
	}
	int off;
	int y = number(s, 4), mo = number(s + 5, 2), d = number(s + 8, 2);
	int h = number(s + 11, 2), mi = number(s + 14, 2), se = number(s + 17, 2);
	if (!zone_offset(p, &off) || !date_is_valid(y, mo, d) || h > 23 || mi > 59 || se > 59)
		return ebba_errf(err, "%s", bad);
	*epoch = date_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	return 0;
}

int date_prev_month(const char *month, char out[DATE_MONTH_BUF], struct ebba_err *err)
{
	if (!date_is_month(month) || number(month, 4) < 1900)
		return ebba_errf(err, "period \"%s\" is not YYYY-MM", month ? month : "");
	int y = number(month, 4), m = number(month + 5, 2);
	if (--m == 0) {
		m = 12;
		y--;
	}
	put_number(out, y, 4);
	out[4] = '-';
	put_number(out + 5, m, 2);
	out[7] = '\0';
	return 0;
}

int date_month_bounds(const char *month, char from[DATE_BUF], char to[DATE_BUF],
		      struct ebba_err *err)
{
	if (!month || strlen(month) != 7 || !month_shape(month))
		return ebba_errf(err, "month: expected YYYY-MM");
	int y = number(month, 4), m = number(month + 5, 2);
	if (!date_is_month(month))
		return ebba_errf(err, "month: no month %d in year %d", m, y);
	memcpy(from, month, 7);
	memcpy(from + 7, "-01", 4);
	memcpy(to, from, 8);
	put_number(to + 8, date_days_in_month(y, m), 2);
	to[10] = '\0';
	return 0;
}

void date_today_local(char out[DATE_BUF])
{
	time_t t = time(NULL);
	struct tm tm;
	strftime(out, DATE_BUF, "%Y-%m-%d", localtime_r(&t, &tm));
}

void date_now_utc(char out[DATE_NOW_BUF])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, DATE_NOW_BUF, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, DATE_NOW_BUF - n, ".%06ldZ", ts.tv_nsec / 1000);
}
