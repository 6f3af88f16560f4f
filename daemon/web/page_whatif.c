/*
 * What-if (supervisors, docs/architecture.md §12): a candidate rule set --
 * one of the directories under whatif_rules_dir, or the running rules_dir,
 * with parameter values typed into the form -- against ebba's stored
 * decisions of a period.  The run is stored (ebba.whatif_runs) and done by
 * a thread of its own on the person's own connection, which it takes only
 * while it reads a batch (whatif.h, opts.lock), so neither this person's
 * other pages nor anybody else's wait for it.  Its page refreshes itself
 * (a meta refresh, no script) until the result is there: the transitions,
 * the amount change, the per-check counts and every changed household with
 * a link to its decision.
 */
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ebba/lib/date.h"
#include "ebba/lib/log.h"
#include "ebba/store/web_whatif.h"
#include "ebba/whatif/whatif.h"
#include "pages.h"
#include "request.h"
#include "session.h"
#include "ebba/lib/outcome.h"

#define MAX_SETS 3           /* parameter rows in the form */
#define MAX_RUNNING 2        /* runs at once: each keeps a core busy */
#define MAX_CANDIDATES 64
#define MAX_SHOWN 1000       /* changed households listed on the page */

static atomic_int running;

/* ---- candidates ------------------------------------------------------------------ */

