/*
 * Loggar (auditors, issue 28 item 2): the access log, filtered by person,
 * case, period and action; the lists a security officer goes through each
 * month (store/audit_log.h); both as CSV files.  Every read goes through
 * schema 024's functions, which log the auditor's own view or export in
 * the same statement.  Filters are login names, case numbers, days and
 * actions (GET forms, so a filtered log is a link): never an identity
 * number, which has no place in a URL.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/store/audit_log.h"
#include "pages.h"
#include "request.h"

#define LOG_PAGE_ROWS 500

struct word {
	const char *code, *sv;
};

static const char *word_of(const struct word *w, size_t n, const char *code)
{
	for (size_t i = 0; code && i < n; i++)
		if (strcmp(w[i].code, code) == 0)
			return w[i].sv;
	return code ? code : "";
}

static const struct word actions[] = {
	{"view", "Visning"}, {"resolve", "Prövning"}, {"export", "Export"},
	{"login", "Inloggning"}, {"denied", "Nekad"},
};

static const char *sv_action(const char *a)
{
	return word_of(actions, ARRAY_LEN(actions), a);
}

static const char *sv_kind(const char *k)
{
	static const struct word w[] = {
		{"decision", "Beslut"}, {"letter", "Brev"}, {"evidence", "Underlag"},
		{"case_frame", "Referensram"}, {"application", "Ansökan (API)"},
		{"queue", "Arbetskö"}, {"audit_flags", "Stickprov"}, {"ruleset", "Regelverk"},
		{"statistics", "Statistik"}, {"operations", "Drift"}, {"whatif_run", "What-if"},
		{"login", "Inloggning"}, {"proxy", "Inloggning via identitetsleverantör"},
		{"provider", "Identitetsleverantören"}, {"page", "Sida"}, {"csrf", "Formulär"},
		{"access_log", "Loggar"}, {"access_log_followup", "Loggarnas uppföljning"},
	};
	return word_of(w, ARRAY_LEN(w), k);
}

static const char *const reason_sv[AUDIT_REASONS] = {
	[AUDIT_PROTECTED] = "Visning av skyddat ärende",
	[AUDIT_NEVER_WORKED] = "Visning av hushåll personen aldrig arbetat med",
	[AUDIT_BURST] = "Ovanligt många visningar",
	[AUDIT_DENIED] = "Nekad åtkomst",
	[AUDIT_FAILED_LOGIN] = "Misslyckad inloggning",
};

/* ---- filters ----------------------------------------------------------- */

/* One a field at most: read_form checks six things about five fields. */
#define LOGS_FORM_ERRORS 6

struct logs_form {
	struct audit_log_query q;
	struct {
		const char *field, *text;   /* static strings */
	} errors[LOGS_FORM_ERRORS];
	size_t n_errors;
};

static void form_error(struct logs_form *f, const char *field, const char *text)
{
	if (f->n_errors == LOGS_FORM_ERRORS)
		return;
	f->errors[f->n_errors].field = field;
	f->errors[f->n_errors].text = text;
	f->n_errors++;
}

static const char *nz(const char *v)
{
	return v && *v ? v : NULL;
}

/* Reads the filters of the query string, each checked for its shape. */
static void read_form(const struct web_request *rq, struct logs_form *f, bool period_required,
		      char *from_buf, char *to_buf)
{
	f->q.who = nz(web_query(rq, "person"));
	f->q.case_id = nz(web_query(rq, "arende"));
	f->q.from = nz(web_query(rq, "fran"));
	f->q.to = nz(web_query(rq, "till"));
	f->q.action = nz(web_query(rq, "handelse"));
	f->q.client = rq->client;
	if (period_required && !f->q.from && !f->q.to) {
		store_audit_default_period(from_buf, to_buf);
		f->q.from = from_buf;
		f->q.to = to_buf;
	}
	if (f->q.who && !store_audit_valid_name(f->q.who))
		form_error(f, "person", "Person: skriv ett användarnamn (bokstäver, siffror, - _ . @ :), högst 63 tecken");
	if (f->q.case_id && !store_audit_valid_name(f->q.case_id))
		form_error(f, "arende", "Ärende: skriv ett ärendenummer (bokstäver, siffror, - _ . @ :), inte ett personnummer");
	if (f->q.from ? !store_audit_valid_day(f->q.from) : period_required)
		form_error(f, "fran", "Från: skriv ett datum som ÅÅÅÅ-MM-DD");
	if (f->q.to ? !store_audit_valid_day(f->q.to) : period_required)
		form_error(f, "till", "Till: skriv ett datum som ÅÅÅÅ-MM-DD");
	if (f->q.from && f->q.to && store_audit_valid_day(f->q.from) && store_audit_valid_day(f->q.to) &&
	    strcmp(f->q.from, f->q.to) > 0)
		form_error(f, "till", "Till: datumet kommer före Från");
	if (f->q.action && !store_audit_valid_action(f->q.action))
		form_error(f, "handelse", "Händelse: välj en av händelserna i listan");
}

