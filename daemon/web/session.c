#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>

#include "ebba/lib/util.h"
#include "ebba/store/users.h"
#include "session.h"

struct sess {
	struct web_session info;
	PGconn *db;                 /* the person's connection */
	pthread_mutex_t lock;       /* held while a request uses db */
	int refs;                   /* the table's own counts as one */
	bool ended;
};

static struct {
	pthread_mutex_t lock;       /* the table, refs and ended */
	struct sess **slots;
	size_t people_cap;
	long long idle_us, absolute_us;
} T = {.lock = PTHREAD_MUTEX_INITIALIZER};

#define THROTTLE_SLOTS 4096

/* Per client only: per user name, the database keeps them (login.c), so
 * that making room here can never unlock a name. */
struct strike {
	char key[72];               /* the client's address */
	int failures;
	long long since_us;         /* start of the window */
};

static struct {
	pthread_mutex_t lock;
	struct strike slots[THROTTLE_SLOTS];
	int max_failures;
	long long window_us;
} Z = {.lock = PTHREAD_MUTEX_INITIALIZER};

int sess_random_hex(char out[65], struct ebba_err *err)
{
	unsigned char r[32];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return ebba_errf(err, "getrandom: no random bytes for a session");
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	explicit_bzero(r, sizeof(r));
	return 0;
}

int sess_init(const struct web_config *cfg, struct ebba_err *err)
{
	T.people_cap = (size_t)cfg->max_sessions;
	T.slots = xcalloc(T.people_cap, sizeof(*T.slots));
	T.idle_us = cfg->session_idle_seconds * 1000000LL;
	T.absolute_us = cfg->session_absolute_seconds * 1000000LL;
	Z.max_failures = cfg->login_max_failures;
	Z.window_us = cfg->login_lockout_seconds * 1000000LL;
	return 0;
}

