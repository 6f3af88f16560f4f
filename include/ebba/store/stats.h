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
 * without such a decision is judged by its verdict: adjust or reject
 * (ebbactl review), or not-ok, "Beslutet var fel" (the web's Stickprov).
 *
 * A check is one to tune (store_stats_to_tune) when at least STATS_TUNE_SHARE of
 * its decided referrals (as applied + adjusted + rejected), and at least
 * STATS_TUNE_MIN_DECIDED of them, were approved as applied: it sends
 * people applications they then approve unchanged.
 */
#ifndef EBBA_STORE_STATS_H
#define EBBA_STORE_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

struct stats_check {
	const char *check_id;
	const char *period;        /* YYYY-MM, the application's period */
	long referred, as_applied, adjusted, rejected, open;
	/* decided again by ebba, no person needed: the applicant completed
	 * it or a register came back (schemas 027, 029); not open */
	long redecided;
};

enum { STATS_AUDIT_SAMPLE, STATS_AUDIT_TARGETED, STATS_AUDIT_KINDS };

struct stats_audit {
	const char *kind;          /* "sample" | "targeted" */
	long raised, resolved, found_error;
};

#define STATS_TUNE_SHARE 0.90
#define STATS_TUNE_MIN_DECIDED 10

/* One period (the applications' YYYY-MM) of the audit and sample counts,
 * for trends; the same definitions as the report's totals. */
struct stats_period {
	const char *period;
	struct stats_audit audit[STATS_AUDIT_KINDS];
	long auto_approved, sampled_approved;
};

struct stats_report {
	struct stats_check *checks;   /* ordered by the check's place in the rule set, then period */
	size_t n_checks;
	struct stats_audit audit[STATS_AUDIT_KINDS];
	long auto_approved;           /* ebba's approvals */
	long sampled_approved;        /* of those, with a sample flag */
	struct stats_period *periods; /* every period with an ebba decision, oldest first */
	size_t n_periods;
	PGresult *res;                /* owns the strings of checks */
	PGresult *res_periods;        /* owns the strings of periods */
};

/*
 * Fills out for the decisions whose period lies in [from, to] (YYYY-MM,
 * inclusive; NULL leaves that end open).  The caller frees out with
 * store_stats_report_free, also after a failure.
 */
int store_stats_collect(PGconn *conn, const char *from, const char *to, struct stats_report *out,
		  struct ebba_err *err);

void store_stats_report_free(struct stats_report *r);

/*
 * The periods that have an ebba decision, newest first, at most max: *out
 * is a NULL-terminated array the caller frees with store_stats_periods_free.
 */
int store_stats_periods(PGconn *conn, int max, char ***out, struct ebba_err *err);
void store_stats_periods_free(char **periods);

/* Whether a check with these counts over a window is one to tune. */
bool store_stats_to_tune(long decided, long as_applied);

#endif
