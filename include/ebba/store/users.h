/*
 * People: PostgreSQL login roles in ebba's NOLOGIN groups
 * (docs/architecture.md, "Roles").  Used by `ebbactl user` and ebba-web.
 */
#ifndef EBBA_USERS_H
#define EBBA_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

/* The group a role name ("caseworker", ..., "protected") stands for, or NULL. */
const char *store_role_group(const char *role);
/* Whether roles is a comma-separated list of role names, "protected" only
 * beside "caseworker" or "supervisor" (DESIGN.md §7). */
bool store_roles_ok(const char *roles);

/*
 * Whether name may be a person's role: a lower-case letter, then up to 62
 * of a-z 0-9 . _ -; not "ebba" (the daemon's decided_by) nor "pg_...".
 * Starting with a letter, a role name can never be an identity number.
 */
bool store_user_name_ok(const char *name);

/*
 * Creates the login role name with password, member of the groups of role
 * (a list that store_roles_ok accepts) and, for people, granted to ebba_web_proxy so that a
 * vouching front end may act as them.  Only the SCRAM verifier reaches the
 * server (PQencryptPasswordConn), never the password.  One transaction.
 */
/*
 * Sets the person's display name and title for letters (ebba.people_names,
 * schema 019); NULL leaves one as it is (a new row needs the name).
 */
int store_user_names(PGconn *db, const char *name, const char *display_name, const char *title,
		     struct ebba_err *err);

int store_user_add(PGconn *db, const char *name, const char *role, const char *password,
		   struct ebba_err *err);

struct store_user {
	char name[64];
	char groups[128];       /* "caseworker,supervisor" */
	bool can_login;
	/* What the identity provider gave at the last sign-in through it
	 * (ebba.provider_signins, schema 016); signed_in "" when never. */
	char provider_groups[128];  /* ebba's groups its claim mapped to */
	char signed_in[32];         /* "2026-12-02 10:11" */
	bool differs;               /* its groups are not the database's */
};

/* Every role in one of ebba's groups, by name.  *out is malloc'd (the
 * caller frees it); *n its length. */
int store_user_list(PGconn *db, struct store_user **out, size_t *n, struct ebba_err *err);

/*
 * A connection as user, authenticated by PostgreSQL with password (conninfo
 * names the server and database; its own user and password are replaced).
 * Refused when the server did not ask for the password (trust or peer in
 * pg_hba.conf): then nothing checked it.  NULL with err set.
 */
PGconn *store_connect_person(const char *conninfo, const char *user, const char *password,
			     int statement_timeout_ms, struct ebba_err *err);

/* Who the connection acts for (ebba.person()) and their groups. */
struct store_person {
	char name[64];
	char display_name[128]; /* the role's comment, or its name */
	bool caseworker, supervisor, auditor;
	bool protected_group;   /* ebba_protected (schema 023) */
};
int store_person(PGconn *db, struct store_person *out, struct ebba_err *err);

/*
 * Records what the identity provider said at person's sign-in (ebba-web,
 * auth: proxy), on ebba-web's own connection: groups as ebba's names
 * ("caseworker,supervisor"), claim as the provider sent it, outcome
 * "signed-in", "refused-acr" or "refused-groups".
 */
int store_provider_signin(PGconn *db, const char *person, const char *display_name,
			  const char *title, const char *groups, const char *claim, const char *acr,
			  const char *outcome, struct ebba_err *err);

/* SET ROLE name (auth: proxy: the front end becomes the person). */
int store_set_role(PGconn *db, const char *name, struct ebba_err *err);

#endif
