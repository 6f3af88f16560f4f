/*
 * ebbactl whatif --rules DIR [--set PARAM=VALUE ...]
 *                [--period YYYY-MM | --from DATE --to DATE] [--save] [--under-paid]
 *
 * A candidate rule set against ebba's stored decisions of a window
 * (docs/architecture.md §12): each re-decided from its stored document,
 * frame, evidence and date through the replay path (whatif/), nothing
 * asked of a register and nothing stored changed.  Prints the transitions,
 * the change in the amount paid, per check how many more or fewer fail it,
 * every changed decision and every decision that could not be re-decided.
 * Exit 0 when it ran, 1 when the candidate does not load, 2 usage or
 * environment.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/lib/date.h"
#include "ebba/store/access_log.h"
#include "ebba/store/db.h"
#include "ebba/whatif/whatif.h"
#include "ebba/lib/outcome.h"

#define MAX_SETS 32

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl whatif [--rules DIR] [--set PARAM=VALUE ...]\n"
		"                      [--period YYYY-MM | --from YYYY-MM-DD --to YYYY-MM-DD] [--save]\n"
		"                      [--under-paid]\n"
		"\n"
		"Re-decides ebba's stored decisions of the window under a candidate rule set,\n"
		"from each decision's stored document, frame, register evidence and decision\n"
		"date: no register is asked and nothing stored changes.  Reports the outcome\n"
		"transitions, the change in the total amount paid (approved amounts), per check\n"
		"how many applications fail it before and after, every changed decision, and\n"
		"every decision that could not be re-decided, with why.\n"
		"\n"
		"  --rules DIR        the candidate rule set (default: rules_dir of the configuration)\n"
		"  --set PARAM=VALUE  a parameter's value for this run, written as in a rule file\n"
		"                     (80, 2026-09-01, [AF, FK]); it replaces every dated value\n"
		"  --period YYYY-MM   the decisions for that month (the period applied for)\n"
		"  --from, --to DATE  the decisions made on those days (both included)\n"
		"  (no window: every stored decision)\n"
		"  --save             store the run in ebba.whatif_runs (who ran it is the role\n"
		"                     connected as), so ebba-web's What-if page shows it; prints its id\n"
		"  --under-paid       the under-payment report: every stored approval whose amount\n"
		"                     the candidate computes higher, per household and month, with\n"
		"                     the difference the municipality owes, and the total\n"
		"\n"
		"--porcelain prints\n"
		"  total\tdecisions\tN\tchanged\tM\tamount_delta\tK\n"
		"  skipped\tN\n"
		"  transition\tOLD_OUTCOME\tNEW_OUTCOME\tN\n"
		"  check\tCHECK\tfails_before\tN\tfails_after\tM\n"
		"  changed\tDECISION\tOLD_OUTCOME\tNEW_OUTCOME\tOLD_AMOUNT\tNEW_AMOUNT\tNEWLY_FAILING_CHECKS\tCASE\tPERIOD\tOLD_NORM\tNEW_NORM\n"
		"  skip\tDECISION\tWHY\n"
		"  run\tID                     (with --save)\n"
		"  underpaid\tCASE\tPERIOD\tDECISION\tPAID\tSHOULD_BE\tDIFFERENCE   (with --under-paid)\n"
		"  underpaid_total\tHOUSEHOLDS\tMONTHS\tDIFFERENCE             (with --under-paid)\n"
		"(amounts empty when there is none; newly failing checks joined by \",\").\n"
		"\n"
		"exit status: 0 it ran (whatever changed), 1 the candidate does not load\n"
		"(its errors as FILE:LINE:COLUMN: message on stderr), 2 usage or environment.\n");
}

struct args {
	const char *rules;
	struct ruleset_override sets[MAX_SETS];
	size_t n_sets;
	struct whatif_window w;
	bool save;
	bool under_paid;
};

static int add_set(struct args *a, char *arg)
{
	char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return ctl_fail(CTL_USAGE, "ebbactl whatif: --set %s: write PARAM=VALUE", arg);
	if (a->n_sets == MAX_SETS)
		return ctl_fail(CTL_USAGE, "ebbactl whatif: more than %d --set", MAX_SETS);
	*eq = '\0';
	a->sets[a->n_sets++] = (struct ruleset_override){.name = arg, .value = eq + 1};
	return CTL_OK;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {{"rules", required_argument, NULL, 'R'},
					     {"set", required_argument, NULL, 's'},
					     {"period", required_argument, NULL, 'p'},
					     {"from", required_argument, NULL, 'f'},
					     {"to", required_argument, NULL, 't'},
					     {"save", no_argument, NULL, 'S'},
					     {"under-paid", no_argument, NULL, 'U'},
					     {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = CTL_OK;
		switch (c) {
		case 'R': a->rules = optarg; break;
		case 's': rc = add_set(a, optarg); break;
		case 'p': a->w.period = optarg; break;
		case 'f': a->w.from = optarg; break;
		case 't': a->w.to = optarg; break;
		case 'S': a->save = true; break;
		case 'U': a->under_paid = true; break;
		default: usage(stderr); return CTL_USAGE;
		}
		if (rc != CTL_OK)
			return rc;
	}
	if (optind != argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (a->w.period && (a->w.from || a->w.to))
		return ctl_fail(CTL_USAGE, "ebbactl whatif: --period or --from/--to, not both");
	if (a->w.period && !date_is_month(a->w.period))
		return ctl_fail(CTL_USAGE, "ebbactl whatif: '%s' is not a month written YYYY-MM", a->w.period);
	const char *bad = a->w.from && !date_is_iso(a->w.from) ? a->w.from
			: a->w.to && !date_is_iso(a->w.to)     ? a->w.to
							       : NULL;
	if (bad)
		return ctl_fail(CTL_USAGE, "ebbactl whatif: '%s' is not a date written YYYY-MM-DD", bad);
	if (a->w.from && a->w.to && strcmp(a->w.from, a->w.to) > 0)
		return ctl_fail(CTL_USAGE, "ebbactl whatif: --from %s comes after --to %s", a->w.from, a->w.to);
	return CTL_OK;
}

static void amount_text(bool has, int64_t v, char out[32])
{
	if (has)
		snprintf(out, 32, "%lld", (long long)v);
	else
		out[0] = '\0';
}

static void print_porcelain(const struct whatif_result *r)
{
	printf("total\tdecisions\t%lld\tchanged\t%lld\tamount_delta\t%lld\n", (long long)r->total,
	       (long long)r->changed, (long long)whatif_amount_delta(r));
	printf("skipped\t%lld\n", (long long)r->skipped);
	for (int f = 0; f < WHATIF_OUTCOMES; f++)
		for (int t = 0; t < WHATIF_OUTCOMES; t++)
			if (r->transitions[f][t])
				printf("transition\t%s\t%s\t%lld\n", outcome_name(WHATIF_OUTCOME[f]),
				       outcome_name(WHATIF_OUTCOME[t]),
				       (long long)r->transitions[f][t]);
	for (size_t i = 0; i < r->n_checks; i++)
		printf("check\t%s\tfails_before\t%lld\tfails_after\t%lld\n", r->checks[i].id,
		       (long long)r->checks[i].fails_before, (long long)r->checks[i].fails_after);
	for (size_t i = 0; i < r->n_changes; i++) {
		const struct whatif_change *c = &r->changes[i];
		char was[32], now[32];
		amount_text(c->old_has_amount, c->old_amount, was);
		amount_text(c->new_has_amount, c->new_amount, now);
		char on[32], nn[32];
		amount_text(c->old_has_norm, c->old_norm, on);
		amount_text(c->new_has_norm, c->new_norm, nn);
		printf("changed\t%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)c->decision_id,
		       c->old_outcome, c->new_outcome, was, now, c->newly_failing, c->case_id, c->period,
		       on, nn);
	}
	for (size_t i = 0; i < r->n_skips; i++)
		printf("skip\t%lld\t%s\n", (long long)r->skips[i].decision_id, r->skips[i].why);
}

static const char *sv_outcome(const char *o)
{
	enum outcome k;
	return outcome_parse(o, &k) ? outcome_sv_word(k) : o;
}

/* 1234567 as "1 234 567" (a narrow space is not in every terminal font). */
static void kronor(int64_t v, char out[40], bool sign)
{
	char digits[24];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	int n = snprintf(digits, sizeof(digits), "%llu", u), k = 0;
	if (v < 0 || (sign && v > 0))
		out[k++] = v < 0 ? '-' : '+';
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = ' ';
		out[k++] = digits[i];
	}
	out[k] = '\0';
}

