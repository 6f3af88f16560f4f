/*
 * ebba-web's sessions (docs/architecture.md, "ebba-web"): a fixed table in
 * memory, nothing on disk.  A session is a person's, holding that person's
 * own database connection (the login form needs none: its CSRF token is
 * signed, login.c): with auth: database the password is used once, to open it,
 * and never kept, so a session whose connection breaks ends and the person
 * logs in again.  Every request of a session takes the session's lock for
 * as long as it uses the connection, so one connection is never used by
 * two threads at once.
 *
 * Ids and CSRF tokens are 256 random bits from getrandom(), in hex.  A
 * login always makes a new session with a new id, so an id set before the
 * login is worthless after it.
 */
#ifndef EBBA_WEB_SESSION_H
#define EBBA_WEB_SESSION_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "web.h"

struct sess;

/* The web_group bits of a person's groups (0: none of ebba's). */
struct store_person;
unsigned sess_person_groups(const struct store_person *p);

/* Sizes the table from cfg (max_sessions). */
int sess_init(const struct web_config *cfg, struct ebba_err *err);
/* Ends every session and closes their connections (at exit). */
void sess_shutdown(void);

/* The live session with this id (a reference: sess_release it), or NULL
 * when there is none or it timed out (it is then ended). */
struct sess *sess_find(const char *id);
/*
 * A new person's session owning db (closed when the session ends), with
 * person's name and groups.  NULL (db closed) when max_sessions are in use.
 */
struct sess *sess_new_person(PGconn *db, const char *user, const char *display_name,
			     unsigned groups);
void sess_release(struct sess *s);
/* Another reference to s, for a thread that goes on after the request
 * (a what-if run): its connection stays open until the last release. */
void sess_hold(struct sess *s);
/* Ends s on the server (logout, timeout, broken connection); the caller's
 * reference stays valid until released. */
void sess_end(struct sess *s);

/* auth: proxy: the provider's title for the person and the digest of
 * the sign-in's claims (sso_fingerprint), set once after sess_new_person. */
void sess_set_claims(struct sess *s, const char *title, const char *fingerprint);

bool sess_is_person(const struct sess *s);
const struct web_session *sess_info(const struct sess *s);

/* The session's connection, locked for the caller until sess_unlock. */
PGconn *sess_lock(struct sess *s);
void sess_unlock(struct sess *s);

/* Ends the sessions that timed out (called now and then by main). */
void sess_sweep(void);
/* People's sessions alive now. */
int sess_count(void);

/* 256 random bits in hex (65 bytes with the NUL). */
int sess_random_hex(char out[65], struct ebba_err *err);

/* Login throttling per client: login_max_failures within
 * login_lockout_seconds (per user name: ebba.login_strikes, login.c).  A
 * full table makes room by forgetting its oldest client. */
bool throttle_blocked(const char *client);
void throttle_failed(const char *client);

#endif
