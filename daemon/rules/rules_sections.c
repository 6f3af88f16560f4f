/*
 * The section checks of a rule file (docs/rules.md): the structure of
 * ruleset, parameters, derived, checks, calculation, audit and letters,
 * each problem reported at its file:line:column.  What the sections define
 * goes into the rule set; their expressions are queued (struct pending) for
 * rules_compile.c, which compiles them once every name is known.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/facts/facts.h"
#include "rules_loader.h"

static const char *const TOP_KEYS[] = {"ruleset", "parameters", "derived", "checks",
				       "calculation", "audit", "letters", "delegation",
				       "reasons", "appeal", "sentences", "documents", NULL};
static const char *const RULESET_KEYS[] = {"name", "version", "valid_from", "description", NULL};
static const char *const PVALUE_KEYS[] = {"from", "value", "source", "provisional", "note", NULL};
static const char *const DERIVED_KEYS[] = {"expr", "description", NULL};
static const char *const CHECK_KEYS[] = {"id", "group", "description", "when", "expr", "outcome",
					 "retry", "message", "documents", NULL};
static const char *const CALC_KEYS[] = {"norm", "costs", "incomes", "amount", "notes", "lines",
					"description", NULL};
static const char *const AUDIT_KEYS[] = {"sample", "flags", NULL};
static const char *const SAMPLE_KEYS[] = {"approved", "referred", "rejected", NULL};
static const char *const FLAG_KEYS[] = {"id", "when", "reason", "description", NULL};
static const char *const LETTER_KEYS[] = {"approved", "reasons", "closing", "partly_approved",
					  "rejected", "documents_requested", NULL};
static const char *const PARAGRAPH_KEYS[] = {"id", "when", "each", "text", "description", NULL};
static const char *const RESERVED[] = {"params", "calc", "true", "false", "null", "in", "int",
				       "uint", "double", "bool", "string", "bytes", "list", "map",
				       "type", "dyn", "has", "size", "delegation", "item", NULL};

/*
 * What a node is, in Swedish (rs_node_kind gives the English words that
 * rules_yaml.c's own messages use).
 */
static const char *kind_sv(const yaml_node_t *n)
{
	if (!n)
		return "ingenting";
	switch (n->type) {
	case YAML_MAPPING_NODE: return "en mappning (nyckel: värde)";
	case YAML_SEQUENCE_NODE: return "en lista";
	case YAML_SCALAR_NODE: return n->data.scalar.length ? "ett enda värde" : "tomt";
	default: return "ingenting";
	}
}

static void add_pending(struct loader *L, struct cel_program **slot, struct rs_file *f,
			yaml_node_t *node, size_t offset, const char *src, size_t len,
			int derived)
{
	if (L->n_pend == L->cap_pend) {
		L->cap_pend = L->cap_pend ? L->cap_pend * 2 : 64;
		L->pend = xrealloc(L->pend, L->cap_pend * sizeof(*L->pend));
	}
	L->pend[L->n_pend++] = (struct pending){slot, f, node, offset, xstrndup(src, len), derived};
}

/* A non-empty scalar or an error. */
static const char *need_scalar(struct loader *L, struct rs_file *f, yaml_node_t *parent,
			       yaml_node_t *n, const char *key, const char *what)
{
	if (!n) {
		DIAG(L, f, parent, "%s saknar '%s'", what, key);
		return NULL;
	}
	if (!rs_is_scalar(n) || n->data.scalar.length == 0) {
		DIAG(L, f, n, "'%s' i %s måste vara ett enda värde, inte %s", key, what,
		     kind_sv(n));
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
				"'{{' i %s stängs inte med '}}'", what);
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
			rs_diag(&L->d, false, f->name, line, col, "tomt '{{ }}' i %s", what);
		} else {
			unsigned line, col;
			rs_scalar_pos(f, n, a, &line, &col);
			t->segs[t->n] = (struct rs_seg){NULL, NULL, t->file, line, col};
			add_pending(L, &t->segs[t->n].prog, f, n, a, s + a, bb - a, -1);
			t->n++;
		}
		i = b + 2;
	}
}

void rs_text_free(struct rs_text *t)
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

