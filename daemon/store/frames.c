#include <stdlib.h>
#include <string.h>

#include "ebba/lib/log.h"
#include "ebba/store/db.h"
#include "ebba/store/frames.h"
#include "pg_text.h"

/* The case ids as a text[] literal for = any($1). */
static char *case_id_array(const struct frame_slot *slots, size_t n)
{
	struct ebba_buf b = {0};
	buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ',');
		pg_array_text(&b, slots[i].case_id);
	}
	buf_putc(&b, '}');
	return buf_steal(&b);
}

static void take_frame(const struct frame_slot *slots, size_t n, const char *case_id,
		       const char *json)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(slots[i].case_id, case_id) != 0)
			continue;
		struct ebba_err ferr;
		*slots[i].found = case_frame_from_json(json, strlen(json), slots[i].frame, &ferr) == 0;
		if (!*slots[i].found)
			log_warn("case %s: stored frame is invalid: %s", case_id, ferr.msg);
	}
}

int frames_load_batch(PGconn *conn, const struct frame_slot *slots, size_t n,
		      struct ebba_err *err)
{
	if (n == 0)
		return 0;
	char *ids = case_id_array(slots, n);
	const char *params[] = {ids};
	PGresult *res = PQexecParams(conn,
		"select case_id, frame::text from ebba.case_frames where case_id = any($1::text[])",
		1, NULL, params, NULL, NULL, 0);
	free(ids);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading case frames: %s", db_result_error(res));
		PQclear(res);
		return -1;
	}
	for (int r = 0; r < PQntuples(res); r++)
		take_frame(slots, n, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
	PQclear(res);
	return 0;
}

int frames_put(PGconn *conn, const char *case_id, const char *frame_json,
	       const char *source_yaml, struct ebba_err *err)
{
	const char *params[] = {case_id, frame_json, source_yaml};
	return db_exec(conn,
		"insert into ebba.case_frames (case_id, frame, source_yaml) values ($1, $2::jsonb, $3)"
		" on conflict (case_id) do update set frame = excluded.frame,"
		" source_yaml = excluded.source_yaml, updated_at = now(), updated_by = current_user",
		3, params, err);
}

int frames_get_json(PGconn *conn, const char *case_id, char **json, struct ebba_err *err)
{
	*json = NULL;
	const char *params[] = {case_id};
	PGresult *res = PQexecParams(conn, "select frame::text from ebba.case_frames where case_id = $1",
				     1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading the frame of case %s: %s", case_id, db_result_error(res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1)
		*json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
