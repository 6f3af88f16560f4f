/*
 * Identity numbers.  The whole of Skatteverket's list of test numbers must
 * pass, and each of them with a wrong check digit must fail with the right
 * reason.  The list is read at run time from $EBBA_REFERENCE (default
 * reference/, relative to the repository root where tests run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/lib/pnr.h"

static FILE *open_list(void)
{
	const char *ref = getenv("EBBA_REFERENCE");
	char path[4096];
	snprintf(path, sizeof(path), "%s/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt",
		 ref && *ref ? ref : "reference");
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (set EBBA_REFERENCE)", path);
	return f;
}

static void test_whole_list(void **state)
{
	(void)state;
	FILE *f = open_list();
	char line[64];
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\r\n");
		if (len == 0)
			continue;
		struct pnr p;
		struct ebba_err err;
		if (pnr_parse(line, len, &p, &err) != 0)
			fail_msg("list entry %zu rejected: %s", n + 1, err.msg);
		assert_memory_equal(p.digits, line, 12);
		/* The same number with every other check digit is invalid. */
		for (int d = 0; d < 10; d++) {
			if (d == line[11] - '0')
				continue;
			char bad[13];
			memcpy(bad, line, 12);
			bad[11] = (char)('0' + d);
			bad[12] = '\0';
			assert_int_equal(pnr_parse(bad, 12, &p, &err), -1);
			char want[64];
			snprintf(want, sizeof(want), "check digit is %d, expected %c", d, line[11]);
			assert_string_equal(err.msg, want);
		}
		n++;
	}
	fclose(f);
	assert_true(n > 40000);
}

static void expect_invalid(const char *s, const char *reason)
{
	struct pnr p;
	struct ebba_err err;
	assert_int_equal(pnr_parse(s, strlen(s), &p, &err), -1);
	if (!strstr(err.msg, reason))
		fail_msg("'%s': got '%s', expected '%s'", s, err.msg, reason);
}

static void test_forms(void **state)
{
	(void)state;
	struct pnr p;
	struct ebba_err err;
	assert_int_equal(pnr_parse("19850301-2380", 13, &p, &err), 0);
	assert_string_equal(p.digits, "198503012380");
	assert_false(p.coordination);
	assert_int_equal(p.birth.year, 1985);
	assert_int_equal(p.birth.month, 3);
	assert_int_equal(p.birth.day, 1);
	assert_true(pnr_is_valid("198503012380"));
	expect_invalid("198503012381", "check digit is 1, expected 0");
	expect_invalid("8503012380", "wrong length");
	expect_invalid("", "wrong length");
	expect_invalid("1985030123800", "expected '-' at position 9");
	expect_invalid("19850301+2380", "expected '-'");
	expect_invalid("1985O3012380", "not a digit at position 5");
	expect_invalid("198513012380", "not a date: month 13");
	expect_invalid("198500012380", "not a date: month 00");
	expect_invalid("198503322380", "not a date: day 32");
	expect_invalid("198503002380", "not a date: day 00");
	expect_invalid("198502292380", "not a date: day 29 in 1985-02");
	expect_invalid("198504312380", "not a date: day 31");
	expect_invalid("198503922380", "not a date: day 92");
	expect_invalid("170001012380", "not a date: year 1700");
}

/* A coordination number made at run time from a list entry (day + 60). */
static void test_coordination(void **state)
{
	(void)state;
	char s[13] = "198503012380";
	s[6] = '6';     /* day 01 -> 61 */
	s[11] = (char)('0' + pnr_luhn_digit(s + 2));
	struct pnr p;
	struct ebba_err err;
	assert_int_equal(pnr_parse(s, 12, &p, &err), 0);
	assert_true(p.coordination);
	assert_int_equal(p.birth.day, 1);
	s[11] = (char)('0' + (s[11] - '0' + 1) % 10);
	assert_int_equal(pnr_parse(s, 12, &p, &err), -1);
	assert_non_null(strstr(err.msg, "check digit"));
	/* Day 29 + 60 in a common year is still no date. */
	char f[13] = "198502892380";
	f[11] = (char)('0' + pnr_luhn_digit(f + 2));
	assert_int_equal(pnr_parse(f, 12, &p, &err), -1);
	assert_non_null(strstr(err.msg, "coordination number"));
}

static void test_mask_and_scrub(void **state)
{
	(void)state;
	char m[PNR_MASK_BUF];
	assert_string_equal(pnr_mask("198503012380", m), "19850301-****");
	assert_string_equal(pnr_mask("19850301-2380", m), "19850301-****");
	assert_string_equal(pnr_mask("1985", m), "********-****");
	assert_string_equal(pnr_mask(NULL, m), "********-****");
	/* Every digit of a number goes; a run that is no number stays. */
	char t[] = "value '198503012380' and 19850301-2380, amount 4200, 0123456789";
	pnr_scrub(t);
	assert_string_equal(t, "value '************' and ********-****, amount 4200, 0123456789");
}

