/*
 * PostgreSQL access: the connection and schema migration.  Every SQL
 * statement of ebba lives in daemon/store/, one file per concern, each with
 * its header here (queue.h, frames.h, review.h, ...); all of it is
 * parameterised.
 */
#ifndef EBBA_DB_H
#define EBBA_DB_H

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/*
 * Opens a connection.  conninfo may be empty: libpq's environment
 * (PGHOST, PGDATABASE, ...) then decides.  statement_timeout_ms > 0 sets the
 * session's statement_timeout so no query can hang the daemon forever.
 * Returns NULL and fills err on failure.
 */
PGconn *store_db_connect(const char *conninfo, const char *application_name,
		   int statement_timeout_ms, struct ebba_err *err);

/* Runs a statement with text parameters and no result rows wanted. */
int store_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
	    struct ebba_err *err);

/* The one-line server message of a failed result ("ERROR: ..." trimmed). */
const char *store_db_result_error(const PGresult *res);

/* --- migrations (db_migrate.c) --- */

/* The highest migration compiled into this binary. */
int store_db_schema_latest(void);
/*
 * Applies every embedded migration newer than the database's version, in
 * order, in one transaction under an advisory lock; idempotent.
 * *from / *to receive the versions before and after (may be NULL).
 */
int store_db_migrate(PGconn *conn, int *from, int *to, struct ebba_err *err);
/* The database's schema version; 0 when ebba's schema is absent. */
int store_db_schema_version(PGconn *conn, int *version, struct ebba_err *err);

#endif
