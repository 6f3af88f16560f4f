/*
 * The live register source: SSBTEK and attendance look-ups for a batch, on
 * the HTTP engine.  See include/ebba/registers/registers.h.
 *
 * Each look-up is one HTTP request whose tag is a struct lookup.  Response
 * checking happens in the engine's validate hook so that garbage is
 * retried inside the deadline like any other failure; for SSBTEK the hook
 * keeps the parsed result so the answer is parsed only once.
 *
 * The wait for answers is cut into slices of at most REG_SLICE_MS so that
 * the caller's keepalive runs and its stop deadline is asked however long
 * the registers take (deadline_ms may be up to an hour; a watchdog is
 * typically 30 s, a stop's grace a few seconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "ebba/lib/http.h"
#include "ebba/lib/log.h"
#include "ebba/lib/metrics.h"
#include "ebba/lib/pnr.h"
#include "reg_backend.h"


/* Sent as syfte and lagtext: why the municipality asks.  The lagtext is the
 * provision in force for the period applied for, as the rules' citations
 * are (rules/lagrum.yaml): socialtjänstlagen (2001:453) 11 kap. 11 § before
 * 1 July 2025, socialtjänstlagen (2025:400) 15 kap. 10-11 §§ from it. */
#define SSBTEK_PURPOSE "Handläggning av ansökan om ekonomiskt bistånd"
#define SSBTEK_LAW_2001 "11 kap. 11 § socialtjänstlagen (2001:453)"
#define SSBTEK_LAW_2025 "15 kap. 10 och 11 §§ socialtjänstlagen (2025:400)"

static const char *ssbtek_law(const char *period)
{
	return period && strcmp(period, "2025-07") >= 0 ? SSBTEK_LAW_2025 : SSBTEK_LAW_2001;
}

/* Why look-ups still in flight at a stop end; ends up in their reasons. */
#define ABANDONED "abandoned: the daemon is stopping"

/* The series a look-up counts into, asked for once and kept (the hot path
 * takes no lock).  Agencies: the SSBTEK parts, then PLAN for attendance. */
#define LIVE_AGENCIES (SSBTEK_AGENCY_COUNT + 1)
#define LIVE_RESULTS (HTTP_FAIL_OTHER + 3)     /* every failure, agency_error, not_found */
#define RESULT_AGENCY_ERROR (HTTP_FAIL_OTHER + 1)
#define RESULT_NOT_FOUND (HTTP_FAIL_OTHER + 2)

struct live_metrics {
	struct metric_family *requests, *duration, *breaker;
	struct metric *req[LIVE_AGENCIES][LIVE_RESULTS];
	struct metric *dur[LIVE_AGENCIES];
	struct metric *open[LIVE_AGENCIES];
};

struct live {
	struct registers base;         /* first: what registers_fetch() gets */
	struct live_metrics *met;      /* NULL: not counted */
	char *ssbtek_key, *attendance_key;   /* their breakers' endpoints */
	struct http_engine *http;
	char *ssbtek_url;
	char *attendance_url;
	char *org_number;
	char *org_name;
	int timeout_ms;
	int deadline_ms;
	const struct lefi_mapping *mapping;
	struct lefi_mapping *owned_mapping;
	/* scratch for parsing SSBTEK's answers (§14.15): registers_fetch()
	 * parses in its caller's thread, and one registers object is one
	 * worker's */
	struct ssbtek_scratch *ssbtek_scratch;
};

struct lookup {
	struct live *r;
	struct reg_application *app;
	struct reg_person *p;
	bool is_ssbtek;
	bool parsed;                   /* p->ssbtek / p->attendance holds a result */
	char month[8];                 /* attendance: the income month expected */
	uint64_t started;
};

static char *dup_or_null(const char *s)
{
	return s && s[0] ? xstrdup(s) : NULL;
}

static const struct reg_backend_ops live_ops;

