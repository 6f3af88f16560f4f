/*
 * Logging in and out (auth: database).  The login form's user name and
 * password open a connection as that role; PostgreSQL checks the password
 * and ebba-web never keeps it.  The connection becomes the new session's
 * (with a new id: the anonymous session that carried the form ends).
 * Failed logins count towards the throttle per user name and per client
 * and are written to ebba.access_log as "denied" under ebba-web's own
 * name; a login is written as "login" under the person's.
 */
#include <string.h>

#include "ebba/lib/log.h"
#include "ebba/store/access_log.h"
#include "ebba/store/users.h"
#include "server.h"
#include "session.h"
#include "web_metrics.h"

static int form_page(const struct web_request *rq, struct web_response *rs, int status,
		     const char *user, const char *error, struct ebba_err *err)
{
	struct sess *anon = server_anonymous(rq, true);
	if (!anon)
		return server_message(rq, rs, 503, "Logga in",
				      "ebba tar inte emot fler inloggningar just nu. Försök igen om en stund.", err);
	json_t *ctx = json_pack("{s:s,s:s}", "login_csrf", sess_info(anon)->csrf, "user",
				user && store_user_name_ok(user) ? user : "");
	if (error)
		json_object_set_new(ctx, "error", json_string(error));
	int rc = web_page(rq, rs, "Logga in", "login", ctx, err);
	json_decref(ctx);
	rs->status = status;
	return rc;
}

static int login_get(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	if (rq->session) {
		snprintf(rs->location, sizeof(rs->location), "/");
		return 0;
	}
	if (strcmp(server_config()->web.auth, "proxy") == 0)
		return server_message(rq, rs, 401, "Logga in",
				      "Logga in via kommunens inloggning för att använda ebba.", err);
	return form_page(rq, rs, 0, NULL, NULL, err);
}

static void log_denied(const char *user, const char *client)
{
	PGconn *db = server_own_db_lock();
	if (!db)
		return;
	struct ebba_err err;
	if (store_access_log(db, "denied", "login", store_user_name_ok(user) ? user : "(not a role name)",
			     client, &err) != 0)
		log_error("ebba-web: %s", err.msg);
	server_own_db_unlock();
}

static bool database_answers(void)
{
	PGconn *db = server_own_db_lock();
	if (db)
		server_own_db_unlock();
	return db != NULL;
}

/* The connection is the person's; it becomes the session's or is closed. */
static int start_session(const struct web_request *rq, struct web_response *rs, PGconn *db,
			 const char *user, struct ebba_err *err)
{
	struct store_person p;
	memset(&p, 0, sizeof(p));
	struct ebba_err why;
	if (store_person(db, &p, &why) == 0 && !server_groups(&p)) {
		PQfinish(db);
		log_denied(user, rq->client);
		return server_message(rq, rs, 403, "Ingen behörighet",
				      "Ditt konto har ingen roll i ebba. Kontakta den som administrerar ebba.", err);
	}
	if (p.name[0] == '\0' || store_access_log(db, "login", "login", NULL, rq->client, &why) != 0) {
		PQfinish(db);
		log_error("ebba-web: login: %s", why.msg);
		return server_message(rq, rs, 503, "Logga in",
				      "Databasen svarar inte just nu. Försök igen om en stund.", err);
	}
	throttle_succeeded(user);
	struct sess *s = sess_new_person(db, p.name, p.display_name, server_groups(&p));
	if (!s)
		return server_message(rq, rs, 503, "Logga in",
				      "ebba tar inte emot fler inloggningar just nu. Försök igen om en stund.", err);
	server_end_session(rq);     /* the anonymous one: its id is never a person's */
	server_set_cookie(rq, sess_info(s)->id);
	sess_release(s);
	snprintf(rs->location, sizeof(rs->location), "/");
	return 0;
}

static int login_post(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const struct ebba_config *cfg = server_config();
	if (strcmp(cfg->web.auth, "proxy") == 0)
		return server_message(rq, rs, 404, "Sidan finns inte", "Det finns ingen sida med den adressen.", err);
	const char *user = web_form(rq, "user"), *password = web_form(rq, "password");
	if (!user || !*user || !password || !*password)
		return form_page(rq, rs, 422, user, "Fyll i både användarnamn och lösenord.", err);
	if (throttle_blocked(user, rq->client)) {
		log_denied(user, rq->client);
		return form_page(rq, rs, 429, user,
				 "För många misslyckade inloggningar. Vänta några minuter och försök igen.", err);
	}
	if (!database_answers())
		return form_page(rq, rs, 503, user, "Databasen svarar inte just nu. Försök igen om en stund.", err);
	struct ebba_err why;
	PGconn *db = store_user_name_ok(user)
		     ? store_connect_person(server_conninfo(), user, password, cfg->statement_timeout_ms, &why)
		     : NULL;
	if (!db) {
		web_metrics_login_failed();
		throttle_failed(user, rq->client);
		log_denied(user, rq->client);
		return form_page(rq, rs, 401, user, "Fel användarnamn eller lösenord.", err);
	}
	return start_session(rq, rs, db, user, err);
}

static int logout_post(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	server_end_session(rq);
	server_set_cookie(rq, NULL);
	/* auth: proxy: on to the proxy's own sign-out, which ends its session
	 * and the provider's (contrib/apache/ebba-web-openidc.conf). */
	const char *out = server_config()->web.proxy_logout_url;
	snprintf(rs->location, sizeof(rs->location), "%s",
		 strcmp(server_config()->web.auth, "proxy") == 0 && out && *out ? out : "/login");
	return 0;
}

static const struct web_route routes[] = {
	{"GET", "/login", 0, WEB_PUBLIC, login_get},
	{"POST", "/login", 0, WEB_PUBLIC, login_post},
	{"POST", "/logout", 0, 0, logout_post},
};

const struct web_route *login_routes(size_t *n)
{
	*n = ARRAY_LEN(routes);
	return routes;
}
