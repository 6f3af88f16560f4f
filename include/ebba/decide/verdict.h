/*
 * A person's decision on a referral, line by line (issue 25): each cost
 * accepted up to an amount, each failed check accepted or rejected, each
 * with a reason from the rule set's catalogue, or the whole application
 * rejected for one reason.  The amount is the rule set's, run again with
 * the person's costs as the frame's ceilings (verdict_apply_frame, then
 * decide_application); the outcome follows from the lines
 * (verdict_outcome), never typed separately.  verdict_letter writes the
 * letter's text with the markup of docs/letters.md.
 *
 * Ownership: verdict_init() once, verdict_free() once; the lines' strings
 * are copies owned by the verdict.
 */
#ifndef EBBA_DECIDE_VERDICT_H
#define EBBA_DECIDE_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "ebba/decide/decision.h"
#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"
#include "ebba/lib/util.h"
#include "ebba/rules/rules.h"

#define VERDICT_MAX_LINES 32

/* A cost accepted up to an amount, a failed check accepted or rejected, an
 * income counted at an amount (above what was declared, it refuses part of
 * the application as a cost accepted below what was applied for does). */
enum verdict_kind { VERDICT_COST, VERDICT_CHECK, VERDICT_INCOME };
#define VERDICT_KIND_COUNT 3

/* A line's kind as the findings document names it ("cost", "check",
 * "income"); the parse is true with the kind, false for another name. */
const char *verdict_kind_name(enum verdict_kind kind);
bool verdict_kind_parse(const char *name, enum verdict_kind *out);

struct verdict_line {
	enum verdict_kind kind;
	char *name;                 /* the cost or income type ("rent", "salary") or the check id */
	int64_t amount;             /* cost: accepted; income: counted; whole kronor */
	int64_t applied;            /* cost: applied for; income: declared (verdict_check fills it) */
	bool reject;                /* check: rejected on (else accepted) */
	char *reason;               /* a catalogue id, or NULL */
};

struct verdict {
	struct verdict_line lines[VERDICT_MAX_LINES];
	size_t n_lines;
	char *reason;               /* a whole avslag's reason, or NULL */
	char *note;                 /* the person's own words, or NULL */
	bool accept_open;           /* approve: every failed check no line decides is accepted */
};

void verdict_init(struct verdict *v);
void verdict_free(struct verdict *v);

/* Adds "TYPE=AMOUNT[:REASON]" (a cost or an income) or "CHECK_ID=accept|reject[:REASON]". */
int verdict_add(struct verdict *v, enum verdict_kind kind, const char *arg, struct ebba_err *err);

/*
 * Checks the lines against the application and the catalogue: a known
 * cost or income type the application has, a reason the catalogue has, a
 * reason for every cost accepted below what was applied for, every income
 * counted above what was declared and every rejected check.  Fills each
 * cost line's applied and each income line's declared amount.
 */
int verdict_check(struct verdict *v, const struct application *app, const struct ruleset *rs,
		  struct ebba_err *err);

/* The outcome the lines intend before the run again (for the letter's head). */
enum outcome verdict_intended(const struct verdict *v);

/*
 * For a plain approval (`--verdict approve` without lines): adds an accept
 * line for every check that failed in the run again d and that no line
 * decides, so that the findings name each check the person accepted.
 */
void verdict_accept_open(struct verdict *v, const struct ruleset *rs, const struct decision *d);

/* The frame for the run again: each cost line's amount becomes the cost's ceiling. */
void verdict_apply_frame(const struct verdict *v, struct case_frame *frame);

/*
 * The facts for the run again: each income line's amount becomes what was
 * declared of that type (the first person who declared it has it all, the
 * others none; app's incomes are the run's own copy), and the type is
 * marked in as_declared (INCOME_TYPE_COUNT entries, for
 * decide_env.income_as_declared: the registers are taken to have paid it),
 * so the rule set counts that amount and finds declared and register
 * agreeing.
 */
void verdict_apply_incomes(const struct verdict *v, struct application *app, bool *as_declared);

/*
 * The outcome the lines give with the run again's decision d: rejected
 * when the whole or a check is rejected, or nothing is left to grant;
 * partly_approved when a cost is accepted below what was applied for or
 * an income counted above what was declared;
 * approved otherwise.  Fails, naming it, for a check that failed in d and
 * that no line decides (a check is decided by a --check line, or by a
 * cost line whose reason the catalogue gives for that check).
 */
int verdict_outcome(const struct verdict *v, const struct ruleset *rs, const struct decision *d,
		    enum outcome *out, struct ebba_err *err);

/* The findings as JSON text for the database (ebba.decide_referral), malloc'd. */
char *verdict_findings_json(const struct verdict *v, const char *referring_sha256,
			    const char *ruleset_sha256);

/* Who decided, for the letter. */
struct verdict_person {
	const char *name;           /* display name, or the role */
	const char *title;          /* "socialsekreterare", or NULL */
};

/*
 * The letter's text for the person's decision d (the run again) with
 * outcome o, as of date (YYYY-MM-DD): the decision, the calculation, each
 * refused part with its reason sentence and provision, the person's own
 * words, who decided, and how to appeal (the rule set's text) when it goes
 * against the applicant.
 */
void verdict_letter(const struct verdict *v, const struct ruleset *rs, const struct application *app,
		    const struct decision *d, enum outcome o, const struct verdict_person *who,
		    const char *date, struct ebba_buf *out);

#endif
