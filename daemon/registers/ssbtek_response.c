/*
 * The SSBTEK v10 response: hamtaBastjanstInformationResponse, read into
 * normalised facts per agency.
 *
 * Anything wrong with the envelope fails the whole response; anything wrong
 * inside one agency's part (bad base64, bad JSON, bad inner XML, a value
 * that is not what the contract says, an answer about another person) makes
 * only that part an error, with a message, so the rules can say which
 * register could not be used.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "ebba/lib/base64.h"
#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/registers/ssbtek.h"
#include "ebba/lib/xmlsafe.h"
#include "ssbtek_xpath.h"

#define CSN_NS_PREFIX "http://schema.csn.se/"

/* Amounts beyond this many öre (100 billion kronor) are not believable. */
#define MAX_ORE 10000000000000LL

struct ctx {
	struct ssbtek_result *r;
	const struct ssbtek_parse_opts *opts;
	const struct lefi_mapping *map;
	struct ssbtek_scratch *scratch;   /* its context is on the response */
	size_t max_bytes;
};

enum ev_status ssbtek_status_evidence(enum ssbtek_status s)
{
	switch (s) {
	case SSBTEK_OK: return EV_OK;
	case SSBTEK_ERROR: return EV_ERROR;
	case SSBTEK_ABSENT: break;
	}
	return EV_ABSENT;
}

const char *ssbtek_status_name(enum ssbtek_status s)
{
	return ev_status_name(ssbtek_status_evidence(s));
}

/* ------------------------------------------------------------ values */

/*
 * xsd:date "YYYY-MM-DD" with an optional time zone ("Z", "+01:00"), as AF
 * sends it ("2016-11-18+01:00"); the zone is dropped: a payment or
 * registration date is a calendar date.
 */
static int norm_date(const char *s, char out[11])
{
	size_t n = strlen(s);
	if (n < 10 || s[4] != '-' || s[7] != '-' || !digits_only(s, 4) || !digits_only(s + 5, 2) ||
	    !digits_only(s + 8, 2) || !date_is_valid(atoi(s), atoi(s + 5), atoi(s + 8)))
		return -1;
	const char *tz = s + 10;
	bool tz_ok = !*tz || !strcmp(tz, "Z") ||
		     (strlen(tz) == 6 && (tz[0] == '+' || tz[0] == '-') && digits_only(tz + 1, 2) &&
		      tz[3] == ':' && digits_only(tz + 4, 2));
	if (!tz_ok)
		return -1;
	memcpy(out, s, 10);
	out[10] = '\0';
	return 0;
}

/*
 * An xsd:decimal ("1250.50", "-3", ".5") to öre.  Digits past the second
 * decimal round the öre half away from zero; nothing goes through floating
 * point.
 */
static int decimal_ore(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	int64_t kr = 0;
	int nint = 0, nfrac = 0;
	for (; *s >= '0' && *s <= '9'; s++, nint++) {
		kr = kr * 10 + (*s - '0');
		if (kr > MAX_ORE / 100)
			return -1;
	}
	int64_t ore = 0;
	bool round_up = false;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac < 2)
				ore = ore * 10 + (*s - '0');
			else if (nfrac == 2)
				round_up = *s >= '5';
		}
	if (*s || nint + nfrac == 0)
		return -1;
	if (nfrac == 1)
		ore *= 10;
	int64_t v = kr * 100 + ore + (round_up ? 1 : 0);
	*out = neg ? -v : v;
	return 0;
}

/* A JSON number (LEFI's summa may have decimals) to öre, half away from zero. */
static int json_ore(const json_t *j, int64_t *out)
{
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);
		if (v > MAX_ORE / 100 || v < -MAX_ORE / 100)
			return -1;
		*out = (int64_t)v * 100;
		return 0;
	}
	if (!json_is_real(j))
		return -1;
	double x = json_real_value(j) * 100.0;
	if (!isfinite(x) || fabs(x) > (double)MAX_ORE)
		return -1;
	*out = llround(x);
	return 0;
}

int64_t ssbtek_round_kronor(int64_t ore)
{
	return ore >= 0 ? (ore + 50) / 100 : -((-ore + 50) / 100);
}

/* ------------------------------------------------------------ result */

static void part_error(struct ssbtek_part *p, const char *kalla, const char *felkod,
		       const char *msg)
{
	free(p->kalla);
	free(p->felkod);
	free(p->felmeddelande);
	p->status = SSBTEK_ERROR;
	p->kalla = xstrdup(kalla);
	p->felkod = xstrdup(felkod);
	p->felmeddelande = xstrdup(msg);
}

static struct ssbtek_payment *add_payment(struct ctx *c, enum ssbtek_agency a)
{
	struct ssbtek_result *r = c->r;
	if ((r->n_payments & (r->n_payments - 1)) == 0)   /* 0, 1, 2, 4, ...: grow */
		r->payments = xrealloc(r->payments, (r->n_payments ? r->n_payments * 2 : 8) *
							    sizeof(*r->payments));
	struct ssbtek_payment *p = &r->payments[r->n_payments++];
	*p = (struct ssbtek_payment){ .agency = a, .type = INCOME_OTHER };
	return p;
}

