/*
 * Deciding one application with a loaded rule set: facts, parameters and
 * derived facts are resolved lazily (each at most once per decision) while
 * the checks, the calculation, the audit flags and the letter are
 * evaluated.  Everything lives in the caller's arena.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/cel/cel.h"
#include "rules_eval.h"
#include "ebba/lib/outcome.h"

static bool resolve(void *ctx, const char *name, struct cel_arena *arena, struct cel_value *out);

static void *aalloc(struct cel_arena *a, size_t n)
{
	void *p = cel_arena_alloc(a, n ? n : 1);
	memset(p, 0, n ? n : 1);
	return p;
}

void rs_eval_init(struct rs_eval *e, const struct ruleset *rs, const struct decision_inputs *in,
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
		e->param_entry[i] = RS_PARAM_UNUSED;
	e->derived = aalloc(arena, rs->n_derived * sizeof(*e->derived));
	e->derived_state = aalloc(arena, rs->n_derived);
	e->act = (struct cel_activation){.vars = cel_null(), .resolve = resolve, .ctx = e};
	e->item = cel_null();
}

const char *rs_eval_date(const struct rs_eval *e)
{
	return e->in->today && e->in->today[0] ? e->in->today : e->period_start;
}

struct cel_value rs_eval_derived(struct rs_eval *e, size_t i)
{
	if (e->derived_state[i] == RS_DERIVED_DONE)
		return e->derived[i];
	if (e->derived_state[i] == RS_DERIVED_COMPUTING)
		return cel_errorf(e->arena, CEL_ERR_OTHER, "'%s' beror på sig själv", e->rs->derived[i].name);
	e->derived_state[i] = RS_DERIVED_COMPUTING;
	struct cel_value v = e->rs->derived[i].prog ? cel_eval(e->rs->derived[i].prog, &e->act, e->arena)
						  : cel_errorf(e->arena, CEL_ERR_OTHER, "'%s' saknar uttryck",
							       e->rs->derived[i].name);
	e->derived[i] = v;
	e->derived_state[i] = RS_DERIVED_DONE;
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
		if (e->param_entry[i] == RS_PARAM_UNUSED) {
			const struct rs_param *p = &e->rs->params[i];
			int found = RS_PARAM_NONE_IN_FORCE;
			for (size_t k = 0; k < p->n; k++)
				if (strcmp(p->v[k].from, e->period_start) <= 0)
					found = (int)k;
			e->param_entry[i] = found;
			e->params[i] = found >= 0 ? p->v[found].value
				       : cel_errorf(arena, CEL_ERR_OTHER, "parametern '%s' har inget värde för perioden %.7s",
						    p->name, e->period_start);
		}
		*out = e->params[i];
		return true;
	}
	case RS_NAME_DERIVED:
		*out = rs_eval_derived(e, nm->index);
		return true;
	case RS_NAME_DELEGATION: {
		const struct rs_delegation *d = rs_delegation_for(e->rs, rs_eval_date(e), RS_DELEG_APPROVED);
		*out = d ? d->value : e->rs->no_deleg;
		return true;
	}
	case RS_NAME_ITEM:
		*out = e->item;
		return true;
	}
	return false;
}

/* ------------------------------------------------------------- JSON trace */

/* Runs of bytes that need no escape are copied whole. */
static void json_str(struct ebba_buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		buf_append(b, s + run, i - run);
		run = i + 1;
		if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		}
	}
	buf_append(b, s + run, n - run);
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
	case CEL_INT: buf_put_int(b, (long long)v.i); break;
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

/* The outcome of the checks so far. */
struct verdict {
	bool refer, reject;
};

