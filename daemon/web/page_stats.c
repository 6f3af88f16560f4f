/*
 * Statistik (supervisors; DESIGN §7 gives statistics to ebba_supervisor):
 * rule health over a window of application periods, chosen with a GET
 * form (?till=YYYY-MM&manader=N).  Per check, what people decided about
 * the applications ebba referred because of it, with the checks to tune
 * marked; per audit kind what the flags found; the realised sample rate
 * beside the configured one.  Every trend is a chart (svg_chart.c) with its
 * numbers in a table beside it.  The counts are store/stats.c's, the same
 * as `ebbactl stats`.
 *
 * The page shows counts only, never a person, case or decision; the view
 * is logged all the same (view, statistics, the window), as Drift and
 * Regler are, because a count of one in a small office can point at a
 * household.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebba/rules/rules.h"
#include "ebba/store/stats.h"
#include "check_words.h"
#include "pages.h"
#include "request.h"
#include "svg_chart.h"

#define MAX_PERIODS 120     /* months offered in the chooser */
#define DEFAULT_MONTHS 6

static const char *const month_values[] = {"1", "3", "6", "12", "24"};
static const char *const month_labels[] = {"1 månad", "3 månader", "6 månader", "12 månader",
					   "24 månader"};

/* YYYY-MM as a month number (year * 12 + month - 1), or -1. */
static int month_index(const char *s)
{
	if (!s || strlen(s) != 7 || s[4] != '-')
		return -1;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int y = atoi(s), m = atoi(s + 5);
	return m >= 1 && m <= 12 ? y * 12 + m - 1 : -1;
}

static void month_text(int idx, char out[8])
{
	unsigned u = idx > 0 ? (unsigned)idx : 0;
	snprintf(out, 8, "%04u-%02u", (u / 12) % 10000, u % 12 + 1);
}

struct window {
	int till, months;
	char from_s[8], till_s[8];
	char (*cats)[8];        /* every month of the window, oldest first */
	const char **cat_ptrs;  /* the same, as the charts take them */
};

static const struct chart_series check_series[] = {
	{"Beviljade oförändrade", "c0"}, {"Justerade", "c1"}, {"Avslagna", "c2"},
	{"Öppna", "c3"}, {"Prövade igen av ebba", "c4"},
};
static const struct chart_series audit_series[] = {
	{"Fel funna", "c2"}, {"Utan fel", "c0"}, {"Ej avslutade", "c3"},
};
static const struct chart_series rate_series[] = {{"Realiserad andel", "c4"}};

/* The share in whole percent as text, or "–" when there is nothing to share. */
static json_t *percent(long part, long whole)
{
	char s[16];
	if (whole <= 0)
		return json_string("–");
	chart_number(100.0 * (double)part / (double)whole, 0, s, sizeof(s));
	strcat(s, " %");
	return json_string(s);
}

static size_t cat_of(const struct window *w, const char *period)
{
	return (size_t)(month_index(period) - (w->till - w->months + 1));
}

