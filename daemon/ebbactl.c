/*
 * ebbactl: the one tool for everything that is not the daemon.  This file
 * only dispatches; each command lives in its own ctl_*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/ctl.h"
#include "ebba/log.h"

struct ctl_globals ctl_globals;

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Commands not yet built are absent rather than stubbed. */
static const struct command commands[] = {
	{"db", ctl_db, "db migrate: create or upgrade the schema"},
	{"submit", ctl_submit, "validate applications and put them in the inbox"},
	{"validate", ctl_validate, "check application documents without a database"},
	{"case", ctl_case, "case set FILE.yaml | case show CASE: case frames"},
	{"review", ctl_review, "review list | show ID | resolve ID: the caseworker's queue"},
	{"calc", ctl_calc, "calc FILE --case FRAME --registers DIR: decide one application offline"},
	{"replay", ctl_replay, "replay DECISION...: re-evaluate stored decisions, report differences"},
	{"status", ctl_status, "queue depth, rates, sample rate, last errors"},
	{"pnr", ctl_pnr, "pnr check: check identity numbers read from stdin"},
	{"eval", ctl_eval, "eval EXPR [--facts FILE]: evaluate a rule expression"},
	{"rules", ctl_rules, "rules check [DIR] | rules test [DIR]: validate / test a rule set"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ebbactl [-c CONFIG] [--porcelain] COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'ebbactl COMMAND --help' describes a command.\n");
}

bool ctl_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	log_init("ebbactl", LOG_LVL_WARN);
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			ctl_globals.config_path = argv[++i];
		} else if (strcmp(argv[i], "--porcelain") == 0) {
			ctl_globals.porcelain = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CTL_OK;
		} else {
			fprintf(stderr, "ebbactl: unknown option %s\n", argv[i]);
			return CTL_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(commands[c].name, argv[i]) == 0)
			return commands[c].run(argc - i, argv + i);
	fprintf(stderr, "ebbactl: unknown command '%s' (see ebbactl --help)\n", argv[i]);
	return CTL_USAGE;
}
