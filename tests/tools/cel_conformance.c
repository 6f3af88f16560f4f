/*
 * cel_conformance FILE.textproto...: runs the google/cel-spec conformance
 * tests (simple.proto's SimpleTestFile in protobuf text format) against
 * ebba's CEL engine.
 *
 * Prints per file `cel-conformance: FILE passed=N failed=N skipped=N`, then
 * one FAIL line per failed test, and finally the totals.  Exit status 1 if
 * any test failed.  Tests that need what ebba deliberately leaves out
 * (protocol-buffer messages, timestamps, durations, the type checker's own
 * behaviour) are skipped by the explicit list below, each with its reason.
 *
 * Matching: a `value` must equal the result exactly (same kinds, maps
 * order-agnostic, NaN matches NaN); an `eval_error` matches any error value
 * (the files' messages differ between implementations and are often
 * descriptions such as "return error for overflow").
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/cel/cel.h"
#include "ebba/lib/util.h"

/* ---- Skip list --------------------------------------------------------- */

struct skip {
	const char *file;       /* file name without directory and extension */
	const char *section;
	const char *test;       /* NULL: the whole section */
	const char *reason;
};

#define PROTO "needs protocol-buffer messages (not in ebba's subset)"
#define WRAP "needs protobuf wrapper types / messages"
#define TIME "needs timestamp/duration (not in ebba's subset)"

static const struct skip skips[] = {
	{"comparisons", "eq_wrapper", NULL, WRAP},
	{"comparisons", "eq_literal", "eq_dyn_json_null", "needs google.protobuf.Value"},
	{"comparisons", "eq_literal", "not_eq_dyn_duration_null", TIME},
	{"comparisons", "eq_literal", "not_eq_dyn_timestamp_null", TIME},
	{"comparisons", "eq_literal", "not_eq_dyn_proto2_msg_null", PROTO},
	{"comparisons", "eq_literal", "not_eq_dyn_proto3_msg_null", PROTO},
	{"comparisons", "ne_literal", "ne_proto2", PROTO},
	{"comparisons", "ne_literal", "ne_proto3", PROTO},
	{"comparisons", "ne_literal", "ne_proto2_missing_fields_neq", PROTO},
	{"comparisons", "ne_literal", "ne_proto3_missing_fields_neq", PROTO},
	{"comparisons", "ne_literal", "ne_proto_nan_not_equal", PROTO},
	{"comparisons", "ne_literal", "ne_proto_different_types", PROTO},
	{"comparisons", "ne_literal", "ne_proto2_any_unpack", PROTO},
	{"comparisons", "ne_literal", "ne_proto2_any_unpack_bytewise_fallback", PROTO},
	{"comparisons", "ne_literal", "ne_proto3_any_unpack", PROTO},
	{"comparisons", "ne_literal", "ne_proto3_any_unpack_bytewise_fallback", PROTO},
	{"conversions", "int", "timestamp", TIME},
	{"conversions", "identity", "duration", TIME},
	{"conversions", "identity", "timestamp", TIME},
	{"parse", "nest", "message_literal", PROTO},
	{"parse", "repeat", "select", PROTO},
	{"parse", "repeat", "message_literal", PROTO},
	{"parse", "whitespace", NULL, "every test builds a TestAllTypes message"},
	{"parse", "comments", NULL, "builds a TestAllTypes message"},
	{"parse", "struct_field_names", NULL, PROTO},
};

static const char *skip_reason(const char *file, const char *section, const char *test)
{
	for (size_t i = 0; i < ARRAY_LEN(skips); i++) {
		const struct skip *s = &skips[i];
		if (strcmp(s->file, file) == 0 && strcmp(s->section, section) == 0 &&
		    (!s->test || strcmp(s->test, test) == 0))
			return s->reason;
	}
	return NULL;
}

/* ---- Text-format reader ------------------------------------------------ */

/* A parsed field: a scalar (text, possibly a decoded string) or a message. */
struct tp {
	char *name;
	bool is_msg;
	bool is_string;
	struct ebba_buf text;
	struct tp **kids;
	size_t nkids;
};

struct tp_reader {
	const char *s;
	size_t pos, len;
	int line;
	char err[200];
};

