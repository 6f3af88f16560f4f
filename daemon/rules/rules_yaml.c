/*
 * YAML and diagnostics helpers of the rule engine: every problem is kept
 * with its file, line and column so supervisors get "file:line:col: ..."
 * lines, sorted, all at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/cel/cel.h"
#include "rules_impl.h"

/* ------------------------------------------------------------- diagnostics */

void rs_diag(struct rs_diags *d, bool warning, const char *file, unsigned line, unsigned col,
	     const char *fmt, ...)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = xrealloc(d->items, d->cap * sizeof(*d->items));
	}
	struct rs_diag_item *it = &d->items[d->n];
	it->file = xstrdup(file ? file : "?");
	it->line = line;
	it->col = col;
	it->warning = warning;
	it->seq = d->n;
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	it->text = s ? s : xstrdup("?");
	d->n++;
	if (warning)
		d->warnings++;
	else
		d->errors++;
}

static int diag_cmp(const void *a, const void *b)
{
	const struct rs_diag_item *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void rs_diags_flush(struct rs_diags *d, struct ebba_buf *out)
{
	if (d->n)
		qsort(d->items, d->n, sizeof(*d->items), diag_cmp);
	for (size_t i = 0; out && i < d->n; i++)
		buf_printf(out, "%s:%u:%u: %s%s\n", d->items[i].file, d->items[i].line,
			   d->items[i].col, d->items[i].warning ? "warning: " : "", d->items[i].text);
}

void rs_diags_free(struct rs_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].text);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}

/* ------------------------------------------------------------- YAML */

/* Counts references to each node; a node referenced twice came from an alias. */
static bool has_alias(yaml_document_t *doc, yaml_node_t **where)
{
	size_t n = (size_t)(doc->nodes.top - doc->nodes.start);
	unsigned char *refs = xcalloc(n + 1, 1);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		yaml_node_t *node = &doc->nodes.start[i];
		if (node->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = node->data.sequence.items.start;
			     it < node->data.sequence.items.top && !found; it++)
				if (*it >= 1 && (size_t)*it <= n && refs[*it]++) {
					found = true;
					*where = &doc->nodes.start[*it - 1];
				}
		} else if (node->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
			     p < node->data.mapping.pairs.top && !found; p++) {
				int ks[2] = {p->key, p->value};
				for (int k = 0; k < 2 && !found; k++)
					if (ks[k] >= 1 && (size_t)ks[k] <= n && refs[ks[k]]++) {
						found = true;
						*where = &doc->nodes.start[ks[k] - 1];
					}
			}
		}
	}
	free(refs);
	return found;
}

int rs_file_parse(struct rs_file *f, struct rs_diags *d)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		rs_diag(d, false, f->name, 1, 1, "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)(f->text.data ? f->text.data : ""),
				     f->text.len);
	int rc = 0;
	if (!yaml_parser_load(&p, &f->doc)) {
		const char *what = p.problem ? p.problem : "cannot be read";
		yaml_mark_t m = p.problem_mark;
		if (p.context)
			rs_diag(d, false, f->name, (unsigned)m.line + 1, (unsigned)m.column + 1,
				"YAML syntax error: %s (%s)", what, p.context);
		else
			rs_diag(d, false, f->name, (unsigned)m.line + 1, (unsigned)m.column + 1,
				"YAML syntax error: %s", what);
		yaml_parser_delete(&p);
		return -1;
	}
	f->has_doc = true;
	yaml_node_t *alias = NULL;
	if (has_alias(&f->doc, &alias)) {
		rs_diag(d, false, f->name, rs_line(alias), rs_col(alias),
			"anchors and aliases (&name, *name) are not allowed in rule files; write the value out");
		rc = -1;
	}
	yaml_document_t extra;
	if (rc == 0 && yaml_parser_load(&p, &extra)) {
		yaml_node_t *r = yaml_document_get_root_node(&extra);
		if (r) {
			rs_diag(d, false, f->name, rs_line(r), rs_col(r),
				"a rule file holds one YAML document; remove the second ('---')");
			rc = -1;
		}
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&p);
	return rc;
}

