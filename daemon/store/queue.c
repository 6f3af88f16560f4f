/*
 * The inbox queue: claim under a lease, complete fenced by the lease.
 *
 * Claiming locks candidate rows with FOR UPDATE SKIP LOCKED over the
 * partial index inbox_claim_order (schema 033: ordered by id + 0, so that
 * the primary key cannot serve the claim), so concurrent workers neither block nor
 * see each other's rows, and takes a case's periods in order.  Work
 * happens outside any transaction.  Completion
 * (queue_complete.c) is one transaction that updates the inbox rows still
 * held by (owner, attempt) and writes the decisions, checks, evidence,
 * flags and letters of exactly those rows with COPY: a worker whose lease
 * was taken over writes nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/queue.h"

/*
 * Not an application while one of the same case for an earlier period is
 * still waiting or being decided: its decision is part of this one's
 * history (schema 011).  The earliest waiting period of a case is always
 * claimable, so nothing waits for ever.
 */
static const char CLAIM_SQL[] =
	"with c as ("
	"  select id from ebba.inbox i"
	"  where (state = 'pending' or (state = 'processing' and lease_expires < now()))"
	"    and not exists (select 1 from ebba.inbox e where e.case_id = i.case_id"
	"                    and e.period < i.period and e.state in ('pending', 'processing'))"
	"  order by id + 0 limit $2 for update skip locked)"
	" update ebba.inbox i set state = 'processing', attempts = i.attempts + 1,"
	"   lease_owner = $1, lease_expires = now() + make_interval(secs => $3::int),"
	"   updated_at = now(), claimed_at = now()"
	" from c where i.id = c.id"
	" returning i.id, i.attempts, i.external_id,"
	"   case when octet_length(i.payload) <= $4::int then i.payload end,"
	"   octet_length(i.payload)";

void store_queue_batch_free(struct queue_batch *b)
{
	free(b->items);
	PQclear(b->res);
	*b = (struct queue_batch){0};
}

static uint32_t be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

int store_queue_claim(PGconn *conn, const char *owner, int limit, int lease_seconds,
		size_t max_payload, struct queue_batch *out, struct ebba_err *err)
{
	*out = (struct queue_batch){0};
	char lim[16], lease[16], max[24];
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	snprintf(max, sizeof(max), "%zu", max_payload > INT32_MAX ? (size_t)INT32_MAX : max_payload);
	const char *params[] = {owner, lim, lease, max};
	/* Results come back binary so the payload's exact bytes are kept. */
	PGresult *res = PQexecParams(conn, CLAIM_SQL, 4, NULL, params, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "claiming from the inbox: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	int n = PQntuples(res);
	out->res = res;
	out->count = (size_t)n;
	out->items = n ? xcalloc((size_t)n, sizeof(*out->items)) : NULL;
	for (int i = 0; i < n; i++) {
		struct queue_item *it = &out->items[i];
		/* Binary int8 / int4 are big-endian. */
		const char *id = PQgetvalue(res, i, 0);
		it->id = (int64_t)((uint64_t)be32(id) << 32 | be32(id + 4));
		it->attempt = (int)be32(PQgetvalue(res, i, 1));
		it->external_id = PQgetvalue(res, i, 2);
		it->stored_len = (size_t)be32(PQgetvalue(res, i, 4));
		if (!PQgetisnull(res, i, 3)) {
			it->payload = PQgetvalue(res, i, 3);
			it->payload_len = (size_t)PQgetlength(res, i, 3);
		}
	}
	return 0;
}

static char *id_array(const struct queue_batch *b)
{
	struct ebba_buf s = {0};
	buf_putc(&s, '{');
	for (size_t i = 0; i < b->count; i++)
		buf_printf(&s, "%s%lld", i ? "," : "", (long long)b->items[i].id);
	buf_putc(&s, '}');
	return buf_steal(&s);
}

int store_queue_release(PGconn *conn, const char *owner, const struct queue_batch *b,
		  bool count_attempt, struct ebba_err *err)
{
	if (b->count == 0)
		return 0;
	char *ids = id_array(b);
	const char *params[] = {owner, ids, count_attempt ? "0" : "1"};
	int rc = store_db_exec(conn,
		"update ebba.inbox set state = 'pending', lease_owner = null,"
		" attempts = greatest(attempts - $3::int, 0),"
		" lease_expires = null, updated_at = now()"
		" where id = any($2::bigint[]) and lease_owner = $1 and state = 'processing'",
		3, params, err);
	free(ids);
	return rc;
}

int store_queue_counts(PGconn *conn, struct queue_counts *out, struct ebba_err *err)
{
	*out = (struct queue_counts){0};
	PGresult *res = PQexec(conn, "select state, count(*) from ebba.inbox group by state");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "counting the inbox: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *st = PQgetvalue(res, i, 0);
		long n = atol(PQgetvalue(res, i, 1));
		if (strcmp(st, "pending") == 0) out->pending = n;
		else if (strcmp(st, "processing") == 0) out->processing = n;
		else if (strcmp(st, "decided") == 0) out->decided = n;
		else if (strcmp(st, "quarantined") == 0) out->quarantined = n;
	}
	PQclear(res);
	return 0;
}

int store_queue_depth(PGconn *conn, long *pending, long *processing, struct ebba_err *err)
{
	PGresult *res = PQexec(conn,
		"select count(*) filter (where state = 'pending'),"
		" count(*) filter (where state = 'processing')"
		" from ebba.inbox where state in ('pending', 'processing')");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "counting the queue: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*pending = atol(PQgetvalue(res, 0, 0));
	*processing = atol(PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

int store_queue_listen(PGconn *conn, struct ebba_err *err)
{
	return store_db_exec(conn, "listen ebba_inbox", 0, NULL, err);
}

void store_queue_drain_notifications(PGconn *conn)
{
	PQconsumeInput(conn);
	PGnotify *note;
	while ((note = PQnotifies(conn)))
		PQfreemem(note);
}

int store_queue_insert(PGconn *conn, const char *external_id, const char *case_id,
		 const char *period, const char *payload, size_t len, bool *inserted,
		 struct ebba_err *err)
{
	const char *params[] = {external_id, case_id, period, payload};
	int lengths[] = {0, 0, 0, (int)len};
	int formats[] = {0, 0, 0, 1};
	/* DO NOTHING needs only INSERT, which is all the intake role has --
	 * but only without a conflict target: naming (external_id) needs
	 * SELECT on that column too (tests/integration/60_security.sh).  The
	 * only other unique key is the serial id. */
	PGresult *res = PQexecParams(conn,
		"insert into ebba.inbox (external_id, case_id, period, payload)"
		" values ($1, $2, $3, $4) on conflict do nothing",
		4, NULL, params, lengths, formats, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		ebba_errf(err, "inserting into the inbox: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*inserted = atoi(PQcmdTuples(res)) == 1;
	PQclear(res);
	return 0;
}
