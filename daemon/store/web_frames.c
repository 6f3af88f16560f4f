/*
 * Referensram's SQL (include/ebba/store/web_frames.h).  A view or a change
 * and its access-log row are one statement (a data-modifying WITH), so one
 * transaction: there is no frame shown or written without its row.  (A
 * data-modifying WITH runs whether or not the query reads it; people may
 * insert into the log but not read it, so nothing is returned from it.)
 */
#include <stdio.h>
#include <stdlib.h>

#include "ebba/store/db.h"
#include "ebba/store/web_frames.h"
#include "ebba/store/web_pages.h"

#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"
/* The stored frame; the document as text, which case_frame_from_json
 * reads as it reads a frame from anywhere else. */
#define FRAME_JSON "json_build_object('frame', f.frame::text, 'version', f.version," \
	" 'updated_at', " TS("f.updated_at") ", 'updated_by', f.updated_by)"

/* "frame" and "latest" are left out rather than null when there is none
 * (json_strip_nulls: no value inside is null), so each is an optional key. */
int store_web_frame_view_unpack(json_t *doc, struct web_frame_view *out, struct ebba_err *err)
{
	*out = (struct web_frame_view){0};
	json_int_t version = 0, latest = -1;
	if (store_web_unpack(doc, "frame view", err, "{s?{s:s,s:I,s:s,s:s},s?I}", "frame",
			     "frame", &out->frame.frame_json, "version", &version,
			     "updated_at", &out->frame.updated_at, "updated_by", &out->frame.updated_by,
			     "latest", &latest) != 0) {
		*out = (struct web_frame_view){0};
		return -1;
	}
	out->has_frame = out->frame.frame_json != NULL;
	out->frame.version = version;
	out->has_latest = latest >= 0;
	out->latest = out->has_latest ? latest : 0;
	out->doc_ = json_incref(doc);
	return 0;
}

static int frame_query(PGconn *db, const char *sql, int n, const char *const *p,
		       struct web_frame_view *out, struct ebba_err *err)
{
	json_t *doc;
	*out = (struct web_frame_view){0};
	if (store_web_json(db, sql, n, p, &doc, err) != 0)
		return -1;
	if (!doc)
		return ebba_errf(err, "frame view: no answer");
	int rc = store_web_frame_view_unpack(doc, out, err);
	json_decref(doc);
	return rc;
}

int store_web_frame_view(PGconn *db, const char *case_id, const char *client,
			 struct web_frame_view *out, struct ebba_err *err)
{
	const char *p[] = {case_id, client};
	return frame_query(db,
		"with log as (insert into ebba.access_log (action, object_kind, object_id, client)"
		"  values ('view', 'case_frame', $1, $2))"
		" select json_strip_nulls(json_build_object("
		"  'frame', (select " FRAME_JSON " from ebba.case_frames f where f.case_id = $1),"
		"  'latest', (select max(d.id) from ebba.decisions d"
		"             where d.case_id = $1 and d.inbox_id is not null)))",
		2, p, out, err);
}

int store_web_frame(PGconn *db, const char *case_id, struct web_frame_view *out,
		    struct ebba_err *err)
{
	const char *p[] = {case_id};
	return frame_query(db, "select json_strip_nulls(json_build_object('frame', (select " FRAME_JSON
			   " from ebba.case_frames f where f.case_id = $1)))", 1, p, out, err);
}

void store_web_frame_view_free(struct web_frame_view *v)
{
	json_decref(v->doc_);
	*v = (struct web_frame_view){0};
}

/* The one integer a write statement answers (its new version), 0 for no row. */
static int written_version(PGconn *db, const char *sql, int n, const char *const *p, int *version,
			   struct ebba_err *err)
{
	*version = 0;
	PGresult *res = PQexecParams(db, sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "frame: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int store_web_frame_create(PGconn *db, const char *case_id, const char *frame_json,
			   const char *source_yaml, const char *client, int *version,
			   struct ebba_err *err)
{
	const char *p[] = {case_id, frame_json, source_yaml, client};
	return written_version(db,
		"with ins as (insert into ebba.case_frames (case_id, frame, source_yaml)"
		"  values ($1, $2::jsonb, $3) on conflict (case_id) do nothing returning version),"
		" log as (insert into ebba.access_log (action, object_kind, object_id, client)"
		"  select 'resolve', 'case_frame', $1, $4 from ins)"
		" select version from ins", 4, p, version, err);
}

int store_web_frame_update(PGconn *db, const char *case_id, const char *version,
			   const char *frame_json, const char *source_yaml, const char *client,
			   int *new_version, struct ebba_err *err)
{
	const char *p[] = {case_id, version, frame_json, source_yaml, client};
	return written_version(db,
		"with upd as (update ebba.case_frames set frame = $3::jsonb, source_yaml = $4,"
		"  updated_at = now() where case_id = $1 and version = $2::integer returning version),"
		" log as (insert into ebba.access_log (action, object_kind, object_id, client)"
		"  select 'resolve', 'case_frame', $1, $5 from upd)"
		" select version from upd", 5, p, new_version, err);
}
