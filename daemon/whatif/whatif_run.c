/*
 * A what-if run (include/ebba/whatif/whatif.h): the window's decisions in
 * batches, each re-decided under the candidate, compared with what was
 * stored, and summed up.  One parser, one arena, one decision record and
 * one batch serve the whole run; nothing grows with the window but the
 * lists of changed and skipped decisions.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/whatif/whatif.h"

const enum outcome WHATIF_OUTCOME[WHATIF_OUTCOMES] = {OUTCOME_APPROVED, OUTCOME_REFERRED,
						       OUTCOME_REJECTED};

int whatif_outcome_index(const char *o)
{
	enum outcome k;
	for (int i = 0; outcome_parse(o, &k) && i < WHATIF_OUTCOMES; i++)
		if (WHATIF_OUTCOME[i] == k)
			return i;
	return -1;
}

int64_t whatif_amount_delta(const struct whatif_result *r)
{
	return r->paid_after - r->paid_before;
}

void whatif_result_free(struct whatif_result *r)
{
	for (size_t i = 0; i < r->n_checks; i++)
		free(r->checks[i].id);
	free(r->checks);
	for (size_t i = 0; i < r->n_changes; i++)
		free(r->changes[i].newly_failing);
	free(r->changes);
	for (size_t i = 0; i < r->n_skips; i++)
		free(r->skips[i].why);
	free(r->skips);
	*r = (struct whatif_result){0};
}

/* The run's count for check id, added at the end if it is new. */
static struct whatif_check *check_of(struct whatif_result *r, const char *id, size_t *cap)
{
	for (size_t i = 0; i < r->n_checks; i++)
		if (strcmp(r->checks[i].id, id) == 0)
			return &r->checks[i];
	if (r->n_checks == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		r->checks = xrealloc(r->checks, *cap * sizeof(*r->checks));
	}
	r->checks[r->n_checks] = (struct whatif_check){.id = xstrdup(id)};
	return &r->checks[r->n_checks++];
}

struct run {
	struct whatif_result *r;
	size_t cap_checks, cap_changes, cap_skips;
	struct app_parser *parser;
	struct whatif_inputs in;
	struct decision now;
	struct decide_env env;
	struct ebba_buf newly;
};

static void skip(struct run *run, const struct whatif_row *row, const char *why)
{
	struct whatif_result *r = run->r;
	if (r->n_skips == run->cap_skips) {
		run->cap_skips = run->cap_skips ? run->cap_skips * 2 : 16;
		r->skips = xrealloc(r->skips, run->cap_skips * sizeof(*r->skips));
	}
	r->skips[r->n_skips++] = (struct whatif_skip){.decision_id = row->id, .why = xstrdup(why)};
	r->skipped++;
}

static bool failed(enum rule_result res)
{
	return res == RULE_FAIL || res == RULE_ERROR;
}

static bool failed_before(const struct whatif_batch *b, const struct whatif_row *row,
			  const char *id)
{
	for (size_t k = 0; k < row->n_fails; k++)
		if (strcmp(b->fails[row->first_fail + k], id) == 0)
			return true;
	return false;
}

/* Counts the checks; run->newly gets the ids failing now and not before.
 * Returns whether the set of failing checks differs. */
static bool count_checks(struct run *run, const struct whatif_batch *b, const struct whatif_row *row)
{
	struct whatif_result *r = run->r;
	const struct decision *now = &run->now;
	size_t fails_now = 0, kept = 0;
	run->newly.len = 0;
	if (run->newly.data)
		run->newly.data[0] = '\0';
	for (size_t k = 0; k < row->n_fails; k++)
		check_of(r, b->fails[row->first_fail + k], &run->cap_checks)->fails_before++;
	for (size_t k = 0; k < now->n_checks; k++) {
		const struct decision_check *c = &now->checks[k];
		struct whatif_check *wc = check_of(r, c->id, &run->cap_checks);
		if (!failed(c->result))
			continue;
		wc->fails_after++;
		fails_now++;
		if (failed_before(b, row, c->id))
			kept++;
		else
			buf_printf(&run->newly, "%s%s", run->newly.len ? "," : "", c->id);
	}
	return kept != row->n_fails || fails_now != row->n_fails;
}

