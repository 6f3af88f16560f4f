/*
 * Loading a rule set (docs/rules.md): read every *.yaml file of the
 * directory, check the structure of each section, collect the names
 * (parameters, derived facts, calculation), compile every expression
 * against them, find cycles among derived facts, check parameter coverage
 * and try every expression on a sample household.  Every problem is
 * reported with file:line:column; nothing is returned unless all is well.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/cel/cel.h"
#include "rules_impl.h"

const char *const RS_CALC_NAMES[RS_CALC_COUNT] = {"calc.norm", "calc.costs", "calc.incomes",
						  "calc.amount"};

static const char *const TOP_KEYS[] = {"ruleset", "parameters", "derived", "checks",
				       "calculation", "audit", "letters", NULL};
static const char *const RULESET_KEYS[] = {"name", "version", "valid_from", "description", NULL};
static const char *const PVALUE_KEYS[] = {"from", "value", "source", "provisional", "note", NULL};
static const char *const DERIVED_KEYS[] = {"expr", "description", NULL};
static const char *const CHECK_KEYS[] = {"id", "group", "description", "when", "expr", "outcome",
					 "message", NULL};
static const char *const CALC_KEYS[] = {"norm", "costs", "incomes", "amount", "description", NULL};
static const char *const AUDIT_KEYS[] = {"sample", "flags", NULL};
static const char *const SAMPLE_KEYS[] = {"approved", "referred", "rejected", NULL};
static const char *const FLAG_KEYS[] = {"id", "when", "reason", "description", NULL};
static const char *const LETTER_KEYS[] = {"approved", NULL};
static const char *const RESERVED[] = {"params", "calc", "true", "false", "null", "in", "int",
				       "uint", "double", "bool", "string", "bytes", "list", "map",
				       "type", "dyn", "has", "size", NULL};

const char *rule_result_name(enum rule_result r)
{
	switch (r) {
	case RULE_PASS: return "pass";
	case RULE_FAIL: return "fail";
	case RULE_SKIP: return "skip";
	case RULE_ERROR: return "error";
	}
	return "?";
}

/* ------------------------------------------------------------- name table */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void names_add(struct ruleset *rs, const char *name, enum rs_name_kind kind, size_t index)
{
	size_t mask = rs->names_cap - 1;
	for (size_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
		if (!rs->names[i].name) {
			rs->names[i] = (struct rs_name){name, kind, index};
			return;
		}
		if (strcmp(rs->names[i].name, name) == 0)
			return;
	}
}

const struct rs_name *rs_lookup(const struct ruleset *rs, const char *name)
{
	if (!rs->names_cap)
		return NULL;
	size_t mask = rs->names_cap - 1;
	for (size_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
		if (!rs->names[i].name)
			return NULL;
		if (strcmp(rs->names[i].name, name) == 0)
			return &rs->names[i];
	}
}

/* ------------------------------------------------------------- load state */

struct pending {
	struct cel_program **slot;
	struct rs_file *f;
	yaml_node_t *node;
	size_t offset;          /* of src within the scalar */
	char *src;
	const char *what;       /* "check 'x'" ... for the dry run */
	bool want_bool;
	int derived;            /* index of the derived fact it defines, or -1 */
};

struct loader {
	struct ruleset *rs;
	struct rs_diags d;
	struct rs_file *files;
	size_t n_files;
	struct pending *pend;
	size_t n_pend, cap_pend;
	char **pnames;          /* "params.x" strings, owned by rs->param names */
	/* where things were defined, for duplicate messages */
	yaml_node_t **param_node;
	struct rs_file **param_file;
	yaml_node_t *ruleset_node;
	struct rs_file *ruleset_file;
	yaml_node_t *calc_node[RS_CALC_COUNT];
	struct rs_file *calc_file[RS_CALC_COUNT];
	bool have_calc, have_audit_sample, have_letters;
};

#define DIAG(L, f, n, ...) rs_diag(&(L)->d, false, (f)->name, rs_line(n), rs_col(n), __VA_ARGS__)

static void add_pending(struct loader *L, struct cel_program **slot, struct rs_file *f,
			yaml_node_t *node, size_t offset, const char *src, size_t len,
			const char *what, bool want_bool, int derived)
{
	if (L->n_pend == L->cap_pend) {
		L->cap_pend = L->cap_pend ? L->cap_pend * 2 : 64;
		L->pend = xrealloc(L->pend, L->cap_pend * sizeof(*L->pend));
	}
	L->pend[L->n_pend++] = (struct pending){slot, f, node, offset, xstrndup(src, len),
						 what, want_bool, derived};
}

/* A non-empty scalar or an error. */
static const char *need_scalar(struct loader *L, struct rs_file *f, yaml_node_t *parent,
			       yaml_node_t *n, const char *key, const char *what)
{
	if (!n) {
		DIAG(L, f, parent, "%s has no '%s'", what, key);
		return NULL;
	}
	if (!rs_is_scalar(n) || n->data.scalar.length == 0) {
		DIAG(L, f, n, "'%s' of %s must be a single value, not %s", key, what,
		     rs_node_kind(n));
		return NULL;
	}
	return rs_scalar(n);
}

static bool valid_ident(const char *s, bool dash)
{
	if (!s || !*s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      (dash && *p == '-')))
			return false;
	return true;
}

