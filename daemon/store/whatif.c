/*
 * What-if's reading of stored decisions (include/ebba/store/whatif.h).
 * Three queries a batch: the decisions with their documents and their
 * inputs (ebba.decision_inputs, schema 032: a few hundred bytes where the
 * trace they used to be read from was ~9 kB, so the trace is not fetched),
 * their failed checks, and their evidence in binary (the bytes as stored,
 * nothing to decode).  The last two take the batch's id range and are
 * merged by id.
 *
 * Measured over the same 3 000 generated decisions, the build before
 * schema 032 (trace read, rules' part skipped by json_drop) on a copy at
 * 031 and this one on a copy migrated to 032, alternately, three pairs of
 * `/usr/bin/time ebbactl --porcelain whatif --rules rules --period 2026-12`
 * on a shared machine: ebbactl's user+sys CPU 2.28, 2.31, 1.99 s before,
 * 2.00, 1.80, 1.58 s now (1 300-1 500 against 1 500-1 900 decisions per
 * CPU second), its peak memory 50 MB before, 31 MB now; PostgreSQL's side
 * no longer reads the traces at all (not measured).
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/whatif.h"

#define WINDOW                                                                                 \
	"d.inbox_id is not null and ($1::text is null or d.period = $1)"                       \
	" and ($2::date is null or d.decided_at >= $2::date)"                                  \
	" and ($3::date is null or d.decided_at < $3::date + 1)"

static const char COUNT_SQL[] =
	"select coalesce(max(d.id), 0), count(*) from ebba.decisions d where " WINDOW;

/*
 * The batch's ids first: asked for the rows at once, with the window's
 * row count misjudged (a table not yet analysed after a month's
 * decisions), the planner read, detoasted and sorted every remaining
 * decision's trace for each batch of 500, 0.33 s a batch over 20 000
 * stored decisions; ids first, it is 0.03 s whatever it guesses.
 */
static const char ROWS_SQL[] =
	"with ids as materialized (select d.id from ebba.decisions d where " WINDOW
	" and d.id > $4::bigint and d.id <= $5::bigint order by d.id limit $6::int)"
	" select d.id, d.outcome, coalesce(d.amount::text, ''), d.period,"
	" convert_from(i.payload, 'UTF8'), d.case_id, coalesce(d.norm::text, ''), "
	STORED_INPUTS_SQL
	" from ids join ebba.decisions d on d.id = ids.id join ebba.inbox i on i.id = d.inbox_id"
	" left join ebba.decision_inputs x on x.decision_id = d.id"
	" order by d.id";

static const char FAILS_SQL[] =
	"select decision_id, check_id from ebba.decision_checks"
	" where decision_id between $1::bigint and $2::bigint and result in ('fail', 'error')"
	" order by decision_id, ordinal, check_id";

static const char EVIDENCE_SQL[] =
	"select decision_id, source, status, person_ref, raw from ebba.register_evidence"
	" where decision_id between $1::bigint and $2::bigint and agency in ('SSBTEK', 'PLAN')"
	" order by decision_id, id";

static PGresult *query(PGconn *conn, const char *sql, int n, const char *const *p, int binary,
		       struct ebba_err *err)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, p, NULL, NULL, binary);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	ebba_errf(err, "what-if: reading stored decisions: %s", store_db_result_error(res));
	PQclear(res);
	return NULL;
}

