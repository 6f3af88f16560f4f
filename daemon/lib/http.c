/*
 * HTTP engine on libcurl multi; see include/ebba/lib/http.h for the model.
 *
 * A request lives in one struct xfer from http_submit() to
 * http_next_result().  It is always in exactly one place: the ready queue
 * (FIFO, waiting for a free slot), a slot (on the wire), the sleeping list
 * (backing off before a retry) or the done queue (a result to collect).
 * Slots own the pooled easy handles: a slot's handle is created the first
 * time the slot is used and then reset and reused for the engine's life.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ebba/lib/http.h"
#include "ebba/lib/log.h"
#include "ebba/lib/util.h"

enum breaker_state { BR_CLOSED, BR_OPEN, BR_HALF_OPEN };

struct breaker {
	struct breaker *next;
	char *key;
	int failures;            /* consecutive */
	enum breaker_state state;
	uint64_t opened_at;
	bool probing;            /* the one half-open probe is out */
};

struct xfer {
	struct xfer *next;
	/* The request, copied. */
	char *method;
	char *url;
	char *body;
	size_t body_len;
	struct curl_slist *headers;
	int timeout_ms;
	uint64_t deadline;
	http_validate_fn validate;
	struct breaker *br;
	bool is_probe;
	/* Progress. */
	int slot;                /* index while on the wire, else -1 */
	uint64_t submitted;
	uint64_t wake_at;        /* when sleeping */
	int attempt_timeout_ms;
	size_t max_body;
	bool too_large;
	char curl_err[CURL_ERROR_SIZE];
	struct http_result res;
};

struct slot {
	CURL *easy;              /* pooled; NULL until first use */
	struct xfer *x;          /* NULL when free */
};

struct http_engine {
	struct http_engine_config cfg;
	CURLM *multi;
	struct slot *slots;
	int *free_slots;         /* stack of free slot indexes */
	int nfree;
	struct xfer *ready_head, *ready_tail;
	struct xfer *sleeping;   /* unordered; retries are few */
	struct xfer *done_head, *done_tail;
	size_t pending;
	uint64_t completed;      /* results produced so far */
	struct breaker *breakers;
	uint64_t rng;
};

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_next(struct http_engine *e)
{
	/* xorshift64*: good enough for jitter, reproducible with a seed. */
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return e->rng * 2685821657736338717ULL;
}

static char *endpoint_of(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return xstrdup(url);
	const char *end = p + 3;
	while (*end && *end != '/' && *end != '?' && *end != '#')
		end++;
	if (*end == '/') {
		end++;
		while (*end && *end != '/' && *end != '?' && *end != '#')
			end++;
	}
	return xstrndup(url, (size_t)(end - url));
}

static void queue_push(struct xfer **head, struct xfer **tail, struct xfer *x)
{
	x->next = NULL;
	if (*tail)
		(*tail)->next = x;
	else
		*head = x;
	*tail = x;
}

static struct xfer *queue_pop(struct xfer **head, struct xfer **tail)
{
	struct xfer *x = *head;
	if (!x)
		return NULL;
	*head = x->next;
	if (!*head)
		*tail = NULL;
	x->next = NULL;
	return x;
}

static void xfer_free(struct xfer *x)
{
	free(x->method);
	free(x->url);
	free(x->body);
	curl_slist_free_all(x->headers);
	buf_free(&x->res.body);
	free(x);
}

/* --------------------------------------------------------------- breakers */

static struct breaker *breaker_get(struct http_engine *e, const char *key)
{
	for (struct breaker *b = e->breakers; b; b = b->next)
		if (strcmp(b->key, key) == 0)
			return b;
	struct breaker *b = xcalloc(1, sizeof(*b));
	b->key = xstrdup(key);
	b->next = e->breakers;
	e->breakers = b;
	return b;
}

/* May a request go out now?  Sets *probe when it is the half-open probe. */
static bool breaker_allow(struct http_engine *e, struct breaker *b, uint64_t now, bool *probe)
{
	*probe = false;
	if (e->cfg.breaker_threshold < 0 || b->state == BR_CLOSED)
		return true;
	if (b->state == BR_OPEN &&
	    now - b->opened_at >= (uint64_t)e->cfg.breaker_cooldown_ms * 1000) {
		b->state = BR_HALF_OPEN;
		b->probing = false;
	}
	if (b->state == BR_HALF_OPEN && !b->probing) {
		b->probing = true;
		*probe = true;
		return true;
	}
	return false;
}

