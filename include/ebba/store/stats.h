/*
 * Rule health (ebbactl stats, docs/rules.md "Regelhälsa"): read-only counts
 * over ebba's decisions and what people then decided.  Every count comes
 * from one snapshot (a read-only, repeatable-read transaction), so the
 * sections of one report agree with each other.
 *
 * Definitions (the caseworker's decision is the ebba.decisions row with
 * reviews_decision_id = ebba's decision; the first one counts):
 *   referred             ebba's decision is referred and the check failed
 *                        or had an error in it (a referral failing two
 *                        checks counts for both)
 *   approved_as_applied  the caseworker approved with exactly the amount
 *                        ebba computed (both without an amount counts)
 *   adjusted             the caseworker approved with another amount
 *   rejected             the caseworker rejected
 *   open                 no caseworker decision that approves or rejects yet
 * An audit flag found an error when the decision that resolved it did not
 * let ebba's decision stand (not approved as applied); a flag resolved
 * without such a decision is judged by its verdict (adjust or reject).
 */
#ifndef EBBA_STORE_STATS_H
#define EBBA_STORE_STATS_H

#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

struct stats_check {
	const char *check_id;
	const char *period;        /* YYYY-MM, the application's period */
	long referred, as_applied, adjusted, rejected, open;
};

enum { STATS_AUDIT_SAMPLE, STATS_AUDIT_TARGETED, STATS_AUDIT_KINDS };

struct stats_audit {
	const char *kind;          /* "sample" | "targeted" */
	long raised, resolved, found_error;
};

struct stats_report {
	struct stats_check *checks;   /* ordered by the check's place in the rule set, then period */
	size_t n_checks;
	struct stats_audit audit[STATS_AUDIT_KINDS];
	long auto_approved;           /* ebba's approvals */
	long sampled_approved;        /* of those, with a sample flag */
	PGresult *res;                /* owns the strings of checks */
};

/*
 * Fills out for the decisions whose period lies in [from, to] (YYYY-MM,
 * inclusive; NULL leaves that end open).  The caller frees out with
 * stats_report_free, also after a failure.
 */
int stats_collect(PGconn *conn, const char *from, const char *to, struct stats_report *out,
		  struct ebba_err *err);

void stats_report_free(struct stats_report *r);

#endif
