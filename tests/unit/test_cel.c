/*
 * Unit tests for the CEL engine: arithmetic and overflow, errors as values
 * and their commutative logic, macros, ebba's extensions, the cost limit,
 * compile errors with positions, identifiers for the dependency graph,
 * printing round trips, JSON facts and the limits on hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ebba/cel/cel.h"

/* Evaluates src (no declarations) and returns the result printed, or
 * "error: msg" for an error value, or "compile: L:C: msg". */
static const char *run_with(const char *src, const struct cel_activation *act)
{
	static char out[4096];
	struct cel_program *prog;
	struct cel_compile_error ce;
	struct ebba_err err;
	if (cel_compile(src, NULL, &prog, &ce, &err) != 0) {
		snprintf(out, sizeof(out), "compile: %u:%u: %s", ce.pos.line, ce.pos.column, err.msg);
		return out;
	}
	struct cel_arena *arena = cel_arena_new();
	struct cel_value v = cel_eval(prog, act, arena);
	if (cel_is_error(v)) {
		snprintf(out, sizeof(out), "error: %.*s", (int)v.len, v.str);
	} else {
		struct ebba_buf b = {0};
		cel_value_format(v, &b);
		snprintf(out, sizeof(out), "%s", b.data);
		buf_free(&b);
	}
	cel_arena_free(arena);
	cel_program_free(prog);
	return out;
}

static const char *run(const char *src)
{
	return run_with(src, NULL);
}

#define EXPECT(src, want) assert_string_equal(run(src), want)

static void test_literals(void **state)
{
	(void)state;
	EXPECT("42", "42");
	EXPECT("0x1F", "31");
	EXPECT("7u", "7u");
	EXPECT("-9223372036854775808", "-9223372036854775808");
	EXPECT("2.5", "2.5");
	EXPECT("1e100", "1e+100");
	EXPECT("3.0", "3.0");
	EXPECT("'a\\tb'", "\"a\\tb\"");
	EXPECT("'\\u00e5'", "\"\xc3\xa5\"");
	EXPECT("b'\\xff\\000'", "b\"\\xff\\x00\"");
	EXPECT("r'\\d'", "\"\\\\d\"");
	EXPECT("'''a\nb'''", "\"a\\nb\"");
	EXPECT("null", "null");
	EXPECT("[1, 2u, 'x', {'a': true}]", "[1, 2u, \"x\", {\"a\": true}]");
	EXPECT("int", "int");
	EXPECT("type([])", "list");
}

static void test_arithmetic(void **state)
{
	(void)state;
	EXPECT("1 + 2 * 3", "7");
	EXPECT("(1 + 2) * 3", "9");
	EXPECT("7 / 2", "3");
	EXPECT("-7 / 2", "-3");
	EXPECT("-7 % 3", "-1");
	EXPECT("10u - 3u", "7u");
	EXPECT("2.5 * 2.0", "5.0");
	EXPECT("1.0 / 0.0", "double(\"Infinity\")");
	EXPECT("'ab' + 'c'", "\"abc\"");
	EXPECT("[1] + [2, 3]", "[1, 2, 3]");
	EXPECT("b'a' + b'b'", "b\"ab\"");
	/* no implicit conversion between number types */
	EXPECT("dyn(1) + 1u", "error: no such overload");
	EXPECT("dyn(1) + 1.0", "error: no such overload");
	EXPECT("double(1) + 1.5", "2.5");
}

static void test_overflow(void **state)
{
	(void)state;
	EXPECT("9223372036854775807 + 1", "error: integer overflow");
	EXPECT("-9223372036854775808 - 1", "error: integer overflow");
	EXPECT("-9223372036854775808 / -1", "error: integer overflow");
	EXPECT("-9223372036854775808 % -1", "error: integer overflow");
	EXPECT("-(-9223372036854775808)", "error: integer overflow");
	EXPECT("5000000000 * 5000000000", "error: integer overflow");
	EXPECT("0u - 1u", "error: unsigned integer overflow");
	EXPECT("18446744073709551615u + 1u", "error: unsigned integer overflow");
	EXPECT("1 / 0", "error: division by zero");
	EXPECT("1 % 0", "error: modulus by zero");
	EXPECT("int(1e19)", "error: int range error");
	EXPECT("uint(-1)", "error: uint range error");
	EXPECT("int(18446744073709551615u)", "error: int range error");
	EXPECT("9223372036854775808", "compile: 1:1: integer literal out of range");
	EXPECT("18446744073709551616u", "compile: 1:1: integer literal out of range");
}

