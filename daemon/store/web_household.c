/*
 * Hushåll's SQL and its view model (include/ebba/store/web_household.h).
 * As in web_frames.c, the view and its access-log row are one statement
 * (a data-modifying WITH); people may insert into the log but not read it,
 * so nothing is returned from it.  store_web_household_view_unpack() reads the
 * document into the struct in strict mode.
 */
#include <stdlib.h>
#include <string.h>

#include "ebba/store/web_household.h"
#include "ebba/store/web_pages.h"
#include "ebba/store/web_view_list.h"

#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"

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
	"    'period', m.period, 'outcome', l.outcome, 'amount', l.amount,"
	"    'decisions', (select json_agg(json_build_object('id', x.id, 'outcome', x.outcome,"
	"      'amount', x.amount, 'decided_by', x.decided_by,"
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

static int unpack_flag(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_household_flag *f = elem;
	const char *kind, *verdict;
	json_t *verdict_json;
	int open;
	if (store_web_unpack(item, "household flag", err, "{s:s,s:b,s:o}", "kind", &kind, "open",
			     &open, "verdict", &verdict_json) != 0 ||
	    store_web_unpack_opt_str(verdict_json, "household flag's verdict", &verdict, err) != 0)
		return -1;
	f->open = open;
	f->has_verdict = verdict != NULL;
	if (f->has_verdict && store_web_parse_verdict(verdict, "household flag", &f->verdict,
						   &f->verdict_note, err) != 0)
		return -1;
	return store_web_parse_flag_kind(kind, "household flag", &f->kind, err);
}

static int unpack_decision(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_household_decision *d = elem;
	const char *outcome;
	json_t *amount, *decider, *reviews, *flags;
	int by_ebba;
	if (store_web_unpack(item, "household decision", err,
			     "{s:I,s:s,s:o,s:s,s:o,s:b,s:s,s:o,s:o}", "id", &d->id, "outcome",
			     &outcome, "amount", &amount, "decided_by", &d->decided_by, "decider",
			     &decider, "by_ebba", &by_ebba, "decided_at", &d->decided_at,
			     "reviews", &reviews, "flags", &flags) != 0 ||
	    store_web_unpack_opt_str(decider, "household decision's decider", &d->decider, err) != 0)
		return -1;
	d->by_ebba = by_ebba;
	if (store_web_parse_outcome(outcome, "household decision", &d->outcome, err) != 0 ||
	    store_web_unpack_opt_int(amount, "household decision's amount", &d->has_amount,
				     &d->amount, err) != 0 ||
	    store_web_unpack_opt_int(reviews, "household decision's reviews", &d->has_reviews,
				     &d->reviews, err) != 0)
		return -1;
	return store_web_unpack_list(flags, "flags", sizeof(*d->flags), unpack_flag,
				     (void **)&d->flags, &d->n_flags, err);
}

static int unpack_month(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_household_month *m = elem;
	const char *outcome;
	json_t *amount, *decisions;
	if (store_web_unpack(item, "household month", err, "{s:s,s:s,s:o,s:o}", "period",
			     &m->period, "outcome", &outcome, "amount", &amount, "decisions",
			     &decisions) != 0)
		return -1;
	if (store_web_parse_outcome(outcome, "household month", &m->outcome, err) != 0 ||
	    store_web_unpack_opt_int(amount, "household month's amount", &m->has_amount, &m->amount,
				     err) != 0)
		return -1;
	return store_web_unpack_list(decisions, "decisions", sizeof(*m->decisions), unpack_decision,
				     (void **)&m->decisions, &m->n_decisions, err);
}

static int unpack_text(json_t *item, void *elem, struct ebba_err *err)
{
	return store_web_unpack(item, "text", err, "s", (const char **)elem);
}

static int unpack_version(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_household_version *v = elem;
	json_t *updater, *changed;
	if (store_web_unpack(item, "frame version", err, "{s:I,s:s,s:s,s:o,s:o}", "version",
			     &v->version, "updated_at", &v->updated_at, "updated_by", &v->updated_by,
			     "updater", &updater, "changed", &changed) != 0 ||
	    store_web_unpack_opt_str(updater, "frame version's updater", &v->updater, err) != 0)
		return -1;
	return store_web_unpack_list(changed, "changed", sizeof(*v->changed), unpack_text,
				     (void **)&v->changed, &v->n_changed, err);
}

int store_web_household_view_unpack(json_t *doc, struct web_household_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	out->doc_ = doc;
	json_t *months, *versions;
	if (store_web_unpack(doc, "household", err, "{s:s,s:o,s:o}", "case_id", &out->case_id,
			     "months", &months, "versions", &versions) != 0)
		return -1;
	if (store_web_unpack_list(months, "months", sizeof(*out->months), unpack_month,
				  (void **)&out->months, &out->n_months, err) != 0 ||
	    store_web_unpack_list(versions, "versions", sizeof(*out->versions), unpack_version,
				  (void **)&out->versions, &out->n_versions, err) != 0)
		return -1;
	return 0;
}

int store_web_household(PGconn *db, const char *case_id, const char *client,
			struct web_household_view *out, bool *found, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	*found = false;
	const char *p[] = {case_id, client};
	json_t *doc;
	if (store_web_json(db, HOUSEHOLD_SQL, 2, p, &doc, err) != 0)
		return -1;
	if (!doc)
		return 0;
	if (store_web_household_view_unpack(doc, out, err) != 0)
		return -1;
	*found = true;
	return 0;
}

void store_web_household_view_free(struct web_household_view *v)
{
	for (size_t i = 0; i < v->n_months; i++) {
		struct web_household_month *m = &v->months[i];
		for (size_t j = 0; j < m->n_decisions; j++)
			free(m->decisions[j].flags);
		free(m->decisions);
	}
	for (size_t i = 0; i < v->n_versions; i++)
		free(v->versions[i].changed);
	free(v->months);
	free(v->versions);
	json_decref(v->doc_);
	memset(v, 0, sizeof(*v));
}