/* Records the outcome of one network attempt. */
static void breaker_record(struct http_engine *e, struct xfer *x, bool failed, uint64_t now)
{
	struct breaker *b = x->br;
	if (x->is_probe) {
		b->probing = false;
		x->is_probe = false;
	}
	if (e->cfg.breaker_threshold < 0)
		return;
	if (!failed) {
		if (b->state != BR_CLOSED)
			log_info("circuit for %s closed again", b->key);
		b->state = BR_CLOSED;
		b->failures = 0;
		return;
	}
	b->failures++;
	if (b->state == BR_HALF_OPEN || (b->state == BR_CLOSED && b->failures >= e->cfg.breaker_threshold)) {
		if (b->state == BR_CLOSED)
			log_warn("circuit for %s opened after %d consecutive failures", b->key, b->failures);
		b->state = BR_OPEN;
		b->opened_at = now;
	}
}

char *http_endpoint_key(const char *url)
{
	return endpoint_of(url);
}

const char *http_failure_name(enum http_failure f)
{
	static const char *const names[] = {
		[HTTP_FAIL_NONE] = "ok", [HTTP_FAIL_TIMEOUT] = "timeout",
		[HTTP_FAIL_STATUS] = "http_error", [HTTP_FAIL_INVALID] = "invalid",
		[HTTP_FAIL_CONNECT] = "connect_error", [HTTP_FAIL_TOO_LARGE] = "too_large",
		[HTTP_FAIL_CIRCUIT_OPEN] = "circuit_open", [HTTP_FAIL_DEADLINE] = "deadline",
		[HTTP_FAIL_ABANDONED] = "abandoned", [HTTP_FAIL_OTHER] = "error",
	};
	return (unsigned)f < ARRAY_LEN(names) ? names[f] : "error";
}

const char *http_breaker_state(const struct http_engine *e, const char *endpoint)
{
	for (const struct breaker *b = e->breakers; b; b = b->next) {
		if (strcmp(b->key, endpoint) != 0)
			continue;
		/* An open breaker whose cool-down is over will let a probe through. */
		if (b->state == BR_OPEN &&
		    now_usec() - b->opened_at >= (uint64_t)e->cfg.breaker_cooldown_ms * 1000)
			return "half-open";
		return b->state == BR_OPEN ? "open" : b->state == BR_HALF_OPEN ? "half-open" : "closed";
	}
	return "closed";
}

/* ------------------------------------------------------------- completion */

static void finish(struct http_engine *e, struct xfer *x, bool ok, uint64_t now)
{
	x->res.ok = ok;
	if (ok) {
		ebba_err_clear(&x->res.error);
		x->res.failure = HTTP_FAIL_NONE;
	}
	x->res.elapsed_usec = now - x->submitted;
	queue_push(&e->done_head, &e->done_tail, x);
	e->pending--;
	e->completed++;
}

static void fail(struct http_engine *e, struct xfer *x, uint64_t now, enum http_failure kind,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fail(struct http_engine *e, struct xfer *x, uint64_t now, enum http_failure kind,
		 const char *fmt, ...)
{
	x->res.failure = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->res.error.msg, sizeof(x->res.error.msg), fmt, ap);
	va_end(ap);
	finish(e, x, false, now);
}

/* Fails x with its last attempt's reason behind a summary ("gave up after
 * 3 attempts: HTTP 503"). */
static void fail_after(struct http_engine *e, struct xfer *x, uint64_t now, const char *what)
{
	ebba_err_prefix(&x->res.error, "%s after %d attempts", what, x->res.attempts);
	finish(e, x, false, now);
}

