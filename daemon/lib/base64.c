#include <string.h>

#include "ebba/lib/base64.h"

static const char ALPHABET[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *data, size_t len, struct ebba_buf *out)
{
	const unsigned char *p = data;
	buf_reserve(out, (len + 2) / 3 * 4);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		char q[4] = { ALPHABET[v >> 18 & 63], ALPHABET[v >> 12 & 63],
			      i + 1 < len ? ALPHABET[v >> 6 & 63] : '=',
			      i + 2 < len ? ALPHABET[v & 63] : '=' };
		buf_append(out, q, 4);
	}
	buf_append(out, "", 0);   /* a C string even when len is 0 */
}

static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *in, size_t len, size_t max_out, struct ebba_buf *out,
		  struct ebba_err *err)
{
	buf_reset(out);
	buf_append(out, "", 0);
	unsigned quad[4];
	int nq = 0, pad = 0;
	size_t nchars = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		nchars++;
		if (c == '=') {
			/* Padding only in the last two places of the last quantum. */
			if (nq < 2)
				return ebba_errf(err, "base64: misplaced '=' at offset %zu", i);
			pad++;
			quad[nq++] = 0;
		} else {
			int v = sextet(c);
			if (v < 0)
				return ebba_errf(err, "base64: invalid character 0x%02x at offset %zu",
						 c, i);
			if (pad)
				return ebba_errf(err, "base64: data after padding at offset %zu", i);
			quad[nq++] = (unsigned)v;
		}
		if (nq < 4)
			continue;
		unsigned v = quad[0] << 18 | quad[1] << 12 | quad[2] << 6 | quad[3];
		unsigned char bytes[3] = { v >> 16 & 255, v >> 8 & 255, v & 255 };
		size_t n = 3 - (size_t)pad;
		if (out->len + n > max_out)
			return ebba_errf(err, "base64: decoded data larger than %zu bytes", max_out);
		buf_append(out, bytes, n);
		nq = 0;
		if (pad)
			pad = -1; /* nothing may follow a padded quantum */
	}
	if (nq != 0)
		return ebba_errf(err, "base64: length %zu is not a multiple of 4", nchars);
	return 0;
}
