/*
 * What a person is in a case (ebba.case_people.role, schema 025's check):
 * an application's applicant, co-applicant or child, or an adult or a
 * member of the household a frame names.  A closed set with one table of
 * names (lib/case_role.c) for the database's text and the pages' Swedish.
 * Nothing here allocates.
 */
#ifndef EBBA_CASE_ROLE_H
#define EBBA_CASE_ROLE_H

#include <stdbool.h>

enum case_role {
	CASE_ROLE_APPLICANT,
	CASE_ROLE_CO_APPLICANT,
	CASE_ROLE_CHILD,
	CASE_ROLE_ADULT,
	CASE_ROLE_HOUSEHOLD,
	CASE_ROLE_COUNT
};

/* The database's name: "applicant", "co-applicant", "child", "adult", "household". */
const char *case_role_name(enum case_role r);
/* True and *out set when s is one of the names; false otherwise (s may be NULL). */
bool case_role_parse(const char *s, enum case_role *out);
/* The pages' Swedish, lower case: "sökande", "medsökande", "barn", ... */
const char *case_role_sv(enum case_role r);

#endif