static void load_ruleset(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'ruleset' måste vara en mappning med name och version, inte %s",
		     kind_sv(n));
		return;
	}
	if (L->ruleset_node) {
		DIAG(L, f, n, "'ruleset' anges två gånger (även i %s rad %u)", L->ruleset_file->name,
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
	const char *desc = rs_scalar(rs_map_get(f, n, "description"));
	if (desc && *desc)
		rs->description = xstrdup(desc);
	yaml_node_t *vf = rs_map_get(f, n, "valid_from");
	if (vf) {
		const char *s = rs_scalar(vf);
		char tmp[16];
		snprintf(tmp, sizeof(tmp), "%s-01", s ? s : "");
		if (!s || strlen(s) != 7 || !date_is_iso(tmp))
			DIAG(L, f, vf, "valid_from måste vara en månad skriven ÅÅÅÅ-MM, inte '%s'",
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

/* 'provisional' is true or false; *bad if it is something else. */
static bool param_provisional(struct loader *L, struct rs_file *f, yaml_node_t *provn, bool *bad)
{
	if (!provn)
		return false;
	const char *ps = rs_scalar(provn);
	if (!rs_is_plain(provn) || (strcmp(ps, "true") != 0 && strcmp(ps, "false") != 0)) {
		DIAG(L, f, provn, "'provisional' måste vara true eller false, inte '%s'",
		     ps ? ps : kind_sv(provn));
		*bad = true;
		return false;
	}
	return strcmp(ps, "true") == 0;
}

/*
 * One dated value (- from: ..., value: ..., source: ...) of parameter p.
 * *first_value is the node of p's first value, whose type every later
 * value must have.
 */
static void load_param_value(struct loader *L, struct rs_file *f, struct rs_param *p,
			     yaml_node_t *e, yaml_node_t **first_value)
{
	const char *name = p->name;
	if (e->type != YAML_MAPPING_NODE) {
		DIAG(L, f, e, "ett värde för parametern '%s' måste vara en mappning med from, value och source, inte %s",
		     name, kind_sv(e));
		return;
	}
	char what[200];
	snprintf(what, sizeof(what), "ett värde för parametern '%s'", name);
	rs_check_keys(f, e, PVALUE_KEYS, what, &L->d);
	yaml_node_t *fromn = rs_map_get(f, e, "from");
	yaml_node_t *valn = rs_map_get(f, e, "value");
	const char *from = need_scalar(L, f, e, fromn, "from", what);
	bool bad = !from;
	if (from && !date_is_iso(from)) {
		DIAG(L, f, fromn, "'from' för parametern '%s' måste vara ett datum ÅÅÅÅ-MM-DD, inte '%s'",
		     name, from);
		bad = true;
	}
	if (!valn) {
		DIAG(L, f, e, "%s saknar 'value'", what);
		bad = true;
	}
	const char *src = need_scalar(L, f, e, rs_map_get(f, e, "source"), "source", what);
	bad |= !src;
	bool prov = param_provisional(L, f, rs_map_get(f, e, "provisional"), &bad);
	if (bad)
		return;
	for (size_t k = 0; k < p->n; k++)
		if (strcmp(p->v[k].from, from) == 0) {
			DIAG(L, f, fromn, "parametern '%s' har två värden från %s (det andra på rad %u)",
			     name, from, p->v[k].line);
			bad = true;
		}
	if (bad)
		return;
	struct cel_value v = rs_node_value(f, valn, L->rs->consts, 0);
	if (*first_value) {
		struct cel_value fv = p->v[0].value;
		bool num = (v.kind == CEL_INT || v.kind == CEL_DOUBLE) &&
			   (fv.kind == CEL_INT || fv.kind == CEL_DOUBLE);
		if (v.kind != fv.kind && !num) {
			DIAG(L, f, valn,
			     "värdet för parametern '%s' är %s men värdet på rad %u är %s; alla värden för en parameter måste ha samma typ",
			     name, cel_kind_name(v.kind), rs_line(*first_value), cel_kind_name(fv.kind));
			return;
		}
	} else {
		*first_value = valn;
	}
	struct rs_param_value *pv = &p->v[p->n++];
	memcpy(pv->from, from, 11);
	pv->value = v;
	pv->source = xstrdup(src);
	pv->provisional = prov;
	const char *note = rs_scalar(rs_map_get(f, e, "note"));
	pv->note = note && *note ? xstrdup(note) : NULL;
	pv->file = xstrdup(f->name);
	pv->line = rs_line(e);
	pv->col = rs_col(e);
	/* provisional values are warned about once per date and source (rs_warn_provisional) */
}

/*
 * One warning per provisional date and source, naming every parameter it
 * covers: a year's table carried forward is one missing ordinance, not one
 * warning per cell.  After the overrides, which may have replaced a value.
 */
void rs_warn_provisional(struct loader *L)
{
	struct ruleset *rs = L->rs;
	size_t n = 0;
	for (size_t i = 0; i < rs->n_params; i++)
		n += rs->params[i].n;
	bool *done = xcalloc(n ? n : 1, sizeof(*done));
	size_t base_i = 0;
	for (size_t i = 0; i < rs->n_params; base_i += rs->params[i].n, i++) {
		for (size_t k = 0; k < rs->params[i].n; k++) {
			const struct rs_param_value *pv = &rs->params[i].v[k];
			if (!pv->provisional || done[base_i + k])
				continue;
			struct ebba_buf names = {0};
			size_t count = 0, last_len = 0;
			size_t base_j = base_i;
			for (size_t j = i; j < rs->n_params; base_j += rs->params[j].n, j++)
				for (size_t m = 0; m < rs->params[j].n; m++) {
					const struct rs_param_value *q = &rs->params[j].v[m];
					if (!q->provisional || done[base_j + m] ||
					    strcmp(q->from, pv->from) != 0 || strcmp(q->source, pv->source) != 0)
						continue;
					done[base_j + m] = true;
					last_len = names.len;
					buf_printf(&names, "%s'%s'", count ? ", " : "", rs->params[j].name);
					count++;
				}
			if (count == 1) {
				rs_diag(&L->d, true, pv->file, pv->line, pv->col,
					"parametern %s från %s är preliminär (%s); beslut som använder den säger det",
					names.data, pv->from, pv->source);
			} else {
				/* "'a', 'b' och 'c'" */
				rs_diag(&L->d, true, pv->file, pv->line, pv->col,
					"parametrarna %.*s och %s från %s är preliminära (%s); beslut som använder dem säger det",
					(int)last_len, names.data, names.data + last_len + 2, pv->from,
					pv->source);
			}
			buf_free(&names);
		}
	}
	free(done);
}

/* A value listed out of date order is probably a mistake (they are sorted anyway). */
static void check_param_order(struct loader *L, struct rs_file *f, yaml_node_t *vn, const char *name)
{
	const char *prev = NULL;
	for (yaml_node_item_t *it = vn->data.sequence.items.start; it < vn->data.sequence.items.top;
	     it++) {
		yaml_node_t *fromn = rs_map_get(f, rs_node(f, *it), "from");
		const char *fr = rs_scalar(fromn);
		if (!fr || !date_is_iso(fr))
			continue;
		if (prev && strcmp(fr, prev) < 0)
			DIAG(L, f, fromn, "värdena för parametern '%s' måste stå i datumordning: %s kommer efter %s",
			     name, fr, prev);
		prev = fr;
	}
}

/* A new parameter called name, defined at kn in f, with room for cap values. */
static struct rs_param *param_new(struct loader *L, struct rs_file *f, yaml_node_t *kn,
				  const char *name, size_t cap)
{
	struct ruleset *rs = L->rs;
	rs->params = xrealloc(rs->params, (rs->n_params + 1) * sizeof(*rs->params));
	L->param_node = xrealloc(L->param_node, (rs->n_params + 1) * sizeof(*L->param_node));
	L->param_file = xrealloc(L->param_file, (rs->n_params + 1) * sizeof(*L->param_file));
	struct rs_param *p = &rs->params[rs->n_params];
	L->param_node[rs->n_params] = kn;
	L->param_file[rs->n_params] = f;
	rs->n_params++;
	*p = (struct rs_param){.name = xstrdup(name), .v = xcalloc(cap, sizeof(*p->v))};
	return p;
}

static void load_param(struct loader *L, struct rs_file *f, yaml_node_t *kn, yaml_node_t *vn)
{
	struct ruleset *rs = L->rs;
	const char *name = rs_scalar(kn);
	if (!valid_ident(name, false)) {
		DIAG(L, f, kn,
		     "parameternamnet '%s' får bara innehålla små bokstäver a-z, siffror och '_' och måste börja med en bokstav",
		     name ? name : "?");
		return;
	}
	for (size_t i = 0; i < rs->n_params; i++)
		if (strcmp(rs->params[i].name, name) == 0) {
			DIAG(L, f, kn, "parametern '%s' definieras två gånger (även i %s rad %u)", name,
			     L->param_file[i]->name, rs_line(L->param_node[i]));
			return;
		}
	if (vn->type != YAML_SEQUENCE_NODE || vn->data.sequence.items.top == vn->data.sequence.items.start) {
		DIAG(L, f, vn,
		     "parametern '%s' måste vara en lista med daterade värden (- from: ÅÅÅÅ-MM-DD, value: ..., source: ...), inte %s",
		     name, kind_sv(vn));
		return;
	}
	size_t cap = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
	struct rs_param *p = param_new(L, f, kn, name, cap);
	yaml_node_t *first_value = NULL;
	for (yaml_node_item_t *it = vn->data.sequence.items.start; it < vn->data.sequence.items.top;
	     it++)
		load_param_value(L, f, p, rs_node(f, *it), &first_value);
	qsort(p->v, p->n, sizeof(*p->v), pv_cmp);
	check_param_order(L, f, vn, name);
}

static void load_parameters(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'parameters' måste vara en mappning av parameternamn, inte %s",
		     kind_sv(n));
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
		add_pending(L, NULL, f, exprn, 0, rs_scalar(exprn), exprn->data.scalar.length, (int)(rs->n_derived - 1));
}

static void load_derived(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'derived' måste vara en mappning från namn till uttryck, inte %s",
		     kind_sv(n));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = rs_node(f, p->key), *vn = rs_node(f, p->value);
		const char *name = rs_scalar(kn);
		if (!valid_ident(name, false)) {
			DIAG(L, f, kn,
			     "namnet på det härledda faktumet '%s' får bara innehålla små bokstäver a-z, siffror och '_' och måste börja med en bokstav",
			     name ? name : "?");
			continue;
		}
		if (is_fact_name(name)) {
			DIAG(L, f, kn, "det härledda faktumet '%s' har samma namn som ett faktum eller ett reserverat ord; välj ett annat namn",
			     name);
			continue;
		}
		bool dup = false;
		for (size_t i = 0; i < L->rs->n_derived && !dup; i++)
			if (strcmp(L->rs->derived[i].name, name) == 0) {
				DIAG(L, f, kn, "det härledda faktumet '%s' definieras två gånger (även i %s rad %u)", name,
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
				DIAG(L, f, vn, "det härledda faktumet '%s' saknar 'expr'", name);
				continue;
			}
		}
		if (!rs_is_scalar(exprn) || !exprn->data.scalar.length) {
			DIAG(L, f, exprn, "det härledda faktumet '%s' måste vara ett uttryck, inte %s", name,
			     kind_sv(exprn));
			continue;
		}
		add_derived(L, f, kn, exprn, name);
		const char *desc = vn->type == YAML_MAPPING_NODE
				   ? rs_scalar(rs_map_get(f, vn, "description")) : NULL;
		if (desc && *desc)
			L->rs->derived[L->rs->n_derived - 1].description = xstrdup(desc);
	}
}

/*
 * A check's documents: a list of ids, on a complete check only (what the
 * komplettering asks for); a complete check must have them, so that ebbad
 * can ask by itself.  The ids are checked against the catalogue later
 * (rs_request_check), which may be in a file read after this one.
 */
static void check_documents_key(struct loader *L, struct rs_file *f, yaml_node_t *n, yaml_node_t *docn,
				bool complete, const char *what)
{
	if (!docn) {
		if (complete)
			DIAG(L, f, n, "%s har outcome 'complete' och måste säga vilka handlingar som ska begäras in (documents: [id, ...] ur handlingskatalogen)",
			     what);
		return;
	}
	if (!complete) {
		DIAG(L, f, docn, "'documents' i %s gäller bara en kontroll med outcome 'complete'", what);
		return;
	}
	if (docn->type != YAML_SEQUENCE_NODE ||
	    docn->data.sequence.items.start == docn->data.sequence.items.top) {
		DIAG(L, f, docn, "'documents' i %s måste vara en lista med minst ett id ur handlingskatalogen, inte %s",
		     what, kind_sv(docn));
		return;
	}
	for (yaml_node_item_t *it = docn->data.sequence.items.start; it < docn->data.sequence.items.top; it++) {
		yaml_node_t *e = rs_node(f, *it);
		if (!rs_is_scalar(e) || !e->data.scalar.length)
			DIAG(L, f, e, "en handling i 'documents' i %s måste vara ett id ur handlingskatalogen, inte %s",
			     what, kind_sv(e));
	}
}

/* The ids of a complete check's documents list, with where each is. */
static void take_documents(struct rs_file *f, yaml_node_t *docn, struct rs_check *c)
{
	if (!docn || docn->type != YAML_SEQUENCE_NODE)
		return;
	size_t cap = (size_t)(docn->data.sequence.items.top - docn->data.sequence.items.start);
	c->documents = xcalloc(cap + 1, sizeof(*c->documents));
	c->doc_line = xcalloc(cap + 1, sizeof(*c->doc_line));
	c->doc_col = xcalloc(cap + 1, sizeof(*c->doc_col));
	c->doc_file = xstrdup(f->name);
	for (yaml_node_item_t *it = docn->data.sequence.items.start; it < docn->data.sequence.items.top; it++) {
		yaml_node_t *e = rs_node(f, *it);
		const char *id = rs_scalar(e);
		if (!id || !*id)
			continue;
		c->doc_line[c->n_documents] = rs_line(e);
		c->doc_col[c->n_documents] = rs_col(e);
		c->documents[c->n_documents++] = xstrdup(id);
	}
}

static void load_check(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "en kontroll måste vara en mappning med id, expr, outcome och message, inte %s",
		     kind_sv(n));
		return;
	}
	rs_check_keys(f, n, CHECK_KEYS, "a check", &L->d);
	yaml_node_t *idn = rs_map_get(f, n, "id");
	const char *id = need_scalar(L, f, n, idn, "id", "en kontroll");
	if (!id)
		return;
	if (!valid_ident(id, true)) {
		DIAG(L, f, idn, "kontroll-id '%s' får bara innehålla små bokstäver a-z, siffror och '-'", id);
		return;
	}
	for (size_t i = 0; i < rs->n_checks; i++)
		if (strcmp(rs->checks[i].id, id) == 0) {
			DIAG(L, f, idn, "kontroll-id '%s' används två gånger", id);
			return;
		}
	char *what = xasprintf("kontrollen '%s'", id);
	yaml_node_t *exprn = rs_map_get(f, n, "expr"), *whenn = rs_map_get(f, n, "when");
	yaml_node_t *outn = rs_map_get(f, n, "outcome"), *msgn = rs_map_get(f, n, "message");
	yaml_node_t *grpn = rs_map_get(f, n, "group");
	const char *expr = need_scalar(L, f, n, exprn, "expr", what);
	const char *msg = need_scalar(L, f, n, msgn, "message", what);
	bool reject = false, complete = false;
	if (outn) {
		const char *o = rs_scalar(outn);
		if (!o || (strcmp(o, "refer") != 0 && strcmp(o, "reject") != 0 && strcmp(o, "complete") != 0)) {
			DIAG(L, f, outn, "outcome för %s måste vara 'refer', 'complete' eller 'reject', inte '%s'",
			     what, o ? o : kind_sv(outn));
		} else {
			reject = strcmp(o, "reject") == 0;
			complete = strcmp(o, "complete") == 0;
		}
	}
	yaml_node_t *retryn = rs_map_get(f, n, "retry");
	const char *retry = retryn ? rs_scalar(retryn) : NULL;
	if (retryn && (!retry || strcmp(retry, "registers") != 0))
		DIAG(L, f, retryn, "retry för %s kan bara vara 'registers' (pröva igen när registren svarar), inte '%s'",
		     what, retry ? retry : kind_sv(retryn));
	if (whenn && (!rs_is_scalar(whenn) || !whenn->data.scalar.length))
		DIAG(L, f, whenn, "'when' i %s måste vara ett uttryck, inte %s", what, kind_sv(whenn));
	yaml_node_t *docn = rs_map_get(f, n, "documents");
	check_documents_key(L, f, n, docn, complete, what);
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
	c->complete = complete;
	c->retry_registers = retry && strcmp(retry, "registers") == 0;
	c->message_src = xstrdup(msg);
	if (complete)
		take_documents(f, docn, c);
	const char *desc = rs_scalar(rs_map_get(f, n, "description"));
	if (desc && *desc)
		c->description = xstrdup(desc);
	/* the program slots move when checks grows: compile through indexes later */
	free(what);
}

