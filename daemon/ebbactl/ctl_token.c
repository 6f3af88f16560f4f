/*
 * The intake API's bearer tokens (docs/architecture.md §13).
 *
 *   token add NAME [--role ROLE]   prints the new token, once
 *   token list
 *   token revoke NAME
 *
 * A token acts for a PostgreSQL role, by default the group ebba_intake;
 * the API accepts it while that role is in ebba_intake.  Only its SHA-256
 * is stored, so a lost token is revoked and replaced, never shown again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/intake_tokens.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl token add NAME [--role ROLE]\n"
		"       ebbactl token list\n"
		"       ebbactl token revoke NAME\n"
		"add creates a bearer token for the intake API (POST /api/v1/applications)\n"
		"acting for the PostgreSQL role ROLE (default ebba_intake; it must be in\n"
		"ebba_intake for the API to accept the token; ebba_casesystem for the decision feed) and prints it once: only its\n"
		"SHA-256 is kept.  revoke ends a token at once.\n");
}

static int token_add(int argc, char **argv)
{
	const char *role = "ebba_intake";
	const char *name = ctl_name_and_role(argc, argv, &role);
	if (!name) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (!store_token_name_ok(name))
		return ctl_fail(CTL_NO, "ebbactl token add: '%s' cannot be a token name (a-z first, then"
				" up to 62 of a-z 0-9 . _ -)", name);
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	char token[INTAKE_TOKEN_LEN + 1];
	bool in_intake = false;
	struct ebba_err err;
	int rc = store_token_add(conn, name, role, token, &in_intake, &err);
	PQfinish(conn);
	if (rc != 0)
		return ctl_fail(CTL_NO, "ebbactl token add: %s", err.msg);
	/* the decision feed's tokens stand for ebba_casesystem (schema 020) */
	if (!in_intake && strcmp(role, "ebba_casesystem") != 0)
		fprintf(stderr, "ebbactl token add: warning: role %s is not in ebba_intake; the API"
				" refuses this token (403) until it is\n", role);
	if (ctl_globals.porcelain)
		printf("token\t%s\t%s\n", name, token);
	else
		printf("%s\n", token);
	explicit_bzero(token, sizeof(token));
	return CTL_OK;
}

static int token_list(void)
{
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	struct store_token *t = NULL;
	size_t n = 0;
	struct ebba_err err;
	int rc = store_token_list(conn, &t, &n, &err);
	PQfinish(conn);
	if (rc != 0)
		return ctl_fail(CTL_USAGE, "ebbactl token list: %s", err.msg);
	if (!ctl_globals.porcelain)
		printf("%-24s %-20s %-9s %-20s %-16s %s\n", "NAME", "ROLE", "INTAKE", "CREATED",
		       "BY", "REVOKED");
	for (size_t i = 0; i < n; i++)
		printf(ctl_globals.porcelain ? "token\t%s\t%s\t%s\t%s\t%s\t%s\n"
					     : "%-24s %-20s %-9s %-20s %-16s %s\n",
		       t[i].name, t[i].role, t[i].in_intake ? "yes" : "no", t[i].created_at,
		       t[i].created_by, t[i].revoked_at[0] ? t[i].revoked_at : "-");
	free(t);
	return CTL_OK;
}

static int token_revoke(const char *name)
{
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	bool found = false;
	struct ebba_err err;
	int rc = store_token_revoke(conn, name, &found, &err);
	PQfinish(conn);
	if (rc != 0)
		return ctl_fail(CTL_USAGE, "ebbactl token revoke: %s", err.msg);
	if (!found)
		return ctl_fail(CTL_NO, "ebbactl token revoke: no valid token named %s", name);
	printf("token %s revoked\n", name);
	return CTL_OK;
}

int ctl_token(int argc, char **argv)
{
	int status = ctl_usage_first(argc, argv, usage);
	if (status >= 0)
		return status;
	if (strcmp(argv[1], "add") == 0)
		return token_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return token_list();
	if (strcmp(argv[1], "revoke") == 0 && argc == 3)
		return token_revoke(argv[2]);
	usage(stderr);
	return CTL_USAGE;
}
