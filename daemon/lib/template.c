/*
 * The template renderer: a Mustache subset in which every value is escaped
 * (include/ebba/lib/template.h).  It lives in lib, not in the web program,
 * because ebba-web's pages and `ebbactl rules explain` render the
 * published rule set with the same templates and the same escaping.  A
 * template is parsed once into a tree of nodes; the parser also follows
 * the HTML around the tags, so that a value can only land where escaping
 * is enough (text, or a quoted attribute value that is not an event
 * handler, a style, or the start of a URL).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/embedded.h"
#include "ebba/lib/template.h"

#define MAX_NAME 128
#define MAX_NEST 64        /* open sections while parsing, contexts while rendering */
#define MAX_PARTIAL_DEPTH 16

enum node_kind { N_TEXT, N_VAR, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum node_kind kind;
	int line, col;
	bool url;               /* N_VAR inside a URL attribute: percent-encode */
	char *text;             /* N_TEXT: the literal; others: the name */
	size_t len;
	struct node *kids;      /* N_SECTION, N_INVERTED */
	size_t nkids, cap;
};

struct tmpl {
	char *name;
	struct node root;
};

/* --- the HTML around the tags ------------------------------------------ */

enum hstate {
	H_TEXT, H_TAGOPEN, H_TAGNAME, H_TAG, H_ATTR, H_AFTER_ATTR, H_BEFORE_VAL,
	H_DQ, H_SQ, H_UNQ, H_BANG, H_COMMENT, H_DECL, H_ENDTAG, H_RAW, H_RAW_LT,
};

struct html {
	enum hstate s;
	char tag[16], attr[24];
	size_t taglen, attrlen;
	size_t vallen;          /* characters so far in the current attribute value */
	int dashes;
};

static void name_add(char *dst, size_t *len, size_t cap, char c)
{
	if (*len + 1 < cap) {
		dst[(*len)++] = (char)tolower((unsigned char)c);
		dst[*len] = '\0';
	}
}

static void tag_closed(struct html *h)
{
	bool raw = strcmp(h->tag, "script") == 0 || strcmp(h->tag, "style") == 0;
	h->s = raw ? H_RAW : H_TEXT;
}

static void attr_start(struct html *h, char c)
{
	h->attrlen = 0;
	h->attr[0] = '\0';
	name_add(h->attr, &h->attrlen, sizeof(h->attr), c);
	h->s = H_ATTR;
}

static void html_feed(struct html *h, char c)
{
	bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
	switch (h->s) {
	case H_TEXT:
		if (c == '<')
			h->s = H_TAGOPEN;
		break;
	case H_TAGOPEN:
		h->taglen = 0;
		h->tag[0] = '\0';
		if (isalpha((unsigned char)c)) {
			name_add(h->tag, &h->taglen, sizeof(h->tag), c);
			h->s = H_TAGNAME;
		} else if (c == '/') {
			h->s = H_ENDTAG;
		} else if (c == '!') {
			h->dashes = 0;
			h->s = H_BANG;
		} else {
			h->s = c == '<' ? H_TAGOPEN : H_TEXT;
		}
		break;
	case H_TAGNAME:
		if (space || c == '/')
			h->s = H_TAG;
		else if (c == '>')
			tag_closed(h);
		else
			name_add(h->tag, &h->taglen, sizeof(h->tag), c);
		break;
	case H_TAG:
		if (c == '>')
			tag_closed(h);
		else if (!space && c != '/')
			attr_start(h, c);
		break;
	case H_ATTR:
		if (c == '=')
			h->s = H_BEFORE_VAL;
		else if (space)
			h->s = H_AFTER_ATTR;
		else if (c == '>')
			tag_closed(h);
		else if (c == '/')
			h->s = H_TAG;
		else
			name_add(h->attr, &h->attrlen, sizeof(h->attr), c);
		break;
	case H_AFTER_ATTR:
		if (c == '=')
			h->s = H_BEFORE_VAL;
		else if (c == '>')
			tag_closed(h);
		else if (c == '/')
			h->s = H_TAG;
		else if (!space)
			attr_start(h, c);
		break;
	case H_BEFORE_VAL:
		h->vallen = 0;
		if (c == '"')
			h->s = H_DQ;
		else if (c == '\'')
			h->s = H_SQ;
		else if (c == '>')
			tag_closed(h);
		else if (!space)
			h->s = H_UNQ;
		break;
	case H_DQ:
	case H_SQ:
		if (c == (h->s == H_DQ ? '"' : '\''))
			h->s = H_TAG;
		else
			h->vallen++;
		break;
	case H_UNQ:
		if (space)
			h->s = H_TAG;
		else if (c == '>')
			tag_closed(h);
		break;
	case H_BANG:
		if (c == '-' && ++h->dashes == 2) {
			h->dashes = 0;
			h->s = H_COMMENT;
		} else if (c != '-') {
			h->s = c == '>' ? H_TEXT : H_DECL;
		}
		break;
	case H_COMMENT:
		if (c == '>' && h->dashes >= 2)
			h->s = H_TEXT;
		h->dashes = c == '-' ? h->dashes + 1 : 0;
		break;
	case H_DECL:
	case H_ENDTAG:
		if (c == '>')
			h->s = H_TEXT;
		break;
	case H_RAW:
		if (c == '<')
			h->s = H_RAW_LT;
		break;
	case H_RAW_LT:
		h->s = c == '/' ? H_ENDTAG : c == '<' ? H_RAW_LT : H_RAW;
		break;
	}
}

