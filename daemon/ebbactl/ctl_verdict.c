/*
 * ebbactl review resolve ID, line by line (issue 25):
 *
 *   --cost TYPE=AMOUNT[:REASON]         the cost accepted up to AMOUNT
 *   --income TYPE=AMOUNT[:REASON]       the income counted at AMOUNT
 *   --check CHECK_ID=accept|reject[:REASON]
 *   --reason REASON                     the whole application rejected
 *   --note TEXT                         required for delvis bifall and avslag
 *   --verdict approve|partly|reject     optional; refused when the lines disagree
 *
 * Every person's decision goes this way and gets its letter (the plain
 * verdicts of old, saved through ebba.resolve_review without one, are
 * gone with that function, schema 021): `--verdict approve` or `partly`
 * accepts every failed check no line decides, the amount as the rule set
 * computes it; a rejection names its reason (--reason, or a rejected
 * --check); an amount of one's own is a cost or income line, never a sum
 * typed in.
 *
 * The referral's inputs are rebuilt as `ebbactl replay` rebuilds them
 * (whatif/whatif_inputs.c), the person's costs become the frame's
 * ceilings and their incomes the facts, and the rule set loaded now
 * decides again: its amount is the
 * decision's.  The outcome follows from the lines (decide/verdict.c; the
 * database derives it again in ebba.decide_referral, schema 019), and the
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
#include "ebba/whatif/verdict_run.h"

#define CTL_CLIENT "ebbactl"

struct lines_args {
	const char *id, *verdict;
	struct verdict v;
};

static bool rejects_a_check(const struct verdict *v)
{
	for (size_t i = 0; i < v->n_lines; i++)
		if (v->lines[i].kind == VERDICT_CHECK && v->lines[i].reject)
			return true;
	return false;
}

static int parse(int argc, char **argv, struct lines_args *a, struct ebba_err *err)
{
	static const struct option opts[] = {
		{"cost", required_argument, NULL, 'c'}, {"check", required_argument, NULL, 'k'},
		{"income", required_argument, NULL, 'i'}, {"reason", required_argument, NULL, 'r'},
		{"note", required_argument, NULL, 'n'}, {"verdict", required_argument, NULL, 'v'},
		{"amount", required_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'c': rc = verdict_add(&a->v, VERDICT_COST, optarg, err); break;
		case 'k': rc = verdict_add(&a->v, VERDICT_CHECK, optarg, err); break;
		case 'i': rc = verdict_add(&a->v, VERDICT_INCOME, optarg, err); break;
		case 'r': free(a->v.reason); a->v.reason = xstrdup(optarg); break;
		case 'n': free(a->v.note); a->v.note = xstrdup(optarg); break;
		case 'v': a->verdict = optarg; break;
		case 'a': return ebba_errf(err, "--amount is gone: the amount is the rule set's; give the lines"
					   " (--cost TYPE=AMOUNT:REASON, --income TYPE=AMOUNT:REASON)");
		default: return ebba_errf(err, "unknown option");
		}
		if (rc)
			return -1;
	}
	if (optind != argc - 1)
		return ebba_errf(err, "give one DECISION");
	if (a->verdict && strcmp(a->verdict, "adjust") == 0)
		return ebba_errf(err, "--verdict adjust is gone: give the amounts line by line"
				 " (--cost TYPE=AMOUNT:REASON, --income TYPE=AMOUNT:REASON)");
	if (a->verdict && strcmp(a->verdict, "approve") && strcmp(a->verdict, "partly") &&
	    strcmp(a->verdict, "reject"))
		return ebba_errf(err, "--verdict is approve, partly or reject");
	a->id = argv[optind];
	/* approve or partly: what is not refused is granted */
	a->v.accept_open = a->verdict && (strcmp(a->verdict, "approve") == 0 || strcmp(a->verdict, "partly") == 0);
	if (a->verdict && strcmp(a->verdict, "reject") == 0 && !a->v.reason && !rejects_a_check(&a->v))
		return ebba_errf(err, "--verdict reject needs the reason: --reason REASON (the whole application)"
				 " or --check CHECK_ID=reject:REASON (ebbactl rules reasons lists them)");
	return 0;
}


int ctl_review_lines(PGconn *conn, int argc, char **argv)
{
	struct lines_args a = {0};
	struct verdict_run r;
	struct ebba_err err = {{0}};
	struct ebba_config cfg;
	verdict_init(&a.v);
	if (parse(argc, argv, &a, &err) != 0) {
		verdict_free(&a.v);
		return ctl_fail(CTL_USAGE, "ebbactl review resolve: %s", err.msg);
	}
	if (ctl_load_config(&cfg) != 0) {
		verdict_free(&a.v);
		return CTL_USAGE;
	}
	int rc = CTL_USAGE;
	verdict_run_init(&r);
	if (verdict_run_load(conn, a.id, &r, &err) != 0 ||
	    verdict_run_decide(conn, &cfg, cfg.rules_dir, &a.v, &r, &err) != 0) {
		rc = ctl_fail(r.already ? CTL_NO : CTL_USAGE, "ebbactl review resolve: %s", err.msg);
		goto out;
	}
	enum outcome o = r.outcome;
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
	bool resolved;
	int64_t new_id;
	char by[128] = "";
	if (verdict_run_save(conn, &r, &a.v, a.id, a.verdict, CTL_CLIENT, &resolved, &new_id, by, sizeof(by), &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl review: %s", err.msg);
		goto out;
	}
	if (!resolved) {
		rc = ctl_fail(CTL_NO, "ebbactl review resolve: decision %s is not an open decision by ebba"
				      " (no such decision, or it was already reviewed)", a.id);
		goto out;
	}
	printf("decision %s decided by %s as decision %lld (%s", a.id, by, (long long)new_id, outcome_name(o));
	if (o != OUTCOME_REJECTED)
		printf(", %lld kr", (long long)r.now.amount);
	printf(")%s\n", strcmp(r.s.ruleset_sha256, ruleset_sha256(r.rules)) ? "; the rule set differs from the referring one" : "");
	rc = CTL_OK;
out:
	config_free(&cfg);
	verdict_free(&a.v);
	verdict_run_free(&r);
	return rc;
}
