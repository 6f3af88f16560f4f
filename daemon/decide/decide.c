/*
 * Turns register answers into facts, evaluates the rule set, draws the
 * sample audit and fills the decision record (decision.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/registers/attendance.h"
#include "ebba/decide/audit.h"
#include "ebba/decide/decide.h"
#include "ebba/decide/decision.h"
#include "ebba/facts/facts.h"
#include "ebba/facts/history.h"
#include "ebba/lib/log.h"
#include "ebba/lib/outcome.h"

static void fill_attendance(struct person_registers *pr, const struct reg_person *p)
{
	pr->attendance_asked = p->attendance_status != REG_NOT_ASKED;
	if (!pr->attendance_asked)
		return;
	if (p->attendance_status == REG_NO_PLAN) {
		pr->attendance = ATTENDANCE_NO_PLAN;
		return;
	}
	if (p->attendance_status == REG_UNAVAILABLE) {
		pr->attendance = ATTENDANCE_UNAVAILABLE;
		pr->attendance_reason = p->attendance_reason;
		return;
	}
	const struct attendance *att = &p->attendance;
	pr->attendance = ATTENDANCE_OK;
	pr->plan_hours_per_week = att->hours_per_week;
	/* The document counts hundredths of an hour; facts are whole hours. */
	pr->scheduled_hours = att->scheduled / 100;
	pr->attended_hours = att->attended / 100;
	pr->excused_hours = att->excused / 100;
}

static void fill_person(struct person_registers *pr, const struct reg_person *p,
			const char *month)
{
	memset(pr, 0, sizeof(*pr));
	pr->af_scope_percent = -1;
	pr->ssbtek_asked = p->ssbtek_status != REG_NOT_ASKED;
	if (p->ssbtek_status == REG_OK)
		person_registers_from_ssbtek(pr, &p->ssbtek, month);
	else if (p->ssbtek_status == REG_UNAVAILABLE)
		person_registers_unavailable(pr, p->ssbtek_reason);
	fill_attendance(pr, p);
}

void decision_init(struct decision *d)
{
	*d = (struct decision){0};
	d->mem = cel_arena_new();
}

void decision_free(struct decision *d)
{
	if (!d->mem)
		return;
	cel_arena_free(d->mem);
	buf_free(&d->trace);
	*d = (struct decision){0};
}

const char *decision_flag_kind_name(enum decision_flag_kind k)
{
	return k == DECISION_FLAG_SAMPLE ? "sample" : "targeted";
}

bool decision_flag_kind_parse(const char *s, enum decision_flag_kind *out)
{
	static const enum decision_flag_kind kinds[] = {DECISION_FLAG_TARGETED, DECISION_FLAG_SAMPLE};
	for (size_t i = 0; s && i < ARRAY_LEN(kinds); i++)
		if (strcmp(decision_flag_kind_name(kinds[i]), s) == 0) {
			*out = kinds[i];
			return true;
		}
	return false;
}

/* A copy in the record's arena; NULL stays NULL. */
static const char *keep(struct decision *d, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *p = cel_arena_alloc(d->mem, n + 1);
	memcpy(p, s, n + 1);
	return p;
}

static void *keep_array(struct decision *d, size_t n, size_t size)
{
	return n ? cel_arena_alloc(d->mem, n * size) : NULL;
}

static void fill_checks(struct decision *out, const struct rule_decision *d)
{
	out->checks = keep_array(out, d->n_checks, sizeof(*out->checks));
	out->n_checks = d->n_checks;
	for (size_t i = 0; i < d->n_checks; i++) {
		const struct rule_check_result *c = &d->checks[i];
		out->checks[i] = (struct decision_check){.id = keep(out, c->id), .result = c->result,
			.outcome = keep(out, c->outcome), .message = keep(out, c->message ? c->message : ""),
			.ordinal = (int)i + 1};
	}
}

/* The time the person's SSBTEK answer arrived: the agency parts below are
 * read out of that one answer. */
static const char *ssbtek_fetched_at(const struct reg_person *p)
{
	for (size_t k = 0; k < p->n_evidence; k++)
		if (p->evidence[k].source == EV_SOURCE_SSBTEK && p->evidence[k].fetched_at[0])
			return p->evidence[k].fetched_at;
	return NULL;
}

/* How many evidence rows the person gives: one per look-up, and with an
 * SSBTEK answer one summary row per agency part. */
