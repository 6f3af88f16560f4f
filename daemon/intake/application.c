/*
 * The application document: bytes -> checked `struct application`.
 *
 * Hostile input is expected (it arrives from an e-service), so the order of
 * defences matters: the size limit and a UTF-8 check run on the raw bytes
 * before libxml2 sees them; libxml2 runs with no network, no entity
 * substitution and no DTD loading, and our SAX hooks refuse any DOCTYPE at
 * the moment it is seen (before an entity can be declared) and stop the
 * parse as soon as nesting exceeds the depth limit, so a deep or explosive
 * document costs almost nothing.  Then the embedded XSD (compiled once per
 * process) checks the shape, and the semantic pass checks what an XSD
 * cannot.  The first error wins: one line that says what and where.
 *
 * On the hot path the parser context and schema validation context are
 * reused, and the result is built in a single allocation.
 */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "ebba/lib/date.h"
#include "ebba/intake/application.h"
#include "ebba/lib/embedded.h"
#include "ebba/lib/util.h"

/* Recreate the libxml2 context when its dictionary has grown this much. */
#define DICT_RENEW 4096

/* ---- names ---- */

static const char *const kind_names[] = {"repeat", "new"};
static const char *const role_names[] = {"applicant", "co-applicant", "child"};
static const char *const income_names[INCOME_TYPE_COUNT] = {
	"salary", "unemployment_benefit", "activity_support", "sickness_benefit",
	"parental_benefit", "housing_allowance", "child_allowance", "maintenance_support",
	"student_aid", "pension", "establishment_benefit", "activity_compensation", "other",
};
static const char *const cost_names[COST_TYPE_COUNT] = {
	"rent", "electricity", "home_insurance", "union_fee", "unemployment_insurance_fee",
	"work_travel", "childcare", "medical", "medicine", "dental_emergency", "other",
};
static const char *const asset_names[ASSET_TYPE_COUNT] = {"bank", "vehicle", "property", "other"};

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *app_kind_name(enum app_kind k) { return kind_names[k]; }
const char *person_role_name(enum person_role r) { return role_names[r]; }
const char *income_type_name(enum income_type t) { return income_names[t]; }
const char *cost_type_name(enum cost_type t) { return cost_names[t]; }
const char *asset_type_name(enum asset_type t) { return asset_names[t]; }
int income_type_from_name(const char *s) { return name_index(income_names, INCOME_TYPE_COUNT, s); }
int cost_type_from_name(const char *s) { return name_index(cost_names, COST_TYPE_COUNT, s); }
int asset_type_from_name(const char *s) { return name_index(asset_names, ASSET_TYPE_COUNT, s); }

/* ---- the schema, compiled once per process ---- */

static pthread_once_t schema_once = PTHREAD_ONCE_INIT;
static xmlSchemaPtr schema;
static char schema_error[512];

static void schema_error_cb(void *data, xmlErrorPtr e)
{
	(void)data;
	if (schema_error[0] == '\0' && e && e->level >= XML_ERR_ERROR)
		snprintf(schema_error, sizeof(schema_error), "application.xsd line %d: %s", e->line,
			 e->message ? e->message : "error");
}

static void schema_compile(void)
{
	xmlInitParser();
	const struct embedded_file *f = embedded_find("application.xsd");
	if (!f) {
		snprintf(schema_error, sizeof(schema_error), "application.xsd is not embedded");
		return;
	}
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(f->data, (int)f->len);
	if (!pc) {
		snprintf(schema_error, sizeof(schema_error), "application.xsd: cannot create parser");
		return;
	}
	xmlSchemaSetParserStructuredErrors(pc, schema_error_cb, NULL);
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (!schema && schema_error[0] == '\0')
		snprintf(schema_error, sizeof(schema_error), "application.xsd does not compile");
}

/* ---- the parser object ---- */

struct app_parser {
	size_t max_bytes;
	int max_depth;
	xmlParserCtxtPtr ctxt;
	xmlSchemaValidCtxtPtr vctxt;
	/* state of the current parse */
	int depth;
	bool failed;                 /* err already holds the first error */
	struct ebba_err *err;
};

