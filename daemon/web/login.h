/*
 * The login form (login.c): its routes, which the server serves as its own,
 * and its CSRF token, which the server checks on the form's POST.  Apart
 * from server.h, which login.c includes for the server's cookies and pages.
 */
#ifndef EBBA_WEB_LOGIN_H
#define EBBA_WEB_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/error.h"
#include "web.h"

/* The server's own routes: the login form and its POST. */
const struct web_route *login_routes(size_t *n);

/*
 * The login form's CSRF token needs no session (a table of anonymous
 * sessions would let anyone who asks for the form often enough push out
 * the slot of a real person's form): it is signed, a double-submit token.
 * 64 hex digits: 8 random bytes, its expiry (4 bytes, seconds since the
 * epoch), the first 20 bytes of HMAC-SHA-256 over them with a key drawn
 * when ebba-web starts.  The form carries it and so does a cookie; a POST
 * is accepted when both are the same, the signature holds and it has not
 * expired.  Another site can neither read the cookie nor make the browser
 * send it (SameSite=Strict); with Secure it is __Host-, which no other
 * host of the domain may set.  A restart makes open login forms stale.
 */
int login_init(struct ebba_err *err);
bool login_token_ok(const char *form, const char *cookie);

#endif
