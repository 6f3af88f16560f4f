#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ebba/lib/util.h"
#include "request.h"
#include "sso.h"

#define MAX_MAP 32
#define MAX_ACR 16

static struct {
	struct { char *claim; unsigned group; } map[MAX_MAP];
	size_t n_map;
	char *acr[MAX_ACR];
	size_t n_acr;
} M;

static const struct { const char *name; unsigned bit; } GROUPS[] = {
	{"caseworker", WEB_CASEWORKER},
	{"supervisor", WEB_SUPERVISOR},
	{"auditor", WEB_AUDITOR},
	{"protected", WEB_PROTECTED},
};

static unsigned group_bit(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(GROUPS); i++)
		if (strcmp(GROUPS[i].name, name) == 0)
			return GROUPS[i].bit;
	return 0;
}

static const char SEP[] = " ,\t";

int sso_init(const struct web_config *w, struct ebba_err *err)
{
	sso_shutdown();
	if (w->proxy_logout_url && *w->proxy_logout_url && w->proxy_logout_url[0] != '/')
		return ebba_errf(err, "web.proxy_logout_url: a path on this site (/oidc/callback?logout=...), not %s",
				 w->proxy_logout_url);
	char *copy = xstrdup(w->proxy_group_map ? w->proxy_group_map : ""), *save = NULL;
	for (char *t = strtok_r(copy, SEP, &save); t; t = strtok_r(NULL, SEP, &save)) {
		char *eq = strchr(t, '=');
		unsigned bit = eq ? group_bit(eq + 1) : 0;
		if (!eq || eq == t || !bit || M.n_map == MAX_MAP) {
			ebba_errf(err, "web.proxy_group_map: '%s' is not PROVIDER-GROUP=caseworker, supervisor or"
				  " auditor (at most %d)", t, MAX_MAP);
			free(copy);
			return -1;
		}
		*eq = '\0';
		M.map[M.n_map].claim = xstrdup(t);
		M.map[M.n_map++].group = bit;
	}
	free(copy);
	copy = xstrdup(w->proxy_required_acr ? w->proxy_required_acr : "");
	save = NULL;
	for (char *t = strtok_r(copy, SEP, &save); t; t = strtok_r(NULL, SEP, &save)) {
		if (M.n_acr == MAX_ACR) {
			free(copy);
			return ebba_errf(err, "web.proxy_required_acr: at most %d values", MAX_ACR);
		}
		M.acr[M.n_acr++] = xstrdup(t);
	}
	free(copy);
	return 0;
}

void sso_shutdown(void)
{
	for (size_t i = 0; i < M.n_map; i++)
		free(M.map[i].claim);
	for (size_t i = 0; i < M.n_acr; i++)
		free(M.acr[i]);
	memset(&M, 0, sizeof(M));
}

bool sso_acr_required(void)
{
	return M.n_acr > 0;
}

bool sso_acr_ok(const char *acr)
{
	if (!M.n_acr)
		return true;
	if (!acr)
		return false;
	char *copy = xstrdup(acr), *save = NULL;
	bool ok = false;
	for (char *t = strtok_r(copy, SEP, &save); t && !ok; t = strtok_r(NULL, SEP, &save))
		for (size_t i = 0; i < M.n_acr && !ok; i++)
			ok = strcmp(t, M.acr[i]) == 0;
	free(copy);
	return ok;
}

unsigned sso_groups(const char *claim)
{
	if (!claim)
		return 0;
	unsigned bits = 0;
	char *copy = xstrdup(claim), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t += strspn(t, " \t");
		size_t n = strlen(t);
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			t[--n] = '\0';
		for (size_t i = 0; i < M.n_map; i++)
			if (strcmp(t, M.map[i].claim) == 0)
				bits |= M.map[i].group;
	}
	free(copy);
	return bits;
}

void sso_groups_text(unsigned groups, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(GROUPS); i++)
		if ((groups & GROUPS[i].bit) && len < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "", GROUPS[i].name);
}

/* The length of the UTF-8 character at s (at most avail bytes), or 0 when
 * it is not one (overlong, a surrogate, past U+10FFFF, cut short). */
static size_t utf8_char(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
	else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
	else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
	else
		return 0;
	if (len > avail)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void sso_text(const char *claim, char *out, size_t n)
{
	size_t w = 0;
	out[0] = '\0';
	if (!claim)
		return;
	const unsigned char *s = (const unsigned char *)claim;
	size_t avail = strlen(claim);
	while (avail) {
		size_t len = utf8_char(s, avail);
		if (!len) {             /* not text: nothing of it is shown */
			out[0] = '\0';
			return;
		}
		bool control = len == 1 && (s[0] < 0x20 || s[0] == 0x7f);
		if (w + len >= n)
			break;
		if (!control && !(w == 0 && s[0] == ' ')) {
			memcpy(out + w, s, len);
			w += len;
		}
		s += len;
		avail -= len;
	}
	while (w && out[w - 1] == ' ')
		w--;
	out[w] = '\0';
}

void sso_fingerprint(const char *const *claims, size_t n, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++) {
		const char *c = claims[i] ? claims[i] : "";
		unsigned char present = claims[i] != NULL;
		EVP_DigestUpdate(md, &present, 1);
		EVP_DigestUpdate(md, c, strlen(c) + 1);
	}
	EVP_DigestFinal_ex(md, d, &len);
	EVP_MD_CTX_free(md);
	for (unsigned i = 0; i < 32 && i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* --- GET /utloggad ------------------------------------------------------------ */

static int logged_out(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	json_t *ctx = json_pack("{s:s,s:s}", "message", "Du är utloggad från ebba och från kommunens inloggning.",
				"home", "Logga in igen");
	int rc = web_page(rq, rs, "Utloggad", "signin", ctx, err);
	json_decref(ctx);
	return rc;
}

/* GET /logga-ut: the refusal page's way out, to sign in anew (with two
 * factors, say): ends ebba's session if there is one and goes on to the
 * proxy's sign-out, as POST /logout does.  The proxy's sign-out is itself
 * a GET, so this opens nothing that was not open. */
static int sign_out(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *out = request_config()->web.proxy_logout_url;
	request_end_session(rq);
	request_set_cookie(rq, NULL);
	snprintf(rs->location, sizeof(rs->location), "%s", out && *out ? out : "/utloggad");
	return 0;
}

bool sso_signing_out(const char *method, const char *path)
{
	return strcmp(method, "GET") == 0 && strcmp(path, "/logga-ut") == 0;
}

static const struct web_route routes[] = {
	{"GET", "/utloggad", 0, WEB_PUBLIC, logged_out},
	{"GET", "/logga-ut", 0, WEB_PUBLIC, sign_out},
};

const struct web_route *sso_routes(size_t *n)
{
	*n = ARRAY_LEN(routes);
	return routes;
}
