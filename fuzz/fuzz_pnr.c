/*
 * libFuzzer target for the identity-number detector (pnr_find, pnr_scrub_n:
 * ebba/lib/pnr.h) and the log's last defence (log_clean: ebba/lib/log.h).
 * On any bytes:
 *   - pnr_find finds exactly what a reference finds, one written here from
 *     the definition in pnr.h with pnr_parse (itself tested against
 *     Skatteverket's whole list) as the judge of date and check digit;
 *   - pnr_scrub_n changes digits only, each to '*', exactly those of the
 *     reference's numbers, and afterwards pnr_find finds nothing, nor does
 *     a second scrub change anything;
 *   - log_clean's line holds no control byte, is UTF-8 throughout, and
 *     holds no digit run the detector accepts.
 * Seeds: fuzz/corpus/pnr/; dictionary: fuzz/pnr.dict.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static size_t run_at(const unsigned char *t, size_t i, size_t len)
{
	size_t n = 0;
	while (i + n < len && digit(t[i + n]))
		n++;
	return n;
}

/* The definition's "one separator": a character that is neither a digit
 * nor an ASCII letter; a byte that is not UTF-8 is one character. */
static size_t sep_at(const unsigned char *t, size_t i, size_t len)
{
	unsigned char c = t[i];
	if (c < 0x80) {
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		return digit(c) || letter ? 0 : 1;
	}
	size_t n = utf8_char_len(t + i, len - i);
	return n ? n : 1;
}

static bool parses(const char s[12])
{
	struct pnr p;
	return pnr_parse(s, 12, &p, NULL) == 0;
}

/* pnr_parse as the judge: 12 digits as they are, 10 in either century. */
static bool judge(const char *date, size_t date_len, const char *nnnc)
{
	char s[13];
	if (date_len == 8) {
		memcpy(s, date, 8);
		memcpy(s + 8, nnnc, 4);
		return parses(s);
	}
	static const char *const centuries[] = {"19", "20"};
	for (int c = 0; c < 2; c++) {
		memcpy(s, centuries[c], 2);
		memcpy(s + 2, date, 6);
		memcpy(s + 8, nnnc, 4);
		if (parses(s))
			return true;
	}
	return false;
}

/* The first number in t[0..len), by the definition, letter by letter. */
static bool reference_find(const unsigned char *t, size_t len, struct pnr_span *out)
{
	for (size_t i = 0; i < len; i++) {
		if (!digit(t[i]) || (i > 0 && digit(t[i - 1])))
			continue;
		size_t r = run_at(t, i, len);
		const char *s = (const char *)t + i;
		if ((r == 10 || r == 12) && judge(s, r - 4, s + r - 4)) {
			*out = (struct pnr_span){i, i + r};
			return true;
		}
		if ((r == 6 || r == 8) && i + r < len) {
			size_t sl = sep_at(t, i + r, len), k = i + r + sl;
			if (sl && k < len && run_at(t, k, len) == 4 && judge(s, r, (const char *)t + k)) {
				*out = (struct pnr_span){i, k + 4};
				return true;
			}
		}
	}
	return false;
}

static bool has_number(const char *t, size_t len)
{
	struct pnr_span sp;
	return pnr_find(t, len, &sp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *t = data;
	/* The detector against the reference, and the reference's scrub. */
	struct pnr_span got, want;
	bool g = pnr_find((const char *)data, size, &got), w = reference_find(t, size, &want);
	if (g != w || (g && (got.start != want.start || got.end != want.end)))
		abort();
	char *mine = xmalloc(size + 1), *ref = xmalloc(size + 1);
	memcpy(mine, data, size);
	memcpy(ref, data, size);
	size_t masked = pnr_scrub_n(mine, size), expect = 0;
	for (size_t at = 0; at < size && reference_find((unsigned char *)ref + at, size - at, &want);) {
		for (size_t q = at + want.start; q < at + want.end; q++)
			if (digit((unsigned char)ref[q]))
				ref[q] = '*';
		at += want.end;
		expect++;
	}
	if (masked != expect || memcmp(mine, ref, size) != 0)
		abort();
	for (size_t i = 0; i < size; i++)
		if (mine[i] != (char)data[i] && !(mine[i] == '*' && digit(data[i])))
			abort();
	if (has_number(mine, size) || pnr_scrub_n(mine, size) != 0 || memcmp(mine, ref, size) != 0)
		abort();
	free(mine);
	free(ref);

	/* What a log line becomes. */
	char *line = log_clean((const char *)data, size);
	if (!line)
		return 0;
	size_t n = strlen(line);
	if (n > 4 * size)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			abort();
	if (!utf8_valid(line, n) || has_number(line, n))
		abort();
	free(line);
	return 0;
}