static void live_free(struct registers *base)
{
	struct live *r = (struct live *)base;
	http_engine_free(r->http);
	lefi_mapping_free(r->owned_mapping);
	ssbtek_scratch_free(r->ssbtek_scratch);
	free(r->met);
	free(r->ssbtek_key);
	free(r->attendance_key);
	free(r->ssbtek_url);
	free(r->attendance_url);
	free(r->org_number);
	free(r->org_name);
	free(r);
}

int registers_live_new(const struct register_config *cfg, const struct lefi_mapping *mapping,
		       struct registers **out, struct ebba_err *err)
{
	*out = NULL;
	struct live *r = xcalloc(1, sizeof(*r));
	r->base.ops = &live_ops;
	struct http_engine_config hc = {
		.max_concurrent = cfg->concurrency,
		.max_retries = cfg->retries > 0 ? cfg->retries : -1,
		.client_cert = cfg->client_cert,
		.client_key = cfg->client_key,
		.ca_file = cfg->ca_file,
		.insecure = cfg->insecure_skip_verify,
	};
	if (http_engine_new(&hc, &r->http, err) != 0) {
		free(r);
		return ebba_err_prefix(err, "registers");
	}
	r->ssbtek_scratch = ssbtek_scratch_new();
	if (!mapping) {
		if (lefi_mapping_load(NULL, &r->owned_mapping, err) != 0) {
			live_free(&r->base);
			return ebba_err_prefix(err, "registers: LEFI mapping");
		}
		mapping = r->owned_mapping;
	}
	r->mapping = mapping;
	r->ssbtek_url = dup_or_null(cfg->ssbtek_url);
	r->attendance_url = dup_or_null(cfg->attendance_url);
	r->org_number = dup_or_null(cfg->organisation_number);
	r->org_name = dup_or_null(cfg->organisation_name);
	r->ssbtek_key = r->ssbtek_url ? http_endpoint_key(r->ssbtek_url) : NULL;
	r->attendance_key = r->attendance_url ? http_endpoint_key(r->attendance_url) : NULL;
	r->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
	r->deadline_ms = cfg->deadline_ms > 0 ? cfg->deadline_ms : 30000;
	*out = &r->base;
	return 0;
}

/* ------------------------------------------------------------ validation */

static int check_ssbtek(void *tag, long status, const char *body, size_t len,
			struct ebba_err *err)
{
	struct lookup *l = tag;
	if (status != 200)
		return ebba_errf(err, "HTTP %ld", status);
	struct ssbtek_parse_opts opts = { .mapping = l->r->mapping, .expect_pnr = l->p->pnr,
					  .scratch = l->r->ssbtek_scratch };
	if (ssbtek_parse_response(body, len, &opts, &l->p->ssbtek, err) != 0)
		return -1;
	l->parsed = true;
	return 0;
}

static int check_attendance(void *tag, long status, const char *body, size_t len,
			    struct ebba_err *err)
{
	struct lookup *l = tag;
	if (status == 404)
		return 0;
	if (status != 200)
		return ebba_errf(err, "HTTP %ld", status);
	/* The document must be about this person and the income month: an
	 * answer about someone or something else must never be used. */
	if (attendance_parse(body, len, l->p->pnr, l->month, &l->p->attendance, err) != 0)
		return -1;
	l->parsed = true;
	return 0;
}

/* --------------------------------------------------------------- metrics */

void registers_count_into(struct registers *base, struct metrics *m)
{
	if (base->ops != &live_ops)
		return;
	struct live *r = (struct live *)base;
	static const char *const req_labels[] = {"register", "agency", "result", NULL};
	static const char *const labels[] = {"register", "agency", NULL};
	struct live_metrics *lm = xcalloc(1, sizeof(*lm));
	lm->requests = metrics_family(m, METRIC_COUNTER, "ebba_register_requests_total",
		"Register look-ups by register, agency and result (an SSBTEK answer counts once per agency).",
		req_labels, NULL, 0);
	lm->duration = metrics_family(m, METRIC_HISTOGRAM, "ebba_register_request_duration_seconds",
		"Time from a register look-up's submission to its answer, retries included.",
		labels, NULL, 0);
	lm->breaker = metrics_family(m, METRIC_GAUGE, "ebba_circuit_breaker_open",
		"1 while the circuit breaker of the register's endpoint is open or half-open.",
		labels, NULL, 0);
	free(r->met);
	r->met = lm;
}

