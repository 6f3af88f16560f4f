/*
 * ebbactl replay DECISION [--rules DIR]
 *
 * Re-evaluates one of ebba's decisions from what was stored with it: the
 * document as received, the frame, date and history of the year stored
 * with it (ebba.decision_inputs, schema 032; facts/history.h), and the
 * register evidence, through the daemon's own decision code; the inputs
 * are rebuilt by what-if's own code (whatif/whatif_inputs.c), so a replay
 * and a what-if re-decide alike.  Reports
 * every difference (outcome, amounts, each check, targeted flags, the rule
 * set's hash, the delegation an automatic outcome relied on); exit 0 when there is none, 1 when there is.
 * What it prints is personal data (the household's amounts and checks):
 * each decision replayed writes its access_log row ("view") first.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/intake/case_frame.h"
#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/access_log.h"
#include "ebba/store/db.h"
#include "ebba/store/decisions.h"
#include "ebba/decide/decide.h"
#include "ebba/registers/registers.h"
#include "ebba/rules/rules.h"
#include "ebba/whatif/whatif.h"

/* The stored decision as what-if reads one (whatif.h), for the one rebuild of its inputs. */
static void as_row(const struct stored_decision *s, struct whatif_row *row, struct whatif_evidence *ev)
{
	*row = (struct whatif_row){.document = s->document.data ? s->document.data : "",
		.document_len = s->document.len, .inputs = s->inputs, .n_evidence = s->n_evidence};
	for (size_t r = 0; r < s->n_evidence; r++)
		ev[r] = (struct whatif_evidence){.source = s->evidence[r].source,
			.status = s->evidence[r].status, .person_ref = s->evidence[r].person_ref,
			.raw = s->evidence[r].raw.data ? s->evidence[r].raw.data : "",
			.len = s->evidence[r].raw.len};
}

static int differences;

static void differ(const char *what, const char *stored, const char *now)
{
	if (strcmp(stored, now) == 0)
		return;
	differences++;
	if (ctl_globals.porcelain)
		printf("diff\t%s\t%s\t%s\n", what, stored, now);
	else
		printf("  %-24s stored: %s\n  %-24s now:    %s\n", what, *stored ? stored : "(none)", "",
		       *now ? now : "(none)");
}

static void amount_text(bool has, int64_t v, char out[32])
{
	if (has)
		snprintf(out, 32, "%lld", (long long)v);
	else
		out[0] = '\0';
}

static void what_check(char what[128], const char *id)
{
	snprintf(what, 128, "check %s", id);
}

static void compare_checks(const struct stored_checks *stored, const struct decision *now)
{
	for (size_t r = 0; r < stored->n; r++) {
		const struct stored_check *sc = &stored->rows[r];
		char was[1200], current[1200] = "(no such check)", what[128];
		snprintf(was, sizeof(was), "%s %s", sc->result, sc->message);
		for (size_t k = 0; k < now->n_checks; k++) {
			const struct decision_check *c = &now->checks[k];
			if (strcmp(c->id, sc->id) == 0)
				snprintf(current, sizeof(current), "%s %s", rule_result_name(c->result), c->message);
		}
		what_check(what, sc->id);
		differ(what, was, current);
	}
	for (size_t k = 0; k < now->n_checks; k++) {
		const struct decision_check *c = &now->checks[k];
		bool found = false;
		for (size_t r = 0; r < stored->n && !found; r++)
			found = strcmp(stored->rows[r].id, c->id) == 0;
		if (!found) {
			char what[128];
			what_check(what, c->id);
			differ(what, "(no such check)", rule_result_name(c->result));
		}
	}
}

static void compare_flags(const struct stored_decision *s, const struct decision *now)
{
	struct ebba_buf a = {0}, b = {0};
	for (size_t r = 0; r < s->n_targeted; r++)
		buf_printf(&a, "%s%s", r ? "; " : "", s->targeted[r]);
	size_t k = 0;
	for (size_t i = 0; i < now->n_flags; i++)
		if (now->flags[i].kind == DECISION_FLAG_TARGETED)
			buf_printf(&b, "%s%s", k++ ? "; " : "", now->flags[i].reason);
	differ("targeted flags", a.data ? a.data : "", b.data ? b.data : "");
	buf_free(&a);
	buf_free(&b);
}

