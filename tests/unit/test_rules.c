/*
 * Rule sets: the shipped rules/ load and pass their own tests, the official
 * riksnorm figures reproduce, every mistake in tests/data/rules-bad/ is
 * reported at the right file:line:column, provisional values are visible,
 * and the SHA-256 follows the files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ebba/rules/rules.h"

static const char *const BAD[] = {
	"tests/data/rules-bad/01-yaml-syntax.yaml:3:13: YAML syntax: did not find expected key while parsing a block mapping (started at 2:3)",
	"tests/data/rules-bad/02-unknown-section.yaml:16:1: unknown key 'chekcs' in a rule file (did you mean 'checks'?)",
	"tests/data/rules-bad/03-unknown-check-key.yaml:18:5: unknown key 'expresion' in a check (expected one of: id, group, description, when, expr, outcome, retry, message, documents)",
	"tests/data/rules-bad/04-check-without-id.yaml:21:5: en kontroll saknar 'id'",
	"tests/data/rules-bad/05-check-without-expr.yaml:21:5: kontrollen 'assets' saknar 'expr'",
	"tests/data/rules-bad/06-duplicate-check-id.yaml:21:9: kontroll-id 'kind-repeat' används två gånger",
	"tests/data/rules-bad/07-bad-check-id.yaml:21:9: kontroll-id 'Assets Check' får bara innehålla små bokstäver a-z, siffror och '-'",
	"tests/data/rules-bad/08-bad-outcome.yaml:19:14: outcome för kontrollen 'kind-repeat' måste vara 'refer', 'complete' eller 'reject', inte 'avslå'",
	"tests/data/rules-bad/09-unknown-fact.yaml:22:11: okänt namn 'asets' (menade du 'assets'?)",
	"tests/data/rules-bad/10-cel-syntax.yaml:18:42: uttrycket går inte att tolka (unexpected end of expression)",
	"tests/data/rules-bad/11-type-mistake.yaml:18:45: typfel (no operator '+' for int and string)",
	"tests/data/rules-bad/12-not-boolean.yaml:22:11: kontrollen 'assets': 'expr' måste ge sant eller falskt, men ger int",
	"tests/data/rules-bad/13-unknown-field.yaml:22:11: kontrollen 'assets': 'expr' fungerar inte för ett exempelhushåll: fältet finns inte (no such key: \"totl\")",
	"tests/data/rules-bad/14-unclosed-interpolation.yaml:23:26: '{{' i meddelandet i kontrollen 'assets' stängs inte med '}}'",
	"tests/data/rules-bad/15-unknown-in-message.yaml:20:27: okänt namn 'aplication' (menade du 'application'?)",
	"tests/data/rules-bad/16-param-without-from.yaml:11:7: ett värde för parametern 'asset_limit' saknar 'from'",
	"tests/data/rules-bad/17-param-bad-date.yaml:11:13: 'from' för parametern 'asset_limit' måste vara ett datum ÅÅÅÅ-MM-DD, inte '2021-13-01'",
	"tests/data/rules-bad/18-param-without-source.yaml:11:7: ett värde för parametern 'asset_limit' saknar 'source'",
	"tests/data/rules-bad/19-param-not-in-force.yaml:10:3: parametern 'asset_limit' har inget gällande värde för 2021-01 (regeluppsättningen gäller från 2021-01; parameterns första värde är från 2022-01-01)",
	"tests/data/rules-bad/20-provisional-not-bool.yaml:14:20: 'provisional' måste vara true eller false, inte 'ja'",
	"tests/data/rules-bad/21-derived-cycle.yaml:15:3: härledda fakta beror på varandra i en cirkel: personal -> extra -> personal",
	"tests/data/rules-bad/22-derived-fact-name.yaml:16:3: det härledda faktumet 'household' har samma namn som ett faktum eller ett reserverat ord; välj ett annat namn",
	"tests/data/rules-bad/23-unknown-parameter.yaml:22:27: okänd parameter 'params.asset_limt' (menade du 'params.asset_limit'?)",
	"tests/data/rules-bad/24-calculation-missing.yaml:25:3: calculation saknar 'costs'",
	"tests/data/rules-bad/25-bad-sample-rate.yaml:26:15: stickprovsandelen '1.5' måste vara en andel mellan 0 och 1 (0.1 är 10 %)",
	"tests/data/rules-bad/26-duplicate-parameter.yaml:14:3: duplicate key 'asset_limit' (first on line 10)",
	"tests/data/rules-bad/27-no-ruleset.yaml:1:1: ingen fil har ett avsnitt 'ruleset' med regeluppsättningens namn och version",
	"tests/data/rules-bad/28-alias.yaml:8:14: anchors (&name) are not allowed; write the value out",
	"tests/data/rules-bad/29-param-type-changes.yaml:11:14: värdet för parametern 'riksnorm_single' är list men värdet på rad 8 är int; alla värden för en parameter måste ha samma typ",
	"tests/data/rules-bad/30-duplicate-key.yaml:20:5: duplicate key 'outcome' (first on line 19)",
	"tests/data/rules-bad/31-unknown-calc-item.yaml:28:23: okänd beräkningspost 'calc.cost' (det finns calc.norm, calc.costs, calc.incomes och calc.amount)",
	"tests/data/rules-bad/32-unknown-letter-name.yaml:27:16: '{{ application.perod }}' fungerar inte för ett exempelhushåll: fältet finns inte (no such key: \"perod\")",
	"tests/data/rules-bad/33-param-order.yaml:10:13: värdena för parametern 'riksnorm_single' måste stå i datumordning: 2020-01-01 kommer efter 2021-01-01",
	"tests/data/rules-bad/34-multiline-expr.yaml:24:29: okänt namn 'unknown_thing' (faktanamnen står i docs/fact-model.md)",
	"tests/data/rules-bad/35-unknown-document.yaml:20:31: handlingen 'rent-recept' i kontrollen 'kind-repeat' finns inte i handlingskatalogen (documents)",
	"tests/data/rules-bad/36-complete-without-documents.yaml:17:5: kontrollen 'kind-repeat' har outcome 'complete' och måste säga vilka handlingar som ska begäras in (documents: [id, ...] ur handlingskatalogen)",
	"tests/data/rules-bad/37-request-letter-placeholder.yaml:26:24: brevet 'documents_requested' har platshållaren '{datum}', som det inte kan ha (bara {handlingar}, {meddelande} och {senast})",
	"tests/data/rules-bad/38-completion-days-range.yaml:11:7: parametern 'completion_days' är antalet dagar den sökande har på sig att komplettera: ett heltal från 0 (ebba begär aldrig själv) till 90",
	"tests/data/rules-bad/39-documents-on-refer.yaml:20:16: 'documents' i kontrollen 'kind-repeat' gäller bara en kontroll med outcome 'complete'",
};

static struct ruleset *load_dir(const char *dir, struct ebba_buf *diag)
{
	struct ruleset *rs = NULL;
	struct ebba_err err = {{0}};
	int rc = ruleset_load(dir, &rs, diag, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n%s\n", err.msg, diag->data ? diag->data : "");
	assert_int_equal(rc, 0);
	return rs;
}

/* ebba.decision_checks.result's text: one table, read back by the pages. */
static void test_rule_result_names(void **state)
{
	(void)state;
	static const char *const names[] = {"pass", "fail", "skip", "error"};
	const enum rule_result results[] = {RULE_PASS, RULE_FAIL, RULE_SKIP, RULE_ERROR};
	for (int k = 0; k < 4; k++) {
		enum rule_result r;
		assert_string_equal(rule_result_name(results[k]), names[k]);
		assert_true(rule_result_parse(names[k], &r));
		assert_int_equal(r, results[k]);
	}
	enum rule_result r;
	assert_false(rule_result_parse("FAIL", &r));
	assert_false(rule_result_parse(NULL, &r));
}

