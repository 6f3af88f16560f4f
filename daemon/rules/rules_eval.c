/*
 * Deciding one application with a loaded rule set: facts, parameters and
 * derived facts are resolved lazily (each at most once per decision) while
 * the checks, the calculation, the audit flags and the letter are
 * evaluated.  Everything lives in the caller's arena.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ebba/cel/cel.h"
#include "rules_impl.h"

struct rs_eval {
	const struct ruleset *rs;
	const struct decision_inputs *in;
	struct cel_arena *arena;
	char period_start[11];
	struct cel_value *facts;      /* cache, rs->n_facts */
	unsigned char *fact_done;
	struct cel_value *params;     /* cache, rs->n_params */
	int *param_entry;             /* -2 not used, -1 none in force, else index */
	struct cel_value *derived;
	unsigned char *derived_state; /* 0 no, 1 computing, 2 done */
	struct cel_activation act;
};

static bool resolve(void *ctx, const char *name, struct cel_arena *arena, struct cel_value *out);

static void *aalloc(struct cel_arena *a, size_t n)
{
	void *p = cel_arena_alloc(a, n ? n : 1);
	memset(p, 0, n ? n : 1);
	return p;
}

static void eval_init(struct rs_eval *e, const struct ruleset *rs, const struct decision_inputs *in,
		      struct cel_arena *arena)
{
	memset(e, 0, sizeof(*e));
	e->rs = rs;
	e->in = in;
	e->arena = arena;
	snprintf(e->period_start, sizeof(e->period_start), "%.7s-01", in->app->period);
	e->facts = aalloc(arena, rs->n_facts * sizeof(*e->facts));
	e->fact_done = aalloc(arena, rs->n_facts);
	e->params = aalloc(arena, rs->n_params * sizeof(*e->params));
	e->param_entry = aalloc(arena, rs->n_params * sizeof(*e->param_entry));
	for (size_t i = 0; i < rs->n_params; i++)
		e->param_entry[i] = -2;
	e->derived = aalloc(arena, rs->n_derived * sizeof(*e->derived));
	e->derived_state = aalloc(arena, rs->n_derived);
	e->act = (struct cel_activation){.vars = cel_null(), .resolve = resolve, .ctx = e};
}

static struct cel_value eval_derived(struct rs_eval *e, size_t i)
{
	if (e->derived_state[i] == 2)
		return e->derived[i];
	if (e->derived_state[i] == 1)
		return cel_errorf(e->arena, "'%s' depends on itself", e->rs->derived[i].name);
	e->derived_state[i] = 1;
	struct cel_value v = e->rs->derived[i].prog ? cel_eval(e->rs->derived[i].prog, &e->act, e->arena)
						  : cel_errorf(e->arena, "'%s' has no expression",
							       e->rs->derived[i].name);
	e->derived[i] = v;
	e->derived_state[i] = 2;
	return v;
}

