/*
 * Completing a batch: one transaction that fences the inbox rows by the
 * lease and writes the decisions of exactly the fenced rows with COPY.
 *
 *   begin
 *   update inbox ... from unnest(ids, attempts, states, errors)
 *       where lease_owner = owner and attempts = attempt   -> fenced ids
 *   nextval(decisions_id_seq) once per fenced decision    -> decision ids
 *   ebba.add_case_people(arrays) (schemas 025, 031), then copy decisions,
 *       decision_checks,
 *       register_evidence, audit_flags, letters, auto_document_requests
 *       (schema 030: only the referrals ebba asks about by itself),
 *       decision_inputs (schema 032: what replay and what-if decide from)
 *   commit
 *
 * Why COPY and not one statement over a JSON document (what this replaced):
 * `make bench` showed PostgreSQL spending most of the completion copying
 * the batch's big JSON tuples in and out of CTE tuplestores and picking
 * them apart with ->> (memmove and json_lex at the top of the profile).
 * COPY rows are parsed once, straight into the tables.  A worker whose
 * lease was taken over gets no fenced rows and writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/queue.h"
#include "pg_text.h"

/* ------------------------------------------------------------- tables */

/* What goes to each table, as COPY text. */
struct copy_set {
	struct ebba_buf decisions, checks, evidence, flags, letters, requests, inputs;
	/* the persons as array literals, one per column (schema 031) */
	struct ebba_buf people_case, people_pnr, people_role, people_inbox;
};

/*
 * The buffers are the caller's scratch space (§14.15), kept from batch to
 * batch and only reset: growing about a megabyte of COPY text from nothing
 * for every batch cost ebbad 3 % of its CPU in realloc copies.  What is
 * kept is what the largest batch needed, so memory stays flat.  Measure
 * again: allocations per decision with BENCH_EBBAD_WRAP (contrib/bench/run.sh).
 */
struct queue_scratch {
	struct copy_set copy;
};

struct queue_scratch *store_queue_scratch_new(void)
{
	return xcalloc(1, sizeof(struct queue_scratch));
}

/* fn on every buffer of c: the one list of them */
static void copy_set_each(struct copy_set *c, void (*fn)(struct ebba_buf *))
{
	struct ebba_buf *all[] = {&c->decisions, &c->checks, &c->evidence, &c->flags, &c->letters,
				  &c->people_case, &c->people_pnr, &c->people_role, &c->people_inbox,
				  &c->requests, &c->inputs};
	for (size_t i = 0; i < ARRAY_LEN(all); i++)
		fn(all[i]);
}

void store_queue_scratch_free(struct queue_scratch *s)
{
	if (!s)
		return;
	copy_set_each(&s->copy, buf_free);
	free(s);
}

static struct copy_set *copy_set_take(struct queue_scratch *s)
{
	copy_set_each(&s->copy, buf_reset);
	return &s->copy;
}

static void put_text(struct ebba_buf *b, const char *s)
{
	pg_copy_field(b, s);
	pg_copy_sep(b, false);
}

static void put_amount(struct ebba_buf *b, bool has, int64_t v)
{
	if (has)
		pg_copy_int(b, v);
	else
		buf_puts(b, "\\N");
	pg_copy_sep(b, false);
}

static void add_decision(struct copy_set *c, int64_t id, int64_t inbox_id, long long follows,
			 const struct decision *d)
{
	struct ebba_buf *b = &c->decisions;
	pg_copy_id(b, id);
	pg_copy_id(b, inbox_id);
	if (follows)
		pg_copy_int(b, follows);
	else
		pg_copy_field(b, NULL);
	pg_copy_sep(b, false);
	put_text(b, d->external_id);
	put_text(b, d->case_id);
	put_text(b, d->period);
	put_text(b, d->outcome);
	put_amount(b, d->has_amount, d->amount);
	put_amount(b, d->has_amount, d->norm);
	put_amount(b, d->has_amount, d->costs);
	put_amount(b, d->has_amount, d->incomes);
	put_text(b, d->ruleset_name);
	put_text(b, d->ruleset_version);
	put_text(b, d->ruleset_sha256);
	pg_copy_field(b, d->trace.len ? d->trace.data : NULL);
	pg_copy_sep(b, true);
}

static void add_checks(struct copy_set *c, int64_t id, const struct decision *d)
{
	struct ebba_buf *b = &c->checks;
	for (size_t i = 0; i < d->n_checks; i++) {
		const struct decision_check *ck = &d->checks[i];
		pg_copy_id(b, id);
		put_text(b, ck->id);
		put_text(b, rule_result_name(ck->result));
		put_text(b, ck->message ? ck->message : "");
		put_text(b, ck->outcome);
		pg_copy_int(b, ck->ordinal);
		pg_copy_sep(b, true);
	}
}

