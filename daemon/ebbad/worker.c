/*
 * Works one claimed batch.  Everything between claim and completion runs
 * outside any transaction:
 *
 *   parse and validate every document (bad ones are quarantined)
 *   -> read the frames of all the batch's cases and each application's
 *      history of the year in one query
 *   -> every register look-up of the batch in flight at once
 *   -> decide each application into its decision record (decide.c)
 *   -> one fenced completion transaction with every result (queue_complete.c)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/decide/decide.h"
#include "ebba/lib/date.h"
#include "ebba/lib/log.h"
#include "ebba/lib/metrics.h"
#include "ebba/registers/registers.h"
#include "ebba/rules/rules.h"
#include "ebba/store/frames.h"
#include "ebba/store/queue.h"
#include "worker.h"
#include "ebba/lib/outcome.h"

/* What the worker works with; rebuilt whole on reload. */
struct worker_set {
	struct app_parser *parser;
	struct ruleset *rules;
	struct registers *regs;        /* NULL: no register URLs configured */
};

/* One application of the batch in hand. */
struct slot {
	const struct queue_item *item;
	struct application *app;       /* NULL when quarantined */
	char error[EBBA_ERR_MAX];      /* why it was quarantined */
	bool has_frame;
	struct case_frame frame;
	struct case_history *history;  /* the worker's, reused between batches */
	struct reg_person *persons;
};

/* The series the worker counts into, asked for once (worker_count_into). */
struct worker_metrics {
	struct metrics *m;
	struct metric_family *decisions, *referrals;
	struct metric *quarantined, *lost_leases, *batch_seconds;
	struct metric *outcomes[3];    /* OUTCOMES, made up front so each shows from 0 */
};

/* The outcomes ebba itself decides (a person's partly_approved is not counted here). */
static const enum outcome OUTCOMES[] = {OUTCOME_APPROVED, OUTCOME_REFERRED, OUTCOME_REJECTED};

struct worker {
	const struct ebba_config *cfg;
	struct worker_metrics *met;    /* NULL: not counted */
	char *owner;
	struct worker_set set;
	/* Scratch space (docs/architecture.md §14.15), one thread's, freed
	 * with the worker: the decisions' arena (and its text buffer, the
	 * rules' messages and trace) and the completions' COPY text.  The
	 * registers keep theirs (SSBTEK's XPath) in set.regs. */
	struct cel_arena *arena;
	struct queue_scratch *completing;
	struct slot *slots;
	struct decision *decisions;    /* one per slot, kept between batches */
	struct case_history *histories;   /* one per slot, kept between batches */
	struct queue_result *results;
	size_t slots_cap;
};

static void set_free(struct worker_set *s)
{
	app_parser_free(s->parser);
	ruleset_free(s->rules);
	registers_free(s->regs);
	*s = (struct worker_set){0};
}

static bool registers_configured(const struct ebba_config *cfg)
{
	return cfg->registers.ssbtek_url || cfg->registers.attendance_url;
}

/*
 * Says at every load which delegation automatic approvals rest on, or,
 * loudly, that there is none today and every application will be referred.
 */
static void log_delegation(const struct ruleset *rs, const char *dir)
{
	char today[DATE_BUF];
	date_today_local(today);
	struct ruleset_delegation_view v;
	if (!ruleset_delegation_in_force(rs, today, "approved", &v))
		log_warn("rules in %s: no delegation for automatic decisions is in force today (%s): "
			 "every application will be referred (\"%s\")", dir, today, RULE_DELEGATION_MESSAGE);
	else
		log_info("rules in %s: automatic approvals rely on the delegation %s%s", dir, v.label,
			 v.example ? "; it is the shipped example, replace it with the committee's own decision" : "");
}