static void add_unknown_code(struct ssbtek_result *r, const char *code)
{
	for (size_t i = 0; i < r->n_unknown_codes; i++)
		if (!strcmp(r->unknown_codes[i], code))
			return;
	r->unknown_codes = xrealloc(r->unknown_codes, (r->n_unknown_codes + 1) * sizeof(char *));
	r->unknown_codes[r->n_unknown_codes++] = xstrdup(code);
}

void ssbtek_result_free(struct ssbtek_result *r)
{
	if (!r)
		return;
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		struct ssbtek_part *p = &r->part[a];
		free(p->kalla);
		free(p->felkod);
		free(p->felmeddelande);
		free(p->raw);
	}
	free(r->payments);
	free(r->sick);
	for (size_t i = 0; i < r->n_unknown_codes; i++)
		free(r->unknown_codes[i]);
	free(r->unknown_codes);
	*r = (struct ssbtek_result){0};
}

int64_t ssbtek_month_net(const struct ssbtek_result *r, enum income_type type, const char *yyyy_mm)
{
	int64_t all[INCOME_TYPE_COUNT];
	ssbtek_month_net_all(r, yyyy_mm, all);
	return (unsigned)type < INCOME_TYPE_COUNT ? all[type] : 0;
}

void ssbtek_month_net_all(const struct ssbtek_result *r, const char *yyyy_mm,
			  int64_t out[INCOME_TYPE_COUNT])
{
	int64_t ore[INCOME_TYPE_COUNT] = {0};
	bool month_ok = yyyy_mm && strlen(yyyy_mm) == 7;
	for (size_t i = 0; month_ok && i < r->n_payments; i++) {
		const struct ssbtek_payment *p = &r->payments[i];
		if (!p->planned && r->part[p->agency].status == SSBTEK_OK &&
		    !strncmp(p->date, yyyy_mm, 7))
			ore[p->type] += p->net_ore;
	}
	for (int t = 0; t < INCOME_TYPE_COUNT; t++)
		out[t] = ssbtek_round_kronor(ore[t]);
}

void ssbtek_part_evidence(const struct ssbtek_result *r, enum ssbtek_agency a,
			  struct evidence *out)
{
	const struct ssbtek_part *p = &r->part[a];
	evidence_set(out, EV_SOURCE_SSBTEK, ssbtek_agency_name(a), ssbtek_status_evidence(p->status),
		     p->raw, p->raw_len, 0);
}

enum ev_status ssbtek_part_summary(const struct ssbtek_result *r, enum ssbtek_agency a,
				   char sha256[65])
{
	const struct ssbtek_part *p = &r->part[a];
	/* evidence_set()'s hash: over every byte, "" when there are none */
	sha256_hex(p->raw ? p->raw : "", p->raw ? p->raw_len : 0, sha256);
	return ssbtek_status_evidence(p->status);
}

/* ------------------------------------------------------------ XML helpers */

/*
 * The only node expr selects from at: 0 with *out set (NULL if none),
 * -1 if several (or the expression fails).
 */
static int xp_one(struct ctx *c, xmlNode *at, const char *expr, xmlNode **out,
		  struct ebba_err *err)
{
	*out = NULL;
	xmlXPathObject *o = ssbtek_xpath_eval(c->scratch, at, expr);
	int n = o && o->nodesetval ? o->nodesetval->nodeNr : 0;
	if (n == 1)
		*out = o->nodesetval->nodeTab[0];
	xmlXPathFreeObject(o);
	if (!o || n > 1)
		return ebba_errf(err, "line %d: %s: expected at most one", at->line, expr);
	return 0;
}

/* The text of the only node expr selects; *out NULL if there is none. */
static int xp_text(struct ctx *c, xmlNode *at, const char *expr, char **out,
		   struct ebba_err *err)
{
	xmlNode *n;
	*out = NULL;
	if (xp_one(c, at, expr, &n, err) != 0)
		return -1;
	if (n)
		*out = xmlsafe_text(n);
	return 0;
}

static xmlXPathObject *xp_all(struct ctx *c, xmlNode *at, const char *expr)
{
	return ssbtek_xpath_eval(c->scratch, at, expr);
}

static int xp_count(const xmlXPathObject *o)
{
	return o && o->nodesetval ? o->nodesetval->nodeNr : 0;
}

/*
 * The agency element as a standalone document (namespaces declared on it),
 * appended to what p->raw holds: a part that appears more than once keeps
 * every copy, so the evidence shows what the register actually sent.
 */
static void keep_raw(struct ssbtek_part *p, xmlNode *n)
{
	xmlDoc *d = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *copy = xmlDocCopyNode(n, d, 1);
	xmlBuffer *b = xmlBufferCreate();
	if (!d || !copy || !b)
		fatal("out of memory copying an SSBTEK part");
	xmlDocSetRootElement(d, copy);
	xmlNodeDump(b, d, copy, 0, 0);
	size_t add = (size_t)xmlBufferLength(b);
	p->raw = xrealloc(p->raw, p->raw_len + add + 1);
	memcpy(p->raw + p->raw_len, xmlBufferContent(b), add);
	p->raw_len += add;
	p->raw[p->raw_len] = '\0';
	xmlBufferFree(b);
	xmlFreeDoc(d);
}

