/*
 * A loaded rule set as the files of daemon/rules/ share it (not an API):
 * its parts, and the name table that maps every name an expression may use
 * (facts, params.*, derived facts, calc.*) to what it is (rules_names.c).
 */
#ifndef EBBA_RULES_MODEL_H
#define EBBA_RULES_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/cel/cel.h"
#include "ebba/rules/rules.h"

/* A text with {{ expression }} parts. */
struct rs_seg {
	char *lit;                 /* literal text, or NULL */
	struct cel_program *prog;  /* or an expression */
	const char *file;          /* where the expression is (borrowed from the check/letter) */
	unsigned line, col;
};
struct rs_text {
	struct rs_seg *segs;
	size_t n;
	char *file;
};

struct rs_param_value {
	char from[11];
	struct cel_value value;     /* in rs->consts */
	char *source;
	bool provisional;
	char *note;                 /* what a person is told of a provisional value, or NULL */
	char *display;              /* the value for people (rs_views_build) */
	char *trace;                /* its entry in a decision's trace (rs_trace_build) */
	size_t trace_len;
	char *file;
	unsigned line, col;
};

struct rs_param {
	char *name;                 /* "riksnorm_single" */
	struct rs_param_value *v;   /* sorted by from */
	size_t n;
	struct ruleset_param_value_view *views;   /* v for ruleset_param (rs_views_build) */
};

struct rs_derived {
	char *name;                 /* "norm_personal", or "calc.norm" */
	struct cel_program *prog;
	char *description;          /* as written, or NULL */
	char *file;
	unsigned line, col;
};

/* An entry of the documents catalogue (documents; schema 027). */
struct rs_document {
	char *id, *text;
};

struct rs_check {
	char *id;
	char *group;
	struct cel_program *when;   /* NULL: always */
	struct cel_program *expr;
	bool reject;
	bool complete;              /* outcome complete: a komplettering would answer it (schema 027) */
	bool retry_registers;       /* retry: registers: ebbad asks again when they answer (schema 029) */
	/* documents: what a komplettering asks for when this complete check
	 * fails (ids of the documents catalogue; schema 030), with where
	 * each was written, checked against the catalogue once all is read */
	char **documents;
	size_t n_documents;
	unsigned *doc_line, *doc_col;
	char *doc_file;
	struct rs_text message;
	char *message_src;          /* the message as written, for people reading the rules */
	char *description;          /* the condition in words, as written, or NULL */
	char *file;                 /* where when [0] and expr [1] are */
	unsigned line[2], col[2];
};

/* A text in force from a date (reasons.yaml: provision, appeal). */
struct rs_dated {
	char from[11];              /* YYYY-MM-DD */
	char *value;
};

/* A reason of the catalogue (rules_reasons.c). */
struct rs_reason {
	char *id;
	char *text;                 /* the sentence for the letter */
	char **checks;              /* the checks it answers */
	size_t n_checks;
	struct rs_dated *provision; /* date order */
	size_t n_provision;
	char *file;                 /* where it is defined, for messages */
	unsigned line, col;
};

struct rs_flag {
	char *id;
	struct cel_program *when;
	struct rs_text reason;
	char *reason_src;           /* as written, for people reading the rules */
};

enum { RS_CALC_NORM, RS_CALC_COSTS, RS_CALC_INCOMES, RS_CALC_AMOUNT, RS_CALC_COUNT };
/* The calculation's four figures, one table (rules_load.c). */
struct rs_calc_name {
	const char *fact;           /* "calc.norm": the derived fact the rules read */
	const char *key;            /* "norm": its key under `calculation:` */
};
extern const struct rs_calc_name RS_CALC[RS_CALC_COUNT];

/*
 * A committee decision that lets ebba decide automatically (the delegation
 * section): in force on a day from valid_from (and not before it was
 * decided) up to and including valid_until.
 */
enum { RS_DELEG_APPROVED, RS_DELEG_REJECTED, RS_DELEG_OUTCOMES };
struct rs_delegation {
	char *body;                 /* "Socialnämnden" */
	char decided[11];           /* the day the body decided */
	char *reference;            /* paragraph, point of the delegation ordinance */
	char valid_from[11];
	char valid_until[11];       /* "" open-ended */
	bool covers[RS_DELEG_OUTCOMES];
	bool example;               /* shipped as an example a municipality must replace */
	char *label;                /* one line naming it, for letters, traces and people */
	struct cel_value value;     /* the `delegation` fact's map (in rs->consts) */
	char *file;
	unsigned line, col;
};