static int set_build(struct worker_set *s, const struct ebba_config *cfg, struct ebba_err *err)
{
	*s = (struct worker_set){0};
	struct app_parse_opts opts = {.max_bytes = (size_t)cfg->max_document_bytes};
	struct ebba_buf diag = {0};
	s->parser = app_parser_new(&opts, err);
	if (!s->parser) {
		ebba_err_prefix(err, "application parser");
		goto fail;
	}
	if (ruleset_load(cfg->rules_dir, &s->rules, &diag, err) != 0) {
		/* err only counts the problems; the operator needs each
		 * file:line:col (log.c logs each line as its own entry). */
		if (diag.len)
			log_error("rules in %s: %s", cfg->rules_dir, diag.data);
		ebba_err_prefix(err, "rules in %s", cfg->rules_dir);
		goto fail;
	}
	if (diag.len)
		log_warn("rules in %s: %s", cfg->rules_dir, diag.data);
	log_delegation(s->rules, cfg->rules_dir);
	if (registers_configured(cfg) && registers_live_new(&cfg->registers, NULL, &s->regs, err) != 0) {
		ebba_err_prefix(err, "registers");
		goto fail;
	}
	buf_free(&diag);
	return 0;
fail:
	buf_free(&diag);
	set_free(s);
	return -1;
}

struct worker *worker_new(const struct ebba_config *cfg, const char *owner, struct ebba_err *err)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	w->owner = xstrdup(owner);
	w->arena = cel_arena_new();
	w->completing = store_queue_scratch_new();
	if (worker_reconfigure(w, cfg, err) != 0) {
		worker_free(w);
		return NULL;
	}
	return w;
}

int worker_reconfigure(struct worker *w, const struct ebba_config *cfg, struct ebba_err *err)
{
	struct worker_set fresh;
	if (set_build(&fresh, cfg, err) != 0)
		return -1;
	set_free(&w->set);
	w->set = fresh;
	w->cfg = cfg;
	if (w->met && w->set.regs)
		registers_count_into(w->set.regs, w->met->m);
	log_info("rule set %s %s (sha256 %.12s) loaded", ruleset_name(w->set.rules),
		 ruleset_version(w->set.rules), ruleset_sha256(w->set.rules));
	return 0;
}

void worker_adopt_config(struct worker *w, const struct ebba_config *cfg)
{
	w->cfg = cfg;
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	set_free(&w->set);
	cel_arena_free(w->arena);
	store_queue_scratch_free(w->completing);
	for (size_t i = 0; i < w->slots_cap; i++)
		decision_free(&w->decisions[i]);
	free(w->decisions);
	free(w->results);
	free(w->histories);
	free(w->slots);
	free(w->owner);
	free(w->met);
	free(w);
}

void worker_count_into(struct worker *w, struct metrics *m)
{
	static const char *const outcome[] = {"outcome", NULL};
	static const char *const reason[] = {"reason", NULL};
	struct worker_metrics *wm = xcalloc(1, sizeof(*wm));
	wm->m = m;
	wm->decisions = metrics_family(m, METRIC_COUNTER, "ebba_decisions_total",
		"Decisions written, by outcome.", outcome, NULL, 0);
	wm->referrals = metrics_family(m, METRIC_COUNTER, "ebba_referrals_total",
		"Failed checks of referred decisions, by check id (a decision may count for several).",
		reason, NULL, 0);
	wm->quarantined = metrics_counter(m, "ebba_documents_quarantined_total",
		"Inbox documents quarantined (did not parse or validate, or too many attempts).");
	wm->lost_leases = metrics_counter(m, "ebba_lost_leases_total",
		"Completed applications whose lease another worker had taken over (not decided here).");
	wm->batch_seconds = metric_series(metrics_family(m, METRIC_HISTOGRAM, "ebba_batch_duration_seconds",
		"Time to work one claimed batch, from parsing to the completing transaction.",
		NULL, NULL, 0), NULL);
	for (size_t i = 0; i < ARRAY_LEN(wm->outcomes); i++)
		wm->outcomes[i] = metric_series(wm->decisions, (const char *const[]){outcome_name(OUTCOMES[i])});
	free(w->met);
	w->met = wm;
	if (w->set.regs)
		registers_count_into(w->set.regs, m);
}

void worker_rules_id(const struct worker *w, const char **name, const char **version,
		     const char **sha256)
{
	*name = ruleset_name(w->set.rules);
	*version = ruleset_version(w->set.rules);
	*sha256 = ruleset_sha256(w->set.rules);
}