void rs_file_free(struct rs_file *f)
{
	if (f->has_doc)
		yaml_document_delete(&f->doc);
	buf_free(&f->text);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

yaml_node_t *rs_node(struct rs_file *f, int idx)
{
	return yaml_document_get_node(&f->doc, idx);
}

yaml_node_t *rs_root(struct rs_file *f)
{
	return f->has_doc ? yaml_document_get_root_node(&f->doc) : NULL;
}

bool rs_is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

const char *rs_scalar(const yaml_node_t *n)
{
	return rs_is_scalar(n) ? (const char *)n->data.scalar.value : NULL;
}

bool rs_is_plain(const yaml_node_t *n)
{
	return rs_is_scalar(n) && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

unsigned rs_line(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.line + 1 : 1;
}

unsigned rs_col(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.column + 1 : 1;
}

const char *rs_node_kind(const yaml_node_t *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE: return "a mapping (key: value)";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_SCALAR_NODE: return n->data.scalar.length ? "a single value" : "empty";
	default: return "nothing";
	}
}

yaml_node_t *rs_map_get(struct rs_file *f, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = rs_scalar(rs_node(f, p->key));
		if (k && strcmp(k, key) == 0)
			return rs_node(f, p->value);
	}
	return NULL;
}

static size_t utf8_cols(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

void rs_scalar_pos(struct rs_file *f, const yaml_node_t *n, size_t offset, unsigned *line,
		   unsigned *col)
{
	*line = rs_line(n);
	*col = rs_col(n);
	if (!rs_is_scalar(n))
		return;
	const char *v = (const char *)n->data.scalar.value;
	size_t vlen = n->data.scalar.length;
	if (offset > vlen)
		offset = vlen;
	size_t nl = 0, last = 0;
	for (size_t i = 0; i < offset; i++)
		if (v[i] == '\n') {
			nl++;
			last = i + 1;
		}
	yaml_scalar_style_t st = n->data.scalar.style;
	if (st == YAML_LITERAL_SCALAR_STYLE || st == YAML_FOLDED_SCALAR_STYLE) {
		/* content starts on the line after the indicator; find its indentation */
		const char *t = f->text.data;
		size_t i = n->start_mark.index;
		unsigned l = *line;
		while (i < f->text.len && t[i] != '\n')
			i++;
		unsigned indent = 0;
		while (i < f->text.len) {
			i++;
			l++;
			indent = 0;
			while (i < f->text.len && t[i] == ' ') {
				i++;
				indent++;
			}
			if (i < f->text.len && t[i] != '\n')
				break;
		}
		*line = l + (unsigned)nl;
		*col = indent + 1 + (unsigned)utf8_cols(v + last, offset - last);
		return;
	}
	unsigned quote = (st == YAML_SINGLE_QUOTED_SCALAR_STYLE || st == YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	if (nl == 0) {
		*col += quote + (unsigned)utf8_cols(v, offset);
	} else {
		*line += (unsigned)nl;
		*col = 1 + (unsigned)utf8_cols(v + last, offset - last);
	}
}

const char *rs_suggest(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bd = 99;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		size_t dd = edit_distance(s, cands[i]);
		if (dd < bd) {
			bd = dd;
			best = cands[i];
		}
	}
	size_t limit = strlen(s) / 3;
	if (limit < 2)
		limit = 2;
	return bd <= limit ? best : NULL;
}

void rs_check_keys(struct rs_file *f, yaml_node_t *map, const char *const *allowed,
		   const char *what, struct rs_diags *d)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return;
	size_t na = 0;
	while (allowed[na])
		na++;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = rs_node(f, p->key);
		const char *k = rs_scalar(kn);
		if (!k) {
			rs_diag(d, false, f->name, rs_line(kn), rs_col(kn), "a key must be a plain name");
			continue;
		}
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			const char *k2 = rs_scalar(rs_node(f, q->key));
			if (k2 && strcmp(k, k2) == 0) {
				rs_diag(d, false, f->name, rs_line(kn), rs_col(kn),
					"'%s' is given twice in %s (first on line %u)", k, what,
					rs_line(rs_node(f, q->key)));
				break;
			}
		}
		if (!allowed[0])
			continue;
		bool ok = false;
		for (size_t i = 0; i < na; i++)
			ok |= strcmp(allowed[i], k) == 0;
		if (ok)
			continue;
		const char *sug = rs_suggest(k, allowed, na);
		struct ebba_buf list = {0};
		for (size_t i = 0; i < na; i++)
			buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
		if (sug)
			rs_diag(d, false, f->name, rs_line(kn), rs_col(kn),
				"unknown key '%s' in %s (did you mean '%s'?)", k, what, sug);
		else
			rs_diag(d, false, f->name, rs_line(kn), rs_col(kn),
				"unknown key '%s' in %s (expected one of: %s)", k, what, list.data);
		buf_free(&list);
	}
}

