/*
 * One application from "what the registers answered" to the decision
 * record (decision.h) that store_queue_complete() writes.  The daemon, `ebbactl calc` and
 * `ebbactl replay` all decide through decide_application(), so an offline
 * calculation and a replay are the daemon's own decision, not an imitation.
 */
#ifndef EBBA_DECIDE_H
#define EBBA_DECIDE_H

#include <stdbool.h>

#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/cel/cel.h"
#include "ebba/decide/decision.h"
#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "ebba/registers/registers.h"
#include "ebba/rules/rules.h"

struct decide_env {
	const struct ruleset *rules;
	const struct ebba_config *cfg;      /* allow_reject, audit secret */
	struct cel_arena *arena;            /* reset by decide_application */
	bool registers_configured;          /* false: no look-ups were made */
	bool draw_sample;                   /* false for replay: keep the recorded draw */
	/* The case's earlier decisions of the year (facts/history.h), stored in
	 * the trace so a replay sees them as they stood; NULL: none available
	 * (the trace says so). */
	const struct case_history *history;
	const char *person_letter;          /* decision_inputs.person_letter (facts.h) */
	/* A person's decision run again (decide/verdict.h): for each income
	 * type marked (INCOME_TYPE_COUNT entries), the registers' payments are
	 * taken to be what the application declares, the person having
	 * established that amount; NULL for ebba's own decisions. */
	const bool *income_as_declared;
	bool untraced;                      /* true for what-if: out->trace stays empty */
};

/*
 * Decides app into *out, which must have been through decision_init();
 * whatever it held is dropped (its memory is reused).  frame may be NULL
 * (no frame for the case); persons is app->n_persons entries of what the
 * registers answered (may be NULL when !registers_configured), and must
 * outlive the use of *out: its evidence bytes are borrowed (decision.h).
 * today is "YYYY-MM-DD".  On failure *out holds no decision.
 */
int decide_application(const struct decide_env *env, const struct application *app,
		       const struct case_frame *frame, const struct reg_person *persons,
		       const char *today, struct decision *out, struct ebba_err *err);

#endif
