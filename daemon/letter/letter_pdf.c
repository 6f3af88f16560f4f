/*
 * The letter as a tagged PDF (include/ebba/letter/letter_pdf.h): the text's
 * markup (lib/letter_text.c) laid out with pango, drawn with cairo's PDF
 * surface inside structure tags, then finished by qpdf (the catalogue's
 * /Lang, the viewer showing the title, a deterministic /ID).
 *
 * Why these: cairo 1.16 and pango 1.50 are what Debian 12 ships and keeps
 * patched; together they give text shaping, line breaking, font subsetting
 * with a ToUnicode map (extractable text) and, since cairo 1.16, tagged PDF
 * and document metadata.  What cairo cannot write (/Lang, viewer
 * preferences) qpdf adds through its C API on the bytes in memory: one
 * rewrite, no second program, no temporary file.
 *
 * Layout, in PDF points (1/72 in) on A4: margins 25 mm at the sides, 22 mm
 * at the top and bottom; the title 16 pt bold, headings 12 pt bold, text
 * 11 pt with a line height of 1.25.  A table's first column holds the row
 * headers; every other column is as wide as its widest cell and each value
 * is placed so that its right edge is the column's (a right-aligned layout
 * per cell: pango's tab stops are left-aligned only in 1.50).  A total row
 * has a rule above it and is bold.  Blocks are placed top to bottom; a
 * heading stays with what follows it, a table or a short paragraph that
 * does not fit moves to the next page whole, a long paragraph breaks
 * between lines.  With more than one page each page says "Sida N (M)" at
 * the top right.
 *
 * Fonts come from fixed files through a private fontconfig configuration,
 * so neither the machine's font settings nor a user's fonts change a
 * letter's bytes, and nothing scans the system's font directories.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <qpdf/qpdf-c.h>

#include "ebba/letter/letter_pdf.h"
#include "ebba/lib/letter_text.h"

#define MM (72.0 / 25.4)
#define PAGE_W (210 * MM)
#define PAGE_H (297 * MM)
#define MARGIN_X (25 * MM)
#define MARGIN_TOP (22 * MM)
#define MARGIN_BOTTOM (22 * MM)
#define TEXT_W (PAGE_W - 2 * MARGIN_X)
#define COL_GAP 24.0
#define LABEL_MIN 200.0

/* Debian's paths (fonts-liberation2, fonts-dejavu-core). */
static const char *const FONT_FILES[] = {
	"/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
	"/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
};
#define FAMILY "Liberation Sans, DejaVu Sans"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *fontmap;      /* made once, under lock */
static char renderer[512];

static int fonts_ready(struct ebba_err *err)
{
	if (fontmap)
		return 0;
	FcConfig *cfg = FcConfigCreate();
	if (!cfg)
		return ebba_errf(err, "letter PDF: fontconfig: out of memory");
	for (size_t i = 0; i < sizeof(FONT_FILES) / sizeof(FONT_FILES[0]); i++)
		if (!FcConfigAppFontAddFile(cfg, (const FcChar8 *)FONT_FILES[i])) {
			FcConfigDestroy(cfg);
			return ebba_errf(err, "letter PDF: font %s is missing (install fonts-liberation2 and fonts-dejavu-core)",
					 FONT_FILES[i]);
		}
	PangoFontMap *fm = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
	if (!fm) {
		FcConfigDestroy(cfg);
		return ebba_errf(err, "letter PDF: pango has no FreeType font map");
	}
	pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), cfg);
	FcConfigDestroy(cfg);   /* the font map holds its own reference */
	fontmap = fm;
	return 0;
}

const char *letter_pdf_renderer(void)
{
	pthread_mutex_lock(&lock);
	if (!renderer[0]) {
		size_t n = (size_t)snprintf(renderer, sizeof(renderer), "cairo %s, pango %s, qpdf %s, fonts",
					    cairo_version_string(), pango_version_string(),
					    qpdf_get_qpdf_version());
		/* each font file by name and the start of its SHA-256: a font
		 * update changes the bytes of a new rendering, and says so */
		for (size_t i = 0; i < sizeof(FONT_FILES) / sizeof(FONT_FILES[0]) && n < sizeof(renderer); i++) {
			struct ebba_buf f = {0};
			struct ebba_err e;
			char hex[65] = "missing";
			if (read_file_limited(FONT_FILES[i], 64u << 20, &f, &e) == 0)
				sha256_hex(f.data, f.len, hex);
			buf_free(&f);
			const char *base = strrchr(FONT_FILES[i], '/');
			n += (size_t)snprintf(renderer + n, sizeof(renderer) - n, " %s %.12s",
					      base ? base + 1 : FONT_FILES[i], hex);
		}
	}
	pthread_mutex_unlock(&lock);
	return renderer;
}

