/*
 * CEL built-in functions: size, the string functions, type conversions,
 * and ebba's extensions sum, min, max, abs, join(sep, last) and kronor.  Arguments arrive
 * evaluated and error-free (the evaluator propagates errors first).
 *
 * matches() uses POSIX extended regular expressions (regex.h) in the
 * C.UTF-8 locale instead of RE2; cel_regex_compile translates the common
 * RE2 shorthands (\d \w \s and their negations, (?i)) and rejects what it
 * cannot translate faithfully (lazy quantifiers, \b, \p{..}, back
 * references) rather than silently matching differently.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cel_impl.h"

struct builtin {
	const char *name;
	enum cel_fn fn;
	bool global, receiver;
	unsigned min_args, max_args;    /* counting the receiver */
};

static const struct builtin builtins[] = {
	{"size", FN_SIZE, true, true, 1, 1},
	{"contains", FN_CONTAINS, false, true, 2, 2},
	{"startsWith", FN_STARTS_WITH, false, true, 2, 2},
	{"endsWith", FN_ENDS_WITH, false, true, 2, 2},
	{"matches", FN_MATCHES, true, true, 2, 2},
	{"int", FN_INT, true, false, 1, 1},
	{"uint", FN_UINT, true, false, 1, 1},
	{"double", FN_DOUBLE, true, false, 1, 1},
	{"string", FN_STRING, true, false, 1, 1},
	{"bool", FN_BOOL, true, false, 1, 1},
	{"bytes", FN_BYTES, true, false, 1, 1},
	{"type", FN_TYPE, true, false, 1, 1},
	{"dyn", FN_DYN, true, false, 1, 1},
	{"sum", FN_SUM, true, false, 1, 1},
	{"min", FN_MIN, true, false, 1, 64},
	{"max", FN_MAX, true, false, 1, 64},
	{"abs", FN_ABS, true, false, 1, 1},
	{"join", FN_JOIN, false, true, 1, 3},
	{"kronor", FN_KRONOR, true, false, 1, 1},
};

enum cel_fn cel_builtin_lookup(const char *name, bool receiver, unsigned nargs)
{
	for (size_t i = 0; i < ARRAY_LEN(builtins); i++) {
		const struct builtin *b = &builtins[i];
		if (strcmp(b->name, name) != 0)
			continue;
		if ((receiver ? b->receiver : b->global) && nargs >= b->min_args &&
		    nargs <= b->max_args)
			return b->fn;
	}
	return FN_UNKNOWN;
}

uint8_t cel_builtin_kind(enum cel_fn fn, const uint8_t *arg_kinds, unsigned nargs)
{
	switch (fn) {
	case FN_SIZE: return CEL_INT;
	case FN_CONTAINS:
	case FN_STARTS_WITH:
	case FN_ENDS_WITH:
	case FN_MATCHES:
	case FN_BOOL: return CEL_BOOL;
	case FN_INT: return CEL_INT;
	case FN_UINT: return CEL_UINT;
	case FN_DOUBLE: return CEL_DOUBLE;
	case FN_STRING:
	case FN_JOIN:
	case FN_KRONOR: return CEL_STRING;
	case FN_BYTES: return CEL_BYTES;
	case FN_TYPE: return CEL_TYPE;
	case FN_ABS: return nargs == 1 ? arg_kinds[0] : CEL_KIND_DYN;
	default: return CEL_KIND_DYN;
	}
}

static struct cel_value no_overload(void)
{
	return cel_error_static(CEL_ERR_TYPE, "no such overload");
}

/* ---- Strings ----------------------------------------------------------- */

static struct cel_value fn_size(struct cel_value v)
{
	switch (v.kind) {
	case CEL_STRING: return cel_int((int64_t)cel_utf8_count(v.str, v.len));
	case CEL_BYTES: return cel_int(v.len);
	case CEL_LIST: return cel_int((int64_t)v.list->len);
	case CEL_MAP: return cel_int((int64_t)v.map->len);
	default: return no_overload();
	}
}

static struct cel_value fn_string_test(enum cel_fn fn, struct cel_value s, struct cel_value t)
{
	if (s.kind != CEL_STRING || t.kind != CEL_STRING)
		return no_overload();
	if (t.len > s.len)
		return cel_bool(false);
	if (t.len == 0)
		return cel_bool(true);
	switch (fn) {
	case FN_STARTS_WITH:
		return cel_bool(memcmp(s.str, t.str, t.len) == 0);
	case FN_ENDS_WITH:
		return cel_bool(memcmp(s.str + s.len - t.len, t.str, t.len) == 0);
	default:
		return cel_bool(memmem(s.str, s.len, t.str, t.len) != NULL);
	}
}

