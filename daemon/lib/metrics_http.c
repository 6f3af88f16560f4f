/*
 * /metrics, /healthz and /readyz on libmicrohttpd; see
 * include/ebba/lib/metrics_http.h.  One internal polling thread: a scrape
 * every few seconds needs no pool, and the program's own threads never
 * wait for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ebba/lib/log.h"
#include "ebba/lib/metrics_http.h"

#define METRICS_HTTP_CONNECTIONS 16
#define METRICS_HTTP_TIMEOUT_S 10

struct metrics_server {
	struct MHD_Daemon *mhd;
	int fd;
	unsigned port;
	struct metrics *m;
	metrics_ready_fn ready;
	void *arg;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return reply(c, status, "text/plain; charset=utf-8", xstrdup(text), strlen(text));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct metrics_server *s = cls;
	/* The first call only announces the request; answer on the second. */
	if (!*req_cls) {
		*req_cls = s;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;    /* a body is never read */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(c, 405, "method not allowed\n");
	if (strcmp(url, "/metrics") == 0) {
		struct ebba_buf out = {0};
		metrics_render(s->m, &out);
		size_t len = out.len;
		return reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", buf_steal(&out), len);
	}
	if (strcmp(url, "/healthz") == 0)
		return reply_text(c, 200, "ok\n");
	if (strcmp(url, "/readyz") == 0) {
		char why[256] = "";
		if (!s->ready || s->ready(s->arg, why, sizeof(why)))
			return reply_text(c, 200, "ready\n");
		char line[300];
		snprintf(line, sizeof(line), "not ready: %s\n", why);
		return reply_text(c, 503, line);
	}
	return reply_text(c, 404, "not found\n");
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("metrics: libmicrohttpd: %s", msg);
}

/* "HOST:PORT" or "[HOST]:PORT" into a bound socket. */
static int bind_listen(struct metrics_server *s, const char *listen_on, const char *key,
		       struct ebba_err *err)
{
	char host[64];
	const char *colon = strrchr(listen_on, ':');
	const char *h = listen_on;
	size_t hl = colon ? (size_t)(colon - listen_on) : 0;
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || hl == 0 || hl >= sizeof(host) || !end || *end || end == colon + 1 ||
	    port < 0 || port > 65535)
		return ebba_errf(err, "%s: '%s' is not HOST:PORT (e.g. 127.0.0.1:9464)", key, listen_on);
	memcpy(host, h, hl);
	host[hl] = '\0';
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		len = sizeof(*v6);
	} else {
		return ebba_errf(err, "%s: '%s' is not an IP address", key, host);
	}
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (s->fd >= 0)
		setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&ss, len) != 0 || listen(s->fd, 16) != 0)
		return ebba_errf(err, "%s: cannot listen on %s: %s", key, listen_on, strerror(errno));
	len = sizeof(ss);
	getsockname(s->fd, (struct sockaddr *)&ss, &len);
	s->port = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
	return 0;
}

struct metrics_server *metrics_server_start(const char *listen_on, const char *key,
					    struct metrics *m, metrics_ready_fn ready, void *arg,
					    struct ebba_err *err)
{
	struct metrics_server *s = xcalloc(1, sizeof(*s));
	*s = (struct metrics_server){.fd = -1, .m = m, .ready = ready, .arg = arg};
	if (bind_listen(s, listen_on, key, err) != 0) {
		metrics_server_stop(s);
		return NULL;
	}
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
				  MHD_USE_ITC,
				  0, NULL, NULL, on_request, s,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_LISTEN_SOCKET, s->fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!s->mhd) {
		ebba_errf(err, "%s: libmicrohttpd did not start on %s", key, listen_on);
		metrics_server_stop(s);
		return NULL;
	}
	return s;
}

unsigned metrics_server_port(const struct metrics_server *s)
{
	return s->port;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
