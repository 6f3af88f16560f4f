/*
 * The Beslut page of a person's decision (issue 25): what was decided on
 * each line and why (the catalogue's sentence and provision, never an id),
 * who decided by name and title, what ebba had proposed and why it
 * referred, and whether the rule set that computed differs from the one
 * that referred.  decision_ctx calls person_decision_ctx for every
 * decision; it adds nothing to ebba's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision.h"
#include "ebba/intake/application.h"
#include "ebba/lib/date.h"
#include "ebba/lib/log.h"
#include "ebba/rules/rules.h"
#include "ebba/store/web_person.h"
#include "ebba/whatif/verdict_run.h"
#include "pages.h"
#include "request.h"

#define NOTE_MAX 4000

static const char *const COST_SV[COST_TYPE_COUNT] = {
	[COST_RENT] = "Hyra", [COST_ELECTRICITY] = "Hushållsel", [COST_HOME_INSURANCE] = "Hemförsäkring",
	[COST_UNION_FEE] = "Fackavgift", [COST_UNEMPLOYMENT_INSURANCE_FEE] = "Avgift till a-kassa",
	[COST_WORK_TRAVEL] = "Resor till och från arbetet", [COST_CHILDCARE] = "Barnomsorg",
	[COST_MEDICAL] = "Läkarvård", [COST_MEDICINE] = "Medicin",
	[COST_DENTAL_EMERGENCY] = "Akut tandvård", [COST_OTHER] = "Annan kostnad",
};

static void kr(int64_t v, char out[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? -v : v));
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0) {
			memcpy(out + o, "\u00a0", 2);
			o += 2;
		}
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* The reason's sentence and provision in words, or "" (an id is never shown). */
static void reason_words(const struct ruleset *rs, const char *id, char *out, size_t len)
{
	struct ruleset_reason_view r;
	char today[DATE_BUF];
	date_today_local(today);
	out[0] = '\0';
	if (rs && id && ruleset_reason_by_id(rs, id, today, &r))
		snprintf(out, len, "%s%s%s%s", r.text, r.provision ? " (" : "", r.provision ? r.provision : "",
			 r.provision ? ")" : "");
}

/* One line in words: what was decided on it, why, and whether it refuses
 * part of the application. */
static json_t *line_json(const struct ruleset *rs, const struct web_finding_line *l, bool referral_failed)
{
	char what[600], why[1200], a[32], b[32];
	reason_words(rs, l->reason, why, sizeof(why));
	bool refused;
	kr(l->amount, a);
	kr(l->applied, b);
	switch (l->kind) {
	case VERDICT_COST: {
		int t = cost_type_from_name(l->type);
		refused = l->amount < l->applied;
		snprintf(what, sizeof(what), "%s: godtas upp till %s kr (ansökt %s kr)", t < 0 ? "Kostnad" : COST_SV[t], a, b);
		break;
	}
	case VERDICT_INCOME:
		refused = l->amount > l->applied;
		snprintf(what, sizeof(what), "%s: räknas som inkomst med %s kr (uppgett %s kr)", sv_income(l->type), a, b);
		break;
	default:
		refused = l->reject;
		snprintf(what, sizeof(what), "%s kontroll%s", refused ? "Avslag på" : "Godtar",
			 referral_failed ? " som hänvisade ärendet" : "");
		break;
	}
	return json_pack("{s:s,s:s,s:b}", "what", what, "why", why, "refused", refused);
}