/* ---- Regular expressions ----------------------------------------------- */

static locale_t utf8_locale;
static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK | LC_COLLATE_MASK, "C.UTF-8", (locale_t)0);
}

/* Runs regex calls in a UTF-8 locale so `.` and `ñ+` mean characters. */
static locale_t enter_utf8(void)
{
	pthread_once(&utf8_locale_once, utf8_locale_init);
	return utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
}

static void leave_utf8(locale_t saved)
{
	if (saved)
		uselocale(saved);
}

#define REGEX_MAX_LEN 1000
#define REGEX_MAX_NESTING 20
#define REGEX_MAX_REPEAT 1000

/* Translating an RE2-style pattern to POSIX ERE, one element at a time. */
struct rx {
	const char *pat;
	size_t len, i;                /* i: the byte being translated */
	struct ebba_buf *out;
	unsigned nesting;
	unsigned long repeat_product;
	bool in_bracket;
	bool after_quant;             /* a quantifier needs something before it */
};

/* One element inside [...] at r->i: a [:class:], an escape or a plain byte. */
static int rx_bracket(struct rx *r, struct ebba_err *err)
{
	const char *pat = r->pat;
	size_t i = r->i, len = r->len;
	char c = pat[i];
	if (c == '[' && i + 1 < len && (pat[i + 1] == ':' || pat[i + 1] == '.' || pat[i + 1] == '=')) {
		/* [:alpha:] and friends, copied whole */
		const char *close = NULL;
		for (size_t k = i + 2; k + 1 < len && !close; k++)
			if (pat[k] == pat[i + 1] && pat[k + 1] == ']')
				close = pat + k + 2;
		if (!close)
			return ebba_errf(err, "unterminated [: :] class");
		buf_append(r->out, pat + i, (size_t)(close - (pat + i)));
		r->i = (size_t)(close - pat) - 1;
		return 0;
	}
	if (c == ']')
		r->in_bracket = false;
	if (c == '\\' && i + 1 < len) {
		char e = pat[++r->i];
		if (e == 'd')
			buf_puts(r->out, "0-9");
		else if (e == 'w')
			buf_puts(r->out, "[:alnum:]_");
		else if (e == 's')
			buf_puts(r->out, "[:space:]");
		else if (e == '\\' || e == ']' || e == '-' || e == '^' || e == '[')
			buf_putc(r->out, e);
		else
			return ebba_errf(err, "\\%c inside [...] is not supported", e);
		return 0;
	}
	buf_putc(r->out, c);
	return 0;
}

/* A {n,m} repetition at r->i, bounded so that glibc cannot blow up. */
static int rx_repeat(struct rx *r, struct ebba_err *err)
{
	const char *pat = r->pat;
	if (r->after_quant)
		return ebba_errf(err, "misplaced quantifier {");
	char *end;
	unsigned long lo = strtoul(pat + r->i + 1, &end, 10);
	unsigned long hi = lo;
	if (*end == ',')
		hi = strtoul(end + 1, &end, 10);
	if (*end != '}' || end > pat + r->len)
		return ebba_errf(err, "invalid {n,m} repetition");
	if (end + 1 < pat + r->len && end[1] == '?')
		return ebba_errf(err, "lazy quantifiers ({}?) are not supported");
	if (hi < lo)
		hi = lo;
	if (hi == 0)
		hi = 1;
	r->repeat_product *= hi;
	if (lo > REGEX_MAX_REPEAT || r->repeat_product > REGEX_MAX_REPEAT)
		return ebba_errf(err, "repetition counts too large");
	buf_append(r->out, pat + r->i, (size_t)(end - (pat + r->i)) + 1);
	r->i = (size_t)(end - pat);
	r->after_quant = true;
	return 0;
}