static bool is_url_attr(const char *a)
{
	static const char *const urls[] = {
		"href", "src", "action", "formaction", "srcset", "poster", "cite",
		"data", "background", "xlink:href", "ping", "manifest",
	};
	for (size_t i = 0; i < ARRAY_LEN(urls); i++)
		if (strcmp(a, urls[i]) == 0)
			return true;
	return false;
}

/* NULL when a value may stand here; otherwise why not.  *url: whether the
 * value is inside a URL attribute. */
static const char *value_place(const struct html *h, bool *url)
{
	*url = false;
	switch (h->s) {
	case H_TEXT:
		return NULL;
	case H_TAGOPEN:
		return "a value right after '<' (it could name a tag)";
	case H_DQ:
	case H_SQ:
		if (str_starts_with(h->attr, "on"))
			return "a value in an event-handler attribute";
		if (strcmp(h->attr, "style") == 0)
			return "a value in a style attribute";
		if (is_url_attr(h->attr)) {
			if (h->vallen == 0)
				return "a value at the start of a URL attribute (begin with the template's own path)";
			*url = true;
		}
		return NULL;
	case H_RAW:
	case H_RAW_LT:
		return "a value inside <script> or <style>";
	case H_BANG:
	case H_COMMENT:
	case H_DECL:
		return "a value inside an HTML comment or declaration";
	default:
		return "a value inside a tag but not in a quoted attribute value";
	}
}

/* --- parsing ------------------------------------------------------------ */

struct parser {
	const char *name, *text;
	size_t len, pos;
	int line, col;
	struct html html;
	struct node *open[MAX_NEST];
	size_t depth;
	struct ebba_err *err;
};

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		node_free(&n->kids[i]);
	free(n->kids);
	free(n->text);
}

static struct node *node_add(struct node *parent, enum node_kind kind, int line, int col)
{
	if (parent->nkids == parent->cap) {
		parent->cap = parent->cap ? parent->cap * 2 : 4;
		parent->kids = xrealloc(parent->kids, parent->cap * sizeof(*parent->kids));
	}
	struct node *n = &parent->kids[parent->nkids++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = line;
	n->col = col;
	return n;
}

static int perr(struct parser *p, int line, int col, const char *what)
{
	return ebba_errf(p->err, "%s:%d:%d: %s", p->name, line, col, what);
}

static void advance(struct parser *p, size_t n)
{
	for (size_t i = 0; i < n; i++, p->pos++) {
		if (p->text[p->pos] == '\n') {
			p->line++;
			p->col = 1;
		} else {
			p->col++;
		}
	}
}

static void literal(struct parser *p, size_t end)
{
	size_t start = p->pos;
	if (end == start)
		return;
	for (size_t i = start; i < end; i++)
		html_feed(&p->html, p->text[i]);
	struct node *n = node_add(p->open[p->depth - 1], N_TEXT, p->line, p->col);
	/* Not xstrndup: the text may hold NUL bytes, and they are copied too. */
	n->len = end - start;
	n->text = xmalloc(n->len + 1);
	memcpy(n->text, p->text + start, n->len);
	n->text[n->len] = '\0';
	advance(p, end - start);
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 1 && s[0] == '.')
		return true;
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '_' && c != '-' && !(c == '.' && s[i + 1] != '.'))
			return false;
	}
	return true;
}

