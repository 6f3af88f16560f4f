/*
 * The YAML reader (include/ebba/lib/yaml.h): libyaml events into a tree
 * with positions.  Events rather than yaml_parser_load() because the
 * document API expands aliases before anyone can refuse them and has no
 * depth or node limit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ebba/lib/pnr.h"
#include "ebba/lib/util.h"
#include "ebba/lib/yaml.h"

/* ---- messages ---- */

static void clean(char *msg)
{
	pnr_scrub(msg);
	/* Keys and values are quoted in messages: keep the message one line. */
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}

static int vemit(const char *name, unsigned line, unsigned col, struct ebba_err *err,
		 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static int vemit(const char *name, unsigned line, unsigned col, struct ebba_err *err,
		 const char *fmt, va_list ap)
{
	char msg[EBBA_ERR_MAX];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clean(msg);
	if (line > 0)
		return ebba_errf(err, "%s:%u:%u: %s", name, line, col, msg);
	return ebba_errf(err, "%s: %s", name, msg);
}

int yerrf_at(const char *name, unsigned line, unsigned col, struct ebba_err *err, const char *fmt,
	     ...)
{
	va_list ap;
	va_start(ap, fmt);
	vemit(name, line, col, err, fmt, ap);
	va_end(ap);
	return -1;
}

int yerrf(const struct ydoc *d, const struct ynode *n, struct ebba_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vemit(d->name, n ? n->line : 0, n ? n->col : 0, err, fmt, ap);
	va_end(ap);
	return -1;
}

const char *yerr_split(const char *name, const char *msg, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	size_t nl = strlen(name);
	if (strncmp(msg, name, nl) != 0 || msg[nl] != ':')
		return msg;
	const char *p = msg + nl + 1;
	unsigned l, c;
	int used = 0;
	if (sscanf(p, "%u:%u: %n", &l, &c, &used) == 2 && used > 0) {
		*line = l;
		*col = c;
		return p + used;
	}
	return *p == ' ' ? p + 1 : p;
}

/* ---- the tree ---- */

static void node_clear(struct ynode *n)
{
	for (size_t i = 0; i < n->n; i++)
		node_clear(&n->kids[i]);
	free(n->kids);
	free(n->text);
}

void ydoc_free(struct ydoc *d)
{
	if (!d)
		return;
	if (d->root) {
		node_clear(d->root);
		free(d->root);
	}
	free(d->name);
	free(d);
}

struct ydoc *ydoc_new(const char *name)
{
	struct ydoc *d = xcalloc(1, sizeof(*d));
	d->name = xstrdup(name ? name : "?");
	return d;
}

struct ynode *ydoc_set_root(struct ydoc *d, enum ynode_kind kind)
{
	d->root = xcalloc(1, sizeof(*d->root));
	d->root->kind = kind;
	d->n_nodes++;
	return d->root;
}

struct ynode *ynode_add(struct ydoc *d, struct ynode *parent, enum ynode_kind kind)
{
	if (parent->n == parent->cap) {
		parent->cap = parent->cap ? parent->cap * 2 : 4;
		parent->kids = xrealloc(parent->kids, parent->cap * sizeof(*parent->kids));
	}
	struct ynode *k = &parent->kids[parent->n++];
	*k = (struct ynode){.kind = kind};
	d->n_nodes++;
	return k;
}

void ynode_set_text(struct ynode *n, const char *text, size_t len)
{
	free(n->text);
	n->text = xstrndup(text, len);
	n->len = strlen(n->text);
}

struct ynode *ynode_add_scalar(struct ydoc *d, struct ynode *parent, const char *text, size_t len,
			       const struct ynode *at)
{
	struct ynode *k = ynode_add(d, parent, YN_SCALAR);
	ynode_set_text(k, text, len);
	if (at) {
		k->line = at->line;
		k->col = at->col;
		k->offset = at->offset;
	}
	return k;
}

struct ynode *ynode_add_copy(struct ydoc *d, struct ynode *parent, const struct ynode *src)
{
	struct ynode *k = ynode_add(d, parent, src->kind);
	k->style = src->style;
	k->line = src->line;
	k->col = src->col;
	k->offset = src->offset;
	if (src->text)
		ynode_set_text(k, src->text, src->len);
	for (size_t i = 0; i < src->n; i++)
		ynode_add_copy(d, k, &src->kids[i]);
	return k;
}

/* ---- reading ---- */

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i].kind == YN_SCALAR && strcmp(map->kids[i].text, key) == 0)
			return &map->kids[i + 1];
	return NULL;
}

const char *ynode_text(const struct ynode *n)
{
	return n && n->kind == YN_SCALAR ? n->text : NULL;
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YN_MAP: return "a mapping (key: value)";
	case YN_SEQ: return "a list";
	case YN_SCALAR: return n->len ? "a single value" : "empty";
	}
	return "nothing";
}

