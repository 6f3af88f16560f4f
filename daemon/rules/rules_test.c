/*
 * Rule tests (docs/rules.md, "Tests"): YAML files in RULES/tests/ with
 * facts in (application, frame, registers, attendance, today) and the
 * expected outcome, amount and failed checks out.  A file may have a
 * `defaults:` section whose application/frame/registers/attendance keys
 * apply to every test that does not give them itself.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_impl.h"

#define T_MAX_PERSONS 16

static const char *const FILE_KEYS[] = {"defaults", "tests", NULL};
static const char *const TEST_KEYS[] = {"name", "description", "application", "frame",
					"registers", "attendance", "today", "allow_reject",
					"expect", NULL};
static const char *const DEFAULT_KEYS[] = {"application", "frame", "registers", "attendance",
					   "today", "allow_reject", NULL};
static const char *const APP_KEYS[] = {"id", "kind", "period", "shared_with", "changes",
				       "message", "household", "incomes", "costs", "assets", NULL};
static const char *const PERSON_KEYS[] = {"role", "age", "preschool_lunch", NULL};
static const char *const ITEM_KEYS[] = {"person", "type", "amount", NULL};
static const char *const FRAME_KEYS[] = {"automation", "valid_until", "household", "adults",
					 "approved_costs", "months_on_assistance",
					 "last_decision", NULL};
static const char *const FADULT_KEYS[] = {"capacity", "plan", "reason", NULL};
static const char *const LAST_KEYS[] = {"period", "amount", NULL};
static const char *const REG_KEYS[] = {"asked", "AF", "SO", "CSN", "FK", "SKV", "TNS", "MIV",
				       "af", "income", NULL};
static const char *const AF_KEYS[] = {"registered", "since", "scope_percent", "latest_report",
				      NULL};
static const char *const ATT_KEYS[] = {"status", "plan_hours_per_week", "scheduled", "attended",
				       "excused", NULL};
static const char *const EXPECT_KEYS[] = {"outcome", "amount", "norm", "costs", "incomes",
					  "failed", "flags", "provisional", "message", NULL};

struct tctx {
	struct rs_file *f;
	struct rs_diags d;
	yaml_node_t *test, *defaults;
};

#define TERR(T, n, ...) rs_diag(&(T)->d, false, (T)->f->name, rs_line(n), rs_col(n), __VA_ARGS__)

/* The test's own value for section.key (key NULL: the section), else the defaults'. */
static yaml_node_t *tget(struct tctx *T, const char *section, const char *key)
{
	yaml_node_t *srcs[2] = {T->test, T->defaults};
	for (int i = 0; i < 2; i++) {
		yaml_node_t *s = rs_map_get(T->f, srcs[i], section);
		if (!s)
			continue;
		if (!key)
			return s;
		yaml_node_t *v = rs_map_get(T->f, s, key);
		if (v)
			return v;
	}
	return NULL;
}

static bool tint(struct tctx *T, yaml_node_t *n, int64_t *out, const char *what)
{
	const char *s = rs_scalar(n);
	char *end = NULL;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || !end || *end) {
		TERR(T, n, "%s must be a whole number, not '%s'", what, s ? s : rs_node_kind(n));
		return false;
	}
	*out = v;
	return true;
}

static bool tbool(struct tctx *T, yaml_node_t *n, bool *out, const char *what)
{
	const char *s = rs_scalar(n);
	if (s && strcmp(s, "true") == 0)
		return *out = true, true;
	if (s && strcmp(s, "false") == 0)
		return *out = false, true;
	TERR(T, n, "%s must be true or false, not '%s'", what, s ? s : rs_node_kind(n));
	return false;
}

struct tinputs {
	struct application app;
	struct app_person persons[T_MAX_PERSONS];
	struct app_income incomes[32];
	struct app_cost costs[COST_TYPE_COUNT];
	struct app_asset assets[16];
	char id[64], message[512];
	struct case_frame frame;
	bool has_frame;
	struct person_registers regs[T_MAX_PERSONS];
	bool has_regs;
	char today[11];
	bool allow_reject;
	char reasons[T_MAX_PERSONS][64];
};

