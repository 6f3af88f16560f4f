/*
 * A decision's letter as stored: its text and its write-once PDF
 * (include/ebba/store/letter_pdfs.h).  The PDF travels as binary, in both
 * directions, so nothing is escaped or decoded on the way.
 */
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/letter_pdfs.h"

static bool is_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static PGresult *binary_query(PGconn *db, const char *what, const char *sql, int n,
			      const char *const *values, const int *lengths, const int *formats,
			      struct ebba_err *err)
{
	PGresult *res = PQexecParams(db, sql, n, NULL, values, lengths, formats, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "%s: %s", what, store_db_result_error(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

/* A binary bytea of 32 bytes as hex; "" if it is not one. */
static void sha_hex(const PGresult *res, int col, char out[65])
{
	out[0] = '\0';
	if (!PQgetisnull(res, 0, col) && PQgetlength(res, 0, col) == 32)
		hex_encode(PQgetvalue(res, 0, col), 32, out);
}

int store_letter_load(PGconn *db, const char *decision_id, struct stored_letter *out, bool *found,
		      struct ebba_err *err)
{
	*out = (struct stored_letter){0};
	*found = false;
	if (!is_id(decision_id))
		return 0;
	/* binary results: the text as UTF-8 whatever the client encoding, the
	 * digest as 32 bytes */
	PGresult *res = binary_query(db, "reading the letter",
		"select convert_to(l.body, 'UTF8'), l.sha256,"
		" convert_to(to_char(d.decided_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'UTF8'),"
		" exists (select 1 from ebba.letter_pdfs p where p.decision_id = l.decision_id)"
		" from ebba.letters l join ebba.decisions d on d.id = l.decision_id"
		" where l.decision_id = $1::bigint", 1, &decision_id, NULL, NULL, err);
	if (!res)
		return -1;
	if (PQntuples(res) == 1) {
		*found = true;
		buf_append(&out->body, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
		sha_hex(res, 1, out->body_sha256);
		int n = PQgetlength(res, 0, 2);
		if (n > 0 && (size_t)n < sizeof(out->created)) {
			memcpy(out->created, PQgetvalue(res, 0, 2), (size_t)n);
			out->created[n] = '\0';
		}
		out->has_pdf = PQgetvalue(res, 0, 3)[0] != 0;
	}
	PQclear(res);
	if (!out->body.data)
		buf_puts(&out->body, "");
	return 0;
}

void store_letter_free(struct stored_letter *l)
{
	buf_free(&l->body);
}

int store_letter_pdf_fetch(PGconn *db, const char *decision_id, struct ebba_buf *pdf,
			   char sha256[65], bool *found, struct ebba_err *err)
{
	*found = false;
	sha256[0] = '\0';
	buf_reset(pdf);
	if (!is_id(decision_id))
		return 0;
	PGresult *res = binary_query(db, "reading the letter's PDF",
		"select pdf, sha256 from ebba.letter_pdfs where decision_id = $1::bigint",
		1, &decision_id, NULL, NULL, err);
	if (!res)
		return -1;
	if (PQntuples(res) == 1) {
		*found = true;
		buf_append(pdf, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
		sha_hex(res, 1, sha256);
	}
	PQclear(res);
	return 0;
}

int store_letter_pdf_offer(PGconn *db, const char *decision_id, const struct ebba_buf *pdf,
			   const char *body_sha256, const char *renderer, struct ebba_buf *stored,
			   char sha256[65], bool *first, struct ebba_err *err)
{
	*first = false;
	sha256[0] = '\0';
	buf_reset(stored);
	if (!is_id(decision_id))
		return ebba_errf(err, "storing the letter's PDF: no decision '%s'", decision_id);
	if (pdf->len > (size_t)1 << 30)
		return ebba_errf(err, "storing the letter's PDF: %zu bytes", pdf->len);
	const char *values[] = {decision_id, pdf->data, body_sha256, renderer};
	const int lengths[] = {0, (int)pdf->len, 0, 0};
	const int formats[] = {0, 1, 0, 0};
	PGresult *res = binary_query(db, "storing the letter's PDF",
		"select pdf, sha256, stored from ebba.letter_pdf_store($1::bigint, $2::bytea,"
		" decode($3, 'hex'), $4)", 4, values, lengths, formats, err);
	if (!res)
		return -1;
	int rc = 0;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		rc = ebba_errf(err, "storing the letter's PDF: the database stored none (try again)");
	else {
		buf_append(stored, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
		sha_hex(res, 1, sha256);
		*first = PQgetvalue(res, 0, 2)[0] != 0;
	}
	PQclear(res);
	return rc;
}
