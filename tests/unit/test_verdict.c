/*
 * A person's decision line by line (decide/verdict.h) and the outcome's
 * one table of names (lib/outcome.h): the lines as the command line
 * writes them, the outcome that follows from them, a failed check no
 * line decides, and the letter's refused parts with the catalogue's
 * sentence, provision and the appeal text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/decide/verdict.h"
#include "ebba/lib/outcome.h"

static struct ruleset *rules;

static int setup(void **state)
{
	(void)state;
	struct ebba_err err = {{0}};
	return ruleset_load("rules", &rules, NULL, &err);
}

static int teardown(void **state)
{
	(void)state;
	ruleset_free(rules);
	return 0;
}

static void test_outcome_names(void **state)
{
	(void)state;
	for (int k = 0; k < OUTCOME_COUNT; k++) {
		enum outcome o;
		assert_true(outcome_parse(outcome_name((enum outcome)k), &o));
		assert_int_equal(o, k);
	}
	enum outcome o;
	assert_false(outcome_parse("partly", &o));
	assert_false(outcome_parse(NULL, &o));
	assert_string_equal(outcome_name(OUTCOME_PARTLY_APPROVED), "partly_approved");
	assert_string_equal(outcome_sv_of("partly_approved"), "Delvis beviljat");
	assert_true(outcome_is("rejected", OUTCOME_REJECTED));
}

static void test_lines_parsed(void **state)
{
	(void)state;
	struct verdict v;
	struct ebba_err err;
	verdict_init(&v);
	assert_int_equal(verdict_add(&v, VERDICT_COST, "rent=6600:cost-over-reasonable", &err), 0);
	assert_int_equal(verdict_add(&v, VERDICT_CHECK, "plan-attendance=reject:not-available-for-work", &err), 0);
	assert_int_equal(verdict_add(&v, VERDICT_CHECK, "no-changes=accept", &err), 0);
	assert_string_equal(v.lines[0].name, "rent");
	assert_int_equal(v.lines[0].amount, 6600);
	assert_string_equal(v.lines[0].reason, "cost-over-reasonable");
	assert_true(v.lines[1].reject);
	assert_null(v.lines[2].reason);
	assert_int_equal(verdict_add(&v, VERDICT_COST, "rent=6000", &err), -1);
	assert_string_equal(err.msg, "--cost rent is given twice");
	assert_int_equal(verdict_add(&v, VERDICT_COST, "electricity=4 30", &err), -1);
	assert_int_equal(verdict_add(&v, VERDICT_CHECK, "x=maybe", &err), -1);
	assert_string_equal(err.msg, "--check x=maybe: accept or reject");
	assert_int_equal(verdict_add(&v, VERDICT_COST, "=5", &err), -1);
	verdict_free(&v);
}

/* A decision with one failed check and an amount, as the run again gives it. */
static struct decision_check CHECKS[2] = {
	{.id = "costs-within-frame", .result = RULE_FAIL, .outcome = "refer",
	 .message = "Kostnader över godkänd nivå: Hyra 9 000 kr (godkänt 6 600 kr)", .ordinal = 9},
	{.id = "ebba-delegation", .result = RULE_FAIL, .outcome = "refer", .message = "", .ordinal = 20},
};

static struct decision run_again(int64_t amount)
{
	struct decision d;
	memset(&d, 0, sizeof(d));
	d.has_amount = true;
	d.amount = amount;
	d.norm = 7230;
	d.costs = 7030;
	d.incomes = 1000;
	d.checks = CHECKS;
	d.n_checks = 2;
	return d;
}

