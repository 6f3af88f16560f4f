/* ebbactl status: queue depth, decision rates, sample rate, last errors, the delegation. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/lib/config.h"
#include "ebba/lib/date.h"
#include "ebba/rules/rules.h"
#include "ebba/store/db.h"
#include "ebba/store/outbox.h"
#include "ebba/store/status.h"

/*
 * The delegation automatic approvals rest on today, from the rules in
 * rules_dir (what ebbad loads): its label, or none and why every
 * application is referred.
 */
static void print_delegation(void)
{
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return;
	struct ruleset *rs = NULL;
	struct ebba_err err = {{0}};
	char today[DATE_BUF];
	date_today_local(today);
	struct ruleset_delegation_view v;
	struct ebba_buf what = {0};
	if (ruleset_load(cfg.rules_dir, &rs, NULL, &err) != 0)
		buf_printf(&what, "unknown: the rules in %s do not load (%s)", cfg.rules_dir, err.msg);
	else if (ruleset_delegation_in_force(rs, today, "approved", &v))
		buf_printf(&what, "%s%s", v.label,
			   v.example ? " [the shipped example: replace it with the committee's own decision]" : "");
	else
		buf_printf(&what, "none in force today (%s): every application is referred (%s)", today,
			   RULE_DELEGATION_MESSAGE);
	printf(ctl_globals.porcelain ? "%s\t%s\n" : "%-22s %s\n", "delegation", what.data);
	buf_free(&what);
	ruleset_free(rs);
	config_free(&cfg);
}

int ctl_status(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		printf("usage: ebbactl status\nQueue depth, decisions by outcome, rates, the realised"
		       " sample rate of approvals, the latest quarantined documents, and the\n"
		       "delegation automatic approvals rest on today (from rules_dir).\n");
		return CTL_OK;
	}
	if (argc != 1)
		return ctl_fail(CTL_USAGE, "usage: ebbactl status");
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	struct status_figures f;
	struct status_quarantine_list q = {0};
	struct outbox_counts o;
	struct ebba_err err;
	if (store_status_figures_load(conn, &f, &err) != 0 ||
	    store_status_latest_quarantined(conn, 5, &q, &err) != 0 ||
	    store_outbox_counts(conn, &o, &err) != 0) {
		PQfinish(conn);
		return ctl_fail(CTL_USAGE, "ebbactl status: %s", err.msg);
	}
	PQfinish(conn);
	const struct { const char *key; long v; } rows[] = {
		{"pending", f.pending}, {"processing", f.processing}, {"decided", f.decided},
		{"quarantined", f.quarantined}, {"approved", f.approved}, {"referred", f.referred},
		{"rejected", f.rejected}, {"decisions_last_minute", f.last_minute},
		{"decisions_last_hour", f.last_hour}, {"sampled_approvals", f.sampled_approvals},
		{"open_flags", f.open_flags}, {"awaiting_review", f.awaiting_review},
		{"letters_queued", o.queued + o.claimed}, {"letters_delivered", o.delivered},
		{"letters_printed", o.print}, {"letters_protected_spool", o.protected_print},
		{"letters_digital", o.digital}, {"letters_failed", o.failed}};
	for (size_t k = 0; k < ARRAY_LEN(rows); k++)
		printf(ctl_globals.porcelain ? "%s\t%ld\n" : "%-22s %ld\n", rows[k].key, rows[k].v);
	double rate = f.approved ? 100.0 * (double)f.sampled_approvals / (double)f.approved : 0.0;
	if (ctl_globals.porcelain)
		printf("sample_rate_percent\t%.2f\n", rate);
	else
		printf("%-22s %.2f %%\n", "sample_rate_percent", rate);
	for (size_t i = 0; i < q.n; i++)
		printf(ctl_globals.porcelain ? "quarantined\t%s\t%s\t%s\n" : "quarantined %s at %s: %s\n",
		       q.rows[i].external_id, q.rows[i].at, q.rows[i].error);
	store_status_quarantine_list_free(&q);
	if (o.last_error[0]) {
		/* "DECISION: reason" */
		char *sep = strstr(o.last_error, ": ");
		if (sep)
			*sep = '\0';
		printf(ctl_globals.porcelain ? "letter_failed\t%s\t%s\n" : "letter %s failed: %s\n",
		       o.last_error, sep ? sep + 2 : "");
	}
	print_delegation();
	return CTL_OK;
}