static bool plain_name(const char *s)
{
	if (!*s || *s == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The subdirectories of whatif_rules_dir, sorted (malloc'd; free_names). */
static size_t candidates(char **names)
{
	const char *dir = request_config()->whatif_rules_dir;
	DIR *dp = dir && *dir ? opendir(dir) : NULL;
	size_t n = 0;
	struct dirent *de;
	while (dp && (de = readdir(dp)) && n < MAX_CANDIDATES) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (plain_name(de->d_name) && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			names[n++] = xstrdup(de->d_name);
	}
	if (dp)
		closedir(dp);
	qsort(names, n, sizeof(*names), name_cmp);
	return n;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

/* ---- the form ------------------------------------------------------------------ */

struct form {
	const char *candidate;                   /* "" the running rules */
	const char *period;
	struct ruleset_override sets[MAX_SETS];
	const char *names[MAX_SETS], *values[MAX_SETS];
	size_t n_sets;
};

static void read_form(const struct web_request *rq, struct form *f)
{
	const char *c = web_form(rq, "kandidat"), *p = web_form(rq, "period");
	f->candidate = c ? c : "";
	f->period = p ? p : "";
	for (int i = 0; i < MAX_SETS; i++) {
		char pk[16], vk[16];
		snprintf(pk, sizeof(pk), "parameter%d", i + 1);
		snprintf(vk, sizeof(vk), "varde%d", i + 1);
		const char *name = web_form(rq, pk), *value = web_form(rq, vk);
		f->names[i] = name ? name : "";
		f->values[i] = value ? value : "";
		if (*f->names[i] && *f->values[i])
			f->sets[f->n_sets++] = (struct ruleset_override){f->names[i], f->values[i]};
	}
}

/* The running rule set's parameter names, for the form's lists. */
static json_t *param_names(const char *selected)
{
	json_t *a = json_array();
	struct ruleset *rs = NULL;
	struct ebba_err e;
	if (ruleset_load(request_config()->rules_dir, &rs, NULL, &e) != 0)
		return a;
	struct ruleset_param_view p;
	for (size_t i = 0; ruleset_param(rs, i, &p) == 0; i++)
		json_array_append_new(a, json_pack("{s:s,s:b}", "name", p.name,
						   "selected", selected && strcmp(selected, p.name) == 0));
	ruleset_free(rs);
	return a;
}

static const char *status_text(enum whatif_run_status status)
{
	switch (status) {
	case WHATIF_RUN_DONE: return "klar";
	case WHATIF_RUN_FAILED: return "misslyckades";
	case WHATIF_RUN_STALLED: return "avbruten";
	default: return "pågår";
	}
}

static json_t *runs_json(const struct web_request *rq, struct ebba_err *err)
{
	struct whatif_runs runs;
	if (store_whatif_runs_load(rq->db, NULL, 20, &runs, err) != 0)
		return NULL;
	json_t *a = json_array();
	for (size_t i = 0; i < runs.n; i++) {
		const struct whatif_run_row *r = &runs.rows[i];
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "id", r->id,
			"created_at", r->created_at, "created_by", r->created_by, "candidate", r->candidate,
			"period", *r->period ? r->period : "alla", "status", status_text(r->status),
			"running", r->status == WHATIF_RUN_RUNNING));
	}
	store_whatif_runs_free(&runs);
	return a;
}

static int form_page(const struct web_request *rq, struct web_response *rs, const struct form *f,
		     json_t *problems, const char *notice, struct ebba_err *err)
{
	char *names[MAX_CANDIDATES];
	size_t n = candidates(names);
	json_t *cands = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(cands, json_pack("{s:s,s:b}", "name", names[i], "selected",
						       f && strcmp(f->candidate, names[i]) == 0));
	free_names(names, n);
	json_t *rows = json_array();
	for (int i = 0; i < MAX_SETS; i++)
		json_array_append_new(rows, json_pack("{s:i,s:s,s:o}", "n", i + 1, "value",
			f ? f->values[i] : "", "params", param_names(f ? f->names[i] : NULL)));
	json_t *runs = runs_json(rq, err);
	if (!runs) {
		json_decref(cands);
		json_decref(rows);
		json_decref(problems);
		return -1;
	}
	const char *dir = request_config()->whatif_rules_dir;
	json_t *ctx = json_pack("{s:s,s:o,s:b,s:o,s:s,s:o,s:b}", "rules_dir", request_config()->rules_dir,
		"candidates", cands, "no_candidates", json_array_size(cands) == 0, "rows", rows,
		"period", f ? f->period : "", "runs", runs, "no_runs", json_array_size(runs) == 0);
	json_object_set_new(ctx, "whatif_dir", json_string(dir && *dir ? dir : ""));
	if (problems) {
		json_object_set_new(ctx, "has_problems", json_true());
		json_object_set_new(ctx, "problems", problems);
	}
	if (notice)
		json_object_set_new(ctx, "notice", json_string(notice));
	int rc = web_page(rq, rs, "What-if", "whatif", ctx, err);
	json_decref(ctx);
	return rc;
}

int page_whatif(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	return form_page(rq, rs, NULL, NULL, NULL, err);
}

/* ---- the run, in a thread of its own -------------------------------------------- */

struct job {
	struct sess *sess;
	struct ruleset *rs;
	char period[8];
	int64_t id;
};

static PGconn *job_lock(void *ctx)
{
	return sess_lock(((struct job *)ctx)->sess);
}

static void job_unlock(void *ctx)
{
	sess_unlock(((struct job *)ctx)->sess);
}

static void job_progress(void *ctx, int64_t done, int64_t total)
{
	struct job *j = ctx;
	struct ebba_err err;
	if (store_whatif_run_progress(job_lock(j), j->id, done, total, &err) != 0)
		log_warn("ebba-web: %s", err.msg);
	job_unlock(j);
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct whatif_opts o = {.candidate = j->rs, .cfg = request_config(),
		.window = {.period = j->period[0] ? j->period : NULL}, .progress = job_progress,
		.ctx = j, .lock = job_lock, .unlock = job_unlock};
	struct whatif_result r;
	struct ebba_err err, serr;
	int rc = whatif_run(NULL, &o, &r, &err);
	if (rc != 0)
		log_error("ebba-web: what-if run %lld: %s", (long long)j->id, err.msg);
	if (whatif_store_end(job_lock(j), j->id, rc == 0 ? &r : NULL, err.msg, &serr) != 0)
		log_error("ebba-web: %s", serr.msg);
	job_unlock(j);
	whatif_result_free(&r);
	ruleset_free(j->rs);
	sess_release(j->sess);
	free(j);
	atomic_fetch_sub(&running, 1);
	return NULL;
}

static int start_job(const struct web_request *rq, struct ruleset *set, const char *period,
		     int64_t id)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->sess = rq->sess;
	j->rs = set;
	j->id = id;
	snprintf(j->period, sizeof(j->period), "%s", period);
	sess_hold(j->sess);
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &attr, job_main, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		sess_release(j->sess);
		free(j);
		return -1;
	}
	return 0;
}

static json_t *lines_json(const struct ebba_buf *b, const char *fallback)
{
	json_t *a = json_array();
	const char *p = b->data ? b->data : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		/* warnings (provisional values) do not stop a candidate */
		if (len && !memmem(p, len, ": warning: ", 11))
			json_array_append_new(a, json_stringn(p, len));
		p += len + (nl ? 1 : 0);
	}
	if (json_array_size(a) == 0)
		json_array_append_new(a, json_string(fallback));
	return a;
}

static int refuse(const struct web_request *rq, struct web_response *rs, const struct form *f,
		  const char *problem, struct ebba_err *err)
{
	rs->status = 422;
	json_t *p = json_array();
	json_array_append_new(p, json_string(problem));
	return form_page(rq, rs, f, p, NULL, err);
}

