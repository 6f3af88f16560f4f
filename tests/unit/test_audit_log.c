/*
 * The access log's follow-up helpers (daemon/store/audit_log.c): the
 * shapes a filter may have (a day that exists, a name without an identity
 * number, an action of the log's), the reasons' codes, and CSV as a
 * spreadsheet reads it (quotes doubled, a formula not run).  The whole
 * path, against PostgreSQL, is tests/integration/63_audit_log.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/store/audit_log.h"

static void days(void **state)
{
	(void)state;
	assert_true(store_audit_valid_day("2026-12-07"));
	assert_true(store_audit_valid_day("2028-02-29"));
	assert_false(store_audit_valid_day("2026-02-29"));
	assert_false(store_audit_valid_day("2026-13-01"));
	assert_false(store_audit_valid_day("2026-1-01"));
	assert_false(store_audit_valid_day("2026-12-07x"));
	assert_false(store_audit_valid_day("2026/12/07"));
	assert_false(store_audit_valid_day("+026-12-07"));
	assert_false(store_audit_valid_day(""));
	assert_false(store_audit_valid_day(NULL));
}

static void names(void **state)
{
	(void)state;
	assert_true(store_audit_valid_name("anna.svensson"));
	assert_true(store_audit_valid_name("C-2026-000123"));
	assert_true(store_audit_valid_name("token:kundsystem"));
	assert_false(store_audit_valid_name(""));
	assert_false(store_audit_valid_name("a b"));
	assert_false(store_audit_valid_name("x'; drop"));
	assert_false(store_audit_valid_name("191212121212"));      /* Skatteverket's test number */
	assert_false(store_audit_valid_name("C-19121212-1212"));
	char long_name[70];
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	assert_false(store_audit_valid_name(long_name));
}

static void actions_and_reasons(void **state)
{
	(void)state;
	assert_true(store_audit_valid_action("view"));
	assert_true(store_audit_valid_action("denied"));
	assert_false(store_audit_valid_action("delete"));
	assert_false(store_audit_valid_action(NULL));
	for (int r = 0; r < AUDIT_REASONS; r++)
		assert_int_equal(store_audit_reason_of(store_audit_reason_code(r)), r);
	assert_string_equal(store_audit_reason_code(AUDIT_NEVER_WORKED), "never-worked");
	assert_int_equal(store_audit_reason_of("nope"), -1);
}

/* A result is hard to make without a server; the fields go through one
 * helper that PQgetvalue feeds, so the header line tests the quoting. */
static void csv_quoting(void **state)
{
	(void)state;
	static const char *const header[] = {"plain", "a,b", "say \"hi\"", "=1+1", "-2", "line\nbreak", ""};
	struct ebba_buf b = {0};
	store_audit_csv(NULL, header, 7, NULL, &b);
	assert_string_equal(b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\"'=1+1\",\"'-2\",\"line\nbreak\",\r\n");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(days),
		cmocka_unit_test(names),
		cmocka_unit_test(actions_and_reasons),
		cmocka_unit_test(csv_quoting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
