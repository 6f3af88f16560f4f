/*
 * GET /api/v1/decisions?after=CURSOR&limit=N[&wait=S]: the decision feed
 * for the municipality's case system (DESIGN.md §13; schema 020,
 * ebba.decision_feed_page; docs/delivery.md "The decision feed").
 *
 * The token is checked by the database, in the same call that reads the
 * page: 401 unknown or revoked, 403 its role is not in ebba_casesystem.
 * after: the last page's "next" (absent: from the beginning); limit 1 to
 * 1000 (default 100); wait 0 to 30 seconds: with nothing new, ask again
 * every quarter second until something is or the time is up (the thread
 * is held meanwhile, as a slow client holds it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/db.h"
#include "api.h"
#include "api_pool.h"

#define FEED_MAX_WAIT 30

static void feed_error(struct web_response *rs, int status, const char *message)
{
	buf_reset(&rs->body);
	buf_printf(&rs->body, "{\"error\":\"%s\"}\n", message);
	rs->status = status;
	rs->content_type = "application/json";
}

/* A decimal number from lo to hi, or def when absent; false when malformed. */
static bool number_arg(const char *s, long long lo, long long hi, long long def, long long *out)
{
	*out = def;
	if (!s)
		return true;
	if (!*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		return false;
	*out = atoll(s);
	return *out >= lo && *out <= hi;
}

struct page {
	char verdict[24];
	struct ebba_buf items;
	char next[24];
};

static int read_page(PGconn *db, const char *token, const char *after, const char *limit,
		     struct page *pg, struct ebba_err *err)
{
	const char *p[] = {token, after, limit};
	PGresult *res = PQexecParams(db, "select verdict, items, next from"
				     " ebba.decision_feed_page($1, $2::bigint, $3::int)",
				     3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "reading the decision feed: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	snprintf(pg->verdict, sizeof(pg->verdict), "%s", PQgetvalue(res, 0, 0));
	buf_reset(&pg->items);
	buf_puts(&pg->items, PQgetisnull(res, 0, 1) ? "[]" : PQgetvalue(res, 0, 1));
	snprintf(pg->next, sizeof(pg->next), "%s", PQgetisnull(res, 0, 2) ? after : PQgetvalue(res, 0, 2));
	PQclear(res);
	return 0;
}

void api_decisions(const struct api_request *rq, struct web_response *rs, const char *token)
{
	long long after, limit, wait;
	if (!number_arg(rq->after, 0, 999999999999999999LL, 0, &after) ||
	    !number_arg(rq->limit, 1, 1000, 100, &limit) ||
	    !number_arg(rq->wait, 0, FEED_MAX_WAIT, 0, &wait)) {
		feed_error(rs, 400, "after must be a cursor (a whole number), limit 1 to 1000, wait 0 to 30");
		return;
	}
	char a[24], l[24];
	snprintf(a, sizeof(a), "%lld", after);
	snprintf(l, sizeof(l), "%lld", limit);
	struct page pg = {0};
	struct ebba_err err;
	struct api_slot *s = api_slot_take();
	PGconn *db = api_slot_db(s, false, &err);
	int rc = db ? read_page(db, token, a, l, &pg, &err) : -1;
	if (rc != 0 && db && PQstatus(db) != CONNECTION_OK) {
		db = api_slot_db(s, true, &err);
		rc = db ? read_page(db, token, a, l, &pg, &err) : -1;
	}
	uint64_t until = now_usec() + (uint64_t)wait * 1000000u;
	while (rc == 0 && strcmp(pg.verdict, "ok") == 0 && strcmp(pg.items.data, "[]") == 0 &&
	       now_usec() < until) {
		struct timespec ts = {0, 250 * 1000 * 1000};
		nanosleep(&ts, NULL);
		rc = read_page(db, token, a, l, &pg, &err);
	}
	api_slot_give(s);
	if (rc != 0) {
		pnr_scrub(err.msg);
		log_warn("ebba-web: api: GET " API_PREFIX "decisions: %s", err.msg);
		rs->retry_after = API_RETRY_AFTER;
		feed_error(rs, 503, "the database is not available; try again later");
	} else if (strcmp(pg.verdict, "unauthenticated") == 0) {
		rs->www_authenticate = "Bearer realm=\"ebba\"";
		feed_error(rs, 401, "the token is not valid (unknown or revoked)");
	} else if (strcmp(pg.verdict, "ok") != 0) {
		feed_error(rs, 403, "the token's role may not read the decision feed (not in ebba_casesystem)");
	} else {
		buf_reset(&rs->body);
		buf_printf(&rs->body, "{\"decisions\":%s,\"next\":%s}\n", pg.items.data, pg.next);
		rs->status = 200;
		rs->content_type = "application/json";
	}
	buf_free(&pg.items);
}
