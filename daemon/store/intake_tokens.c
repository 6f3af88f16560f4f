/*
 * The intake API's tokens (schema/008_intake_tokens.sql).  A token is 256
 * bits from getrandom() in hex; the database stores and compares only its
 * SHA-256 (sha256() in SQL), so the token never has to be kept anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ebba/lib/util.h"
#include "ebba/store/db.h"
#include "ebba/store/intake_tokens.h"

#define ISO_UTC(col) "coalesce(to_char(" col " at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"

bool store_token_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 63 || name[0] < 'a' || name[0] > 'z')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static void copy_field(char *dst, size_t size, const PGresult *res, int row, int col)
{
	snprintf(dst, size, "%s", PQgetvalue(res, row, col));
}

int store_token_add(PGconn *db, const char *name, const char *role,
		    char token[INTAKE_TOKEN_LEN + 1], bool *in_intake, struct ebba_err *err)
{
	unsigned char r[INTAKE_TOKEN_LEN / 2];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return ebba_errf(err, "getrandom: no random bytes for a token");
	hex_encode(r, sizeof(r), token);
	explicit_bzero(r, sizeof(r));
	const char *params[] = {name, token, role};
	PGresult *res = PQexecParams(db,
		"insert into ebba.intake_tokens (name, sha256, role)"
		" select $1, sha256(convert_to($2, 'UTF8')), rolname from pg_roles where rolname = $3"
		" returning pg_has_role(role, 'ebba_intake', 'MEMBER')",
		3, NULL, params, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = ebba_errf(err, "adding token %s: %s", name, store_db_result_error(res));
	else if (PQntuples(res) != 1)
		rc = ebba_errf(err, "adding token %s: there is no role %s", name, role);
	else
		*in_intake = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (rc != 0)
		explicit_bzero(token, INTAKE_TOKEN_LEN + 1);
	return rc;
}

int store_token_revoke(PGconn *db, const char *name, bool *found, struct ebba_err *err)
{
	const char *params[] = {name};
	PGresult *res = PQexecParams(db,
		"update ebba.intake_tokens set revoked_at = now() where name = $1 and revoked_at is null",
		1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		ebba_errf(err, "revoking token %s: %s", name, store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*found = atoi(PQcmdTuples(res)) == 1;
	PQclear(res);
	return 0;
}

int store_token_list(PGconn *db, struct store_token **out, size_t *n, struct ebba_err *err)
{
	*out = NULL;
	*n = 0;
	PGresult *res = PQexec(db,
		"select name, role, " ISO_UTC("created_at") ", created_by, " ISO_UTC("revoked_at") ","
		" exists (select 1 from pg_roles where rolname = role)"
		"   and pg_has_role(role, 'ebba_intake', 'MEMBER')"
		" from ebba.intake_tokens order by name");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "listing tokens: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	size_t rows = (size_t)PQntuples(res);
	struct store_token *t = rows ? xcalloc(rows, sizeof(*t)) : NULL;
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		copy_field(t[i].name, sizeof(t[i].name), res, r, 0);
		copy_field(t[i].role, sizeof(t[i].role), res, r, 1);
		copy_field(t[i].created_at, sizeof(t[i].created_at), res, r, 2);
		copy_field(t[i].created_by, sizeof(t[i].created_by), res, r, 3);
		copy_field(t[i].revoked_at, sizeof(t[i].revoked_at), res, r, 4);
		t[i].in_intake = strcmp(PQgetvalue(res, r, 5), "t") == 0;
	}
	PQclear(res);
	*out = t;
	*n = rows;
	return 0;
}

/* The verdicts the functions of schema/008 answer with. */
static enum intake_verdict verdict_of(const char *s)
{
	static const struct { const char *name; enum intake_verdict v; } names[] = {
		{"created", INTAKE_CREATED}, {"exists", INTAKE_EXISTS}, {"conflict", INTAKE_CONFLICT},
		{"unauthenticated", INTAKE_UNAUTHENTICATED}, {"forbidden", INTAKE_FORBIDDEN},
		{"not found", INTAKE_NOT_FOUND}, {"ok", INTAKE_OK}, {"render", INTAKE_RENDER},
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(names[i].name, s) == 0)
			return names[i].v;
	return INTAKE_UNAUTHENTICATED;
}

