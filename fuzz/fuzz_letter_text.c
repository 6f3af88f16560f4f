/*
 * libFuzzer target for the letter's line markup (lib/letter_text.c,
 * docs/letters.md): whatever the bytes, the parser fails only on text that
 * is not UTF-8; what it gives back holds only clean strings (valid UTF-8,
 * no control character, no space at either end, no empty line or cell, a
 * row of at least two cells); and the markup written back in normal form
 * parses to the same document, and writes the same text again.  Seeds:
 * fuzz/corpus/letter_text/ (the shipped letters as written).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/letter_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clean(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void check_doc(const struct letter_doc *d)
{
	bool titled = false;
	for (size_t i = 0; i < d->n_blocks; i++) {
		const struct letter_block *b = &d->blocks[i];
		if (b->kind == LETTER_TABLE ? b->n_rows == 0 || b->n_lines
					    : b->n_lines == 0 || b->n_rows)
			abort();
		if ((b->kind == LETTER_TITLE || b->kind == LETTER_HEADING) && b->n_lines != 1)
			abort();
		if (b->kind == LETTER_TITLE && !titled) {
			if (d->title != b->lines[0])
				abort();
			titled = true;
		}
		for (size_t l = 0; l < b->n_lines; l++)
			clean(b->lines[l]);
		for (size_t r = 0; r < b->n_rows; r++) {
			if (b->rows[r].n_cells < 2 || b->rows[r].n_cells > b->n_cols)
				abort();
			for (size_t c = 0; c < b->rows[r].n_cells; c++)
				clean(b->rows[r].cells[c]);
		}
	}
	if (!titled && d->title[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct letter_doc d, again;
	struct ebba_err err;
	if (letter_parse((const char *)data, size, &d, &err) != 0) {
		if (!err.msg[0] || strchr(err.msg, '\n'))
			abort();
		return 0;
	}
	check_doc(&d);
	struct ebba_buf plain = {0}, norm = {0}, norm2 = {0};
	letter_write(&d, false, &plain);
	letter_write(&d, true, &norm);
	if (letter_parse(norm.data ? norm.data : "", norm.len, &again, &err) != 0)
		abort();
	if (!letter_doc_equal(&d, &again))
		abort();
	letter_write(&again, true, &norm2);
	if (norm.len != norm2.len || (norm.len && memcmp(norm.data, norm2.data, norm.len) != 0))
		abort();
	letter_doc_free(&again);
	letter_doc_free(&d);
	buf_free(&plain);
	buf_free(&norm);
	buf_free(&norm2);
	return 0;
}
