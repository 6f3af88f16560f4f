/*
 * Logging in and out (auth: database).  The login form's user name and
 * password open a connection as that role; PostgreSQL checks the password
 * and ebba-web never keeps it.  The connection becomes the new session's,
 * with a new id.  The form's CSRF token is signed and needs no session
 * (server.h, login_init).  Failed logins count towards the throttle per
 * client (in memory, session.c) and per user name (in the database,
 * ebba.login_strikes, where no flood of other names can push a name out)
 * and are written to ebba.access_log as "denied" under ebba-web's own
 * name, counted (denials.h); a login is written as "login" under the
 * person's.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ebba/lib/log.h"
#include "ebba/lib/util.h"
#include "ebba/store/access_log.h"
#include "ebba/store/login_strikes.h"
#include "ebba/store/users.h"
#include "denials.h"
#include "login.h"
#include "request.h"
#include "session.h"
#include "web_db.h"
#include "web_metrics.h"

/* --- the login form's token ------------------------------------------------ */

#define TOKEN_NONCE 8
#define TOKEN_MAC 20
#define TOKEN_BYTES (TOKEN_NONCE + 4 + TOKEN_MAC)

static unsigned char token_key[32];

int login_init(struct ebba_err *err)
{
	if (getrandom(token_key, sizeof(token_key), 0) != (ssize_t)sizeof(token_key))
		return ebba_errf(err, "getrandom: no random bytes for the login form's key");
	return 0;
}

static void token_mac(const unsigned char *msg, unsigned char mac[TOKEN_MAC])
{
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	HMAC(EVP_sha256(), token_key, sizeof(token_key), msg, TOKEN_NONCE + 4, full, &len);
	memcpy(mac, full, TOKEN_MAC);
	explicit_bzero(full, sizeof(full));
}