/* The tag's content between "{{" and "}}", sigil and spaces stripped. */
static int tag_name(struct parser *p, const char *s, size_t n, int line, int col,
		    const char **name, size_t *len)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n > MAX_NAME)
		return perr(p, line, col, "name too long");
	if (!valid_name(s, n))
		return perr(p, line, col, "expected a name (letters, digits, _ - and dots)");
	*name = s;
	*len = n;
	return 0;
}

static int open_section(struct parser *p, enum node_kind kind, const char *name, size_t n,
			int line, int col)
{
	if (p->depth == MAX_NEST)
		return perr(p, line, col, "sections nested too deep");
	struct node *s = node_add(p->open[p->depth - 1], kind, line, col);
	s->text = xstrndup(name, n);
	s->len = n;
	p->open[p->depth++] = s;
	return 0;
}

static int close_section(struct parser *p, const char *name, size_t n, int line, int col)
{
	if (p->depth == 1)
		return perr(p, line, col, "{{/...}} without an open section");
	struct node *s = p->open[p->depth - 1];
	if (s->len != n || memcmp(s->text, name, n) != 0) {
		char msg[2 * MAX_NAME + 96];
		snprintf(msg, sizeof(msg), "{{/%.*s}} closes {{#%s}} opened at %d:%d", (int)n, name,
			 s->text, s->line, s->col);
		return perr(p, line, col, msg);
	}
	p->depth--;
	return 0;
}

static int value(struct parser *p, const char *name, size_t n, int line, int col)
{
	bool url;
	const char *why = value_place(&p->html, &url);
	if (why)
		return perr(p, line, col, why);
	struct node *v = node_add(p->open[p->depth - 1], N_VAR, line, col);
	v->text = xstrndup(name, n);
	v->len = n;
	v->url = url;
	if (p->html.s == H_DQ || p->html.s == H_SQ)
		p->html.vallen++;
	return 0;
}

/* One {{...}} at p->pos; end is the position of its "}}". */
static int tag(struct parser *p, size_t end)
{
	int line = p->line, col = p->col;
	const char *s = p->text + p->pos + 2;
	size_t n = end - p->pos - 2;
	char sigil = n ? s[0] : '\0';
	const char *name;
	size_t len;
	int rc = 0;
	switch (sigil) {
	case '!':
		break;
	case '{':
	case '&':
		rc = perr(p, line, col, "unescaped output ({{{ }}} or {{& }}) is not supported");
		break;
	case '=':
		rc = perr(p, line, col, "changing delimiters is not supported");
		break;
	case '#':
	case '^':
	case '/':
	case '>':
		rc = tag_name(p, s + 1, n - 1, line, col, &name, &len);
		if (rc != 0)
			break;
		if (sigil == '#' || sigil == '^')
			rc = open_section(p, sigil == '#' ? N_SECTION : N_INVERTED, name, len, line, col);
		else if (sigil == '/')
			rc = close_section(p, name, len, line, col);
		else {
			struct node *pn = node_add(p->open[p->depth - 1], N_PARTIAL, line, col);
			pn->text = xstrndup(name, len);
			pn->len = len;
		}
		break;
	default:
		rc = tag_name(p, s, n, line, col, &name, &len);
		if (rc == 0)
			rc = value(p, name, len, line, col);
	}
	if (rc == 0)
		advance(p, end + 2 - p->pos);
	return rc;
}

static const char *find(const char *s, size_t from, size_t len, const char *what)
{
	size_t wl = strlen(what);
	for (size_t i = from; i + wl <= len; i++)
		if (memcmp(s + i, what, wl) == 0)
			return s + i;
	return NULL;
}

