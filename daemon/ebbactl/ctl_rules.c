/*
 * ebbactl rules check [DIR] / rules test [DIR] / rules explain [DIR]
 * [--format html|markdown]: validate a rule set, run its tests, publish it
 * as a document (docs/rules.md).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ebba/lib/config.h"
#include "ebba/lib/template.h"
#include "ebba/lib/date.h"
#include "ctl.h"
#include "ctl_common.h"
#include "ebba/rules/rules.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl rules check [DIR]\n"
		"       ebbactl rules test [DIR]\n"
		"       ebbactl rules explain [DIR] [--format html|markdown]\n"
		"       ebbactl rules reasons [DIR]\n"
		"\n"
		"check  loads and validates every *.yaml file of DIR and prints each\n"
		"       problem as FILE:LINE:COLUMN: message (warnings too, e.g. a\n"
		"       provisional parameter value), then the rule set's name, version\n"
		"       and SHA-256.\n"
		"test   loads DIR and runs the tests in DIR/tests/*.yaml, one line per\n"
		"       test, then a summary.\n"
		"reasons  lists the reason catalogue: each reason's id, the sentence for the letter\n"
		"         and the provision in force today (--porcelain: ID<TAB>sentence)\n"
		"explain  prints the whole rule set as a document for anyone to read\n"
		"       (citizens, journalists, JO): the delegation, each check with its\n"
		"       condition and message, every parameter with its dated values and\n"
		"       sources, the calculation, the audit sample, the letter's reasons,\n"
		"       and the rule set's name, version and SHA-256.  --format html (the\n"
		"       default, a standalone page) or markdown.\n"
		"\n"
		"DIR defaults to rules_dir of the configuration (-c CONFIG).\n"
		"exit status: 0 valid / all tests pass, 1 errors or failed tests,\n"
		"2 usage error or unreadable directory.\n");
}

/* rules explain's arguments: [DIR] [--format html|markdown], in any order. */
static int explain_args(int argc, char **argv, const char **dir, bool *markdown)
{
	*dir = NULL;
	*markdown = false;
	for (int i = 2; i < argc; i++) {
		const char *fmt = NULL;
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			fmt = argv[++i];
		else if (str_after(argv[i], "--format="))
			fmt = str_after(argv[i], "--format=");
		else if (argv[i][0] != '-' && !*dir)
			*dir = argv[i];
		else
			return -1;
		if (fmt && strcmp(fmt, "markdown") != 0 && strcmp(fmt, "html") != 0)
			return -1;
		if (fmt)
			*markdown = strcmp(fmt, "markdown") == 0;
	}
	return 0;
}

/* The document for rs on stdout; CTL_USAGE if the HTML template fails (a build fault). */
static int explain(const struct ruleset *rs, bool markdown)
{
	struct ebba_buf out = {0};
	struct ebba_err err = {{0}};
	int status = CTL_OK;
	if (markdown) {
		ruleset_explain_markdown(rs, &out);
	} else {
		json_t *m = ruleset_explain_model(rs);
		if (tmpl_render(&out, "explain_doc", m, &err) != 0)
			status = ctl_fail(CTL_USAGE, "ebbactl rules explain: %s", err.msg);
		json_decref(m);
	}
	if (status == CTL_OK)
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	buf_free(&out);
	return status;
}

static int list_reasons(const struct ruleset *rs)
{
	char today[DATE_BUF];
	date_today_local(today);
	for (size_t i = 0; i < ruleset_n_reasons(rs); i++) {
		struct ruleset_reason_view r;
		ruleset_reason(rs, i, today, &r);
		if (ctl_globals.porcelain)
			printf("%s\t%s\n", r.id, r.text);
		else
			printf("%s\n  %s\n  (%s)\n", r.id, r.text, r.provision ? r.provision : "inget lagrum i kraft");
	}
	if (!ctl_globals.porcelain)
		printf("%zu reason%s\n", ruleset_n_reasons(rs), ruleset_n_reasons(rs) == 1 ? "" : "s");
	return CTL_OK;
}

int ctl_rules(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	bool is_explain = argc >= 2 && strcmp(argv[1], "explain") == 0, markdown = false;
	const char *dir = argc == 3 ? argv[2] : NULL;
	if (is_explain ? explain_args(argc, argv, &dir, &markdown) != 0
		       : argc < 2 || argc > 3 || (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "test") != 0 &&
					  strcmp(argv[1], "reasons") != 0)) {
		usage(stderr);
		return CTL_USAGE;
	}
	struct ebba_config cfg;
	bool have_cfg = false;
	if (!dir) {
		if (ctl_load_config(&cfg) != 0)
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
	if (is_explain) {
		status = explain(rs, markdown);
	} else if (strcmp(argv[1], "reasons") == 0) {
		status = list_reasons(rs);
	} else if (strcmp(argv[1], "check") == 0) {
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
		if (ruleset_run_tests(rs, dir, &out, &rep, &err) != 0) {
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
