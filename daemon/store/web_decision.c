/*
 * Beslut's data (include/ebba/store/web_decision.h): one statement builds
 * the decision's JSON in PostgreSQL (one round trip; times formatted once,
 * amounts as whole kronor), unpacked strictly into the typed view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/util.h"
#include "ebba/store/web_decision.h"
#include "ebba/store/web_pages.h"
#include "ebba/store/web_view_list.h"

#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"

static const char DECISION_SQL[] =
	"select json_build_object("
	" 'id', d.id, 'external_id', d.external_id, 'case_id', d.case_id, 'period', d.period,"
	" 'outcome', d.outcome, 'amount', d.amount, 'norm', d.norm, 'costs', d.costs, 'incomes', d.incomes,"
	" 'ruleset_name', d.ruleset_name, 'ruleset_version', d.ruleset_version,"
	" 'ruleset_sha256', d.ruleset_sha256, 'decided_at', " TS("d.decided_at") ","
	" 'decided_by', d.decided_by, 'note', d.note, 'by_ebba', d.inbox_id is not null,"
	" 'received', " TS("i.received_at") ", 'trace', d.trace,"
	" 'checks', coalesce((select json_agg(json_build_object('id', c.check_id, 'result', c.result,"
	"    'message', c.message)"
	"    order by c.result not in ('fail', 'error'), c.ordinal, c.check_id)"
	"    from ebba.decision_checks c where c.decision_id = d.id), '[]'),"
	" 'evidence', coalesce((select json_agg(json_build_object('id', e.id, 'source', e.source,"
	"    'agency', e.agency, 'person_ref', e.person_ref, 'status', e.status,"
	"    'fetched_at', " TS("e.fetched_at") ", 'sha256', e.sha256,"
	"    'bytes', octet_length(e.raw)) order by e.id)"
	"    from ebba.register_evidence e where e.decision_id = d.id), '[]'),"
	" 'flags', coalesce((select json_agg(json_build_object('id', f.id, 'kind', f.kind,"
	"    'reason', f.reason, 'open', f.resolved_at is null, 'verdict', f.verdict,"
	"    'resolved_by', f.resolved_by, 'resolved_at', " TS("f.resolved_at") ") order by f.id)"
	"    from ebba.audit_flags f where f.decision_id = d.id), '[]'),"
	" 'letter', (select l.body from ebba.letters l where l.decision_id = d.id),"
	" 'reviews', coalesce((select json_agg(json_build_object('id', r.id, 'outcome', r.outcome,"
	"    'amount', r.amount, 'decided_by', r.decided_by,"
	"    'decided_at', " TS("r.decided_at") ", 'note', r.note) order by r.id)"
	"    from ebba.decisions r where r.reviews_decision_id = d.id), '[]'),"
	" 'reviewed', d.reviews_decision_id,"
	/* a komplettering (schema 027): what was asked, where it stands, the
	 * files that came (names only: each is downloaded, and logged, alone),
	 * and ebba's re-decision once the answer was decided */
	" 'redecided', (select e.id from ebba.decisions e where e.redecides_decision_id = d.id),"
	" 'redecides', d.redecides_decision_id,"
	/* or after a register did not answer (schema 029): the stamp trigger
	 * wrote why into the re-decision's trace */
	" 'redecided_register', exists (select 1 from ebba.register_retries x where x.decision_id = d.id),"
	" 'redecides_register', coalesce(d.trace -> 'follows' ->> 'why' = 'register', false),"
	" 'komplettering', (select json_build_object('state', ebba.completion_state(d.id),"
	"    'deadline', to_char(q.deadline, 'YYYY-MM-DD'), 'requested_by', q.requested_by,"
	"    'requested_at', " TS("q.requested_at") ", 'message', q.message, 'documents', q.documents,"
	"    'files', coalesce((select json_agg(json_build_object('id', f.id, 'filename', f.filename,"
	"       'media_type', f.media_type, 'bytes', f.bytes, 'sha256', f.sha256) order by f.id)"
	"       from ebba.completion_files f where f.decision_id = d.id), '[]'))"
	"    from ebba.document_requests q where q.decision_id = d.id),"
	/* who has taken the case (schema 028) */
	" 'assignment', (select json_build_object('person', a.person, 'since', " TS("a.taken_at") ","
	"    'mine', a.person = ebba.person()) from ebba.case_assignments a"
	"    where a.case_id = d.case_id and a.released_at is null),"
	/* a person's decision: its lines, who decided by name and title, what
	 * ebba had proposed and why it referred (issue 25) */
	" 'findings', d.findings,"
	" 'decider', case when d.inbox_id is null then (select n.display_name"
	"    || case when n.title <> '' then ', ' || n.title else '' end from ebba.person_name(d.decided_by) n) end,"
	" 'referral', (select json_build_object('amount', o.amount, 'ruleset_sha256', o.ruleset_sha256,"
	"    'failed', coalesce((select json_agg(c.message order by c.ordinal) from ebba.decision_checks c"
	"    where c.decision_id = o.id and c.result in ('fail', 'error')), '[]'))"
	"    from ebba.decisions o where o.id = d.reviews_decision_id),"
	" 'history', coalesce((select json_agg(json_build_object('id', h.id, 'period', h.period,"
	"    'outcome', h.outcome, 'amount', h.amount, 'decided_by', h.decided_by,"
	"    'decided_at', " TS("h.decided_at") ") order by h.decided_at desc, h.id desc)"
	"    from ebba.decisions h where h.case_id = d.case_id and h.id <> d.id), '[]'))"
	" from ebba.decisions d left join ebba.inbox i on i.id = d.inbox_id"
	" where d.id = $1::bigint";