static void record_change(struct run *run, const struct whatif_row *row)
{
	struct whatif_result *r = run->r;
	if (r->n_changes == run->cap_changes) {
		run->cap_changes = run->cap_changes ? run->cap_changes * 2 : 64;
		r->changes = xrealloc(r->changes, run->cap_changes * sizeof(*r->changes));
	}
	struct whatif_change *c = &r->changes[r->n_changes++];
	*c = (struct whatif_change){.decision_id = row->id, .old_has_amount = row->has_amount,
		.old_amount = row->amount, .new_has_amount = run->now.has_amount,
		.new_amount = run->now.amount, .old_has_norm = row->has_norm, .old_norm = row->norm,
		.new_has_norm = run->now.has_amount, .new_norm = run->now.norm,
		.newly_failing = xstrdup(run->newly.data ? run->newly.data : "")};
	snprintf(c->case_id, sizeof(c->case_id), "%s", row->case_id ? row->case_id : "");
	snprintf(c->period, sizeof(c->period), "%s", row->period ? row->period : "");
	snprintf(c->old_outcome, sizeof(c->old_outcome), "%s", row->outcome);
	snprintf(c->new_outcome, sizeof(c->new_outcome), "%s", run->now.outcome);
	r->changed++;
}

static void compare(struct run *run, const struct whatif_batch *b, const struct whatif_row *row)
{
	struct whatif_result *r = run->r;
	const struct decision *now = &run->now;
	int from = whatif_outcome_index(row->outcome), to = whatif_outcome_index(now->outcome);
	if (from == 0 && row->has_amount)
		r->paid_before += row->amount;
	if (to == 0 && now->has_amount)
		r->paid_after += now->amount;
	bool checks_differ = count_checks(run, b, row);
	bool outcome_differs = from != to;
	bool amount_differs = row->has_amount != now->has_amount ||
			      (row->has_amount && row->amount != now->amount);
	if (outcome_differs && from >= 0 && to >= 0)
		r->transitions[from][to]++;
	if (outcome_differs || amount_differs || checks_differ)
		record_change(run, row);
}

static void one(struct run *run, const struct whatif_batch *b, const struct whatif_row *row)
{
	struct ebba_err err;
	const char *valid_from = ruleset_valid_from(run->env.rules);
	if (strcmp(row->period, valid_from) < 0) {
		char why[160];
		snprintf(why, sizeof(why), "regeluppsättningen gäller från %s, beslutet avser %s",
			 valid_from, row->period);
		skip(run, row, why);
		return;
	}
	int rc = whatif_inputs_build(run->parser, row, &b->evidence[row->first_evidence], &run->in,
				     &err);
	if (rc == 0 && whatif_redecide(&run->env, &run->in, &run->now, &err) != 0)
		rc = ebba_err_prefix(&err, "kunde inte beslutas på nytt");
	if (rc == 0) {
		run->r->decided++;
		compare(run, b, row);
	} else {
		skip(run, row, err.msg);
	}
	whatif_inputs_clear(&run->in);
}

/*
 * The connection: the caller's lock when it shares it (ebba-web), else a
 * mutex of the run's own, since the next batch is read by another thread
 * while progress may be written on the same connection.
 */
struct guard {
	PGconn *conn;
	const struct whatif_opts *o;
	pthread_mutex_t mu;
};

static PGconn *take(struct guard *g)
{
	if (g->o->lock)
		return g->o->lock(g->o->ctx);
	pthread_mutex_lock(&g->mu);
	return g->conn;
}

static void give_back(struct guard *g)
{
	if (g->o->unlock)
		g->o->unlock(g->o->ctx);
	else if (!g->o->lock)
		pthread_mutex_unlock(&g->mu);
}

static void report(struct guard *g, int64_t done, int64_t total)
{
	if (!g->o->progress)
		return;
	/* ebba-web's progress takes its own lock; ebbactl's writes on conn. */
	if (!g->o->lock)
		pthread_mutex_lock(&g->mu);
	g->o->progress(g->o->ctx, done, total);
	if (!g->o->lock)
		pthread_mutex_unlock(&g->mu);
}

