/*
 * Personal identity numbers: parse, normalise, check.  Hot enough (every
 * person of every application, `pnr check` over whole registers) that it
 * works on the bytes directly, with no allocation and no locale.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/lib/pnr.h"

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
	if (normalise(s, len, &p, err) < 0)
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

void pnr_scrub(char *text)
{
	char *p = text;
	while (*p) {
		if (!is_digit(*p)) {
			p++;
			continue;
		}
		char *start = p;
		while (is_digit(*p))
			p++;
		size_t run = (size_t)(p - start);
		if (run == 8 && *p == '-' && is_digit(p[1])) {
			/* YYYYMMDD-NNNC: mask what follows the hyphen. */
			p++;
			while (is_digit(*p))
				*p++ = '*';
		} else if (run >= 10) {
			for (char *q = start + 8; q < p; q++)
				*q = '*';
		}
	}
}
