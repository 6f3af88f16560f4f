/*
 * Beslut: one decision, in the order a caseworker reads it: the outcome
 * and why (the failed checks in words), the facts beside their source
 * (Uppgett och register, Arbetsförmedlingen, planering), the calculation,
 * the act (Pröva), and at the bottom what the audit and an appeal need
 * (rule set and hash, letter, evidence as received, earlier decisions).
 *
 * The application document is parsed again with the intake parser and the
 * register answers with their own parsers, so every figure on the page is
 * what ebba read, not a second interpretation of it.  Persons are named by
 * role and age; an identity number never reaches the page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_words.h"
#include "decision.h"
#include "ebba/facts/facts.h"
#include "ebba/intake/application.h"
#include "ebba/lib/date.h"
#include "ebba/lib/evidence_kind.h"
#include "ebba/registers/attendance.h"
#include "ebba/registers/ssbtek.h"
#include "ebba/rules/rules.h"
#include "ebba/store/assign.h"
#include "ebba/store/web_decision.h"
#include "ebba/store/web_pages.h"
#include "ebba/store/web_queue.h"
#include "pages.h"
#include "request.h"
#include "ebba/lib/outcome.h"

/* An amount as the pages write it ("18 700"), or null: none was computed. */
static json_t *amount_json(struct web_amount a)
{
	return kr_json(a.has, a.kr);
}

/* A nullable string as the template sees it: null stops a name's lookup
 * in the enclosing sections, as the database's null always did. */
static json_t *nstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *nint(bool has, int64_t v)
{
	return has ? json_integer((json_int_t)v) : json_null();
}

/* --- checks ---------------------------------------------------------- */

/* The checks in words: the message of a failure, the rule set's
 * description of each check (check_words.c); never the id. */
static void split_checks(json_t *ctx, const struct web_decision_view *v)
{
	json_t *failed = json_array(), *rest = json_array();
	json_t *words = check_words();
	for (size_t i = 0; i < v->n_checks; i++) {
		const struct web_decision_check *c = &v->checks[i];
		bool bad = c->result == RULE_FAIL || c->result == RULE_ERROR;
		json_array_append_new(bad ? failed : rest, json_pack("{s:s,s:s,s:o,s:s,s:s,s:b,s:b}",
			"id", c->id, "result", rule_result_name(c->result), "message", nstr(c->message),
			"description", check_word(words, c->id),
			"result_label", sv_result(rule_result_name(c->result)),
			"is_error", c->result == RULE_ERROR, "is_pass", c->result == RULE_PASS));
	}
	json_decref(words);
	json_object_set_new(ctx, "failed", failed);
	json_object_set_new(ctx, "n_rest", json_integer((json_int_t)json_array_size(rest)));
	json_object_set_new(ctx, "rest", rest);
}

/* --- what each person's registers said ------------------------------- */

struct person_view {
	char label[80];               /* "sökande, 62 år": role and age, never the number */
	char role[64];
	char ref[96];                 /* "0:sökande", as register_evidence.person_ref */
	bool ssbtek_ok;
	bool ssbtek_asked;            /* a row holds the whole SSBTEK answer */
	enum ev_status ssbtek_status; /* that row's status */
	const char *fetched_at;
	struct ssbtek_result ssbtek;
	struct person_registers regs;
	bool has_plan;
	bool plan_asked;              /* a row holds the planning service's answer */
	enum ev_status plan_status;
	const char *plan_fetched;
	struct attendance att;
};

static void read_ssbtek(struct person_view *pv, const char *raw, size_t len, const char *month)
{
	struct ebba_err err;
	if (ssbtek_parse_response(raw, len, NULL, &pv->ssbtek, &err) != 0)
		return;
	pv->ssbtek_ok = true;
	memset(&pv->regs, 0, sizeof(pv->regs));
	pv->regs.af_scope_percent = -1;
	person_registers_from_ssbtek(&pv->regs, &pv->ssbtek, month);
}

static void read_plan(struct person_view *pv, const char *raw, size_t len)
{
	struct ebba_err err;
	if (attendance_parse(raw, len, NULL, NULL, &pv->att, &err) == 0)
		pv->has_plan = true;
}