static void test_comparisons(void **state)
{
	(void)state;
	EXPECT("dyn(1) == 1.0", "true");
	EXPECT("dyn(1u) < 2", "true");
	EXPECT("dyn(-1) < 0u", "true");
	EXPECT("[1, 2.0] == [1u, 2]", "true");
	EXPECT("{1: 'a'}[1u]", "\"a\"");
	EXPECT("{1: 'a'}[1.0]", "\"a\"");
	EXPECT("'a' < 'b' && b'a' < b'b' && false < true", "true");
	EXPECT("0.0/0.0 == 0.0/0.0", "false");
	EXPECT("dyn('a') == 1", "false");
	EXPECT("dyn([1]) < [2]", "error: no such overload");
	EXPECT("2 in [1, 2]", "true");
	EXPECT("'k' in {'k': 1}", "true");
	EXPECT("3.0 in {3: 1}", "true");
}

static void test_errors_are_values(void **state)
{
	(void)state;
	/* && and || are commutative over errors */
	EXPECT("false && 1/0 == 1", "false");
	EXPECT("1/0 == 1 && false", "false");
	EXPECT("1/0 == 1 || true", "true");
	EXPECT("true || 1/0 == 1", "true");
	EXPECT("true && 1/0 == 1", "error: division by zero");
	EXPECT("1/0 == 1 || false", "error: division by zero");
	EXPECT("1/0 == 1 || 2/0 == 1", "error: division by zero");
	/* errors propagate through everything else */
	EXPECT("1/0 > 2 ? 'a' : 'b'", "error: division by zero");
	EXPECT("[1, 1/0]", "error: division by zero");
	EXPECT("size([1/0])", "error: division by zero");
	EXPECT("{'a': 1}.b", "error: no such key: \"b\"");
	EXPECT("{'a': 1}['b']", "error: no such key: \"b\"");
	EXPECT("[1, 2][2]", "error: index out of range: 2 (list size 2)");
	EXPECT("x", "error: undeclared reference to 'x'");
	EXPECT("x || true", "true");
	EXPECT("nosuchfn(1)", "error: unbound function 'nosuchfn'");
	EXPECT("{'a': 1, 'a': 2}", "error: repeated key in map literal: \"a\"");
	EXPECT("{1.5: 1}", "error: unsupported key type double");
	EXPECT("1.a", "error: type 'int' does not support field selection");
	EXPECT("!dyn(1)", "error: no such overload");
	EXPECT("dyn('x') ? 1 : 2", "error: no such overload");
}

static void test_macros(void **state)
{
	(void)state;
	EXPECT("[1, 2, 3].all(x, x > 0)", "true");
	EXPECT("[1, 2, 3].exists(x, x == 2)", "true");
	EXPECT("[1, 2, 3].exists_one(x, x > 1)", "false");
	EXPECT("[1, 2, 3].map(x, x * 10)", "[10, 20, 30]");
	EXPECT("[1, 2, 3].map(x, x > 1, x * 10)", "[20, 30]");
	EXPECT("[1, 2, 3, 4].filter(x, x % 2 == 0)", "[2, 4]");
	EXPECT("{'a': 1, 'b': 2}.map(k, k + '!')", "[\"a!\", \"b!\"]");
	EXPECT("{'a': 1, 'b': 2}.all(k, k.size() == 1)", "true");
	EXPECT("[[1, 2], [3]].map(l, l.map(x, x + 1))", "[[2, 3], [4]]");
	EXPECT("[1, 2].map(x, [10, 20].filter(y, y > x * 10))", "[[20], []]");
	/* an error in one element loses to a decisive answer in another */
	EXPECT("[0, 1].all(x, 1 / x == 5)", "false");
	EXPECT("[0, 5].exists(x, 5 / x == 1)", "true");
	EXPECT("[0, 1].all(x, 1 / x == 1)", "error: division by zero");
	EXPECT("[0, 1].map(x, 1 / x)", "error: division by zero");
	EXPECT("1.all(x, true)", "error: cannot iterate over a int");
	/* macro variables shadow and do not leak */
	EXPECT("[1].map(x, x) + [2].map(x, x)", "[1, 2]");
	EXPECT("[1].exists(int, int == 1)", "true");
	EXPECT("has({'a': 1}.a) && !has({'a': 1}.b)", "true");
	EXPECT("has(1)", "compile: 1:1: has() takes one field selection, like has(a.b)");
	EXPECT("[1].all(1, true)", "compile: 1:9: the first argument of all() must be a variable name");
}

