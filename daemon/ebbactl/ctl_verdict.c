/*
 * ebbactl review resolve ID, line by line (issue 25):
 *
 *   --cost TYPE=AMOUNT[:REASON]         the cost accepted up to AMOUNT
 *   --check CHECK_ID=accept|reject[:REASON]
 *   --reason REASON                     the whole application rejected
 *   --note TEXT                         required for delvis bifall and avslag
 *   --verdict approve|partly|reject     optional; refused when the lines disagree
 *
 * The referral's inputs are rebuilt as `ebbactl replay` rebuilds them
 * (whatif/whatif_inputs.c), the person's costs become the frame's
 * ceilings, and the rule set loaded now decides again: its amount is the
 * decision's.  The outcome follows from the lines (decide/verdict.c; the
 * database derives it again in ebba.decide_referral, schema 021), and the
 * letter's text is written with the decision, in its transaction.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/decide/decide.h"
#include "ebba/decide/verdict.h"
#include "ebba/lib/date.h"
#include "ebba/store/db.h"
#include "ebba/store/decisions.h"
#include "ebba/store/review.h"
#include "ebba/whatif/whatif.h"

#define CTL_CLIENT "ebbactl"

struct lines_args {
	const char *id, *verdict;
	struct verdict v;
};

static int parse(int argc, char **argv, struct lines_args *a, struct ebba_err *err)
{
	static const struct option opts[] = {
		{"cost", required_argument, NULL, 'c'}, {"check", required_argument, NULL, 'k'},
		{"income", required_argument, NULL, 'i'}, {"reason", required_argument, NULL, 'r'},
		{"note", required_argument, NULL, 'n'}, {"verdict", required_argument, NULL, 'v'},
		{NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'c': rc = verdict_add(&a->v, VERDICT_COST, optarg, err); break;
		case 'k': rc = verdict_add(&a->v, VERDICT_CHECK, optarg, err); break;
		case 'i': return ebba_errf(err, "--income is not decided line by line yet: give --check income-matches-registers=accept|reject:REASON");
		case 'r': free(a->v.reason); a->v.reason = xstrdup(optarg); break;
		case 'n': free(a->v.note); a->v.note = xstrdup(optarg); break;
		case 'v': a->verdict = optarg; break;
		default: return ebba_errf(err, "unknown option");
		}
		if (rc)
			return -1;
	}
	if (optind != argc - 1)
		return ebba_errf(err, "give one DECISION");
	if (a->verdict && strcmp(a->verdict, "approve") && strcmp(a->verdict, "partly") &&
	    strcmp(a->verdict, "reject"))
		return ebba_errf(err, "--verdict is approve, partly or reject with lines");
	a->id = argv[optind];
	return 0;
}

static const char *num(bool has, int64_t v, char out[24])
{
	if (!has)
		return NULL;
	snprintf(out, 24, "%lld", (long long)v);
	return out;
}

/* Who is deciding, for the letter: the database's answer, never an argument. */
static int whoami(PGconn *conn, char *name, size_t nl, char *title, size_t tl, struct ebba_err *err)
{
	PGresult *r = PQexec(conn, "select ebba.person()");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		ebba_errf(err, "%s", PQerrorMessage(conn));
		PQclear(r);
		return -1;
	}
	char role[128];
	snprintf(role, sizeof(role), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return review_person_name(conn, role, name, nl, title, tl, err);
}

struct run {
	struct stored_decision s;
	struct ruleset *rules;
	struct app_parser *parser;
	struct whatif_inputs in;
	struct whatif_evidence *ev;
	struct cel_arena *arena;
	struct decision now;
};

static int rerun(PGconn *conn, const struct ebba_config *cfg, struct lines_args *a, struct run *r,
		 bool *already, struct ebba_err *err)
{
	bool found = false;
	struct ebba_buf diag = {0};
	if (stored_decision_load(conn, a->id, &r->s, &found, err) != 0)
		return -1;
	if (!found)
		return ebba_errf(err, "no decision %s by ebba", a->id);
	const char *p[] = {a->id};
	PGresult *res = PQexecParams(conn, "select exists (select 1 from ebba.decisions where reviews_decision_id = $1::bigint)",
				     1, NULL, p, NULL, NULL, 0);
	bool reviewed = PQresultStatus(res) == PGRES_TUPLES_OK && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (reviewed) {
		*already = true;
		return ebba_errf(err, "decision %s is not an open decision by ebba (it was already reviewed)", a->id);
	}
	struct whatif_row row = {.document = r->s.document.data ? r->s.document.data : "",
				 .document_len = r->s.document.len, .trace = r->s.trace,
				 .trace_len = strlen(r->s.trace), .n_evidence = r->s.n_evidence};
	r->ev = xcalloc(r->s.n_evidence + 1, sizeof(*r->ev));
	for (size_t k = 0; k < r->s.n_evidence; k++)
		r->ev[k] = (struct whatif_evidence){.source = r->s.evidence[k].source,
			.status = r->s.evidence[k].status, .person_ref = r->s.evidence[k].person_ref,
			.raw = r->s.evidence[k].raw.data ? r->s.evidence[k].raw.data : "",
			.len = r->s.evidence[k].raw.len};
	if (!(r->parser = app_parser_new(NULL, err)) ||
	    whatif_inputs_build(r->parser, &row, r->ev, &r->in, err) != 0)
		return -1;
	int rc = ruleset_load(cfg->rules_dir, &r->rules, &diag, err);
	buf_free(&diag);
	if (rc != 0)
		return -1;
	if (verdict_check(&a->v, r->in.app, r->rules, err) != 0)
		return -1;
	bool has_cost = false;
	for (size_t k = 0; k < a->v.n_lines; k++)
		has_cost |= a->v.lines[k].kind == VERDICT_COST;
	if (has_cost && !r->in.has_frame)
		return ebba_errf(err, "the case had no frame when ebba referred it: decide its costs in a frame first");
	verdict_apply_frame(&a->v, &r->in.frame);
	struct decide_env env = {.rules = r->rules, .cfg = cfg, .arena = r->arena,
				 .person_letter = outcome_name(verdict_intended(&a->v))};
	return whatif_redecide(&env, &r->in, &r->now, err);
}