/* An escape \\x outside [...]: RE2's classes become POSIX ones. */
static int rx_escape(struct rx *r, struct ebba_err *err)
{
	if (r->i + 1 >= r->len)
		return ebba_errf(err, "trailing backslash");
	char e = r->pat[++r->i];
	const char *rep = NULL;
	switch (e) {
	case 'd': rep = "[0-9]"; break;
	case 'D': rep = "[^0-9]"; break;
	case 'w': rep = "[[:alnum:]_]"; break;
	case 'W': rep = "[^[:alnum:]_]"; break;
	case 's': rep = "[[:space:]]"; break;
	case 'S': rep = "[^[:space:]]"; break;
	case 'n': rep = "\n"; break;
	case 't': rep = "\t"; break;
	default: break;
	}
	if (rep) {
		buf_puts(r->out, rep);
		return 0;
	}
	if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
		return ebba_errf(err, "\\%c is not supported", e);
	buf_putc(r->out, '\\');
	buf_putc(r->out, e);
	return 0;
}

/* One element outside [...] at r->i. */
static int rx_element(struct rx *r, struct ebba_err *err)
{
	const char *pat = r->pat;
	size_t len = r->len;
	char c = pat[r->i];
	switch (c) {
	case '[':
		r->in_bracket = true;
		buf_putc(r->out, c);
		if (r->i + 1 < len && pat[r->i + 1] == '^')
			buf_putc(r->out, pat[++r->i]);
		if (r->i + 1 < len && pat[r->i + 1] == ']')
			buf_putc(r->out, pat[++r->i]);
		return 0;
	case '(':
		if (r->i + 1 < len && pat[r->i + 1] == '?')
			return ebba_errf(err, "(?...) groups are not supported");
		if (++r->nesting > REGEX_MAX_NESTING)
			return ebba_errf(err, "regular expression nested too deeply");
		break;
	case ')':
		if (r->nesting > 0)
			r->nesting--;
		break;
	case '*': case '+': case '?':
		if (r->i + 1 < len && pat[r->i + 1] == '?')
			return ebba_errf(err, "lazy quantifiers (%c?) are not supported", c);
		/* RE2 rejects a++ too; glibc would take exponential time. */
		if (r->after_quant)
			return ebba_errf(err, "misplaced quantifier %c", c);
		r->after_quant = true;
		break;
	case '{':
		return rx_repeat(r, err);
	case '\\':
		return rx_escape(r, err);
	default:
		break;
	}
	buf_putc(r->out, c);
	return 0;
}

/* Translates RE2 syntax to POSIX ERE in out; -1 with a message if unsupported. */
static int regex_translate(const char *pat, size_t len, struct ebba_buf *out, bool *icase,
			   struct ebba_err *err)
{
	struct rx r = {.pat = pat, .len = len, .out = out, .repeat_product = 1,
		       .after_quant = true};
	*icase = len >= 4 && memcmp(pat, "(?i)", 4) == 0;
	for (r.i = *icase ? 4 : 0; r.i < len; r.i++) {
		char c = pat[r.i];
		if (c == '\0')
			return ebba_errf(err, "regular expression contains a NUL byte");
		if (!r.in_bracket && c != '*' && c != '+' && c != '?' && c != '{')
			r.after_quant = c == '(' || c == '|' || c == '^';
		if ((r.in_bracket ? rx_bracket(&r, err) : rx_element(&r, err)) != 0)
			return -1;
	}
	return 0;
}

int cel_regex_compile(const char *pattern, size_t len, regex_t *re, struct ebba_err *err)
{
	if (len > REGEX_MAX_LEN)
		return ebba_errf(err, "regular expression longer than %d bytes", REGEX_MAX_LEN);
	struct ebba_buf ere = {0};
	bool icase;
	if (regex_translate(pattern, len, &ere, &icase, err) != 0) {
		buf_free(&ere);
		return ebba_err_prefix(err, "invalid regular expression");
	}
	buf_putc(&ere, '\0');
	locale_t saved = enter_utf8();
	int rc = regcomp(re, ere.data, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
	leave_utf8(saved);
	buf_free(&ere);
	if (rc != 0) {
		char msg[128];
		regerror(rc, re, msg, sizeof(msg));
		return ebba_errf(err, "invalid regular expression: %s", msg);
	}
	return 0;
}

bool cel_regex_match(const regex_t *re, const char *s, size_t n)
{
	regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)n};
	locale_t saved = enter_utf8();
	int rc = regexec(re, s ? s : "", 1, &m, REG_STARTEND);
	leave_utf8(saved);
	return rc == 0;
}

static struct cel_value fn_matches(const struct cel_node *node, struct cel_value s,
				   struct cel_value pat, struct cel_arena *arena)
{
	if (s.kind != CEL_STRING || pat.kind != CEL_STRING)
		return no_overload();
	if (node->re)
		return cel_bool(cel_regex_match(node->re, s.str, s.len));
	regex_t re;
	struct ebba_err err;
	if (cel_regex_compile(pat.str, pat.len, &re, &err) != 0)
		return cel_errorf(arena, CEL_ERR_INVALID, "%s", err.msg);
	bool ok = cel_regex_match(&re, s.str, s.len);
	regfree(&re);
	return cel_bool(ok);
}