static void test_outcome_follows_from_lines(void **state)
{
	(void)state;
	struct verdict v;
	struct ebba_err err;
	enum outcome o;
	struct decision d = run_again(13260);
	verdict_init(&v);
	/* no line decides costs-within-frame (ebba's own delegation guard is not the person's) */
	assert_int_equal(verdict_outcome(&v, rules, &d, &o, &err), -1);
	assert_string_equal(err.msg, "check costs-within-frame fails and no line decides it: give --check costs-within-frame=accept|reject:REASON");
	/* a cost accepted below what was applied for, with the reason the catalogue gives for the check */
	verdict_add(&v, VERDICT_COST, "rent=6600:cost-over-reasonable", &err);
	v.lines[0].applied = 9000;
	assert_int_equal(verdict_outcome(&v, rules, &d, &o, &err), 0);
	assert_int_equal(o, OUTCOME_PARTLY_APPROVED);
	/* the whole accepted: bifall */
	v.lines[0].amount = 9000;
	verdict_add(&v, VERDICT_CHECK, "costs-within-frame=accept", &err);
	assert_int_equal(verdict_outcome(&v, rules, &d, &o, &err), 0);
	assert_int_equal(o, OUTCOME_APPROVED);
	/* nothing left to grant */
	struct decision zero = run_again(0);
	assert_int_equal(verdict_outcome(&v, rules, &zero, &o, &err), -1);
	/* a rejected check: avslag, whatever the amount */
	verdict_free(&v);
	verdict_add(&v, VERDICT_CHECK, "costs-within-frame=reject:cost-over-reasonable", &err);
	assert_int_equal(verdict_outcome(&v, rules, &zero, &o, &err), 0);
	assert_int_equal(o, OUTCOME_REJECTED);
	verdict_free(&v);
}

static void test_letter(void **state)
{
	(void)state;
	struct verdict v;
	struct ebba_err err;
	verdict_init(&v);
	verdict_add(&v, VERDICT_COST, "rent=6600:cost-over-reasonable", &err);
	v.lines[0].applied = 9000;
	v.note = strdup("Hyran är högre än skälig nivå");
	struct decision d = run_again(12400);
	struct app_cost costs[1] = {{COST_RENT, 9000}};
	struct application app;
	memset(&app, 0, sizeof(app));
	app.id = "EB-2026-12-000036";
	app.case_id = "C-10035";
	strcpy(app.period, "2026-12");
	app.costs = costs;
	app.n_costs = 1;
	struct verdict_person who = {"Anna Svensson", "socialsekreterare"};
	struct ebba_buf b = {0};
	verdict_letter(&v, rules, &app, &d, OUTCOME_PARTLY_APPROVED, &who, "2026-12-07", &b);
	assert_non_null(strstr(b.data, "Socialnämnden beviljar dig försörjningsstöd med 12 400 kr för 2026-12."));
	assert_non_null(strstr(b.data, "Din ansökan avslås till den del den gäller hyra över 6 600 kr i månaden."));
	assert_non_null(strstr(b.data, "Hyra godtas upp till 6 600 kr. Du har ansökt om 9 000 kr. Kostnaden godtas bara"));
	assert_non_null(strstr(b.data, "(12 kap. 1 och 7 §§ socialtjänstlagen (2025:400))"));
	assert_non_null(strstr(b.data, "Handläggarens bedömning: Hyran är högre än skälig nivå"));
	assert_non_null(strstr(b.data, "Beslutet har fattats av Anna Svensson, socialsekreterare."));
	assert_non_null(strstr(b.data, "## Om du vill överklaga\nDu kan överklaga beslutet"));
	/* before 1 July 2025 the provisions of socialtjänstlagen (2001:453) */
	buf_reset(&b);
	verdict_letter(&v, rules, &app, &d, OUTCOME_PARTLY_APPROVED, &who, "2025-06-30", &b);
	assert_non_null(strstr(b.data, "(4 kap. 1 § socialtjänstlagen (2001:453))"));
	assert_non_null(strstr(b.data, "16 kap. 3 § socialtjänstlagen, 2001:453"));
	/* an approval has no appeal section */
	buf_reset(&b);
	verdict_letter(&v, rules, &app, &d, OUTCOME_APPROVED, &who, "2026-12-07", &b);
	assert_null(strstr(b.data, "överklaga"));
	buf_free(&b);
	verdict_free(&v);
}

/* An application with a salary declared by two people: 3 000 and 2 000 kr. */
static struct app_income INCOMES[3] = {{0, INCOME_SALARY, 3000}, {1, INCOME_SALARY, 2000},
				       {0, INCOME_CHILD_ALLOWANCE, 1250}};

static void income_app(struct application *app, struct app_income *incomes)
{
	memcpy(incomes, INCOMES, sizeof(INCOMES));
	memset(app, 0, sizeof(*app));
	app->id = "EB-2026-12-000046";
	app->case_id = "C-10046";
	strcpy(app->period, "2026-12");
	app->incomes = incomes;
	app->n_incomes = 3;
	app->n_persons = 2;
}