static void add_evidence(struct copy_set *c, int64_t id, const struct decision *d)
{
	struct ebba_buf *b = &c->evidence;
	for (size_t i = 0; i < d->n_evidence; i++) {
		const struct decision_evidence *e = &d->evidence[i];
		pg_copy_id(b, id);
		put_text(b, e->source);
		put_text(b, e->agency);
		put_text(b, e->person_ref);
		put_text(b, e->status);
		put_text(b, e->fetched_at);
		put_text(b, e->sha256);
		pg_copy_bytea(b, e->raw, e->raw_len);
		pg_copy_sep(b, true);
	}
}

static void add_flags_letter(struct copy_set *c, int64_t id, const struct decision *d)
{
	for (size_t i = 0; i < d->n_flags; i++) {
		const struct decision_flag *f = &d->flags[i];
		pg_copy_id(&c->flags, id);
		put_text(&c->flags, decision_flag_kind_name(f->kind));
		put_text(&c->flags, f->reason);
		pg_copy_field(&c->flags, f->draw);
		pg_copy_sep(&c->flags, true);
	}
	if (d->letter && !d->request_documents) {   /* a request's letter goes with it */
		pg_copy_id(&c->letters, id);
		pg_copy_field(&c->letters, d->letter);
		pg_copy_sep(&c->letters, true);
	}
}

/*
 * ebba's own request for documents (schema 030): the referral whose every
 * failed check has outcome complete, with its letter.  Both go through
 * the view ebba.auto_document_requests, whose trigger writes the request
 * (requested_by ebba) and the letter together, or neither when a person
 * should look instead; the outbox trigger on the letter and the API's
 * events (documents_requested) then see a caseworker's request.  Nothing
 * for any other decision.
 */
static void add_request(struct copy_set *c, int64_t id, const struct decision *d)
{
	if (!d->request_documents || !d->request_deadline || !d->letter)
		return;
	pg_copy_id(&c->requests, id);
	put_text(&c->requests, d->request_documents);
	put_text(&c->requests, d->request_deadline);
	pg_copy_field(&c->requests, d->letter);
	pg_copy_sep(&c->requests, true);
}

/*
 * What replay and what-if decide from (ebba.decision_inputs, schema 032),
 * from the texts the record kept beside its trace: nothing is parsed
 * again.  An untraced decision (none reaches here) would have none.
 */
static void add_inputs(struct copy_set *c, int64_t id, const struct decision *d)
{
	const struct decision_replay_inputs *in = &d->inputs;
	if (!in->decided_on)
		return;
	struct ebba_buf *b = &c->inputs;
	pg_copy_id(b, id);
	put_text(b, in->decided_on);
	put_text(b, in->registers_configured ? "t" : "f");
	pg_copy_field(b, in->frame);
	pg_copy_sep(b, false);
	pg_copy_field(b, in->history);
	pg_copy_sep(b, false);
	pg_copy_field(b, in->register_reasons);
	pg_copy_sep(b, true);
}

/* Who the case is about (ebba.case_people, schema 025): the persons of the
 * document as parsed, so the database need not parse it again.  Array
 * elements, each after a comma; write_people closes them. */
static void add_people(struct copy_set *c, int64_t inbox_id, const struct decision *d,
		       const struct application *app)
{
	for (size_t i = 0; app && i < app->n_persons; i++) {
		buf_putc(&c->people_case, ',');
		pg_array_text(&c->people_case, d->case_id);
		buf_putc(&c->people_pnr, ',');
		pg_array_text(&c->people_pnr, app->persons[i].pnr);
		buf_putc(&c->people_role, ',');
		pg_array_text(&c->people_role, person_role_name(app->persons[i].role));
		buf_printf(&c->people_inbox, ",%lld", (long long)inbox_id);
	}
}

/* "{a,b,...}" from ",a,b,..." in place: the arrays of add_people. */
static const char *array_literal(struct ebba_buf *b)
{
	if (b->len == 0)
		buf_putc(b, '{');
	else
		b->data[0] = '{';
	buf_putc(b, '}');
	return b->data;
}

/*
 * The persons in one statement that keys them (ebba.add_case_people,
 * schema 031): a COPY ran the keying trigger once a row, an executor each.
 */
