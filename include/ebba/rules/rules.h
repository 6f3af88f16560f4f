/*
 * Rule sets (docs/architecture.md §6, docs/rules.md): a directory of YAML files that
 * supervisors write -- parameters with dated values, derived facts, checks,
 * the calculation, audit sampling and flags, letter templates and tests.
 *
 * Loading validates everything before anything is used and reports every
 * problem found as "file:line:column: message" (1-based), one per line, in
 * the diagnostics buffer; warnings (a provisional parameter value, ...) go
 * there too, as "file:line:column: warning: message".  A rule set that does
 * not load is never returned.
 *
 * A loaded rule set is immutable: many threads may decide with it at once,
 * each with its own arena.  Every expression is compiled once, at load.
 */
#ifndef EBBA_RULES_H
#define EBBA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ebba/cel/cel.h"
#include "ebba/lib/error.h"
#include "ebba/facts/facts.h"
#include "ebba/lib/util.h"

#define RULES_MAX_FILE_BYTES (1u << 20)
#define RULES_MAX_FILES 64

struct ruleset;

/*
 * Loads and validates every *.yaml file of dir (not subdirectories: the
 * tests in dir/tests/ are not part of the decision path).  On failure
 * returns -1, *out is NULL, diagnostics holds every problem found and err
 * says how many ("rules: 3 errors").  diagnostics may be NULL.
 */
int ruleset_load(const char *dir, struct ruleset **out, struct ebba_buf *diagnostics,
		 struct ebba_err *err);

/*
 * A parameter's value set for one run (what-if): value is written as in a
 * rule file ("80", "2026-09-01", "[AF, FK]") and replaces every dated
 * value of the parameter name, so it is in force on every date.
 */
struct ruleset_override {
	const char *name, *value;
};

/*
 * ruleset_load with the overrides applied before anything is compiled or
 * dry-run; a mistake in one (an unknown parameter, a value of another
 * type) is a diagnostic "--set NAME:line:column: ...".  The SHA-256 then
 * covers the overrides too (ruleset_sha256), so it names the candidate.
 */
int ruleset_load_with(const char *dir, const struct ruleset_override *ov, size_t n_ov,
		      struct ruleset **out, struct ebba_buf *diagnostics, struct ebba_err *err);

/* The same from one YAML document in memory (name is used in messages). */
int ruleset_load_buffer(const char *name, const char *yaml, size_t len, struct ruleset **out,
			struct ebba_buf *diagnostics, struct ebba_err *err);

void ruleset_free(struct ruleset *rs);

const char *ruleset_name(const struct ruleset *rs);
const char *ruleset_version(const struct ruleset *rs);
/* Lower-case hex SHA-256 over the files, sorted by name: name NUL content NUL. */
const char *ruleset_sha256(const struct ruleset *rs);
/* The first month the rule set decides: "YYYY-MM". */
const char *ruleset_valid_from(const struct ruleset *rs);
/* Number of checks and of warnings found at load (parameters: ruleset_n_params). */
size_t ruleset_n_checks(const struct ruleset *rs);
size_t ruleset_n_warnings(const struct ruleset *rs);
/* The audit sample rate the rule set gives for an outcome ("approved",
 * "referred", "rejected"), a share 0..1; 0 for an unknown outcome. */
double ruleset_sample_rate(const struct ruleset *rs, const char *outcome);

/* ---- Reading a loaded rule set (for people: ebba-web's Regler page) --------------- */

/*
 * Read-only views into a rule set.  Every pointer in a view points into rs
 * (nothing to free) and is valid while rs lives.  i counts from 0 to
 * ruleset_n_params / ruleset_n_checks - 1, in the order of the files
 * (sorted by name) and of the entries within them.
 */
struct ruleset_param_value_view {
	const char *from;          /* "YYYY-MM-DD": in force from this day */
	const char *value;         /* the value for people: "3950", "ja", "lön, pension" */
	const char *source;        /* where the figure comes from, as the file says */
	bool provisional;
};

struct ruleset_param_view {
	const char *name;          /* "riksnorm_single" (params.riksnorm_single in expressions) */
	size_t n_values;
	const struct ruleset_param_value_view *values;   /* sorted by from, oldest first */
};

struct ruleset_check_view {
	const char *id;            /* "plan-attendance" */
	const char *group;         /* "ansökan", ...; "" if none */
	const char *outcome;       /* "refer" or "reject": what a failure means */
	const char *when;          /* the `when` expression as written, or NULL: always */
	const char *expr;          /* the expression that must hold, as written */
	const char *message;       /* the message template as written, with its {{ }} parts */
	const char *description;   /* what the check asks, in words, or NULL */
	/* retry: registers: a referral failing only such checks is decided
	 * again by ebbad once the registers answer (schema 029) */
	bool retry_registers;
};

