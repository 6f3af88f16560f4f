/*
 * Hushåll's SQL and view model (daemon/store/web_household.c): one case
 * over time, every month's decisions and the frame's versions, from one
 * statement on the person's own connection that also writes the view's
 * access-log row ('view', 'household', case_id).
 *
 * Ownership: a struct web_household_view is the caller's; its strings and
 * lists belong to it and live until store_web_household_view_free(), which frees
 * them all (and is safe on a zeroed or already freed view).  No answer
 * holds an identity number: the household is the case's.
 */
#ifndef EBBA_STORE_WEB_HOUSEHOLD_H
#define EBBA_STORE_WEB_HOUSEHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/decide/decision.h"
#include "ebba/lib/audit_verdict.h"
#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"

struct web_household_flag {
	enum decision_flag_kind kind;
	bool open;
	bool has_verdict;              /* false while open */
	enum audit_verdict verdict;
	const char *verdict_note;      /* a not-ok verdict's note; NULL for none */
};

struct web_household_decision {
	int64_t id;
	enum outcome outcome;
	bool has_amount;
	int64_t amount;                /* kronor, when has_amount */
	const char *decided_by;
	const char *decider;           /* a person's name and title; NULL for ebba's */
	bool by_ebba;
	const char *decided_at;        /* "YYYY-MM-DD HH:MI" */
	bool has_reviews;
	int64_t reviews;               /* the referral a person's decision reviews */
	struct web_household_flag *flags;
	size_t n_flags;
};

/* A month: its outcome and amount are its last decision's. */
struct web_household_month {
	const char *period;
	enum outcome outcome;
	bool has_amount;
	int64_t amount;
	struct web_household_decision *decisions;   /* in the order they were made */
	size_t n_decisions;
};

struct web_household_version {
	int64_t version;
	const char *updated_at;
	const char *updated_by;
	const char *updater;           /* the person's name; NULL when unknown */
	const char **changed;          /* the frame's top-level keys it changed, by key */
	size_t n_changed;
};

struct web_household_view {
	const char *case_id;
	struct web_household_month *months;       /* oldest first */
	size_t n_months;
	struct web_household_version *versions;   /* newest first */
	size_t n_versions;
	json_t *doc_;                             /* private: the strings point into it */
};

/* *found false (and the view empty) when the case has neither a decision
 * nor a frame the person may see. */
int store_web_household(PGconn *db, const char *case_id, const char *client,
			struct web_household_view *out, bool *found, struct ebba_err *err);

/* Unpacks doc (the query's document; the view takes the reference, also
 * on failure) into *out: a key missing or extra, or a name outside its
 * closed set, is an error naming it. */
int store_web_household_view_unpack(json_t *doc, struct web_household_view *out, struct ebba_err *err);

void store_web_household_view_free(struct web_household_view *v);

#endif
