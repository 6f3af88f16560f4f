/*
 * json_drop_member (ebba/lib/json_drop.h): the member goes, every other
 * byte stays, and text that is not an object whose members can be
 * delimited is refused.  fuzz/fuzz_json_drop.c checks it against jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/lib/json_drop.h"

/* The result as a string, or "ERROR". */
static const char *drop(const char *text, const char *key)
{
	static struct ebba_buf b;
	buf_reset(&b);
	if (json_drop_member(text, strlen(text), key, &b) != 0)
		return "ERROR";
	buf_putc(&b, '\0');
	return b.data;
}

static void test_drops_the_member(void **state)
{
	(void)state;
	assert_string_equal(drop("{\"rules\":{\"a\":[1,{\"b\":\"}\"}]},\"today\":\"2026-11-02\"}", "rules"),
			    "{\"today\":\"2026-11-02\"}");
	assert_string_equal(drop("{\"today\":1,\"rules\":[],\"frame\":null}", "rules"),
			    "{\"today\":1,\"frame\":null}");
	assert_string_equal(drop("{\"a\":1,\"rules\":\"x\"}", "rules"), "{\"a\":1}");
	assert_string_equal(drop("{\"rules\":1}", "rules"), "{}");
	assert_string_equal(drop("{\"rules\":1,\"rules\":2,\"b\":true}", "rules"), "{\"b\":true}");
}

static void test_keeps_the_rest_as_written(void **state)
{
	(void)state;
	assert_string_equal(drop(" { \"a\" : [ 1 , 2 ] ,\n\"rules\" : 3 , \"b\":\"\\\"}\" } ", "rules"),
			    "{\"a\" : [ 1 , 2 ],\"b\":\"\\\"}\"}");
	assert_string_equal(drop("{}", "rules"), "{}");
	assert_string_equal(drop("{\"rule\":1,\"rulesx\":2}", "rules"), "{\"rule\":1,\"rulesx\":2}");
	/* Matched as written: an escaped spelling is kept for the parser. */
	assert_string_equal(drop("{\"\\u0072ules\":1}", "rules"), "{\"\\u0072ules\":1}");
	/* A key shorter than the one looked for, at the very end of the text. */
	assert_string_equal(drop("{\"a\":1}", "rules"), "{\"a\":1}");
}

static void test_refuses_what_it_cannot_delimit(void **state)
{
	(void)state;
	const char *bad[] = {"", "[]", "\"rules\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1",
			     "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{\"rules\":{\"x\":1}", "{\"a\":\"x}",
			     "{\"a\":\"x\\", "{a:1}", "{\"a\":1}x", "{\"a\":[1,2}"};
	struct ebba_buf nul = {0};
	assert_int_equal(json_drop_member(" { \"a\" : 1\0 } ", 14, "rules", &nul), -1);
	buf_free(&nul);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct ebba_buf b = {0};
		if (json_drop_member(bad[i], strlen(bad[i]), "rules", &b) != -1)
			fail_msg("accepted: %s", bad[i]);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drops_the_member),
		cmocka_unit_test(test_keeps_the_rest_as_written),
		cmocka_unit_test(test_refuses_what_it_cannot_delimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
