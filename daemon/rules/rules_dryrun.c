/*
 * The dry run at load: every expression is tried on a sample household (a
 * couple with two children, a frame, registers that answered) so that
 * mistakes the compiler cannot see -- a misspelt field, a check that is not
 * true/false, a string compared with a number -- are found at load, not in
 * production.  What counts as a mistake goes by the error's kind
 * (rs_is_mistake), never by its text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_eval.h"

/* The sample household and everything the facts are built from. */
struct sample {
	struct app_person persons[4];
	struct app_income incomes[1];
	struct app_cost costs[2];
	struct app_asset assets[1];
	struct application app;
	struct case_frame fr;
	struct person_registers regs[4];
	char today[11];
	struct decision_inputs in;
};

/* The period: the latest date any parameter changes, so every parameter has a value. */
static void sample_period(const struct ruleset *rs, char latest[11])
{
	memcpy(latest, "2026-01-01", 11);
	for (size_t i = 0; i < rs->n_params; i++)
		for (size_t k = 0; k < rs->params[i].n; k++)
			if (strcmp(rs->params[i].v[k].from, latest) > 0)
				memcpy(latest, rs->params[i].v[k].from, 11);
}

static void sample_application(struct sample *s, const char *latest)
{
	const struct app_person persons[4] = {
		{.pnr = "900000000001", .role = ROLE_APPLICANT, .age = 40},
		{.pnr = "900000000002", .role = ROLE_CO_APPLICANT, .age = 38},
		{.pnr = "900000000003", .role = ROLE_CHILD, .age = 9},
		{.pnr = "900000000004", .role = ROLE_CHILD, .age = 3, .preschool_lunch = true},
	};
	memcpy(s->persons, persons, sizeof(persons));
	s->incomes[0] = (struct app_income){.person = 0, .type = INCOME_SALARY, .amount = 4000};
	s->costs[0] = (struct app_cost){COST_RENT, 7000};
	s->costs[1] = (struct app_cost){COST_ELECTRICITY, 400};
	s->assets[0] = (struct app_asset){.person = 0, .type = ASSET_BANK, .amount = 500};
	s->app = (struct application){.id = "EB-SAMPLE", .case_id = "C-SAMPLE",
				      .kind = APP_KIND_REPEAT, .n_persons = 4,
				      .persons = s->persons, .n_incomes = 1, .incomes = s->incomes,
				      .n_costs = 2, .costs = s->costs, .n_assets = 1,
				      .assets = s->assets, .message = "", .submitted = ""};
	snprintf(s->app.period, sizeof(s->app.period), "%.7s", latest);
	s->app.period_year = (int)strtol(latest, NULL, 10);
	s->app.period_month = (int)strtol(latest + 5, NULL, 10);
}

static void sample_frame(struct sample *s, const char *latest)
{
	struct case_frame *fr = &s->fr;
	memset(fr, 0, sizeof(*fr));
	fr->automation_allowed = true;
	fr->valid_until = (struct date){s->app.period_year + 1, 12, 31};
	fr->n_household = 4;
	for (int i = 0; i < 4; i++)
		memcpy(fr->household[i], s->persons[i].pnr, PNR_BUF);
	fr->n_adults = 2;
	memcpy(fr->adults[0].pnr, s->persons[0].pnr, PNR_BUF);
	memcpy(fr->adults[1].pnr, s->persons[1].pnr, PNR_BUF);
	fr->adults[1].plan = PLAN_EXEMPT;
	fr->adults[1].capacity = CAPACITY_NONE;
	fr->cost_approved[COST_RENT] = fr->cost_approved[COST_ELECTRICITY] = true;
	fr->approved_costs[COST_RENT] = 7000;
	fr->approved_costs[COST_ELECTRICITY] = 450;
	fr->months_on_assistance = 5;
	fr->has_last_decision = true;
	fr->last_amount = 9000;
	snprintf(fr->last_period, sizeof(fr->last_period), "%.7s", latest);
}

static void sample_registers(struct sample *s, const char *latest)
{
	memset(s->regs, 0, sizeof(s->regs));
	for (int i = 0; i < 4; i++) {
		struct person_registers *r = &s->regs[i];
		r->ssbtek_asked = s->persons[i].age >= 16;
		for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++)
			r->agency[g] = AGENCY_OK;
		r->af_known = true;
		r->af_registered = i == 0;
		r->af_scope_percent = 100;
		r->fk_sickness_percent = -1;
		snprintf(r->af_latest_report, 11, "%.8s01", latest);
		r->attendance_asked = s->persons[i].role != ROLE_CHILD;
		r->attendance = ATTENDANCE_OK;
		r->plan_hours_per_week = 40;
		r->scheduled_hours = 100;
		r->attended_hours = 95;
	}
	s->regs[0].income[INCOME_SALARY] = 4000;
}

static void sample_build(struct sample *s, const struct ruleset *rs)
{
	char latest[11];
	sample_period(rs, latest);
	sample_application(s, latest);
	sample_frame(s, latest);
	sample_registers(s, latest);
	snprintf(s->today, sizeof(s->today), "%.8s01", latest);
	s->in = (struct decision_inputs){.app = &s->app, .frame = &s->fr, .regs = s->regs,
					 .today = s->today};
}

/* The error v in words, for a diagnostic. */
static const char *words(struct cel_value v, struct ebba_buf *b)
{
	buf_reset(b);
	rs_error_words(cel_error_kind_of(v), v.str, v.len, b);
	return b->data ? b->data : "";
}