/* A paragraph of the approval letter's reasons (letters.reasons). */
struct rs_paragraph {
	char *id;
	struct cel_program *when;   /* NULL: always */
	struct cel_program *each;   /* NULL: one text; else a list, `item` bound per element */
	struct rs_text text;
	char *text_src;
	char *description;          /* as written, or NULL */
	unsigned line, col;         /* of the paragraph in text.file */
};

enum rs_name_kind { RS_NAME_FACT, RS_NAME_PARAM, RS_NAME_DERIVED, RS_NAME_DELEGATION,
		    RS_NAME_ITEM };

struct rs_name {
	const char *name;
	enum rs_name_kind kind;
	size_t index;
};

struct ruleset {
	char *name, *version, *valid_from;
	char sha256[65];
	struct rs_param *params;
	size_t n_params;
	struct rs_derived *derived;
	size_t n_derived;
	int calc[RS_CALC_COUNT];    /* index into derived, -1 if missing */
	int calc_notes;             /* calculation.notes: index into derived, -1 if none */
	int calc_lines;             /* calculation.lines: index into derived, -1 if none */
	struct rs_check *checks;
	size_t n_checks;
	struct rs_flag *flags;
	size_t n_flags;
	double sample[3];           /* approved, referred, rejected */
	struct rs_text letter;
	bool has_letter;
	struct rs_paragraph *paras; /* letters.reasons */
	size_t n_paras;
	struct rs_text closing;     /* letters.closing, after the reasons */
	bool has_closing;
	/* the heads of a person's letters: letters.partly_approved, letters.rejected */
	struct rs_text person_letter[2];
	bool has_person_letter[2];
	/* letters.documents_requested: the komplettering's letter, plain text
	 * with the closed placeholders {handlingar} {meddelande} {senast}
	 * (rules_request.c), or NULL */
	char *request_letter;
	char *description;          /* ruleset.description, or NULL */
	struct rs_reason *reasons;  /* the reason catalogue (reasons) */
	size_t n_reasons;
	struct rs_document *documents; /* the documents catalogue, for komplettering */
	size_t n_documents;
	struct rs_dated *appeal;    /* how to appeal (appeal), date order */
	size_t n_appeal;
	/* the person's letter's sentences (sentences), date order, by enum ruleset_sentence */
	struct rs_dated *sentences[SENTENCE_COUNT];
	size_t n_sentences[SENTENCE_COUNT];
	struct rs_delegation *deleg;
	size_t n_deleg;
	struct cel_value no_deleg;  /* the `delegation` fact when none is in force */
	struct cel_arena *consts;
	size_t n_warnings;
	size_t n_facts;
	/* name table: open addressing, power of two */
	struct rs_name *names;
	size_t names_cap;
};

/* The name table (rules_names.c). */
/* Fills rs->names from the facts, parameters and derived facts (all of them read). */
void rs_names_build(struct ruleset *rs);
/* What name is, or NULL if it is none of the rule set's names. */
const struct rs_name *rs_lookup(const struct ruleset *rs, const char *name);
/* Frees the table, with the "params.x" names it owns. */
void rs_names_free(struct ruleset *rs);

/* ---- errors in words for people (rules_errors.c) ---- */

/* Appends an error of kind k with CEL's message msg[0..len) in Swedish. */
void rs_error_words(enum cel_error_kind k, const char *msg, size_t len, struct ebba_buf *out);
/*
 * Whether an error value is a mistake in the rules rather than in the data:
 * a missing field, a wrong type, an unknown function, a failed conversion.
 * The dry run reports these at load.
 */
bool rs_is_mistake(struct cel_value v);

/*
 * Makes what the read-only views (ruleset_param, ruleset_check; rules_view.c)
 * hand out: each parameter value's display text and the views' arrays.
 * Once, after a load without errors; ruleset_free frees them.
 */
void rs_views_build(struct ruleset *rs);

/*
 * Renders each parameter value's entry in a decision's trace
 * ("name":{"from":...,"value":...}) once, after a load without errors
 * (rules_eval.c): a value is a constant of the rule set, and writing it
 * again for every decision was about a third of the trace's cost
 * (callgrind, BENCH_EBBAD_WRAP in contrib/bench/run.sh).  ruleset_free
 * frees them.
 */
void rs_trace_build(struct ruleset *rs);

/*
 * The first delegation in force on date ("YYYY-MM-DD") that covers outcome
 * (RS_DELEG_APPROVED, ...), or NULL (rules_delegation.c).
 */
const struct rs_delegation *rs_delegation_for(const struct ruleset *rs, const char *date,
					      int outcome);

/* Frees the segments of a text (rules_sections.c made them). */
void rs_text_free(struct rs_text *t);

#endif
