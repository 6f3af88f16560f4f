/*
 * ebba.whatif_runs (include/ebba/store/whatif.h): a run is inserted when it
 * starts, its progress updated after each batch, and its result written
 * once.  Who and when are the database's (schema/007_whatif_runs.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/whatif.h"

static const char *const RUN_STATUSES[WHATIF_RUN_STATUS_COUNT] = {
	[WHATIF_RUN_RUNNING] = "running", [WHATIF_RUN_DONE] = "done",
	[WHATIF_RUN_FAILED] = "failed", [WHATIF_RUN_STALLED] = "stalled",
};

const char *store_whatif_run_status_name(enum whatif_run_status s)
{
	return (unsigned)s < WHATIF_RUN_STATUS_COUNT ? RUN_STATUSES[s] : "?";
}

bool store_whatif_run_status_parse(const char *s, enum whatif_run_status *out)
{
	for (int k = 0; s && k < WHATIF_RUN_STATUS_COUNT; k++)
		if (strcmp(RUN_STATUSES[k], s) == 0) {
			*out = (enum whatif_run_status)k;
			return true;
		}
	return false;
}

int store_whatif_run_insert(PGconn *conn, const char *candidate, const char *sha256,
		      const struct whatif_window *w, const char *parameters_json, int64_t *id,
		      struct ebba_err *err)
{
	const char *p[] = {candidate, sha256, w->period, w->from, w->to,
			   parameters_json ? parameters_json : "[]"};
	PGresult *res = PQexecParams(conn,
		"insert into ebba.whatif_runs (candidate, candidate_sha256, period, window_from,"
		" window_to, parameters) values ($1, $2, $3, $4::date, $5::date, $6::json) returning id",
		6, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "storing the what-if run: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

int store_whatif_run_progress(PGconn *conn, int64_t id, int64_t done, int64_t total,
			struct ebba_err *err)
{
	char i[24], d[24], t[24];
	snprintf(i, sizeof(i), "%lld", (long long)id);
	snprintf(d, sizeof(d), "%lld", (long long)done);
	snprintf(t, sizeof(t), "%lld", (long long)total);
	const char *p[] = {i, d, t};
	if (store_db_exec(conn, "update ebba.whatif_runs set done = $2::bigint, total = $3::bigint"
			  " where id = $1::bigint", 3, p, err) != 0)
		return ebba_err_prefix(err, "what-if run %lld: progress", (long long)id);
	return 0;
}

int store_whatif_run_finish(PGconn *conn, int64_t id, const char *result_json, const char *error,
		      struct ebba_err *err)
{
	char i[24];
	snprintf(i, sizeof(i), "%lld", (long long)id);
	const char *p[] = {i, store_whatif_run_status_name(result_json ? WHATIF_RUN_DONE : WHATIF_RUN_FAILED),
			   result_json, result_json ? NULL : error};
	if (store_db_exec(conn, "update ebba.whatif_runs set status = $2, result = $3::json, error = $4,"
			  " done = case when $2 = 'done' then total else done end"
			  " where id = $1::bigint", 4, p, err) != 0)
		return ebba_err_prefix(err, "what-if run %lld: result", (long long)id);
	return 0;
}

#define RUN_COLUMNS                                                                            \
	"id, to_char(created_at, 'YYYY-MM-DD HH24:MI'), created_by, candidate, candidate_sha256,"  \
	" coalesce(period, ''), coalesce(window_from::text, ''), coalesce(window_to::text, ''),"  \
	" parameters::text, ebba.whatif_run_status(status, progress_at), done, total,"           \
	" coalesce(to_char(finished_at, 'YYYY-MM-DD HH24:MI'), ''), coalesce(error, ''),"       \
	" to_char(progress_at, 'YYYY-MM-DD HH24:MI')"

/* Row r of RUN_COLUMNS (and the result); the strings stay in res. */
static int fill_row(const PGresult *res, int r, struct whatif_run_row *row, struct ebba_err *err)
{
	const char *v[16];
	for (int k = 0; k < 16; k++)
		v[k] = PQgetvalue(res, r, k);
	enum whatif_run_status st;
	if (!store_whatif_run_status_parse(v[9], &st))
		return ebba_errf(err, "reading what-if runs: run %s has the status '%.20s'", v[0], v[9]);
	*row = (struct whatif_run_row){.id = v[0], .created_at = v[1],
		.created_by = v[2], .candidate = v[3], .sha256 = v[4], .period = v[5],
		.from = v[6], .to = v[7], .parameters = v[8], .status = st,
		.done = strtoll(v[10], NULL, 10), .total = strtoll(v[11], NULL, 10),
		.finished_at = v[12], .error = v[13], .progress_at = v[14], .result = v[15]};
	return 0;
}

int store_whatif_runs_load(PGconn *conn, const char *id, size_t limit, struct whatif_runs *out,
		     struct ebba_err *err)
{
	*out = (struct whatif_runs){0};
	char lim[24];
	snprintf(lim, sizeof(lim), "%zu", limit);
	const char *p[] = {id ? id : lim};
	out->res = PQexecParams(conn, id ? "select " RUN_COLUMNS ", coalesce(result::text, '')"
					   " from ebba.whatif_runs where id = $1::bigint"
					 : "select " RUN_COLUMNS ", ''"
					   " from ebba.whatif_runs order by id desc limit $1::int",
				1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(out->res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading what-if runs: %s", store_db_result_error(out->res));
		PQclear(out->res);
		out->res = NULL;
		return -1;
	}
	PGresult *res = out->res;
	out->n = (size_t)PQntuples(res);
	out->rows = xcalloc(out->n + 1, sizeof(*out->rows));
	for (size_t i = 0; i < out->n; i++)
		if (fill_row(res, (int)i, &out->rows[i], err) != 0) {
			store_whatif_runs_free(out);
			return -1;
		}
	return 0;
}

void store_whatif_runs_free(struct whatif_runs *r)
{
	free(r->rows);
	PQclear(r->res);
	*r = (struct whatif_runs){0};
}
