/*
 * A decision's outcome: a closed set, with one table of names (lib/outcome.c)
 * for the database's text, the pages' Swedish and the command line's.
 * ebba itself decides approved, referred or rejected; a person's decision
 * on a referral is approved, partly_approved (some part refused: delvis
 * bifall) or rejected (avslag).  Nothing here allocates.
 */
#ifndef EBBA_OUTCOME_H
#define EBBA_OUTCOME_H

#include <stdbool.h>

enum outcome {
	OUTCOME_APPROVED,
	OUTCOME_PARTLY_APPROVED,
	OUTCOME_REFERRED,
	OUTCOME_REJECTED,
	OUTCOME_COUNT
};

/* The database's and the API's name ("approved", "partly_approved", ...). */
const char *outcome_name(enum outcome o);
/* True and *out set when s is one of the names; false otherwise (s may be NULL). */
bool outcome_parse(const char *s, enum outcome *out);
/* The pages' Swedish: "Beviljat", "Delvis beviljat", "Hänvisat till handläggare", "Avslag". */
const char *outcome_sv(enum outcome o);
/* Short, for tables: "Beviljat", "Delvis bifall", "Hänvisat", "Avslag". */
const char *outcome_sv_short(enum outcome o);
/* Lower case, for the command line: "beviljad", "delvis beviljad", "hänvisad", "avslagen". */
const char *outcome_sv_word(enum outcome o);
/* The Swedish of a stored name; the name itself when it is none of them. */
const char *outcome_sv_of(const char *name);
/* True when name is o's name. */
bool outcome_is(const char *name, enum outcome o);

#endif