/* One check over the window: a row of totals, a table and a chart. */
/* *tune: whether the check is one to tune (store_stats_to_tune()). */
static json_t *check_json(const struct stats_report *r, size_t first, size_t end,
			  const struct window *w, int n, bool *tune)
{
	size_t nc = (size_t)w->months;
	double *v = xcalloc(nc * 5, sizeof(*v));
	long *referred = xcalloc(nc, sizeof(*referred)), t[6] = {0};
	for (size_t i = first; i < end; i++) {
		const struct stats_check *c = &r->checks[i];
		size_t k = cat_of(w, c->period);
		if (k >= nc)
			continue;
		double *row = &v[k * 5];
		referred[k] = c->referred;
		row[0] = (double)c->as_applied;
		row[1] = (double)c->adjusted;
		row[2] = (double)c->rejected;
		row[3] = (double)c->open;
		row[4] = (double)c->redecided;
		t[0] += c->referred, t[1] += c->as_applied, t[2] += c->adjusted;
		t[3] += c->rejected, t[4] += c->open, t[5] += c->redecided;
	}
	json_t *rows = json_array();
	for (size_t k = 0; k < nc; k++) {
		const double *row = &v[k * 5];
		long a = (long)row[0], d = (long)row[1], rj = (long)row[2], o = (long)row[3];
		long again = (long)row[4];
		json_array_append_new(rows, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "period",
						      w->cats[k], "referred",
						      (json_int_t)referred[k], "as_applied",
						      (json_int_t)a, "adjusted", (json_int_t)d,
						      "rejected", (json_int_t)rj, "open", (json_int_t)o,
						      "redecided", (json_int_t)again,
						      "share", percent(a, a + d + rj)));
	}
	const char *id = r->checks[first].check_id;
	char chart_id[32];
	snprintf(chart_id, sizeof(chart_id), "diagram-kontroll-%d", n);
	/* not a fixed buffer: cutting a long id could cut a UTF-8 character */
	char *title = xasprintf("Hänvisningar av %s per period och vad handläggaren beslutade", id);
	struct chart ch = {chart_id, title, "", 0, w->cat_ptrs, nc, check_series, 5, v, NULL, -1, NULL};
	json_t *chart = chart_json(&ch);
	free(title);
	free(v);
	free(referred);
	long decided = t[1] + t[2] + t[3];
	*tune = store_stats_to_tune(decided, t[1]);
	json_t *share = percent(t[1], decided);
	char of[48] = "–";
	if (decided > 0)
		snprintf(of, sizeof(of), "%s av %ld", json_string_value(share), decided);
	return json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:o,s:s,s:b,s:o,s:o}", "id", id, "n", n,
			 "referred", (json_int_t)t[0], "as_applied", (json_int_t)t[1], "adjusted",
			 (json_int_t)t[2], "rejected", (json_int_t)t[3], "open", (json_int_t)t[4],
			 "redecided", (json_int_t)t[5],
			 "decided", (json_int_t)decided, "any_decided", decided > 0, "share", share,
			 "share_of", of, "tune", *tune, "rows", rows, "chart", chart);
}

static json_t *checks_json(const struct stats_report *r, const struct window *w, json_t **tune)
{
	json_t *a = json_array();
	json_t *words = check_words();
	*tune = json_array();
	for (size_t i = 0; i < r->n_checks;) {
		size_t end = i + 1;
		while (end < r->n_checks && strcmp(r->checks[end].check_id, r->checks[i].check_id) == 0)
			end++;
		bool to_tune;
		json_t *c = check_json(r, i, end, w, (int)json_array_size(a) + 1, &to_tune);
		/* the rule's id is what a supervisor tunes in Regler; its words beside it */
		json_object_set_new(c, "label", json_string(check_word(words, r->checks[i].check_id)));
		if (to_tune)
			json_array_append(*tune, c);
		json_array_append_new(a, c);
		i = end;
	}
	json_decref(words);
	return a;
}

static const struct stats_period *period_at(const struct stats_report *r, const char *month)
{
	for (size_t i = 0; i < r->n_periods; i++)
		if (strcmp(r->periods[i].period, month) == 0)
			return &r->periods[i];
	return NULL;
}

static json_t *audit_json(const struct stats_report *r, const struct window *w, int kind,
			  const char *name)
{
	size_t nc = (size_t)w->months;
	double *v = xcalloc(nc * 3, sizeof(*v));
	json_t *rows = json_array();
	for (size_t k = 0; k < nc; k++) {
		const struct stats_period *p = period_at(r, w->cats[k]);
		struct stats_audit a = p ? p->audit[kind] : (struct stats_audit){0};
		v[k * 3] = (double)a.found_error;
		v[k * 3 + 1] = (double)(a.resolved - a.found_error);
		v[k * 3 + 2] = (double)(a.raised - a.resolved);
		json_array_append_new(rows, json_pack("{s:s,s:I,s:I,s:I,s:o}", "period", w->cats[k],
						      "raised", (json_int_t)a.raised, "resolved",
						      (json_int_t)a.resolved, "found_error",
						      (json_int_t)a.found_error, "share",
						      percent(a.found_error, a.resolved)));
	}
	char chart_id[32], title[128];
	snprintf(chart_id, sizeof(chart_id), "diagram-granskning-%d", kind + 1);
	snprintf(title, sizeof(title), "%s: flaggor per period och vad granskningen fann", name);
	struct chart ch = {chart_id, title, "", 0, w->cat_ptrs, nc, audit_series, 3, v, NULL, -1, NULL};
	json_t *chart = chart_json(&ch);
	free(v);
	const struct stats_audit *t = &r->audit[kind];
	return json_pack("{s:s,s:i,s:I,s:I,s:I,s:o,s:o,s:o}", "name", name, "n", kind + 1,
			 "raised", (json_int_t)t->raised, "resolved", (json_int_t)t->resolved,
			 "found_error", (json_int_t)t->found_error, "share",
			 percent(t->found_error, t->resolved), "rows", rows, "chart", chart);
}