/* Result r of check c: evaluates 'when' then 'expr'; b is scratch for the message. */
static void decide_check(struct rs_eval *e, const struct rs_check *c, bool allow_reject,
			 struct rule_check_result *r, struct verdict *vd, struct ebba_buf *b)
{
	struct cel_arena *arena = e->arena;
	r->id = c->id;
	/* complete refers as refer does; the check's outcome tells the
	 * caseworker (and the queue) that a komplettering answers it */
	r->outcome = c->reject && allow_reject ? "reject" : c->complete ? "complete" : "refer";
	r->message = "";
	buf_reset(b);
	if (c->when) {
		struct cel_value w = cel_eval(c->when, &e->act, arena);
		if (w.kind == CEL_BOOL && !w.b) {
			r->result = RULE_SKIP;
			return;
		}
		if (w.kind != CEL_BOOL) {
			r->result = RULE_ERROR;
			buf_printf(b, "Kontrollen kunde inte avgöras (villkoret 'when'): ");
			rs_value_human(w, b);
			r->message = arena_str(arena, b->data, b->len);
			vd->refer = true;
			return;
		}
	}
	struct cel_value v = cel_eval(c->expr, &e->act, arena);
	if (v.kind == CEL_BOOL && v.b) {
		r->result = RULE_PASS;
		return;
	}
	if (v.kind == CEL_BOOL) {
		r->result = RULE_FAIL;
		rs_text_render(&c->message, &e->act, arena, b);
		if (c->reject && allow_reject)
			vd->reject = true;
		else
			vd->refer = true;
	} else {
		r->result = RULE_ERROR;
		buf_printf(b, "Kontrollen kunde inte avgöras: ");
		if (v.kind == CEL_ERROR)
			rs_error_words(cel_error_kind_of(v), v.str, v.len, b);
		else
			buf_printf(b, "uttrycket gav %s, inte sant/falskt", cel_kind_name(v.kind));
		vd->refer = true;
	}
	r->message = arena_str(arena, b->data ? b->data : "", b->len);
}

/*
 * The calculation items into out; false (and why in why) if one is missing
 * or not an amount.
 */
static bool decide_amount(struct rs_eval *e, struct rule_decision *out, struct ebba_buf *why)
{
	const struct ruleset *rs = e->rs;
	int64_t vals[RS_CALC_COUNT] = {0};
	bool ok = true;
	for (int k = 0; k < RS_CALC_COUNT; k++) {
		if (rs->calc[k] < 0) {
			ok = false;
			continue;
		}
		struct cel_value v = rs_eval_derived(e, (size_t)rs->calc[k]);
		if (value_int(v, &vals[k]))
			continue;
		if (ok) {
			buf_printf(why, "Beloppet kunde inte beräknas (%s): ", RS_CALC[k].key);
			if (v.kind == CEL_ERROR)
				rs_error_words(cel_error_kind_of(v), v.str, v.len, why);
			else
				buf_printf(why, "gav %s, inte ett belopp", cel_kind_name(v.kind));
		}
		ok = false;
	}
	out->has_amount = ok;
	out->norm = vals[RS_CALC_NORM];
	out->costs = vals[RS_CALC_COSTS];
	out->incomes = vals[RS_CALC_INCOMES];
	out->amount = vals[RS_CALC_AMOUNT];
	return ok;
}

/*
 * calculation.notes into out: a list of text.  false (and why in why) when
 * it is something else: the lines go into a letter, so a wrong value is a
 * reason for a person to look, not something to print.
 */
static bool decide_notes(struct rs_eval *e, struct rule_decision *out, struct ebba_buf *why)
{
	if (e->rs->calc_notes < 0)
		return true;
	struct cel_value v = rs_eval_derived(e, (size_t)e->rs->calc_notes);
	bool ok = v.kind == CEL_LIST;
	for (size_t i = 0; ok && i < cel_list_size(v); i++)
		ok = cel_list_get(v, i).kind == CEL_STRING;
	if (!ok) {
		buf_puts(why, "Beräkningens rader (notes) kunde inte beräknas: ");
		if (v.kind == CEL_ERROR)
			rs_error_words(cel_error_kind_of(v), v.str, v.len, why);
		else
			buf_printf(why, "gav %s, inte en lista med text", cel_kind_name(v.kind));
		return false;
	}
	out->n_notes = cel_list_size(v);
	out->notes = aalloc(e->arena, out->n_notes * sizeof(*out->notes));
	for (size_t i = 0; i < out->n_notes; i++) {
		struct cel_value s = cel_list_get(v, i);
		out->notes[i] = arena_str(e->arena, s.str, s.len);
	}
	return true;
}

/*
 * calculation.lines: what each part of the calculation is made of, for the
 * people who read it (the decision page shows these lines, never figures
 * of its own).  A list of maps {part: "norm" | "costs" | "incomes", what:
 * text, amount: int, ...}; each part's lines must add up to the part, so
 * that what a person reads is what was decided.  false (and why in why)
 * when they are something else or do not add up.
 */
