/*
 * The case's history: its earlier decisions of the calendar year (ebba's
 * and caseworkers'), with the incomes each application declared per person
 * and type.  The rules read it for the income the law does not count
 * (docs/fact-model.md `history`, docs/income-disregards.md): a child's
 * work income is free up to a yearly limit, so what the child earned in
 * the year's earlier months matters.
 *
 * The year is the calendar year of the *income month* (the month before
 * the period): the decision for January counts December's income, which
 * belongs to the year before.  case_history_window() gives the periods
 * that make up the history of an application.
 *
 * Where it comes from: ebbad reads it with the case frames
 * (store/frames.h), `ebbactl calc` from `--history FILE`, a rule test from
 * its `history:` key, `ebbactl replay` from the decision's stored trace.
 * The JSON form (case_history_to_json, the --history file, the trace):
 *
 *   {"year": 2021,
 *    "decisions": [
 *      {"period": "2021-07", "outcome": "approved", "amount": 8260, "by": "ebba",
 *       "incomes": {"200406152389": {"salary": 6000}}}]}
 *
 * "amount" may be null (a referral without an amount); "by" is "ebba" or
 * the caseworker's role name; "incomes" is per identity number and income
 * type (docs/application.md), absent or {} when nothing was declared.
 *
 * Ownership: a plain value with fixed-size arrays; owns no memory.  It is
 * large (some kB): allocate it with the batch, not on a small stack.
 */
#ifndef EBBA_HISTORY_H
#define EBBA_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/intake/application.h"
#include "ebba/lib/error.h"
#include "ebba/lib/pnr.h"

#define HISTORY_MAX_DECISIONS 48      /* a year of ebba's decisions and reviews, with room */
#define HISTORY_MAX_INCOMES 256
#define HISTORY_BY_MAX 64             /* a role name */

struct history_decision {
	char period[8];                   /* "YYYY-MM" */
	char outcome[16];                 /* outcome_name(): "approved" ... "partly_approved" */
	bool has_amount;
	int64_t amount;
	char by[HISTORY_BY_MAX];          /* "ebba" or the caseworker */
};

struct history_income {
	size_t decision;                  /* index into decisions */
	char pnr[PNR_BUF];
	enum income_type type;
	int64_t amount;
};

struct case_history {
	int year;                         /* the calendar year of the income month */
	size_t n_decisions;
	struct history_decision decisions[HISTORY_MAX_DECISIONS];
	size_t n_incomes;
	struct history_income incomes[HISTORY_MAX_INCOMES];
};

/*
 * The history of an application for period ("YYYY-MM", validated) covers
 * the decisions with from <= period < to: from is February of the income
 * month's year, to the period itself.  *year is that year.
 */
void case_history_window(const char *period, char from[8], int *year);

/* An empty history for an application of period. */
void case_history_init(struct case_history *h, const char *period);

/*
 * Appends a decision; amount is ignored unless has_amount.  Fails when the
 * history is full or a field is not what it should be (period YYYY-MM,
 * outcome one of the three).
 */
int case_history_add_decision(struct case_history *h, const char *period, const char *outcome,
			      bool has_amount, int64_t amount, const char *by,
			      struct ebba_err *err);

/* Appends an income of the last decision added (amount > 0 only). */
int case_history_add_income(struct case_history *h, const char *pnr, enum income_type type,
			    int64_t amount, struct ebba_err *err);

/* Appends every declared income of app to the last decision added. */
int case_history_add_application(struct case_history *h, const struct application *app,
				 struct ebba_err *err);

/*
 * What pnr declared of type in the history's months: each period counted
 * once (ebba's decision and the caseworker's review of it declare the
 * same application), the first decision of a period with incomes giving
 * that period's figures.
 */
int64_t case_history_income(const struct case_history *h, const char *pnr, enum income_type type);

/* The JSON form above, compact.  malloc'd. */
char *case_history_to_json(const struct case_history *h);

/*
 * Parses the JSON form (a --history file, a stored trace's "history") for
 * an application of period: decisions outside case_history_window() are
 * left out (a file may hold a longer history), and "year", when given,
 * is not checked (it is recomputed).  name is used in messages.
 */
int case_history_from_json(const char *name, const char *json, size_t len, const char *period,
			   struct case_history *out, struct ebba_err *err);

/* Reads path and parses it as case_history_from_json. */
int case_history_load(const char *path, const char *period, struct case_history *out,
		      struct ebba_err *err);

#endif
