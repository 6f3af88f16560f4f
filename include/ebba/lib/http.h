/*
 * The HTTP engine: every register look-up of a batch in flight at once on
 * one libcurl multi handle, with retries, deadlines and circuit breakers.
 *
 * Model
 *   - One engine per thread (the daemon has one).  It owns one curl multi
 *     handle, whose connection cache keeps HTTP/1.1 keep-alive connections
 *     open between batches, and a pool of curl easy handles that are reset
 *     and reused (never created per request once the pool is warm).
 *   - The caller submits requests with http_submit() (which copies
 *     everything it is given), then calls http_engine_run() in its loop.
 *     At most cfg.max_concurrent transfers are on the wire; the rest wait
 *     in a FIFO queue.  Finished requests are collected with
 *     http_next_result().  Every submitted request produces exactly one
 *     result, success or failure; nothing is dropped silently.
 *
 * Success and failure
 *   A result is ok when a final HTTP response arrived: any status except
 *   5xx and 429 (so 404 is ok: the caller decides what 404 means), its body
 *   is within cfg.max_body, and the request's optional validate() hook
 *   accepted it.  Otherwise the result is a failure and result.error.msg says
 *   why ("timeout after 2000 ms", "HTTP 503", "response too large (more
 *   than 4194304 bytes)", "circuit open for http://h:1/ssbtek", ...).
 *
 * Retries
 *   Timeouts, connection errors, broken transfers, HTTP 5xx and 429 and a
 *   validate() rejection are retried up to cfg.max_retries times, sleeping
 *   a "full jitter" exponential backoff between attempts:
 *       sleep = uniform(0, min(backoff_max_ms, backoff_base_ms * 2^attempt))
 *   Each attempt's timeout is min(req.timeout_ms, time left to the
 *   deadline).  req.deadline_usec is absolute (now_usec() clock) so that
 *   all look-ups of one application share it.  When the deadline passes,
 *   or a retry would only start after it, the request fails with
 *   "deadline passed after N attempts: <last reason>".  Other failures
 *   (4xx is not one; TLS verification, bad URL, too large) are not retried.
 *
 * Circuit breaker (per endpoint)
 *   The endpoint of a request is req.endpoint if given, otherwise
 *   "scheme://host:port/first-path-segment" of its URL.  Breaker failures
 *   are the retryable kinds above.  After cfg.breaker_threshold consecutive
 *   failures the circuit OPENS: requests to that endpoint fail at once
 *   (no network traffic) with "circuit open for <endpoint>".  After
 *   cfg.breaker_cooldown_ms it is HALF-OPEN: exactly one request goes out as
 *   a probe (others still fail fast); if the probe succeeds the circuit
 *   CLOSES, if it fails it opens for another cool-down.  A fail-fast is a
 *   failure like any other: the caller refers the application.
 *
 * TLS
 *   Peer and host verification are always on.  client_cert/client_key
 *   (PEM) give mutual TLS as SSBTEK requires; ca_file replaces the system
 *   CA store.  cfg.insecure turns verification off for tests only and logs
 *   a warning every time an engine is created with it.
 */
#ifndef EBBA_HTTP_H
#define EBBA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

struct http_engine_config {
	int max_concurrent;        /* transfers on the wire at once (default 64) */
	size_t max_body;           /* larger response bodies fail (default 4 MiB) */
	int connect_timeout_ms;    /* TCP+TLS connect, per attempt (default 2000) */
	int max_retries;           /* attempts after the first (default 3; -1 = none) */
	int backoff_base_ms;       /* default 50 */
	int backoff_max_ms;        /* default 2000 */
	int breaker_threshold;     /* consecutive failures that open (default 5; -1 = off) */
	int breaker_cooldown_ms;   /* open -> half-open (default 5000) */
	const char *client_cert;   /* PEM file, or NULL */
	const char *client_key;    /* PEM file, or NULL */
	const char *ca_file;       /* PEM bundle, or NULL for the system store */
	bool insecure;             /* TESTS ONLY: no TLS verification (warns) */
	uint64_t seed;             /* backoff jitter; 0 = seeded from the clock */
};

/*
 * Optional response check, called on a final response (not 5xx/429) within
 * max_body.  Return 0 to accept; -1 to treat it as a retryable failure,
 * with err saying why (e.g. "malformed SOAP: line 3"); the engine puts
 * "invalid response (HTTP <status>): " in front.
 */
