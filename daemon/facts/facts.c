/*
 * The fact model (include/ebba/facts/facts.h, docs/fact-model.md): builds the
 * CEL values rule expressions read, from the application, the case frame
 * and the register answers.  Each top-level fact is built on first use.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "ebba/facts/facts.h"

const char *const FACT_NAMES[] = {
	"application", "household", "adults", "children", "incomes", "costs",
	"assets", "frame", "registers", "months_on_assistance", "today", "history", NULL,
};

const char *agency_status_name(enum agency_status s)
{
	switch (s) {
	case AGENCY_ABSENT: return "absent";
	case AGENCY_OK: return "ok";
	case AGENCY_ERROR: return "error";
	case AGENCY_UNAVAILABLE: return "unavailable";
	}
	return "?";
}

const char *attendance_status_name(enum attendance_status s)
{
	switch (s) {
	case ATTENDANCE_OK: return "ok";
	case ATTENDANCE_NO_PLAN: return "no_plan";
	case ATTENDANCE_UNAVAILABLE: return "unavailable";
	}
	return "?";
}

void person_registers_from_ssbtek(struct person_registers *pr, const struct ssbtek_result *r,
				  const char *income_month)
{
	pr->ssbtek_asked = true;
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		const struct ssbtek_part *p = &r->part[a];
		pr->agency[a] = p->status == SSBTEK_OK ? AGENCY_OK
				: p->status == SSBTEK_ERROR ? AGENCY_ERROR : AGENCY_ABSENT;
		pr->agency_reason[a] = p->status == SSBTEK_ERROR ? p->felmeddelande : NULL;
	}
	pr->af_known = r->af.known;
	pr->af_registered = r->af.registered;
	memcpy(pr->af_since, r->af.since, sizeof(pr->af_since));
	pr->af_scope_percent = r->af.scope_percent;
	memcpy(pr->af_latest_report, r->af.latest_report, sizeof(pr->af_latest_report));
	pr->fk_sickness_percent = ssbtek_month_sickness_percent(r, income_month);
	ssbtek_month_net_all(r, income_month, pr->income);
}

void person_registers_unavailable(struct person_registers *pr, const char *reason)
{
	pr->ssbtek_asked = true;
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		pr->agency[a] = AGENCY_UNAVAILABLE;
		pr->agency_reason[a] = reason;
	}
}

void fact_person_label(const struct application *app, size_t i, char *out, size_t n)
{
	const struct app_person *p = &app->persons[i];
	if (p->role == ROLE_APPLICANT) {
		snprintf(out, n, "sökande");
	} else if (p->role == ROLE_CO_APPLICANT) {
		snprintf(out, n, "medsökande");
	} else {
		size_t k = 0;
		for (size_t j = 0; j <= i; j++)
			if (app->persons[j].role == ROLE_CHILD)
				k++;
		snprintf(out, n, "barn %zu", k);
	}
}

/* ------------------------------------------------------------- helpers */

#define STR(a, s) cel_string((a), (s))
#define SET(a, m, k, v) cel_map_set_str((a), (m), (k), (v))

static struct cel_value income_map(struct cel_arena *a, const int64_t v[INCOME_TYPE_COUNT])
{
	struct cel_value m = cel_map_new(a, INCOME_TYPE_COUNT);
	for (int t = 0; t < INCOME_TYPE_COUNT; t++)
		cel_map_set_str(a, m, income_type_name((enum income_type)t), cel_int(v[t]));
	return m;
}

/* ------------------------------------------------------------- persons */