/* pnr_find on s: expect the match s[start..end), or none when start < 0. */
static void expect_find(const char *s, int start, int end)
{
	struct pnr_span sp;
	bool found = pnr_find(s, strlen(s), &sp);
	if (start < 0) {
		if (found)
			fail_msg("'%s': found [%zu, %zu), expected nothing", s, sp.start, sp.end);
		assert_false(pnr_in_text(s));
		return;
	}
	if (!found)
		fail_msg("'%s': nothing found, expected [%d, %d)", s, start, end);
	if (sp.start != (size_t)start || sp.end != (size_t)end)
		fail_msg("'%s': found [%zu, %zu), expected [%d, %d)", s, sp.start, sp.end, start, end);
	assert_true(pnr_in_text(s));
}

/* The ids and case numbers, and the spellings around them. */
static void test_find(void **state)
{
	(void)state;
	/* Accepted by the API before (201), each an identity number. */
	expect_find("X-850301-2380", 2, 13);
	expect_find("P-19850301_2380", 2, 15);
	expect_find("P-19850301.2380", 2, 15);
	expect_find("P-19850301:2380", 2, 15);
	expect_find("C-850301-2380", 2, 13);
	/* 10 or 12 digits, one separator or none. */
	expect_find("8503012380", 0, 10);
	expect_find("198503012380", 0, 12);
	expect_find("19850301-2380", 0, 13);
	expect_find("850301+2380", 0, 11);
	expect_find("850301 2380", 0, 11);
	expect_find("850301/2380", 0, 11);
	expect_find("850301\r2380", 0, 11);
	expect_find("850301\n2380", 0, 11);
	expect_find("850301\xe2\x80\x93" "2380", 0, 13);   /* an en dash */
	expect_find("850301\xc2\xa0" "2380", 0, 12);       /* a no-break space */
	expect_find("850301\xc0" "2380", 0, 11);           /* a byte that is not UTF-8 */
	expect_find("id=8503012380&x", 3, 13);
	expect_find("P19850301_2380Q", 1, 14);
	/* Not one: check digit, date, separators, length, letters. */
	expect_find("850301-2381", -1, 0);
	expect_find("198503012381", -1, 0);
	expect_find("851301-2380", -1, 0);
	expect_find("850332-2380", -1, 0);
	expect_find("850300-2380", -1, 0);
	expect_find("19850301--2380", -1, 0);
	expect_find("19850301 - 2380", -1, 0);
	expect_find("850301a2380", -1, 0);
	expect_find("850301Z2380", -1, 0);
	expect_find("1198503012380", -1, 0);
	expect_find("98503012380", -1, 0);
	expect_find("85030123801", -1, 0);
	expect_find("850301-23801", -1, 0);
	expect_find("1850301-2380", -1, 0);
	expect_find("850301-238", -1, 0);
	expect_find("17850301-2380", -1, 0);     /* year 1785: before any such number */
	expect_find("EB-2026-12-000123", -1, 0);
	expect_find("2026-11-24T21:13:05+01:00", -1, 0);
	expect_find("", -1, 0);
	/* The first of two; the second after the first's end. */
	const char *two_numbers = "a 850301-2380 b 198701012398 c";
	struct pnr_span sp;
	assert_true(pnr_find(two_numbers, strlen(two_numbers), &sp));
	assert_int_equal(sp.start, 2);
	assert_int_equal(sp.end, 13);
	assert_true(pnr_find(two_numbers + sp.end, strlen(two_numbers) - sp.end, &sp));
	assert_int_equal(sp.start, 3);
	/* NUL bytes are text too (pnr_find has a length). */
	assert_true(pnr_find("x\0" "8503012380", 12, &sp));
	assert_int_equal(sp.start, 2);
}

/* Makes the ten digits YYMMDDNNN + its check digit into out[0..10). */
static void with_check(const char nine[9], char out[11])
{
	memcpy(out, nine, 9);
	out[9] = (char)('0' + pnr_luhn_digit(nine));
	out[10] = '\0';
}

static void test_find_dates(void **state)
{
	(void)state;
	char d[11], s[32];
	/* Samordningsnummer: day + 60, in both lengths. */
	with_check("850361238", d);
	snprintf(s, sizeof(s), "%.6s-%s", d, d + 6);
	expect_find(s, 0, 11);
	snprintf(s, sizeof(s), "19%s", d);
	expect_find(s, 0, 12);
	with_check("850392238", d);              /* day 32 + 60 */
	expect_find(d, -1, 0);
	/* 29 February: a leap year, or any YY divisible by 4 (no century). */
	with_check("000229238", d);
	expect_find(d, 0, 10);
	snprintf(s, sizeof(s), "20%s", d);
	expect_find(s, 0, 12);
	snprintf(s, sizeof(s), "19%s", d);
	expect_find(s, -1, 0);                   /* 1900 was no leap year */
	with_check("850229238", d);
	expect_find(d, -1, 0);
	with_check("850289238", d);              /* 29 + 60 in 1985 */
	expect_find(d, -1, 0);
	with_check("840289238", d);
	expect_find(d, 0, 10);
	with_check("850431238", d);              /* 31 April */
	expect_find(d, -1, 0);
	with_check("850431238", d);
	snprintf(s, sizeof(s), "19%.6s_%s", d, d + 6);
	expect_find(s, -1, 0);
}

