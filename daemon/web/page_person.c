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
#include "ebba/store/web_decision.h"
#include "ebba/store/web_pages.h"
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

/* From the decision page's view: the findings themselves are read typed
 * (web_person.h); nothing for ebba's own decision. */
void person_decision_ctx(json_t *ctx, const struct web_decision_view *v)
{
	if (!v->has_reviewed)
		return;
	bool referral_failed = v->has_referral && v->referral.n_failed > 0;
	if (!json_is_object(v->findings)) {
		person_findings_ctx(ctx, NULL, referral_failed);
		return;
	}
	struct web_person_findings f;
	struct ebba_err e;
	if (store_web_person_findings_read(v->findings, &f, &e) != 0) {
		/* shown as a decision without lines (its note), and said in the log */
		log_error("ebba-web: decision %lld: %s", (long long)v->id, e.msg);
		person_findings_ctx(ctx, NULL, referral_failed);
		return;
	}
	person_findings_ctx(ctx, &f, referral_failed);
	store_web_person_findings_free(&f);
}

/* ---- Pröva, line by line ------------------------------------------------ */

/* One line of the form: a cost, an income or a failed check, with what
 * was posted for it (nothing for a GET). */
struct pl_line {
	const char *label;            /* cost and income */
	const char *type;             /* cost and income: the type's name */
	char field[16], rfield[16];   /* c0 c0r, i0 i0r, k0 k0r */
	const char *value;            /* cost and income: as typed ("" or the default) */
	char deflt[24];               /* cost: the applied amount, the value when none is posted */
	int64_t base;                 /* cost: applied for; income: declared */
	char base_kr[32];             /* the same in kronor as shown */
	const char *reason;           /* the posted reason id, or NULL */
	const char *id, *message;     /* check */
	bool accept, reject;          /* check */
};

#define PL_MAX_ERRORS 64

struct pl_error {
	const char *field;            /* the id of the field it is shown at */
	char text[400];
};

/* The Pröva form: built once from the view and the application, read
 * from the request, checked, and only then written to the context. */
struct pl_form {
	bool shown;                   /* the form is shown: ebba's open decision, the catalogue read */
	struct ruleset *rs;
	struct pl_line *costs, *incomes, *checks;
	size_t n_costs, n_incomes, n_checks;
	const char *whole;            /* the whole application's avslag reason, or NULL */
	const char *note;             /* NULL when none posted */
	struct pl_error errors[PL_MAX_ERRORS];
	size_t n_errors;
	bool has_result;
	const char *result_label;
	char result_amount[32];
};

static void pl_error(struct pl_form *f, const char *field, const char *text)
{
	if (f->n_errors >= PL_MAX_ERRORS)
		return;
	f->errors[f->n_errors].field = field;
	snprintf(f->errors[f->n_errors].text, sizeof(f->errors[0].text), "%s", text);
	f->n_errors++;
}

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

static struct pl_line *pl_next(const struct web_request *rq, struct pl_line *lines, size_t *n, char prefix)
{
	struct pl_line *l = &lines[(*n)++];
	snprintf(l->field, sizeof(l->field), "%c%zu", prefix, *n - 1);
	snprintf(l->rfield, sizeof(l->rfield), "%c%zur", prefix, *n - 1);
	l->reason = web_form(rq, l->rfield);
	return l;
}

/* The form's lines for view v and application app, with what rq posted:
 * one line per cost type applied for, per income type declared (empty for
 * as ebba counted it) and per failed check of the rule set's own. */