static bool person_index(struct tctx *T, struct tinputs *I, yaml_node_t *n, size_t *out)
{
	int64_t v;
	if (!tint(T, n, &v, "person"))
		return false;
	if (v < 0 || (size_t)v >= I->app.n_persons) {
		TERR(T, n, "person %lld is not in the household (0 to %zu)", (long long)v,
		     I->app.n_persons - 1);
		return false;
	}
	*out = (size_t)v;
	return true;
}

static void build_app(struct tctx *T, struct tinputs *I)
{
	struct rs_file *f = T->f;
	struct application *a = &I->app;
	a->persons = I->persons;
	a->incomes = I->incomes;
	a->costs = I->costs;
	a->assets = I->assets;
	a->id = "EB-TEST";
	a->case_id = "C-TEST";
	a->submitted = "";
	a->message = "";
	yaml_node_t *n;
	yaml_node_t *sec = tget(T, "application", NULL);
	if (!sec) {
		TERR(T, T->test, "the test has no 'application'");
		return;
	}
	rs_check_keys(f, rs_map_get(f, T->test, "application"), APP_KEYS, "application", &T->d);
	if ((n = tget(T, "application", "kind"))) {
		const char *k = rs_scalar(n);
		if (k && strcmp(k, "new") == 0)
			a->kind = APP_KIND_NEW;
		else if (!k || strcmp(k, "repeat") != 0)
			TERR(T, n, "kind must be 'repeat' or 'new'");
	}
	n = tget(T, "application", "period");
	const char *per = rs_scalar(n);
	char tmp[16];
	snprintf(tmp, sizeof(tmp), "%s-01", per ? per : "");
	if (!per || strlen(per) != 7 || !date_is_iso(tmp)) {
		TERR(T, n ? n : sec, "application period must be YYYY-MM");
		per = "2026-01";
	}
	snprintf(a->period, sizeof(a->period), "%s", per);
	a->period_year = atoi(per);
	a->period_month = atoi(per + 5);
	int64_t v;
	if ((n = tget(T, "application", "shared_with")) && tint(T, n, &v, "shared_with"))
		a->shared_with = (int)v;
	if ((n = tget(T, "application", "changes")))
		tbool(T, n, &a->changes, "changes");
	if ((n = tget(T, "application", "message"))) {
		snprintf(I->message, sizeof(I->message), "%s", rs_scalar(n) ? rs_scalar(n) : "");
		a->message = I->message;
	}
	n = tget(T, "application", "household");
	if (!n || n->type != YAML_SEQUENCE_NODE) {
		TERR(T, n ? n : sec, "application household must be a list of persons");
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *p = rs_node(f, *it);
		if (a->n_persons == T_MAX_PERSONS) {
			TERR(T, p, "at most %d persons", T_MAX_PERSONS);
			break;
		}
		rs_check_keys(f, p, PERSON_KEYS, "a person", &T->d);
		struct app_person *ap = &I->persons[a->n_persons];
		snprintf(ap->pnr, sizeof(ap->pnr), "90000000%04u", (unsigned)(a->n_persons % 1000));
		const char *role = rs_scalar(rs_map_get(f, p, "role"));
		if (role && strcmp(role, "applicant") == 0)
			ap->role = ROLE_APPLICANT;
		else if (role && strcmp(role, "co-applicant") == 0)
			ap->role = ROLE_CO_APPLICANT;
		else if (role && strcmp(role, "child") == 0)
			ap->role = ROLE_CHILD;
		else
			TERR(T, p, "role must be applicant, co-applicant or child");
		yaml_node_t *ag = rs_map_get(f, p, "age");
		if (!ag)
			TERR(T, p, "a person needs an age");
		else if (tint(T, ag, &v, "age"))
			ap->age = (int)v;
		yaml_node_t *pl = rs_map_get(f, p, "preschool_lunch");
		if (pl)
			tbool(T, pl, &ap->preschool_lunch, "preschool_lunch");
		a->n_persons++;
	}
	if (!a->n_persons)
		return;
	if ((n = tget(T, "application", "incomes")) && n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && a->n_incomes < 32; it++) {
			yaml_node_t *p = rs_node(f, *it);
			rs_check_keys(f, p, ITEM_KEYS, "an income", &T->d);
			struct app_income *x = &I->incomes[a->n_incomes];
			const char *ty = rs_scalar(rs_map_get(f, p, "type"));
			int t = ty ? income_type_from_name(ty) : -1;
			yaml_node_t *pn = rs_map_get(f, p, "person");
			if (t < 0) {
				TERR(T, p, "unknown income type '%s'", ty ? ty : "?");
				continue;
			}
			x->type = (enum income_type)t;
			x->person = 0;
			if (pn && !person_index(T, I, pn, &x->person))
				continue;
			if (!tint(T, rs_map_get(f, p, "amount") ? rs_map_get(f, p, "amount") : p, &x->amount,
				  "amount"))
				continue;
			a->n_incomes++;
		}
	}
	if ((n = tget(T, "application", "costs"))) {
		if (n->type != YAML_MAPPING_NODE) {
			TERR(T, n, "costs must be a mapping (rent: 7450)");
		} else {
			for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
			     p < n->data.mapping.pairs.top; p++) {
				const char *ty = rs_scalar(rs_node(f, p->key));
				int t = ty ? cost_type_from_name(ty) : -1;
				if (t < 0) {
					TERR(T, rs_node(f, p->key), "unknown cost type '%s'", ty ? ty : "?");
					continue;
				}
				I->costs[a->n_costs].type = (enum cost_type)t;
				if (tint(T, rs_node(f, p->value), &I->costs[a->n_costs].amount, "a cost"))
					a->n_costs++;
			}
		}
	}
	if ((n = tget(T, "application", "assets")) && n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && a->n_assets < 16; it++) {
			yaml_node_t *p = rs_node(f, *it);
			rs_check_keys(f, p, ITEM_KEYS, "an asset", &T->d);
			struct app_asset *x = &I->assets[a->n_assets];
			const char *ty = rs_scalar(rs_map_get(f, p, "type"));
			int t = ty ? asset_type_from_name(ty) : -1;
			if (t < 0) {
				TERR(T, p, "unknown asset type '%s'", ty ? ty : "?");
				continue;
			}
			x->type = (enum asset_type)t;
			yaml_node_t *pn = rs_map_get(f, p, "person");
			if (pn && !person_index(T, I, pn, &x->person))
				continue;
			yaml_node_t *am = rs_map_get(f, p, "amount");
			if (!tint(T, am ? am : p, &x->amount, "amount"))
				continue;
			a->n_assets++;
		}
	}
}