/* The form's values and errors for the template (err_FIELD: the field's
 * first error's text). */
static json_t *form_ctx(const struct logs_form *f)
{
	json_t *errors = json_array();
	for (size_t i = 0; i < f->n_errors; i++)
		json_array_append_new(errors, json_pack("{s:s,s:s}", "field", f->errors[i].field,
							"text", f->errors[i].text));
	json_t *ctx = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:b}", "person", f->q.who ? f->q.who : "",
				"arende", f->q.case_id ? f->q.case_id : "", "fran",
				f->q.from ? f->q.from : "", "till", f->q.to ? f->q.to : "",
				"handelse", f->q.action ? f->q.action : "",
				"errors", errors, "has_errors", f->n_errors > 0);
	for (size_t i = f->n_errors; i-- > 0;) {
		/* backwards, so the first error of a field is the one that stays */
		char key[32];
		snprintf(key, sizeof(key), "err_%s", f->errors[i].field);
		json_object_set_new(ctx, key, json_string(f->errors[i].text));
	}
	json_t *opts = json_array();
	for (size_t k = 0; k < ARRAY_LEN(actions); k++)
		json_array_append_new(opts, json_pack("{s:s,s:s,s:b}", "value", actions[k].code, "label",
						      actions[k].sv, "selected",
						      f->q.action && strcmp(f->q.action, actions[k].code) == 0));
	json_object_set_new(ctx, "actions", opts);
	return ctx;
}

static int refused(const struct web_request *rq, struct web_response *rs, const char *title,
		   const char *tmpl, json_t *ctx, struct ebba_err *err)
{
	rs->status = 400;
	int rc = web_page(rq, rs, title, tmpl, ctx, err);
	json_decref(ctx);
	return rc;
}

/* ---- the log ----------------------------------------------------------- */

static json_t *entries_json(const PGresult *res)
{
	json_t *rows = json_array();
	for (int r = 0; r < PQntuples(res); r++)
		json_array_append_new(rows, json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}",
			"at", PQgetvalue(res, r, AE_AT), "who", PQgetvalue(res, r, AE_WHO),
			"action", sv_action(PQgetvalue(res, r, AE_ACTION)),
			"kind", sv_kind(PQgetvalue(res, r, AE_KIND)),
			"object", PQgetvalue(res, r, AE_OBJECT), "case_id", PQgetvalue(res, r, AE_CASE),
			"client", PQgetvalue(res, r, AE_CLIENT), "count", PQgetvalue(res, r, AE_COUNT),
			"protected", strcmp(PQgetvalue(res, r, AE_PROTECTED), "t") == 0));
	return rows;
}

static const char *entry_word(int col, const char *v)
{
	if (col == AE_ACTION)
		return sv_action(v);
	if (col == AE_KIND)
		return sv_kind(v);
	if (col == AE_PROTECTED)
		return strcmp(v, "t") == 0 ? "ja" : "nej";
	return NULL;
}

static int entries_csv(const struct web_request *rq, struct web_response *rs,
		       struct audit_log_query *q, struct ebba_err *err)
{
	static const char *const header[AE_NCOLS] = {
		"Tid", "Vem", "Händelse", "Objekttyp", "Objekt", "Ärende", "Varifrån", "Antal", "Skyddat",
	};
	PGresult *res;
	q->export = true;
	if (store_audit_entries(rq->db, q, &res, err) != 0)
		return -1;
	store_audit_csv(res, header, AE_NCOLS, entry_word, &rs->body);
	PQclear(res);
	rs->content_type = "text/csv; charset=utf-8";
	snprintf(rs->filename, sizeof(rs->filename), "ebba-logg.csv");
	return 0;
}

int page_logs(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	char fb[16], tb[16];
	struct logs_form f = {0};
	read_form(rq, &f, false, fb, tb);
	json_t *ctx = form_ctx(&f);
	if (f.n_errors > 0)
		return refused(rq, rs, "Fel i filtret – Loggar", "logs", ctx, err);
	f.q.limit = LOG_PAGE_ROWS;
	PGresult *res;
	if (store_audit_entries(rq->db, &f.q, &res, err) != 0) {
		json_decref(ctx);
		return -1;
	}
	json_object_set_new(ctx, "rows", entries_json(res));
	json_object_set_new(ctx, "shown", json_integer(PQntuples(res)));
	json_object_set_new(ctx, "one", json_boolean(PQntuples(res) == 1));
	json_object_set_new(ctx, "capped", json_boolean(PQntuples(res) == LOG_PAGE_ROWS));
	json_object_set_new(ctx, "filtered", json_boolean(f.q.who || f.q.case_id || f.q.from ||
							  f.q.to || f.q.action));
	PQclear(res);
	int rc = web_page(rq, rs, "Loggar", "logs", ctx, err);
	json_decref(ctx);
	return rc;
}

