/*
 * A person's decision on a referral, line by line (include/ebba/decide/verdict.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/decide/verdict.h"

void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
}

void verdict_free(struct verdict *v)
{
	for (size_t i = 0; i < v->n_lines; i++) {
		free(v->lines[i].name);
		free(v->lines[i].reason);
	}
	free(v->reason);
	free(v->note);
	verdict_init(v);
}

static int parse_amount(const char *s, size_t len, int64_t *out)
{
	char buf[24];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	long long n = strtoll(buf, &end, 10);
	if (errno || *end || n < 0 || n > 99999999)
		return -1;
	*out = n;
	return 0;
}

static const char *const KIND_OPTION[] = {
	[VERDICT_COST] = "--cost", [VERDICT_CHECK] = "--check", [VERDICT_INCOME] = "--income"};

int verdict_add(struct verdict *v, enum verdict_kind kind, const char *arg, struct ebba_err *err)
{
	const char *what = KIND_OPTION[kind];
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return ebba_errf(err, "%s %.60s: write NAME=%s", what, arg,
				 kind == VERDICT_CHECK ? "accept|reject[:REASON]" : "AMOUNT[:REASON]");
	if (v->n_lines == VERDICT_MAX_LINES)
		return ebba_errf(err, "more than %d lines", VERDICT_MAX_LINES);
	const char *colon = strchr(eq + 1, ':');
	size_t vlen = colon ? (size_t)(colon - eq - 1) : strlen(eq + 1);
	struct verdict_line l = {.kind = kind};
	if (kind != VERDICT_CHECK) {
		if (parse_amount(eq + 1, vlen, &l.amount) != 0)
			return ebba_errf(err, "%s %.60s: the amount is whole kronor, 0 to 99999999", what, arg);
	} else if (vlen == 6 && strncmp(eq + 1, "reject", 6) == 0) {
		l.reject = true;
	} else if (!(vlen == 6 && strncmp(eq + 1, "accept", 6) == 0)) {
		return ebba_errf(err, "%s %.60s: accept or reject", what, arg);
	}
	for (size_t i = 0; i < v->n_lines; i++)
		if (v->lines[i].kind == kind && strlen(v->lines[i].name) == (size_t)(eq - arg) &&
		    strncmp(v->lines[i].name, arg, (size_t)(eq - arg)) == 0)
			return ebba_errf(err, "%s %.*s is given twice", what, (int)(eq - arg), arg);
	l.name = xstrndup(arg, (size_t)(eq - arg));
	l.reason = colon && colon[1] ? xstrdup(colon + 1) : NULL;
	v->lines[v->n_lines++] = l;
	return 0;
}

static int known_reason(const struct ruleset *rs, const char *id, struct ebba_err *err)
{
	struct ruleset_reason_view r;
	if (!ruleset_reason_by_id(rs, id, NULL, &r))
		return ebba_errf(err, "no reason '%.60s' in the rule set's catalogue (ebbactl rules reasons lists them)", id);
	return 0;
}

/* An income line: a type the application declares; counting more than
 * was declared goes against the applicant and needs a reason. */
static int check_income(struct verdict_line *l, const struct application *app, struct ebba_err *err)
{
	int t = income_type_from_name(l->name);
	if (t < 0)
		return ebba_errf(err, "--income %.40s: no such income type", l->name);
	l->applied = -1;
	for (size_t k = 0; k < app->n_incomes; k++)
		if (app->incomes[k].type == (enum income_type)t)
			l->applied = (l->applied < 0 ? 0 : l->applied) + app->incomes[k].amount;
	if (l->applied < 0)
		return ebba_errf(err, "--income %s: the application declares no such income", l->name);
	if (l->amount > l->applied && !l->reason)
		return ebba_errf(err, "--income %s: counting more than was declared (%lld kr) needs a reason"
				 " (TYPE=AMOUNT:REASON)", l->name, (long long)l->applied);
	return 0;
}

