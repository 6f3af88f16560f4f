#include <stdio.h>
#include <string.h>

#include "ebba/store/db.h"

const char *store_db_result_error(const PGresult *res)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	return primary ? primary : "unknown database error";
}

static int conn_error(PGconn *conn, struct ebba_err *err, const char *what)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", conn ? PQerrorMessage(conn) : "out of memory");
	msg[strcspn(msg, "\n")] = '\0';
	return ebba_errf(err, "%s: %s", what, msg);
}

PGconn *store_db_connect(const char *conninfo, const char *application_name,
		   int statement_timeout_ms, struct ebba_err *err)
{
	/* Server NOTICEs ("schema already exists") are noise on a terminal. */
	char options[96] = "-c client_min_messages=warning";
	if (statement_timeout_ms > 0)
		snprintf(options, sizeof(options), "-c client_min_messages=warning -c statement_timeout=%d",
			 statement_timeout_ms);
	const char *keys[] = {"dbname", "application_name", "options", "connect_timeout", NULL};
	const char *vals[] = {conninfo ? conninfo : "", application_name, options, "10", NULL};
	/* expand_dbname=1 lets conninfo be a full connection string or URI. */
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		conn_error(conn, err, "cannot connect to the database");
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

int store_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
	    struct ebba_err *err)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = ebba_errf(err, "database: %s", store_db_result_error(res));
	PQclear(res);
	return rc;
}
