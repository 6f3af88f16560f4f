/*
 * The letter's line markup: parser and writer (include/ebba/lib/letter_text.h,
 * docs/letters.md).  One pass over the lines; each line is cleaned (control
 * characters to spaces), then read as a title, a heading, a table row or
 * text, and put into the current block or a new one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/letter_text.h"

/* --- UTF-8 ----------------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at s[0..n), or 0 (NUL included). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	if (c == 0)
		return 0;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint32_t v, min;
	if (c >= 0xc2 && c <= 0xdf) { len = 2; v = c & 0x1f; min = 0x80; }
	else if (c >= 0xe0 && c <= 0xef) { len = 3; v = c & 0x0f; min = 0x800; }
	else if (c >= 0xf0 && c <= 0xf4) { len = 4; v = c & 0x07; min = 0x10000; }
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points in s, for aligning columns of text. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* --- building the document ------------------------------------------------- */

static struct letter_block *add_block(struct letter_doc *d, enum letter_block_kind kind, size_t *cap)
{
	if (d->n_blocks == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		d->blocks = xrealloc(d->blocks, *cap * sizeof(*d->blocks));
	}
	struct letter_block *b = &d->blocks[d->n_blocks++];
	*b = (struct letter_block){.kind = kind};
	return b;
}

static void add_line(struct letter_block *b, char *s)
{
	b->lines = xrealloc(b->lines, (b->n_lines + 1) * sizeof(*b->lines));
	b->lines[b->n_lines++] = s;
}

/* s[0..n) without spaces at either end, as a new string. */
static char *trimmed(const char *s, size_t n)
{
	while (n && *s == ' ') {
		s++;
		n--;
	}
	while (n && s[n - 1] == ' ')
		n--;
	return xstrndup(s, n);
}

/*
 * One line of the input, cleaned: every control character but the tab,
 * the C1 controls and the Unicode line and paragraph separators become a
 * space (a PDF or a terminal would break the line there or show a box).
 */
static void clean_line(const char *s, size_t n, struct ebba_buf *out)
{
	buf_reset(out);
	buf_reserve(out, n + 1);
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t k = utf8_seq((const unsigned char *)s + i, n - i, &cp);  /* valid: checked */
		if ((cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    cp == 0x2028 || cp == 0x2029)
			buf_putc(out, ' ');
		else
			buf_append(out, s + i, k);
		i += k;
	}
}

/* A run that separates cells: a tab, or two or more spaces. */
static size_t separator(const char *s)
{
	if (*s == '\t') {
		size_t k = 1;
		while (s[k] == ' ' || s[k] == '\t')
			k++;
		return k;
	}
	if (s[0] == ' ' && (s[1] == ' ' || s[1] == '\t')) {
		size_t k = 2;
		while (s[k] == ' ' || s[k] == '\t')
			k++;
		return k;
	}
	return 0;
}

/* The cells of s (leading indentation already skipped); n_cells 0 or more. */
static char **split_cells(const char *s, size_t *n_cells)
{
	char **cells = NULL;
	size_t n = 0;
	const char *start = s;
	for (const char *p = s;; ) {
		size_t k = *p ? separator(p) : 0;
		if (*p == '\0' || k) {
			if (p > start) {
				cells = xrealloc(cells, (n + 1) * sizeof(*cells));
				cells[n++] = trimmed(start, (size_t)(p - start));
			}
			if (*p == '\0')
				break;
			p += k;
			start = p;
		} else {
			p++;
		}
	}
	*n_cells = n;
	return cells;
}

