/*
 * What Komplettering's form (ebba-web's /beslut/ID/komplettering) reads of
 * a decision (daemon/store/web_completion.c): its case and period, and
 * whether a komplettering may still be asked for it.  One statement on the
 * person's own connection, so a decision the person may not see (a
 * protected case, schema 023) is no decision.
 *
 * Ownership: a struct web_completion_view filled here keeps the document
 * its strings point into; the caller releases it with
 * store_web_completion_view_free(), after which none of its strings may be used.
 */
#ifndef EBBA_STORE_WEB_COMPLETION_H
#define EBBA_STORE_WEB_COMPLETION_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"

/* Komplettering's view model (architecture.md §14.13, "Page view models"). */
struct web_completion_view {
	int64_t id;
	const char *case_id;
	const char *period;          /* "YYYY-MM" */
	enum outcome outcome;
	bool open;                   /* ebba's own, nobody has reviewed it, not decided again */
	bool requested;              /* a komplettering was asked already (once a referral) */
	json_t *doc_;                /* the query's document: the strings live in it */
};

/* Decision id (digits); *found false (and 0) when there is no such
 * decision the person may see. */
int store_web_completion(PGconn *db, const char *id, struct web_completion_view *out, bool *found,
			 struct ebba_err *err);

/* Unpacks store_web_completion's document into out, which then keeps a
 * reference to doc.  Exposed for the unit test. */
int store_web_completion_view_unpack(json_t *doc, struct web_completion_view *out, struct ebba_err *err);

/* Releases what v holds; v is then empty. */
void store_web_completion_view_free(struct web_completion_view *v);

#endif