static void pl_read(const struct web_request *rq, const struct web_decision_view *v,
		    const struct application *app, struct pl_form *f)
{
	memset(f, 0, sizeof(*f));
	f->whole = web_form(rq, "reason");
	f->note = web_form(rq, "note");
	if (!app || !v->by_ebba || v->n_reviews)
		return;
	struct ebba_err e;
	if (ruleset_load(request_config()->rules_dir, &f->rs, NULL, &e) != 0) {
		f->rs = NULL;
		return;
	}
	f->shown = true;
	int64_t by[COST_TYPE_COUNT] = {0};
	bool has[COST_TYPE_COUNT] = {false};
	for (size_t k = 0; k < app->n_costs; k++) {
		by[app->costs[k].type] += app->costs[k].amount;
		has[app->costs[k].type] = true;
	}
	f->costs = xcalloc(COST_TYPE_COUNT, sizeof(*f->costs));
	for (int t = 0; t < COST_TYPE_COUNT; t++) {
		if (!has[t])
			continue;
		struct pl_line *l = pl_next(rq, f->costs, &f->n_costs, 'c');
		l->label = COST_SV[t];
		l->type = cost_type_name((enum cost_type)t);
		l->base = by[t];
		kr(by[t], l->base_kr);
		snprintf(l->deflt, sizeof(l->deflt), "%lld", (long long)by[t]);
		const char *val = web_form(rq, l->field);
		l->value = val ? val : l->deflt;
	}
	int64_t iby[INCOME_TYPE_COUNT] = {0};
	bool ihas[INCOME_TYPE_COUNT] = {false};
	for (size_t k = 0; k < app->n_incomes; k++) {
		iby[app->incomes[k].type] += app->incomes[k].amount;
		ihas[app->incomes[k].type] = true;
	}
	f->incomes = xcalloc(INCOME_TYPE_COUNT, sizeof(*f->incomes));
	for (int t = 0; t < INCOME_TYPE_COUNT; t++) {
		if (!ihas[t])
			continue;
		struct pl_line *l = pl_next(rq, f->incomes, &f->n_incomes, 'i');
		l->type = income_type_name((enum income_type)t);
		l->label = sv_income(l->type);
		l->base = iby[t];
		kr(iby[t], l->base_kr);
		const char *val = web_form(rq, l->field);
		l->value = val ? val : "";
	}
	f->checks = xcalloc(v->n_checks ? v->n_checks : 1, sizeof(*f->checks));
	for (size_t i = 0; i < v->n_checks; i++) {
		const struct web_decision_check *c = &v->checks[i];
		if (c->result != RULE_FAIL && c->result != RULE_ERROR)
			continue;
		if (!c->id || str_starts_with(c->id, "ebba-"))
			continue;
		struct pl_line *l = pl_next(rq, f->checks, &f->n_checks, 'k');
		l->id = c->id;
		l->message = c->message && *c->message ? c->message : "Kontroll som inte är uppfylld";
		const char *val = web_form(rq, l->field);
		l->accept = val && strcmp(val, "accept") == 0;
		l->reject = val && strcmp(val, "reject") == 0;
	}
}

static void pl_free(struct pl_form *f)
{
	free(f->costs);
	free(f->incomes);
	free(f->checks);
	ruleset_free(f->rs);
	memset(f, 0, sizeof(*f));
}