/* Reads the answers that arrived as bytes (SSBTEK, planning) for person i. */
static int load_person(PGconn *db, const char *id, const struct web_decision_view *v,
		       struct person_view *pv, const char *month, struct ebba_err *err)
{
	struct ebba_buf raw = {0};
	for (size_t k = 0; k < v->n_evidence; k++) {
		const struct web_decision_evidence *e = &v->evidence[k];
		if (strcmp(e->person_ref, pv->ref) != 0)
			continue;
		bool whole_ssbtek = strcmp(e->agency, ev_source_agency(EV_SOURCE_SSBTEK)) == 0;
		bool plan = e->source == EV_SOURCE_ATTENDANCE;
		const char *fetched = e->fetched_at ? e->fetched_at : "";
		if (whole_ssbtek) {
			pv->ssbtek_asked = true;
			pv->ssbtek_status = e->status;
			pv->fetched_at = fetched;
		} else if (plan) {
			pv->plan_asked = true;
			pv->plan_status = e->status;
			pv->plan_fetched = fetched;
		}
		if (!(whole_ssbtek || plan) || !e->has_bytes || e->bytes == 0 || e->status != EV_OK)
			continue;
		char eid[32], name[160];
		bool found;
		snprintf(eid, sizeof(eid), "%lld", (long long)e->id);
		if (store_web_evidence(db, id, eid, &raw, name, sizeof(name), &found, err) != 0) {
			buf_free(&raw);
			return -1;
		}
		if (found && whole_ssbtek)
			read_ssbtek(pv, raw.data, raw.len, month);
		else if (found)
			read_plan(pv, raw.data, raw.len);
	}
	buf_free(&raw);
	return 0;
}

static void person_free(struct person_view *pv)
{
	if (pv->ssbtek_ok)
		ssbtek_result_free(&pv->ssbtek);
	if (pv->has_plan)
		attendance_free(&pv->att);
}

/* The agencies whose payments in month make up type t. */
static void payment_agencies(const struct ssbtek_result *r, enum income_type t, const char *month,
			     char *out, size_t n)
{
	out[0] = '\0';
	bool seen[SSBTEK_AGENCY_COUNT] = {false};
	for (size_t i = 0; i < r->n_payments; i++) {
		const struct ssbtek_payment *p = &r->payments[i];
		if (p->type != t || p->planned || strncmp(p->date, month, 7) != 0 || seen[p->agency])
			continue;
		seen[p->agency] = true;
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%s", len ? ", " : "", ssbtek_agency_name(p->agency));
	}
}

/* The calculation's line for income type (trace rules.lines), or NULL:
 * whether the rule set compares the type with the registers ("checked")
 * and whether it found them apart ("warn") are the rule's words. */
static const struct web_trace_line *income_line(const struct web_decision_trace *tr, const char *type)
{
	for (size_t i = 0; i < tr->n_lines; i++)
		if (strcmp(tr->lines[i].part, "incomes") == 0 && strcmp(tr->lines[i].type, type) == 0)
			return &tr->lines[i];
	return NULL;
}

static long long declared(const struct application *app, size_t person, int type)
{
	long long s = 0;
	for (size_t i = 0; i < app->n_incomes; i++)
		if (app->incomes[i].person == person && (int)app->incomes[i].type == type)
			s += app->incomes[i].amount;
	return s;
}

/* A person's agency parts that did not answer, in words ("Försäkringskassan,
 * a-kassan"), and what each said, for Underlag. */
static void failed_agencies(const struct web_decision_view *v, const char *ref, struct ebba_buf *out,
			    struct ebba_buf *detail)
{
	for (size_t k = 0; k < v->n_evidence; k++) {
		const struct web_decision_evidence *e = &v->evidence[k];
		if (strcmp(e->person_ref, ref) != 0 || e->source != EV_SOURCE_SSBTEK ||
		    strcmp(e->agency, ev_source_agency(EV_SOURCE_SSBTEK)) == 0 || e->status == EV_OK ||
		    e->status == EV_ABSENT)
			continue;
		buf_printf(out, "%s%s", out->len ? ", " : "", sv_agency(e->agency));
		buf_printf(detail, "%s%s: %s", detail->len ? "; " : "", e->agency, ev_status_name(e->status));
	}
}

/* What person i's look-ups came to (trace registers[i]), or NULL. */
static const struct web_trace_person *trace_person(const struct web_decision_trace *tr, size_t i)
{
	return i < tr->n_persons ? &tr->persons[i] : NULL;
}

/* What the Källa column says of a type no agency paid this month. */
static const char *no_payment_words(bool reg_type, const char *failed, char *buf, size_t n)
{
	if (!reg_type)
		return "rapporteras inte till SSBTEK";
	if (!failed[0])
		return "inga utbetalningar";
	snprintf(buf, n, "inga utbetalningar från dem som svarade; %s svarade inte", failed);
	return buf;
}

