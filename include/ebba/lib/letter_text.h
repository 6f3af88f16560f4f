/*
 * The decision letter's text and its line markup (docs/letters.md): what a
 * letter says is the rule set's text, stored as written (ebba.letters.body,
 * immutable, with its SHA-256); the few marks below give it the structure
 * that a PDF reader and a screen reader need (a title, headings,
 * paragraphs, the calculation as a table), and read as ordinary text where
 * the letter is shown as text (ebbactl, the decision page).
 *
 *   # Beslut om ekonomiskt bistånd          the title (H1; the PDF's title)
 *   ## Så har beloppet beräknats            a heading (H2)
 *     Riksnormen för hushållet    7 230 kr  a table row: indented by two or
 *     = Beviljat                 15 260 kr  more spaces, cells apart by two
 *                                           or more spaces (or a tab); "= "
 *                                           before the first cell: the total
 *   Any other line                          text: one line of a paragraph
 *
 * A blank line ends a paragraph or a table.  The lines of one paragraph
 * stay lines (the PDF wraps a long one at the margin; nothing joins them),
 * so a template writes one paragraph or one item a line.  An indented line
 * with one cell only is text.  A text without a "# " line takes its first
 * line as the title, so every text has one.  The parser accepts any valid
 * UTF-8 (it never fails on markup: a mark it does not know is text);
 * control characters other than the newline and tab read as spaces.
 *
 * The parser is pure C with no dependencies, so the daemon could check a
 * template's markup; the PDF renderer (daemon/letter/, cairo and pango)
 * lives outside libebba.a and is linked only into the programs that render.
 */
#ifndef EBBA_LETTER_TEXT_H
#define EBBA_LETTER_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

enum letter_block_kind {
	LETTER_TITLE,       /* "# ": one line */
	LETTER_HEADING,     /* "## ": one line */
	LETTER_PARAGRAPH,   /* one or more lines */
	LETTER_TABLE,       /* one or more rows */
};

struct letter_row {
	char **cells;       /* the first is the row's header, the rest its values */
	size_t n_cells;     /* >= 2 */
	bool total;         /* written "= " before the first cell (not part of it) */
};

struct letter_block {
	enum letter_block_kind kind;
	char **lines;       /* TITLE, HEADING: 1; PARAGRAPH: >= 1 */
	size_t n_lines;
	struct letter_row *rows;   /* TABLE */
	size_t n_rows;
	size_t n_cols;      /* TABLE: the most cells of any row */
};

struct letter_doc {
	struct letter_block *blocks;
	size_t n_blocks;
	const char *title;  /* the first TITLE block's text; "" for an empty text */
};

/*
 * Parses text[0..len) into out (zeroed first; free with letter_doc_free).
 * Fails only when the text is not valid UTF-8 or holds a NUL byte.  Every
 * string in out is valid UTF-8 without a newline, a tab or a control
 * character, with no space at either end.
 */
int letter_parse(const char *text, size_t len, struct letter_doc *out, struct ebba_err *err);
void letter_doc_free(struct letter_doc *d);

/*
 * The letter as text for a person to read (ebbactl letter, the decision
 * page): blocks apart by a blank line (a heading stays on the line above
 * what it heads), the marks taken away (the total's
 * "= " stays: text has no rule to draw), table rows indented by two spaces
 * with the header cells padded to one width and the values right-aligned,
 * each column to its own edge.  With markup true the marks stay too: the
 * result is the letter's markup in normal form, and parsing it gives the
 * same document (the fuzz target checks this).
 */
void letter_write(const struct letter_doc *d, bool markup, struct ebba_buf *out);

/* True when two documents have the same blocks, lines and cells. */
bool letter_doc_equal(const struct letter_doc *a, const struct letter_doc *b);

#endif
