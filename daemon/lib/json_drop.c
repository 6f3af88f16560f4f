/*
 * Dropping a member from a JSON object's text (include/ebba/lib/json_drop.h).
 * Tested in tests/unit/test_json_drop.c and fuzzed against jansson in
 * fuzz/fuzz_json_drop.c.
 */
#include <string.h>

#include "ebba/lib/json_drop.h"

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* s->p at an opening quote: past the closing one, or -1. */
static int skip_string(struct scan *s)
{
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '"') {
			s->p++;
			return 0;
		}
		if (*s->p == '\\' && ++s->p == s->end)
			return -1;
	}
	return -1;
}

/* An object or array, by its nesting; strings may hold any bracket. */
static int skip_nested(struct scan *s)
{
	size_t depth = 0;
	while (s->p < s->end) {
		char c = *s->p;
		if (c == '"') {
			if (skip_string(s) != 0)
				return -1;
			continue;
		}
		s->p++;
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return 0;
	}
	return -1;
}

/* A number, true, false or null: up to the next delimiter. */
static int skip_scalar(struct scan *s)
{
	const char *start = s->p;
	/* (strchr finds the terminator too: a NUL byte ends the scalar.) */
	while (s->p < s->end && !strchr(",}] \t\n\r", *s->p))
		s->p++;
	return s->p > start ? 0 : -1;
}

static int skip_value(struct scan *s)
{
	if (s->p == s->end)
		return -1;
	if (*s->p == '"')
		return skip_string(s);
	if (*s->p == '{' || *s->p == '[')
		return skip_nested(s);
	return skip_scalar(s);
}

/* The member at s->p: its key's quotes are [key_at, key_end), and the
 * member ends at value_end. */
struct member {
	const char *key_at, *key_end, *value_end;
};

static int member(struct scan *s, struct member *m)
{
	m->key_at = s->p;
	if (s->p == s->end || *s->p != '"' || skip_string(s) != 0)
		return -1;
	m->key_end = s->p;
	skip_ws(s);
	if (s->p == s->end || *s->p != ':')
		return -1;
	s->p++;
	skip_ws(s);
	if (skip_value(s) != 0)
		return -1;
	m->value_end = s->p;
	return 0;
}

static bool is_key(const struct member *m, const char *key, size_t key_len)
{
	return (size_t)(m->key_end - m->key_at) == key_len + 2 && memcmp(m->key_at + 1, key, key_len) == 0;
}

int json_drop_member(const char *text, size_t len, const char *key, struct ebba_buf *out)
{
	struct scan s = {text, text + len};
	size_t key_len = strlen(key);
	bool first = true;
	skip_ws(&s);
	if (s.p == s.end || *s.p++ != '{')
		return -1;
	buf_putc(out, '{');
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}')
		s.p++;
	else
		for (;;) {
			struct member m;
			if (member(&s, &m) != 0)
				return -1;
			if (!is_key(&m, key, key_len)) {
				if (!first)
					buf_putc(out, ',');
				buf_append(out, m.key_at, (size_t)(m.value_end - m.key_at));
				first = false;
			}
			skip_ws(&s);
			if (s.p == s.end)
				return -1;
			char c = *s.p++;
			if (c == '}')
				break;
			if (c != ',')
				return -1;
			skip_ws(&s);
		}
	skip_ws(&s);
	if (s.p != s.end)
		return -1;
	buf_putc(out, '}');
	return 0;
}
