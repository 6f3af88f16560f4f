#include <string.h>

#include "pg_text.h"

void pg_copy_field(struct ebba_buf *b, const char *s)
{
	if (!s) {
		buf_puts(b, "\\N");
		return;
	}
	/* Runs without anything to escape go in whole (the trace is kilobytes). */
	for (;;) {
		size_t run = strcspn(s, "\\\t\n\r");
		buf_append(b, s, run);
		s += run;
		if (!*s)
			return;
		char esc[2] = {'\\', *s == '\\' ? '\\' : *s == '\t' ? 't' : *s == '\n' ? 'n' : 'r'};
		buf_append(b, esc, 2);
		s++;
	}
}

void pg_copy_bytea(struct ebba_buf *b, const void *data, size_t len)
{
	if (!data) {
		buf_puts(b, "\\N");
		return;
	}
	buf_reserve(b, 3 + 2 * len + 1);
	buf_append(b, "\\\\x", 3);
	hex_encode(data, len, b->data + b->len);
	b->len += 2 * len;
}

static void put_digits(struct ebba_buf *b, uint64_t v, int negative, char after)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_reserve(b, n + 3);
	if (negative)
		b->data[b->len++] = '-';
	while (n)
		b->data[b->len++] = tmp[--n];
	if (after)
		b->data[b->len++] = after;
	b->data[b->len] = '\0';
}

void pg_copy_int(struct ebba_buf *b, int64_t v)
{
	put_digits(b, v < 0 ? 0u - (uint64_t)v : (uint64_t)v, v < 0, 0);
}

void pg_copy_id(struct ebba_buf *b, int64_t id)
{
	put_digits(b, id < 0 ? 0 : (uint64_t)id, 0, '\t');
}

void pg_copy_sep(struct ebba_buf *b, int last)
{
	buf_putc(b, last ? '\n' : '\t');
}

void pg_array_text(struct ebba_buf *b, const char *s)
{
	if (!s) {
		buf_puts(b, "NULL");
		return;
	}
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}