static void test_default_loads_with_provisional_warnings(void **state)
{
	(void)state;
	struct ebba_buf diag = {0};
	struct ruleset *rs = load_dir("rules", &diag);
	assert_string_equal(ruleset_name(rs), "ebba-standard");
	assert_int_equal(strlen(ruleset_sha256(rs)), 64);
	assert_true(ruleset_n_checks(rs) >= 15);
	assert_true(ruleset_n_warnings(rs) > 0);
	assert_non_null(strstr(diag.data, "rules/riksnorm.yaml:"));
	assert_non_null(strstr(diag.data, "warning: parametrarna 'riksnorm_single', 'riksnorm_couple', 'riksnorm_children', 'riksnorm_children_preschool_lunch' och 'riksnorm_common' från 2024-01-01 är preliminära"));
	/* 2027: the 2026 table carried forward, one warning that names what is missing */
	const char *w27 = strstr(diag.data, "från 2027-01-01 är preliminära (");
	assert_non_null(w27);
	assert_non_null(strstr(w27, "SAKNAS: regeringens riksnorm för 2027"));
	assert_null(strstr(w27 + 1, "från 2027-01-01 är preliminär"));
	/* 2026 is the ordinance's table: no warning */
	assert_null(strstr(diag.data, "från 2026-01-01 är preliminär"));
	assert_null(strstr(diag.data, "från 2023-01-01 är preliminär (Ängelholm"));
	ruleset_free(rs);
	buf_free(&diag);
}

static void test_default_rule_tests_pass(void **state)
{
	(void)state;
	struct ebba_buf diag = {0}, out = {0};
	struct ruleset *rs = load_dir("rules", &diag);
	struct rule_test_report rep;
	struct ebba_err err = {{0}};
	assert_int_equal(ruleset_run_tests(rs, "rules", &out, &rep, &err), 0);
	if (rep.failed)
		fprintf(stderr, "%s", out.data);
	assert_int_equal(rep.failed, 0);
	assert_true(rep.total >= 30);
	assert_int_equal(rep.passed, rep.total);
	ruleset_free(rs);
	buf_free(&diag);
	buf_free(&out);
}

