/*
 * The generic helpers of ebba/lib/util.h that others build on: the hex
 * encoder (digests and bytea), the SHA-256 digest, the edit distance
 * behind "did you mean", and the buffer's integer and printf appends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <cmocka.h>

#include "ebba/lib/evidence_kind.h"
#include "ebba/lib/log.h"
#include "ebba/store/whatif.h"
#include "ebba/lib/util.h"

static void test_hex_encode(void **state)
{
	(void)state;
	char out[16];
	memset(out, 'x', sizeof(out));
	hex_encode("", 0, out);
	assert_string_equal(out, "");
	hex_encode("\x00\x01\x7f\x80\xab\xff", 6, out);
	assert_string_equal(out, "00017f80abff");
	hex_encode("AZ", 2, out);
	assert_string_equal(out, "415a");
}

static void test_sha256_hex(void **state)
{
	(void)state;
	char out[65];
	sha256_hex("abc", 3, out);  /* FIPS 180-2, appendix B.1 */
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(edit_distance("", ""), 0);
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
	assert_int_equal(edit_distance("household", "houshold"), 1);  /* deletion */
	assert_int_equal(edit_distance("valid_until", "valid_untill"), 1);  /* insertion */
	assert_int_equal(edit_distance("abc", ""), 3);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("flaw", "lawn"), 2);
	char longer[EDIT_DISTANCE_MAX_LEN + 2];
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_true(edit_distance(longer, "a") == SIZE_MAX);
	longer[EDIT_DISTANCE_MAX_LEN] = '\0';  /* exactly the maximum still counts */
	assert_int_equal(edit_distance(longer, "a"), EDIT_DISTANCE_MAX_LEN - 1);
}

static void test_buf_put_int(void **state)
{
	(void)state;
	struct ebba_buf b = {0};
	long long v[] = {0, 7, -7, 1000, LLONG_MAX, LLONG_MIN};
	char want[32];
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		buf_reset(&b);
		buf_put_int(&b, v[i]);
		snprintf(want, sizeof(want), "%lld", v[i]);
		assert_string_equal(b.data, want);
		assert_int_equal(b.len, strlen(want));
	}
	buf_free(&b);
}

/* Formatting into the room there is, and again after growing. */
static void test_buf_printf_grows(void **state)
{
	(void)state;
	struct ebba_buf b = {0};
	buf_printf(&b, "%s", "ab");
	assert_string_equal(b.data, "ab");
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "%s-%d", big, 42);
	assert_int_equal(b.len, 2 + 999 + 3);
	assert_memory_equal(b.data + 2 + 999, "-42", 4);
	buf_putc(&b, '!');
	assert_int_equal(b.len, 1005);
	assert_string_equal(b.data + 1001, "-42!");
	buf_free(&b);
}

static void test_utf8(void **state)
{
	(void)state;
	static const struct { const char *s; size_t len, first; } cases[] = {
		{"a", 1, 1}, {"\xc3\xa5", 2, 2}, {"\xe2\x80\x93", 3, 3}, {"\xf0\x9f\x98\x80", 4, 4},
		{"\xc0\xaf", 2, 0},             /* overlong '/' */
		{"\xe0\x80\xaf", 3, 0},         /* overlong */
		{"\xed\xa0\x80", 3, 0},         /* a surrogate */
		{"\xf4\x90\x80\x80", 4, 0},     /* past U+10FFFF */
		{"\x80", 1, 0}, {"\xff", 1, 0}, {"\xc3", 1, 0}, {"\xe2\x80", 2, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(utf8_char_len((const unsigned char *)cases[i].s, cases[i].len), cases[i].first);
		assert_int_equal(utf8_valid(cases[i].s, cases[i].len), cases[i].first == cases[i].len);
	}
	assert_int_equal(utf8_char_len((const unsigned char *)"", 0), 0);
	assert_true(utf8_valid("Närvaro 55 %", strlen("Närvaro 55 %")));
	assert_false(utf8_valid("x\xc0\xafy", 4));
}

/* Every log line: control bytes and bytes that are not UTF-8 as \xHH,
 * identity numbers masked before and after. */
static void test_log_clean(void **state)
{
	(void)state;
#define C(in, want) {in, sizeof(in) - 1, want}
	static const struct { const char *in; size_t len; const char *want; } cases[] = {
		C("GET /referensram/x\rFORGED\xc0", "GET /referensram/x\\x0DFORGED\\xC0"),
		C("a\x1b[2Jb\x7f\tc", "a\\x1B[2Jb\\x7F\\x09c"),
		C("Närvaro – 55 %", "Närvaro – 55 %"),
		C("id X-850301-2380, P-19850301_2380", "id X-******-****, P-********_****"),
		/* a CR as the separator: masked before it is escaped */
		C("850301\r2380", "******\\x0D****"),
		/* an escape's hex digits next to real ones: masked after */
		C("\x85" "0301-2380", "\\x******-****"),
		C("a\\x0d", "a\\x0d"),   /* a backslash stays as it is */
		C("x\0y", "x\\x00y"),
	};
#undef C
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = log_clean(cases[i].in, cases[i].len);
		assert_non_null(got);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, got, cases[i].want);
		free(got);
	}
}

