/*
 * ebba.login_strikes (schema/015_login_strikes.sql): failed logins per
 * user name within a window, in the database, so that no flood of other
 * names can push a locked name out.  Used by ebba-web on its own
 * connection (ebba_web).
 */
#ifndef EBBA_LOGIN_STRIKES_H
#define EBBA_LOGIN_STRIKES_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/* *locked: user has max_failures or more failures in the window that
 * began with its first failure less than window_seconds ago. */
int store_login_locked(PGconn *db, const char *user, int max_failures, int window_seconds,
		       bool *locked, struct ebba_err *err);
/* One more failure for user (a new window when the last one is over);
 * deletes the rows whose window is over. */
int store_login_failed(PGconn *db, const char *user, int window_seconds, struct ebba_err *err);
/* user logged in: earlier failures no longer count. */
int store_login_cleared(PGconn *db, const char *user, struct ebba_err *err);

#endif