static const char *agency_label(int a)
{
	return a < SSBTEK_AGENCY_COUNT ? ssbtek_agency_name((enum ssbtek_agency)a)
					 : ev_source_agency(EV_SOURCE_ATTENDANCE);
}

static const char *register_label(int a)
{
	return a < SSBTEK_AGENCY_COUNT ? "ssbtek" : "attendance";
}

static const char *result_label(int k)
{
	if (k == RESULT_AGENCY_ERROR)
		return "agency_error";
	if (k == RESULT_NOT_FOUND)
		return "not_found";
	return http_failure_name((enum http_failure)k);
}

/* seconds < 0: no attempt went out (failed fast), nothing to time. */
static void count_one(struct live_metrics *lm, int a, int result, double seconds)
{
	if (!lm->req[a][result]) {
		const char *v[] = {register_label(a), agency_label(a), result_label(result)};
		lm->req[a][result] = metric_series(lm->requests, v);
	}
	if (!lm->dur[a]) {
		const char *v[] = {register_label(a), agency_label(a)};
		lm->dur[a] = metric_series(lm->duration, v);
	}
	metric_inc(lm->req[a][result]);
	if (seconds >= 0)
		metric_observe(lm->dur[a], seconds);
}

/* One finished look-up: for SSBTEK each agency's part, for attendance PLAN. */
static void count_lookup(struct live_metrics *lm, const struct lookup *l,
			 const struct http_result *res)
{
	if (!lm || res->failure == HTTP_FAIL_ABANDONED)
		return;
	double s = res->attempts ? (double)res->elapsed_usec / 1e6 : -1.0;
	int failed = res->ok && l->parsed ? -1 : res->ok ? HTTP_FAIL_INVALID : (int)res->failure;
	if (!l->is_ssbtek) {
		count_one(lm, SSBTEK_AGENCY_COUNT,
			  res->ok && res->status == 404 ? RESULT_NOT_FOUND : failed < 0 ? HTTP_FAIL_NONE : failed, s);
		return;
	}
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		int k = failed >= 0 ? failed
			: l->p->ssbtek.part[a].status == SSBTEK_ERROR ? RESULT_AGENCY_ERROR : HTTP_FAIL_NONE;
		count_one(lm, a, k, s);
	}
}

static void set_breaker(struct live *r, int a, const char *key)
{
	struct live_metrics *lm = r->met;
	if (!key)
		return;
	if (!lm->open[a]) {
		const char *v[] = {register_label(a), agency_label(a)};
		lm->open[a] = metric_series(lm->breaker, v);
	}
	metric_set(lm->open[a], strcmp(http_breaker_state(r->http, key), "closed") != 0 ? 1.0 : 0.0);
}

/* After a fetch: the breakers are only ever moved by look-ups. */
static void count_breakers(struct live *r)
{
	if (!r->met)
		return;
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++)
		set_breaker(r, a, r->ssbtek_key);
	set_breaker(r, SSBTEK_AGENCY_COUNT, r->attendance_key);
}

/* --------------------------------------------------------------- results */

static void add_evidence(struct reg_person *p, enum ev_source source, enum ev_status status,
			 const struct http_result *res)
{
	if (p->n_evidence >= REG_MAX_EVIDENCE)
		return;
	struct evidence *ev = &p->evidence[p->n_evidence++];
	/* Without usable bytes, the reason is the evidence of why. */
	if (res->body.len)
		evidence_set(ev, source, "", status, res->body.data, res->body.len, 0);
	else
		evidence_set(ev, source, "", status, res->error.msg, strlen(res->error.msg), 0);
}

