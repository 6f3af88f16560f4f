/*
 * ebba.case_protection (schema 023): the names of its sources, and the
 * two functions a member of ebba_protected sets or lifts it with.
 */
#include <string.h>

#include "ebba/lib/util.h"
#include "ebba/store/db.h"
#include "ebba/store/protection.h"

static const struct {
	const char *name, *words;
} SOURCES[PROTECTION_SOURCE_COUNT] = {
	[PROTECTION_FRAME] = {"frame", "referensramen"},
	[PROTECTION_MANUAL] = {"manual", "skyddat för hand"},
	[PROTECTION_AF_SEKRETESS] = {"af-sekretessmarkering", "sekretessmarkering hos Arbetsförmedlingen"},
};

const char *store_protection_source_name(enum protection_source s)
{
	return (unsigned)s < PROTECTION_SOURCE_COUNT ? SOURCES[s].name : "?";
}

const char *store_protection_source_words(enum protection_source s)
{
	return (unsigned)s < PROTECTION_SOURCE_COUNT ? SOURCES[s].words : "?";
}

int store_protection_source_from_name(const char *name)
{
	for (int i = 0; i < PROTECTION_SOURCE_COUNT; i++)
		if (strcmp(SOURCES[i].name, name) == 0)
			return i;
	return -1;
}

/* select FN($1, $2): one boolean. */
static int call_bool(PGconn *db, const char *sql, const char *case_id, const char *client,
		     bool *out, struct ebba_err *err)
{
	const char *p[] = {case_id, client};
	PGresult *res = PQexecParams(db, sql, 2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "%s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

int store_case_protect(PGconn *db, const char *case_id, const char *client, bool *changed,
		       struct ebba_err *err)
{
	return call_bool(db, "select ebba.case_protect($1, $2)", case_id, client, changed, err);
}

int store_case_unprotect(PGconn *db, const char *case_id, const char *client, bool *changed,
			 struct ebba_err *err)
{
	return call_bool(db, "select ebba.case_unprotect($1, $2)", case_id, client, changed, err);
}

int store_protection_writer_ok(PGconn *db, struct ebba_err *err)
{
	PGresult *res = PQexec(db,
		"select r.rolname, coalesce((select c.relrowsecurity from pg_class c"
		"   where c.oid = to_regclass('ebba.decisions')), false)"
		"   and not (r.rolsuper or r.rolbypassrls)"
		" from pg_roles r where r.rolname = current_user");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "reading this role's attributes: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	int rc = 0;
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		rc = ebba_errf(err, "role %s cannot write decisions under the row-level policies of schema 24:"
			       " ALTER ROLE %s BYPASSRLS (docs/architecture.md §7, \"Protected cases\")",
			       PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int store_case_protection(PGconn *db, const char *case_id, unsigned *sources,
			  struct ebba_err *err)
{
	const char *p[] = {case_id};
	*sources = 0;
	PGresult *res = PQexecParams(db, "select source from ebba.case_protection where case_id = $1",
				     1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading the protection of case %s: %s", case_id, store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		int s = store_protection_source_from_name(PQgetvalue(res, i, 0));
		if (s >= 0)
			*sources |= 1u << s;
	}
	PQclear(res);
	return 0;
}
