/*
 * The letters' outbox (outbox.c; schema 020, docs/delivery.md): claim
 * under a lease, finish fenced by the lease, count.  The rows are queued by
 * the database itself when a letter is stored; nothing here inserts.
 * The claimed items are owned by the caller (store_outbox_items_free).
 */
#ifndef EBBA_STORE_OUTBOX_H
#define EBBA_STORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

struct outbox_item {
	char decision_id[24];   /* the letter: its decision's id */
	char key[40];           /* the idempotency key (a UUID) */
	int attempt;            /* the attempts counter this lease holds */
	char channel[16];       /* chosen at an earlier attempt, or "" */
};

/*
 * Claims up to limit rows that are due (queued and next_attempt_at passed,
 * or claimed under an expired lease) for owner, for lease_seconds; a row's
 * deadline is set at its first claim, deadline_seconds after it was
 * queued.  SKIP LOCKED: concurrent workers never get the same row.
 */
int store_outbox_claim(PGconn *db, const char *owner, int limit, int lease_seconds,
		 int deadline_seconds, struct outbox_item **items, size_t *n,
		 struct ebba_err *err);
void store_outbox_items_free(struct outbox_item *items);

/*
 * Delivered through channel, with the receiver's receipt (may be NULL).
 * Fenced by the lease: *held false when another worker has taken the row
 * over since (then nothing is written; it delivers again, and the
 * receiver tells the repeat by its key).
 */
int store_outbox_delivered(PGconn *db, const char *owner, const struct outbox_item *it,
		     const char *channel, const char *receipt, bool *held, struct ebba_err *err);

/*
 * The channel chosen for the letter, recorded before anything is sent
 * through it, so that every later attempt (after a kill, by any worker)
 * keeps to it and a letter never goes out by two channels.  Fenced as
 * store_outbox_delivered: *held false when the lease was lost.
 */
int store_outbox_choose_channel(PGconn *db, const char *owner, const struct outbox_item *it,
			  const char *channel, bool *held, struct ebba_err *err);

/*
 * Not delivered this time, for why (one line): queued again backoff_seconds
 * from now, or failed for good when that is past the row's deadline or
 * permanent.  *failed says which.
 */
int store_outbox_retry(PGconn *db, const char *owner, const struct outbox_item *it,
		 const char *channel, const char *why, int backoff_seconds, bool permanent,
		 bool *failed, struct ebba_err *err);

struct outbox_counts {
	long queued, claimed, delivered, failed;
	long print, protected_print, digital;   /* delivered by channel */
	char last_error[256];                    /* the latest failure's "DECISION: reason", or "" */
};
int store_outbox_counts(PGconn *db, struct outbox_counts *out, struct ebba_err *err);

#endif
