/*
 * PostgreSQL access: connection, schema migration, and the inbox queue.
 * All SQL is parameterised; statements on the hot path are prepared once
 * per connection.
 */
#ifndef EBBA_DB_H
#define EBBA_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

/*
 * Opens a connection.  conninfo may be empty: libpq's environment
 * (PGHOST, PGDATABASE, ...) then decides.  statement_timeout_ms > 0 sets the
 * session's statement_timeout so no query can hang the daemon forever.
 * Returns NULL and fills err on failure.
 */
PGconn *db_connect(const char *conninfo, const char *application_name,
		   int statement_timeout_ms, struct ebba_err *err);

/* Runs a statement with text parameters and no result rows wanted. */
int db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
	    struct ebba_err *err);

/* The one-line server message of a failed result ("ERROR: ..." trimmed). */
const char *db_result_error(const PGresult *res);

/* --- migrations (db_migrate.c) --- */

/* The highest migration compiled into this binary. */
int db_schema_latest(void);
/*
 * Applies every embedded migration newer than the database's version, in
 * order, in one transaction under an advisory lock; idempotent.
 * *from / *to receive the versions before and after (may be NULL).
 */
int db_migrate(PGconn *conn, int *from, int *to, struct ebba_err *err);
/* The database's schema version; 0 when ebba's schema is absent. */
int db_schema_version(PGconn *conn, int *version, struct ebba_err *err);

/* --- the inbox queue (queue.c) --- */

struct queue_item {
	int64_t id;
	int attempt;            /* the attempts counter this lease holds */
	char *external_id;
	char *payload;          /* exact bytes received, NUL-terminated; NULL
	                           when larger than the claim's max_payload */
	size_t payload_len;
	size_t stored_len;      /* the payload's size in the inbox */
};

struct queue_batch {
	struct queue_item *items;
	size_t count;
	PGresult *res;          /* owns the strings the items point into */
};

void queue_batch_free(struct queue_batch *b);

/*
 * Claims up to limit claimable rows (pending, or processing with an expired
 * lease) for owner, for lease_seconds.  Rows are locked with SKIP LOCKED,
 * so concurrent workers never wait for or receive the same row.  Payloads
 * over max_payload bytes are not fetched (payload NULL, stored_len set),
 * so an oversize document costs no memory.
 */
int queue_claim(PGconn *conn, const char *owner, int limit, int lease_seconds,
		size_t max_payload, struct queue_batch *out, struct ebba_err *err);

/*
 * Completes a batch in one transaction.  results_json is a
 * JSON array with one object per item to complete (see queue.c for the
 * shape).  Only the rows still leased by owner at the same attempt are
 * completed, and only their decisions are written; *completed receives
 * how many.
 */
int queue_complete(PGconn *conn, const char *owner, const char *results_json,
		   long *completed, struct ebba_err *err);
/* The same with the results as a jansson array (queue_complete.c). */
struct json_t;
int queue_complete_results(PGconn *conn, const char *owner, const struct json_t *results,
			   long *completed, struct ebba_err *err);

/*
 * Gives the batch back (state pending) so another worker can take it now.
 * count_attempt: whether the claim counts towards max_attempts.  A batch
 * cut short by a stop does not; one that failed does, so a document that
 * always fails is quarantined in the end instead of circling for ever.
 */
int queue_release(PGconn *conn, const char *owner, const struct queue_batch *b,
		  bool count_attempt, struct ebba_err *err);

/* Counts by state, for status and STATUS=. */
struct queue_counts {
	long pending, processing, decided, quarantined;
};
int queue_counts(PGconn *conn, struct queue_counts *out, struct ebba_err *err);

/*
 * Inserts one application; *inserted is false (and nothing changes) when
 * external_id exists already.
 */
int queue_insert(PGconn *conn, const char *external_id, const char *case_id,
		 const char *period, const char *payload, size_t len, bool *inserted,
		 struct ebba_err *err);

#endif