static void income_rows(json_t *rows, const struct application *app, size_t i,
			const struct person_view *pv, const struct web_decision_view *v,
			const struct web_decision_trace *tr, const char *month)
{
	bool any = false;
	struct ebba_buf bad = {0}, detail = {0};
	failed_agencies(v, pv->ref, &bad, &detail);
	for (int t = 0; t < INCOME_TYPE_COUNT; t++) {
		long long dec = declared(app, i, t);
		long long reg = pv->ssbtek_ok ? (long long)pv->regs.income[t] : 0;
		if (dec == 0 && reg == 0)
			continue;
		any = true;
		const char *type = income_type_name((enum income_type)t);
		char agencies[64] = "", words[200];
		if (pv->ssbtek_ok)
			payment_agencies(&pv->ssbtek, (enum income_type)t, month, agencies, sizeof(agencies));
		const struct web_trace_line *line = income_line(tr, type);
		bool reg_type = line && line->checked;
		bool differs = pv->ssbtek_ok && line && line->differs;
		json_t *row = json_pack("{s:s,s:s,s:o,s:b,s:b,s:s,s:s}", "person", pv->label,
					"income", sv_income(type), "declared", kr_json(true, dec), "has_register",
					pv->ssbtek_ok && reg_type, "differs", differs, "agency",
					!pv->ssbtek_ok ? "registret svarade inte" : agencies[0] ? agencies
					: no_payment_words(reg_type, bad.len ? bad.data : "", words, sizeof(words)),
					"answered", pv->ssbtek_ok && pv->fetched_at ? pv->fetched_at : "");
		json_object_set_new(row, "register", kr_json(true, reg));
		json_array_append_new(rows, row);
	}
	if (pv->ssbtek_asked && pv->ssbtek_status != EV_OK) {
		/* the technical reason (English, from the transport) only under Underlag */
		const struct web_trace_person *tp = trace_person(tr, i);
		const char *why = tp ? tp->ssbtek_reason : NULL;
		json_array_append_new(rows, json_pack("{s:s,s:s,s:s?}", "person", pv->label, "unavailable",
			"Register ej tillgängligt: Försäkringskassan (SSBTEK) svarade inte, så uppgifterna från "
			"Arbetsförmedlingen, CSN, Försäkringskassan och a-kassan saknas", "why", why));
	} else if (bad.len) {
		char *msg = xasprintf("Register ej tillgängligt: %s svarade inte", bad.data);
		json_array_append_new(rows, json_pack("{s:s,s:s,s:s}", "person", pv->label, "unavailable", msg,
						      "why", detail.data));
		free(msg);
	} else if (!pv->ssbtek_asked) {
		json_array_append_new(rows, json_pack("{s:s,s:s}", "person", pv->label, "none",
			app->persons[i].age < 16 ? "Registren tillfrågas inte (under 16 år)"
						 : "Registren tillfrågades inte"));
	} else if (!any) {
		json_array_append_new(rows, json_pack("{s:s,s:s,s:s}", "person", pv->label, "none",
			"Inga inkomster uppgivna och inga i registren", "answered",
			pv->fetched_at ? pv->fetched_at : ""));
	}
	buf_free(&bad);
	buf_free(&detail);
}

static json_t *af_row(const struct person_view *pv)
{
	if (!pv->ssbtek_ok || pv->regs.agency[SSBTEK_AF] != AGENCY_OK)
		return NULL;
	const struct person_registers *r = &pv->regs;
	char text[160];
	if (!r->af_known)
		snprintf(text, sizeof(text), "Arbetsförmedlingen lämnade ingen uppgift om inskrivning");
	else if (!r->af_registered)
		snprintf(text, sizeof(text), "Inte inskriven som arbetssökande");
	else
		snprintf(text, sizeof(text), "Inskriven%s%s%s", r->af_since[0] ? " sedan " : "",
			 r->af_since, r->af_scope_percent >= 0 ? "" : "");
	json_t *row = json_pack("{s:s,s:s,s:s,s:s}", "person", pv->label, "text", text,
				"report", r->af_latest_report[0] ? r->af_latest_report : "ingen",
				"answered", pv->fetched_at ? pv->fetched_at : "");
	if (r->af_scope_percent >= 0)
		json_object_set_new(row, "scope", json_integer(r->af_scope_percent));
	return row;
}

static const char *sv_activity(const char *type)
{
	static const char *const words[][2] = {
		{"sfi", "SFI (svenska för invandrare)"}, {"work_training", "Arbetsträning"},
		{"job_search", "Jobbsökaraktivitet"}, {"education", "Utbildning"},
		{"internship", "Praktik"}, {"rehabilitation", "Rehabilitering"},
	};
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strcmp(words[i][0], type) == 0)
			return words[i][1];
	return type;
}

static json_t *hours(int64_t hundredths)
{
	char s[32];
	snprintf(s, sizeof(s), "%lld", (long long)(hundredths / 100));
	return json_string(s);
}