/* The candidate's directory, or NULL when the form names none we offer. */
static char *candidate_dir(const char *name)
{
	if (!*name)
		return xstrdup(request_config()->rules_dir);
	char *names[MAX_CANDIDATES];
	size_t n = candidates(names);
	char *dir = NULL;
	for (size_t i = 0; i < n && !dir; i++)
		if (strcmp(names[i], name) == 0)
			dir = xasprintf("%s/%s", request_config()->whatif_rules_dir, name);
	free_names(names, n);
	return dir;
}

int page_whatif_start(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	struct form f = {0};
	read_form(rq, &f);
	if (rq->form_unreadable)
		return refuse(rq, rs, &f, WEB_FORM_UNREADABLE_TEXT, err);
	if (*f.period && !date_is_month(f.period))
		return refuse(rq, rs, &f, "Perioden ska skrivas ÅÅÅÅ-MM, till exempel 2026-12.", err);
	char *dir = candidate_dir(f.candidate);
	if (!dir)
		return refuse(rq, rs, &f, "Den valda regeluppsättningen finns inte längre.", err);
	struct ruleset *set = NULL;
	struct ebba_buf diag = {0};
	struct ebba_err e = {{0}};
	int loaded = ruleset_load_with(dir, f.sets, f.n_sets, &set, &diag, &e);
	free(dir);
	if (loaded != 0) {
		rs->status = 422;
		json_t *problems = lines_json(&diag, e.msg);
		buf_free(&diag);
		return form_page(rq, rs, &f, problems, NULL, err);
	}
	buf_free(&diag);
	if (atomic_fetch_add(&running, 1) >= MAX_RUNNING) {
		atomic_fetch_sub(&running, 1);
		ruleset_free(set);
		rs->status = 503;
		return form_page(rq, rs, &f, NULL,
				 "Två körningar pågår redan. Vänta tills någon av dem är klar och försök igen.", err);
	}
	struct whatif_window w = {.period = *f.period ? f.period : NULL};
	int64_t id;
	const char *name = *f.candidate ? f.candidate : request_config()->rules_dir;
	if (whatif_store_begin(rq->db, name, set, &w, f.sets, f.n_sets, &id, err) != 0 ||
	    start_job(rq, set, f.period, id) != 0) {
		atomic_fetch_sub(&running, 1);
		ruleset_free(set);
		return err->msg[0] ? -1 : ebba_errf(err, "what-if: cannot start a thread");
	}
	rs->status = 303;
	snprintf(rs->location, sizeof(rs->location), "/whatif/%lld", (long long)id);
	return 0;
}

/* ---- a stored run's page ------------------------------------------------------- */

static const char *sv_short(const char *outcome)
{
	enum outcome o;
	return outcome_parse(outcome, &o) ? outcome_sv_short(o) : outcome;
}

/* An amount, or a dash where a decision has none (what-if's table). */
static json_t *kr_or_dash(bool has, int64_t v)
{
	return has ? kr_json(true, v) : json_string("–");
}