static void test_income_lines(void **state)
{
	(void)state;
	struct verdict v;
	struct ebba_err err;
	struct application app;
	struct app_income incomes[3];
	income_app(&app, incomes);
	verdict_init(&v);
	assert_int_equal(verdict_add(&v, VERDICT_INCOME, "salary=x", &err), -1);
	assert_string_equal(err.msg, "--income salary=x: the amount is whole kronor, 0 to 99999999");
	assert_int_equal(verdict_add(&v, VERDICT_INCOME, "salary=8000", &err), 0);
	/* counting more than the 5 000 kr declared goes against the applicant: a reason */
	assert_int_equal(verdict_check(&v, &app, rules, &err), -1);
	assert_string_equal(err.msg, "--income salary: counting more than was declared (5000 kr) needs a reason (TYPE=AMOUNT:REASON)");
	v.lines[0].reason = strdup("income-counted");
	assert_int_equal(verdict_check(&v, &app, rules, &err), 0);
	assert_int_equal(v.lines[0].applied, 5000);
	/* a type the application does not declare */
	assert_int_equal(verdict_add(&v, VERDICT_INCOME, "pension=100", &err), 0);
	assert_int_equal(verdict_check(&v, &app, rules, &err), -1);
	assert_string_equal(err.msg, "--income pension: the application declares no such income");
	verdict_free(&v);
}

static void test_income_facts_and_outcome(void **state)
{
	(void)state;
	struct verdict v;
	struct ebba_err err;
	struct application app;
	struct app_income incomes[3];
	income_app(&app, incomes);
	verdict_init(&v);
	verdict_add(&v, VERDICT_INCOME, "salary=8000:income-counted", &err);
	assert_int_equal(verdict_check(&v, &app, rules, &err), 0);
	bool as_declared[INCOME_TYPE_COUNT] = {false};
	verdict_apply_incomes(&v, &app, as_declared);
	/* the first who declared it has it all, the other none; other types untouched */
	assert_int_equal(incomes[0].amount, 8000);
	assert_int_equal(incomes[1].amount, 0);
	assert_int_equal(incomes[2].amount, 1250);
	assert_true(as_declared[INCOME_SALARY]);
	assert_false(as_declared[INCOME_CHILD_ALLOWANCE]);
	/* counted above what was declared: delvis bifall; the reason answers the income check */
	static struct decision_check failed[1] = {{.id = "income-matches-registers", .result = RULE_FAIL,
						   .outcome = "refer", .message = "Inkomst avviker", .ordinal = 5}};
	struct decision d = run_again(9000);
	d.checks = failed;
	d.n_checks = 1;
	enum outcome o;
	assert_int_equal(verdict_outcome(&v, rules, &d, &o, &err), 0);
	assert_int_equal(o, OUTCOME_PARTLY_APPROVED);
	assert_int_equal(verdict_intended(&v), OUTCOME_PARTLY_APPROVED);
	/* the findings carry the line for ebba.decide_referral */
	char *j = verdict_findings_json(&v, "a", "a");
	assert_non_null(strstr(j, "{\"counted\":8000,\"declared\":5000,\"kind\":\"income\",\"reason\":\"income-counted\",\"type\":\"salary\"}"));
	free(j);
	/* the letter states it, with the catalogue's sentence */
	struct verdict_person who = {"Anna Svensson", "socialsekreterare"};
	struct ebba_buf b = {0};
	verdict_letter(&v, rules, &app, &d, o, &who, "2026-12-07", &b);
	assert_non_null(strstr(b.data, "Lön räknas som inkomst med 8 000 kr. Du har uppgett 5 000 kr. "));
	buf_free(&b);
	/* counted at or below what was declared refuses nothing */
	v.lines[0].amount = 5000;
	assert_int_equal(verdict_outcome(&v, rules, &d, &o, &err), 0);
	assert_int_equal(o, OUTCOME_APPROVED);
	verdict_free(&v);
}