/*
 * A person's planning: the activities as the register reported them (its
 * hours), and the attendance the rule used (trace: registers[i].
 * attendance_figures, attended plus valid absence over planned), never a
 * share the page works out itself.
 */
static json_t *plan_rows(const struct person_view *pv, const struct web_decision_trace *tr, size_t i)
{
	json_t *p = json_pack("{s:s,s:s}", "person", pv->label, "answered",
			      pv->plan_fetched ? pv->plan_fetched : "");
	if (!pv->has_plan) {
		bool none = pv->plan_asked && pv->plan_status == EV_NOT_FOUND;
		json_object_set_new(p, "missing", json_string(none ? "Ingen planering registrerad"
			: "Register ej tillgängligt: planeringen (arbetsmarknadsenheten) svarade inte"));
		const struct web_trace_person *tp = trace_person(tr, i);
		const char *why = tp ? tp->attendance_reason : NULL;
		if (!none && why)
			json_object_set_new(p, "why", json_string(why));
		return p;
	}
	json_t *acts = json_array();
	for (size_t k = 0; k < pv->att.n_activities; k++) {
		const struct attendance_activity *a = &pv->att.activities[k];
		json_array_append_new(acts, json_pack("{s:s,s:o,s:o,s:o}", "type", sv_activity(a->type),
			"scheduled", hours(a->scheduled), "attended", hours(a->attended), "excused", hours(a->excused)));
	}
	json_object_set_new(p, "activities", acts);
	json_object_set_new(p, "hours_per_week", json_integer(pv->att.hours_per_week));
	const struct web_trace_person *f = trace_person(tr, i);
	if (f && f->has_figures) {
		json_object_set_new(p, "scheduled", kr_json(true, f->scheduled));
		json_object_set_new(p, "attended", kr_json(true, f->attended));
		json_object_set_new(p, "excused", kr_json(true, f->excused));
		json_object_set_new(p, "percent", json_integer((json_int_t)f->percent));
		json_object_set_new(p, "has_figures", json_true());
	}
	return p;
}

/* --- the calculation ------------------------------------------------- */

/*
 * What a cost or income line rests on, in words, from the figures the rule
 * set put on the line (calculation.lines: applied, ceiling, declared,
 * register; whether it was capped or differs): written here, computed
 * there.  NULL for a line without them (its own "basis" text, if any).
 */
static char *line_basis(const struct web_trace_line *l, int part, const char **warn)
{
	char a[32], b[32];
	if (part == 0 && l->shared_with > 0) {
		kr_format(l->whole_home, a, sizeof(a));
		return xasprintf("bostaden delas med %lld till: %s kr för hela bostaden, delat",
				 (long long)l->shared_with, a);
	}
	if (part == 1 && l->has_applied) {
		kr_format(l->applied, a, sizeof(a));
		kr_format(l->ceiling, b, sizeof(b));
		if (!l->approved) {
			*warn = "ej godkänd i referensramen";
			return xasprintf("ansökt %s kr", a);
		}
		if (l->capped)
			*warn = "över taket";
		return xasprintf("ansökt %s kr · tak i referensramen %s kr", a, b);
	}
	if (part == 2 && l->has_declared) {
		kr_format(l->declared, a, sizeof(a));
		kr_format(l->register_kr, b, sizeof(b));
		if (l->differs)
			*warn = "avviker från registren";
		bool reg_counts = l->amount == l->register_kr && l->register_kr != l->declared;
		return xasprintf("uppgett %s kr · register %s kr%s", a, b,
				 reg_counts ? " (registrets högre uppgift räknas)" : "");
	}
	return NULL;
}

/*
 * The calculation as the rule set made it: its lines (calculation.lines,
 * stored in the trace as rules.lines) and the decision's own sums.  The
 * page adds nothing up and reads no parameter: what it shows is what was
 * decided.  A decision made before the rules recorded lines shows the sums
 * only, and says so.
 */
/* A line's amount as in print, with a minus sign ("−1 000"). */
static void line_amount(int64_t value, char *out, size_t n)
{
	out[0] = '\0';
	if (value < 0)
		snprintf(out, n, "\xe2\x88\x92");
	kr_format(value < 0 ? -value : value, out + strlen(out), n - strlen(out));
}

static json_t *strings_json(const char *const *s, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(s[i]));
	return a;
}