/* A new token valid for lifetime seconds, in hex; -1 without random bytes. */
static int token_new(char out[2 * TOKEN_BYTES + 1], int lifetime)
{
	unsigned char t[TOKEN_BYTES];
	if (getrandom(t, TOKEN_NONCE, 0) != TOKEN_NONCE)
		return -1;
	uint32_t expiry = (uint32_t)(time(NULL) + lifetime);
	for (int i = 0; i < 4; i++)
		t[TOKEN_NONCE + i] = (unsigned char)(expiry >> (24 - 8 * i));
	token_mac(t, t + TOKEN_NONCE + 4);
	hex_encode(t, sizeof(t), out);
	return 0;
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* The seconds token has left (<= 0: expired, or not a token of ours). */
static long long token_left(const char *token)
{
	if (!token || strlen(token) != 2 * TOKEN_BYTES)
		return 0;
	unsigned char t[TOKEN_BYTES], mac[TOKEN_MAC];
	for (size_t i = 0; i < TOKEN_BYTES; i++) {
		int hi = hexdigit(token[2 * i]), lo = hexdigit(token[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		t[i] = (unsigned char)(hi << 4 | lo);
	}
	token_mac(t, mac);
	if (CRYPTO_memcmp(mac, t + TOKEN_NONCE + 4, TOKEN_MAC) != 0)
		return 0;
	uint32_t expiry = 0;
	for (int i = 0; i < 4; i++)
		expiry = expiry << 8 | t[TOKEN_NONCE + i];
	return (long long)expiry - (long long)time(NULL) + 1;
}

bool login_token_ok(const char *form, const char *cookie)
{
	return form && cookie && strlen(form) == 2 * TOKEN_BYTES && strlen(cookie) == 2 * TOKEN_BYTES &&
	       CRYPTO_memcmp(form, cookie, 2 * TOKEN_BYTES) == 0 && token_left(form) > 0;
}

/* --- the form ---------------------------------------------------------------- */

static int form_page(const struct web_request *rq, struct web_response *rs, int status,
		     const char *user, const char *error, struct ebba_err *err)
{
	/* The token the browser has, while it has half its time left: a
	 * second tab's form does not make the first one's stale. */
	char token[2 * TOKEN_BYTES + 1];
	int lifetime = request_config()->web.session_idle_seconds;
	const char *have = request_login_cookie(rq);
	if (token_left(have) > lifetime / 2)
		snprintf(token, sizeof(token), "%s", have);
	else if (token_new(token, lifetime) != 0)
		return ebba_errf(err, "getrandom: no random bytes for the login form");
	else
		request_set_login_cookie(rq, token, lifetime);
	json_t *ctx = json_pack("{s:s,s:s}", "login_csrf", token, "user",
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
	if (strcmp(request_config()->web.auth, "proxy") == 0)
		return request_message(rq, rs, 401, "Logga in",
				      "Logga in via kommunens inloggning för att använda ebba.", err);
	return form_page(rq, rs, 0, NULL, NULL, err);
}

static void log_denied(const char *user, const char *client)
{
	denial_record("login", store_user_name_ok(user) ? user : "(not a role name)", client);
}

/*
 * Whether a login for user from client is refused for now: 1 yes, 0 no,
 * -1 the database does not answer.  Per client in memory; per user name
 * (a role name only: no other can log in) in ebba.login_strikes.
 */
static int login_blocked(const char *user, const char *client)
{
	if (throttle_blocked(client))
		return 1;
	const struct web_config *w = &request_config()->web;
	PGconn *db = web_db_lock();
	if (!db)
		return -1;
	bool locked = false;
	struct ebba_err err;
	int rc = store_user_name_ok(user) ? store_login_locked(db, user, w->login_max_failures,
							       w->login_lockout_seconds, &locked, &err) : 0;
	web_db_unlock();
	if (rc != 0) {
		log_error("ebba-web: %s", err.msg);
		return -1;
	}
	return locked;
}

static void login_failed(const char *user, const char *client)
{
	throttle_failed(client);
	if (!store_user_name_ok(user))
		return;
	PGconn *db = web_db_lock();
	if (!db)
		return;
	struct ebba_err err;
	if (store_login_failed(db, user, request_config()->web.login_lockout_seconds, &err) != 0)
		log_error("ebba-web: %s", err.msg);
	web_db_unlock();
}

/* A person who got in is not locked out by earlier guesses at their name;
 * the client's count stays, so logging into one's own account between
 * guesses at others does not reset it. */
static void login_succeeded(const char *user)
{
	PGconn *db = web_db_lock();
	if (!db)
		return;
	struct ebba_err err;
	if (store_login_cleared(db, user, &err) != 0)
		log_error("ebba-web: %s", err.msg);
	web_db_unlock();
}

/* The connection is the person's; it becomes the session's or is closed. */
static int start_session(const struct web_request *rq, struct web_response *rs, PGconn *db,
			 const char *user, struct ebba_err *err)
{
	struct store_person p;
	memset(&p, 0, sizeof(p));
	struct ebba_err why;
	if (store_person(db, &p, &why) == 0 && !(sess_person_groups(&p) & ~(unsigned)WEB_PROTECTED)) {
		PQfinish(db);
		log_denied(user, rq->client);
		return request_message(rq, rs, 403, "Ingen behörighet",
				      "Ditt konto har ingen roll i ebba. Kontakta den som administrerar ebba.", err);
	}
	if (p.name[0] == '\0' || store_access_log(db, "login", "login", NULL, rq->client, &why) != 0) {
		PQfinish(db);
		log_error("ebba-web: login: %s", why.msg);
		return request_message(rq, rs, 503, "Logga in",
				      "Databasen svarar inte just nu. Försök igen om en stund.", err);
	}
	login_succeeded(user);
	struct sess *s = sess_new_person(db, p.name, p.display_name, sess_person_groups(&p));
	if (!s)
		return request_message(rq, rs, 503, "Logga in",
				      "ebba tar inte emot fler inloggningar just nu. Försök igen om en stund.", err);
	request_end_session(rq);     /* any session the request came with */
	request_set_cookie(rq, sess_info(s)->id);
	sess_release(s);
	snprintf(rs->location, sizeof(rs->location), "/");
	return 0;
}

static int login_post(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const struct ebba_config *cfg = request_config();
	if (strcmp(cfg->web.auth, "proxy") == 0)
		return request_message(rq, rs, 404, "Sidan finns inte", "Det finns ingen sida med den adressen.", err);
	const char *user = web_form(rq, "user"), *password = web_form(rq, "password");
	if (!user || !*user || !password || !*password)
		return form_page(rq, rs, 422, user, "Fyll i både användarnamn och lösenord.", err);
	int blocked = login_blocked(user, rq->client);
	if (blocked < 0)
		return form_page(rq, rs, 503, user, "Databasen svarar inte just nu. Försök igen om en stund.", err);
	if (blocked) {
		log_denied(user, rq->client);
		return form_page(rq, rs, 429, user,
				 "För många misslyckade inloggningar. Vänta några minuter och försök igen.", err);
	}
	struct ebba_err why;
	PGconn *db = store_user_name_ok(user)
		     ? store_connect_person(web_db_conninfo(), user, password, cfg->statement_timeout_ms, &why)
		     : NULL;
	if (!db) {
		web_metrics_login_failed();
		login_failed(user, rq->client);
		log_denied(user, rq->client);
		return form_page(rq, rs, 401, user, "Fel användarnamn eller lösenord.", err);
	}
	return start_session(rq, rs, db, user, err);
}

static int logout_post(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	request_end_session(rq);
	request_set_cookie(rq, NULL);
	/* auth: proxy: on to the proxy's own sign-out, which ends its session
	 * and the provider's (contrib/apache/ebba-web-openidc.conf). */
	const char *out = request_config()->web.proxy_logout_url;
	snprintf(rs->location, sizeof(rs->location), "%s",
		 strcmp(request_config()->web.auth, "proxy") == 0 && out && *out ? out : "/login");
	return 0;
}

static const struct web_route routes[] = {
	{"GET", "/login", 0, WEB_PUBLIC, login_get},
	{"POST", "/login", 0, WEB_PUBLIC | WEB_LOGIN_FORM, login_post},
	{"POST", "/logout", 0, 0, logout_post},
};

const struct web_route *login_routes(size_t *n)
{
	*n = ARRAY_LEN(routes);
	return routes;
}