/* Backs off before another attempt, or fails if that is not allowed. */
static void retry_or_fail(struct http_engine *e, struct xfer *x, uint64_t now)
{
	int tries = x->res.attempts;
	if (tries > e->cfg.max_retries) {
		fail_after(e, x, now, "gave up");
		return;
	}
	int shift = tries - 1 < 20 ? tries - 1 : 20;
	uint64_t cap = (uint64_t)e->cfg.backoff_base_ms << shift;
	if (cap > (uint64_t)e->cfg.backoff_max_ms)
		cap = (uint64_t)e->cfg.backoff_max_ms;
	uint64_t sleep_ms = rng_next(e) % (cap + 1);
	x->wake_at = now + sleep_ms * 1000;
	if (x->deadline && x->wake_at >= x->deadline) {
		fail_after(e, x, now, "deadline passed");
		return;
	}
	x->next = e->sleeping;
	e->sleeping = x;
}

static bool retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
		return true;
	default:
		return false;
	}
}

/* Classifies a finished attempt; returns true when it is a success.  On
 * failure res.error holds the reason and *retryable says what kind. */
static bool classify(struct xfer *x, CURLcode rc, bool *retryable)
{
	struct http_result *r = &x->res;
	*retryable = false;
	if (x->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		ebba_errf(&r->error, "response too large (more than %zu bytes)", x->max_body);
		r->failure = HTTP_FAIL_TOO_LARGE;
		return false;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		ebba_errf(&r->error, "timeout after %d ms", x->attempt_timeout_ms);
		r->failure = HTTP_FAIL_TIMEOUT;
		*retryable = true;
		return false;
	}
	if (rc != CURLE_OK) {
		ebba_errf(&r->error, "%s%s%s", curl_easy_strerror(rc), x->curl_err[0] ? ": " : "",
			  x->curl_err);
		r->failure = HTTP_FAIL_CONNECT;
		*retryable = retryable_curl(rc);
		return false;
	}
	if (r->status >= 500 || r->status == 429) {
		ebba_errf(&r->error, "HTTP %ld", r->status);
		r->failure = HTTP_FAIL_STATUS;
		*retryable = true;
		return false;
	}
	if (x->validate) {
		ebba_err_clear(&r->error);
		if (x->validate(r->tag, r->status, r->body.data ? r->body.data : "", r->body.len,
				&r->error) != 0) {
			if (!r->error.msg[0])
				ebba_errf(&r->error, "rejected");
			ebba_err_prefix(&r->error, "invalid response (HTTP %ld)", r->status);
			r->failure = HTTP_FAIL_INVALID;
			*retryable = true;
			return false;
		}
	}
	return true;
}

static void release_slot(struct http_engine *e, struct xfer *x)
{
	struct slot *s = &e->slots[x->slot];
	curl_multi_remove_handle(e->multi, s->easy);
	/* Reset keeps the handle's caches; the multi keeps the connections. */
	curl_easy_reset(s->easy);
	s->x = NULL;
	e->free_slots[e->nfree++] = x->slot;
	x->slot = -1;
}

static void on_done(struct http_engine *e, CURL *easy, CURLcode rc)
{
	struct xfer *x = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &x->res.status);
	long connects = 0;
	curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
	x->res.new_connections += connects;
	release_slot(e, x);

	uint64_t now = now_usec();
	bool retryable;
	bool ok = classify(x, rc, &retryable);
	/* A non-retryable failure (4xx-free too-large, TLS verify) still shows
	 * the endpoint answered or is misconfigured, not that it is down. */
	breaker_record(e, x, !ok && retryable, now);
	if (ok) {
		finish(e, x, true, now);
		return;
	}
	if (!retryable) {
		finish(e, x, false, now);
		return;
	}
	retry_or_fail(e, x, now);
}

/* ---------------------------------------------------------------- starting */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (x->res.body.len + len > x->max_body) {
		x->too_large = true;
		return 0;   /* makes curl abort the transfer */
	}
	buf_append(&x->res.body, p, len);
	return len;
}

static void set_tls(const struct http_engine_config *c, CURL *h)
{
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (c->client_cert)
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
	if (c->client_key)
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
}