static struct cel_value person_registers_value(const struct decision_inputs *in, size_t i,
					       struct cel_arena *a)
{
	struct cel_value m = cel_map_new(a, 8);
	const struct person_registers *pr = in->regs ? &in->regs[i] : NULL;
	bool asked = pr && pr->ssbtek_asked;
	SET(a, m, "asked", cel_bool(asked));
	struct cel_value st = cel_map_new(a, SSBTEK_AGENCY_COUNT);
	for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++)
		SET(a, st, ssbtek_agency_name((enum ssbtek_agency)g),
		    STR(a, asked ? agency_status_name(pr->agency[g]) : "not_asked"));
	SET(a, m, "status", st);
	struct cel_value af = cel_map_new(a, 6);
	bool afok = asked && pr->agency[SSBTEK_AF] == AGENCY_OK;
	SET(a, af, "known", cel_bool(afok && pr->af_known));
	SET(a, af, "registered", cel_bool(afok && pr->af_known && pr->af_registered));
	SET(a, af, "since", STR(a, afok ? pr->af_since : ""));
	SET(a, af, "scope_percent", cel_int(afok ? pr->af_scope_percent : -1));
	SET(a, af, "latest_report", STR(a, afok ? pr->af_latest_report : ""));
	int64_t days = -1;
	if (!(afok && pr->af_latest_report[0] &&
	      date_days_between(pr->af_latest_report, in->today, &days, NULL) == 0))
		days = -1;
	SET(a, af, "days_since_report", cel_int(days));
	SET(a, m, "af", af);
	struct cel_value fk = cel_map_new(a, 2);
	bool fkok = asked && pr->agency[SSBTEK_FK] == AGENCY_OK;
	SET(a, fk, "sickness_percent", cel_int(fkok ? pr->fk_sickness_percent : -1));
	SET(a, m, "fk", fk);
	int64_t inc[INCOME_TYPE_COUNT] = {0};
	int64_t total = 0;
	if (asked) {
		for (int t = 0; t < INCOME_TYPE_COUNT; t++) {
			inc[t] = pr->income[t];
			total += inc[t];
		}
	}
	SET(a, m, "income", income_map(a, inc));
	SET(a, m, "income_total", cel_int(total));
	return m;
}

struct fact_attendance fact_attendance(const struct person_registers *pr)
{
	struct fact_attendance f = {0};
	f.ok = pr && pr->attendance_asked && pr->attendance == ATTENDANCE_OK;
	if (f.ok) {
		f.scheduled = pr->scheduled_hours;
		f.attended = pr->attended_hours;
		f.excused = pr->excused_hours;
	}
	/* (attended + excused) / scheduled in whole per cent, rounded down */
	f.percent = f.scheduled > 0 ? (f.attended + f.excused) * 100 / f.scheduled : 100;
	return f;
}

static struct cel_value person_attendance_value(const struct decision_inputs *in, size_t i,
						struct cel_arena *a)
{
	struct cel_value m = cel_map_new(a, 8);
	const struct person_registers *pr = in->regs ? &in->regs[i] : NULL;
	bool asked = pr && pr->attendance_asked;
	SET(a, m, "asked", cel_bool(asked));
	SET(a, m, "status", STR(a, asked ? attendance_status_name(pr->attendance) : "not_asked"));
	bool ok = asked && pr->attendance == ATTENDANCE_OK;
	SET(a, m, "plan_hours_per_week",
	    cel_int(ok ? (int64_t)(pr->plan_hours_per_week + 0.5) : 0));
	struct fact_attendance f = fact_attendance(pr);
	SET(a, m, "scheduled", cel_int(f.scheduled));
	SET(a, m, "attended", cel_int(f.attended));
	SET(a, m, "excused", cel_int(f.excused));
	SET(a, m, "percent", cel_int(f.percent));
	return m;
}

/* Months from "YYYY-MM" from to the period (0 in the month itself); -1 without from. */
static int64_t months_since(const char *from, const struct application *app)
{
	if (!from || !from[0])
		return -1;
	int y = 0, mo = 0;
	if (sscanf(from, "%4d-%2d", &y, &mo) != 2)
		return -1;
	return ((int64_t)app->period_year * 12 + app->period_month) - ((int64_t)y * 12 + mo);
}

/* What the income the law does not count depends on (docs/income-disregards.md):
 * the recorded jobbstimulans start and what the person declared earlier in the year. */
