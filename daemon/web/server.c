/*
 * The request path, in order: size limits, query and form, the route, the
 * session (cookie, or the proxy's header from a trusted peer), then the
 * rules of docs/architecture.md ("ebba-web"): nobody without a session
 * reaches anything but the login page and static files (pages answer 303
 * to /login, /api/ answers 401); a person whose groups do not allow a route
 * gets 403 and a "denied" row in ebba.access_log; a POST whose form does
 * not carry the session's CSRF token (the login form: its signed token,
 * login.c) gets 403.  The handler runs with the session's lock held, on
 * the person's own connection.  The intake API under /api/v1/
 * (api_applications.c) takes no session: its bearer token is checked by
 * the database.  Every response carries the security headers; everything
 * but static files is no-store.  A request's head must arrive within
 * header_timeout_seconds of its first byte and the request whole within
 * request_timeout_seconds; one client address holds at most
 * max_connections_per_ip connections (conn_limits.c).  The client's
 * address is the peer's, or from a peer in proxy_peers the one its
 * X-Forwarded-For names: it is what the access log, the login throttle
 * and the per-client limit go by.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "ebba/lib/embedded.h"
#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/access_log.h"
#include "ebba/store/db.h"
#include "ebba/store/users.h"
#include "api.h"
#include "api_pool.h"
#include "call.h"
#include "conn_limits.h"
#include "denials.h"
#include "login.h"
#include "request.h"
#include "server.h"
#include "session.h"
#include "sso.h"
#include "template.h"
#include "web_db.h"
#include "web_metrics.h"

/* A body over its limit is read and dropped up to this many times the
 * limit, for the 413; beyond, the connection is cut. */
#define DROP_FACTOR 4

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
	"base-uri 'none'; object-src 'none'";

struct web_server {
	struct MHD_Daemon *mhd;
	int fd;
	unsigned port;
	char *unix_path;
};

static struct {
	const struct ebba_config *cfg;
	const char *conninfo;
	const struct web_route *pages, *own, *sso;
	size_t n_pages, n_own, n_sso;
	bool secure_cookie, proxy, on_unix;
	char **peers;               /* proxy_peers, normalised ("unix:UID"); NULL-terminated */
	struct ebba_buf cert, key;
} S;

/* --- parameters ------------------------------------------------------------ */

/* Makes each byte of s[0..len) that is not UTF-8, and each NUL, a '?';
 * true if there was one. */
static bool mark_unreadable(char *s, size_t len)
{
	bool bad = false;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_char_len((const unsigned char *)s + i, len - i);
		if (n == 0 || s[i] == '\0') {
			s[i] = '?';
			bad = true;
			n = 1;
		}
		i += n;
	}
	return bad;
}

/* A decoded field of k->form_text; text that is not UTF-8 is shown back
 * as '?'s and refused (run_route).  A field without a name is dropped. */
static void add_field(struct call *k, char *name, size_t name_len, char *value, size_t value_len)
{
	bool bad = mark_unreadable(name, name_len);
	bad = mark_unreadable(value, value_len) || bad;
	if (!*name || k->rq.n_form == MAX_PARAMS)
		return;
	if (bad && !k->rq.form_unreadable)
		k->rq.form_unreadable = name;
	k->form[k->rq.n_form++] = (struct web_param){name, value};
}

/* The fields as libmicrohttpd's post processor hands them over: the text
 * "name\0value\0..." and where each field's name and value start. */
struct form_read {
	struct ebba_buf text;
	size_t name_at[MAX_PARAMS], value_at[MAX_PARAMS], value_len[MAX_PARAMS];
	size_t n;
	bool value_open;            /* the last field's value may get more pieces */
};

static void form_read_close_value(struct form_read *f)
{
	if (f->value_open)
		buf_append(&f->text, "", 1);
	f->value_open = false;
}

/* A long value comes in pieces (off > 0); off 0 starts a field, also a
 * name given twice: every field is kept, web_form() finds the first. */
static enum MHD_Result on_form_field(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *filename, const char *content_type,
				     const char *transfer_encoding, const char *data, uint64_t off,
				     size_t size)
{
	struct form_read *f = cls;
	if (off == 0) {
		form_read_close_value(f);
		if (f->n == MAX_PARAMS)
			return MHD_YES;
		f->name_at[f->n] = f->text.len;
		buf_append(&f->text, key, strlen(key) + 1);
		f->value_at[f->n] = f->text.len;
		f->value_len[f->n++] = 0;
		f->value_open = true;
	}
	if (f->value_open && size > 0) {
		buf_append(&f->text, data, size);
		f->value_len[f->n - 1] += size;
	}
	return MHD_YES;
}

static void form_read_free(struct form_read *f)
{
	if (f->text.data)
		explicit_bzero(f->text.data, f->text.len);
	buf_free(&f->text);
}

/*
 * The body decoded by libmicrohttpd's post processor, the only decoder:
 * what a browser sends it reads exactly.  It refuses what no browser
 * sends (a field with an empty name "=x", a '=' inside a value "a=x=y", a
 * name longer than its buffer), and the whole form is then refused
 * (run_route, 400): a partial reading could lose the CSRF token or a
 * field the page needs.  It would cut a name at an encoded NUL ("a%00b=1"
 * read as "a"), so a body with "%00" is refused before it is read.  A
 * last field without '=' or a last value's incomplete escape ("%4"), which
 * no browser sends either, it drops.
 */
