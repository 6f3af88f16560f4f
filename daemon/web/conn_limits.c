/*
 * Deadlines and per-client limits (conn_limits.h).  The connections are a
 * list under one lock; twice a second a thread walks it and shuts down the
 * socket of every request past its deadline, which makes libmicrohttpd
 * close that connection in its own thread.  shutdown(), not close(): the
 * descriptor stays libmicrohttpd's.  An entry leaves the list (under the
 * lock) in the "closed" notification, which libmicrohttpd sends before it
 * closes the descriptor, so the thread never touches a descriptor that was
 * reused.
 */
#include <arpa/inet.h>
#include <linux/tcp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ebba/lib/log.h"
#include "ebba/lib/util.h"
#include "conn_limits.h"

/* The sweep's period: a deadline is kept to within this. */
#define SWEEP_US 500000LL

enum phase {
	HEAD,           /* the request's head is arriving (or may be) */
	BODY,           /* its head is in, its body arriving */
	ANSWER,         /* ebba-web answers: no deadline */
	IDLE,           /* kept alive between requests, nothing received yet */
};

struct conn {
	struct conn *prev, *next;
	int fd;
	enum phase phase;
	bool cut;
	bool trusted;               /* the peer is a proxy of web.proxy_peers */
	bool counted;               /* counts towards its peer's connections */
	bool tcp;                   /* TCP_INFO tells the bytes received */
	long long from_us;          /* the request's first byte (or earlier) */
	long long idle_us;          /* when the previous answer was done */
	unsigned long long rx;      /* bytes received by then */
	char peer[INET6_ADDRSTRLEN];
	char fwd[INET6_ADDRSTRLEN]; /* from a proxy: the client of the request in hand */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop;
	struct limits_config cfg;
	long long head_us, request_us, idle_us;
	long long last_sweep_us;
	int refused, refused_fwd;   /* since the last sweep, for one log line */
	char refused_peer[INET6_ADDRSTRLEN];
	struct conn head;           /* the list's sentinel */
} L = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The bytes the kernel has received on fd; false when it cannot say (not
 * TCP, or a kernel without tcpi_bytes_received). */
static bool tcp_rx(int fd, unsigned long long *out)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
		return false;
	*out = ti.tcpi_bytes_received;
	return true;
}

static void cut(struct conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->cut = true;
}

/* With L.lock held. */
static void sweep(long long now)
{
	int late_head = 0, late_request = 0;
	for (struct conn *c = L.head.next; c != &L.head; c = c->next) {
		if (c->cut || c->fd < 0)
			continue;
		unsigned long long rx;
		if (c->phase == IDLE) {
			if (!c->tcp || !tcp_rx(c->fd, &rx) || rx == c->rx)
				continue;
			/* The next request's first byte came after the last look. */
			c->phase = HEAD;
			c->from_us = c->idle_us > L.last_sweep_us ? c->idle_us : L.last_sweep_us;
		}
		long long age = now - c->from_us;
		if (c->phase == HEAD && age > L.head_us && L.head_us <= L.request_us) {
			cut(c);
			late_head++;
		} else if ((c->phase == HEAD || c->phase == BODY) && age > L.request_us) {
			cut(c);
			late_request++;
		}
	}
	L.last_sweep_us = now;
	if (late_head)
		log_warn("ebba-web: cut %d connection(s) whose request head did not arrive within %d s",
			 late_head, L.cfg.header_timeout_seconds);
	if (late_request)
		log_warn("ebba-web: cut %d connection(s) whose request did not arrive within %d s",
			 late_request, L.cfg.request_timeout_seconds);
	if (L.refused)
		log_warn("ebba-web: refused %d connection(s) over max_connections_per_ip (%d), the last from %s",
			 L.refused, L.cfg.per_client, L.refused_peer);
	if (L.refused_fwd)
		log_warn("ebba-web: refused %d request(s) from a proxy over max_connections_per_ip (%d), "
			 "the last for %s", L.refused_fwd, L.cfg.per_client, L.refused_peer);
	L.refused = L.refused_fwd = 0;
}

