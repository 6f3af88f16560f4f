/*
 * The inbox queue (queue.c, queue_complete.c): claim under a lease,
 * complete fenced by the lease, release, insert, count.
 */
#ifndef EBBA_QUEUE_H
#define EBBA_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "ebba/decide/decision.h"
#include "ebba/intake/application.h"
#include "ebba/lib/error.h"
#include "ebba/store/db.h"

struct queue_item {
	int64_t id;
	int attempt;            /* the attempts counter this lease holds */
	char *external_id;
	char *payload;          /* exact bytes received, NUL-terminated; NULL
	                           when larger than the claim's max_payload */
	size_t payload_len;
	size_t stored_len;      /* the payload's size in the inbox */
};

struct queue_batch {
	struct queue_item *items;
	size_t count;
	PGresult *res;          /* owns the strings the items point into */
};

void store_queue_batch_free(struct queue_batch *b);

/*
 * Claims up to limit claimable rows (pending, or processing with an expired
 * lease) for owner, for lease_seconds.  Rows are locked with SKIP LOCKED,
 * so concurrent workers never wait for or receive the same row.  Payloads
 * over max_payload bytes are not fetched (payload NULL, stored_len set),
 * so an oversize document costs no memory.
 */
int store_queue_claim(PGconn *conn, const char *owner, int limit, int lease_seconds,
		size_t max_payload, struct queue_batch *out, struct ebba_err *err);

/* What became of one claimed item. */
enum queue_outcome { QUEUE_DECIDED, QUEUE_QUARANTINED };

struct queue_result {
	int64_t inbox_id;
	int attempt;                      /* the claim's attempt (queue_item.attempt) */
	enum queue_outcome state;
	const char *error;                /* quarantined: why; decided: NULL */
	const struct decision *decision;  /* decided: the record; quarantined: NULL */
	/* decided: the document, whose persons go to ebba.case_people
	 * (schema 025) in the same transaction; NULL: the database reads them */
	const struct application *app;
};

/*
 * Scratch space for completing batches (docs/architecture.md §14.15): the
 * COPY text of every table, kept from batch to batch.  Made and freed by
 * whoever completes batch after batch (ebbad's worker); one thread at a
 * time.
 */
struct queue_scratch;
struct queue_scratch *store_queue_scratch_new(void);
void store_queue_scratch_free(struct queue_scratch *s);   /* NULL: nothing */

/*
 * Completes a batch in one transaction: n results, each for an item of the
 * batch.  Only the rows still leased by owner at the same attempt are
 * completed, and only their decisions are written; *completed receives how
 * many.  The results and their records are read, not kept.  scratch is
 * borrowed; NULL: one made and freed for this batch.
 */
int store_queue_complete(PGconn *conn, const char *owner, const struct queue_result *results,
		   size_t n, struct queue_scratch *scratch, long *completed,
		   struct ebba_err *err);

/*
 * Gives the batch back (state pending) so another worker can take it now.
 * count_attempt: whether the claim counts towards max_attempts.  A batch
 * cut short by a stop does not; one that failed does, so a document that
 * always fails is quarantined in the end instead of circling for ever.
 */
int store_queue_release(PGconn *conn, const char *owner, const struct queue_batch *b,
		  bool count_attempt, struct ebba_err *err);

/* Counts by state. */
struct queue_counts {
	long pending, processing, decided, quarantined;
};
int store_queue_counts(PGconn *conn, struct queue_counts *out, struct ebba_err *err);

/*
 * Pending and leased rows only, for ebbad's STATUS= every few seconds:
 * counted over the partial index of claimable rows, so it stays cheap
 * however many decided rows the inbox holds.
 */
int store_queue_depth(PGconn *conn, long *pending, long *processing, struct ebba_err *err);

/*
 * LISTEN for new inbox rows (the insert trigger NOTIFYs ebba_inbox), and
 * drop the notifications that arrived: ebbad only needs to wake up, the
 * claim finds the rows.  Listening is per connection: again after a
 * reconnect.
 */
int store_queue_listen(PGconn *conn, struct ebba_err *err);
void store_queue_drain_notifications(PGconn *conn);

/*
 * Inserts one application; *inserted is false (and nothing changes) when
 * external_id exists already.
 */
int store_queue_insert(PGconn *conn, const char *external_id, const char *case_id,
		 const char *period, const char *payload, size_t len, bool *inserted,
		 struct ebba_err *err);

#endif