/* The form into ctx: the one place that writes it. */
static void pl_ctx(json_t *ctx, const struct pl_form *f)
{
	if (f->shown) {
		json_t *costs = json_array(), *incomes = json_array(), *checks = json_array();
		for (size_t i = 0; i < f->n_costs; i++) {
			const struct pl_line *l = &f->costs[i];
			json_array_append_new(costs, json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:o,s:s}", "label", l->label,
				"type", l->type, "applied", l->base_kr, "applied_value", (json_int_t)l->base,
				"field", l->field, "rfield", l->rfield, "options", reason_options(f->rs, l->reason),
				"value", l->value));
		}
		for (size_t i = 0; i < f->n_incomes; i++) {
			const struct pl_line *l = &f->incomes[i];
			json_array_append_new(incomes, json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:o}", "label", l->label,
				"type", l->type, "declared", l->base_kr, "declared_value", (json_int_t)l->base,
				"field", l->field, "rfield", l->rfield, "value", l->value,
				"options", reason_options(f->rs, l->reason)));
		}
		for (size_t i = 0; i < f->n_checks; i++) {
			const struct pl_line *l = &f->checks[i];
			json_array_append_new(checks, json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:o}", "id", l->id,
				"message", l->message, "field", l->field, "rfield", l->rfield,
				"accept", l->accept, "reject", l->reject, "options", reason_options(f->rs, l->reason)));
		}
		json_object_set_new(ctx, "pl_costs", costs);
		json_object_set_new(ctx, "pl_incomes", incomes);
		json_object_set_new(ctx, "pl_checks", checks);
		json_object_set_new(ctx, "pl_reasons", reason_options(f->rs, f->whole));
		json_object_set_new(ctx, "pl_note", json_string(f->note ? f->note : ""));
		json_object_set_new(ctx, "pl_form", json_true());
	}
	if (f->n_errors) {
		json_t *errors = json_array();
		for (size_t i = 0; i < f->n_errors; i++)
			json_array_append_new(errors, json_pack("{s:s,s:s}", "field", f->errors[i].field,
								"text", f->errors[i].text));
		json_object_set_new(ctx, "errors", errors);
		json_object_set_new(ctx, "has_errors", json_true());
	}
	if (f->has_result)
		json_object_set_new(ctx, "pl_result", json_pack("{s:s,s:s}", "outcome_label", f->result_label,
								 "amount", f->result_amount));
}

