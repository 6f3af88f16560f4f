/*
 * The SQL behind ebba-web's pages (include/ebba/store/web_pages.h).  Each
 * statement builds its page's JSON in PostgreSQL: one round trip per
 * page, and amounts and times formatted once, the Swedish way ("18 700",
 * "2026-11-24 21:13").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/frames.h"
#include "ebba/store/review.h"
#include "ebba/store/web_pages.h"

/* Whole kronor with a space between thousands. */
#define KR(x) "replace(to_char(" x ", 'FM999,999,999,990'), ',', ' ')"
#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

int store_web_json(PGconn *db, const char *sql, int n, const char *const *params,
		   json_t **out, struct ebba_err *err)
{
	*out = NULL;
	PGresult *res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "web query: %s", db_result_error(res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		json_error_t je;
		*out = json_loads(PQgetvalue(res, 0, 0), JSON_DECODE_ANY, &je);
		if (!*out) {
			PQclear(res);
			return ebba_errf(err, "web query: bad JSON from the database: %s", je.text);
		}
	}
	PQclear(res);
	return 0;
}

int store_web_unpack(json_t *doc, const char *what, struct ebba_err *err, const char *fmt, ...)
{
	json_error_t je;
	va_list ap;
	va_start(ap, fmt);
	int rc = json_vunpack_ex(doc, &je, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (rc != 0)
		return ebba_errf(err, "%s: %s (at %s)", what, je.text, je.source);
	return 0;
}

/*
 * The decisions still to be looked at, from ebba.open_work (schema 006: the
 * queue and its counts are kept by the transactions that decide, review and
 * resolve), oldest first: one index scan that stops after the page, starting
 * after the decision $6 when it is given (where that decision arrived stays
 * known after it left the queue).  One row more than the page says whether
 * there is a next one.  The counts are the slots' sums; a reason group is
 * a check that failed or erred, counted over every failed check of every
 * decision (as Statistik counts), and the page words it with the check's
 * description from the rule set, never with one case's message.  $7
 * 'mina': the cases the person has taken, 'otilldelade': those nobody
 * has (schema 028).  A page is
 * 100 rows: with 100 000 decisions stored, 500 (the cap before paging) took
 * PostgreSQL about 45 ms of JSON building on the loaded bench machine, 100
 * about 19 ms.
 */
#define QUEUE_PAGE "100"
static const char QUEUE_SQL[] =
	"with sel as (select w.decision_id as id, w.received_at, w.outcome, w.period,"
	"  w.first_check as chk, w.reason, w.flags from ebba.open_work w"
	"  where ($1::text is null or w.outcome = $1)"
	"  and ($2::text is null or $2 = any(w.flags))"
	"  and ($3::text is null or $3 = any(w.failing))"
	"  and ($4::text is null or w.period = $4)"
	"  and ($5::int is null or w.received_at < now() - make_interval(days => $5::int))"
	/* a case waiting for the applicant's komplettering is not to be
	 * looked at until the answer comes or the deadline passes (schema 027) */
	"  and ebba.completion_state(w.decision_id) is distinct from 'waiting'"
	"  and ($7::text is null or exists (select 1 from ebba.decisions d"
	"   left join ebba.case_assignments a on a.case_id = d.case_id and a.released_at is null"
	"   where d.id = w.decision_id and case $7 when 'mina' then a.person = ebba.person()"
	"   else a.id is null end))"
	"  and ($6::bigint is null or (w.received_at, w.decision_id) >"
	"   (select i.received_at, d.id from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id"
	"    where d.id = $6::bigint))"
	"  order by w.received_at, w.decision_id limit " QUEUE_PAGE " + 1),"
	" page as (select * from sel order by received_at, id limit " QUEUE_PAGE "),"
	" cnt as (select kind, key, sum(n) as n from ebba.open_work_counts group by kind, key"
	"  having sum(n) > 0)"
	" select json_build_object("
	"  'rows', coalesce((select json_agg(json_build_object("
	"     'id', p.id, 'case_id', d.case_id, 'period', p.period, 'outcome', p.outcome,"
	"     'amount', " KR("d.amount") ", 'received', " TS("p.received_at") ","
	"     'age_days', extract(day from now() - p.received_at)::int,"
	"     'reason', p.reason, 'check', p.chk,"
	"     'expired', ebba.completion_state(p.id) = 'expired',"
	"     'holder', (select a.person from ebba.case_assignments a where a.case_id = d.case_id"
	"       and a.released_at is null),"
	"     'flags', case when p.flags <> '{}' then"
	"       (select json_agg(json_build_object('kind', k)) from unnest(p.flags) k) end)"
	"     order by p.received_at, p.id) from page p join ebba.decisions d on d.id = p.id), '[]'),"
	"  'shown', (select count(*) from page),"
	"  'next', case when (select count(*) from sel) > " QUEUE_PAGE " then"
	"     (select id from page order by received_at desc, id desc limit 1) end,"
	"  'total', coalesce((select n from cnt where kind = 'total'), 0)"
	"     - (select count(*) from ebba.awaiting_completion a"
	"        join ebba.open_work w on w.decision_id = a.decision_id),"
	"  'waiting', coalesce((select json_agg(json_build_object('id', a.decision_id, 'case_id', a.case_id,"
	"     'period', a.period, 'deadline', to_char(a.deadline, 'YYYY-MM-DD'))"
	"     order by a.deadline, a.decision_id) from ebba.awaiting_completion a), '[]'),"
	"  'reasons', coalesce((select json_agg(json_build_object('check', c.key, 'count', c.n)"
	"     order by c.n desc, c.key) from cnt c where c.kind = 'check'), '[]'),"
	"  'flags', coalesce((select json_agg(json_build_object('kind', key, 'count', n) order by key)"
	"     from cnt where kind = 'flag'), '[]'),"
	"  'checks', coalesce((select json_agg(key order by key) from cnt where kind = 'check'), '[]'),"
	"  'periods', coalesce((select json_agg(key order by key desc) from cnt where kind = 'period'), '[]'))";

int store_web_queue(PGconn *db, const struct web_queue_filter *f, json_t **out,
		    struct ebba_err *err)
{
	const char *p[] = {nz(f->outcome), nz(f->flag), nz(f->check), nz(f->period),
			   nz(f->older_than), nz(f->after), nz(f->assigned)};
	return store_web_json(db, QUEUE_SQL, 7, p, out, err);
}

static bool is_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Bytes as received: a binary result, so nothing is decoded on the way. */
static int bytes_query(PGconn *db, const char *sql, int n, const char *const *params,
		       struct ebba_buf *out, PGresult **res_out, struct ebba_err *err)
{
	PGresult *res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "web query: %s", db_result_error(res));
		PQclear(res);
		return -1;
	}
	buf_reset(out);
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		buf_append(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	*res_out = res;
	return 0;
}

