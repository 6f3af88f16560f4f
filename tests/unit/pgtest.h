/*
 * For unit tests that need a real database: tests/run starts a throwaway
 * cluster and exports PGHOST/PGPORT/PGUSER; each test file makes its own
 * database in it and migrates it.
 */
#ifndef EBBA_PGTEST_H
#define EBBA_PGTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ebba/store/db.h"

/* Creates database NAME_<pid>, migrates it, and returns a connection. */
static inline PGconn *pgtest_fresh_db(const char *name)
{
	struct ebba_err err;
	PGconn *admin = store_db_connect("dbname=postgres", "test", 0, &err);
	if (!admin) {
		fprintf(stderr, "pgtest: %s (run through tests/run, which starts PostgreSQL)\n", err.msg);
		exit(2);
	}
	char db[128], sql[256], conninfo[160];
	snprintf(db, sizeof(db), "%s_%d", name, (int)getpid());
	snprintf(sql, sizeof(sql), "create database %s", db);
	if (store_db_exec(admin, sql, 0, NULL, &err) != 0) {
		fprintf(stderr, "pgtest: %s\n", err.msg);
		exit(2);
	}
	PQfinish(admin);
	snprintf(conninfo, sizeof(conninfo), "dbname=%s", db);
	PGconn *conn = store_db_connect(conninfo, "test", 0, &err);
	if (!conn || store_db_migrate(conn, NULL, NULL, &err) != 0) {
		fprintf(stderr, "pgtest: %s\n", err.msg);
		exit(2);
	}
	return conn;
}

#endif