static bool decide_lines(struct rs_eval *e, const struct rule_decision *out, struct ebba_buf *why)
{
	static const char *const parts[] = {"norm", "costs", "incomes"};
	if (e->rs->calc_lines < 0)
		return true;
	struct cel_value v = rs_eval_derived(e, (size_t)e->rs->calc_lines);
	int64_t sum[3] = {0, 0, 0};
	bool ok = v.kind == CEL_LIST;
	for (size_t i = 0; ok && i < cel_list_size(v); i++) {
		struct cel_value line = cel_list_get(v, i), part, what, amount;
		int64_t a = 0;
		ok = line.kind == CEL_MAP && cel_map_get_str(line, "part", &part) && part.kind == CEL_STRING &&
		     cel_map_get_str(line, "what", &what) && what.kind == CEL_STRING &&
		     cel_map_get_str(line, "amount", &amount) && value_int(amount, &a);
		int k = -1;
		for (int p = 0; ok && p < 3; p++)
			if (strlen(parts[p]) == part.len && memcmp(parts[p], part.str, part.len) == 0)
				k = p;
		ok = ok && k >= 0 && !__builtin_add_overflow(sum[k], a, &sum[k]);
	}
	if (!ok) {
		buf_puts(why, "Beräkningens rader (lines) kunde inte beräknas: ");
		if (v.kind == CEL_ERROR)
			rs_error_words(cel_error_kind_of(v), v.str, v.len, why);
		else
			buf_puts(why, "varje rad ska vara {part: norm, costs eller incomes, what: text, amount: belopp}");
		return false;
	}
	const int64_t want[3] = {out->norm, out->costs, out->incomes};
	for (int p = 0; p < 3; p++)
		if (sum[p] != want[p]) {
			buf_printf(why, "Beräkningens rader (lines) för %s är tillsammans %lld kr, inte %lld kr",
				   parts[p], (long long)sum[p], (long long)want[p]);
			return false;
		}
	return true;
}

static struct rule_check_result *add_result(struct rule_decision *out, const char *id,
					    enum rule_result result, struct cel_arena *arena,
					    const struct ebba_buf *msg)
{
	struct rule_check_result *r = &out->checks[out->n_checks++];
	r->id = id;
	r->result = result;
	r->outcome = "refer";
	r->message = arena_str(arena, msg->data ? msg->data : "", msg->len);
	return r;
}

/* The targeted audit flags whose 'when' holds. */
static void decide_flags(struct rs_eval *e, struct rule_decision *out, struct ebba_buf *b)
{
	const struct ruleset *rs = e->rs;
	out->flags = aalloc(e->arena, (rs->n_flags + 1) * sizeof(*out->flags));
	for (size_t i = 0; i < rs->n_flags; i++) {
		struct cel_value w = cel_eval(rs->flags[i].when, &e->act, e->arena);
		if (w.kind != CEL_BOOL || !w.b)
			continue;
		buf_reset(b);
		rs_text_render(&rs->flags[i].reason, &e->act, e->arena, b);
		out->flags[out->n_flags].id = rs->flags[i].id;
		out->flags[out->n_flags++].reason = arena_str(e->arena, b->data ? b->data : "", b->len);
	}
}

/* The notes on provisional parameter values the decision used (Swedish: caseworkers read them). */
static void trace_notes(const struct rs_eval *e, struct ebba_buf *b)
{
	const struct ruleset *rs = e->rs;
	bool first = true;
	for (size_t i = 0; i < rs->n_params; i++) {
		int k = e->param_entry[i];
		if (k < 0 || !rs->params[i].v[k].provisional)
			continue;
		struct ebba_buf t = {0};
		buf_printf(&t, "Preliminärt värde: parametern %s från %s (%s)", rs->params[i].name,
			   rs->params[i].v[k].from, rs->params[i].v[k].source);
		if (!first)
			buf_putc(b, ',');
		json_str(b, t.data, t.len);
		buf_free(&t);
		first = false;
	}
}

/*
 * The same for people: one sentence per provisional value the decision used
 * (the value's `note`, "Riksnormen 2026 är preliminär"), each once, so that
 * a caseworker reads one line rather than a list of parameter names.
 */
static void trace_provisional(const struct rs_eval *e, struct ebba_buf *b)
{
	static const char GENERIC[] = "Ett belopp i regeluppsättningen är preliminärt";
	const struct ruleset *rs = e->rs;
	size_t n = 0;
	for (size_t i = 0; i < rs->n_params; i++) {
		int k = e->param_entry[i];
		if (k < 0 || !rs->params[i].v[k].provisional)
			continue;
		const char *note = rs->params[i].v[k].note ? rs->params[i].v[k].note : GENERIC;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			int kj = e->param_entry[j];
			seen = kj >= 0 && rs->params[j].v[kj].provisional &&
			       strcmp(rs->params[j].v[kj].note ? rs->params[j].v[kj].note : GENERIC, note) == 0;
		}
		if (seen)
			continue;
		if (n++)
			buf_putc(b, ',');
		json_str(b, note, strlen(note));
	}
}