static void load_checks(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		DIAG(L, f, n, "'checks' måste vara en lista med kontroller (- id: ...), inte %s", kind_sv(n));
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		load_check(L, f, rs_node(f, *it));
}

/* An optional expression of calculation (notes, lines) as derived fact name. */
static void load_calc_extra(struct loader *L, struct rs_file *f, yaml_node_t *n, const char *key,
			    const char *name, int *index)
{
	yaml_node_t *e = rs_map_get(f, n, key);
	if (!e)
		return;
	if (!rs_is_scalar(e) || !e->data.scalar.length) {
		DIAG(L, f, e, "'%s' i calculation måste vara ett uttryck, inte %s", key, kind_sv(e));
		return;
	}
	*index = (int)L->rs->n_derived;
	add_derived(L, f, e, e, name);
}

static void load_calculation(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'calculation' måste vara en mappning med norm, costs, incomes och amount, inte %s",
		     kind_sv(n));
		return;
	}
	if (L->have_calc) {
		DIAG(L, f, n, "'calculation' anges två gånger");
		return;
	}
	L->have_calc = true;
	rs_check_keys(f, n, CALC_KEYS, "calculation", &L->d);
	for (int k = 0; k < RS_CALC_COUNT; k++) {
		const char *key = RS_CALC[k].key;
		yaml_node_t *e = rs_map_get(f, n, key);
		if (!e) {
			DIAG(L, f, n, "calculation saknar '%s'", key);
			L->rs->calc[k] = (int)L->rs->n_derived;
			add_derived(L, f, n, NULL, RS_CALC[k].fact);
			continue;
		}
		if (!rs_is_scalar(e) || !e->data.scalar.length) {
			DIAG(L, f, e, "'%s' i calculation måste vara ett uttryck, inte %s", key,
			     kind_sv(e));
			continue;
		}
		L->rs->calc[k] = (int)L->rs->n_derived;
		add_derived(L, f, rs_map_get(f, n, key) ? e : n, e, RS_CALC[k].fact);
	}
	/* Optional: lines of text shown under the calculation, and the
	 * calculation's own lines (what each figure is made of), rules_eval.c. */
	load_calc_extra(L, f, n, "notes", "calc.notes", &L->rs->calc_notes);
	load_calc_extra(L, f, n, "lines", "calc.lines", &L->rs->calc_lines);
}