static void start_transfer(struct http_engine *e, struct xfer *x, uint64_t now)
{
	int idx = e->free_slots[--e->nfree];
	struct slot *s = &e->slots[idx];
	if (!s->easy) {
		s->easy = curl_easy_init();
		if (!s->easy)
			fatal("curl_easy_init failed (out of memory)");
	}
	s->x = x;
	x->slot = idx;
	x->too_large = false;
	x->curl_err[0] = '\0';
	x->res.status = 0;
	x->res.attempts++;
	buf_reset(&x->res.body);

	int t = x->timeout_ms;
	if (x->deadline) {
		uint64_t left_ms = x->deadline > now ? (x->deadline - now) / 1000 : 0;
		if (left_ms < (uint64_t)t)
			t = left_ms ? (int)left_ms : 1;
	}
	x->attempt_timeout_ms = t;

	CURL *h = s->easy;
	curl_easy_setopt(h, CURLOPT_URL, x->url);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->curl_err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)t);
	long ct = e->cfg.connect_timeout_ms < t ? e->cfg.connect_timeout_ms : t;
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ct);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (x->headers)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
	if (strcmp(x->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->body ? x->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	} else if (strcmp(x->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
	}
	set_tls(&e->cfg, h);

	CURLMcode mc = curl_multi_add_handle(e->multi, h);
	if (mc != CURLM_OK) {
		release_slot(e, x);
		if (x->is_probe)
			x->br->probing = false;
		fail(e, x, now, HTTP_FAIL_OTHER, "cannot start transfer: %s", curl_multi_strerror(mc));
	}
}

/* Moves retries whose back-off is over to the front of the ready queue. */
static uint64_t wake_sleepers(struct http_engine *e, uint64_t now)
{
	uint64_t next = 0;
	struct xfer **pp = &e->sleeping;
	while (*pp) {
		struct xfer *x = *pp;
		if (x->wake_at <= now) {
			*pp = x->next;
			x->next = e->ready_head;
			e->ready_head = x;
			if (!e->ready_tail)
				e->ready_tail = x;
			continue;
		}
		if (!next || x->wake_at < next)
			next = x->wake_at;
		pp = &x->next;
	}
	return next;
}

/* Fails queued requests whose deadline passed; returns the earliest left. */
static uint64_t expire_queued(struct http_engine *e, uint64_t now)
{
	uint64_t next = 0;
	struct xfer *keep_head = NULL, *keep_tail = NULL, *x;
	while ((x = queue_pop(&e->ready_head, &e->ready_tail))) {
		if (x->deadline && x->deadline <= now) {
			if (x->res.attempts)
				fail_after(e, x, now, "deadline passed");
			else
				fail(e, x, now, HTTP_FAIL_DEADLINE, "deadline passed while queued (no free connection)");
			continue;
		}
		if (x->deadline && (!next || x->deadline < next))
			next = x->deadline;
		queue_push(&keep_head, &keep_tail, x);
	}
	e->ready_head = keep_head;
	e->ready_tail = keep_tail;
	return next;
}

static void start_ready(struct http_engine *e, uint64_t now)
{
	while (e->nfree > 0 && e->ready_head) {
		struct xfer *x = queue_pop(&e->ready_head, &e->ready_tail);
		if (!breaker_allow(e, x->br, now, &x->is_probe)) {
			if (x->res.attempts) {
				struct ebba_err last = x->res.error;
				fail(e, x, now, HTTP_FAIL_CIRCUIT_OPEN, "circuit open for %s (after %d attempts: %s)",
				     x->br->key, x->res.attempts, last.msg);
			}
			else
				fail(e, x, now, HTTP_FAIL_CIRCUIT_OPEN, "circuit open for %s", x->br->key);
			continue;
		}
		start_transfer(e, x, now);
	}
}

/* ------------------------------------------------------------- public API */

static void apply_defaults(struct http_engine_config *c)
{
	if (c->max_concurrent <= 0)
		c->max_concurrent = 64;
	if (!c->max_body)
		c->max_body = 4u << 20;
	if (c->connect_timeout_ms <= 0)
		c->connect_timeout_ms = 2000;
	if (c->max_retries == 0)
		c->max_retries = 3;
	else if (c->max_retries < 0)
		c->max_retries = 0;
	if (c->backoff_base_ms <= 0)
		c->backoff_base_ms = 50;
	if (c->backoff_max_ms <= 0)
		c->backoff_max_ms = 2000;
	if (c->breaker_threshold == 0)
		c->breaker_threshold = 5;
	if (c->breaker_cooldown_ms <= 0)
		c->breaker_cooldown_ms = 5000;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int http_engine_new(const struct http_engine_config *cfg, struct http_engine **out,
		    struct ebba_err *err)
{
	*out = NULL;
	CURLcode gc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (gc != CURLE_OK)
		return ebba_errf(err, "http: curl_global_init: %s", curl_easy_strerror(gc));
	struct http_engine *e = xcalloc(1, sizeof(*e));
	if (cfg)
		e->cfg = *cfg;
	apply_defaults(&e->cfg);
	e->cfg.client_cert = dup_or_null(e->cfg.client_cert);
	e->cfg.client_key = dup_or_null(e->cfg.client_key);
	e->cfg.ca_file = dup_or_null(e->cfg.ca_file);
	e->rng = e->cfg.seed ? e->cfg.seed : now_usec() ^ ((uint64_t)getpid() << 32);
	if (!e->rng)
		e->rng = 0x9e3779b97f4a7c15ULL;

	e->multi = curl_multi_init();
	if (!e->multi) {
		http_engine_free(e);
		return ebba_errf(err, "http: curl_multi_init failed");
	}
	/* Keep one idle connection per slot so keep-alive survives between
	 * batches, and never open more per host than we have slots. */
	curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->cfg.max_concurrent);
	curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)e->cfg.max_concurrent);
	curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);

	int n = e->cfg.max_concurrent;
	e->slots = xcalloc((size_t)n, sizeof(*e->slots));
	e->free_slots = xcalloc((size_t)n, sizeof(*e->free_slots));
	for (int i = 0; i < n; i++)
		e->free_slots[e->nfree++] = n - 1 - i;

	if (e->cfg.insecure)
		log_warn("WARNING: HTTP engine created with TLS verification OFF (insecure); "
			 "this is for tests only and must never be used in production");
	*out = e;
	return 0;
}