/* An array of n elements of size each, for the list a (checked to be one). */
static void *list(const json_t *a, size_t size, size_t *n)
{
	*n = json_array_size(a);
	return *n ? xcalloc(*n, size) : NULL;
}

static int list_check(const json_t *a, const char *what, struct ebba_err *err)
{
	return json_is_array(a) ? 0 : ebba_errf(err, "decision: %s: expected a list", what);
}

static int read_checks(json_t *a, struct web_decision_view *v, struct ebba_err *err)
{
	if (list_check(a, "checks", err) != 0)
		return -1;
	v->checks = list(a, sizeof(*v->checks), &v->n_checks);
	for (size_t i = 0; i < v->n_checks; i++) {
		struct web_decision_check *c = &v->checks[i];
		const char *result;
		json_t *message;
		if (store_web_unpack(json_array_get(a, i), "decision: checks", err, "{s:s,s:s,s:o}", "id",
				     &c->id, "result", &result, "message", &message) != 0 ||
		    store_web_unpack_opt_str(message, "decision: checks: message", &c->message, err) != 0)
			return -1;
		if (!rule_result_parse(result, &c->result))
			return ebba_errf(err, "decision: checks: unknown result \"%s\"", result);
	}
	return 0;
}

static int read_evidence(json_t *a, struct web_decision_view *v, struct ebba_err *err)
{
	if (list_check(a, "evidence", err) != 0)
		return -1;
	v->evidence = list(a, sizeof(*v->evidence), &v->n_evidence);
	for (size_t i = 0; i < v->n_evidence; i++) {
		struct web_decision_evidence *e = &v->evidence[i];
		const char *source, *status;
		json_t *fetched, *sha, *bytes;
		json_int_t id;
		if (store_web_unpack(json_array_get(a, i), "decision: evidence", err,
				     "{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", &id, "source", &source,
				     "agency", &e->agency, "person_ref", &e->person_ref, "status", &status,
				     "fetched_at", &fetched, "sha256", &sha, "bytes", &bytes) != 0 ||
		    store_web_unpack_opt_str(fetched, "decision: evidence: fetched_at", &e->fetched_at, err) != 0 ||
		    store_web_unpack_opt_str(sha, "decision: evidence: sha256", &e->sha256, err) != 0 ||
		    store_web_unpack_opt_int(bytes, "decision: evidence: bytes", &e->has_bytes, &e->bytes, err) != 0)
			return -1;
		e->id = id;
		if (!ev_source_parse(source, &e->source))
			return ebba_errf(err, "decision: evidence: unknown source \"%s\"", source);
		if (!ev_status_parse(status, &e->status))
			return ebba_errf(err, "decision: evidence: unknown status \"%s\"", status);
	}
	return 0;
}