static int write_people(PGconn *conn, struct copy_set *c, struct ebba_err *err)
{
	if (c->people_pnr.len == 0)
		return 0;
	const char *params[] = {array_literal(&c->people_case), array_literal(&c->people_pnr),
				array_literal(&c->people_role), array_literal(&c->people_inbox)};
	return store_db_exec(conn, "select ebba.add_case_people($1::text[], $2::text[], $3::text[],"
			     " $4::bigint[])", 4, params, err);
}

/* ------------------------------------------------------------ database */

static int exec_ok(PGconn *conn, const char *sql, struct ebba_err *err)
{
	PGresult *res = PQexec(conn, sql);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0
		: ebba_errf(err, "%s: %s", sql, store_db_result_error(res));
	PQclear(res);
	return rc;
}

static int copy_in(PGconn *conn, const char *sql, const struct ebba_buf *rows,
		   struct ebba_err *err)
{
	if (rows->len == 0)
		return 0;
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		ebba_errf(err, "%s: %s", sql, store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	int rc = 0;
	if (PQputCopyData(conn, rows->data, (int)rows->len) != 1 || PQputCopyEnd(conn, NULL) != 1)
		rc = ebba_errf(err, "%s: %s", sql, PQerrorMessage(conn));
	while ((res = PQgetResult(conn))) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = ebba_errf(err, "%s: %s", sql, store_db_result_error(res));
		PQclear(res);
	}
	return rc;
}

/*
 * With each fenced row, the referral it decides again (a komplettering's
 * or a register retry's application, schema 031), or NULL: one look-up for
 * the batch, so that no row-level trigger has to ask for every decision.
 */
static const char FENCE_SQL[] =
	"with f as ("
	" update ebba.inbox i set state = r.state, error = r.error,"
	"  lease_owner = null, lease_expires = null, updated_at = now()"
	" from unnest($2::bigint[], $3::int[], $4::text[], $5::text[]) as r(id, attempt, state, error)"
	" where i.id = r.id and i.lease_owner = $1 and i.attempts = r.attempt"
	"   and i.state = 'processing'"
	" returning i.id)"
	" select f.id, x.decision_id from f left join ebba.redecisions($2::bigint[]) x on x.inbox_id = f.id";

static const char *outcome_name(enum queue_outcome o)
{
	return o == QUEUE_DECIDED ? "decided" : "quarantined";
}

/*
 * Updates the rows still leased to owner; fenced[i] says whether results[i]
 * was, follows[i] the referral it decides again (0: none).
 */
static int fence(PGconn *conn, const char *owner, const struct queue_result *results, size_t n,
		 bool *fenced, long long *follows, long *count, struct ebba_err *err)
{
	struct ebba_buf a[4] = {{0}};
	for (int k = 0; k < 4; k++)
		buf_putc(&a[k], '{');
	for (size_t i = 0; i < n; i++) {
		const char *sep = i ? "," : "";
		buf_printf(&a[0], "%s%lld", sep, (long long)results[i].inbox_id);
		buf_printf(&a[1], "%s%d", sep, results[i].attempt);
		buf_puts(&a[2], sep);
		pg_array_text(&a[2], outcome_name(results[i].state));
		buf_puts(&a[3], sep);
		pg_array_text(&a[3], results[i].error);
	}
	for (int k = 0; k < 4; k++)
		buf_putc(&a[k], '}');
	const char *params[] = {owner, a[0].data, a[1].data, a[2].data, a[3].data};
	PGresult *res = PQexecParams(conn, FENCE_SQL, 5, NULL, params, NULL, NULL, 0);
	for (int k = 0; k < 4; k++)
		buf_free(&a[k]);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "completing a batch: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*count = PQntuples(res);
	for (int t = 0; t < PQntuples(res); t++) {
		long long id = atoll(PQgetvalue(res, t, 0));
		long long referral = PQgetisnull(res, t, 1) ? 0 : atoll(PQgetvalue(res, t, 1));
		for (size_t i = 0; i < n; i++)
			if (results[i].inbox_id == id) {
				fenced[i] = true;
				follows[i] = referral;
			}
	}
	PQclear(res);
	return 0;
}