void prova_lines_ctx(const struct web_request *rq, const struct web_decision_view *v,
		     const struct application *app, json_t *ctx)
{
	struct pl_form f;
	pl_read(rq, v, app, &f);
	if (f.shown)
		pl_ctx(ctx, &f);
	pl_free(&f);
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
static void form_income(struct pl_form *f, const struct pl_line *l, struct verdict *v)
{
	const char *reason = l->reason;
	char msg[400], line[200];
	struct ebba_err e;
	if (!l->value || !*l->value)
		return;
	long long amount = swedish_amount(l->value);
	if (amount < 0) {
		snprintf(msg, sizeof(msg), "%s: ange beloppet i hela kronor, till exempel 8 000", l->label);
		pl_error(f, l->field, msg);
		return;
	}
	if (amount > l->base && (!reason || !*reason)) {
		snprintf(msg, sizeof(msg), "%s: välj ett skäl när du räknar mer än det uppgivna", l->label);
		pl_error(f, l->rfield, msg);
		return;
	}
	snprintf(line, sizeof(line), "%s=%lld%s%s", l->type, amount,
		 reason && *reason ? ":" : "", reason && *reason ? reason : "");
	if (verdict_add(v, VERDICT_INCOME, line, &e) != 0)
		pl_error(f, l->field, "Raden kunde inte läsas");
}

/* The form's lines as a verdict; Swedish errors at their fields in f. */
static void form_verdict(const struct web_request *rq, struct pl_form *f, struct verdict *v)
{
	struct ebba_err e;
	char msg[400], line[200];
	if (rq->form_unreadable)
		pl_error(f, form_field(rq->form_unreadable), WEB_FORM_UNREADABLE_TEXT);
	for (size_t i = 0; i < f->n_costs; i++) {
		const struct pl_line *c = &f->costs[i];
		const char *reason = c->reason;
		long long amount = swedish_amount(c->value);
		if (amount < 0) {
			snprintf(msg, sizeof(msg), "%s: ange beloppet i hela kronor, till exempel 6 150", c->label);
			pl_error(f, c->field, msg);
			continue;
		}
		if (amount > c->base) {
			snprintf(msg, sizeof(msg), "%s: högst det sökta beloppet, %s kr", c->label, c->base_kr);
			pl_error(f, c->field, msg);
			continue;
		}
		if (amount < c->base && (!reason || !*reason)) {
			snprintf(msg, sizeof(msg), "%s: välj ett skäl när du godtar mindre än det sökta", c->label);
			pl_error(f, c->rfield, msg);
			continue;
		}
		snprintf(line, sizeof(line), "%s=%lld%s%s", c->type, amount,
			 reason && *reason ? ":" : "", reason && *reason ? reason : "");
		if (verdict_add(v, VERDICT_COST, line, &e) != 0)
			pl_error(f, c->field, "Raden kunde inte läsas");
	}
	for (size_t i = 0; i < f->n_incomes; i++)
		form_income(f, &f->incomes[i], v);
	for (size_t i = 0; i < f->n_checks; i++) {
		const struct pl_line *c = &f->checks[i];
		const char *reason = c->reason;
		if (!c->accept && !c->reject)
			continue;   /* a cost line with this check's reason may decide it */
		if (c->reject && (!reason || !*reason)) {
			snprintf(msg, sizeof(msg), "%.300s: välj ett skäl för avslaget", c->message);
			pl_error(f, c->rfield, msg);
			continue;
		}
		snprintf(line, sizeof(line), "%.120s=%s%s%s", c->id,
			 c->reject ? "reject" : "accept", reason && *reason ? ":" : "", reason && *reason ? reason : "");
		if (verdict_add(v, VERDICT_CHECK, line, &e) != 0)
			pl_error(f, c->rfield, "Raden kunde inte läsas");
	}
	if (f->note && strlen(f->note) > NOTE_MAX)
		pl_error(f, "pl-note", "Din bedömning får vara högst 4000 tecken");
	if (f->whole && *f->whole)
		v->reason = xstrdup(f->whole);
	if (f->note && *f->note)
		v->note = xstrdup(f->note);
}

int page_review_lines(const struct web_request *rq, struct web_response *rs, const char *id,
		      const struct web_decision_view *dv, const struct application *app,
		      json_t *ctx, struct ebba_err *err)
{
	/* the form as posted: the view's lines over the application as received
	 * (none when it cannot be read, as the page then shows) */
	struct pl_form f;
	pl_read(rq, dv, app, &f);
	struct verdict v;
	struct verdict_run r;
	verdict_init(&v);
	verdict_run_init(&r);
	const char *action = web_form(rq, "action");
	bool save = action && strcmp(action, "spara") == 0;
	int rc = 0;
	struct ebba_err e;
	form_verdict(rq, &f, &v);
	if (f.n_errors == 0) {
		if (verdict_run_load(rq->db, id, &r, &e) != 0 ||
		    verdict_run_decide(rq->db, request_config(), request_config()->rules_dir, &v, &r, &e) != 0) {
			log_info("pröva %s: not computed: %s", id, e.msg);
			pl_error(&f, "c0", r.already ? "Ärendet har redan prövats av någon annan"
				 : "Beslutet kunde inte beräknas med de här raderna: besluta varje kontroll som inte är uppfylld (godta eller avslå), eller godta kostnaden med ett skäl som gäller kontrollen; det som beviljas måste vara mer än 0 kr");
		} else {
			f.has_result = true;
			f.result_label = outcome_sv(r.outcome);
			if (r.outcome != OUTCOME_REJECTED)
				kr(r.now.amount, f.result_amount);
			if (save && r.outcome != OUTCOME_APPROVED && !v.note)
				pl_error(&f, "pl-note", "Skriv en anteckning: den krävs vid delvis bifall och avslag");
		}
	}
	bool errors = f.n_errors > 0, conflict = r.already;
	if (save && !errors) {
		bool resolved;
		int64_t new_id;
		char by[128];
		if (verdict_run_save(rq->db, &r, &v, id, NULL, rq->client, &resolved, &new_id, by, sizeof(by), err) != 0) {
			rc = -1;
		} else if (!resolved) {
			pl_error(&f, "c0", "Ärendet har redan prövats av någon annan; ditt beslut sparades inte");
			errors = conflict = true;
		} else {
			rs->status = 303;
			snprintf(rs->location, sizeof(rs->location), "/beslut/%lld?sparat=1", (long long)new_id);
		}
	}
	if (rc == 0 && rs->status != 303) {
		pl_ctx(ctx, &f);
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
	pl_free(&f);
	return rc;
}