int verdict_check(struct verdict *v, const struct application *app, const struct ruleset *rs,
		  struct ebba_err *err)
{
	for (int s = 0; s < SENTENCE_COUNT; s++)
		if (!ruleset_sentence(rs, (enum ruleset_sentence)s, NULL))
			return ebba_errf(err, "the rule set has no sentence '%s' for a person's letter (reasons.yaml, sentences)",
					 ruleset_sentence_name((enum ruleset_sentence)s));
	if (v->reason && known_reason(rs, v->reason, err) != 0)
		return -1;
	for (size_t i = 0; i < v->n_lines; i++) {
		struct verdict_line *l = &v->lines[i];
		if (l->reason && known_reason(rs, l->reason, err) != 0)
			return -1;
		if (l->kind == VERDICT_CHECK) {
			if (l->reject && !l->reason)
				return ebba_errf(err, "--check %s=reject needs a reason (ID=reject:REASON)", l->name);
			continue;
		}
		if (l->kind == VERDICT_INCOME) {
			if (check_income(l, app, err) != 0)
				return -1;
			continue;
		}
		int t = cost_type_from_name(l->name);
		if (t < 0)
			return ebba_errf(err, "--cost %.40s: no such cost type", l->name);
		l->applied = -1;
		for (size_t k = 0; k < app->n_costs; k++)
			if (app->costs[k].type == (enum cost_type)t)
				l->applied = (l->applied < 0 ? 0 : l->applied) + app->costs[k].amount;
		if (l->applied < 0)
			return ebba_errf(err, "--cost %s: the application has no such cost", l->name);
		if (l->amount > l->applied)
			return ebba_errf(err, "--cost %s: %lld kr is more than the %lld kr applied for", l->name,
					 (long long)l->amount, (long long)l->applied);
		if (l->amount < l->applied && !l->reason)
			return ebba_errf(err, "--cost %s: accepting less than applied for (%lld kr) needs a reason"
					 " (TYPE=AMOUNT:REASON)", l->name, (long long)l->applied);
	}
	return 0;
}

/* A cost accepted below what was applied for, or an income counted above
 * what was declared: part of what the application asks is refused. */
static bool refuses_part(const struct verdict_line *l)
{
	return (l->kind == VERDICT_COST && l->amount < l->applied) ||
	       (l->kind == VERDICT_INCOME && l->amount > l->applied);
}

enum outcome verdict_intended(const struct verdict *v)
{
	bool rejected = v->reason != NULL, partly = false;
	for (size_t i = 0; i < v->n_lines; i++) {
		rejected |= v->lines[i].kind == VERDICT_CHECK && v->lines[i].reject;
		partly |= refuses_part(&v->lines[i]);
	}
	return rejected ? OUTCOME_REJECTED : partly ? OUTCOME_PARTLY_APPROVED : OUTCOME_APPROVED;
}

void verdict_apply_frame(const struct verdict *v, struct case_frame *frame)
{
	for (size_t i = 0; i < v->n_lines; i++) {
		const struct verdict_line *l = &v->lines[i];
		int t = l->kind == VERDICT_COST ? cost_type_from_name(l->name) : -1;
		if (t < 0)
			continue;
		frame->cost_approved[t] = true;
		frame->approved_costs[t] = l->amount;
	}
}

void verdict_apply_incomes(const struct verdict *v, struct application *app, bool *as_declared)
{
	for (size_t i = 0; i < v->n_lines; i++) {
		const struct verdict_line *l = &v->lines[i];
		int t = l->kind == VERDICT_INCOME ? income_type_from_name(l->name) : -1;
		if (t < 0)
			continue;
		as_declared[t] = true;
		bool first = true;
		for (size_t k = 0; k < app->n_incomes; k++) {
			if (app->incomes[k].type != (enum income_type)t)
				continue;
			app->incomes[k].amount = first ? l->amount : 0;
			first = false;
		}
	}
}

static const struct verdict_line *check_line(const struct verdict *v, const char *id)
{
	for (size_t i = 0; i < v->n_lines; i++)
		if (v->lines[i].kind == VERDICT_CHECK && strcmp(v->lines[i].name, id) == 0)
			return &v->lines[i];
	return NULL;
}

