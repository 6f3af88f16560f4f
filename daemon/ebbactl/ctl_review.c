/*
 * The caseworker's queue.
 *
 *   review list [--outcome O] [--flag sample|targeted] [--older-than DAYS] [--all]
 *   review show ID
 *   review resolve ID --verdict approve|reject|adjust [--amount N] --note TEXT
 *
 * A resolution is a new decision by the caseworker that points at ebba's
 * (reviews_decision_id); ebba's own decision is never changed.  Who
 * resolved is the connected role (ebba.person()), never an argument: the
 * database refuses any other name.  The
 * decision's open audit flags are resolved with the verdict in the same
 * transaction.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/db.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl review list [--outcome referred|approved|rejected] [--flag sample|targeted]\n"
		"                           [--older-than DAYS] [--all]\n"
		"       ebbactl review show DECISION\n"
		"       ebbactl review resolve DECISION --verdict approve|reject|adjust [--amount N]\n"
		"                              --note TEXT\n"
		"list shows ebba's decisions that a person still has to look at: referrals and\n"
		"decisions with an open audit flag, oldest first (--all: reviewed ones too).\n");
}

static PGresult *query(PGconn *conn, const char *sql, int n, const char *const *params)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		ctl_fail(CTL_USAGE, "ebbactl review: %s", db_result_error(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

static int review_list(PGconn *conn, int argc, char **argv)
{
	static const struct option opts[] = {
		{"outcome", required_argument, NULL, 'o'}, {"flag", required_argument, NULL, 'f'},
		{"older-than", required_argument, NULL, 'd'}, {"all", no_argument, NULL, 'a'},
		{NULL, 0, NULL, 0}};
	const char *outcome = NULL, *flag = NULL, *days = NULL, *all = "false";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outcome = optarg; break;
		case 'f': flag = optarg; break;
		case 'd': days = optarg; break;
		case 'a': all = "true"; break;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	const char *params[] = {outcome, flag, days, all};
	PGresult *res = query(conn,
		"select d.id, d.external_id, d.case_id, d.period, d.outcome, coalesce(d.amount::text, '-'),"
		"  to_char(d.decided_at, 'YYYY-MM-DD HH24:MI'),"
		"  coalesce((select string_agg(distinct f.kind, ',') from ebba.audit_flags f"
		"            where f.decision_id = d.id and f.resolved_at is null), '-'),"
		"  coalesce((select c.message from ebba.decision_checks c where c.decision_id = d.id"
		"            and c.result in ('fail', 'error') order by c.ordinal limit 1), ''),"
		"  exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)"
		" from ebba.decisions d"
		" where d.decided_by = 'ebba'"
		"  and ($1::text is null or d.outcome = $1)"
		"  and ($2::text is null or exists (select 1 from ebba.audit_flags f where f.decision_id = d.id"
		"       and f.kind = $2 and ($4::bool or f.resolved_at is null)))"
		"  and ($3::int is null or d.decided_at < now() - make_interval(days => $3::int))"
		"  and ($4::bool or (not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)"
		"       and (d.outcome <> 'approved' or exists (select 1 from ebba.audit_flags f"
		"            where f.decision_id = d.id and f.resolved_at is null))))"
		" order by d.decided_at, d.id limit 1000",
		4, params);
	if (!res)
		return CTL_USAGE;
	int n = PQntuples(res);
	if (!ctl_globals.porcelain)
		printf("%-8s %-22s %-10s %-7s %-9s %8s %-16s %-16s %s\n", "ID", "APPLICATION", "CASE",
		       "PERIOD", "OUTCOME", "AMOUNT", "DECIDED", "OPEN FLAGS", "FIRST REASON");
	for (int i = 0; i < n; i++) {
		const char *v[10];
		for (int k = 0; k < 10; k++)
			v[k] = PQgetvalue(res, i, k);
		if (ctl_globals.porcelain)
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v[0], v[1], v[2], v[3], v[4],
			       v[5], v[6], v[7], v[8], v[9][0] == 't' ? "reviewed" : "open");
		else
			printf("%-8s %-22s %-10s %-7s %-9s %8s %-16s %-16s %s\n", v[0], v[1], v[2], v[3],
			       v[4], v[5], v[6], v[7], v[8]);
	}
	if (!ctl_globals.porcelain)
		printf("%d decision%s\n", n, n == 1 ? "" : "s");
	PQclear(res);
	return CTL_OK;
}

static void show_line(const char *key, const char *value)
{
	if (ctl_globals.porcelain)
		printf("%s\t%s\n", key, value);
	else
		printf("%-16s %s\n", key, value);
}

static int show_checks(PGconn *conn, const char *id)
{
	const char *p[] = {id};
	PGresult *res = query(conn, "select check_id, result, message from ebba.decision_checks"
				    " where decision_id = $1 order by ordinal, check_id", 1, p);
	if (!res)
		return -1;
	if (!ctl_globals.porcelain && PQntuples(res))
		printf("\nchecks:\n");
	for (int i = 0; i < PQntuples(res); i++) {
		if (ctl_globals.porcelain)
			printf("check\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			       PQgetvalue(res, i, 2));
		else
			printf("  %-4s %-28s %s\n", PQgetvalue(res, i, 1), PQgetvalue(res, i, 0),
			       PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return 0;
}

static int show_flags_and_evidence(PGconn *conn, const char *id)
{
	const char *p[] = {id};
	PGresult *res = query(conn, "select kind, reason, coalesce(verdict, ''), coalesce(resolved_by, '')"
				    " from ebba.audit_flags where decision_id = $1 order by id", 1, p);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (ctl_globals.porcelain)
			printf("flag\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		else
			printf("%-16s %s: %s%s%s\n", i ? "" : "\nflags:", PQgetvalue(res, i, 0),
			       PQgetvalue(res, i, 1), *PQgetvalue(res, i, 2) ? " — resolved: " : " (open)",
			       PQgetvalue(res, i, 2));
	}
	PQclear(res);
	res = query(conn, "select source, agency, coalesce(person_ref, ''), status, left(sha256, 12),"
			  " coalesce(octet_length(raw), 0) from ebba.register_evidence"
			  " where decision_id = $1 order by id", 1, p);
	if (!res)
		return -1;
	if (!ctl_globals.porcelain && PQntuples(res))
		printf("\nevidence:\n");
	for (int i = 0; i < PQntuples(res); i++) {
		if (ctl_globals.porcelain)
			printf("evidence\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
		else
			printf("  %-10s %-5s %-14s %-12s sha256 %s… (%s bytes)\n", PQgetvalue(res, i, 0),
			       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
			       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
	}
	PQclear(res);
	return 0;
}

static int review_show(PGconn *conn, const char *id)
{
	const char *p[] = {id};
	PGresult *res = query(conn,
		"select external_id, case_id, period, outcome, coalesce(amount::text, ''),"
		" coalesce(norm::text, ''), coalesce(costs::text, ''), coalesce(incomes::text, ''),"
		" ruleset_name || ' ' || ruleset_version, ruleset_sha256, decided_by,"
		" to_char(decided_at, 'YYYY-MM-DD HH24:MI:SS'), coalesce(note, ''),"
		" coalesce(reviews_decision_id::text, ''),"
		" (select string_agg(r.id || ' by ' || r.decided_by || ': ' || r.outcome, '; ')"
		"    from ebba.decisions r where r.reviews_decision_id = d.id),"
		" exists (select 1 from ebba.letters l where l.decision_id = d.id)"
		" from ebba.decisions d where d.id = $1::bigint", 1, p);
	if (!res)
		return CTL_USAGE;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ctl_fail(CTL_NO, "ebbactl review show: no decision %s", id);
	}
	static const char *const keys[] = {"application", "case", "period", "outcome", "amount",
					   "norm", "costs", "incomes", "ruleset", "ruleset_sha256",
					   "decided_by", "decided_at", "note", "reviews"};
	if (!ctl_globals.porcelain)
		printf("decision %s\n", id);
	for (int k = 0; k < 14; k++) {
		const char *v = PQgetvalue(res, 0, k);
		if (*v || ctl_globals.porcelain)
			show_line(ctl_globals.porcelain && k == 0 ? "application" : keys[k], v);
	}
	if (!PQgetisnull(res, 0, 14))
		show_line("reviewed", PQgetvalue(res, 0, 14));
	show_line("letter", PQgetvalue(res, 0, 15)[0] == 't' ? "yes" : "no");
	PQclear(res);
	if (show_checks(conn, id) != 0 || show_flags_and_evidence(conn, id) != 0)
		return CTL_USAGE;
	return CTL_OK;
}

struct resolution {
	const char *id, *verdict, *amount, *note;
};

static int parse_resolve(int argc, char **argv, struct resolution *r)
{
	static const struct option opts[] = {
		{"verdict", required_argument, NULL, 'v'}, {"amount", required_argument, NULL, 'a'},
		{"note", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v': r->verdict = optarg; break;
		case 'a': r->amount = optarg; break;
		case 'n': r->note = optarg; break;
		default: return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	r->id = argv[optind];
	return 0;
}

static int check_resolution(const struct resolution *r)
{
	if (!r->verdict || !r->note || !*r->note)
		return ctl_fail(CTL_USAGE, "ebbactl review resolve: --verdict and --note are required");
	if (strcmp(r->verdict, "approve") && strcmp(r->verdict, "reject") && strcmp(r->verdict, "adjust"))
		return ctl_fail(CTL_USAGE, "ebbactl review resolve: --verdict must be approve, reject or adjust");
	if (strcmp(r->verdict, "adjust") == 0 && !r->amount)
		return ctl_fail(CTL_USAGE, "ebbactl review resolve: --verdict adjust needs --amount");
	if (r->amount) {
		char *end;
		errno = 0;
		long long v = strtoll(r->amount, &end, 10);
		if (errno || *end || end == r->amount || v < 0)
			return ctl_fail(CTL_USAGE, "ebbactl review resolve: --amount must be whole kronor, not negative");
	}
	return CTL_OK;
}

/* One statement: the caseworker's decision and the flags' verdicts commit
 * together or not at all; a second review of the same decision is refused
 * (and two at once by the unique index decisions_one_review: a caseworker
 * may not lock ebba's rows FOR UPDATE). */