static void parse_form(struct call *k)
{
	const char *body = k->body.data ? k->body.data : "";
	k->rq.form = k->form;
	k->form_refused = true;
	if (memmem(body, k->body.len, "%00", 3))
		return;
	struct form_read f = {0};
	struct MHD_PostProcessor *pp = MHD_create_post_processor(k->conn, 4096, on_form_field, &f);
	if (!pp)
		return;
	enum MHD_Result r = MHD_post_process(pp, body, k->body.len);
	enum MHD_Result end = MHD_destroy_post_processor(pp);
	if (r != MHD_YES || end != MHD_YES) {
		form_read_free(&f);
		return;
	}
	form_read_close_value(&f);
	k->form_refused = false;
	k->form_len = f.text.len;
	k->form_text = buf_steal(&f.text);
	for (size_t i = 0; i < f.n; i++)
		add_field(k, k->form_text + f.name_at[i], strlen(k->form_text + f.name_at[i]),
			  k->form_text + f.value_at[i], f.value_len[i]);
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct call *k = cls;
	if (k->rq.n_query < MAX_PARAMS && key)
		k->query[k->rq.n_query++] = (struct web_param){key, value ? value : ""};
	return MHD_YES;
}

/*
 * Whether the address can name a page: a path without control bytes and
 * both it and every query parameter UTF-8 (libmicrohttpd has decoded the
 * %XX escapes).  Anything else is answered 400 before it reaches a page,
 * the database or a log line.
 */
static bool address_readable(const struct call *k)
{
	const char *p = k->rq.path;
	size_t n = strlen(p);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return false;
	if (!utf8_valid(p, n))
		return false;
	for (size_t i = 0; i < k->rq.n_query; i++)
		if (!utf8_valid(k->query[i].name, strlen(k->query[i].name)) ||
		    !utf8_valid(k->query[i].value, strlen(k->query[i].value)))
			return false;
	return true;
}

/* --- responses ------------------------------------------------------------- */

static void add_headers(struct MHD_Response *r, const struct call *k, const struct web_response *rs,
			bool cacheable)
{
	MHD_add_response_header(r, "Content-Type", rs->content_type ? rs->content_type
								: "text/html; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", cacheable ? "public, max-age=3600" : "no-store");
	if (S.secure_cookie)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	if (rs->location[0])
		MHD_add_response_header(r, "Location", rs->location);
	if (rs->retry_after > 0) {
		char secs[16];
		snprintf(secs, sizeof(secs), "%d", rs->retry_after);
		MHD_add_response_header(r, "Retry-After", secs);
	}
	if (rs->www_authenticate)
		MHD_add_response_header(r, "WWW-Authenticate", rs->www_authenticate);
	if (rs->allow)
		MHD_add_response_header(r, "Allow", rs->allow);
	if (rs->filename[0]) {
		char cd[200];
		snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", rs->filename);
		MHD_add_response_header(r, "Content-Disposition", cd);
	}
	if (k->set_cookie)
		MHD_add_response_header(r, "Set-Cookie", k->cookie);
	if (k->set_login_cookie)
		MHD_add_response_header(r, "Set-Cookie", k->login_cookie);
}

static enum MHD_Result send_response(struct MHD_Connection *c, struct call *k,
				     struct web_response *rs, bool cacheable)
{
	size_t len = rs->body.len;
	char *data = buf_steal(&rs->body);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(data);
		return MHD_NO;
	}
	/* A file name is the page's; keep it to what needs no quoting. */
	for (char *f = rs->filename; *f; f++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *f))
			*f = '_';
	add_headers(r, k, rs, cacheable);
	int status = rs->status ? rs->status : rs->location[0] ? 303 : 200;
	k->status = status;
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result send_simple(struct MHD_Connection *c, struct call *k, int status,
				   const char *ctype, const char *body, const char *location)
{
	struct web_response rs = {.status = status, .content_type = ctype};
	buf_puts(&rs.body, body);
	if (location)
		snprintf(rs.location, sizeof(rs.location), "%s", location);
	return send_response(c, k, &rs, false);
}

/* A message page, or (if even that fails) plain text. */
static enum MHD_Result send_message(struct MHD_Connection *c, struct call *k, int status,
				    const char *title, const char *message)
{
	struct web_response rs = {0};
	struct ebba_err err;
	if (request_message(&k->rq, &rs, status, title, message, &err) != 0) {
		log_error("ebba-web: message page: %s", err.msg);
		buf_free(&rs.body);
		return send_simple(c, k, status, "text/plain; charset=utf-8", message, NULL);
	}
	return send_response(c, k, &rs, false);
}

static bool is_api(const char *path)
{
	return str_starts_with(path, "/api/") || strcmp(path, "/api") == 0;
}

static enum MHD_Result send_unauthenticated(struct MHD_Connection *c, struct call *k)
{
	if (is_api(k->rq.path))
		return send_simple(c, k, 401, "application/json",
				   "{\"error\":\"not authenticated\"}\n", NULL);
	if (S.proxy)
		return send_message(c, k, 401, "Inte inloggad",
				    "Logga in via kommunens inloggning för att använda ebba.");
	return send_simple(c, k, 303, "text/plain; charset=utf-8", "", "/login");
}

/* --- static files ---------------------------------------------------------- */