/* The read-only views show the rules as written: dated values with their
 * sources and provisional marks, checks with their expressions and message
 * templates, and nothing outside the range. */
static void test_views(void **state)
{
	(void)state;
	struct ebba_buf diag = {0};
	struct ruleset *rs = load_dir("rules", &diag);
	struct ruleset_param_view p;
	bool tol = false, riks = false, types = false;
	for (size_t i = 0; ruleset_param(rs, i, &p) == 0; i++) {
		assert_true(i < ruleset_n_params(rs));
		assert_true(p.n_values > 0);
		if (strcmp(p.name, "income_tolerance") == 0) {
			tol = true;
			assert_string_equal(p.values[0].from, "2017-01-01");
			assert_string_equal(p.values[0].value, "100");
			assert_string_equal(p.values[0].source, "Lokalt beslut (exempel): socialnämndens delegationsordning");
			assert_false(p.values[0].provisional);
		} else if (strcmp(p.name, "riksnorm_single") == 0) {
			riks = true;
			const struct ruleset_param_value_view *last = &p.values[p.n_values - 1];
			/* 2027: the ordinance's 2026 table carried forward, provisional */
			assert_string_equal(last->from, "2027-01-01");
			assert_string_equal(last->value, "3940");
			assert_true(last->provisional);
			const struct ruleset_param_value_view *y26 = &p.values[p.n_values - 2];
			assert_string_equal(y26->from, "2026-01-01");
			assert_string_equal(y26->value, "3940");
			assert_false(y26->provisional);
			assert_non_null(strstr(y26->source, "förordning (2025:1046)"));
			for (size_t k = 1; k < p.n_values; k++)
				assert_true(strcmp(p.values[k - 1].from, p.values[k].from) < 0);
		} else if (strcmp(p.name, "register_income_types") == 0) {
			types = true;
			assert_non_null(strstr(p.values[0].value, "unemployment_benefit, activity_support"));
		}
	}
	assert_true(tol && riks && types);
	assert_int_equal(ruleset_param(rs, ruleset_n_params(rs), &p), -1);

	struct ruleset_check_view c;
	bool plan = false, plain = false;
	for (size_t i = 0; ruleset_check(rs, i, &c) == 0; i++) {
		assert_true(c.expr && c.expr[0] && c.message && c.message[0]);
		assert_true(strcmp(c.outcome, "refer") == 0 || strcmp(c.outcome, "reject") == 0);
		if (strcmp(c.id, "plan-attendance") == 0) {
			plan = true;
			assert_string_equal(c.group, "planering");
			assert_string_equal(c.when, "plan_adults.exists(a, a.attendance.status == \"ok\")");
			assert_non_null(strstr(c.expr, ">= params.attendance_min_percent"));
			assert_non_null(strstr(c.message, "krav {{ params.attendance_min_percent }} %"));
		} else if (strcmp(c.id, "no-changes") == 0) {
			plain = true;
			assert_null(c.when);
			assert_string_equal(c.expr, "!application.changes");
			assert_string_equal(c.message, "Sökanden har angett ändrade förhållanden");
		}
	}
	assert_true(plan && plain);
	assert_int_equal(ruleset_check(rs, ruleset_n_checks(rs), &c), -1);
	ruleset_free(rs);
	buf_free(&diag);
}

/* A household built by hand, decided directly through the API. */
struct hh {
	struct application app;
	struct app_person persons[10];
	struct case_frame frame;
	struct person_registers regs[10];
};

static void hh_init(struct hh *h, const char *period, int shared_with, size_t n, const int *ages)
{
	memset(h, 0, sizeof(*h));
	h->app.id = "EB-T";
	h->app.case_id = "C-T";
	h->app.message = "";
	h->app.submitted = "";
	snprintf(h->app.period, sizeof(h->app.period), "%s", period);
	h->app.period_year = atoi(period);
	h->app.period_month = atoi(period + 5);
	h->app.shared_with = shared_with;
	h->app.persons = h->persons;
	h->app.n_persons = n;
	h->frame.automation_allowed = true;
	h->frame.valid_until = (struct date){h->app.period_year + 1, 1, 1};
	for (size_t i = 0; i < n; i++) {
		snprintf(h->persons[i].pnr, PNR_BUF, "90000000%04zu", i);
		h->persons[i].role = i == 0 ? ROLE_APPLICANT : ROLE_CHILD;
		h->persons[i].age = ages[i];
		memcpy(h->frame.household[h->frame.n_household++], h->persons[i].pnr, PNR_BUF);
		h->regs[i].ssbtek_asked = ages[i] >= 16;
		for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++)
			h->regs[i].agency[g] = AGENCY_OK;
		h->regs[i].attendance_asked = i == 0;
		h->regs[i].attendance = ATTENDANCE_NO_PLAN;
	}
	h->frame.n_adults = 1;
	memcpy(h->frame.adults[0].pnr, h->persons[0].pnr, PNR_BUF);
	h->frame.adults[0].capacity = CAPACITY_NONE;
	h->frame.adults[0].plan = PLAN_EXEMPT;
}

