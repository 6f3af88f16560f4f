/* The sample draw: reproducible with a secret, unbiased at the set rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/decide/audit.h"

static void test_keyed_draw_is_reproducible(void **state)
{
	double a = audit_draw("s3cret", "EB-2026-12-000123");
	double b = audit_draw("s3cret", "EB-2026-12-000123");
	double c = audit_draw("other", "EB-2026-12-000123");
	assert_true(a == b);
	assert_true(a != c);
	assert_true(a >= 0.0 && a < 1.0);
}

static void test_rate_over_20000_within_9_to_11_percent(void **state)
{
	int hits = 0;
	char desc[AUDIT_DRAW_DESC];
	for (int i = 0; i < 20000; i++) {
		char id[32];
		snprintf(id, sizeof(id), "EB-2026-12-%06d", i);
		hits += audit_sample("demo-secret", id, 0.10, desc);
	}
	double rate = hits / 20000.0;
	print_message("realised rate %.4f\n", rate);
	assert_true(rate >= 0.09 && rate <= 0.11);
}

static void test_csprng_draw_without_secret(void **state)
{
	int hits = 0;
	char desc[AUDIT_DRAW_DESC];
	for (int i = 0; i < 20000; i++)
		hits += audit_sample(NULL, "same-id", 0.10, desc);
	assert_true(hits >= 1800 && hits <= 2200);
	assert_non_null(strstr(desc, "csprng"));
}

static void test_rate_bounds(void **state)
{
	char desc[AUDIT_DRAW_DESC];
	assert_false(audit_sample("k", "x", 0.0, desc));
	assert_true(audit_sample("k", "x", 1.0, desc));
	assert_non_null(strstr(desc, "hmac-sha256"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyed_draw_is_reproducible),
		cmocka_unit_test(test_rate_over_20000_within_9_to_11_percent),
		cmocka_unit_test(test_csprng_draw_without_secret),
		cmocka_unit_test(test_rate_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