void person_findings_ctx(json_t *ctx, const struct web_person_findings *f, bool referral_failed)
{
	json_object_set_new(ctx, "by_person", json_true());
	if (!f)
		return;     /* decided before line by line: the note says why */
	struct ruleset *rs = NULL;
	struct ebba_err e;
	if (ruleset_load(request_config()->rules_dir, &rs, NULL, &e) != 0)
		rs = NULL;
	json_t *lines = json_array();
	for (size_t i = 0; i < f->n_lines; i++)
		json_array_append_new(lines, line_json(rs, &f->lines[i], referral_failed));
	if (f->reason) {
		char why[1200];
		reason_words(rs, f->reason, why, sizeof(why));
		json_array_append_new(lines, json_pack("{s:s,s:s,s:b}", "what", "Hela ansökan avslås", "why", why,
						       "refused", 1));
	}
	json_object_set_new(ctx, "person_lines", lines);
	json_object_set_new(ctx, "ruleset_differs", json_boolean(f->ruleset_differs));
	ruleset_free(rs);
}

/* (reads the decision page's document until that page has a view model of
 * its own: the findings themselves are read typed, web_person.h) */
void person_decision_ctx(json_t *d)
{
	if (!json_is_integer(json_object_get(d, "reviewed")))
		return;
	json_t *doc = json_object_get(d, "findings");
	bool referral_failed = json_array_size(json_object_get(json_object_get(d, "referral"), "failed")) > 0;
	if (!json_is_object(doc)) {
		person_findings_ctx(d, NULL, referral_failed);
		return;
	}
	struct web_person_findings f;
	struct ebba_err e;
	if (web_person_findings_read(doc, &f, &e) != 0) {
		/* shown as a decision without lines (its note), and said in the log */
		log_error("ebba-web: decision %lld: %s", (long long)json_integer_value(json_object_get(d, "id")), e.msg);
		person_findings_ctx(d, NULL, referral_failed);
		return;
	}
	person_findings_ctx(d, &f, referral_failed);
	web_person_findings_free(&f);
}

/* ---- Pröva, line by line ------------------------------------------------ */

static json_t *reason_options(const struct ruleset *rs, const char *selected)
{
	json_t *a = json_array();
	char today[DATE_BUF];
	date_today_local(today);
	for (size_t i = 0; rs && i < ruleset_n_reasons(rs); i++) {
		struct ruleset_reason_view r;
		ruleset_reason(rs, i, today, &r);
		json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "id", r.id, "text", r.text, "selected",
						   selected && strcmp(selected, r.id) == 0));
	}
	return a;
}

/* One line per income type declared: the amount to count, empty for as
 * ebba counted it (a typed amount becomes the person's finding). */
static json_t *income_fields(const struct web_request *rq, const struct application *app,
			     const struct ruleset *rs)
{
	json_t *a = json_array();
	int64_t by[INCOME_TYPE_COUNT] = {0};
	bool has[INCOME_TYPE_COUNT] = {false};
	for (size_t k = 0; k < app->n_incomes; k++) {
		by[app->incomes[k].type] += app->incomes[k].amount;
		has[app->incomes[k].type] = true;
	}
	for (int t = 0; t < INCOME_TYPE_COUNT; t++) {
		if (!has[t])
			continue;
		char f[16], fr[16], declared[32];
		snprintf(f, sizeof(f), "i%zu", json_array_size(a));
		snprintf(fr, sizeof(fr), "i%zur", json_array_size(a));
		kr(by[t], declared);
		const char *v = web_form(rq, f), *r = web_form(rq, fr);
		const char *type = income_type_name((enum income_type)t);
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:o}", "label", sv_income(type),
			"type", type, "declared", declared, "declared_value", (json_int_t)by[t], "field", f,
			"rfield", fr, "value", v ? v : "", "options", reason_options(rs, r)));
	}
	return a;
}