/* The configured share of approvals sampled: ebba.yaml's, else the rule
 * set's; -1 when neither can be read. */
static double configured_rate(void)
{
	const struct ebba_config *cfg = request_config();
	if (cfg->audit.sample_approved >= 0.0)
		return cfg->audit.sample_approved;
	struct ruleset *rs = NULL;
	struct ebba_err e;
	double rate = ruleset_load(cfg->rules_dir, &rs, NULL, &e) == 0
			      ? ruleset_sample_rate(rs, "approved") : -1.0;
	ruleset_free(rs);
	return rate;
}

static json_t *rate_text(long part, long whole)
{
	char s[16];
	if (whole <= 0)
		return json_string("–");
	chart_number(100.0 * (double)part / (double)whole, 1, s, sizeof(s));
	strcat(s, " %");
	return json_string(s);
}

static json_t *sample_json(const struct stats_report *r, const struct window *w)
{
	size_t nc = (size_t)w->months;
	double *v = xcalloc(nc ? nc : 1, sizeof(*v));
	const char **none = xcalloc(nc ? nc : 1, sizeof(*none));
	json_t *rows = json_array();
	for (size_t k = 0; k < nc; k++) {
		const struct stats_period *p = period_at(r, w->cats[k]);
		long n = p ? p->auto_approved : 0, s = p ? p->sampled_approved : 0;
		v[k] = n ? 100.0 * (double)s / (double)n : 0;
		none[k] = n ? NULL : "–";
		json_array_append_new(rows, json_pack("{s:s,s:I,s:I,s:o}", "period", w->cats[k],
						      "approved", (json_int_t)n, "sampled",
						      (json_int_t)s, "rate", rate_text(s, n)));
	}
	double conf = configured_rate();
	struct chart ch = {"diagram-stickprov", "Realiserad stickprovsandel per period", " %", 1,
			   w->cat_ptrs, nc, rate_series, 1, v, none, conf >= 0 ? 100.0 * conf : -1,
			   "Inställd andel"};
	json_t *chart = chart_json(&ch);
	free(v);
	free(none);
	json_t *j = json_pack("{s:I,s:I,s:o,s:o,s:o}", "approved", (json_int_t)r->auto_approved,
			      "sampled", (json_int_t)r->sampled_approved, "realised",
			      rate_text(r->sampled_approved, r->auto_approved), "rows", rows, "chart",
			      chart);
	char s[16];
	chart_number(100.0 * conf, 1, s, sizeof(s));
	strcat(s, " %");
	json_object_set_new(j, "configured", conf >= 0 ? json_string(s) : json_null());
	return j;
}

/* The chooser: the periods with decisions (and the one asked for, if it
 * has none), the lengths, each with its selection. */
static json_t *form_json(char **periods, const struct window *w)
{
	json_t *tills = json_array();
	bool seen = false;
	for (char **p = periods; *p; p++)
		seen |= strcmp(*p, w->till_s) == 0;
	if (!seen)
		json_array_append_new(tills, json_pack("{s:s,s:s,s:b}", "value", w->till_s, "label",
						       w->till_s, "selected", 1));
	for (char **p = periods; *p; p++)
		json_array_append_new(tills, json_pack("{s:s,s:s,s:b}", "value", *p, "label", *p,
						       "selected", strcmp(*p, w->till_s) == 0));
	char months[8];
	snprintf(months, sizeof(months), "%d", w->months);
	return json_pack("{s:o,s:o}", "tills", tills, "months",
			 options_json(month_values, month_labels, ARRAY_LEN(month_values), months));
}

