#include <stdlib.h>
#include <string.h>

#include "ebba/lib/base64.h"
#include "ebba/store/db.h"
#include "ebba/store/decisions.h"

static PGresult *fetch(PGconn *conn, const char *sql, const char *id, struct ebba_err *err)
{
	const char *p[] = {id};
	PGresult *res = PQexecParams(conn, sql, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	ebba_errf(err, "reading decision %s: %s", id, store_db_result_error(res));
	PQclear(res);
	return NULL;
}

int store_checks_load(PGconn *conn, const char *decision_id, struct stored_checks *out,
		       struct ebba_err *err)
{
	*out = (struct stored_checks){0};
	out->res = fetch(conn, "select check_id, result, message from ebba.decision_checks"
			       " where decision_id = $1::bigint order by ordinal, check_id",
			 decision_id, err);
	if (!out->res)
		return -1;
	out->n = (size_t)PQntuples(out->res);
	out->rows = xcalloc(out->n ? out->n : 1, sizeof(*out->rows));
	for (size_t i = 0; i < out->n; i++)
		out->rows[i] = (struct stored_check){PQgetvalue(out->res, (int)i, 0),
			PQgetvalue(out->res, (int)i, 1), PQgetvalue(out->res, (int)i, 2)};
	return 0;
}

void store_checks_free(struct stored_checks *c)
{
	free(c->rows);
	PQclear(c->res);
	*c = (struct stored_checks){0};
}

static const char DECISION_SQL[] =
	"select d.outcome, coalesce(d.amount::text, ''), coalesce(d.norm::text, ''),"
	" coalesce(d.costs::text, ''), coalesce(d.incomes::text, ''),"
	" d.ruleset_version, d.ruleset_sha256,"
	" coalesce(d.trace -> 'rules' -> 'delegation' ->> 'label', ''),"
	" encode(i.payload, 'base64'), " STORED_INPUTS_SQL
	" from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id"
	" left join ebba.decision_inputs x on x.decision_id = d.id"
	" where d.id = $1::bigint and d.decided_by = 'ebba'";

static int load_evidence(PGconn *conn, const char *id, struct stored_decision *d,
			 struct ebba_err *err)
{
	PGresult *res = d->res[1] = fetch(conn,
		"select source, status, person_ref, encode(raw, 'base64')"
		" from ebba.register_evidence where decision_id = $1::bigint"
		" and agency in ('SSBTEK', 'PLAN') order by id", id, err);
	if (!res)
		return -1;
	size_t n = (size_t)PQntuples(res);
	d->evidence = xcalloc(n ? n : 1, sizeof(*d->evidence));
	d->n_evidence = n;
	for (size_t i = 0; i < n; i++) {
		struct stored_evidence *e = &d->evidence[i];
		e->source = PQgetvalue(res, (int)i, 0);
		e->status = PQgetvalue(res, (int)i, 1);
		e->person_ref = PQgetvalue(res, (int)i, 2);
		/* PostgreSQL's base64 has line breaks; the decoder skips them. */
		const char *b64 = PQgetvalue(res, (int)i, 3);
		if (base64_decode(b64, strlen(b64), 8u << 20, &e->raw, err) != 0)
			return ebba_err_prefix(err, "decision %s: evidence", id);
		buf_putc(&e->raw, '\0');
		e->raw.len--;   /* a C string too, for the parsers */
	}
	return 0;
}

static int load_flags(PGconn *conn, const char *id, struct stored_decision *d,
		      struct ebba_err *err)
{
	PGresult *res = d->res[2] = fetch(conn,
		"select reason from ebba.audit_flags where decision_id = $1::bigint"
		" and kind = 'targeted' order by id", id, err);
	if (!res)
		return -1;
	d->n_targeted = (size_t)PQntuples(res);
	d->targeted = xcalloc(d->n_targeted ? d->n_targeted : 1, sizeof(*d->targeted));
	for (size_t i = 0; i < d->n_targeted; i++)
		d->targeted[i] = PQgetvalue(res, (int)i, 0);
	return 0;
}

int store_decision_load(PGconn *conn, const char *decision_id, struct stored_decision *out,
			 bool *found, struct ebba_err *err)
{
	*out = (struct stored_decision){0};
	*found = false;
	PGresult *res = out->res[0] = fetch(conn, DECISION_SQL, decision_id, err);
	if (!res)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	*found = true;
	const char **text[] = {&out->outcome, &out->amount, &out->norm, &out->costs, &out->incomes,
			       &out->ruleset_version, &out->ruleset_sha256, &out->delegation};
	for (int k = 0; k < 8; k++)
		*text[k] = PQgetvalue(res, 0, k);
	const char **inputs[STORED_INPUTS_COLUMNS] = {&out->inputs.decided_on,
		&out->inputs.registers_configured, &out->inputs.frame, &out->inputs.history,
		&out->inputs.register_reasons};
	for (int k = 0; k < STORED_INPUTS_COLUMNS; k++)
		*inputs[k] = PQgetvalue(res, 0, 9 + k);
	const char *b64 = PQgetvalue(res, 0, 8);
	if (base64_decode(b64, strlen(b64), 64u << 20, &out->document, err) != 0)
		return ebba_err_prefix(err, "decision %s: stored document", decision_id);
	if (store_checks_load(conn, decision_id, &out->checks, err) != 0 ||
	    load_evidence(conn, decision_id, out, err) != 0 ||
	    load_flags(conn, decision_id, out, err) != 0)
		return -1;
	return 0;
}

void store_decision_free(struct stored_decision *d)
{
	for (size_t i = 0; i < d->n_evidence; i++)
		buf_free(&d->evidence[i].raw);
	free(d->evidence);
	free(d->targeted);
	store_checks_free(&d->checks);
	buf_free(&d->document);
	for (int k = 0; k < 3; k++)
		PQclear(d->res[k]);
	*d = (struct stored_decision){0};
}