void prova_lines_ctx(const struct web_request *rq, json_t *d, const struct application *app)
{
	if (!json_is_true(json_object_get(d, "by_ebba")) || json_array_size(json_object_get(d, "reviews")))
		return;
	struct ruleset *rs = NULL;
	struct ebba_err e;
	if (ruleset_load(request_config()->rules_dir, &rs, NULL, &e) != 0)
		return;
	json_t *costs = json_array(), *checks = json_array();
	int64_t by[COST_TYPE_COUNT] = {0};
	bool has[COST_TYPE_COUNT] = {false};
	for (size_t k = 0; k < app->n_costs; k++) {
		by[app->costs[k].type] += app->costs[k].amount;
		has[app->costs[k].type] = true;
	}
	char f[16], fr[16];
	for (int t = 0; t < COST_TYPE_COUNT; t++) {
		if (!has[t])
			continue;
		size_t i = json_array_size(costs);
		snprintf(f, sizeof(f), "c%zu", i);
		snprintf(fr, sizeof(fr), "c%zur", i);
		char applied[32], deflt[24];
		kr(by[t], applied);
		snprintf(deflt, sizeof(deflt), "%lld", (long long)by[t]);
		const char *v = web_form(rq, f), *r = web_form(rq, fr);
		json_array_append_new(costs, json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:o}", "label", COST_SV[t],
			"type", cost_type_name((enum cost_type)t), "applied", applied, "applied_value", (json_int_t)by[t],
			"field", f, "rfield", fr, "options", reason_options(rs, r)));
		json_object_set_new(json_array_get(costs, i), "value", json_string(v ? v : deflt));
	}
	json_t *incomes = income_fields(rq, app, rs);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(d, "failed"), i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		if (!id || str_starts_with(id, "ebba-"))
			continue;
		size_t n = json_array_size(checks);
		snprintf(f, sizeof(f), "k%zu", n);
		snprintf(fr, sizeof(fr), "k%zur", n);
		const char *v = web_form(rq, f), *r = web_form(rq, fr);
		const char *m = json_string_value(json_object_get(c, "message"));
		json_array_append_new(checks, json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:o}", "id", id, "message",
			m && *m ? m : "Kontroll som inte är uppfylld", "field", f, "rfield", fr,
			"accept", v && strcmp(v, "accept") == 0, "reject", v && strcmp(v, "reject") == 0,
			"options", reason_options(rs, r)));
	}
	json_object_set_new(d, "pl_costs", costs);
	json_object_set_new(d, "pl_incomes", incomes);
	json_object_set_new(d, "pl_checks", checks);
	json_object_set_new(d, "pl_reasons", reason_options(rs, web_form(rq, "reason")));
	const char *note = web_form(rq, "note");
	json_object_set_new(d, "pl_note", json_string(note ? note : ""));
	json_object_set_new(d, "pl_form", json_true());
	ruleset_free(rs);
}

static void pl_error(json_t *ctx, const char *field, const char *text)
{
	json_t *errors = json_object_get(ctx, "errors");
	if (!errors) {
		errors = json_array();
		json_object_set_new(ctx, "errors", errors);
	}
	json_array_append_new(errors, json_pack("{s:s,s:s}", "field", field, "text", text));
	json_object_set_new(ctx, "has_errors", json_true());
}

/* "6 150", "6150" or "6 150 kr" as whole kronor; -1 otherwise. */
static long long swedish_amount(const char *s)
{
	char digits[16];
	size_t n = 0;
	for (; s && *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (n + 1 >= sizeof(digits))
				return -1;
			digits[n++] = *s;
		} else if (*s == ' ' || (unsigned char)*s == 0xc2 || (unsigned char)*s == 0xa0) {
			continue;
		} else if (strcmp(s, "kr") == 0) {
			break;
		} else {
			return -1;
		}
	}
	if (!n || n > 8)
		return -1;
	digits[n] = '\0';
	return atoll(digits);
}

/* The id of the form's field name f (a line's fields are named as their
 * ids: c0, c0r, i0, i0r, k1, k1r, reason); the note's for anything else. */
static const char *form_field(const char *f)
{
	size_t d = (f[0] == 'c' || f[0] == 'k' || f[0] == 'i') ? strspn(f + 1, "0123456789") : 0;
	bool line = d >= 1 && d <= 3 && (f[1 + d] == '\0' || (f[1 + d] == 'r' && f[2 + d] == '\0'));
	return line || strcmp(f, "reason") == 0 ? f : "pl-note";
}

