#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/review.h"

static PGresult *query(PGconn *conn, const char *what, const char *sql, int n,
		       const char *const *params, struct ebba_err *err)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	ebba_errf(err, "%s: %s", what, store_db_result_error(res));
	PQclear(res);
	return NULL;
}

static const char LIST_SQL[] =
	"select d.id, d.external_id, d.case_id, d.period, d.outcome, coalesce(d.amount::text, '-'),"
	"  to_char(d.decided_at, 'YYYY-MM-DD HH24:MI'),"
	"  coalesce((select string_agg(distinct f.kind, ',') from ebba.audit_flags f"
	"            where f.decision_id = d.id and f.resolved_at is null), '-'),"
	"  coalesce((select c.message from ebba.decision_checks c where c.decision_id = d.id"
	"            and c.result in ('fail', 'error') order by c.ordinal limit 1), ''),"
	"  exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)"
	" from ebba.decisions d"
	" where d.decided_by = 'ebba'"
	"  and ($1::text is null or d.outcome = $1)"
	"  and ($2::text is null or exists (select 1 from ebba.audit_flags f where f.decision_id = d.id"
	"       and f.kind = $2 and ($4::bool or f.resolved_at is null)))"
	"  and ($3::int is null or d.decided_at < now() - make_interval(days => $3::int))"
	"  and ($4::bool or (not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)"
	"       and (d.outcome <> 'approved' or exists (select 1 from ebba.audit_flags f"
	"            where f.decision_id = d.id and f.resolved_at is null))))"
	" order by d.decided_at, d.id limit 1000";

int store_review_list_load(PGconn *conn, const struct review_filter *f, struct review_list *out,
		     struct ebba_err *err)
{
	*out = (struct review_list){0};
	const char *params[] = {f->outcome, f->flag, f->older_than, f->all ? "true" : "false"};
	PGresult *res = out->res = query(conn, "listing decisions to review", LIST_SQL, 4, params, err);
	if (!res)
		return -1;
	out->n = (size_t)PQntuples(res);
	out->rows = xcalloc(out->n ? out->n : 1, sizeof(*out->rows));
	for (size_t i = 0; i < out->n; i++) {
		const char *v[10];
		for (int k = 0; k < 10; k++)
			v[k] = PQgetvalue(res, (int)i, k);
		out->rows[i] = (struct review_item){.id = v[0], .external_id = v[1], .case_id = v[2],
			.period = v[3], .outcome = v[4], .amount = v[5], .decided_at = v[6],
			.open_flags = v[7], .first_reason = v[8], .reviewed = v[9][0] == 't'};
	}
	return 0;
}

void store_review_list_free(struct review_list *l)
{
	free(l->rows);
	PQclear(l->res);
	*l = (struct review_list){0};
}

static const char DETAIL_SQL[] =
	"select external_id, case_id, period, outcome, coalesce(amount::text, ''),"
	" coalesce(norm::text, ''), coalesce(costs::text, ''), coalesce(incomes::text, ''),"
	" ruleset_name || ' ' || ruleset_version, ruleset_sha256, decided_by,"
	" to_char(decided_at, 'YYYY-MM-DD HH24:MI:SS'), coalesce(note, ''),"
	" coalesce(reviews_decision_id::text, ''),"
	" (select string_agg(r.id || ' by ' || r.decided_by || ': ' || r.outcome, '; ')"
	"    from ebba.decisions r where r.reviews_decision_id = d.id),"
	" exists (select 1 from ebba.letters l where l.decision_id = d.id)"
	" from ebba.decisions d where d.id = $1::bigint";

static void take_header(struct review_detail *d, const PGresult *res)
{
	const char **text[] = {&d->external_id, &d->case_id, &d->period, &d->outcome, &d->amount,
			       &d->norm, &d->costs, &d->incomes, &d->ruleset, &d->ruleset_sha256,
			       &d->decided_by, &d->decided_at, &d->note, &d->reviews};
	for (int k = 0; k < 14; k++)
		*text[k] = PQgetvalue(res, 0, k);
	d->reviewed = PQgetisnull(res, 0, 14) ? NULL : PQgetvalue(res, 0, 14);
	d->has_letter = PQgetvalue(res, 0, 15)[0] == 't';
}

