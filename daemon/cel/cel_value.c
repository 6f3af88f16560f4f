/*
 * CEL values: the arena they live in, builders, equality and ordering,
 * printing in literal syntax, and conversion from JSON.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cel_impl.h"

/* ---- Arena ------------------------------------------------------------- */

/*
 * A list of chunks used in order.  Reset rewinds to the first chunk and
 * keeps them all, so a steady workload stops calling malloc altogether.
 */
struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	max_align_t data[];
};

struct cel_arena {
	struct arena_chunk *first, *cur;
	size_t used;
	struct ebba_buf text;      /* cel_arena_text(): kept through resets */
};

#define ARENA_CHUNK_MIN 8192

static struct arena_chunk *chunk_new(size_t size)
{
	struct arena_chunk *c = xmalloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct cel_arena *cel_arena_new(void)
{
	struct cel_arena *a = xcalloc(1, sizeof(*a));
	a->first = a->cur = chunk_new(ARENA_CHUNK_MIN);
	return a;
}

void cel_arena_reset(struct cel_arena *arena)
{
	for (struct arena_chunk *c = arena->first; c; c = c->next)
		c->used = 0;
	arena->cur = arena->first;
	arena->used = 0;
}

void cel_arena_free(struct cel_arena *arena)
{
	if (!arena)
		return;
	struct arena_chunk *c = arena->first;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	buf_free(&arena->text);
	free(arena);
}

struct ebba_buf *cel_arena_text(struct cel_arena *arena)
{
	return &arena->text;
}

size_t cel_arena_used(const struct cel_arena *arena)
{
	return arena->used;
}

void *cel_arena_alloc(struct cel_arena *arena, size_t n)
{
	const size_t align = sizeof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	struct arena_chunk *c = arena->cur;
	while (c->size - c->used < n) {
		if (c->next && c->next->size >= n) {
			c = c->next;
			c->used = 0;
			continue;
		}
		/* A chunk big enough, spliced in after the current one. */
		size_t size = n > ARENA_CHUNK_MIN * 4 ? n : ARENA_CHUNK_MIN * 4;
		struct arena_chunk *fresh = chunk_new(size);
		fresh->next = c->next;
		c->next = fresh;
		c = fresh;
	}
	arena->cur = c;
	void *p = (char *)c->data + c->used;
	c->used += n;
	arena->used += n;
	return p;
}

/* ---- Strings ----------------------------------------------------------- */

struct cel_value cel_stringn(struct cel_arena *arena, const char *s, size_t n)
{
	if (n > CEL_MAX_STRING)
		return cel_error_static(CEL_ERR_LIMIT, "string too long");
	char *p = cel_arena_alloc(arena, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return (struct cel_value){.kind = CEL_STRING, .len = (uint32_t)n, .str = p};
}

struct cel_value cel_string(struct cel_arena *arena, const char *s)
{
	return cel_stringn(arena, s, strlen(s));
}

struct cel_value cel_bytes(struct cel_arena *arena, const void *p, size_t n)
{
	struct cel_value v = cel_stringn(arena, p, n);
	if (v.kind == CEL_STRING)
		v.kind = CEL_BYTES;
	return v;
}

struct cel_value cel_string_ref(const char *s, size_t n)
{
	if (n > CEL_MAX_STRING)
		return cel_error_static(CEL_ERR_LIMIT, "string too long");
	return (struct cel_value){.kind = CEL_STRING, .len = (uint32_t)n, .str = s};
}

struct cel_value cel_errorf(struct cel_arena *arena, enum cel_error_kind ek, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct cel_value v = cel_stringn(arena, msg, strlen(msg));
	v.kind = CEL_ERROR;
	v.error = ek != CEL_ERR_NONE ? ek : CEL_ERR_OTHER;
	return v;
}

const char *cel_error_kind_name(enum cel_error_kind k)
{
	switch (k) {
	case CEL_ERR_NONE: return "none";
	case CEL_ERR_SYNTAX: return "syntax";
	case CEL_ERR_UNKNOWN_IDENT: return "unknown identifier";
	case CEL_ERR_UNKNOWN_FUNCTION: return "unknown function";
	case CEL_ERR_NO_SUCH_KEY: return "no such key";
	case CEL_ERR_TYPE: return "no matching overload";
	case CEL_ERR_CONVERSION: return "conversion";
	case CEL_ERR_INVALID: return "invalid argument";
	case CEL_ERR_DIV_ZERO: return "division by zero";
	case CEL_ERR_OVERFLOW: return "overflow";
	case CEL_ERR_RANGE: return "out of range";
	case CEL_ERR_BUDGET: return "cost limit";
	case CEL_ERR_LIMIT: return "size limit";
	case CEL_ERR_OTHER: return "other";
	}
	return "?";
}

size_t cel_utf8_count(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

bool cel_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t need;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			need = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

void cel_utf8_put(struct ebba_buf *b, uint32_t cp)
{
	char out[4];
	size_t n;
	if (cp < 0x80) {
		out[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(b, out, n);
}

/* ---- Lists ------------------------------------------------------------- */

struct cel_value cel_list_new(struct cel_arena *arena, size_t capacity_hint)
{
	struct cel_list *l = cel_arena_alloc(arena, sizeof(*l));
	l->len = 0;
	l->cap = capacity_hint;
	l->items = capacity_hint ? cel_arena_alloc(arena, capacity_hint * sizeof(*l->items)) : NULL;
	return (struct cel_value){.kind = CEL_LIST, .list = l};
}

void cel_list_append(struct cel_arena *arena, struct cel_value list, struct cel_value v)
{
	struct cel_list *l = list.list;
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct cel_value *items = cel_arena_alloc(arena, cap * sizeof(*items));
		if (l->len)
			memcpy(items, l->items, l->len * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	l->items[l->len++] = v;
}

size_t cel_list_size(struct cel_value list)
{
	return list.list->len;
}

struct cel_value cel_list_get(struct cel_value list, size_t i)
{
	return list.list->items[i];
}

/* ---- Maps -------------------------------------------------------------- */

#define MAP_INDEX_MIN 8

static bool key_kind_ok(enum cel_kind k)
{
	return k == CEL_BOOL || k == CEL_INT || k == CEL_UINT || k == CEL_STRING;
}

/* Equal int and uint keys must hash alike. */
static uint64_t key_hash(struct cel_value k)
{
	uint64_t h;
	switch (k.kind) {
	case CEL_BOOL:
		return k.b ? 0x9E3779B97F4A7C15u : 0x7F4A7C159E3779B9u;
	case CEL_INT:
	case CEL_UINT:
		h = k.u * 0x9E3779B97F4A7C15u;
		return h ^ (h >> 29);
	default:
		h = 1469598103934665603u;
		for (uint32_t i = 0; i < k.len; i++)
			h = (h ^ (unsigned char)k.str[i]) * 1099511628211u;
		return h;
	}
}

/* By pointer: the keys are in memory already, and the kinds compare there. */
static bool key_equal(const struct cel_value *a, const struct cel_value *b)
{
	if (a->kind == CEL_STRING || b->kind == CEL_STRING)
		return a->kind == b->kind && a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	if (a->kind == CEL_BOOL || b->kind == CEL_BOOL)
		return a->kind == b->kind && a->b == b->b;
	if (a->kind == b->kind)
		return a->u == b->u;
	/* int vs uint: equal only for the same non-negative number */
	int64_t i = a->kind == CEL_INT ? a->i : b->i;
	uint64_t u = a->kind == CEL_UINT ? a->u : b->u;
	return i >= 0 && (uint64_t)i == u;
}

static void map_index_insert(struct cel_map *m, size_t entry)
{
	size_t mask = m->nbuckets - 1;
	size_t b = key_hash(m->keys[entry]) & mask;
	while (m->index[b])
		b = (b + 1) & mask;
	m->index[b] = (uint32_t)entry + 1;
}

static void map_reindex(struct cel_arena *arena, struct cel_map *m)
{
	m->nbuckets = 16;
	while (m->nbuckets < m->cap * 2)
		m->nbuckets *= 2;
	m->index = cel_arena_alloc(arena, m->nbuckets * sizeof(*m->index));
	memset(m->index, 0, m->nbuckets * sizeof(*m->index));
	for (size_t i = 0; i < m->len; i++)
		map_index_insert(m, i);
}

/* Position of key in m, or -1.  The key has a valid key kind. */
static long map_find(const struct cel_map *m, struct cel_value key)
{
	if (!m->index) {
		for (size_t i = 0; i < m->len; i++)
			if (key_equal(&m->keys[i], &key))
				return (long)i;
		return -1;
	}
	size_t mask = m->nbuckets - 1;
	for (size_t b = key_hash(key) & mask; m->index[b]; b = (b + 1) & mask) {
		size_t e = m->index[b] - 1;
		if (key_equal(&m->keys[e], &key))
			return (long)e;
	}
	return -1;
}

struct cel_value cel_map_new(struct cel_arena *arena, size_t capacity_hint)
{
	struct cel_map *m = cel_arena_alloc(arena, sizeof(*m));
	memset(m, 0, sizeof(*m));
	if (capacity_hint) {
		m->cap = capacity_hint;
		m->keys = cel_arena_alloc(arena, capacity_hint * sizeof(*m->keys));
		m->vals = cel_arena_alloc(arena, capacity_hint * sizeof(*m->vals));
		if (capacity_hint > MAP_INDEX_MIN)
			map_reindex(arena, m);
	}
	return (struct cel_value){.kind = CEL_MAP, .map = m};
}

int cel_map_set(struct cel_arena *arena, struct cel_value map, struct cel_value key,
		struct cel_value v, struct ebba_err *err)
{
	if (!key_kind_ok(key.kind))
		return ebba_errf(err, "unsupported key type %s", cel_kind_name(key.kind));
	struct cel_map *m = map.map;
	long at = map_find(m, key);
	if (at >= 0) {
		m->vals[at] = v;
		return 0;
	}
	if (m->len == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 4;
		struct cel_value *keys = cel_arena_alloc(arena, cap * sizeof(*keys));
		struct cel_value *vals = cel_arena_alloc(arena, cap * sizeof(*vals));
		if (m->len) {
			memcpy(keys, m->keys, m->len * sizeof(*keys));
			memcpy(vals, m->vals, m->len * sizeof(*vals));
		}
		m->keys = keys, m->vals = vals, m->cap = cap;
		if (cap > MAP_INDEX_MIN)
			map_reindex(arena, m);
	}
	m->keys[m->len] = key;
	m->vals[m->len] = v;
	if (m->index)
		map_index_insert(m, m->len);
	m->len++;
	return 0;
}

void cel_map_set_str(struct cel_arena *arena, struct cel_value map, const char *key,
		     struct cel_value v)
{
	(void)cel_map_set(arena, map, cel_string(arena, key), v, NULL);
}

size_t cel_map_size(struct cel_value map)
{
	return map.map->len;
}

bool cel_map_get(struct cel_value map, struct cel_value key, struct cel_value *out)
{
	/* A double key finds the int/uint key of the same value, as in CEL. */
	if (key.kind == CEL_DOUBLE) {
		double d = key.d;
		if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == trunc(d))
			key = cel_int((int64_t)d);
		else if (d >= 0 && d < 18446744073709551616.0 && d == trunc(d))
			key = cel_uint((uint64_t)d);
		else
			return false;
	}
	if (!key_kind_ok(key.kind))
		return false;
	long at = map_find(map.map, key);
	if (at < 0)
		return false;
	*out = map.map->vals[at];
	return true;
}

bool cel_map_get_str(struct cel_value map, const char *key, struct cel_value *out)
{
	return cel_map_get(map, cel_string_ref(key, strlen(key)), out);
}

void cel_map_entry(struct cel_value map, size_t i, struct cel_value *key, struct cel_value *v)
{
	if (key)
		*key = map.map->keys[i];
	if (v)
		*v = map.map->vals[i];
}

/* ---- Equality and ordering -------------------------------------------- */

const char *cel_kind_name(enum cel_kind k)
{
	static const char *const names[] = {
		[CEL_NULL] = "null_type", [CEL_BOOL] = "bool",     [CEL_INT] = "int",
		[CEL_UINT] = "uint",      [CEL_DOUBLE] = "double", [CEL_STRING] = "string",
		[CEL_BYTES] = "bytes",    [CEL_LIST] = "list",     [CEL_MAP] = "map",
		[CEL_TYPE] = "type",      [CEL_ERROR] = "error",
	};
	if ((unsigned)k < ARRAY_LEN(names))
		return names[k];
	return "dyn";
}

static bool is_number(enum cel_kind k)
{
	return k == CEL_INT || k == CEL_UINT || k == CEL_DOUBLE;
}

static int cmp3(double a, double b)
{
	return (a > b) - (a < b);
}

static int compare_numbers(struct cel_value a, struct cel_value b)
{
	if (a.kind == CEL_DOUBLE || b.kind == CEL_DOUBLE) {
		/* Like the reference implementations: convert to double. */
		double x = a.kind == CEL_DOUBLE ? a.d : a.kind == CEL_INT ? (double)a.i : (double)a.u;
		double y = b.kind == CEL_DOUBLE ? b.d : b.kind == CEL_INT ? (double)b.i : (double)b.u;
		if (isnan(x) || isnan(y))
			return CEL_CMP_NAN;
		return cmp3(x, y);
	}
	if (a.kind == b.kind)
		return a.kind == CEL_INT ? (a.i > b.i) - (a.i < b.i) : (a.u > b.u) - (a.u < b.u);
	if (a.kind == CEL_INT)
		return a.i < 0 ? -1 : ((uint64_t)a.i > b.u) - ((uint64_t)a.i < b.u);
	return b.i < 0 ? 1 : (a.u > (uint64_t)b.i) - (a.u < (uint64_t)b.i);
}

static int compare_bytes(struct cel_value a, struct cel_value b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.str, b.str, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return (a.len > b.len) - (a.len < b.len);
}

int cel_value_compare(struct cel_value a, struct cel_value b)
{
	if (is_number(a.kind) && is_number(b.kind))
		return compare_numbers(a, b);
	if (a.kind != b.kind)
		return CEL_CMP_NONE;
	switch (a.kind) {
	case CEL_STRING:
	case CEL_BYTES:
		/* Byte order of UTF-8 is code point order. */
		return compare_bytes(a, b);
	case CEL_BOOL:
		return (a.b > b.b) - (a.b < b.b);
	default:
		return CEL_CMP_NONE;
	}
}

static bool map_equal(struct cel_value a, struct cel_value b)
{
	if (a.map->len != b.map->len)
		return false;
	for (size_t i = 0; i < a.map->len; i++) {
		struct cel_value other;
		if (!cel_map_get(b, a.map->keys[i], &other))
			return false;
		if (!cel_value_equal(a.map->vals[i], other))
			return false;
	}
	return true;
}

bool cel_value_equal(struct cel_value a, struct cel_value b)
{
	if (is_number(a.kind) && is_number(b.kind))
		return compare_numbers(a, b) == 0;
	if (a.kind != b.kind)
		return false;
	switch (a.kind) {
	case CEL_NULL:
		return true;
	case CEL_BOOL:
		return a.b == b.b;
	case CEL_STRING:
	case CEL_BYTES:
		return a.len == b.len && (a.len == 0 || memcmp(a.str, b.str, a.len) == 0);
	case CEL_TYPE:
		return a.type == b.type;
	case CEL_LIST:
		if (a.list->len != b.list->len)
			return false;
		for (size_t i = 0; i < a.list->len; i++)
			if (!cel_value_equal(a.list->items[i], b.list->items[i]))
				return false;
		return true;
	case CEL_MAP:
		return map_equal(a, b);
	default:
		return false;
	}
}

/* ---- Printing ---------------------------------------------------------- */

void cel_format_double(double d, bool force_point, struct ebba_buf *out)
{
	if (isnan(d)) {
		buf_puts(out, force_point ? "double(\"NaN\")" : "NaN");
		return;
	}
	if (isinf(d)) {
		if (force_point)
			buf_puts(out, d > 0 ? "double(\"Infinity\")" : "double(\"-Infinity\")");
		else
			buf_puts(out, d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	/* The shortest %g that reads back as the same double. */
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_puts(out, tmp);
	if (force_point && !strpbrk(tmp, ".e"))
		buf_puts(out, ".0");
}

static void format_quoted(const char *s, size_t n, bool bytes, struct ebba_buf *out)
{
	if (bytes)
		buf_putc(out, 'b');
	buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':  buf_puts(out, "\\\""); continue;
		case '\\': buf_puts(out, "\\\\"); continue;
		case '\n': buf_puts(out, "\\n"); continue;
		case '\r': buf_puts(out, "\\r"); continue;
		case '\t': buf_puts(out, "\\t"); continue;
		default: break;
		}
		/* Strings keep their UTF-8; bytes outside ASCII are escaped. */
		if (c < 0x20 || c == 0x7F || (bytes && c >= 0x80))
			buf_printf(out, "\\x%02x", c);
		else
			buf_putc(out, (char)c);
	}
	buf_putc(out, '"');
}

void cel_value_format(struct cel_value v, struct ebba_buf *out)
{
	switch (v.kind) {
	case CEL_NULL:
		buf_puts(out, "null");
		break;
	case CEL_BOOL:
		buf_puts(out, v.b ? "true" : "false");
		break;
	case CEL_INT:
		buf_printf(out, "%lld", (long long)v.i);
		break;
	case CEL_UINT:
		buf_printf(out, "%lluu", (unsigned long long)v.u);
		break;
	case CEL_DOUBLE:
		cel_format_double(v.d, true, out);
		break;
	case CEL_STRING:
	case CEL_BYTES:
		format_quoted(v.str, v.len, v.kind == CEL_BYTES, out);
		break;
	case CEL_LIST:
		buf_putc(out, '[');
		for (size_t i = 0; i < v.list->len; i++) {
			if (i)
				buf_puts(out, ", ");
			cel_value_format(v.list->items[i], out);
		}
		buf_putc(out, ']');
		break;
	case CEL_MAP:
		buf_putc(out, '{');
		for (size_t i = 0; i < v.map->len; i++) {
			if (i)
				buf_puts(out, ", ");
			cel_value_format(v.map->keys[i], out);
			buf_puts(out, ": ");
			cel_value_format(v.map->vals[i], out);
		}
		buf_putc(out, '}');
		break;
	case CEL_TYPE:
		buf_puts(out, cel_kind_name(v.type));
		break;
	case CEL_ERROR:
		buf_puts(out, "error(");
		format_quoted(v.str, v.len, false, out);
		buf_putc(out, ')');
		break;
	}
}

/* ---- JSON -------------------------------------------------------------- */

int cel_value_from_json(const json_t *j, struct cel_arena *arena, struct cel_value *out,
			struct ebba_err *err)
{
	switch (json_typeof(j)) {
	case JSON_NULL:
		*out = cel_null();
		return 0;
	case JSON_TRUE:
		*out = cel_bool(true);
		return 0;
	case JSON_FALSE:
		*out = cel_bool(false);
		return 0;
	case JSON_INTEGER:
		*out = cel_int((int64_t)json_integer_value(j));
		return 0;
	case JSON_REAL:
		*out = cel_double(json_real_value(j));
		return 0;
	case JSON_STRING:
		if (json_string_length(j) > CEL_MAX_STRING)
			return ebba_errf(err, "JSON string too long");
		*out = cel_stringn(arena, json_string_value(j), json_string_length(j));
		return 0;
	case JSON_ARRAY: {
		size_t n = json_array_size(j);
		struct cel_value list = cel_list_new(arena, n);
		for (size_t i = 0; i < n; i++) {
			struct cel_value item;
			if (cel_value_from_json(json_array_get(j, i), arena, &item, err) != 0)
				return ebba_err_prefix(err, "[%zu]", i);
			cel_list_append(arena, list, item);
		}
		*out = list;
		return 0;
	}
	case JSON_OBJECT: {
		struct cel_value map = cel_map_new(arena, json_object_size(j));
		const char *key;
		json_t *val;
		/* jansson's iteration macro takes a non-const object. */
		json_object_foreach((json_t *)j, key, val) {
			struct cel_value item;
			if (cel_value_from_json(val, arena, &item, err) != 0)
				return ebba_err_prefix(err, "%s", key);
			cel_map_set_str(arena, map, key, item);
		}
		*out = map;
		return 0;
	}
	}
	return ebba_errf(err, "unsupported JSON value");
}