/* printf's widths count bytes; Swedish words need characters. */
static void column(const char *s, int width)
{
	int chars = 0;
	for (const char *p = s; *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	printf("%s%*s", s, width > chars ? width - chars : 0, "");
}

static void print_window(const struct whatif_window *w)
{
	if (w->period)
		printf("perioden %s", w->period);
	else if (w->from || w->to)
		printf("beslut fattade %s – %s", w->from ? w->from : "", w->to ? w->to : "");
	else
		printf("alla lagrade beslut");
}

static void print_changes(const struct whatif_result *r)
{
	printf("\nÄndrade beslut (%zu)\n", r->n_changes);
	if (r->n_changes == 0) {
		printf("  (inga)\n");
		return;
	}
	printf("  %-10s ", "BESLUT");
	column("HUSHÅLL", 15);
	column("PERIOD", 9);
	column("FÖRE", 10);
	column("EFTER", 10);
	printf("%13s %12s   ", "BELOPP FÖRE", "EFTER");   /* Ö is two bytes */
	printf("VARFÖR\n");
	for (size_t i = 0; i < r->n_changes; i++) {
		const struct whatif_change *c = &r->changes[i];
		char was[40] = "–", now[40] = "–";
		if (c->old_has_amount)
			kronor(c->old_amount, was, false);
		if (c->new_has_amount)
			kronor(c->new_amount, now, false);
		printf("  %-10lld ", (long long)c->decision_id);
		column(c->case_id, 15);
		column(c->period, 9);
		column(sv_outcome(c->old_outcome), 10);
		column(sv_outcome(c->new_outcome), 10);
		printf("%12s %12s   ", was, now);
		/* why: the checks that fail now and did not, and the norm when it moved */
		bool any = false;
		if (c->newly_failing[0]) {
			printf("underkänd nu: %s", c->newly_failing);
			any = true;
		}
		if (c->old_has_norm && c->new_has_norm && c->old_norm != c->new_norm) {
			char o[40], n[40], d[40];
			kronor(c->old_norm, o, false);
			kronor(c->new_norm, n, false);
			kronor(c->new_norm - c->old_norm, d, true);
			printf("%snormen %s → %s kr (%s)", any ? "; " : "", o, n, d);
			any = true;
		}
		printf("%s\n", any ? "" : "–");
	}
}

static void print_people(const struct whatif_result *r, const struct args *a)
{
	printf("Vad händer om: %s %s (SHA-256 %.12s…) mot ", r->ruleset_name, r->ruleset_version, r->sha256);
	print_window(&a->w);
	printf("\n");
	for (size_t i = 0; i < a->n_sets; i++)
		printf("  satt för körningen: %s = %s\n", a->sets[i].name, a->sets[i].value);
	printf("\n%lld beslut, %lld beslutade på nytt, %lld ändrade, %lld kunde inte beslutas på nytt\n",
	       (long long)r->total, (long long)r->decided, (long long)r->changed, (long long)r->skipped);
	if (r->protected_hidden)
		printf("%lld skyddade ärenden är inte med (bara behöriga ser dem)\n",
		       (long long)r->protected_hidden);
	char before[40], after[40], delta[40];
	kronor(r->paid_before, before, false);
	kronor(r->paid_after, after, false);
	kronor(whatif_amount_delta(r), delta, true);
	printf("Beviljat belopp: %s kr före, %s kr efter (%s kr)\n", before, after, delta);
	printf("\nÄndrade utfall\n");
	bool any = false;
	for (int f = 0; f < WHATIF_OUTCOMES; f++)
		for (int t = 0; t < WHATIF_OUTCOMES; t++)
			if (r->transitions[f][t]) {
				printf("  ");
				column(outcome_sv_word(WHATIF_OUTCOME[f]), 9);
				printf(" → ");
				column(outcome_sv_word(WHATIF_OUTCOME[t]), 9);
				printf(" %8lld\n", (long long)r->transitions[f][t]);
				any = true;
			}
	if (!any)
		printf("  (inga)\n");
	printf("\nUnderkända per kontroll\n  %-28s %8s %8s %9s\n", "KONTROLL", "FÖRE", "EFTER", "SKILLNAD");
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct whatif_check *c = &r->checks[i];
		if (c->fails_before == 0 && c->fails_after == 0)
			continue;
		printf("  %-28s %8lld %8lld %+9lld\n", c->id, (long long)c->fails_before,
		       (long long)c->fails_after, (long long)(c->fails_after - c->fails_before));
	}
	print_changes(r);
	if (r->n_skips) {
		printf("\nKunde inte beslutas på nytt (%zu)\n", r->n_skips);
		for (size_t i = 0; i < r->n_skips; i++)
			printf("  %-10lld %s\n", (long long)r->skips[i].decision_id, r->skips[i].why);
	}
}

