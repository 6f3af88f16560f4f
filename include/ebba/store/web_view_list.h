/*
 * Helpers for the pages' typed view models (store/web_<page>.c): a list
 * in a query's document unpacked into an array of structs, one element at
 * a time with store_web_unpack(), and a nullable id.
 *
 * Ownership: *items is a new array (xcalloc) the view frees, and *n its
 * length, set even when an element fails (the elements not reached stay
 * zeroed), so the view's *_free() releases whatever was filled; the
 * strings the elements point to live in the document.
 */
#ifndef EBBA_STORE_WEB_VIEW_LIST_H
#define EBBA_STORE_WEB_VIEW_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ebba/decide/decision.h"
#include "ebba/lib/audit_verdict.h"
#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"

/* The views' ids and counts are int64_t and jansson's "I" writes a
 * json_int_t: the two must be one size. */
_Static_assert(sizeof(json_int_t) == sizeof(int64_t), "json_int_t is not 64 bits");

/* Fills one element (elem points to a zeroed struct) from item. */
typedef int (*web_unpack_one)(json_t *item, void *elem, struct ebba_err *err);

/* Unpacks the JSON list list (what names it in an error) into *items, an
 * array of *n structs of elem_size bytes each. */
int store_web_unpack_list(json_t *list, const char *what, size_t elem_size, web_unpack_one one,
			  void **items, size_t *n, struct ebba_err *err);

/* An integer (an id, an amount) that may be null: *has false (and *value
 * 0) for null, else the integer; anything else is an error naming what. */
int store_web_unpack_opt_int(const json_t *v, const char *what, bool *has, int64_t *value,
			     struct ebba_err *err);

/* A string that may be null (jansson's unpack has no nullable "s"): *out
 * NULL for null, else the string (in the document); anything else is an
 * error naming what. */
int store_web_unpack_opt_str(const json_t *v, const char *what, const char **out, struct ebba_err *err);

/* A closed set's name as the SQL returns it, parsed into its enum; a name
 * that is none of the set's is an error naming what and the name. */
int store_web_parse_outcome(const char *name, const char *what, enum outcome *out,
			    struct ebba_err *err);
int store_web_parse_flag_kind(const char *name, const char *what,
			      enum decision_flag_kind *out, struct ebba_err *err);
/* A flag's stored verdict, "name" or "name: note" (schema 014): *note
 * NULL or the note (in the document). */
int store_web_parse_verdict(const char *stored, const char *what, enum audit_verdict *out,
			    const char **note, struct ebba_err *err);

/* Whether s is a decision id as the pages take one: 1 to 18 digits. */
bool store_web_is_id(const char *s);

#endif
