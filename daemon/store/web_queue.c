/*
 * Arbetskö's SQL and its view models (include/ebba/store/web_queue.h).
 * Each statement builds the page's document in PostgreSQL (one round
 * trip); the *_unpack() functions read it into the struct in strict mode.
 */
#include <stdlib.h>
#include <string.h>

#include "ebba/store/web_pages.h"
#include "ebba/store/web_queue.h"
#include "ebba/store/web_view_list.h"

#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
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
	"  w.reason, w.flags from ebba.open_work w"
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
	"     'amount', d.amount, 'received', " TS("p.received_at") ","
	"     'age_days', extract(day from now() - p.received_at)::int,"
	"     'reason', p.reason,"
	"     'expired', coalesce(ebba.completion_state(p.id) = 'expired', false),"
	"     'holder', (select a.person from ebba.case_assignments a where a.case_id = d.case_id"
	"       and a.released_at is null),"
	"     'flags', coalesce(to_json(p.flags), '[]'))"
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

static int unpack_flag_kind(json_t *item, void *elem, struct ebba_err *err)
{
	const char *kind;
	if (store_web_unpack(item, "flag", err, "s", &kind) != 0)
		return -1;
	return store_web_parse_flag_kind(kind, "flag", elem, err);
}

static int unpack_text(json_t *item, void *elem, struct ebba_err *err)
{
	return store_web_unpack(item, "text", err, "s", (const char **)elem);
}

static int unpack_row(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_queue_row *r = elem;
	const char *outcome;
	json_t *amount, *reason, *holder, *flags;
	int expired;
	if (store_web_unpack(item, "queue row", err,
			     "{s:I,s:s,s:s,s:s,s:o,s:s,s:I,s:o,s:b,s:o,s:o}", "id", &r->id,
			     "case_id", &r->case_id, "period", &r->period, "outcome", &outcome,
			     "amount", &amount, "received", &r->received, "age_days", &r->age_days,
			     "reason", &reason, "expired", &expired, "holder", &holder,
			     "flags", &flags) != 0)
		return -1;
	r->expired = expired;
	if (store_web_unpack_opt_str(reason, "queue row's reason", &r->reason, err) != 0 ||
	    store_web_unpack_opt_str(holder, "queue row's holder", &r->holder, err) != 0 ||
	    store_web_parse_outcome(outcome, "queue row", &r->outcome, err) != 0 ||
	    store_web_unpack_opt_int(amount, "queue row's amount", &r->has_amount, &r->amount,
				     err) != 0)
		return -1;
	return store_web_unpack_list(flags, "queue row's flags", sizeof(*r->flags), unpack_flag_kind,
				     (void **)&r->flags, &r->n_flags, err);
}

static int unpack_waiting(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_queue_waiting *w = elem;
	return store_web_unpack(item, "waiting", err, "{s:I,s:s,s:s,s:s}", "id", &w->id, "case_id",
				&w->case_id, "period", &w->period, "deadline", &w->deadline);
}

static int unpack_reason(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_queue_reason *r = elem;
	return store_web_unpack(item, "reason", err, "{s:s,s:I}", "check", &r->check, "count",
				&r->count);
}

static int unpack_flag_count(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_queue_flag_count *c = elem;
	const char *kind;
	if (store_web_unpack(item, "flag count", err, "{s:s,s:I}", "kind", &kind, "count",
			     &c->count) != 0)
		return -1;
	return store_web_parse_flag_kind(kind, "flag count", &c->kind, err);
}

int store_web_queue_view_unpack(json_t *doc, struct web_queue_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	out->doc_ = doc;
	json_t *rows, *next, *waiting, *reasons, *flags, *checks, *periods;
	if (store_web_unpack(doc, "queue", err, "{s:o,s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o}",
			     "rows", &rows, "shown", &out->shown, "next", &next, "total",
			     &out->total, "waiting", &waiting, "reasons", &reasons, "flags", &flags,
			     "checks", &checks, "periods", &periods) != 0)
		return -1;
	if (store_web_unpack_opt_int(next, "next", &out->has_next, &out->next, err) != 0)
		return -1;
	if (store_web_unpack_list(rows, "rows", sizeof(*out->rows), unpack_row,
				  (void **)&out->rows, &out->n_rows, err) != 0 ||
	    store_web_unpack_list(waiting, "waiting", sizeof(*out->waiting), unpack_waiting,
				  (void **)&out->waiting, &out->n_waiting, err) != 0 ||
	    store_web_unpack_list(reasons, "reasons", sizeof(*out->reasons), unpack_reason,
				  (void **)&out->reasons, &out->n_reasons, err) != 0 ||
	    store_web_unpack_list(flags, "flags", sizeof(*out->flags), unpack_flag_count,
				  (void **)&out->flags, &out->n_flags, err) != 0 ||
	    store_web_unpack_list(checks, "checks", sizeof(*out->checks), unpack_text,
				  (void **)&out->checks, &out->n_checks, err) != 0 ||
	    store_web_unpack_list(periods, "periods", sizeof(*out->periods), unpack_text,
				  (void **)&out->periods, &out->n_periods, err) != 0)
		return -1;
	return 0;
}

int store_web_queue(PGconn *db, const struct web_queue_filter *f, struct web_queue_view *out,
		    struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *p[] = {nz(f->outcome), nz(f->flag), nz(f->check), nz(f->period),
			   nz(f->older_than), nz(f->after), nz(f->assigned)};
	json_t *doc;
	if (store_web_json(db, QUEUE_SQL, 7, p, &doc, err) != 0)
		return -1;
	if (!doc)
		return ebba_errf(err, "queue: the query returned no document");
	return store_web_queue_view_unpack(doc, out, err);
}

void store_web_queue_view_free(struct web_queue_view *v)
{
	for (size_t i = 0; i < v->n_rows; i++)
		free(v->rows[i].flags);
	free(v->rows);
	free(v->waiting);
	free(v->reasons);
	free(v->flags);
	free(v->checks);
	free(v->periods);
	json_decref(v->doc_);
	memset(v, 0, sizeof(*v));
}
