/*
 * Retention (gallring), legal holds and the applicant's own copy
 * (schema/025_retention.sql; docs/retention.md).  Everything that removes
 * goes through ebba.retention_run, the one SECURITY DEFINER function that
 * may delete case data; everything here is SQL with parameters only.
 * The caller owns every buffer it passes; the rows handed to a callback
 * are valid only during the call.
 */
#ifndef EBBA_STORE_RETENTION_H
#define EBBA_STORE_RETENTION_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/* What retention does with a case past the limit: one closed set, named
 * by store_retention_verdict_name() as the database spells it. */
enum retention_verdict {
	RETENTION_REMOVE,         /* past the limit and nothing keeps it */
	RETENTION_KEEP_HOLD,      /* a legal hold */
	RETENTION_KEEP_BIRTHDAY,  /* the applicant or co-applicant born on a kept day */
	RETENTION_KEEP_ALL,       /* the municipality keeps every case */
	RETENTION_ACCESS_LOG,     /* not a case: the access log's old rows */
	RETENTION_N_VERDICTS
};
const char *store_retention_verdict_name(enum retention_verdict v);
/* The people's words for a verdict, Swedish. */
const char *store_retention_verdict_words(enum retention_verdict v);

/* The rules in force: the rule set's and the configuration's. */
struct retention_params {
	int years;                /* a case goes this long after its last entry */
	int keep_days[31];        /* days of birth whose cases are kept */
	size_t n_keep_days;
	bool keep_all;
	int access_log_years;
	int batch_size;
};

/* One row of a plan or a run.  table and removed are NULL/0 in a plan. */
struct retention_row {
	const char *case_id;      /* "" for the access log */
	const char *last_entry;   /* "YYYY-MM-DD", "" for the access log */
	enum retention_verdict verdict;
	const char *table;        /* run: the table removed from; plan: NULL */
	long long removed;        /* run: rows removed; plan: the access log's count */
};

typedef int (*retention_row_fn)(const struct retention_row *row, void *ctx);

/*
 * One call of ebba.retention_run: remove false is the plan (every case
 * past the limit, nothing changes); remove true removes at most one batch
 * of cases in one transaction and answers what it removed.  *n_rows is
 * the number of rows the call answered (0: nothing left).  fn may be NULL.
 */
int store_retention_call(PGconn *db, const struct retention_params *p, bool remove,
			 retention_row_fn fn, void *ctx, size_t *n_rows, struct ebba_err *err);

/* A legal hold on case_id with reason, by the session's person; refused
 * when the case is held already. */
int store_case_hold(PGconn *db, const char *case_id, const char *reason, struct ebba_err *err);
/* Releases case_id's hold; *found false when it had none. */
int store_case_release(PGconn *db, const char *case_id, bool *found, struct ebba_err *err);

/* One file of a person's archive: its path in the archive and its bytes. */
typedef int (*export_file_fn)(const char *path, const unsigned char *data, size_t len,
			      void *ctx);

/*
 * Everything ebba holds about the person pnr (12 digits), through
 * ebba.person_export, which logs the export in the same transaction:
 * each file to fn, then the ids of the decisions that have a letter into
 * *letters (the caller adds their PDFs; free each and the array).
 */
int store_person_export(PGconn *db, const char *pnr, const char *client, export_file_fn fn,
			void *ctx, char ***letters, size_t *n_letters, struct ebba_err *err);

#endif