static void on_ssbtek(struct lookup *l, struct http_result *res)
{
	struct reg_person *p = l->p;
	if (res->ok && l->parsed) {
		p->ssbtek_status = REG_OK;
		add_evidence(p, EV_SOURCE_SSBTEK, EV_OK, res);
		return;
	}
	reg_set_unavailable(p, true, xasprintf("register unavailable: SSBTEK (%s)",
					       res->error.msg[0] ? res->error.msg : "no usable answer"));
	add_evidence(p, EV_SOURCE_SSBTEK, EV_UNAVAILABLE, res);
}

static void on_attendance(struct lookup *l, struct http_result *res)
{
	struct reg_person *p = l->p;
	if (res->ok && res->status == 404) {
		p->attendance_status = REG_NO_PLAN;
		add_evidence(p, EV_SOURCE_ATTENDANCE, EV_NOT_FOUND, res);
		return;
	}
	if (res->ok && l->parsed) {
		p->attendance_status = REG_OK;
		add_evidence(p, EV_SOURCE_ATTENDANCE, EV_OK, res);
		p->attendance_len = res->body.len;
		p->attendance_xml = buf_steal(&res->body);
		return;
	}
	reg_set_unavailable(p, false, xasprintf("register unavailable: attendance (%s)",
						res->error.msg[0] ? res->error.msg : "no usable answer"));
	add_evidence(p, EV_SOURCE_ATTENDANCE, EV_UNAVAILABLE, res);
}

static void on_result(struct http_result *res, uint64_t batch_start, bool abandoned)
{
	struct lookup *l = res->tag;
	if (abandoned)
		l->app->abandoned = true;
	if (l->is_ssbtek)
		on_ssbtek(l, res);
	else
		on_attendance(l, res);
	count_lookup(l->r->met, l, res);
	double s = (double)(now_usec() - batch_start) / 1e6;
	if (s > l->app->seconds)
		l->app->seconds = s;
	free(l);
}

/* --------------------------------------------------------------- submitting */

static void fail_now(struct reg_person *p, bool ssbtek, const char *why)
{
	struct http_result res = { 0 };
	ebba_errf(&res.error, "%s", why);
	struct lookup l = { .p = p, .is_ssbtek = ssbtek };
	if (ssbtek)
		on_ssbtek(&l, &res);
	else
		on_attendance(&l, &res);
}

static void submit_ssbtek(struct live *r, struct reg_application *a, struct reg_person *p,
			  const char *month, uint64_t deadline)
{
	char from[11], to[11];
	struct ebba_err err;
	struct ebba_buf body = {0};
	if (!r->ssbtek_url) {
		fail_now(p, true, "not configured");
		return;
	}
	struct ssbtek_request_params rp = {
		.pnr = p->pnr, .case_id = a->case_id ? a->case_id : a->id,
		.from_date = from, .to_date = to,
		.org_number = r->org_number, .org_name = r->org_name,
		.purpose = SSBTEK_PURPOSE, .law_text = ssbtek_law(a->period),
		.correlation_id = a->id, .agencies = SSBTEK_ALL_AGENCIES,
		.fk_aktorsid = r->org_number,
	};
	if (date_month_bounds(month, from, to, &err) != 0 ||
	    ssbtek_build_request(&rp, &body, &err) != 0) {
		ebba_err_prefix(&err, "request");
		fail_now(p, true, err.msg);
		buf_free(&body);
		return;
	}
	static const char *const headers[] = {
		"Content-Type: text/xml; charset=utf-8", "SOAPAction: \"\"", NULL
	};
	struct lookup *l = xcalloc(1, sizeof(*l));
	*l = (struct lookup){ .r = r, .app = a, .p = p, .is_ssbtek = true };
	struct http_request req = {
		.method = "POST", .url = r->ssbtek_url, .body = body.data, .body_len = body.len,
		.headers = headers, .timeout_ms = r->timeout_ms, .deadline_usec = deadline,
		.validate = check_ssbtek, .tag = l,
	};
	http_submit(r->http, &req);
	buf_free(&body);
}

