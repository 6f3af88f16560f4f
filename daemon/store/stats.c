/*
 * Rule health: what people decided about ebba's referrals, per check and
 * period, and what the audit flags found (include/ebba/store/stats.h has
 * the definitions).  Read-only; all four queries see one snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/stats.h"
#include "ebba/lib/util.h"

/* The caseworker's decision on ebba's decision d: the first review row.  A
 * person's partly_approved (delvis bifall) counts as adjusted: approved
 * with an amount other than ebba's. */
#define REVIEW_OF(d)                                                                           \
	"left join lateral (select r.id, r.outcome, r.amount from ebba.decisions r"            \
	" where r.reviews_decision_id = " d ".id order by r.id limit 1) rv on true"
#define IN_WINDOW(d)                                                                           \
	"($1::text is null or " d ".period >= $1) and ($2::text is null or " d ".period <= $2)"
#define AS_APPLIED "(rv.outcome = 'approved' and rv.amount is not distinct from e.amount)"

static const char CHECKS_SQL[] =
	"select c.check_id, e.period, count(*),"
	" count(*) filter (where " AS_APPLIED "),"
	" count(*) filter (where rv.outcome in ('approved', 'partly_approved') and not " AS_APPLIED "),"
	" count(*) filter (where rv.outcome = 'rejected'),"
	" count(*) filter (where (rv.id is null and rd.id is null)"
	"                  or rv.outcome not in ('approved', 'partly_approved', 'rejected')),"
	" count(*) filter (where rv.id is null and rd.id is not null)"
	" from ebba.decisions e " REVIEW_OF("e")
	/* ebba's own re-decision of the referral (schema 027/029: at most one) */
	" left join ebba.decisions rd on rd.redecides_decision_id = e.id"
	" join ebba.decision_checks c on c.decision_id = e.id and c.result in ('fail', 'error')"
	" where e.inbox_id is not null and e.outcome = 'referred' and " IN_WINDOW("e")
	" group by c.check_id, e.period"
	" order by min(min(c.ordinal)) over (partition by c.check_id), c.check_id, e.period";

/* The flags of ebba's decisions in the window, each with whether it found
 * an error; the web's Stickprov stores "not-ok" or "not-ok: note".  (Flags
 * are only ever on ebba's decisions; saying so lets the window be read
 * from decisions_period alone.) */
#define FLAGS_CTE                                                                              \
	"with fl as ("                                                                         \
	"  select e.period, f.kind, f.resolved_at,"                                            \
	"   case when rv.id is not null then not " AS_APPLIED                                     \
	"        else coalesce(f.verdict in ('adjust', 'reject', 'not-ok')"                    \
	"                      or f.verdict like 'not-ok:%', false) end as error"             \
	"  from ebba.audit_flags f join ebba.decisions e on e.id = f.decision_id " REVIEW_OF("e") \
	"  where e.inbox_id is not null and " IN_WINDOW("e")                                     \
	")"

static const char AUDIT_SQL[] =
	FLAGS_CTE
	" select k.kind, count(fl.kind), count(fl.resolved_at),"
	" count(*) filter (where fl.resolved_at is not null and fl.error)"
	" from (values (0, 'sample'), (1, 'targeted')) k (o, kind) left join fl on fl.kind = k.kind"
	" group by k.o, k.kind order by k.o";

/* The decisions with a sample flag, as a join: an EXISTS inside an
 * aggregate's FILTER stays a subplan run once per decision, which over
 * 100 000 decisions scanned the flags 70 000 times. */
#define SAMPLED(d)                                                                             \
	"left join (select distinct f.decision_id from ebba.audit_flags f"                     \
	" where f.kind = 'sample') s on s.decision_id = " d ".id"

static const char SAMPLE_SQL[] =
	"select count(*), count(s.decision_id)"
	" from ebba.decisions e " SAMPLED("e")
	" where e.inbox_id is not null and e.outcome = 'approved' and " IN_WINDOW("e");

#define KIND_COUNTS(k)                                                                         \
	" count(*) filter (where fl.kind = '" k "') as " k "_raised,"                          \
	" count(fl.resolved_at) filter (where fl.kind = '" k "') as " k "_resolved,"           \
	" count(*) filter (where fl.kind = '" k "' and fl.resolved_at is not null and fl.error)" \
	" as " k "_error"

/* Per period: ebba's approvals and the sampled ones, then the flags per
 * kind.  Every flag is on an ebba decision, so its period is among ap's. */
static const char PERIODS_SQL[] =
	FLAGS_CTE
	", fa as (select fl.period," KIND_COUNTS("sample") "," KIND_COUNTS("targeted")
	"  from fl group by fl.period)"
	", ap as (select e.period, count(*) filter (where e.outcome = 'approved') as approved,"
	"  count(s.decision_id) filter (where e.outcome = 'approved') as sampled"
	"  from ebba.decisions e " SAMPLED("e") " where e.inbox_id is not null and " IN_WINDOW("e")
	"  group by e.period)"
	" select ap.period, ap.approved, ap.sampled, coalesce(fa.sample_raised, 0),"
	" coalesce(fa.sample_resolved, 0), coalesce(fa.sample_error, 0),"
	" coalesce(fa.targeted_raised, 0), coalesce(fa.targeted_resolved, 0),"
	" coalesce(fa.targeted_error, 0)"
	" from ap left join fa on fa.period = ap.period order by ap.period";

