/*
 * Turns register answers into facts, evaluates the rule set, draws the
 * sample audit and encodes the result for the database.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/registers/attendance.h"
#include "ebba/decide/audit.h"
#include "ebba/decide/decide.h"
#include "ebba/facts/facts.h"
#include "ebba/lib/log.h"

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

static json_t *checks_json(const struct rule_decision *d)
{
	json_t *a = json_array();
	static const char *const names[] = {"pass", "fail", "skip", "error"};
	for (size_t i = 0; i < d->n_checks; i++) {
		const struct rule_check_result *c = &d->checks[i];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s?, s:s}", "id", c->id,
			"result", names[c->result], "outcome", c->outcome,
			"message", c->message ? c->message : ""));
	}
	return a;
}

/* Hex is what COPY takes for bytea; base64 here meant decoding it again
 * before COPY (queue_complete.c). */
static json_t *raw_hex(const void *data, size_t len)
{
	char *s = xmalloc(2 * len + 1);
	hex_encode(data, len, s);
	json_t *v = json_stringn_nocheck(s, 2 * len);
	free(s);
	return v;
}

/* The time the person's SSBTEK answer arrived: the agency parts below are
 * read out of that one answer. */
static const char *ssbtek_fetched_at(const struct reg_person *p)
{
	for (size_t k = 0; k < p->n_evidence; k++)
		if (strcmp(p->evidence[k].source, "ssbtek") == 0 && p->evidence[k].fetched_at[0])
			return p->evidence[k].fetched_at;
	return NULL;
}

static void add_evidence(json_t *a, const struct reg_person *p, size_t index,
			 const struct application *app)
{
	char label[64], ref[96];
	fact_person_label(app, index, label, sizeof(label));
	snprintf(ref, sizeof(ref), "%zu:%s", index, label);
	for (size_t k = 0; k < p->n_evidence; k++) {
		const struct evidence *ev = &p->evidence[k];
		json_t *raw = raw_hex(ev->raw, ev->raw_len);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
			"source", ev->source, "agency", ev->agency[0] ? ev->agency : (strcmp(ev->source, "ssbtek") == 0 ? "SSBTEK" : "PLAN"),
			"person_ref", ref, "status", ev->status, "sha256", ev->sha256,
			"fetched_at", ev->fetched_at, "raw_hex", raw));
	}
	const char *fetched_at = ssbtek_fetched_at(p);
	if (p->ssbtek_status != REG_OK || !fetched_at)
		return;
	/* One summary row per agency part, so a reviewer sees at a glance which
	 * agency answered what; the bytes are in the whole response above. */
	for (int ag = 0; ag < SSBTEK_AGENCY_COUNT; ag++) {
		struct evidence pe = {0};
		ssbtek_part_evidence(&p->ssbtek, (enum ssbtek_agency)ag, &pe);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			"source", "ssbtek", "agency", ssbtek_agency_name((enum ssbtek_agency)ag),
			"person_ref", ref, "status", pe.status, "sha256", pe.sha256, "fetched_at", fetched_at));
		evidence_free(&pe);
	}
}

static double sample_rate(const struct decide_env *env, const char *outcome, double from_rules)
{
	const struct audit_config *a = &env->cfg->audit;
	/* Operations may override the rule set's rate in the configuration. */
	double configured = strcmp(outcome, "approved") == 0 ? a->sample_approved
			  : strcmp(outcome, "referred") == 0 ? a->sample_referred
			  : a->sample_rejected;
	if (configured >= 0.0)
		return configured;
	return from_rules > 0.0 ? from_rules : 0.0;
}

static json_t *flags_json(const struct decide_env *env, const struct application *app,
			  const struct rule_decision *d)
{
	json_t *a = json_array();
	for (size_t i = 0; i < d->n_flags; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "kind", "targeted",
						   "reason", d->flags[i].reason));
	double rate = sample_rate(env, d->outcome, d->sample_rate);
	char draw[AUDIT_DRAW_DESC];
	if (env->draw_sample && rate > 0.0 && audit_sample(env->cfg->audit.secret, app->id, rate, draw))
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "kind", "sample",
						   "reason", "Slumpmässigt stickprov", "draw", draw));
	return a;
}