size_t worker_retry_checks(const struct worker *w, const char **ids, size_t max)
{
	size_t k = 0;
	struct ruleset_check_view v;
	for (size_t i = 0; k < max && ruleset_check(w->set.rules, i, &v) == 0; i++)
		if (v.retry_registers)
			ids[k++] = v.id;
	return k;
}

static void count_outcome(struct worker_metrics *wm, const char *outcome)
{
	for (size_t i = 0; i < ARRAY_LEN(wm->outcomes); i++)
		if (outcome_is(outcome, OUTCOMES[i])) {
			metric_inc(wm->outcomes[i]);
			return;
		}
	const char *v[] = {outcome};
	metric_inc(metric_series(wm->decisions, v));
}

/* What a completed batch adds to the metrics. */
static void count_batch(struct worker_metrics *wm, const struct queue_result *results, size_t n,
			long lost, uint64_t started)
{
	if (!wm)
		return;
	metric_observe(wm->batch_seconds, (double)(now_usec() - started) / 1e6);
	if (lost > 0) {
		/* Which rows were lost is not reported back: count only those. */
		metric_add(wm->lost_leases, (double)lost);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct decision *d = results[i].decision;
		if (results[i].state == QUEUE_QUARANTINED) {
			metric_inc(wm->quarantined);
			continue;
		}
		count_outcome(wm, d->outcome);
		enum outcome o;
		if (!outcome_parse(d->outcome, &o) || o != OUTCOME_REFERRED)
			continue;
		for (size_t c = 0; c < d->n_checks; c++)
			if (d->checks[c].result == RULE_FAIL || d->checks[c].result == RULE_ERROR) {
				const char *v[] = {d->checks[c].id};
				metric_inc(metric_series(wm->referrals, v));
			}
	}
}

static void parse_slot(struct worker *w, struct slot *s)
{
	const struct queue_item *it = s->item;
	struct ebba_err err;
	if (it->attempt > w->cfg->max_attempts) {
		snprintf(s->error, sizeof(s->error), "gave up after %d attempts to process it",
			 it->attempt - 1);
	} else if (!it->payload) {
		snprintf(s->error, sizeof(s->error), "document: %zu bytes, larger than the limit of %d bytes",
			 it->stored_len, w->cfg->max_document_bytes);
	} else if (app_parse(w->set.parser, it->payload, it->payload_len, &s->app, &err) != 0) {
		snprintf(s->error, sizeof(s->error), "%s", err.msg);
	} else {
		return;
	}
	char field[64];
	snprintf(field, sizeof(field), "EBBA_INBOX_ID=%lld", (long long)it->id);
	const char *fields[] = {field, NULL};
	log_fields(LOG_LVL_WARN, fields, "inbox %lld quarantined: %s", (long long)it->id, s->error);
}

/* The frames of every case in the batch and the histories, in one round trip. */
static int load_frames(struct worker *w, PGconn *conn, struct slot *slots, size_t n,
		       struct ebba_err *err)
{
	struct frame_slot *want = xcalloc(n, sizeof(*want));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		slots[i].history = &w->histories[i];
		if (slots[i].app)
			want[k++] = (struct frame_slot){.case_id = slots[i].app->case_id,
				.period = slots[i].app->period, .frame = &slots[i].frame,
				.found = &slots[i].has_frame, .history = slots[i].history};
	}
	int rc = store_frames_load_batch(conn, w->set.parser, want, k, err);
	free(want);
	return rc;
}

/* Sets *abandoned when a stop cut the look-ups short. */
static int fetch_registers(struct worker *w, struct slot *slots, size_t n,
			   const struct reg_fetch_ctl *ctl, bool *abandoned, struct ebba_err *err)
{
	*abandoned = false;
	if (!w->set.regs)
		return 0;
	struct reg_application *apps = xcalloc(n, sizeof(*apps));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct application *app = slots[i].app;
		if (!app)
			continue;
		slots[i].persons = xcalloc(app->n_persons, sizeof(struct reg_person));
		reg_application_init(&apps[k++], app, slots[i].persons);
	}
	int rc = registers_fetch(w->set.regs, apps, k, ctl, err);
	for (size_t i = 0; i < k; i++)
		*abandoned = *abandoned || apps[i].abandoned;
	free(apps);
	return rc;
}

