/*
 * ebbactl stats [--period YYYY-MM | --from YYYY-MM --to YYYY-MM]: rule health
 * for supervisors.  Per check and period, what people decided about the
 * applications ebba referred because of it; per audit kind, what the flags
 * found; the realised sample rate beside the configured one.  The
 * definitions are in include/ebba/store/stats.h and docs/rules.md.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/lib/util.h"
#include "ebba/rules/rules.h"
#include "ebba/store/stats.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl stats [--period YYYY-MM | --from YYYY-MM --to YYYY-MM]\n"
		"Rule health: per check and period, the applications ebba referred because of\n"
		"the check and what caseworkers then decided (approved as applied, adjusted,\n"
		"rejected, still open); per audit kind the flags raised, resolved and those that\n"
		"found an error; the realised sample rate beside the configured one.  A check\n"
		"whose decided referrals were approved as applied at least %d %% of the time\n"
		"(with at least %d decided) is marked for tuning.  Periods are the applications'.\n",
		(int)(STATS_TUNE_SHARE * 100), STATS_TUNE_MIN_DECIDED);
}

static bool valid_month(const char *s)
{
	if (strlen(s) != 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return false;
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	return m >= 1 && m <= 12;
}

struct window {
	const char *from, *to;
};

static int parse_args(int argc, char **argv, struct window *w)
{
	static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
					     {"from", required_argument, NULL, 'f'},
					     {"to", required_argument, NULL, 't'},
					     {NULL, 0, NULL, 0}};
	const char *period = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': period = optarg; break;
		case 'f': w->from = optarg; break;
		case 't': w->to = optarg; break;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (period && (w->from || w->to))
		return ctl_fail(CTL_USAGE, "ebbactl stats: --period or --from/--to, not both");
	if (period)
		w->from = w->to = period;
	const char *bad = w->from && !valid_month(w->from) ? w->from
			: w->to && !valid_month(w->to)     ? w->to
							   : NULL;
	if (bad)
		return ctl_fail(CTL_USAGE, "ebbactl stats: '%s' is not a month written YYYY-MM", bad);
	if (w->from && w->to && strcmp(w->from, w->to) > 0)
		return ctl_fail(CTL_USAGE, "ebbactl stats: --from %s comes after --to %s", w->from, w->to);
	return CTL_OK;
}

/* The configured rate of approvals sampled: ebba.yaml's override, else the
 * rule set's; -1 when neither can be read (said on stderr). */
static double configured_rate(void)
{
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return -1.0;
	double rate = cfg.audit.sample_approved;
	if (rate < 0.0) {
		struct ruleset *rs = NULL;
		struct ebba_err err;
		if (ruleset_load(cfg.rules_dir, &rs, NULL, &err) == 0)
			rate = ruleset_sample_rate(rs, "approved");
		else
			ctl_fail(CTL_USAGE, "ebbactl stats: the rule set in %s does not load (%s);"
				 " configured sample rate unknown", cfg.rules_dir, err.msg);
		ruleset_free(rs);
	}
	config_free(&cfg);
	return rate;
}

/* A check's referrals over the whole window, for the tuning mark. */
struct check_total {
	const char *id;
	long decided, as_applied;
};

static size_t totals(const struct stats_report *r, struct check_total *t)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct stats_check *c = &r->checks[i];
		size_t k = 0;
		while (k < n && strcmp(t[k].id, c->check_id) != 0)
			k++;
		if (k == n)
			t[n++] = (struct check_total){c->check_id, 0, 0};
		t[k].decided += c->as_applied + c->adjusted + c->rejected;
		t[k].as_applied += c->as_applied;
	}
	return n;
}

static bool to_tune(const struct check_total *t)
{
	return store_stats_to_tune(t->decided, t->as_applied);
}

static void print_porcelain(const struct stats_report *r, const struct check_total *t, size_t nt,
			    double configured)
{
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct stats_check *c = &r->checks[i];
		printf("check\t%s\t%s\treferred\t%ld\tapproved_as_applied\t%ld\tadjusted\t%ld"
		       "\trejected\t%ld\topen\t%ld\tredecided\t%ld\n", c->check_id, c->period, c->referred,
		       c->as_applied, c->adjusted, c->rejected, c->open, c->redecided);
	}
	for (size_t i = 0; i < nt; i++)
		if (to_tune(&t[i]))
			printf("tune\t%s\tdecided\t%ld\tapproved_as_applied\t%ld\n", t[i].id,
			       t[i].decided, t[i].as_applied);
	for (int k = 0; k < STATS_AUDIT_KINDS; k++)
		printf("audit\t%s\traised\t%ld\tresolved\t%ld\tfound_error\t%ld\n", r->audit[k].kind,
		       r->audit[k].raised, r->audit[k].resolved, r->audit[k].found_error);
	printf("sample_rate\trealised\t");
	if (r->auto_approved)
		printf("%.4f", (double)r->sampled_approved / (double)r->auto_approved);
	else
		printf("-");
	printf("\tconfigured\t");
	if (configured >= 0.0)
		printf("%.4f\n", configured);
	else
		printf("-\n");
}

