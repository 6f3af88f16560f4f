/*
 * lib/yaml: positions of every kind of node, repeated keys, anchors and
 * aliases refused, the depth, node and size limits, bad UTF-8, and the
 * typed getters' messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/lib/util.h"
#include "ebba/lib/yaml.h"

static struct ydoc *parse(const char *text, const struct ylimits *lim)
{
	struct ebba_err err;
	struct ydoc *d = ydoc_parse("t.yaml", text, strlen(text), lim, &err);
	if (!d)
		fail_msg("'%s': %s", text, err.msg);
	return d;
}

static void expect_error(const char *text, size_t len, const struct ylimits *lim, const char *want)
{
	struct ebba_err err;
	struct ydoc *d = ydoc_parse("t.yaml", text, len, lim, &err);
	if (d)
		fail_msg("accepted '%.40s'", text);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("got  '%s'\nwant '%s'", err.msg, want);
	assert_null(strchr(err.msg, '\n'));
}

static void test_positions(void **state)
{
	(void)state;
	struct ydoc *d = parse("a: 1\nlist:\n  - x\n  - {k: \"v\"}\ntext: |\n  line\n", NULL);
	const struct ynode *r = d->root;
	assert_int_equal(r->kind, YN_MAP);
	assert_int_equal(r->line, 1);
	assert_int_equal(r->col, 1);
	assert_int_equal(ymap_size(r), 3);
	const struct ynode *a = ymap_get(r, "a");
	assert_string_equal(ynode_text(a), "1");
	assert_int_equal(a->line, 1);
	assert_int_equal(a->col, 4);
	assert_int_equal(a->offset, 3);
	const struct ynode *l = ymap_get(r, "list");
	assert_int_equal(l->kind, YN_SEQ);
	assert_int_equal(l->line, 3);
	assert_int_equal(l->col, 3);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->kids[0].line, 3);
	assert_int_equal(l->kids[0].col, 5);
	const struct ynode *m = &l->kids[1];
	assert_int_equal(m->kind, YN_MAP);
	assert_int_equal(m->line, 4);
	assert_int_equal(m->col, 5);
	const struct ynode *v = ymap_get(m, "k");
	assert_int_equal(v->style, YS_DOUBLE);
	assert_int_equal(v->col, 9);
	const struct ynode *t = ymap_get(r, "text");
	assert_int_equal(t->style, YS_LITERAL);
	assert_string_equal(t->text, "line\n");
	assert_null(ymap_get(r, "missing"));
	assert_null(ymap_get(a, "a"));
	ydoc_free(d);

	d = parse("# only a comment\n", NULL);
	assert_null(d->root);
	ydoc_free(d);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_error("a: 1\nb: 2\na: 3\n", 15, NULL, "t.yaml:3:1: duplicate key 'a' (first on line 1)");
	expect_error("m: {x: 1, y: 2, x: 3}\n", 22, NULL, "t.yaml:1:17: duplicate key 'x' (first on line 1)");
	/* Many keys: the first repeated one in file order is reported. */
	struct ebba_buf b = {0};
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "k%d: %d\n", i, i);
	buf_puts(&b, "k4000: x\nk10: y\n");
	expect_error(b.data, b.len, NULL, "t.yaml:5001:1: duplicate key 'k4000' (first on line 4001)");
	buf_free(&b);
	/* The same key in two mappings is not repeated. */
	ydoc_free(parse("a: {x: 1}\nb: {x: 2}\n", NULL));
}

static void test_aliases(void **state)
{
	(void)state;
	expect_error("a: &x 1\nb: 2\n", 13, NULL,
		     "t.yaml:1:4: anchors (&name) are not allowed; write the value out");
	expect_error("a: [1]\nb: *x\n", 13, NULL,
		     "t.yaml:2:4: aliases (*name) are not allowed; write the value out");
	static const char laughs[] = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
	expect_error(laughs, strlen(laughs), NULL, "t.yaml:1:4: anchors (&name) are not allowed");
	/* A merge key is only a key. */
	struct ydoc *d = parse("<<: {a: 1}\n", NULL);
	assert_non_null(ymap_get(d->root, "<<"));
	ydoc_free(d);
}

static void test_depth_and_nodes(void **state)
{
	(void)state;
	struct ebba_buf b = {0};
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	struct ylimits four = {.max_depth = 4};
	expect_error(b.data, b.len, &four, "t.yaml:1:5: nested deeper than 4 levels");
	expect_error(b.data, b.len, NULL, "t.yaml:1:33: nested deeper than 32 levels");
	ydoc_free(parse("[[[[1]]]]", &four));
	buf_reset(&b);
	buf_putc(&b, '[');
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "1, ");
	buf_puts(&b, "1]");
	struct ylimits hundred = {.max_nodes = 100};
	expect_error(b.data, b.len, &hundred, "t.yaml:1:");
	struct ebba_err err;
	assert_null(ydoc_parse("t.yaml", b.data, b.len, &hundred, &err));
	assert_non_null(strstr(err.msg, "more than 100 YAML nodes"));
	buf_free(&b);
}