static void free_cells(char **cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

/* Tabs to spaces, for text that is not a row. */
static char *text_of(const char *s)
{
	char *t = trimmed(s, strlen(s));
	for (char *p = t; *p; p++)
		if (*p == '\t')
			*p = ' ';
	char *u = trimmed(t, strlen(t));
	free(t);
	return u;
}

/* "# x" (level 1) or "## x" (level 2) with some text: that text, else NULL. */
static char *heading_text(const char *s, int level)
{
	for (int i = 0; i < level; i++)
		if (s[i] != '#')
			return NULL;
	if (s[level] != ' ' && s[level] != '\t')
		return NULL;
	char *t = text_of(s + level);
	if (!*t) {
		free(t);
		return NULL;
	}
	return t;
}

static void add_row(struct letter_block *b, char **cells, size_t n)
{
	struct letter_row r = {.cells = cells, .n_cells = n};
	if (cells[0][0] == '=' && cells[0][1] == ' ') {
		char *label = trimmed(cells[0] + 2, strlen(cells[0] + 2));
		if (*label) {
			free(cells[0]);
			cells[0] = label;
			r.total = true;
		} else {
			free(label);
		}
	}
	b->rows = xrealloc(b->rows, (b->n_rows + 1) * sizeof(*b->rows));
	b->rows[b->n_rows++] = r;
	if (n > b->n_cols)
		b->n_cols = n;
}

/* Without a "# " line, the first line is the title (see the header). */
static void ensure_title(struct letter_doc *d, size_t *cap)
{
	for (size_t i = 0; i < d->n_blocks; i++)
		if (d->blocks[i].kind == LETTER_TITLE)
			return;
	if (d->n_blocks == 0)
		return;
	struct letter_block *first = &d->blocks[0];
	if (first->kind == LETTER_HEADING) {
		first->kind = LETTER_TITLE;
		return;
	}
	if (first->kind != LETTER_PARAGRAPH)
		return;
	char *line = first->lines[0];
	if (first->n_lines == 1) {
		first->kind = LETTER_TITLE;
		return;
	}
	memmove(first->lines, first->lines + 1, (first->n_lines - 1) * sizeof(*first->lines));
	first->n_lines--;
	add_block(d, LETTER_TITLE, cap);
	memmove(d->blocks + 1, d->blocks, (d->n_blocks - 1) * sizeof(*d->blocks));
	d->blocks[0] = (struct letter_block){.kind = LETTER_TITLE};
	add_line(&d->blocks[0], line);
}

int letter_parse(const char *text, size_t len, struct letter_doc *out, struct ebba_err *err)
{
	*out = (struct letter_doc){.title = ""};
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_seq((const unsigned char *)text + i, len - i, &cp);
		if (k == 0)
			return ebba_errf(err, "letter text: byte %zu: %s", i,
					 text[i] ? "not UTF-8" : "a NUL byte");
		i += k;
	}
	size_t cap = 0;
	struct letter_block *cur = NULL;   /* the open paragraph or table */
	struct ebba_buf line = {0};
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		clean_line(text + at, n, &line);
		at += n + (nl ? 1 : 0);
		const char *s = line.data;
		size_t indent = 0;
		while (s[indent] == ' ' || s[indent] == '\t')
			indent++;
		if (s[indent] == '\0') {           /* blank: ends the paragraph or table */
			cur = NULL;
			continue;
		}
		char *h;
		if (indent == 0 && ((h = heading_text(s, 1)) || (h = heading_text(s, 2)))) {
			struct letter_block *b = add_block(out, s[1] == '#' ? LETTER_HEADING : LETTER_TITLE, &cap);
			add_line(b, h);
			cur = NULL;
			continue;
		}
		bool indented = indent >= 2 || (indent >= 1 && memchr(s, '\t', indent));
		if (indented) {
			size_t n_cells;
			char **cells = split_cells(s + indent, &n_cells);
			if (n_cells >= 2) {
				if (!cur || cur->kind != LETTER_TABLE)
					cur = add_block(out, LETTER_TABLE, &cap);
				add_row(cur, cells, n_cells);
				continue;
			}
			free_cells(cells, n_cells);
		}
		if (!cur || cur->kind != LETTER_PARAGRAPH)
			cur = add_block(out, LETTER_PARAGRAPH, &cap);
		add_line(cur, text_of(s));
	}
	buf_free(&line);
	ensure_title(out, &cap);
	for (size_t i = 0; i < out->n_blocks; i++)
		if (out->blocks[i].kind == LETTER_TITLE) {
			out->title = out->blocks[i].lines[0];
			break;
		}
	return 0;
}