struct tmpl *tmpl_parse(const char *name, const char *text, size_t len, struct ebba_err *err)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	struct parser p = {
		.name = t->name, .text = text, .len = len, .line = 1, .col = 1, .err = err,
		.depth = 1,
	};
	p.open[0] = &t->root;
	while (p.pos < len) {
		const char *open = find(text, p.pos, len, "{{");
		literal(&p, open ? (size_t)(open - text) : len);
		if (!open)
			break;
		const char *close = find(text, p.pos + 2, len, "}}");
		if (!close) {
			perr(&p, p.line, p.col, "{{ without }}");
			goto fail;
		}
		/* "{{{x}}}": the third brace belongs to the tag. */
		if (close + 2 < text + len && close[2] == '}' && text[p.pos + 2] == '{')
			close++;
		if (tag(&p, (size_t)(close - text)) != 0)
			goto fail;
	}
	if (p.depth > 1) {
		struct node *s = p.open[p.depth - 1];
		char msg[MAX_NAME + 32];
		snprintf(msg, sizeof(msg), "{{#%s}} is never closed", s->text);
		perr(&p, s->line, s->col, msg);
		goto fail;
	}
	return t;
fail:
	tmpl_free(t);
	return NULL;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	node_free(&t->root);
	free(t->name);
	free(t);
}

/* --- rendering ---------------------------------------------------------- */

struct render {
	const struct tmpl *t;
	const json_t *stack[MAX_NEST];
	size_t depth;
	int partial_depth;
	tmpl_partial_fn partials;
	void *arg;
	struct ebba_buf *out;
	struct ebba_err *err;
};

void tmpl_escape(struct ebba_buf *out, const char *s, size_t len)
{
	size_t from = 0;
	for (size_t i = 0; i < len; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_append(out, s + from, i - from);
		buf_puts(out, rep);
		from = i + 1;
	}
	buf_append(out, s + from, len - from);
}

/* Percent-encoding leaves only characters that need no HTML escaping. */
static void url_encode(struct ebba_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			buf_putc(out, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_append(out, e, 3);
		}
	}
}

static const json_t *lookup(const struct render *r, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return r->stack[r->depth - 1];
	const char *dot = memchr(name, '.', len);
	size_t first = dot ? (size_t)(dot - name) : len;
	const json_t *v = NULL;
	for (size_t i = r->depth; i-- > 0 && !v;)
		if (json_is_object(r->stack[i]))
			v = json_object_getn(r->stack[i], name, first);
	while (v && dot) {
		const char *part = dot + 1;
		dot = memchr(part, '.', len - (size_t)(part - name));
		size_t n = dot ? (size_t)(dot - part) : len - (size_t)(part - name);
		v = json_is_object(v) ? json_object_getn(v, part, n) : NULL;
	}
	return v;
}

static int rerr(struct render *r, const struct node *n, const char *what)
{
	return ebba_errf(r->err, "%s:%d:%d: {{%s}} %s", r->t->name, n->line, n->col, n->text, what);
}

static void put_value(struct render *r, const struct node *n, const char *s, size_t len)
{
	if (n->url)
		url_encode(r->out, s, len);
	else
		tmpl_escape(r->out, s, len);
}

static int render_value(struct render *r, const struct node *n)
{
	const json_t *v = lookup(r, n->text, n->len);
	char num[64];
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		put_value(r, n, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(num, sizeof(num), "true");
		break;
	case JSON_FALSE:
		snprintf(num, sizeof(num), "false");
		break;
	case JSON_NULL:
		return 0;
	default:
		return rerr(r, n, "is an object or a list, not a value");
	}
	put_value(r, n, num, strlen(num));
	return 0;
}

static bool shows(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return true;
	}
}

static int render_nodes(struct render *r, const struct node *parent);

static int with_context(struct render *r, const struct node *n, const json_t *v)
{
	if (r->depth == MAX_NEST)
		return rerr(r, n, "nests too deep");
	r->stack[r->depth++] = v;
	int rc = render_nodes(r, n);
	r->depth--;
	return rc;
}

