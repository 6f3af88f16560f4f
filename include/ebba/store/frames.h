/*
 * Case frames in ebba.case_frames (frames.c): the daemon's batch read, and
 * ebbactl case set / show.
 */
#ifndef EBBA_STORE_FRAMES_H
#define EBBA_STORE_FRAMES_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/facts/history.h"
#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/lib/error.h"

/* Where store_frames_load_batch() puts the frame and history of one application (borrowed). */
struct frame_slot {
	const char *case_id;
	const char *period;              /* "YYYY-MM": the application's period */
	struct case_frame *frame;
	bool *found;                     /* set true when a valid frame was stored */
	struct case_history *history;    /* filled: the case's decisions in case_history_window() */
};

/*
 * Reads the frames of every slot's case and each application's history of
 * the year (ebba's decisions and caseworkers', with the incomes the
 * stored documents declared, read with parser) in one round trip.  A
 * stored frame that no longer validates is as good as none (logged; the
 * rules then refer the application to a person).  -1 only when the query
 * fails.
 */
int store_frames_load_batch(PGconn *conn, struct app_parser *parser, const struct frame_slot *slots,
		      size_t n, struct ebba_err *err);

/* Stores (or replaces) the frame of frame_json's case: the validated JSON
 * and the YAML the caseworker wrote, with its access_log row ("resolve",
 * "case_frame", client) in the same statement.  updated_by is the
 * database's person (schema 004). */
int store_frames_put(PGconn *conn, const char *case_id, const char *frame_json,
	       const char *source_yaml, const char *client, struct ebba_err *err);

/* The stored frame of case_id as JSON text into *json (caller frees), or
 * NULL when the case has none. */
int store_frames_get_json(PGconn *conn, const char *case_id, char **json, struct ebba_err *err);

#endif