/* Trims the trailing newline and full stop libxml2 puts on messages. */
static void trim_message(char *m)
{
	size_t n = strlen(m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == ' ' || m[n - 1] == '.'))
		m[--n] = '\0';
}

/*
 * Error messages quote input (libxml2 echoes content), so they may hold
 * line breaks or other control characters: make them one line.
 */
static void one_line(char *m)
{
	for (; *m; m++)
		if ((unsigned char)*m < 0x20 || *m == 0x7f)
			*m = ' ';
}

/* Records err only if it is the first error of this parse. */
static void first_error(struct app_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void first_error(struct app_parser *p, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	if (!p->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	pnr_scrub(p->err->msg);
}

static int current_line(xmlParserCtxtPtr ctxt)
{
	return ctxt->input ? ctxt->input->line : 0;
}

static void on_parse_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;
	struct app_parser *p = ctxt->_private;
	if (!e || e->level < XML_ERR_ERROR)
		return;
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "malformed XML");
	trim_message(msg);
	first_error(p, "line %d, column %d: %s", e->line, e->int2, msg);
}

static void refuse(xmlParserCtxtPtr ctxt, const char *what)
{
	struct app_parser *p = ctxt->_private;
	first_error(p, "line %d: %s", current_line(ctxt), what);
	xmlStopParser(ctxt);
}

/*
 * Called when "<!DOCTYPE name" has been read and before any declaration
 * inside it: refusing here means no entity is ever declared.
 */
static void on_doctype(void *data, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	(void)name, (void)ext, (void)sys;
	refuse(data, "DOCTYPE not allowed");
}

static void on_entity_decl(void *data, const xmlChar *name, int type, const xmlChar *pub,
			   const xmlChar *sys, xmlChar *content)
{
	(void)name, (void)type, (void)pub, (void)sys, (void)content;
	refuse(data, "entity declarations not allowed");
}

static xmlParserInputPtr on_resolve_entity(void *data, const xmlChar *pub, const xmlChar *sys)
{
	(void)pub, (void)sys;
	refuse(data, "external entities not allowed");
	return NULL;
}

static void on_start(void *data, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
		     int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = data;
	struct app_parser *p = ctxt->_private;
	if (++p->depth > p->max_depth) {
		char what[128];
		snprintf(what, sizeof(what), "element '%.40s' nested deeper than %d levels",
			 (const char *)local, p->max_depth);
		refuse(ctxt, what);
		return;
	}
	xmlSAX2StartElementNs(data, local, prefix, uri, nns, ns, nattr, ndef, attrs);
}

static void on_end(void *data, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = data;
	struct app_parser *p = ctxt->_private;
	p->depth--;
	xmlSAX2EndElementNs(data, local, prefix, uri);
}

static xmlParserCtxtPtr new_ctxt(struct app_parser *p)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt)
		abort();   /* only on out of memory, like xmalloc */
	ctxt->_private = p;
	xmlSAXHandlerPtr sax = ctxt->sax;
	sax->internalSubset = on_doctype;
	sax->externalSubset = on_doctype;
	sax->entityDecl = on_entity_decl;
	sax->resolveEntity = on_resolve_entity;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->serror = on_parse_error;
	return ctxt;
}

/*
 * Schema errors look like "Element '{urn:...}person', attribute 'pnr':
 * [facet 'pattern'] The value ... .": we turn that into
 * "line 7: person/@pnr: The value ...".
 */
