/*
 * A person's decision run again and saved (include/ebba/whatif/verdict_run.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "ebba/store/review.h"
#include "ebba/whatif/verdict_run.h"

void verdict_run_init(struct verdict_run *r)
{
	memset(r, 0, sizeof(*r));
	r->arena = cel_arena_new();
	decision_init(&r->now);
}

void verdict_run_free(struct verdict_run *r)
{
	decision_free(&r->now);
	whatif_inputs_free(&r->in);
	app_parser_free(r->parser);
	free(r->ev);
	ruleset_free(r->rules);
	cel_arena_free(r->arena);
	if (r->loaded)
		store_decision_free(&r->s);
	memset(r, 0, sizeof(*r));
}

int verdict_run_load(PGconn *conn, const char *decision_id, struct verdict_run *r, struct ebba_err *err)
{
	bool found = false;
	if (store_decision_load(conn, decision_id, &r->s, &found, err) != 0)
		return -1;
	r->loaded = true;
	if (!found)
		return ebba_errf(err, "no decision %s by ebba", decision_id);
	const char *p[] = {decision_id};
	PGresult *res = PQexecParams(conn, "select exists (select 1 from ebba.decisions where reviews_decision_id = $1::bigint)",
				     1, NULL, p, NULL, NULL, 0);
	r->already = PQresultStatus(res) == PGRES_TUPLES_OK && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (r->already)
		return ebba_errf(err, "decision %s is not an open decision by ebba (it was already reviewed)", decision_id);
	struct whatif_row row = {.document = r->s.document.data ? r->s.document.data : "",
				 .document_len = r->s.document.len, .inputs = r->s.inputs,
				 .n_evidence = r->s.n_evidence};
	r->ev = xcalloc(r->s.n_evidence + 1, sizeof(*r->ev));
	for (size_t k = 0; k < r->s.n_evidence; k++)
		r->ev[k] = (struct whatif_evidence){.source = r->s.evidence[k].source,
			.status = r->s.evidence[k].status, .person_ref = r->s.evidence[k].person_ref,
			.raw = r->s.evidence[k].raw.data ? r->s.evidence[k].raw.data : "",
			.len = r->s.evidence[k].raw.len};
	if (!(r->parser = app_parser_new(NULL, err)))
		return -1;
	return whatif_inputs_build(r->parser, &row, r->ev, &r->in, err);
}

int verdict_run_decide(PGconn *conn, const struct ebba_config *cfg, const char *rules_dir,
		       struct verdict *v, struct verdict_run *r, struct ebba_err *err)
{
	(void)conn;
	struct ebba_buf diag = {0};
	int rc = ruleset_load(rules_dir, &r->rules, &diag, err);
	buf_free(&diag);
	if (rc != 0)
		return -1;
	if (verdict_check(v, r->in.app, r->rules, err) != 0)
		return -1;
	bool has_cost = false;
	for (size_t k = 0; k < v->n_lines; k++)
		has_cost |= v->lines[k].kind == VERDICT_COST;
	if (has_cost && !r->in.has_frame)
		return ebba_errf(err, "the case had no frame when ebba referred it: decide its costs in a frame first");
	verdict_apply_frame(v, &r->in.frame);
	bool as_declared[INCOME_TYPE_COUNT] = {false};
	verdict_apply_incomes(v, r->in.app, as_declared);
	struct decide_env env = {.rules = r->rules, .cfg = cfg, .arena = r->arena,
				 .person_letter = outcome_name(verdict_intended(v)),
				 .income_as_declared = as_declared};
	if (whatif_redecide(&env, &r->in, &r->now, err) != 0)
		return -1;
	if (v->accept_open)
		verdict_accept_open(v, r->rules, &r->now);
	return verdict_outcome(v, r->rules, &r->now, &r->outcome, err);
}

/* Who is deciding, for the letter: the database's answer, never an argument. */
static int whoami(PGconn *conn, char *name, size_t nl, char *title, size_t tl, struct ebba_err *err)
{
	PGresult *res = PQexec(conn, "select ebba.person()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "%s", PQerrorMessage(conn));
		PQclear(res);
		return -1;
	}
	char role[128];
	snprintf(role, sizeof(role), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return store_review_person_name(conn, role, name, nl, title, tl, err);
}

static const char *num(bool has, int64_t v, char out[24])
{
	if (!has)
		return NULL;
	snprintf(out, 24, "%lld", (long long)v);
	return out;
}

int verdict_run_save(PGconn *conn, const struct verdict_run *r, const struct verdict *v,
		     const char *decision_id, const char *verdict_word, const char *client,
		     bool *resolved, int64_t *new_id, char *by, size_t by_len, struct ebba_err *err)
{
	char name[256], title[256], today[DATE_BUF];
	if (whoami(conn, name, sizeof(name), title, sizeof(title), err) != 0)
		return -1;
	date_today_local(today);
	struct verdict_person who = {.name = name, .title = title};
	struct ebba_buf letter = {0};
	verdict_letter(v, r->rules, r->in.app, &r->now, r->outcome, &who, today, &letter);
	char *findings = verdict_findings_json(v, r->s.ruleset_sha256, ruleset_sha256(r->rules));
	char am[24], no[24], co[24], inc[24], outcome[32];
	bool has = r->now.has_amount;
	struct review_lines call = {.decision_id = decision_id, .findings = findings, .verdict = verdict_word,
		.amount = num(has && r->outcome != OUTCOME_REJECTED, r->now.amount, am),
		.norm = num(has, r->now.norm, no), .costs = num(has, r->now.costs, co),
		.incomes = num(has, r->now.incomes, inc), .ruleset_version = ruleset_version(r->rules),
		.ruleset_sha256 = ruleset_sha256(r->rules), .note = v->note, .letter = letter.data,
		.client = client};
	int rc = store_review_decide_lines(conn, &call, resolved, new_id, outcome, sizeof(outcome), by, by_len, err);
	free(findings);
	buf_free(&letter);
	return rc;
}