static void load_audit(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'audit' måste vara en mappning med sample och flags, inte %s", kind_sv(n));
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
				DIAG(L, f, v, "stickprovsandelen '%s' måste vara en andel mellan 0 och 1 (0.1 är 10 %%)",
				     t ? t : "?");
			else
				rs->sample[k] = x;
		}
	}
	yaml_node_t *fl = rs_map_get(f, n, "flags");
	if (fl && fl->type != YAML_SEQUENCE_NODE) {
		DIAG(L, f, fl, "'flags' i audit måste vara en lista, inte %s", kind_sv(fl));
		return;
	}
	for (yaml_node_item_t *it = fl ? fl->data.sequence.items.start : NULL;
	     fl && it < fl->data.sequence.items.top; it++) {
		yaml_node_t *e = rs_node(f, *it);
		if (e->type != YAML_MAPPING_NODE) {
			DIAG(L, f, e, "en granskningsflagga måste vara en mappning med id, when och reason, inte %s",
			     kind_sv(e));
			continue;
		}
		rs_check_keys(f, e, FLAG_KEYS, "an audit flag", &L->d);
		const char *id = need_scalar(L, f, e, rs_map_get(f, e, "id"), "id", "en granskningsflagga");
		const char *w = need_scalar(L, f, e, rs_map_get(f, e, "when"), "when", "en granskningsflagga");
		const char *r = need_scalar(L, f, e, rs_map_get(f, e, "reason"), "reason", "en granskningsflagga");
		if (!id || !w || !r)
			continue;
		rs->flags = xrealloc(rs->flags, (rs->n_flags + 1) * sizeof(*rs->flags));
		struct rs_flag *fg = &rs->flags[rs->n_flags++];
		memset(fg, 0, sizeof(*fg));
		fg->id = xstrdup(id);
	}
}