static void build_frame(struct tctx *T, struct tinputs *I)
{
	struct rs_file *f = T->f;
	struct case_frame *fr = &I->frame;
	struct application *a = &I->app;
	yaml_node_t *sec = tget(T, "frame", NULL);
	if (!sec || (rs_scalar(sec) && strcmp(rs_scalar(sec), "none") == 0))
		return;
	if (sec->type != YAML_MAPPING_NODE) {
		TERR(T, sec, "frame must be a mapping or 'none'");
		return;
	}
	rs_check_keys(f, rs_map_get(f, T->test, "frame"), FRAME_KEYS, "frame", &T->d);
	I->has_frame = true;
	fr->automation_allowed = true;
	yaml_node_t *n;
	if ((n = tget(T, "frame", "automation"))) {
		const char *s = rs_scalar(n);
		if (s && strcmp(s, "manual") == 0)
			fr->automation_allowed = false;
		else if (!s || strcmp(s, "allowed") != 0)
			TERR(T, n, "automation must be 'allowed' or 'manual'");
	}
	fr->valid_until = (struct date){a->period_year + 1, 12, 31};
	if ((n = tget(T, "frame", "valid_until"))) {
		const char *s = rs_scalar(n);
		if (!s || !date_is_iso(s))
			TERR(T, n, "valid_until must be a date YYYY-MM-DD");
		else
			fr->valid_until = (struct date){atoi(s), atoi(s + 5), atoi(s + 8)};
	}
	n = tget(T, "frame", "household");
	if (!n || (rs_scalar(n) && strcmp(rs_scalar(n), "all") == 0)) {
		for (size_t i = 0; i < a->n_persons; i++)
			memcpy(fr->household[fr->n_household++], a->persons[i].pnr, PNR_BUF);
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && fr->n_household < FRAME_MAX_PERSONS; it++) {
			yaml_node_t *p = rs_node(f, *it);
			const char *s = rs_scalar(p);
			size_t idx;
			if (s && strcmp(s, "extra") == 0) {
				snprintf(fr->household[fr->n_household], PNR_BUF, "91000000%04u",
					 (unsigned)(fr->n_household % 1000));
				fr->n_household++;
			}
			else if (person_index(T, I, p, &idx))
				memcpy(fr->household[fr->n_household++], a->persons[idx].pnr, PNR_BUF);
		}
	} else {
		TERR(T, n, "frame household must be 'all' or a list of person numbers (0, 1, ...) or 'extra'");
	}
	/* adults: default full capacity and a required plan */
	n = tget(T, "frame", "adults");
	for (size_t i = 0; i < a->n_persons; i++) {
		if (a->persons[i].role == ROLE_CHILD)
			continue;
		struct frame_adult *fa = &fr->adults[fr->n_adults++];
		memcpy(fa->pnr, a->persons[i].pnr, PNR_BUF);
		char key[24];
		snprintf(key, sizeof(key), "%zu", i);
		yaml_node_t *e = rs_map_get(f, n, key);
		if (!e)
			continue;
		rs_check_keys(f, e, FADULT_KEYS, "a frame adult", &T->d);
		const char *c = rs_scalar(rs_map_get(f, e, "capacity"));
		if (c && strcmp(c, "partial") == 0)
			fa->capacity = CAPACITY_PARTIAL;
		else if (c && strcmp(c, "none") == 0)
			fa->capacity = CAPACITY_NONE;
		else if (c && strcmp(c, "full") != 0)
			TERR(T, e, "capacity must be full, partial or none");
		const char *p = rs_scalar(rs_map_get(f, e, "plan"));
		if (p && strcmp(p, "exempt") == 0)
			fa->plan = PLAN_EXEMPT;
		else if (p && strcmp(p, "required") != 0)
			TERR(T, e, "plan must be required or exempt");
		const char *r = rs_scalar(rs_map_get(f, e, "reason"));
		snprintf(fa->reason, sizeof(fa->reason), "%s", r ? r : "");
	}
	n = tget(T, "frame", "approved_costs");
	if (!n) {
		for (size_t k = 0; k < a->n_costs; k++) {
			fr->cost_approved[a->costs[k].type] = true;
			fr->approved_costs[a->costs[k].type] = a->costs[k].amount;
		}
	} else if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
		     p++) {
			const char *ty = rs_scalar(rs_node(f, p->key));
			int t = ty ? cost_type_from_name(ty) : -1;
			if (t < 0) {
				TERR(T, rs_node(f, p->key), "unknown cost type '%s'", ty ? ty : "?");
				continue;
			}
			if (tint(T, rs_node(f, p->value), &fr->approved_costs[t], "an approved cost"))
				fr->cost_approved[t] = true;
		}
	}
	int64_t v;
	if ((n = tget(T, "frame", "months_on_assistance")) && tint(T, n, &v, "months_on_assistance"))
		fr->months_on_assistance = v;
	if ((n = tget(T, "frame", "last_decision"))) {
		rs_check_keys(f, n, LAST_KEYS, "last_decision", &T->d);
		const char *p = rs_scalar(rs_map_get(f, n, "period"));
		yaml_node_t *am = rs_map_get(f, n, "amount");
		if (p && am && tint(T, am, &v, "amount")) {
			fr->has_last_decision = true;
			snprintf(fr->last_period, sizeof(fr->last_period), "%s", p);
			fr->last_amount = v;
		} else {
			TERR(T, n, "last_decision needs period and amount");
		}
	}
}