/* ---- Conversions ------------------------------------------------------- */

/* Copies a string value into a NUL-terminated buffer for strto*. */
static bool to_cstr(struct cel_value v, char *buf, size_t size)
{
	if (v.len == 0 || v.len >= size || memchr(v.str, '\0', v.len))
		return false;
	memcpy(buf, v.str, v.len);
	buf[v.len] = '\0';
	return true;
}

static struct cel_value conversion_error(const char *to, struct cel_value v,
					 struct cel_arena *arena)
{
	struct ebba_buf b = {0};
	cel_value_format(v, &b);
	if (b.len > 60) {
		b.len = 60;
		buf_puts(&b, "...");
	}
	struct cel_value e = cel_errorf(arena, CEL_ERR_CONVERSION, "cannot convert %s to %s", b.data, to);
	buf_free(&b);
	return e;
}

static struct cel_value fn_int(struct cel_value v, struct cel_arena *arena)
{
	char tmp[64], *end;
	switch (v.kind) {
	case CEL_INT:
		return v;
	case CEL_UINT:
		if (v.u > INT64_MAX)
			return cel_error_static(CEL_ERR_RANGE, "int range error");
		return cel_int((int64_t)v.u);
	case CEL_DOUBLE:
		/* The reference implementations reject both ends exclusive. */
		if (!(v.d > -9223372036854775808.0 && v.d < 9223372036854775808.0))
			return cel_error_static(CEL_ERR_RANGE, "int range error");
		return cel_int((int64_t)v.d);
	case CEL_STRING:
		if (!to_cstr(v, tmp, sizeof(tmp)) || tmp[0] == ' ')
			return conversion_error("int", v, arena);
		errno = 0;
		long long i = strtoll(tmp, &end, 10);
		if (*end || errno)
			return conversion_error("int", v, arena);
		return cel_int(i);
	default:
		return no_overload();
	}
}

static struct cel_value fn_uint(struct cel_value v, struct cel_arena *arena)
{
	char tmp[64], *end;
	switch (v.kind) {
	case CEL_UINT:
		return v;
	case CEL_INT:
		if (v.i < 0)
			return cel_error_static(CEL_ERR_RANGE, "uint range error");
		return cel_uint((uint64_t)v.i);
	case CEL_DOUBLE:
		if (!(v.d > -1.0 && v.d < 18446744073709551616.0))
			return cel_error_static(CEL_ERR_RANGE, "uint range error");
		return cel_uint((uint64_t)v.d);
	case CEL_STRING:
		if (!to_cstr(v, tmp, sizeof(tmp)) || tmp[0] == '-' || tmp[0] == ' ')
			return conversion_error("uint", v, arena);
		errno = 0;
		unsigned long long u = strtoull(tmp, &end, 10);
		if (*end || errno)
			return conversion_error("uint", v, arena);
		return cel_uint(u);
	default:
		return no_overload();
	}
}

static struct cel_value fn_double(struct cel_value v, struct cel_arena *arena)
{
	char tmp[400], *end;
	switch (v.kind) {
	case CEL_DOUBLE:
		return v;
	case CEL_INT:
		return cel_double((double)v.i);
	case CEL_UINT:
		return cel_double((double)v.u);
	case CEL_STRING:
		if (!to_cstr(v, tmp, sizeof(tmp)) || tmp[0] == ' ' || tmp[0] == '\t' ||
		    tmp[0] == '\n')
			return conversion_error("double", v, arena);
		double d = strtod(tmp, &end);
		if (*end)
			return conversion_error("double", v, arena);
		return cel_double(d);
	default:
		return no_overload();
	}
}

