/*
 * The caseworker's queue (review.c): ebba's decisions that a person still
 * has to look at, one decision in full, and a caseworker's resolution.
 * Strings point into the query results each struct holds; *_free
 * releases them.
 */
#ifndef EBBA_STORE_REVIEW_H
#define EBBA_STORE_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/store/decisions.h"

struct review_filter {
	const char *outcome;        /* NULL: any */
	const char *flag;           /* "sample" | "targeted" | NULL */
	const char *older_than;     /* days, as text; NULL: any age */
	bool all;                   /* reviewed ones too */
};

struct review_item {
	const char *id, *external_id, *case_id, *period, *outcome;
	const char *amount;         /* "-" when none */
	const char *decided_at;     /* "YYYY-MM-DD HH24:MI" */
	const char *open_flags;     /* kinds, comma-separated; "-" when none */
	const char *first_reason;   /* the first failed check's message, or "" */
	bool reviewed;
};

struct review_list {
	struct review_item *rows;
	size_t n;
	PGresult *res;
};

/* Oldest first, at most 1000. */
int store_review_list_load(PGconn *conn, const struct review_filter *f, struct review_list *out,
		     struct ebba_err *err);
void store_review_list_free(struct review_list *l);

struct review_flag {
	const char *kind, *reason;
	const char *verdict;        /* "" while open */
	const char *resolved_by;
};

struct review_evidence {
	const char *source, *agency, *person_ref, *status;
	const char *sha256_prefix;  /* the first 12 hex digits */
	const char *bytes;          /* size of the stored bytes, as text */
};

/* One decision as `review show` prints it; text fields are "" when empty. */
struct review_detail {
	const char *external_id, *case_id, *period, *outcome, *amount, *norm, *costs, *incomes;
	const char *ruleset;        /* "name version" */
	const char *ruleset_sha256, *decided_by, *decided_at, *note, *reviews;
	const char *reviewed;       /* "ID by WHO: OUTCOME; ...", NULL when not reviewed */
	bool has_letter;
	struct stored_checks checks;
	struct review_flag *flags;
	size_t n_flags;
	struct review_evidence *evidence;
	size_t n_evidence;
	PGresult *res[3];
};

/* *found false (and 0) when there is no decision decision_id. */
int store_review_detail_load(PGconn *conn, const char *decision_id, struct review_detail *out,
		       bool *found, struct ebba_err *err);
void store_review_detail_free(struct review_detail *d);

/* A person's decision line by line (decide/verdict.h), as ebba.decide_referral takes it. */
struct review_lines {
	const char *decision_id;
	const char *findings;       /* verdict_findings_json() */
	const char *verdict;        /* "approve" | "partly" | "reject", or NULL */
	const char *amount, *norm, *costs, *incomes;   /* the run again's, as text */
	const char *ruleset_version, *ruleset_sha256;  /* the set that ran again */
	const char *note, *letter;
	const char *client;
};

/*
 * Records it through ebba.decide_referral (schema 019): the outcome the
 * lines give (*outcome, outlen bytes), the decision, its letter, the
 * flags' verdicts and the access_log row in one transaction.  *resolved
 * false (and 0) when the decision is not an open decision by ebba (none,
 * or reviewed already); else *new_id is the person's decision, and by
 * (by_len bytes) who the database recorded as deciding: the connected
 * person (ebba.person()), never a name the client gives.
 */
int store_review_decide_lines(PGconn *conn, const struct review_lines *r, bool *resolved, int64_t *new_id,
			char *outcome, size_t outlen, char *by, size_t by_len, struct ebba_err *err);

/* The display name and title of role (ebba.people_names; else the identity
 * provider's last name claim; else the role itself).  Fills name and title
 * ("" when none). */
int store_review_person_name(PGconn *conn, const char *role, char *name, size_t name_len, char *title,
		       size_t title_len, struct ebba_err *err);

#endif