static void test_strings(void **state)
{
	(void)state;
	EXPECT("'h\xc3\xa9llo'.size()", "5");
	EXPECT("size(b'h\\xc3\\xa9')", "3");
	EXPECT("'hello'.contains('ell') && 'hello'.startsWith('he') && 'hello'.endsWith('lo')",
	       "true");
	EXPECT("'abc123'.matches('^[a-z]+\\\\d+$')", "true");
	EXPECT("'ABC'.matches('(?i)^abc$')", "true");
	EXPECT("'ma\xc3\xb1" "ana'.matches('^ma.ana$')", "true");
	EXPECT("matches('x9', '\\\\w\\\\d')", "true");
	EXPECT("'a'.matches('(')", "compile: 1:13: invalid regular expression: Unmatched ( or \\(");
	EXPECT("'a'.matches('a*?')",
	       "compile: 1:13: invalid regular expression: lazy quantifiers (*?) are not supported");
	EXPECT("'a'.matches(dyn('('))", "error: invalid regular expression: Unmatched ( or \\(");
	EXPECT("string(12) + string(1.5) + string(2u) + string(true)", "\"121.52true\"");
	EXPECT("string(b'\\xff')", "error: invalid UTF-8 in bytes converted to string");
	EXPECT("int('42') + int(' 1')", "error: cannot convert \" 1\" to int");
	EXPECT("double('2.5') + double(2)", "4.5");
	EXPECT("bool('true') && !bool('0')", "true");
	EXPECT("bool('yes')", "error: cannot convert \"yes\" to bool");
	EXPECT("bytes('\xc3\xa5')", "b\"\\xc3\\xa5\"");
}

static void test_extensions(void **state)
{
	(void)state;
	EXPECT("sum([1, 2, 3])", "6");
	EXPECT("sum([])", "0");
	EXPECT("sum([1.5, 2.5])", "4.0");
	EXPECT("sum([1u, 2u])", "3u");
	EXPECT("sum([1, 2.5])", "error: sum() of mixed number types (use double() or int())");
	EXPECT("sum([9223372036854775807, 1])", "error: integer overflow");
	EXPECT("sum(['a'])", "error: no such overload");
	EXPECT("min([3, 1, 2])", "1");
	EXPECT("max(3, 7, 5)", "7");
	EXPECT("max([1, 2.5, 2u])", "2.5");
	EXPECT("min('b', 'a')", "\"a\"");
	EXPECT("min([])", "error: min() of an empty list");
	EXPECT("max([1, 'a'])", "error: no such overload");
	EXPECT("abs(-5) + abs(5)", "10");
	EXPECT("abs(-2.5)", "2.5");
	EXPECT("abs(-9223372036854775808)", "error: integer overflow");
	EXPECT("sum([1, 2].map(x, x * 100)) / 2", "150");
	EXPECT("['a', 'b', 'c'].join()", "\"abc\"");
	EXPECT("['a', 'b', 'c'].join('-')", "\"a-b-c\"");
	EXPECT("['FK', 'CSN', 'a-kassan'].join(', ', ' och ')", "\"FK, CSN och a-kassan\"");
	EXPECT("['FK'].join(', ', ' och ')", "\"FK\"");
	EXPECT("['FK', 'SO'].join(', ', ' och ')", "\"FK och SO\"");
	EXPECT("[].join(', ')", "\"\"");
	EXPECT("['a', 1].join()", "error: no such overload");
	EXPECT("['a'].join(1)", "error: no such overload");
	EXPECT("kronor(13510)", "\"13 510\"");
	EXPECT("kronor(-6490)", "\"-6 490\"");
	EXPECT("[kronor(0), kronor(999), kronor(1000), kronor(100000)].join('|')", "\"0|999|1 000|100 000\"");
	EXPECT("kronor(1000000u)", "\"1 000 000\"");
	EXPECT("kronor(1200.0)", "\"1 200\"");
	EXPECT("kronor(-9223372036854775807 - 1)", "\"-9 223 372 036 854 775 808\"");
	EXPECT("kronor(1.5)", "error: kronor() of an amount with a fraction");
	EXPECT("kronor('x')", "error: no such overload");
}