/* What each look-up came to, with the reasons: replay needs them, since
 * the evidence of a failed look-up is whatever bytes arrived. */
static json_t *registers_trace(const struct reg_person *persons, size_t n)
{
	if (!persons)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct reg_person *p = &persons[i];
		json_array_append_new(a, json_pack("{s:s, s:s?, s:s, s:s?}",
			"ssbtek", reg_status_name(p->ssbtek_status),
			"ssbtek_reason", p->ssbtek_status == REG_UNAVAILABLE ? p->ssbtek_reason : NULL,
			"attendance", reg_status_name(p->attendance_status),
			"attendance_reason", p->attendance_status == REG_UNAVAILABLE ? p->attendance_reason : NULL));
	}
	return a;
}

/*
 * The trace as JSON text, ready for the jsonb column.  The rules' trace and
 * the frame are JSON text already, so they are spliced in rather than
 * parsed and encoded again: that round trip was a fifth of ebbad's CPU in
 * make bench.
 */
static json_t *trace_text(const struct decide_env *env, const struct rule_decision *d,
			  const struct case_frame *frame, const struct reg_person *persons,
			  size_t n, const char *today)
{
	struct ebba_buf b = {0};
	buf_puts(&b, "{\"rules\":");
	buf_puts(&b, d->trace_json && d->trace_json[0] ? d->trace_json : "{}");
	json_t *t = json_string(today);
	char *tj = json_dumps(t, JSON_ENCODE_ANY);
	buf_printf(&b, ",\"today\":%s,\"registers_configured\":%s,\"frame\":", tj,
		   env->registers_configured ? "true" : "false");
	free(tj);
	json_decref(t);
	char *fj = frame ? case_frame_to_json(frame) : NULL;
	buf_puts(&b, fj ? fj : "null");
	free(fj);
	json_t *regs = registers_trace(persons, n);
	char *rj = json_dumps(regs, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(regs);
	buf_printf(&b, ",\"registers\":%s}", rj);
	free(rj);
	json_t *s = json_stringn_nocheck(b.data, b.len);
	buf_free(&b);
	return s;
}

static json_t *amount_json(bool has, int64_t v)
{
	return has ? json_integer((json_int_t)v) : json_null();
}

int decide_application(const struct decide_env *env, const struct application *app,
		       const struct case_frame *frame, const struct reg_person *persons,
		       const char *today, json_t **out, struct ebba_err *err)
{
	char month[8];
	/* The period was validated with the document. */
	date_prev_month(app->period, month, NULL);
	struct person_registers *regs = NULL;
	if (env->registers_configured && persons) {
		regs = xcalloc(app->n_persons, sizeof(*regs));
		for (size_t i = 0; i < app->n_persons; i++)
			fill_person(&regs[i], &persons[i], month);
	}
	struct decision_inputs in = {.app = app, .frame = frame, .regs = regs, .today = today};
	struct rule_decision d;
	cel_arena_reset(env->arena);
	int rc = ruleset_decide(env->rules, &in, env->cfg->allow_reject, env->arena, &d, err);
	if (rc == 0) {
		json_t *trace = trace_text(env, &d, frame, persons, app->n_persons, today);
		json_t *evidence = json_array();
		for (size_t i = 0; persons && regs && i < app->n_persons; i++)
			add_evidence(evidence, &persons[i], i, app);
		*out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
			"external_id", app->id, "case_id", app->case_id, "period", app->period,
			"outcome", d.outcome, "amount", amount_json(d.has_amount, d.amount),
			"norm", amount_json(d.has_amount, d.norm), "costs", amount_json(d.has_amount, d.costs),
			"incomes", amount_json(d.has_amount, d.incomes),
			"ruleset_name", ruleset_name(env->rules), "ruleset_version", ruleset_version(env->rules),
			"ruleset_sha256", ruleset_sha256(env->rules), "checks", checks_json(&d),
			"evidence", evidence, "flags", flags_json(env, app, &d), "trace", trace);
		if (d.letter)
			json_object_set_new(*out, "letter", json_string(d.letter));
	}
	free(regs);
	return rc;
}
