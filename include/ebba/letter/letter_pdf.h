/*
 * The decision letter as a PDF (docs/letters.md, DESIGN.md §10a).
 *
 * This stage is not in libebba.a: it is built into libebba-letter.a with
 * cairo, pango, fontconfig and qpdf, and linked only into the programs that
 * show, download or send a letter (ebbactl, ebba-web).  ebbad never links
 * it: deciding stays as fast and as small as it is, and the PDF is rendered
 * once, later, by whichever program first needs it (letter_store.c).
 *
 * The PDF: A4, Liberation Sans 11 pt (DejaVu Sans for any glyph it lacks),
 * the fonts embedded as subsets, the text extractable, the document title
 * (the letter's "# " line) in the metadata and shown by viewers, tagged
 * (Document, H1, H2, P, Table/TR/TH/TD), the catalogue's /Lang sv-SE
 * (cairo 1.16 cannot set it: qpdf adds it), amounts right-aligned in their
 * column with the thousands apart by a no-break space.  Deterministic: the
 * same text and date give the same bytes (fixed dates, qpdf's
 * deterministic /ID, fonts from fixed files, not the system's font
 * configuration).
 */
#ifndef EBBA_LETTER_PDF_H
#define EBBA_LETTER_PDF_H

#include <stddef.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

struct letter_pdf_opts {
	/* The PDF's creation date, ISO 8601 ("2026-12-07T08:15:00Z"): the
	 * decision's, so the bytes do not depend on when they were rendered.
	 * NULL: 2000-01-01T00:00:00Z. */
	const char *created;
	/* The title when the text has none (letter_text.h); NULL: "Beslut". */
	const char *fallback_title;
};

/*
 * Renders the letter text[0..len) (its line markup: ebba/lib/letter_text.h)
 * as a PDF into out (reset first).  Thread-safe (one rendering at a time
 * per process: they share the fonts).  Fails on text that is not UTF-8, a
 * missing font file or a cairo/qpdf failure, with one line in err.
 */
int letter_pdf_render(const char *text, size_t len, const struct letter_pdf_opts *opts,
		      struct ebba_buf *out, struct ebba_err *err);

/* What renders, for the stored PDF's record: "cairo 1.16.0, pango 1.50.12,
 * qpdf 11.3.0, LiberationSans 2.1.5 ..." (a static string). */
const char *letter_pdf_renderer(void);

#endif
