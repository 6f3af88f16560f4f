/*
 * ebbactl log: the access log for auditors' scripts (issue 28, item 2),
 * the same rows as ebba-web's Loggar page and its CSV files, through the
 * same functions (store/audit_log.h), which log the auditor's own look
 * ("view", or "export" with --csv) in the same statement.
 *
 *   log [--person NAME] [--case CASE] [--from DAY] [--to DAY] [--action A]
 *       [--limit N] [--csv]
 *   log followup [--from DAY --to DAY] [--csv]
 *
 * Without --csv: one row a line, fields separated by tabs, an empty field
 * for none, no header; with --csv: CSV with a header line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/audit_log.h"

#define CTL_CLIENT "ebbactl"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl log [--person NAME] [--case CASE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
		"                   [--action view|resolve|export|login|denied] [--limit N] [--csv]\n"
		"       ebbactl log followup [--from YYYY-MM-DD --to YYYY-MM-DD] [--csv]\n"
		"The access log, newest first: time, person, action, object kind, object, case,\n"
		"client, count, protected (t/f).  followup: the month's lists (reason protected,\n"
		"never-worked, burst, denied, failed-login; time, person, case, action, object\n"
		"kind, object, client, views, median), by default over the last 30 days.  For\n"
		"members of ebba_auditor; every call is itself logged.  --person is a login\n"
		"name and --case a case number, never an identity number.\n");
}

struct log_args {
	struct audit_log_query q;
	bool followup, csv;
	char from[11], to[11];
};

static int bad_value(const char *opt, const char *v, const char *want)
{
	return ctl_fail(CTL_USAGE, "ebbactl log: %s '%s' is not %s", opt, v, want);
}

static int check_args(struct log_args *a)
{
	const struct audit_log_query *q = &a->q;
	if (q->who && !store_audit_valid_name(q->who))
		return ctl_fail(CTL_USAGE, "ebbactl log: --person is a login name (letters, digits, - _ . @ :), never an identity number");
	if (q->case_id && !store_audit_valid_name(q->case_id))
		return ctl_fail(CTL_USAGE, "ebbactl log: --case is a case number (letters, digits, - _ . @ :), never an identity number");
	if (q->from && !store_audit_valid_day(q->from))
		return bad_value("--from", q->from, "a day written YYYY-MM-DD");
	if (q->to && !store_audit_valid_day(q->to))
		return bad_value("--to", q->to, "a day written YYYY-MM-DD");
	if (q->from && q->to && strcmp(q->from, q->to) > 0)
		return ctl_fail(CTL_USAGE, "ebbactl log: --from %s comes after --to %s", q->from, q->to);
	if (q->action && !store_audit_valid_action(q->action))
		return bad_value("--action", q->action, "one of view, resolve, export, login, denied");
	if (a->followup && (q->who || q->case_id || q->action || q->limit))
		return ctl_fail(CTL_USAGE, "ebbactl log followup: only --from, --to and --csv");
	if (a->followup && !q->from != !q->to)
		return ctl_fail(CTL_USAGE, "ebbactl log followup: --from and --to go together");
	return CTL_OK;
}

static int parse_args(int argc, char **argv, struct log_args *a)
{
	static const struct option opts[] = {
		{"person", required_argument, NULL, 'p'}, {"case", required_argument, NULL, 'c'},
		{"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
		{"action", required_argument, NULL, 'a'}, {"limit", required_argument, NULL, 'l'},
		{"csv", no_argument, NULL, 'x'},          {NULL, 0, NULL, 0}};
	a->followup = argc > 1 && strcmp(argv[1], "followup") == 0;
	int c;
	char *end;
	optind = a->followup ? 2 : 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a->q.who = optarg; break;
		case 'c': a->q.case_id = optarg; break;
		case 'f': a->q.from = optarg; break;
		case 't': a->q.to = optarg; break;
		case 'a': a->q.action = optarg; break;
		case 'x': a->csv = true; break;
		case 'l':
			a->q.limit = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || a->q.limit < 1 || a->q.limit > 10000000)
				return bad_value("--limit", optarg, "a count from 1 to 10000000");
			break;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	return check_args(a);
}

static void print_tsv(const PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++)
		for (int c = 0; c < PQnfields(res); c++)
			printf("%s%c", PQgetvalue(res, r, c), c + 1 < PQnfields(res) ? '\t' : '\n');
}

static void print_csv(const PGresult *res, bool followup)
{
	static const char *const entry_header[AE_NCOLS] = {
		"at", "who", "action", "object_kind", "object_id", "case_id", "client", "count", "protected",
	};
	static const char *const finding_header[AF_NCOLS] = {
		"reason", "at", "who", "case_id", "action", "object_kind", "object_id", "client",
		"views", "median",
	};
	struct ebba_buf b = {0};
	if (followup)
		store_audit_csv(res, finding_header, AF_NCOLS, NULL, &b);
	else
		store_audit_csv(res, entry_header, AE_NCOLS, NULL, &b);
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

static int query(PGconn *conn, struct log_args *a, PGresult **res, struct ebba_err *err)
{
	if (!a->followup)
		return store_audit_entries(conn, &a->q, res, err);
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return ebba_errf(err, "the configuration does not load");
	if (!a->q.from) {
		store_audit_default_period(a->from, a->to);
		a->q.from = a->from;
		a->q.to = a->to;
	}
	int rc = store_audit_followup(conn, &a->q, cfg.audit.log_burst_factor,
				      cfg.audit.log_burst_minimum, res, err);
	config_free(&cfg);
	return rc;
}

int ctl_log(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	struct log_args a = {.q.client = CTL_CLIENT};
	int rc = parse_args(argc, argv, &a);
	if (rc != CTL_OK)
		return rc;
	a.q.export = a.csv;
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	PGresult *res;
	struct ebba_err err;
	if (query(conn, &a, &res, &err) != 0) {
		PQfinish(conn);
		return ctl_fail(CTL_USAGE, "ebbactl log: %s", err.msg);
	}
	if (a.csv)
		print_csv(res, a.followup);
	else
		print_tsv(res);
	PQclear(res);
	PQfinish(conn);
	return CTL_OK;
}