static void test_cost_limit(void **state)
{
	(void)state;
	const char *src = "[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, "
			  "[1,2,3,4,5,6,7,8,9,10].map(c, a * b * c)))";
	struct cel_activation small = {.vars = cel_null(), .max_steps = 1000};
	assert_string_equal(run_with(src, &small), "error: evaluation cost limit exceeded");
	struct cel_activation big = {.vars = cel_null(), .max_steps = 100000};
	assert_string_equal(run_with("size(" "[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10]"
				     ".map(b, a * b)))", &big), "10");
	/* exhaustion cannot be hidden by a decisive operand */
	char expensive[512];
	snprintf(expensive, sizeof(expensive), "%s.size() == 0 || true", src);
	assert_string_equal(run_with(expensive, &small), "error: evaluation cost limit exceeded");
	snprintf(expensive, sizeof(expensive), "%s.exists(x, false) && false", src);
	assert_string_equal(run_with(expensive, &small), "error: evaluation cost limit exceeded");
	/* string doubling is charged by length */
	struct cel_activation tiny = {.vars = cel_null(), .max_steps = 60};
	assert_string_equal(
		run_with("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20].map(x, 'aaaaaaaaaaaaaaaa"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' + 'b')",
			 &tiny),
		"error: evaluation cost limit exceeded");
}

static void compile_error(const char *src, const struct cel_decls *decls, enum cel_error_kind kind,
			  const char *want_msg, unsigned line, unsigned column)
{
	struct cel_program *prog = (void *)1;
	struct cel_compile_error ce = {{0, 0}, CEL_ERR_NONE};
	struct ebba_err err;
	assert_int_equal(cel_compile(src, decls, &prog, &ce, &err), -1);
	assert_null(prog);
	assert_string_equal(err.msg, want_msg);
	assert_int_equal(ce.pos.line, line);
	assert_int_equal(ce.pos.column, column);
	assert_string_equal(cel_error_kind_name(ce.kind), cel_error_kind_name(kind));
}