/* Splits a {{ }} text into segments; expressions become pending programs. */
static void parse_text(struct loader *L, struct rs_file *f, yaml_node_t *n, struct rs_text *t,
		       const char *what)
{
	const char *s = rs_scalar(n);
	size_t len = n->data.scalar.length;
	/* sized once: pending programs point into segs */
	size_t cap = 2;
	for (const char *q = strstr(s, "{{"); q; q = strstr(q + 2, "{{"))
		cap += 2;
	t->segs = xcalloc(cap, sizeof(*t->segs));
	t->n = 0;
	t->file = xstrdup(f->name);
	size_t i = 0;
	while (i <= len) {
		const char *open = i < len ? strstr(s + i, "{{") : NULL;
		size_t end = open ? (size_t)(open - s) : len;
		if (end > i)
			t->segs[t->n++] = (struct rs_seg){xstrndup(s + i, end - i), NULL, NULL, 0, 0};
		if (!open)
			break;
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			unsigned line, col;
			rs_scalar_pos(f, n, end, &line, &col);
			rs_diag(&L->d, false, f->name, line, col,
				"'{{' in %s is not closed with '}}'", what);
			break;
		}
		size_t a = end + 2, b = (size_t)(close - s);
		while (a < b && (s[a] == ' ' || s[a] == '\n'))
			a++;
		size_t bb = b;
		while (bb > a && (s[bb - 1] == ' ' || s[bb - 1] == '\n'))
			bb--;
		if (bb == a) {
			unsigned line, col;
			rs_scalar_pos(f, n, end, &line, &col);
			rs_diag(&L->d, false, f->name, line, col, "empty '{{ }}' in %s", what);
		} else {
			unsigned line, col;
			rs_scalar_pos(f, n, a, &line, &col);
			t->segs[t->n] = (struct rs_seg){NULL, NULL, t->file, line, col};
			add_pending(L, &t->segs[t->n].prog, f, n, a, s + a, bb - a, what, false, -1);
			t->n++;
		}
		i = b + 2;
	}
}

static void text_free(struct rs_text *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->segs[i].lit);
		cel_program_free(t->segs[i].prog);
	}
	free(t->segs);
	free(t->file);
	t->file = NULL;
	t->segs = NULL;
	t->n = 0;
}

/* ------------------------------------------------------------- sections */

static void load_ruleset(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'ruleset' must be a mapping with name and version, not %s",
		     rs_node_kind(n));
		return;
	}
	if (L->ruleset_node) {
		DIAG(L, f, n, "'ruleset' is given twice (also in %s line %u)", L->ruleset_file->name,
		     rs_line(L->ruleset_node));
		return;
	}
	L->ruleset_node = n;
	L->ruleset_file = f;
	rs_check_keys(f, n, RULESET_KEYS, "ruleset", &L->d);
	const char *name = need_scalar(L, f, n, rs_map_get(f, n, "name"), "name", "ruleset");
	const char *ver = need_scalar(L, f, n, rs_map_get(f, n, "version"), "version", "ruleset");
	rs->name = xstrdup(name ? name : "?");
	rs->version = xstrdup(ver ? ver : "?");
	yaml_node_t *vf = rs_map_get(f, n, "valid_from");
	if (vf) {
		const char *s = rs_scalar(vf);
		char tmp[16];
		snprintf(tmp, sizeof(tmp), "%s-01", s ? s : "");
		if (!s || strlen(s) != 7 || !date_is_iso(tmp))
			DIAG(L, f, vf, "valid_from must be a month written YYYY-MM, not '%s'",
			     s ? s : "?");
		else
			rs->valid_from = xstrdup(s);
	}
}

static int pv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rs_param_value *)a)->from,
		      ((const struct rs_param_value *)b)->from);
}

