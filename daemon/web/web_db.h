/*
 * ebba-web's own database connection (failed logins, the denials' counts,
 * the metrics' scrape, the start of a proxy person's connection), apart
 * from the server so that what uses it (login.c, web_metrics.c, the pages)
 * does not depend on the HTTP server that depends on them.  One
 * connection, one lock: callers hold it only for a statement or two.
 */
#ifndef EBBA_WEB_DB_H
#define EBBA_WEB_DB_H

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/* Connects; conninfo is borrowed and must outlive the connection. */
int web_db_open(const char *conninfo, int statement_timeout_ms, struct ebba_err *err);
/* The connection, locked for the caller until web_db_unlock (reconnecting
 * if it broke).  NULL when the database does not answer (then nothing is
 * locked). */
PGconn *web_db_lock(void);
void web_db_unlock(void);
/* The conninfo it was opened with. */
const char *web_db_conninfo(void);
/* Closes it, at shutdown. */
void web_db_close(void);

#endif