/* Every error value says what kind of error it is; nothing needs its text. */
static void test_error_kinds(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		enum cel_error_kind kind;
	} cases[] = {
		{"{'a': 1}.b", CEL_ERR_NO_SUCH_KEY},      {"{'a': 1}['b']", CEL_ERR_NO_SUCH_KEY},
		{"dyn(1) + 1u", CEL_ERR_TYPE},            {"1.a", CEL_ERR_TYPE},
		{"1.all(x, true)", CEL_ERR_TYPE},         {"{1.5: 1}", CEL_ERR_TYPE},
		{"sum([1, 2.5])", CEL_ERR_TYPE},          {"nosuchfn(1)", CEL_ERR_UNKNOWN_FUNCTION},
		{"x", CEL_ERR_UNKNOWN_IDENT},             {"1 / 0", CEL_ERR_DIV_ZERO},
		{"1 % 0", CEL_ERR_DIV_ZERO},              {"9223372036854775807 + 1", CEL_ERR_OVERFLOW},
		{"0u - 1u", CEL_ERR_OVERFLOW},            {"int(1e19)", CEL_ERR_RANGE},
		{"[1, 2][2]", CEL_ERR_RANGE},             {"min([])", CEL_ERR_RANGE},
		{"int('x')", CEL_ERR_CONVERSION},         {"string(b'\\xff')", CEL_ERR_CONVERSION},
		{"{'a': 1, 'a': 2}", CEL_ERR_INVALID},    {"'a'.matches(dyn('('))", CEL_ERR_INVALID},
		{"[1, 1/0]", CEL_ERR_DIV_ZERO},           {"true", CEL_ERR_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cel_program *prog;
		struct ebba_err err;
		assert_int_equal(cel_compile(cases[i].src, NULL, &prog, NULL, &err), 0);
		struct cel_arena *arena = cel_arena_new();
		struct cel_value v = cel_eval(prog, NULL, arena);
		if (cel_error_kind_of(v) != cases[i].kind)
			fail_msg("%s: kind %s, expected %s", cases[i].src,
				 cel_error_kind_name(cel_error_kind_of(v)),
				 cel_error_kind_name(cases[i].kind));
		cel_arena_free(arena);
		cel_program_free(prog);
	}
	struct cel_activation tiny = {.max_steps = 3};
	struct cel_program *prog;
	struct ebba_err err;
	assert_int_equal(cel_compile("[1, 2, 3, 4].map(x, x * 2)", NULL, &prog, NULL, &err), 0);
	struct cel_arena *arena = cel_arena_new();
	assert_int_equal(cel_error_kind_of(cel_eval(prog, &tiny, arena)), CEL_ERR_BUDGET);
	assert_int_equal(cel_error_kind_of(cel_errorf(arena, CEL_ERR_OTHER, "x %d", 1)), CEL_ERR_OTHER);
	cel_arena_free(arena);
	cel_program_free(prog);
}

static void test_compile_errors(void **state)
{
	(void)state;
	const char *names[] = {"income", "household.adults", "rent"};
	struct cel_decls decls = {.names = names, .count = 3};
	compile_error("income > 0 &&\n  incme < 5", &decls, CEL_ERR_UNKNOWN_IDENT, "unknown identifier 'incme'", 2, 3);
	compile_error("'\xc3\xa5\xc3\xa4' == x", &decls, CEL_ERR_UNKNOWN_IDENT, "unknown identifier 'x'", 1, 9);
	compile_error("household.children > 0", &decls, CEL_ERR_UNKNOWN_IDENT, "unknown identifier 'household'", 1, 1);
	compile_error("rent.map(r, r) + [q]", &decls, CEL_ERR_UNKNOWN_IDENT, "unknown identifier 'q'", 1, 19);
	compile_error("frobnicate(rent)", &decls, CEL_ERR_UNKNOWN_FUNCTION, "unknown function 'frobnicate' with 1 argument", 1,
		      1);
	compile_error("1 + (2", NULL, CEL_ERR_SYNTAX, "expected ')', found end of expression", 1, 7);
	compile_error("1 +", NULL, CEL_ERR_SYNTAX, "unexpected end of expression", 1, 4);
	compile_error("a b", NULL, CEL_ERR_SYNTAX, "unexpected 'b' after the expression", 1, 3);
	compile_error("'abc", NULL, CEL_ERR_SYNTAX, "unterminated string literal", 1, 1);
	compile_error("1 # 2", NULL, CEL_ERR_SYNTAX, "unexpected character '#'", 1, 3);
	compile_error("if", NULL, CEL_ERR_SYNTAX, "'if' is a reserved word", 1, 1);
	compile_error("Msg{a: 1}", NULL, CEL_ERR_SYNTAX, "message construction (Msg{...}) is not supported", 1, 4);
	/* obvious type mistakes */
	compile_error("\"a\" + 1", NULL, CEL_ERR_TYPE, "no operator '+' for string and int", 1, 5);
	compile_error("1 < 'x'", NULL, CEL_ERR_TYPE, "no operator '<' for int and string", 1, 3);
	compile_error("'1' == 1", NULL, CEL_ERR_TYPE, "no operator '==' for string and int", 1, 5);
	compile_error("size(rent) > '3'", &decls, CEL_ERR_TYPE, "no operator '>' for int and string", 1, 12);
	compile_error("!5", NULL, CEL_ERR_TYPE, "expected a bool, found int", 1, 2);
	compile_error("1 ? 2 : 3", NULL, CEL_ERR_TYPE, "expected a bool, found int", 1, 1);
	compile_error("2.5 % 2.0", NULL, CEL_ERR_TYPE, "no operator '%' for double and double", 1, 5);
	compile_error("1 in 2", NULL, CEL_ERR_TYPE, "no operator 'in' for int and int", 1, 3);
	/* ... but what the checker cannot know is left to run time */
	struct cel_program *prog;
	struct ebba_err err;
	assert_int_equal(cel_compile("rent + 1 > income && 1 == 1.0", &decls, &prog, NULL, &err), 0);
	cel_program_free(prog);
}