/*
 * The whole list in every spelling the detector is for, alone and inside
 * text: found exactly, and pnr_scrub leaves none of its digits; with any
 * other check digit, found in none.
 */
static void test_find_whole_list(void **state)
{
	(void)state;
	FILE *f = open_list();
	char line[64];
	size_t n = 0;
	static const char *const seps[] = {"", "-", "+", "_", ".", ":", " ", "\t"};
	while (fgets(line, sizeof(line), f)) {
		if (strcspn(line, "\r\n") != 12)
			continue;
		for (int wrong = 0; wrong < 10; wrong++) {
			char num[13];
			memcpy(num, line, 12);
			num[12] = '\0';
			bool right = wrong == line[11] - '0';
			num[11] = (char)('0' + wrong);
			for (size_t k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
				for (int len = 10; len <= 12; len += 2) {
					const char *digits = num + 12 - len;
					char text[64];
					int w = snprintf(text, sizeof(text), "id X-%.*s%s%s/y", len - 4, digits,
							 seps[k], digits + len - 4);
					struct pnr_span sp;
					bool found = pnr_find(text, (size_t)w, &sp);
					if (found != right)
						fail_msg("'%s': %s", text, found ? "found" : "not found");
					if (!right)
						continue;
					assert_int_equal(sp.start, 5);
					assert_int_equal(sp.end, 5 + len + strlen(seps[k]));
					pnr_scrub(text);
					for (size_t q = 0; text[q]; q++)
						if (text[q] >= '0' && text[q] <= '9')
							fail_msg("a digit left in '%s'", text);
					assert_false(pnr_in_text(text));
				}
			}
		}
		n++;
	}
	fclose(f);
	assert_true(n > 40000);
}

/* A 12-digit string is found whole exactly when pnr_parse accepts it. */
static void test_find_agrees_with_parse(void **state)
{
	(void)state;
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	size_t accepted = 0;
	for (int i = 0; i < 400000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		char s[13];
		/* Mostly plausible dates, so that both answers are common. */
		int year = 1790 + (int)(x % 240), month = 1 + (int)((x >> 8) % 13);
		int day = (int)((x >> 16) % 93), serial = (int)((x >> 24) % 1000);
		snprintf(s, sizeof(s), "%04d%02d%02d%03d", year, month, day, serial);
		s[11] = (char)('0' + ((x >> 40) % 3 == 0 ? (int)((x >> 44) % 10) : pnr_luhn_digit(s + 2)));
		s[12] = '\0';
		struct pnr p;
		bool parsed = pnr_parse(s, 12, &p, NULL) == 0;
		struct pnr_span sp;
		bool found = pnr_find(s, 12, &sp) && sp.start == 0 && sp.end == 12;
		if (parsed != found)
			fail_msg("'%s': pnr_parse %s, pnr_find %s", s, parsed ? "accepts" : "refuses",
				 found ? "finds it" : "does not");
		accepted += parsed;
	}
	assert_true(accepted > 100000);
}

/* Scrubbing masks digits only, finds nothing afterwards and changes
 * nothing the second time. */
static void test_scrub_properties(void **state)
{
	(void)state;
	char t[] = "850301-2380850301-2380 x8503012380y 19850301+2380-850301-2380 9 " "8503012380";
	char before[sizeof(t)];
	memcpy(before, t, sizeof(t));
	size_t n = pnr_scrub_n(t, strlen(t));
	assert_int_equal(n, 4);
	for (size_t i = 0; t[i]; i++)
		if (t[i] != before[i])
			assert_true(t[i] == '*' && before[i] >= '0' && before[i] <= '9');
	assert_false(pnr_in_text(t));
	char again[sizeof(t)];
	memcpy(again, t, sizeof(t));
	assert_int_equal(pnr_scrub_n(again, strlen(again)), 0);
	assert_string_equal(again, t);
	assert_string_equal(t, "850301-2380850301-2380 x**********y ********+****-******-**** 9 **********");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_list),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_coordination),
		cmocka_unit_test(test_mask_and_scrub),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_dates),
		cmocka_unit_test(test_find_whole_list),
		cmocka_unit_test(test_find_agrees_with_parse),
		cmocka_unit_test(test_scrub_properties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
