/*
 * One application from "what the registers answered" to the decision
 * record that queue_complete() writes.  The daemon, `ebbactl calc` and
 * `ebbactl replay` all decide through decide_application(), so an offline
 * calculation and a replay are the daemon's own decision, not an imitation.
 */
#ifndef EBBA_DECIDE_H
#define EBBA_DECIDE_H

#include <stdbool.h>

#include <jansson.h>

#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/cel/cel.h"
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
};

/*
 * Decides app.  frame may be NULL (no frame for the case); persons is
 * app->n_persons entries of what the registers answered (may be NULL when
 * !registers_configured).  today is "YYYY-MM-DD".  On success *out is a new
 * JSON object with the decisions columns and arrays "checks", "evidence",
 * "flags", an optional "letter" and a "trace" holding everything replay
 * needs besides the stored document and evidence (the frame, the date).
 * For speed the trace is JSON text in a string (not an object) and each
 * evidence's bytes are hex in "raw_hex"; queue_complete_results() writes
 * both as they are.
 */
int decide_application(const struct decide_env *env, const struct application *app,
		       const struct case_frame *frame, const struct reg_person *persons,
		       const char *today, json_t **out, struct ebba_err *err);

#endif