static bool same_person(const struct ctx *c, const char *pnr12)
{
	return !c->opts->expect_pnr || !strcmp(c->opts->expect_pnr, pnr12);
}

/* ------------------------------------------------------------ AF */

static int af_date(struct ctx *c, xmlNode *info, const char *expr, char out[11],
		   struct ebba_err *err)
{
	char *t;
	if (xp_text(c, info, expr, &t, err) != 0)
		return -1;
	int rc = 0;
	if (t && norm_date(t, out) != 0)
		rc = ebba_errf(err, "%s is not a date", expr);
	free(t);
	return rc;
}

static int af_int(struct ctx *c, xmlNode *at, const char *expr, int lo, int hi, int *out,
		  struct ebba_err *err)
{
	char *t;
	if (xp_text(c, at, expr, &t, err) != 0)
		return -1;
	int rc = 0;
	if (t) {
		char *end;
		long v = strtol(t, &end, 10);
		if (!*t || *end || v < lo || v > hi)
			rc = ebba_errf(err, "%s is not a number from %d to %d", expr, lo, hi);
		else
			*out = (int)v;
	}
	free(t);
	return rc;
}

static int af_info(struct ctx *c, xmlNode *info, struct ssbtek_af *af, struct ebba_err *err)
{
	char *reg;
	if (xp_text(c, info, "er:Arbetssokande", &reg, err) != 0)
		return -1;
	if (reg) {
		bool t = !strcmp(reg, "true") || !strcmp(reg, "1");
		bool f = !strcmp(reg, "false") || !strcmp(reg, "0");
		free(reg);
		if (!t && !f)
			return ebba_errf(err, "Arbetssokande is not a boolean");
		af->known = true;
		af->registered = t;
	}
	if (af_date(c, info, "er:ArbetssokandeRegistrerad", af->since, err) != 0 ||
	    af_date(c, info, "er:ArbetssokandeAvaktualiserad", af->deregistered, err) != 0 ||
	    af_date(c, info, "er:AktivetetsRapportDatum/er:SenasteAktivitetsRapportDatum",
		    af->latest_report, err) != 0)
		return -1;
	return af_int(c, info, "er:ArbetssokandeOmfattning", 0, 100, &af->scope_percent, err);
}

static int parse_af(struct ctx *c, xmlNode *data, struct ebba_err *err)
{
	struct ssbtek_af af = { .scope_percent = -1, .status_code = -1 };
	xmlNode *svar, *info;
	char *pnr;
	if (xp_one(c, data, "er:Svar", &svar, err) != 0)
		return -1;
	if (!svar)
		return ebba_errf(err, "no Svar in the data");
	if (xp_text(c, svar, "er:IdentitetsbeteckningFysiskPerson", &pnr, err) != 0)
		return -1;
	bool other = pnr && !same_person(c, pnr);
	free(pnr);
	if (other)
		return ebba_errf(err, "the answer is about another person");
	if (af_int(c, svar, "er:StatusSokandeinformationKod", -999999, 999999, &af.status_code,
		   err) != 0 ||
	    xp_one(c, svar, "er:ArbetssokandeInfo", &info, err) != 0)
		return -1;
	if (info && af_info(c, info, &af, err) != 0)
		return -1;
	c->r->af = af;
	return 0;
}

/* ------------------------------------------------------------ SO */

static int so_payment(struct ctx *c, xmlNode *u, struct ebba_err *err)
{
	char *date, *net;
	if (xp_text(c, u, "in:Utbetalningsdatum", &date, err) != 0)
		return -1;
	if (xp_text(c, u, "in:NettoEfterSkatt", &net, err) != 0) {
		free(date);
		return -1;
	}
	struct ssbtek_payment p = { .agency = SSBTEK_SO, .type = INCOME_UNEMPLOYMENT_BENEFIT };
	int rc = 0;
	if (!date || norm_date(date, p.date) != 0)
		rc = ebba_errf(err, "line %d: Utbetalningsdatum missing or not a date", u->line);
	else if (!net || decimal_ore(net, &p.net_ore) != 0)
		rc = ebba_errf(err, "line %d: NettoEfterSkatt missing or not an amount", u->line);
	else
		*add_payment(c, SSBTEK_SO) = p;
	free(date);
	free(net);
	return rc;
}

static int parse_so(struct ctx *c, xmlNode *data, struct ebba_err *err)
{
	char *pnr;
	xmlNode *list;
	if (xp_text(c, data, "in:IdentificationNumber", &pnr, err) != 0)
		return -1;
	bool other = pnr && !same_person(c, pnr);
	free(pnr);
	if (other)
		return ebba_errf(err, "the answer is about another person");
	if (xp_one(c, data, "in:ArbetsloshetsersattningLista", &list, err) != 0)
		return -1;
	if (!list)
		return ebba_errf(err, "no ArbetsloshetsersattningLista in the data");
	xmlXPathObject *o = xp_all(c, list, "in:Arbetsloshetsersattning/in:Utbetalningar");
	int rc = 0;
	for (int i = 0; rc == 0 && i < xp_count(o); i++)
		rc = so_payment(c, o->nodesetval->nodeTab[i], err);
	xmlXPathFreeObject(o);
	return rc;
}

/* ------------------------------------------------------------ CSN */

