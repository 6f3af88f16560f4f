/*
 * The random sample audit (stickprov).
 *
 * With a secret configured, the draw for an application is
 * HMAC-SHA256(secret, external_id) read as a number in [0, 1): unbiased,
 * unpredictable to anyone without the secret (so applicants cannot game
 * it from the application's content), and reproducible by an auditor who
 * holds the secret.  Without a secret the draw comes from the kernel's
 * CSPRNG; either way the drawn number is recorded with the flag.
 */
#ifndef EBBA_AUDIT_H
#define EBBA_AUDIT_H

#include <stdbool.h>

#define AUDIT_DRAW_DESC 64

/* A number in [0, 1). secret may be NULL (then a CSPRNG draw). */
double audit_draw(const char *secret, const char *external_id);

/*
 * True if the application is drawn at rate (0..1).  desc receives how it
 * was drawn, e.g. "hmac-sha256 0.073412 < 0.100000", for the flag's record.
 */
bool audit_sample(const char *secret, const char *external_id, double rate,
		  char desc[AUDIT_DRAW_DESC]);

#endif
