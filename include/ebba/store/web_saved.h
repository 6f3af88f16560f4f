/*
 * The page after a person saves a decision (Arbetskö's ?sparat=ID, and the
 * decision page's "Beslutet är sparat"): the saved decision as a typed view
 * (architecture.md §14.13, "Page view models"), read on the person's own
 * connection.
 *
 * Ownership: the strings of a struct web_saved_view point into the view's
 * own document; they live until store_web_saved_view_free(), which releases
 * everything the view holds (and may be called on a zeroed view).
 */
#ifndef EBBA_STORE_WEB_SAVED_H
#define EBBA_STORE_WEB_SAVED_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"

struct web_saved_view {
	int64_t id;
	const char *case_id;
	const char *period;          /* "YYYY-MM" */
	enum outcome outcome;
	bool has_amount;             /* a rejection has no amount */
	int64_t amount;              /* whole kronor */
	const char *decided_by;
	const char *decided_at;      /* "YYYY-MM-DD HH:MI" */
	json_t *doc_;                /* private: the strings live here */
};

/* A person's decision id (one that reviews a referral) into *out; *found
 * false (and 0) when id is no such decision. */
int store_web_saved(PGconn *db, const char *id, struct web_saved_view *out, bool *found,
		    struct ebba_err *err);
/* The query's document doc (whose reference the view takes, whatever the
 * answer) into *out: what store_web_saved() does with its answer. */
int store_web_saved_view_read(json_t *doc, struct web_saved_view *out, struct ebba_err *err);
void store_web_saved_view_free(struct web_saved_view *v);

#endif
