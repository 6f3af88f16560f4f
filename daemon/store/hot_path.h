/*
 * The statements of a batch's hot path (claim, frames and histories,
 * fence, decision ids, persons), prepared once per connection by
 * store_db_prepare_hot_path (db.h) and run by name: inside store/ only.
 */
#ifndef EBBA_STORE_HOT_PATH_H
#define EBBA_STORE_HOT_PATH_H

#include <libpq-fe.h>

enum hot_stmt {
	HOT_CLAIM,       /* queue.c */
	HOT_FRAMES,      /* frames.c */
	HOT_FENCE,       /* queue_complete.c */
	HOT_NEXT_IDS,    /* queue_complete.c */
	HOT_ADD_PEOPLE,  /* queue_complete.c */
	HOT_COUNT
};

/* Each statement's text, defined beside the code that reads its rows. */
extern const char HOT_CLAIM_SQL[], HOT_FRAMES_SQL[], HOT_FENCE_SQL[], HOT_NEXT_IDS_SQL[],
	HOT_ADD_PEOPLE_SQL[];

/* PQexecPrepared of s with text parameters; the caller clears the result. */
PGresult *hot_exec(PGconn *conn, enum hot_stmt s, int nparams, const char *const *params,
		   int result_format);

#endif