static void run_free(struct run *r)
{
	decision_free(&r->now);
	whatif_inputs_free(&r->in);
	app_parser_free(r->parser);
	free(r->ev);
	ruleset_free(r->rules);
	cel_arena_free(r->arena);
	stored_decision_free(&r->s);
}

int ctl_review_lines(PGconn *conn, int argc, char **argv)
{
	struct lines_args a = {0};
	struct run r = {0};
	struct ebba_err err = {{0}};
	struct ebba_config cfg;
	struct ebba_buf letter = {0};
	char *findings = NULL;
	int rc = CTL_USAGE;
	verdict_init(&a.v);
	r.arena = cel_arena_new();
	decision_init(&r.now);
	if (parse(argc, argv, &a, &err) != 0) {
		verdict_free(&a.v);
		run_free(&r);
		return ctl_fail(CTL_USAGE, "ebbactl review resolve: %s", err.msg);
	}
	if (ctl_load_config(&cfg) != 0) {
		verdict_free(&a.v);
		run_free(&r);
		return CTL_USAGE;
	}
	enum outcome o;
	char name[256], title[256], today[DATE_BUF];
	bool already = false;
	if (rerun(conn, &cfg, &a, &r, &already, &err) != 0 || verdict_outcome(&a.v, r.rules, &r.now, &o, &err) != 0 ||
	    whoami(conn, name, sizeof(name), title, sizeof(title), &err) != 0) {
		rc = ctl_fail(already ? CTL_NO : CTL_USAGE, "ebbactl review resolve: %s", err.msg);
		goto out;
	}
	static const char *const VERDICT_OF[OUTCOME_COUNT] = {
		[OUTCOME_APPROVED] = "approve", [OUTCOME_PARTLY_APPROVED] = "partly",
		[OUTCOME_REJECTED] = "reject", [OUTCOME_REFERRED] = "refer"};
	if (a.verdict && strcmp(a.verdict, VERDICT_OF[o]) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl review resolve: --verdict %s disagrees with the lines, which give %s",
			      a.verdict, outcome_name(o));
		goto out;
	}
	if (o != OUTCOME_APPROVED && (!a.v.note || !*a.v.note)) {
		rc = ctl_fail(CTL_USAGE, "ebbactl review resolve: %s needs --note", outcome_name(o));
		goto out;
	}
	date_today_local(today);
	struct verdict_person who = {.name = name, .title = title};
	verdict_letter(&a.v, r.rules, r.in.app, &r.now, o, &who, today, &letter);
	findings = verdict_findings_json(&a.v, r.s.ruleset_sha256, ruleset_sha256(r.rules));
	char am[24], no[24], co[24], inc[24];
	bool has = r.now.has_amount;
	struct review_lines call = {.decision_id = a.id, .findings = findings, .verdict = a.verdict,
		.amount = num(has && o != OUTCOME_REJECTED, r.now.amount, am), .norm = num(has, r.now.norm, no),
		.costs = num(has, r.now.costs, co), .incomes = num(has, r.now.incomes, inc),
		.ruleset_version = ruleset_version(r.rules), .ruleset_sha256 = ruleset_sha256(r.rules),
		.note = a.v.note, .letter = letter.data, .client = CTL_CLIENT};
	bool resolved;
	int64_t new_id;
	char outcome[32] = "", by[128] = "";
	if (review_decide_lines(conn, &call, &resolved, &new_id, outcome, sizeof(outcome), by, sizeof(by), &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl review: %s", err.msg);
		goto out;
	}
	if (!resolved) {
		rc = ctl_fail(CTL_NO, "ebbactl review resolve: decision %s is not an open decision by ebba"
				      " (no such decision, or it was already reviewed)", a.id);
		goto out;
	}
	printf("decision %s decided by %s as decision %lld (%s", a.id, by, (long long)new_id, outcome);
	if (o != OUTCOME_REJECTED)
		printf(", %lld kr", (long long)r.now.amount);
	printf(")%s\n", strcmp(r.s.ruleset_sha256, ruleset_sha256(r.rules)) ? "; the rule set differs from the referring one" : "");
	rc = CTL_OK;
out:
	free(findings);
	buf_free(&letter);
	config_free(&cfg);
	verdict_free(&a.v);
	run_free(&r);
	return rc;
}