static struct cel_value fn_string(struct cel_value v, struct cel_arena *arena)
{
	struct ebba_buf b = {0};
	struct cel_value out;
	switch (v.kind) {
	case CEL_STRING:
		return v;
	case CEL_BYTES:
		if (!cel_utf8_valid(v.str, v.len))
			return cel_error_static(CEL_ERR_CONVERSION, "invalid UTF-8 in bytes converted to string");
		v.kind = CEL_STRING;
		return v;
	case CEL_BOOL:
		return cel_string_ref(v.b ? "true" : "false", v.b ? 4 : 5);
	case CEL_INT:
	case CEL_UINT:
		cel_value_format(v, &b);
		if (v.kind == CEL_UINT)
			b.len--;        /* no 'u' suffix */
		break;
	case CEL_DOUBLE:
		cel_format_double(v.d, false, &b);
		break;
	case CEL_TYPE:
		return cel_string(arena, cel_kind_name(v.type));
	default:
		return no_overload();
	}
	out = cel_stringn(arena, b.data, b.len);
	buf_free(&b);
	return out;
}

static struct cel_value fn_bool(struct cel_value v, struct cel_arena *arena)
{
	static const char *const yes[] = {"1", "t", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "false", "FALSE", "False"};
	if (v.kind == CEL_BOOL)
		return v;
	if (v.kind != CEL_STRING)
		return no_overload();
	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (v.len == strlen(yes[i]) && memcmp(v.str, yes[i], v.len) == 0)
			return cel_bool(true);
		if (v.len == strlen(no[i]) && memcmp(v.str, no[i], v.len) == 0)
			return cel_bool(false);
	}
	return conversion_error("bool", v, arena);
}

static struct cel_value fn_bytes(struct cel_value v)
{
	if (v.kind == CEL_BYTES)
		return v;
	if (v.kind != CEL_STRING)
		return no_overload();
	v.kind = CEL_BYTES;
	return v;
}

/* ---- ebba extensions --------------------------------------------------- */

static struct cel_value fn_sum(struct cel_value list, uint64_t *steps)
{
	if (list.kind != CEL_LIST)
		return no_overload();
	size_t n = list.list->len;
	*steps += n;
	if (n == 0)
		return cel_int(0);
	struct cel_value acc = list.list->items[0];
	if (acc.kind != CEL_INT && acc.kind != CEL_UINT && acc.kind != CEL_DOUBLE)
		return no_overload();
	for (size_t i = 1; i < n; i++) {
		struct cel_value x = list.list->items[i];
		if (x.kind == CEL_ERROR)
			return x;
		if (x.kind != acc.kind)
			return cel_error_static(CEL_ERR_TYPE, "sum() of mixed number types (use double() or int())");
		if (acc.kind == CEL_INT && __builtin_add_overflow(acc.i, x.i, &acc.i))
			return cel_error_static(CEL_ERR_OVERFLOW, "integer overflow");
		if (acc.kind == CEL_UINT && __builtin_add_overflow(acc.u, x.u, &acc.u))
			return cel_error_static(CEL_ERR_OVERFLOW, "unsigned integer overflow");
		if (acc.kind == CEL_DOUBLE)
			acc.d += x.d;
	}
	return acc;
}

static struct cel_value fn_extreme(bool want_min, struct cel_value *args, unsigned nargs,
				   uint64_t *steps)
{
	struct cel_value *items = args;
	size_t n = nargs;
	if (nargs == 1 && args[0].kind == CEL_LIST) {
		items = args[0].list->items;
		n = args[0].list->len;
	}
	*steps += n;
	if (n == 0)
		return cel_error_static(CEL_ERR_RANGE, want_min ? "min() of an empty list" : "max() of an empty list");
	struct cel_value best = items[0];
	if (best.kind == CEL_ERROR)
		return best;
	if (n == 1 && cel_value_compare(best, best) == CEL_CMP_NONE)
		return no_overload();
	for (size_t i = 1; i < n; i++) {
		if (items[i].kind == CEL_ERROR)
			return items[i];
		int c = cel_value_compare(items[i], best);
		if (c == CEL_CMP_NONE)
			return no_overload();
		if (c == CEL_CMP_NAN)
			return cel_double(NAN);
		if (want_min ? c < 0 : c > 0)
			best = items[i];
	}
	return best;
}

static struct cel_value fn_abs(struct cel_value v)
{
	switch (v.kind) {
	case CEL_INT:
		if (v.i == INT64_MIN)
			return cel_error_static(CEL_ERR_OVERFLOW, "integer overflow");
		return cel_int(v.i < 0 ? -v.i : v.i);
	case CEL_UINT:
		return v;
	case CEL_DOUBLE:
		return cel_double(fabs(v.d));
	default:
		return no_overload();
	}
}

/*
 * list.join(), list.join(sep) (cel-go's strings extension) and ebba's
 * list.join(sep, last): a list of strings joined, with last before the
 * final element ("FK, CSN och a-kassan").
 */