/* A cost or income line whose reason the catalogue gives for check id. */
static bool decided_by_cost(const struct verdict *v, const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < v->n_lines; i++) {
		struct ruleset_reason_view r;
		if (v->lines[i].kind == VERDICT_CHECK || !v->lines[i].reason ||
		    !ruleset_reason_by_id(rs, v->lines[i].reason, NULL, &r))
			continue;
		for (size_t k = 0; k < r.n_checks; k++)
			if (strcmp(r.checks[k], id) == 0)
				return true;
	}
	return false;
}

/* A failed check a person has to decide: ebba's own guards on automatic
 * decisions do not apply when a person decides. */
static bool to_decide(const struct decision_check *c)
{
	if (c->result != RULE_FAIL && c->result != RULE_ERROR)
		return false;
	return strcmp(c->id, RULE_DELEGATION_CHECK) != 0 && !str_starts_with(c->id, "ebba-");
}

void verdict_accept_open(struct verdict *v, const struct ruleset *rs, const struct decision *d)
{
	for (size_t k = 0; k < d->n_checks && v->n_lines < VERDICT_MAX_LINES; k++) {
		const struct decision_check *c = &d->checks[k];
		if (!to_decide(c) || check_line(v, c->id) || decided_by_cost(v, rs, c->id))
			continue;
		v->lines[v->n_lines++] = (struct verdict_line){.kind = VERDICT_CHECK, .name = xstrdup(c->id)};
	}
}

int verdict_outcome(const struct verdict *v, const struct ruleset *rs, const struct decision *d,
		    enum outcome *out, struct ebba_err *err)
{
	bool rejected = v->reason != NULL, partly = false;
	for (size_t i = 0; i < v->n_lines; i++) {
		rejected |= v->lines[i].kind == VERDICT_CHECK && v->lines[i].reject;
		partly |= refuses_part(&v->lines[i]);
	}
	if (!rejected)
		for (size_t k = 0; k < d->n_checks; k++) {
			const struct decision_check *c = &d->checks[k];
			if (to_decide(c) && !check_line(v, c->id) && !decided_by_cost(v, rs, c->id))
				return ebba_errf(err, "check %s fails and no line decides it: give --check %s=accept|reject:REASON",
						 c->id, c->id);
		}
	if (!rejected && (!d->has_amount || d->amount <= 0))
		return ebba_errf(err, "the lines leave no amount to grant (%lld kr): reject with --reason",
				 (long long)(d->has_amount ? d->amount : 0));
	*out = rejected ? OUTCOME_REJECTED : partly ? OUTCOME_PARTLY_APPROVED : OUTCOME_APPROVED;
	return 0;
}

static const char *const VERDICT_KIND_NAME[VERDICT_KIND_COUNT] = {
	[VERDICT_COST] = "cost", [VERDICT_CHECK] = "check", [VERDICT_INCOME] = "income",
};

const char *verdict_kind_name(enum verdict_kind kind)
{
	return VERDICT_KIND_NAME[kind];
}

bool verdict_kind_parse(const char *name, enum verdict_kind *out)
{
	for (int k = 0; name && k < VERDICT_KIND_COUNT; k++)
		if (strcmp(name, VERDICT_KIND_NAME[k]) == 0) {
			*out = (enum verdict_kind)k;
			return true;
		}
	return false;
}