static json_t *calculation(const struct web_decision_view *v, const struct web_decision_trace *tr)
{
	json_t *c = json_object();
	json_t *parts[3] = {json_array(), json_array(), json_array()};
	static const char *const part_names[] = {"norm", "costs", "incomes"};
	static const char *const prefixes[] = {"Norm: ", "Kostnad: ", "Inkomst: "};
	for (size_t i = 0; i < tr->n_lines; i++) {
		const struct web_trace_line *l = &tr->lines[i];
		for (int k = 0; k < 3; k++) {
			if (strcmp(l->part, part_names[k]) != 0 || !l->has_amount)
				continue;
			const char *basis = l->basis, *warn = NULL;
			char *made = line_basis(l, k, &warn);
			if (made)
				basis = made;
			char amount[48];
			line_amount(l->amount, amount, sizeof(amount));
			/* a line of a type (a cost, an income) is named with its part;
			 * one that is not (what is not counted) stands alone */
			bool typed = k == 0 || *l->type;
			char *label = xasprintf("%s%s", typed ? prefixes[k] : "", l->what);
			json_array_append_new(parts[k], json_pack("{s:s,s:s,s:s?,s:s?}", "label", label,
				"amount", amount, "basis", *basis ? basis : NULL, "warn", warn));
			free(label);
			free(made);
		}
	}
	json_object_set_new(c, "norm_lines", parts[0]);
	json_object_set_new(c, "cost_lines", parts[1]);
	json_object_set_new(c, "income_lines", parts[2]);
	json_object_set_new(c, "no_lines", json_boolean(!tr->has_lines));
	if (tr->n_calculation_notes > 0)
		json_object_set_new(c, "calc_notes", strings_json(tr->calculation_notes, tr->n_calculation_notes));
	json_object_set_new(c, "norm", amount_json(v->norm));
	json_object_set_new(c, "costs", amount_json(v->costs));
	json_object_set_new(c, "incomes", amount_json(v->incomes));
	json_object_set_new(c, "amount", amount_json(v->amount));
	return c;
}

/* --- the page -------------------------------------------------------- */

static void facts(json_t *ctx, PGconn *db, const char *id, const struct web_decision_view *v,
		  const struct application *app, const struct web_decision_trace *tr)
{
	char month[DATE_MONTH_BUF] = "";
	date_prev_month(app->period, month, NULL);
	struct person_view *pv = xcalloc(app->n_persons, sizeof(*pv));
	json_t *income = json_array(), *af = json_array(), *plans = json_array(), *persons = json_array();
	struct ebba_err err;
	for (size_t i = 0; i < app->n_persons; i++) {
		fact_person_label(app, i, pv[i].role, sizeof(pv[i].role));
		snprintf(pv[i].label, sizeof(pv[i].label), "%s, %d år", pv[i].role, app->persons[i].age);
		snprintf(pv[i].ref, sizeof(pv[i].ref), "%zu:%s", i, pv[i].role);
		if (load_person(db, id, v, &pv[i], month, &err) != 0)
			continue;
		json_array_append_new(persons, json_pack("{s:s,s:i}", "label", pv[i].label, "age",
							 app->persons[i].age));
		income_rows(income, app, i, &pv[i], v, tr, month);
		json_t *a = af_row(&pv[i]);
		if (a)
			json_array_append_new(af, a);
		if (pv[i].plan_asked)
			json_array_append_new(plans, plan_rows(&pv[i], tr, i));
	}
	json_object_set_new(ctx, "persons", persons);
	json_object_set_new(ctx, "income_rows", income);
	json_object_set_new(ctx, "af_rows", af);
	json_object_set_new(ctx, "plans", plans);
	if (v->amount.has && tr->present)
		json_object_set_new(ctx, "calc", calculation(v, tr));
	json_object_set_new(ctx, "message", json_string(app->message));
	json_object_set_new(ctx, "changes", json_boolean(app->changes));
	json_object_set_new(ctx, "kind_new", json_boolean(app->kind == APP_KIND_NEW));
	json_object_set_new(ctx, "submitted", json_string(app->submitted));
	for (size_t i = 0; i < app->n_persons; i++)
		person_free(&pv[i]);
	free(pv);
}

static void rules_part(json_t *ctx, const struct web_decision_view *v, const struct web_decision_trace *tr)
{
	const char *sha = v->ruleset_sha256 ? v->ruleset_sha256 : "";
	char shortsha[16];
	snprintf(shortsha, sizeof(shortsha), "%.12s", sha);
	json_object_set_new(ctx, "sha_short", json_string(shortsha));
	/* (a decision without a trace has no notes: an empty list) */
	json_object_set_new(ctx, "notes", strings_json(tr->notes, tr->n_notes));
	json_object_set_new(ctx, "has_notes", json_boolean(tr->n_notes > 0));
	/* for people: one line, the rule set's own sentences ("Riksnormen 2026 är
	 * preliminär"); a trace from before them says it generally */
	struct ebba_buf line = {0};
	for (size_t i = 0; i < tr->n_provisional; i++)
		buf_printf(&line, "%s%s", i ? "; " : "", tr->provisional[i]);
	if (!line.len && tr->n_notes > 0)
		buf_puts(&line, "Beslutet bygger på preliminära belopp");
	if (line.len)
		json_object_set_new(ctx, "provisional", json_string(line.data));
	buf_free(&line);
	/* the delegation an automatic decision relied on (a trace before delegations has none) */
	if (tr->delegation)
		json_object_set_new(ctx, "delegation", json_string(tr->delegation));
}