/* The checks of f, matched in order with rs->checks from the first walk; *ci counts them. */
static void queue_checks(struct loader *L, struct rs_file *f, size_t *ci)
{
	struct ruleset *rs = L->rs;
	yaml_node_t *cn = rs_map_get(f, rs_root(f), "checks");
	if (!cn || cn->type != YAML_SEQUENCE_NODE)
		return;
	for (yaml_node_item_t *it = cn->data.sequence.items.start; it < cn->data.sequence.items.top;
	     it++) {
		yaml_node_t *n = rs_node(f, *it);
		const char *id = rs_scalar(rs_map_get(f, n, "id"));
		if (!id || *ci >= rs->n_checks || strcmp(rs->checks[*ci].id, id) != 0 ||
		    !rs_is_scalar(rs_map_get(f, n, "expr")) ||
		    !rs_is_scalar(rs_map_get(f, n, "message")))
			continue;
		struct rs_check *c = &rs->checks[(*ci)++];
		yaml_node_t *w = rs_map_get(f, n, "when"), *e = rs_map_get(f, n, "expr");
		c->file = xstrdup(f->name);
		c->line[0] = rs_line(w);
		c->col[0] = rs_col(w);
		c->line[1] = rs_line(e);
		c->col[1] = rs_col(e);
		if (rs_is_scalar(w) && w->data.scalar.length)
			add_pending(L, &c->when, f, w, 0, rs_scalar(w), w->data.scalar.length, -1);
		add_pending(L, &c->expr, f, e, 0, rs_scalar(e), e->data.scalar.length, -1);
		char what[160];
		snprintf(what, sizeof(what), "meddelandet i kontrollen '%s'", c->id);
		parse_text(L, f, rs_map_get(f, n, "message"), &c->message, what);
	}
}