/*
 * CSN's schema namespaces carry a version (the samples are v3.0, the
 * contract v4.0), so CSN elements are matched by local name within CSN's
 * namespaces.
 */
static bool csn_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strncmp((const char *)n->ns->href, CSN_NS_PREFIX, strlen(CSN_NS_PREFIX)) &&
	       !strcmp((const char *)n->name, name);
}

static char *csn_child_text(const xmlNode *n, const char *name)
{
	for (xmlNode *c = xmlsafe_first_elem(n); c; c = xmlsafe_next_elem(c))
		if (csn_is(c, name))
			return xmlsafe_text(c);
	return NULL;
}

/*
 * The kind of support a payment belongs to is the Person child it sits in.
 * Hemutrustningslån is a loan for furnishing a first home, not support for
 * studies, so it is typed "other" and the rules decide.
 */
static enum income_type csn_kind(const xmlNode *pay, const xmlNode *person)
{
	const xmlNode *n = pay;
	while (n->parent && n->parent != person)
		n = n->parent;
	return csn_is(n, "HemutrustningsLan") || csn_is(n, "Hemutrustningslan") ? INCOME_OTHER
										 : INCOME_STUDENT_AID;
}

/* The stödform of the Arende a payment belongs to ("GRUND", "SH", ...). */
static void csn_code(const xmlNode *pay, char *out, size_t cap)
{
	for (const xmlNode *n = pay->parent; n; n = n->parent) {
		if (!csn_is(n, "Arende"))
			continue;
		char *s = csn_child_text(n, "stodform");
		if (s)
			snprintf(out, cap, "%s", s);
		free(s);
		return;
	}
}

static int csn_payment(struct ctx *c, xmlNode *u, xmlNode *person, struct ebba_err *err)
{
	char *date = csn_child_text(u, "utbetdatum");
	char *status = csn_child_text(u, "utbetstatus");
	char *total = csn_child_text(u, "totbelopp");
	struct ssbtek_payment p = { .agency = SSBTEK_CSN, .type = csn_kind(u, person) };
	int rc = 0;
	if (!date || strlen(date) != 8 || !digits_only(date, 8))
		rc = ebba_errf(err, "CSN line %d: utbetdatum is not YYYYMMDD", u->line);
	else if (snprintf(p.date, sizeof(p.date), "%.4s-%.2s-%.2s", date, date + 4, date + 6),
		 norm_date(p.date, p.date) != 0)
		rc = ebba_errf(err, "CSN line %d: utbetdatum is not a date", u->line);
	else if (!total || decimal_ore(total, &p.net_ore) != 0 || strchr(total, '.'))
		rc = ebba_errf(err, "CSN line %d: totbelopp is not whole kronor", u->line);
	else if (!status || (strcmp(status, "Utbetald") && strcmp(status, "UTBETALAD") &&
			     strcmp(status, "Planerad")))
		rc = ebba_errf(err, "CSN line %d: unknown utbetstatus", u->line);
	if (rc == 0) {
		p.planned = !strcmp(status, "Planerad");
		csn_code(u, p.code, sizeof(p.code));
		*add_payment(c, SSBTEK_CSN) = p;
	}
	free(date);
	free(status);
	free(total);
	return rc;
}