static void person_disregard_facts(const struct decision_inputs *in, const struct app_person *p,
				   const struct frame_adult *fa, struct cel_value m, struct cel_arena *a)
{
	const char *from = fa ? fa->jobbstimulans_from : "";
	SET(a, m, "jobbstimulans_from", STR(a, from));
	SET(a, m, "jobbstimulans_months", cel_int(months_since(from, in->app)));
	int64_t year[INCOME_TYPE_COUNT] = {0};
	for (int t = 0; in->history && t < INCOME_TYPE_COUNT; t++)
		year[t] = case_history_income(in->history, p->pnr, (enum income_type)t);
	SET(a, m, "year_income", income_map(a, year));
}

/* Whether break b covers any day of the period's month. */
static bool break_in_period(const struct frame_activity_break *b, const struct application *app)
{
	int first = app->period_year * 10000 + app->period_month * 100 + 1;
	int last = app->period_year * 10000 + app->period_month * 100 + 31;
	int from = b->from.year * 10000 + b->from.month * 100 + b->from.day;
	int to = b->to.year * 10000 + b->to.month * 100 + b->to.day;
	return from <= last && to >= first;
}

/* What the frame records for the aktivitetskrav (12 kap. 4 a-4 f §§); see docs/fact-model.md. */
static struct cel_value person_aktivitetskrav(const struct decision_inputs *in,
					      const struct frame_adult *fa, struct cel_arena *a)
{
	static const struct frame_aktivitetskrav none = {.hours_able = -1, .sickness_percent = -1};
	const struct frame_aktivitetskrav *ak = fa ? &fa->ak : &none;
	struct cel_value m = cel_map_new(a, 12);
	SET(a, m, "hours_able", cel_int(ak->hours_able));
	SET(a, m, "occupation", STR(a, ak->occupation));
	SET(a, m, "occupation_full_time", cel_bool(ak->occupation_full_time));
	SET(a, m, "occupation_hours", cel_int(ak->occupation_full_time ? 0 : ak->occupation_hours));
	SET(a, m, "studies", cel_bool(ak->studies));
	SET(a, m, "sickness_benefit_percent", cel_int(ak->sickness_percent));
	SET(a, m, "parental_leave", cel_bool(ak->parental_leave));
	SET(a, m, "formedlingsinsatser", cel_bool(ak->formedlingsinsatser));
	SET(a, m, "job_search_hours", cel_int(ak->job_search_hours));
	SET(a, m, "other_duties_hours", cel_int(ak->other_duties_hours));
	bool on_break = false;
	for (size_t k = 0; k < ak->n_breaks; k++)
		on_break |= break_in_period(&ak->breaks[k], in->app);
	SET(a, m, "on_break", cel_bool(on_break));
	return m;
}

static struct cel_value person_value(const struct decision_inputs *in, size_t i,
				     struct cel_arena *a)
{
	const struct application *app = in->app;
	const struct app_person *p = &app->persons[i];
	struct cel_value m = cel_map_new(a, 24);
	char label[32];
	fact_person_label(app, i, label, sizeof(label));
	SET(a, m, "index", cel_int((int64_t)i));
	SET(a, m, "label", STR(a, label));
	SET(a, m, "role", STR(a, person_role_name(p->role)));
	SET(a, m, "age", cel_int(p->age));
	SET(a, m, "birth_year", cel_int(p->birth.year));
	SET(a, m, "adult", cel_bool(p->role != ROLE_CHILD));
	SET(a, m, "preschool_lunch", cel_bool(p->preschool_lunch));
	const struct frame_adult *fa = in->frame ? case_frame_adult(in->frame, p->pnr) : NULL;
	SET(a, m, "in_frame", cel_bool(in->frame && case_frame_in_household(in->frame, p->pnr)));
	SET(a, m, "capacity", STR(a, fa ? frame_capacity_name(fa->capacity) : ""));
	SET(a, m, "plan", STR(a, fa ? frame_plan_name(fa->plan) : ""));
	SET(a, m, "exempt_reason", STR(a, fa ? fa->reason : ""));
	person_disregard_facts(in, p, fa, m, a);
	SET(a, m, "aktivitetskrav", person_aktivitetskrav(in, fa, a));
	int64_t inc[INCOME_TYPE_COUNT] = {0}, total = 0, assets = 0;
	for (size_t k = 0; k < app->n_incomes; k++)
		if (app->incomes[k].person == i) {
			inc[app->incomes[k].type] += app->incomes[k].amount;
			total += app->incomes[k].amount;
		}
	for (size_t k = 0; k < app->n_assets; k++)
		if (app->assets[k].person == i)
			assets += app->assets[k].amount;
	SET(a, m, "declared_income", income_map(a, inc));
	SET(a, m, "declared_income_total", cel_int(total));
	SET(a, m, "assets_total", cel_int(assets));
	SET(a, m, "registers", person_registers_value(in, i, a));
	SET(a, m, "attendance", person_attendance_value(in, i, a));
	return m;
}