static void load_param(struct loader *L, struct rs_file *f, yaml_node_t *kn, yaml_node_t *vn)
{
	struct ruleset *rs = L->rs;
	const char *name = rs_scalar(kn);
	if (!valid_ident(name, false)) {
		DIAG(L, f, kn,
		     "parameter name '%s' must be lower-case letters, digits and '_', starting with a letter",
		     name ? name : "?");
		return;
	}
	for (size_t i = 0; i < rs->n_params; i++)
		if (strcmp(rs->params[i].name, name) == 0) {
			DIAG(L, f, kn, "parameter '%s' is defined twice (also in %s line %u)", name,
			     L->param_file[i]->name, rs_line(L->param_node[i]));
			return;
		}
	if (vn->type != YAML_SEQUENCE_NODE || vn->data.sequence.items.top == vn->data.sequence.items.start) {
		DIAG(L, f, vn,
		     "parameter '%s' must be a list of dated values (- from: YYYY-MM-DD, value: ..., source: ...), not %s",
		     name, rs_node_kind(vn));
		return;
	}
	rs->params = xrealloc(rs->params, (rs->n_params + 1) * sizeof(*rs->params));
	L->param_node = xrealloc(L->param_node, (rs->n_params + 1) * sizeof(*L->param_node));
	L->param_file = xrealloc(L->param_file, (rs->n_params + 1) * sizeof(*L->param_file));
	struct rs_param *p = &rs->params[rs->n_params];
	L->param_node[rs->n_params] = kn;
	L->param_file[rs->n_params] = f;
	rs->n_params++;
	p->name = xstrdup(name);
	size_t cap = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
	p->v = xcalloc(cap, sizeof(*p->v));
	p->n = 0;
	yaml_node_t *first_value = NULL;
	for (yaml_node_item_t *it = vn->data.sequence.items.start; it < vn->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = rs_node(f, *it);
		if (e->type != YAML_MAPPING_NODE) {
			DIAG(L, f, e, "a value of parameter '%s' must be a mapping with from, value and source, not %s",
			     name, rs_node_kind(e));
			continue;
		}
		char what[200];
		snprintf(what, sizeof(what), "a value of parameter '%s'", name);
		rs_check_keys(f, e, PVALUE_KEYS, what, &L->d);
		yaml_node_t *fromn = rs_map_get(f, e, "from");
		yaml_node_t *valn = rs_map_get(f, e, "value");
		yaml_node_t *srcn = rs_map_get(f, e, "source");
		yaml_node_t *provn = rs_map_get(f, e, "provisional");
		const char *from = need_scalar(L, f, e, fromn, "from", what);
		bool bad = !from;
		if (from && !date_is_iso(from)) {
			DIAG(L, f, fromn, "'from' of parameter '%s' must be a date YYYY-MM-DD, not '%s'",
			     name, from);
			bad = true;
		}
		if (!valn) {
			DIAG(L, f, e, "%s has no 'value'", what);
			bad = true;
		}
		const char *src = need_scalar(L, f, e, srcn, "source", what);
		if (!src)
			bad = true;
		bool prov = false;
		if (provn) {
			const char *ps = rs_scalar(provn);
			if (!rs_is_plain(provn) || (strcmp(ps, "true") != 0 && strcmp(ps, "false") != 0)) {
				DIAG(L, f, provn, "'provisional' must be true or false, not '%s'",
				     ps ? ps : rs_node_kind(provn));
				bad = true;
			} else {
				prov = strcmp(ps, "true") == 0;
			}
		}
		if (bad)
			continue;
		for (size_t k = 0; k < p->n; k++)
			if (strcmp(p->v[k].from, from) == 0) {
				DIAG(L, f, fromn, "parameter '%s' has two values from %s (the other on line %u)",
				     name, from, p->v[k].line);
				bad = true;
			}
		if (bad)
			continue;
		struct cel_value v = rs_node_value(f, valn, rs->consts, 0);
		if (first_value) {
			struct cel_value fv = p->v[0].value;
			bool num = (v.kind == CEL_INT || v.kind == CEL_DOUBLE) &&
				   (fv.kind == CEL_INT || fv.kind == CEL_DOUBLE);
			if (v.kind != fv.kind && !num) {
				DIAG(L, f, valn,
				     "value of parameter '%s' is %s but its value on line %u is %s; every value of a parameter must have the same type",
				     name, cel_kind_name(v.kind), rs_line(first_value), cel_kind_name(fv.kind));
				continue;
			}
		} else {
			first_value = valn;
		}
		struct rs_param_value *pv = &p->v[p->n++];
		memcpy(pv->from, from, 11);
		pv->value = v;
		pv->source = xstrdup(src);
		pv->provisional = prov;
		pv->file = xstrdup(f->name);
		pv->line = rs_line(e);
		pv->col = rs_col(e);
		if (prov)
			rs_diag(&L->d, true, f->name, rs_line(e), rs_col(e),
				"parameter '%s' from %s is provisional (%s); decisions that use it say so",
				name, from, src);
	}
	qsort(p->v, p->n, sizeof(*p->v), pv_cmp);
	/* a value listed out of date order is probably a mistake */
	const char *prev = NULL;
	for (yaml_node_item_t *it = vn->data.sequence.items.start; it < vn->data.sequence.items.top;
	     it++) {
		yaml_node_t *fromn = rs_map_get(f, rs_node(f, *it), "from");
		const char *fr = rs_scalar(fromn);
		if (!fr || !date_is_iso(fr))
			continue;
		if (prev && strcmp(fr, prev) < 0)
			DIAG(L, f, fromn, "values of parameter '%s' must be in date order: %s comes after %s",
			     name, fr, prev);
		prev = fr;
	}
}

static void load_parameters(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'parameters' must be a mapping of parameter names, not %s",
		     rs_node_kind(n));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
		load_param(L, f, rs_node(f, p->key), rs_node(f, p->value));
}

static bool is_fact_name(const char *s)
{
	for (size_t i = 0; FACT_NAMES[i]; i++)
		if (strcmp(FACT_NAMES[i], s) == 0)
			return true;
	for (size_t i = 0; RESERVED[i]; i++)
		if (strcmp(RESERVED[i], s) == 0)
			return true;
	return false;
}

static void add_derived(struct loader *L, struct rs_file *f, yaml_node_t *kn, yaml_node_t *exprn,
			const char *name)
{
	struct ruleset *rs = L->rs;
	rs->derived = xrealloc(rs->derived, (rs->n_derived + 1) * sizeof(*rs->derived));
	struct rs_derived *dd = &rs->derived[rs->n_derived];
	memset(dd, 0, sizeof(*dd));
	dd->name = xstrdup(name);
	dd->file = xstrdup(f->name);
	dd->line = rs_line(kn);
	dd->col = rs_col(kn);
	rs->n_derived++;
	if (exprn)
		add_pending(L, NULL, f, exprn, 0, rs_scalar(exprn), exprn->data.scalar.length,
			    dd->name, false, (int)(rs->n_derived - 1));
}