int store_intake_token_check(PGconn *db, const char *token, enum intake_verdict *verdict,
			     struct ebba_err *err)
{
	const char *params[] = {token};
	PGresult *res = PQexecParams(db, "select verdict from ebba.intake_token_check($1)",
				     1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "checking a token: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*verdict = verdict_of(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int store_intake_submit(PGconn *db, const char *token, const char *external_id,
			const char *case_id, const char *period, const char *payload,
			size_t len, enum intake_verdict *verdict, int64_t *inbox_id,
			struct ebba_err *err)
{
	const char *params[] = {token, external_id, case_id, period, payload};
	int lengths[] = {0, 0, 0, 0, (int)len};
	int formats[] = {0, 0, 0, 0, 1};
	PGresult *res = PQexecParams(db,
		"select verdict, coalesce(inbox_id, 0) from ebba.intake_submit($1, $2, $3, $4, $5)",
		5, NULL, params, lengths, formats, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "submitting to the inbox: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*verdict = verdict_of(PQgetvalue(res, 0, 0));
	*inbox_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

int store_intake_status(PGconn *db, const char *token, const char *external_id,
			enum intake_verdict *verdict, struct intake_status *out,
			struct ebba_err *err)
{
	/* (the events' buffer is kept: called again on a fresh connection) */
	struct ebba_buf events = out->events;
	buf_reset(&events);
	*out = (struct intake_status){.events = events};
	const char *params[] = {token, external_id};
	PGresult *res = PQexecParams(db,
		"select verdict, coalesce(state, ''), " ISO_UTC("received_at") ", coalesce(outcome, ''),"
		" amount, " ISO_UTC("decided_at") ", coalesce(reviewed, false), coalesce(events, '[]')"
		" from ebba.intake_status($1, $2)",
		2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "reading a submission's state: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*verdict = verdict_of(PQgetvalue(res, 0, 0));
	copy_field(out->state, sizeof(out->state), res, 0, 1);
	copy_field(out->received_at, sizeof(out->received_at), res, 0, 2);
	copy_field(out->outcome, sizeof(out->outcome), res, 0, 3);
	out->has_amount = !PQgetisnull(res, 0, 4);
	out->amount = out->has_amount ? strtoll(PQgetvalue(res, 0, 4), NULL, 10) : 0;
	copy_field(out->decided_at, sizeof(out->decided_at), res, 0, 5);
	out->reviewed = strcmp(PQgetvalue(res, 0, 6), "t") == 0;
	buf_puts(&out->events, PQgetvalue(res, 0, 7));
	PQclear(res);
	return 0;
}

void store_intake_status_free(struct intake_status *st)
{
	buf_free(&st->events);
}

/* A binary result's column as a NUL-terminated string into dst. */
static void copy_binary(char *dst, size_t size, const PGresult *res, int col)
{
	size_t n = PQgetisnull(res, 0, col) ? 0 : (size_t)PQgetlength(res, 0, col);
	if (n >= size)
		n = 0;
	memcpy(dst, PQgetvalue(res, 0, col), n);
	dst[n] = '\0';
}

int store_intake_letter(PGconn *db, const char *token, const char *external_id, int n,
			const struct ebba_buf *offer, const char *body_sha256, const char *renderer,
			enum intake_verdict *verdict, struct intake_letter *out, struct ebba_err *err)
{
	buf_reset(&out->pdf);
	buf_reset(&out->body);
	out->decision_id[0] = out->body_sha256[0] = out->created[0] = '\0';
	if (offer && offer->len > (size_t)1 << 30)
		return ebba_errf(err, "offering a letter's PDF: %zu bytes", offer->len);
	char num[16];
	snprintf(num, sizeof(num), "%d", n);
	const char *values[] = {token, external_id, num, offer ? offer->data : NULL,
				offer ? body_sha256 : NULL, offer ? renderer : NULL};
	const int lengths[] = {0, 0, 0, offer ? (int)offer->len : 0, 0, 0};
	const int formats[] = {0, 0, 0, 1, 0, 0};
	/* binary results: the PDF as it is, the text as UTF-8 whatever the
	 * client encoding */
	PGresult *res = PQexecParams(db,
		"select verdict, coalesce(decision_id::text, ''), convert_to(coalesce(body, ''), 'UTF8'),"
		" coalesce(encode(body_sha256, 'hex'), ''), coalesce(created, ''), pdf"
		" from ebba.intake_letter($1, $2, $3::int, $4::bytea, decode($5, 'hex'), $6)",
		6, NULL, values, lengths, formats, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "reading an application's letter: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	char v[24];
	copy_binary(v, sizeof(v), res, 0);
	*verdict = verdict_of(v);
	copy_binary(out->decision_id, sizeof(out->decision_id), res, 1);
	buf_append(&out->body, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
	copy_binary(out->body_sha256, sizeof(out->body_sha256), res, 3);
	copy_binary(out->created, sizeof(out->created), res, 4);
	if (!PQgetisnull(res, 0, 5))
		buf_append(&out->pdf, PQgetvalue(res, 0, 5), (size_t)PQgetlength(res, 0, 5));
	PQclear(res);
	if (*verdict == INTAKE_OK && out->pdf.len == 0)
		return ebba_errf(err, "reading an application's letter: the database answered without the PDF");
	return 0;
}

void store_intake_letter_free(struct intake_letter *l)
{
	buf_free(&l->pdf);
	buf_free(&l->body);
}

int store_intake_notify(PGconn *db, struct ebba_err *err)
{
	return store_db_exec(db, "select pg_notify('ebba_inbox', '')", 0, NULL, err);
}