static size_t evidence_rows(const struct reg_person *p)
{
	bool parts = p->ssbtek_status == REG_OK && ssbtek_fetched_at(p);
	return p->n_evidence + (parts ? SSBTEK_AGENCY_COUNT : 0);
}

static void add_evidence(struct decision *out, const struct reg_person *p, size_t index,
			 const struct application *app)
{
	char label[64], ref[96];
	fact_person_label(app, index, label, sizeof(label));
	snprintf(ref, sizeof(ref), "%zu:%s", index, label);
	const char *person_ref = keep(out, ref);
	for (size_t k = 0; k < p->n_evidence; k++) {
		const struct evidence *ev = &p->evidence[k];
		const char *agency = ev->agency[0] ? ev->agency : ev_source_agency(ev->source);
		/* The bytes stay where the register client keeps them. */
		out->evidence[out->n_evidence++] = (struct decision_evidence){
			.source = ev_source_name(ev->source), .agency = keep(out, agency),
			.person_ref = person_ref, .status = ev_status_name(ev->status),
			.sha256 = keep(out, ev->sha256), .fetched_at = keep(out, ev->fetched_at),
			.raw = ev->raw ? ev->raw : "", .raw_len = ev->raw ? ev->raw_len : 0};
	}
	const char *fetched_at = ssbtek_fetched_at(p);
	if (p->ssbtek_status != REG_OK || !fetched_at)
		return;
	fetched_at = keep(out, fetched_at);
	/* One summary row per agency part, so a reviewer sees at a glance which
	 * agency answered what; the bytes are in the whole response above. */
	/* The summary, not the part's evidence: a copy of each part, its own
	 * clock reading and its free, all unused, were nine allocations a
	 * decision.  Measure again: BENCH_EBBAD_WRAP (contrib/bench/run.sh). */
	for (int ag = 0; ag < SSBTEK_AGENCY_COUNT; ag++) {
		char sha256[65];
		enum ev_status status = ssbtek_part_summary(&p->ssbtek, (enum ssbtek_agency)ag, sha256);
		out->evidence[out->n_evidence++] = (struct decision_evidence){
			.source = ev_source_name(EV_SOURCE_SSBTEK),
			.agency = ssbtek_agency_name((enum ssbtek_agency)ag),
			.person_ref = person_ref, .status = ev_status_name(status),
			.sha256 = keep(out, sha256), .fetched_at = fetched_at};
	}
}

static void fill_evidence(struct decision *out, const struct reg_person *persons,
			  const struct application *app)
{
	size_t n = 0;
	for (size_t i = 0; i < app->n_persons; i++)
		n += evidence_rows(&persons[i]);
	out->evidence = keep_array(out, n, sizeof(*out->evidence));
	for (size_t i = 0; i < app->n_persons; i++)
		add_evidence(out, &persons[i], i, app);
}

static double sample_rate(const struct decide_env *env, const char *outcome, double from_rules)
{
	const struct audit_config *a = &env->cfg->audit;
	/* Operations may override the rule set's rate in the configuration. */
	enum outcome o = OUTCOME_REJECTED;
	outcome_parse(outcome, &o);
	double configured = o == OUTCOME_APPROVED   ? a->sample_approved
			  : o == OUTCOME_REFERRED ? a->sample_referred
						  : a->sample_rejected;
	if (configured >= 0.0)
		return configured;
	return from_rules > 0.0 ? from_rules : 0.0;
}

static void fill_flags(struct decision *out, const struct decide_env *env,
		       const struct application *app, const struct rule_decision *d)
{
	out->flags = keep_array(out, d->n_flags + 1, sizeof(*out->flags));
	for (size_t i = 0; i < d->n_flags; i++)
		out->flags[out->n_flags++] = (struct decision_flag){.kind = DECISION_FLAG_TARGETED,
			.reason = keep(out, d->flags[i].reason)};
	double rate = sample_rate(env, d->outcome, d->sample_rate);
	char draw[AUDIT_DRAW_DESC];
	if (env->draw_sample && rate > 0.0 && audit_sample(env->cfg->audit.secret, app->id, rate, draw))
		out->flags[out->n_flags++] = (struct decision_flag){.kind = DECISION_FLAG_SAMPLE,
			.reason = "Slumpmässigt stickprov", .draw = keep(out, draw)};
}

