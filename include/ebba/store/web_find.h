/*
 * Sök's SQL and view model (daemon/store/web_find.c): finding a case by
 * its number or by a person's identity number.  Each runs on the person's
 * own connection, so the grants and row-level security decide what is
 * found; the search and its access-log row are one statement, so one
 * transaction.  (Hushåll, one case over time: web_household.h.)
 *
 * Ownership: a struct web_find_view is the caller's; its strings and
 * lists belong to it and live until store_web_find_view_free(), which frees them
 * all (and is safe on a zeroed or already freed view).  No answer holds an
 * identity number, and none is ever logged: the search logs the person's
 * keyed hash (schema/026_find.sql), never the number.
 */
#ifndef EBBA_STORE_WEB_FIND_H
#define EBBA_STORE_WEB_FIND_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/case_role.h"
#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"

/* A case the person searched for is in. */
struct web_find_case {
	const char *case_id;
	enum case_role *roles;      /* by name */
	size_t n_roles;
	bool decided;               /* the case has a decision: period and outcome are its newest's */
	const char *period;         /* NULL when not decided */
	enum outcome outcome;       /* when decided */
};

struct web_find_view {
	struct web_find_case *cases;   /* newest month first */
	size_t n_cases;
	json_t *doc_;                  /* private: the strings point into it */
};

/*
 * The cases the 12-digit identity number pnr is in, looked up by its keyed
 * hash (ebba.case_people.pnr_key), logged as ('view', 'person_search',
 * the hash in hex).
 */
int store_web_find_person(PGconn *db, const char *pnr, const char *client,
			  struct web_find_view *out, struct ebba_err *err);

/* Unpacks doc (the query's document; the view takes the reference, also
 * on failure) into *out: a key missing or extra, or a name outside its
 * closed set, is an error naming it. */
int store_web_find_view_unpack(json_t *doc, struct web_find_view *out, struct ebba_err *err);

void store_web_find_view_free(struct web_find_view *v);

/* Whether case case_id has a decision or a frame the person may see. */
int store_web_case_exists(PGconn *db, const char *case_id, bool *exists, struct ebba_err *err);

#endif
