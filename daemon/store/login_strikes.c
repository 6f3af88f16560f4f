/* Failed logins per user name (login_strikes.h). */
#include <stdio.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/login_strikes.h"

int store_login_locked(PGconn *db, const char *user, int max_failures, int window_seconds,
		       bool *locked, struct ebba_err *err)
{
	char max[16], window[16];
	snprintf(max, sizeof(max), "%d", max_failures);
	snprintf(window, sizeof(window), "%d", window_seconds);
	const char *p[] = {user, max, window};
	PGresult *res = PQexecParams(db,
		"select exists (select from ebba.login_strikes where user_name = $1"
		" and failures >= $2::integer and since > now() - make_interval(secs => $3::integer))",
		3, NULL, p, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = ebba_errf(err, "login strikes: %s", store_db_result_error(res));
	else
		*locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int store_login_failed(PGconn *db, const char *user, int window_seconds, struct ebba_err *err)
{
	char window[16];
	snprintf(window, sizeof(window), "%d", window_seconds);
	const char *p[] = {user, window};
	if (store_db_exec(db,
		    "insert into ebba.login_strikes as s (user_name, failures, since) values ($1, 1, now())"
		    " on conflict (user_name) do update set"
		    " failures = case when s.since > now() - make_interval(secs => $2::integer)"
		    "                 then s.failures + 1 else 1 end,"
		    " since = case when s.since > now() - make_interval(secs => $2::integer)"
		    "              then s.since else now() end",
		    2, p, err) != 0 ||
	    store_db_exec(db,
		    "delete from ebba.login_strikes"
		    " where since <= now() - make_interval(secs => $2::integer) and user_name <> $1",
		    2, p, err) != 0)
		return ebba_err_prefix(err, "login strikes");
	return 0;
}

int store_login_cleared(PGconn *db, const char *user, struct ebba_err *err)
{
	const char *p[] = {user};
	if (store_db_exec(db, "delete from ebba.login_strikes where user_name = $1", 1, p, err) != 0)
		return ebba_err_prefix(err, "login strikes");
	return 0;
}
