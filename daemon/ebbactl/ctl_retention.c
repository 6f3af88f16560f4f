/*
 * ebbactl retention plan | retention run   (gallring; docs/retention.md)
 *
 * The limits come from the rule set (rules/retention.yaml: the values of
 * retention_years and retention_keep_birth_days in force today) and the
 * configuration (retention.keep_all, access_log_years, batch_size).  The
 * database decides which cases are past the limit, by its own clock, and
 * removes them through ebba.retention_run, one batch per transaction,
 * until nothing is left; `plan` asks the same function what it would do.
 * The output names cases and counts, never what they hold.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/rules/rules.h"
#include "ebba/store/retention.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl retention plan [--rules DIR]   what retention would remove, and why\n"
		"       ebbactl retention run [--rules DIR]    remove it (as a member of ebba_archivist)\n"
		"A case goes retention_years (rule set) after its last entry unless it is\n"
		"under a legal hold (ebbactl case hold), the applicant or co-applicant was\n"
		"born on a day of retention_keep_birth_days, or retention.keep_all is set.\n"
		"Access-log rows go after retention.access_log_years.\n");
}

/* The value of parameter name in force on today ("YYYY-MM-DD"), as people
 * read it; NULL if there is none. */
static const char *param_today(const struct ruleset *rs, const char *name, const char *today)
{
	struct ruleset_param_view v;
	for (size_t i = 0; ruleset_param(rs, i, &v) == 0; i++) {
		if (strcmp(v.name, name) != 0)
			continue;
		const char *value = NULL;
		for (size_t k = 0; k < v.n_values; k++)
			if (strcmp(v.values[k].from, today) <= 0)
				value = v.values[k].value;
		return value;
	}
	return NULL;
}

/* Whole numbers in text, in order ("5, 15, 25"); -1 if there are more
 * than max or one is not 1..31. */
static int day_list(const char *text, int *days, size_t max, size_t *n)
{
	*n = 0;
	for (const char *s = text; *s;) {
		if (!isdigit((unsigned char)*s)) {
			s++;
			continue;
		}
		char *end;
		long d = strtol(s, &end, 10);
		if (*n == max || d < 1 || d > 31)
			return -1;
		days[(*n)++] = (int)d;
		s = end;
	}
	return 0;
}

static int rules_params(const char *dir, struct retention_params *p)
{
	struct ruleset *rs;
	struct ebba_err err;
	if (ruleset_load(dir, &rs, NULL, &err) != 0)
		return ctl_fail(CTL_USAGE, "ebbactl retention: rules in %s: %s", dir, err.msg);
	char today[16];
	time_t now = time(NULL);
	strftime(today, sizeof(today), "%Y-%m-%d", localtime(&now));
	const char *years = param_today(rs, "retention_years", today);
	const char *days = param_today(rs, "retention_keep_birth_days", today);
	int rc = CTL_OK;
	char *end = NULL;
	long y = years ? strtol(years, &end, 10) : 0;
	if (!years || *end || y < 1 || y > 100)
		rc = ctl_fail(CTL_NO, "ebbactl retention: rules in %s: no retention_years (whole years)"
				      " in force on %s", dir, today);
	else if (!days || day_list(days, p->keep_days, sizeof(p->keep_days) / sizeof(p->keep_days[0]),
				   &p->n_keep_days) != 0)
		rc = ctl_fail(CTL_NO, "ebbactl retention: rules in %s: no retention_keep_birth_days"
				      " (days 1-31) in force on %s", dir, today);
	p->years = (int)y;
	ruleset_free(rs);
	return rc;
}

struct tally {
	size_t cases, kept, log_rows;
	const char *last_case;
};

static int print_plan_row(const struct retention_row *r, void *ctx)
{
	struct tally *t = ctx;
	if (r->verdict == RETENTION_ACCESS_LOG) {
		t->log_rows += (size_t)r->removed;
		if (ctl_globals.porcelain)
			printf("access_log\t%lld\n", r->removed);
		else
			printf("åtkomstloggen: %lld rader äldre än gränsen gallras\n", r->removed);
		return 0;
	}
	if (r->verdict == RETENTION_REMOVE)
		t->cases++;
	else
		t->kept++;
	if (ctl_globals.porcelain)
		printf("case\t%s\t%s\t%s\n", r->case_id, r->last_entry, store_retention_verdict_name(r->verdict));
	else
		printf("%-24s senaste anteckning %s  %s\n", r->case_id, r->last_entry,
		       store_retention_verdict_words(r->verdict));
	return 0;
}

static int print_run_row(const struct retention_row *r, void *ctx)
{
	struct tally *t = ctx;
	if (r->verdict == RETENTION_ACCESS_LOG)
		t->log_rows += (size_t)r->removed;
	else if (!t->last_case || strcmp(t->last_case, r->case_id) != 0)
		t->cases++;
	if (ctl_globals.porcelain)
		printf("removed\t%s\t%s\t%lld\n", r->case_id, r->table, r->removed);
	else if (r->verdict == RETENTION_ACCESS_LOG)
		printf("åtkomstloggen: %lld rader gallrade\n", r->removed);
	else
		printf("%-24s %-20s %lld rader gallrade\n", r->case_id, r->table, r->removed);
	free((char *)t->last_case);
	t->last_case = xstrdup(r->case_id);
	return 0;
}

static int retention(PGconn *conn, const struct retention_params *p, bool run)
{
	struct tally t = {0};
	struct ebba_err err;
	size_t n = 0;
	if (!run) {
		if (store_retention_call(conn, p, false, print_plan_row, &t, &n, &err) != 0)
			return ctl_fail(CTL_USAGE, "ebbactl retention plan: %s", err.msg);
		if (!ctl_globals.porcelain)
			printf("%zu ärenden gallras, %zu sparas (gräns %d år)\n", t.cases, t.kept, p->years);
		return CTL_OK;
	}
	/* one batch a transaction, until a call removes nothing */
	do {
		if (store_retention_call(conn, p, true, print_run_row, &t, &n, &err) != 0) {
			free((char *)t.last_case);
			return ctl_fail(CTL_USAGE, "ebbactl retention run: %s", err.msg);
		}
	} while (n > 0);
	free((char *)t.last_case);
	if (!ctl_globals.porcelain)
		printf("%zu ärenden och %zu loggrader gallrade\n", t.cases, t.log_rows);
	return CTL_OK;
}

int ctl_retention(int argc, char **argv)
{
	int rc = ctl_usage_first(argc, argv, usage);
	if (rc >= 0)
		return rc;
	bool run = strcmp(argv[1], "run") == 0;
	if (!run && strcmp(argv[1], "plan") != 0) {
		usage(stderr);
		return CTL_USAGE;
	}
	static const struct option opts[] = {{"rules", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char *rules = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c != 'r') {
			usage(stderr);
			return CTL_USAGE;
		}
		rules = optarg;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return CTL_USAGE;
	}
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return CTL_USAGE;
	struct retention_params p = {
		.keep_all = cfg.retention.keep_all,
		.access_log_years = cfg.retention.access_log_years,
		.batch_size = cfg.retention.batch_size,
	};
	rc = rules_params(rules ? rules : cfg.rules_dir, &p);
	config_free(&cfg);
	if (rc != CTL_OK)
		return rc;
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	rc = retention(conn, &p, run);
	PQfinish(conn);
	return rc;
}
