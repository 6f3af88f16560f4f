/*
 * Retention, legal holds and the applicant's own copy: the SQL side
 * (schema/025_retention.sql).  The database decides what is past the
 * limit and removes it; this file passes the rules in force and reads
 * the answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/retention.h"
#include "ebba/lib/util.h"

static const struct {
	const char *name, *words;
} verdicts[RETENTION_N_VERDICTS] = {
	[RETENTION_REMOVE] = {"remove", "gallras"},
	[RETENTION_KEEP_HOLD] = {"keep-hold", "sparas: spärrat (rättslig spärr)"},
	[RETENTION_KEEP_BIRTHDAY] = {"keep-birthday", "sparas: född den 5, 15 eller 25"},
	[RETENTION_KEEP_ALL] = {"keep-all", "sparas: kommunen bevarar allt"},
	[RETENTION_ACCESS_LOG] = {"access-log", "loggrader äldre än gränsen gallras"},
};

const char *store_retention_verdict_name(enum retention_verdict v)
{
	return v < RETENTION_N_VERDICTS ? verdicts[v].name : "?";
}

const char *store_retention_verdict_words(enum retention_verdict v)
{
	return v < RETENTION_N_VERDICTS ? verdicts[v].words : "?";
}

static int verdict_parse(const char *s, enum retention_verdict *out)
{
	for (int v = 0; v < RETENTION_N_VERDICTS; v++)
		if (strcmp(verdicts[v].name, s) == 0) {
			*out = (enum retention_verdict)v;
			return 0;
		}
	return -1;
}

/* "{5,15,25}" */
static void days_array(const struct retention_params *p, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "{");
	for (size_t i = 0; i < p->n_keep_days && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%d", i ? "," : "", p->keep_days[i]);
	if (n < size)
		snprintf(out + n, size - n, "}");
}

int store_retention_call(PGconn *db, const struct retention_params *p, bool remove,
			 retention_row_fn fn, void *ctx, size_t *n_rows, struct ebba_err *err)
{
	char years[16], log_years[16], batch[16], days[160];
	snprintf(years, sizeof(years), "%d", p->years);
	snprintf(log_years, sizeof(log_years), "%d", p->access_log_years);
	snprintf(batch, sizeof(batch), "%d", p->batch_size);
	days_array(p, days, sizeof(days));
	const char *params[] = {years, days, p->keep_all ? "t" : "f", log_years, batch,
				remove ? "t" : "f"};
	PGresult *res = PQexecParams(db,
		"select case_id, coalesce(to_char(last_entry, 'YYYY-MM-DD'), ''), verdict, table_name,"
		" coalesce(removed, 0) from ebba.retention_run($1::int, $2::int[], $3::boolean,"
		" $4::int, $5::int, $6::boolean)", 6, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "retention: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	int rc = 0, n = PQntuples(res);
	for (int i = 0; i < n && rc == 0; i++) {
		struct retention_row row = {
			.case_id = PQgetvalue(res, i, 0),
			.last_entry = PQgetvalue(res, i, 1),
			.table = PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3),
			.removed = atoll(PQgetvalue(res, i, 4)),
		};
		if (verdict_parse(PQgetvalue(res, i, 2), &row.verdict) != 0)
			rc = ebba_errf(err, "retention: the database answered the verdict '%s'",
				       PQgetvalue(res, i, 2));
		else if (fn)
			rc = fn(&row, ctx) == 0 ? 0 : ebba_errf(err, "retention: stopped");
	}
	PQclear(res);
	*n_rows = (size_t)n;
	return rc;
}

int store_case_hold(PGconn *db, const char *case_id, const char *reason, struct ebba_err *err)
{
	const char *params[] = {case_id, reason};
	if (store_db_exec(db, "insert into ebba.case_holds (case_id, reason) values ($1, $2)", 2, params,
		    err) != 0)
		return ebba_err_prefix(err, "hold");
	return 0;
}

int store_case_release(PGconn *db, const char *case_id, bool *found, struct ebba_err *err)
{
	const char *params[] = {case_id};
	PGresult *res = PQexecParams(db, "update ebba.case_holds set released_at = now()"
				     " where case_id = $1 and released_at is null",
				     1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		ebba_errf(err, "release: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*found = atoi(PQcmdTuples(res)) > 0;
	PQclear(res);
	return 0;
}

/* "beslut/ID/brev.txt" -> ID, or NULL */
static char *letter_of(const char *path)
{
	const char *suffix = "/brev.txt";
	const char *id = str_after(path, "beslut/");
	size_t n = id ? strlen(id) : 0, s = strlen(suffix);
	if (!id || n <= s || strcmp(id + n - s, suffix) != 0)
		return NULL;
	return xstrndup(id, n - s);
}

int store_person_export(PGconn *db, const char *pnr, const char *client, export_file_fn fn,
			void *ctx, char ***letters, size_t *n_letters, struct ebba_err *err)
{
	*letters = NULL;
	*n_letters = 0;
	const char *params[] = {pnr, client};
	/* binary results: the bytes as stored, without hex */
	PGresult *res = PQexecParams(db, "select path, data from ebba.person_export($1, $2)"
				     " order by path", 2, NULL, params, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "export: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	int rc = 0, n = PQntuples(res);
	for (int i = 0; i < n && rc == 0; i++) {
		char *path = xstrndup(PQgetvalue(res, i, 0), (size_t)PQgetlength(res, i, 0));
		if (fn(path, (const unsigned char *)PQgetvalue(res, i, 1),
		       (size_t)PQgetlength(res, i, 1), ctx) != 0)
			rc = ebba_errf(err, "export: writing %s failed", path);
		char *id = letter_of(path);
		if (id) {
			*letters = xrealloc(*letters, (*n_letters + 1) * sizeof(**letters));
			(*letters)[(*n_letters)++] = id;
		}
		free(path);
	}
	PQclear(res);
	return rc;
}
