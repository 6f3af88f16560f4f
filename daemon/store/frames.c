#include <stdlib.h>
#include <string.h>

#include "ebba/lib/log.h"
#include "ebba/store/db.h"
#include "ebba/store/frames.h"
#include "pg_text.h"

/* One text[] literal over the slots: their case ids (which 0), the start
 * of their history windows (1) or their periods (2). */
static char *slot_array(const struct frame_slot *slots, size_t n, int which)
{
	struct ebba_buf b = {0};
	buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		char from[8];
		int year;
		const char *s = slots[i].case_id;
		if (which > 0)
			case_history_window(slots[i].period, from, &year);
		if (which == 1)
			s = from;
		else if (which == 2)
			s = slots[i].period;
		if (i)
			buf_putc(&b, ',');
		pg_array_text(&b, s);
	}
	buf_putc(&b, '}');
	return buf_steal(&b);
}

static void take_frame(const struct frame_slot *slots, size_t n, const char *case_id,
		       const char *json)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(slots[i].case_id, case_id) != 0)
			continue;
		struct ebba_err ferr;
		*slots[i].found = case_frame_from_json(json, strlen(json), slots[i].frame, &ferr) == 0;
		if (!*slots[i].found)
			log_warn("case %s: stored frame is invalid: %s", case_id, ferr.msg);
	}
}

/* The declared incomes of a stored document, for the history decision just added. */
static void take_payload(struct app_parser *parser, struct case_history *h, const char *hex,
			 const char *case_id, const char *period)
{
	size_t len = 0;
	unsigned char *doc = PQunescapeBytea((const unsigned char *)hex, &len);
	struct application *app = NULL;
	struct ebba_err e;
	if (!doc || app_parse(parser, (const char *)doc, len, &app, &e) != 0 ||
	    case_history_add_application(h, app, &e) != 0)
		log_warn("case %s: the decision of %s left out of the history: %s", case_id, period,
			 doc ? e.msg : "out of memory");
	application_free(app);
	PQfreemem(doc);
}

/* One earlier decision of slot's case. */
static void take_history(struct app_parser *parser, const struct frame_slot *slot,
			 PGresult *res, int r)
{
	const char *period = PQgetvalue(res, r, 3);
	bool has_amount = !PQgetisnull(res, r, 5);
	struct ebba_err e;
	if (case_history_add_decision(slot->history, period, PQgetvalue(res, r, 4), has_amount,
				      has_amount ? strtoll(PQgetvalue(res, r, 5), NULL, 10) : 0,
				      PQgetvalue(res, r, 6), &e) != 0) {
		log_warn("case %s: %s", slot->case_id, e.msg);
		return;
	}
	if (!PQgetisnull(res, r, 7))
		take_payload(parser, slot->history, PQgetvalue(res, r, 7), slot->case_id, period);
}

/*
 * Frames ('f') and histories ('h', by slot, oldest first) in one result:
 * two round trips per batch would be one too many on the hot path
 * (docs/architecture.md §1).  A caseworker's decision has no document of
 * its own; the period's incomes come from ebba's decision of it.
 *
 * Each slot's history is its own look-up (LATERAL, kept from being
 * flattened into a join by OFFSET 0): joined, the planner hashed every
 * decision of every case for a batch's 64 until the table held more than
 * 20 000 (auto_explain over contrib/bench/run.sh: "Seq Scan on decisions",
 * 19 712 rows read, 10-16 ms a batch); one index range per case is what
 * the question is, whatever the table's size.
 */
static const char FRAMES_AND_HISTORY_SQL[] =
	"with w as (select * from unnest($1::text[], $2::text[], $3::text[])"
	"  with ordinality as w (case_id, from_period, period, slot))"
	" select 'f', 0::bigint, f.case_id, f.frame::text, null, null::bigint, null, null::bytea, 0::bigint"
	"  from ebba.case_frames f where f.case_id = any($1::text[])"
	" union all"
	" select 'h', w.slot, d.case_id, d.period, d.outcome, d.amount, d.decided_by, i.payload, d.id"
	"  from w cross join lateral (select d.id, d.case_id, d.period, d.outcome, d.amount,"
	"   d.decided_by, d.inbox_id from ebba.decisions d where d.case_id = w.case_id"
	"   and d.period >= w.from_period and d.period < w.period offset 0) d"
	"  left join ebba.inbox i on i.id = d.inbox_id"
	" order by 1, 2, 4, 9";

int store_frames_load_batch(PGconn *conn, struct app_parser *parser, const struct frame_slot *slots,
		      size_t n, struct ebba_err *err)
{
	if (n == 0)
		return 0;
	char *ids = slot_array(slots, n, 0), *from = slot_array(slots, n, 1),
	     *periods = slot_array(slots, n, 2);
	const char *params[] = {ids, from, periods};
	PGresult *res = PQexecParams(conn, FRAMES_AND_HISTORY_SQL, 3, NULL, params, NULL, NULL, 0);
	free(ids);
	free(from);
	free(periods);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading case frames and histories: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		case_history_init(slots[i].history, slots[i].period);
	for (int r = 0; r < PQntuples(res); r++) {
		if (PQgetvalue(res, r, 0)[0] == 'f') {
			take_frame(slots, n, PQgetvalue(res, r, 2), PQgetvalue(res, r, 3));
			continue;
		}
		long slot = strtol(PQgetvalue(res, r, 1), NULL, 10);
		if (slot >= 1 && (size_t)slot <= n)
			take_history(parser, &slots[slot - 1], res, r);
	}
	PQclear(res);
	return 0;
}

int store_frames_put(PGconn *conn, const char *case_id, const char *frame_json,
	       const char *source_yaml, const char *client, struct ebba_err *err)
{
	/* One statement, so the change and its access_log row commit together. */
	const char *params[] = {case_id, frame_json, source_yaml, client};
	return store_db_exec(conn,
		"with f as (insert into ebba.case_frames (case_id, frame, source_yaml)"
		" values ($1, $2::jsonb, $3)"
		" on conflict (case_id) do update set frame = excluded.frame,"
		" source_yaml = excluded.source_yaml, updated_at = now(), updated_by = ebba.person()"
		" returning case_id)"
		" insert into ebba.access_log (action, object_kind, object_id, client)"
		" select 'resolve', 'case_frame', case_id, $4 from f",
		4, params, err);
}

int store_frames_get_json(PGconn *conn, const char *case_id, char **json, struct ebba_err *err)
{
	*json = NULL;
	const char *params[] = {case_id};
	PGresult *res = PQexecParams(conn, "select frame::text from ebba.case_frames where case_id = $1",
				     1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading the frame of case %s: %s", case_id, store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1)
		*json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