/* Depth-first over person's subtree (bounded by the parser's depth limit). */
static int csn_walk(struct ctx *c, xmlNode *n, xmlNode *person, struct ebba_err *err)
{
	for (xmlNode *k = xmlsafe_first_elem(n); k; k = xmlsafe_next_elem(k)) {
		int rc = csn_is(k, "Utbetalning") ? csn_payment(c, k, person, err)
						  : csn_walk(c, k, person, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int csn_person(struct ctx *c, xmlNode *person, bool *matched, struct ebba_err *err)
{
	xmlChar *sekel = xmlGetNoNsProp(person, (const xmlChar *)"sekel");
	xmlChar *nr = xmlGetNoNsProp(person, (const xmlChar *)"personnummer");
	char pnr12[32] = "";
	if (sekel && nr)
		snprintf(pnr12, sizeof(pnr12), "%s%s", (char *)sekel, (char *)nr);
	xmlFree(sekel);
	xmlFree(nr);
	if (c->opts->expect_pnr && !same_person(c, pnr12))
		return 0;   /* CSN may list several persons; only ours counts */
	*matched = true;
	return csn_walk(c, person, person, err);
}

static int csn_inner(struct ctx *c, xmlDoc *doc, struct ebba_err *err)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!csn_is(root, "CSNSvar"))
		return ebba_errf(err, "the decoded document is not a CSNSvar");
	xmlNode *personer = NULL;
	for (xmlNode *k = xmlsafe_first_elem(root); k; k = xmlsafe_next_elem(k))
		if (csn_is(k, "Personer"))
			personer = k;
	if (!personer)
		return ebba_errf(err, "CSNSvar has no Personer");
	bool matched = false, any = false;
	for (xmlNode *k = xmlsafe_first_elem(personer); k; k = xmlsafe_next_elem(k)) {
		if (!csn_is(k, "Person"))
			continue;
		any = true;
		if (csn_person(c, k, &matched, err) != 0)
			return -1;
	}
	if (any && !matched)
		return ebba_errf(err, "the answer is about another person");
	return 0;
}

static int parse_csn(struct ctx *c, xmlNode *data, struct ebba_err *err)
{
	char *b64;
	if (xp_text(c, data, "ssbt:svar", &b64, err) != 0)
		return -1;
	if (!b64)
		return ebba_errf(err, "no svar in the data");
	struct ebba_buf xml = {0};
	int rc = base64_decode(b64, strlen(b64), c->max_bytes, &xml, err);
	free(b64);
	xmlDoc *doc = rc == 0 ? xmlsafe_read(xml.data, xml.len, c->max_bytes, "CSN svar", err)
			      : NULL;
	buf_free(&xml);
	if (!doc)
		return -1;
	rc = csn_inner(c, doc, err);
	xmlFreeDoc(doc);
	return rc;
}

/* ------------------------------------------------------------ FK (LEFI JSON) */

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* An optional array member: NULL if absent, an error if not an array. */
static int jarray(const json_t *obj, const char *key, json_t **out, struct ebba_err *err)
{
	*out = json_object_get(obj, key);
	if (*out && !json_is_array(*out) && !json_is_null(*out))
		return ebba_errf(err, "LEFI: %s is not an array", key);
	if (json_is_null(*out))
		*out = NULL;
	return 0;
}

static int lefi_providers(const json_t *root, struct ebba_err *err)
{
	json_t *list, *it;
	size_t i;
	if (jarray(root, "utlamnare", &list, err) != 0)
		return -1;
	if (!list)
		return ebba_errf(err, "LEFI: no utlamnare (which providers answered)");
	json_array_foreach(list, i, it) {
		const char *who = jstr(json_object_get(it, "utlamnare"), "kod");
		const char *state = jstr(json_object_get(it, "tillstand"), "kod");
		/* Only providers in state OK contributed: the facts are incomplete otherwise. */
		if (!state || strcmp(state, "OK"))
			return ebba_errf(err, "LEFI: provider %s is %s", who ? who : "?",
					 state ? state : "in no stated state");
	}
	return 0;
}

/* Deviations in payment information mean incomes may be missing. */
static int lefi_deviations(const json_t *root, struct ebba_err *err)
{
	static const char *const keys[] = { "formansinformation", "utbetalningar" };
	const json_t *dev = json_object_get(root, "avvikelser");
	if (!dev || json_is_null(dev))
		return 0;
	if (!json_is_object(dev))
		return ebba_errf(err, "LEFI: avvikelser is not an object");
	for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
		json_t *list;
		if (jarray(dev, keys[k], &list, err) != 0)
			return -1;
		if (!list || json_array_size(list) == 0)
			continue;
		json_t *first = json_array_get(list, 0);
		const char *group = jstr(json_object_get(first, "formansgrupp"), "kod");
		const char *why = jstr(json_object_get(first, "avvikelse"), "kod");
		return ebba_errf(err, "LEFI: %s could not be fetched for %s (%s)%s", keys[k],
				 group ? group : "?", why ? why : "?",
				 json_array_size(list) > 1 ? " and more" : "");
	}
	return 0;
}

static int lefi_person(struct ctx *c, const json_t *fi, struct ebba_err *err)
{
	json_t *gepi;
	if (!c->opts->expect_pnr || !fi)
		return 0;
	if (jarray(fi, "generellPersoninformation", &gepi, err) != 0)
		return -1;
	const char *pnr = jstr(json_array_get(gepi, 0), "personnummer");
	if (!pnr)
		return 0;
	size_t n = strlen(pnr);
	const char *want = c->opts->expect_pnr;
	bool same = (n == 12 && !strcmp(pnr, want)) ||
		    (n == 10 && strlen(want) == 12 && !strcmp(pnr, want + 2));
	return same ? 0 : ebba_errf(err, "LEFI: the answer is about another person");
}

static int lefi_type(struct ctx *c, const char *code, struct ssbtek_payment *p,
		     struct ebba_err *err)
{
	if (!code)
		code = "";
	if (strlen(code) >= sizeof(p->code))
		return ebba_errf(err, "LEFI: benefit code longer than %zu characters",
				 sizeof(p->code) - 1);
	memcpy(p->code, code, strlen(code) + 1);
	if (lefi_mapping_lookup(c->map, code, &p->type) != 0) {
		p->type = INCOME_OTHER;
		add_unknown_code(c->r, *code ? code : "(none)");
	}
	return 0;
}

static int lefi_date(const char *s, char out[11], const char *what, size_t i,
		     struct ebba_err *err)
{
	if (!s || strlen(s) != 10 || norm_date(s, out) != 0)
		return ebba_errf(err, "LEFI: %s[%zu]: payment date missing or not YYYY-MM-DD", what, i);
	return 0;
}