/*
 * One batch read, in a thread of its own while the batch before it is
 * decided: reading was a sixth of a run's wall time (three queries for
 * 500 decisions, about 40 ms), spent waiting with the CPU idle.
 */
struct fetch {
	struct guard *g;
	int64_t after, last_id;
	size_t limit;
	struct whatif_batch *b;
	int rc;
	struct ebba_err err;
};

static void *fetch_main(void *arg)
{
	struct fetch *f = arg;
	f->rc = store_whatif_batch_fetch(take(f->g), &f->g->o->window, f->after, f->last_id, f->limit,
				   f->b, &f->err);
	give_back(f->g);
	return NULL;
}

static int batches(PGconn *conn, const struct whatif_opts *o, struct run *run, struct ebba_err *err)
{
	struct guard g = {.conn = conn, .o = o};
	pthread_mutex_init(&g.mu, NULL);
	int64_t last_id, total, done = 0;
	int64_t hidden = 0;
	PGconn *c = take(&g);
	int rc = store_whatif_window_count(c, &o->window, &last_id, &total, err);
	if (rc == 0)
		rc = store_whatif_window_hidden(c, &o->window, &hidden, err);
	give_back(&g);
	run->r->protected_hidden = hidden;
	struct whatif_batch b[2] = {{0}};
	int cur = 0;
	size_t limit = o->batch_size ? o->batch_size : 500;
	struct fetch f = {.g = &g, .last_id = last_id, .limit = limit, .b = &b[0]};
	if (rc == 0) {
		run->r->total = total;
		report(&g, 0, total);
		fetch_main(&f);
		if ((rc = f.rc) != 0)
			*err = f.err;
	}
	while (rc == 0 && b[cur].n > 0) {
		const struct whatif_batch *now = &b[cur];
		f = (struct fetch){.g = &g, .after = now->rows[now->n - 1].id, .last_id = last_id,
				   .limit = limit, .b = &b[1 - cur]};
		pthread_t t;
		bool threaded = pthread_create(&t, NULL, fetch_main, &f) == 0;
		for (size_t i = 0; i < now->n; i++)
			one(run, now, &now->rows[i]);
		done += (int64_t)now->n;
		report(&g, done, total);
		if (threaded)
			pthread_join(t, NULL);
		else
			fetch_main(&f);
		if ((rc = f.rc) != 0)
			*err = f.err;
		cur = 1 - cur;
	}
	store_whatif_batch_free(&b[0]);
	store_whatif_batch_free(&b[1]);
	pthread_mutex_destroy(&g.mu);
	return rc;
}

int whatif_run(PGconn *conn, const struct whatif_opts *o, struct whatif_result *out,
	       struct ebba_err *err)
{
	*out = (struct whatif_result){0};
	const struct ruleset *rs = o->candidate;
	snprintf(out->sha256, sizeof(out->sha256), "%s", ruleset_sha256(rs));
	snprintf(out->ruleset_name, sizeof(out->ruleset_name), "%s", ruleset_name(rs));
	snprintf(out->ruleset_version, sizeof(out->ruleset_version), "%s", ruleset_version(rs));
	struct run run = {.r = out};
	run.parser = app_parser_new(NULL, err);
	if (!run.parser)
		return -1;
	decision_init(&run.now);
	struct cel_arena *arena = cel_arena_new();
	run.env = (struct decide_env){.rules = rs, .cfg = o->cfg, .arena = arena,
				      .untraced = true};
	int rc = batches(conn, o, &run, err);
	buf_free(&run.newly);
	whatif_inputs_free(&run.in);
	decision_free(&run.now);
	cel_arena_free(arena);
	app_parser_free(run.parser);
	return rc;
}

bool whatif_change_underpaid(const struct whatif_change *c, int64_t *diff)
{
	if (strcmp(c->old_outcome, "approved") != 0 || !c->old_has_amount || !c->new_has_amount ||
	    c->new_amount <= c->old_amount)
		return false;
	*diff = c->new_amount - c->old_amount;
	return true;
}
