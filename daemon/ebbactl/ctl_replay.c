/*
 * ebbactl replay DECISION [--rules DIR]
 *
 * Re-evaluates one of ebba's decisions from what was stored with it: the
 * document as received, the frame and date recorded in its trace, and the
 * register evidence, through the daemon's own decision code.  Reports
 * every difference (outcome, amounts, each check, targeted flags, the rule
 * set's hash); exit 0 when there is none, 1 when there is.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/base64.h"
#include "ebba/intake/case_frame.h"
#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/db.h"
#include "ebba/decide/decide.h"
#include "ebba/registers/reg_offline.h"
#include "ebba/rules/rules.h"

static const char DECISION_SQL[] =
	"select d.outcome, coalesce(d.amount::text, ''), coalesce(d.norm::text, ''),"
	" coalesce(d.costs::text, ''), coalesce(d.incomes::text, ''), d.ruleset_name,"
	" d.ruleset_version, d.ruleset_sha256, coalesce(d.trace::text, '{}'),"
	" encode(i.payload, 'base64')"
	" from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id"
	" where d.id = $1::bigint and d.decided_by = 'ebba'";

struct stored {
	PGresult *decision, *checks, *evidence, *flags;
};

static void stored_free(struct stored *s)
{
	PQclear(s->decision);
	PQclear(s->checks);
	PQclear(s->evidence);
	PQclear(s->flags);
}

static PGresult *fetch(PGconn *conn, const char *sql, const char *id, struct ebba_err *err)
{
	const char *p[] = {id};
	PGresult *res = PQexecParams(conn, sql, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	ebba_errf(err, "%s", db_result_error(res));
	PQclear(res);
	return NULL;
}

static int load_stored(PGconn *conn, const char *id, struct stored *s, struct ebba_err *err)
{
	*s = (struct stored){0};
	s->decision = fetch(conn, DECISION_SQL, id, err);
	if (!s->decision)
		return -1;
	if (PQntuples(s->decision) == 0)
		return ebba_errf(err, "no decision %s by ebba", id);
	s->checks = fetch(conn, "select check_id, result, message from ebba.decision_checks"
				" where decision_id = $1::bigint order by ordinal, check_id", id, err);
	s->evidence = fetch(conn, "select source, status, person_ref, encode(raw, 'base64')"
				  " from ebba.register_evidence where decision_id = $1::bigint"
				  " and agency in ('SSBTEK', 'PLAN') order by id", id, err);
	s->flags = fetch(conn, "select reason from ebba.audit_flags where decision_id = $1::bigint"
			       " and kind = 'targeted' order by id", id, err);
	return s->checks && s->evidence && s->flags ? 0 : -1;
}

static const char *reason_of(const json_t *trace, size_t person, const char *key)
{
	json_t *regs = json_object_get(trace, "registers");
	return json_string_value(json_object_get(json_array_get(regs, person), key));
}

/* Rebuilds what the registers answered from the evidence rows. */
static int rebuild_persons(const struct stored *s, const struct application *app, const json_t *trace,
			   struct reg_person *persons, struct ebba_err *err)
{
	for (size_t i = 0; i < app->n_persons; i++) {
		persons[i].pnr = app->persons[i].pnr;
		persons[i].age = app->persons[i].age;
		persons[i].adult = app->persons[i].role != ROLE_CHILD;
	}
	struct ebba_buf raw = {0};
	int rc = 0;
	for (int r = 0; r < PQntuples(s->evidence) && rc == 0; r++) {
		const char *source = PQgetvalue(s->evidence, r, 0);
		const char *status = PQgetvalue(s->evidence, r, 1);
		size_t person = strtoul(PQgetvalue(s->evidence, r, 2), NULL, 10);
		const char *b64 = PQgetvalue(s->evidence, r, 3);
		if (person >= app->n_persons) {
			rc = ebba_errf(err, "evidence names person %zu of %zu", person, app->n_persons);
			break;
		}
		/* PostgreSQL's base64 has line breaks; the decoder skips them. */
		rc = base64_decode(b64, strlen(b64), 8u << 20, &raw, err);
		const char *key = strcmp(source, "ssbtek") == 0 ? "ssbtek_reason" : "attendance_reason";
		if (rc == 0)
			rc = reg_offline_set(&persons[person], app->period, source, status, raw.data ? raw.data : "",
					     raw.len, reason_of(trace, person, key), err);
	}
	buf_free(&raw);
	return rc;
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

static void amount_text(const json_t *v, char out[32])
{
	if (json_is_integer(v))
		snprintf(out, 32, "%lld", (long long)json_integer_value(v));
	else
		out[0] = '\0';
}

static void compare_checks(const struct stored *s, const json_t *now)
{
	json_t *checks = json_object_get(now, "checks");
	size_t n = json_array_size(checks);
	int rows = PQntuples(s->checks);
	for (int r = 0; r < rows; r++) {
		const char *id = PQgetvalue(s->checks, r, 0);
		char stored[1200], current[1200] = "(no such check)", what[128];
		snprintf(stored, sizeof(stored), "%s %s", PQgetvalue(s->checks, r, 1), PQgetvalue(s->checks, r, 2));
		for (size_t k = 0; k < n; k++) {
			json_t *c = json_array_get(checks, k);
			if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
				snprintf(current, sizeof(current), "%s %s",
					 json_string_value(json_object_get(c, "result")),
					 json_string_value(json_object_get(c, "message")));
		}
		snprintf(what, sizeof(what), "check %s", id);
		differ(what, stored, current);
	}
	for (size_t k = 0; k < n; k++) {
		const char *id = json_string_value(json_object_get(json_array_get(checks, k), "id"));
		bool found = false;
		for (int r = 0; r < rows && !found; r++)
			found = strcmp(PQgetvalue(s->checks, r, 0), id) == 0;
		if (!found) {
			char what[128];
			snprintf(what, sizeof(what), "check %s", id);
			differ(what, "(no such check)", json_string_value(json_object_get(json_array_get(checks, k), "result")));
		}
	}
}

static void compare_flags(const struct stored *s, const json_t *now)
{
	struct ebba_buf a = {0}, b = {0};
	for (int r = 0; r < PQntuples(s->flags); r++)
		buf_printf(&a, "%s%s", r ? "; " : "", PQgetvalue(s->flags, r, 0));
	size_t i, k = 0;
	json_t *f;
	json_array_foreach(json_object_get(now, "flags"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "kind")), "targeted") == 0)
			buf_printf(&b, "%s%s", k++ ? "; " : "", json_string_value(json_object_get(f, "reason")));
	differ("targeted flags", a.data ? a.data : "", b.data ? b.data : "");
	buf_free(&a);
	buf_free(&b);
}

