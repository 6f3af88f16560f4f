/*
 * ebba-web's metrics; see web_metrics.h.  The counters are made once per
 * class and status code and kept in a small table, so the request path
 * takes no lock once a combination has been seen.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "ebba/lib/log.h"
#include "ebba/lib/metrics_http.h"
#include "ebba/store/db.h"
#include "web_db.h"
#include "session.h"
#include "web_metrics.h"

#ifndef EBBA_VERSION
#define EBBA_VERSION "unknown"
#endif

static const char *const CLASSES[] = {"page", "login", "api", "static", "none"};
#define N_CLASSES (sizeof(CLASSES) / sizeof(CLASSES[0]))
#define N_CODES 16           /* distinct status codes kept per class */

struct code_slot {
	_Atomic int code;        /* 0: free */
	struct metric *s;
};

static struct {
	struct metrics *m;
	struct metrics_server *http;
	struct metric_family *requests;
	struct metric *duration[N_CLASSES];
	struct metric *login_failures;
	struct metric *documents[2];     /* invalid, valid */
	struct code_slot codes[N_CLASSES][N_CODES];
	pthread_mutex_t lock;    /* making a code slot */
	atomic_bool serving;     /* the main server has started */
} W = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t class_index(const char *c)
{
	for (size_t i = 0; i < N_CLASSES; i++)
		if (strcmp(CLASSES[i], c) == 0)
			return i;
	return N_CLASSES - 1;
}

static struct metric *requests_series(size_t cls, int code)
{
	struct code_slot *slots = W.codes[cls];
	for (size_t i = 0; i < N_CODES; i++) {
		int c = atomic_load(&slots[i].code);
		if (c == code)
			return slots[i].s;
		if (c == 0)
			break;
	}
	pthread_mutex_lock(&W.lock);
	char num[8];
	snprintf(num, sizeof(num), "%d", code);
	struct metric *s = metric_series(W.requests, (const char *const[]){CLASSES[cls], num});
	for (size_t i = 0; i < N_CODES; i++) {
		int c = atomic_load(&slots[i].code);
		if (c == code)
			break;
		if (c == 0) {
			slots[i].s = s;
			atomic_store(&slots[i].code, code);   /* published after s */
			break;
		}
	}
	pthread_mutex_unlock(&W.lock);
	return s;
}

void web_metrics_request(const char *route_class, int status, uint64_t started)
{
	if (!W.m)
		return;
	size_t cls = class_index(route_class);
	metric_inc(requests_series(cls, status));
	metric_observe(W.duration[cls], (double)(now_usec() - started) / 1e6);
}

void web_metrics_login_failed(void)
{
	if (W.m)
		metric_inc(W.login_failures);
}

void web_metrics_api_document(bool valid)
{
	if (W.m)
		metric_inc(W.documents[valid]);
}

static void collect_sessions(void *arg, struct ebba_buf *out)
{
	buf_printf(out, "# HELP ebba_web_sessions People logged in (each session holds a database connection).\n"
			"# TYPE ebba_web_sessions gauge\nebba_web_sessions %d\n", sess_count());
}

/* Ready while ebba-web's own connection answers a statement (one
 * reconnect if it was lost). */
static bool web_ready(void *arg, char *why, size_t n)
{
	if (!atomic_load(&W.serving)) {
		snprintf(why, n, "starting");
		return false;
	}
	bool ok = false;
	for (int tries = 0; tries < 2 && !ok; tries++) {
		PGconn *db = web_db_lock();
		if (!db)
			break;
		int version;
		struct ebba_err e;
		ok = store_db_schema_version(db, &version, &e) == 0;
		web_db_unlock();
	}
	if (!ok)
		snprintf(why, n, "the database does not answer");
	return ok;
}

int web_metrics_start(const struct ebba_config *cfg, struct ebba_err *err)
{
	const char *listen_on = cfg->web.metrics_listen;
	if (!listen_on || !listen_on[0])
		return 0;
	struct metrics *m = metrics_new();
	static const char *const class_code[] = {"class", "code", NULL};
	static const char *const cls[] = {"class", NULL};
	static const char *const version[] = {"version", NULL};
	metric_set(metric_series(metrics_family(m, METRIC_GAUGE, "ebba_web_build_info",
		"The ebba-web build: always 1, its version in the label.", version, NULL, 0),
		(const char *const[]){EBBA_VERSION}), 1);
	W.requests = metrics_family(m, METRIC_COUNTER, "ebba_web_requests_total",
		"Requests answered, by route class (page, login, api, static, none) and status code.",
		class_code, NULL, 0);
	struct metric_family *d = metrics_family(m, METRIC_HISTOGRAM, "ebba_web_request_duration_seconds",
		"Time from a request's first byte to its answer, by route class.", cls, NULL, 0);
	for (size_t i = 0; i < N_CLASSES; i++)
		W.duration[i] = metric_series(d, (const char *const[]){CLASSES[i]});
	W.login_failures = metrics_counter(m, "ebba_web_login_failures_total",
		"Logins refused for a wrong user name or password.");
	static const char *const result[] = {"result", NULL};
	struct metric_family *docs = metrics_family(m, METRIC_COUNTER, "ebba_web_api_documents_total",
		"Application documents the intake API parsed and validated, by result (valid, invalid); "
		"only ever after the request's token was accepted.", result, NULL, 0);
	W.documents[0] = metric_series(docs, (const char *const[]){"invalid"});
	W.documents[1] = metric_series(docs, (const char *const[]){"valid"});
	metrics_add_collector(m, collect_sessions, NULL);
	metrics_add_collector(m, metrics_collect_process, m);
	W.http = metrics_server_start(listen_on, "web.metrics_listen", m, web_ready, NULL, err);
	if (!W.http) {
		metrics_free(m);
		return -1;
	}
	W.m = m;
	log_info("ebba-web: metrics on %s (port %u)", listen_on, metrics_server_port(W.http));
	return 0;
}

void web_metrics_serving(void)
{
	atomic_store(&W.serving, true);
}

void web_metrics_stop(void)
{
	metrics_server_stop(W.http);
	W.http = NULL;
}

void web_metrics_free(void)
{
	metrics_free(W.m);
	W.m = NULL;
}
