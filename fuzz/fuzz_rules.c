/*
 * libFuzzer target: the rule loader on one YAML document (every section,
 * every expression, the dry run), then the rule-test runner on the same
 * bytes against the default-free rule set it may have produced.
 */
#include <stddef.h>
#include <stdint.h>

#include "ebba/rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	struct ruleset *rs = NULL;
	struct ebba_buf diag = {0};
	struct ebba_err err = {{0}};
	if (ruleset_load_buffer("fuzz.yaml", (const char *)data, size, &rs, &diag, &err) == 0) {
		struct ebba_buf out = {0};
		struct rule_test_report rep = {0};
		ruleset_run_test_buffer(rs, "fuzz.yaml", (const char *)data, size, &out, &rep, &err);
		buf_free(&out);
		ruleset_free(rs);
	}
	buf_free(&diag);
	return 0;
}