/* Fills *r for the slot; false when it is left to be retried. */
static bool decide_slot(struct worker *w, struct slot *s, struct decision *rec, const char *today,
			struct queue_result *r, struct worker_stats *st)
{
	*r = (struct queue_result){.inbox_id = s->item->id, .attempt = s->item->attempt};
	if (!s->app) {
		st->quarantined++;
		r->state = QUEUE_QUARANTINED;
		r->error = s->error;
		return true;
	}
	struct decide_env env = {.rules = w->set.rules, .cfg = w->cfg, .arena = w->arena,
				 .registers_configured = w->set.regs != NULL, .draw_sample = true,
				 .history = s->history};
	struct ebba_err err;
	if (decide_application(&env, s->app, s->has_frame ? &s->frame : NULL, s->persons, today,
			       rec, &err) != 0) {
		/* Not a data problem (those become referrals): leave the row to be
		 * retried, and quarantined after max_attempts. */
		log_error("application %s: %s", s->app->id, err.msg);
		return false;
	}
	st->decided++;
	r->state = QUEUE_DECIDED;
	r->decision = rec;
	r->app = s->app;
	return true;
}

static void slots_release(struct slot *slots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (slots[i].persons && slots[i].app)
			for (size_t p = 0; p < slots[i].app->n_persons; p++)
				reg_person_clear(&slots[i].persons[p]);
		free(slots[i].persons);
		application_free(slots[i].app);
	}
}

/* Room for n slots; the decision records are set up once and reused. */
static void slots_reserve(struct worker *w, size_t n)
{
	if (n <= w->slots_cap)
		return;
	w->slots = xrealloc(w->slots, n * sizeof(*w->slots));
	w->decisions = xrealloc(w->decisions, n * sizeof(*w->decisions));
	w->results = xrealloc(w->results, n * sizeof(*w->results));
	w->histories = xrealloc(w->histories, n * sizeof(*w->histories));
	for (size_t i = w->slots_cap; i < n; i++)
		decision_init(&w->decisions[i]);
	w->slots_cap = n;
}

int worker_run_batch(struct worker *w, PGconn *conn, const struct queue_batch *batch,
		     const struct reg_fetch_ctl *ctl, struct worker_stats *stats,
		     struct ebba_err *err)
{
	size_t n = batch->count;
	uint64_t started = now_usec();
	slots_reserve(w, n);
	struct slot *slots = w->slots;
	memset(slots, 0, n * sizeof(*slots));
	/* A stopping daemon takes on no more of the batch once its grace time
	 * (shutdown_grace_ms) is up: what was begun is completed and ebbad
	 * releases the rest (service.h). */
	size_t begun = 0;
	for (; begun < n && now_usec() < reg_fetch_stop_deadline(ctl); begun++) {
		slots[begun].item = &batch->items[begun];
		parse_slot(w, &slots[begun]);
	}
	n = begun;
	if (n == 0)
		return 0;
	int rc = -1;
	bool abandoned;
	if (load_frames(w, conn, slots, n, err) != 0 ||
	    fetch_registers(w, slots, n, ctl, &abandoned, err) != 0)
		goto out;
	if (abandoned) {
		/* Unavailable only because we stopped waiting, which is no reason
		 * to refer anyone: ebbad gives the whole batch back. */
		rc = 0;
		goto out;
	}
	char today[11];
	date_today_local(today);
	struct worker_stats st = {0};
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (decide_slot(w, &slots[i], &w->decisions[i], today, &w->results[k], &st))
			k++;
	long completed = 0;
	rc = store_queue_complete(conn, w->owner, w->results, k, w->completing, &completed, err);
	if (rc != 0)
		goto out;
	long lost = (long)(st.decided + st.quarantined) - completed;
	count_batch(w->met, w->results, k, lost, started);
	if (lost > 0) {
		log_warn("%ld of %zu applications were no longer leased to us; another worker has them",
			 lost, n);
		/* Which ones is not reported back; count completed rows as decided. */
		stats->decided += completed;
		stats->lost_leases += lost;
	} else {
		stats->decided += st.decided;
		stats->quarantined += st.quarantined;
	}
out:
	slots_release(slots, n);
	return rc;
}