static struct cel_value fn_join(struct cel_value *args, unsigned nargs, struct cel_arena *arena,
				uint64_t *steps)
{
	struct cel_value list = args[0];
	if (list.kind != CEL_LIST)
		return no_overload();
	for (unsigned k = 1; k < nargs; k++)
		if (args[k].kind != CEL_STRING)
			return no_overload();
	size_t n = cel_list_size(list), len = 0;
	for (size_t i = 0; i < n; i++) {
		struct cel_value v = cel_list_get(list, i);
		if (v.kind != CEL_STRING)
			return no_overload();
		len += v.len + (nargs > 1 ? args[1].len : 0) + (nargs > 2 ? args[2].len : 0);
	}
	*steps += len / 64;
	char *out = cel_arena_alloc(arena, len + 1);
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		struct cel_value v = cel_list_get(list, i);
		const struct cel_value *sep = i == 0 ? NULL : nargs > 2 && i == n - 1 ? &args[2]
						: nargs > 1 ? &args[1] : NULL;
		if (sep) {
			memcpy(out + at, sep->str, sep->len);
			at += sep->len;
		}
		memcpy(out + at, v.str, v.len);
		at += v.len;
	}
	return cel_string_ref(out, at);
}

/*
 * kronor(x): a whole amount as Swedes write it in a letter, the thousands
 * apart by a space: kronor(13510) == "13 510", kronor(-6490) == "-6 490".
 * An int, a uint, or a double with no fraction.
 */
static struct cel_value fn_kronor(struct cel_value v, struct cel_arena *arena)
{
	bool negative = false;
	uint64_t u;
	if (v.kind == CEL_INT) {
		negative = v.i < 0;
		u = negative ? 0ULL - (uint64_t)v.i : (uint64_t)v.i;
	} else if (v.kind == CEL_UINT) {
		u = v.u;
	} else if (v.kind == CEL_DOUBLE && isfinite(v.d) && v.d == trunc(v.d) && fabs(v.d) < 9.0e15) {
		negative = v.d < 0;
		u = (uint64_t)fabs(v.d);
	} else {
		return v.kind == CEL_DOUBLE ? cel_error_static(CEL_ERR_CONVERSION,
							       "kronor() of an amount with a fraction")
					    : no_overload();
	}
	char digits[32];
	size_t at = sizeof(digits), n = 0;
	do {
		if (n++ > 0 && n % 3 == 1)
			digits[--at] = ' ';
		digits[--at] = (char)('0' + u % 10);
	} while ((u /= 10) != 0);
	if (negative)
		digits[--at] = '-';
	size_t len = sizeof(digits) - at;
	char *out = cel_arena_alloc(arena, len + 1);
	memcpy(out, digits + at, len);
	out[len] = '\0';
	return cel_string_ref(out, len);
}

struct cel_value cel_call_builtin(enum cel_fn fn, const struct cel_node *node,
				  struct cel_value *args, unsigned nargs,
				  struct cel_arena *arena, uint64_t *steps)
{
	switch (fn) {
	case FN_SIZE: return fn_size(args[0]);
	case FN_CONTAINS:
	case FN_STARTS_WITH:
	case FN_ENDS_WITH:
		*steps += args[0].len / 64;
		return fn_string_test(fn, args[0], args[1]);
	case FN_MATCHES:
		*steps += args[0].len / 16 + (node->re ? 0 : args[1].len);
		return fn_matches(node, args[0], args[1], arena);
	case FN_INT: return fn_int(args[0], arena);
	case FN_UINT: return fn_uint(args[0], arena);
	case FN_DOUBLE: return fn_double(args[0], arena);
	case FN_STRING: return fn_string(args[0], arena);
	case FN_BOOL: return fn_bool(args[0], arena);
	case FN_BYTES: return fn_bytes(args[0]);
	case FN_TYPE: return cel_type(args[0].kind);
	case FN_DYN: return args[0];
	case FN_SUM: return fn_sum(args[0], steps);
	case FN_MIN: return fn_extreme(true, args, nargs, steps);
	case FN_MAX: return fn_extreme(false, args, nargs, steps);
	case FN_ABS: return fn_abs(args[0]);
	case FN_JOIN: return fn_join(args, nargs, arena, steps);
	case FN_KRONOR: return fn_kronor(args[0], arena);
	case FN_UNKNOWN: break;
	}
	return cel_errorf(arena, CEL_ERR_UNKNOWN_FUNCTION, "unbound function '%s'", node->name);
}