/* decide.c's table of the kinds' names, read back. */
static bool flag_kind_parse(const char *s, enum decision_flag_kind *out)
{
	static const enum decision_flag_kind kinds[] = {DECISION_FLAG_TARGETED, DECISION_FLAG_SAMPLE};
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(s, decision_flag_kind_name(kinds[i])) == 0) {
			*out = kinds[i];
			return true;
		}
	return false;
}

static int read_flags(json_t *a, struct web_decision_view *v, struct ebba_err *err)
{
	if (list_check(a, "flags", err) != 0)
		return -1;
	v->flags = list(a, sizeof(*v->flags), &v->n_flags);
	for (size_t i = 0; i < v->n_flags; i++) {
		struct web_decision_flag *f = &v->flags[i];
		const char *kind;
		json_t *reason, *verdict, *by, *at;
		json_int_t id;
		int open;
		if (store_web_unpack(json_array_get(a, i), "decision: flags", err,
				     "{s:I,s:s,s:o,s:b,s:o,s:o,s:o}", "id", &id, "kind", &kind, "reason",
				     &reason, "open", &open, "verdict", &verdict, "resolved_by", &by,
				     "resolved_at", &at) != 0 ||
		    store_web_unpack_opt_str(reason, "decision: flags: reason", &f->reason, err) != 0 ||
		    store_web_unpack_opt_str(verdict, "decision: flags: verdict", &f->verdict, err) != 0 ||
		    store_web_unpack_opt_str(by, "decision: flags: resolved_by", &f->resolved_by, err) != 0 ||
		    store_web_unpack_opt_str(at, "decision: flags: resolved_at", &f->resolved_at, err) != 0)
			return -1;
		f->id = id;
		f->open = open;
		if (!flag_kind_parse(kind, &f->kind))
			return ebba_errf(err, "decision: flags: unknown kind \"%s\"", kind);
	}
	return 0;
}

static int read_amount(json_t *j, const char *what, struct web_amount *out, struct ebba_err *err)
{
	return store_web_unpack_opt_int(j, what, &out->has, &out->kr, err);
}

/* reviews ({id, outcome, amount, decided_by, decided_at, note}) when
 * reviews is true, else history ({id, period, outcome, amount, decided_by,
 * decided_at}). */
static int read_others(json_t *a, bool reviews, struct web_decision_other **out, size_t *n,
		       struct ebba_err *err)
{
	const char *what = reviews ? "decision: reviews" : "decision: history";
	if (list_check(a, what, err) != 0)
		return -1;
	*out = list(a, sizeof(**out), n);
	for (size_t i = 0; i < *n; i++) {
		struct web_decision_other *o = &(*out)[i];
		const char *outcome;
		json_t *amount, *note;
		json_int_t id;
		int rc = reviews
			? store_web_unpack(json_array_get(a, i), what, err, "{s:I,s:s,s:o,s:s,s:s,s:o}", "id", &id,
					   "outcome", &outcome, "amount", &amount, "decided_by", &o->decided_by,
					   "decided_at", &o->decided_at, "note", &note)
			: store_web_unpack(json_array_get(a, i), what, err, "{s:I,s:s,s:s,s:o,s:s,s:s}", "id", &id,
					   "period", &o->period, "outcome", &outcome, "amount", &amount,
					   "decided_by", &o->decided_by, "decided_at", &o->decided_at);
		if (rc != 0 || store_web_parse_outcome(outcome, what, &o->outcome, err) != 0 ||
		    read_amount(amount, what, &o->amount, err) != 0 ||
		    (reviews && store_web_unpack_opt_str(note, what, &o->note, err) != 0))
			return -1;
		o->id = id;
	}
	return 0;
}

