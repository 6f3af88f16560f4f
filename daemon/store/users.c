/*
 * People as PostgreSQL roles.  CREATE ROLE and GRANT take no bind
 * parameters, so their identifiers are quoted with PQescapeIdentifier and
 * the password verifier with PQescapeLiteral; everything else is
 * parameterised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/util.h"
#include "ebba/store/db.h"
#include "ebba/store/users.h"

static const struct {
	const char *role, *group;
} role_groups[] = {
	{"caseworker", "ebba_caseworker"},
	{"supervisor", "ebba_supervisor"},
	{"auditor", "ebba_auditor"},
	{"intake", "ebba_intake"},
	{"archivist", "ebba_archivist"},
	{"protected", "ebba_protected"},
};

const char *store_role_group(const char *role)
{
	for (size_t i = 0; i < ARRAY_LEN(role_groups); i++)
		if (strcmp(role_groups[i].role, role) == 0)
			return role_groups[i].group;
	return NULL;
}

/* Calls fn for each name of the comma-separated list roles (at most 7,
 * each shorter than 32 bytes); false when one does not fit. */
static bool each_role(const char *roles, bool (*fn)(const char *role, void *arg), void *arg)
{
	char one[32];
	int n = 0;
	for (const char *p = roles;; p++) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= sizeof(one) || ++n > 7)
			return false;
		memcpy(one, p, len);
		one[len] = '\0';
		if (!fn(one, arg))
			return false;
		p += len;
		if (!*p)
			return true;
	}
}

struct roles_seen {
	bool people, protected_group;
};

static bool see_role(const char *role, void *arg)
{
	struct roles_seen *s = arg;
	s->people |= !strcmp(role, "caseworker") || !strcmp(role, "supervisor");
	s->protected_group |= !strcmp(role, "protected");
	return store_role_group(role) != NULL;
}

bool store_roles_ok(const char *roles)
{
	struct roles_seen s = {0};
	return roles && each_role(roles, see_role, &s) && (!s.protected_group || s.people);
}

bool store_user_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 63 || name[0] < 'a' || name[0] > 'z')
		return false;
	if (strcmp(name, "ebba") == 0 || str_starts_with(name, "pg_") || str_starts_with(name, "ebba_"))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* "VERB a MIDDLE b" with a and b already quoted. */
static int exec_quoted(PGconn *db, const char *verb, const char *a, const char *middle,
		       const char *b, struct ebba_err *err)
{
	char *sql = xasprintf("%s %s %s %s", verb, a, middle, b);
	int rc = store_db_exec(db, sql, 0, NULL, err);
	free(sql);
	return rc;
}

static int create_role(PGconn *db, const char *ident, const char *name, const char *password,
		       struct ebba_err *err)
{
	char *verifier = PQencryptPasswordConn(db, password, name, "scram-sha-256");
	if (!verifier)
		return ebba_errf(err, "encrypting the password: %s", PQerrorMessage(db));
	char *lit = PQescapeLiteral(db, verifier, strlen(verifier));
	PQfreemem(verifier);
	if (!lit)
		return ebba_errf(err, "quoting the password verifier: %s", PQerrorMessage(db));
	int rc = exec_quoted(db, "create role", ident, "login password", lit, err);
	PQfreemem(lit);
	return rc;
}

struct grant_to {
	PGconn *db;
	const char *ident;
	struct ebba_err *err;
	int rc;
};

static bool grant_one(const char *role, void *arg)
{
	struct grant_to *g = arg;
	g->rc = exec_quoted(g->db, "grant", store_role_group(role), "to", g->ident, g->err);
	return g->rc == 0;
}