/* The audit flags of f, matched in order with rs->flags; *fi counts them. */
static void queue_flags(struct loader *L, struct rs_file *f, size_t *fi)
{
	struct ruleset *rs = L->rs;
	yaml_node_t *fl = rs_map_get(f, rs_map_get(f, rs_root(f), "audit"), "flags");
	if (!fl || fl->type != YAML_SEQUENCE_NODE)
		return;
	for (yaml_node_item_t *it = fl->data.sequence.items.start; it < fl->data.sequence.items.top;
	     it++) {
		yaml_node_t *n = rs_node(f, *it);
		const char *id = rs_scalar(rs_map_get(f, n, "id"));
		if (!id || *fi >= rs->n_flags || strcmp(rs->flags[*fi].id, id) != 0 ||
		    !rs_is_scalar(rs_map_get(f, n, "when")) ||
		    !rs_is_scalar(rs_map_get(f, n, "reason")))
			continue;
		struct rs_flag *fg = &rs->flags[(*fi)++];
		yaml_node_t *w = rs_map_get(f, n, "when");
		add_pending(L, &fg->when, f, w, 0, rs_scalar(w), w->data.scalar.length, -1);
		fg->reason_src = xstrdup(rs_scalar(rs_map_get(f, n, "reason")));
		parse_text(L, f, rs_map_get(f, n, "reason"), &fg->reason, "en granskningsflaggas reason");
	}
}

