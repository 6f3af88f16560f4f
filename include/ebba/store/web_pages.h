/*
 * The SQL behind ebba-web's pages (daemon/store/web_*.c).  Each query
 * returns its answer as one JSON document built by PostgreSQL (json_agg,
 * json_build_object), so a page gets exactly the shape its template reads
 * and the C side only parses it.  Every function runs on the person's own
 * connection: the grants and the *_by triggers of schema 004 apply.
 *
 * Ownership: a json_t **out is a new reference the caller json_decref()s.
 * No query returns a full personal identity number except the application
 * document (store_web_payload), which the caller must mask before showing.
 */
#ifndef EBBA_STORE_WEB_PAGES_H
#define EBBA_STORE_WEB_PAGES_H

#include <stdbool.h>
#include <stdint.h>

#include <stdarg.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

/* Runs sql (one row, one json column) and parses the answer into *out. */
int store_web_json(PGconn *db, const char *sql, int n, const char *const *params,
		   json_t **out, struct ebba_err *err);

/*
 * Typed view models (architecture.md §14.14).  A page reads a C struct that
 * store/ filled, never the JSON the SQL built: store_web_unpack() unpacks
 * the query's document into the struct with jansson's json_unpack in
 * strict mode, so a key the struct holds that the SQL did not return, or
 * one the SQL returned that the struct does not hold, is an error naming
 * the key ("what: Object item not found: KEY") instead of a quiet 0 or
 * NULL.  The strings the struct points to live in the document, which the
 * view keeps and its *_free() releases.
 */
int store_web_unpack(json_t *doc, const char *what, struct ebba_err *err, const char *fmt, ...);

/* Arbetskö's queue and the decision a person saved: include/ebba/store/web_queue.h. */

/* One decision with what it rests on: include/ebba/store/web_decision.h. */

/* The application document of ebba's decision id, exactly as received,
 * into out (reset first); *found false when there is none. */
int store_web_payload(PGconn *db, const char *id, struct ebba_buf *out, bool *found,
		      struct ebba_err *err);

/* The bytes of evidence row evidence_id of decision id, as received, and
 * a file name for them; *found false when the pair does not exist or the
 * row holds no bytes. */
int store_web_evidence(PGconn *db, const char *id, const char *evidence_id,
		       struct ebba_buf *out, char *name, size_t name_size, bool *found,
		       struct ebba_err *err);


/* Stickprov's open flags: include/ebba/store/web_flags.h. */

/* Resolves open flag flag_id with verdict ("ok", "not-ok") and note, with
 * its access_log row ("resolve", "audit_flag", client) in the same
 * transaction; *done false when the flag does not exist or was already
 * resolved. */
int store_web_flag_resolve(PGconn *db, const char *flag_id, const char *verdict,
			   const char *note, const char *client, bool *done, struct ebba_err *err);

/* The frames (Referensram): include/ebba/store/web_frames.h. */

/* The page after a person saves a decision: include/ebba/store/web_saved.h. */

#endif
