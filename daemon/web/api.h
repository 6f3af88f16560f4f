/*
 * The intake API under /api/v1/ (docs/architecture.md §13), for the
 * municipality's e-service: POST /api/v1/applications, GET
 * /api/v1/applications/{id} and its letters, authenticated by a bearer token
 * (`ebbactl token`), never by a session cookie, so the session and CSRF
 * path of server.c is not taken.  The OpenAPI description is
 * schema/ebba-api.openapi.yaml, served at /api/v1/openapi.yaml.
 *
 * The API answers on ebba-web's own role, on a pool of connections of its
 * own (one per server thread); the database checks every token
 * (schema/008_intake_tokens.sql).
 */
#ifndef EBBA_WEB_API_H
#define EBBA_WEB_API_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "web.h"

#define API_PREFIX "/api/v1/"
/* Seconds a client is asked to wait when the database is away. */
#define API_RETRY_AFTER 5

/* Connects nothing yet: the pool's connections open at first use, so
 * ebba-web starts while the database is away.  cfg outlives the API. */
int api_init(const struct ebba_config *cfg, const char *conninfo, unsigned threads,
	     struct ebba_err *err);
void api_shutdown(void);

/* Whether path is the API's (then server.c hands the request to api_handle). */
bool api_owns(const char *path);

struct MHD_Connection;

struct api_request {
	struct MHD_Connection *conn;  /* for the multipart parser of completions */
	const char *method;         /* "GET" or "POST" (HEAD is GET) */
	const char *path;
	const char *authorization;  /* the header, or NULL */
	const char *content_type;   /* the header, or NULL */
	const char *body;           /* NUL-terminated */
	size_t body_len;
	bool too_large;             /* more than api_max_body() was sent */
	/* GET /api/v1/decisions' query arguments, or NULL */
	const char *after, *limit, *wait;
};

/* Fills rs (a JSON body, the status, Location, Retry-After, ...).  Never
 * fails: an error in ebba is a 503 to the client and a log line. */
void api_handle(const struct api_request *rq, struct web_response *rs);

/* GET /api/v1/decisions (api_decisions.c) for a well-formed bearer token. */
void api_decisions(const struct api_request *rq, struct web_response *rs, const char *token);

/* GET /api/v1/applications/{id}/letters/{n} (api_letters.c) for a
 * well-formed bearer token, an id as the schema allows it and n >= 1. */
void api_letter(const struct api_request *rq, struct web_response *rs, const char *token,
		const char *id, int n);

/* POST /api/v1/applications/{id}/completions (api_completions.c) for a
 * well-formed bearer token and an id as the schema allows it. */
void api_completion(const struct api_request *rq, struct web_response *rs, const char *token,
		    const char *id);

#endif