static int load_flags(PGconn *conn, const char *const *p, struct review_detail *d,
		      struct ebba_err *err)
{
	PGresult *res = d->res[1] = query(conn, "reading audit flags",
		"select kind, reason, coalesce(verdict, ''), coalesce(resolved_by, '')"
		" from ebba.audit_flags where decision_id = $1::bigint order by id", 1, p, err);
	if (!res)
		return -1;
	d->n_flags = (size_t)PQntuples(res);
	d->flags = xcalloc(d->n_flags ? d->n_flags : 1, sizeof(*d->flags));
	for (size_t i = 0; i < d->n_flags; i++)
		d->flags[i] = (struct review_flag){PQgetvalue(res, (int)i, 0), PQgetvalue(res, (int)i, 1),
			PQgetvalue(res, (int)i, 2), PQgetvalue(res, (int)i, 3)};
	return 0;
}

static int load_evidence(PGconn *conn, const char *const *p, struct review_detail *d,
			 struct ebba_err *err)
{
	PGresult *res = d->res[2] = query(conn, "reading evidence",
		"select source, agency, coalesce(person_ref, ''), status, left(sha256, 12),"
		" coalesce(octet_length(raw), 0) from ebba.register_evidence"
		" where decision_id = $1::bigint order by id", 1, p, err);
	if (!res)
		return -1;
	d->n_evidence = (size_t)PQntuples(res);
	d->evidence = xcalloc(d->n_evidence ? d->n_evidence : 1, sizeof(*d->evidence));
	for (size_t i = 0; i < d->n_evidence; i++) {
		const char *v[6];
		for (int k = 0; k < 6; k++)
			v[k] = PQgetvalue(res, (int)i, k);
		d->evidence[i] = (struct review_evidence){v[0], v[1], v[2], v[3], v[4], v[5]};
	}
	return 0;
}

int store_review_detail_load(PGconn *conn, const char *decision_id, struct review_detail *out,
		       bool *found, struct ebba_err *err)
{
	*out = (struct review_detail){0};
	*found = false;
	const char *p[] = {decision_id};
	PGresult *res = out->res[0] = query(conn, "reading the decision", DETAIL_SQL, 1, p, err);
	if (!res)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	*found = true;
	take_header(out, res);
	if (store_checks_load(conn, decision_id, &out->checks, err) != 0 ||
	    load_flags(conn, p, out, err) != 0 || load_evidence(conn, p, out, err) != 0)
		return -1;
	return 0;
}

void store_review_detail_free(struct review_detail *d)
{
	store_checks_free(&d->checks);
	free(d->flags);
	free(d->evidence);
	for (int k = 0; k < 3; k++)
		PQclear(d->res[k]);
	*d = (struct review_detail){0};
}

/* A person's decision line by line, through ebba.decide_referral (schema
 * 019): the outcome is the database's reading of the lines, and the
 * decision, its letter, the flags and the access_log row commit together. */
int store_review_decide_lines(PGconn *conn, const struct review_lines *r, bool *resolved, int64_t *new_id,
			char *outcome, size_t outlen, char *by, size_t by_len, struct ebba_err *err)
{
	*resolved = false;
	*new_id = 0;
	const char *p[] = {r->decision_id, r->findings, r->verdict, r->amount, r->norm, r->costs,
			   r->incomes, r->ruleset_version, r->ruleset_sha256, r->note, r->letter, r->client};
	PGresult *res = query(conn, "deciding the referral",
			      "select review_id, reviewed_by, outcome from ebba.decide_referral("
			      "$1::bigint, $2::jsonb, $3, $4::bigint, $5::bigint, $6::bigint, $7::bigint,"
			      " $8, $9, $10, $11, $12)", 12, p, err);
	if (!res)
		return ebba_err_prefix(err, "deciding decision %s", r->decision_id);
	if (!PQgetisnull(res, 0, 0)) {
		*resolved = true;
		*new_id = atoll(PQgetvalue(res, 0, 0));
		snprintf(by, by_len, "%s", PQgetvalue(res, 0, 1));
		snprintf(outcome, outlen, "%s", PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return 0;
}

int store_review_person_name(PGconn *conn, const char *role, char *name, size_t name_len, char *title,
		       size_t title_len, struct ebba_err *err)
{
	const char *p[] = {role};
	PGresult *res = query(conn, "reading the person's name",
			      "select display_name, title from ebba.person_name($1)", 1, p, err);
	if (!res)
		return -1;
	snprintf(name, name_len, "%s", PQgetvalue(res, 0, 0));
	snprintf(title, title_len, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}