/* What each look-up came to, with the reasons: replay needs them, since
 * the evidence of a failed look-up is whatever bytes arrived. */
static json_t *registers_trace(const struct reg_person *persons, const struct person_registers *regs,
				size_t n)
{
	if (!persons)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct reg_person *p = &persons[i];
		json_t *o = json_pack("{s:s, s:s?, s:s, s:s?}",
			"ssbtek", reg_status_name(p->ssbtek_status),
			"ssbtek_reason", p->ssbtek_status == REG_UNAVAILABLE ? p->ssbtek_reason : NULL,
			"attendance", reg_status_name(p->attendance_status),
			"attendance_reason", p->attendance_status == REG_UNAVAILABLE ? p->attendance_reason : NULL);
		/* the attendance the rules read (person.attendance), for the decision page */
		struct fact_attendance f = fact_attendance(regs ? &regs[i] : NULL);
		if (f.ok)
			json_object_set_new(o, "attendance_figures", json_pack("{s:I, s:I, s:I, s:I}",
				"scheduled", (json_int_t)f.scheduled, "attended", (json_int_t)f.attended,
				"excused", (json_int_t)f.excused, "percent", (json_int_t)f.percent));
		json_array_append_new(a, o);
	}
	return a;
}

/* Why each person's look-ups failed, as ebba.decision_inputs keeps it
 * (schema 032): the reasons of registers_trace, nothing else. */
static char *register_reasons_text(const struct reg_person *persons, size_t n)
{
	if (!persons)
		return NULL;
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct reg_person *p = &persons[i];
		/* a key only where a look-up failed, as the backfill of schema 032 keeps them */
		json_t *o = json_object();
		if (p->ssbtek_status == REG_UNAVAILABLE && p->ssbtek_reason)
			json_object_set_new(o, "ssbtek_reason", json_string(p->ssbtek_reason));
		if (p->attendance_status == REG_UNAVAILABLE && p->attendance_reason)
			json_object_set_new(o, "attendance_reason", json_string(p->attendance_reason));
		json_array_append_new(a, o);
	}
	char *text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

/*
 * What replay decides from, beside the trace: the texts the trace splices
 * in, kept by the record for ebba.decision_inputs, so the store writes
 * them without parsing the trace again.
 */
static void keep_inputs(struct decision *out, const struct decide_env *env, const char *today,
			const char *frame, const char *history, const struct reg_person *persons,
			size_t n)
{
	char *reasons = register_reasons_text(persons, n);
	out->inputs = (struct decision_replay_inputs){.decided_on = keep(out, today),
		.registers_configured = env->registers_configured, .frame = keep(out, frame),
		.history = keep(out, history), .register_reasons = keep(out, reasons)};
	free(reasons);
}

/*
 * The trace as JSON text, ready for the jsonb column, and the inputs kept
 * beside it.  The rules' trace and the frame are JSON text already, so
 * they are spliced in rather than parsed and encoded again: that round
 * trip was a fifth of ebbad's CPU in make bench.
 */