/* --- typesetting a string ------------------------------------------------------ */

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * s as the PDF shows it: a no-break space inside an amount ("15 260"),
 * between a number and "kr", "%" or "§", and after "§" before a number, so
 * a line never breaks inside one; a minus sign (U+2212) for a hyphen that
 * starts a negative number.  The stored text keeps its plain spaces.
 */
static void typeset(const char *s, struct ebba_buf *out)
{
	static const char NBSP[] = "\xc2\xa0", MINUS[] = "\xe2\x88\x92", SECTION[] = "\xc2\xa7";
	buf_reset(out);
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		const char *next = s + i + 1;
		if (c == ' ' && i > 0) {
			bool after_digit = digit(s[i - 1]);
			bool group = after_digit && digit(next[0]) && digit(next[1]) && digit(next[2]) &&
				     !digit(next[3]);
			bool unit = after_digit && ((next[0] == 'k' && next[1] == 'r' &&
						     !((next[2] | 0x20) >= 'a' && (next[2] | 0x20) <= 'z')) ||
						    next[0] == '%' || strncmp(next, SECTION, 2) == 0);
			bool section = i >= 2 && strncmp(s + i - 2, SECTION, 2) == 0 && digit(next[0]);
			if (group || unit || section) {
				buf_puts(out, NBSP);
				continue;
			}
		}
		if (c == '-' && digit(next[0]) && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '(')) {
			buf_puts(out, MINUS);
			continue;
		}
		buf_putc(out, c);
	}
}

/* --- layout ---------------------------------------------------------------------- */

enum style { S_TEXT, S_BOLD, S_TITLE, S_HEADING, S_SMALL };

struct typesetter {
	PangoContext *ctx;
	PangoFontDescription *font[5];
	struct ebba_buf scratch;
};