int yget_str(const struct ydoc *d, const struct ynode *n, const char *what, const char **out,
	     struct ebba_err *err)
{
	if (!n || n->kind != YN_SCALAR)
		return yerrf(d, n, err, "%s: expected a single value, not %s", what, ynode_kind_name(n));
	*out = n->text;
	return 0;
}

static bool whole_number(const char *s, int64_t *out)
{
	const char *p = s + (*s == '-' || *s == '+');
	if (!*p || strlen(p) > 18)
		return false;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	*out = strtoll(s, NULL, 10);
	return true;
}

int yget_int(const struct ydoc *d, const struct ynode *n, const char *what, int64_t min,
	     int64_t max, int64_t *out, struct ebba_err *err)
{
	int64_t v;
	if (!n || n->kind != YN_SCALAR || !whole_number(n->text, &v) || v < min || v > max)
		return yerrf(d, n, err, "%s: expected a whole number from %lld to %lld", what,
			     (long long)min, (long long)max);
	*out = v;
	return 0;
}

int yget_bool(const struct ydoc *d, const struct ynode *n, const char *what, bool *out,
	      struct ebba_err *err)
{
	const char *s = ynode_text(n);
	if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)) {
		*out = true;
		return 0;
	}
	if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)) {
		*out = false;
		return 0;
	}
	return yerrf(d, n, err, "%s: expected true or false", what);
}

/* ---- YAML -> tree ---- */

struct reader {
	yaml_parser_t parser;
	const char *data;
	size_t len;
	struct ydoc *doc;
	struct ylimits lim;
	struct ebba_err *err;
};

static int next_event(struct reader *r, yaml_event_t *ev)
{
	if (yaml_parser_parse(&r->parser, ev))
		return 0;
	const yaml_parser_t *p = &r->parser;
	const char *problem = p->problem ? p->problem : "error";
	unsigned line = (unsigned)p->problem_mark.line + 1, col = (unsigned)p->problem_mark.column + 1;
	if (p->error == YAML_READER_ERROR) {
		/* Encoding errors carry a byte offset, not a mark. */
		line = 1;
		col = 1;
		for (size_t i = 0; i < p->problem_offset && i < r->len; i++, col++)
			if (r->data[i] == '\n') {
				line++;
				col = 0;
			}
		return yerrf_at(r->doc->name, line, col, r->err, "YAML input: %s", problem);
	}
	if (p->context)
		return yerrf_at(r->doc->name, line, col, r->err, "YAML syntax: %s %s (started at %u:%u)",
				problem, p->context, (unsigned)p->context_mark.line + 1,
				(unsigned)p->context_mark.column + 1);
	return yerrf_at(r->doc->name, line, col, r->err, "YAML syntax: %s", problem);
}

static const yaml_char_t *event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT: return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT: return ev->data.mapping_start.anchor;
	default: return NULL;
	}
}

static enum ynode_style scalar_style(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: return YS_SINGLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return YS_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE: return YS_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE: return YS_FOLDED;
	default: return YS_PLAIN;
	}
}

static int key_cmp(const void *a, const void *b)
{
	const struct ynode *x = *(const struct ynode *const *)a, *y = *(const struct ynode *const *)b;
	int c = strcmp(x->text, y->text);
	return c ? c : (x < y ? -1 : x > y);
}

/*
 * A key given twice: the second one in file order, reported with the line
 * of the first.  Sorting keeps a hostile mapping of many keys from being
 * quadratic.
 */
static int check_duplicates(struct reader *r, const struct ynode *map)
{
	size_t nk = 0;
	const struct ynode **keys = xmalloc((map->n / 2 + 1) * sizeof(*keys));
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i].kind == YN_SCALAR)
			keys[nk++] = &map->kids[i];
	qsort(keys, nk, sizeof(*keys), key_cmp);
	const struct ynode *second = NULL, *first = NULL;
	for (size_t i = 1; i < nk; i++)
		if (strcmp(keys[i - 1]->text, keys[i]->text) == 0 && (!second || keys[i] < second)) {
			second = keys[i];
			size_t j = i - 1;
			while (j > 0 && strcmp(keys[j - 1]->text, keys[i]->text) == 0)
				j--;
			first = keys[j];
		}
	int rc = 0;
	if (second)
		rc = yerrf(r->doc, second, r->err, "duplicate key '%.64s' (first on line %u)",
			   second->text, first->line);
	free(keys);
	return rc;
}

static int read_node(struct reader *r, yaml_event_t *ev, struct ynode *n, unsigned depth);

static int read_children(struct reader *r, yaml_event_t *ev, struct ynode *n, unsigned depth)
{
	yaml_event_type_t end = n->kind == YN_SEQ ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT;
	if (depth >= r->lim.max_depth)
		return yerrf(r->doc, n, r->err, "nested deeper than %u levels", r->lim.max_depth);
	for (;;) {
		if (next_event(r, ev) != 0)
			return -1;
		if (ev->type == end)
			break;
		if (read_node(r, ev, ynode_add(r->doc, n, YN_SCALAR), depth + 1) != 0)
			return -1;
	}
	yaml_event_delete(ev);
	return n->kind == YN_MAP ? check_duplicates(r, n) : 0;
}

