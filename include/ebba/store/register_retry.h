/*
 * Asking the registers again before asking a person (schema/029_register_
 * retry.sql): ebbad calls store_register_retry() every few seconds; the
 * database picks the referrals, sends a probe or a batch back to the
 * inbox, and one ebbad at a time does so.  Nothing here decides: ebbad
 * decides the new inbox rows as any other.
 *
 * Ownership: the caller owns every buffer it passes; nothing returned
 * needs freeing.
 */
#ifndef EBBA_STORE_REGISTER_RETRY_H
#define EBBA_STORE_REGISTER_RETRY_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/* What one call sent. */
struct register_retry_round {
	long sent;          /* referrals put back in the inbox */
	bool probe;         /* the one sent was a probe (registers not known to answer) */
};

/*
 * Sends again the referrals of ebba's whose every failed check is among
 * checks (the rule set's retry: registers), as the schedule allows:
 * every_seconds between a failed probe and the next, window_hours from
 * the first referral, batch at a time.  n_checks 0 sends nothing.
 */
int store_register_retry(PGconn *db, const char *const *checks, size_t n_checks, int every_seconds,
			 int window_hours, int batch, struct register_retry_round *out,
			 struct ebba_err *err);

#endif