static void decide(struct ruleset *rs, struct hh *h, const char *today, struct cel_arena *arena,
		   struct rule_decision *d)
{
	struct decision_inputs in = {.app = &h->app, .frame = &h->frame, .regs = h->regs,
				     .today = today};
	struct ebba_err err = {{0}};
	assert_int_equal(ruleset_decide(rs, &in, false, arena, d, &err), 0);
}

static bool check_failed(const struct rule_decision *d, const char *id)
{
	for (size_t i = 0; i < d->n_checks; i++)
		if (strcmp(d->checks[i].id, id) == 0)
			return d->checks[i].result == RULE_FAIL || d->checks[i].result == RULE_ERROR;
	return false;
}

/* 12 kap. 7 a § (lag 2026:897): without the government's figures a household
 * with four children is referred for January 2027; with figures entered
 * (here 500 kr per child beyond the third, set for the run) the norm is
 * computed lower; a person's finding of synnerliga skäl lifts the limit. */
static void test_child_limit(void **state)
{
	(void)state;
	struct ebba_buf diag = {0};
	struct ebba_err err;
	struct ruleset *shipped = load_dir("rules", &diag), *with = NULL;
	struct ruleset_override ov = {"riksnorm_child_limit", "[500]"};
	assert_int_equal(ruleset_load_with("rules", &ov, 1, &with, &diag, &err), 0);
	struct cel_arena *arena = cel_arena_new();
	struct hh h;
	struct rule_decision d;
	int four[] = {35, 4, 8, 12, 15};
	const int64_t riksnorm = 3940 + 3060 + 3820 + 4390 + 4960 + 2330;
	hh_init(&h, "2027-01", 0, 5, four);
	decide(shipped, &h, "2026-12-20", arena, &d);
	assert_string_equal(d.outcome, "referred");
	assert_true(check_failed(&d, "riksnorm-begransning"));
	assert_int_equal(d.norm, riksnorm);
	cel_arena_reset(arena);
	decide(with, &h, "2026-12-20", arena, &d);
	assert_false(check_failed(&d, "riksnorm-begransning"));
	assert_int_equal(d.norm, riksnorm - 500);
	assert_string_equal(d.outcome, "approved");
	cel_arena_reset(arena);
	h.frame.has_limit_exception = true;
	decide(with, &h, "2026-12-20", arena, &d);
	assert_int_equal(d.norm, riksnorm);
	cel_arena_reset(arena);
	decide(shipped, &h, "2026-12-20", arena, &d);
	assert_false(check_failed(&d, "riksnorm-begransning"));
	cel_arena_reset(arena);
	/* December 2026: the older rules, whatever the number of children */
	hh_init(&h, "2026-12", 0, 5, four);
	decide(with, &h, "2026-11-25", arena, &d);
	assert_int_equal(d.norm, riksnorm);
	assert_false(check_failed(&d, "riksnorm-begransning"));
	cel_arena_free(arena);
	ruleset_free(shipped);
	ruleset_free(with);
	buf_free(&diag);
}