static const char *static_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{".css", "text/css; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
		{".woff2", "font/woff2"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < ARRAY_LEN(types); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* Only embedded files of the static types: a template, a migration or the
 * XSD is never served. */
static enum MHD_Result serve_static(struct MHD_Connection *c, struct call *k)
{
	const char *name = k->rq.path + strlen("/static/");
	const char *type = static_type(name);
	const struct embedded_file *f = type && !strchr(name, '/') ? embedded_find(name) : NULL;
	if (!f)
		return send_simple(c, k, 404, "text/plain; charset=utf-8", "not found\n", NULL);
	struct web_response rs = {.content_type = type};
	buf_append(&rs.body, f->data, f->len);
	return send_response(c, k, &rs, true);
}

/* --- routes ------------------------------------------------------------------ */

static bool route_matches(const struct web_route *r, const char *path, const char **tail)
{
	size_t n = strlen(r->path);
	if (strcmp(r->path, path) == 0) {
		*tail = "";
		return true;
	}
	if (n > 1 && r->path[n - 1] == '/' && strncmp(r->path, path, n) == 0) {
		*tail = path + n;
		return true;
	}
	return false;
}

/* The route for method and path: an exact path first, then the longest
 * prefix.  *other_method: a route has the path, for another method. */
static const struct web_route *find_route(const char *method, const char *path,
					  const char **tail, bool *other_method)
{
	const struct web_route *best = NULL;
	size_t best_len = 0;
	const char *best_tail = "";
	*other_method = false;
	const struct { const struct web_route *r; size_t n; } sets[] = {
		{S.own, S.n_own}, {S.sso, S.n_sso}, {S.pages, S.n_pages}};
	for (size_t s = 0; s < ARRAY_LEN(sets); s++) {
		for (size_t i = 0; i < sets[s].n; i++) {
			const struct web_route *r = &sets[s].r[i];
			const char *t;
			if (!route_matches(r, path, &t))
				continue;
			if (strcmp(r->method, method) != 0) {
				*other_method = true;
				continue;
			}
			size_t len = *t ? strlen(r->path) : SIZE_MAX;
			if (!best || len > best_len) {
				best = r;
				best_len = len;
				best_tail = t;
			}
		}
	}
	*tail = best_tail;
	return best;
}

/* --- sessions and identity --------------------------------------------------- */

/* A "denied" row under ebba-web's own name, for refusals before anyone is
 * known (a failed login, an untrusted proxy header): counted (denials.h). */
static void log_denied_own(const char *kind, const char *id, const char *client)
{
	denial_record(kind, id, client);
}

/* On a Unix socket: who is at the other end, as the kernel says; -1 else. */
static long peer_uid(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (!S.on_unix || !fi || getsockopt(fi->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return -1;
	return (long)cred.uid;
}

/* proxy_peers: an address, "unix" (whoever may open the socket) or
 * "unix:USER" (only that user's processes: Apache's workers, not another
 * local program that can open the socket too).  uid is the Unix peer's,
 * or -1 when it is not known. */
static bool peer_trusted_as(const char *peer, long uid)
{
	for (char **p = S.peers; p && *p; p++) {
		if (strcmp(*p, peer) == 0)
			return true;
		if (strncmp(*p, "unix:", 5) == 0 && strcmp(peer, "unix") == 0 && uid >= 0 &&
		    strtol(*p + 5, NULL, 10) == uid)
			return true;
	}
	return false;
}

/* An address of X-Forwarded-For: a listed proxy? */
static bool peer_trusted(const char *peer)
{
	return peer_trusted_as(peer, -1);
}

/* For the connection limits, which know a Unix peer only as "unix": a
 * proxy on the socket ("unix" or "unix:USER") is counted per forwarded
 * client, not per connection (the socket's own mode decides who may open
 * it at all). */
static bool peer_is_proxy(const char *peer)
{
	if (strcmp(peer, "unix") == 0)
		for (char **p = S.peers; p && *p; p++)
			if (strncmp(*p, "unix", 4) == 0 && ((*p)[4] == '\0' || (*p)[4] == ':'))
				return true;
	return peer_trusted(peer);
}

/* One address of X-Forwarded-For (spaces around it, "[v6]", a port after
 * it), as inet_ntop writes it; false when it is not an address. */
static bool forwarded_address(const char *s, size_t len, char out[INET6_ADDRSTRLEN])
{
	char t[64];
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(t))
		return false;
	memcpy(t, s, len);
	t[len] = '\0';
	char *a = t, *end;
	if (*a == '[' && (end = strchr(a, ']')) != NULL) {
		*end = '\0';
		a++;
	} else if (strchr(a, '.') && (end = strchr(a, ':')) != NULL)
		*end = '\0';       /* IPv4 with a port */
	unsigned char bin[16];
	if (inet_pton(AF_INET, a, bin) == 1)
		return inet_ntop(AF_INET, bin, out, INET6_ADDRSTRLEN) != NULL;
	if (inet_pton(AF_INET6, a, bin) != 1)
		return false;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin))
		return inet_ntop(AF_INET, bin + 12, out, INET6_ADDRSTRLEN) != NULL;
	return inet_ntop(AF_INET6, bin, out, INET6_ADDRSTRLEN) != NULL;
}

struct xff {
	int n;
	const char *value;
};

static enum MHD_Result find_xff(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct xff *x = cls;
	if (key && strcasecmp(key, "X-Forwarded-For") == 0) {
		x->n++;
		x->value = value ? value : "";
	}
	return MHD_YES;
}

/*
 * k->peer, and k->client: the peer, or, when the peer is a proxy of
 * proxy_peers, the right-most address of its X-Forwarded-For that is not
 * itself such a proxy (a proxy appends the address it saw; what stands to
 * its left is the client's to write).  A header sent twice, or an entry
 * that is no address, leaves the peer's address: nobody can choose it.
 * True when the client is one a proxy forwarded for.
 */
static bool client_address(struct MHD_Connection *c, struct call *k)
{
	static bool warned;
	limits_peer_address(c, k->peer);
	k->peer_uid = peer_uid(c);
	snprintf(k->client, sizeof(k->client), "%s", k->peer);
	if (!peer_trusted_as(k->peer, k->peer_uid))
		return false;
	struct xff x = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, find_xff, &x);
	if (x.n == 0)
		return false;
	char addr[INET6_ADDRSTRLEN];
	size_t end = strlen(x.value);
	while (x.n == 1) {
		const char *comma = memrchr(x.value, ',', end);
		size_t start = comma ? (size_t)(comma - x.value) + 1 : 0;
		if (!forwarded_address(x.value + start, end - start, addr))
			break;
		snprintf(k->client, sizeof(k->client), "%s", addr);
		if (!comma || !peer_trusted(addr))
			return true;
		end = (size_t)(comma - x.value);
	}
	snprintf(k->client, sizeof(k->client), "%s", k->peer);
	if (!__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
		log_warn("ebba-web: X-Forwarded-For from %s is %s; the peer's own address stands for "
			 "the client (said once)", k->peer, x.n > 1 ? "sent more than once" : "not a list of addresses");
	return false;
}

/* auth: proxy: what the trusted peer says of one sign-in. */
struct claims {
	const char *name, *acr, *groups, *display_name, *title;
};

static const char *header(struct MHD_Connection *c, const char *name)
{
	return name && *name ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, name) : NULL;
}