/*
 * POST {base}/attendance with the form body pnr=...&period=...: an
 * identity number never goes in a URL, which the attendance service's
 * and every proxy's access logs keep (docs/registers.md).
 */
static void submit_attendance(struct live *r, struct reg_application *a,
			      struct reg_person *p, const char *month, uint64_t deadline)
{
	if (!r->attendance_url) {
		fail_now(p, false, "not configured");
		return;
	}
	size_t n = strlen(r->attendance_url);
	const char *sep = n && r->attendance_url[n - 1] == '/' ? "" : "/";
	char *u = xasprintf("%s%sattendance", r->attendance_url, sep);
	/* pnr and period are digits and '-' only (checked), so no escaping. */
	char *body = xasprintf("pnr=%s&period=%s", p->pnr, a->period);
	struct lookup *l = xcalloc(1, sizeof(*l));
	*l = (struct lookup){ .r = r, .app = a, .p = p, .is_ssbtek = false };
	memcpy(l->month, month, sizeof(l->month));
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/xml", NULL
	};
	struct http_request req = {
		.method = "POST", .url = u, .body = body, .body_len = strlen(body),
		.headers = headers, .timeout_ms = r->timeout_ms, .deadline_usec = deadline,
		.validate = check_attendance, .tag = l,
	};
	http_submit(r->http, &req);
	explicit_bzero(body, strlen(body));
	free(body);
	free(u);
}

/* Hands every completed result to its look-up; abandoned: by the caller. */
static void collect(struct live *r, uint64_t start, bool abandoned)
{
	struct http_result res;
	while (http_next_result(r->http, &res)) {
		on_result(&res, start, abandoned);
		http_result_free(&res);
	}
}

/*
 * Waits for every look-up, a slice at a time.  After the stop deadline, or
 * when libcurl itself fails, what is still in flight is abandoned: its
 * results come back at once as failures, so every struct lookup is still
 * freed by on_result().
 */
static int wait_all(struct live *r, uint64_t start, const struct reg_fetch_ctl *ctl,
		    struct ebba_err *err)
{
	int slice = ctl && ctl->slice_ms > 0 && ctl->slice_ms < REG_SLICE_MS ? ctl->slice_ms
									   : REG_SLICE_MS;
	while (http_pending(r->http) > 0) {
		if (ctl && ctl->keepalive)
			ctl->keepalive(ctl->arg);
		if (now_usec() >= reg_fetch_stop_deadline(ctl)) {
			log_warn("stopping: abandoning %zu register look-ups still in flight",
				 http_pending(r->http));
			http_abandon_all(r->http, ABANDONED);
			collect(r, start, true);
			return 0;
		}
		if (http_engine_run(r->http, -1, slice, NULL, err) != 0) {
			http_abandon_all(r->http, "abandoned: the HTTP engine failed");
			collect(r, start, true);
			return -1;
		}
		collect(r, start, false);
	}
	return 0;
}

static int live_fetch(struct registers *base, struct reg_application *apps, size_t n_apps,
		      const struct reg_fetch_ctl *ctl, struct ebba_err *err)
{
	struct live *r = (struct live *)base;
	uint64_t start = now_usec();
	uint64_t deadline = start + (uint64_t)r->deadline_ms * 1000;
	for (size_t i = 0; i < n_apps; i++) {
		struct reg_application *a = &apps[i];
		char month[8];
		date_prev_month(a->period, month, NULL);   /* checked by registers_fetch() */
		for (size_t j = 0; j < a->n_persons; j++) {
			struct reg_person *p = &a->persons[j];
			if (p->age >= 16)
				submit_ssbtek(r, a, p, month, deadline);
			if (p->adult)
				submit_attendance(r, a, p, month, deadline);
		}
	}
	/* Only libcurl itself failing makes this fail; the batch is then not
	 * decided. */
	int rc = wait_all(r, start, ctl, err);
	count_breakers(r);
	if (rc != 0)
		return ebba_err_prefix(err, "registers");
	return 0;
}

static const struct reg_backend_ops live_ops = {.fetch = live_fetch, .free = live_free};