static void test_official_figures(void **state)
{
	(void)state;
	struct ebba_buf diag = {0};
	struct ruleset *rs = load_dir("rules", &diag);
	struct cel_arena *arena = cel_arena_new();
	struct hh h;
	struct rule_decision d;
	/* Socialstyrelsen: an adult in a five-person shared household, 2017 */
	int one[] = {40};
	hh_init(&h, "2017-05", 4, 1, one);
	decide(rs, &h, "2017-04-25", arena, &d);
	assert_string_equal(d.outcome, "approved");
	assert_true(d.has_amount);
	assert_int_equal(d.norm, 1740 / 5 + 2980);
	assert_int_equal(d.norm, 3328);
	assert_int_equal(d.amount, 3328);
	assert_non_null(strstr(d.trace_json, "\"notes\":[]"));
	assert_non_null(strstr(d.trace_json, "\"riksnorm_common\""));
	assert_non_null(d.letter);
	assert_non_null(strstr(d.letter, "3 328 kr"));  /* kronor(): thousands apart */
	assert_non_null(strstr(d.letter, "förvaltningsrätten"));
	assert_true(d.sample_rate > 0.09 && d.sample_rate < 0.11);
	cel_arena_reset(arena);
	/* 2019 and 2021 single adult with children */
	int fam[] = {35, 9, 3};
	hh_init(&h, "2019-03", 0, 3, fam);
	decide(rs, &h, "2019-02-25", arena, &d);
	assert_int_equal(d.norm, 3090 + 2990 + 2120 + 1380);
	cel_arena_reset(arena);
	hh_init(&h, "2021-03", 0, 3, fam);
	h.persons[2].preschool_lunch = true;
	decide(rs, &h, "2021-02-25", arena, &d);
	assert_int_equal(d.norm, 3160 + 3060 + 1990 + 1420);
	/* the calculation's lines, as the decision page shows them: the child
	 * with lunch in preschool has the lunch norm's line, not the table's */
	assert_non_null(strstr(d.trace_json, "\"lines\":[{\"part\":\"norm\",\"what\":\"Personliga kostnader, ensamstående\",\"amount\":3160}"));
	assert_non_null(strstr(d.trace_json, "{\"part\":\"norm\",\"what\":\"Personliga kostnader, barn 2, 3 år\",\"amount\":1990,\"basis\":\"lunch i förskolan: lägre belopp\"}"));
	assert_non_null(strstr(d.trace_json, "\"what\":\"Gemensamma hushållskostnader, 3 personer\",\"amount\":1420,"));
	assert_null(strstr(d.trace_json, "\"calc.lines\":"));
	cel_arena_reset(arena);
	/* 2026: the ordinance's table (förordning 2025:1046), nothing provisional */
	hh_init(&h, "2026-03", 0, 1, one);
	decide(rs, &h, "2026-02-25", arena, &d);
	assert_int_equal(d.norm, 5220);
	assert_non_null(strstr(d.trace_json, "\"notes\":[]"));
	cel_arena_reset(arena);
	int kids26[] = {35, 12, 19};
	hh_init(&h, "2026-03", 0, 3, kids26);
	decide(rs, &h, "2026-02-25", arena, &d);
	assert_int_equal(d.norm, 3940 + 4390 + 5000 + 1790);
	cel_arena_reset(arena);
	/* 2027: the 2026 table carried forward, and the trace says it is provisional */
	hh_init(&h, "2027-01", 0, 1, one);
	decide(rs, &h, "2026-12-20", arena, &d);
	assert_int_equal(d.norm, 5220);
	assert_non_null(strstr(d.trace_json, "Preliminärt värde: parametern riksnorm_single från 2027-01-01"));
	/* for people: one sentence, once, whatever number of riksnorm tables used */
	const char *prov = strstr(d.trace_json, "\"provisional\":[");
	assert_non_null(prov);
	const char *riks = strstr(prov, "\"Riksnormen 2027 är preliminär\"");
	assert_non_null(riks);
	assert_true(riks < strchr(prov, ']'));
	assert_null(strstr(riks + 2, "Riksnormen 2027 är preliminär"));
	cel_arena_reset(arena);
	/* no frame: referred, never a crash */
	struct decision_inputs in = {.app = &h.app, .frame = NULL, .regs = NULL, .today = "2026-02-25"};
	struct ebba_err err = {{0}};
	assert_int_equal(ruleset_decide(rs, &in, false, arena, &d, &err), 0);
	assert_string_equal(d.outcome, "referred");
	assert_null(d.letter);
	bool frame_failed = false;
	for (size_t i = 0; i < d.n_checks; i++)
		if (strcmp(d.checks[i].id, "frame-exists") == 0)
			frame_failed = d.checks[i].result == RULE_FAIL &&
				       strcmp(d.checks[i].message, "Ärendet saknar referensram") == 0;
	assert_true(frame_failed);
	cel_arena_free(arena);
	ruleset_free(rs);
	buf_free(&diag);
}

/* The one renderer of a komplettering's letter (rules_request.c): the rule
 * set's words, the documents as a list, a paragraph whose placeholder has
 * nothing to say left out with its heading. */
static void test_documents_request_letter(void **state)
{
	(void)state;
	struct ebba_buf diag = {0};
	struct ruleset *rs = load_dir("rules", &diag);
	const char *ids[] = {"rent-receipt", "corrected-application"};
	json_t *docs = json_array();
	struct ebba_buf letter = {0};
	struct ebba_err err = {{0}};
	assert_int_equal(ruleset_documents_request(rs, ids, 2, NULL, "2027-01-15", docs, &letter, &err), 0);
	assert_int_equal(json_array_size(docs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "id")), "corrected-application");
	assert_non_null(strstr(letter.data, "# Begäran om komplettering"));
	assert_non_null(strstr(letter.data, "## Det här behöver vi från dig\n- Kvitto eller avi på betald hyra"));
	assert_non_null(strstr(letter.data, "\n- En rättad ansökan med de uppgifter som saknas\n"));
	assert_non_null(strstr(letter.data, "## Senast 2027-01-15\n"));
	assert_null(strstr(letter.data, "Meddelande från din handläggare"));
	assert_null(strstr(letter.data, "{"));
	buf_reset(&letter);
	assert_int_equal(ruleset_documents_request(rs, NULL, 0, "Skicka hyresavtalet.", "2027-01-15", docs, &letter, &err), 0);
	assert_non_null(strstr(letter.data, "## Meddelande från din handläggare\nSkicka hyresavtalet.\n"));
	assert_null(strstr(letter.data, "Det här behöver vi från dig"));
	const char *bad[] = {"no-such-paper"};
	assert_int_equal(ruleset_documents_request(rs, bad, 1, NULL, "2027-01-15", docs, &letter, &err), -1);
	assert_non_null(strstr(err.msg, "no-such-paper: not in the catalogue"));
	json_decref(docs);
	buf_free(&letter);
	buf_free(&diag);
	ruleset_free(rs);
}