static void compare(const struct stored *s, const json_t *now)
{
	static const char *const cols[] = {"outcome", "amount", "norm", "costs", "incomes"};
	for (int k = 0; k < 5; k++) {
		char cur[32];
		json_t *v = json_object_get(now, cols[k]);
		if (k == 0)
			snprintf(cur, sizeof(cur), "%s", json_string_value(v));
		else
			amount_text(v, cur);
		differ(cols[k], PQgetvalue(s->decision, 0, k), cur);
	}
	differ("rule set version", PQgetvalue(s->decision, 0, 6), json_string_value(json_object_get(now, "ruleset_version")));
	differ("rule set sha256", PQgetvalue(s->decision, 0, 7), json_string_value(json_object_get(now, "ruleset_sha256")));
	compare_checks(s, now);
	compare_flags(s, now);
}

static int replay(PGconn *conn, const char *id, const char *rules_dir, const struct ebba_config *cfg)
{
	struct stored s;
	struct ebba_err err;
	struct ebba_buf doc = {0}, diag = {0};
	struct application *app = NULL;
	struct ruleset *rules = NULL;
	struct reg_person *persons = NULL;
	struct cel_arena *arena = cel_arena_new();
	json_t *trace = NULL, *now = NULL;
	int rc = CTL_USAGE;
	if (load_stored(conn, id, &s, &err) != 0) {
		rc = ctl_fail(PQntuples(s.decision) == 0 ? CTL_NO : CTL_USAGE, "ebbactl replay: %s", err.msg);
		goto out;
	}
	trace = json_loads(PQgetvalue(s.decision, 0, 8), 0, NULL);
	const char *b64 = PQgetvalue(s.decision, 0, 9);
	if (!trace || base64_decode(b64, strlen(b64), 64u << 20, &doc, &err) != 0 ||
	    application_parse(doc.data, doc.len, &app, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: decision %s: stored document: %s", id, trace ? err.msg : "no trace");
		goto out;
	}
	struct case_frame frame;
	json_t *fj = json_object_get(trace, "frame");
	char *ftext = json_is_object(fj) ? json_dumps(fj, JSON_COMPACT) : NULL;
	bool has_frame = ftext && case_frame_from_json(ftext, strlen(ftext), &frame, &err) == 0;
	free(ftext);
	bool regs = json_is_true(json_object_get(trace, "registers_configured"));
	if (regs) {
		persons = xcalloc(app->n_persons, sizeof(*persons));
		if (rebuild_persons(&s, app, trace, persons, &err) != 0) {
			rc = ctl_fail(CTL_USAGE, "ebbactl replay: decision %s: evidence: %s", id, err.msg);
			goto out;
		}
	}
	if (ruleset_load(rules_dir, &rules, &diag, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: rules in %s: %s", rules_dir, err.msg);
		goto out;
	}
	struct decide_env env = {.rules = rules, .cfg = cfg, .arena = arena,
				 .registers_configured = regs, .draw_sample = false};
	const char *today = json_string_value(json_object_get(trace, "today"));
	if (decide_application(&env, app, has_frame ? &frame : NULL, persons, today ? today : "",
			       &now, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl replay: %s", err.msg);
		goto out;
	}
	differences = 0;
	if (!ctl_globals.porcelain)
		printf("decision %s (%s):\n", id, app->id);
	compare(&s, now);
	if (!ctl_globals.porcelain && differences)
		printf("  %d difference%s\n", differences, differences == 1 ? "" : "s");
	else if (!ctl_globals.porcelain)
		printf("  no difference\n");
	else
		printf("differences\t%d\n", differences);
	rc = differences ? CTL_NO : CTL_OK;
out:
	json_decref(now);
	json_decref(trace);
	for (size_t i = 0; persons && i < app->n_persons; i++)
		reg_person_clear(&persons[i]);
	free(persons);
	ruleset_free(rules);
	application_free(app);
	cel_arena_free(arena);
	buf_free(&doc);
	buf_free(&diag);
	stored_free(&s);
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
	PGconn *conn = db_connect(cfg.database, "ebbactl", cfg.statement_timeout_ms, &err);
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