static void read_claims(struct MHD_Connection *c, struct claims *cl)
{
	const struct web_config *w = &S.cfg->web;
	*cl = (struct claims){
		.name = header(c, w->proxy_header),
		.acr = header(c, w->proxy_acr_header),
		.groups = header(c, w->proxy_groups_header),
		.display_name = header(c, w->proxy_name_header),
		.title = header(c, w->proxy_title_header),
	};
}

static void fingerprint(const struct claims *cl, char out[65])
{
	const char *v[] = {cl->name, cl->acr, cl->groups, cl->display_name, cl->title};
	sso_fingerprint(v, ARRAY_LEN(v), out);
}

/* Why a sign-in that the peer vouched for is refused. */
enum refusal { REFUSED_NONE, REFUSED_PERSON, REFUSED_ACR, REFUSED_GROUPS, REFUSED_UNAVAILABLE };

/* What the provider said at this sign-in, for ebbactl user list; under
 * ebba-web's own name. */
static void record_signin(const char *name, const struct claims *cl, unsigned provider,
			  const char *outcome)
{
	char groups[64], display[128], title[128], acr[256], claim[512];
	sso_groups_text(provider, groups, sizeof(groups));
	sso_text(cl->groups, claim, sizeof(claim));
	sso_text(cl->display_name, display, sizeof(display));
	sso_text(cl->title, title, sizeof(title));
	sso_text(cl->acr, acr, sizeof(acr));
	PGconn *db = web_db_lock();
	if (!db)
		return;
	struct ebba_err err;
	if (store_provider_signin(db, name, display, title, groups, claim, acr, outcome, &err) != 0)
		log_error("ebba-web: %s", err.msg);
	web_db_unlock();
}

/* auth: proxy: a connection as ebba-web's own role that has become the
 * person, with the groups that both the provider (when proxy_groups_header
 * is set) and the database give them; for the database's own rules the
 * connection says which (ebba.session_groups, schema 016). */
static struct sess *proxy_new_session(struct call *k, const struct claims *cl, enum refusal *why)
{
	struct ebba_err err;
	const char *name = cl->name;
	const bool from_provider = S.cfg->web.proxy_groups_header && *S.cfg->web.proxy_groups_header;
	unsigned provider = sso_groups(cl->groups);
	*why = REFUSED_PERSON;
	if (!store_user_name_ok(name)) {
		log_denied_own("proxy", "(not a role name)", k->client);
		return NULL;
	}
	if (!sso_acr_ok(cl->acr)) {
		char acr[128];
		sso_text(cl->acr, acr, sizeof(acr));
		log_warn("ebba-web: %s signed in at level '%s', below web.proxy_required_acr; refused",
			 name, acr[0] ? acr : "(none)");
		log_denied_own("acr", name, k->client);
		record_signin(name, cl, provider, "refused-acr");
		*why = REFUSED_ACR;
		return NULL;
	}
	PGconn *db = store_db_connect(S.conninfo, "ebba-web", S.cfg->statement_timeout_ms, &err);
	if (!db) {
		log_error("ebba-web: connection for a proxy session: %s", err.msg);
		*why = REFUSED_UNAVAILABLE;
		return NULL;
	}
	struct store_person p;
	if (store_set_role(db, name, &err) != 0 || store_person(db, &p, &err) != 0) {
		PQfinish(db);
		log_denied_own("proxy", name, k->client);
		return NULL;
	}
	unsigned groups = sess_person_groups(&p) & (from_provider ? provider : ~0u);
	if (from_provider)
		record_signin(name, cl, provider, groups ? "signed-in" : "refused-groups");
	if (!(groups & ~(unsigned)WEB_PROTECTED)) {
		PQfinish(db);
		log_warn("ebba-web: %s has no group of ebba from both the provider and the database; refused", name);
		log_denied_own("groups", name, k->client);
		*why = REFUSED_GROUPS;
		return NULL;
	}
	char list[64];
	sso_groups_text(groups, list, sizeof(list));
	const char *param[] = {list};
	*why = REFUSED_UNAVAILABLE;
	if ((from_provider && store_db_exec(db, "select set_config('ebba.session_groups', $1, false)", 1, param,
				      &err) != 0) ||
	    store_access_log(db, "login", "proxy", NULL, k->client, &err) != 0) {
		log_error("ebba-web: %s", err.msg);
		PQfinish(db);
		return NULL;
	}
	char display[128], title[128], fp[65];
	sso_text(cl->display_name, display, sizeof(display));
	sso_text(cl->title, title, sizeof(title));
	fingerprint(cl, fp);
	struct sess *s = sess_new_person(db, p.name, display[0] ? display : p.display_name, groups);
	if (s) {
		sess_set_claims(s, title, fp);
		*why = REFUSED_NONE;
	}
	return s;
}

