/*
 * A person's decision run again and saved (decide/verdict.h), shared by
 * `ebbactl review resolve` with lines and ebba-web's Pröva: the referral's
 * inputs rebuilt as `ebbactl replay` rebuilds them (whatif_inputs), the
 * person's costs as the frame's ceilings, the rule set in rules_dir
 * deciding again; then the decision, its letter and its findings through
 * ebba.decide_referral (store/review.h) in one transaction.
 *
 * Ownership: verdict_run_init() once, verdict_run_free() once; everything
 * in the run is owned by it.
 */
#ifndef EBBA_WHATIF_VERDICT_RUN_H
#define EBBA_WHATIF_VERDICT_RUN_H

#include <libpq-fe.h>

#include "ebba/decide/decide.h"
#include "ebba/decide/verdict.h"
#include "ebba/store/decisions.h"
#include "ebba/whatif/whatif.h"

struct verdict_run {
	struct stored_decision s;
	bool loaded;
	struct ruleset *rules;
	struct app_parser *parser;
	struct whatif_inputs in;
	struct whatif_evidence *ev;
	struct cel_arena *arena;
	struct decision now;        /* the run again */
	enum outcome outcome;       /* what the lines give */
	bool already;               /* the referral was decided already */
};

void verdict_run_init(struct verdict_run *r);
void verdict_run_free(struct verdict_run *r);

/* Loads referral decision_id and its application only (the Pröva form's lines). */
int verdict_run_load(PGconn *conn, const char *decision_id, struct verdict_run *r, struct ebba_err *err);

/* Runs v again on the loaded referral with the rule set in rules_dir; fills
 * r->now and r->outcome, or fails saying why (r->already for a decided one). */
int verdict_run_decide(PGconn *conn, const struct ebba_config *cfg, const char *rules_dir,
		       struct verdict *v, struct verdict_run *r, struct ebba_err *err);

/* Saves the run: *resolved false when someone else decided it first. */
int verdict_run_save(PGconn *conn, const struct verdict_run *r, const struct verdict *v,
		     const char *decision_id, const char *verdict_word, const char *client,
		     bool *resolved, int64_t *new_id, char *by, size_t by_len, struct ebba_err *err);

#endif