static void compare(const struct stored_decision *s, const struct decision *now)
{
	const char *stored[] = {s->amount, s->norm, s->costs, s->incomes};
	const int64_t current[] = {now->amount, now->norm, now->costs, now->incomes};
	static const char *const cols[] = {"amount", "norm", "costs", "incomes"};
	differ("outcome", s->outcome, now->outcome);
	for (int k = 0; k < 4; k++) {
		char cur[32];
		amount_text(now->has_amount, current[k], cur);
		differ(cols[k], stored[k], cur);
	}
	differ("rule set version", s->ruleset_version, now->ruleset_version);
	differ("rule set sha256", s->ruleset_sha256, now->ruleset_sha256);
	differ("delegation", s->delegation, now->delegation ? now->delegation : "");
	compare_checks(&s->checks, now);
	compare_flags(s, now);
}

static int replay(PGconn *conn, const char *id, const char *rules_dir, const struct ebba_config *cfg)
{
	struct stored_decision s;
	struct ebba_err err;
	struct ebba_buf diag = {0};
	struct ruleset *rules = NULL;
	struct app_parser *parser = NULL;
	struct whatif_inputs in = {0};
	struct whatif_evidence *ev = NULL;
	struct cel_arena *arena = cel_arena_new();
	struct decision now;
	bool found = false;
	int rc = CTL_USAGE;
	decision_init(&now);
	if (store_decision_load(conn, id, &s, &found, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: %s", err.msg);
		goto out;
	}
	if (!found) {
		rc = ctl_fail(CTL_NO, "ebbactl replay: no decision %s by ebba", id);
		goto out;
	}
	if (store_access_log(conn, "view", "decision", id, "ebbactl", &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: %s", err.msg);
		goto out;
	}
	struct whatif_row row;
	ev = xcalloc(s.n_evidence + 1, sizeof(*ev));
	as_row(&s, &row, ev);
	if (!(parser = app_parser_new(NULL, &err)) || whatif_inputs_build(parser, &row, ev, &in, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: decision %s: %s", id, err.msg);
		goto out;
	}
	if (ruleset_load(rules_dir, &rules, &diag, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: rules in %s: %s", rules_dir, err.msg);
		goto out;
	}
	struct decide_env env = {.rules = rules, .cfg = cfg, .arena = arena};
	if (whatif_redecide(&env, &in, &now, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: %s", err.msg);
		goto out;
	}
	differences = 0;
	if (!ctl_globals.porcelain)
		printf("decision %s (%s):\n", id, in.app->id);
	compare(&s, &now);
	if (!ctl_globals.porcelain && differences)
		printf("  %d difference%s\n", differences, differences == 1 ? "" : "s");
	else if (!ctl_globals.porcelain)
		printf("  no difference\n");
	else
		printf("differences\t%d\n", differences);
	rc = differences ? CTL_NO : CTL_OK;
out:
	decision_free(&now);
	whatif_inputs_free(&in);
	app_parser_free(parser);
	free(ev);
	ruleset_free(rules);
	cel_arena_free(arena);
	buf_free(&diag);
	store_decision_free(&s);
	return rc;
}

int ctl_replay(int argc, char **argv)
{
	static const struct option opts[] = {{"rules", required_argument, NULL, 'R'}, {NULL, 0, NULL, 0}};
	if (ctl_wants_help(argc, argv)) {
		printf("usage: ebbactl replay DECISION... [--rules DIR]\n"
		       "Re-evaluates stored decisions and reports every difference; exit 1 if any.\n");
		return CTL_OK;
	}
	const char *rules = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'R')
			return ctl_fail(CTL_USAGE, "usage: ebbactl replay DECISION... [--rules DIR]");
		rules = optarg;
	}
	if (optind >= argc)
		return ctl_fail(CTL_USAGE, "usage: ebbactl replay DECISION... [--rules DIR]");
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return CTL_USAGE;
	struct ebba_err err;
	PGconn *conn = store_db_connect(cfg.database, "ebbactl", cfg.statement_timeout_ms, &err);
	int rc = CTL_OK;
	if (!conn)
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: %s", err.msg);
	for (int i = optind; conn && i < argc; i++) {
		int r = replay(conn, argv[i], rules ? rules : cfg.rules_dir, &cfg);
		if (r > rc)
			rc = r;
	}
	PQfinish(conn);
	config_free(&cfg);
	return rc;
}