static void sess_free(struct sess *s)
{
	if (s->db)
		PQfinish(s->db);
	pthread_mutex_destroy(&s->lock);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* With T.lock held: takes s out of the table; true when nobody holds it
 * any more (the caller then frees it, outside the lock). */
static bool end_locked(struct sess *s)
{
	for (size_t i = 0; i < T.people_cap; i++)
		if (T.slots[i] == s)
			T.slots[i] = NULL;
	if (!s->ended) {
		s->ended = true;
		s->refs--;
	}
	return s->refs == 0;
}

static bool expired(const struct sess *s, long long now)
{
	return now - s->info.seen_us > T.idle_us || now - s->info.created_us > T.absolute_us;
}

struct sess *sess_find(const char *id)
{
	if (!id || strlen(id) != 64)
		return NULL;
	long long now = (long long)now_usec();
	struct sess *found = NULL, *dead = NULL;
	pthread_mutex_lock(&T.lock);
	for (size_t i = 0; i < T.people_cap && !found; i++) {
		struct sess *s = T.slots[i];
		if (s && CRYPTO_memcmp(s->info.id, id, 64) == 0)
			found = s;
	}
	if (found && expired(found, now)) {
		if (end_locked(found))
			dead = found;
		found = NULL;
	} else if (found) {
		found->info.seen_us = now;
		found->refs++;
	}
	pthread_mutex_unlock(&T.lock);
	if (dead)
		sess_free(dead);
	return found;
}

static struct sess *make(PGconn *db)
{
	struct sess *s = xcalloc(1, sizeof(*s));
	if (sess_random_hex(s->info.id, NULL) != 0 || sess_random_hex(s->info.csrf, NULL) != 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->db = db;
	s->refs = 2;    /* the table's and the caller's */
	s->info.created_us = s->info.seen_us = (long long)now_usec();
	return s;
}

/* Into a free slot; NULL (s freed) when there is none. */
static struct sess *insert(struct sess *s)
{
	struct sess **slot = NULL;
	pthread_mutex_lock(&T.lock);
	for (size_t i = 0; i < T.people_cap && !slot; i++)
		if (!T.slots[i])
			slot = &T.slots[i];
	if (slot)
		*slot = s;
	pthread_mutex_unlock(&T.lock);
	if (!slot) {
		sess_free(s);
		return NULL;
	}
	return s;
}

struct sess *sess_new_person(PGconn *db, const char *user, const char *display_name,
			     unsigned groups)
{
	sess_sweep();
	struct sess *s = make(db);
	if (!s) {
		PQfinish(db);
		return NULL;
	}
	snprintf(s->info.user, sizeof(s->info.user), "%s", user);
	snprintf(s->info.display_name, sizeof(s->info.display_name), "%s", display_name);
	s->info.groups = groups;
	return insert(s);
}

void sess_release(struct sess *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&T.lock);
	bool last = --s->refs == 0;
	pthread_mutex_unlock(&T.lock);
	if (last)
		sess_free(s);
}

void sess_hold(struct sess *s)
{
	pthread_mutex_lock(&T.lock);
	s->refs++;
	pthread_mutex_unlock(&T.lock);
}

void sess_end(struct sess *s)
{
	pthread_mutex_lock(&T.lock);
	bool last = end_locked(s);
	pthread_mutex_unlock(&T.lock);
	if (last)
		sess_free(s);
}

void sess_set_claims(struct sess *s, const char *title, const char *fingerprint)
{
	snprintf(s->info.title, sizeof(s->info.title), "%s", title ? title : "");
	snprintf(s->info.claims, sizeof(s->info.claims), "%s", fingerprint ? fingerprint : "");
}

bool sess_is_person(const struct sess *s)
{
	return s->db != NULL;
}

const struct web_session *sess_info(const struct sess *s)
{
	return &s->info;
}

PGconn *sess_lock(struct sess *s)
{
	pthread_mutex_lock(&s->lock);
	return s->db;
}

void sess_unlock(struct sess *s)
{
	pthread_mutex_unlock(&s->lock);
}

void sess_sweep(void)
{
	long long now = (long long)now_usec();
	for (;;) {
		struct sess *dead = NULL;
		pthread_mutex_lock(&T.lock);
		for (size_t i = 0; i < T.people_cap && !dead; i++) {
			struct sess *s = T.slots[i];
			if (s && expired(s, now) && end_locked(s))
				dead = s;
		}
		pthread_mutex_unlock(&T.lock);
		if (!dead)
			return;
		sess_free(dead);
	}
}

int sess_count(void)
{
	int n = 0;
	pthread_mutex_lock(&T.lock);
	for (size_t i = 0; i < T.people_cap; i++)
		n += T.slots[i] != NULL;
	pthread_mutex_unlock(&T.lock);
	return n;
}

void sess_shutdown(void)
{
	for (size_t i = 0; T.slots && i < T.people_cap; i++) {
		struct sess *s = T.slots[i];
		if (s)
			sess_end(s);
	}
	free(T.slots);
	T.slots = NULL;
}

/* --- login throttling ----------------------------------------------------- */

/* With Z.lock held: the live entry for key, or NULL; with create, a new
 * one in a free or expired entry, else in place of the oldest. */
static struct strike *strike_for(const char *key, bool create, long long now)
{
	struct strike *free_e = NULL, *oldest = NULL;
	for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
		struct strike *e = &Z.slots[i];
		bool live = e->key[0] && now - e->since_us < Z.window_us;
		if (live && strcmp(e->key, key) == 0)
			return e;
		if (!live && !free_e)
			free_e = e;
		if (live && (!oldest || e->since_us < oldest->since_us))
			oldest = e;
	}
	if (!create)
		return NULL;
	struct strike *e = free_e ? free_e : oldest;
	*e = (struct strike){.since_us = now};
	snprintf(e->key, sizeof(e->key), "%s", key);
	return e;
}

bool throttle_blocked(const char *client)
{
	char key[72];
	snprintf(key, sizeof(key), "%s", client ? client : "");
	long long now = (long long)now_usec();
	pthread_mutex_lock(&Z.lock);
	const struct strike *c = strike_for(key, false, now);
	bool blocked = c && c->failures >= Z.max_failures;
	pthread_mutex_unlock(&Z.lock);
	return blocked;
}

void throttle_failed(const char *client)
{
	char key[72];
	snprintf(key, sizeof(key), "%s", client ? client : "");
	pthread_mutex_lock(&Z.lock);
	strike_for(key, true, (long long)now_usec())->failures++;
	pthread_mutex_unlock(&Z.lock);
}

unsigned sess_person_groups(const struct store_person *p)
{
	return (p->caseworker ? WEB_CASEWORKER : 0u) | (p->supervisor ? WEB_SUPERVISOR : 0u) |
	       (p->auditor ? WEB_AUDITOR : 0u) | (p->protected_group ? WEB_PROTECTED : 0u);
}