static void test_limits(void **state)
{
	(void)state;
	char src[20000];
	/* parentheses beyond the depth limit */
	size_t n = 0;
	for (int i = 0; i < 5000; i++)
		src[n++] = '(';
	src[n++] = '1';
	for (int i = 0; i < 5000; i++)
		src[n++] = ')';
	src[n] = '\0';
	assert_string_equal(run(src), "compile: 1:101: expression nested too deeply (limit 100)");
	/* a long flat chain builds a deep tree: also refused */
	n = 0;
	for (int i = 0; i < 3000; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "1+");
	src[n++] = '1';
	src[n] = '\0';
	assert_non_null(strstr(run(src), "nested too deeply"));
	memset(src, '!', 10000);
	strcpy(src + 10000, "true");
	assert_non_null(strstr(run(src), "nested too deeply"));
	/* too long */
	memset(src, ' ', sizeof(src) - 1);
	src[0] = '1';
	src[sizeof(src) - 1] = '\0';
	assert_string_equal(run(src), "compile: 1:1: expression longer than 16384 bytes");
	/* a caller can tighten the limits */
	struct cel_options opts = {.max_expr_len = 10, .max_depth = 3};
	struct cel_program *prog;
	struct ebba_err err;
	assert_int_equal(cel_compile_opts("1 + 2 + 3 + 4", 13, NULL, &opts, &prog, NULL, &err), -1);
	assert_int_equal(cel_compile_opts("((((1))))", 9, NULL, &opts, &prog, NULL, &err), -1);
	assert_int_equal(cel_compile_opts("(1 + 2)", 7, NULL, &opts, &prog, NULL, &err), 0);
	cel_program_free(prog);
}

static void test_idents(void **state)
{
	(void)state;
	struct cel_program *prog;
	struct ebba_err err;
	size_t n;
	assert_int_equal(cel_compile("a + b.c + a + size([1].map(x, x + d)) + size(int)", NULL, &prog,
				     NULL, &err), 0);
	const struct cel_ident_ref *ids = cel_program_idents(prog, &n);
	assert_int_equal(n, 3);
	assert_string_equal(ids[0].name, "a");
	assert_string_equal(ids[1].name, "b");
	assert_string_equal(ids[2].name, "d");
	assert_int_equal(ids[2].pos.column, 35);
	cel_program_free(prog);

	const char *names[] = {"a", "b.c", "d"};
	struct cel_decls decls = {.names = names, .count = 3};
	assert_int_equal(cel_compile("a\n + b.c.e + d", &decls, &prog, NULL, &err), 0);
	ids = cel_program_idents(prog, &n);
	assert_int_equal(n, 3);
	assert_string_equal(ids[1].name, "b.c");
	assert_int_equal(ids[1].pos.line, 2);
	assert_int_equal(ids[1].pos.column, 4);
	cel_program_free(prog);
}

/* A resolver that counts lookups: facts are supplied lazily. */
struct facts {
	int lookups;
	int expensive_lookups;
};

static bool resolve_fact(void *ctx, const char *name, struct cel_arena *arena,
			 struct cel_value *out)
{
	struct facts *f = ctx;
	f->lookups++;
	if (strcmp(name, "household.adults") == 0) {
		*out = cel_int(2);
		return true;
	}
	if (strcmp(name, "expensive") == 0) {
		f->expensive_lookups++;
		*out = cel_bool(true);
		return true;
	}
	if (strcmp(name, "person") == 0) {
		*out = cel_map_new(arena, 2);
		cel_map_set_str(arena, *out, "name", cel_string(arena, "Test Testsson"));
		cel_map_set_str(arena, *out, "age", cel_int(41));
		return true;
	}
	return false;
}