static int read_request(json_t *k, struct web_decision_view *v, struct ebba_err *err)
{
	if (json_is_null(k))
		return 0;
	struct web_decision_request *r = &v->request;
	json_t *message, *files;
	if (store_web_unpack(k, "decision: komplettering", err, "{s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "state",
			     &r->state, "deadline", &r->deadline, "requested_by", &r->requested_by,
			     "requested_at", &r->requested_at, "message", &message, "documents",
			     &r->documents, "files", &files) != 0 ||
	    store_web_unpack_opt_str(message, "decision: komplettering: message", &r->message, err) != 0 ||
	    list_check(files, "komplettering: files", err) != 0)
		return -1;
	v->has_request = true;
	r->files = list(files, sizeof(*r->files), &r->n_files);
	for (size_t i = 0; i < r->n_files; i++) {
		struct web_decision_file *f = &r->files[i];
		json_int_t id, bytes;
		if (store_web_unpack(json_array_get(files, i), "decision: komplettering: files", err,
				     "{s:I,s:s,s:s,s:I,s:s}", "id", &id, "filename", &f->filename,
				     "media_type", &f->media_type, "bytes", &bytes, "sha256", &f->sha256) != 0)
			return -1;
		f->id = id;
		f->bytes = bytes;
	}
	return 0;
}

static int read_assignment(json_t *a, struct web_decision_view *v, struct ebba_err *err)
{
	if (json_is_null(a))
		return 0;
	int mine;
	if (store_web_unpack(a, "decision: assignment", err, "{s:s,s:s,s:b}", "person",
			     &v->assignment.person, "since", &v->assignment.since, "mine", &mine) != 0)
		return -1;
	v->has_assignment = true;
	v->assignment.mine = mine;
	return 0;
}

static int read_referral(json_t *o, struct web_decision_view *v, struct ebba_err *err)
{
	if (json_is_null(o))
		return 0;
	struct web_decision_referral *r = &v->referral;
	json_t *amount, *failed;
	if (store_web_unpack(o, "decision: referral", err, "{s:o,s:s,s:o}", "amount", &amount,
			     "ruleset_sha256", &r->ruleset_sha256, "failed", &failed) != 0 ||
	    read_amount(amount, "decision: referral: amount", &r->amount, err) != 0 ||
	    list_check(failed, "referral: failed", err) != 0)
		return -1;
	v->has_referral = true;
	r->failed = list(failed, sizeof(*r->failed), &r->n_failed);
	for (size_t i = 0; i < r->n_failed; i++)
		if (store_web_unpack_opt_str(json_array_get(failed, i), "decision: referral: failed",
				     &r->failed[i], err) != 0)
			return -1;
	return 0;
}

/* The lists and the nullable parts, each read from the json_t the top
 * level's unpack left it as. */
struct decision_parts {
	json_t *amount, *norm, *costs, *incomes, *external_id, *note, *received, *letter, *decider,
		*checks, *evidence, *flags, *reviews, *history, *reviewed, *redecided, *redecides,
		*komplettering, *assignment, *referral, *ruleset_name, *ruleset_version, *ruleset_sha256;
};

static int read_parts(const struct decision_parts *p, struct web_decision_view *v, struct ebba_err *err)
{
	if (read_amount(p->amount, "decision: amount", &v->amount, err) != 0 ||
	    read_amount(p->norm, "decision: norm", &v->norm, err) != 0 ||
	    read_amount(p->costs, "decision: costs", &v->costs, err) != 0 ||
	    read_amount(p->incomes, "decision: incomes", &v->incomes, err) != 0 ||
	    store_web_unpack_opt_str(p->external_id, "decision: external_id", &v->external_id, err) != 0 ||
	    store_web_unpack_opt_str(p->ruleset_name, "decision: ruleset_name", &v->ruleset_name, err) != 0 ||
	    store_web_unpack_opt_str(p->ruleset_version, "decision: ruleset_version", &v->ruleset_version, err) != 0 ||
	    store_web_unpack_opt_str(p->ruleset_sha256, "decision: ruleset_sha256", &v->ruleset_sha256, err) != 0 ||
	    store_web_unpack_opt_str(p->note, "decision: note", &v->note, err) != 0 ||
	    store_web_unpack_opt_str(p->received, "decision: received", &v->received, err) != 0 ||
	    store_web_unpack_opt_str(p->letter, "decision: letter", &v->letter, err) != 0 ||
	    store_web_unpack_opt_str(p->decider, "decision: decider", &v->decider, err) != 0 ||
	    store_web_unpack_opt_int(p->reviewed, "decision: reviewed", &v->has_reviewed, &v->reviewed, err) != 0 ||
	    store_web_unpack_opt_int(p->redecided, "decision: redecided", &v->has_redecided, &v->redecided, err) != 0 ||
	    store_web_unpack_opt_int(p->redecides, "decision: redecides", &v->has_redecides, &v->redecides, err) != 0)
		return -1;
	if (read_checks(p->checks, v, err) != 0 || read_evidence(p->evidence, v, err) != 0 ||
	    read_flags(p->flags, v, err) != 0 ||
	    read_others(p->reviews, true, &v->reviews, &v->n_reviews, err) != 0 ||
	    read_others(p->history, false, &v->history, &v->n_history, err) != 0 ||
	    read_request(p->komplettering, v, err) != 0 || read_assignment(p->assignment, v, err) != 0 ||
	    read_referral(p->referral, v, err) != 0)
		return -1;
	return 0;
}