/* An income line of the form: empty is as ebba counted it. */
static void form_income(const struct web_request *rq, json_t *ctx, const json_t *c, struct verdict *v)
{
	const char *label = json_string_value(json_object_get(c, "label"));
	const char *field = json_string_value(json_object_get(c, "field"));
	const char *rfield = json_string_value(json_object_get(c, "rfield"));
	const char *value = json_string_value(json_object_get(c, "value"));
	const char *reason = web_form(rq, rfield);
	char msg[400], line[200];
	struct ebba_err e;
	if (!value || !*value)
		return;
	long long amount = swedish_amount(value);
	if (amount < 0) {
		snprintf(msg, sizeof(msg), "%s: ange beloppet i hela kronor, till exempel 8 000", label);
		pl_error(ctx, field, msg);
		return;
	}
	if (amount > json_integer_value(json_object_get(c, "declared_value")) && (!reason || !*reason)) {
		snprintf(msg, sizeof(msg), "%s: välj ett skäl när du räknar mer än det uppgivna", label);
		pl_error(ctx, rfield, msg);
		return;
	}
	snprintf(line, sizeof(line), "%s=%lld%s%s", json_string_value(json_object_get(c, "type")), amount,
		 reason && *reason ? ":" : "", reason && *reason ? reason : "");
	if (verdict_add(v, VERDICT_INCOME, line, &e) != 0)
		pl_error(ctx, field, "Raden kunde inte läsas");
}

/* The form's lines as a verdict; Swedish errors at their fields in ctx. */
static void form_verdict(const struct web_request *rq, json_t *ctx, struct verdict *v)
{
	size_t i;
	json_t *c;
	struct ebba_err e;
	char msg[400], line[200];
	if (rq->form_unreadable)
		pl_error(ctx, form_field(rq->form_unreadable), WEB_FORM_UNREADABLE_TEXT);
	json_array_foreach(json_object_get(ctx, "pl_costs"), i, c) {
		const char *label = json_string_value(json_object_get(c, "label"));
		const char *field = json_string_value(json_object_get(c, "field"));
		const char *reason = web_form(rq, json_string_value(json_object_get(c, "rfield")));
		long long applied = json_integer_value(json_object_get(c, "applied_value"));
		long long amount = swedish_amount(json_string_value(json_object_get(c, "value")));
		if (amount < 0) {
			snprintf(msg, sizeof(msg), "%s: ange beloppet i hela kronor, till exempel 6 150", label);
			pl_error(ctx, field, msg);
			continue;
		}
		if (amount > applied) {
			snprintf(msg, sizeof(msg), "%s: högst det sökta beloppet, %s kr", label,
				 json_string_value(json_object_get(c, "applied")));
			pl_error(ctx, field, msg);
			continue;
		}
		if (amount < applied && (!reason || !*reason)) {
			snprintf(msg, sizeof(msg), "%s: välj ett skäl när du godtar mindre än det sökta", label);
			pl_error(ctx, json_string_value(json_object_get(c, "rfield")), msg);
			continue;
		}
		snprintf(line, sizeof(line), "%s=%lld%s%s", json_string_value(json_object_get(c, "type")), amount,
			 reason && *reason ? ":" : "", reason && *reason ? reason : "");
		if (verdict_add(v, VERDICT_COST, line, &e) != 0)
			pl_error(ctx, field, "Raden kunde inte läsas");
	}
	json_array_foreach(json_object_get(ctx, "pl_incomes"), i, c)
		form_income(rq, ctx, c, v);
	json_array_foreach(json_object_get(ctx, "pl_checks"), i, c) {
		const char *m = json_string_value(json_object_get(c, "message"));
		const char *rfield = json_string_value(json_object_get(c, "rfield"));
		bool acc = json_is_true(json_object_get(c, "accept")), rej = json_is_true(json_object_get(c, "reject"));
		const char *reason = web_form(rq, rfield);
		if (!acc && !rej)
			continue;   /* a cost line with this check's reason may decide it */
		if (rej && (!reason || !*reason)) {
			snprintf(msg, sizeof(msg), "%.300s: välj ett skäl för avslaget", m);
			pl_error(ctx, rfield, msg);
			continue;
		}
		snprintf(line, sizeof(line), "%.120s=%s%s%s", json_string_value(json_object_get(c, "id")),
			 rej ? "reject" : "accept", reason && *reason ? ":" : "", reason && *reason ? reason : "");
		if (verdict_add(v, VERDICT_CHECK, line, &e) != 0)
			pl_error(ctx, rfield, "Raden kunde inte läsas");
	}
	const char *whole = web_form(rq, "reason"), *note = web_form(rq, "note");
	if (note && strlen(note) > NOTE_MAX)
		pl_error(ctx, "pl-note", "Din bedömning får vara högst 4000 tecken");
	if (whole && *whole)
		v->reason = xstrdup(whole);
	if (note && *note)
		v->note = xstrdup(note);
}