static void test_size_limit(void **state)
{
	(void)state;
	struct ylimits small = {.max_bytes = 10};
	expect_error("a: 12345678\n", 12, &small, "t.yaml: 12 bytes, larger than the limit of 10 bytes");
	ydoc_free(parse("a: 1234\n", &small));
}

static void test_bad_input(void **state)
{
	(void)state;
	expect_error("\xff\xfe", 2, NULL, "t.yaml:1:1: YAML input: invalid leading UTF-8 octet");
	expect_error("a: b\xc3\x28\n", 7, NULL, "t.yaml:1:6: YAML input: invalid trailing UTF-8 octet");
	expect_error("a: \"x\\0y\"\n", 10, NULL, "t.yaml:1:4: NUL character in a value");
	expect_error("a: [1\n", 6, NULL, "t.yaml:2:1: YAML syntax: did not find expected ',' or ']'");
	expect_error("a: 1\n---\nb: 2\n", 14, NULL,
		     "t.yaml:2:1: only one YAML document is allowed; remove the second ('---')");
	/* An identity number in a key is not repeated in a message. */
	expect_error("198501012382: 1\n198501012382: 2\n", 32, NULL, "t.yaml:2:1: duplicate key '************'");
}

static void test_getters(void **state)
{
	(void)state;
	struct ydoc *d = parse("n: 42\nneg: -7\nbig: 99999999999999999999\nb: yes\ns: [1]\nt: hi\n", NULL);
	const struct ynode *r = d->root;
	struct ebba_err err;
	int64_t v;
	bool b;
	const char *s;
	assert_int_equal(yget_int(d, ymap_get(r, "n"), "n", 0, 100, &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(yget_int(d, ymap_get(r, "neg"), "neg", -10, 0, &v, &err), 0);
	assert_int_equal(v, -7);
	assert_int_equal(yget_int(d, ymap_get(r, "n"), "n", 0, 10, &v, &err), -1);
	assert_string_equal(err.msg, "t.yaml:1:4: n: expected a whole number from 0 to 10");
	assert_int_equal(yget_int(d, ymap_get(r, "big"), "big", 0, 10, &v, &err), -1);
	assert_int_equal(yget_int(d, ymap_get(r, "t"), "t", 0, 10, &v, &err), -1);
	assert_int_equal(yget_bool(d, ymap_get(r, "b"), "b", &b, &err), 0);
	assert_true(b);
	assert_int_equal(yget_bool(d, ymap_get(r, "t"), "t", &b, &err), -1);
	assert_string_equal(err.msg, "t.yaml:6:4: t: expected true or false");
	assert_int_equal(yget_str(d, ymap_get(r, "t"), "t", &s, &err), 0);
	assert_string_equal(s, "hi");
	assert_int_equal(yget_str(d, ymap_get(r, "s"), "s", &s, &err), -1);
	assert_string_equal(err.msg, "t.yaml:5:4: s: expected a single value, not a list");
	unsigned line, col;
	assert_string_equal(yerr_split("t.yaml", err.msg, &line, &col), "s: expected a single value, not a list");
	assert_int_equal(line, 5);
	assert_int_equal(col, 4);
	assert_string_equal(yerr_split("t.yaml", "t.yaml: too big", &line, &col), "too big");
	assert_int_equal(line, 1);
	ydoc_free(d);
}

static void test_built_tree(void **state)
{
	(void)state;
	struct ydoc *d = parse("a: [x]\n", NULL);
	struct ydoc *b = ydoc_new("built");
	struct ynode *root = ydoc_set_root(b, YN_MAP);
	ynode_add_scalar(b, root, "copy", 4, NULL);
	ynode_add_copy(b, root, ymap_get(d->root, "a"));
	ydoc_free(d);
	const struct ynode *c = ymap_get(root, "copy");
	assert_int_equal(c->kind, YN_SEQ);
	assert_int_equal(c->line, 1);
	assert_int_equal(c->col, 4);
	assert_string_equal(c->kids[0].text, "x");
	struct ebba_err err;
	yerrf(b, &root->kids[0], &err, "no position");
	assert_string_equal(err.msg, "built: no position");
	ydoc_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_depth_and_nodes),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_built_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
