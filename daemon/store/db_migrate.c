/*
 * Schema migrations.  They are the schema/NNN_*.sql files compiled into the
 * binary; the version is NNN.  All pending ones run in one transaction under
 * an advisory lock, so two concurrent `db migrate` calls serialise and a
 * failure leaves the database as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/lib/embedded.h"

/* Arbitrary but fixed: the key of ebba's migration advisory lock. */
#define MIGRATE_LOCK_KEY "8452100417"

static int migration_version(const char *name)
{
	size_t n = strlen(name);
	if (n < 5 || strcmp(name + n - 4, ".sql") != 0)
		return 0;
	if (name[0] < '0' || name[0] > '9')
		return 0;
	return atoi(name);
}

int store_db_schema_latest(void)
{
	int latest = 0;
	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		int v = migration_version(f->name);
		if (v > latest)
			latest = v;
	}
	return latest;
}

int store_db_schema_version(PGconn *conn, int *version, struct ebba_err *err)
{
	PGresult *res = PQexec(conn,
		"select case when to_regclass('ebba.schema_migrations') is null then 0 "
		"else (select coalesce(max(version), 0) from ebba.schema_migrations) end");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading the schema version: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static int apply_one(PGconn *conn, const struct embedded_file *f, int version,
		     struct ebba_err *err)
{
	/* A migration file is several statements: PQexec runs them as one
	 * multi-statement string inside our transaction. */
	PGresult *res = PQexec(conn, f->data);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "migration %s failed: %s", f->name, store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	char vbuf[16];
	snprintf(vbuf, sizeof(vbuf), "%d", version);
	const char *params[] = {vbuf, f->name};
	return store_db_exec(conn, "insert into ebba.schema_migrations (version, name) values ($1, $2)",
		       2, params, err);
}

static int apply_pending(PGconn *conn, int current, int *to, struct ebba_err *err)
{
	int latest = store_db_schema_latest();
	/* Apply in version order whatever order the files were embedded in. */
	for (int v = current + 1; v <= latest; v++) {
		for (const struct embedded_file *f = embedded_files; f->name; f++) {
			if (migration_version(f->name) != v)
				continue;
			if (apply_one(conn, f, v, err) != 0)
				return -1;
			*to = v;
		}
	}
	return 0;
}

int store_db_migrate(PGconn *conn, int *from, int *to, struct ebba_err *err)
{
	int before = 0, after = 0;
	if (store_db_exec(conn, "begin", 0, NULL, err) != 0)
		return -1;
	if (store_db_exec(conn, "select pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, err) != 0 ||
	    store_db_exec(conn, "create schema if not exists ebba", 0, NULL, err) != 0 ||
	    store_db_exec(conn, "create table if not exists ebba.schema_migrations ("
			  " version integer primary key, name text not null,"
			  " applied_at timestamptz not null default now())", 0, NULL, err) != 0 ||
	    store_db_schema_version(conn, &before, err) != 0)
		goto fail;
	if (before > store_db_schema_latest()) {
		ebba_errf(err, "the database schema is version %d, newer than this ebba (%d)",
			  before, store_db_schema_latest());
		goto fail;
	}
	after = before;
	if (apply_pending(conn, before, &after, err) != 0)
		goto fail;
	if (store_db_exec(conn, "commit", 0, NULL, err) != 0)
		return -1;
	if (from)
		*from = before;
	if (to)
		*to = after;
	return 0;
fail:
	PQclear(PQexec(conn, "rollback"));
	return -1;
}
