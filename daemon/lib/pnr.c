/*
 * Personal identity numbers: parse, normalise, check.  Hot enough (every
 * person of every application, `pnr check` over whole registers) that it
 * works on the bytes directly, with no allocation and no locale.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/lib/pnr.h"
#include "ebba/lib/util.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int pnr_luhn_digit(const char d[9])
{
	int sum = 0;
	for (int i = 0; i < 9; i++) {
		int v = (d[i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	return (10 - sum % 10) % 10;
}

static int two(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Copies the 12 digits out of either accepted form into out->digits. */
static int normalise(const char *s, size_t len, struct pnr *out, struct ebba_err *err)
{
	if (len != 12 && len != 13)
		return ebba_errf(err, "wrong length: %zu characters, expected YYYYMMDDNNNC or YYYYMMDD-NNNC", len);
	if (len == 13 && s[8] != '-')
		return ebba_errf(err, "expected '-' at position 9 in YYYYMMDD-NNNC");
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (len == 13 && i == 8)
			continue;
		if (!is_digit(s[i]))
			return ebba_errf(err, "not a digit at position %zu", i + 1);
		out->digits[o++] = s[i];
	}
	out->digits[o] = '\0';
	return 0;
}

int pnr_parse(const char *s, size_t len, struct pnr *out, struct ebba_err *err)
{
	struct pnr p;
	if (normalise(s, len, &p, err) != 0)
		return -1;
	const char *d = p.digits;
	int year = two(d) * 100 + two(d + 2), month = two(d + 4), day = two(d + 6);
	p.coordination = day > 60;
	if (p.coordination)
		day -= 60;
	if (month < 1 || month > 12)
		return ebba_errf(err, "not a date: month %02d", month);
	if (day < 1 || day > date_days_in_month(year, month))
		return ebba_errf(err, "not a date: day %02d%s in %04d-%02d", day + (p.coordination ? 60 : 0),
				 p.coordination ? " (coordination number)" : "", year, month);
	if (year < 1800)
		return ebba_errf(err, "not a date: year %04d", year);
	int want = pnr_luhn_digit(d + 2);
	if (d[11] - '0' != want)
		return ebba_errf(err, "check digit is %c, expected %d", d[11], want);
	p.birth = (struct date){year, month, day};
	*out = p;
	return 0;
}

bool pnr_is_valid(const char *s)
{
	struct pnr p;
	return pnr_parse(s, strlen(s), &p, NULL) == 0;
}

char *pnr_mask(const char *s, char out[PNR_MASK_BUF])
{
	size_t n = s ? strnlen(s, 8) : 0;
	if (n < 8) {
		memcpy(out, "********-****", PNR_MASK_BUF);
		return out;
	}
	memcpy(out, s, 8);
	memcpy(out + 8, "-****", 6);
	return out;
}

/* ---- the detector ---- */

/*
 * Whether the ten digits YYMMDDNNNC make a number: a real day (or that +
 * 60) and the check digit.  cc: the century digits of a 12-digit form, or
 * NULL for YYMMDD, whose century is not known.
 */
static bool ten_digits_ok(const char d[10], const char *cc)
{
	int month = two(d + 2), day = two(d + 4);
	if (day > 60)
		day -= 60;
	if (month < 1 || month > 12 || day < 1)
		return false;
	int last;
	if (cc) {
		int year = two(cc) * 100 + two(d);
		if (year < 1800)
			return false;
		last = date_days_in_month(year, month);
	} else {
		last = month == 2 ? (two(d) % 4 == 0 ? 29 : 28) : date_days_in_month(2001, month);
	}
	return day <= last && d[9] - '0' == pnr_luhn_digit(d);
}

static size_t digit_run(const char *t, size_t i, size_t len)
{
	size_t j = i;
	while (j < len && is_digit(t[j]))
		j++;
	return j - i;
}

/* The length of the separator at t[i]: a character that is neither a
 * digit nor an ASCII letter (a byte that is not UTF-8 counts as one); 0
 * when t[i] is a digit or a letter. */
static size_t separator_len(const char *t, size_t i, size_t len)
{
	unsigned char c = (unsigned char)t[i];
	if (c < 0x80) {
		unsigned char l = c | 0x20;
		return is_digit((char)c) || (l >= 'a' && l <= 'z') ? 0 : 1;
	}
	size_t n = utf8_char_len((const unsigned char *)t + i, len - i);
	return n ? n : 1;
}

bool pnr_find(const char *text, size_t len, struct pnr_span *span)
{
	size_t i = 0;
	while (i < len) {
		if (!is_digit(text[i])) {
			i++;
			continue;
		}
		/* text[i] starts a run of digits: the one before is no digit. */
		size_t run = digit_run(text, i, len);
		char d[10];
		if (run == 10 || run == 12) {
			memcpy(d, text + i + run - 10, 10);
			if (ten_digits_ok(d, run == 12 ? text + i : NULL)) {
				*span = (struct pnr_span){i, i + run};
				return true;
			}
		} else if ((run == 6 || run == 8) && i + run < len) {
			size_t sep = i + run, k = sep + separator_len(text, sep, len);
			if (k > sep && k < len && digit_run(text, k, len) == 4) {
				memcpy(d, text + sep - 6, 6);
				memcpy(d + 6, text + k, 4);
				if (ten_digits_ok(d, run == 8 ? text + i : NULL)) {
					*span = (struct pnr_span){i, k + 4};
					return true;
				}
			}
		}
		i += run;
	}
	return false;
}

bool pnr_in_text(const char *text)
{
	struct pnr_span sp;
	return text && pnr_find(text, strlen(text), &sp);
}

size_t pnr_scrub_n(char *text, size_t len)
{
	size_t n = 0, at = 0;
	struct pnr_span sp;
	/* Each match ends before a character that is no digit, so the search
	 * goes on from there as if from the start of a text. */
	while (at < len && pnr_find(text + at, len - at, &sp)) {
		for (size_t q = at + sp.start; q < at + sp.end; q++)
			if (is_digit(text[q]))
				text[q] = '*';
		at += sp.end;
		n++;
	}
	return n;
}

void pnr_scrub(char *text)
{
	if (text)
		pnr_scrub_n(text, strlen(text));
}