static enum MHD_Result send_refusal(struct MHD_Connection *c, struct call *k, enum refusal why)
{
	const char *logout = S.cfg->web.proxy_logout_url;
	const char *title = "Ingen behörighet", *message, *advice = NULL;
	int status = 403;
	switch (why) {
	case REFUSED_ACR:
		title = "Inloggningen räcker inte";
		message = "ebba visar uppgifter om enskilda och kräver inloggning med två faktorer, "
			  "till exempel e-legitimation eller SITHS-kort. Du loggade in med enbart lösenord.";
		advice = "Logga ut och logga in igen med e-legitimation. Försöket är loggat.";
		break;
	case REFUSED_GROUPS:
		message = "Kommunens inloggning ger dig ingen roll i ebba, eller ingen som ebba också har "
			  "gett dig.";
		advice = "Be din chef eller den som administrerar behörigheter att lägga till dig i rätt "
			 "grupp. Försöket är loggat.";
		break;
	case REFUSED_UNAVAILABLE:
		status = 503;
		title = "Logga in";
		message = "Databasen svarar inte just nu. Försök igen om en stund.";
		logout = NULL;
		break;
	default:
		message = "Inloggningen kunde inte knytas till en användare i ebba.";
		break;
	}
	json_t *ctx = json_pack("{s:s}", "message", message);
	if (advice)
		json_object_set_new(ctx, "advice", json_string(advice));
	if (logout && *logout)
		json_object_set_new(ctx, "logout", json_true());
	struct web_response rs = {0};
	struct ebba_err err;
	int rc = web_page(&k->rq, &rs, title, "signin", ctx, &err);
	json_decref(ctx);
	if (rc != 0) {
		log_error("ebba-web: refusal page: %s", err.msg);
		buf_free(&rs.body);
		return send_simple(c, k, status, "text/plain; charset=utf-8", message, NULL);
	}
	rs.status = status;
	return send_response(c, k, &rs, false);
}

/* auth: proxy: the session of the person the trusted peer names.  A
 * session stays the person's while the peer says the same of them; a new
 * sign-in that says otherwise (another level, other groups) ends it and
 * is checked anew.  REFUSED_NONE with k->sess set or left NULL (no
 * header); otherwise why there is no session. */
static enum refusal proxy_session(struct MHD_Connection *c, struct call *k)
{
	struct claims cl;
	read_claims(c, &cl);
	if (!cl.name || !*cl.name)
		return REFUSED_NONE;
	if (!peer_trusted_as(k->peer, k->peer_uid)) {
		log_warn("ebba-web: %s header from %s, which proxy_peers does not trust",
			 S.cfg->web.proxy_header, k->peer);
		log_denied_own("proxy", "(untrusted peer)", k->client);
		return REFUSED_PERSON;
	}
	char fp[65];
	fingerprint(&cl, fp);
	if (k->sess && sess_is_person(k->sess) && strcmp(sess_info(k->sess)->user, cl.name) == 0 &&
	    strcmp(sess_info(k->sess)->claims, fp) == 0)
		return REFUSED_NONE;
	if (k->sess) {
		if (sess_is_person(k->sess))
			sess_end(k->sess);
		sess_release(k->sess);
		k->sess = NULL;
	}
	enum refusal why;
	k->sess = proxy_new_session(k, &cl, &why);
	if (!k->sess)
		return why;
	request_set_cookie(&k->rq, sess_info(k->sess)->id);
	return REFUSED_NONE;
}

static void find_session(struct MHD_Connection *c, struct call *k)
{
	const char *id = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, REQUEST_SESSION_COOKIE);
	k->sess = sess_find(id);
}

/* --- dispatch ---------------------------------------------------------------- */

static void log_failure(const struct call *k, const char *msg)
{
	char path[256], text[EBBA_ERR_MAX];
	snprintf(path, sizeof(path), "%s", k->rq.path);
	snprintf(text, sizeof(text), "%s", msg);
	pnr_scrub(path);
	pnr_scrub(text);
	log_error("ebba-web: %s %s: %s", k->rq.method, path, text);
}