char *verdict_findings_json(const struct verdict *v, const char *referring_sha256,
			    const char *ruleset_sha256)
{
	json_t *lines = json_array();
	for (size_t i = 0; i < v->n_lines; i++) {
		const struct verdict_line *l = &v->lines[i];
		json_t *o = l->kind == VERDICT_INCOME
			? json_pack("{s:s,s:s,s:I,s:I}", "kind", verdict_kind_name(l->kind), "type", l->name,
				    "counted", (json_int_t)l->amount, "declared", (json_int_t)l->applied)
			: l->kind == VERDICT_COST
			? json_pack("{s:s,s:s,s:I,s:I}", "kind", verdict_kind_name(l->kind), "type", l->name,
				    "accepted", (json_int_t)l->amount, "applied", (json_int_t)l->applied)
			: json_pack("{s:s,s:s,s:s}", "kind", verdict_kind_name(l->kind), "check", l->name,
				    "verdict", l->reject ? "reject" : "accept");
		json_object_set_new(o, "reason", l->reason ? json_string(l->reason) : json_null());
		json_array_append_new(lines, o);
	}
	json_t *j = json_pack("{s:o,s:o,s:s,s:s,s:b}", "lines", lines, "reason",
			      v->reason ? json_string(v->reason) : json_null(), "referring_ruleset_sha256",
			      referring_sha256, "ruleset_sha256", ruleset_sha256, "ruleset_differs",
			      strcmp(referring_sha256, ruleset_sha256) != 0);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return s;
}

/* ---- the letter ---------------------------------------------------------- */

static const char *const COST_SV[COST_TYPE_COUNT] = {
	[COST_RENT] = "Hyra", [COST_ELECTRICITY] = "Hushållsel", [COST_HOME_INSURANCE] = "Hemförsäkring",
	[COST_UNION_FEE] = "Fackavgift", [COST_UNEMPLOYMENT_INSURANCE_FEE] = "Avgift till a-kassa",
	[COST_WORK_TRAVEL] = "Resor till och från arbetet", [COST_CHILDCARE] = "Barnomsorg",
	[COST_MEDICAL] = "Läkarvård", [COST_MEDICINE] = "Medicin",
	[COST_DENTAL_EMERGENCY] = "Akut tandvård", [COST_OTHER] = "Annan kostnad",
};

static const char *const INCOME_SV[INCOME_TYPE_COUNT] = {
	[INCOME_SALARY] = "Lön", [INCOME_UNEMPLOYMENT_BENEFIT] = "Ersättning från a-kassan",
	[INCOME_ACTIVITY_SUPPORT] = "Aktivitetsstöd", [INCOME_SICKNESS_BENEFIT] = "Sjukpenning",
	[INCOME_PARENTAL_BENEFIT] = "Föräldrapenning", [INCOME_HOUSING_ALLOWANCE] = "Bostadsbidrag",
	[INCOME_CHILD_ALLOWANCE] = "Barnbidrag", [INCOME_MAINTENANCE_SUPPORT] = "Underhållsstöd",
	[INCOME_STUDENT_AID] = "Studiemedel", [INCOME_PENSION] = "Pension",
	[INCOME_ESTABLISHMENT_BENEFIT] = "Etableringsersättning",
	[INCOME_ACTIVITY_COMPENSATION] = "Aktivitetsersättning", [INCOME_OTHER] = "Annan inkomst",
};

static const char *cost_sv(const char *name)
{
	int t = cost_type_from_name(name);
	return t < 0 ? name : COST_SV[t];
}

static const char *income_sv(const char *name)
{
	int t = income_type_from_name(name);
	return t < 0 ? name : INCOME_SV[t];
}

/* 9000 as "9 000", as Swedes write it (a plain space: the PDF's font has it). */
static void kr(int64_t v, char out[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? -v : v));
	size_t o = 0;
	if (v < 0)
		o += (size_t)snprintf(out, 32, "−");
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ' ';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

static void reason_sentence(const struct ruleset *rs, const char *id, const char *date,
			    struct ebba_buf *out)
{
	struct ruleset_reason_view r;
	if (!id || !ruleset_reason_by_id(rs, id, date, &r))
		return;
	buf_printf(out, " %s", r.text);
	if (r.provision)
		buf_printf(out, " (%s)", r.provision);
}

static const char *check_message(const struct decision *d, const char *id)
{
	for (size_t k = 0; k < d->n_checks; k++)
		if (strcmp(d->checks[k].id, id) == 0 && d->checks[k].message && *d->checks[k].message)
			return d->checks[k].message;
	return NULL;
}

