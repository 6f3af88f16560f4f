/*
 * The letters' outbox (include/ebba/store/outbox.h).  As the inbox
 * (queue.c): claiming locks due rows with FOR UPDATE SKIP LOCKED over the
 * partial index outbox_claimable; every later update is fenced by
 * (lease_owner, attempts), so a worker whose lease was taken over writes
 * nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/util.h"
#include "ebba/store/db.h"
#include "ebba/store/outbox.h"

static const char CLAIM_SQL[] =
	"with c as ("
	"  select id from ebba.outbox"
	"  where state in ('queued', 'claimed') and next_attempt_at <= now()"
	"    and (state = 'queued' or lease_expires < now())"
	"  order by next_attempt_at, id limit $2 for update skip locked)"
	" update ebba.outbox o set state = 'claimed', attempts = o.attempts + 1,"
	"   lease_owner = $1, lease_expires = now() + make_interval(secs => $3::int),"
	"   deadline = coalesce(o.deadline, o.queued_at + make_interval(secs => $4::int))"
	" from c where o.id = c.id"
	" returning o.decision_id, o.idempotency_key, o.attempts, coalesce(o.channel, '')";

int store_outbox_claim(PGconn *db, const char *owner, int limit, int lease_seconds,
		 int deadline_seconds, struct outbox_item **items, size_t *n,
		 struct ebba_err *err)
{
	*items = NULL;
	*n = 0;
	char lim[16], lease[16], dl[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	snprintf(dl, sizeof(dl), "%d", deadline_seconds);
	const char *p[] = {owner, lim, lease, dl};
	PGresult *res = PQexecParams(db, CLAIM_SQL, 4, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "claiming from the outbox: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	int rows = PQntuples(res);
	if (rows > 0) {
		*items = xcalloc((size_t)rows, sizeof(**items));
		for (int i = 0; i < rows; i++) {
			struct outbox_item *it = &(*items)[i];
			snprintf(it->decision_id, sizeof(it->decision_id), "%s", PQgetvalue(res, i, 0));
			snprintf(it->key, sizeof(it->key), "%s", PQgetvalue(res, i, 1));
			it->attempt = atoi(PQgetvalue(res, i, 2));
			snprintf(it->channel, sizeof(it->channel), "%s", PQgetvalue(res, i, 3));
		}
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

void store_outbox_items_free(struct outbox_item *items)
{
	free(items);
}

/* Runs a fenced update; *rows the rows it changed, *first its first value. */
static int fenced(PGconn *db, const char *what, const char *sql, int np, const char *const *p,
		  int *rows, char *first, size_t first_size, struct ebba_err *err)
{
	PGresult *res = PQexecParams(db, sql, np, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "%s: %s", what, store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*rows = PQntuples(res);
	if (first && first_size)
		snprintf(first, first_size, "%s", *rows ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return 0;
}

/*
 * src as one line for a text column of at most size - 1 bytes (both
 * columns check 500 characters, which is no fewer): line breaks become
 * spaces, and a receiver's stray bytes or a character cut by the limit
 * become '?', since PostgreSQL refuses text that is not UTF-8.
 */
static void column_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
	size_t n = strlen(dst);
	for (size_t i = 0; i < n;) {
		size_t len = utf8_char_len((const unsigned char *)dst + i, n - i);
		if (len == 0 || dst[i] == '\n' || dst[i] == '\r') {
			dst[i] = len == 0 ? '?' : ' ';
			len = 1;
		}
		i += len;
	}
}

int store_outbox_delivered(PGconn *db, const char *owner, const struct outbox_item *it,
		     const char *channel, const char *receipt, bool *held, struct ebba_err *err)
{
	char attempt[16], line[500];
	snprintf(attempt, sizeof(attempt), "%d", it->attempt);
	column_text(line, sizeof(line), receipt ? receipt : "");
	const char *p[] = {owner, it->decision_id, attempt, channel, receipt ? line : NULL};
	int rows = 0;
	int rc = fenced(db, "marking a letter delivered",
		"update ebba.outbox set state = 'delivered', delivered_at = now(), channel = $4,"
		" receipt = $5, last_error = null, lease_owner = null, lease_expires = null"
		" where decision_id = $2::bigint and lease_owner = $1 and attempts = $3::int"
		" and state = 'claimed' returning state", 5, p, &rows, NULL, 0, err);
	*held = rows == 1;
	return rc;
}

int store_outbox_choose_channel(PGconn *db, const char *owner, const struct outbox_item *it,
			  const char *channel, bool *held, struct ebba_err *err)
{
	char attempt[16];
	snprintf(attempt, sizeof(attempt), "%d", it->attempt);
	const char *p[] = {owner, it->decision_id, attempt, channel};
	int rows = 0;
	int rc = fenced(db, "recording a letter's channel",
		"update ebba.outbox set channel = $4"
		" where decision_id = $2::bigint and lease_owner = $1 and attempts = $3::int"
		" and state = 'claimed' returning state", 4, p, &rows, NULL, 0, err);
	*held = rows == 1;
	return rc;
}

int store_outbox_retry(PGconn *db, const char *owner, const struct outbox_item *it,
		 const char *channel, const char *why, int backoff_seconds, bool permanent,
		 bool *failed, struct ebba_err *err)
{
	char attempt[16], backoff[16], line[500];
	snprintf(attempt, sizeof(attempt), "%d", it->attempt);
	snprintf(backoff, sizeof(backoff), "%d", backoff_seconds);
	/* one line, as the column insists */
	column_text(line, sizeof(line), why && *why ? why : "unknown error");
	const char *p[] = {owner, it->decision_id, attempt, channel, line, backoff,
			   permanent ? "true" : "false"};
	int rows = 0;
	char state[16];
	int rc = fenced(db, "putting a letter back in the outbox",
		"update ebba.outbox set"
		" state = case when $7::boolean or now() + make_interval(secs => $6::int) > deadline"
		"              then 'failed' else 'queued' end,"
		" next_attempt_at = now() + make_interval(secs => $6::int),"
		" channel = coalesce($4, channel), last_error = $5,"
		" lease_owner = null, lease_expires = null"
		" where decision_id = $2::bigint and lease_owner = $1 and attempts = $3::int"
		" and state = 'claimed' returning state", 7, p, &rows, state, sizeof(state), err);
	*failed = rc == 0 && strcmp(state, "failed") == 0;
	return rc;
}

int store_outbox_counts(PGconn *db, struct outbox_counts *out, struct ebba_err *err)
{
	*out = (struct outbox_counts){0};
	PGresult *res = PQexec(db,
		"select count(*) filter (where state = 'queued'),"
		" count(*) filter (where state = 'claimed'),"
		" count(*) filter (where state = 'delivered'),"
		" count(*) filter (where state = 'failed'),"
		" count(*) filter (where state = 'delivered' and channel = 'print'),"
		" count(*) filter (where state = 'delivered' and channel = 'protected'),"
		" count(*) filter (where state = 'delivered' and channel = 'digital'),"
		" (select decision_id || ': ' || last_error from ebba.outbox where state = 'failed'"
		"   order by next_attempt_at desc limit 1)"
		" from ebba.outbox");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "counting the outbox: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	long *v[] = {&out->queued, &out->claimed, &out->delivered, &out->failed,
		     &out->print, &out->protected_print, &out->digital};
	for (int i = 0; i < 7; i++)
		*v[i] = atol(PQgetvalue(res, 0, i));
	snprintf(out->last_error, sizeof(out->last_error), "%s", PQgetvalue(res, 0, 7));
	PQclear(res);
	return 0;
}
