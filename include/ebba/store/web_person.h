/*
 * The findings of a person's decision as the Beslut page reads them
 * (daemon/store/web_person.c): the document verdict_findings_json() wrote
 * and ebba.decide_referral stored in ebba.decisions.findings (schema 019),
 * read into a struct with store_web_unpack() in strict mode, so a line
 * whose keys are not those of its kind is an error that names the key,
 * and a kind that is not one of enum verdict_kind is an error that names
 * it.
 *
 * Ownership: a struct web_person_findings filled here keeps a reference to
 * the document its strings point into, and owns its lines array; the
 * caller releases both with store_web_person_findings_free(), after which none
 * of its strings may be used.
 */
#ifndef EBBA_STORE_WEB_PERSON_H
#define EBBA_STORE_WEB_PERSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ebba/decide/verdict.h"
#include "ebba/lib/error.h"

/* One line of the findings. */
struct web_finding_line {
	enum verdict_kind kind;
	const char *type;       /* cost and income: the type's name ("rent", "salary"); else NULL */
	const char *check;      /* check: the check's id; else NULL */
	int64_t amount;         /* cost: accepted; income: counted; whole kronor */
	int64_t applied;        /* cost: applied for; income: declared */
	bool reject;            /* check: rejected on (else accepted) */
	const char *reason;     /* a catalogue id, or NULL */
};

/* The Beslut page's view of a person's findings (architecture.md §14.13). */
struct web_person_findings {
	struct web_finding_line *lines;
	size_t n_lines;
	const char *reason;                     /* a whole avslag's reason id, or NULL */
	const char *referring_ruleset_sha256;   /* the rule set that referred */
	const char *ruleset_sha256;             /* the one that computed the decision */
	bool ruleset_differs;
	json_t *doc_;                           /* the findings document: the strings live in it */
};

/* Reads findings (the stored document) into out; out is empty on error. */
int store_web_person_findings_read(json_t *findings, struct web_person_findings *out,
			     struct ebba_err *err);

/* Releases what f holds; f is then empty. */
void store_web_person_findings_free(struct web_person_findings *f);

#endif