static void on_schema_error(void *data, xmlErrorPtr e)
{
	struct app_parser *p = data;
	if (!e || e->level < XML_ERR_ERROR)
		return;
	char msg[768];
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "not valid");
	trim_message(msg);
	/* Drop the namespace from every qualified name. */
	static const char ns[] = "{" APP_NS "}";
	for (char *q; (q = strstr(msg, ns));)
		memmove(q, q + sizeof(ns) - 1, strlen(q + sizeof(ns) - 1) + 1);
	char path[160] = "";
	const char *rest = msg;
	char elem[64], attr[64];
	const char *attr_name = "";
	int used = 0;
	if (sscanf(msg, "Element '%63[^']', attribute '%63[^']': %n", elem, attr, &used) == 2 && used) {
		snprintf(path, sizeof(path), "%s/@%s", elem, attr);
		attr_name = attr;
		rest = msg + used;
	} else if (sscanf(msg, "Element '%63[^']': %n", elem, &used) == 1 && used) {
		snprintf(path, sizeof(path), "%s", elem);
		rest = msg + used;
	}
	if (str_starts_with(rest, "[facet '") && strstr(rest, "] "))
		rest = strstr(rest, "] ") + 2;
	/* libxml2 quotes the value, and a malformed identity number is still
	 * most of one: say what is wrong without it. */
	if (strcmp(attr_name, "pnr") == 0 || strcmp(attr_name, "person") == 0)
		rest = "not an identity number (YYYYMMDDNNNC or YYYYMMDD-NNNC)";
	if (path[0])
		first_error(p, "line %d: %s: %s", e->line, path, rest);
	else
		first_error(p, "line %d: %s", e->line, rest);
}

struct app_parser *app_parser_new(const struct app_parse_opts *opts, struct ebba_err *err)
{
	pthread_once(&schema_once, schema_compile);
	if (!schema) {
		ebba_errf(err, "%s", schema_error);
		return NULL;
	}
	struct app_parser *p = xcalloc(1, sizeof(*p));
	p->max_bytes = opts && opts->max_bytes ? opts->max_bytes : APP_DEFAULT_MAX_BYTES;
	p->max_depth = opts && opts->max_depth > 0 ? opts->max_depth : APP_DEFAULT_MAX_DEPTH;
	p->ctxt = new_ctxt(p);
	p->vctxt = xmlSchemaNewValidCtxt(schema);
	if (!p->vctxt)
		abort();
	xmlSchemaSetValidStructuredErrors(p->vctxt, on_schema_error, p);
	return p;
}

void app_parser_free(struct app_parser *p)
{
	if (!p)
		return;
	xmlSchemaFreeValidCtxt(p->vctxt);
	xmlFreeParserCtxt(p->ctxt);
	free(p);
}

/* ---- raw-byte checks ---- */

/*
 * Strict UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF).  libxml2 would also refuse most of this, but checking first
 * gives a precise position and closes the door on encoding declarations.
 */
static int check_utf8(const unsigned char *s, size_t len, struct ebba_err *err)
{
	int line = 1;
	size_t line_start = 0;
	for (size_t i = 0; i < len;) {
		/* XML has no NUL; refusing it also rules out UCS-4 detection. */
		if (s[i] == 0)
			return ebba_errf(err, "line %d, column %zu: NUL byte not allowed", line,
					 i - line_start + 1);
		if (s[i] == '\n') {
			line++;
			line_start = i + 1;
		}
		size_t n = utf8_char_len(s + i, len - i);
		if (!n)
			return ebba_errf(err, "line %d, column %zu: not valid UTF-8 (byte 0x%02X)", line,
					 i - line_start + 1, s[i]);
		i += n;
	}
	return 0;
}

/* ---- the semantic pass ---- */

static const xmlNode *elem_first(const xmlNode *n)
{
	for (n = n ? n->children : NULL; n && n->type != XML_ELEMENT_NODE; n = n->next)
		;
	return n;
}

static const xmlNode *elem_next(const xmlNode *n)
{
	for (n = n->next; n && n->type != XML_ELEMENT_NODE; n = n->next)
		;
	return n;
}

static bool elem_is(const xmlNode *n, const char *name)
{
	return n && strcmp((const char *)n->name, name) == 0;
}

/* The attribute's value without copying (libxml2 keeps it as one text child). */
static const char *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (strcmp((const char *)a->name, name) == 0)
			return a->children && a->children->content ? (const char *)a->children->content : "";
	return NULL;
}

/* Length of the text of n (text and CDATA children). */
static size_t text_len(const xmlNode *n)
{
	size_t len = 0;
	for (const xmlNode *c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			len += strlen((const char *)c->content);
	return len;
}

/* Copies the text of n into out (text_len(n) + 1 bytes). */
static void text_copy(const xmlNode *n, char *out)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			size_t l = strlen((const char *)c->content);
			memcpy(out, c->content, l);
			out += l;
		}
	*out = '\0';
}

