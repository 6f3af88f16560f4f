/*
 * ebbactl: the one tool for everything that is not the daemon.  This file
 * only dispatches; each command lives in its own ctl_*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ebba/lib/log.h"
#include "ebba/lib/util.h"

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
	{"case", ctl_case, "case set FILE.yaml | case show CASE | case hold CASE --reason TEXT | case release CASE"},
	{"retention", ctl_retention, "retention plan | run: what the retention rules remove, and removing it"},
	{"export-person", ctl_export_person, "export-person --out FILE: everything about one person (number on stdin)"},
	{"review", ctl_review, "review list | show ID | resolve ID: the caseworker's queue"},
	{"letter", ctl_letter, "letter ID [--pdf FILE]: a decision's letter, as text or its stored PDF"},
	{"calc", ctl_calc, "calc FILE --case FRAME --registers DIR: decide one application offline"},
	{"replay", ctl_replay, "replay DECISION...: re-evaluate stored decisions, report differences"},
	{"whatif", ctl_whatif, "whatif --rules DIR [--set P=V] [--period M]: a candidate against stored decisions"},
	{"user", ctl_user, "user add NAME --role ROLE | user list: people's login roles"},
	{"token", ctl_token, "token add NAME [--role ROLE] | list | revoke NAME: intake API tokens"},
	{"status", ctl_status, "queue depth, rates, sample rate, last errors"},
	{"log", ctl_log, "log [--person N] [--case C] [--from D] [--to D] [--action A] [--csv] | log followup: the access log (auditors)"},
	{"stats", ctl_stats, "stats [--period YYYY-MM | --from M --to M]: rule health for supervisors"},
	{"pnr", ctl_pnr, "pnr check: check identity numbers read from stdin"},
	{"eval", ctl_eval, "eval EXPR [--facts FILE]: evaluate a rule expression"},
	{"rules", ctl_rules, "rules check|test|explain [DIR]: validate / test / publish a rule set"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ebbactl [-c CONFIG] [--porcelain] COMMAND [ARGS...]\n\n"
		     "Global options may stand before or after the command name (up to a\n"
		     "\"--\", after which every argument is the command's own):\n"
		     "  -c CONFIG, --config CONFIG  configuration file (default /etc/ebba/ebba.yaml)\n"
		     "  --porcelain                 stable output for scripts: one record a line,\n"
		     "                              fields separated by a tab\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'ebbactl COMMAND --help' describes a command.\n");
}

bool ctl_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

/*
 * Takes the global options out of argv wherever they stand (before or after
 * the command name, as git, systemctl and most tools a Unix user knows
 * accept them) and compacts the rest in place.  A "--" ends the search and
 * is kept for the command.  Returns the new argc, or -1 after printing the
 * error.
 */
static int take_global_options(int argc, char **argv)
{
	int out = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ebbactl: %s needs a file name\n", a);
				return -1;
			}
			ctl_globals.config_path = argv[++i];
		} else if (str_after(a, "--config=")) {
			ctl_globals.config_path = str_after(a, "--config=");
		} else if (strcmp(a, "--porcelain") == 0) {
			ctl_globals.porcelain = true;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	log_init("ebbactl", LOG_LVL_WARN);
	argc = take_global_options(argc, argv);
	if (argc < 0)
		return CTL_USAGE;
	if (argc < 2) {
		usage(stderr);
		return CTL_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		usage(stdout);
		return CTL_OK;
	}
	if (name[0] == '-') {
		fprintf(stderr, "ebbactl: unknown option %s (see ebbactl --help)\n", name);
		return CTL_USAGE;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(commands[c].name, name) == 0)
			return commands[c].run(argc - 1, argv + 1);
	fprintf(stderr, "ebbactl: unknown command '%s' (see ebbactl --help)\n", name);
	return CTL_USAGE;
}
