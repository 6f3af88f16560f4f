/*
 * Register client: SSBTEK and attendance look-ups for a batch, on the HTTP
 * engine.  See include/ebba/registers/registers.h.
 *
 * Each look-up is one HTTP request whose tag is a struct lookup.  Response
 * checking happens in the engine's validate hook so that garbage is
 * retried inside the deadline like any other failure; for SSBTEK the hook
 * keeps the parsed result so the answer is parsed only once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/http.h"
#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/registers/registers.h"


/* Sent as syfte and lagtext: why the municipality asks (SoL 11 kap. 11 §). */
#define SSBTEK_PURPOSE "Handläggning av ansökan om ekonomiskt bistånd"
#define SSBTEK_LAW "11 kap. 11 § socialtjänstlagen (2001:453)"

struct registers {
	struct http_engine *http;
	char *ssbtek_url;
	char *attendance_url;
	char *org_number;
	char *org_name;
	int timeout_ms;
	int deadline_ms;
	const struct lefi_mapping *mapping;
	struct lefi_mapping *owned_mapping;
};

struct lookup {
	struct registers *r;
	struct reg_application *app;
	struct reg_person *p;
	bool is_ssbtek;
	bool parsed;                   /* p->ssbtek / p->attendance holds a result */
	char month[8];                 /* attendance: the income month expected */
	uint64_t started;
};

const char *reg_status_name(enum reg_status s)
{
	switch (s) {
	case REG_NOT_ASKED: return "not_asked";
	case REG_OK: return "ok";
	case REG_NO_PLAN: return "no_plan";
	case REG_UNAVAILABLE: return "unavailable";
	}
	return "?";
}

static char *dup_or_null(const char *s)
{
	return s && s[0] ? xstrdup(s) : NULL;
}

int registers_new(const struct register_config *cfg, const struct lefi_mapping *mapping,
		  struct registers **out, struct ebba_err *err)
{
	*out = NULL;
	struct registers *r = xcalloc(1, sizeof(*r));
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
	if (!mapping) {
		if (lefi_mapping_load(NULL, &r->owned_mapping, err) != 0) {
			registers_free(r);
			return ebba_err_prefix(err, "registers: LEFI mapping");
		}
		mapping = r->owned_mapping;
	}
	r->mapping = mapping;
	r->ssbtek_url = dup_or_null(cfg->ssbtek_url);
	r->attendance_url = dup_or_null(cfg->attendance_url);
	r->org_number = dup_or_null(cfg->organisation_number);
	r->org_name = dup_or_null(cfg->organisation_name);
	r->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
	r->deadline_ms = cfg->deadline_ms > 0 ? cfg->deadline_ms : 30000;
	*out = r;
	return 0;
}

void registers_free(struct registers *r)
{
	if (!r)
		return;
	http_engine_free(r->http);
	lefi_mapping_free(r->owned_mapping);
	free(r->ssbtek_url);
	free(r->attendance_url);
	free(r->org_number);
	free(r->org_name);
	free(r);
}

/* ------------------------------------------------------------ validation */