static void letter_decision(const struct verdict *v, const struct decision *d, enum outcome o,
			    const char *period, struct ebba_buf *out)
{
	char a[32];
	buf_puts(out, "## Beslut\n");
	if (o == OUTCOME_REJECTED) {
		buf_printf(out, "Socialnämnden avslår din ansökan om försörjningsstöd för %s.\n", period);
		return;
	}
	kr(d->amount, a);
	buf_printf(out, "Socialnämnden beviljar dig försörjningsstöd med %s kr för %s.\n", a, period);
	(void)v;
}

/*
 * The rule set's sentence s in force on date, its {placeholders} filled
 * from kv (name, value, ..., NULL); the loader let no other placeholder
 * in.  Nothing when the set has no such sentence (verdict_check refuses a
 * person's decision under such a set).
 */
static void sentence(const struct ruleset *rs, enum ruleset_sentence s, const char *date,
		     const char *const *kv, struct ebba_buf *out)
{
	const char *t = ruleset_sentence(rs, s, date);
	for (const char *p = t; p && *p; p++) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		if (!end) {
			buf_putc(out, *p);
			continue;
		}
		for (size_t k = 0; kv[k]; k += 2)
			if (strlen(kv[k]) == (size_t)(end - p - 1) && strncmp(kv[k], p + 1, (size_t)(end - p - 1)) == 0)
				buf_puts(out, kv[k + 1]);
		p = end;
	}
}

/* "hyra" of "Hyra", for the middle of a sentence (the names begin with A-Z). */
static void lower_first(const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s", name);
	if (out[0] >= 'A' && out[0] <= 'Z')
		out[0] = (char)(out[0] - 'A' + 'a');
}

/* The refused part of each cost accepted below what was applied for
 * (sentence cost-refused: "Din ansökan avslås till den del den gäller hyra
 * över 6 000 kr i månaden."). */
static void letter_refusals(const struct verdict *v, const struct ruleset *rs, const char *date,
			    struct ebba_buf *out)
{
	for (size_t i = 0; i < v->n_lines; i++) {
		const struct verdict_line *l = &v->lines[i];
		if (l->kind != VERDICT_COST || l->amount >= l->applied)
			continue;
		char acc[32], name[64];
		kr(l->amount, acc);
		lower_first(cost_sv(l->name), name, sizeof(name));
		sentence(rs, SENTENCE_COST_REFUSED, date, (const char *const[]){"kostnad", name, "godtas", acc, NULL}, out);
		buf_putc(out, '\n');
	}
}

static void letter_calculation(const struct verdict *v, const struct decision *d, struct ebba_buf *out)
{
	char n[32], c[32], i[32], a[32];
	kr(d->norm, n);
	kr(d->costs, c);
	kr(d->incomes, i);
	kr(d->amount, a);
	buf_puts(out, "\n## Så har beloppet beräknats\n");
	buf_printf(out, "  Norm (riksnormen för hushållet):  %s kr\n", n);
	for (size_t k = 0; k < v->n_lines; k++) {
		const struct verdict_line *l = &v->lines[k];
		if (l->kind != VERDICT_COST || l->amount >= l->applied)
			continue;
		char acc[32], app[32];
		kr(l->amount, acc);
		kr(l->applied, app);
		buf_printf(out, "  %s (du har ansökt om %s kr):  %s kr\n", cost_sv(l->name), app, acc);
	}
	buf_printf(out, "  + Godtagna kostnader:  %s kr\n", c);
	buf_printf(out, "  - Inkomster:  %s kr\n", i);
	buf_printf(out, "  = Beviljat belopp:  %s kr\n", a);
}

static void reasons_text(const struct verdict *v, const struct ruleset *rs, const struct decision *d,
			 const char *date, struct ebba_buf *out);

/* The person's reasons, under the heading "Skäl för beslutet": the head's
 * own when it ends with that section (an approval's), else a new one;
 * nothing when there is nothing to say. */
