/*
 * Sök's SQL (include/ebba/store/web_find.h).  As in
 * web_frames.c, a view and its access-log row are one statement (a
 * data-modifying WITH); people may insert into the log but not read it,
 * so nothing is returned from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/web_find.h"
#include "ebba/store/web_pages.h"
#include "ebba/store/web_view_list.h"

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

static int unpack_role(json_t *item, void *elem, struct ebba_err *err)
{
	const char *name;
	if (store_web_unpack(item, "role", err, "s", &name) != 0)
		return -1;
	if (!case_role_parse(name, elem))
		return ebba_errf(err, "role: \"%s\" is not a case role", name);
	return 0;
}

static int unpack_case(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_find_case *c = elem;
	const char *outcome;
	json_t *roles, *period, *outcome_json;
	if (store_web_unpack(item, "found case", err, "{s:s,s:o,s:o,s:o}", "case_id", &c->case_id,
			     "roles", &roles, "period", &period, "outcome", &outcome_json) != 0 ||
	    store_web_unpack_opt_str(period, "found case's period", &c->period, err) != 0 ||
	    store_web_unpack_opt_str(outcome_json, "found case's outcome", &outcome, err) != 0)
		return -1;
	c->decided = outcome != NULL;
	if (c->decided && store_web_parse_outcome(outcome, "found case", &c->outcome, err) != 0)
		return -1;
	return store_web_unpack_list(roles, "roles", sizeof(*c->roles), unpack_role,
				     (void **)&c->roles, &c->n_roles, err);
}

int store_web_find_view_unpack(json_t *doc, struct web_find_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	out->doc_ = doc;
	json_t *cases;
	if (store_web_unpack(doc, "person search", err, "{s:o}", "cases", &cases) != 0)
		return -1;
	return store_web_unpack_list(cases, "cases", sizeof(*out->cases), unpack_case,
				     (void **)&out->cases, &out->n_cases, err);
}

int store_web_find_person(PGconn *db, const char *pnr, const char *client,
			  struct web_find_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *p[] = {pnr, client};
	json_t *doc;
	if (store_web_json(db, FIND_PERSON_SQL, 2, p, &doc, err) != 0)
		return -1;
	if (!doc)
		return ebba_errf(err, "person search: the query returned no document");
	return store_web_find_view_unpack(doc, out, err);
}

void store_web_find_view_free(struct web_find_view *v)
{
	for (size_t i = 0; i < v->n_cases; i++)
		free(v->cases[i].roles);
	free(v->cases);
	json_decref(v->doc_);
	memset(v, 0, sizeof(*v));
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
		ebba_errf(err, "find case: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*exists = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return 0;
}