typedef int (*http_validate_fn)(void *tag, long status, const char *body, size_t len,
				struct ebba_err *err);

struct http_request {
	const char *method;            /* "GET" (default when NULL) or "POST" */
	const char *url;
	const void *body;              /* POST body, copied; may be NULL */
	size_t body_len;
	const char *const *headers;    /* NULL-terminated "Name: value" list, copied */
	const char *endpoint;          /* breaker key; NULL = derived from url */
	int timeout_ms;                /* per attempt (default 5000) */
	uint64_t deadline_usec;        /* absolute, now_usec() clock; 0 = none */
	http_validate_fn validate;     /* may be NULL */
	void *tag;                     /* handed back in the result */
};

/* What kind of failure a result is (the last attempt's, after retries). */
enum http_failure {
	HTTP_FAIL_NONE,          /* ok */
	HTTP_FAIL_TIMEOUT,       /* an attempt timed out */
	HTTP_FAIL_STATUS,        /* HTTP 5xx or 429 */
	HTTP_FAIL_INVALID,       /* validate() rejected the answer */
	HTTP_FAIL_CONNECT,       /* connection, TLS or transfer error */
	HTTP_FAIL_TOO_LARGE,     /* the body was over max_body */
	HTTP_FAIL_CIRCUIT_OPEN,  /* failed fast: the endpoint's circuit was open */
	HTTP_FAIL_DEADLINE,      /* the deadline passed before any attempt */
	HTTP_FAIL_ABANDONED,     /* http_abandon_all() */
	HTTP_FAIL_OTHER,         /* no URL, the transfer could not start */
};
/* "ok", "timeout", "http_error", "invalid", "connect_error", "too_large",
 * "circuit_open", "deadline", "abandoned", "error": metric label values. */
const char *http_failure_name(enum http_failure f);

struct http_result {
	void *tag;
	bool ok;
	enum http_failure failure;     /* HTTP_FAIL_NONE when ok */
	long status;                   /* last HTTP status; 0 if none arrived */
	struct ebba_buf body;          /* owned by the result; NUL-terminated */
	struct ebba_err error;         /* why it failed; "" when ok */
	int attempts;                  /* network attempts made (0 = failed fast) */
	long new_connections;          /* connections opened (0 when keep-alive reused one) */
	uint64_t elapsed_usec;         /* submit -> completion, retries included */
};

struct http_engine;

/* cfg may be NULL for all defaults; its strings are copied. */
int http_engine_new(const struct http_engine_config *cfg, struct http_engine **out,
		    struct ebba_err *err);
/* Aborts whatever is still pending (no results) and frees everything. */
void http_engine_free(struct http_engine *e);

/* Queues a request (copying everything in it).  Never fails: a request
 * that cannot be sent completes as a failed result with the reason. */
void http_submit(struct http_engine *e, const struct http_request *req);

/*
 * Starts what may start, waits once (curl_multi_poll) for network activity,
 * the extra fd (readable; -1 for none) or timeout_ms, then processes what
 * happened.  Returns early, without waiting, when results are ready.  Sets
 * *extra_ready (if not NULL) when extra_fd became readable.  Fails only if
 * libcurl itself fails.
 */
int http_engine_run(struct http_engine *e, int extra_fd, int timeout_ms, bool *extra_ready,
		    struct ebba_err *err);

/* Runs until no request is pending (results accumulate for http_next_result). */
int http_engine_run_all(struct http_engine *e, struct ebba_err *err);

/*
 * Fails every request not yet completed (queued, on the wire, backing off)
 * at once with the reason why, without recording a breaker failure: the
 * caller gave up on them, the endpoint did nothing wrong.  Their results
 * are collected with http_next_result() like any other.
 */
void http_abandon_all(struct http_engine *e, const char *why);

/* Requests submitted and not yet completed (queued, on the wire, backing off). */
size_t http_pending(const struct http_engine *e);

/* Moves the next completed result into *out; false when there is none.
 * Release each result with http_result_free(). */
bool http_next_result(struct http_engine *e, struct http_result *out);
void http_result_free(struct http_result *r);

/* The breaker key of a request to url without an endpoint of its own
 * ("scheme://host:port/first-path-segment"); the caller frees it. */
char *http_endpoint_key(const char *url);

/* The breaker state of an endpoint as "closed", "open" or "half-open". */
const char *http_breaker_state(const struct http_engine *e, const char *endpoint);

#endif
