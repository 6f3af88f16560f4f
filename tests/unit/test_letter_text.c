/*
 * The letter's line markup (lib/letter_text.c, docs/letters.md): the
 * shipped approval letter's shape, the marks one by one, what is not a
 * mark, the title taken from the first line, cleaning, the text and
 * normal forms, and UTF-8 that is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/lib/letter_text.h"

static struct letter_doc parse_ok(const char *text)
{
	struct letter_doc d;
	struct ebba_err err;
	if (letter_parse(text, strlen(text), &d, &err) != 0)
		fail_msg("%s", err.msg);
	return d;
}

static void test_shipped_shape(void **state)
{
	(void)state;
	struct letter_doc d = parse_ok(
		"# Beslut om ekonomiskt bistånd (försörjningsstöd)\n"
		"\n"
		"Ärende: C-1\n"
		"Ansökan: EB-1\n"
		"\n"
		"## Så har beloppet beräknats\n"
		"  Norm (riksnormen för hushållet):      17 520 kr\n"
		"  - Inkomster:                          15 250 kr\n"
		"  = Beviljat belopp:                    12 460 kr\n"
		"\n"
		"## Skäl för beslutet\n"
		"Hyra: 9 700 kr godtas.\n"
		"Hushållsel: 370 kr godtas.\n");
	assert_int_equal(d.n_blocks, 6);
	assert_string_equal(d.title, "Beslut om ekonomiskt bistånd (försörjningsstöd)");
	assert_int_equal(d.blocks[0].kind, LETTER_TITLE);
	assert_int_equal(d.blocks[1].kind, LETTER_PARAGRAPH);
	assert_int_equal(d.blocks[1].n_lines, 2);
	assert_string_equal(d.blocks[1].lines[1], "Ansökan: EB-1");
	assert_int_equal(d.blocks[2].kind, LETTER_HEADING);
	const struct letter_block *t = &d.blocks[3];
	assert_int_equal(t->kind, LETTER_TABLE);
	assert_int_equal(t->n_rows, 3);
	assert_int_equal(t->n_cols, 2);
	assert_string_equal(t->rows[0].cells[0], "Norm (riksnormen för hushållet):");
	assert_string_equal(t->rows[0].cells[1], "17 520 kr");
	assert_false(t->rows[1].total);
	assert_string_equal(t->rows[1].cells[0], "- Inkomster:");
	assert_true(t->rows[2].total);
	assert_string_equal(t->rows[2].cells[0], "Beviljat belopp:");
	assert_int_equal(d.blocks[5].kind, LETTER_PARAGRAPH);
	assert_int_equal(d.blocks[5].n_lines, 2);   /* lines stay lines */

	struct ebba_buf text = {0};
	letter_write(&d, false, &text);
	assert_string_equal(text.data,
		"Beslut om ekonomiskt bistånd (försörjningsstöd)\n"
		"\n"
		"Ärende: C-1\n"
		"Ansökan: EB-1\n"
		"\n"
		"Så har beloppet beräknats\n"
		"  Norm (riksnormen för hushållet):  17 520 kr\n"
		"  - Inkomster:                      15 250 kr\n"
		"  = Beviljat belopp:                12 460 kr\n"
		"\n"
		"Skäl för beslutet\n"
		"Hyra: 9 700 kr godtas.\n"
		"Hushållsel: 370 kr godtas.\n");
	buf_free(&text);
	letter_doc_free(&d);
}

static void test_not_marks(void **state)
{
	(void)state;
	/* "#x", "### x", "#" alone, an indented line of one cell, a line with
	 * a run of spaces but no indentation: all text */
	struct letter_doc d = parse_ok("# T\n#x\n### x\n#\n   one cell only\nnot  a row\n");
	assert_int_equal(d.n_blocks, 2);
	const struct letter_block *p = &d.blocks[1];
	assert_int_equal(p->kind, LETTER_PARAGRAPH);
	assert_int_equal(p->n_lines, 5);
	assert_string_equal(p->lines[0], "#x");
	assert_string_equal(p->lines[1], "### x");
	assert_string_equal(p->lines[2], "#");
	assert_string_equal(p->lines[3], "one cell only");
	assert_string_equal(p->lines[4], "not  a row");
	letter_doc_free(&d);
}

