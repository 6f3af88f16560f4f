/*
 * The SQL behind ebba-web's Referensram (daemon/store/web_frames.c): a
 * case's frame read and written with its version (schema 018), and each
 * view or change written to ebba.access_log by the same statement, so
 * that nobody is shown or changes a frame without the log knowing.  Every
 * function runs on the person's own connection (the *_by triggers apply).
 *
 * Ownership: a json_t **out is a new reference the caller json_decref()s.
 * The frame holds identity numbers; the caller never shows them.
 */
#ifndef EBBA_STORE_WEB_FRAMES_H
#define EBBA_STORE_WEB_FRAMES_H

#include <stdbool.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/error.h"

/*
 * A case's frame and where a new one would start, logging the view
 * ("view", "case_frame", case_id, client) in the same statement:
 * {"frame": null or {"frame" (JSON), "version", "updated_at", "updated_by"},
 *  "latest": the newest of ebba's decisions in the case, or null}.
 */
int store_web_frame_view(PGconn *db, const char *case_id, const char *client, json_t **out,
			 struct ebba_err *err);

/* The stored frame alone, not logged (what a change starts from): as
 * "frame" above, *out NULL when the case has none. */
int store_web_frame(PGconn *db, const char *case_id, json_t **out, struct ebba_err *err);

/*
 * Creates case_id's frame from frame_json (case_frame_to_json) and the YAML
 * it stands for, if the case has none, logging the change ("resolve",
 * "case_frame") in the same statement.  *version: 1, or 0 when the case
 * got a frame meanwhile (nothing written).
 */
int store_web_frame_create(PGconn *db, const char *case_id, const char *frame_json,
			   const char *source_yaml, const char *client, int *version,
			   struct ebba_err *err);

/*
 * Changes case_id's frame if it is still at version (decimal text): one
 * `update ... where version = $n`, logged in the same statement.
 * *new_version: the version now stored, or 0 when someone changed the
 * frame since (nothing written: the caller says so).
 */
int store_web_frame_update(PGconn *db, const char *case_id, const char *version,
			   const char *frame_json, const char *source_yaml, const char *client,
			   int *new_version, struct ebba_err *err);

#endif
