/*
 * Protected identities (skyddade personuppgifter): ebba.case_protection,
 * schema 023.  The database decides who sees a protected case (row-level
 * security); this is what ebbactl and ebba-web ask and set.  Strings
 * written into caller buffers are the caller's; nothing here allocates
 * what the caller must free.
 */
#ifndef EBBA_STORE_PROTECTION_H
#define EBBA_STORE_PROTECTION_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/* Why a case is protected: the closed set of schema 023's CHECK, in the
 * same order as the table of names in protection.c.  A new register mark
 * is a new value here and in the migration. */
enum protection_source {
	PROTECTION_FRAME,           /* the frame says protected: true */
	PROTECTION_MANUAL,          /* a member of ebba_protected, by hand */
	PROTECTION_AF_SEKRETESS,    /* AF's answer carries Sekretessmarkering */
	PROTECTION_SOURCE_COUNT
};

/* The database's name of a source ("frame", "manual", "af-sekretessmarkering"). */
const char *store_protection_source_name(enum protection_source s);
/* What a caseworker reads for it, in Swedish. */
const char *store_protection_source_words(enum protection_source s);
/* The source named name; -1 if none. */
int store_protection_source_from_name(const char *name);

/* Protects case_id by hand (ebba.case_protect): *changed says whether it
 * was not already protected by hand.  Only members of ebba_protected may;
 * the refusal is the database's one line. */
int store_case_protect(PGconn *db, const char *case_id, const char *client, bool *changed,
		       struct ebba_err *err);
/* Lifts every protection of case_id (ebba.case_unprotect); refused while
 * the frame says protected: true. */
int store_case_unprotect(PGconn *db, const char *case_id, const char *client, bool *changed,
			 struct ebba_err *err);

/* The sources that protect case_id as this session sees them, a bit per
 * enum protection_source (0: not protected, or not visible to it). */
int store_case_protection(PGconn *db, const char *case_id, unsigned *sources,
			  struct ebba_err *err);

/*
 * ebbad writes with COPY, which PostgreSQL refuses on a table with
 * row-level security for any role the policies apply to; and ebbad decides
 * a protected case as any other.  So its login role bypasses the policies
 * (BYPASSRLS, or a superuser): -1, with the one line that says how, when
 * the schema has the policies and this session's role does not.
 */
int store_protection_writer_ok(PGconn *db, struct ebba_err *err);

#endif
