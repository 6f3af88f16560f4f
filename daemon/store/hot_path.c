/*
 * The hot path's statements, prepared once per connection.
 *
 * PQexecParams parses and plans its statement every time.  For the claim
 * and the frames-and-histories query, planning took about as long as
 * running them (EXPLAIN ANALYZE over 20 000 waiting applications: 0.7 and
 * 1.9 ms of planning against 0.2 and 1.8 ms of execution a batch), and
 * ebbad runs them for every batch.  Measure again with `make bench` (phase
 * "instant registers", cpu_ms_pg) or, per statement, BENCH_PG_PROFILE=1
 * with pg_stat_statements.track_planning on.
 */
#include "ebba/store/db.h"

#include "hot_path.h"

/* One table: the prepared name and the text of each statement. */
static const struct {
	const char *name;
	const char *sql;
	int nparams;
} HOT[HOT_COUNT] = {
	[HOT_CLAIM] = {"ebba_claim", HOT_CLAIM_SQL, 4},
	[HOT_FRAMES] = {"ebba_frames", HOT_FRAMES_SQL, 3},
	[HOT_FENCE] = {"ebba_fence", HOT_FENCE_SQL, 5},
	[HOT_NEXT_IDS] = {"ebba_next_ids", HOT_NEXT_IDS_SQL, 1},
	[HOT_ADD_PEOPLE] = {"ebba_add_people", HOT_ADD_PEOPLE_SQL, 4},
};

int store_db_prepare_hot_path(PGconn *conn, struct ebba_err *err)
{
	for (int s = 0; s < HOT_COUNT; s++) {
		PGresult *res = PQprepare(conn, HOT[s].name, HOT[s].sql, HOT[s].nparams, NULL);
		int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0
			: ebba_errf(err, "preparing %s: %s", HOT[s].name, store_db_result_error(res));
		PQclear(res);
		if (rc != 0)
			return rc;
	}
	return 0;
}

PGresult *hot_exec(PGconn *conn, enum hot_stmt s, int nparams, const char *const *params,
		   int result_format)
{
	return PQexecPrepared(conn, HOT[s].name, nparams, params, NULL, NULL, result_format);
}