/* The under-payment report: per household and month, what a stored approval
 * paid too little under the candidate, and the total owed. */
static void print_under_paid(const struct whatif_result *r)
{
	int64_t total = 0, months = 0, households = 0;
	const char *last_case = NULL;
	if (!ctl_globals.porcelain) {
		printf("\nUnderbetalt: beviljade beslut där beloppet enligt kandidaten är högre\n");
		printf("  ");
		column("HUSHÅLL", 15);
		printf("%-8s %-10s %12s ", "PERIOD", "BESLUT", "BETALT");
		column("RÄTT BELOPP", 12);
		printf(" %12s\n", "SKILLNAD");
	}
	/* by household, then month: changes are by decision id, so sort a copy of indexes */
	size_t *ix = xcalloc(r->n_changes + 1, sizeof(*ix)), n = 0;
	for (size_t i = 0; i < r->n_changes; i++) {
		int64_t d;
		if (whatif_change_underpaid(&r->changes[i], &d))
			ix[n++] = i;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0; k--) {
			const struct whatif_change *a = &r->changes[ix[k - 1]], *b = &r->changes[ix[k]];
			int c = strcmp(a->case_id, b->case_id);
			if (c < 0 || (c == 0 && strcmp(a->period, b->period) <= 0))
				break;
			size_t t = ix[k];
			ix[k] = ix[k - 1];
			ix[k - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		const struct whatif_change *c = &r->changes[ix[i]];
		int64_t d = c->new_amount - c->old_amount;
		total += d;
		months++;
		if (!last_case || strcmp(last_case, c->case_id) != 0)
			households++;
		last_case = c->case_id;
		if (ctl_globals.porcelain) {
			printf("underpaid\t%s\t%s\t%lld\t%lld\t%lld\t%lld\n", c->case_id, c->period,
			       (long long)c->decision_id, (long long)c->old_amount, (long long)c->new_amount,
			       (long long)d);
			continue;
		}
		char paid[40], should[40], diff[40];
		kronor(c->old_amount, paid, false);
		kronor(c->new_amount, should, false);
		kronor(d, diff, true);
		printf("  ");
		column(c->case_id, 15);
		printf("%-8s %-10lld %12s %12s %12s\n", c->period, (long long)c->decision_id, paid, should,
		       diff);
	}
	free(ix);
	if (ctl_globals.porcelain) {
		printf("underpaid_total\t%lld\t%lld\t%lld\n", (long long)households, (long long)months,
		       (long long)total);
		return;
	}
	char t[40];
	kronor(total, t, false);
	if (n == 0)
		printf("  (inga)\n");
	printf("Totalt: %lld hushåll, %lld månader, %s kr att betala ut\n", (long long)households,
	       (long long)months, t);
}

struct progress {
	PGconn *conn;
	int64_t run;          /* stored run, 0: none */
	bool tty;
	bool failed;
	struct ebba_err err;
};

static void progress(void *ctx, int64_t done, int64_t total)
{
	struct progress *p = ctx;
	if (p->tty) {
		fprintf(stderr, "\r%lld av %lld beslut", (long long)done, (long long)total);
		if (done == total)
			fputc('\n', stderr);
	}
	if (p->run && !p->failed && store_whatif_run_progress(p->conn, p->run, done, total, &p->err) != 0)
		p->failed = true;
}

static int load_candidate(const struct args *a, const char *dir, struct ruleset **rs)
{
	struct ebba_buf diag = {0};
	struct ebba_err err;
	int rc = ruleset_load_with(dir, a->sets, a->n_sets, rs, &diag, &err);
	if (rc != 0) {
		if (diag.len)
			fputs(diag.data, stderr);
		fprintf(stderr, "ebbactl whatif: the candidate rule set in %s does not load: %s\n", dir,
			err.msg);
	}
	/* Mistakes in the files are bad input; a directory we cannot read is the environment. */
	int status = rc == 0 ? CTL_OK : diag.len ? CTL_NO : CTL_USAGE;
	buf_free(&diag);
	return status;
}

/* The changed decisions it prints are personal data: a view, logged as
 * ebba-web logs a run's page (the run's id, when it was saved). */
static int log_view(PGconn *conn, int64_t run_id, struct ebba_err *err)
{
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)run_id);
	return store_access_log(conn, "view", "whatif_run", run_id ? id : NULL, "ebbactl", err);
}

