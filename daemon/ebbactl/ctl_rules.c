/*
 * ebbactl rules check [DIR] / rules test [DIR]: validate a rule set and run
 * its tests (docs/rules.md).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ebba/lib/config.h"
#include "ctl.h"
#include "ctl_common.h"
#include "ebba/rules/rules.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl rules check [DIR]\n"
		"       ebbactl rules test [DIR]\n"
		"\n"
		"check  loads and validates every *.yaml file of DIR and prints each\n"
		"       problem as FILE:LINE:COLUMN: message (warnings too, e.g. a\n"
		"       provisional parameter value), then the rule set's name, version\n"
		"       and SHA-256.\n"
		"test   loads DIR and runs the tests in DIR/tests/*.yaml, one line per\n"
		"       test, then a summary.\n"
		"\n"
		"DIR defaults to rules_dir of the configuration (-c CONFIG).\n"
		"exit status: 0 valid / all tests pass, 1 errors or failed tests,\n"
		"2 usage error or unreadable directory.\n");
}

int ctl_rules(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	if (argc < 2 || argc > 3 || (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "test") != 0)) {
		usage(stderr);
		return CTL_USAGE;
	}
	struct ebba_config cfg;
	const char *dir = argc == 3 ? argv[2] : NULL;
	bool have_cfg = false;
	if (!dir) {
		if (ctl_load_config(&cfg) < 0)
			return CTL_USAGE;
		have_cfg = true;
		dir = cfg.rules_dir;
	}
	struct ruleset *rs = NULL;
	struct ebba_buf diag = {0};
	struct ebba_err err = {{0}};
	int rc = ruleset_load(dir, &rs, &diag, &err);
	/* warnings matter to `check`; `test` shows only errors */
	if (diag.len && (rc < 0 || strcmp(argv[1], "check") == 0))
		fputs(diag.data, rc < 0 ? stderr : stdout);
	if (rc < 0) {
		/* Only a directory we cannot read is an environment error; a file
		 * in it that is refused (too large, unreadable YAML) is bad input. */
		bool io = diag.len == 0 && access(dir, R_OK | X_OK) != 0;
		fprintf(stderr, "ebbactl rules: %s\n", err.msg);
		buf_free(&diag);
		if (have_cfg)
			config_free(&cfg);
		return io ? CTL_USAGE : CTL_NO;
	}
	buf_free(&diag);
	int status = CTL_OK;
	if (strcmp(argv[1], "check") == 0) {
		if (ctl_globals.porcelain)
			printf("name\t%s\nversion\t%s\nsha256\t%s\nchecks\t%zu\nwarnings\t%zu\n",
			       ruleset_name(rs), ruleset_version(rs), ruleset_sha256(rs),
			       ruleset_n_checks(rs), ruleset_n_warnings(rs));
		else
			printf("%s: rule set %s version %s is valid (%zu checks, %zu warnings), sha256 %s\n",
			       dir, ruleset_name(rs), ruleset_version(rs), ruleset_n_checks(rs),
			       ruleset_n_warnings(rs), ruleset_sha256(rs));
	} else {
		struct ebba_buf out = {0};
		struct rule_test_report rep;
		if (ruleset_run_tests(rs, dir, &out, &rep, &err) < 0) {
			fprintf(stderr, "ebbactl rules: %s\n", err.msg);
			status = CTL_USAGE;
		} else {
			if (out.len)
				fputs(out.data, stdout);
			printf("%zu tests, %zu passed, %zu failed\n", rep.total, rep.passed, rep.failed);
			status = rep.failed || rep.total == 0 ? CTL_NO : CTL_OK;
		}
		buf_free(&out);
	}
	ruleset_free(rs);
	if (have_cfg)
		config_free(&cfg);
	return status;
}