/* The parameters the decision used, with the value in force and its source. */
/* A parameter value's entry in the trace, without the comma before it. */
static void param_trace(const struct rs_param *p, const struct rs_param_value *pv,
			struct ebba_buf *b)
{
	json_str(b, p->name, strlen(p->name));
	buf_printf(b, ":{\"from\":\"%s\",\"provisional\":%s,\"source\":", pv->from,
		   pv->provisional ? "true" : "false");
	json_str(b, pv->source, strlen(pv->source));
	buf_puts(b, ",\"value\":");
	json_value(b, pv->value, 0);
	buf_putc(b, '}');
}

void rs_trace_build(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n_params; i++) {
		for (size_t k = 0; k < rs->params[i].n; k++) {
			struct rs_param_value *pv = &rs->params[i].v[k];
			struct ebba_buf b = {0};
			param_trace(&rs->params[i], pv, &b);
			pv->trace = b.data;
			pv->trace_len = b.len;
		}
	}
}

/* The parameters in force that the decision used, each rendered at load. */
static void trace_params(const struct rs_eval *e, struct ebba_buf *b)
{
	const struct ruleset *rs = e->rs;
	bool first = true;
	for (size_t i = 0; i < rs->n_params; i++) {
		int k = e->param_entry[i];
		if (k == RS_PARAM_UNUSED)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		if (k < 0) {
			json_str(b, rs->params[i].name, strlen(rs->params[i].name));
			buf_puts(b, ":{\"error\":\"no value in force\"}");
			continue;
		}
		buf_append(b, rs->params[i].v[k].trace, rs->params[i].v[k].trace_len);
	}
}

/* The delegation an automatic outcome relied on, or null. */
static void trace_delegation(const struct rs_delegation *d, struct ebba_buf *b)
{
	if (!d) {
		buf_puts(b, "null");
		return;
	}
	buf_puts(b, "{\"label\":");
	json_str(b, d->label, strlen(d->label));
	buf_puts(b, ",\"body\":");
	json_str(b, d->body, strlen(d->body));
	buf_printf(b, ",\"decided\":\"%s\",\"reference\":", d->decided);
	json_str(b, d->reference, strlen(d->reference));
	buf_printf(b, ",\"valid_from\":\"%s\",\"valid_until\":\"%s\",\"example\":%s}",
		   d->valid_from, d->valid_until, d->example ? "true" : "false");
}

/* The stored trace: rule set, period, delegation, notes, parameters and derived facts used. */
static const char *trace_json(const struct rs_eval *e, const struct rs_delegation *dg,
			      struct ebba_buf *b)
{
	const struct ruleset *rs = e->rs;
	buf_reset(b);
	buf_puts(b, "{\"ruleset\":{\"name\":");
	json_str(b, rs->name, strlen(rs->name));
	buf_puts(b, ",\"version\":");
	json_str(b, rs->version, strlen(rs->version));
	buf_printf(b, ",\"sha256\":\"%s\"},\"period\":\"%.7s\",\"delegation\":", rs->sha256,
		   e->period_start);
	trace_delegation(dg, b);
	buf_puts(b, ",\"notes\":[");
	trace_notes(e, b);
	buf_puts(b, "],\"provisional\":[");
	trace_provisional(e, b);
	buf_puts(b, "],\"parameters\":{");
	trace_params(e, b);
	/* the calculation's lines (decide_lines), once: not again under derived */
	buf_puts(b, "},\"lines\":");
	if (rs->calc_lines >= 0 && e->derived_state[rs->calc_lines] == RS_DERIVED_DONE)
		json_value(b, e->derived[rs->calc_lines], 0);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"derived\":{");
	bool first = true;
	for (size_t i = 0; i < rs->n_derived; i++) {
		if (e->derived_state[i] != RS_DERIVED_DONE || (int)i == rs->calc_lines)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		json_str(b, rs->derived[i].name, strlen(rs->derived[i].name));
		buf_putc(b, ':');
		json_value(b, e->derived[i], 0);
	}
	buf_puts(b, "}}");
	return arena_str(e->arena, b->data, b->len);
}