static void print_percent(long part, long whole)
{
	if (whole)
		printf("%6.0f %%", 100.0 * (double)part / (double)whole);
	else
		printf("%8s", "-");
}

/* printf's widths count bytes; the Swedish headings need characters. */
static void column_right(const char *s, int width)
{
	int chars = 0;
	for (const char *p = s; *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	int pad = width > chars ? width - chars : 0;
	printf("%*s%s", pad, "", s);
}

static void print_people(const struct stats_report *r, const struct check_total *t, size_t nt,
			 double configured)
{
	printf("Hänvisningar per kontroll och period, och vad handläggaren sedan beslutade\n\n");
	static const char *const head[] = {"HÄNVISADE", "OFÖRÄNDRADE", "JUSTERADE", "AVSLAGNA",
					   "ÖPPNA", "IGEN", "ANDEL"};
	static const int width[] = {9, 12, 9, 8, 6, 5, 11};
	printf("%-28s %-7s", "KONTROLL", "PERIOD");
	for (int k = 0; k < 7; k++) {
		printf(" ");
		column_right(head[k], width[k]);
	}
	printf("\n");
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct stats_check *c = &r->checks[i];
		printf("%-28s %-7s %9ld %12ld %9ld %8ld %6ld %5ld    ", c->check_id, c->period, c->referred,
		       c->as_applied, c->adjusted, c->rejected, c->open, c->redecided);
		print_percent(c->as_applied, c->as_applied + c->adjusted + c->rejected);
		printf("\n");
	}
	if (r->n_checks == 0)
		printf("(inga hänvisningar i perioden)\n");
	printf("\nOFÖRÄNDRADE: beviljade med det belopp ebba räknade fram.  IGEN: prövade igen av ebba\n"
	       "(efter komplettering eller när ett register svarade igen).  ANDEL: oförändrade av de avgjorda\n"
	       "(oförändrade, justerade och avslagna).\n");
	for (size_t i = 0; i < nt; i++)
		if (to_tune(&t[i]))
			printf("Att se över: %s — %ld av %ld avgjorda hänvisningar beviljades oförändrade."
			       " Kontrollen skickar nästan bara ärenden som ändå beviljas; överväg att"
			       " justera den.\n", t[i].id, t[i].as_applied, t[i].decided);
	static const char *const names[STATS_AUDIT_KINDS] = {"stickprov", "riktad"};
	printf("\n%-12s %9s %10s %10s\n", "GRANSKNING", "FLAGGOR", "AVSLUTADE", "FEL FUNNA");
	for (int k = 0; k < STATS_AUDIT_KINDS; k++)
		printf("%-12s %9ld %10ld %10ld\n", names[k], r->audit[k].raised, r->audit[k].resolved,
		       r->audit[k].found_error);
	printf("\nStickprov: %ld av %ld automatiska beviljanden", r->sampled_approved, r->auto_approved);
	if (r->auto_approved)
		printf(" (%.1f %%)", 100.0 * (double)r->sampled_approved / (double)r->auto_approved);
	if (configured >= 0.0)
		printf("; inställd andel %.1f %%\n", 100.0 * configured);
	else
		printf("; inställd andel okänd\n");
}

int ctl_stats(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	struct window w = {0};
	int rc = parse_args(argc, argv, &w);
	if (rc != CTL_OK)
		return rc;
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	struct stats_report r;
	struct ebba_err err;
	if (store_stats_collect(conn, w.from, w.to, &r, &err) != 0) {
		store_stats_report_free(&r);
		PQfinish(conn);
		return ctl_fail(CTL_USAGE, "ebbactl stats: %s", err.msg);
	}
	PQfinish(conn);
	double configured = configured_rate();
	struct check_total *t = xcalloc(r.n_checks + 1, sizeof(*t));
	size_t nt = totals(&r, t);
	if (ctl_globals.porcelain)
		print_porcelain(&r, t, nt, configured);
	else
		print_people(&r, t, nt, configured);
	free(t);
	store_stats_report_free(&r);
	return CTL_OK;
}