/* ---- the monthly lists ------------------------------------------------- */

static json_t *findings_json(const PGresult *res)
{
	json_t *rows[AUDIT_REASONS];
	for (int k = 0; k < AUDIT_REASONS; k++)
		rows[k] = json_array();
	for (int r = 0; r < PQntuples(res); r++) {
		int k = store_audit_reason_of(PQgetvalue(res, r, AF_REASON));
		if (k < 0)
			continue;
		json_array_append_new(rows[k], json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			"at", PQgetvalue(res, r, AF_AT), "who", PQgetvalue(res, r, AF_WHO),
			"case_id", PQgetvalue(res, r, AF_CASE),
			"action", sv_action(PQgetvalue(res, r, AF_ACTION)),
			"kind", sv_kind(PQgetvalue(res, r, AF_KIND)),
			"object", PQgetvalue(res, r, AF_OBJECT), "client", PQgetvalue(res, r, AF_CLIENT),
			"views", PQgetvalue(res, r, AF_VIEWS), "median", PQgetvalue(res, r, AF_MEDIAN)));
	}
	json_t *lists = json_array();
	for (int k = 0; k < AUDIT_REASONS; k++)
		json_array_append_new(lists, json_pack("{s:s,s:s,s:I,s:o,s:b,s:b}", "reason",
						       store_audit_reason_code(k), "title", reason_sv[k],
						       "count", (json_int_t)json_array_size(rows[k]),
						       "rows", rows[k], "burst", k == AUDIT_BURST, "login",
						       k == AUDIT_FAILED_LOGIN));
	return lists;
}

static const char *finding_word(int col, const char *v)
{
	int k = col == AF_REASON ? store_audit_reason_of(v) : -1;
	if (k >= 0)
		return reason_sv[k];
	if (col == AF_ACTION)
		return sv_action(v);
	if (col == AF_KIND)
		return sv_kind(v);
	return NULL;
}

static int findings(const struct web_request *rq, struct audit_log_query *q, PGresult **res,
		    struct ebba_err *err)
{
	const struct ebba_config *cfg = request_config();
	return store_audit_followup(rq->db, q, cfg->audit.log_burst_factor,
				    cfg->audit.log_burst_minimum, res, err);
}

static int followup_csv(const struct web_request *rq, struct web_response *rs,
			struct audit_log_query *q, struct ebba_err *err)
{
	static const char *const header[AF_NCOLS] = {
		"Skäl", "Tid", "Vem", "Ärende", "Händelse", "Objekttyp", "Objekt", "Varifrån",
		"Visningar", "Median",
	};
	PGresult *res;
	q->export = true;
	if (findings(rq, q, &res, err) != 0)
		return -1;
	store_audit_csv(res, header, AF_NCOLS, finding_word, &rs->body);
	PQclear(res);
	rs->content_type = "text/csv; charset=utf-8";
	snprintf(rs->filename, sizeof(rs->filename), "ebba-uppfoljning-%s-%s.csv", q->from, q->to);
	return 0;
}

static int followup_page(const struct web_request *rq, struct web_response *rs,
			 struct logs_form *f, json_t *ctx, struct ebba_err *err)
{
	PGresult *res;
	if (findings(rq, &f->q, &res, err) != 0)
		return -1;
	const struct ebba_config *cfg = request_config();
	json_object_set_new(ctx, "lists", findings_json(res));
	json_object_set_new(ctx, "factor", json_integer(cfg->audit.log_burst_factor));
	json_object_set_new(ctx, "minimum", json_integer(cfg->audit.log_burst_minimum));
	PQclear(res);
	return web_page(rq, rs, "Uppföljning – Loggar", "logs_followup", ctx, err);
}

/* /loggar/uppfoljning, /loggar/uppfoljning.csv, /loggar/logg.csv */
int page_logs_sub(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *tail = rq->tail ? rq->tail : "";
	bool is_followup = strcmp(tail, "uppfoljning") == 0 || strcmp(tail, "uppfoljning.csv") == 0;
	if (!is_followup && strcmp(tail, "logg.csv") != 0)
		return page_not_found(rq, rs, "Sidan finns inte.", err);
	char fb[16], tb[16];
	struct logs_form f = {0};
	read_form(rq, &f, is_followup, fb, tb);
	json_t *ctx = form_ctx(&f);
	if (f.n_errors > 0)
		return refused(rq, rs, "Fel i filtret – Loggar", is_followup ? "logs_followup" : "logs",
			       ctx, err);
	int rc = strcmp(tail, "logg.csv") == 0      ? entries_csv(rq, rs, &f.q, err)
		 : strcmp(tail, "uppfoljning.csv") == 0 ? followup_csv(rq, rs, &f.q, err)
							: followup_page(rq, rs, &f, ctx, err);
	json_decref(ctx);
	return rc;
}