static int read_view(struct web_decision_view *v, struct ebba_err *err)
{
	struct decision_parts p;
	const char *outcome;
	json_int_t id;
	int by_ebba, redecided_register, redecides_register;
	if (store_web_unpack(v->doc_, "decision", err,
			     "{s:I,s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:s,s:o,s:b,s:o,s:o,"
			     "s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:o,s:o,s:o}",
			     "id", &id, "external_id", &p.external_id, "case_id", &v->case_id, "period",
			     &v->period, "outcome", &outcome, "amount", &p.amount, "norm", &p.norm, "costs",
			     &p.costs, "incomes", &p.incomes, "ruleset_name", &p.ruleset_name,
			     "ruleset_version", &p.ruleset_version, "ruleset_sha256", &p.ruleset_sha256,
			     "decided_at", &v->decided_at, "decided_by", &v->decided_by, "note", &p.note,
			     "by_ebba", &by_ebba, "received", &p.received, "trace", &v->trace, "checks",
			     &p.checks, "evidence", &p.evidence, "flags", &p.flags, "letter", &p.letter,
			     "reviews", &p.reviews, "reviewed", &p.reviewed, "redecided", &p.redecided,
			     "redecides", &p.redecides, "redecided_register", &redecided_register,
			     "redecides_register", &redecides_register, "komplettering", &p.komplettering,
			     "assignment", &p.assignment, "findings", &v->findings, "decider", &p.decider,
			     "referral", &p.referral, "history", &p.history) != 0 ||
	    store_web_parse_outcome(outcome, "decision", &v->outcome, err) != 0)
		return -1;
	v->id = id;
	v->by_ebba = by_ebba;
	v->redecided_register = redecided_register;
	v->redecides_register = redecides_register;
	if (json_is_null(v->trace))
		v->trace = NULL;
	store_web_decision_trace_read(v->trace, &v->trace_view);
	if (json_is_null(v->findings))
		v->findings = NULL;
	return read_parts(&p, v, err);
}

int store_web_decision_view_read(json_t *doc, struct web_decision_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	out->doc_ = doc;
	if (read_view(out, err) != 0) {
		store_web_decision_view_free(out);
		return -1;
	}
	return 0;
}

int store_web_decision(PGconn *db, const char *id, struct web_decision_view *out, bool *found,
		       struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	*found = false;
	if (!store_web_is_id(id))
		return 0;
	const char *p[] = {id};
	json_t *doc;
	if (store_web_json(db, DECISION_SQL, 1, p, &doc, err) != 0)
		return -1;
	if (!doc)
		return 0;
	if (store_web_decision_view_read(doc, out, err) != 0)
		return -1;
	*found = true;
	return 0;
}

void store_web_decision_view_free(struct web_decision_view *v)
{
	free(v->checks);
	free(v->evidence);
	free(v->flags);
	free(v->reviews);
	free(v->history);
	free(v->request.files);
	free(v->referral.failed);
	store_web_decision_trace_free(&v->trace_view);
	json_decref(v->doc_);
	memset(v, 0, sizeof(*v));
}
