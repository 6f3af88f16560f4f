/*
 * The SQL behind ebba-web's pages (include/ebba/store/web_pages.h).  Each
 * statement builds its page's JSON in PostgreSQL: one round trip per
 * page, and amounts and times formatted once, the Swedish way ("18 700",
 * "2026-11-24 21:13").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/frames.h"
#include "ebba/store/review.h"
#include "ebba/store/web_pages.h"

/* Whole kronor with a space between thousands. */
#define KR(x) "replace(to_char(" x ", 'FM999,999,999,990'), ',', ' ')"
#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

int store_web_json(PGconn *db, const char *sql, int n, const char *const *params,
		   json_t **out, struct ebba_err *err)
{
	*out = NULL;
	PGresult *res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "web query: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		json_error_t je;
		*out = json_loads(PQgetvalue(res, 0, 0), JSON_DECODE_ANY, &je);
		if (!*out) {
			PQclear(res);
			return ebba_errf(err, "web query: bad JSON from the database: %s", je.text);
		}
	}
	PQclear(res);
	return 0;
}

int store_web_unpack(json_t *doc, const char *what, struct ebba_err *err, const char *fmt, ...)
{
	json_error_t je;
	va_list ap;
	va_start(ap, fmt);
	int rc = json_vunpack_ex(doc, &je, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (rc != 0)
		return ebba_errf(err, "%s: %s (at %s)", what, je.text, je.source);
	return 0;
}


static bool is_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Bytes as received: a binary result, so nothing is decoded on the way. */
static int bytes_query(PGconn *db, const char *sql, int n, const char *const *params,
		       struct ebba_buf *out, PGresult **res_out, struct ebba_err *err)
{
	PGresult *res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "web query: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	buf_reset(out);
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		buf_append(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	*res_out = res;
	return 0;
}

int store_web_payload(PGconn *db, const char *id, struct ebba_buf *out, bool *found,
		      struct ebba_err *err)
{
	*found = false;
	if (!is_id(id))
		return 0;
	const char *p[] = {id};
	PGresult *res;
	if (bytes_query(db, "select i.payload from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id"
			    " where d.id = $1::bigint", 1, p, out, &res, err) != 0)
		return -1;
	*found = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

int store_web_evidence(PGconn *db, const char *id, const char *evidence_id,
		       struct ebba_buf *out, char *name, size_t name_size, bool *found,
		       struct ebba_err *err)
{
	*found = false;
	if (!is_id(id) || !is_id(evidence_id))
		return 0;
	const char *p[] = {id, evidence_id};
	PGresult *res;
	if (bytes_query(db, "select raw, source, agency from ebba.register_evidence"
			    " where decision_id = $1::bigint and id = $2::bigint and raw is not null",
			    2, p, out, &res, err) != 0)
		return -1;
	if (PQntuples(res) == 1) {
		*found = true;
		/* The source and agency are ebba's own words ("ssbtek", "PLAN"). */
		snprintf(name, name_size, "beslut-%s-underlag-%s-%s-%s.%s", id, evidence_id,
			 PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
			 strcmp(PQgetvalue(res, 0, 1), "ssbtek") == 0 ? "xml" : "json");
		for (char *c = name; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
				*c = '_';
	}
	PQclear(res);
	return 0;
}

int store_web_flag_resolve(PGconn *db, const char *flag_id, const char *verdict,
			   const char *note, const char *client, bool *done, struct ebba_err *err)
{
	*done = false;
	if (!is_id(flag_id))
		return 0;
	/* ebba.resolve_flag (schema 014): the decision's lock first, the
	 * verdict and the note in one column, the access_log row with it. */
	const char *p[] = {flag_id, verdict, nz(note), client};
	PGresult *res = PQexecParams(db, "select ebba.resolve_flag($1::bigint, $2, $3, $4)", 4, NULL, p,
				     NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "resolve flag %s: %s", flag_id, store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*done = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return 0;
}