static void test_bad_rule_files(void **state)
{
	(void)state;
	assert_true(ARRAY_LEN(BAD) >= 20);
	for (size_t i = 0; i < ARRAY_LEN(BAD); i++) {
		char path[256];
		size_t n = strcspn(BAD[i], ":");
		snprintf(path, sizeof(path), "%.*s", (int)n, BAD[i]);
		struct ebba_buf text = {0}, diag = {0};
		struct ebba_err err = {{0}};
		assert_int_equal(read_file_limited(path, 1 << 20, &text, &err), 0);
		struct ruleset *rs = NULL;
		int rc = ruleset_load_buffer(path, text.data, text.len, &rs, &diag, &err);
		if (rc == 0 || !strstr(diag.data, BAD[i]))
			fprintf(stderr, "expected: %s\ngot:\n%s", BAD[i], diag.data ? diag.data : "(nothing)\n");
		assert_int_equal(rc, -1);
		assert_null(rs);
		assert_non_null(strstr(diag.data, BAD[i]));
		assert_non_null(strstr(err.msg, "error"));
		buf_free(&text);
		buf_free(&diag);
	}
	/* the base they are all made from is valid */
	struct ebba_buf text = {0}, diag = {0};
	struct ebba_err err = {{0}};
	assert_int_equal(read_file_limited("tests/data/rules-bad/base.yaml", 1 << 20, &text, &err), 0);
	struct ruleset *rs = NULL;
	assert_int_equal(ruleset_load_buffer("base.yaml", text.data, text.len, &rs, &diag, &err), 0);
	ruleset_free(rs);
	buf_free(&text);
	buf_free(&diag);
}

/*
 * The outcome of a small rule set with the delegation section deleg for a
 * single adult, the delegation relied on into relied, whether the
 * delegation guard failed.  The strings of d that point into the rule set
 * are gone on return; the arena's (letter, paragraph texts, trace) stay.
 */
static const char *decide_with(const char *deleg, char relied[200], bool *deleg_failed,
			       struct cel_arena *arena, struct rule_decision *d)
{
	char y[1024];
	snprintf(y, sizeof(y),
		 "ruleset: {name: r, version: '1'}\n"
		 "parameters:\n"
		 "  n:\n"
		 "    - {from: 2020-01-01, value: 4000, source: x}\n"
		 "calculation: {norm: params.n, costs: 0, incomes: 0, amount: calc.norm}\n"
		 "letters: {approved: 'Beviljat', reasons: [{id: d, text: '{{ delegation.body }} {{ delegation.reference }}'}]}\n"
		 "%s", deleg);
	struct ruleset *rs = NULL;
	struct ebba_buf diag = {0};
	struct ebba_err err = {{0}};
	assert_int_equal(ruleset_load_buffer("r.yaml", y, strlen(y), &rs, &diag, &err), 0);
	struct hh h;
	int one[] = {30};
	hh_init(&h, "2024-01", 0, 1, one);
	struct decision_inputs in = {.app = &h.app, .frame = &h.frame, .regs = h.regs, .today = "2023-12-20"};
	assert_int_equal(ruleset_decide(rs, &in, false, arena, d, &err), 0);
	snprintf(relied, 200, "%s", d->delegation ? d->delegation : "(none)");
	*deleg_failed = false;
	for (size_t i = 0; i < d->n_checks; i++)
		if (strcmp(d->checks[i].id, RULE_DELEGATION_CHECK) == 0)
			*deleg_failed = d->checks[i].result == RULE_FAIL &&
					strcmp(d->checks[i].message, RULE_DELEGATION_MESSAGE) == 0;
	const char *outcome = d->outcome;
	ruleset_free(rs);
	buf_free(&diag);
	return outcome;
}