/* n new decision ids in one round trip. */
static int next_ids(PGconn *conn, size_t n, long long *ids, struct ebba_err *err)
{
	char count[24];
	snprintf(count, sizeof(count), "%zu", n);
	const char *params[] = {count};
	PGresult *res = PQexecParams(conn,
		"select nextval('ebba.decisions_id_seq') from generate_series(1, $1::int)",
		1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || (size_t)PQntuples(res) != n) {
		ebba_errf(err, "allocating decision ids: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		ids[i] = atoll(PQgetvalue(res, (int)i, 0));
	PQclear(res);
	return 0;
}

static void build_rows(const struct queue_result *results, size_t n, const bool *fenced,
		       const long long *follows, const long long *ids, struct copy_set *c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct decision *d = results[i].decision;
		if (!fenced[i] || !d)
			continue;
		int64_t id = ids[k++];
		add_decision(c, id, results[i].inbox_id, follows[i], d);
		add_checks(c, id, d);
		add_evidence(c, id, d);
		add_flags_letter(c, id, d);
		add_request(c, id, d);
		add_inputs(c, id, d);
		add_people(c, results[i].inbox_id, d, results[i].app);
	}
}

static int write_rows(PGconn *conn, struct copy_set *c, struct ebba_err *err)
{
	/* the persons first: the decisions' trigger then finds them there and
	 * parses no document (schema 025) */
	if (write_people(conn, c, err) != 0 ||
	    copy_in(conn, "copy ebba.decisions (id, inbox_id, redecides_decision_id, external_id,"
		    " case_id, period, outcome,"
		    " amount, norm, costs, incomes, ruleset_name, ruleset_version, ruleset_sha256,"
		    " trace) from stdin", &c->decisions, err) != 0 ||
	    copy_in(conn, "copy ebba.decision_checks (decision_id, check_id, result, message,"
		    " outcome, ordinal) from stdin", &c->checks, err) != 0 ||
	    copy_in(conn, "copy ebba.register_evidence (decision_id, source, agency, person_ref,"
		    " status, fetched_at, sha256, raw) from stdin", &c->evidence, err) != 0 ||
	    copy_in(conn, "copy ebba.audit_flags (decision_id, kind, reason, draw) from stdin",
		    &c->flags, err) != 0 ||
	    copy_in(conn, "copy ebba.letters (decision_id, body) from stdin", &c->letters, err) != 0 ||
	    copy_in(conn, "copy ebba.auto_document_requests (decision_id, documents, deadline, letter)"
		    " from stdin", &c->requests, err) != 0 ||
	    copy_in(conn, "copy ebba.decision_inputs (decision_id, decided_on, registers_configured,"
		    " frame, history, register_reasons) from stdin", &c->inputs, err) != 0)
		return ebba_err_prefix(err, "completing a batch");
	return 0;
}

/* Everything after begin; the caller commits or rolls back. */
static int complete_in_tx(PGconn *conn, const char *owner, const struct queue_result *results,
			  size_t n, struct queue_scratch *scratch, long *completed,
			  struct ebba_err *err)
{
	bool *fenced = xcalloc(n, sizeof(*fenced));
	long long *follows = xcalloc(n, sizeof(*follows));
	long long *ids = NULL;
	int rc = fence(conn, owner, results, n, fenced, follows, completed, err);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (fenced[i] && results[i].decision)
			k++;
	if (rc == 0 && k > 0) {
		ids = xcalloc(k, sizeof(*ids));
		rc = next_ids(conn, k, ids, err);
		if (rc == 0) {
			struct copy_set *c = copy_set_take(scratch);
			build_rows(results, n, fenced, follows, ids, c);
			rc = write_rows(conn, c, err);
		}
	}
	free(ids);
	free(follows);
	free(fenced);
	return rc;
}

static int complete(PGconn *conn, const char *owner, const struct queue_result *results,
		    size_t n, struct queue_scratch *scratch, long *completed, struct ebba_err *err)
{
	if (exec_ok(conn, "begin", err) != 0)
		return ebba_err_prefix(err, "completing a batch");
	if (complete_in_tx(conn, owner, results, n, scratch, completed, err) != 0) {
		/* The connection may be gone; a failed rollback changes nothing. */
		PQclear(PQexec(conn, "rollback"));
		*completed = 0;
		return -1;
	}
	if (exec_ok(conn, "commit", err) != 0) {
		*completed = 0;
		return ebba_err_prefix(err, "completing a batch");
	}
	return 0;
}

int store_queue_complete(PGconn *conn, const char *owner, const struct queue_result *results,
		   size_t n, struct queue_scratch *scratch, long *completed, struct ebba_err *err)
{
	*completed = 0;
	if (n == 0)
		return 0;
	if (scratch)
		return complete(conn, owner, results, n, scratch, completed, err);
	struct queue_scratch *own = store_queue_scratch_new();
	int rc = complete(conn, owner, results, n, own, completed, err);
	store_queue_scratch_free(own);
	return rc;
}
