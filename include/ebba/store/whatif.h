/*
 * What what-if reads (store/whatif.c): ebba's own stored decisions of a
 * window, in batches by id (keyset: each batch starts after the last id of
 * the one before), each with what it was decided from -- the document as
 * received, its inputs (ebba.decision_inputs, schema 032: the frame, date,
 * history and register reasons), the register evidence -- and the checks
 * it failed.  Read-only.
 */
#ifndef EBBA_STORE_WHATIF_H
#define EBBA_STORE_WHATIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/store/decision_inputs.h"
#include "ebba/lib/util.h"

/*
 * Which decisions: period "YYYY-MM" (the month applied for), and/or
 * decided from..to ("YYYY-MM-DD", both days included); NULL is open.
 */
struct whatif_window {
	const char *period, *from, *to;
};

/* A look-up's evidence row (SSBTEK or PLAN): the bytes as received. */
struct whatif_evidence {
	const char *source, *status, *person_ref;
	const char *raw;                  /* NUL-terminated too, for the parsers */
	size_t len;
};

/* One stored decision and its inputs; strings point into the batch. */
struct whatif_row {
	int64_t id;
	const char *id_text;
	const char *outcome;              /* "approved", "referred", "rejected" */
	bool has_amount;
	int64_t amount;
	const char *period;               /* "YYYY-MM" */
	const char *case_id;              /* the household's case */
	bool has_norm;
	int64_t norm;                     /* the norm it was decided with */
	const char *document;             /* the application as received (UTF-8 XML) */
	size_t document_len;
	/* Its inputs as stored apart from the trace (schema 032): the trace
	 * itself, ~9 kB of mostly the rules' own, is not read at all. */
	struct stored_inputs inputs;
	size_t first_fail, n_fails;       /* into the batch's fails: failed or erred checks */
	size_t first_evidence, n_evidence;/* into the batch's evidence (SSBTEK, PLAN rows) */
};

/* A batch; reused from one fetch to the next (its arrays and buffers grow). */
struct whatif_batch {
	struct whatif_row *rows;
	size_t n, cap;
	const char **fails;               /* check ids */
	size_t n_fails, cap_fails;
	struct whatif_evidence *evidence;
	size_t n_evidence, cap_evidence;
	PGresult *res[3];
};

/*
 * The decisions' ids go up to *last_id (the newest when the run started)
 * and there are *count of them in the window: a run sees the decisions
 * that were there when it began, even while ebbad keeps deciding.
 */
int store_whatif_window_count(PGconn *conn, const struct whatif_window *w, int64_t *last_id,
			int64_t *count, struct ebba_err *err);

/* How many of ebba's decisions in the window are of protected cases this
 * session may not see (schema 023): not re-decided, only counted. */
int store_whatif_window_hidden(PGconn *conn, const struct whatif_window *w, int64_t *hidden,
			 struct ebba_err *err);

/*
 * The next at most limit decisions of the window with after < id <= last_id,
 * by id, into b (whatever it held is dropped); b->n == 0 at the end.
 */
int store_whatif_batch_fetch(PGconn *conn, const struct whatif_window *w, int64_t after,
		       int64_t last_id, size_t limit, struct whatif_batch *b, struct ebba_err *err);
void store_whatif_batch_free(struct whatif_batch *b);

/* ---- ebba.whatif_runs: stored runs (schema/007_whatif_runs.sql) -------------------- */

/*
 * A new run, status "running", by the connection's person (the database
 * writes who and when).  candidate names the rule set (a directory under
 * whatif_rules_dir, or a path); parameters_json is a JSON array of
 * {"name", "value"} (NULL: none).
 */
int store_whatif_run_insert(PGconn *conn, const char *candidate, const char *sha256,
		      const struct whatif_window *w, const char *parameters_json, int64_t *id,
		      struct ebba_err *err);
int store_whatif_run_progress(PGconn *conn, int64_t id, int64_t done, int64_t total,
			struct ebba_err *err);
/* Done with result_json, or failed with error (result_json NULL); once. */
int store_whatif_run_finish(PGconn *conn, int64_t id, const char *result_json, const char *error,
		      struct ebba_err *err);

/* A run's state: ebba.whatif_runs.status (schema 007's check) as
 * ebba.whatif_run_status() reads it, running with no progress for ten
 * minutes being stalled (schema 012).  One table of names
 * (store/whatif_runs.c). */
enum whatif_run_status {
	WHATIF_RUN_RUNNING,
	WHATIF_RUN_DONE,
	WHATIF_RUN_FAILED,
	WHATIF_RUN_STALLED,
	WHATIF_RUN_STATUS_COUNT
};
const char *store_whatif_run_status_name(enum whatif_run_status s);   /* "running", "done", ... */
/* True and *out set when s is one of the names; false otherwise (s may be NULL). */
bool store_whatif_run_status_parse(const char *s, enum whatif_run_status *out);

/* A stored run; "" for what is NULL. */
struct whatif_run_row {
	const char *id, *created_at, *created_by, *candidate, *sha256, *period, *from, *to;
	const char *parameters;          /* JSON array */
	enum whatif_run_status status;
	int64_t done, total;
	const char *finished_at, *error;
	const char *progress_at;         /* when the run last wrote anything */
	const char *result;              /* JSON (whatif_result_json), "" until done */
};
struct whatif_runs {
	struct whatif_run_row *rows;
	size_t n;
	PGresult *res;
};
/* The run id (one row, or none), or with id NULL the latest limit runs
 * without their results, newest first. */
int store_whatif_runs_load(PGconn *conn, const char *id, size_t limit, struct whatif_runs *out,
		     struct ebba_err *err);
void store_whatif_runs_free(struct whatif_runs *r);

#endif