static int run(const struct args *a, const char *dir, const struct ebba_config *cfg,
	       const struct ruleset *rs)
{
	struct ebba_err err;
	PGconn *conn = store_db_connect(cfg->database, "ebbactl", cfg->statement_timeout_ms, &err);
	if (!conn)
		return ctl_fail(CTL_USAGE, "ebbactl whatif: %s", err.msg);
	struct progress p = {.conn = conn, .tty = !ctl_globals.porcelain && isatty(STDERR_FILENO)};
	if (a->save && whatif_store_begin(conn, dir, rs, &a->w, a->sets, a->n_sets, &p.run, &err) != 0) {
		PQfinish(conn);
		return ctl_fail(CTL_USAGE, "ebbactl whatif: %s", err.msg);
	}
	struct whatif_opts o = {.candidate = rs, .cfg = cfg, .window = a->w,
				.progress = p.tty || p.run ? progress : NULL, .ctx = &p};
	struct whatif_result r;
	int rc = CTL_OK;
	if (whatif_run(conn, &o, &r, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl whatif: %s", err.msg);
		if (p.run)
			whatif_store_end(conn, p.run, NULL, err.msg, &err);
	} else if (p.failed || (p.run && whatif_store_end(conn, p.run, &r, NULL, &p.err) != 0)) {
		rc = ctl_fail(CTL_USAGE, "ebbactl whatif: %s", p.err.msg);
	} else if (log_view(conn, p.run, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl whatif: %s", err.msg);
	} else if (ctl_globals.porcelain) {
		print_porcelain(&r);
	} else {
		print_people(&r, a);
	}
	if (rc == CTL_OK && a->under_paid)
		print_under_paid(&r);
	if (rc == CTL_OK && p.run)
		printf(ctl_globals.porcelain ? "run\t%lld\n" : "\nSparad som körning %lld.\n",
		       (long long)p.run);
	whatif_result_free(&r);
	PQfinish(conn);
	return rc;
}

int ctl_whatif(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	struct args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc != CTL_OK)
		return rc;
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return CTL_USAGE;
	struct ruleset *rs = NULL;
	const char *dir = a.rules ? a.rules : cfg.rules_dir;
	rc = load_candidate(&a, dir, &rs);
	if (rc == CTL_OK)
		rc = run(&a, dir, &cfg, rs);
	ruleset_free(rs);
	config_free(&cfg);
	return rc;
}
