/*
 * The SQL behind ebba-web's Sök and Hushåll (daemon/store/web_find.c):
 * finding a case by its number or by a person's identity number, and one
 * case over time.  Each runs on the person's own connection, so the grants
 * and row-level security decide what is found; each view and its
 * access-log row are one statement, so one transaction.
 *
 * Ownership: a json_t **out is a new reference the caller json_decref()s.
 * No answer holds an identity number, and none is ever logged: the search
 * logs the person's keyed hash (schema/026_find.sql), never the number.
 */
#ifndef EBBA_STORE_WEB_FIND_H
#define EBBA_STORE_WEB_FIND_H

#include <stdbool.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/error.h"

/*
 * The cases the 12-digit identity number pnr is in, looked up by its keyed
 * hash (ebba.case_people.pnr_key), logged as ('view', 'person_search',
 * the hash in hex): {"cases": [{case_id, roles: [...], period, outcome}]},
 * newest month first (the case's newest decision's month and outcome).
 */
int store_web_find_person(PGconn *db, const char *pnr, const char *client, json_t **out,
			  struct ebba_err *err);

/* Whether case case_id has a decision or a frame the person may see. */
int store_web_case_exists(PGconn *db, const char *case_id, bool *exists, struct ebba_err *err);

/*
 * Case case_id over time, logged as ('view', 'household', case_id):
 * {"case_id", "months": [{period, outcome, amount, amount_value,
 *  decisions: [{id, outcome, amount, decided_by, decider, by_ebba,
 *  decided_at, reviews, flags: [{kind, open, verdict}]}]}] (oldest month
 *  first; outcome and amount are the month's last decision's),
 *  "versions": [{version, updated_at, updated_by, changed: [keys]}]
 *  (newest first)}.  *out is NULL (and 0 returned) when the case has
 * neither a decision nor a frame the person may see.
 */
int store_web_household(PGconn *db, const char *case_id, const char *client, json_t **out,
			struct ebba_err *err);

#endif