static struct cel_value members_value(const struct decision_inputs *in, int which,
				      struct cel_arena *a)
{
	/* which: 0 all, 1 adults, 2 children */
	struct cel_value l = cel_list_new(a, in->app->n_persons);
	for (size_t i = 0; i < in->app->n_persons; i++) {
		bool child = in->app->persons[i].role == ROLE_CHILD;
		if (which == 0 || (which == 1 && !child) || (which == 2 && child))
			cel_list_append(a, l, person_value(in, i, a));
	}
	return l;
}

/* ------------------------------------------------------------- top level */

static struct cel_value application_value(const struct decision_inputs *in, struct cel_arena *a)
{
	const struct application *app = in->app;
	struct cel_value m = cel_map_new(a, 24);
	char buf[16];
	SET(a, m, "id", STR(a, app->id ? app->id : ""));
	SET(a, m, "case", STR(a, app->case_id ? app->case_id : ""));
	SET(a, m, "kind", STR(a, app_kind_name(app->kind)));
	SET(a, m, "period", STR(a, app->period));
	snprintf(buf, sizeof(buf), "%s-01", app->period);
	SET(a, m, "period_start", STR(a, buf));
	SET(a, m, "year", cel_int(app->period_year));
	SET(a, m, "month", cel_int(app->period_month));
	char im[8];
	date_prev_month(app->period, im, NULL);
	SET(a, m, "income_month", STR(a, im));
	SET(a, m, "submitted", STR(a, app->submitted ? app->submitted : ""));
	SET(a, m, "changes", cel_bool(app->changes));
	const char *msg = app->message ? app->message : "";
	bool has = false;
	for (const char *s = msg; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			has = true;
	SET(a, m, "message", STR(a, msg));
	SET(a, m, "has_message", cel_bool(has));
	SET(a, m, "shared_with", cel_int(app->shared_with));
	return m;
}

static struct cel_value household_value(const struct decision_inputs *in, struct cel_arena *a)
{
	const struct application *app = in->app;
	struct cel_value m = cel_map_new(a, 8);
	int64_t adults = 0, children = 0;
	for (size_t i = 0; i < app->n_persons; i++) {
		if (app->persons[i].role == ROLE_CHILD)
			children++;
		else
			adults++;
	}
	SET(a, m, "size", cel_int((int64_t)app->n_persons));
	SET(a, m, "adults_count", cel_int(adults));
	SET(a, m, "children_count", cel_int(children));
	SET(a, m, "couple", cel_bool(adults == 2));
	SET(a, m, "shared_with", cel_int(app->shared_with));
	SET(a, m, "total_size", cel_int((int64_t)app->n_persons + app->shared_with));
	SET(a, m, "members", members_value(in, 0, a));
	return m;
}

/* A declared item of one person (an income, an asset): a map that starts
 * with the person's label; the caller adds the rest. */
static struct cel_value person_item(struct cel_arena *a, const struct application *app,
				    size_t person)
{
	struct cel_value it = cel_map_new(a, 4);
	char label[32];
	fact_person_label(app, person, label, sizeof(label));
	SET(a, it, "person", STR(a, label));
	return it;
}

static struct cel_value incomes_value(const struct decision_inputs *in, struct cel_arena *a)
{
	const struct application *app = in->app;
	struct cel_value m = cel_map_new(a, 4);
	int64_t by[INCOME_TYPE_COUNT] = {0}, total = 0;
	struct cel_value items = cel_list_new(a, app->n_incomes);
	for (size_t k = 0; k < app->n_incomes; k++) {
		const struct app_income *x = &app->incomes[k];
		by[x->type] += x->amount;
		total += x->amount;
		struct cel_value it = person_item(a, app, x->person);
		SET(a, it, "index", cel_int((int64_t)x->person));
		SET(a, it, "type", STR(a, income_type_name(x->type)));
		SET(a, it, "amount", cel_int(x->amount));
		cel_list_append(a, items, it);
	}
	SET(a, m, "declared", income_map(a, by));
	SET(a, m, "declared_total", cel_int(total));
	SET(a, m, "items", items);
	return m;
}

static struct cel_value costs_value(const struct decision_inputs *in, struct cel_arena *a)
{
	const struct application *app = in->app;
	const struct case_frame *f = in->frame;
	struct cel_value m = cel_map_new(a, 4);
	int64_t by[COST_TYPE_COUNT] = {0}, total = 0;
	for (size_t k = 0; k < app->n_costs; k++) {
		by[app->costs[k].type] += app->costs[k].amount;
		total += app->costs[k].amount;
	}
	struct cel_value declared = cel_map_new(a, COST_TYPE_COUNT);
	struct cel_value items = cel_list_new(a, app->n_costs);
	for (int t = 0; t < COST_TYPE_COUNT; t++) {
		cel_map_set_str(a, declared, cost_type_name((enum cost_type)t), cel_int(by[t]));
		bool present = false;
		for (size_t k = 0; k < app->n_costs; k++)
			present |= app->costs[k].type == (enum cost_type)t;
		if (!present)
			continue;
		struct cel_value it = cel_map_new(a, 4);
		bool approved = f && f->cost_approved[t];
		SET(a, it, "type", STR(a, cost_type_name((enum cost_type)t)));
		SET(a, it, "amount", cel_int(by[t]));
		SET(a, it, "approved", cel_bool(approved));
		SET(a, it, "ceiling", cel_int(approved ? f->approved_costs[t] : 0));
		cel_list_append(a, items, it);
	}
	SET(a, m, "declared", declared);
	SET(a, m, "total", cel_int(total));
	SET(a, m, "items", items);
	return m;
}

static struct cel_value assets_value(const struct decision_inputs *in, struct cel_arena *a)
{
	const struct application *app = in->app;
	struct cel_value m = cel_map_new(a, 4);
	int64_t by[ASSET_TYPE_COUNT] = {0}, total = 0;
	struct cel_value items = cel_list_new(a, app->n_assets);
	for (size_t k = 0; k < app->n_assets; k++) {
		const struct app_asset *x = &app->assets[k];
		by[x->type] += x->amount;
		total += x->amount;
		struct cel_value it = person_item(a, app, x->person);
		SET(a, it, "type", STR(a, asset_type_name(x->type)));
		SET(a, it, "amount", cel_int(x->amount));
		cel_list_append(a, items, it);
	}
	struct cel_value bt = cel_map_new(a, ASSET_TYPE_COUNT);
	for (int t = 0; t < ASSET_TYPE_COUNT; t++)
		cel_map_set_str(a, bt, asset_type_name((enum asset_type)t), cel_int(by[t]));
	SET(a, m, "total", cel_int(total));
	SET(a, m, "by_type", bt);
	SET(a, m, "items", items);
	return m;
}

static struct cel_value frame_value(const struct decision_inputs *in, struct cel_arena *a)
{
	const struct case_frame *f = in->frame;
	const struct application *app = in->app;
	struct cel_value m = cel_map_new(a, 24);
	char buf[16] = "";
	SET(a, m, "exists", cel_bool(f != NULL));
	SET(a, m, "automation_allowed", cel_bool(f && f->automation_allowed));
	if (f)
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", f->valid_until.year % 10000,
			 f->valid_until.month % 100, f->valid_until.day % 100);
	SET(a, m, "valid_until", STR(a, buf));
	int64_t d = 0;
	bool valid = f && date_days_between(in->today, buf, &d, NULL) == 0 && d >= 0;
	SET(a, m, "valid", cel_bool(valid));
	int64_t not_in_frame = 0, not_in_app = 0;
	if (f) {
		for (size_t i = 0; i < app->n_persons; i++)
			if (!case_frame_in_household(f, app->persons[i].pnr))
				not_in_frame++;
		for (size_t k = 0; k < f->n_household; k++)
			if (!application_person(app, f->household[k]))
				not_in_app++;
	}
	SET(a, m, "household_size", cel_int(f ? (int64_t)f->n_household : 0));
	SET(a, m, "persons_not_in_frame", cel_int(not_in_frame));
	SET(a, m, "frame_persons_not_in_application", cel_int(not_in_app));
	SET(a, m, "household_matches", cel_bool(f && not_in_frame == 0 && not_in_app == 0));
	struct cel_value ac = cel_map_new(a, COST_TYPE_COUNT);
	for (int t = 0; f && t < COST_TYPE_COUNT; t++)
		if (f->cost_approved[t])
			cel_map_set_str(a, ac, cost_type_name((enum cost_type)t),
					cel_int(f->approved_costs[t]));
	SET(a, m, "approved_costs", ac);
	SET(a, m, "months_on_assistance", cel_int(f ? f->months_on_assistance : 0));
	SET(a, m, "has_last_decision", cel_bool(f && f->has_last_decision));
	struct cel_value ld = cel_map_new(a, 2);
	SET(a, ld, "period", STR(a, f && f->has_last_decision ? f->last_period : ""));
	SET(a, ld, "amount", cel_int(f && f->has_last_decision ? f->last_amount : 0));
	SET(a, m, "last_decision", ld);
	SET(a, m, "sublet_without_consent", cel_bool(f && f->sublet_without_consent));
	SET(a, m, "not_lawfully_resident", cel_bool(f && f->not_lawfully_resident));
	SET(a, m, "limit_exception", cel_bool(f && f->has_limit_exception));
	char ld_buf[16] = "";
	if (f && f->has_limit_exception)
		snprintf(ld_buf, sizeof(ld_buf), "%04d-%02d-%02d", f->limit_exception_decided.year % 10000,
			 f->limit_exception_decided.month % 100, f->limit_exception_decided.day % 100);
	SET(a, m, "limit_exception_decided", STR(a, ld_buf));
	SET(a, m, "limit_exception_note", STR(a, f && f->has_limit_exception ? f->limit_exception_note : ""));
	return m;
}