static void letter_reasons(const struct verdict *v, const struct ruleset *rs, const struct decision *d,
			   const char *date, struct ebba_buf *out)
{
	static const char HEADING[] = "\n## Skäl för beslutet\n";
	struct ebba_buf r = {0};
	reasons_text(v, rs, d, date, &r);
	const char *last = NULL;
	for (const char *p = out->data ? strstr(out->data, "\n## ") : NULL; p; p = strstr(p + 1, "\n## "))
		last = p;
	if (r.len && !(last && strncmp(last, HEADING, sizeof(HEADING) - 1) == 0))
		buf_puts(out, HEADING);
	if (r.len)
		buf_puts(out, r.data);
	buf_free(&r);
}

static void reasons_text(const struct verdict *v, const struct ruleset *rs, const struct decision *d,
			 const char *date, struct ebba_buf *out)
{
	letter_refusals(v, rs, date, out);
	for (size_t k = 0; k < v->n_lines; k++) {
		const struct verdict_line *l = &v->lines[k];
		if (l->kind == VERDICT_COST && l->amount < l->applied) {
			char acc[32], app[32];
			kr(l->amount, acc);
			kr(l->applied, app);
			sentence(rs, SENTENCE_COST_ACCEPTED, date,
				 (const char *const[]){"Kostnad", cost_sv(l->name), "godtas", acc, "sokt", app, NULL}, out);
			reason_sentence(rs, l->reason, date, out);
			buf_putc(out, '\n');
		} else if (l->kind == VERDICT_INCOME) {
			char cnt[32], dec[32];
			kr(l->amount, cnt);
			kr(l->applied, dec);
			sentence(rs, SENTENCE_INCOME_COUNTED, date,
				 (const char *const[]){"Inkomst", income_sv(l->name), "raknas", cnt, "uppgett", dec, NULL}, out);
			reason_sentence(rs, l->reason, date, out);
			buf_putc(out, '\n');
		} else if (l->kind == VERDICT_CHECK && l->reject) {
			const char *m = check_message(d, l->name);
			if (m)
				buf_printf(out, "%s.", m);
			reason_sentence(rs, l->reason, date, out);
			buf_putc(out, '\n');
		}
	}
	if (v->reason) {
		sentence(rs, SENTENCE_WHOLE_REJECTED, date, (const char *const[]){NULL}, out);
		reason_sentence(rs, v->reason, date, out);
		buf_putc(out, '\n');
	}
	if (v->note && *v->note) {
		sentence(rs, SENTENCE_NOTE, date, (const char *const[]){"bedomning", v->note, NULL}, out);
		buf_putc(out, '\n');
	}
}

void verdict_letter(const struct verdict *v, const struct ruleset *rs, const struct application *app,
		    const struct decision *d, enum outcome o, const struct verdict_person *who,
		    const char *date, struct ebba_buf *out)
{
	if (d->letter && *d->letter) {
		/* the rule set's head (letters.partly_approved, letters.rejected) */
		buf_puts(out, d->letter);
		while (out->len && out->data[out->len - 1] == '\n')
			out->data[--out->len] = '\0';
		buf_putc(out, '\n');
	} else {
		buf_puts(out, "# Beslut om ekonomiskt bistånd (försörjningsstöd)\n\n");
		buf_printf(out, "Ärende: %s\nAnsökan: %s\nPeriod: %s\nBeslutsdatum: %s\n\n", app->case_id,
			   app->id, app->period, date);
		letter_decision(v, d, o, app->period, out);
		if (o != OUTCOME_REJECTED)
			letter_calculation(v, d, out);
	}
	letter_reasons(v, rs, d, date, out);
	buf_puts(out, "\n## Vem har beslutat\n");
	if (who->title && *who->title)
		sentence(rs, SENTENCE_DECIDED_BY, date, (const char *const[]){"namn", who->name, "titel", who->title, NULL}, out);
	else
		sentence(rs, SENTENCE_DECIDED_BY_UNTITLED, date, (const char *const[]){"namn", who->name, NULL}, out);
	buf_putc(out, '\n');
	const char *appeal = ruleset_appeal(rs, date);
	if (o != OUTCOME_APPROVED && appeal)
		buf_printf(out, "\n## Om du vill överklaga\n%s\n", appeal);
}
