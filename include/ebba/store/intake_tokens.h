/*
 * The intake API's bearer tokens and the things a token may do
 * (schema/008_intake_tokens.sql, 022_applicant_events.sql,
 * docs/architecture.md §13).  Only a token's SHA-256 is stored; the
 * database checks every token itself, in ebba.intake_submit,
 * ebba.intake_status and ebba.intake_letter, which ebba-web's own role may
 * call and which are all it may do with the inbox.
 */
#ifndef EBBA_INTAKE_TOKENS_H
#define EBBA_INTAKE_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

#define INTAKE_TOKEN_LEN 64          /* hex of 256 random bits */

/* A token name: a lower-case letter, then up to 62 of a-z 0-9 . _ - */
bool store_token_name_ok(const char *name);

/*
 * Creates token name for the PostgreSQL role role and writes the token
 * (INTAKE_TOKEN_LEN hex digits and a NUL) to token: the only time it is
 * ever seen.  *in_intake: whether role is in ebba_intake now (if not, the
 * API refuses the token with 403 until it is).  created_by is the
 * connection's own person (the database enforces it).  Fails when the
 * name is taken or the role does not exist.
 */
int store_token_add(PGconn *db, const char *name, const char *role,
		    char token[INTAKE_TOKEN_LEN + 1], bool *in_intake, struct ebba_err *err);

/* Revokes token name; *found false when no unrevoked token has that name. */
int store_token_revoke(PGconn *db, const char *name, bool *found, struct ebba_err *err);

struct store_token {
	char name[64];
	char role[64];
	char created_at[40];        /* ISO 8601, UTC */
	char created_by[64];
	char revoked_at[40];        /* "" while valid */
	bool in_intake;             /* the role is in ebba_intake now */
};

/* Every token by name; *out is malloc'd (the caller frees it). */
int store_token_list(PGconn *db, struct store_token **out, size_t *n, struct ebba_err *err);

enum intake_verdict {
	INTAKE_CREATED,             /* a new inbox row */
	INTAKE_EXISTS,              /* this token sent these bytes under this id before */
	INTAKE_CONFLICT,            /* the id is taken (other bytes, or another token's) */
	INTAKE_UNAUTHENTICATED,     /* unknown or revoked token */
	INTAKE_FORBIDDEN,           /* the token's role is not in ebba_intake */
	INTAKE_NOT_FOUND,           /* (status) not this token's, or no such id */
	INTAKE_OK,                  /* (status) found */
	INTAKE_RENDER,              /* (letter) no PDF stored yet: render and offer one */
};

/* Whether token may submit: INTAKE_OK, INTAKE_UNAUTHENTICATED or
 * INTAKE_FORBIDDEN.  -1 with err only when the database did not answer. */
int store_intake_token_check(PGconn *db, const char *token, enum intake_verdict *verdict,
			     struct ebba_err *err);

/*
 * Puts a validated document in the inbox in one statement, on behalf of
 * token.  -1 with err only when the database did not answer or refused
 * (the caller answers 503); a refused token is a verdict, not an error.
 */
int store_intake_submit(PGconn *db, const char *token, const char *external_id,
			const char *case_id, const char *period, const char *payload,
			size_t len, enum intake_verdict *verdict, int64_t *inbox_id,
			struct ebba_err *err);

struct intake_status {
	char state[16];             /* the inbox state */
	char received_at[40];       /* ISO 8601, UTC */
	char outcome[16];           /* "" until decided */
	bool has_amount;
	int64_t amount;
	char decided_at[40];        /* "" until decided */
	bool reviewed;              /* outcome is a caseworker's decision */
	struct ebba_buf events;     /* a JSON array (DESIGN.md §13), "[]" at least */
};

/* The state of token's own submission external_id (verdict INTAKE_OK),
 * with its events; logged as a view.  out->events is the caller's to free
 * (store_intake_status_free), whatever the answer. */
int store_intake_status(PGconn *db, const char *token, const char *external_id,
			enum intake_verdict *verdict, struct intake_status *out,
			struct ebba_err *err);
void store_intake_status_free(struct intake_status *st);

/* The n-th letter of a token's own application (ebba.intake_letter). */
struct intake_letter {
	char decision_id[24];
	struct ebba_buf pdf;        /* INTAKE_OK: the stored PDF */
	struct ebba_buf body;       /* INTAKE_RENDER: the letter's text (UTF-8) ... */
	char body_sha256[65];       /* ... its SHA-256 (hex) ... */
	char created[32];           /* ... and the decision's time, to render it from */
};

/*
 * Letter n (from 1) of token's own application external_id, once it is
 * delivered: INTAKE_OK with its stored PDF, logged as an export in the same
 * statement; INTAKE_RENDER when no PDF is stored yet (nothing logged): the
 * caller renders out->body and asks again with the PDF as offer (rendered
 * by renderer from the text whose SHA-256 is body_sha256, hex), which the
 * database stores unless one was stored meanwhile, and answers with the
 * stored one.  INTAKE_NOT_FOUND for a letter that does
 * not exist (or not yet), and another token's.  out is the caller's to free
 * (store_intake_letter_free).
 */
int store_intake_letter(PGconn *db, const char *token, const char *external_id, int n,
			const struct ebba_buf *offer, const char *body_sha256, const char *renderer,
			enum intake_verdict *verdict, struct intake_letter *out, struct ebba_err *err);
void store_intake_letter_free(struct intake_letter *l);

/* NOTIFY ebba_inbox, for the inserts of ebba.intake_submit, which do not
 * notify themselves (one notifying commit waits for every other). */
int store_intake_notify(PGconn *db, struct ebba_err *err);

#endif