/* Försäkringskassan: formansinformation.utbetalningsuppgift[]. */
static int lefi_fk_payments(struct ctx *c, const json_t *fi, struct ebba_err *err)
{
	json_t *list, *u;
	size_t i;
	if (!fi)
		return 0;
	if (jarray(fi, "utbetalningsuppgift", &list, err) != 0)
		return -1;
	json_array_foreach(list, i, u) {
		struct ssbtek_payment p = { .agency = SSBTEK_FK };
		const json_t *net = json_object_get(json_object_get(u, "nettobelopp"), "summa");
		const char *cur = jstr(json_object_get(u, "nettobelopp"), "valuta");
		if (lefi_date(jstr(u, "datum"), p.date, "utbetalningsuppgift", i, err) != 0)
			return -1;
		if (!net || json_ore(net, &p.net_ore) != 0)
			return ebba_errf(err, "LEFI: utbetalningsuppgift[%zu]: nettobelopp.summa "
					      "missing or not an amount", i);
		if (cur && strcmp(cur, "SEK"))
			return ebba_errf(err, "LEFI: utbetalningsuppgift[%zu]: currency is not SEK", i);
		if (lefi_type(c, jstr(json_object_get(u, "formansfamilj"), "id"), &p, err) != 0)
			return -1;
		*add_payment(c, SSBTEK_FK) = p;
	}
	return 0;
}

/*
 * Försäkringskassan's decisions on benefits for sickness, with their extent:
 * formansinformation.{sjukpenningarende, sjukOchAktivitetsersattningsarende,
 * rehabersattningsarende}[].beslut[] with period {fran, till} and
 * omfattning {taljare, namnare}.  Refused decisions (beslutsutfall AVSLAG)
 * and those without an extent are left out.
 */
static int lefi_sick_decisions(struct ctx *c, const json_t *fi, struct ebba_err *err)
{
	static const char *const keys[] = {"sjukpenningarende", "sjukOchAktivitetsersattningsarende",
					   "rehabersattningsarende"};
	if (!fi)
		return 0;
	for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
		json_t *cases, *cs;
		size_t i;
		if (jarray(fi, keys[k], &cases, err) != 0)
			return -1;
		json_array_foreach(cases, i, cs) {
			json_t *decisions, *d;
			size_t j;
			if (jarray(cs, "beslut", &decisions, err) != 0)
				return -1;
			json_array_foreach(decisions, j, d) {
				const char *outcome = jstr(d, "beslutsutfall");
				if (outcome && strcmp(outcome, "AVSLAG") == 0)
					continue;
				const json_t *om = json_object_get(d, "omfattning");
				json_int_t num = json_integer_value(json_object_get(om, "taljare"));
				json_int_t den = json_integer_value(json_object_get(om, "namnare"));
				if (num <= 0 || den <= 0)
					continue;     /* not set */
				if (num > den)
					return ebba_errf(err, "LEFI: %s[%zu].beslut[%zu]: omfattning over 100 %%",
							 keys[k], i, j);
				struct ssbtek_sick_decision s = {.percent = (int)((num * 100 + den / 2) / den)};
				const json_t *per = json_object_get(d, "period");
				const char *from = jstr(per, "fran"), *to = jstr(per, "till");
				if (!from || strlen(from) != 10 || norm_date(from, s.from) != 0 ||
				    (to && (strlen(to) != 10 || norm_date(to, s.to) != 0)))
					return ebba_errf(err, "LEFI: %s[%zu].beslut[%zu]: period not YYYY-MM-DD",
							 keys[k], i, j);
				if (!to)
					memcpy(s.to, "9999-12-31", 11);
				const char *code = jstr(json_object_get(d, "forman"), "id");
				snprintf(s.code, sizeof(s.code), "%s", code ? code : "");
				c->r->sick = xrealloc(c->r->sick, (c->r->n_sick + 1) * sizeof(*c->r->sick));
				c->r->sick[c->r->n_sick++] = s;
			}
		}
	}
	return 0;
}

int ssbtek_month_sickness_percent(const struct ssbtek_result *r, const char *yyyy_mm)
{
	char first[11], last[11];
	snprintf(first, sizeof(first), "%.7s-01", yyyy_mm);
	snprintf(last, sizeof(last), "%.7s-31", yyyy_mm);
	int best = -1;
	for (size_t i = 0; i < r->n_sick; i++)
		if (strcmp(r->sick[i].from, last) <= 0 && strcmp(r->sick[i].to, first) >= 0 &&
		    r->sick[i].percent > best)
			best = r->sick[i].percent;
	return best;
}

/*
 * Pensionsmyndigheten: utbetalningar[].  The benefit group is on the rows;
 * a payment is typed by its first row (PM pays one benefit group per
 * payment in practice; rows split it into amount types).
 */
static int lefi_pm_payments(struct ctx *c, const json_t *root, struct ebba_err *err)
{
	json_t *list, *u;
	size_t i;
	if (jarray(root, "utbetalningar", &list, err) != 0)
		return -1;
	json_array_foreach(list, i, u) {
		struct ssbtek_payment p = { .agency = SSBTEK_FK };
		const json_t *net = json_object_get(u, "nettobelopp");
		if (lefi_date(jstr(u, "utbetalningsdatum"), p.date, "utbetalningar", i, err) != 0)
			return -1;
		if (!json_is_integer(net) || json_ore(net, &p.net_ore) != 0)
			return ebba_errf(err, "LEFI: utbetalningar[%zu]: nettobelopp missing or "
					      "not whole kronor", i);
		json_t *rows = json_object_get(u, "utbetalningsrader");
		const char *code = jstr(json_object_get(json_array_get(rows, 0), "formansgrupp"),
					"kod");
		if (lefi_type(c, code, &p, err) != 0)
			return -1;
		*add_payment(c, SSBTEK_FK) = p;
	}
	return 0;
}