static PangoLayout *layout(struct typesetter *t, const char *text, enum style st, double width)
{
	PangoLayout *l = pango_layout_new(t->ctx);
	pango_layout_set_font_description(l, t->font[st]);
	if (width > 0) {
		pango_layout_set_width(l, (int)lround(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	if (st == S_TEXT || st == S_BOLD)
		pango_layout_set_line_spacing(l, 1.25f);
	typeset(text, &t->scratch);
	pango_layout_set_text(l, t->scratch.data ? t->scratch.data : "", -1);
	return l;
}

static double height_of(PangoLayout *l)
{
	PangoRectangle r;
	pango_layout_get_extents(l, NULL, &r);
	return (double)r.height / PANGO_SCALE;
}

static double width_of(PangoLayout *l)
{
	PangoRectangle r;
	pango_layout_get_extents(l, NULL, &r);
	return (double)(r.x + r.width) / PANGO_SCALE;
}

struct cell {
	PangoLayout *l;
	double x;           /* left edge of the layout */
};

struct row {
	struct cell *cells;
	size_t n;
	bool total;
	double h;
};

enum box_kind { B_TITLE, B_HEADING, B_PARA, B_TABLE };

struct box {
	enum box_kind kind;
	PangoLayout *l;         /* B_TITLE, B_HEADING, B_PARA */
	struct row *rows;       /* B_TABLE */
	size_t n_rows;
	double table_right;     /* B_TABLE: the right edge of the last column */
	double before, after;   /* space above and below */
	double h;               /* height of the content */
};

static void table_box(struct typesetter *t, const struct letter_block *b, struct box *x)
{
	size_t nc = b->n_cols;
	double *w = calloc(nc, sizeof(*w));
	if (!w)
		abort();
	x->rows = calloc(b->n_rows, sizeof(*x->rows));
	if (!x->rows)
		abort();
	x->n_rows = b->n_rows;
	double label_w = 0;
	for (size_t r = 0; r < b->n_rows; r++) {
		const struct letter_row *src = &b->rows[r];
		struct row *row = &x->rows[r];
		row->total = src->total;
		row->n = src->n_cells;
		row->cells = calloc(src->n_cells, sizeof(*row->cells));
		if (!row->cells)
			abort();
		enum style st = src->total ? S_BOLD : S_TEXT;
		PangoLayout *natural = layout(t, src->cells[0], st, 0);
		if (width_of(natural) > label_w)
			label_w = width_of(natural);
		g_object_unref(natural);
		for (size_t c = 1; c < src->n_cells; c++) {
			row->cells[c].l = layout(t, src->cells[c], st, 0);
			if (width_of(row->cells[c].l) > w[c])
				w[c] = width_of(row->cells[c].l);
		}
	}
	double values = 0;
	for (size_t c = 1; c < nc; c++)
		values += COL_GAP + w[c];
	double room = TEXT_W - values;
	if (label_w < LABEL_MIN)
		label_w = LABEL_MIN;
	if (label_w > room)
		label_w = room > 120 ? room : 120;
	for (size_t r = 0; r < b->n_rows; r++) {
		struct row *row = &x->rows[r];
		row->cells[0].l = layout(t, b->rows[r].cells[0], row->total ? S_BOLD : S_TEXT, label_w);
		row->cells[0].x = MARGIN_X;
		row->h = height_of(row->cells[0].l);
		double right = MARGIN_X + label_w;
		for (size_t c = 1; c < row->n; c++) {
			right += COL_GAP + w[c];
			row->cells[c].x = right - width_of(row->cells[c].l);
			double h = height_of(row->cells[c].l);
			if (h > row->h)
				row->h = h;
		}
		row->h += row->total ? 8 : 4;   /* padding; a total's rule sits in it */
		x->h += row->h;
	}
	x->table_right = MARGIN_X + label_w + values;
	free(w);
}

static void make_boxes(struct typesetter *t, const struct letter_doc *d, struct box *boxes)
{
	for (size_t i = 0; i < d->n_blocks; i++) {
		const struct letter_block *b = &d->blocks[i];
		struct box *x = &boxes[i];
		switch (b->kind) {
		case LETTER_TITLE:
			*x = (struct box){.kind = B_TITLE, .before = 14, .after = 14};
			x->l = layout(t, b->lines[0], S_TITLE, TEXT_W);
			break;
		case LETTER_HEADING:
			*x = (struct box){.kind = B_HEADING, .before = 16, .after = 5};
			x->l = layout(t, b->lines[0], S_HEADING, TEXT_W);
			break;
		case LETTER_PARAGRAPH: {
			/* the lines stay lines: one layout, one paragraph of pango's per line */
			struct ebba_buf joined = {0};
			for (size_t l = 0; l < b->n_lines; l++) {
				if (l)
					buf_putc(&joined, '\n');
				buf_puts(&joined, b->lines[l]);
			}
			*x = (struct box){.kind = B_PARA, .after = 8};
			x->l = layout(t, joined.data, S_TEXT, TEXT_W);
			buf_free(&joined);
			break;
		}
		case LETTER_TABLE:
			*x = (struct box){.kind = B_TABLE, .before = 2, .after = 10};
			table_box(t, b, x);
			break;
		}
		if (x->l)
			x->h = height_of(x->l);
	}
}

static void free_boxes(struct box *boxes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (boxes[i].l)
			g_object_unref(boxes[i].l);
		for (size_t r = 0; r < boxes[i].n_rows; r++) {
			for (size_t c = 0; c < boxes[i].rows[r].n; c++)
				if (boxes[i].rows[r].cells[c].l)
					g_object_unref(boxes[i].rows[r].cells[c].l);
			free(boxes[i].rows[r].cells);
		}
		free(boxes[i].rows);
	}
	free(boxes);
}

/* --- placing and drawing ---------------------------------------------------------- */

struct pen {
	cairo_t *cr;            /* NULL while counting pages */
	struct typesetter *t;
	double y;
	int page, pages;
	bool fresh;             /* nothing on this page yet */
	const char *open;       /* the block's tag, while one is open */
};

static void page_number(struct pen *p)
{
	if (!p->cr || p->pages < 2)
		return;
	char s[48];
	snprintf(s, sizeof(s), "Sida %d (%d)", p->page, p->pages);
	PangoLayout *l = layout(p->t, s, S_SMALL, 0);
	cairo_move_to(p->cr, PAGE_W - MARGIN_X - width_of(l), 12 * MM);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
}

/*
 * A block that goes on over a page break ends on one page and starts again
 * on the next (a long paragraph as two P, a long table as two Table), so
 * the page number between them belongs to no block: cairo 1.16 cannot mark
 * it as an artifact, and a screen reader then reads it as a page header.
 */
static void new_page(struct pen *p)
{
	if (p->cr) {
		if (p->open)
			cairo_tag_end(p->cr, p->open);
		cairo_show_page(p->cr);
	}
	p->page++;
	p->y = MARGIN_TOP;
	p->fresh = true;
	page_number(p);
	if (p->cr && p->open)
		cairo_tag_begin(p->cr, p->open, NULL);
}

static double room(const struct pen *p)
{
	return PAGE_H - MARGIN_BOTTOM - p->y;
}

static void show(struct pen *p, PangoLayout *l, double x, double y)
{
	if (!p->cr)
		return;
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

/* The height of the first line (or row) of box b: what a heading keeps with. */
static double first_line(const struct box *b)
{
	if (b->kind == B_TABLE)
		return b->n_rows ? b->rows[0].h : 0;
	PangoLayoutIter *it = pango_layout_get_iter(b->l);
	PangoRectangle r;
	pango_layout_iter_get_line_extents(it, NULL, &r);
	pango_layout_iter_free(it);
	return (double)r.height / PANGO_SCALE;
}

static void tag_begin(struct pen *p, const char *tag)
{
	if (p->cr)
		cairo_tag_begin(p->cr, tag, NULL);
}

static void tag_end(struct pen *p, const char *tag)
{
	if (p->cr)
		cairo_tag_end(p->cr, tag);
}

/* A long paragraph, line by line, over as many pages as it needs. */
static void para_lines(struct pen *p, const struct box *b)
{
	PangoLayoutIter *it = pango_layout_get_iter(b->l);
	double top = p->y, shift = 0;
	do {
		PangoRectangle r;
		pango_layout_iter_get_line_extents(it, NULL, &r);
		double ly = (double)r.y / PANGO_SCALE - shift, lh = (double)r.height / PANGO_SCALE;
		if (top + ly + lh > PAGE_H - MARGIN_BOTTOM && !(p->fresh && ly <= 0)) {
			new_page(p);
			shift += ly;
			top = p->y;
			ly = 0;
		}
		p->fresh = false;
		if (p->cr) {
			int baseline = pango_layout_iter_get_baseline(it);
			cairo_move_to(p->cr, MARGIN_X + (double)r.x / PANGO_SCALE,
				      top + (double)baseline / PANGO_SCALE - shift);
			pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
		}
		p->y = top + ly + lh;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

static void draw_row(struct pen *p, const struct row *row, double right)
{
	if (row->total && p->cr) {
		cairo_set_line_width(p->cr, 0.6);
		cairo_move_to(p->cr, MARGIN_X, p->y + 2.5);
		cairo_line_to(p->cr, right, p->y + 2.5);
		cairo_stroke(p->cr);
	}
	double y = p->y + (row->total ? 6 : 2);
	tag_begin(p, "TR");
	for (size_t c = 0; c < row->n; c++) {
		if (!row->cells[c].l)
			continue;
		tag_begin(p, c == 0 ? "TH" : "TD");
		show(p, row->cells[c].l, row->cells[c].x, y);
		tag_end(p, c == 0 ? "TH" : "TD");
	}
	tag_end(p, "TR");
	p->y += row->h;
}

static void place(struct pen *p, struct box *boxes, size_t n)
{
	static const char *const TAG[] = {"H1", "H2", "P", "Table"};
	for (size_t i = 0; i < n; i++) {
		const struct box *b = &boxes[i];
		double before = p->fresh ? 0 : b->before;
		double need = b->h;
		if (b->kind == B_HEADING && i + 1 < n)   /* keep with the next line */
			need += b->after + boxes[i + 1].before + first_line(&boxes[i + 1]);
		bool splittable = (b->kind == B_PARA && b->h > (PAGE_H - MARGIN_TOP - MARGIN_BOTTOM) / 3) ||
				  (b->kind == B_TABLE && b->h > (PAGE_H - MARGIN_TOP - MARGIN_BOTTOM) / 2);
		if (!p->fresh && before + need > room(p) && !splittable) {
			new_page(p);
			before = 0;
		}
		p->y += before;
		tag_begin(p, TAG[b->kind]);
		p->open = TAG[b->kind];
		if (b->kind == B_TABLE) {
			for (size_t r = 0; r < b->n_rows; r++) {
				if (!p->fresh && b->rows[r].h > room(p))
					new_page(p);
				p->fresh = false;
				draw_row(p, &b->rows[r], b->table_right);
			}
		} else if (b->kind == B_PARA && b->h > room(p)) {
			para_lines(p, b);
		} else {
			show(p, b->l, MARGIN_X, p->y);
			p->y += b->h;
		}
		p->open = NULL;
		tag_end(p, TAG[b->kind]);
		p->fresh = false;
		p->y += b->after;
	}
}

/* --- the PDF ------------------------------------------------------------------------ */

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

static int qpdf_fail(qpdf_data q, const char *what, struct ebba_err *err)
{
	const char *why = qpdf_has_error(q) ? qpdf_get_error_full_text(q, qpdf_get_error(q)) : "failed";
	return ebba_errf(err, "letter PDF: qpdf %s: %s", what, why);
}

/* The catalogue's /Lang and /ViewerPreferences, a deterministic /ID. */
static int finish(const struct ebba_buf *in, struct ebba_buf *out, struct ebba_err *err)
{
	qpdf_data q = qpdf_init();
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	int rc = -1;
	if (qpdf_read_memory(q, "letter.pdf", in->data, (unsigned long long)in->len, NULL) & QPDF_ERRORS) {
		qpdf_fail(q, "reading cairo's PDF", err);
		goto done;
	}
	qpdf_oh root = qpdf_get_root(q);
	qpdf_oh_replace_key(q, root, "/Lang", qpdf_oh_new_unicode_string(q, "sv-SE"));
	qpdf_oh_replace_key(q, root, "/ViewerPreferences", qpdf_oh_parse(q, "<< /DisplayDocTitle true >>"));
	if (qpdf_has_error(q)) {
		qpdf_fail(q, "setting /Lang", err);
		goto done;
	}
	if (qpdf_init_write_memory(q) & QPDF_ERRORS) {
		qpdf_fail(q, "starting to write", err);
		goto done;
	}
	qpdf_set_deterministic_ID(q, QPDF_TRUE);
	qpdf_set_object_stream_mode(q, qpdf_o_generate);
	if (qpdf_write(q) & QPDF_ERRORS) {
		qpdf_fail(q, "writing", err);
		goto done;
	}
	buf_reset(out);
	buf_append(out, qpdf_get_buffer(q), qpdf_get_buffer_length(q));
	rc = 0;
done:
	qpdf_cleanup(&q);
	return rc;
}

static int render_locked(const struct letter_doc *d, const struct letter_pdf_opts *o,
			 struct ebba_buf *out, struct ebba_err *err)
{
	if (fonts_ready(err) != 0)
		return -1;
	struct typesetter t = {.ctx = pango_font_map_create_context(fontmap)};
	pango_cairo_context_set_resolution(t.ctx, 72);   /* a font size in points is in user units */
	pango_context_set_language(t.ctx, pango_language_from_string("sv-se"));
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(t.ctx, fo);
	cairo_font_options_destroy(fo);
	pango_context_set_round_glyph_positions(t.ctx, FALSE);
	static const char *const FONTS[] = {FAMILY " 11", FAMILY " Bold 11", FAMILY " Bold 16",
					    FAMILY " Bold 12", FAMILY " 9"};
	for (int i = 0; i < 5; i++)
		t.font[i] = pango_font_description_from_string(FONTS[i]);

	struct box *boxes = calloc(d->n_blocks ? d->n_blocks : 1, sizeof(*boxes));
	if (!boxes)
		abort();
	make_boxes(&t, d, boxes);

	/* once to count the pages, once to draw */
	struct pen count = {.t = &t, .page = 1, .y = MARGIN_TOP, .fresh = true};
	place(&count, boxes, d->n_blocks);

	struct ebba_buf raw = {0};
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, &raw, PAGE_W, PAGE_H);
	const char *title = d->title[0] ? d->title : o && o->fallback_title ? o->fallback_title : "Beslut";
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "ebba");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
				       o && o->created ? o->created : "2000-01-01T00:00:00Z");
	cairo_t *cr = cairo_create(s);
	pango_cairo_update_context(cr, t.ctx);
	cairo_set_source_rgb(cr, 0, 0, 0);
	struct pen pen = {.cr = cr, .t = &t, .page = 1, .pages = count.page, .y = MARGIN_TOP, .fresh = true};
	page_number(&pen);
	cairo_tag_begin(cr, "Document", NULL);
	place(&pen, boxes, d->n_blocks);
	cairo_tag_end(cr, "Document");
	cairo_destroy(cr);
	cairo_surface_finish(s);
	cairo_status_t st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	free_boxes(boxes, d->n_blocks);
	for (int i = 0; i < 5; i++)
		pango_font_description_free(t.font[i]);
	g_object_unref(t.ctx);
	buf_free(&t.scratch);

	int rc;
	if (st != CAIRO_STATUS_SUCCESS)
		rc = ebba_errf(err, "letter PDF: cairo: %s", cairo_status_to_string(st));
	else
		rc = finish(&raw, out, err);
	buf_free(&raw);
	return rc;
}

int letter_pdf_render(const char *text, size_t len, const struct letter_pdf_opts *opts,
		      struct ebba_buf *out, struct ebba_err *err)
{
	struct letter_doc d;
	if (letter_parse(text, len, &d, err) != 0)
		return -1;
	pthread_mutex_lock(&lock);
	int rc = render_locked(&d, opts, out, err);
	pthread_mutex_unlock(&lock);
	letter_doc_free(&d);
	return rc;
}