void letter_doc_free(struct letter_doc *d)
{
	for (size_t i = 0; i < d->n_blocks; i++) {
		struct letter_block *b = &d->blocks[i];
		free_cells(b->lines, b->n_lines);
		for (size_t r = 0; r < b->n_rows; r++)
			free_cells(b->rows[r].cells, b->rows[r].n_cells);
		free(b->rows);
	}
	free(d->blocks);
	*d = (struct letter_doc){.title = ""};
}

/* --- writing ----------------------------------------------------------------- */

static void pad(struct ebba_buf *out, size_t n)
{
	while (n--)
		buf_putc(out, ' ');
}

static bool reads_as_mark(const char *s)
{
	char *h = heading_text(s, 1);
	if (!h)
		h = heading_text(s, 2);
	bool mark = h != NULL;
	free(h);
	return mark;
}

static void write_table(const struct letter_block *b, struct ebba_buf *out)
{
	size_t *w = xcalloc(b->n_cols, sizeof(*w));
	for (size_t r = 0; r < b->n_rows; r++) {
		const struct letter_row *row = &b->rows[r];
		for (size_t c = 0; c < row->n_cells; c++) {
			size_t cw = width(row->cells[c]) + (c == 0 && row->total ? 2 : 0);
			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (size_t r = 0; r < b->n_rows; r++) {
		const struct letter_row *row = &b->rows[r];
		buf_puts(out, "  ");
		if (row->total)
			buf_puts(out, "= ");
		buf_puts(out, row->cells[0]);
		size_t used = width(row->cells[0]) + (row->total ? 2 : 0);
		for (size_t c = 1; c < row->n_cells; c++) {
			/* two spaces at least between cells, values to their column's right edge */
			pad(out, (w[c - 1] - used) + 2 + (w[c] - width(row->cells[c])));
			buf_puts(out, row->cells[c]);
			used = w[c];
		}
		buf_putc(out, '\n');
	}
	free(w);
}

void letter_write(const struct letter_doc *d, bool markup, struct ebba_buf *out)
{
	for (size_t i = 0; i < d->n_blocks; i++) {
		const struct letter_block *b = &d->blocks[i];
		/* a blank line between blocks, none between a heading and its text */
		if (i && d->blocks[i - 1].kind != LETTER_HEADING)
			buf_putc(out, '\n');
		switch (b->kind) {
		case LETTER_TITLE:
		case LETTER_HEADING:
			if (markup)
				buf_puts(out, b->kind == LETTER_TITLE ? "# " : "## ");
			buf_puts(out, b->lines[0]);
			buf_putc(out, '\n');
			break;
		case LETTER_PARAGRAPH:
			for (size_t l = 0; l < b->n_lines; l++) {
				const char *s = b->lines[l];
				/* text that would read as a mark is indented by one
				 * space: not a mark, and too little for a row */
				if (markup && reads_as_mark(s))
					buf_putc(out, ' ');
				buf_puts(out, s);
				buf_putc(out, '\n');
			}
			break;
		case LETTER_TABLE:
			write_table(b, out);
			break;
		}
	}
}

static bool strings_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

bool letter_doc_equal(const struct letter_doc *a, const struct letter_doc *b)
{
	if (a->n_blocks != b->n_blocks || strcmp(a->title, b->title) != 0)
		return false;
	for (size_t i = 0; i < a->n_blocks; i++) {
		const struct letter_block *x = &a->blocks[i], *y = &b->blocks[i];
		if (x->kind != y->kind || x->n_rows != y->n_rows || x->n_cols != y->n_cols ||
		    !strings_equal(x->lines, x->n_lines, y->lines, y->n_lines))
			return false;
		for (size_t r = 0; r < x->n_rows; r++)
			if (x->rows[r].total != y->rows[r].total ||
			    !strings_equal(x->rows[r].cells, x->rows[r].n_cells, y->rows[r].cells,
					   y->rows[r].n_cells))
				return false;
	}
	return true;
}