static void free_list(struct xfer *x)
{
	while (x) {
		struct xfer *next = x->next;
		xfer_free(x);
		x = next;
	}
}

void http_engine_free(struct http_engine *e)
{
	if (!e)
		return;
	for (int i = 0; e->slots && i < e->cfg.max_concurrent; i++) {
		struct slot *s = &e->slots[i];
		if (s->x) {
			curl_multi_remove_handle(e->multi, s->easy);
			xfer_free(s->x);
		}
		if (s->easy)
			curl_easy_cleanup(s->easy);
	}
	free_list(e->ready_head);
	free_list(e->sleeping);
	free_list(e->done_head);
	while (e->breakers) {
		struct breaker *b = e->breakers;
		e->breakers = b->next;
		free(b->key);
		free(b);
	}
	if (e->multi)
		curl_multi_cleanup(e->multi);
	free((char *)e->cfg.client_cert);
	free((char *)e->cfg.client_key);
	free((char *)e->cfg.ca_file);
	free(e->slots);
	free(e->free_slots);
	free(e);
	curl_global_cleanup();
}

void http_submit(struct http_engine *e, const struct http_request *req)
{
	struct xfer *x = xcalloc(1, sizeof(*x));
	uint64_t now = now_usec();
	x->method = xstrdup(req->method ? req->method : "GET");
	x->url = xstrdup(req->url ? req->url : "");
	if (req->body_len) {
		x->body = xmalloc(req->body_len);
		memcpy(x->body, req->body, req->body_len);
		x->body_len = req->body_len;
	}
	for (const char *const *h = req->headers; h && *h; h++)
		x->headers = curl_slist_append(x->headers, *h);
	/* curl would send "Expect: 100-continue" for larger bodies and wait. */
	if (strcmp(x->method, "POST") == 0)
		x->headers = curl_slist_append(x->headers, "Expect:");
	x->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 5000;
	x->deadline = req->deadline_usec;
	x->validate = req->validate;
	x->slot = -1;
	x->submitted = now;
	x->max_body = e->cfg.max_body;
	x->res.tag = req->tag;
	char *key = req->endpoint ? xstrdup(req->endpoint) : endpoint_of(x->url);
	x->br = breaker_get(e, key);
	free(key);
	e->pending++;
	if (!req->url || !req->url[0]) {
		fail(e, x, now, HTTP_FAIL_OTHER, "no URL configured");
		return;
	}
	queue_push(&e->ready_head, &e->ready_tail, x);
}