static void test_delegation(void **state)
{
	(void)state;
	struct cel_arena *arena = cel_arena_new();
	struct rule_decision d;
	char relied[200];
	bool failed;
	/* none, expired, not covering approvals, not yet decided: referred with the reason */
	static const char *const none[] = {
		"",
		"delegation:\n  - {body: S, decided: 2019-12-10, reference: '§ 1', outcomes: [approved], valid_from: 2020-01-01, valid_until: 2023-06-30}\n",
		"delegation:\n  - {body: S, decided: 2019-12-10, reference: '§ 1', outcomes: [rejected], valid_from: 2020-01-01}\n",
		"delegation:\n  - {body: S, decided: 2023-12-21, reference: '§ 1', outcomes: [approved], valid_from: 2020-01-01}\n",
	};
	for (size_t i = 0; i < ARRAY_LEN(none); i++) {
		assert_string_equal(decide_with(none[i], relied, &failed, arena, &d), "referred");
		assert_true(failed);
		assert_string_equal(relied, "(none)");
		assert_null(d.letter);
		assert_non_null(strstr(d.trace_json, "\"delegation\":null"));
		cel_arena_reset(arena);
	}
	/* in force and covering approvals: approved as before, the trace and the letter name it */
	assert_string_equal(decide_with("delegation:\n  - {body: Socialnämnden, decided: 2019-12-10, reference: '§ 7 punkt 2', outcomes: [approved], valid_from: 2020-01-01, valid_until: 2024-12-31}\n",
					relied, &failed, arena, &d), "approved");
	assert_false(failed);
	assert_string_equal(relied, "Socialnämnden, beslut 2019-12-10, § 7 punkt 2");
	assert_non_null(strstr(d.trace_json, "\"delegation\":{\"label\":\"Socialnämnden, beslut 2019-12-10, § 7 punkt 2\""));
	assert_non_null(strstr(d.letter, "Socialnämnden § 7 punkt 2"));
	assert_int_equal(d.n_paragraphs, 1);
	assert_string_equal(d.paragraphs[0].text, "Socialnämnden § 7 punkt 2");
	cel_arena_free(arena);
}

/* calculation.lines must add up to each part: otherwise the lines a person
 * reads are not the figures decided, and the case goes to a person. */
static void test_calculation_lines(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"[{'part': 'norm', 'what': 'Norm', 'amount': 4000}]", NULL},
		{"[{'part': 'norm', 'what': 'Norm', 'amount': 3999}]", "för norm är tillsammans 3999 kr, inte 4000 kr"},
		{"[{'part': 'norm', 'what': 'Norm', 'amount': 4000}, {'part': 'costs', 'what': 'Hyra', 'amount': 1}]",
		 "för costs är tillsammans 1 kr, inte 0 kr"},
		{"[{'part': 'annat', 'what': 'Norm', 'amount': 4000}]", "varje rad ska vara"},
		{"['Norm 4000']", "varje rad ska vara"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char y[1024];
		snprintf(y, sizeof(y),
			 "ruleset: {name: r, version: '1'}\n"
			 "parameters:\n"
			 "  n:\n"
			 "    - {from: 2020-01-01, value: 4000, source: x}\n"
			 "calculation: {norm: params.n, costs: 0, incomes: 0, amount: calc.norm, lines: \"%s\"}\n"
			 "delegation: [{body: N, decided: 2019-01-01, reference: x, valid_from: 2019-01-01, outcomes: [approved]}]\n",
			 cases[i][0]);
		struct ruleset *rs = NULL;
		struct ebba_buf diag = {0};
		struct ebba_err err = {{0}};
		if (ruleset_load_buffer("r.yaml", y, strlen(y), &rs, &diag, &err) != 0)
			fprintf(stderr, "%s\n", diag.data ? diag.data : err.msg);
		assert_non_null(rs);
		struct cel_arena *arena = cel_arena_new();
		struct hh h;
		int one[] = {30};
		hh_init(&h, "2024-01", 0, 1, one);
		struct decision_inputs in = {.app = &h.app, .frame = &h.frame, .regs = h.regs, .today = "2023-12-20"};
		struct rule_decision d;
		assert_int_equal(ruleset_decide(rs, &in, false, arena, &d, &err), 0);
		const char *msg = NULL;
		for (size_t k = 0; k < d.n_checks; k++)
			if (strcmp(d.checks[k].id, "calculation-lines") == 0 && d.checks[k].result == RULE_ERROR)
				msg = d.checks[k].message;
		if (!cases[i][1]) {
			assert_null(msg);
			assert_non_null(strstr(d.trace_json, "\"lines\":[{\"part\":\"norm\",\"what\":\"Norm\",\"amount\":4000}]"));
		} else {
			if (!msg || !strstr(msg, cases[i][1]))
				fprintf(stderr, "case %zu: %s\n", i, msg ? msg : "(no error)");
			assert_non_null(msg);
			assert_non_null(strstr(msg, cases[i][1]));
			assert_string_equal(d.outcome, "referred");
		}
		cel_arena_free(arena);
		ruleset_free(rs);
		buf_free(&diag);
	}
}