static int add_in_tx(PGconn *db, const char *ident, const char *name, const char *role,
		     const char *password, struct ebba_err *err)
{
	const char *p[] = {name};
	PGresult *res = PQexecParams(db, "select 1 from pg_roles where rolname = $1", 1, NULL, p,
				     NULL, NULL, 0);
	int exists = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : -1;
	if (exists != 0) {
		ebba_errf(err, exists < 0 ? "looking up role %s: %s" : "role %s exists already%s", name,
			  exists < 0 ? store_db_result_error(res) : "");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	if (create_role(db, ident, name, password, err) != 0)
		return -1;
	struct grant_to g = {db, ident, err, 0};
	if (!each_role(role, grant_one, &g) || g.rc != 0)
		return -1;
	if (strcmp(role, "intake") != 0 &&
	    exec_quoted(db, "grant", ident, "to", "ebba_web_proxy", err) != 0)
		return -1;
	return 0;
}

int store_user_add(PGconn *db, const char *name, const char *role, const char *password,
		   struct ebba_err *err)
{
	if (!store_user_name_ok(name))
		return ebba_errf(err, "'%s' cannot be a person's role name (a-z first, then a-z 0-9 . _ -;"
				 " not ebba, ebba_*, pg_*)", name);
	if (!store_roles_ok(role))
		return ebba_errf(err, "unknown role '%s' (caseworker, supervisor, auditor, intake or archivist; protected"
				 " beside caseworker or supervisor, as caseworker,protected)", role);
	if (!password || !*password)
		return ebba_errf(err, "the password is empty");
	char *ident = PQescapeIdentifier(db, name, strlen(name));
	if (!ident)
		return ebba_errf(err, "quoting %s: %s", name, PQerrorMessage(db));
	int rc = store_db_exec(db, "begin", 0, NULL, err);
	if (rc == 0)
		rc = add_in_tx(db, ident, name, role, password, err);
	if (rc == 0)
		rc = store_db_exec(db, "commit", 0, NULL, err);
	else
		PQclear(PQexec(db, "rollback"));
	PQfreemem(ident);
	return rc != 0 ? ebba_err_prefix(err, "user add %s", name) : 0;
}

static const char LIST_SQL[] =
	"select r.rolname, r.rolcanlogin,"
	"  string_agg(substr(g.rolname, 6), ',' order by g.rolname)"
	" from pg_roles r join pg_auth_members m on m.member = r.oid"
	" join pg_roles g on g.oid = m.roleid"
	" where g.rolname in ('ebba_caseworker', 'ebba_supervisor', 'ebba_auditor', 'ebba_intake',"
	"                     'ebba_daemon', 'ebba_archivist',"
	"                     'ebba_protected')"
	" group by r.rolname, r.rolcanlogin order by r.rolname";

/* Whether the comma-separated lists a (the database's, where intake and
 * daemon are no person's groups at the provider) and b name the same
 * groups of people. */
static bool same_groups(const char *a, const char *b)
{
	static const char *const people[] = {"caseworker", "supervisor", "auditor", "protected"};
	for (size_t i = 0; i < ARRAY_LEN(people); i++) {
		size_t n = strlen(people[i]);
		bool in_a = false, in_b = false;
		for (const char *p = a; (p = strstr(p, people[i])); p += n)
			in_a |= (p == a || p[-1] == ',') && (p[n] == ',' || p[n] == '\0');
		for (const char *p = b; (p = strstr(p, people[i])); p += n)
			in_b |= (p == b || p[-1] == ',') && (p[n] == ',' || p[n] == '\0');
		if (in_a != in_b)
			return false;
	}
	return true;
}

static int add_provider_groups(PGconn *db, struct store_user *u, size_t n, struct ebba_err *err)
{
	PGresult *res = PQexecParams(db,
		"select person, array_to_string(groups, ','), to_char(signed_in_at, 'YYYY-MM-DD HH24:MI')"
		" from ebba.provider_signins",
		0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "listing sign-ins through the identity provider: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	for (int r = 0; r < PQntuples(res); r++)
		for (size_t i = 0; i < n; i++)
			if (strcmp(u[i].name, PQgetvalue(res, r, 0)) == 0) {
				snprintf(u[i].provider_groups, sizeof(u[i].provider_groups), "%s",
					 PQgetvalue(res, r, 1));
				snprintf(u[i].signed_in, sizeof(u[i].signed_in), "%s", PQgetvalue(res, r, 2));
				u[i].differs = !same_groups(u[i].groups, u[i].provider_groups);
			}
	PQclear(res);
	return 0;
}

int store_user_list(PGconn *db, struct store_user **out, size_t *n, struct ebba_err *err)
{
	PGresult *res = PQexecParams(db, LIST_SQL, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "listing users: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct store_user *u = &(*out)[i];
		snprintf(u->name, sizeof(u->name), "%s", PQgetvalue(res, (int)i, 0));
		u->can_login = PQgetvalue(res, (int)i, 1)[0] == 't';
		snprintf(u->groups, sizeof(u->groups), "%s", PQgetvalue(res, (int)i, 2));
	}
	PQclear(res);
	/* Before schema 016 there is no such table: nobody signed in through it. */
	PGresult *has = PQexec(db, "select to_regclass('ebba.provider_signins') is not null");
	bool table = PQresultStatus(has) == PGRES_TUPLES_OK && PQgetvalue(has, 0, 0)[0] == 't';
	PQclear(has);
	if (table && add_provider_groups(db, *out, *n, err) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int store_provider_signin(PGconn *db, const char *person, const char *display_name,
			  const char *title, const char *groups, const char *claim, const char *acr,
			  const char *outcome, struct ebba_err *err)
{
	const char *p[] = {person, display_name, title, groups, claim, acr, outcome};
	if (store_db_exec(db,
		"insert into ebba.provider_signins as s (person, display_name, title, groups,"
		"  provider_groups, acr, outcome)"
		" values ($1, $2, $3, coalesce(string_to_array(nullif($4, ''), ','), '{}'), $5, $6, $7)"
		" on conflict (person) do update set signed_in_at = now(), display_name = excluded.display_name,"
		"  title = excluded.title, groups = excluded.groups,"
		"  provider_groups = excluded.provider_groups, acr = excluded.acr, outcome = excluded.outcome",
		7, p, err) != 0)
		return ebba_err_prefix(err, "recording %s's sign-in", person);
	return 0;
}

int store_person(PGconn *db, struct store_person *out, struct ebba_err *err)
{
	PGresult *res = PQexecParams(db,
		"select p, coalesce(shobj_description(r.oid, 'pg_authid'), p),"
		"  pg_has_role(p, 'ebba_caseworker', 'USAGE'), pg_has_role(p, 'ebba_supervisor', 'USAGE'),"
		"  pg_has_role(p, 'ebba_auditor', 'USAGE'),"
		"  to_regrole('ebba_protected') is not null and pg_has_role(p, 'ebba_protected', 'USAGE')"
		" from ebba.person() p join pg_roles r on r.rolname = p",
		0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "who is this session: %s", PQresultStatus(res) == PGRES_TUPLES_OK
				   ? "no such role" : store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	*out = (struct store_person){0};
	snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 0));
	snprintf(out->display_name, sizeof(out->display_name), "%s", PQgetvalue(res, 0, 1));
	out->caseworker = PQgetvalue(res, 0, 2)[0] == 't';
	out->supervisor = PQgetvalue(res, 0, 3)[0] == 't';
	out->auditor = PQgetvalue(res, 0, 4)[0] == 't';
	out->protected_group = PQgetvalue(res, 0, 5)[0] == 't';
	PQclear(res);
	return 0;
}

int store_set_role(PGconn *db, const char *name, struct ebba_err *err)
{
	const char *p[] = {name};
	if (store_db_exec(db, "select set_config('role', $1, false)", 1, p, err) != 0)
		return ebba_err_prefix(err, "acting as %s", name);
	return 0;
}

PGconn *store_connect_person(const char *conninfo, const char *user, const char *password,
			     int statement_timeout_ms, struct ebba_err *err)
{
	char options[96];
	/* A page's query is short; PostgreSQL's JIT, set off by the cost
	 * estimate of a count over a large table, took seconds to compile one
	 * (Stickprov with 100 000 decisions stored). */
	snprintf(options, sizeof(options), "-c client_min_messages=warning -c jit=off -c statement_timeout=%d",
		 statement_timeout_ms);
	/* After dbname, so they override what an expanded conninfo says. */
	const char *keys[] = {"dbname", "user", "password", "application_name", "options",
			      "connect_timeout", NULL};
	const char *vals[] = {conninfo ? conninfo : "", user, password, "ebba-web", options, "10", NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", conn ? PQerrorMessage(conn) : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		ebba_errf(err, "login as %s refused: %s", user, msg);
		PQfinish(conn);
		return NULL;
	}
	if (!PQconnectionUsedPassword(conn)) {
		ebba_errf(err, "login as %s: the server did not ask for the password (pg_hba.conf"
			  " trusts this connection), so nothing checked it", user);
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

int store_user_names(PGconn *db, const char *name, const char *display_name, const char *title,
		     struct ebba_err *err)
{
	const char *p[] = {name, display_name, title};
	return store_db_exec(db,
		       "insert into ebba.people_names as n (role, display_name, title)"
		       " values ($1, coalesce($2, $1), $3)"
		       " on conflict (role) do update set display_name = coalesce($2, n.display_name),"
		       " title = coalesce($3, n.title), updated_at = now()",
		       3, p, err);
}