static void load_derived(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'derived' must be a mapping of names to expressions, not %s",
		     rs_node_kind(n));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = rs_node(f, p->key), *vn = rs_node(f, p->value);
		const char *name = rs_scalar(kn);
		if (!valid_ident(name, false)) {
			DIAG(L, f, kn,
			     "derived fact name '%s' must be lower-case letters, digits and '_', starting with a letter",
			     name ? name : "?");
			continue;
		}
		if (is_fact_name(name)) {
			DIAG(L, f, kn, "derived fact '%s' has the name of a fact or a reserved word; choose another name",
			     name);
			continue;
		}
		bool dup = false;
		for (size_t i = 0; i < L->rs->n_derived && !dup; i++)
			if (strcmp(L->rs->derived[i].name, name) == 0) {
				DIAG(L, f, kn, "derived fact '%s' is defined twice (also in %s line %u)", name,
				     L->rs->derived[i].file, L->rs->derived[i].line);
				dup = true;
			}
		if (dup)
			continue;
		yaml_node_t *exprn = vn;
		if (vn->type == YAML_MAPPING_NODE) {
			rs_check_keys(f, vn, DERIVED_KEYS, "a derived fact", &L->d);
			exprn = rs_map_get(f, vn, "expr");
			if (!exprn) {
				DIAG(L, f, vn, "derived fact '%s' has no 'expr'", name);
				continue;
			}
		}
		if (!rs_is_scalar(exprn) || !exprn->data.scalar.length) {
			DIAG(L, f, exprn, "derived fact '%s' must be an expression, not %s", name,
			     rs_node_kind(exprn));
			continue;
		}
		add_derived(L, f, kn, exprn, name);
	}
}

static void load_check(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "a check must be a mapping with id, expr, outcome and message, not %s",
		     rs_node_kind(n));
		return;
	}
	rs_check_keys(f, n, CHECK_KEYS, "a check", &L->d);
	yaml_node_t *idn = rs_map_get(f, n, "id");
	const char *id = need_scalar(L, f, n, idn, "id", "a check");
	if (!id)
		return;
	if (!valid_ident(id, true)) {
		DIAG(L, f, idn, "check id '%s' must be lower-case letters, digits and '-'", id);
		return;
	}
	for (size_t i = 0; i < rs->n_checks; i++)
		if (strcmp(rs->checks[i].id, id) == 0) {
			DIAG(L, f, idn, "check id '%s' is used twice", id);
			return;
		}
	char *what = xasprintf("check '%s'", id);
	yaml_node_t *exprn = rs_map_get(f, n, "expr"), *whenn = rs_map_get(f, n, "when");
	yaml_node_t *outn = rs_map_get(f, n, "outcome"), *msgn = rs_map_get(f, n, "message");
	yaml_node_t *grpn = rs_map_get(f, n, "group");
	const char *expr = need_scalar(L, f, n, exprn, "expr", what);
	const char *msg = need_scalar(L, f, n, msgn, "message", what);
	bool reject = false;
	if (outn) {
		const char *o = rs_scalar(outn);
		if (!o || (strcmp(o, "refer") != 0 && strcmp(o, "reject") != 0)) {
			DIAG(L, f, outn, "outcome of %s must be 'refer' or 'reject', not '%s'", what,
			     o ? o : rs_node_kind(outn));
		} else {
			reject = strcmp(o, "reject") == 0;
		}
	}
	if (whenn && (!rs_is_scalar(whenn) || !whenn->data.scalar.length))
		DIAG(L, f, whenn, "'when' of %s must be an expression, not %s", what, rs_node_kind(whenn));
	if (!expr || !msg) {
		free(what);
		return;
	}
	rs->checks = xrealloc(rs->checks, (rs->n_checks + 1) * sizeof(*rs->checks));
	struct rs_check *c = &rs->checks[rs->n_checks++];
	memset(c, 0, sizeof(*c));
	c->id = xstrdup(id);
	c->group = xstrdup(rs_scalar(grpn) ? rs_scalar(grpn) : "");
	c->reject = reject;
	/* the program slots move when checks grows: compile through indexes later */
	free(what);
}

static void load_checks(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		DIAG(L, f, n, "'checks' must be a list of checks (- id: ...), not %s", rs_node_kind(n));
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		load_check(L, f, rs_node(f, *it));
}

static void load_calculation(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'calculation' must be a mapping with norm, costs, incomes and amount, not %s",
		     rs_node_kind(n));
		return;
	}
	if (L->have_calc) {
		DIAG(L, f, n, "'calculation' is given twice");
		return;
	}
	L->have_calc = true;
	rs_check_keys(f, n, CALC_KEYS, "calculation", &L->d);
	for (int k = 0; k < RS_CALC_COUNT; k++) {
		const char *key = RS_CALC_NAMES[k] + 5;
		yaml_node_t *e = rs_map_get(f, n, key);
		if (!e) {
			DIAG(L, f, n, "calculation has no '%s'", key);
			L->rs->calc[k] = (int)L->rs->n_derived;
			add_derived(L, f, n, NULL, RS_CALC_NAMES[k]);
			continue;
		}
		if (!rs_is_scalar(e) || !e->data.scalar.length) {
			DIAG(L, f, e, "'%s' of calculation must be an expression, not %s", key,
			     rs_node_kind(e));
			continue;
		}
		L->rs->calc[k] = (int)L->rs->n_derived;
		add_derived(L, f, rs_map_get(f, n, key) ? e : n, e, RS_CALC_NAMES[k]);
	}
}