/* Derived facts that fail; bad[i] is set for each so that their users are not reported too. */
static void dry_derived(struct rs_eval *e, struct ruleset *rs, bool *bad, struct rs_diags *d)
{
	struct ebba_buf b = {0};
	for (size_t i = 0; i < rs->n_derived; i++) {
		struct cel_value v = rs_eval_derived(e, i);
		if (!rs_is_mistake(v))
			continue;
		bad[i] = true;
		rs_diag(d, false, rs->derived[i].file, rs->derived[i].line, rs->derived[i].col,
			"'%s' fungerar inte för ett exempelhushåll: %s", rs->derived[i].name,
			words(v, &b));
	}
	buf_free(&b);
}

static bool uses_bad(const struct ruleset *rs, const struct cel_program *prog, const bool *bad)
{
	size_t n = 0;
	const struct cel_ident_ref *refs = cel_program_idents(prog, &n);
	for (size_t j = 0; j < n; j++) {
		const struct rs_name *nm = rs_lookup(rs, refs[j].name);
		if (nm && nm->kind == RS_NAME_DERIVED && bad[nm->index])
			return true;
	}
	return false;
}

/* 'when' then 'expr' of every check: a mistake, or a value that is not true/false. */
static void dry_checks(struct rs_eval *e, struct ruleset *rs, const bool *bad, struct rs_diags *d)
{
	struct ebba_buf b = {0};
	for (size_t i = 0; i < rs->n_checks; i++) {
		struct rs_check *c = &rs->checks[i];
		struct cel_program *progs[2] = {c->when, c->expr};
		for (int k = 0; k < 2; k++) {
			if (!progs[k])
				continue;
			struct cel_value v = cel_eval(progs[k], &e->act, e->arena);
			if (uses_bad(rs, progs[k], bad))
				continue;
			const char *part = k ? "expr" : "when";
			if (rs_is_mistake(v))
				rs_diag(d, false, c->file, c->line[k], c->col[k],
					"kontrollen '%s': '%s' fungerar inte för ett exempelhushåll: %s",
					c->id, part, words(v, &b));
			else if (v.kind != CEL_BOOL && v.kind != CEL_ERROR)
				rs_diag(d, false, c->file, c->line[k], c->col[k],
					"kontrollen '%s': '%s' måste ge sant eller falskt, men ger %s",
					c->id, part, cel_kind_name(v.kind));
			if (k == 0 && v.kind == CEL_BOOL && !v.b)
				break;
		}
	}
	buf_free(&b);
}

static void dry_text(struct rs_eval *e, const struct rs_text *t, struct rs_diags *d)
{
	struct ebba_buf b = {0};
	for (size_t k = 0; k < t->n; k++) {
		const struct rs_seg *sg = &t->segs[k];
		if (!sg->prog)
			continue;
		struct cel_value v = cel_eval(sg->prog, &e->act, e->arena);
		if (rs_is_mistake(v))
			rs_diag(d, false, sg->file, sg->line, sg->col,
				"'{{ %s }}' fungerar inte för ett exempelhushåll: %s",
				cel_program_source(sg->prog), words(v, &b));
	}
	buf_free(&b);
}

/*
 * The letter's paragraphs: `when`, `each` (a list) and the text, with
 * `item` the list's first element (if the sample household has one).
 */
static void dry_paragraphs(struct rs_eval *e, const struct ruleset *rs, struct rs_diags *d)
{
	struct ebba_buf b = {0};
	for (size_t i = 0; i < rs->n_paras; i++) {
		const struct rs_paragraph *p = &rs->paras[i];
		struct cel_program *progs[2] = {p->when, p->each};
		static const char *const part[2] = {"when", "each"};
		bool ok = true;
		for (int k = 0; k < 2; k++) {
			if (!progs[k])
				continue;
			struct cel_value v = cel_eval(progs[k], &e->act, e->arena);
			const char *want = k ? "en lista" : "sant eller falskt";
			bool right = k ? v.kind == CEL_LIST : v.kind == CEL_BOOL;
			if (rs_is_mistake(v) || (!right && v.kind != CEL_ERROR)) {
				rs_diag(d, false, p->text.file, p->line, p->col,
					"stycket '%s' i brevet: '%s' måste ge %s, men ger %s", p->id,
					part[k], want, rs_is_mistake(v) ? words(v, &b) : cel_kind_name(v.kind));
				ok = false;
			}
			if (k == 1 && v.kind == CEL_LIST && cel_list_size(v))
				e->item = cel_list_get(v, 0);
		}
		/* a text over an empty list's item cannot be tried */
		if (ok && (!p->each || e->item.kind != CEL_NULL))
			dry_text(e, &p->text, d);
		e->item = cel_null();
	}
	buf_free(&b);
}

void rs_dry_run(struct ruleset *rs, struct rs_diags *d)
{
	struct sample s;
	sample_build(&s, rs);
	struct cel_arena *arena = cel_arena_new();
	struct rs_eval e;
	rs_eval_init(&e, rs, &s.in, arena);
	bool *bad = xcalloc(rs->n_derived + 1, sizeof(bool));
	dry_derived(&e, rs, bad, d);
	dry_checks(&e, rs, bad, d);
	/* messages, flag reasons and the letter */
	for (size_t i = 0; i < rs->n_checks; i++)
		dry_text(&e, &rs->checks[i].message, d);
	for (size_t i = 0; i < rs->n_flags; i++)
		dry_text(&e, &rs->flags[i].reason, d);
	dry_text(&e, &rs->letter, d);
	dry_paragraphs(&e, rs, d);
	dry_text(&e, &rs->closing, d);
	free(bad);
	cel_arena_free(arena);
}
