/*
 * ebba.access_log: one row each time a person is shown personal data,
 * resolves, exports, logs in, or is refused (docs/architecture.md, "Roles").
 */
#ifndef EBBA_ACCESS_LOG_H
#define EBBA_ACCESS_LOG_H

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/*
 * Inserts one row on db, as whatever role db runs as: the database writes
 * "who" (ebba.person(), the session's own role or the person a vouching
 * front end set) and "at"; no caller can name someone else.
 * action: "view", "resolve", "export", "login" or "denied".
 * object_kind, object_id and client may be NULL.
 */
int store_access_log(PGconn *db, const char *action, const char *object_kind,
		     const char *object_id, const char *client, struct ebba_err *err);

/*
 * A "denied" row that stands for count refusals of object_kind and
 * object_id for client, the first of them first_age_seconds ago (0: now),
 * as ebba-web's own role (schema/015_login_strikes.sql: only ebba_web may
 * write count and first_at).
 */
int store_access_log_denied(PGconn *db, const char *object_kind, const char *object_id,
			    const char *client, long long count, double first_age_seconds,
			    struct ebba_err *err);

#endif