/* --- the context, from the view ---------------------------------------- */

static json_t *evidence_json(const struct web_decision_view *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n_evidence; i++) {
		const struct web_decision_evidence *e = &v->evidence[i];
		const char *colon = strchr(e->person_ref, ':');
		json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:b}",
			"id", (json_int_t)e->id, "source", ev_source_name(e->source), "agency", e->agency,
			"person_ref", e->person_ref, "status", ev_status_name(e->status),
			"fetched_at", nstr(e->fetched_at), "sha256", nstr(e->sha256),
			"bytes", nint(e->has_bytes, e->bytes), "person", colon ? colon + 1 : e->person_ref,
			"downloadable", e->has_bytes && e->bytes > 0));
	}
	return a;
}

static json_t *flags_json(const struct web_decision_view *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n_flags; i++) {
		const struct web_decision_flag *f = &v->flags[i];
		const char *kind = decision_flag_kind_name(f->kind);
		json_array_append_new(a, json_pack("{s:I,s:s,s:o,s:b,s:o,s:o,s:o,s:s,s:s}",
			"id", (json_int_t)f->id, "kind", kind, "reason", nstr(f->reason), "open", f->open,
			"verdict", nstr(f->verdict), "resolved_by", nstr(f->resolved_by),
			"resolved_at", nstr(f->resolved_at), "label", sv_flag(kind),
			"verdict_label", sv_verdict(f->verdict ? f->verdict : "")));
	}
	return a;
}

/* Reviews (with their notes) or history (with their periods). */
static json_t *others_json(const struct web_decision_other *o, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *row = json_pack("{s:I,s:s,s:o,s:s,s:s,s:s}", "id", (json_int_t)o[i].id,
			"outcome", outcome_name(o[i].outcome), "amount", amount_json(o[i].amount),
			"decided_by", o[i].decided_by, "decided_at", o[i].decided_at,
			"outcome_label", outcome_sv(o[i].outcome));
		if (o[i].period)
			json_object_set_new(row, "period", json_string(o[i].period));
		else
			json_object_set_new(row, "note", nstr(o[i].note));
		json_array_append_new(a, row);
	}
	return a;
}

/* The komplettering with its state as a flag for the template
 * (state_waiting, ...) and each file's link with the decision's id
 * (schema 027); null when none was asked for. */
static json_t *request_json(const struct web_decision_view *v)
{
	if (!v->has_request)
		return json_null();
	const struct web_decision_request *r = &v->request;
	json_t *files = json_array();
	for (size_t i = 0; i < r->n_files; i++) {
		const struct web_decision_file *f = &r->files[i];
		json_array_append_new(files, json_pack("{s:I,s:s,s:s,s:I,s:s,s:I}", "id", (json_int_t)f->id,
			"filename", f->filename, "media_type", f->media_type, "bytes", (json_int_t)f->bytes,
			"sha256", f->sha256, "id_of_decision", (json_int_t)v->id));
	}
	char key[32];
	snprintf(key, sizeof(key), "state_%s", r->state);
	json_t *k = json_pack("{s:s,s:s,s:s,s:s,s:o,s:O,s:o,s:b}", "state", r->state, "deadline",
		r->deadline, "requested_by", r->requested_by, "requested_at", r->requested_at,
		"message", nstr(r->message), "documents", r->documents, "files", files, key, 1);
	return k;
}

static json_t *assignment_json(const struct web_decision_view *v)
{
	if (!v->has_assignment)
		return json_null();
	return json_pack("{s:s,s:s,s:b}", "person", v->assignment.person, "since", v->assignment.since,
			 "mine", v->assignment.mine);
}

static json_t *referral_json(const struct web_decision_view *v)
{
	if (!v->has_referral)
		return json_null();
	json_t *failed = json_array();
	for (size_t i = 0; i < v->referral.n_failed; i++)
		json_array_append_new(failed, nstr(v->referral.failed[i]));
	return json_pack("{s:o,s:s,s:o}", "amount", amount_json(v->referral.amount), "ruleset_sha256",
			 v->referral.ruleset_sha256, "failed", failed);
}

/* What the list of failed checks answers, by the outcome: an approval's
 * page used to say why the case was referred. */