static int decide(const struct ruleset *rs, const struct decision_inputs *in, bool allow_reject,
		  bool traced, struct cel_arena *arena, struct rule_decision *out, struct ebba_err *err)
{
	if (!rs || !in || !in->app || !arena || !out)
		return ebba_errf(err, "ruleset_decide: missing argument");
	memset(out, 0, sizeof(*out));
	struct rs_eval e;
	rs_eval_init(&e, rs, in, arena);
	/*
	 * Messages and the trace are built in the arena's text buffer (scratch
	 * space, §14.15): grown from nothing to the trace's 9 kB for every
	 * decision, a buffer of its own was reallocated six times a decision.
	 * Measure again: allocations per decision with BENCH_EBBAD_WRAP
	 * (contrib/bench/run.sh), or build/tests/rules_bench.
	 */
	struct ebba_buf *scratch = cel_arena_text(arena);
	struct ebba_buf b = *scratch;
	buf_reset(&b);
	size_t extra = 5;          /* calculation, notes and lines errors, amount-positive and delegation guards */
	out->checks = aalloc(arena, (rs->n_checks + extra) * sizeof(*out->checks));
	struct verdict vd = {false, false};
	for (size_t i = 0; i < rs->n_checks; i++)
		decide_check(&e, &rs->checks[i], allow_reject, &out->checks[out->n_checks++], &vd, &b);
	buf_reset(&b);
	bool calc_ok = decide_amount(&e, out, &b);
	if (!calc_ok) {
		add_result(out, "calculation", RULE_ERROR, arena, &b);
		vd.refer = true;
	}
	buf_reset(&b);
	if (!decide_notes(&e, out, &b)) {
		add_result(out, "calculation-notes", RULE_ERROR, arena, &b);
		vd.refer = true;
	}
	buf_reset(&b);
	/* (without an amount the lines have nothing to add up to: "calculation" says why) */
	if (calc_ok && !decide_lines(&e, out, &b)) {
		add_result(out, "calculation-lines", RULE_ERROR, arena, &b);
		vd.refer = true;
	}
	if (!vd.refer && !vd.reject && (!calc_ok || out->amount <= 0)) {
		/* ebba never approves without a positive amount, whatever the rules say */
		buf_reset(&b);
		buf_printf(&b, "Beräknat belopp %lld kr är inte positivt", (long long)out->amount);
		add_result(out, "ebba-amount-positive", RULE_FAIL, arena, &b);
		vd.refer = true;
	}
	/* ebba decides automatically only under a committee's delegation (rules_delegation.c) */
	const struct rs_delegation *dg = rs_delegation_for(
		rs, rs_eval_date(&e), vd.reject && !vd.refer ? RS_DELEG_REJECTED : RS_DELEG_APPROVED);
	if (!dg) {
		buf_reset(&b);
		buf_puts(&b, RULE_DELEGATION_MESSAGE);
		add_result(out, RULE_DELEGATION_CHECK, RULE_FAIL, arena, &b);
		vd.refer = true;
	}
	if (vd.refer)
		dg = NULL;
	out->delegation = dg ? dg->label : NULL;
	out->outcome = outcome_name(vd.refer ? OUTCOME_REFERRED : vd.reject ? OUTCOME_REJECTED : OUTCOME_APPROVED);
	out->sample_rate = rs->sample[vd.refer ? 1 : vd.reject ? 2 : 0];
	decide_flags(&e, out, &b);
	enum outcome po = OUTCOME_REFERRED;
	if (in->person_letter && outcome_parse(in->person_letter, &po)) {
		/* a person's decision run again: the head of its letter (decide/verdict.c adds the rest);
		 * a person's approval has the approval's head without ebba's paragraphs */
		const struct rs_text *t = po == OUTCOME_PARTLY_APPROVED ? (rs->has_person_letter[0] ? &rs->person_letter[0] : NULL)
					: po == OUTCOME_REJECTED ? (rs->has_person_letter[1] ? &rs->person_letter[1] : NULL)
					: rs->has_letter ? &rs->letter : NULL;
		if (t) {
			buf_reset(&b);
			rs_text_render(t, &e.act, e.arena, &b);
			out->letter = arena_str(arena, b.data ? b.data : "", b.len);
		}
	} else if (!vd.refer && !vd.reject && rs->has_letter) {
		buf_reset(&b);
		rs_letter_render(&e, out, &b);
		out->letter = arena_str(arena, b.data ? b.data : "", b.len);
	}
	else if (vd.refer)
		rs_auto_request(&e, out, &b);   /* cheap: returns at once unless every failure is complete */
	out->trace_json = traced ? trace_json(&e, dg, &b) : "";
	*scratch = b;
	return 0;
}

int ruleset_decide(const struct ruleset *rs, const struct decision_inputs *in, bool allow_reject,
		   struct cel_arena *arena, struct rule_decision *out, struct ebba_err *err)
{
	return decide(rs, in, allow_reject, true, arena, out, err);
}

int ruleset_decide_untraced(const struct ruleset *rs, const struct decision_inputs *in,
			    bool allow_reject, struct cel_arena *arena, struct rule_decision *out,
			    struct ebba_err *err)
{
	return decide(rs, in, allow_reject, false, arena, out, err);
}