static int bad_request(const struct web_request *rq, struct web_response *rs, const char *what,
		       struct ebba_err *err)
{
	rs->status = 400;
	json_t *ctx = json_pack("{s:s,s:s}", "message", what, "back", "statistik");
	int rc = web_page(rq, rs, "Statistik", "message", ctx, err);
	json_decref(ctx);
	return rc;
}

/* The window asked for; 1 when the query is not one the form makes. */
static int parse_window(const struct web_request *rq, char **periods, struct window *w)
{
	const char *till = web_query(rq, "till"), *months = web_query(rq, "manader");
	w->months = DEFAULT_MONTHS;
	if (months && *months) {
		bool known = false;
		for (size_t i = 0; i < ARRAY_LEN(month_values); i++)
			known |= strcmp(months, month_values[i]) == 0;
		if (!known)
			return 1;
		w->months = atoi(months);
	}
	if (till && *till)
		w->till = month_index(till);
	else
		w->till = periods[0] ? month_index(periods[0]) : -1;
	if (till && *till && w->till < 0)
		return 1;
	if (w->till < 0) {      /* no decisions yet: this month, empty */
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		w->till = (tm.tm_year + 1900) * 12 + tm.tm_mon;
	}
	if (w->till - w->months + 1 < 0)
		w->months = w->till + 1;
	month_text(w->till, w->till_s);
	month_text(w->till - w->months + 1, w->from_s);
	w->cats = xcalloc((size_t)w->months, sizeof(*w->cats));
	w->cat_ptrs = xcalloc((size_t)w->months, sizeof(*w->cat_ptrs));
	for (int k = 0; k < w->months; k++) {
		month_text(w->till - w->months + 1 + k, w->cats[k]);
		w->cat_ptrs[k] = w->cats[k];
	}
	return 0;
}

static json_t *page_json(const struct stats_report *r, char **periods, const struct window *w)
{
	json_t *tune;
	json_t *checks = checks_json(r, w, &tune);
	char share[8];
	snprintf(share, sizeof(share), "%d", (int)(STATS_TUNE_SHARE * 100 + 0.5));
	json_t *audit = json_array();
	json_array_append_new(audit, audit_json(r, w, STATS_AUDIT_SAMPLE, "Stickprov"));
	json_array_append_new(audit, audit_json(r, w, STATS_AUDIT_TARGETED, "Riktad granskning"));
	bool has_checks = json_array_size(checks) > 0, has_tune = json_array_size(tune) > 0;
	return json_pack("{s:o,s:s,s:s,s:i,s:b,s:o,s:b,s:o,s:b,s:s,s:i,s:o,s:o}", "form",
			 form_json(periods, w), "from", w->from_s, "till", w->till_s, "months",
			 w->months, "one_month", w->months == 1, "checks", checks, "has_checks",
			 has_checks, "tune", tune, "has_tune", has_tune, "tune_share", share,
			 "tune_min", STATS_TUNE_MIN_DECIDED, "audit", audit, "sample",
			 sample_json(r, w));
}

int page_stats(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	char **periods;
	if (store_stats_periods(rq->db, MAX_PERIODS, &periods, err) != 0)
		return -1;
	struct window w = {0};
	if (parse_window(rq, periods, &w) != 0) {
		store_stats_periods_free(periods);
		return bad_request(rq, rs, "Välj en månad (ÅÅÅÅ-MM) och ett antal månader i formuläret.",
				   err);
	}
	struct stats_report r;
	int rc = store_stats_collect(rq->db, w.from_s, w.till_s, &r, err);
	if (rc == 0) {
		json_t *ctx = page_json(&r, periods, &w);
		char window[20];
		snprintf(window, sizeof(window), "%s..%s", w.from_s, w.till_s);
		rc = page_log(rq, "view", "statistics", window, err);
		if (rc == 0)
			rc = web_page(rq, rs, "Statistik", "stats", ctx, err);
		json_decref(ctx);
	}
	store_stats_report_free(&r);
	store_stats_periods_free(periods);
	free(w.cats);
	free(w.cat_ptrs);
	return rc;
}