static void load_audit(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'audit' must be a mapping with sample and flags, not %s", rs_node_kind(n));
		return;
	}
	rs_check_keys(f, n, AUDIT_KEYS, "audit", &L->d);
	yaml_node_t *s = rs_map_get(f, n, "sample");
	if (s) {
		rs_check_keys(f, s, SAMPLE_KEYS, "audit sample", &L->d);
		for (int k = 0; k < 3 && s->type == YAML_MAPPING_NODE; k++) {
			yaml_node_t *v = rs_map_get(f, s, SAMPLE_KEYS[k]);
			if (!v)
				continue;
			const char *t = rs_scalar(v);
			char *end = NULL;
			double x = t ? strtod(t, &end) : -1;
			if (!t || !*t || !end || *end || x < 0 || x > 1)
				DIAG(L, f, v, "audit sample rate '%s' must be a share between 0 and 1 (0.1 is 10 %%)",
				     t ? t : "?");
			else
				rs->sample[k] = x;
		}
	}
	yaml_node_t *fl = rs_map_get(f, n, "flags");
	if (fl && fl->type != YAML_SEQUENCE_NODE) {
		DIAG(L, f, fl, "audit 'flags' must be a list, not %s", rs_node_kind(fl));
		return;
	}
	for (yaml_node_item_t *it = fl ? fl->data.sequence.items.start : NULL;
	     fl && it < fl->data.sequence.items.top; it++) {
		yaml_node_t *e = rs_node(f, *it);
		if (e->type != YAML_MAPPING_NODE) {
			DIAG(L, f, e, "an audit flag must be a mapping with id, when and reason, not %s",
			     rs_node_kind(e));
			continue;
		}
		rs_check_keys(f, e, FLAG_KEYS, "an audit flag", &L->d);
		const char *id = need_scalar(L, f, e, rs_map_get(f, e, "id"), "id", "an audit flag");
		const char *w = need_scalar(L, f, e, rs_map_get(f, e, "when"), "when", "an audit flag");
		const char *r = need_scalar(L, f, e, rs_map_get(f, e, "reason"), "reason", "an audit flag");
		if (!id || !w || !r)
			continue;
		rs->flags = xrealloc(rs->flags, (rs->n_flags + 1) * sizeof(*rs->flags));
		struct rs_flag *fg = &rs->flags[rs->n_flags++];
		memset(fg, 0, sizeof(*fg));
		fg->id = xstrdup(id);
	}
}

/*
 * Second walk over checks and flags (after names are known and the arrays
 * no longer move): queue their expressions and texts.
 */
static void queue_checks(struct loader *L)
{
	struct ruleset *rs = L->rs;
	size_t ci = 0, fi = 0;
	for (size_t k = 0; k < L->n_files; k++) {
		struct rs_file *f = &L->files[k];
		yaml_node_t *root = rs_root(f);
		yaml_node_t *cn = rs_map_get(f, root, "checks");
		for (yaml_node_item_t *it = cn && cn->type == YAML_SEQUENCE_NODE ? cn->data.sequence.items.start : NULL;
		     it && it < cn->data.sequence.items.top; it++) {
			yaml_node_t *n = rs_node(f, *it);
			const char *id = rs_scalar(rs_map_get(f, n, "id"));
			if (!id || ci >= rs->n_checks || strcmp(rs->checks[ci].id, id) != 0 ||
			    !rs_is_scalar(rs_map_get(f, n, "expr")) ||
			    !rs_is_scalar(rs_map_get(f, n, "message")))
				continue;
			struct rs_check *c = &rs->checks[ci++];
			yaml_node_t *w = rs_map_get(f, n, "when"), *e = rs_map_get(f, n, "expr");
			yaml_node_t *m = rs_map_get(f, n, "message");
			c->file = xstrdup(f->name);
			c->line[0] = rs_line(w);
			c->col[0] = rs_col(w);
			c->line[1] = rs_line(e);
			c->col[1] = rs_col(e);
			if (rs_is_scalar(w) && w->data.scalar.length)
				add_pending(L, &c->when, f, w, 0, rs_scalar(w), w->data.scalar.length,
					    c->id, true, -1);
			add_pending(L, &c->expr, f, e, 0, rs_scalar(e), e->data.scalar.length, c->id,
				    true, -1);
			char what[160];
			snprintf(what, sizeof(what), "the message of check '%s'", c->id);
			parse_text(L, f, m, &c->message, what);
		}
		yaml_node_t *an = rs_map_get(f, root, "audit");
		yaml_node_t *fl = rs_map_get(f, an, "flags");
		for (yaml_node_item_t *it = fl && fl->type == YAML_SEQUENCE_NODE ? fl->data.sequence.items.start : NULL;
		     it && it < fl->data.sequence.items.top; it++) {
			yaml_node_t *n = rs_node(f, *it);
			const char *id = rs_scalar(rs_map_get(f, n, "id"));
			if (!id || fi >= rs->n_flags || strcmp(rs->flags[fi].id, id) != 0 ||
			    !rs_is_scalar(rs_map_get(f, n, "when")) ||
			    !rs_is_scalar(rs_map_get(f, n, "reason")))
				continue;
			struct rs_flag *fg = &rs->flags[fi++];
			yaml_node_t *w = rs_map_get(f, n, "when");
			add_pending(L, &fg->when, f, w, 0, rs_scalar(w), w->data.scalar.length, fg->id,
				    true, -1);
			parse_text(L, f, rs_map_get(f, n, "reason"), &fg->reason, "an audit flag's reason");
		}
		yaml_node_t *ln = rs_map_get(f, root, "letters");
		if (ln) {
			if (ln->type != YAML_MAPPING_NODE) {
				DIAG(L, f, ln, "'letters' must be a mapping (approved: |...), not %s",
				     rs_node_kind(ln));
				continue;
			}
			rs_check_keys(f, ln, LETTER_KEYS, "letters", &L->d);
			yaml_node_t *ap = rs_map_get(f, ln, "approved");
			if (ap && (!rs_is_scalar(ap) || !ap->data.scalar.length)) {
				DIAG(L, f, ap, "the letter 'approved' must be text, not %s", rs_node_kind(ap));
			} else if (ap && rs->has_letter) {
				DIAG(L, f, ap, "the letter 'approved' is given twice");
			} else if (ap) {
				rs->has_letter = true;
				parse_text(L, f, ap, &rs->letter, "the letter 'approved'");
			}
		}
	}
}