static void test_accept_open(void **state)
{
	(void)state;
	struct verdict v;
	struct ebba_err err;
	verdict_init(&v);
	struct decision d = run_again(13260);
	verdict_accept_open(&v, rules, &d);
	/* the person's check, not ebba's own delegation guard */
	assert_int_equal(v.n_lines, 1);
	assert_string_equal(v.lines[0].name, "costs-within-frame");
	assert_false(v.lines[0].reject);
	enum outcome o;
	assert_int_equal(verdict_outcome(&v, rules, &d, &o, &err), 0);
	assert_int_equal(o, OUTCOME_APPROVED);
	/* a check a line decides already is not accepted again */
	verdict_free(&v);
	verdict_add(&v, VERDICT_CHECK, "costs-within-frame=reject:cost-over-reasonable", &err);
	verdict_accept_open(&v, rules, &d);
	assert_int_equal(v.n_lines, 1);
	assert_true(v.lines[0].reject);
	verdict_free(&v);
}

static int sh(const char *cmd)
{
	return system(cmd);
}

/* The sentences come from the rule set (reasons.yaml, sentences), dated;
 * a placeholder a sentence cannot have is refused where it stands. */
static void test_sentences_from_rule_set(void **state)
{
	(void)state;
	assert_string_equal(ruleset_sentence(rules, SENTENCE_DECIDED_BY, "2026-12-07"),
			    "Beslutet har fattats av {namn}, {titel}.");
	assert_string_equal(ruleset_sentence_name(SENTENCE_COST_REFUSED), "cost-refused");
	char dir[] = "/tmp/ebba-sentences.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "cp rules/*.yaml %s/ && sed -i 's/Beslutet har fattats av {namn}, {titel}./"
		 "Beslutet fattades av {namn} ({titel})./' %s/reasons.yaml", dir, dir);
	assert_int_equal(sh(cmd), 0);
	struct ruleset *changed = NULL;
	struct ebba_err err = {{0}};
	assert_int_equal(ruleset_load(dir, &changed, NULL, &err), 0);
	struct verdict v;
	verdict_init(&v);
	struct decision d = run_again(12400);
	struct application app;
	memset(&app, 0, sizeof(app));
	app.id = "EB-2026-12-000036";
	app.case_id = "C-10035";
	strcpy(app.period, "2026-12");
	struct verdict_person who = {"Anna Svensson", "socialsekreterare"};
	struct ebba_buf b = {0};
	verdict_letter(&v, changed, &app, &d, OUTCOME_APPROVED, &who, "2026-12-07", &b);
	assert_non_null(strstr(b.data, "Beslutet fattades av Anna Svensson (socialsekreterare).\n"));
	/* nothing to say: no empty "Skäl för beslutet" */
	assert_null(strstr(b.data, "Skäl för beslutet"));
	/* an approval's head ends with its reasons: the note goes under that heading, not a second one */
	buf_reset(&b);
	d.letter = "# Beslut\n\n## Beslut\nBeviljas.\n\n## Skäl för beslutet\nSkälen.\n";
	v.note = strdup("Utredd");
	verdict_letter(&v, changed, &app, &d, OUTCOME_APPROVED, &who, "2026-12-07", &b);
	assert_non_null(strstr(b.data, "## Skäl för beslutet\nSkälen.\nHandläggarens bedömning: Utredd\n"));
	assert_null(strstr(strstr(b.data, "Skäl för beslutet") + 1, "Skäl för beslutet"));
	ruleset_free(changed);
	/* a placeholder the sentence cannot have */
	snprintf(cmd, sizeof(cmd), "sed -i 's/Ansökan avslås\\./Ansökan avslås för {namn}./' %s/reasons.yaml", dir);
	assert_int_equal(sh(cmd), 0);
	struct ebba_buf diag = {0};
	changed = NULL;
	assert_int_not_equal(ruleset_load(dir, &changed, &diag, &err), 0);
	assert_non_null(strstr(diag.data, "meningen 'whole-rejected' har platshållaren '{namn}', som den inte kan ha"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd);
	buf_free(&diag);
	buf_free(&b);
	verdict_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test(test_lines_parsed),
		cmocka_unit_test(test_outcome_follows_from_lines),
		cmocka_unit_test(test_letter),
		cmocka_unit_test(test_income_lines),
		cmocka_unit_test(test_income_facts_and_outcome),
		cmocka_unit_test(test_accept_open),
		cmocka_unit_test(test_sentences_from_rule_set),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
