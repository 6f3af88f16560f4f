/*
 * The caseworker's queue.
 *
 *   review list [--outcome O] [--flag sample|targeted] [--older-than DAYS] [--all]
 *   review show ID
 *   review resolve ID [lines...] [--note TEXT] [--verdict approve|partly|reject]
 *   review request-documents ID --document ID... [--text TEXT] --deadline DATE (ctl_completion.c)
 *
 * A resolution is a new decision by the caseworker that points at ebba's
 * (reviews_decision_id); ebba's own decision is never changed.  It is
 * recorded, line by line with its letter, by ebba.decide_referral (schema
 * 019; ctl_verdict.c), the only way a caseworker writes a decision: who
 * resolved is the connected role (ebba.person()), never an argument, and
 * the decision's open audit flags, its letter and the access log's row are
 * written in the same transaction.  list and show are views
 * of personal data: each writes its access_log row before printing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/access_log.h"
#include "ebba/store/db.h"
#include "ebba/store/review.h"

/* The access log's client for what the command line does. */
#define CTL_CLIENT "ebbactl"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl review list [--outcome referred|approved|rejected] [--flag sample|targeted]\n"
		"                           [--older-than DAYS] [--all]\n"
		"       ebbactl review show DECISION\n"
		"       ebbactl review resolve DECISION [--cost TYPE=AMOUNT[:REASON]]...\n"
		"                              [--income TYPE=AMOUNT[:REASON]]...\n"
		"                              [--check CHECK_ID=accept|reject[:REASON]]... [--reason REASON]\n"
		"                              [--note TEXT] [--verdict approve|partly|reject]\n"
		"The rule set decides again with the costs accepted as their ceilings and the incomes\n"
		"counted as given; the outcome follows from the lines (a --verdict that disagrees is\n"
		"refused), a note is required for delvis bifall and avslag, and the letter is written\n"
		"with the decision. --verdict approve or partly accepts every failed check no line\n"
		"decides; a rejection needs --reason or a rejected --check. REASON is an id of the rule set's reason\n"
		"catalogue (ebbactl rules reasons).\n"
		"list shows ebba's decisions that a person still has to look at: referrals and\n"
		"decisions with an open audit flag, oldest first (--all: reviewed ones too).\n");
}

static int review_list(PGconn *conn, int argc, char **argv)
{
	static const struct option opts[] = {
		{"outcome", required_argument, NULL, 'o'}, {"flag", required_argument, NULL, 'f'},
		{"older-than", required_argument, NULL, 'd'}, {"all", no_argument, NULL, 'a'},
		{NULL, 0, NULL, 0}};
	const char *outcome = NULL, *flag = NULL, *days = NULL;
	bool all = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outcome = optarg; break;
		case 'f': flag = optarg; break;
		case 'd': days = optarg; break;
		case 'a': all = true; break;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	struct review_filter f = {.outcome = outcome, .flag = flag, .older_than = days, .all = all};
	struct review_list l;
	struct ebba_err err;
	if (store_review_list_load(conn, &f, &l, &err) != 0 ||
	    store_access_log(conn, "view", "queue", NULL, CTL_CLIENT, &err) != 0) {
		store_review_list_free(&l);
		return ctl_fail(CTL_USAGE, "ebbactl review: %s", err.msg);
	}
	if (!ctl_globals.porcelain)
		printf("%-8s %-22s %-10s %-7s %-9s %8s %-16s %-16s %s\n", "ID", "APPLICATION", "CASE",
		       "PERIOD", "OUTCOME", "AMOUNT", "DECIDED", "OPEN FLAGS", "FIRST REASON");
	for (size_t i = 0; i < l.n; i++) {
		const struct review_item *v = &l.rows[i];
		if (ctl_globals.porcelain)
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v->id, v->external_id, v->case_id,
			       v->period, v->outcome, v->amount, v->decided_at, v->open_flags,
			       v->first_reason, v->reviewed ? "reviewed" : "open");
		else
			printf("%-8s %-22s %-10s %-7s %-9s %8s %-16s %-16s %s\n", v->id, v->external_id,
			       v->case_id, v->period, v->outcome, v->amount, v->decided_at, v->open_flags,
			       v->first_reason);
	}
	if (!ctl_globals.porcelain)
		printf("%zu decision%s\n", l.n, l.n == 1 ? "" : "s");
	store_review_list_free(&l);
	return CTL_OK;
}