/* ------------------------------------------------------------- compiling */

static bool decl_cb(void *ctx, const char *name)
{
	return rs_lookup(ctx, name) != NULL;
}

/* Byte offset in src of a 1-based line/column (code points). */
static size_t src_offset(const char *src, struct cel_err_pos pos)
{
	size_t i = 0;
	unsigned line = 1, col = 1;
	while (src[i] && (line < pos.line || (line == pos.line && col < pos.column))) {
		if (src[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)src[i] & 0xC0) != 0x80) {
			col++;
		}
		i++;
		while (src[i] && ((unsigned char)src[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

static void explain_unknown(struct loader *L, const char *src, size_t off, const char *msg,
			    struct ebba_buf *out)
{
	const char *q = strstr(msg, "unknown identifier '");
	if (!q) {
		buf_puts(out, msg);
		return;
	}
	char ident[128];
	const char *s = q + strlen("unknown identifier '");
	size_t n = strcspn(s, "'");
	snprintf(ident, sizeof(ident), "%.*s", (int)(n < 120 ? n : 120), s);
	struct ruleset *rs = L->rs;
	size_t total = 0;
	for (size_t i = 0; i < rs->names_cap; i++)
		total += rs->names[i].name != NULL;
	const char **cands = xcalloc(total + 1, sizeof(*cands));
	size_t nc = 0;
	bool is_param = strcmp(ident, "params") == 0, is_calc = strcmp(ident, "calc") == 0;
	char word[128] = "";
	if ((is_param || is_calc) && src[off + n] == '.') {
		size_t w = 0;
		const char *p = src + off + n + 1;
		while (w < sizeof(word) - 1 && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
						*p == '_' || (*p >= 'A' && *p <= 'Z')))
			word[w++] = *p++;
		word[w] = '\0';
	}
	for (size_t i = 0; i < rs->names_cap; i++) {
		const char *nm = rs->names[i].name;
		if (!nm)
			continue;
		if (is_param) {
			if (strncmp(nm, "params.", 7) == 0)
				cands[nc++] = nm + 7;
		} else if (is_calc) {
			if (strncmp(nm, "calc.", 5) == 0)
				cands[nc++] = nm + 5;
		} else if (!strchr(nm, '.')) {
			cands[nc++] = nm;
		}
	}
	const char *sug = rs_suggest(is_param || is_calc ? word : ident, cands, nc);
	if (is_param)
		buf_printf(out, "unknown parameter 'params.%s'", word);
	else if (is_calc)
		buf_printf(out, "unknown calculation item 'calc.%s' (there are calc.norm, calc.costs, calc.incomes, calc.amount)",
			   word);
	else
		buf_printf(out, "unknown name '%s'", ident);
	if (sug && !is_calc)
		buf_printf(out, " (did you mean '%s%s'?)", is_param ? "params." : "", sug);
	else if (!is_calc)
		buf_puts(out, " (docs/fact-model.md lists the facts)");
	free(cands);
}

static void compile_pending(struct loader *L)
{
	struct cel_decls decls = {.is_declared = decl_cb, .ctx = L->rs};
	for (size_t i = 0; i < L->n_pend; i++) {
		struct pending *p = &L->pend[i];
		struct cel_program *prog = NULL;
		struct cel_err_pos pos = {1, 1};
		struct ebba_err err = {{0}};
		if (cel_compile(p->src, &decls, &prog, &pos, &err) < 0) {
			size_t off = src_offset(p->src, pos);
			unsigned line, col;
			rs_scalar_pos(p->f, p->node, p->offset + off, &line, &col);
			struct ebba_buf m = {0};
			explain_unknown(L, p->src, off, err.msg, &m);
			rs_diag(&L->d, false, p->f->name, line, col, "%s", m.data);
			buf_free(&m);
			continue;
		}
		if (p->derived >= 0)
			L->rs->derived[p->derived].prog = prog;
		else
			*p->slot = prog;
	}
}

/* ------------------------------------------------------------- cycles */

static bool cycle_dfs(struct loader *L, size_t i, unsigned char *color, size_t *stack,
		      size_t depth)
{
	struct ruleset *rs = L->rs;
	color[i] = 1;
	stack[depth] = i;
	size_t n = 0;
	const struct cel_ident_ref *refs =
		rs->derived[i].prog ? cel_program_idents(rs->derived[i].prog, &n) : NULL;
	for (size_t k = 0; k < n; k++) {
		const struct rs_name *nm = rs_lookup(rs, refs[k].name);
		if (!nm || nm->kind != RS_NAME_DERIVED)
			continue;
		size_t j = nm->index;
		if (color[j] == 1) {
			struct ebba_buf path = {0};
			size_t start = 0;
			while (stack[start] != j)
				start++;
			for (size_t s = start; s <= depth; s++)
				buf_printf(&path, "%s -> ", rs->derived[stack[s]].name);
			buf_puts(&path, rs->derived[j].name);
			rs_diag(&L->d, false, rs->derived[j].file, rs->derived[j].line,
				rs->derived[j].col, "derived facts depend on each other in a circle: %s",
				path.data);
			buf_free(&path);
			return true;
		}
		if (color[j] == 0 && cycle_dfs(L, j, color, stack, depth + 1))
			return true;
	}
	color[i] = 2;
	return false;
}

static void find_cycles(struct loader *L)
{
	size_t n = L->rs->n_derived;
	unsigned char *color = xcalloc(n + 1, 1);
	size_t *stack = xcalloc(n + 1, sizeof(*stack));
	for (size_t i = 0; i < n; i++)
		if (color[i] == 0 && cycle_dfs(L, i, color, stack, 0)) {
			/* one report per circle: mark everything seen as done */
			for (size_t k = 0; k < n; k++)
				if (color[k] == 1)
					color[k] = 2;
		}
	free(color);
	free(stack);
}

/* ------------------------------------------------------------- dry run */

void rs_dry_run(struct ruleset *rs, struct rs_diags *d);   /* rules_eval.c */

/* ------------------------------------------------------------- main */

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	free(rs->name);
	free(rs->version);
	free(rs->valid_from);
	for (size_t i = 0; i < rs->n_params; i++) {
		for (size_t k = 0; k < rs->params[i].n; k++) {
			free(rs->params[i].v[k].source);
			free(rs->params[i].v[k].file);
		}
		free(rs->params[i].v);
		free(rs->params[i].name);
	}
	free(rs->params);
	for (size_t i = 0; i < rs->n_derived; i++) {
		free(rs->derived[i].name);
		free(rs->derived[i].file);
		cel_program_free(rs->derived[i].prog);
	}
	free(rs->derived);
	for (size_t i = 0; i < rs->n_checks; i++) {
		free(rs->checks[i].id);
		free(rs->checks[i].group);
		free(rs->checks[i].file);
		cel_program_free(rs->checks[i].when);
		cel_program_free(rs->checks[i].expr);
		text_free(&rs->checks[i].message);
	}
	free(rs->checks);
	for (size_t i = 0; i < rs->n_flags; i++) {
		free(rs->flags[i].id);
		cel_program_free(rs->flags[i].when);
		text_free(&rs->flags[i].reason);
	}
	free(rs->flags);
	text_free(&rs->letter);
	if (rs->names) {
		for (size_t i = 0; i < rs->names_cap; i++)
			if (rs->names[i].name && rs->names[i].kind == RS_NAME_PARAM)
				free((char *)rs->names[i].name);
		free(rs->names);
	}
	if (rs->consts)
		cel_arena_free(rs->consts);
	free(rs);
}

const char *ruleset_name(const struct ruleset *rs) { return rs->name; }
const char *ruleset_version(const struct ruleset *rs) { return rs->version; }
const char *ruleset_sha256(const struct ruleset *rs) { return rs->sha256; }
size_t ruleset_n_checks(const struct ruleset *rs) { return rs->n_checks; }
size_t ruleset_n_warnings(const struct ruleset *rs) { return rs->n_warnings; }

double ruleset_sample_rate(const struct ruleset *rs, const char *outcome)
{
	for (int k = 0; k < 3; k++)
		if (strcmp(outcome, SAMPLE_KEYS[k]) == 0)
			return rs->sample[k];
	return 0.0;
}

static void build_names(struct ruleset *rs)
{
	size_t n = rs->n_params + rs->n_derived + 32;
	size_t cap = 16;
	while (cap < n * 2)
		cap *= 2;
	rs->names_cap = cap;
	rs->names = xcalloc(cap, sizeof(*rs->names));
	size_t nf = 0;
	for (; FACT_NAMES[nf]; nf++)
		names_add(rs, FACT_NAMES[nf], RS_NAME_FACT, nf);
	rs->n_facts = nf;
	for (size_t i = 0; i < rs->n_params; i++)
		names_add(rs, xasprintf("params.%s", rs->params[i].name), RS_NAME_PARAM, i);
	for (size_t i = 0; i < rs->n_derived; i++)
		names_add(rs, rs->derived[i].name, RS_NAME_DERIVED, i);
}

static void check_coverage(struct loader *L)
{
	struct ruleset *rs = L->rs;
	if (!rs->valid_from)
		return;
	char first[11];
	snprintf(first, sizeof(first), "%s-01", rs->valid_from);
	for (size_t i = 0; i < rs->n_params; i++) {
		struct rs_param *p = &rs->params[i];
		if (p->n && strcmp(p->v[0].from, first) > 0)
			rs_diag(&L->d, false, L->param_file[i]->name, rs_line(L->param_node[i]),
				rs_col(L->param_node[i]),
				"parameter '%s' has no value in force for %s (the rule set is valid from %s; its first value is from %s)",
				p->name, rs->valid_from, rs->valid_from, p->v[0].from);
	}
}

static int load_files(struct rs_file *files, size_t n_files, struct ruleset **out,
		      struct ebba_buf *diagnostics, struct ebba_err *err)
{
	struct loader L = {0};
	struct ruleset *rs = xcalloc(1, sizeof(*rs));
	L.rs = rs;
	L.files = files;
	L.n_files = n_files;
	rs->consts = cel_arena_new();
	rs->sample[0] = 0.10;
	for (int k = 0; k < RS_CALC_COUNT; k++)
		rs->calc[k] = -1;
	/* SHA-256 over name NUL content NUL, in name order (files are sorted) */
	struct ebba_buf all = {0};
	for (size_t i = 0; i < n_files; i++) {
		const char *base = strrchr(files[i].name, '/');
		base = base ? base + 1 : files[i].name;
		buf_append(&all, base, strlen(base) + 1);
		buf_append(&all, files[i].text.data ? files[i].text.data : "", files[i].text.len);
		buf_putc(&all, '\0');
	}
	sha256_hex(all.data ? all.data : "", all.len, rs->sha256);
	buf_free(&all);

	for (size_t i = 0; i < n_files; i++) {
		struct rs_file *f = &files[i];
		if (rs_file_parse(f, &L.d) < 0)
			continue;
		yaml_node_t *root = rs_root(f);
		if (!root)
			continue;    /* an empty file */
		if (root->type != YAML_MAPPING_NODE) {
			DIAG(&L, f, root,
			     "a rule file must be a mapping of sections (ruleset, parameters, derived, checks, calculation, audit, letters), not %s",
			     rs_node_kind(root));
			continue;
		}
		rs_check_keys(f, root, TOP_KEYS, "a rule file", &L.d);
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
		     p++) {
			const char *k = rs_scalar(rs_node(f, p->key));
			yaml_node_t *v = rs_node(f, p->value);
			if (!k)
				continue;
			if (strcmp(k, "ruleset") == 0)
				load_ruleset(&L, f, v);
			else if (strcmp(k, "parameters") == 0)
				load_parameters(&L, f, v);
			else if (strcmp(k, "derived") == 0)
				load_derived(&L, f, v);
			else if (strcmp(k, "checks") == 0)
				load_checks(&L, f, v);
			else if (strcmp(k, "calculation") == 0)
				load_calculation(&L, f, v);
			else if (strcmp(k, "audit") == 0)
				load_audit(&L, f, v);
		}
	}
	if (!L.ruleset_node && L.d.errors == 0)
		rs_diag(&L.d, false, n_files ? files[0].name : "rules", 1, 1,
			"no file has a 'ruleset' section with the rule set's name and version");
	if (!L.have_calc && L.d.errors == 0)
		rs_diag(&L.d, false, n_files ? files[0].name : "rules", 1, 1,
			"no file has a 'calculation' section (norm, costs, incomes, amount)");
	build_names(rs);
	queue_checks(&L);
	compile_pending(&L);
	check_coverage(&L);
	if (L.d.errors == 0)
		find_cycles(&L);
	if (L.d.errors == 0)
		rs_dry_run(rs, &L.d);
	for (size_t i = 0; i < L.n_pend; i++)
		free(L.pend[i].src);
	free(L.pend);
	free(L.param_node);
	free(L.param_file);
	rs->n_warnings = L.d.warnings;
	size_t nerr = L.d.errors;
	rs_diags_flush(&L.d, diagnostics);
	rs_diags_free(&L.d);
	if (nerr) {
		ruleset_free(rs);
		*out = NULL;
		return ebba_errf(err, "rules: %zu error%s", nerr, nerr == 1 ? "" : "s");
	}
	*out = rs;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ruleset_load(const char *dir, struct ruleset **out, struct ebba_buf *diagnostics,
		 struct ebba_err *err)
{
	*out = NULL;
	DIR *dp = opendir(dir);
	if (!dp)
		return ebba_errf(err, "%s: cannot open the rules directory: %m", dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n == RULES_MAX_FILES) {
			closedir(dp);
			for (size_t i = 0; i < n; i++)
				free(names[i]);
			free(names);
			return ebba_errf(err, "%s: more than %d rule files", dir, RULES_MAX_FILES);
		}
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n == 0) {
		free(names);
		return ebba_errf(err, "%s: no rule files (*.yaml)", dir);
	}
	qsort(names, n, sizeof(*names), name_cmp);
	struct rs_file *files = xcalloc(n, sizeof(*files));
	int rc = 0;
	size_t dl = strlen(dir);
	for (size_t i = 0; i < n; i++) {
		files[i].name = dl && dir[dl - 1] == '/' ? xasprintf("%s%s", dir, names[i])
							 : xasprintf("%s/%s", dir, names[i]);
		if (read_file_limited(files[i].name, RULES_MAX_FILE_BYTES, &files[i].text, err) < 0)
			rc = -1;
	}
	if (rc == 0)
		rc = load_files(files, n, out, diagnostics, err);
	for (size_t i = 0; i < n; i++) {
		rs_file_free(&files[i]);
		free(names[i]);
	}
	free(files);
	free(names);
	return rc;
}

int ruleset_load_buffer(const char *name, const char *yaml, size_t len, struct ruleset **out,
			struct ebba_buf *diagnostics, struct ebba_err *err)
{
	*out = NULL;
	if (len > RULES_MAX_FILE_BYTES)
		return ebba_errf(err, "%s: larger than %u bytes", name, RULES_MAX_FILE_BYTES);
	struct rs_file f = {0};
	f.name = xstrdup(name);
	buf_append(&f.text, yaml, len);
	int rc = load_files(&f, 1, out, diagnostics, err);
	rs_file_free(&f);
	return rc;
}