static void build_registers(struct tctx *T, struct tinputs *I)
{
	struct rs_file *f = T->f;
	struct application *a = &I->app;
	yaml_node_t *sec = tget(T, "registers", NULL);
	if (sec && rs_scalar(sec) && strcmp(rs_scalar(sec), "none") == 0)
		return;
	I->has_regs = true;
	for (size_t i = 0; i < a->n_persons; i++) {
		struct person_registers *pr = &I->regs[i];
		pr->ssbtek_asked = a->persons[i].age >= 16;
		for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++)
			pr->agency[g] = AGENCY_OK;
		pr->af_scope_percent = -1;
		pr->attendance_asked = a->persons[i].role != ROLE_CHILD;
		pr->attendance = ATTENDANCE_NO_PLAN;
		char key[24];
		snprintf(key, sizeof(key), "%zu", i);
		yaml_node_t *e = tget(T, "registers", key);
		if (e) {
			rs_check_keys(f, e, REG_KEYS, "a person's registers", &T->d);
			yaml_node_t *n;
			if ((n = rs_map_get(f, e, "asked")))
				tbool(T, n, &pr->ssbtek_asked, "asked");
			for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++) {
				n = rs_map_get(f, e, ssbtek_agency_name((enum ssbtek_agency)g));
				const char *s = rs_scalar(n);
				if (!n)
					continue;
				if (s && strcmp(s, "ok") == 0)
					pr->agency[g] = AGENCY_OK;
				else if (s && strcmp(s, "error") == 0)
					pr->agency[g] = AGENCY_ERROR;
				else if (s && strcmp(s, "absent") == 0)
					pr->agency[g] = AGENCY_ABSENT;
				else if (s && strcmp(s, "unavailable") == 0)
					pr->agency[g] = AGENCY_UNAVAILABLE;
				else
					TERR(T, n, "status must be ok, error, absent or unavailable");
				if (pr->agency[g] == AGENCY_ERROR || pr->agency[g] == AGENCY_UNAVAILABLE) {
					snprintf(I->reasons[i], sizeof(I->reasons[i]), "test: %s", s);
					pr->agency_reason[g] = I->reasons[i];
				}
			}
			if ((n = rs_map_get(f, e, "af"))) {
				rs_check_keys(f, n, AF_KEYS, "af", &T->d);
				yaml_node_t *x;
				int64_t v;
				if ((x = rs_map_get(f, n, "registered"))) {
					pr->af_known = true;
					tbool(T, x, &pr->af_registered, "registered");
				}
				if ((x = rs_map_get(f, n, "since")))
					snprintf(pr->af_since, sizeof(pr->af_since), "%s", rs_scalar(x) ? rs_scalar(x) : "");
				if ((x = rs_map_get(f, n, "latest_report")))
					snprintf(pr->af_latest_report, sizeof(pr->af_latest_report), "%s",
						 rs_scalar(x) ? rs_scalar(x) : "");
				if ((x = rs_map_get(f, n, "scope_percent")) && tint(T, x, &v, "scope_percent"))
					pr->af_scope_percent = (int)v;
			}
			if ((n = rs_map_get(f, e, "income"))) {
				for (yaml_node_pair_t *p = n->type == YAML_MAPPING_NODE ? n->data.mapping.pairs.start : NULL;
				     p && p < n->data.mapping.pairs.top; p++) {
					const char *ty = rs_scalar(rs_node(f, p->key));
					int t = ty ? income_type_from_name(ty) : -1;
					if (t < 0) {
						TERR(T, rs_node(f, p->key), "unknown income type '%s'", ty ? ty : "?");
						continue;
					}
					tint(T, rs_node(f, p->value), &pr->income[t], "an income");
				}
			}
		}
		yaml_node_t *at = tget(T, "attendance", key);
		if (at) {
			rs_check_keys(f, at, ATT_KEYS, "attendance", &T->d);
			const char *s = rs_scalar(rs_map_get(f, at, "status"));
			pr->attendance_asked = true;
			if (!s || strcmp(s, "ok") == 0)
				pr->attendance = ATTENDANCE_OK;
			else if (strcmp(s, "no_plan") == 0)
				pr->attendance = ATTENDANCE_NO_PLAN;
			else if (strcmp(s, "unavailable") == 0) {
				pr->attendance = ATTENDANCE_UNAVAILABLE;
				pr->attendance_reason = "test: unavailable";
			} else
				TERR(T, at, "attendance status must be ok, no_plan or unavailable");
			int64_t v;
			yaml_node_t *x;
			if ((x = rs_map_get(f, at, "plan_hours_per_week")) && tint(T, x, &v, "plan_hours_per_week"))
				pr->plan_hours_per_week = (double)v;
			if ((x = rs_map_get(f, at, "scheduled")))
				tint(T, x, &pr->scheduled_hours, "scheduled");
			if ((x = rs_map_get(f, at, "attended")))
				tint(T, x, &pr->attended_hours, "attended");
			if ((x = rs_map_get(f, at, "excused")))
				tint(T, x, &pr->excused_hours, "excused");
		}
	}
}

