/*
 * The claims of a sign-in through the identity provider (daemon/web/sso.c):
 * the acr check against proxy_required_acr, the provider's groups mapped
 * to ebba's, a claim as text for a page, and the digest that tells one
 * sign-in's claims from another's.  (The whole path, with a real provider
 * and Apache, is tests/integration/90_sso.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"
#include "sso.h"

/* sso.c's routes use these; the tests here do not reach them. */
const struct ebba_config *request_config(void) { return NULL; }
void request_end_session(const struct web_request *rq) { (void)rq; }
void request_set_cookie(const struct web_request *rq, const char *id) { (void)rq; (void)id; }
int web_page(const struct web_request *rq, struct web_response *rs, const char *title,
	     const char *name, json_t *ctx, struct ebba_err *err)
{
	(void)rq; (void)rs; (void)title; (void)name; (void)ctx; (void)err;
	return -1;
}

#define LOA2 "http://id.elegnamnden.se/loa/1.0/loa2"
#define LOA3 "http://id.elegnamnden.se/loa/1.0/loa3"

static int init(const char *acr, const char *map)
{
	struct web_config w = {.proxy_required_acr = (char *)acr, .proxy_group_map = (char *)map};
	struct ebba_err err;
	return sso_init(&w, &err);
}

static void test_acr(void **state)
{
	assert_int_equal(init(NULL, ""), 0);
	assert_false(sso_acr_required());
	assert_true(sso_acr_ok(NULL));              /* nothing asked: nothing checked */
	assert_int_equal(init(LOA3 " " LOA3 "-plus", ""), 0);
	assert_true(sso_acr_required());
	assert_true(sso_acr_ok(LOA3));
	assert_true(sso_acr_ok(LOA3 "-plus"));
	assert_false(sso_acr_ok(LOA2));
	assert_false(sso_acr_ok(NULL));
	assert_false(sso_acr_ok(""));
	assert_false(sso_acr_ok(LOA3 "x"));         /* a value, not a prefix */
	assert_false(sso_acr_ok("http://id.elegnamnden.se/loa/1.0/LOA3"));
	/* amr is a list: any of its values may be the one asked for. */
	assert_int_equal(init("mfa", ""), 0);
	assert_true(sso_acr_ok("pwd,mfa"));
	assert_true(sso_acr_ok("mfa"));
	assert_false(sso_acr_ok("pwd,otp"));
	sso_shutdown();
}

static void test_groups(void **state)
{
	assert_int_equal(init(NULL, "ebba-handlaggare=caseworker ebba-chef=supervisor,ebba-logg=auditor"), 0);
	assert_int_equal(sso_groups("ebba-handlaggare"), WEB_CASEWORKER);
	assert_int_equal(sso_groups("kommun-alla, ebba-chef ,ebba-logg"), WEB_SUPERVISOR | WEB_AUDITOR);
	assert_int_equal(sso_groups("kommun-alla"), 0);
	assert_int_equal(sso_groups(""), 0);
	assert_int_equal(sso_groups(NULL), 0);
	assert_int_equal(sso_groups("ebba-handlaggare-gammal,EBBA-HANDLAGGARE,ebba"), 0);   /* whole names only */
	char text[64];
	sso_groups_text(WEB_CASEWORKER | WEB_AUDITOR, text, sizeof(text));
	assert_string_equal(text, "caseworker,auditor");
	sso_groups_text(0, text, sizeof(text));
	assert_string_equal(text, "");
	/* A map that names no group of ebba's is refused at start. */
	assert_int_equal(init(NULL, "ebba-admin=superuser"), -1);
	assert_int_equal(init(NULL, "ebba-handlaggare"), -1);
	assert_int_equal(init(NULL, "=caseworker"), -1);
	sso_shutdown();
}

static void test_text(void **state)
{
	char out[16];
	sso_text("  Anna Åberg  ", out, sizeof(out));
	assert_string_equal(out, "Anna Åberg");
	sso_text("Anna\r\nX-Evil: 1", out, sizeof(out));
	assert_string_equal(out, "AnnaX-Evil: 1");  /* no control character survives */
	sso_text("Anna \xff\xfe", out, sizeof(out));
	assert_string_equal(out, "");               /* not UTF-8: nothing of it */
	sso_text("\xc3\x28", out, sizeof(out));
	assert_string_equal(out, "");
	sso_text("\xed\xa0\x80", out, sizeof(out)); /* a surrogate */
	assert_string_equal(out, "");
	sso_text("\xc0\xaf", out, sizeof(out));     /* overlong '/' */
	assert_string_equal(out, "");
	sso_text("Åååååååååååååå", out, sizeof(out));   /* cut at a character */
	assert_string_equal(out, "Ååååååå");
	sso_text(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_fingerprint(void **state)
{
	const char *a[] = {"anna", LOA3, "ebba-handlaggare", "Anna", NULL};
	const char *b[] = {"anna", LOA3, "kommun-alla", "Anna", NULL};
	const char *c[] = {"anna", LOA3, "ebba-handlaggare", "Anna", ""};
	char fa[65], fa2[65], fb[65], fc[65];
	sso_fingerprint(a, 5, fa);
	sso_fingerprint(a, 5, fa2);
	sso_fingerprint(b, 5, fb);
	sso_fingerprint(c, 5, fc);
	assert_int_equal(strlen(fa), 64);
	assert_string_equal(fa, fa2);
	assert_string_not_equal(fa, fb);            /* other groups: another sign-in */
	assert_string_not_equal(fa, fc);            /* absent is not empty */
	const char *d[] = {"ann", "a" LOA3};        /* no run-together */
	const char *e[] = {"anna", LOA3};
	char fd[65], fe[65];
	sso_fingerprint(d, 2, fd);
	sso_fingerprint(e, 2, fe);
	assert_string_not_equal(fd, fe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acr),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_fingerprint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
