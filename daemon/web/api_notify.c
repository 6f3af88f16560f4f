/*
 * The API's NOTIFY ebba_inbox (api_notify.h).  A thread waits for an
 * insert, sends one NOTIFY for everything inserted until then, and waits
 * NOTIFY_GAP_MS before the next, so at most a few dozen notifying
 * transactions a second reach PostgreSQL however many inserts there are.
 * If the database does not answer, the notification is dropped: ebbad's
 * polling (poll_interval_ms) finds the rows anyway.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "ebba/lib/log.h"
#include "ebba/lib/util.h"
#include "ebba/store/db.h"
#include "ebba/store/intake_tokens.h"
#include "api_notify.h"

#define NOTIFY_GAP_MS 50

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop, pending;
	char *conninfo;
	int timeout_ms;
	PGconn *db;
} N = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void notify_once(void)
{
	struct ebba_err err;
	if (!N.db || PQstatus(N.db) != CONNECTION_OK) {
		PQfinish(N.db);
		N.db = store_db_connect(N.conninfo, "ebba-web notify", N.timeout_ms, &err);
	}
	if (!N.db || store_intake_notify(N.db, &err) != 0)
		log_debug("ebba-web: api: NOTIFY ebba_inbox not sent (ebbad's polling will find the rows)");
}

static void *notifier(void *arg)
{
	pthread_mutex_lock(&N.lock);
	for (;;) {
		while (!N.pending && !N.stop)
			pthread_cond_wait(&N.wake, &N.lock);
		if (!N.pending)
			break;
		N.pending = false;
		pthread_mutex_unlock(&N.lock);
		notify_once();
		struct timespec gap = {0, NOTIFY_GAP_MS * 1000000L};
		nanosleep(&gap, NULL);
		pthread_mutex_lock(&N.lock);
	}
	pthread_mutex_unlock(&N.lock);
	return NULL;
}

int api_notify_start(const char *conninfo, int statement_timeout_ms, struct ebba_err *err)
{
	N.conninfo = xstrdup(conninfo);
	N.timeout_ms = statement_timeout_ms;
	N.stop = N.pending = false;
	if (pthread_create(&N.thread, NULL, notifier, NULL) != 0)
		return ebba_errf(err, "ebba-web: cannot start the API's notifier thread");
	N.running = true;
	return 0;
}

void api_notify_inserted(void)
{
	pthread_mutex_lock(&N.lock);
	if (!N.pending) {
		N.pending = true;
		pthread_cond_signal(&N.wake);
	}
	pthread_mutex_unlock(&N.lock);
}

void api_notify_stop(void)
{
	if (N.running) {
		pthread_mutex_lock(&N.lock);
		N.stop = true;
		pthread_cond_signal(&N.wake);
		pthread_mutex_unlock(&N.lock);
		pthread_join(N.thread, NULL);
		N.running = false;
	}
	PQfinish(N.db);
	N.db = NULL;
	free(N.conninfo);
	N.conninfo = NULL;
}