static void test_resolver(void **state)
{
	(void)state;
	struct facts f = {0};
	struct cel_activation act = {.vars = cel_null(), .resolve = resolve_fact, .ctx = &f};
	assert_string_equal(run_with("household.adults * 2", &act), "4");
	assert_string_equal(run_with("person.age > 40 && person.name.startsWith('Test')", &act),
			    "true");
	assert_string_equal(run_with("false && expensive", &act), "false");
	assert_int_equal(f.expensive_lookups, 0);
	assert_string_equal(run_with("person.missing", &act), "error: no such key: \"missing\"");
	assert_string_equal(run_with("nobody.x", &act), "error: undeclared reference to 'nobody'");

	/* variables from a map take precedence over the resolver */
	struct cel_arena *arena = cel_arena_new();
	act.vars = cel_map_new(arena, 0);
	cel_map_set_str(arena, act.vars, "expensive", cel_bool(false));
	f.expensive_lookups = 0;
	assert_string_equal(run_with("expensive", &act), "false");
	assert_int_equal(f.expensive_lookups, 0);
	cel_arena_free(arena);
}

static void test_format_round_trip(void **state)
{
	(void)state;
	const char *exprs[] = {
		"[1, 2u, \"x\", {\"a\": true}]", "2.5", "1e100", "0.1", "1.0 / 3.0", "-0.0",
		"123456789.125", "5e-324", "b\"\\x00\\xff\\\"\"", "\"tab\\t \\\"q\\\" \\\\ \xc3\xa9\"",
		"\"\\x01\\x7f\"", "double(\"inf\")", "-double(\"inf\")", "{1: [null, false], \"k\": {}}",
		"-9223372036854775808", "18446744073709551615u", "int", "type(type)", "[[], {}]",
	};
	struct cel_arena *arena = cel_arena_new();
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct cel_program *p1, *p2;
		struct ebba_err err;
		assert_int_equal(cel_compile(exprs[i], NULL, &p1, NULL, &err), 0);
		struct cel_value v1 = cel_eval(p1, NULL, arena);
		assert_false(cel_is_error(v1));
		struct ebba_buf text = {0};
		cel_value_format(v1, &text);
		if (cel_compile(text.data, NULL, &p2, NULL, &err) < 0)
			fail_msg("%s printed as %s which does not compile: %s", exprs[i], text.data,
				 err.msg);
		struct cel_value v2 = cel_eval(p2, NULL, arena);
		struct ebba_buf again = {0};
		cel_value_format(v2, &again);
		assert_string_equal(text.data, again.data);
		assert_int_equal(v1.kind, v2.kind);
		if (v1.kind == CEL_DOUBLE)
			assert_true(memcmp(&v1.d, &v2.d, sizeof(double)) == 0);   /* bit-exact, -0.0 too */
		else
			assert_true(cel_value_equal(v1, v2));
		buf_free(&text);
		buf_free(&again);
		cel_program_free(p1);
		cel_program_free(p2);
	}
	cel_arena_free(arena);
}

static void test_json_facts(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *j = json_loads("{\"a\": 1, \"b\": 2.5, \"s\": \"h\xc3\xa9\", \"l\": [1, null, true],"
			       " \"m\": {\"x\": {\"y\": 3}}, \"big\": 9007199254740993}", 0, &jerr);
	assert_non_null(j);
	struct cel_arena *arena = cel_arena_new();
	struct cel_activation act = {0};
	struct ebba_err err;
	assert_int_equal(cel_value_from_json(j, arena, &act.vars, &err), 0);
	json_decref(j);     /* values were copied into the arena */
	assert_string_equal(run_with("a + 1 == 2 && b == 2.5 && size(s) == 2 && l[1] == null && "
				     "l[2] && m.x.y == 3 && has(m.x) && !has(m.z)", &act), "true");
	assert_string_equal(run_with("[type(a), type(b), type(s), type(l), type(m)]", &act),
			    "[int, double, string, list, map]");
	assert_string_equal(run_with("big + 1", &act), "9007199254740994");
	assert_string_equal(run_with("m", &act), "{\"x\": {\"y\": 3}}");
	cel_arena_free(arena);
}

