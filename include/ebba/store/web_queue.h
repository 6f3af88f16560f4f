/*
 * Arbetskö's view model (daemon/store/web_queue.c): the decisions a person
 * still has to look at, 100 a page, the queue's counts, the cases waiting
 * for a komplettering; each from one query on the person's own connection.
 *
 * Ownership: a struct web_queue_view is the caller's;
 * its strings and lists belong to it and live until its *_free(), which
 * frees them all (and is safe on a zeroed or already freed view).
 */
#ifndef EBBA_STORE_WEB_QUEUE_H
#define EBBA_STORE_WEB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/decide/decision.h"
#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"

/* The queue's filters; NULL or "" means no filter. */
struct web_queue_filter {
	const char *outcome;     /* "referred", "approved", "rejected" */
	const char *flag;        /* "sample", "targeted" */
	const char *check;       /* a check id that failed (or erred) */
	const char *period;      /* "YYYY-MM" */
	const char *older_than;  /* whole days since the application arrived */
	const char *after;       /* a decision id: the page after it (keyset) */
	const char *assigned;    /* "mina": taken by the person; "otilldelade": by nobody */
};

struct web_queue_row {
	int64_t id;                 /* the decision */
	const char *case_id;
	const char *period;
	const char *received;       /* "YYYY-MM-DD HH:MI" */
	int64_t age_days;
	bool has_amount;
	int64_t amount;             /* kronor, when has_amount */
	enum outcome outcome;
	const char *reason;         /* the first failed check's message; NULL for none */
	bool expired;               /* its komplettering's deadline passed unanswered */
	const char *holder;         /* who has taken the case; NULL for nobody */
	enum decision_flag_kind *flags;   /* its open audit flags */
	size_t n_flags;
};

/* A case waiting for the applicant's komplettering. */
struct web_queue_waiting {
	int64_t id;
	const char *case_id;
	const char *period;
	const char *deadline;       /* "YYYY-MM-DD" */
};

struct web_queue_reason {
	const char *check;          /* a check id that failed or erred */
	int64_t count;
};

struct web_queue_flag_count {
	enum decision_flag_kind kind;
	int64_t count;
};

struct web_queue_view {
	struct web_queue_row *rows;          /* this page, oldest first */
	size_t n_rows;
	int64_t shown;
	bool has_next;
	int64_t next;                        /* the decision to ask the next page after */
	int64_t total;                       /* the whole queue, not the filter */
	struct web_queue_waiting *waiting;   /* earliest deadline first */
	size_t n_waiting;
	struct web_queue_reason *reasons;    /* most first */
	size_t n_reasons;
	struct web_queue_flag_count *flags;  /* by kind's name */
	size_t n_flags;
	const char **checks;                 /* the check ids that failed, by id */
	size_t n_checks;
	const char **periods;                /* newest first */
	size_t n_periods;
	json_t *doc_;                        /* private: the strings point into it */
};

/* The queue as f filters it (the counts are over the whole queue). */
int store_web_queue(PGconn *db, const struct web_queue_filter *f, struct web_queue_view *out,
		    struct ebba_err *err);

/* Unpacks doc (the query's document; the view takes the reference, also
 * on failure) into *out: a key missing or extra, or a name outside its
 * closed set, is an error naming it. */
int store_web_queue_view_unpack(json_t *doc, struct web_queue_view *out, struct ebba_err *err);

void store_web_queue_view_free(struct web_queue_view *v);

/* The decision a person just saved: include/ebba/store/web_saved.h. */

#endif
