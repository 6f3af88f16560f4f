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

static const char DECISION_SQL[] =
	"select json_build_object("
	" 'id', d.id, 'external_id', d.external_id, 'case_id', d.case_id, 'period', d.period,"
	" 'outcome', d.outcome, 'amount', " KR("d.amount") ", 'norm', " KR("d.norm") ","
	" 'costs', " KR("d.costs") ", 'incomes', " KR("d.incomes") ","
	" 'amount_value', d.amount,"
	" 'ruleset_name', d.ruleset_name, 'ruleset_version', d.ruleset_version,"
	" 'ruleset_sha256', d.ruleset_sha256, 'decided_at', " TS("d.decided_at") ","
	" 'decided_by', d.decided_by, 'note', d.note, 'by_ebba', d.inbox_id is not null,"
	" 'received', " TS("i.received_at") ", 'trace', d.trace,"
	" 'checks', coalesce((select json_agg(json_build_object('id', c.check_id, 'result', c.result,"
	"    'message', c.message, 'outcome', c.outcome)"
	"    order by c.result not in ('fail', 'error'), c.ordinal, c.check_id)"
	"    from ebba.decision_checks c where c.decision_id = d.id), '[]'),"
	" 'evidence', coalesce((select json_agg(json_build_object('id', e.id, 'source', e.source,"
	"    'agency', e.agency, 'person_ref', e.person_ref, 'status', e.status,"
	"    'fetched_at', " TS("e.fetched_at") ", 'sha256', e.sha256,"
	"    'bytes', octet_length(e.raw)) order by e.id)"
	"    from ebba.register_evidence e where e.decision_id = d.id), '[]'),"
	" 'flags', coalesce((select json_agg(json_build_object('id', f.id, 'kind', f.kind,"
	"    'reason', f.reason, 'open', f.resolved_at is null, 'verdict', f.verdict,"
	"    'resolved_by', f.resolved_by, 'resolved_at', " TS("f.resolved_at") ") order by f.id)"
	"    from ebba.audit_flags f where f.decision_id = d.id), '[]'),"
	" 'letter', (select l.body from ebba.letters l where l.decision_id = d.id),"
	" 'reviews', coalesce((select json_agg(json_build_object('id', r.id, 'outcome', r.outcome,"
	"    'amount', " KR("r.amount") ", 'decided_by', r.decided_by,"
	"    'decided_at', " TS("r.decided_at") ", 'note', r.note) order by r.id)"
	"    from ebba.decisions r where r.reviews_decision_id = d.id), '[]'),"
	" 'reviewed', d.reviews_decision_id,"
	/* a komplettering (schema 027): what was asked, where it stands, the
	 * files that came (names only: each is downloaded, and logged, alone),
	 * and ebba's re-decision once the answer was decided */
	" 'redecided', (select e.id from ebba.decisions e where e.redecides_decision_id = d.id),"
	" 'redecides', d.redecides_decision_id,"
	/* or after a register did not answer (schema 029): the stamp trigger
	 * wrote why into the re-decision's trace */
	" 'redecided_register', exists (select 1 from ebba.register_retries x where x.decision_id = d.id),"
	" 'redecides_register', d.trace -> 'follows' ->> 'why' = 'register',"
	" 'komplettering', (select json_build_object('state', ebba.completion_state(d.id),"
	"    'deadline', to_char(q.deadline, 'YYYY-MM-DD'), 'requested_by', q.requested_by,"
	"    'requested_at', " TS("q.requested_at") ", 'message', q.message, 'documents', q.documents,"
	"    'files', coalesce((select json_agg(json_build_object('id', f.id, 'filename', f.filename,"
	"       'media_type', f.media_type, 'bytes', f.bytes, 'sha256', f.sha256) order by f.id)"
	"       from ebba.completion_files f where f.decision_id = d.id), '[]'))"
	"    from ebba.document_requests q where q.decision_id = d.id),"
	/* who has taken the case (schema 028) */
	" 'assignment', (select json_build_object('person', a.person, 'since', " TS("a.taken_at") ","
	"    'mine', a.person = ebba.person()) from ebba.case_assignments a"
	"    where a.case_id = d.case_id and a.released_at is null),"
	/* a person's decision: its lines, who decided by name and title, what
	 * ebba had proposed and why it referred (issue 25) */
	" 'findings', d.findings,"
	" 'decider', case when d.inbox_id is null then (select n.display_name"
	"    || case when n.title <> '' then ', ' || n.title else '' end from ebba.person_name(d.decided_by) n) end,"
	" 'referral', (select json_build_object('amount', " KR("o.amount") ", 'ruleset_sha256', o.ruleset_sha256,"
	"    'failed', coalesce((select json_agg(c.message order by c.ordinal) from ebba.decision_checks c"
	"    where c.decision_id = o.id and c.result in ('fail', 'error')), '[]'))"
	"    from ebba.decisions o where o.id = d.reviews_decision_id),"
	" 'history', coalesce((select json_agg(json_build_object('id', h.id, 'period', h.period,"
	"    'outcome', h.outcome, 'amount', " KR("h.amount") ", 'decided_by', h.decided_by,"
	"    'decided_at', " TS("h.decided_at") ") order by h.decided_at desc, h.id desc)"
	"    from ebba.decisions h where h.case_id = d.case_id and h.id <> d.id), '[]'))"
	" from ebba.decisions d left join ebba.inbox i on i.id = d.inbox_id"
	" where d.id = $1::bigint";

static bool is_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int store_web_decision(PGconn *db, const char *id, json_t **out, struct ebba_err *err)
{
	*out = NULL;
	if (!is_id(id))
		return 0;
	const char *p[] = {id};
	return store_web_json(db, DECISION_SQL, 1, p, out, err);
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