static void test_builders_and_arena(void **state)
{
	(void)state;
	struct cel_arena *arena = cel_arena_new();
	struct cel_program *prog;
	struct ebba_err err;
	assert_int_equal(cel_compile("sum(xs.map(x, x.amount)) > limit", NULL, &prog, NULL, &err),
			 0);
	size_t high_water = 0;
	for (int round = 0; round < 200; round++) {
		struct cel_value vars = cel_map_new(arena, 2);
		struct cel_value xs = cel_list_new(arena, 0);
		for (int i = 0; i < 20; i++) {
			struct cel_value item = cel_map_new(arena, 1);
			cel_map_set_str(arena, item, "amount", cel_int(i));
			cel_list_append(arena, xs, item);
		}
		cel_map_set_str(arena, vars, "xs", xs);
		cel_map_set_str(arena, vars, "limit", cel_int(round));
		struct cel_activation act = {.vars = vars};
		struct cel_value v = cel_eval(prog, &act, arena);
		assert_int_equal(v.kind, CEL_BOOL);
		assert_int_equal(v.b, 190 > round);
		if (round == 1)
			high_water = cel_arena_used(arena);
		if (round > 1)
			assert_int_equal(cel_arena_used(arena), high_water);
		cel_arena_reset(arena);
		assert_int_equal(cel_arena_used(arena), 0);
	}
	/* maps: int and uint keys are one key; lookups by double find them */
	struct cel_value m = cel_map_new(arena, 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(cel_map_set(arena, m, cel_int(i), cel_int(i * i), &err), 0);
	assert_int_equal(cel_map_set(arena, m, cel_uint(7), cel_int(-1), &err), 0);
	assert_int_equal(cel_map_size(m), 100);
	struct cel_value got;
	assert_true(cel_map_get(m, cel_double(7.0), &got));
	assert_int_equal(got.i, -1);
	assert_true(cel_map_get(m, cel_int(99), &got));
	assert_int_equal(got.i, 99 * 99);
	assert_false(cel_map_get(m, cel_int(100), &got));
	assert_int_equal(cel_map_set(arena, m, cel_double(1.5), cel_null(), &err), -1);
	assert_string_equal(err.msg, "unsupported key type double");
	cel_arena_free(arena);
	cel_program_free(prog);
}

/* Inputs that once misbehaved (fuzzing and review); each must just work. */
static void test_regressions(void **state)
{
	(void)state;
	EXPECT("'\\", "compile: 1:2: invalid escape sequence");
	EXPECT("-", "compile: 1:2: unexpected end of expression");
	EXPECT("--9223372036854775808", "error: integer overflow");
	EXPECT("'a'.matches('[[:alpha:]]')", "true");
	EXPECT("'a'.matches('a{1001}')",
	       "compile: 1:13: invalid regular expression: repetition counts too large");
	EXPECT("'ab'.matches('(a{30}){40}')",
	       "compile: 1:14: invalid regular expression: repetition counts too large");
	EXPECT(".x", "error: undeclared reference to 'x'");
	/* stacked quantifiers made glibc's regcomp take exponential time */
	EXPECT("'a'.matches('^a[x] +++++')",
	       "compile: 1:13: invalid regular expression: misplaced quantifier +");
	EXPECT("'a'.matches('*a')", "compile: 1:13: invalid regular expression: misplaced quantifier *");
	EXPECT("'a'.matches('a{2}{3}')",
	       "compile: 1:13: invalid regular expression: misplaced quantifier {");
	EXPECT("'aa'.matches('^a{2}$') && 'a+'.matches('a[+]') && 'ab'.matches('(a|b)+')", "true");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_arithmetic),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_errors_are_values),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_cost_limit),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_error_kinds),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_idents),
		cmocka_unit_test(test_resolver),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_json_facts),
		cmocka_unit_test(test_builders_and_arena),
		cmocka_unit_test(test_regressions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
