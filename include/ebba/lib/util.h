/*
 * Small helpers used everywhere: allocation that cannot return NULL, a
 * growable byte buffer, and bounded file reading.
 *
 * Allocation failure is not an error ebba can do anything sensible about
 * in the middle of a decision, so x*alloc() abort with a message instead of
 * making every caller test for NULL.
 */
#ifndef EBBA_UTIL_H
#define EBBA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/error.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growable byte buffer.  The data is always NUL-terminated (the NUL is not
 * counted in len), so text can be used as a C string.  Zero-initialise
 * (`struct ebba_buf b = {0};`) and release with buf_free().
 */
struct ebba_buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_reserve(struct ebba_buf *b, size_t extra);
void buf_append(struct ebba_buf *b, const void *data, size_t n);
void buf_puts(struct ebba_buf *b, const char *s);
void buf_printf(struct ebba_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_put_int(struct ebba_buf *b, long long v);   /* decimal, as %lld */

/* Inline: the traces are written a byte at a time, and the call was a
 * tenth of writing them. */
static inline void buf_putc(struct ebba_buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}
void buf_reset(struct ebba_buf *b);     /* len = 0, keeps the memory */
void buf_free(struct ebba_buf *b);
/* Hands the data to the caller (who frees it) and empties the buffer. */
char *buf_steal(struct ebba_buf *b);

/*
 * Reads a whole file ("-" is stdin) of at most max_bytes into out (which is
 * reset first).  A larger file is an error, not a truncation.
 */
int read_file_limited(const char *path, size_t max_bytes, struct ebba_buf *out,
		      struct ebba_err *err);

/*
 * Lower-case hex of data[0..len): writes 2 * len characters and a NUL, so
 * out holds at least 2 * len + 1 bytes.  The one hex encoder (digests,
 * bytea for COPY); a table, not a printf per byte.
 */
void hex_encode(const void *data, size_t len, char *out);
/* The value of one hex digit, either case ('a' and 'A': 10), or -1 for
 * anything else (EOF too): the form decoder and CEL's escapes share it. */
int hex_digit_value(int c);

/* True when s[0..n) are all ASCII digits (n 0: true); s need not be
 * NUL-terminated but must hold n bytes.  Dates, identity numbers. */
bool digits_only(const char *s, size_t n);

/* True when the string s begins with prefix: no hand-counted strncmp. */
bool str_starts_with(const char *s, const char *prefix);

/* Lower-case hex SHA-256 of data (65 bytes with the NUL). */
void sha256_hex(const void *data, size_t len, char out[65]);

/*
 * The Levenshtein distance between a and b (insertions, deletions and
 * substitutions of bytes), for "did you mean" suggestions.  A string
 * longer than EDIT_DISTANCE_MAX_LEN bytes is nobody's typo: SIZE_MAX.
 */
#define EDIT_DISTANCE_MAX_LEN 64
size_t edit_distance(const char *a, const char *b);

/*
 * Strict UTF-8 (RFC 3629): the length (1..4) of the well-formed character
 * at s[0..n), or 0 when s does not start one (a stray continuation byte,
 * an overlong form, a surrogate, a code point past U+10FFFF, a sequence
 * cut short, or n == 0).  NUL is a character like any other here.
 */
size_t utf8_char_len(const unsigned char *s, size_t n);

/* Whether s[0..n) is strict UTF-8 throughout. */
bool utf8_valid(const char *s, size_t n);

/* Monotonic clock in microseconds. */
uint64_t now_usec(void);

#endif
