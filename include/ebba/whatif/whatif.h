/*
 * What-if (docs/architecture.md §12, DESIGN §12): ebba's stored decisions
 * of a window re-decided under a candidate rule set, from what each was
 * decided from -- the document as received, its stored inputs (the frame,
 * date and history, ebba.decision_inputs), the register evidence --
 * through the replay path: the stored
 * evidence as the register source and decide_application().  No register
 * is asked and nothing stored changes; the result says what would change.
 *
 * The stage comes after store: it reads decisions in batches
 * (store/whatif.h) and gives the programs (ebbactl whatif, ebba-web's
 * What-if page) one result to print, store and show.
 */
#ifndef EBBA_WHATIF_H
#define EBBA_WHATIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "ebba/decide/decide.h"
#include "ebba/facts/history.h"
#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"
#include "ebba/registers/registers.h"
#include "ebba/rules/rules.h"
#include "ebba/store/whatif.h"

/* ---- one stored decision's inputs, rebuilt (what replay decides from) ---------- */

struct whatif_inputs {
	struct application *app;
	struct case_frame frame;
	bool has_frame;
	struct reg_person *persons;       /* app->n_persons; NULL if !registers_configured */
	size_t cap_persons;
	bool registers_configured;
	const char *today;                /* the decision date (borrowed from the row) */
	struct json_t *reasons;           /* the stored register reasons, parsed (owned) */
	struct case_history *history;     /* the year's history as stored (allocated once) */
	bool has_history;
	/* scratch for parsing the stored SSBTEK answers (made at first use,
	 * kept from call to call: §14.15) */
	struct ssbtek_scratch *ssbtek_scratch;
};

/*
 * Rebuilds in from a stored decision: parser parses the document
 * (app_parser_new; one for many calls), the row's stored inputs
 * (ebba.decision_inputs) give the frame, the decision date, the year's
 * history and the per-person register reasons, ev the evidence rows; in
 * borrows the date from row, which must outlive it.  in is reused from call to call (whatif_inputs_clear
 * between, whatif_inputs_free at the end).  Fails (err in Swedish, for the
 * supervisor's list of what could not be re-decided) when the document does
 * not parse or the evidence does not give the registers' answers back.
 */
int whatif_inputs_build(struct app_parser *parser, const struct whatif_row *row,
			const struct whatif_evidence *ev, struct whatif_inputs *in,
			struct ebba_err *err);
void whatif_inputs_clear(struct whatif_inputs *in);
void whatif_inputs_free(struct whatif_inputs *in);

/* Decides in under env (env->registers_configured is taken from in). */
int whatif_redecide(const struct decide_env *env, const struct whatif_inputs *in,
		    struct decision *out, struct ebba_err *err);

/* ---- a run over a window ------------------------------------------------------------ */

enum { WHATIF_OUTCOMES = 3 };                /* approved, referred, rejected */
/* The outcomes ebba decides, in the order transitions[][] indexes them. */
extern const enum outcome WHATIF_OUTCOME[WHATIF_OUTCOMES];
/* The name o's index in WHATIF_OUTCOME, or -1 (a person's outcome such as
 * partly_approved, another name, or NULL). */
int whatif_outcome_index(const char *o);

struct whatif_check {
	char *id;
	int64_t fails_before, fails_after;       /* decisions whose check failed or erred */
};

struct whatif_change {
	int64_t decision_id;
	char case_id[65];                        /* the household */
	char period[8];                          /* the month decided, "YYYY-MM" */
	bool old_has_norm, new_has_norm;         /* the norm before and after: why an amount moved */
	int64_t old_norm, new_norm;
	char old_outcome[12], new_outcome[12];
	bool old_has_amount, new_has_amount;
	int64_t old_amount, new_amount;
	char *newly_failing;                     /* check ids joined by ",", "" if none */
};

struct whatif_skip {
	int64_t decision_id;
	char *why;                               /* Swedish, one line */
};

/* Everything a run found; whatif_result_free() frees what it holds. */
struct whatif_result {
	char sha256[65];                         /* the candidate's (rules.h) */
	char ruleset_name[64], ruleset_version[32];
	int64_t total;                           /* decisions in the window */
	int64_t protected_hidden;                /* of protected cases this person may not see:
						  * not in total, only counted (schema 023) */
	int64_t decided;                         /* re-decided (total - skipped) */
	int64_t changed;                         /* outcome, amount or failing checks differ */
	int64_t skipped;
	int64_t paid_before, paid_after;         /* sum of the approved amounts */
	int64_t transitions[WHATIF_OUTCOMES][WHATIF_OUTCOMES];   /* [from][to], from != to */
	struct whatif_check *checks;
	size_t n_checks;
	struct whatif_change *changes;           /* by decision id */
	size_t n_changes;
	struct whatif_skip *skips;               /* by decision id */
	size_t n_skips;
};

/* Called after each batch: done of total decisions so far. */
typedef void (*whatif_progress_fn)(void *ctx, int64_t done, int64_t total);

struct whatif_opts {
	const struct ruleset *candidate;         /* loaded once by the caller */
	const struct ebba_config *cfg;           /* allow_reject */
	struct whatif_window window;
	size_t batch_size;                       /* 0: 500 */
	whatif_progress_fn progress;             /* may be NULL */
	void *ctx;
	/*
	 * For a connection shared with others (ebba-web's session): when set,
	 * the run asks lock for the connection before each use and gives it
	 * back with unlock right after, so it holds it only while reading a
	 * batch, never while deciding one; conn is then not used.
	 */
	PGconn *(*lock)(void *ctx);
	void (*unlock)(void *ctx);
};

/*
 * Re-decides the decisions of the window that were stored when the run
 * began, batch by batch.  A decision that cannot be re-decided (its
 * document or evidence does not read back, or its period is before the
 * candidate's valid_from) is counted and listed in skips, never dropped.
 * Fails only for the database (*out then holds what was found so far and
 * must still be freed).
 */
int whatif_run(PGconn *conn, const struct whatif_opts *o, struct whatif_result *out,
	       struct ebba_err *err);
void whatif_result_free(struct whatif_result *r);

/*
 * Storing a run (ebba.whatif_runs, store/whatif.h): begin inserts it as
 * running for the connection's person, with the candidate's name and
 * SHA-256, the window and the values set (ov); end writes the result, or
 * with r NULL the failure.  Progress in between is store_whatif_run_progress.
 */
int whatif_store_begin(PGconn *conn, const char *candidate, const struct ruleset *rs,
		       const struct whatif_window *w, const struct ruleset_override *ov,
		       size_t n_ov, int64_t *id, struct ebba_err *err);
int whatif_store_end(PGconn *conn, int64_t id, const struct whatif_result *r, const char *error,
		     struct ebba_err *err);

/*
 * Under-paid: a stored approval whose amount the candidate computes higher
 * (the municipality owes the difference), whatever the candidate's outcome;
 * *diff is new - old.  For the under-payment report (ebbactl whatif
 * --under-paid) after a correction such as the official 2026 riksnorm.
 */
bool whatif_change_underpaid(const struct whatif_change *c, int64_t *diff);

/* The amount change: paid_after - paid_before. */
int64_t whatif_amount_delta(const struct whatif_result *r);

/* The result as JSON (what ebba.whatif_runs.result keeps), appended to out. */
void whatif_result_json(const struct whatif_result *r, struct ebba_buf *out);
/* Reads JSON made by whatif_result_json into *out (freed with whatif_result_free). */
int whatif_result_from_json(const char *json, size_t len, struct whatif_result *out,
			    struct ebba_err *err);

#endif