static void trace_text(struct decision *out, const struct decide_env *env,
		       const struct rule_decision *d, const struct case_frame *frame,
		       const struct reg_person *persons, const struct person_registers *regs,
		       size_t n, const char *today)
{
	struct ebba_buf *b = &out->trace;
	buf_puts(b, "{\"rules\":");
	buf_puts(b, d->trace_json && d->trace_json[0] ? d->trace_json : "{}");
	json_t *t = json_string(today);
	char *tj = json_dumps(t, JSON_ENCODE_ANY);
	buf_printf(b, ",\"today\":%s,\"registers_configured\":%s,\"frame\":", tj,
		   env->registers_configured ? "true" : "false");
	free(tj);
	json_decref(t);
	char *fj = frame ? case_frame_to_json(frame) : NULL;
	buf_puts(b, fj ? fj : "null");
	json_t *rt = registers_trace(persons, regs, n);
	char *rj = json_dumps(rt, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(rt);
	buf_printf(b, ",\"registers\":%s", rj);
	free(rj);
	/* The calculation's lines, for the caseworker's page (store/web_pages.c). */
	json_t *notes = json_array();
	for (size_t i = 0; i < d->n_notes; i++)
		json_array_append_new(notes, json_string(d->notes[i]));
	char *nj = json_dumps(notes, JSON_COMPACT);
	json_decref(notes);
	buf_printf(b, ",\"calculation_notes\":%s", nj);
	free(nj);
	/* What replay needs to see the year's history as it stood; without one
	 * the caseworker reads why a child's earlier income was not known. */
	char *hj = env->history ? case_history_to_json(env->history) : NULL;
	if (hj)
		buf_printf(b, ",\"history\":%s}", hj);
	else
		buf_puts(b, ",\"history\":null,\"history_note\":\"Ingen beslutshistorik för året fanns: "
			    "inkomster från årets tidigare månader är inte kända och räknas som 0 kr\"}");
	keep_inputs(out, env, today, fj, hj, persons, n);
	free(fj);
	free(hj);
}

/* Drops what the record held, keeping its memory for this decision. */
static void decision_reset(struct decision *d)
{
	struct cel_arena *mem = d->mem;
	struct ebba_buf trace = d->trace;
	cel_arena_reset(mem);
	buf_reset(&trace);
	*d = (struct decision){.mem = mem, .trace = trace};
}

static void fill_decision(struct decision *out, const struct decide_env *env,
			  const struct application *app, const struct rule_decision *d)
{
	out->external_id = keep(out, app->id);
	out->case_id = keep(out, app->case_id);
	out->period = keep(out, app->period);
	out->outcome = keep(out, d->outcome);
	out->has_amount = d->has_amount;
	if (d->has_amount) {
		out->amount = d->amount;
		out->norm = d->norm;
		out->costs = d->costs;
		out->incomes = d->incomes;
	}
	out->ruleset_name = keep(out, ruleset_name(env->rules));
	out->ruleset_version = keep(out, ruleset_version(env->rules));
	out->ruleset_sha256 = keep(out, ruleset_sha256(env->rules));
	fill_checks(out, d);
	fill_flags(out, env, app, d);
	out->letter = keep(out, d->letter);
	out->request_documents = keep(out, d->request_documents);
	out->request_deadline = keep(out, d->request_deadline);
	out->notes = keep_array(out, d->n_notes, sizeof(*out->notes));
	out->n_notes = d->n_notes;
	for (size_t i = 0; i < d->n_notes; i++)
		out->notes[i] = keep(out, d->notes[i]);
	out->delegation = keep(out, d->delegation);
}

/* The person's findings of income (decide_env.income_as_declared): per
 * person, the registers paid of each marked type what was declared. */
static void registers_as_declared(struct person_registers *regs, const struct application *app,
				  const bool *marked)
{
	for (int t = 0; t < INCOME_TYPE_COUNT; t++) {
		if (!marked[t])
			continue;
		for (size_t i = 0; i < app->n_persons; i++)
			regs[i].income[t] = 0;
		for (size_t k = 0; k < app->n_incomes; k++)
			if (app->incomes[k].type == (enum income_type)t)
				regs[app->incomes[k].person].income[t] += app->incomes[k].amount;
	}
}

int decide_application(const struct decide_env *env, const struct application *app,
		       const struct case_frame *frame, const struct reg_person *persons,
		       const char *today, struct decision *out, struct ebba_err *err)
{
	char month[8];
	/* The period was validated with the document. */
	date_prev_month(app->period, month, NULL);
	struct person_registers *regs = NULL;
	if (env->registers_configured && persons) {
		regs = xcalloc(app->n_persons, sizeof(*regs));
		for (size_t i = 0; i < app->n_persons; i++)
			fill_person(&regs[i], &persons[i], month);
		if (env->income_as_declared)
			registers_as_declared(regs, app, env->income_as_declared);
	}
	struct decision_inputs in = {.app = app, .frame = frame, .regs = regs, .today = today,
				     .history = env->history, .person_letter = env->person_letter};
	struct rule_decision d;
	cel_arena_reset(env->arena);
	decision_reset(out);
	int rc = env->untraced
		 ? ruleset_decide_untraced(env->rules, &in, env->cfg->allow_reject, env->arena, &d, err)
		 : ruleset_decide(env->rules, &in, env->cfg->allow_reject, env->arena, &d, err);
	if (rc == 0) {
		fill_decision(out, env, app, &d);
		if (regs)
			fill_evidence(out, persons, app);
		if (!env->untraced)
			trace_text(out, env, &d, frame, persons, regs, app->n_persons, today);
	}
	free(regs);
	return rc;
}