/* The names are ebba.register_evidence's text: a contract that must not move. */
static void test_hex_digit_value(void **state)
{
	(void)state;
	static const char digits[] = "0123456789abcdef";
	for (int k = 0; k < 16; k++) {
		assert_int_equal(hex_digit_value(digits[k]), k);
		assert_int_equal(hex_digit_value(toupper((unsigned char)digits[k])), k);
	}
	assert_int_equal(hex_digit_value('g'), -1);
	assert_int_equal(hex_digit_value('G'), -1);
	assert_int_equal(hex_digit_value('/'), -1);
	assert_int_equal(hex_digit_value(':'), -1);
	assert_int_equal(hex_digit_value('@'), -1);
	assert_int_equal(hex_digit_value(-1), -1);
	assert_int_equal(hex_digit_value(0xe5), -1);
}

static void test_digits_only(void **state)
{
	(void)state;
	assert_true(digits_only("0123456789", 10));
	assert_true(digits_only("12ab", 2));   /* only the first n bytes */
	assert_true(digits_only("", 0));
	assert_false(digits_only("12a4", 4));
	assert_false(digits_only("/", 1));
	assert_false(digits_only(":", 1));
	assert_false(digits_only("1 2", 3));
}

static void test_str_starts_with(void **state)
{
	(void)state;
	assert_true(str_starts_with("application/x-www-form-urlencoded; charset=utf-8",
				    "application/x-www-form-urlencoded"));
	assert_true(str_starts_with("/api/x", "/api/"));
	assert_true(str_starts_with("x", ""));
	assert_false(str_starts_with("/ap", "/api/"));
	assert_false(str_starts_with("application/json", "application/x-www-form-urlencoded"));
	const char *arg = "--config=/etc/ebba.yaml";
	assert_ptr_equal(str_after(arg, "--config="), arg + 9);
	assert_string_equal(str_after("unix:ebba", "unix:"), "ebba");
	assert_string_equal(str_after("FK:", "FK:"), "");
	assert_null(str_after("--conf", "--config="));
	assert_null(str_after("FK", "FK:"));
}

static void test_evidence_kind(void **s)
{
	(void)s;
	static const char *const statuses[] = {"ok", "absent", "error", "not_found", "unavailable"};
	for (int k = 0; k < EV_STATUS_COUNT; k++) {
		enum ev_status st;
		assert_string_equal(ev_status_name((enum ev_status)k), statuses[k]);
		assert_true(ev_status_parse(statuses[k], &st));
		assert_int_equal(st, k);
		assert_true(ev_status_is(statuses[k], (enum ev_status)k));
	}
	enum ev_source src;
	assert_true(ev_source_parse("attendance", &src));
	assert_int_equal(src, EV_SOURCE_ATTENDANCE);
	assert_string_equal(ev_source_name(EV_SOURCE_SSBTEK), "ssbtek");
	assert_string_equal(ev_source_agency(EV_SOURCE_SSBTEK), "SSBTEK");
	assert_string_equal(ev_source_agency(EV_SOURCE_ATTENDANCE), "PLAN");
	assert_true(ev_agency_is_whole("PLAN"));
	assert_false(ev_agency_is_whole("FK"));
	assert_false(ev_source_parse("SSBTEK", &src));
	assert_false(ev_status_parse(NULL, &(enum ev_status){0}));
	assert_false(ev_status_is("OK", EV_OK));
}

/* A what-if run's states: schema 007's check and 012's function name them. */
static void test_whatif_run_status(void **s)
{
	(void)s;
	static const char *const names[] = {"running", "done", "failed", "stalled"};
	for (int k = 0; k < WHATIF_RUN_STATUS_COUNT; k++) {
		enum whatif_run_status st;
		assert_string_equal(store_whatif_run_status_name((enum whatif_run_status)k), names[k]);
		assert_true(store_whatif_run_status_parse(names[k], &st));
		assert_int_equal(st, k);
	}
	enum whatif_run_status st;
	assert_false(store_whatif_run_status_parse("klar", &st));
	assert_false(store_whatif_run_status_parse(NULL, &st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_evidence_kind),
		cmocka_unit_test(test_whatif_run_status),
		cmocka_unit_test(test_hex_digit_value),
		cmocka_unit_test(test_digits_only),
		cmocka_unit_test(test_str_starts_with),
		cmocka_unit_test(test_sha256_hex),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_buf_put_int),
		cmocka_unit_test(test_buf_printf_grows),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_log_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