static json_t *result_json(const struct whatif_result *r)
{
	json_t *tr = json_array(), *checks = json_array(), *changes = json_array(), *skips = json_array();
	for (int f = 0; f < WHATIF_OUTCOMES; f++)
		for (int t = 0; t < WHATIF_OUTCOMES; t++)
			if (r->transitions[f][t])
				json_array_append_new(tr, json_pack("{s:s,s:s,s:I}", "from",
					outcome_sv_short(WHATIF_OUTCOME[f]), "to",
					outcome_sv_short(WHATIF_OUTCOME[t]),
					"n", (json_int_t)r->transitions[f][t]));
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct whatif_check *c = &r->checks[i];
		if (c->fails_before == 0 && c->fails_after == 0)
			continue;
		char d[24];
		snprintf(d, sizeof(d), "%+lld", (long long)(c->fails_after - c->fails_before));
		json_array_append_new(checks, json_pack("{s:s,s:I,s:I,s:s}", "id", c->id, "before",
			(json_int_t)c->fails_before, "after", (json_int_t)c->fails_after, "delta", d));
	}
	for (size_t i = 0; i < r->n_changes && i < MAX_SHOWN; i++) {
		const struct whatif_change *c = &r->changes[i];
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)c->decision_id);
		json_array_append_new(changes, json_pack("{s:s,s:s,s:s,s:o,s:o,s:s}", "id", id,
			"old", sv_short(c->old_outcome), "new", sv_short(c->new_outcome),
			"old_amount", kr_or_dash(c->old_has_amount, c->old_amount),
			"new_amount", kr_or_dash(c->new_has_amount, c->new_amount),
			"newly", *c->newly_failing ? c->newly_failing : "–"));
	}
	for (size_t i = 0; i < r->n_skips && i < MAX_SHOWN; i++) {
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)r->skips[i].decision_id);
		json_array_append_new(skips, json_pack("{s:s,s:s}", "id", id, "why", r->skips[i].why));
	}
	char before[40], after[40], delta[40];
	kr_format((long long)r->paid_before, before, sizeof(before));
	kr_format((long long)r->paid_after, after, sizeof(after));
	int64_t dv = whatif_amount_delta(r);
	kr_format((long long)(dv < 0 ? -dv : dv), delta, sizeof(delta));
	char signed_delta[48];
	snprintf(signed_delta, sizeof(signed_delta), "%s%s", dv < 0 ? "−" : dv > 0 ? "+" : "", delta);
	return json_pack("{s:I,s:I,s:b,s:I,s:I,s:I,s:s,s:s,s:s,s:o,s:b,s:o,s:o,s:b,s:b,s:o,s:b,s:s,s:s}",
		"total", (json_int_t)r->total, "protected_hidden", (json_int_t)r->protected_hidden,
		"any_protected", r->protected_hidden > 0,
		"decided", (json_int_t)r->decided,
		"changed", (json_int_t)r->changed, "skipped", (json_int_t)r->skipped,
		"paid_before", before, "paid_after", after, "delta", signed_delta,
		"transitions", tr, "no_transitions", json_array_size(tr) == 0, "checks", checks,
		"changes", changes, "no_changes", r->n_changes == 0, "more_changes", r->n_changes > MAX_SHOWN,
		"skips", skips, "any_skips", r->n_skips > 0, "ruleset_name", r->ruleset_name,
		"ruleset_version", r->ruleset_version);
}

static json_t *run_json(const struct whatif_run_row *row, struct ebba_err *err)
{
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "id", row->id,
		"created_at", row->created_at, "created_by", row->created_by, "candidate", row->candidate,
		"sha256", row->sha256, "period", *row->period ? row->period : "alla perioder",
		"finished_at", row->finished_at, "done", (json_int_t)row->done,
		"total", (json_int_t)row->total);
	struct web_whatif_params set;
	if (store_web_whatif_params_read(row->parameters, &set, err) != 0) {
		json_decref(j);
		return NULL;
	}
	json_t *params = json_array();
	for (size_t i = 0; i < set.n; i++)
		json_array_append_new(params, json_pack("{s:s,s:s}", "name", set.items[i].name, "value",
							set.items[i].value));
	json_object_set_new(j, "parameters", params);
	json_object_set_new(j, "has_parameters", json_boolean(set.n > 0));
	store_web_whatif_params_free(&set);
	if (row->status == WHATIF_RUN_RUNNING) {
		json_object_set_new(j, "running", json_true());
	} else if (row->status == WHATIF_RUN_FAILED) {
		json_object_set_new(j, "failed", json_string(row->error));
	} else if (row->status == WHATIF_RUN_STALLED) {
		/* No progress for ten minutes: its thread is gone (schema 012). */
		json_object_set_new(j, "stalled", json_string(row->progress_at));
	} else {
		struct whatif_result r;
		if (whatif_result_from_json(row->result, strlen(row->result), &r, err) != 0) {
			json_decref(j);
			return NULL;
		}
		json_object_set_new(j, "result", result_json(&r));
		whatif_result_free(&r);
	}
	return j;
}

int page_whatif_run(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *id = rq->tail;
	size_t n = strspn(id, "0123456789");
	if (n == 0 || n > 18 || id[n])
		return page_not_found(rq, rs, "Det finns ingen sådan körning.", err);
	struct whatif_runs runs;
	if (store_whatif_runs_load(rq->db, id, 1, &runs, err) != 0)
		return -1;
	if (runs.n == 0) {
		store_whatif_runs_free(&runs);
		return page_not_found(rq, rs, "Det finns ingen sådan körning.", err);
	}
	json_t *run = run_json(&runs.rows[0], err);
	bool refresh = runs.rows[0].status == WHATIF_RUN_RUNNING;
	store_whatif_runs_free(&runs);
	if (!run)
		return -1;
	json_t *ctx = json_pack("{s:o,s:b}", "run", run, "refresh", refresh);
	int rc = page_log(rq, "view", "whatif_run", id, err);
	if (rc == 0)
		rc = web_page(rq, rs, "What-if", "whatif_run", ctx, err);
	json_decref(ctx);
	return rc;
}