/* With the session's lock: the handler on the person's connection. */
static int run_person(struct call *k, const struct web_route *r, struct web_response *rs,
		      struct ebba_err *err)
{
	PGconn *db = sess_lock(k->sess);
	k->rq.db = db;
	k->rq.sess = k->sess;
	int rc = r->handler(&k->rq, rs, err);
	k->rq.sess = NULL;
	if (PQstatus(db) == CONNECTION_OK && PQtransactionStatus(db) != PQTRANS_IDLE)
		PQclear(PQexec(db, "rollback"));
	bool broken = PQstatus(db) != CONNECTION_OK;
	sess_unlock(k->sess);
	k->rq.db = NULL;
	if (broken) {
		/* The password is not kept: the person logs in again. */
		log_warn("ebba-web: a session's database connection broke; the session ends");
		sess_end(k->sess);
	}
	return rc;
}

static bool csrf_ok(struct MHD_Connection *c, const struct call *k, const struct web_route *r)
{
	const char *sent = web_form(&k->rq, "csrf");
	if (r->flags & WEB_LOGIN_FORM)
		return login_token_ok(sent, request_login_cookie(&k->rq));
	const char *want = k->sess ? sess_info(k->sess)->csrf : NULL;
	return sent && want && strlen(sent) == 64 && CRYPTO_memcmp(sent, want, 64) == 0;
}

static void log_denied_person(struct call *k, const char *kind)
{
	PGconn *db = sess_lock(k->sess);
	struct ebba_err err;
	if (store_access_log(db, "denied", kind, k->rq.path, k->client, &err) != 0)
		log_error("ebba-web: %s", err.msg);
	sess_unlock(k->sess);
}

static enum MHD_Result run_route(struct MHD_Connection *c, struct call *k,
				 const struct web_route *r)
{
	bool person = k->sess && sess_is_person(k->sess);
	k->rq.session = person ? sess_info(k->sess) : NULL;
	if (person && r->groups && !(sess_info(k->sess)->groups & r->groups)) {
		log_denied_person(k, "page");
		return send_message(c, k, 403, "Ingen behörighet",
				    "Din roll ger inte tillgång till den här sidan.");
	}
	if (k->form_refused)
		return send_message(c, k, 400, "Formuläret gick inte att läsa",
				    "Formuläret kom inte fram i en form som går att läsa. "
				    "Ladda om sidan och skicka formuläret på nytt.");
	if (strcmp(k->rq.method, "POST") == 0 && !csrf_ok(c, k, r)) {
		if (person)
			log_denied_person(k, "csrf");
		return send_message(c, k, 403, "Formuläret gick inte att skicka",
				    "Formuläret hade gått ut eller kom inte från ebba. Ladda om sidan och försök igen.");
	}
	/* A form with text that is not UTF-8: the page shows its form again
	 * with the error at the field, or, for a form without text fields, a
	 * page says so.  Never a 500, nor the bytes in a log. */
	if (k->rq.form_unreadable && !(r->flags & WEB_FORM_REDISPLAY))
		return send_message(c, k, 422, "Formuläret gick inte att läsa",
				    "Formuläret innehöll tecken som inte gick att läsa (ogiltig teckenkodning). "
				    "Gå tillbaka, skriv in texten igen och skicka formuläret på nytt.");
	struct web_response rs = {0};
	struct ebba_err err = {{0}};
	int rc;
	if (person && !(r->flags & WEB_PUBLIC)) {
		rc = run_person(k, r, &rs, &err);
	} else
		rc = r->handler(&k->rq, &rs, &err);
	if (rc != 0) {
		log_failure(k, err.msg);
		buf_free(&rs.body);
		return send_message(c, k, 500, "Något gick fel",
				    "Sidan kunde inte visas. Felet är loggat; försök igen om en stund.");
	}
	return send_response(c, k, &rs, false);
}

/* The intake API: a bearer token, never the session or its CSRF token. */
static enum MHD_Result serve_api(struct MHD_Connection *c, struct call *k)
{
	struct api_request rq = {
		.conn = c,
		.method = k->rq.method,
		.path = k->rq.path,
		.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
		.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
		.body = k->rq.body,
		.body_len = k->rq.body_len,
		.too_large = k->too_large,
		.after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after"),
		.limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"),
		.wait = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait"),
	};
	struct web_response rs = {0};
	k->route_class = "api";
	api_handle(&rq, &rs);
	return send_response(c, k, &rs, false);
}

