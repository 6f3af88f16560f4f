/*
 * One claimed batch, from inbox rows to the completing statement:
 * parse and validate each document, decide it, and write every result in
 * one fenced transaction (store_queue_complete).
 */
#ifndef EBBA_WORKER_H
#define EBBA_WORKER_H

#include <libpq-fe.h>

#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "ebba/registers/registers.h"
#include "ebba/store/queue.h"

struct worker;

struct worker_stats {
	long decided;        /* decisions written */
	long quarantined;
	long lost_leases;    /* rows whose lease had been taken over */
};

/*
 * Sets up everything cfg names (document parser, rule set, register
 * client).  cfg must outlive the worker.  NULL with err on failure.
 */
struct worker *worker_new(const struct ebba_config *cfg, const char *owner, struct ebba_err *err);
void worker_free(struct worker *w);

/*
 * Reload, in two steps so that a failure changes nothing: reconfigure
 * builds everything cfg names beside the running set and swaps it in only
 * if all of it loaded; then the caller, having replaced its config with
 * cfg, calls adopt so the worker points at the caller's copy.
 */
int worker_reconfigure(struct worker *w, const struct ebba_config *cfg, struct ebba_err *err);
void worker_adopt_config(struct worker *w, const struct ebba_config *cfg);

/*
 * Counts from now on into m (docs/architecture.md §13), which must outlive
 * the worker: decisions by outcome, referrals by failed check, quarantined
 * documents, lost leases, batch durations, and the register client's
 * look-ups (registers_count_into(), again after every reload).
 */
struct metrics;
void worker_count_into(struct worker *w, struct metrics *m);

/* The running rule set's name, version and SHA-256 (valid until the next
 * reconfigure). */
void worker_rules_id(const struct worker *w, const char **name, const char **version,
		     const char **sha256);

/*
 * The running rule set's checks marked retry: registers, up to max of
 * them into ids (pointers into the rule set, valid until the next
 * reconfigure); returns how many.
 */
size_t worker_retry_checks(const struct worker *w, const char **ids, size_t max);

/*
 * Processes and completes one batch; adds to *stats.  ctl (may be NULL)
 * is the caller's stop deadline and keepalive: once the deadline has
 * passed no further application is begun, and register look-ups still in
 * flight are abandoned, in which case nothing of the batch is completed
 * (0 is returned: the caller releases the batch).
 */
int worker_run_batch(struct worker *w, PGconn *conn, const struct queue_batch *batch,
		     const struct reg_fetch_ctl *ctl, struct worker_stats *stats,
		     struct ebba_err *err);

#endif
