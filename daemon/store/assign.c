/*
 * Who is on a case, and the workers' heartbeat (include/ebba/store/assign.h):
 * each a call of schema 028's SECURITY DEFINER functions, with parameters.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/store/assign.h"
#include "ebba/store/db.h"

static PGresult *call(PGconn *db, const char *sql, int n, const char *const *p, const char *what,
		      struct ebba_err *err)
{
	PGresult *res = PQexecParams(db, sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "%s: %s", what, store_db_result_error(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

int store_case_take(PGconn *db, const char *case_id, int idle_minutes, bool *mine,
		    char *holder, size_t holder_size, struct ebba_err *err)
{
	*mine = false;
	if (holder_size)
		holder[0] = '\0';
	char idle[16];
	snprintf(idle, sizeof(idle), "%d", idle_minutes);
	const char *p[] = {case_id, idle};
	PGresult *res = call(db, "select holder, mine from ebba.case_take($1, $2::int)", 2, p,
			     "take case", err);
	if (!res)
		return -1;
	/* no row: the holder released it between the insert and the read */
	if (PQntuples(res) == 1) {
		*mine = PQgetvalue(res, 0, 1)[0] == 't';
		snprintf(holder, holder_size, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return 0;
}

int store_case_untake(PGconn *db, const char *case_id, bool *released, struct ebba_err *err)
{
	*released = false;
	const char *p[] = {case_id};
	PGresult *res = call(db, "select ebba.case_release($1)", 1, p, "release case", err);
	if (!res)
		return -1;
	*released = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return 0;
}

int store_case_release_idle(PGconn *db, int idle_minutes, struct ebba_err *err)
{
	if (idle_minutes <= 0)
		return 0;
	char idle[16];
	snprintf(idle, sizeof(idle), "%d", idle_minutes);
	const char *p[] = {idle};
	PGresult *res = call(db, "select ebba.case_release_idle($1::int)", 1, p,
			     "release idle cases", err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_worker_seen(PGconn *db, const char *owner, long decided, struct ebba_err *err)
{
	char n[24];
	snprintf(n, sizeof(n), "%ld", decided);
	const char *p[] = {owner, n};
	PGresult *res = call(db, "select ebba.worker_seen($1, $2::bigint)", 2, p, "worker heartbeat", err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_decision_case(PGconn *db, const char *id, char *case_id, size_t size,
			struct ebba_err *err)
{
	if (size)
		case_id[0] = '\0';
	const char *p[] = {id};
	PGresult *res = call(db, "select case_id from ebba.decisions where id = $1::bigint", 1, p,
			     "the decision's case", err);
	if (!res)
		return -1;
	if (PQntuples(res) == 1)
		snprintf(case_id, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