static int lefi_json(struct ctx *c, const char *js, size_t len, struct ebba_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(js, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return ebba_errf(err, "LEFI JSON:%d:%d: %s", je.line, je.column, je.text);
	int rc = -1;
	json_t *fi = json_object_get(root, "formansinformation");
	if (!json_is_object(root))
		ebba_errf(err, "LEFI JSON: not an object");
	else if (fi && !json_is_object(fi) && !json_is_null(fi))
		ebba_errf(err, "LEFI: formansinformation is not an object");
	else {
		fi = json_is_object(fi) ? fi : NULL;
		if (lefi_providers(root, err) == 0 && lefi_deviations(root, err) == 0 &&
		    lefi_person(c, fi, err) == 0 && lefi_fk_payments(c, fi, err) == 0 &&
		    lefi_sick_decisions(c, fi, err) == 0 && lefi_pm_payments(c, root, err) == 0)
			rc = 0;
	}
	json_decref(root);
	return rc;
}

static int parse_fk(struct ctx *c, xmlNode *data, struct ebba_err *err)
{
	char *b64;
	if (xp_text(c, data, "ssbt:lefiJsonSvar", &b64, err) != 0)
		return -1;
	if (!b64)
		return ebba_errf(err, "no lefiJsonSvar in the data");
	struct ebba_buf js = {0};
	int rc = base64_decode(b64, strlen(b64), c->max_bytes, &js, err);
	free(b64);
	if (rc == 0)
		rc = lefi_json(c, js.data, js.len, err);
	buf_free(&js);
	return rc;
}

/* ------------------------------------------------------------ SKV, TNS, MIV */

/* Skatteverket's answer is XML as text (CDATA) in svar: it must at least be XML. */
static int parse_skv(struct ctx *c, xmlNode *data, struct ebba_err *err)
{
	xmlNode *svar;
	if (xp_one(c, data, "svar|ssbt:svar", &svar, err) != 0)
		return -1;
	if (!svar)
		return 0;
	char *t = xmlsafe_text(svar);
	xmlDoc *d = NULL;
	if (*t == '<')
		d = xmlsafe_read(t, strlen(t), c->max_bytes, "SKV svar", err);
	int rc = (*t == '<' && !d) ? -1 : 0;
	xmlFreeDoc(d);
	free(t);
	return rc;
}

static int parse_kept(struct ctx *c, xmlNode *data, struct ebba_err *err)
{
	return 0;   /* read and kept as evidence; no facts yet (docs/architecture.md §5.1) */
}

/* ------------------------------------------------------------ parts */

typedef int (*part_parser)(struct ctx *, xmlNode *, struct ebba_err *);

static const part_parser PARSERS[SSBTEK_AGENCY_COUNT] = {
	[SSBTEK_AF] = parse_af,   [SSBTEK_CSN] = parse_csn, [SSBTEK_FK] = parse_fk,
	[SSBTEK_SKV] = parse_skv, [SSBTEK_SO] = parse_so,   [SSBTEK_TNS] = parse_kept,
	[SSBTEK_MIV] = parse_kept,
};

static void read_error(struct ctx *c, struct ssbtek_part *p, xmlNode *e)
{
	struct ebba_err ignore;
	char *kalla = NULL, *felkod = NULL;
	xp_text(c, e, "ssbt:kalla", &kalla, &ignore);
	xp_text(c, e, "ssbt:felkod", &felkod, &ignore);
	struct ebba_buf msg = {0};
	xmlXPathObject *o = xp_all(c, e, "ssbt:felmeddelande");
	for (int i = 0; i < xp_count(o); i++) {
		char *t = xmlsafe_text(o->nodesetval->nodeTab[i]);
		buf_printf(&msg, "%s%s", msg.len ? "; " : "", t);
		free(t);
	}
	xmlXPathFreeObject(o);
	buf_append(&msg, "", 0);
	part_error(p, kalla ? kalla : "", felkod ? felkod : "", msg.data);
	free(kalla);
	free(felkod);
	buf_free(&msg);
}

static void parse_part(struct ctx *c, enum ssbtek_agency a, xmlNode *el)
{
	struct ssbtek_part *p = &c->r->part[a];
	if (!c->opts->skip_raw)
		keep_raw(p, el);
	xmlNode *data = NULL, *error = NULL;
	struct ebba_err err;
	size_t n_pay = c->r->n_payments, n_unknown = c->r->n_unknown_codes, n_sick = c->r->n_sick;
	if (xp_one(c, el, "ssbt:data", &data, &err) != 0 ||
	    xp_one(c, el, "ssbt:error", &error, &err) != 0) {
		part_error(p, "ebba", "malformed", err.msg);
		return;
	}
	if (error && !data) {
		read_error(c, p, error);
		return;
	}
	if (!data || error) {
		part_error(p, "ebba", "malformed", data ? "both data and error" : "neither data nor error");
		return;
	}
	p->status = SSBTEK_OK;
	if (PARSERS[a](c, data, &err) == 0)
		return;
	part_error(p, "ebba", "malformed", err.msg);
	/* What was read before the fault is not evidence of anything. */
	c->r->n_payments = n_pay;
	c->r->n_sick = n_sick;
	while (c->r->n_unknown_codes > n_unknown)
		free(c->r->unknown_codes[--c->r->n_unknown_codes]);
	if (a == SSBTEK_AF)
		c->r->af = (struct ssbtek_af){ .scope_percent = -1, .status_code = -1 };
}

/* ------------------------------------------------------------ envelope */

/* Several copies of one agency's part: none is believed, all are kept. */
static void duplicate_part(struct ctx *c, struct ssbtek_part *p, const xmlXPathObject *copies)
{
	for (int i = 0; !c->opts->skip_raw && i < xp_count(copies); i++)
		keep_raw(p, copies->nodesetval->nodeTab[i]);
	part_error(p, "ebba", "malformed", "the part appears more than once");
}

static int soap_fault(struct ctx *c, xmlNode *fault, struct ebba_err *err)
{
	struct ebba_err ignore;
	char *code = NULL, *str = NULL, *felkod = NULL;
	xp_text(c, fault, "faultcode", &code, &ignore);
	xp_text(c, fault, "faultstring", &str, &ignore);
	xp_text(c, fault, "detail/ssbt:hamtaBastjanstInformationFault/ssbt:felkod", &felkod, &ignore);
	ebba_errf(err, "SOAP fault: %s: %s%s%s%s", code ? code : "?", str ? str : "",
		  felkod ? " (felkod " : "", felkod ? felkod : "", felkod ? ")" : "");
	free(code);
	free(str);
	free(felkod);
	return -1;
}

static int read_envelope(struct ctx *c, xmlDoc *doc, struct ebba_err *err)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	xmlNode *body, *fault, *resp, *svar;
	if (!xmlsafe_is(root, SOAP11_NS, "Envelope"))
		return ebba_errf(err, "SSBTEK response: not a SOAP 1.1 Envelope");
	if (xp_one(c, root, "soap:Body", &body, err) != 0 || !body)
		return ebba_errf(err, "SSBTEK response: no single SOAP Body");
	if (xp_one(c, body, "soap:Fault", &fault, err) != 0)
		return ebba_err_prefix(err, "SSBTEK response");
	if (fault)
		return soap_fault(c, fault, err);
	if (xp_one(c, body, "ssbt:hamtaBastjanstInformationResponse", &resp, err) != 0 || !resp)
		return ebba_errf(err, "SSBTEK response: no single hamtaBastjanstInformationResponse "
				      "in the SOAP Body");
	if (xp_one(c, resp, "ssbt:svarsdata", &svar, err) != 0 || !svar)
		return ebba_errf(err, "SSBTEK response: no single svarsdata");
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		char expr[32];
		snprintf(expr, sizeof(expr), "ssbt:%s", ssbtek_agency_name((enum ssbtek_agency)a));
		xmlXPathObject *o = xp_all(c, svar, expr);
		int n = xp_count(o);
		if (n == 1)
			parse_part(c, (enum ssbtek_agency)a, o->nodesetval->nodeTab[0]);
		else if (n > 1)
			duplicate_part(c, &c->r->part[a], o);
		xmlXPathFreeObject(o);
	}
	return 0;
}

