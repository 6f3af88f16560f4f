/*
 * rules_bench [RULES_DIR] [N]: decides one typical household (a couple with
 * two children, rent and electricity, a salary, registers answered) N times
 * with the default rule set and prints microseconds per decision.
 * A benchmark, not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/rules/rules.h"

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "rules";
	long n = argc > 2 ? atol(argv[2]) : 20000;
	struct ruleset *rs = NULL;
	struct ebba_buf diag = {0};
	struct ebba_err err = {{0}};
	if (ruleset_load(dir, &rs, &diag, &err) < 0) {
		fprintf(stderr, "%s\n%s", err.msg, diag.data ? diag.data : "");
		return 2;
	}
	struct app_person p[4] = {
		{.pnr = "900000000001", .role = ROLE_APPLICANT, .age = 41},
		{.pnr = "900000000002", .role = ROLE_CO_APPLICANT, .age = 39},
		{.pnr = "900000000003", .role = ROLE_CHILD, .age = 11},
		{.pnr = "900000000004", .role = ROLE_CHILD, .age = 4, .preschool_lunch = true},
	};
	struct app_income inc[2] = {{0, INCOME_SALARY, 4200}, {1, INCOME_CHILD_ALLOWANCE, 2500}};
	struct app_cost costs[3] = {{COST_RENT, 7450}, {COST_ELECTRICITY, 420}, {COST_HOME_INSURANCE, 150}};
	struct app_asset assets[1] = {{0, ASSET_BANK, 1200}};
	struct application app = {.id = "EB-BENCH", .case_id = "C-1", .kind = APP_KIND_REPEAT,
				  .period = "2026-12", .period_year = 2026, .period_month = 12,
				  .n_persons = 4, .persons = p, .n_incomes = 2, .incomes = inc,
				  .n_costs = 3, .costs = costs, .n_assets = 1, .assets = assets,
				  .message = "", .submitted = ""};
	struct case_frame fr;
	memset(&fr, 0, sizeof(fr));
	fr.automation_allowed = true;
	fr.valid_until = (struct date){2027, 2, 28};
	fr.n_household = 4;
	for (int i = 0; i < 4; i++)
		memcpy(fr.household[i], p[i].pnr, PNR_BUF);
	fr.n_adults = 2;
	memcpy(fr.adults[0].pnr, p[0].pnr, PNR_BUF);
	memcpy(fr.adults[1].pnr, p[1].pnr, PNR_BUF);
	fr.adults[1].capacity = CAPACITY_NONE;
	fr.adults[1].plan = PLAN_EXEMPT;
	fr.cost_approved[COST_RENT] = fr.cost_approved[COST_ELECTRICITY] =
		fr.cost_approved[COST_HOME_INSURANCE] = true;
	fr.approved_costs[COST_RENT] = 7450;
	fr.approved_costs[COST_ELECTRICITY] = 450;
	fr.approved_costs[COST_HOME_INSURANCE] = 150;
	fr.months_on_assistance = 2;
	fr.has_last_decision = true;
	memcpy(fr.last_period, "2026-11", 8);
	fr.last_amount = 16500;
	struct person_registers regs[4];
	memset(regs, 0, sizeof(regs));
	for (int i = 0; i < 4; i++) {
		regs[i].ssbtek_asked = p[i].age >= 16;
		for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++)
			regs[i].agency[g] = AGENCY_OK;
		regs[i].attendance_asked = i < 2;
		regs[i].attendance = i == 0 ? ATTENDANCE_OK : ATTENDANCE_NO_PLAN;
	}
	regs[0].af_known = regs[0].af_registered = true;
	memcpy(regs[0].af_latest_report, "2026-11-10", 11);
	regs[0].income[INCOME_SALARY] = 4200;
	regs[1].income[INCOME_CHILD_ALLOWANCE] = 2500;
	regs[0].plan_hours_per_week = 40;
	regs[0].scheduled_hours = 160;
	regs[0].attended_hours = 150;
	struct decision_inputs in = {.app = &app, .frame = &fr, .regs = regs, .today = "2026-11-25"};
	struct cel_arena *arena = cel_arena_new();
	struct rule_decision d;
	ruleset_decide(rs, &in, false, arena, &d, &err);
	printf("outcome %s amount %lld (norm %lld, costs %lld, incomes %lld), %zu checks\n",
	       d.outcome, (long long)d.amount, (long long)d.norm, (long long)d.costs,
	       (long long)d.incomes, d.n_checks);
	size_t used = cel_arena_used(arena);
	cel_arena_reset(arena);
	uint64_t t0 = now_usec();
	for (long i = 0; i < n; i++) {
		ruleset_decide(rs, &in, false, arena, &d, &err);
		cel_arena_reset(arena);
	}
	uint64_t t1 = now_usec();
	double us = (double)(t1 - t0) / (double)n;
	printf("%ld decisions: %.1f us/decision (%.0f decisions/s on one core), arena %zu bytes/decision\n",
	       n, us, 1e6 / us, used);
	cel_arena_free(arena);
	ruleset_free(rs);
	buf_free(&diag);
	return 0;
}