/*
 * One paragraph of the letter's reasons: an id, an optional `when`, an
 * optional `each` (a list: the text is rendered once per element, with
 * `item` bound to it, one line each) and the text.
 */
static void queue_paragraph(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	if (n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "ett stycke i brevets 'reasons' måste vara en mappning med id och text, inte %s",
		     kind_sv(n));
		return;
	}
	rs_check_keys(f, n, PARAGRAPH_KEYS, "a letter paragraph", &L->d);
	const char *id = need_scalar(L, f, n, rs_map_get(f, n, "id"), "id", "ett stycke i brevet");
	yaml_node_t *tn = rs_map_get(f, n, "text");
	const char *text = need_scalar(L, f, n, tn, "text", "ett stycke i brevet");
	if (!id || !text)
		return;
	for (size_t i = 0; i < rs->n_paras; i++)
		if (strcmp(rs->paras[i].id, id) == 0) {
			DIAG(L, f, rs_map_get(f, n, "id"), "stycket '%s' i brevet anges två gånger", id);
			return;
		}
	yaml_node_t *w = rs_map_get(f, n, "when"), *e = rs_map_get(f, n, "each");
	for (yaml_node_t *x = w; x; x = x == w ? e : NULL)
		if (x && (!rs_is_scalar(x) || !x->data.scalar.length)) {
			DIAG(L, f, x, "'%s' i stycket '%s' måste vara ett uttryck, inte %s",
			     x == w ? "when" : "each", id, kind_sv(x));
			return;
		}
	/* sized before any slot is handed out: pending programs point into it */
	struct rs_paragraph *p = &rs->paras[rs->n_paras++];
	const char *desc = rs_scalar(rs_map_get(f, n, "description"));
	*p = (struct rs_paragraph){.id = xstrdup(id), .text_src = xstrdup(text),
				   .description = desc && *desc ? xstrdup(desc) : NULL,
				   .line = rs_line(n), .col = rs_col(n)};
	if (w)
		add_pending(L, &p->when, f, w, 0, rs_scalar(w), w->data.scalar.length, -1);
	if (e)
		add_pending(L, &p->each, f, e, 0, rs_scalar(e), e->data.scalar.length, -1);
	char what[160];
	snprintf(what, sizeof(what), "stycket '%s' i brevet", p->id);
	parse_text(L, f, tn, &p->text, what);
}

static void queue_paragraphs(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (!n)
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		DIAG(L, f, n, "brevets 'reasons' måste vara en lista med stycken (- id: ..., text: ...), inte %s",
		     kind_sv(n));
		return;
	}
	if (L->rs->paras) {
		DIAG(L, f, n, "brevets 'reasons' anges två gånger");
		return;
	}
	size_t cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	L->rs->paras = xcalloc(cap ? cap : 1, sizeof(*L->rs->paras));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		queue_paragraph(L, f, rs_node(f, *it));
}