static bool id_in(const char *id, struct rs_file *f, yaml_node_t *list)
{
	for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top;
	     it++) {
		const char *s = rs_scalar(rs_node(f, *it));
		if (s && strcmp(s, id) == 0)
			return true;
	}
	return false;
}

/* Runs one test; appends what went wrong to why. */
static void run_one(const struct ruleset *rs, struct tctx *T, struct cel_arena *arena,
		    struct ebba_buf *why)
{
	struct rs_file *f = T->f;
	struct tinputs *I = xcalloc(1, sizeof(*I));
	build_app(T, I);
	build_frame(T, I);
	build_registers(T, I);
	yaml_node_t *n = rs_map_get(f, T->test, "today");
	if (!n)
		n = rs_map_get(f, T->defaults, "today");
	if (n && date_is_iso(rs_scalar(n))) {
		snprintf(I->today, sizeof(I->today), "%s", rs_scalar(n));
	} else {
		if (n)
			TERR(T, n, "today must be a date YYYY-MM-DD");
		/* the 25th of the month before the period */
		int y = I->app.period_year, m = I->app.period_month - 1;
		if (m == 0) {
			m = 12;
			y--;
		}
		snprintf(I->today, sizeof(I->today), "%04u-%02u-25", (unsigned)y % 10000u, (unsigned)m % 100u);
	}
	n = rs_map_get(f, T->test, "allow_reject");
	if (n)
		tbool(T, n, &I->allow_reject, "allow_reject");
	yaml_node_t *ex = rs_map_get(f, T->test, "expect");
	if (!ex || ex->type != YAML_MAPPING_NODE)
		TERR(T, T->test, "the test has no 'expect' mapping");
	rs_check_keys(f, ex, EXPECT_KEYS, "expect", &T->d);
	if (T->d.errors || !I->app.n_persons) {
		buf_puts(why, "the test itself has errors (see above)");
		free(I);
		return;
	}
	struct decision_inputs in = {.app = &I->app, .frame = I->has_frame ? &I->frame : NULL,
				     .regs = I->has_regs ? I->regs : NULL, .today = I->today};
	struct rule_decision d;
	struct ebba_err err = {{0}};
	if (ruleset_decide(rs, &in, I->allow_reject, arena, &d, &err) < 0) {
		buf_printf(why, "%s", err.msg);
		free(I);
		return;
	}
	const char *s;
	if ((s = rs_scalar(rs_map_get(f, ex, "outcome"))) && strcmp(s, d.outcome) != 0)
		buf_printf(why, "; outcome is %s, expected %s", d.outcome, s);
	static const char *const amt[] = {"amount", "norm", "costs", "incomes"};
	int64_t got[4] = {d.amount, d.norm, d.costs, d.incomes};
	for (int k = 0; k < 4; k++) {
		yaml_node_t *x = rs_map_get(f, ex, amt[k]);
		int64_t v;
		if (!x || !tint(T, x, &v, amt[k]))
			continue;
		if (!d.has_amount)
			buf_printf(why, "; %s could not be computed, expected %lld", amt[k], (long long)v);
		else if (v != got[k])
			buf_printf(why, "; %s is %lld, expected %lld", amt[k], (long long)got[k],
				   (long long)v);
	}
	yaml_node_t *fl = rs_map_get(f, ex, "failed");
	if (fl && fl->type != YAML_SEQUENCE_NODE) {
		TERR(T, fl, "failed must be a list of check ids ([] for none)");
	} else if (fl) {
		for (size_t i = 0; i < d.n_checks; i++) {
			bool failed = d.checks[i].result == RULE_FAIL || d.checks[i].result == RULE_ERROR;
			bool want = id_in(d.checks[i].id, f, fl);
			if (failed && !want)
				buf_printf(why, "; check %s %s: %s", d.checks[i].id,
					   d.checks[i].result == RULE_FAIL ? "failed" : "had an error",
					   d.checks[i].message);
			else if (!failed && want)
				buf_printf(why, "; check %s did not fail (%s)", d.checks[i].id,
					   rule_result_name(d.checks[i].result));
		}
		for (yaml_node_item_t *it = fl->data.sequence.items.start; it < fl->data.sequence.items.top;
		     it++) {
			const char *id = rs_scalar(rs_node(f, *it));
			bool known = false;
			for (size_t i = 0; id && i < d.n_checks; i++)
				known |= strcmp(d.checks[i].id, id) == 0;
			if (!known)
				buf_printf(why, "; expected check %s to fail but the rule set has no such check",
					   id ? id : "?");
		}
	}
	yaml_node_t *fg = rs_map_get(f, ex, "flags");
	if (fg && fg->type == YAML_SEQUENCE_NODE) {
		for (size_t i = 0; i < d.n_flags; i++)
			if (!id_in(d.flags[i].id, f, fg))
				buf_printf(why, "; unexpected audit flag %s", d.flags[i].id);
		for (yaml_node_item_t *it = fg->data.sequence.items.start; it < fg->data.sequence.items.top;
		     it++) {
			const char *id = rs_scalar(rs_node(f, *it));
			bool got_it = false;
			for (size_t i = 0; id && i < d.n_flags; i++)
				got_it |= strcmp(d.flags[i].id, id) == 0;
			if (!got_it)
				buf_printf(why, "; audit flag %s was not raised", id ? id : "?");
		}
	}
	yaml_node_t *pv = rs_map_get(f, ex, "provisional");
	bool want_prov;
	if (pv && tbool(T, pv, &want_prov, "provisional")) {
		bool has = strstr(d.trace_json, "\"notes\":[]") == NULL;
		if (has != want_prov)
			buf_printf(why, "; the trace %s a provisional-value note", has ? "has" : "has no");
	}
	yaml_node_t *mc = rs_map_get(f, ex, "message");
	for (yaml_node_pair_t *p = mc && mc->type == YAML_MAPPING_NODE ? mc->data.mapping.pairs.start : NULL;
	     p && p < mc->data.mapping.pairs.top; p++) {
		const char *id = rs_scalar(rs_node(f, p->key)), *want = rs_scalar(rs_node(f, p->value));
		bool found = false;
		for (size_t i = 0; id && want && i < d.n_checks; i++)
			if (strcmp(d.checks[i].id, id) == 0) {
				found = true;
				if (strcmp(d.checks[i].message, want) != 0)
					buf_printf(why, "; message of %s is \"%s\", expected \"%s\"", id,
						   d.checks[i].message, want);
			}
		if (!found)
			buf_printf(why, "; no check %s to compare the message of", id ? id : "?");
	}
	free(I);
}

