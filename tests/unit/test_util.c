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
#include <string.h>

#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_sha256_hex),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_buf_put_int),
		cmocka_unit_test(test_buf_printf_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