/* The compiled-in mapping, read once per process. */
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static struct lefi_mapping *default_map;
static struct ebba_err default_err;

static void load_default(void)
{
	lefi_mapping_load(NULL, &default_map, &default_err);
}

static int get_mapping(const struct ssbtek_parse_opts *o, const struct lefi_mapping **out,
		       struct lefi_mapping **owned, struct ebba_err *err)
{
	*owned = NULL;
	if (o->mapping) {
		*out = o->mapping;
		return 0;
	}
	if (o->mapping_path) {
		if (lefi_mapping_load(o->mapping_path, owned, err) != 0)
			return -1;
		*out = *owned;
		return 0;
	}
	pthread_once(&default_once, load_default);
	if (!default_map)
		return ebba_errf(err, "%s", default_err.msg);
	*out = default_map;
	return 0;
}

int ssbtek_parse_response(const char *body, size_t len, const struct ssbtek_parse_opts *opts,
			  struct ssbtek_result *out, struct ebba_err *err)
{
	static const struct ssbtek_parse_opts no_opts;
	*out = (struct ssbtek_result){ .af = { .scope_percent = -1, .status_code = -1 } };
	if (!opts)
		opts = &no_opts;
	struct ctx c = { .r = out, .opts = opts,
			 .max_bytes = opts->max_bytes ? opts->max_bytes : SSBTEK_MAX_RESPONSE };
	struct lefi_mapping *owned;
	if (get_mapping(opts, &c.map, &owned, err) != 0)
		return -1;
	xmlDoc *doc = xmlsafe_read(body, len, c.max_bytes, "SSBTEK response", err);
	int rc = -1;
	c.scratch = opts->scratch ? opts->scratch : ssbtek_scratch_new();
	xmlXPathContext *xp = doc ? ssbtek_xpath_on(c.scratch, doc) : NULL;
	if (xp) {
		rc = read_envelope(&c, doc, err);
		xp->doc = NULL;   /* the scratch outlives doc */
	}
	if (c.scratch != opts->scratch)
		ssbtek_scratch_free(c.scratch);
	xmlFreeDoc(doc);
	lefi_mapping_free(owned);
	if (rc < 0)
		ssbtek_result_free(out);
	return rc;
}
