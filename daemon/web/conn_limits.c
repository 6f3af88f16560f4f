/*
 * Request deadlines (conn_limits.h).  The connections are a list under one
 * lock; once a second a thread walks it and shuts down the socket of every
 * request past its deadline, which makes libmicrohttpd close that
 * connection in its own thread.  shutdown(), not close(): the descriptor
 * stays libmicrohttpd's.  An entry leaves the list (under the lock) in the
 * "closed" notification, which libmicrohttpd sends before it closes the
 * descriptor, so the thread never touches a descriptor that was reused.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "ebba/lib/log.h"
#include "ebba/lib/util.h"
#include "conn_limits.h"

struct conn {
	struct conn *prev, *next;
	int fd;
	bool reading;               /* a request is (or may be) arriving */
	bool cut;
	long long since_us;         /* the clock of the request arriving */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop;
	long long timeout_us;
	struct conn head;           /* the list's sentinel */
} L = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void cut_late(long long now)
{
	int n = 0;
	for (struct conn *c = L.head.next; c != &L.head; c = c->next) {
		if (!c->reading || c->cut || now - c->since_us <= L.timeout_us)
			continue;
		shutdown(c->fd, SHUT_RDWR);
		c->cut = true;
		n++;
	}
	if (n)
		log_warn("ebba-web: cut %d connection(s) whose request did not arrive within %lld s",
			 n, L.timeout_us / 1000000);
}

static void *reaper(void *arg)
{
	pthread_mutex_lock(&L.lock);
	while (!L.stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&L.wake, &L.lock, &ts);
		cut_late(now_us());
	}
	pthread_mutex_unlock(&L.lock);
	return NULL;
}

int limits_start(int request_timeout_seconds, struct ebba_err *err)
{
	L.head.next = L.head.prev = &L.head;
	L.timeout_us = (long long)request_timeout_seconds * 1000000;
	L.stop = false;
	if (pthread_create(&L.thread, NULL, reaper, NULL) != 0)
		return ebba_errf(err, "ebba-web: cannot start the request-deadline thread");
	L.running = true;
	return 0;
}

void limits_stop(void)
{
	if (!L.running)
		return;
	pthread_mutex_lock(&L.lock);
	L.stop = true;
	pthread_cond_signal(&L.wake);
	pthread_mutex_unlock(&L.lock);
	pthread_join(L.thread, NULL);
	L.running = false;
}

void limits_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
		   enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn *c = xcalloc(1, sizeof(*c));
		c->fd = ci ? ci->connect_fd : -1;
		c->reading = c->fd >= 0;
		c->since_us = now_us();
		pthread_mutex_lock(&L.lock);
		c->next = &L.head;
		c->prev = L.head.prev;
		L.head.prev->next = c;
		L.head.prev = c;
		pthread_mutex_unlock(&L.lock);
		*socket_context = c;
		return;
	}
	struct conn *c = *socket_context;
	if (!c)
		return;
	pthread_mutex_lock(&L.lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	pthread_mutex_unlock(&L.lock);
	free(c);
	*socket_context = NULL;
}

static void set_reading(struct MHD_Connection *mc, bool reading)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = ci ? ci->socket_context : NULL;
	if (!c)
		return;
	pthread_mutex_lock(&L.lock);
	c->reading = reading && c->fd >= 0;
	c->since_us = now_us();
	pthread_mutex_unlock(&L.lock);
}

void limits_request_read(struct MHD_Connection *c)
{
	set_reading(c, false);
}

void limits_request_done(struct MHD_Connection *c)
{
	set_reading(c, true);
}
