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
	char t[] = "value '198503012380' and 19850301-2380, amount 4200, 0123456789";
	pnr_scrub(t);
	assert_string_equal(t, "value '19850301****' and 19850301-****, amount 4200, 01234567**");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_list),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_coordination),
		cmocka_unit_test(test_mask_and_scrub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