/* The text of n with XML white space trimmed, into buf (truncated). */
static const char *text_trim(const xmlNode *n, char *buf, size_t cap)
{
	const xmlNode *c = n->children;
	const char *s = c && c->type == XML_TEXT_NODE && c->content ? (const char *)c->content : "";
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t l = strnlen(s, cap - 1);
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\n' || s[l - 1] == '\r'))
		l--;
	memcpy(buf, s, l);
	buf[l] = '\0';
	return buf;
}

static int line_of(const xmlNode *n)
{
	return (int)xmlGetLineNo(n);
}

/* An xs:nonNegativeInteger as the XSD let it through, within 0..max. */
static int parse_amount(const xmlNode *n, const char *name, int64_t max, int64_t *out,
			struct ebba_err *err)
{
	const char *s = attr(n, name);
	if (!s)
		return ebba_errf(err, "line %d: %s/@%s: missing", line_of(n), (const char *)n->name, name);
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	bool neg = *s == '-';
	if (*s == '+' || *s == '-')
		s++;
	int64_t v = 0;
	const char *d = s;
	for (; *s >= '0' && *s <= '9'; s++)
		if (v <= max)   /* stop growing past max, keep reading digits */
			v = v * 10 + (*s - '0');
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (s == d || *s || (neg && v != 0))
		return ebba_errf(err, "line %d: %s/@%s: not a whole non-negative number", line_of(n),
				 (const char *)n->name, name);
	if (v > max)
		return ebba_errf(err, "line %d: %s/@%s: %s is larger than the maximum %lld", line_of(n),
				 (const char *)n->name, name, d, (long long)max);
	*out = v;
	return 0;
}

static bool xs_true(const char *s)
{
	return s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
}

