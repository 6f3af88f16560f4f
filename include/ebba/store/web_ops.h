/*
 * Drift's view model (daemon/store/web_ops.c): the inbox by state, the
 * rates, the letters' outbox, the workers seen lately and the latest
 * quarantined documents, filled from one query on the person's own
 * connection.
 *
 * Ownership: a struct web_ops_view is the caller's; its strings and lists
 * belong to it and live until store_web_ops_view_free(), which frees them all
 * (and is safe on a zeroed or already freed view).
 */
#ifndef EBBA_STORE_WEB_OPS_H
#define EBBA_STORE_WEB_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/error.h"

struct web_ops_worker {
	const char *owner;
	const char *started;    /* "YYYY-MM-DD HH:MI" */
	const char *last_seen;  /* "YYYY-MM-DD HH:MI:SS" */
	int64_t ago_seconds;
	int64_t decided;        /* decisions since it started */
};

struct web_ops_quarantined {
	int64_t inbox_id;
	const char *external_id;
	const char *received;
	int64_t attempts;
	const char *error;      /* the error's first line; "" for none */
};

struct web_ops_letter_failed {
	int64_t decision_id;
	/* the channel's name (deliver/channel.c's enum channel, which ebba-web
	 * does not link), "" when none was chosen */
	const char *channel;
	int64_t attempts;
	const char *gave_up_at;
	const char *error;      /* "" for none */
};

struct web_ops_view {
	int64_t pending, processing, decided, quarantined;
	int64_t received_hour, decided_hour, decided_day;
	int64_t letters_queued, letters_claimed, letters_print, letters_protected,
		letters_digital, letters_failed;
	struct web_ops_worker *workers;
	size_t n_workers;
	struct web_ops_quarantined *quarantine;   /* newest 20 */
	size_t n_quarantine;
	struct web_ops_letter_failed *failed_letters;  /* newest 20 */
	size_t n_failed_letters;
	json_t *doc_;           /* private: the strings point into it */
};

int store_web_ops(PGconn *db, struct web_ops_view *out, struct ebba_err *err);

/* Unpacks doc (the query's document; the view takes the reference, also
 * on failure) into *out: a key missing or extra is an error naming it. */
int store_web_ops_view_unpack(json_t *doc, struct web_ops_view *out, struct ebba_err *err);

void store_web_ops_view_free(struct web_ops_view *v);

#endif