static void show_line(const char *key, const char *value)
{
	if (ctl_globals.porcelain)
		printf("%s\t%s\n", key, value);
	else
		printf("%-16s %s\n", key, value);
}

static void show_checks(const struct stored_checks *c)
{
	if (!ctl_globals.porcelain && c->n)
		printf("\nchecks:\n");
	for (size_t i = 0; i < c->n; i++) {
		const struct stored_check *k = &c->rows[i];
		if (ctl_globals.porcelain)
			printf("check\t%s\t%s\t%s\n", k->id, k->result, k->message);
		else
			printf("  %-4s %-28s %s\n", k->result, k->id, k->message);
	}
}

static void show_flags(const struct review_detail *d)
{
	for (size_t i = 0; i < d->n_flags; i++) {
		const struct review_flag *f = &d->flags[i];
		if (ctl_globals.porcelain)
			printf("flag\t%s\t%s\n", f->kind, f->reason);
		else
			printf("%-16s %s: %s%s%s\n", i ? "" : "\nflags:", f->kind, f->reason,
			       *f->verdict ? " — resolved: " : " (open)", f->verdict);
	}
}

static void show_evidence(const struct review_detail *d)
{
	if (!ctl_globals.porcelain && d->n_evidence)
		printf("\nevidence:\n");
	for (size_t i = 0; i < d->n_evidence; i++) {
		const struct review_evidence *e = &d->evidence[i];
		if (ctl_globals.porcelain)
			printf("evidence\t%s\t%s\t%s\t%s\t%s\n", e->source, e->agency, e->person_ref,
			       e->status, e->sha256_prefix);
		else
			printf("  %-10s %-5s %-14s %-12s sha256 %s… (%s bytes)\n", e->source, e->agency,
			       e->person_ref, e->status, e->sha256_prefix, e->bytes);
	}
}

static int review_show(PGconn *conn, const char *id)
{
	struct review_detail d;
	struct ebba_err err;
	bool found;
	if (store_review_detail_load(conn, id, &d, &found, &err) != 0) {
		store_review_detail_free(&d);
		return ctl_fail(CTL_USAGE, "ebbactl review: %s", err.msg);
	}
	if (!found) {
		store_review_detail_free(&d);
		return ctl_fail(CTL_NO, "ebbactl review show: no decision %s", id);
	}
	if (store_access_log(conn, "view", "decision", id, CTL_CLIENT, &err) != 0) {
		store_review_detail_free(&d);
		return ctl_fail(CTL_USAGE, "ebbactl review: %s", err.msg);
	}
	static const char *const keys[] = {"application", "case", "period", "outcome", "amount",
					   "norm", "costs", "incomes", "ruleset", "ruleset_sha256",
					   "decided_by", "decided_at", "note", "reviews"};
	const char *values[] = {d.external_id, d.case_id, d.period, d.outcome, d.amount, d.norm,
				d.costs, d.incomes, d.ruleset, d.ruleset_sha256, d.decided_by,
				d.decided_at, d.note, d.reviews};
	if (!ctl_globals.porcelain)
		printf("decision %s\n", id);
	for (int k = 0; k < 14; k++)
		if (*values[k] || ctl_globals.porcelain)
			show_line(keys[k], values[k]);
	if (d.reviewed)
		show_line("reviewed", d.reviewed);
	show_line("letter", d.has_letter ? "yes" : "no");
	show_checks(&d.checks);
	show_flags(&d);
	show_evidence(&d);
	store_review_detail_free(&d);
	return CTL_OK;
}

/* Every person's decision is line by line, with its letter (ctl_verdict.c). */
static int review_resolve(PGconn *conn, int argc, char **argv)
{
	return ctl_review_lines(conn, argc, argv);
}

int ctl_review(int argc, char **argv)
{
	int status = ctl_usage_first(argc, argv, usage);
	if (status >= 0)
		return status;
	const char *sub = argv[1];
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "resolve") &&
	    strcmp(sub, "request-documents")) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (strcmp(sub, "show") == 0 && argc != 3) {
		usage(stderr);
		return CTL_USAGE;
	}
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	int rc;
	if (strcmp(sub, "list") == 0)
		rc = review_list(conn, argc - 1, argv + 1);
	else if (strcmp(sub, "show") == 0)
		rc = review_show(conn, argv[2]);
	else if (strcmp(sub, "request-documents") == 0)
		rc = ctl_request_documents(conn, argc - 1, argv + 1);
	else
		rc = review_resolve(conn, argc - 1, argv + 1);
	PQfinish(conn);
	return rc;
}
