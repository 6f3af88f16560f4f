/*
 * ebbactl calc FILE --case FRAME.yaml --registers DIR [--rules DIR] [--today DATE]
 *              [--history FILE]
 *
 * Decides one application offline, with no database and no network: the
 * registers' answers come from a fixtures directory laid out as
 * docs/architecture.md §5.3.  Everything after the look-ups is the daemon's own code path
 * (decide_application).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "ebba/intake/case_frame.h"
#include "ctl.h"
#include "ctl_common.h"
#include "ebba/decide/decide.h"
#include "ebba/facts/history.h"
#include "ebba/registers/registers.h"
#include "ebba/rules/rules.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: ebbactl calc FILE --case FRAME.yaml --registers DIR [--rules DIR]"
		     " [--today YYYY-MM-DD] [--history FILE]\n"
		     "Decides one application offline: register answers from DIR/ssbtek/<pnr>.xml and\n"
		     "DIR/plan/<pnr>.xml, the rules from --rules (default: the configuration's).\n"
		     "--case none decides as if the case had no frame.\n"
		     "--history FILE: the case's earlier decisions of the year as JSON (docs/income-disregards.md);\n"
		     "without it the decision has no history and its trace says so.\n");
}

struct calc_args {
	const char *file, *frame, *registers, *rules, *today, *history;
};

static int parse_args(int argc, char **argv, struct calc_args *a)
{
	static const struct option opts[] = {
		{"case", required_argument, NULL, 'c'}, {"registers", required_argument, NULL, 'r'},
		{"rules", required_argument, NULL, 'R'}, {"today", required_argument, NULL, 't'},
		{"history", required_argument, NULL, 'H'}, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->frame = optarg; break;
		case 'r': a->registers = optarg; break;
		case 'R': a->rules = optarg; break;
		case 't': a->today = optarg; break;
		case 'H': a->history = optarg; break;
		default: return -1;
		}
	}
	if (optind != argc - 1 || !a->frame || !a->registers)
		return -1;
	a->file = argv[optind];
	return 0;
}

/* What the decision knew of the year (the trace has the same). */
static void print_history(const struct case_history *h)
{
	if (ctl_globals.porcelain) {
		if (h)
			printf("history\t%zu\n", h->n_decisions);
		else
			printf("history\tnone\n");
		return;
	}
	if (h)
		printf("\nhistory: %zu earlier decision%s of %d\n", h->n_decisions,
		       h->n_decisions == 1 ? "" : "s", h->year);
	else
		printf("\nhistory: none given (--history); income earlier in the year counts as 0\n");
}

static int calc(const struct calc_args *a, const struct ebba_config *cfg)
{
	struct ebba_err err;
	struct ebba_buf doc = {0};
	struct application *app = NULL;
	struct ruleset *rules = NULL;
	struct reg_person *persons = NULL;
	struct case_history *history = NULL;
	struct cel_arena *arena = cel_arena_new();
	struct ebba_buf diag = {0};
	struct case_frame frame;
	struct decision decision;
	decision_init(&decision);
	bool has_frame = strcmp(a->frame, "none") != 0;
	int rc = CTL_NO;
	if (read_file_limited(a->file, (size_t)cfg->max_document_bytes, &doc, &err) != 0 ||
	    application_parse(doc.data, doc.len, &app, &err) != 0) {
		ctl_fail(CTL_NO, "%s: %s", a->file, err.msg);
		goto out;
	}
	if (has_frame && case_frame_load(a->frame, &frame, &err) != 0) {
		ctl_fail(CTL_NO, "%s", err.msg);
		goto out;
	}
	if (a->history) {
		history = xmalloc(sizeof(*history));
		if (case_history_load(a->history, app->period, history, &err) != 0) {
			ctl_fail(CTL_NO, "%s", err.msg);
			goto out;
		}
	}
	const char *dir = a->rules ? a->rules : cfg->rules_dir;
	if (ruleset_load(dir, &rules, &diag, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl calc: rules in %s: %s\n%s", dir, err.msg, diag.data ? diag.data : "");
		goto out;
	}
	persons = xcalloc(app->n_persons, sizeof(*persons));
	struct reg_application ra;
	reg_application_init(&ra, app, persons);
	struct registers *fixtures = registers_fixtures_new(a->registers);
	int fetched = registers_fetch(fixtures, &ra, 1, NULL, &err);
	registers_free(fixtures);
	if (fetched != 0) {
		ctl_fail(CTL_NO, "ebbactl calc: registers in %s: %s", a->registers, err.msg);
		goto out;
	}
	char today[11];
	if (a->today)
		snprintf(today, sizeof(today), "%s", a->today);
	else
		date_today_local(today);
	struct decide_env env = {.rules = rules, .cfg = cfg, .arena = arena,
				 .registers_configured = true, .draw_sample = true, .history = history};
	if (decide_application(&env, app, has_frame ? &frame : NULL, persons, today, &decision, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl calc: %s", err.msg);
		goto out;
	}
	ctl_print_decision(&decision);
	print_history(history);
	rc = CTL_OK;
out:
	decision_free(&decision);
	for (size_t i = 0; persons && i < app->n_persons; i++)
		reg_person_clear(&persons[i]);
	free(persons);
	free(history);
	ruleset_free(rules);
	application_free(app);
	cel_arena_free(arena);
	buf_free(&doc);
	buf_free(&diag);
	return rc;
}

int ctl_calc(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	struct calc_args a = {0};
	if (parse_args(argc, argv, &a) != 0) {
		usage(stderr);
		return CTL_USAGE;
	}
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return CTL_USAGE;
	int rc = calc(&a, &cfg);
	config_free(&cfg);
	return rc;
}