static void tp_free(struct tp *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nkids; i++)
		tp_free(t->kids[i]);
	free(t->kids);
	free(t->name);
	buf_free(&t->text);
	free(t);
}

static void tp_skip(struct tp_reader *r)
{
	while (r->pos < r->len) {
		char c = r->s[r->pos];
		if (c == '#') {
			while (r->pos < r->len && r->s[r->pos] != '\n')
				r->pos++;
		} else if (isspace((unsigned char)c) || c == ',' || c == ';') {
			if (c == '\n')
				r->line++;
			r->pos++;
		} else {
			return;
		}
	}
}

static void put_utf8(struct ebba_buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xC0 | (cp >> 6)));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xE0 | (cp >> 12)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		buf_putc(b, (char)(0xF0 | (cp >> 18)));
		buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

/* One quoted string (C-style escapes) appended to out. */
static int tp_string(struct tp_reader *r, struct ebba_buf *out)
{
	char q = r->s[r->pos++];
	while (r->pos < r->len && r->s[r->pos] != q) {
		char c = r->s[r->pos++];
		if (c == '\n') {
			snprintf(r->err, sizeof(r->err), "newline in string");
			return -1;
		}
		if (c != '\\') {
			buf_putc(out, c);
			continue;
		}
		if (r->pos >= r->len)
			break;
		c = r->s[r->pos++];
		unsigned long v = 0;
		int n = 0;
		switch (c) {
		case 'n': buf_putc(out, '\n'); break;
		case 't': buf_putc(out, '\t'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 'a': buf_putc(out, '\a'); break;
		case 'b': buf_putc(out, '\b'); break;
		case 'f': buf_putc(out, '\f'); break;
		case 'v': buf_putc(out, '\v'); break;
		case 'x': case 'X':
			while (n < 2 && r->pos < r->len && hex_digit_value(r->s[r->pos]) >= 0)
				v = v * 16 + (unsigned long)hex_digit_value(r->s[r->pos++]), n++;
			buf_putc(out, (char)v);
			break;
		case 'u': case 'U':
			for (int k = 0; k < (c == 'u' ? 4 : 8) && r->pos < r->len; k++)
				v = v * 16 + (unsigned long)hex_digit_value(r->s[r->pos++]);
			put_utf8(out, v);
			break;
		default:
			if (c >= '0' && c <= '7') {
				v = (unsigned long)(c - '0');
				while (++n < 3 && r->pos < r->len && r->s[r->pos] >= '0' &&
				       r->s[r->pos] <= '7')
					v = v * 8 + (unsigned long)(r->s[r->pos++] - '0');
				buf_putc(out, (char)v);
			} else {
				buf_putc(out, c);   /* \\ \' \" \? */
			}
		}
	}
	if (r->pos >= r->len) {
		snprintf(r->err, sizeof(r->err), "unterminated string");
		return -1;
	}
	r->pos++;
	return 0;
}

static bool tp_wordc(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '+';
}

static struct tp *tp_message(struct tp_reader *r, char close);

static struct tp *tp_field(struct tp_reader *r)
{
	struct tp *t = xcalloc(1, sizeof(*t));
	size_t start = r->pos;
	if (r->s[r->pos] == '[') {   /* extension or Any type URL */
		while (r->pos < r->len && r->s[r->pos] != ']')
			r->pos++;
		r->pos++;
	} else {
		while (r->pos < r->len && tp_wordc(r->s[r->pos]))
			r->pos++;
	}
	if (r->pos == start) {
		snprintf(r->err, sizeof(r->err), "line %d: expected a field name", r->line);
		tp_free(t);
		return NULL;
	}
	t->name = xstrndup(r->s + start, r->pos - start);
	tp_skip(r);
	if (r->pos < r->len && r->s[r->pos] == ':') {
		r->pos++;
		tp_skip(r);
	}
	char c = r->pos < r->len ? r->s[r->pos] : '\0';
	if (c == '{' || c == '<') {
		r->pos++;
		struct tp *m = tp_message(r, c == '{' ? '}' : '>');
		if (!m) {
			tp_free(t);
			return NULL;
		}
		t->is_msg = true;
		t->kids = m->kids, t->nkids = m->nkids;
		m->kids = NULL, m->nkids = 0;
		tp_free(m);
		return t;
	}
	if (c == '"' || c == '\'') {
		t->is_string = true;
		/* Adjacent strings concatenate, as in C. */
		while (r->pos < r->len && (r->s[r->pos] == '"' || r->s[r->pos] == '\'')) {
			if (tp_string(r, &t->text) < 0) {
				tp_free(t);
				return NULL;
			}
			tp_skip(r);
		}
		return t;
	}
	start = r->pos;
	while (r->pos < r->len && tp_wordc(r->s[r->pos]))
		r->pos++;
	if (r->pos == start) {
		snprintf(r->err, sizeof(r->err), "line %d: expected a value for %s", r->line, t->name);
		tp_free(t);
		return NULL;
	}
	buf_append(&t->text, r->s + start, r->pos - start);
	return t;
}

static struct tp *tp_message(struct tp_reader *r, char close)
{
	struct tp *m = xcalloc(1, sizeof(*m));
	m->is_msg = true;
	for (;;) {
		tp_skip(r);
		if (r->pos >= r->len) {
			if (close == '\0')
				return m;
			snprintf(r->err, sizeof(r->err), "unexpected end of file");
			break;
		}
		if (r->s[r->pos] == close) {
			r->pos++;
			return m;
		}
		struct tp *f = tp_field(r);
		if (!f)
			break;
		m->kids = xrealloc(m->kids, (m->nkids + 1) * sizeof(*m->kids));
		m->kids[m->nkids++] = f;
	}
	tp_free(m);
	return NULL;
}

static const struct tp *tp_get(const struct tp *m, const char *name)
{
	for (size_t i = 0; i < m->nkids; i++)
		if (strcmp(m->kids[i]->name, name) == 0)
			return m->kids[i];
	return NULL;
}

static const char *tp_str(const struct tp *m, const char *name)
{
	const struct tp *f = tp_get(m, name);
	return f && !f->is_msg ? (f->text.data ? f->text.data : "") : NULL;
}

/* ---- Expected values ---------------------------------------------------- */

static enum cel_kind type_kind(const char *name)
{
	static const struct {
		const char *name;
		enum cel_kind kind;
	} types[] = {
		{"bool", CEL_BOOL}, {"int", CEL_INT}, {"uint", CEL_UINT}, {"double", CEL_DOUBLE},
		{"string", CEL_STRING}, {"bytes", CEL_BYTES}, {"list", CEL_LIST}, {"map", CEL_MAP},
		{"null_type", CEL_NULL}, {"type", CEL_TYPE},
	};
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].kind;
	return CEL_ERROR;
}