static enum MHD_Result dispatch(struct MHD_Connection *c, struct call *k)
{
	limits_request_read(c);
	const char *method = strcmp(k->rq.method, "HEAD") == 0 ? "GET" : k->rq.method;
	k->rq.method = method;
	k->rq.body = k->body.data ? k->body.data : "";
	k->rq.body_len = k->body.len;
	if (api_owns(k->rq.path))
		return serve_api(c, k);
	if (k->too_large)
		return send_message(c, k, 413, "För stor begäran", "Begäran var större än ebba tar emot.");
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		return send_simple(c, k, 405, "text/plain; charset=utf-8", "method not allowed\n", NULL);
	k->rq.client = k->client;
	k->rq.query = k->query;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, k);
	if (!address_readable(k))
		return send_message(c, k, 400, "Felaktig adress",
				    "Adressen innehåller tecken som inte går att läsa. Kontrollera adressen och försök igen.");
	if (strcmp(method, "POST") == 0) {
		const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		if (type && str_starts_with(type, "application/x-www-form-urlencoded"))
			parse_form(k);
	}
	if (strcmp(method, "GET") == 0 && str_starts_with(k->rq.path, "/static/")) {
		k->route_class = "static";
		return serve_static(c, k);
	}
	find_session(c, k);
	if (S.proxy && !sso_signing_out(method, k->rq.path)) {
		enum refusal why = proxy_session(c, k);
		if (why != REFUSED_NONE)
			return send_refusal(c, k, why);
	}
	bool other_method;
	const struct web_route *r = find_route(method, k->rq.path, &k->rq.tail, &other_method);
	k->route_class = is_api(k->rq.path) ? "api" : !r ? "none"
			 : r >= S.own && r < S.own + S.n_own ? "login" : "page";
	bool person = k->sess && sess_is_person(k->sess);
	if (!person && !(r && (r->flags & WEB_PUBLIC)))
		return send_unauthenticated(c, k);
	if (!r && is_api(k->rq.path))
		return send_simple(c, k, other_method ? 405 : 404, "application/json",
				   "{\"error\":\"no such resource\"}\n", NULL);
	if (!r) {
		k->rq.session = sess_info(k->sess);
		return send_message(c, k, other_method ? 405 : 404, "Sidan finns inte",
				    "Det finns ingen sida med den adressen.");
	}
	return run_route(c, k, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct call *k = *req_cls;
	if (!k) {
		k = xcalloc(1, sizeof(*k));
		k->conn = c;
		k->rq.method = method;
		k->rq.path = url;
		k->started = now_usec();
		k->route_class = "none";
		k->max_body = api_owns(url) ? api_max_body() : (size_t)S.cfg->web.max_request_bytes;
		*req_cls = k;
		bool forwarded = client_address(c, k);
		if (!limits_head_read(c, forwarded ? k->client : NULL)) {
			/* From a proxy, for a client with its fill of requests in hand. */
			k->answered = true;
			limits_request_read(c);
			struct web_response rs = {.status = 429, .content_type = "text/plain; charset=utf-8",
						  .retry_after = 1};
			buf_puts(&rs.body, "too many requests at once from your address\n");
			return send_response(c, k, &rs, false);
		}
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > (unsigned long long)k->max_body) {
			/* Refused before a byte of the body is read (and without a
			 * 100 Continue); MHD closes the connection after the answer. */
			k->too_large = k->answered = true;
			return dispatch(c, k);
		}
		return MHD_YES;
	}
	if (k->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (!k->too_large && k->body.len + n > k->max_body) {
			k->too_large = true;
			if (k->body.data)
				explicit_bzero(k->body.data, k->body.len);
			buf_free(&k->body);
		}
		if (!k->too_large) {
			buf_append(&k->body, upload, n);
			return MHD_YES;
		}
		/* A body without Content-Length that grew too large: kept no
		 * more.  libmicrohttpd answers only once the body has ended, so
		 * the rest is read and dropped for the 413, up to a bound past
		 * which the connection is cut instead. */
		k->dropped += n;
		return k->dropped > DROP_FACTOR * k->max_body ? MHD_NO : MHD_YES;
	}
	return dispatch(c, k);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct call *k = *req_cls;
	limits_request_done(c);
	if (!k)
		return;
	if (k->status)
		web_metrics_request(k->route_class, k->status, k->started);
	sess_release(k->sess);
	if (k->body.data)
		explicit_bzero(k->body.data, k->body.len);
	if (k->form_text)
		explicit_bzero(k->form_text, k->form_len);
	buf_free(&k->body);
	free(k->form_text);
	free(k);
	*req_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	pnr_scrub(msg);
	log_warn("ebba-web: libmicrohttpd: %s", msg);
}

/* --- start and stop ------------------------------------------------------------ */

static int listen_unix(struct web_server *srv, const char *path, struct ebba_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return ebba_errf(err, "web.address: the socket path %s is too long", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0660) != 0)
		return ebba_errf(err, "web.address: cannot listen on %s: %s", path, strerror(errno));
	srv->unix_path = xstrdup(path);
	S.on_unix = true;
	return 0;
}

static int listen_ip(struct web_server *srv, const char *addr, int port, struct ebba_err *err)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		len = sizeof(*v6);
	} else
		return ebba_errf(err, "web.address: '%s' is neither an IP address nor an absolute path", addr);
	srv->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (srv->fd >= 0)
		setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&ss, len) != 0)
		return ebba_errf(err, "web.address: cannot listen on %s port %d: %s", addr, port,
				 strerror(errno));
	len = sizeof(ss);
	getsockname(srv->fd, (struct sockaddr *)&ss, &len);
	srv->port = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
	return 0;
}