static const char *reasons_heading(enum outcome o)
{
	static const char *const HEADINGS[OUTCOME_COUNT] = {
		[OUTCOME_APPROVED] = "Därför beviljades ansökan",
		[OUTCOME_PARTLY_APPROVED] = "Därför beviljades ansökan delvis",
		[OUTCOME_REFERRED] = "Därför hänvisades ärendet",
		[OUTCOME_REJECTED] = "Därför avslogs ansökan",
	};
	return HEADINGS[o] ? HEADINGS[o] : "Därför blev utfallet så här";
}

/* The decision's own columns and lists, as the template reads them. */
static json_t *decision_json(const struct web_decision_view *v, const char *id)
{
	json_t *d = json_pack("{s:I,s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:s,s:o,s:b,s:o}",
		"id", (json_int_t)v->id, "external_id", nstr(v->external_id), "case_id", v->case_id,
		"period", v->period, "outcome", outcome_name(v->outcome), "amount", amount_json(v->amount),
		"norm", amount_json(v->norm), "costs", amount_json(v->costs), "incomes", amount_json(v->incomes),
		"ruleset_name", nstr(v->ruleset_name), "ruleset_version", nstr(v->ruleset_version),
		"ruleset_sha256", nstr(v->ruleset_sha256), "decided_at", v->decided_at,
		"decided_by", v->decided_by, "note", nstr(v->note), "by_ebba", v->by_ebba,
		"received", nstr(v->received));
	json_object_set_new(d, "evidence", evidence_json(v));
	json_object_set_new(d, "flags", flags_json(v));
	json_object_set_new(d, "letter", letter_as_text(v->letter));
	json_object_set_new(d, "reviews", others_json(v->reviews, v->n_reviews));
	json_object_set_new(d, "history", others_json(v->history, v->n_history));
	json_object_set_new(d, "reviewed", nint(v->has_reviewed, v->reviewed));
	json_object_set_new(d, "redecided", nint(v->has_redecided, v->redecided));
	json_object_set_new(d, "redecides", nint(v->has_redecides, v->redecides));
	json_object_set_new(d, "redecided_register", json_boolean(v->redecided_register));
	json_object_set_new(d, "redecides_register", json_boolean(v->redecides_register));
	json_object_set_new(d, "komplettering", request_json(v));
	json_object_set_new(d, "assignment", assignment_json(v));
	json_object_set_new(d, "findings", v->findings ? json_incref(v->findings) : json_null());
	json_object_set_new(d, "decider", nstr(v->decider));
	json_object_set_new(d, "referral", referral_json(v));
	json_object_set_new(d, "id_text", json_string(id));
	json_object_set_new(d, "outcome_label", json_string(outcome_sv(v->outcome)));
	json_object_set_new(d, "reasons_heading", json_string(reasons_heading(v->outcome)));
	return d;
}

bool decision_open(const struct web_decision_view *v)
{
	return v->by_ebba && v->n_reviews == 0 && !v->has_redecided;
}

/* The application as received, parsed again: the facts beside their
 * sources and Pröva's lines; what could not be read is said.  With app_out,
 * the parsed application is the caller's (Pröva's POST reads its lines
 * from it rather than fetching and parsing the document a second time). */
static int application_part(const struct web_request *rq, const char *id,
			    const struct web_decision_view *v, json_t *d,
			    struct application **app_out, struct ebba_err *err)
{
	struct ebba_buf payload = {0};
	bool found;
	if (store_web_payload(rq->db, id, &payload, &found, err) != 0) {
		buf_free(&payload);
		return -1;
	}
	/* A person's decision has no application of its own (its facts are the
	 * reviewed decision's): the page says so instead of empty tables. */
	json_object_set_new(d, "has_application", json_boolean(found));
	struct application *app = NULL;
	struct ebba_err perr;
	if (found && application_parse(payload.data, payload.len, &app, &perr) == 0) {
		facts(d, rq->db, id, v, app, &v->trace_view);
		prova_lines_ctx(rq, v, app, d);
	} else if (found) {
		json_object_set_new(d, "payload_error", json_string(perr.msg));
	}
	if (app_out)
		*app_out = app;
	else
		application_free(app);
	buf_free(&payload);
	return 0;
}