static void add_problem(const struct decision_inputs *in, struct cel_arena *a,
			struct cel_value list, size_t i, const char *agency, const char *status,
			const char *reason)
{
	struct cel_value p = cel_map_new(a, 4);
	char label[32];
	fact_person_label(in->app, i, label, sizeof(label));
	SET(a, p, "person", STR(a, label));
	SET(a, p, "agency", STR(a, agency));
	SET(a, p, "status", STR(a, status));
	SET(a, p, "reason", STR(a, reason ? reason : ""));
	cel_list_append(a, list, p);
}

static struct cel_value registers_value(const struct decision_inputs *in, struct cel_arena *a)
{
	const struct application *app = in->app;
	struct cel_value m = cel_map_new(a, 6);
	SET(a, m, "configured", cel_bool(in->regs != NULL));
	struct cel_value problems = cel_list_new(a, 4);
	struct cel_value unavailable = cel_list_new(a, 4);
	bool seen[SSBTEK_AGENCY_COUNT + 1] = {false};
	int64_t inc[INCOME_TYPE_COUNT] = {0}, total = 0;
	for (size_t i = 0; in->regs && i < app->n_persons; i++) {
		const struct person_registers *pr = &in->regs[i];
		if (pr->ssbtek_asked) {
			for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++) {
				if (pr->agency[g] != AGENCY_ERROR && pr->agency[g] != AGENCY_UNAVAILABLE)
					continue;
				const char *name = ssbtek_agency_name((enum ssbtek_agency)g);
				add_problem(in, a, problems, i, name, agency_status_name(pr->agency[g]),
					    pr->agency_reason[g]);
				if (!seen[g])
					cel_list_append(a, unavailable, STR(a, name));
				seen[g] = true;
			}
			for (int t = 0; t < INCOME_TYPE_COUNT; t++) {
				inc[t] += pr->income[t];
				total += pr->income[t];
			}
		}
		if (pr->attendance_asked && pr->attendance == ATTENDANCE_UNAVAILABLE) {
			add_problem(in, a, problems, i, "attendance", "unavailable",
				    pr->attendance_reason);
			if (!seen[SSBTEK_AGENCY_COUNT])
				cel_list_append(a, unavailable, STR(a, "attendance"));
			seen[SSBTEK_AGENCY_COUNT] = true;
		}
	}
	SET(a, m, "problems", problems);
	SET(a, m, "unavailable", unavailable);
	SET(a, m, "income", income_map(a, inc));
	SET(a, m, "income_total", cel_int(total));
	return m;
}