int store_whatif_window_count(PGconn *conn, const struct whatif_window *w, int64_t *last_id,
			int64_t *count, struct ebba_err *err)
{
	const char *p[] = {w->period, w->from, w->to};
	PGresult *res = query(conn, COUNT_SQL, 3, p, 0, err);
	if (!res)
		return -1;
	*last_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*count = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

int store_whatif_window_hidden(PGconn *conn, const struct whatif_window *w, int64_t *hidden,
			 struct ebba_err *err)
{
	const char *p[] = {w->period, w->from, w->to};
	PGresult *res = query(conn, "select ebba.hidden_decision_count($1, $2::date, $3::date)", 3, p, 0, err);
	if (!res)
		return -1;
	*hidden = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

static void clear_results(struct whatif_batch *b)
{
	for (int k = 0; k < 3; k++) {
		PQclear(b->res[k]);
		b->res[k] = NULL;
	}
	b->n = b->n_fails = b->n_evidence = 0;
}

static void grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return;
	*cap = need < 64 ? 64 : need;
	*arr = xrealloc(*arr, *cap * size);
}

static void read_rows(struct whatif_batch *b)
{
	PGresult *res = b->res[0];
	b->n = (size_t)PQntuples(res);
	grow((void **)&b->rows, &b->cap, b->n, sizeof(*b->rows));
	for (size_t i = 0; i < b->n; i++) {
		int r = (int)i;
		const char *amount = PQgetvalue(res, r, 2);
		b->rows[i] = (struct whatif_row){
			.id_text = PQgetvalue(res, r, 0), .id = strtoll(PQgetvalue(res, r, 0), NULL, 10),
			.outcome = PQgetvalue(res, r, 1), .has_amount = *amount != '\0',
			.amount = strtoll(amount, NULL, 10), .period = PQgetvalue(res, r, 3),
			.document = PQgetvalue(res, r, 4), .document_len = (size_t)PQgetlength(res, r, 4),
			.case_id = PQgetvalue(res, r, 5), .has_norm = *PQgetvalue(res, r, 6) != '\0',
			.norm = strtoll(PQgetvalue(res, r, 6), NULL, 10),
			.inputs = {.decided_on = PQgetvalue(res, r, 7),
				   .registers_configured = PQgetvalue(res, r, 8),
				   .frame = PQgetvalue(res, r, 9), .history = PQgetvalue(res, r, 10),
				   .register_reasons = PQgetvalue(res, r, 11)}};
	}
}

/* Rows and fails are both by decision id: one pass hands each row its own. */
static void read_fails(struct whatif_batch *b)
{
	PGresult *res = b->res[1];
	size_t n = (size_t)PQntuples(res), row = 0;
	grow((void **)&b->fails, &b->cap_fails, n, sizeof(*b->fails));
	for (size_t i = 0; i < n; i++) {
		int64_t id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		while (row < b->n && b->rows[row].id < id)
			row++;
		if (row == b->n)
			break;
		if (b->rows[row].id != id)
			continue;   /* a decision in the range but not in the window */
		if (b->rows[row].n_fails++ == 0)
			b->rows[row].first_fail = b->n_fails;
		b->fails[b->n_fails++] = PQgetvalue(res, (int)i, 1);
	}
}

static int64_t be64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return (int64_t)be64toh(v);
}

static void read_evidence(struct whatif_batch *b)
{
	PGresult *res = b->res[2];
	size_t n = (size_t)PQntuples(res), row = 0;
	grow((void **)&b->evidence, &b->cap_evidence, n, sizeof(*b->evidence));
	for (size_t i = 0; i < n; i++) {
		int r = (int)i;
		int64_t id = be64(PQgetvalue(res, r, 0));
		while (row < b->n && b->rows[row].id < id)
			row++;
		if (row == b->n)
			break;
		if (b->rows[row].id != id)
			continue;
		if (b->rows[row].n_evidence++ == 0)
			b->rows[row].first_evidence = b->n_evidence;
		/* libpq ends every value with a NUL, binary ones too. */
		b->evidence[b->n_evidence++] = (struct whatif_evidence){
			.source = PQgetvalue(res, r, 1), .status = PQgetvalue(res, r, 2),
			.person_ref = PQgetvalue(res, r, 3), .raw = PQgetvalue(res, r, 4),
			.len = (size_t)PQgetlength(res, r, 4)};
	}
}

int store_whatif_batch_fetch(PGconn *conn, const struct whatif_window *w, int64_t after,
		       int64_t last_id, size_t limit, struct whatif_batch *b, struct ebba_err *err)
{
	clear_results(b);
	char a[24], l[24], n[24];
	snprintf(a, sizeof(a), "%lld", (long long)after);
	snprintf(l, sizeof(l), "%lld", (long long)last_id);
	snprintf(n, sizeof(n), "%zu", limit);
	const char *p[] = {w->period, w->from, w->to, a, l, n};
	if (!(b->res[0] = query(conn, ROWS_SQL, 6, p, 0, err)))
		return -1;
	read_rows(b);
	if (b->n == 0)
		return 0;
	const char *range[] = {b->rows[0].id_text, b->rows[b->n - 1].id_text};
	if (!(b->res[1] = query(conn, FAILS_SQL, 2, range, 0, err)) ||
	    !(b->res[2] = query(conn, EVIDENCE_SQL, 2, range, 1, err))) {
		clear_results(b);
		return -1;
	}
	read_fails(b);
	read_evidence(b);
	return 0;
}

void store_whatif_batch_free(struct whatif_batch *b)
{
	clear_results(b);
	free(b->rows);
	free(b->fails);
	free(b->evidence);
	*b = (struct whatif_batch){0};
}