static int parse_period(const xmlNode *n, struct application *app, struct ebba_err *err)
{
	char buf[16];
	const char *s = text_trim(n, buf, sizeof(buf));
	int y = 0, m = 0, used = 0;
	if (strlen(s) != 7 || sscanf(s, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7)
		return ebba_errf(err, "line %d: period: not YYYY-MM", line_of(n));
	if (m < 1 || m > 12)
		return ebba_errf(err, "line %d: period: not a month: %02d", line_of(n), m);
	if (y < 2000 || y > 2099)
		return ebba_errf(err, "line %d: period: year %d out of range 2000-2099", line_of(n), y);
	memcpy(app->period, s, 8);
	app->period_year = y;
	app->period_month = m;
	return 0;
}

static char *store_str(char **cursor, const char *s)
{
	size_t l = strlen(s) + 1;
	char *d = *cursor;
	memcpy(d, s, l);
	*cursor += l;
	return d;
}

/* The longest submitted time kept, its NUL included: a timestamp is 25. */
#define SUBMITTED_MAX 64

static int parse_submitted(const xmlNode *n, struct application *app, char **cursor,
			   struct ebba_err *err)
{
	char buf[SUBMITTED_MAX];
	const char *s = text_trim(n, buf, sizeof(buf));
	if (date_parse_timestamp(s, &app->submitted_epoch, err) != 0)
		return ebba_err_prefix(err, "line %d: submitted", line_of(n));
	app->submitted = store_str(cursor, s);
	return 0;
}

/* Looks up a household person by a pnr attribute; returns the index. */
static int person_ref(const struct application *app, const xmlNode *n, size_t *out,
		      struct ebba_err *err)
{
	const char *s = attr(n, "person");
	struct pnr p;
	if (!s)
		return ebba_errf(err, "line %d: %s/@person: missing", line_of(n), (const char *)n->name);
	if (pnr_parse(s, strlen(s), &p, err) < 0)
		return ebba_err_prefix(err, "line %d: %s/@person", line_of(n), (const char *)n->name);
	for (size_t i = 0; i < app->n_persons; i++)
		if (memcmp(app->persons[i].pnr, p.digits, PNR_LEN) == 0) {
			*out = i;
			return 0;
		}
	char mask[PNR_MASK_BUF];
	return ebba_errf(err, "line %d: %s/@person: %s is not a person in the household", line_of(n),
			 (const char *)n->name, pnr_mask(p.digits, mask));
}

struct counts {
	size_t persons, incomes, costs, assets, strings;
};

/* Where each part of the document is, after the XSD has fixed the order. */
struct parts {
	const xmlNode *root, *period, *submitted, *household, *incomes, *costs, *assets,
		*changes, *message;
};

static void find_parts(const xmlNode *root, struct parts *pt, struct counts *c)
{
	*pt = (struct parts){.root = root};
	for (const xmlNode *n = elem_first(root); n; n = elem_next(n)) {
		const char *name = (const char *)n->name;
		size_t kids = 0;
		for (const xmlNode *k = elem_first(n); k; k = elem_next(k))
			kids++;
		if (strcmp(name, "period") == 0) pt->period = n;
		else if (strcmp(name, "submitted") == 0) pt->submitted = n;
		else if (strcmp(name, "household") == 0) { pt->household = n; c->persons = kids; }
		else if (strcmp(name, "incomes") == 0) { pt->incomes = n; c->incomes = kids; }
		else if (strcmp(name, "costs") == 0) { pt->costs = n; c->costs = kids; }
		else if (strcmp(name, "assets") == 0) { pt->assets = n; c->assets = kids; }
		else if (strcmp(name, "changes") == 0) pt->changes = n;
		else if (strcmp(name, "message") == 0) pt->message = n;
	}
	const char *id = attr(root, "id"), *cs = attr(root, "case");
	c->strings = (id ? strlen(id) : 0) + 1 + (cs ? strlen(cs) : 0) + 1 + SUBMITTED_MAX +
		     (pt->message ? text_len(pt->message) : 0) + 1;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* One block: the struct, the four arrays, then the strings. */
static struct application *alloc_app(const struct counts *c, char **strings)
{
	size_t off_p = align8(sizeof(struct application));
	size_t off_i = off_p + align8(c->persons * sizeof(struct app_person));
	size_t off_c = off_i + align8(c->incomes * sizeof(struct app_income));
	size_t off_a = off_c + align8(c->costs * sizeof(struct app_cost));
	size_t off_s = off_a + align8(c->assets * sizeof(struct app_asset));
	char *block = xmalloc(off_s + c->strings);
	struct application *app = (struct application *)(void *)block;
	*app = (struct application){0};
	app->persons = (struct app_person *)(void *)(block + off_p);
	app->incomes = (struct app_income *)(void *)(block + off_i);
	app->costs = (struct app_cost *)(void *)(block + off_c);
	app->assets = (struct app_asset *)(void *)(block + off_a);
	*strings = block + off_s;
	return app;
}

static int check_person(struct application *app, const xmlNode *n, const struct date *first,
			struct ebba_err *err)
{
	const char *s = attr(n, "pnr"), *role = attr(n, "role");
	struct pnr p;
	if (!s || !role)
		return ebba_errf(err, "line %d: person: pnr and role are required", line_of(n));
	if (pnr_parse(s, strlen(s), &p, err) < 0)
		return ebba_err_prefix(err, "line %d: person/@pnr", line_of(n));
	int r = name_index(role_names, (int)ARRAY_LEN(role_names), role);
	if (r < 0)
		return ebba_errf(err, "line %d: person/@role: unknown role '%.32s'", line_of(n), role);
	for (size_t i = 0; i < app->n_persons; i++)
		if (memcmp(app->persons[i].pnr, p.digits, PNR_LEN) == 0)
			return ebba_errf(err, "line %d: person/@pnr: the same person is listed twice",
					 line_of(n));
	struct app_person *ap = &app->persons[app->n_persons++];
	memcpy(ap->pnr, p.digits, PNR_BUF);
	ap->role = (enum person_role)r;
	ap->preschool_lunch = xs_true(attr(n, "preschool-lunch"));
	ap->coordination = p.coordination;
	ap->birth = p.birth;
	ap->age = date_age_on(&p.birth, first);
	if (ap->age < 0)
		return ebba_errf(err, "line %d: person/@pnr: born after the first day of the period",
				 line_of(n));
	if (ap->role == ROLE_CHILD && ap->age > APP_CHILD_MAX_AGE)
		return ebba_errf(err, "line %d: person/@pnr: a child must be under %d on the first day of the period, is %d",
				 line_of(n), APP_CHILD_MAX_AGE + 1, ap->age);
	return 0;
}

static int check_household(struct application *app, const xmlNode *h, struct ebba_err *err)
{
	const char *sw = attr(h, "shared-with");
	if (sw) {
		int64_t v;
		if (parse_amount(h, "shared-with", 99, &v, err) < 0)
			return -1;
		app->shared_with = (int)v;
	}
	struct date first = {app->period_year, app->period_month, 1};
	int first_line[3] = {0, 0, 0};
	for (const xmlNode *n = elem_first(h); n; n = elem_next(n)) {
		if (check_person(app, n, &first, err) < 0)
			return -1;
		enum person_role r = app->persons[app->n_persons - 1].role;
		if (r != ROLE_CHILD && first_line[r])
			return ebba_errf(err, "line %d: person/@role: a second %s (the first is on line %d); at most one is allowed",
					 line_of(n), role_names[r], first_line[r]);
		if (!first_line[r])
			first_line[r] = line_of(n);
	}
	if (!first_line[ROLE_APPLICANT])
		return ebba_errf(err, "line %d: household: no person with role 'applicant'; exactly one is required",
				 line_of(h));
	return 0;
}

static int check_incomes(struct application *app, const xmlNode *list, struct ebba_err *err)
{
	for (const xmlNode *n = list ? elem_first(list) : NULL; n; n = elem_next(n)) {
		struct app_income *in = &app->incomes[app->n_incomes];
		const char *t = attr(n, "type");
		int ti = t ? income_type_from_name(t) : -1;
		if (ti < 0)
			return ebba_errf(err, "line %d: income/@type: unknown income type", line_of(n));
		in->type = (enum income_type)ti;
		if (person_ref(app, n, &in->person, err) < 0 ||
		    parse_amount(n, "amount", APP_MAX_AMOUNT, &in->amount, err) < 0)
			return -1;
		app->n_incomes++;
	}
	return 0;
}

static int check_costs(struct application *app, const xmlNode *list, struct ebba_err *err)
{
	for (const xmlNode *n = list ? elem_first(list) : NULL; n; n = elem_next(n)) {
		struct app_cost *c = &app->costs[app->n_costs];
		const char *t = attr(n, "type");
		int ti = t ? cost_type_from_name(t) : -1;
		if (ti < 0)
			return ebba_errf(err, "line %d: cost/@type: unknown cost type", line_of(n));
		c->type = (enum cost_type)ti;
		if (parse_amount(n, "amount", APP_MAX_AMOUNT, &c->amount, err) < 0)
			return -1;
		app->n_costs++;
	}
	return 0;
}

static int check_assets(struct application *app, const xmlNode *list, struct ebba_err *err)
{
	for (const xmlNode *n = list ? elem_first(list) : NULL; n; n = elem_next(n)) {
		struct app_asset *a = &app->assets[app->n_assets];
		const char *t = attr(n, "type");
		int ti = t ? asset_type_from_name(t) : -1;
		if (ti < 0)
			return ebba_errf(err, "line %d: asset/@type: unknown asset type", line_of(n));
		a->type = (enum asset_type)ti;
		if (person_ref(app, n, &a->person, err) < 0 ||
		    parse_amount(n, "amount", APP_MAX_AMOUNT, &a->amount, err) < 0)
			return -1;
		app->n_assets++;
	}
	return 0;
}

static int check_document(const xmlDoc *doc, struct application **out, struct ebba_err *err)
{
	const xmlNode *root = xmlDocGetRootElement(doc);
	struct parts pt;
	struct counts c = {0};
	if (!root || !elem_is(root, "application"))
		return ebba_errf(err, "document: the root element is not 'application'");
	find_parts(root, &pt, &c);
	if (!pt.period || !pt.submitted || !pt.household || !pt.changes)
		return ebba_errf(err, "line %d: application: period, submitted, household and changes are required",
				 line_of(root));
	char *strings;
	struct application *app = alloc_app(&c, &strings);
	const char *id = attr(root, "id"), *cs = attr(root, "case"), *kind = attr(root, "kind");
	int k = kind ? name_index(kind_names, (int)ARRAY_LEN(kind_names), kind) : -1;
	if (!id || !cs || k < 0) {
		application_free(app);
		return ebba_errf(err, "line %d: application: id, case and kind are required", line_of(root));
	}
	/* Ids appear in URLs (the intake API, the web), the access log and
	 * logs, where an identity number must never be: the detector the
	 * log's scrubber uses (pnr.h) refuses any, in any spelling. */
	if (pnr_in_text(id) || pnr_in_text(cs)) {
		application_free(app);
		return ebba_errf(err, "line %d: application/@%s: must not hold an identity number"
				 " (ids appear in URLs and logs)", line_of(root), pnr_in_text(id) ? "id" : "case");
	}
	app->id = store_str(&strings, id);
	app->case_id = store_str(&strings, cs);
	app->kind = (enum app_kind)k;
	char flag[16];
	app->changes = xs_true(text_trim(pt.changes, flag, sizeof(flag)));
	if (parse_period(pt.period, app, err) < 0 ||
	    parse_submitted(pt.submitted, app, &strings, err) < 0 ||
	    check_household(app, pt.household, err) < 0 || check_incomes(app, pt.incomes, err) < 0 ||
	    check_costs(app, pt.costs, err) < 0 || check_assets(app, pt.assets, err) < 0) {
		application_free(app);
		if (err)
			pnr_scrub(err->msg);
		return -1;
	}
	if (pt.message)
		text_copy(pt.message, strings);
	else
		strings[0] = '\0';
	app->message = strings;
	*out = app;
	return 0;
}

/* ---- entry points ---- */

int app_parse(struct app_parser *p, const char *data, size_t len, struct application **out,
	      struct ebba_err *err)
{
	*out = NULL;
	if (len > p->max_bytes)
		return ebba_errf(err, "document: %zu bytes, larger than the limit of %zu bytes", len,
				 p->max_bytes);
	if (len == 0)
		return ebba_errf(err, "document: empty");
	if (len > INT_MAX)
		return ebba_errf(err, "document: too large");
	if (check_utf8((const unsigned char *)data, len, err) < 0)
		return -1;
	if (xmlDictSize(p->ctxt->dict) > DICT_RENEW) {
		xmlFreeParserCtxt(p->ctxt);
		p->ctxt = new_ctxt(p);
	}
	p->depth = 0;
	p->failed = false;
	p->err = err;
	ebba_err_clear(err);
	int opts = XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA |
		   XML_PARSE_NOWARNING;
	/*
	 * No encoding argument: naming one makes libxml2 run every byte
	 * through a converter.  The bytes are known to be UTF-8 without NUL,
	 * so its detection can find nothing else, and IGNORE_ENC makes it
	 * ignore an encoding declaration.
	 */
	xmlDocPtr doc = xmlCtxtReadMemory(p->ctxt, data, (int)len, NULL, NULL, opts);
	int rc = -1;
	if (p->failed || !doc) {
		if (!p->failed)
			ebba_errf(err, "document: not well-formed XML");
		goto out;
	}
	if (xmlSchemaValidateDoc(p->vctxt, doc) != 0) {
		if (!p->failed)
			ebba_errf(err, "document: does not match the application schema");
		goto out;
	}
	rc = check_document(doc, out, err);
out:
	p->err = NULL;
	xmlFreeDoc(doc);
	if (rc < 0 && err) {
		one_line(err->msg);
		pnr_scrub(err->msg);
	}
	return rc;
}

int application_parse(const char *data, size_t len, struct application **out,
		      struct ebba_err *err)
{
	struct app_parser *p = app_parser_new(NULL, err);
	*out = NULL;
	if (!p)
		return -1;
	int rc = app_parse(p, data, len, out, err);
	app_parser_free(p);
	return rc;
}

void application_free(struct application *app)
{
	free(app);
}

const struct app_person *application_person(const struct application *app, const char *pnr)
{
	for (size_t i = 0; i < app->n_persons; i++)
		if (strcmp(app->persons[i].pnr, pnr) == 0)
			return &app->persons[i];
	return NULL;
}