/* Converts a cel.expr.Value message; -1 if it uses something unsupported. */
static int tp_value(const struct tp *m, struct cel_arena *arena, struct cel_value *out)
{
	if (!m->is_msg || m->nkids != 1)
		return -1;
	const struct tp *f = m->kids[0];
	const char *text = f->text.data ? f->text.data : "";
	if (strcmp(f->name, "null_value") == 0) {
		*out = cel_null();
	} else if (strcmp(f->name, "bool_value") == 0) {
		*out = cel_bool(strcmp(text, "true") == 0);
	} else if (strcmp(f->name, "int64_value") == 0) {
		*out = cel_int(strtoll(text, NULL, 10));
	} else if (strcmp(f->name, "uint64_value") == 0) {
		*out = cel_uint(strtoull(text, NULL, 10));
	} else if (strcmp(f->name, "double_value") == 0) {
		*out = cel_double(strtod(text, NULL));
	} else if (strcmp(f->name, "string_value") == 0) {
		*out = cel_stringn(arena, text, f->text.len);
	} else if (strcmp(f->name, "bytes_value") == 0) {
		*out = cel_bytes(arena, text, f->text.len);
	} else if (strcmp(f->name, "type_value") == 0) {
		enum cel_kind k = type_kind(text);
		if (k == CEL_ERROR)
			return -1;
		*out = cel_type(k);
	} else if (strcmp(f->name, "list_value") == 0) {
		*out = cel_list_new(arena, 0);
		for (size_t i = 0; i < f->nkids; i++) {
			struct cel_value v;
			if (strcmp(f->kids[i]->name, "values") != 0 || tp_value(f->kids[i], arena, &v) < 0)
				return -1;
			cel_list_append(arena, *out, v);
		}
	} else if (strcmp(f->name, "map_value") == 0) {
		*out = cel_map_new(arena, 0);
		for (size_t i = 0; i < f->nkids; i++) {
			const struct tp *e = f->kids[i];
			const struct tp *k = tp_get(e, "key"), *v = tp_get(e, "value");
			struct cel_value kv, vv;
			if (!k || !v || tp_value(k, arena, &kv) < 0 || tp_value(v, arena, &vv) < 0 ||
			    cel_map_set(arena, *out, kv, vv, NULL) < 0)
				return -1;
		}
	} else {
		return -1;
	}
	return 0;
}

