/*
 * Who is on a case (schema/028_assign.sql): a caseworker takes a case and
 * releases it, or ebba releases it after web.assign_idle_minutes.  One
 * live assignment per case is the database's unique index, and who took or
 * released it is ebba.person(), never a parameter.  Also each ebbad's
 * heartbeat, what Drift shows as the workers.
 *
 * Ownership: the caller owns every buffer it passes; nothing returned
 * needs freeing.
 */
#ifndef EBBA_STORE_ASSIGN_H
#define EBBA_STORE_ASSIGN_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/*
 * Takes case_id for the session's person, or keeps it theirs (its idle
 * time starts again); first releases assignments idle longer than
 * idle_minutes (0: none).  *mine: the person has it now; otherwise holder
 * (holder_size bytes) names who does.
 */
int store_case_take(PGconn *db, const char *case_id, int idle_minutes, bool *mine,
		    char *holder, size_t holder_size, struct ebba_err *err);

/* Releases case_id if the person has it (a supervisor: whoever has it);
 * *released says whether anything was. */
int store_case_untake(PGconn *db, const char *case_id, bool *released, struct ebba_err *err);

/* Releases the assignments idle longer than idle_minutes (0: none). */
int store_case_release_idle(PGconn *db, int idle_minutes, struct ebba_err *err);

/* The case of decision id (digits) into case_id; "" when there is none. */
int store_decision_case(PGconn *db, const char *id, char *case_id, size_t size,
			struct ebba_err *err);

/* ebbad's heartbeat: owner was seen now, having decided this many since
 * it started (ebba.workers). */
int store_worker_seen(PGconn *db, const char *owner, long decided, struct ebba_err *err);

#endif