int page_review_lines(const struct web_request *rq, struct web_response *rs, const char *id, json_t *ctx,
		      struct ebba_err *err)
{
	struct verdict v;
	struct verdict_run r;
	verdict_init(&v);
	verdict_run_init(&r);
	const char *action = web_form(rq, "action");
	bool save = action && strcmp(action, "spara") == 0;
	int rc = 0;
	struct ebba_err e;
	form_verdict(rq, ctx, &v);
	if (!json_is_true(json_object_get(ctx, "has_errors"))) {
		if (verdict_run_load(rq->db, id, &r, &e) != 0 ||
		    verdict_run_decide(rq->db, request_config(), request_config()->rules_dir, &v, &r, &e) != 0) {
			log_info("pröva %s: not computed: %s", id, e.msg);
			pl_error(ctx, "c0", r.already ? "Ärendet har redan prövats av någon annan"
				 : "Beslutet kunde inte beräknas med de här raderna: besluta varje kontroll som inte är uppfylld (godta eller avslå), eller godta kostnaden med ett skäl som gäller kontrollen; det som beviljas måste vara mer än 0 kr");
		} else {
			char a[32] = "";
			if (r.outcome != OUTCOME_REJECTED)
				kr(r.now.amount, a);
			json_object_set_new(ctx, "pl_result", json_pack("{s:s,s:s}", "outcome_label",
				outcome_sv(r.outcome), "amount", a));
			if (save && r.outcome != OUTCOME_APPROVED && !v.note)
				pl_error(ctx, "pl-note", "Skriv en anteckning: den krävs vid delvis bifall och avslag");
		}
	}
	bool errors = json_is_true(json_object_get(ctx, "has_errors")), conflict = r.already;
	if (save && !errors) {
		bool resolved;
		int64_t new_id;
		char by[128];
		if (verdict_run_save(rq->db, &r, &v, id, NULL, rq->client, &resolved, &new_id, by, sizeof(by), err) != 0) {
			rc = -1;
		} else if (!resolved) {
			pl_error(ctx, "c0", "Ärendet har redan prövats av någon annan; ditt beslut sparades inte");
			errors = conflict = true;
		} else {
			rs->status = 303;
			snprintf(rs->location, sizeof(rs->location), "/beslut/%lld?sparat=1", (long long)new_id);
		}
	}
	if (rc == 0 && rs->status != 303) {
		rs->status = conflict ? 409 : errors ? 422 : 200;
		if (page_log(rq, "view", "decision", id, err) != 0) {
			rc = -1;
		} else {
			char title[96];
			snprintf(title, sizeof(title), "%s beslut %s", errors ? "Fel i prövningen av" : "Pröva", id);
			rc = web_page(rq, rs, title, "decision", ctx, err);
		}
	}
	verdict_free(&v);
	verdict_run_free(&r);
	return rc;
}