static int render_section(struct render *r, const struct node *n)
{
	const json_t *v = lookup(r, n->text, n->len);
	if (n->kind == N_INVERTED)
		return shows(v) ? 0 : render_nodes(r, n);
	if (!shows(v))
		return 0;
	if (!json_is_array(v))
		return with_context(r, n, v);
	for (size_t i = 0; i < json_array_size(v); i++)
		if (with_context(r, n, json_array_get(v, i)) != 0)
			return -1;
	return 0;
}

static int render_partial(struct render *r, const struct node *n)
{
	if (!r->partials)
		return rerr(r, n, "is a partial, and this render has none");
	if (r->partial_depth == MAX_PARTIAL_DEPTH)
		return rerr(r, n, "partials nest too deep (a partial that includes itself?)");
	const struct tmpl *pt = r->partials(r->arg, n->text, r->err);
	if (!pt)
		return ebba_err_prefix(r->err, "%s:%d:%d", r->t->name, n->line, n->col);
	const struct tmpl *saved = r->t;
	r->t = pt;
	r->partial_depth++;
	int rc = render_nodes(r, &pt->root);
	r->partial_depth--;
	r->t = saved;
	return rc;
}

static int render_nodes(struct render *r, const struct node *parent)
{
	for (size_t i = 0; i < parent->nkids; i++) {
		const struct node *n = &parent->kids[i];
		int rc = 0;
		switch (n->kind) {
		case N_TEXT:
			buf_append(r->out, n->text, n->len);
			break;
		case N_VAR:
			rc = render_value(r, n);
			break;
		case N_SECTION:
		case N_INVERTED:
			rc = render_section(r, n);
			break;
		case N_PARTIAL:
			rc = render_partial(r, n);
			break;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

int tmpl_exec(const struct tmpl *t, const json_t *ctx, tmpl_partial_fn partials, void *arg,
	      struct ebba_buf *out, struct ebba_err *err)
{
	struct render r = {
		.t = t, .depth = 1, .partials = partials, .arg = arg, .out = out, .err = err,
	};
	r.stack[0] = ctx;
	size_t len0 = out->len;
	buf_reserve(out, 0);
	if (render_nodes(&r, &t->root) != 0) {
		out->len = len0;
		out->data[len0] = '\0';
		return -1;
	}
	return 0;
}

/* --- the embedded templates, parsed once -------------------------------- */

struct cached {
	char *name;
	struct tmpl *t;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached *cache;
static size_t cache_n, cache_cap;

const struct tmpl *tmpl_lookup(const char *name, struct ebba_err *err)
{
	const struct tmpl *found = NULL;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < cache_n && !found; i++)
		if (strcmp(cache[i].name, name) == 0)
			found = cache[i].t;
	if (!found) {
		char file[MAX_NAME + 8];
		snprintf(file, sizeof(file), "%s.html", name);
		const struct embedded_file *f = embedded_find(file);
		struct tmpl *t = f ? tmpl_parse(file, f->data, f->len, err) : NULL;
		if (!f)
			ebba_errf(err, "no template %s", file);
		if (t) {
			if (cache_n == cache_cap) {
				cache_cap = cache_cap ? cache_cap * 2 : 16;
				cache = xrealloc(cache, cache_cap * sizeof(*cache));
			}
			cache[cache_n++] = (struct cached){xstrdup(name), t};
			found = t;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return found;
}

static const struct tmpl *cache_get(void *arg, const char *name, struct ebba_err *err)
{
	(void)arg;
	return tmpl_lookup(name, err);
}

int tmpl_render(struct ebba_buf *out, const char *name, const json_t *ctx,
		struct ebba_err *err)
{
	const struct tmpl *t = cache_get(NULL, name, err);
	if (!t)
		return -1;
	return tmpl_exec(t, ctx, cache_get, NULL, out, err);
}

int tmpl_preload(struct ebba_err *err)
{
	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		size_t n = strlen(f->name);
		if (n <= 5 || strcmp(f->name + n - 5, ".html") != 0 || n - 5 > MAX_NAME)
			continue;
		char name[MAX_NAME + 1];
		snprintf(name, sizeof(name), "%.*s", (int)(n - 5), f->name);
		if (!cache_get(NULL, name, err))
			return -1;
	}
	return 0;
}
