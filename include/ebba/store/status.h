/* The figures of `ebbactl status` (status.c). */
#ifndef EBBA_STORE_STATUS_H
#define EBBA_STORE_STATUS_H

#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

struct status_figures {
	long pending, processing, decided, quarantined;   /* inbox rows by state */
	long approved, referred, rejected;                /* ebba's decisions by outcome */
	long last_minute, last_hour;                      /* ebba's decisions lately */
	long sampled_approvals;                           /* approvals with a sample flag */
	long open_flags;
	long awaiting_review;                             /* not approved, not reviewed */
};

int store_status_figures_load(PGconn *conn, struct status_figures *out, struct ebba_err *err);

struct status_quarantined {
	const char *external_id;
	const char *at;            /* "YYYY-MM-DD HH24:MI" */
	const char *error;
};

/* The latest quarantined documents, newest first; strings point into res. */
struct status_quarantine_list {
	struct status_quarantined *rows;
	size_t n;
	PGresult *res;
};

int store_status_latest_quarantined(PGconn *conn, int limit, struct status_quarantine_list *out,
			      struct ebba_err *err);
void store_status_quarantine_list_free(struct status_quarantine_list *l);

#endif
