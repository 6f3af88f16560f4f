/*
 * Sök and Hushåll's SQL (include/ebba/store/web_find.h).  As in
 * web_frames.c, a view and its access-log row are one statement (a
 * data-modifying WITH); people may insert into the log but not read it,
 * so nothing is returned from it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ebba/store/db.h"
#include "ebba/store/web_find.h"
#include "ebba/store/web_pages.h"

#define KR(x) "replace(to_char(" x ", 'FM999,999,999,990'), ',', ' ')"
#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"

/*
 * One index look-up on the keyed hash; the number itself is compared with
 * nothing.  The log row names the hash, so an auditor who holds the key
 * (through ebba.person_key) can answer "who searched for this person".
 */
static const char FIND_PERSON_SQL[] =
	"with k as (select ebba.person_key($1) as h),"
	" log as (insert into ebba.access_log (action, object_kind, object_id, client)"
	"  select 'view', 'person_search', encode(k.h, 'hex'), $2 from k),"
	" found as (select p.case_id, array_agg(distinct p.role order by p.role) as roles"
	"  from ebba.case_people p, k where p.pnr_key = k.h group by p.case_id),"
	" newest as (select f.case_id, f.roles, d.period, d.outcome, d.decided_at"
	"  from found f left join lateral (select d.period, d.outcome, d.decided_at"
	"   from ebba.decisions d where d.case_id = f.case_id"
	"   order by d.period desc, d.decided_at desc, d.id desc limit 1) d on true)"
	" select json_build_object('cases', coalesce(json_agg(json_build_object("
	"  'case_id', n.case_id, 'roles', n.roles, 'period', n.period, 'outcome', n.outcome)"
	"  order by n.period desc nulls last, n.case_id), '[]')) from newest n";

int store_web_find_person(PGconn *db, const char *pnr, const char *client, json_t **out,
			  struct ebba_err *err)
{
	const char *p[] = {pnr, client};
	return store_web_json(db, FIND_PERSON_SQL, 2, p, out, err);
}

int store_web_case_exists(PGconn *db, const char *case_id, bool *exists, struct ebba_err *err)
{
	*exists = false;
	const char *p[] = {case_id};
	PGresult *res = PQexecParams(db,
		"select exists (select 1 from ebba.decisions d where d.case_id = $1)"
		"    or exists (select 1 from ebba.case_frames f where f.case_id = $1)",
		1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "find case: %s", db_result_error(res));
		PQclear(res);
		return -1;
	}
	*exists = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return 0;
}

/*
 * A month's outcome and amount are its last decision's: a caseworker's
 * decision on a referral comes after ebba's and stands.  What a frame
 * version changed is the frame's top-level keys whose value differs from
 * the version before (all of them for version 1).
 */
static const char HOUSEHOLD_SQL[] =
	"with log as (insert into ebba.access_log (action, object_kind, object_id, client)"
	"  values ('view', 'household', $1, $2)),"
	" d as (select d.*, row_number() over (partition by d.period"
	"   order by d.decided_at desc, d.id desc) as nth from ebba.decisions d where d.case_id = $1),"
	" v as (select v.case_id, v.version, v.frame, v.updated_at, v.updated_by"
	"   from ebba.case_frame_versions v where v.case_id = $1)"
	" select case when exists (select 1 from d) or exists (select 1 from v) then json_build_object("
	"  'case_id', $1::text,"
	"  'months', coalesce((select json_agg(json_build_object("
	"    'period', m.period, 'outcome', l.outcome, 'amount', " KR("l.amount") ","
	"    'amount_value', l.amount,"
	"    'decisions', (select json_agg(json_build_object('id', x.id, 'outcome', x.outcome,"
	"      'amount', " KR("x.amount") ", 'decided_by', x.decided_by,"
	"      'decider', case when x.inbox_id is null then (select n.display_name"
	"        || case when n.title <> '' then ', ' || n.title else '' end"
	"        from ebba.person_name(x.decided_by) n) end,"
	"      'by_ebba', x.inbox_id is not null, 'decided_at', " TS("x.decided_at") ","
	"      'reviews', x.reviews_decision_id,"
	"      'flags', coalesce((select json_agg(json_build_object('kind', f.kind,"
	"        'open', f.resolved_at is null, 'verdict', f.verdict) order by f.id)"
	"        from ebba.audit_flags f where f.decision_id = x.id), '[]'))"
	"      order by x.decided_at, x.id) from d x where x.period = m.period))"
	"    order by m.period)"
	"   from (select distinct period from d) m join d l on l.period = m.period and l.nth = 1), '[]'),"
	"  'versions', coalesce((select json_agg(json_build_object('version', v.version,"
	"    'updated_at', " TS("v.updated_at") ", 'updated_by', v.updated_by,"
	"    'updater', (select n.display_name from ebba.person_name(v.updated_by) n),"
	"    'changed', (select coalesce(json_agg(k.key order by k.key), '[]')"
	"      from (select jsonb_object_keys(v.frame) union"
	"            select jsonb_object_keys(b.frame) from v b where b.version = v.version - 1) k(key)"
	"      where v.version = 1 or v.frame -> k.key is distinct from"
	"            (select b.frame -> k.key from v b where b.version = v.version - 1)))"
	"    order by v.version desc) from v), '[]')) end";

int store_web_household(PGconn *db, const char *case_id, const char *client, json_t **out,
			struct ebba_err *err)
{
	const char *p[] = {case_id, client};
	return store_web_json(db, HOUSEHOLD_SQL, 2, p, out, err);
}