/* proxy_peers as inet_ntop writes them, so "::0001" matches "::1". */
static int load_peers(const char *list, struct ebba_err *err)
{
	char *copy = xstrdup(list), *save = NULL;
	size_t n = 0;
	S.peers = xcalloc(strlen(list) / 2 + 2, sizeof(*S.peers));
	for (char *t = strtok_r(copy, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save)) {
		unsigned char a[16];
		char norm[INET6_ADDRSTRLEN];
		if (strcmp(t, "unix") == 0)
			snprintf(norm, sizeof(norm), "unix");
		else if (str_after(t, "unix:")) {
			const char *user = str_after(t, "unix:");
			const struct passwd *pw = getpwnam(user);
			char *end;
			long uid = strtol(user, &end, 10);
			if (!pw && (end == user || *end || uid < 0)) {
				free(copy);
				return ebba_errf(err, "web.proxy_peers: no user %s (unix:USER)", user);
			}
			snprintf(norm, sizeof(norm), "unix:%ld", pw ? (long)pw->pw_uid : uid);
		} else if (inet_pton(AF_INET, t, a) == 1)
			inet_ntop(AF_INET, a, norm, sizeof(norm));
		else if (inet_pton(AF_INET6, t, a) == 1)
			inet_ntop(AF_INET6, a, norm, sizeof(norm));
		else {
			free(copy);
			return ebba_errf(err, "web.proxy_peers: '%s' is not an IP address, \"unix\" or \"unix:USER\"", t);
		}
		S.peers[n++] = xstrdup(norm);
	}
	free(copy);
	return 0;
}

static int load_tls(const struct web_config *w, struct ebba_err *err)
{
	if (!w->tls_cert && !w->tls_key)
		return 0;
	if (!w->tls_cert || !w->tls_key)
		return ebba_errf(err, "web: tls_cert and tls_key go together");
	if (read_file_limited(w->tls_cert, 1 << 20, &S.cert, err) != 0 ||
	    read_file_limited(w->tls_key, 1 << 20, &S.key, err) != 0)
		return ebba_err_prefix(err, "web: TLS");
	return 0;
}

static int configure(const struct ebba_config *cfg, struct ebba_err *err)
{
	const struct web_config *w = &cfg->web;
	S.cfg = cfg;
	S.conninfo = w->database && *w->database ? w->database : cfg->database;
	if (strcmp(w->auth, "database") != 0 && strcmp(w->auth, "proxy") != 0)
		return ebba_errf(err, "web.auth: '%s' must be database or proxy", w->auth);
	S.proxy = strcmp(w->auth, "proxy") == 0;
	S.secure_cookie = w->cookie_secure || w->tls_cert;
	request_configure(cfg, S.secure_cookie);
	S.pages = web_page_routes(&S.n_pages);
	S.own = login_routes(&S.n_own);
	if (S.proxy)
		S.sso = sso_routes(&S.n_sso);
	if (load_peers(w->proxy_peers, err) != 0 || load_tls(w, err) != 0 || sso_init(w, err) != 0 ||
	    login_init(err) != 0 ||
	    sess_init(w, err) != 0 || tmpl_preload(err) != 0 ||
	    api_init(cfg, S.conninfo, (unsigned)w->threads, err) != 0)
		return -1;
	return web_db_open(S.conninfo, cfg->statement_timeout_ms, err);
}

struct web_server *server_start(const struct ebba_config *cfg, struct ebba_err *err)
{
	struct web_server *srv = xcalloc(1, sizeof(*srv));
	srv->fd = -1;
	const struct web_config *w = &cfg->web;
	if (configure(cfg, err) != 0 ||
	    (w->address[0] == '/' ? listen_unix(srv, w->address, err)
				  : listen_ip(srv, w->address, w->port, err)) != 0)
		goto fail;
	if (listen(srv->fd, 128) != 0) {
		ebba_errf(err, "listen: %s", strerror(errno));
		goto fail;
	}
	struct limits_config lc = {
		.header_timeout_seconds = w->header_timeout_seconds,
		.request_timeout_seconds = w->request_timeout_seconds,
		.idle_seconds = w->connection_timeout_seconds,
		.per_client = w->max_connections_per_ip,
		.on_unix = S.on_unix,
		.trusted = peer_is_proxy,
	};
	if (limits_start(&lc, err) != 0 || denials_start(w->denied_log_seconds, err) != 0)
		goto fail;
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
		{MHD_OPTION_LISTEN_SOCKET, srv->fd, NULL},
		{MHD_OPTION_THREAD_POOL_SIZE, w->threads, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, w->max_connections, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, w->connection_timeout_seconds, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)limits_notify, NULL},
		{S.cert.len ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, S.cert.data},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, S.key.data},
		{MHD_OPTION_END, 0, NULL},
	};
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			 (S.cert.len ? MHD_USE_TLS : 0u);
	srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_ARRAY, opts,
				    MHD_OPTION_END);
	if (!srv->mhd) {
		ebba_errf(err, "libmicrohttpd did not start (TLS files unreadable or invalid?)");
		goto fail;
	}
	return srv;
fail:
	server_stop(srv);
	return NULL;
}

unsigned server_port(const struct web_server *srv)
{
	return srv->port;
}

void server_stop(struct web_server *srv)
{
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd);
	limits_stop();
	denials_stop();     /* the counts still held, on the own connection */
	if (srv->fd >= 0)
		close(srv->fd);
	if (srv->unix_path)
		unlink(srv->unix_path);
	free(srv->unix_path);
	free(srv);
	sess_shutdown();
	api_shutdown();
	web_db_close();
	for (char **p = S.peers; p && *p; p++)
		free(*p);
	free(S.peers);
	S.peers = NULL;
	sso_shutdown();
	if (S.key.data)
		explicit_bzero(S.key.data, S.key.len);
	buf_free(&S.cert);
	buf_free(&S.key);
}