size_t ruleset_n_params(const struct ruleset *rs);
/* Fills *out with parameter i; returns -1 (out untouched) if i is out of range. */
int ruleset_param(const struct ruleset *rs, size_t i, struct ruleset_param_view *out);
/* Fills *out with check i; returns -1 (out untouched) if i is out of range. */
int ruleset_check(const struct ruleset *rs, size_t i, struct ruleset_check_view *out);

/*
 * The reason catalogue (rules/reasons.yaml; docs/rules.md, "reasons"): what
 * a person may give as the reason for deciding a line of a referral.
 * Strings point into rs.  provision is the one in force on the date asked
 * for (NULL: the newest), or NULL when none is.
 */
struct ruleset_reason_view {
	const char *id;            /* "cost-over-reasonable" */
	const char *text;          /* the sentence for the letter */
	const char *provision;     /* "12 kap. 1 och 7 §§ socialtjänstlagen (2025:400)" */
	const char *const *checks; /* the checks it answers */
	size_t n_checks;
};

size_t ruleset_n_reasons(const struct ruleset *rs);
/* Fills *out with reason i as on date; -1 (out untouched) if i is out of range. */
int ruleset_reason(const struct ruleset *rs, size_t i, const char *date, struct ruleset_reason_view *out);
/* The reason called id, as on date: true and *out filled, or false. */
bool ruleset_reason_by_id(const struct ruleset *rs, const char *id, const char *date,
			  struct ruleset_reason_view *out);
/* How to appeal, the text in force on date (NULL: the newest), or NULL if the set has none. */
const char *ruleset_appeal(const struct ruleset *rs, const char *date);

/*
 * The sentences a person's decision letter writes around the catalogue's
 * reasons (reasons.yaml, `sentences`; decide/verdict.c), dated like the
 * appeal text.  Each has a closed set of {placeholders}, which the loader
 * checks and verdict.c fills in: a cost's name in lower case ({kostnad})
 * or as a line begins ({Kostnad}), amounts as Swedes write them.
 */
enum ruleset_sentence {
	SENTENCE_COST_REFUSED,      /* {kostnad} {godtas}: the refused part of a cost */
	SENTENCE_COST_ACCEPTED,     /* {Kostnad} {godtas} {sokt}: what was accepted of it */
	SENTENCE_INCOME_COUNTED,    /* {Inkomst} {raknas} {uppgett}: an income counted */
	SENTENCE_WHOLE_REJECTED,    /* the whole application rejected */
	SENTENCE_NOTE,              /* {bedomning}: the person's own words */
	SENTENCE_DECIDED_BY,        /* {namn} {titel}: who decided */
	SENTENCE_DECIDED_BY_UNTITLED, /* {namn}: who decided, without a title */
	SENTENCE_COUNT
};
/* Its name in reasons.yaml ("cost-refused", ...). */
const char *ruleset_sentence_name(enum ruleset_sentence s);
/* The sentence in force on date (NULL: the newest), or NULL if the set has none. */
const char *ruleset_sentence(const struct ruleset *rs, enum ruleset_sentence s, const char *date);

/*
 * Komplettering (rules/documents.yaml, letters.documents_requested;
 * docs/rules.md, "documents"; schema 027 and 030): the documents catalogue
 * and the one renderer of the request's letter, which ebbactl, ebba-web
 * and ebbad all use.  Strings point into rs.
 */
size_t ruleset_n_documents(const struct ruleset *rs);
/* Entry i of the catalogue; -1 (id, text untouched) if i is out of range. */
int ruleset_document(const struct ruleset *rs, size_t i, const char **id, const char **text);
/* The catalogue's text for id, or NULL. */
const char *ruleset_document_text(const struct ruleset *rs, const char *id);
/*
 * The request for the n documents ids (each in the catalogue, else -1 with
 * err naming it), the message (NULL or "": none) and the deadline
 * (YYYY-MM-DD): docs gets [{"id", "text"}], letter the rule set's
 * letters.documents_requested filled in (-1 if the set has none).
 */
int ruleset_documents_request(const struct ruleset *rs, const char *const *ids, size_t n,
			      const char *message, const char *deadline, json_t *docs,
			      struct ebba_buf *letter, struct ebba_err *err);

/*
 * A delegation: the committee decision that lets ebba decide automatically
 * (docs/rules.md, "delegation").  Strings point into rs (`rules explain`
 * shows them all: ruleset_explain_model).
 */
struct ruleset_delegation_view {
	const char *body;          /* "Socialnämnden" */
	const char *decided;       /* "YYYY-MM-DD": when the body decided it */
	const char *reference;     /* paragraph or point of the delegation ordinance */
	const char *valid_from;    /* "YYYY-MM-DD" */
	const char *valid_until;   /* "YYYY-MM-DD", or "": until further notice */
	bool approved, rejected;   /* the automatic outcomes it covers */
	bool example;              /* the shipped example a municipality must replace */
	const char *label;         /* one line naming it, as letters and traces do */
};

/*
 * Whether a delegation in force on date ("YYYY-MM-DD") covers outcome
 * ("approved" or "rejected"); if so and out is not NULL, fills it with
 * the one decisions rely on (the first in file order).
 */