static void test_delegation_load_errors(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{"delegation: {body: S}\n", "r.yaml:6:13: 'delegation' måste vara en lista"},
		{"delegation:\n  - {body: S, reference: x, outcomes: [approved], valid_from: 2020-01-01}\n", "delegationen saknar 'decided'"},
		{"delegation:\n  - {body: S, decided: 2019-12-40, reference: x, outcomes: [approved], valid_from: 2020-01-01}\n", "'decided' i delegationen måste vara ett datum"},
		{"delegation:\n  - {body: S, decided: 2019-12-10, reference: x, outcomes: [referred], valid_from: 2020-01-01}\n", "inte 'referred'"},
		{"delegation:\n  - {body: S, decided: 2019-12-10, reference: x, outcomes: [approved], valid_from: 2020-01-01, valid_until: 2019-01-01}\n", "före sitt valid_from"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char y[1024];
		snprintf(y, sizeof(y),
			 "ruleset: {name: r, version: '1'}\n"
			 "parameters:\n"
			 "  n:\n"
			 "    - {from: 2020-01-01, value: 4000, source: x}\n"
			 "calculation: {norm: params.n, costs: 0, incomes: 0, amount: calc.norm}\n%s", bad[i][0]);
		struct ruleset *rs = NULL;
		struct ebba_buf diag = {0};
		struct ebba_err err = {{0}};
		assert_int_equal(ruleset_load_buffer("r.yaml", y, strlen(y), &rs, &diag, &err), -1);
		if (!strstr(diag.data, bad[i][1]))
			fprintf(stderr, "expected: %s\ngot: %s", bad[i][1], diag.data);
		assert_non_null(strstr(diag.data, bad[i][1]));
		buf_free(&diag);
	}
}

static void test_reject_only_when_allowed(void **state)
{
	(void)state;
	const char *y =
		"ruleset: {name: r, version: '1'}\n"
		"parameters:\n"
		"  n:\n"
		"    - {from: 2020-01-01, value: 4000, source: x}\n"
		"checks:\n"
		"  - id: no-assets\n"
		"    expr: assets.total == 0\n"
		"    outcome: reject\n"
		"    message: 'Tillgångar {{ assets.total }} kr'\n"
		"calculation: {norm: params.n, costs: 0, incomes: 0, amount: calc.norm}\n"
		"delegation:\n"
		"  - {body: Socialnämnden, decided: 2019-12-10, reference: '§ 1', outcomes: [approved, rejected],\n"
		"     valid_from: 2020-01-01}\n";
	struct ruleset *rs = NULL;
	struct ebba_buf diag = {0};
	struct ebba_err err = {{0}};
	assert_int_equal(ruleset_load_buffer("r.yaml", y, strlen(y), &rs, &diag, &err), 0);
	struct hh h;
	int one[] = {30};
	hh_init(&h, "2024-01", 0, 1, one);
	struct app_asset a = {.person = 0, .type = ASSET_BANK, .amount = 50};
	h.app.assets = &a;
	h.app.n_assets = 1;
	struct cel_arena *arena = cel_arena_new();
	struct decision_inputs in = {.app = &h.app, .frame = &h.frame, .regs = h.regs, .today = "2023-12-20"};
	struct rule_decision d;
	assert_int_equal(ruleset_decide(rs, &in, true, arena, &d, &err), 0);
	assert_string_equal(d.outcome, "rejected");
	assert_string_equal(d.checks[0].message, "Tillgångar 50 kr");
	assert_int_equal(ruleset_decide(rs, &in, false, arena, &d, &err), 0);
	assert_string_equal(d.outcome, "referred");
	assert_string_equal(d.checks[0].outcome, "refer");
	cel_arena_free(arena);
	ruleset_free(rs);
	buf_free(&diag);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void test_sha_follows_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/ebba-rules-sha.XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sh("cp rules/*.yaml %s/", dir), 0);
	struct ebba_buf diag = {0};
	struct ruleset *a = load_dir(dir, &diag);
	struct ruleset *b = load_dir("rules", &diag);
	assert_string_equal(ruleset_sha256(a), ruleset_sha256(b));   /* content and names, not the path */
	assert_int_equal(sh("echo '# ändrad' >> %s/checks.yaml", dir), 0);
	struct ruleset *c = load_dir(dir, &diag);
	assert_string_not_equal(ruleset_sha256(a), ruleset_sha256(c));
	assert_int_equal(sh("mv %s/audit.yaml %s/audit2.yaml", dir, dir), 0);
	struct ruleset *e = load_dir(dir, &diag);
	assert_string_not_equal(ruleset_sha256(c), ruleset_sha256(e));
	ruleset_free(a);
	ruleset_free(b);
	ruleset_free(c);
	ruleset_free(e);
	sh("rm -rf %s", dir);
	buf_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_result_names),
		cmocka_unit_test(test_default_loads_with_provisional_warnings),
		cmocka_unit_test(test_child_limit),
		cmocka_unit_test(test_default_rule_tests_pass),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_official_figures),
		cmocka_unit_test(test_bad_rule_files),
		cmocka_unit_test(test_documents_request_letter),
		cmocka_unit_test(test_reject_only_when_allowed),
		cmocka_unit_test(test_delegation),
		cmocka_unit_test(test_calculation_lines),
		cmocka_unit_test(test_delegation_load_errors),
		cmocka_unit_test(test_sha_follows_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
