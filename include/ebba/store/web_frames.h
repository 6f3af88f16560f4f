/*
 * The SQL behind ebba-web's Referensram (daemon/store/web_frames.c): a
 * case's frame read and written with its version (schema 018), and each
 * view or change written to ebba.access_log by the same statement, so
 * that nobody is shown or changes a frame without the log knowing.  Every
 * function runs on the person's own connection (the *_by triggers apply).
 *
 * Ownership: a struct web_frame_view filled here owns its strings (they
 * point into the document it keeps); the caller releases it with
 * store_web_frame_view_free(), after which none of them may be used.  The frame
 * holds identity numbers; the caller never shows them.
 */
#ifndef EBBA_STORE_WEB_FRAMES_H
#define EBBA_STORE_WEB_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/error.h"

/* A case's stored frame as the page reads it. */
struct web_frame_stored {
	const char *frame_json;   /* the frame document as stored (case_frame_from_json reads it) */
	int64_t version;          /* 1 and up (schema 018) */
	const char *updated_at;   /* "YYYY-MM-DD HH:MI" */
	const char *updated_by;   /* the database's person who wrote it */
};

/* Referensram's view model (architecture.md §14.13, "Page view models"). */
struct web_frame_view {
	bool has_frame;                 /* false: the case has no frame yet */
	struct web_frame_stored frame;  /* when has_frame */
	bool has_latest;                /* (store_web_frame_view only) */
	int64_t latest;                 /* the newest of ebba's decisions in the case */
	json_t *doc_;                   /* the query's document: the strings live in it */
};

/*
 * A case's frame and where a new one would start (the newest of ebba's
 * decisions in the case), logging the view ("view", "case_frame",
 * case_id, client) in the same statement.
 */
int store_web_frame_view(PGconn *db, const char *case_id, const char *client,
			 struct web_frame_view *out, struct ebba_err *err);

/* The stored frame alone, not logged (what a change starts from):
 * out->has_frame false when the case has none; has_latest is false. */
int store_web_frame(PGconn *db, const char *case_id, struct web_frame_view *out,
		    struct ebba_err *err);

/* Unpacks a frame view's document (store_web_frame_view's shape) into out,
 * which then keeps doc (a reference is taken).  Exposed for the unit test. */
int store_web_frame_view_unpack(json_t *doc, struct web_frame_view *out, struct ebba_err *err);

/* Releases what v holds; v is then empty. */
void store_web_frame_view_free(struct web_frame_view *v);

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