bool ruleset_delegation_in_force(const struct ruleset *rs, const char *date, const char *outcome,
				 struct ruleset_delegation_view *out);

/*
 * The rule set published (`ebbactl rules explain`, ebba-web's Regelverket):
 * a JSON model of everything a reader needs -- name, version, SHA-256,
 * the delegation, each check (its description, condition and message),
 * every parameter with its dated values and sources, the calculation and
 * the derived facts, the audit sample and flags, the letter's paragraphs.
 * The caller owns the model (json_decref).  The HTML form is the template
 * explain.html over this model; ruleset_explain_markdown() appends the
 * same document as Markdown, every text escaped for Markdown.
 */
json_t *ruleset_explain_model(const struct ruleset *rs);
void ruleset_explain_markdown(const struct ruleset *rs, struct ebba_buf *out);

enum rule_result { RULE_PASS, RULE_FAIL, RULE_SKIP, RULE_ERROR };
const char *rule_result_name(enum rule_result r);   /* "pass", "fail", "skip", "error" */
/* True and *out set when s is one of the names; false otherwise (s may be NULL). */
bool rule_result_parse(const char *s, enum rule_result *out);

struct rule_check_result {
	const char *id;
	enum rule_result result;
	const char *outcome;      /* "refer" or "reject": what a failure means */
	const char *message;      /* failures and errors; "" for pass/skip */
};

struct rule_flag {
	const char *id;
	const char *reason;
};

/* One paragraph of the letter's reasons (letters.reasons), as rendered. */
struct rule_paragraph {
	const char *id;
	const char *text;          /* "" when its `when` was false or its list empty */
};

/* The check id and message of a referral for want of a delegation. */
#define RULE_DELEGATION_CHECK "ebba-delegation"
#define RULE_DELEGATION_MESSAGE "Ingen delegation för automatiskt beslut gäller"

struct rule_decision {
	const char *outcome;                  /* "approved" | "referred" | "rejected" */
	bool has_amount;
	int64_t amount, norm, costs, incomes;
	struct rule_check_result *checks;
	size_t n_checks;
	struct rule_flag *flags;              /* targeted audit flags */
	size_t n_flags;
	const char *letter;                   /* approvals, ebba's request for documents, else NULL */
	/* calculation.notes: lines for people beside the amounts ("Jobbstimulans,
	 * sökande: 1 000 kr räknas inte"); none when the rule set has no notes */
	const char **notes;
	size_t n_notes;
	struct rule_paragraph *paragraphs;    /* the letter's reasons as rendered (approvals) */
	size_t n_paragraphs;
	const char *delegation;               /* the label of the delegation an automatic
						 outcome relied on; NULL for a referral */
	/* ebba asks by itself (schema 030): a referral whose every failed check
	 * has outcome complete, with completion_days > 0, gets the checks'
	 * documents as JSON [{"id", "text"}], the deadline (the decision date
	 * plus completion_days) and, in letter, the request's letter; NULL
	 * for every other decision */
	const char *request_documents, *request_deadline;
	const char *trace_json;               /* notes, parameters, derived facts, calculation */
	double sample_rate;                   /* audit sample rate for this outcome */
};

/*
 * Decides one application.  All strings and arrays of out live in arena
 * (the caller resets it).  allow_reject=false turns every "reject" into
 * "refer".  Never fails for data reasons: an expression that cannot be
 * evaluated becomes a RULE_ERROR check and the outcome "referred".
 * Returns -1 only for a misuse (NULL arguments).
 */
int ruleset_decide(const struct ruleset *rs, const struct decision_inputs *in, bool allow_reject,
		   struct cel_arena *arena, struct rule_decision *out, struct ebba_err *err);
/* The same decision with trace_json "": for what-if, which stores no
 * trace, and for which writing it was a sixth of re-deciding. */
int ruleset_decide_untraced(const struct ruleset *rs, const struct decision_inputs *in,
			    bool allow_reject, struct cel_arena *arena, struct rule_decision *out,
			    struct ebba_err *err);

/* ---- Rule tests (YAML files in dir/tests/; see docs/rules.md) -------------------- */

struct rule_test_report {
	size_t total, passed, failed;
};

/*
 * Runs every test file (.yaml) in dir/tests/ against rs.  Prints one line per test
 * ("ok NAME" / "FAIL NAME: why") and problems with the test files
 * (file:line:column) to out.  Returns 0 if the test files could be read
 * (whatever the results), -1 on an unreadable directory.
 */
int ruleset_run_tests(const struct ruleset *rs, const char *dir, struct ebba_buf *out,
		      struct rule_test_report *report, struct ebba_err *err);

/* Runs the tests of one YAML document (name for messages). */
int ruleset_run_test_buffer(const struct ruleset *rs, const char *name, const char *yaml,
			    size_t len, struct ebba_buf *out, struct rule_test_report *report,
			    struct ebba_err *err);

#endif
