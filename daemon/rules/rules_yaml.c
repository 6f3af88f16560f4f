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
#include "ebba/lib/log.h"
#include "ebba/lib/yaml.h"
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

/*
 * rules_load.c walks libyaml's yaml_node_t; the file is read by lib/yaml
 * (limits, positions, anchors and repeated keys refused) and mirrored into
 * a libyaml document with the same positions.
 */
static yaml_scalar_style_t libyaml_style(enum ynode_style s)
{
	switch (s) {
	case YS_SINGLE: return YAML_SINGLE_QUOTED_SCALAR_STYLE;
	case YS_DOUBLE: return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	case YS_LITERAL: return YAML_LITERAL_SCALAR_STYLE;
	case YS_FOLDED: return YAML_FOLDED_SCALAR_STYLE;
	case YS_PLAIN: break;
	}
	return YAML_PLAIN_SCALAR_STYLE;
}

static int mirror(yaml_document_t *doc, const struct ynode *n)
{
	int id;
	if (n->kind == YN_SCALAR)
		id = yaml_document_add_scalar(doc, NULL, (yaml_char_t *)n->text, (int)n->len,
					      libyaml_style(n->style));
	else if (n->kind == YN_SEQ)
		id = yaml_document_add_sequence(doc, NULL, YAML_ANY_SEQUENCE_STYLE);
	else
		id = yaml_document_add_mapping(doc, NULL, YAML_ANY_MAPPING_STYLE);
	if (!id)
		fatal("out of memory building a YAML document");
	yaml_node_t *y = yaml_document_get_node(doc, id);
	y->start_mark = (yaml_mark_t){.index = n->offset, .line = n->line - 1, .column = n->col - 1};
	for (size_t i = 0; n->kind == YN_SEQ && i < n->n; i++)
		yaml_document_append_sequence_item(doc, id, mirror(doc, &n->kids[i]));
	for (size_t i = 0; n->kind == YN_MAP && i + 1 < n->n; i += 2) {
		int k = mirror(doc, &n->kids[i]);
		yaml_document_append_mapping_pair(doc, id, k, mirror(doc, &n->kids[i + 1]));
	}
	return id;
}

static const struct ylimits rules_limits = {.max_bytes = RULES_MAX_FILE_BYTES, .max_depth = 32};

int rs_file_parse(struct rs_file *f, struct rs_diags *d)
{
	struct ebba_err err;
	struct ydoc *y = ydoc_parse(f->name, f->text.data, f->text.len, &rules_limits, &err);
	if (!y) {
		unsigned line, col;
		const char *text = yerr_split(f->name, err.msg, &line, &col);
		rs_diag(d, false, f->name, line, col, "%s", text);
		return -1;
	}
	if (!yaml_document_initialize(&f->doc, NULL, NULL, NULL, 1, 1))
		fatal("out of memory building a YAML document");
	f->has_doc = true;
	if (y->root)
		mirror(&f->doc, y->root);
	f->tree = y;
	return 0;
}

void rs_file_free(struct rs_file *f)
{
	if (f->has_doc)
		yaml_document_delete(&f->doc);
	ydoc_free(f->tree);
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

/* The indentation before segment i when it starts a line (else -1). */
static long line_indent(const struct rs_text *t, size_t i)
{
	const char *lit = i > 0 ? t->segs[i - 1].lit : "";
	if (!lit)
		return -1;
	size_t n = strlen(lit), k = n;
	while (k > 0 && lit[k - 1] == ' ')
		k--;
	if (k > 0 && lit[k - 1] != '\n')
		return -1;
	if (k == 0 && i > 1)
		return -1;
	return (long)(n - k);
}

/* Segment i ends its line (the next literal starts with a newline, or there is none). */
static bool ends_line(const struct rs_text *t, size_t i)
{
	return i + 1 == t->n || (t->segs[i + 1].lit && t->segs[i + 1].lit[0] == '\n');
}

/*
 * A list alone on its line is written one element a line at the same
 * indentation, and an empty one leaves no line at all: so a letter can
 * carry lines that only some decisions have (calc.notes).  Returns true
 * when the newline after the segment must be dropped.
 */
static bool render_lines(struct cel_value v, long indent, struct ebba_buf *out)
{
	size_t n = cel_list_size(v);
	if (n == 0) {
		out->len -= (size_t)indent;
		if (out->data)
			out->data[out->len] = '\0';
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_printf(out, "\n%*s", (int)indent, "");
		rs_value_human(cel_list_get(v, i), out);
	}
	return false;
}

void rs_text_render(const struct rs_text *t, const struct cel_activation *act,
		    struct cel_arena *arena, struct ebba_buf *out)
{
	bool drop_newline = false;
	for (size_t i = 0; i < t->n; i++) {
		if (t->segs[i].lit) {
			buf_puts(out, t->segs[i].lit + (drop_newline ? 1 : 0));
			drop_newline = false;
			continue;
		}
		struct cel_value v = cel_eval(t->segs[i].prog, act, arena);
		long indent = line_indent(t, i);
		if (v.kind == CEL_LIST && indent >= 0 && ends_line(t, i))
			drop_newline = render_lines(v, indent, out);
		else
			rs_value_human(v, out);
	}
}
