/*
 * The intake API's bearer tokens and the two things a token may do
 * (schema/008_intake_tokens.sql, docs/architecture.md §13).  Only a
 * token's SHA-256 is stored; the database checks every token itself, in
 * ebba.intake_submit and ebba.intake_status, which ebba-web's own role
 * may call and which are all it may do with the inbox.
 */
#ifndef EBBA_INTAKE_TOKENS_H
#define EBBA_INTAKE_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

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
};

/* The state of token's own submission external_id (verdict INTAKE_OK). */
int store_intake_status(PGconn *db, const char *token, const char *external_id,
			enum intake_verdict *verdict, struct intake_status *out,
			struct ebba_err *err);

/* NOTIFY ebba_inbox, for the inserts of ebba.intake_submit, which do not
 * notify themselves (one notifying commit waits for every other). */
int store_intake_notify(PGconn *db, struct ebba_err *err);

#endif
