#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

#include <openssl/evp.h>

#include "ebba/lib/log.h"
#include "ebba/lib/util.h"

static void *check_alloc(void *p, size_t n)
{
	if (!p && n)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *xmalloc(size_t n) { return check_alloc(malloc(n ? n : 1), n); }
void *xcalloc(size_t count, size_t size) { return check_alloc(calloc(count ? count : 1, size ? size : 1), count * size); }
void *xrealloc(void *p, size_t n) { return check_alloc(realloc(p, n ? n : 1), n); }
char *xstrdup(const char *s) { return check_alloc(strdup(s), strlen(s) + 1); }
char *xstrndup(const char *s, size_t n) { return check_alloc(strndup(s, n), n + 1); }

char *xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory formatting a string");
	return s;
}

void buf_reserve(struct ebba_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	/* Keep the promise that data is a C string even while still empty. */
	b->data[b->len] = '\0';
}

void buf_append(struct ebba_buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct ebba_buf *b, const char *s) { buf_append(b, s, strlen(s)); }
/* Formats into the room there is, and only when that is too little again
 * after growing: most calls format once. */
void buf_printf(struct ebba_buf *b, const char *fmt, ...)
{
	buf_reserve(b, 0);
	size_t room = b->cap - b->len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void buf_put_int(struct ebba_buf *b, long long v)
{
	char digits[24];
	size_t i = sizeof(digits);
	/* In unsigned arithmetic, so that LLONG_MIN negates. */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		digits[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		digits[--i] = '-';
	buf_append(b, digits + i, sizeof(digits) - i);
}

void buf_reset(struct ebba_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct ebba_buf *b)
{
	free(b->data);
	*b = (struct ebba_buf){0};
}

char *buf_steal(struct ebba_buf *b)
{
	if (!b->data)
		buf_reserve(b, 0);
	char *d = b->data;
	*b = (struct ebba_buf){0};
	return d;
}

int read_file_limited(const char *path, size_t max_bytes, struct ebba_buf *out,
		      struct ebba_err *err)
{
	buf_reset(out);
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return ebba_errf(err, "%s: cannot open: %s", path, strerror(errno));
	char chunk[65536];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > max_bytes) {
			rc = ebba_errf(err, "%s: larger than the limit of %zu bytes", path, max_bytes);
			break;
		}
		buf_append(out, chunk, n);
	}
	if (rc == 0 && ferror(f))
		rc = ebba_errf(err, "%s: read error: %s", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	if (rc == 0 && !out->data)
		buf_reserve(out, 0);
	return rc;
}

/* Fetched once: EVP_sha256() makes EVP_Digest look the implementation up
 * again on every call, and every decision hashes about ten pieces of
 * evidence (make bench: sha256_hex was 6 % of ebbad's CPU). */
static EVP_MD *sha256_md;
static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void hex_encode(const void *data, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * len] = '\0';
}

int hex_digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool digits_only(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	static once_flag once = ONCE_FLAG_INIT;
	call_once(&once, sha256_fetch);
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, sha256_md ? sha256_md : EVP_sha256(), NULL);
	hex_encode(md, sizeof(md), out);
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > EDIT_DISTANCE_MAX_LEN || lb > EDIT_DISTANCE_MAX_LEN)
		return SIZE_MAX;
	/* One row of the table: row[j] is the distance of a[0..i) to b[0..j). */
	size_t row[EDIT_DISTANCE_MAX_LEN + 1];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

size_t utf8_char_len(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t more;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		more = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		more = 2;
		if (c == 0xE0)
			lo = 0xA0;    /* overlong */
		if (c == 0xED)
			hi = 0x9F;    /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		more = 3;
		if (c == 0xF0)
			lo = 0x90;    /* overlong */
		if (c == 0xF4)
			hi = 0x8F;    /* past U+10FFFF */
	} else {
		return 0;
	}
	if (n <= more || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k <= more; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	return more + 1;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_char_len(u + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

