/*
 * Stickprov's view model (daemon/store/web_flags.c): the open audit flags,
 * 100 a page, the realised sample rate per outcome, and the latest
 * resolved flags, from one query on the person's own connection.
 *
 * Ownership: a struct web_flags_view is the caller's; its strings and
 * lists belong to it and live until store_web_flags_view_free(), which frees
 * them all (and is safe on a zeroed or already freed view).
 */
#ifndef EBBA_STORE_WEB_FLAGS_H
#define EBBA_STORE_WEB_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/decide/decision.h"
#include "ebba/lib/audit_verdict.h"
#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"

/* An open flag and the decision it is on. */
struct web_flag_open {
	int64_t id;
	enum decision_flag_kind kind;
	const char *reason;
	const char *created;       /* "YYYY-MM-DD HH:MI" */
	int64_t decision_id;
	const char *case_id;
	const char *period;
	enum outcome outcome;
	bool has_amount;
	int64_t amount;            /* kronor, when has_amount */
};

/* ebba's decisions of one outcome and how many of them a sample drew. */
struct web_flag_rate {
	enum outcome outcome;
	int64_t decided;
	int64_t sampled;
	double percent;            /* rounded to one decimal; 0 when decided is 0 */
};

struct web_flag_resolved {
	int64_t id;
	enum decision_flag_kind kind;
	int64_t decision_id;
	enum audit_verdict verdict;
	const char *verdict_note;  /* a not-ok verdict's note; NULL for none */
	const char *resolved_by;
	const char *resolved_at;
};

struct web_flags_view {
	struct web_flag_open *flags;       /* this page, oldest first */
	size_t n_flags;
	int64_t open;                      /* all open flags */
	bool has_next;
	int64_t next;                      /* the flag to ask the next page after */
	struct web_flag_rate *rates;       /* by outcome's name */
	size_t n_rates;
	struct web_flag_resolved *resolved;  /* the latest 20, newest first */
	size_t n_resolved;
	json_t *doc_;                      /* private: the strings point into it */
};

/* The page after flag `after`, or from flag `from` on (NULL, or not an id,
 * for neither). */
int store_web_flags(PGconn *db, const char *after, const char *from, struct web_flags_view *out,
		    struct ebba_err *err);

/* Unpacks doc (the query's document; the view takes the reference, also
 * on failure) into *out: a key missing or extra, or a name outside its
 * closed set, is an error naming it. */
int store_web_flags_view_unpack(json_t *doc, struct web_flags_view *out, struct ebba_err *err);

void store_web_flags_view_free(struct web_flags_view *v);

#endif
