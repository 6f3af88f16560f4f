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
 * Masks identity numbers inside free text, in place and without changing
 * its length: every run of 10 to 12 digits keeps its first 8 and the rest
 * become '*'; "YYYYMMDD-NNNC" becomes "YYYYMMDD-****".  For error text
 * from libraries that quote values which may be identity numbers.
 */
void pnr_scrub(char *text);

/* The Luhn check digit for the 9 digits d[0..9). */
int pnr_luhn_digit(const char d[9]);

#endif