int decision_ctx(const struct web_request *rq, const char *id, struct web_decision_view *v,
		 json_t **out, struct application **app, struct ebba_err *err)
{
	*out = NULL;
	if (app)
		*app = NULL;
	bool found;
	if (store_web_decision(rq->db, id, v, &found, err) != 0)
		return -1;
	if (!found)
		return 0;
	json_t *d = decision_json(v, id);
	split_checks(d, v);
	person_decision_ctx(d, v);
	rules_part(d, v, &v->trace_view);
	if (application_part(rq, id, v, d, app, err) != 0) {
		json_decref(d);
		store_web_decision_view_free(v);
		return -1;
	}
	bool open = decision_open(v);
	bool caseworker = rq->session && (rq->session->groups & WEB_CASEWORKER);
	/* komplettering: once per referral of ebba's still open (schema 027) */
	json_object_set_new(d, "can_request", json_boolean(open && caseworker &&
		v->outcome == OUTCOME_REFERRED && !v->has_request));
	json_object_set_new(d, "can_review", json_boolean(open && caseworker));
	json_object_set_new(d, "open", json_boolean(open));
	json_object_set_new(d, "me", json_string(rq->session ? rq->session->user : ""));
	*out = d;
	return 0;
}

int page_evidence(const struct web_request *rq, struct web_response *rs, const char *id,
		  const char *eid, struct ebba_err *err)
{
	bool found;
	char name[sizeof(rs->filename)];
	if (store_web_evidence(rq->db, id, eid, &rs->body, name, sizeof(name), &found, err) != 0)
		return -1;
	if (!found) {
		buf_reset(&rs->body);
		return page_not_found(rq, rs, "Det underlaget finns inte för beslutet.", err);
	}
	char obj[64];
	snprintf(obj, sizeof(obj), "%s/%s", id, eid);
	if (page_log(rq, "export", "evidence", obj, err) != 0)
		return -1;
	rs->content_type = strstr(name, ".xml") ? "application/xml" : "application/octet-stream";
	memcpy(rs->filename, name, sizeof(rs->filename));
	return 0;
}

int decision_page_view(const struct web_request *rq, struct web_response *rs, const char *id,
		       struct web_decision_view *v, json_t **out, struct application **app,
		       struct ebba_err *err)
{
	if (decision_ctx(rq, id, v, out, app, err) != 0)
		return -1;
	return *out ? 0 : page_not_found(rq, rs, "Det finns inget sådant beslut.", err);
}

int decision_page_ctx(const struct web_request *rq, struct web_response *rs, const char *id,
		      json_t **out, struct ebba_err *err)
{
	struct web_decision_view v;
	int rc = decision_page_view(rq, rs, id, &v, out, NULL, err);
	store_web_decision_view_free(&v);
	return rc;
}

/* Just after Pröva saved this person's decision (?sparat=1): say so and
 * offer the queue's oldest case next, as Arbetskö does after saving. */
static int saved_notice(const struct web_request *rq, const struct web_decision_view *v, json_t *ctx,
			struct ebba_err *err)
{
	if (!web_query(rq, "sparat") || !v->has_reviewed)
		return 0;
	struct web_queue_filter f = {0};
	struct web_queue_view q;
	if (store_web_queue(rq->db, &f, &q, err) != 0) {
		store_web_queue_view_free(&q);
		return -1;
	}
	json_t *saved = json_pack("{s:s,s:o}", "outcome_label", outcome_sv(v->outcome), "amount",
				  amount_json(v->amount));
	if (q.n_rows)
		json_object_set_new(saved, "next_id", json_integer((json_int_t)q.rows[0].id));
	json_object_set_new(ctx, "saved", saved);
	store_web_queue_view_free(&q);
	return 0;
}

int page_decision(const struct web_request *rq, struct web_response *rs, const char *id,
		  struct ebba_err *err)
{
	/* an assignment idle past its time is not shown as taken; one of the
	 * person's own starts its idle time again when they open it */
	const struct ebba_config *cfg = request_config();
	int idle = cfg ? cfg->web.assign_idle_minutes : 0;
	if (store_case_release_idle(rq->db, idle, err) != 0)
		return -1;
	struct web_decision_view v;
	json_t *ctx;
	int rc = decision_page_view(rq, rs, id, &v, &ctx, NULL, err);
	if (rc != 0 || !ctx) {
		store_web_decision_view_free(&v);
		return rc;
	}
	bool mine;
	char holder[128];
	if (v.has_assignment && v.assignment.mine &&
	    store_case_take(rq->db, v.case_id, idle, &mine, holder, sizeof(holder), err) != 0)
		rc = -1;
	json_object_set_new(ctx, "can_take", json_boolean(rq->session && (rq->session->groups & WEB_CASEWORKER)));
	if (rc == 0)
		rc = saved_notice(rq, &v, ctx, err);
	if (rc == 0)
		rc = page_log(rq, "view", "decision", id, err);
	char title[96];
	snprintf(title, sizeof(title), "Beslut %s, ärende %s", id, v.case_id);
	if (rc == 0)
		rc = web_page(rq, rs, title, "decision", ctx, err);
	json_decref(ctx);
	store_web_decision_view_free(&v);
	return rc;
}