static void drain_multi(struct http_engine *e)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(e->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			on_done(e, m->easy_handle, m->data.result);
}

static int clamp_wait(int wait_ms, uint64_t at, uint64_t now)
{
	if (!at)
		return wait_ms;
	uint64_t ms = at > now ? (at - now + 999) / 1000 : 0;
	return ms < (uint64_t)wait_ms ? (int)ms : wait_ms;
}

int http_engine_run(struct http_engine *e, int extra_fd, int timeout_ms, bool *extra_ready,
		    struct ebba_err *err)
{
	if (extra_ready)
		*extra_ready = false;
	uint64_t now = now_usec();
	uint64_t completed = e->completed;
	uint64_t wake = wake_sleepers(e, now);
	uint64_t expiry = expire_queued(e, now);
	start_ready(e, now);

	int wait = timeout_ms < 0 ? 0 : timeout_ms;
	/* Requests that failed fast just now should not wait for the network. */
	if (e->completed != completed)
		wait = 0;
	wait = clamp_wait(wait, wake, now);
	wait = clamp_wait(wait, expiry, now);

	struct curl_waitfd wfd = { .fd = extra_fd, .events = CURL_WAIT_POLLIN };
	CURLMcode mc = curl_multi_poll(e->multi, extra_fd >= 0 ? &wfd : NULL,
				       extra_fd >= 0 ? 1 : 0, wait, NULL);
	if (mc != CURLM_OK)
		return ebba_errf(err, "http: curl_multi_poll: %s", curl_multi_strerror(mc));
	if (extra_ready && extra_fd >= 0)
		*extra_ready = (wfd.revents & CURL_WAIT_POLLIN) != 0;

	int running;
	mc = curl_multi_perform(e->multi, &running);
	if (mc != CURLM_OK)
		return ebba_errf(err, "http: curl_multi_perform: %s", curl_multi_strerror(mc));
	drain_multi(e);

	/* Refill freed slots now so new transfers start on the next wait. */
	now = now_usec();
	wake_sleepers(e, now);
	expire_queued(e, now);
	start_ready(e, now);
	return 0;
}

int http_engine_run_all(struct http_engine *e, struct ebba_err *err)
{
	while (e->pending > 0)
		if (http_engine_run(e, -1, 1000, NULL, err) != 0)
			return -1;
	return 0;
}

static void abandon_list(struct http_engine *e, struct xfer *x, uint64_t now, const char *why)
{
	while (x) {
		struct xfer *next = x->next;
		fail(e, x, now, HTTP_FAIL_ABANDONED, "%s", why);
		x = next;
	}
}

void http_abandon_all(struct http_engine *e, const char *why)
{
	uint64_t now = now_usec();
	for (int i = 0; i < e->cfg.max_concurrent; i++) {
		struct xfer *x = e->slots[i].x;
		if (!x)
			continue;
		/* Removing an unfinished transfer closes its connection. */
		release_slot(e, x);
		if (x->is_probe)
			x->br->probing = false;
		fail(e, x, now, HTTP_FAIL_ABANDONED, "%s", why);
	}
	struct xfer *ready = e->ready_head, *sleeping = e->sleeping;
	e->ready_head = e->ready_tail = NULL;
	e->sleeping = NULL;
	abandon_list(e, ready, now, why);
	abandon_list(e, sleeping, now, why);
}

size_t http_pending(const struct http_engine *e)
{
	return e->pending;
}

bool http_next_result(struct http_engine *e, struct http_result *out)
{
	struct xfer *x = queue_pop(&e->done_head, &e->done_tail);
	if (!x)
		return false;
	*out = x->res;
	memset(&x->res.body, 0, sizeof(x->res.body));
	xfer_free(x);
	return true;
}

void http_result_free(struct http_result *r)
{
	if (r)
		buf_free(&r->body);
}
