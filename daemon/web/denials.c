/*
 * Counted refusals (denials.h).  A fixed table of keys under one lock;
 * the rows are written outside it, on ebba-web's own connection.  When the
 * table is full a refusal is written at once, as a row of its own: a
 * flood of new keys costs rows, never a refusal.  A count that cannot be
 * written (the database away) is kept for another window and tried again;
 * one given up (at stop, or with no room) is said in the log.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ebba/lib/log.h"
#include "ebba/lib/util.h"
#include "ebba/store/access_log.h"
#include "denials.h"
#include "web_db.h"

#define KEYS 1024

struct denial {
	bool used;
	char kind[16];
	char object_id[72];
	char client[INET6_ADDRSTRLEN];
	long long since_us;         /* the first refusal of the key's window */
	long long first_us;         /* the first one counted (not yet written) */
	long long count;            /* counted, not yet written */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop;
	long long window_us;
	struct denial keys[KEYS];
} D = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static long long mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One row; false when it could not be written. */
static bool write_row(const struct denial *d, long long count, long long now)
{
	PGconn *db = web_db_lock();
	struct ebba_err err;
	bool ok = db && store_access_log_denied(db, d->kind, d->object_id, d->client, count,
						count > 1 ? (double)(now - d->first_us) / 1e6 : 0,
						&err) == 0;
	if (db)
		web_db_unlock();
	if (!ok && db)
		log_error("ebba-web: %s", err.msg);
	return ok;
}

static void lost(const struct denial *d)
{
	log_error("ebba-web: %lld denied %s refusal(s) of %s from %s not written to the access log",
		  d->count, d->kind, d->object_id, d->client);
}

void denial_record(const char *kind, const char *object_id, const char *client)
{
	struct denial key = {.used = true};
	snprintf(key.kind, sizeof(key.kind), "%s", kind);
	snprintf(key.object_id, sizeof(key.object_id), "%s", object_id ? object_id : "");
	snprintf(key.client, sizeof(key.client), "%s", client ? client : "");
	long long now = mono_us();
	struct denial *free_slot = NULL;
	pthread_mutex_lock(&D.lock);
	for (size_t i = 0; i < KEYS; i++) {
		struct denial *d = &D.keys[i];
		if (!d->used) {
			if (!free_slot)
				free_slot = d;
			continue;
		}
		if (strcmp(d->kind, key.kind) == 0 && strcmp(d->object_id, key.object_id) == 0 &&
		    strcmp(d->client, key.client) == 0) {
			if (d->count++ == 0)
				d->first_us = now;
			pthread_mutex_unlock(&D.lock);
			return;
		}
	}
	/* The first of its window (or no room to count it): a row now. */
	if (free_slot && D.running) {
		*free_slot = key;
		free_slot->since_us = now;
	}
	pthread_mutex_unlock(&D.lock);
	key.count = 1;
	key.first_us = now;
	if (!write_row(&key, 1, now))
		lost(&key);
}

/* Writes the counts of the keys whose window is over (all with every);
 * a key whose row cannot be written stays until its next window ends. */
static void flush(bool every)
{
	for (;;) {
		long long now = mono_us();
		struct denial d = {0};
		pthread_mutex_lock(&D.lock);
		for (size_t i = 0; i < KEYS && !d.used; i++) {
			struct denial *e = &D.keys[i];
			if (!e->used || (!every && now - e->since_us < D.window_us))
				continue;
			d = *e;
			e->used = false;
		}
		pthread_mutex_unlock(&D.lock);
		if (!d.used)
			return;
		if (d.count == 0 || write_row(&d, d.count, now))
			continue;
		if (every) {
			lost(&d);
			continue;
		}
		/* Kept for another window, if its place is still free. */
		pthread_mutex_lock(&D.lock);
		struct denial *slot = NULL;
		for (size_t i = 0; i < KEYS && !slot; i++)
			if (!D.keys[i].used)
				slot = &D.keys[i];
		if (slot) {
			*slot = d;
			slot->since_us = now;
		}
		pthread_mutex_unlock(&D.lock);
		if (!slot)
			lost(&d);
		return;     /* the database is away: the rest next second */
	}
}

static void *flusher(void *arg)
{
	pthread_mutex_lock(&D.lock);
	while (!D.stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&D.wake, &D.lock, &ts);
		if (D.stop)
			break;
		pthread_mutex_unlock(&D.lock);
		flush(false);
		pthread_mutex_lock(&D.lock);
	}
	pthread_mutex_unlock(&D.lock);
	return NULL;
}

int denials_start(int window_seconds, struct ebba_err *err)
{
	D.window_us = (long long)window_seconds * 1000000;
	D.stop = false;
	memset(D.keys, 0, sizeof(D.keys));
	if (pthread_create(&D.thread, NULL, flusher, NULL) != 0)
		return ebba_errf(err, "ebba-web: cannot start the access-log thread");
	pthread_mutex_lock(&D.lock);
	D.running = true;
	pthread_mutex_unlock(&D.lock);
	return 0;
}

void denials_stop(void)
{
	pthread_mutex_lock(&D.lock);
	bool running = D.running;
	D.running = false;
	D.stop = true;
	pthread_cond_signal(&D.wake);
	pthread_mutex_unlock(&D.lock);
	if (!running)
		return;
	pthread_join(D.thread, NULL);
	flush(true);
}
