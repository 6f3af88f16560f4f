/*
 * Signing in through the municipality's identity provider (auth: proxy).
 * Apache with mod_auth_openidc (contrib/apache/ebba-web-openidc.conf)
 * checks the ID token and passes its claims in trusted headers; this
 * module reads them: whether the sign-in reached the required level of
 * assurance (acr, or amr: a comma-separated list whose values any may
 * match), which of ebba's groups the provider's group claim maps to, and
 * the person's name and title as text fit for a page.  Nothing here
 * trusts a header: server.c reads them only from a peer in proxy_peers.
 */
#ifndef EBBA_WEB_SSO_H
#define EBBA_WEB_SSO_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "web.h"

/* Reads proxy_required_acr and proxy_group_map; an unknown ebba group in
 * the map is an error. */
int sso_init(const struct web_config *w, struct ebba_err *err);
void sso_shutdown(void);

/* Whether any value of the acr header (comma- or space-separated) is one
 * of proxy_required_acr; true when none is required. */
bool sso_acr_ok(const char *acr);
bool sso_acr_required(void);

/* ebba's groups (enum web_group bits) that the provider's comma-separated
 * group claim maps to. */
unsigned sso_groups(const char *claim);

/* "caseworker,supervisor" for bits; "" for none. */
void sso_groups_text(unsigned groups, char *out, size_t n);

/* A claim as text for a page: valid UTF-8 without control characters,
 * spaces trimmed, at most n - 1 bytes (cut at a character); "" for NULL. */
void sso_text(const char *claim, char *out, size_t n);

/* A digest of the claims of one sign-in (hex, 64 + NUL): a session whose
 * claims no longer match is ended and the person checked anew. */
void sso_fingerprint(const char *const *claims, size_t n, char out[65]);

/* Whether this is GET /logga-ut, which a person refused at sign-in must
 * reach: the server makes no session for it. */
bool sso_signing_out(const char *method, const char *path);

/* GET /utloggad: where the provider sends the browser after Logga ut;
 * GET /logga-ut: on to the proxy's sign-out (proxy_logout_url). */
const struct web_route *sso_routes(size_t *n);

#endif