static PGresult *run(PGconn *conn, const char *sql, const char *from, const char *to,
		     struct ebba_err *err)
{
	const char *p[] = {from, to};
	PGresult *res = PQexecParams(conn, sql, 2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "stats: %s", store_db_result_error(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

static long num(const PGresult *res, int row, int col)
{
	return strtol(PQgetvalue(res, row, col), NULL, 10);
}

static int collect_checks(PGconn *conn, const char *from, const char *to, struct stats_report *r,
			  struct ebba_err *err)
{
	r->res = run(conn, CHECKS_SQL, from, to, err);
	if (!r->res)
		return -1;
	int n = PQntuples(r->res);
	r->checks = xcalloc((size_t)n + 1, sizeof(*r->checks));
	for (int i = 0; i < n; i++)
		r->checks[i] = (struct stats_check){
			PQgetvalue(r->res, i, 0), PQgetvalue(r->res, i, 1), num(r->res, i, 2),
			num(r->res, i, 3), num(r->res, i, 4), num(r->res, i, 5), num(r->res, i, 6),
			num(r->res, i, 7)};
	r->n_checks = (size_t)n;
	return 0;
}

static int collect_audit(PGconn *conn, const char *from, const char *to, struct stats_report *r,
			 struct ebba_err *err)
{
	PGresult *res = run(conn, AUDIT_SQL, from, to, err);
	if (!res)
		return -1;
	static const char *const kinds[STATS_AUDIT_KINDS] = {"sample", "targeted"};
	for (int k = 0; k < STATS_AUDIT_KINDS && k < PQntuples(res); k++)
		r->audit[k] = (struct stats_audit){kinds[k], num(res, k, 1), num(res, k, 2),
						   num(res, k, 3)};
	PQclear(res);
	res = run(conn, SAMPLE_SQL, from, to, err);
	if (!res)
		return -1;
	r->auto_approved = num(res, 0, 0);
	r->sampled_approved = num(res, 0, 1);
	PQclear(res);
	return 0;
}

static int collect_periods(PGconn *conn, const char *from, const char *to,
			   struct stats_report *r, struct ebba_err *err)
{
	r->res_periods = run(conn, PERIODS_SQL, from, to, err);
	if (!r->res_periods)
		return -1;
	const PGresult *res = r->res_periods;
	int n = PQntuples(res);
	r->periods = xcalloc((size_t)n + 1, sizeof(*r->periods));
	for (int i = 0; i < n; i++) {
		struct stats_period *p = &r->periods[i];
		p->period = PQgetvalue(res, i, 0);
		p->auto_approved = num(res, i, 1);
		p->sampled_approved = num(res, i, 2);
		p->audit[STATS_AUDIT_SAMPLE] = (struct stats_audit){"sample", num(res, i, 3),
								    num(res, i, 4), num(res, i, 5)};
		p->audit[STATS_AUDIT_TARGETED] = (struct stats_audit){"targeted", num(res, i, 6),
								      num(res, i, 7), num(res, i, 8)};
	}
	r->n_periods = (size_t)n;
	return 0;
}

int store_stats_collect(PGconn *conn, const char *from, const char *to, struct stats_report *out,
		  struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	if (store_db_exec(conn, "begin isolation level repeatable read read only", 0, NULL, err) != 0)
		return ebba_err_prefix(err, "stats");
	int rc = collect_checks(conn, from, to, out, err);
	if (rc == 0)
		rc = collect_audit(conn, from, to, out, err);
	if (rc == 0)
		rc = collect_periods(conn, from, to, out, err);
	struct ebba_err end;
	if (store_db_exec(conn, rc == 0 ? "commit" : "rollback", 0, NULL, &end) != 0 && rc == 0) {
		*err = end;
		rc = ebba_err_prefix(err, "stats");
	}
	return rc;
}

void store_stats_report_free(struct stats_report *r)
{
	free(r->checks);
	free(r->periods);
	PQclear(r->res);
	PQclear(r->res_periods);
	memset(r, 0, sizeof(*r));
}

/* Newest first, one index probe per period found (a loose index scan over
 * decisions_period) rather than a pass over every decision. */
static const char PERIOD_LIST_SQL[] =
	"with recursive p (period, n) as ("
	"  (select period, 1 from ebba.decisions where inbox_id is not null"
	"   order by period desc limit 1)"
	"  union all"
	"  select (select d.period from ebba.decisions d where d.inbox_id is not null"
	"          and d.period < p.period order by d.period desc limit 1), p.n + 1"
	"  from p where p.period is not null and p.n < $1::int"
	") select period from p where period is not null order by period desc";

int store_stats_periods(PGconn *conn, int max, char ***out, struct ebba_err *err)
{
	char nbuf[16];
	snprintf(nbuf, sizeof(nbuf), "%d", max);
	const char *p[] = {nbuf};
	*out = NULL;
	PGresult *res = PQexecParams(conn, PERIOD_LIST_SQL, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "stats: the periods: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	int n = PQntuples(res);
	char **list = xcalloc((size_t)n + 1, sizeof(*list));
	for (int i = 0; i < n; i++)
		list[i] = xstrdup(PQgetvalue(res, i, 0));
	PQclear(res);
	*out = list;
	return 0;
}

void store_stats_periods_free(char **periods)
{
	for (char **p = periods; p && *p; p++)
		free(*p);
	free(periods);
}

bool store_stats_to_tune(long decided, long as_applied)
{
	return decided >= STATS_TUNE_MIN_DECIDED &&
	       (double)as_applied >= STATS_TUNE_SHARE * (double)decided;
}
