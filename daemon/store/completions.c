/*
 * The e-service's answer to a komplettering, in one transaction: the
 * answer (ebba.intake_completion, which also puts the document to decide
 * again in the inbox), then each attachment.  A refusal by the database
 * rolls everything back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/completions.h"
#include "ebba/store/db.h"
#include "ebba/lib/util.h"

static enum completion_verdict verdict_of(const char *s)
{
	static const struct { const char *name; enum completion_verdict v; } names[] = {
		{"ok", COMPLETION_STORED}, {"not waiting", COMPLETION_NOT_WAITING},
		{"not found", COMPLETION_NOT_FOUND}, {"unauthenticated", COMPLETION_UNAUTHENTICATED},
		{"forbidden", COMPLETION_FORBIDDEN},
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(names[i].name, s) == 0)
			return names[i].v;
	return COMPLETION_UNAUTHENTICATED;
}

static int answer(PGconn *db, const char *token, const char *external_id, const char *document,
		  size_t document_len, enum completion_verdict *verdict, long long *id,
		  struct ebba_err *err)
{
	const char *values[] = {token, external_id, document};
	const int lengths[] = {0, 0, (int)document_len};
	const int formats[] = {0, 0, 1};
	PGresult *res = PQexecParams(db,
		"select verdict, coalesce(completion_id, 0) from ebba.intake_completion($1, $2, $3::bytea)",
		3, NULL, values, lengths, formats, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "storing a completion: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*verdict = verdict_of(PQgetvalue(res, 0, 0));
	*id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

static int attach(PGconn *db, const char *token, const char *completion,
		  const struct completion_file *f, struct ebba_err *err)
{
	const char *values[] = {token, completion, f->filename, f->media_type, f->data};
	const int lengths[] = {0, 0, 0, 0, (int)f->len};
	const int formats[] = {0, 0, 0, 0, 1};
	PGresult *res = PQexecParams(db,
		"select ebba.intake_completion_attach($1, $2::bigint, $3, $4, $5::bytea)",
		5, NULL, values, lengths, formats, 0);
	int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
	if (rc != 0)
		ebba_errf(err, "storing an attachment: %s", store_db_result_error(res));
	PQclear(res);
	return rc;
}

static int in_tx(PGconn *db, const char *token, const char *external_id, const char *document,
		 size_t document_len, const struct completion_file *files, size_t n,
		 enum completion_verdict *verdict, long long *id, struct ebba_err *err)
{
	if (answer(db, token, external_id, document, document_len, verdict, id, err) != 0)
		return -1;
	if (*verdict != COMPLETION_STORED)
		return 0;
	char num[24];
	snprintf(num, sizeof(num), "%lld", *id);
	for (size_t i = 0; i < n; i++)
		if (attach(db, token, num, &files[i], err) != 0)
			return -1;
	return 0;
}

int store_completion(PGconn *db, const char *token, const char *external_id,
		     const char *document, size_t document_len,
		     const struct completion_file *files, size_t n,
		     enum completion_verdict *verdict, long long *completion_id,
		     struct ebba_err *err)
{
	*completion_id = 0;
	if (store_db_exec(db, "begin", 0, NULL, err) != 0)
		return -1;
	if (in_tx(db, token, external_id, document, document_len, files, n, verdict,
		  completion_id, err) != 0) {
		PQclear(PQexec(db, "rollback"));
		return -1;
	}
	return store_db_exec(db, "commit", 0, NULL, err);
}

int store_request_documents(PGconn *db, const char *decision_id, const char *docs,
			    const char *text, const char *deadline, const char *letter,
			    long long *request_id, struct ebba_err *err)
{
	const char *p[] = {decision_id, docs, text ? text : "", deadline, letter};
	PGresult *res = PQexecParams(db,
		"select ebba.request_documents($1::bigint, $2::jsonb, $3, $4::date, $5)",
		5, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "%s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*request_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}
