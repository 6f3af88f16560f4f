/*
 * Stickprov's SQL and its view model (include/ebba/store/web_flags.h).
 * The statement builds the page's document in PostgreSQL (one round
 * trip); store_web_flags_view_unpack() reads it into the struct in strict mode.
 */
#include <stdlib.h>
#include <string.h>

#include "ebba/store/web_flags.h"
#include "ebba/store/web_pages.h"
#include "ebba/store/web_view_list.h"

#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"

/* The open flags oldest first, a page at a time (after flag $1, or from
 * flag $2 on), as the queue pages: with 100 000 decisions stored, 5 800
 * open flags made one page of 1.4 s that took ebba-web's RSS past 32 MiB.
 * A sample rate's row is an outcome ebba decided, so its count is never 0. */
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
	"    'amount', d.amount) order by f.created_at, f.id)"
	"    from page f join ebba.decisions d on d.id = f.decision_id), '[]'),"
	" 'open', (select count(*) from ebba.audit_flags where resolved_at is null),"
	" 'next', case when (select count(*) from sel) > " FLAGS_PAGE " then"
	"    (select id from page order by created_at desc, id desc limit 1) end,"
	" 'by_outcome', coalesce((select json_agg(json_build_object('outcome', outcome,"
	"    'decided', decided, 'sampled', sampled,"
	"    'percent', round(100.0 * sampled / decided, 1))"
	"    order by outcome) from (select o.outcome, o.decided, coalesce(s.sampled, 0) sampled"
	"    from (select outcome, count(*) decided from ebba.decisions where inbox_id is not null"
	"      group by outcome) o"
	"    left join (select d.outcome, count(distinct d.id) sampled from ebba.audit_flags f"
	"      join ebba.decisions d on d.id = f.decision_id"
	"      where f.kind = 'sample' and d.inbox_id is not null group by d.outcome) s"
	"    on s.outcome = o.outcome) s), '[]'),"
	" 'resolved', coalesce((select json_agg(json_build_object('id', f.id, 'kind', f.kind,"
	"    'decision_id', f.decision_id, 'verdict', f.verdict,"
	"    'resolved_by', f.resolved_by, 'resolved_at', " TS("f.resolved_at") ")"
	"    order by f.resolved_at desc) from (select * from ebba.audit_flags"
	"    where resolved_at is not null order by resolved_at desc limit 20) f), '[]'))";

static bool is_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	return strspn(s, "0123456789") == strlen(s);
}

static int unpack_open(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_flag_open *f = elem;
	const char *kind, *outcome;
	json_t *amount;
	if (store_web_unpack(item, "open flag", err, "{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:o}",
			     "id", &f->id, "kind", &kind, "reason", &f->reason, "created",
			     &f->created, "decision_id", &f->decision_id, "case_id", &f->case_id,
			     "period", &f->period, "outcome", &outcome, "amount", &amount) != 0)
		return -1;
	if (store_web_parse_flag_kind(kind, "open flag", &f->kind, err) != 0 ||
	    store_web_parse_outcome(outcome, "open flag", &f->outcome, err) != 0)
		return -1;
	return store_web_unpack_opt_int(amount, "open flag's amount", &f->has_amount, &f->amount, err);
}

static int unpack_rate(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_flag_rate *r = elem;
	const char *outcome;
	if (store_web_unpack(item, "sample rate", err, "{s:s,s:I,s:I,s:F}", "outcome", &outcome,
			     "decided", &r->decided, "sampled", &r->sampled, "percent",
			     &r->percent) != 0)
		return -1;
	return store_web_parse_outcome(outcome, "sample rate", &r->outcome, err);
}

static int unpack_resolved(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_flag_resolved *f = elem;
	const char *kind, *verdict;
	if (store_web_unpack(item, "resolved flag", err, "{s:I,s:s,s:I,s:s,s:s,s:s}", "id", &f->id,
			     "kind", &kind, "decision_id", &f->decision_id, "verdict", &verdict,
			     "resolved_by", &f->resolved_by, "resolved_at", &f->resolved_at) != 0)
		return -1;
	if (store_web_parse_flag_kind(kind, "resolved flag", &f->kind, err) != 0)
		return -1;
	return store_web_parse_verdict(verdict, "resolved flag", &f->verdict, &f->verdict_note, err);
}

int store_web_flags_view_unpack(json_t *doc, struct web_flags_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	out->doc_ = doc;
	json_t *flags, *next, *rates, *resolved;
	if (store_web_unpack(doc, "audit flags", err, "{s:o,s:I,s:o,s:o,s:o}", "flags", &flags,
			     "open", &out->open, "next", &next, "by_outcome", &rates, "resolved",
			     &resolved) != 0)
		return -1;
	if (store_web_unpack_opt_int(next, "next", &out->has_next, &out->next, err) != 0)
		return -1;
	if (store_web_unpack_list(flags, "flags", sizeof(*out->flags), unpack_open,
				  (void **)&out->flags, &out->n_flags, err) != 0 ||
	    store_web_unpack_list(rates, "by_outcome", sizeof(*out->rates), unpack_rate,
				  (void **)&out->rates, &out->n_rates, err) != 0 ||
	    store_web_unpack_list(resolved, "resolved", sizeof(*out->resolved), unpack_resolved,
				  (void **)&out->resolved, &out->n_resolved, err) != 0)
		return -1;
	return 0;
}

int store_web_flags(PGconn *db, const char *after, const char *from, struct web_flags_view *out,
		    struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *p[] = {is_id(after) ? after : NULL, is_id(from) ? from : NULL};
	json_t *doc;
	if (store_web_json(db, FLAGS_SQL, 2, p, &doc, err) != 0)
		return -1;
	if (!doc)
		return ebba_errf(err, "audit flags: the query returned no document");
	return store_web_flags_view_unpack(doc, out, err);
}

void store_web_flags_view_free(struct web_flags_view *v)
{
	free(v->flags);
	free(v->rates);
	free(v->resolved);
	json_decref(v->doc_);
	memset(v, 0, sizeof(*v));
}