static bool parse_int(const char *s, int64_t *out)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return false;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	if (strlen(p) > 18)
		return false;
	*out = strtoll(s, NULL, 10);
	return true;
}

static bool parse_double(const char *s, double *out)
{
	char *end = NULL;
	bool digit = false, dot = false;
	for (const char *q = s; *q; q++) {
		if (*q >= '0' && *q <= '9')
			digit = true;
		else if (*q == '.' || *q == 'e' || *q == 'E')
			dot = true;
		else if (*q != '-' && *q != '+')
			return false;
	}
	if (!digit || !dot)
		return false;
	*out = strtod(s, &end);
	return end && *end == '\0';
}

struct cel_value rs_node_value(struct rs_file *f, yaml_node_t *n, struct cel_arena *arena,
			       int depth)
{
	if (!n || depth > 16)
		return cel_null();
	if (n->type == YAML_SCALAR_NODE) {
		const char *s = rs_scalar(n);
		if (rs_is_plain(n)) {
			int64_t i;
			double dv;
			if (strcmp(s, "true") == 0)
				return cel_bool(true);
			if (strcmp(s, "false") == 0)
				return cel_bool(false);
			if (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || !*s)
				return cel_null();
			if (parse_int(s, &i))
				return cel_int(i);
			if (parse_double(s, &dv))
				return cel_double(dv);
		}
		return cel_stringn(arena, s, n->data.scalar.length);
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		struct cel_value l = cel_list_new(arena, 4);
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			cel_list_append(arena, l, rs_node_value(f, rs_node(f, *it), arena, depth + 1));
		return l;
	}
	if (n->type == YAML_MAPPING_NODE) {
		struct cel_value m = cel_map_new(arena, 4);
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			struct cel_value k = rs_node_value(f, rs_node(f, p->key), arena, depth + 1);
			if (k.kind != CEL_STRING && k.kind != CEL_INT && k.kind != CEL_BOOL)
				continue;
			cel_map_set(arena, m, k, rs_node_value(f, rs_node(f, p->value), arena, depth + 1),
				    NULL);
		}
		return m;
	}
	return cel_null();
}

/* ------------------------------------------------------------- text rendering */

void rs_value_human(struct cel_value v, struct ebba_buf *out)
{
	switch (v.kind) {
	case CEL_STRING:
		buf_append(out, v.str, v.len);
		break;
	case CEL_BOOL:
		buf_puts(out, v.b ? "ja" : "nej");
		break;
	case CEL_INT:
		buf_printf(out, "%lld", (long long)v.i);
		break;
	case CEL_UINT:
		buf_printf(out, "%llu", (unsigned long long)v.u);
		break;
	case CEL_LIST:
		for (size_t i = 0; i < cel_list_size(v); i++) {
			if (i)
				buf_puts(out, ", ");
			rs_value_human(cel_list_get(v, i), out);
		}
		break;
	case CEL_ERROR:
		buf_puts(out, "(fel: ");
		buf_append(out, v.str, v.len);
		buf_puts(out, ")");
		break;
	case CEL_NULL:
		buf_puts(out, "-");
		break;
	default:
		cel_value_format(v, out);
		break;
	}
}

void rs_text_render(const struct rs_text *t, const struct cel_activation *act,
		    struct cel_arena *arena, struct ebba_buf *out)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->segs[i].lit)
			buf_puts(out, t->segs[i].lit);
		else
			rs_value_human(cel_eval(t->segs[i].prog, act, arena), out);
	}
}