static void test_table_edges(void **state)
{
	(void)state;
	/* a tab separates cells and indents; "= " alone is no total; rows of
	 * different lengths; a blank line splits two tables */
	struct letter_doc d = parse_ok("# T\n\tA\tB\tC\n  =   x\n  = y  1\n\n  a  b\n");
	assert_int_equal(d.n_blocks, 3);
	const struct letter_block *t = &d.blocks[1];
	assert_int_equal(t->n_rows, 3);
	assert_int_equal(t->n_cols, 3);
	assert_string_equal(t->rows[0].cells[2], "C");
	assert_false(t->rows[1].total);
	assert_string_equal(t->rows[1].cells[0], "=");
	assert_true(t->rows[2].total);
	assert_string_equal(t->rows[2].cells[0], "y");
	assert_int_equal(d.blocks[2].kind, LETTER_TABLE);
	letter_doc_free(&d);
}

static void test_title_fallback(void **state)
{
	(void)state;
	struct letter_doc d = parse_ok("BESLUT\nmore\n\n## H\n");
	assert_string_equal(d.title, "BESLUT");
	assert_int_equal(d.n_blocks, 3);
	assert_int_equal(d.blocks[0].kind, LETTER_TITLE);
	assert_int_equal(d.blocks[1].n_lines, 1);
	assert_string_equal(d.blocks[1].lines[0], "more");
	letter_doc_free(&d);
	d = parse_ok("## Heading first\ntext\n");
	assert_string_equal(d.title, "Heading first");
	letter_doc_free(&d);
	d = parse_ok("");
	assert_string_equal(d.title, "");
	assert_int_equal(d.n_blocks, 0);
	letter_doc_free(&d);
}

static void test_cleaning(void **state)
{
	(void)state;
	/* CR LF, a control character, the C1 NEL and U+2028 become spaces */
	struct letter_doc d = parse_ok("# T\r\na\x01" "b\xc2\x85" "c\xe2\x80\xa8" "d  \r\n");
	assert_string_equal(d.blocks[0].lines[0], "T");
	assert_string_equal(d.blocks[1].lines[0], "a b c d");
	letter_doc_free(&d);
}

static void test_bad_utf8(void **state)
{
	(void)state;
	static const char *const bad[] = {"\xff", "a\xc3", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80"};
	struct letter_doc d;
	struct ebba_err err;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(letter_parse(bad[i], strlen(bad[i]), &d, &err), -1);
		assert_non_null(strstr(err.msg, "not UTF-8"));
	}
	assert_int_equal(letter_parse("a\0b", 3, &d, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
}

static void test_normal_form_round_trip(void **state)
{
	(void)state;
	/* text that reads as a mark is indented by one space in the normal form */
	const char *text = "   # not a title\nfirst\n\n# Title\n  = Sum  1\n  x\ty\tz\n";
	struct letter_doc d = parse_ok(text), again;
	struct ebba_buf norm = {0};
	letter_write(&d, true, &norm);
	assert_string_equal(norm.data, " # not a title\nfirst\n\n# Title\n\n  = Sum  1\n  x      y  z\n");
	again = parse_ok(norm.data);
	assert_true(letter_doc_equal(&d, &again));
	letter_doc_free(&again);
	letter_doc_free(&d);
	buf_free(&norm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_shape),
		cmocka_unit_test(test_not_marks),
		cmocka_unit_test(test_table_edges),
		cmocka_unit_test(test_title_fallback),
		cmocka_unit_test(test_cleaning),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_normal_form_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