static const char RESOLVE_SQL[] =
	"with orig as ("
	"  select * from ebba.decisions where id = $1::bigint and decided_by = 'ebba'"
	"  and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = $1::bigint)"
	"), ins as ("
	"  insert into ebba.decisions (reviews_decision_id, external_id, case_id, period, outcome,"
	"    amount, norm, costs, incomes, ruleset_name, ruleset_version, ruleset_sha256,"
	"    decided_by, note)"
	"  select id, external_id, case_id, period,"
	"    case $2 when 'reject' then 'rejected' else 'approved' end,"
	"    case $2 when 'reject' then null else coalesce($3::bigint, amount) end,"
	"    norm, costs, incomes, ruleset_name, ruleset_version, ruleset_sha256, ebba.person(), $4"
	"  from orig returning id, decided_by"
	"), fl as ("
	"  update ebba.audit_flags set resolved_at = now(), resolved_by = ebba.person(), verdict = $2"
	"  where decision_id in (select id from orig) and resolved_at is null returning id"
	")"
	" select (select id from ins), (select count(*) from fl), (select decided_by from ins)";

static int review_resolve(PGconn *conn, int argc, char **argv)
{
	struct resolution r = {0};
	if (parse_resolve(argc, argv, &r) != 0) {
		usage(stderr);
		return CTL_USAGE;
	}
	int rc = check_resolution(&r);
	if (rc != CTL_OK)
		return rc;
	const char *p[] = {r.id, r.verdict, r.amount, r.note};
	PGresult *res = query(conn, RESOLVE_SQL, 4, p);
	if (!res)
		return CTL_USAGE;
	if (PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return ctl_fail(CTL_NO, "ebbactl review resolve: decision %s is not an open decision by ebba"
				" (no such decision, or it was already reviewed)", r.id);
	}
	printf("decision %s resolved by %s as decision %s (%s); %s audit flag(s) resolved\n", r.id,
	       PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 0), r.verdict, PQgetvalue(res, 0, 1));
	PQclear(res);
	return CTL_OK;
}

int ctl_review(int argc, char **argv)
{
	if (argc < 2 || ctl_wants_help(argc, argv)) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_USAGE : CTL_OK;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "resolve")) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (strcmp(sub, "show") == 0 && argc != 3) {
		usage(stderr);
		return CTL_USAGE;
	}
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	int rc;
	if (strcmp(sub, "list") == 0)
		rc = review_list(conn, argc - 1, argv + 1);
	else if (strcmp(sub, "show") == 0)
		rc = review_show(conn, argv[2]);
	else
		rc = review_resolve(conn, argc - 1, argv + 1);
	PQfinish(conn);
	return rc;
}