/* The letters section of f: one 'approved' letter in the whole rule set. */
static void queue_letter(struct loader *L, struct rs_file *f)
{
	struct ruleset *rs = L->rs;
	yaml_node_t *ln = rs_map_get(f, rs_root(f), "letters");
	if (!ln)
		return;
	if (ln->type != YAML_MAPPING_NODE) {
		DIAG(L, f, ln, "'letters' måste vara en mappning (approved: |...), inte %s", kind_sv(ln));
		return;
	}
	rs_check_keys(f, ln, LETTER_KEYS, "letters", &L->d);
	yaml_node_t *ap = rs_map_get(f, ln, "approved");
	if (ap && (!rs_is_scalar(ap) || !ap->data.scalar.length)) {
		DIAG(L, f, ap, "brevet 'approved' måste vara text, inte %s", kind_sv(ap));
	} else if (ap && rs->has_letter) {
		DIAG(L, f, ap, "brevet 'approved' anges två gånger");
	} else if (ap) {
		rs->has_letter = true;
		parse_text(L, f, ap, &rs->letter, "brevet 'approved'");
	}
	queue_paragraphs(L, f, rs_map_get(f, ln, "reasons"));
	static const char *const PERSON[2] = {"partly_approved", "rejected"};
	for (int k = 0; k < 2; k++) {
		yaml_node_t *pn = rs_map_get(f, ln, PERSON[k]);
		if (pn && (!rs_is_scalar(pn) || !pn->data.scalar.length)) {
			DIAG(L, f, pn, "brevet '%s' måste vara text, inte %s", PERSON[k], kind_sv(pn));
		} else if (pn && rs->has_person_letter[k]) {
			DIAG(L, f, pn, "brevet '%s' anges två gånger", PERSON[k]);
		} else if (pn) {
			char what[64];
			snprintf(what, sizeof(what), "brevet '%s'", PERSON[k]);
			rs->has_person_letter[k] = true;
			parse_text(L, f, pn, &rs->person_letter[k], what);
		}
	}
	yaml_node_t *cl = rs_map_get(f, ln, "closing");
	if (cl && (!rs_is_scalar(cl) || !cl->data.scalar.length)) {
		DIAG(L, f, cl, "brevets 'closing' måste vara text, inte %s", kind_sv(cl));
	} else if (cl && rs->has_closing) {
		DIAG(L, f, cl, "brevets 'closing' anges två gånger");
	} else if (cl) {
		rs->has_closing = true;
		parse_text(L, f, cl, &rs->closing, "brevets 'closing'");
	}
	rs_load_request_letter(L, f, rs_map_get(f, ln, "documents_requested"));
}

void rs_queue_expressions(struct loader *L)
{
	size_t ci = 0, fi = 0;
	for (size_t k = 0; k < L->n_files; k++) {
		queue_checks(L, &L->files[k], &ci);
		queue_flags(L, &L->files[k], &fi);
		queue_letter(L, &L->files[k]);
	}
}

void rs_check_coverage(struct loader *L)
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
				"parametern '%s' har inget gällande värde för %s (regeluppsättningen gäller från %s; parameterns första värde är från %s)",
				p->name, rs->valid_from, rs->valid_from, p->v[0].from);
	}
}

void rs_load_sections(struct loader *L, struct rs_file *f)
{
	yaml_node_t *root = rs_root(f);
	if (!root)
		return;    /* an empty file */
	if (root->type != YAML_MAPPING_NODE) {
		DIAG(L, f, root,
		     "en regelfil måste vara en mappning av avsnitt (ruleset, parameters, derived, checks, calculation, audit, letters), inte %s",
		     kind_sv(root));
		return;
	}
	rs_check_keys(f, root, TOP_KEYS, "a rule file", &L->d);
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		const char *k = rs_scalar(rs_node(f, p->key));
		yaml_node_t *v = rs_node(f, p->value);
		if (!k)
			continue;
		if (strcmp(k, "ruleset") == 0)
			load_ruleset(L, f, v);
		else if (strcmp(k, "parameters") == 0)
			load_parameters(L, f, v);
		else if (strcmp(k, "derived") == 0)
			load_derived(L, f, v);
		else if (strcmp(k, "checks") == 0)
			load_checks(L, f, v);
		else if (strcmp(k, "calculation") == 0)
			load_calculation(L, f, v);
		else if (strcmp(k, "audit") == 0)
			load_audit(L, f, v);
		else if (strcmp(k, "delegation") == 0)
			rs_load_delegation(L, f, v);
		else if (strcmp(k, "reasons") == 0)
			rs_load_reasons(L, f, v);
		else if (strcmp(k, "appeal") == 0)
			rs_load_appeal(L, f, v);
		else if (strcmp(k, "sentences") == 0)
			rs_load_sentences(L, f, v);
		else if (strcmp(k, "documents") == 0)
			rs_load_documents(L, f, v);
	}
}
