/*
 * Evaluating a loaded rule set, shared by deciding (rules_eval.c) and the
 * dry run at load (rules_dryrun.c); not an API.
 */
#ifndef EBBA_RULES_EVAL_H
#define EBBA_RULES_EVAL_H

#include "ebba/cel/cel.h"
#include "ebba/facts/facts.h"
#include "rules_impl.h"

/* param_entry[i]: the index of parameter i's value in force, or one of these. */
enum {
	RS_PARAM_UNUSED = -2,          /* not looked up yet: not in the trace */
	RS_PARAM_NONE_IN_FORCE = -1,   /* looked up, no value from before the period */
};

/* derived_state[i]; RS_DERIVED_NOT_YET is 0 so that the arena's zeroed
 * memory starts every derived fact unevaluated. */
enum rs_derived_state {
	RS_DERIVED_NOT_YET = 0,
	RS_DERIVED_COMPUTING,          /* seen again while computing: it depends on itself */
	RS_DERIVED_DONE,
};

/*
 * One decision's evaluation state: facts, parameters and derived facts are
 * resolved lazily, each at most once, into caches in the arena.
 */
struct rs_eval {
	const struct ruleset *rs;
	const struct decision_inputs *in;
	struct cel_arena *arena;
	char period_start[11];
	struct cel_value *facts;      /* cache, rs->n_facts */
	unsigned char *fact_done;
	struct cel_value *params;     /* cache, rs->n_params */
	int *param_entry;             /* RS_PARAM_UNUSED, RS_PARAM_NONE_IN_FORCE, else index */
	struct cel_value *derived;
	unsigned char *derived_state; /* enum rs_derived_state, a byte each */
	struct cel_activation act;    /* resolves through the caches */
	struct cel_value item;        /* `item` while a letter paragraph's list is rendered */
};

/* Sets e up for deciding in with rs; everything lives in arena. */
void rs_eval_init(struct rs_eval *e, const struct ruleset *rs, const struct decision_inputs *in,
		  struct cel_arena *arena);
/* The value of derived fact i (evaluated on first use). */
struct cel_value rs_eval_derived(struct rs_eval *e, size_t i);

/*
 * The approval letter into out: letters.approved, the reasons paragraphs
 * (each also into d->paragraphs) and letters.closing (rules_letter.c).
 */
void rs_letter_render(struct rs_eval *e, struct rule_decision *d, struct ebba_buf *out);

/*
 * ebba's own request for documents (rules_request.c): when d is a referral
 * whose every failed check has outcome complete, its documents, deadline
 * and letter into d (b is scratch); else nothing.
 */
void rs_auto_request(struct rs_eval *e, struct rule_decision *d, struct ebba_buf *b);

/* The decision date: the inputs' today, else the period's first day. */
const char *rs_eval_date(const struct rs_eval *e);

/*
 * Tries every expression of rs on a sample household and reports, as
 * errors in d, the mistakes the compiler cannot see (rules_dryrun.c).
 */
void rs_dry_run(struct ruleset *rs, struct rs_diags *d);

#endif