/* The year's earlier decisions, without who made them beyond ebba or a person. */
static struct cel_value history_value(const struct decision_inputs *in, struct cel_arena *a)
{
	const struct case_history *h = in->history;
	struct cel_value m = cel_map_new(a, 4);
	char from[8];
	int year;
	case_history_window(in->app->period, from, &year);
	SET(a, m, "available", cel_bool(h != NULL));
	SET(a, m, "year", cel_int(year));
	struct cel_value l = cel_list_new(a, h ? h->n_decisions : 0);
	for (size_t i = 0; h && i < h->n_decisions; i++) {
		const struct history_decision *d = &h->decisions[i];
		struct cel_value e = cel_map_new(a, 5);
		SET(a, e, "period", STR(a, d->period));
		SET(a, e, "outcome", STR(a, d->outcome));
		SET(a, e, "has_amount", cel_bool(d->has_amount));
		SET(a, e, "amount", cel_int(d->has_amount ? d->amount : 0));
		SET(a, e, "by_ebba", cel_bool(strcmp(d->by, "ebba") == 0));
		cel_list_append(a, l, e);
	}
	SET(a, m, "decisions", l);
	return m;
}

bool facts_build(const struct decision_inputs *in, const char *name, struct cel_arena *arena,
		 struct cel_value *out)
{
	switch (name[0]) {
	case 'a':
		if (strcmp(name, "application") == 0)
			return *out = application_value(in, arena), true;
		if (strcmp(name, "adults") == 0)
			return *out = members_value(in, 1, arena), true;
		if (strcmp(name, "assets") == 0)
			return *out = assets_value(in, arena), true;
		break;
	case 'c':
		if (strcmp(name, "children") == 0)
			return *out = members_value(in, 2, arena), true;
		if (strcmp(name, "costs") == 0)
			return *out = costs_value(in, arena), true;
		break;
	case 'f':
		if (strcmp(name, "frame") == 0)
			return *out = frame_value(in, arena), true;
		break;
	case 'h':
		if (strcmp(name, "household") == 0)
			return *out = household_value(in, arena), true;
		if (strcmp(name, "history") == 0)
			return *out = history_value(in, arena), true;
		break;
	case 'i':
		if (strcmp(name, "incomes") == 0)
			return *out = incomes_value(in, arena), true;
		break;
	case 'm':
		if (strcmp(name, "months_on_assistance") == 0)
			return *out = cel_int(in->frame ? in->frame->months_on_assistance : 0), true;
		break;
	case 'r':
		if (strcmp(name, "registers") == 0)
			return *out = registers_value(in, arena), true;
		break;
	case 't':
		if (strcmp(name, "today") == 0)
			return *out = cel_string(arena, in->today ? in->today : ""), true;
		break;
	}
	return false;
}