int store_web_payload(PGconn *db, const char *id, struct ebba_buf *out, bool *found,
		      struct ebba_err *err)
{
	*found = false;
	if (!is_id(id))
		return 0;
	const char *p[] = {id};
	PGresult *res;
	if (bytes_query(db, "select i.payload from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id"
			    " where d.id = $1::bigint", 1, p, out, &res, err) != 0)
		return -1;
	*found = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

int store_web_evidence(PGconn *db, const char *id, const char *evidence_id,
		       struct ebba_buf *out, char *name, size_t name_size, bool *found,
		       struct ebba_err *err)
{
	*found = false;
	if (!is_id(id) || !is_id(evidence_id))
		return 0;
	const char *p[] = {id, evidence_id};
	PGresult *res;
	if (bytes_query(db, "select raw, source, agency from ebba.register_evidence"
			    " where decision_id = $1::bigint and id = $2::bigint and raw is not null",
			    2, p, out, &res, err) != 0)
		return -1;
	if (PQntuples(res) == 1) {
		*found = true;
		/* The source and agency are ebba's own words ("ssbtek", "PLAN"). */
		snprintf(name, name_size, "beslut-%s-underlag-%s-%s-%s.%s", id, evidence_id,
			 PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
			 strcmp(PQgetvalue(res, 0, 1), "ssbtek") == 0 ? "xml" : "json");
		for (char *c = name; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
				*c = '_';
	}
	PQclear(res);
	return 0;
}

/* The open flags oldest first, a page at a time (after flag $1, or from
 * flag $2 on), as the queue pages: with 100 000 decisions stored, 5 800
 * open flags made one page of 1.4 s that took ebba-web's RSS past 32 MiB. */
#define FLAGS_PAGE "100"
static const char FLAGS_SQL[] =
	"with sel as (select f.id, f.kind, f.reason, f.created_at, f.decision_id"
	"  from ebba.audit_flags f where f.resolved_at is null"
	"  and ($1::bigint is null or (f.created_at, f.id) >"
	"   (select a.created_at, a.id from ebba.audit_flags a where a.id = $1::bigint))"
	"  and ($2::bigint is null or (f.created_at, f.id) >="
	"   (select a.created_at, a.id from ebba.audit_flags a where a.id = $2::bigint))"
	"  order by f.created_at, f.id limit " FLAGS_PAGE " + 1),"
	" page as (select * from sel order by created_at, id limit " FLAGS_PAGE ")"
	" select json_build_object("
	" 'flags', coalesce((select json_agg(json_build_object('id', f.id, 'kind', f.kind,"
	"    'reason', f.reason, 'created', " TS("f.created_at") ", 'decision_id', d.id,"
	"    'case_id', d.case_id, 'period', d.period, 'outcome', d.outcome,"
	"    'amount', " KR("d.amount") ") order by f.created_at, f.id)"
	"    from page f join ebba.decisions d on d.id = f.decision_id), '[]'),"
	" 'open', (select count(*) from ebba.audit_flags where resolved_at is null),"
	" 'next', case when (select count(*) from sel) > " FLAGS_PAGE " then"
	"    (select id from page order by created_at desc, id desc limit 1) end,"
	" 'by_outcome', coalesce((select json_agg(json_build_object('outcome', outcome,"
	"    'decided', decided, 'sampled', sampled,"
	"    'percent', case when decided > 0 then replace(round(100.0 * sampled / decided, 1)::text, '.', ',') end)"
	"    order by outcome) from (select o.outcome, o.decided, coalesce(s.sampled, 0) sampled"
	"    from (select outcome, count(*) decided from ebba.decisions where inbox_id is not null"
	"      group by outcome) o"
	"    left join (select d.outcome, count(distinct d.id) sampled from ebba.audit_flags f"
	"      join ebba.decisions d on d.id = f.decision_id"
	"      where f.kind = 'sample' and d.inbox_id is not null group by d.outcome) s"
	"    on s.outcome = o.outcome) s), '[]'),"
	" 'resolved', coalesce((select json_agg(json_build_object('id', f.id, 'kind', f.kind,"
	"    'reason', f.reason, 'decision_id', f.decision_id, 'verdict', f.verdict,"
	"    'resolved_by', f.resolved_by, 'resolved_at', " TS("f.resolved_at") ")"
	"    order by f.resolved_at desc) from (select * from ebba.audit_flags"
	"    where resolved_at is not null order by resolved_at desc limit 20) f), '[]'))";

int store_web_flags(PGconn *db, const char *after, const char *from, json_t **out,
		    struct ebba_err *err)
{
	const char *p[] = {is_id(after) ? after : NULL, is_id(from) ? from : NULL};
	return store_web_json(db, FLAGS_SQL, 2, p, out, err);
}

int store_web_flag_resolve(PGconn *db, const char *flag_id, const char *verdict,
			   const char *note, const char *client, bool *done, struct ebba_err *err)
{
	*done = false;
	if (!is_id(flag_id))
		return 0;
	/* ebba.resolve_flag (schema 014): the decision's lock first, the
	 * verdict and the note in one column, the access_log row with it. */
	const char *p[] = {flag_id, verdict, nz(note), client};
	PGresult *res = PQexecParams(db, "select ebba.resolve_flag($1::bigint, $2, $3, $4)", 4, NULL, p,
				     NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "resolve flag %s: %s", flag_id, db_result_error(res));
		PQclear(res);
		return -1;
	}
	*done = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return 0;
}

/* Each figure from an index (schema 006): the states but 'decided' are the
 * few rows still moving or stopped, and ebba's decisions are the decided
 * ones (completion writes both in one transaction). */
static const char OPS_SQL[] =
	"select json_build_object("
	" 'counts', json_build_object("
	"    'pending', (select count(*) from ebba.inbox where state = 'pending'),"
	"    'processing', (select count(*) from ebba.inbox where state = 'processing'),"
	"    'decided', (select count(*) from ebba.decisions where inbox_id is not null),"
	"    'quarantined', (select count(*) from ebba.inbox where state = 'quarantined')),"
	" 'rates', json_build_object("
	"    'received_hour', (select count(*) from ebba.inbox where received_at > now() - interval '1 hour'),"
	"    'decided_hour', (select count(*) from ebba.decisions where inbox_id is not null"
	"       and decided_at > now() - interval '1 hour'),"
	"    'decided_day', (select count(*) from ebba.decisions where inbox_id is not null"
	"       and decided_at > now() - interval '1 day')),"
	/* the workers as each ebbad reports itself (schema 028): the inbox's
	 * lease_owner is cleared when a batch completes */
	" 'workers', coalesce((select json_agg(json_build_object('owner', owner,"
	"    'last_seen', to_char(seen_at, 'YYYY-MM-DD HH24:MI:SS'),"
	"    'ago', extract(epoch from now() - seen_at)::bigint, 'started', " TS("started_at") ","
	"    'rows', decided) order by seen_at desc) from ebba.workers"
	"    where seen_at > now() - interval '1 day'), '[]'),"
	" 'quarantined', coalesce((select json_agg(json_build_object('id', id,"
	"    'external_id', external_id, 'received', " TS("received_at") ","
	"    'attempts', attempts, 'error', split_part(coalesce(error, ''), E'\\n', 1))"
	"    order by updated_at desc) from (select * from ebba.inbox where state = 'quarantined'"
	"    order by updated_at desc limit 20) q), '[]'),"
	/* the letters' outbox (schema 020): queued and claimed from its
	 * partial index; the delivered ones by channel */
	" 'letters', (select json_build_object('queued', count(*) filter (where state = 'queued'),"
	"    'claimed', count(*) filter (where state = 'claimed'),"
	"    'print', count(*) filter (where state = 'delivered' and channel = 'print'),"
	"    'protected', count(*) filter (where state = 'delivered' and channel = 'protected'),"
	"    'digital', count(*) filter (where state = 'delivered' and channel = 'digital'),"
	"    'failed', count(*) filter (where state = 'failed')) from ebba.outbox),"
	" 'letters_failed', coalesce((select json_agg(json_build_object('decision', decision_id,"
	"    'channel', coalesce(channel, ''), 'attempts', attempts, 'at', " TS("next_attempt_at") ","
	"    'error', coalesce(last_error, '')) order by next_attempt_at desc)"
	"    from (select * from ebba.outbox where state = 'failed' order by next_attempt_at desc limit 20) f), '[]'))";

int store_web_ops(PGconn *db, json_t **out, struct ebba_err *err)
{
	return store_web_json(db, OPS_SQL, 0, NULL, out, err);
}