static bool resolve(void *ctx, const char *name, struct cel_arena *arena, struct cel_value *out)
{
	struct rs_eval *e = ctx;
	const struct rs_name *nm = rs_lookup(e->rs, name);
	if (!nm)
		return false;
	switch (nm->kind) {
	case RS_NAME_FACT:
		if (!e->fact_done[nm->index]) {
			if (!facts_build(e->in, name, e->arena, &e->facts[nm->index]))
				return false;
			e->fact_done[nm->index] = 1;
		}
		*out = e->facts[nm->index];
		return true;
	case RS_NAME_PARAM: {
		size_t i = nm->index;
		if (e->param_entry[i] == -2) {
			const struct rs_param *p = &e->rs->params[i];
			int found = -1;
			for (size_t k = 0; k < p->n; k++)
				if (strcmp(p->v[k].from, e->period_start) <= 0)
					found = (int)k;
			e->param_entry[i] = found;
			e->params[i] = found >= 0 ? p->v[found].value
				       : cel_errorf(arena, "parametern '%s' har inget värde för perioden %.7s",
						    p->name, e->period_start);
		}
		*out = e->params[i];
		return true;
	}
	case RS_NAME_DERIVED:
		*out = eval_derived(e, nm->index);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------- JSON trace */

static void json_str(struct ebba_buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

static void json_value(struct ebba_buf *b, struct cel_value v, int depth)
{
	if (depth > 20) {
		buf_puts(b, "null");
		return;
	}
	switch (v.kind) {
	case CEL_NULL: buf_puts(b, "null"); break;
	case CEL_BOOL: buf_puts(b, v.b ? "true" : "false"); break;
	case CEL_INT: buf_printf(b, "%lld", (long long)v.i); break;
	case CEL_UINT: buf_printf(b, "%llu", (unsigned long long)v.u); break;
	case CEL_DOUBLE:
		if (isfinite(v.d))
			buf_printf(b, "%.17g", v.d);
		else
			buf_puts(b, "null");
		break;
	case CEL_STRING: json_str(b, v.str, v.len); break;
	case CEL_LIST:
		buf_putc(b, '[');
		for (size_t i = 0; i < cel_list_size(v); i++) {
			if (i)
				buf_putc(b, ',');
			json_value(b, cel_list_get(v, i), depth + 1);
		}
		buf_putc(b, ']');
		break;
	case CEL_MAP:
		buf_putc(b, '{');
		for (size_t i = 0; i < cel_map_size(v); i++) {
			struct cel_value k, x;
			cel_map_entry(v, i, &k, &x);
			if (i)
				buf_putc(b, ',');
			if (k.kind == CEL_STRING) {
				json_str(b, k.str, k.len);
			} else {
				struct ebba_buf t = {0};
				cel_value_format(k, &t);
				json_str(b, t.data, t.len);
				buf_free(&t);
			}
			buf_putc(b, ':');
			json_value(b, x, depth + 1);
		}
		buf_putc(b, '}');
		break;
	case CEL_ERROR:
		buf_puts(b, "{\"error\":");
		json_str(b, v.str, v.len);
		buf_putc(b, '}');
		break;
	default: {
		struct ebba_buf t = {0};
		cel_value_format(v, &t);
		json_str(b, t.data, t.len);
		buf_free(&t);
	}
	}
}

/* ------------------------------------------------------------- deciding */

static const char *arena_str(struct cel_arena *a, const char *s, size_t n)
{
	char *p = cel_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static bool value_int(struct cel_value v, int64_t *out)
{
	if (v.kind == CEL_INT) {
		*out = v.i;
		return true;
	}
	if (v.kind == CEL_UINT && v.u <= INT64_MAX) {
		*out = (int64_t)v.u;
		return true;
	}
	if (v.kind == CEL_DOUBLE && isfinite(v.d) && fabs(v.d) < 9e15) {
		*out = (int64_t)llround(v.d);
		return true;
	}
	return false;
}

int ruleset_decide(const struct ruleset *rs, const struct decision_inputs *in, bool allow_reject,
		   struct cel_arena *arena, struct rule_decision *out, struct ebba_err *err)
{
	if (!rs || !in || !in->app || !arena || !out)
		return ebba_errf(err, "ruleset_decide: missing argument");
	memset(out, 0, sizeof(*out));
	struct rs_eval e;
	eval_init(&e, rs, in, arena);
	struct ebba_buf b = {0};   /* scratch for messages */
	size_t extra = 2;          /* calculation error and amount-positive guard */
	out->checks = aalloc(arena, (rs->n_checks + extra) * sizeof(*out->checks));
	bool any_refer = false, any_reject = false;
	for (size_t i = 0; i < rs->n_checks; i++) {
		const struct rs_check *c = &rs->checks[i];
		struct rule_check_result *r = &out->checks[out->n_checks++];
		r->id = c->id;
		r->outcome = c->reject && allow_reject ? "reject" : "refer";
		r->message = "";
		if (c->when) {
			struct cel_value w = cel_eval(c->when, &e.act, arena);
			if (w.kind == CEL_BOOL && !w.b) {
				r->result = RULE_SKIP;
				continue;
			}
			if (w.kind != CEL_BOOL) {
				r->result = RULE_ERROR;
				buf_reset(&b);
				buf_printf(&b, "Kontrollen kunde inte avgöras (villkoret 'when'): ");
				rs_value_human(w, &b);
				r->message = arena_str(arena, b.data, b.len);
				any_refer = true;
				continue;
			}
		}
		struct cel_value v = cel_eval(c->expr, &e.act, arena);
		if (v.kind == CEL_BOOL && v.b) {
			r->result = RULE_PASS;
			continue;
		}
		buf_reset(&b);
		if (v.kind == CEL_BOOL) {
			r->result = RULE_FAIL;
			rs_text_render(&c->message, &e.act, arena, &b);
			if (c->reject && allow_reject)
				any_reject = true;
			else
				any_refer = true;
		} else {
			r->result = RULE_ERROR;
			buf_printf(&b, "Kontrollen kunde inte avgöras: ");
			if (v.kind == CEL_ERROR)
				buf_append(&b, v.str, v.len);
			else
				buf_printf(&b, "uttrycket gav %s, inte sant/falskt", cel_kind_name(v.kind));
			any_refer = true;
		}
		r->message = arena_str(arena, b.data ? b.data : "", b.len);
	}
	/* calculation */
	int64_t vals[RS_CALC_COUNT] = {0};
	bool calc_ok = true;
	struct ebba_buf calc_err = {0};
	for (int k = 0; k < RS_CALC_COUNT; k++) {
		if (rs->calc[k] < 0) {
			calc_ok = false;
			continue;
		}
		struct cel_value v = eval_derived(&e, (size_t)rs->calc[k]);
		if (!value_int(v, &vals[k])) {
			if (calc_ok) {
				buf_printf(&calc_err, "Beloppet kunde inte beräknas (%s): ", RS_CALC_NAMES[k] + 5);
				if (v.kind == CEL_ERROR)
					buf_append(&calc_err, v.str, v.len);
				else
					buf_printf(&calc_err, "gav %s, inte ett belopp", cel_kind_name(v.kind));
			}
			calc_ok = false;
		}
	}
	out->has_amount = calc_ok;
	out->norm = vals[RS_CALC_NORM];
	out->costs = vals[RS_CALC_COSTS];
	out->incomes = vals[RS_CALC_INCOMES];
	out->amount = vals[RS_CALC_AMOUNT];
	if (!calc_ok) {
		struct rule_check_result *r = &out->checks[out->n_checks++];
		r->id = "calculation";
		r->result = RULE_ERROR;
		r->outcome = "refer";
		r->message = arena_str(arena, calc_err.data ? calc_err.data : "", calc_err.len);
		any_refer = true;
	}
	buf_free(&calc_err);
	if (!any_refer && !any_reject && (!calc_ok || out->amount <= 0)) {
		/* ebba never approves without a positive amount, whatever the rules say */
		struct rule_check_result *r = &out->checks[out->n_checks++];
		r->id = "ebba-amount-positive";
		r->result = RULE_FAIL;
		r->outcome = "refer";
		buf_reset(&b);
		buf_printf(&b, "Beräknat belopp %lld kr är inte positivt", (long long)out->amount);
		r->message = arena_str(arena, b.data, b.len);
		any_refer = true;
	}
	out->outcome = any_refer ? "referred" : any_reject ? "rejected" : "approved";
	out->sample_rate = rs->sample[any_refer ? 1 : any_reject ? 2 : 0];
	/* targeted audit flags */
	out->flags = aalloc(arena, (rs->n_flags + 1) * sizeof(*out->flags));
	for (size_t i = 0; i < rs->n_flags; i++) {
		struct cel_value w = cel_eval(rs->flags[i].when, &e.act, arena);
		if (w.kind != CEL_BOOL || !w.b)
			continue;
		buf_reset(&b);
		rs_text_render(&rs->flags[i].reason, &e.act, arena, &b);
		out->flags[out->n_flags].id = rs->flags[i].id;
		out->flags[out->n_flags++].reason = arena_str(arena, b.data ? b.data : "", b.len);
	}
	/* the letter */
	if (!any_refer && !any_reject && rs->has_letter) {
		buf_reset(&b);
		rs_text_render(&rs->letter, &e.act, arena, &b);
		out->letter = arena_str(arena, b.data ? b.data : "", b.len);
	}
	/* the trace */
	buf_reset(&b);
	buf_puts(&b, "{\"ruleset\":{\"name\":");
	json_str(&b, rs->name, strlen(rs->name));
	buf_puts(&b, ",\"version\":");
	json_str(&b, rs->version, strlen(rs->version));
	buf_printf(&b, ",\"sha256\":\"%s\"},\"period\":\"%.7s\",\"notes\":[", rs->sha256,
		   e.period_start);
	bool first = true;
	for (size_t i = 0; i < rs->n_params; i++) {
		int k = e.param_entry[i];
		if (k < 0 || !rs->params[i].v[k].provisional)
			continue;
		struct ebba_buf t = {0};
		buf_printf(&t, "Preliminärt värde: parametern %s från %s (%s)", rs->params[i].name,
			   rs->params[i].v[k].from, rs->params[i].v[k].source);
		if (!first)
			buf_putc(&b, ',');
		json_str(&b, t.data, t.len);
		buf_free(&t);
		first = false;
	}
	buf_puts(&b, "],\"parameters\":{");
	first = true;
	for (size_t i = 0; i < rs->n_params; i++) {
		int k = e.param_entry[i];
		if (k == -2)
			continue;
		if (!first)
			buf_putc(&b, ',');
		first = false;
		json_str(&b, rs->params[i].name, strlen(rs->params[i].name));
		if (k < 0) {
			buf_puts(&b, ":{\"error\":\"no value in force\"}");
			continue;
		}
		const struct rs_param_value *pv = &rs->params[i].v[k];
		buf_printf(&b, ":{\"from\":\"%s\",\"provisional\":%s,\"source\":", pv->from,
			   pv->provisional ? "true" : "false");
		json_str(&b, pv->source, strlen(pv->source));
		buf_puts(&b, ",\"value\":");
		json_value(&b, pv->value, 0);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "},\"derived\":{");
	first = true;
	for (size_t i = 0; i < rs->n_derived; i++) {
		if (e.derived_state[i] != 2)
			continue;
		if (!first)
			buf_putc(&b, ',');
		first = false;
		json_str(&b, rs->derived[i].name, strlen(rs->derived[i].name));
		buf_putc(&b, ':');
		json_value(&b, e.derived[i], 0);
	}
	buf_puts(&b, "}}");
	out->trace_json = arena_str(arena, b.data, b.len);
	buf_free(&b);
	return 0;
}

/* ------------------------------------------------------------- dry run */

/*
 * Every expression is tried on a sample household (a couple with two
 * children, a frame, registers that answered) so that mistakes the
 * compiler cannot see -- a misspelt field, a check that is not true/false,
 * a string compared with a number -- are found at load, not in production.
 */
static bool mistake(struct cel_value v)
{
	if (v.kind != CEL_ERROR)
		return false;
	static const char *const pats[] = {"no such key", "no operator", "no such overload",
					   "unbound function", "no matching", "cannot", "not a",
					   "unsupported", "does not support", "no field", NULL};
	for (size_t i = 0; pats[i]; i++)
		if (memmem(v.str, v.len, pats[i], strlen(pats[i])))
			return true;
	return false;
}

void rs_dry_run(struct ruleset *rs, struct rs_diags *d);

void rs_dry_run(struct ruleset *rs, struct rs_diags *d)
{
	/* the period: the latest date any parameter changes */
	char latest[11] = "2026-01-01";
	for (size_t i = 0; i < rs->n_params; i++)
		for (size_t k = 0; k < rs->params[i].n; k++)
			if (strcmp(rs->params[i].v[k].from, latest) > 0)
				memcpy(latest, rs->params[i].v[k].from, 11);
	struct app_person persons[4] = {
		{.pnr = "900000000001", .role = ROLE_APPLICANT, .age = 40},
		{.pnr = "900000000002", .role = ROLE_CO_APPLICANT, .age = 38},
		{.pnr = "900000000003", .role = ROLE_CHILD, .age = 9},
		{.pnr = "900000000004", .role = ROLE_CHILD, .age = 3, .preschool_lunch = true},
	};
	struct app_income incomes[1] = {{.person = 0, .type = INCOME_SALARY, .amount = 4000}};
	struct app_cost costs[2] = {{COST_RENT, 7000}, {COST_ELECTRICITY, 400}};
	struct app_asset assets[1] = {{.person = 0, .type = ASSET_BANK, .amount = 500}};
	struct application app = {.id = "EB-SAMPLE", .case_id = "C-SAMPLE", .kind = APP_KIND_REPEAT,
				  .n_persons = 4, .persons = persons, .n_incomes = 1,
				  .incomes = incomes, .n_costs = 2, .costs = costs, .n_assets = 1,
				  .assets = assets, .message = "", .submitted = ""};
	snprintf(app.period, sizeof(app.period), "%.7s", latest);
	app.period_year = (int)strtol(latest, NULL, 10);
	app.period_month = (int)strtol(latest + 5, NULL, 10);
	struct case_frame fr;
	memset(&fr, 0, sizeof(fr));
	fr.automation_allowed = true;
	fr.valid_until = (struct date){app.period_year + 1, 12, 31};
	fr.n_household = 4;
	for (int i = 0; i < 4; i++)
		memcpy(fr.household[i], persons[i].pnr, PNR_BUF);
	fr.n_adults = 2;
	memcpy(fr.adults[0].pnr, persons[0].pnr, PNR_BUF);
	memcpy(fr.adults[1].pnr, persons[1].pnr, PNR_BUF);
	fr.adults[1].plan = PLAN_EXEMPT;
	fr.adults[1].capacity = CAPACITY_NONE;
	fr.cost_approved[COST_RENT] = fr.cost_approved[COST_ELECTRICITY] = true;
	fr.approved_costs[COST_RENT] = 7000;
	fr.approved_costs[COST_ELECTRICITY] = 450;
	fr.months_on_assistance = 5;
	fr.has_last_decision = true;
	fr.last_amount = 9000;
	snprintf(fr.last_period, sizeof(fr.last_period), "%.7s", latest);
	struct person_registers regs[4];
	memset(regs, 0, sizeof(regs));
	for (int i = 0; i < 4; i++) {
		regs[i].ssbtek_asked = persons[i].age >= 16;
		for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++)
			regs[i].agency[g] = AGENCY_OK;
		regs[i].af_known = true;
		regs[i].af_registered = i == 0;
		regs[i].af_scope_percent = 100;
		snprintf(regs[i].af_latest_report, 11, "%.8s01", latest);
		regs[i].attendance_asked = persons[i].role != ROLE_CHILD;
		regs[i].attendance = ATTENDANCE_OK;
		regs[i].plan_hours_per_week = 40;
		regs[i].scheduled_hours = 100;
		regs[i].attended_hours = 95;
	}
	regs[0].income[INCOME_SALARY] = 4000;
	char today[11];
	snprintf(today, sizeof(today), "%.8s01", latest);
	struct decision_inputs in = {.app = &app, .frame = &fr, .regs = regs, .today = today};
	struct cel_arena *arena = cel_arena_new();
	struct rs_eval e;
	eval_init(&e, rs, &in, arena);
	bool *bad = xcalloc(rs->n_derived + 1, sizeof(bool));
	for (size_t i = 0; i < rs->n_derived; i++) {
		struct cel_value v = eval_derived(&e, i);
		if (mistake(v)) {
			bad[i] = true;
			rs_diag(d, false, rs->derived[i].file, rs->derived[i].line, rs->derived[i].col,
				"'%s' fails for a sample household: %.*s", rs->derived[i].name, (int)v.len,
				v.str);
		}
	}
	for (size_t i = 0; i < rs->n_checks; i++) {
		struct rs_check *c = &rs->checks[i];
		struct cel_program *progs[2] = {c->when, c->expr};
		for (int k = 0; k < 2; k++) {
			if (!progs[k])
				continue;
			bool uses_bad = false;
			size_t n = 0;
			const struct cel_ident_ref *refs = cel_program_idents(progs[k], &n);
			for (size_t j = 0; j < n; j++) {
				const struct rs_name *nm = rs_lookup(rs, refs[j].name);
				uses_bad |= nm && nm->kind == RS_NAME_DERIVED && bad[nm->index];
			}
			struct cel_value v = cel_eval(progs[k], &e.act, arena);
			if (uses_bad)
				continue;
			if (mistake(v))
				rs_diag(d, false, c->file, c->line[k], c->col[k], "check '%s': '%s' fails for a sample household: %.*s",
					c->id, k ? "expr" : "when", (int)v.len, v.str);
			else if (v.kind != CEL_BOOL && v.kind != CEL_ERROR)
				rs_diag(d, false, c->file, c->line[k], c->col[k], "check '%s': '%s' must be true or false, but gives %s",
					c->id, k ? "expr" : "when", cel_kind_name(v.kind));
			if (k == 0 && v.kind == CEL_BOOL && !v.b)
				break;
		}
	}
	/* messages, flag reasons and the letter */
	struct rs_text *texts[1];
	for (size_t i = 0; i < rs->n_checks + rs->n_flags + 1; i++) {
		struct rs_text *t = i < rs->n_checks ? &rs->checks[i].message
				    : i < rs->n_checks + rs->n_flags ? &rs->flags[i - rs->n_checks].reason
				    : &rs->letter;
		texts[0] = t;
		for (size_t k = 0; k < texts[0]->n; k++) {
			struct rs_seg *sg = &texts[0]->segs[k];
			if (!sg->prog)
				continue;
			struct cel_value v = cel_eval(sg->prog, &e.act, arena);
			if (mistake(v))
				rs_diag(d, false, sg->file, sg->line, sg->col,
					"'{{ %s }}' fails for a sample household: %.*s",
					cel_program_source(sg->prog), (int)v.len, v.str);
		}
	}
	free(bad);
	cel_arena_free(arena);
}