/* Reads the node that starts with ev (which this consumes) into n. */
static int read_node(struct reader *r, yaml_event_t *ev, struct ynode *n, unsigned depth)
{
	n->line = (unsigned)ev->start_mark.line + 1;
	n->col = (unsigned)ev->start_mark.column + 1;
	n->offset = ev->start_mark.index;
	int rc = 0;
	if (r->doc->n_nodes > r->lim.max_nodes)
		rc = yerrf(r->doc, n, r->err, "more than %zu YAML nodes", r->lim.max_nodes);
	else if (ev->type == YAML_ALIAS_EVENT)
		rc = yerrf(r->doc, n, r->err, "aliases (*name) are not allowed; write the value out");
	else if (event_anchor(ev))
		rc = yerrf(r->doc, n, r->err, "anchors (&name) are not allowed; write the value out");
	else if (ev->type == YAML_SCALAR_EVENT) {
		n->kind = YN_SCALAR;
		n->style = scalar_style(ev->data.scalar.style);
		ynode_set_text(n, (const char *)ev->data.scalar.value, ev->data.scalar.length);
		if (n->len != ev->data.scalar.length)
			rc = yerrf(r->doc, n, r->err, "NUL character in a value");
	} else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
		n->kind = ev->type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP;
		yaml_event_delete(ev);
		return read_children(r, ev, n, depth);
	} else {
		rc = yerrf(r->doc, n, r->err, "unexpected YAML event");
	}
	yaml_event_delete(ev);
	return rc;
}

/* Stream start, document start, one node, document end, stream end (or an empty stream). */
static int read_stream(struct reader *r)
{
	yaml_event_t ev;
	if (next_event(r, &ev) != 0)
		return -1;
	yaml_event_delete(&ev);    /* stream start */
	if (next_event(r, &ev) != 0)
		return -1;
	bool empty = ev.type == YAML_STREAM_END_EVENT;
	yaml_event_delete(&ev);    /* document start */
	if (empty)
		return 0;
	if (next_event(r, &ev) != 0)
		return -1;
	if (read_node(r, &ev, ydoc_set_root(r->doc, YN_SCALAR), 0) != 0)
		return -1;
	if (next_event(r, &ev) != 0)
		return -1;
	yaml_event_delete(&ev);    /* document end */
	if (next_event(r, &ev) != 0)
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT) {
		unsigned line = (unsigned)ev.start_mark.line + 1, col = (unsigned)ev.start_mark.column + 1;
		yaml_event_delete(&ev);
		return yerrf_at(r->doc->name, line, col, r->err,
				"only one YAML document is allowed; remove the second ('---')");
	}
	yaml_event_delete(&ev);
	return 0;
}

static struct ylimits limits(const struct ylimits *lim)
{
	struct ylimits l = lim ? *lim : (struct ylimits){0};
	if (!l.max_bytes)
		l.max_bytes = YAML_DEFAULT_MAX_BYTES;
	if (!l.max_depth)
		l.max_depth = YAML_DEFAULT_MAX_DEPTH;
	if (!l.max_nodes)
		l.max_nodes = YAML_DEFAULT_MAX_NODES;
	return l;
}

struct ydoc *ydoc_parse(const char *name, const char *data, size_t len, const struct ylimits *lim,
			struct ebba_err *err)
{
	struct reader r = {.data = data ? data : "", .len = len, .lim = limits(lim), .err = err};
	name = name ? name : "?";
	if (len > r.lim.max_bytes) {
		ebba_errf(err, "%s: %zu bytes, larger than the limit of %zu bytes", name, len,
			  r.lim.max_bytes);
		return NULL;
	}
	if (!yaml_parser_initialize(&r.parser)) {
		ebba_errf(err, "%s: cannot initialise the YAML parser", name);
		return NULL;
	}
	r.doc = ydoc_new(name);
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)r.data, len);
	yaml_parser_set_encoding(&r.parser, YAML_UTF8_ENCODING);
	int rc = read_stream(&r);
	yaml_parser_delete(&r.parser);
	if (rc != 0) {
		ydoc_free(r.doc);
		return NULL;
	}
	return r.doc;
}

struct ydoc *ydoc_load(const char *path, const struct ylimits *lim, struct ebba_err *err)
{
	struct ylimits l = limits(lim);
	struct ebba_buf b = {0};
	struct ydoc *d = NULL;
	if (read_file_limited(path, l.max_bytes, &b, err) == 0)
		d = ydoc_parse(path, b.data, b.len, &l, err);
	buf_free(&b);
	return d;
}