int ruleset_run_test_buffer(const struct ruleset *rs, const char *name, const char *yaml,
			    size_t len, struct ebba_buf *out, struct rule_test_report *report,
			    struct ebba_err *err)
{
	struct rs_file f = {0};
	f.name = xstrdup(name);
	buf_append(&f.text, yaml, len);
	struct rs_diags d = {0};
	int rc = 0;
	if (rs_file_parse(&f, &d) < 0 || !rs_root(&f) || rs_root(&f)->type != YAML_MAPPING_NODE) {
		if (d.errors == 0)
			rs_diag(&d, false, f.name, 1, 1, "a test file must be a mapping with 'tests'");
		rs_diags_flush(&d, out);
		report->total++;
		report->failed++;
		rs_diags_free(&d);
		rs_file_free(&f);
		return 0;
	}
	yaml_node_t *root = rs_root(&f);
	rs_check_keys(&f, root, FILE_KEYS, "a test file", &d);
	yaml_node_t *defaults = rs_map_get(&f, root, "defaults");
	rs_check_keys(&f, defaults, DEFAULT_KEYS, "defaults", &d);
	yaml_node_t *tests = rs_map_get(&f, root, "tests");
	if (d.errors || !tests || tests->type != YAML_SEQUENCE_NODE) {
		if (!tests || tests->type != YAML_SEQUENCE_NODE)
			rs_diag(&d, false, f.name, rs_line(tests ? tests : root), rs_col(tests ? tests : root),
				"a test file needs 'tests:', a list of tests");
		rs_diags_flush(&d, out);
		report->total++;
		report->failed++;
		rs_diags_free(&d);
		rs_file_free(&f);
		return 0;
	}
	rs_diags_free(&d);
	struct cel_arena *arena = cel_arena_new();
	for (yaml_node_item_t *it = tests->data.sequence.items.start; it < tests->data.sequence.items.top;
	     it++) {
		struct tctx T = {.f = &f, .test = rs_node(&f, *it), .defaults = defaults};
		const char *tname = rs_scalar(rs_map_get(&f, T.test, "name"));
		char fallback[64];
		if (!tname) {
			snprintf(fallback, sizeof(fallback), "(test on line %u)", rs_line(T.test));
			tname = fallback;
		}
		rs_check_keys(&f, T.test, TEST_KEYS, "a test", &T.d);
		struct ebba_buf why = {0};
		run_one(rs, &T, arena, &why);
		cel_arena_reset(arena);
		report->total++;
		if (why.len == 0 && T.d.errors == 0) {
			report->passed++;
			buf_printf(out, "ok   %s\n", tname);
		} else {
			report->failed++;
			const char *w = why.data ? why.data : "";
			if (w[0] == ';')
				w += 2;
			buf_printf(out, "FAIL %s (%s:%u): %s\n", tname, f.name, rs_line(T.test), w);
			rs_diags_flush(&T.d, out);
		}
		rs_diags_free(&T.d);
		buf_free(&why);
	}
	cel_arena_free(arena);
	rs_file_free(&f);
	(void)err;
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ruleset_run_tests(const struct ruleset *rs, const char *dir, struct ebba_buf *out,
		      struct rule_test_report *report, struct ebba_err *err)
{
	memset(report, 0, sizeof(*report));
	char *tdir = xasprintf("%s/tests", dir);
	DIR *dp = opendir(tdir);
	if (!dp) {
		int rc = ebba_errf(err, "%s: cannot open the tests directory: %m", tdir);
		free(tdir);
		return rc;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", tdir, names[i]);
		struct ebba_buf text = {0};
		struct ebba_err e2 = {{0}};
		if (read_file_limited(path, RULES_MAX_FILE_BYTES, &text, &e2) < 0) {
			buf_printf(out, "%s\n", e2.msg);
			report->total++;
			report->failed++;
		} else {
			ruleset_run_test_buffer(rs, path, text.data ? text.data : "", text.len, out,
						report, err);
		}
		buf_free(&text);
		free(path);
		free(names[i]);
	}
	free(names);
	free(tdir);
	return rc;
}