/* Exact equality for test results: kinds must match too. */
static bool same_value(struct cel_value a, struct cel_value b)
{
	if (a.kind != b.kind)
		return false;
	switch (a.kind) {
	case CEL_DOUBLE:
		return (isnan(a.d) && isnan(b.d)) || a.d == b.d;
	case CEL_LIST:
		if (cel_list_size(a) != cel_list_size(b))
			return false;
		for (size_t i = 0; i < cel_list_size(a); i++)
			if (!same_value(cel_list_get(a, i), cel_list_get(b, i)))
				return false;
		return true;
	case CEL_MAP:
		if (cel_map_size(a) != cel_map_size(b))
			return false;
		for (size_t i = 0; i < cel_map_size(a); i++) {
			struct cel_value k, v, other;
			cel_map_entry(a, i, &k, &v);
			if (!cel_map_get(b, k, &other) || !same_value(v, other))
				return false;
		}
		return true;
	default:
		return cel_value_equal(a, b);
	}
}

/* ---- Running ------------------------------------------------------------ */

struct counts {
	int passed, failed, skipped;
};

struct test_ctx {
	const char *file, *section, *test;
	struct ebba_buf failures;
	struct cel_arena *arena;
};

static void record_failure(struct test_ctx *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void record_failure(struct test_ctx *t, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_printf(&t->failures, "FAIL %s/%s/%s: %s\n", t->file, t->section, t->test, msg);
}

static const char *fmt_value(struct cel_value v, struct ebba_buf *b)
{
	buf_reset(b);
	cel_value_format(v, b);
	return b->data;
}

/* Runs one test; returns true if it passed. */
static bool run_test(struct test_ctx *t, const struct tp *test)
{
	const char *expr = tp_str(test, "expr");
	if (!expr) {
		record_failure(t, "no expr");
		return false;
	}
	size_t expr_len = tp_get(test, "expr")->text.len;
	const char *dc = tp_str(test, "disable_check");
	bool check = !(dc && strcmp(dc, "true") == 0);

	/* Declarations from type_env; bindings become the variables map. */
	const char *names[64];
	size_t nnames = 0;
	struct cel_value vars = cel_map_new(t->arena, 0);
	for (size_t i = 0; i < test->nkids; i++) {
		const struct tp *k = test->kids[i];
		if (strcmp(k->name, "type_env") == 0 && tp_str(k, "name") && nnames < ARRAY_LEN(names))
			names[nnames++] = tp_str(k, "name");
		if (strcmp(k->name, "bindings") == 0) {
			const char *key = tp_str(k, "key");
			const struct tp *val = tp_get(k, "value");
			const struct tp *inner = val ? tp_get(val, "value") : NULL;
			struct cel_value v;
			if (!key || !inner || tp_value(inner, t->arena, &v) < 0) {
				record_failure(t, "unsupported binding");
				return false;
			}
			cel_map_set_str(t->arena, vars, key, v);
		}
	}
	struct cel_decls decls = {.names = names, .count = nnames};
	struct cel_options opts = {.no_type_check = !check};

	struct cel_program *prog;
	struct cel_compile_error ce;
	struct ebba_err err;
	if (cel_compile_opts(expr, expr_len, check ? &decls : NULL, &opts, &prog, &ce, &err) < 0) {
		record_failure(t, "compile error at %u:%u: %s", ce.pos.line, ce.pos.column, err.msg);
		return false;
	}
	struct cel_activation act = {.vars = vars};
	/* The result may point at the program's constants: free it last. */
	struct cel_value got = cel_eval(prog, &act, t->arena);

	struct ebba_buf b1 = {0}, b2 = {0};
	bool ok = true;
	if (tp_get(test, "eval_error") || tp_get(test, "any_eval_errors")) {
		if (!cel_is_error(got)) {
			record_failure(t, "expected an error got %s", fmt_value(got, &b1));
			ok = false;
		} else if (cel_error_kind_of(got) == CEL_ERR_NONE) {
			record_failure(t, "error without a kind: %.*s", (int)got.len, got.str);
			ok = false;
		}
	} else {
		struct cel_value want = cel_bool(true);
		const struct tp *v = tp_get(test, "value");
		const struct tp *typed = tp_get(test, "typed_result");
		if (typed)
			v = tp_get(typed, "result");
		if (v && tp_value(v, t->arena, &want) < 0) {
			record_failure(t, "unsupported expected value");
			ok = false;
		} else if (!same_value(want, got)) {
			record_failure(t, "expected %s got %s", fmt_value(want, &b1), fmt_value(got, &b2));
			ok = false;
		}
	}
	buf_free(&b1);
	buf_free(&b2);
	cel_program_free(prog);
	return ok;
}

static const char *base_name(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	snprintf(out, size, "%s", slash ? slash + 1 : path);
	char *dot = strstr(out, ".textproto");
	if (dot)
		*dot = '\0';
	return out;
}

static int run_file(const char *path, struct counts *total)
{
	struct ebba_buf text = {0};
	struct ebba_err err;
	if (read_file_limited(path, 16u << 20, &text, &err) < 0) {
		fprintf(stderr, "cel-conformance: %s\n", err.msg);
		return -1;
	}
	struct tp_reader r = {.s = text.data ? text.data : "", .len = text.len, .line = 1};
	struct tp *root = tp_message(&r, '\0');
	if (!root) {
		fprintf(stderr, "cel-conformance: %s: %s\n", path, r.err);
		buf_free(&text);
		return -1;
	}
	char file[256];
	base_name(path, file, sizeof(file));
	struct counts c = {0};
	struct test_ctx t = {.file = file, .arena = cel_arena_new()};
	for (size_t s = 0; s < root->nkids; s++) {
		const struct tp *sec = root->kids[s];
		if (strcmp(sec->name, "section") != 0)
			continue;
		t.section = tp_str(sec, "name") ? tp_str(sec, "name") : "?";
		for (size_t i = 0; i < sec->nkids; i++) {
			const struct tp *test = sec->kids[i];
			if (strcmp(test->name, "test") != 0)
				continue;
			t.test = tp_str(test, "name") ? tp_str(test, "name") : "?";
			if (skip_reason(file, t.section, t.test)) {
				c.skipped++;
				continue;
			}
			if (run_test(&t, test))
				c.passed++;
			else
				c.failed++;
			cel_arena_reset(t.arena);
		}
	}
	printf("cel-conformance: %s passed=%d failed=%d skipped=%d\n", path, c.passed, c.failed,
	       c.skipped);
	if (t.failures.len)
		fputs(t.failures.data, stdout);
	total->passed += c.passed;
	total->failed += c.failed;
	total->skipped += c.skipped;
	buf_free(&t.failures);
	cel_arena_free(t.arena);
	tp_free(root);
	buf_free(&text);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: cel_conformance FILE.textproto...\n"
			"       cel_conformance --skips   (list the skipped tests and why)\n");
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--skips") == 0) {
		for (size_t i = 0; i < ARRAY_LEN(skips); i++)
			printf("%s/%s/%s: %s\n", skips[i].file, skips[i].section,
			       skips[i].test ? skips[i].test : "*", skips[i].reason);
		return 0;
	}
	struct counts total = {0};
	int status = 0;
	for (int i = 1; i < argc; i++)
		if (run_file(argv[i], &total) < 0)
			status = 2;
	printf("cel-conformance: total passed=%d failed=%d skipped=%d\n", total.passed,
	       total.failed, total.skipped);
	if (total.failed)
		return 1;
	return status;
}