static int check_ssbtek(void *tag, long status, const char *body, size_t len, char *why,
			size_t why_len)
{
	struct lookup *l = tag;
	if (status != 200) {
		snprintf(why, why_len, "HTTP %ld", status);
		return -1;
	}
	struct ssbtek_parse_opts opts = { .mapping = l->r->mapping, .expect_pnr = l->p->pnr };
	struct ebba_err err;
	if (ssbtek_parse_response(body, len, &opts, &l->p->ssbtek, &err) != 0) {
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	l->parsed = true;
	return 0;
}

static int check_attendance(void *tag, long status, const char *body, size_t len, char *why,
			    size_t why_len)
{
	struct lookup *l = tag;
	if (status == 404)
		return 0;
	if (status != 200) {
		snprintf(why, why_len, "HTTP %ld", status);
		return -1;
	}
	/* The document must be about this person and the income month: an
	 * answer about someone or something else must never be used. */
	struct ebba_err err;
	if (attendance_parse(body, len, l->p->pnr, l->month, &l->p->attendance, &err) != 0) {
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	l->parsed = true;
	return 0;
}

/* --------------------------------------------------------------- results */

static void add_evidence(struct reg_person *p, const char *source, const char *status,
			 const struct http_result *res)
{
	if (p->n_evidence >= REG_MAX_EVIDENCE)
		return;
	struct evidence *ev = &p->evidence[p->n_evidence++];
	/* Without usable bytes, the reason is the evidence of why. */
	if (res->body.len)
		evidence_set(ev, source, "", status, res->body.data, res->body.len, 0);
	else
		evidence_set(ev, source, "", status, res->error, strlen(res->error), 0);
}

static void on_ssbtek(struct lookup *l, struct http_result *res)
{
	struct reg_person *p = l->p;
	if (res->ok && l->parsed) {
		p->ssbtek_status = REG_OK;
		add_evidence(p, "ssbtek", "ok", res);
		return;
	}
	p->ssbtek_status = REG_UNAVAILABLE;
	snprintf(p->ssbtek_reason, sizeof(p->ssbtek_reason), "register unavailable: SSBTEK (%s)",
		 res->error[0] ? res->error : "no usable answer");
	add_evidence(p, "ssbtek", "unavailable", res);
}

static void on_attendance(struct lookup *l, struct http_result *res)
{
	struct reg_person *p = l->p;
	if (res->ok && res->status == 404) {
		p->attendance_status = REG_NO_PLAN;
		add_evidence(p, "attendance", "not_found", res);
		return;
	}
	if (res->ok && l->parsed) {
		p->attendance_status = REG_OK;
		add_evidence(p, "attendance", "ok", res);
		p->attendance_len = res->body.len;
		p->attendance_xml = buf_steal(&res->body);
		return;
	}
	p->attendance_status = REG_UNAVAILABLE;
	snprintf(p->attendance_reason, sizeof(p->attendance_reason),
		 "register unavailable: attendance (%s)", res->error[0] ? res->error : "no usable answer");
	add_evidence(p, "attendance", "unavailable", res);
}

static void on_result(struct http_result *res, uint64_t batch_start)
{
	struct lookup *l = res->tag;
	if (l->is_ssbtek)
		on_ssbtek(l, res);
	else
		on_attendance(l, res);
	double s = (double)(now_usec() - batch_start) / 1e6;
	if (s > l->app->seconds)
		l->app->seconds = s;
	free(l);
}

/* --------------------------------------------------------------- submitting */

/* "YYYY-MM" of the month before period (the income month). */
static void fail_now(struct reg_person *p, bool ssbtek, const char *why)
{
	struct http_result res = { 0 };
	snprintf(res.error, sizeof(res.error), "%s", why);
	struct lookup l = { .p = p, .is_ssbtek = ssbtek };
	if (ssbtek)
		on_ssbtek(&l, &res);
	else
		on_attendance(&l, &res);
}

static void submit_ssbtek(struct registers *r, struct reg_application *a, struct reg_person *p,
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
		.purpose = SSBTEK_PURPOSE, .law_text = SSBTEK_LAW,
		.correlation_id = a->id, .agencies = SSBTEK_ALL_AGENCIES,
		.fk_aktorsid = r->org_number,
	};
	if (date_month_bounds(month, from, to, &err) != 0 ||
	    ssbtek_build_request(&rp, &body, &err) != 0) {
		char why[EBBA_ERR_MAX + 16];
		snprintf(why, sizeof(why), "request: %s", err.msg);
		fail_now(p, true, why);
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

static void submit_attendance(struct registers *r, struct reg_application *a,
			      struct reg_person *p, const char *month, uint64_t deadline)
{
	if (!r->attendance_url) {
		fail_now(p, false, "not configured");
		return;
	}
	size_t n = strlen(r->attendance_url);
	const char *sep = n && r->attendance_url[n - 1] == '/' ? "" : "/";
	/* pnr and period are digits and '-' only (checked), so no escaping. */
	char *u = xasprintf("%s%sattendance?pnr=%s&period=%s", r->attendance_url, sep, p->pnr,
			    a->period);
	struct lookup *l = xcalloc(1, sizeof(*l));
	*l = (struct lookup){ .r = r, .app = a, .p = p, .is_ssbtek = false };
	memcpy(l->month, month, sizeof(l->month));
	static const char *const headers[] = { "Accept: application/xml", NULL };
	struct http_request req = {
		.url = u, .headers = headers, .timeout_ms = r->timeout_ms,
		.deadline_usec = deadline, .validate = check_attendance, .tag = l,
	};
	http_submit(r->http, &req);
	free(u);
}

static int check_input(const struct reg_application *a, char month[8], struct ebba_err *err)
{
	if (date_prev_month(a->period, month, err) != 0)
		return ebba_err_prefix(err, "application %s", a->id ? a->id : "?");
	for (size_t i = 0; i < a->n_persons; i++) {
		const char *pnr = a->persons[i].pnr;
		if (!pnr || strlen(pnr) != PNR_LEN || !pnr_is_valid(pnr)) {
			char m[PNR_MASK_BUF];
			return ebba_errf(err, "application %s: person %zu (%s) has no valid identity number",
					 a->id ? a->id : "?", i, pnr_mask(pnr ? pnr : "", m));
		}
	}
	return 0;
}

/* SSBTEK first, then attendance, whatever order they completed in. */
static void order_evidence(struct reg_person *p)
{
	if (p->n_evidence == 2 && strcmp(p->evidence[0].source, "ssbtek") != 0) {
		struct evidence t = p->evidence[0];
		p->evidence[0] = p->evidence[1];
		p->evidence[1] = t;
	}
}

int registers_fetch(struct registers *r, struct reg_application *apps, size_t n_apps,
		    struct ebba_err *err)
{
	uint64_t start = now_usec();
	uint64_t deadline = start + (uint64_t)r->deadline_ms * 1000;
	for (size_t i = 0; i < n_apps; i++) {
		char month[8];
		if (check_input(&apps[i], month, err) != 0)
			return ebba_err_prefix(err, "registers");
	}
	for (size_t i = 0; i < n_apps; i++) {
		struct reg_application *a = &apps[i];
		char month[8];
		date_prev_month(a->period, month, NULL);
		a->seconds = 0;
		for (size_t j = 0; j < a->n_persons; j++) {
			struct reg_person *p = &a->persons[j];
			p->ssbtek_status = p->attendance_status = REG_NOT_ASKED;
			if (p->age >= 16)
				submit_ssbtek(r, a, p, month, deadline);
			if (p->adult)
				submit_attendance(r, a, p, month, deadline);
		}
	}
	int rc = 0;
	struct http_result res;
	while (rc == 0 && http_pending(r->http) > 0) {
		rc = http_engine_run(r->http, -1, 1000, NULL, err);
		while (http_next_result(r->http, &res)) {
			on_result(&res, start);
			http_result_free(&res);
		}
	}
	if (rc != 0) {
		/* Only libcurl itself failing gets here; what is left is freed with
		 * the engine, and the batch is not decided. */
		return ebba_err_prefix(err, "registers");
	}
	for (size_t i = 0; i < n_apps; i++)
		for (size_t j = 0; j < apps[i].n_persons; j++)
			order_evidence(&apps[i].persons[j]);
	return 0;
}

/* ---------------------------------------------------------------- reasons */

size_t reg_person_reasons(const struct reg_person *p, struct ebba_buf *out)
{
	size_t n = 0;
	if (p->ssbtek_status == REG_UNAVAILABLE) {
		buf_printf(out, "%s\n", p->ssbtek_reason);
		n++;
	}
	if (p->ssbtek_status == REG_OK) {
		for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
			const struct ssbtek_part *part = &p->ssbtek.part[a];
			if (part->status != SSBTEK_ERROR)
				continue;
			buf_printf(out, "register unavailable: %s (%s: %s)\n",
				   ssbtek_agency_name((enum ssbtek_agency)a),
				   part->felkod ? part->felkod : "?",
				   part->felmeddelande ? part->felmeddelande : "");
			n++;
		}
	}
	if (p->attendance_status == REG_UNAVAILABLE) {
		buf_printf(out, "%s\n", p->attendance_reason);
		n++;
	}
	return n;
}

void reg_person_clear(struct reg_person *p)
{
	if (p->ssbtek_status == REG_OK)
		ssbtek_result_free(&p->ssbtek);
	memset(&p->ssbtek, 0, sizeof(p->ssbtek));
	if (p->attendance_status == REG_OK)
		attendance_free(&p->attendance);
	memset(&p->attendance, 0, sizeof(p->attendance));
	free(p->attendance_xml);
	p->attendance_xml = NULL;
	p->attendance_len = 0;
	for (size_t i = 0; i < p->n_evidence; i++)
		evidence_free(&p->evidence[i]);
	p->n_evidence = 0;
	p->ssbtek_status = p->attendance_status = REG_NOT_ASKED;
	p->ssbtek_reason[0] = p->attendance_reason[0] = '\0';
}

void reg_application_clear(struct reg_application *a)
{
	for (size_t i = 0; i < a->n_persons; i++)
		reg_person_clear(&a->persons[i]);
}