static void *reaper(void *arg)
{
	pthread_mutex_lock(&L.lock);
	while (!L.stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SWEEP_US * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&L.wake, &L.lock, &ts);
		sweep(now_us());
	}
	pthread_mutex_unlock(&L.lock);
	return NULL;
}

int limits_start(const struct limits_config *cfg, struct ebba_err *err)
{
	L.head.next = L.head.prev = &L.head;
	L.cfg = *cfg;
	L.head_us = (long long)cfg->header_timeout_seconds * 1000000;
	L.request_us = (long long)cfg->request_timeout_seconds * 1000000;
	L.idle_us = (long long)cfg->idle_seconds * 1000000;
	L.last_sweep_us = now_us();
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

void limits_peer_address(struct MHD_Connection *mc, char out[INET6_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	snprintf(out, INET6_ADDRSTRLEN, "unix");
	if (!sa || L.cfg.on_unix)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, INET6_ADDRSTRLEN);
	else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], out, INET6_ADDRSTRLEN);
		else
			inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
	}
}

/* With L.lock held: the connections counted for peer. */
static int peer_connections(const char *peer)
{
	int n = 0;
	for (struct conn *c = L.head.next; c != &L.head; c = c->next)
		n += c->counted && strcmp(c->peer, peer) == 0;
	return n;
}

void limits_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
		   enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn *c = xcalloc(1, sizeof(*c));
		unsigned long long rx;
		c->fd = ci ? ci->connect_fd : -1;
		c->phase = HEAD;
		c->from_us = now_us();
		c->tcp = tcp_rx(c->fd, &rx);
		limits_peer_address(mc, c->peer);
		c->trusted = L.cfg.trusted && L.cfg.trusted(c->peer);
		pthread_mutex_lock(&L.lock);
		if (L.cfg.per_client > 0 && !c->trusted && c->fd >= 0) {
			if (peer_connections(c->peer) >= L.cfg.per_client) {
				cut(c);
				L.refused++;
				snprintf(L.refused_peer, sizeof(L.refused_peer), "%s", c->peer);
			} else
				c->counted = true;
		}
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

static struct conn *conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

bool limits_head_read(struct MHD_Connection *mc, const char *client)
{
	struct conn *c = conn_of(mc);
	if (!c)
		return true;
	bool ok = true;
	pthread_mutex_lock(&L.lock);
	c->phase = BODY;
	if (c->trusted && L.cfg.per_client > 0 && client) {
		int n = 0;
		for (struct conn *o = L.head.next; o != &L.head; o = o->next)
			n += o != c && strcmp(o->fwd, client) == 0;
		if (n >= L.cfg.per_client) {
			ok = false;
			L.refused_fwd++;
			snprintf(L.refused_peer, sizeof(L.refused_peer), "%s", client);
		} else
			snprintf(c->fwd, sizeof(c->fwd), "%s", client);
	}
	pthread_mutex_unlock(&L.lock);
	return ok;
}

void limits_request_read(struct MHD_Connection *mc)
{
	struct conn *c = conn_of(mc);
	if (!c)
		return;
	pthread_mutex_lock(&L.lock);
	c->phase = ANSWER;
	pthread_mutex_unlock(&L.lock);
}

void limits_request_done(struct MHD_Connection *mc)
{
	struct conn *c = conn_of(mc);
	if (!c)
		return;
	unsigned long long rx = 0;
	bool tcp = c->tcp && tcp_rx(c->fd, &rx);
	long long now = now_us();
	pthread_mutex_lock(&L.lock);
	c->fwd[0] = '\0';
	c->idle_us = now;
	if (tcp) {
		c->phase = IDLE;
		c->rx = rx;
	} else {
		/* Nothing tells when the next request begins: it may wait as
		 * long as an idle connection may, then its clock runs. */
		c->phase = HEAD;
		c->from_us = now + L.idle_us;
	}
	pthread_mutex_unlock(&L.lock);
}
