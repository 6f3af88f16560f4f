/*
 * Swedish personal identity numbers (personnummer) and coordination numbers
 * (samordningsnummer: day of birth + 60).
 *
 * Accepted input is 12 digits `YYYYMMDDNNNC` or `YYYYMMDD-NNNC`; the
 * normalised form is always the 12 digits.  The check digit C is the Luhn
 * digit over the last 10 digits (YYMMDDNNN).  Nothing here allocates.
 *
 * Never log a full number: use pnr_mask().
 */
#ifndef EBBA_PNR_H
#define EBBA_PNR_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/date.h"
#include "ebba/lib/error.h"

#define PNR_LEN 12          /* digits in the normalised form */
#define PNR_BUF 13          /* PNR_LEN + NUL */
#define PNR_MASK_BUF 14     /* "YYYYMMDD-****" + NUL */

struct pnr {
	char digits[PNR_BUF];     /* normalised, NUL-terminated */
	struct date birth;        /* for a coordination number, day - 60 */
	bool coordination;        /* samordningsnummer */
};

/*
 * Parses and checks s[0..len).  On failure err gets the reason only, e.g.
 * "wrong length: 11 characters, expected YYYYMMDDNNNC or YYYYMMDD-NNNC",
 * "not a digit at position 5", "not a date: month 13",
 * "check digit is 4, expected 5".  The reason never repeats the number.
 */
int pnr_parse(const char *s, size_t len, struct pnr *out, struct ebba_err *err);

/* Convenience for NUL-terminated input: true if valid. */
bool pnr_is_valid(const char *s);

/*
 * For logs: "YYYYMMDD-****" from any input (the first 8 characters, or
 * "********-****" if the input has fewer than 8).  Returns out.
 */
char *pnr_mask(const char *s, char out[PNR_MASK_BUF]);

/*
 * The one detector of identity numbers in text: intake refuses an
 * application id or case number that holds one (they end up in URLs, the
 * access log and logs), and the log's scrubber masks every digit of each.
 * A match is
 *   - 10 or 12 digits, YYMMDDNNNC or YYYYMMDDNNNC, or the same with one
 *     separator between the date and NNNC: any single character that is
 *     neither a digit nor an ASCII letter ('-', '+', '_', '.', ':', a
 *     space, a control character, an en dash, a byte that is not UTF-8);
 *   - not part of a longer run of digits (no digit right before or after);
 *   - a real date: month 1..12, day 1..its month's last, or that + 60
 *     (samordningsnummer); YYYY from 1800; for YYMMDD, 29 February in
 *     any year divisible by 4 (the century is not known);
 *   - and the Luhn check digit C over YYMMDDNNN.
 * So "X-850301-2380", "P-19850301_2380", "850301+2380" and "8503012380"
 * match; "850301-2381" (check digit), "851301-2380" (month),
 * "19850301--2380" (two separators) and "1198503012380" (13 digits) do not.
 */
struct pnr_span {
	size_t start, end;        /* text[start..end): the digits and the separator */
};

/*
 * The first identity number in text[0..len) (NUL bytes are text like any
 * other): true with *span set, or false.  To find the next, search again
 * from span->end (the character there is not a digit).
 */
bool pnr_find(const char *text, size_t len, struct pnr_span *span);

/* Whether text (NUL-terminated) holds an identity number anywhere. */
bool pnr_in_text(const char *text);

/*
 * Masks every digit of every identity number pnr_find() finds in
 * text[0..len), in place and without changing the length ("X-850301-2380"
 * becomes "X-******-****"); the separators stay.  Returns how many numbers
 * it masked.  Afterwards pnr_find() finds none.  For text from libraries
 * that quote values, and the log's last defence (log.c).
 */
size_t pnr_scrub_n(char *text, size_t len);

/* pnr_scrub_n() on a NUL-terminated string. */
void pnr_scrub(char *text);

/* The Luhn check digit for the 9 digits d[0..9). */
int pnr_luhn_digit(const char d[9]);

#endif
