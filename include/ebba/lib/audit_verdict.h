/*
 * What resolved an audit flag (ebba.audit_flags.verdict): a caseworker's
 * Stickprov verdict, ok or not-ok (ebba.resolve_flag of schema 014, which
 * stores "verdict" or "verdict: note"), or the review of the flagged
 * decision, approve, adjust or reject (ebba.resolve_review, schema 014,
 * and the person's decision of schemas 019 and 021).  A closed set with
 * one table of names (lib/audit_verdict.c) for the database's text and the
 * pages' Swedish.  Nothing here allocates.
 */
#ifndef EBBA_AUDIT_VERDICT_H
#define EBBA_AUDIT_VERDICT_H

#include <stdbool.h>

enum audit_verdict {
	AUDIT_VERDICT_OK,
	AUDIT_VERDICT_NOT_OK,
	AUDIT_VERDICT_APPROVE,
	AUDIT_VERDICT_ADJUST,
	AUDIT_VERDICT_REJECT,
	AUDIT_VERDICT_COUNT
};

/* The database's name: "ok", "not-ok", "approve", "adjust", "reject". */
const char *audit_verdict_name(enum audit_verdict v);
/* True and *out set when s is one of the names; false otherwise (s may be NULL). */
bool audit_verdict_parse(const char *s, enum audit_verdict *out);
/* The pages' Swedish: "beslutet var rätt", "beslutet var fel", "prövat: beviljat", ... */
const char *audit_verdict_sv(enum audit_verdict v);

#endif
