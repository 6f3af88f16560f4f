/*
 * The SSBTEK v10 request (hamtaBastjanstInformation) and its checking, for
 * ebba as a client and for the register simulator as a server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ebba/lib/date.h"
#include "ebba/lib/base64.h"
#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/registers/ssbtek.h"
#include "ebba/lib/xmlsafe.h"

static const char *const AGENCY_NAMES[SSBTEK_AGENCY_COUNT] = {
	"AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV",
};

const char *ssbtek_agency_name(enum ssbtek_agency a)
{
	return (unsigned)a < SSBTEK_AGENCY_COUNT ? AGENCY_NAMES[a] : "?";
}

int ssbtek_agency_parse(const char *name)
{
	for (int i = 0; i < SSBTEK_AGENCY_COUNT; i++)
		if (strcmp(AGENCY_NAMES[i], name) == 0)
			return i;
	return -1;
}

const char *const SSBTEK_LEFI_CODES[] = {
	"FK:ABB", "FK:AP",  "FK:AS",   "FK:BOB", "FK:BST",  "FK:BTI",  "FK:DPE", "FK:EJO",
	"FK:ET",  "FK:FP",  "FK:FSJP", "FK:GP",  "FK:HE",   "FK:MABB", "FK:MEK", "FK:NP",
	"FK:OMV", "FK:PJOB", "FK:PROG", "FK:RBE", "FK:SA",   "FK:SBP",  "FK:SJP", "FK:TFP",
	"FK:US",  "FK:VB",  "FK:YL",   "PM:AP",  "PM:BTI",  "PM:EF",
};
const size_t SSBTEK_LEFI_N_CODES = ARRAY_LEN(SSBTEK_LEFI_CODES);

/* ------------------------------------------------------------ helpers */

static void put_escaped(struct ebba_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&apos;"); break;
		case '\r': buf_puts(b, "&#13;"); break;
		default: buf_putc(b, *s);
		}
	}
}

static void put_elem(struct ebba_buf *b, const char *indent, const char *name, const char *v)
{
	buf_puts(b, indent);
	buf_puts(b, "<ssbt:");
	buf_puts(b, name);
	buf_putc(b, '>');
	put_escaped(b, v);
	buf_puts(b, "</ssbt:");
	buf_puts(b, name);
	buf_puts(b, ">\n");
}

/* Exactly n digits: a string of another length is not one. */
static bool all_digits(const char *s, size_t n)
{
	return strlen(s) == n && digits_only(s, n);
}

/* Control characters other than tab and newline cannot be sent in XML 1.0. */
static bool is_xml_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static int need_text(const char *v, const char *what, struct ebba_err *err)
{
	if (!v || !*v)
		return ebba_errf(err, "SSBTEK request: %s is missing", what);
	if (!is_xml_text(v))
		return ebba_errf(err, "SSBTEK request: %s has a control character", what);
	return 0;
}

/* ------------------------------------------------------------ building */

static int check_params(const struct ssbtek_request_params *p, char org[13], struct ebba_err *err)
{
	struct ebba_err perr;
	struct pnr pn;
	if (!p->pnr || !all_digits(p->pnr, 12) || pnr_parse(p->pnr, 12, &pn, &perr) != 0)
		return ebba_errf(err, "SSBTEK request: personal identity number: %s",
				 p->pnr && all_digits(p->pnr, 12) ? perr.msg : "expected 12 digits");
	if (need_text(p->case_id, "case id (arendeidentitet)", err) != 0 ||
	    need_text(p->org_name, "organisation name", err) != 0 ||
	    need_text(p->purpose, "purpose (syfte)", err) != 0 ||
	    need_text(p->law_text, "law text (lagtext)", err) != 0)
		return -1;
	if (p->caseworker && need_text(p->caseworker, "caseworker (handlaggare)", err) != 0)
		return -1;
	if (p->correlation_id && !is_xml_text(p->correlation_id))
		return ebba_errf(err, "SSBTEK request: correlation id has a control character");
	if (!date_is_iso(p->from_date) || !date_is_iso(p->to_date))
		return ebba_errf(err, "SSBTEK request: period: expected dates YYYY-MM-DD");
	if (strcmp(p->from_date, p->to_date) > 0)
		return ebba_errf(err, "SSBTEK request: period: %s is after %s", p->from_date,
				 p->to_date);
	if (p->org_number && all_digits(p->org_number, 10))
		snprintf(org, 13, "16%s", p->org_number);
	else if (p->org_number && all_digits(p->org_number, 12))
		snprintf(org, 13, "%s", p->org_number);
	else
		return ebba_errf(err, "SSBTEK request: organisation number: expected 10 or 12 digits");
	if (org[4] < '2')  /* the XSD's pattern [\d]{4}[2-9][\d]{7} */
		return ebba_errf(err, "SSBTEK request: organisation number: 5th digit must be 2-9");
	if (!p->agencies || (p->agencies & ~SSBTEK_ALL_AGENCIES))
		return ebba_errf(err, "SSBTEK request: no agency, or an unknown one, asked");
	if ((p->agencies & (1u << SSBTEK_FK)) && need_text(p->fk_aktorsid, "LEFI aktorsid", err) != 0)
		return -1;
	return 0;
}

/*
 * The LEFI question: payments in every benefit group (an income the rules
 * never see cannot be checked), the decisions on sickness benefits (their
 * extent), plus general person information to tie the answer to its
 * subject.  Nothing else: the legal basis covers benefits and incomes.
 */
static void lefi_question(const struct ssbtek_request_params *p, struct ebba_buf *out)
{
	/*
	 * Written as text, not built with jansson and dumped: that was 125 000
	 * instructions and 35 allocations a request, most of building one.
	 * Nothing in it needs escaping (check_params: twelve digits, ISO
	 * dates; the codes are constants), and it is byte for byte what
	 * json_dumps(JSON_COMPACT) wrote (test_ssbtek: test_request_roundtrip).
	 * Measure again: instructions per decision with BENCH_EBBAD_WRAP=valgrind
	 * (contrib/bench/run.sh), callgrind's ssbtek_build_request.
	 */
	struct ebba_buf js = {0};
	buf_puts(&js, "{\"personnummer\":\"");
	buf_puts(&js, p->pnr);
	buf_puts(&js, "\",\"period\":{\"from\":\"");
	buf_puts(&js, p->from_date);
	buf_puts(&js, "\",\"tom\":\"");
	buf_puts(&js, p->to_date);
	buf_puts(&js, "\"},\"utbetalningar\":[");
	for (size_t i = 0; i < SSBTEK_LEFI_N_CODES; i++) {
		buf_puts(&js, i ? ",\"" : "\"");
		buf_puts(&js, SSBTEK_LEFI_CODES[i]);
		buf_putc(&js, '"');
	}
	/* The decisions on sickness benefits, for their extent (the aktivitetskrav,
	 * socialtjänstlagen (2025:400) 12 kap. 4 a § 5; 15 kap. 10 § covers it). */
	buf_puts(&js, "],\"formansinformation\":[\"FK:SJP\",\"FK:SA\",\"FK:RBE\"],"
		      "\"ovrigInformation\":[\"FK:GEPI\"]}");
	base64_encode(js.data, js.len, out);
	buf_free(&js);
}

static void put_agency(struct ebba_buf *b, const struct ssbtek_request_params *p,
		       enum ssbtek_agency a)
{
	bool on = p->agencies & (1u << a);
	const char *name = AGENCY_NAMES[a];
	if (a != SSBTEK_FK || !on) {
		buf_printf(b, "        <ssbt:%s inkludera=\"%s\"/>\n", name, on ? "true" : "false");
		return;
	}
	buf_puts(b, "        <ssbt:FK inkludera=\"true\">\n          <ssbt:fraga>\n"
		    "            <ssbt:version>v9</ssbt:version>\n");
	put_elem(b, "            ", "aktorsid", p->fk_aktorsid);
	buf_puts(b, "            <ssbt:lefiJsonFraga>");
	lefi_question(p, b);
	buf_puts(b, "</ssbt:lefiJsonFraga>\n          </ssbt:fraga>\n        </ssbt:FK>\n");
}

int ssbtek_build_request(const struct ssbtek_request_params *p, struct ebba_buf *out,
			 struct ebba_err *err)
{
	char org[13];
	if (check_params(p, org, err) != 0)
		return -1;
	struct ebba_buf *b = out;
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<soap:Envelope xmlns:soap=\"" SOAP11_NS "\" xmlns:ssbt=\"" SSBTEK_NS "\">\n"
		    "  <soap:Body>\n    <ssbt:hamtaBastjanstInformation>\n"
		    "      <ssbt:generellaFrageparametrar>\n");
	if (p->correlation_id)
		put_elem(b, "        ", "korrelationsid", p->correlation_id);
	buf_puts(b, "        <ssbt:fraganSkallInkluderasISvaret>false</ssbt:fraganSkallInkluderasISvaret>\n"
		    "        <ssbt:ingivare>\n");
	put_elem(b, "          ", "organisationsnummer", org);
	put_elem(b, "          ", "namn", p->org_name);
	put_elem(b, "          ", "handlaggare", p->caseworker ? p->caseworker : "ebba");
	buf_puts(b, "        </ssbt:ingivare>\n");
	put_elem(b, "        ", "personidentitet", p->pnr);
	put_elem(b, "        ", "arendeidentitet", p->case_id);
	buf_puts(b, "        <ssbt:tidsperiod>\n");
	put_elem(b, "          ", "fromDatum", p->from_date);
	put_elem(b, "          ", "tomDatum", p->to_date);
	buf_puts(b, "        </ssbt:tidsperiod>\n");
	put_elem(b, "        ", "syfte", p->purpose);
	put_elem(b, "        ", "lagtext", p->law_text);
	buf_puts(b, "      </ssbt:generellaFrageparametrar>\n      <ssbt:specifikaFrageparametrar>\n");
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++)
		put_agency(b, p, (enum ssbtek_agency)a);
	buf_puts(b, "      </ssbt:specifikaFrageparametrar>\n    </ssbt:hamtaBastjanstInformation>\n"
		    "  </soap:Body>\n</soap:Envelope>\n");
	return 0;
}

/* ------------------------------------------------------------ checking */

/* The only element child of parent with that name; an error if none or several. */
static xmlNode *one_child(const xmlNode *parent, const char *ns, const char *name,
			  struct ebba_err *err)
{
	xmlNode *found = NULL;
	for (xmlNode *c = xmlsafe_first_elem(parent); c; c = xmlsafe_next_elem(c)) {
		if (!xmlsafe_is(c, ns, name))
			continue;
		if (found) {
			ebba_errf(err, "line %d: more than one %s in %s", c->line, name,
				  (const char *)parent->name);
			return NULL;
		}
		found = c;
	}
	if (!found)
		ebba_errf(err, "line %d: %s has no %s", parent->line, (const char *)parent->name,
			  name);
	return found;
}

/* The text of a required, non-empty child element, copied into out[0..cap). */
static int child_text(const xmlNode *parent, const char *name, char *out, size_t cap,
		      struct ebba_err *err)
{
	xmlNode *n = one_child(parent, SSBTEK_NS, name, err);
	if (!n)
		return -1;
	char *t = xmlsafe_text(n);
	int rc = 0;
	if (!*t || strlen(t) >= cap)
		rc = ebba_errf(err, "line %d: %s is empty or too long", n->line, name);
	else
		memcpy(out, t, strlen(t) + 1);
	free(t);
	return rc;
}

static xmlNode *soap_body_child(xmlDoc *doc, const char *name, struct ebba_err *err)
{
	xmlNode *env = xmlDocGetRootElement(doc);
	if (!xmlsafe_is(env, SOAP11_NS, "Envelope")) {
		ebba_errf(err, "not a SOAP 1.1 Envelope");
		return NULL;
	}
	xmlNode *body = one_child(env, SOAP11_NS, "Body", err);
	if (!body)
		return NULL;
	xmlNode *op = xmlsafe_first_elem(body);
	if (!op || xmlsafe_next_elem(op)) {
		ebba_errf(err, "line %d: the SOAP Body must hold exactly one element", body->line);
		return NULL;
	}
	if (!xmlsafe_is(op, SSBTEK_NS, name)) {
		ebba_errf(err, "line %d: expected ssbt:%s, found %s", op->line, name,
			  (const char *)op->name);
		return NULL;
	}
	return op;
}

static int read_general(const xmlNode *gen, struct ssbtek_request_info *out, struct ebba_err *err)
{
	char buf[256];
	xmlNode *ing = one_child(gen, SSBTEK_NS, "ingivare", err);
	if (!ing || child_text(ing, "organisationsnummer", buf, sizeof(buf), err) != 0 ||
	    child_text(ing, "namn", buf, sizeof(buf), err) != 0 ||
	    child_text(ing, "handlaggare", buf, sizeof(buf), err) != 0)
		return -1;
	if (child_text(gen, "personidentitet", buf, sizeof(buf), err) != 0)
		return -1;
	struct pnr pn;
	struct ebba_err perr;
	if (!all_digits(buf, 12) || pnr_parse(buf, 12, &pn, &perr) != 0)
		return ebba_errf(err, "personidentitet: not a valid 12-digit identity number");
	memcpy(out->pnr, buf, 13);
	if (child_text(gen, "arendeidentitet", buf, sizeof(buf), err) != 0)
		return -1;
	xmlNode *tp = one_child(gen, SSBTEK_NS, "tidsperiod", err);
	if (!tp || child_text(tp, "fromDatum", out->from_date, 11, err) != 0 ||
	    child_text(tp, "tomDatum", out->to_date, 11, err) != 0)
		return -1;
	if (!date_is_iso(out->from_date) || !date_is_iso(out->to_date))
		return ebba_errf(err, "tidsperiod: expected dates YYYY-MM-DD");
	/* syfte and lagtext may be empty strings by the XSD, but must be there. */
	if (!one_child(gen, SSBTEK_NS, "syfte", err) || !one_child(gen, SSBTEK_NS, "lagtext", err))
		return -1;
	return 0;
}

static int read_specific(const xmlNode *spec, struct ssbtek_request_info *out,
			 struct ebba_err *err)
{
	out->agencies = 0;
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		xmlNode *n = one_child(spec, SSBTEK_NS, AGENCY_NAMES[a], err);
		if (!n)
			return -1;
		xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"inkludera");
		int rc = 0;
		if (!v)
			rc = ebba_errf(err, "line %d: %s has no inkludera attribute", n->line,
				       AGENCY_NAMES[a]);
		else if (!strcmp((char *)v, "true") || !strcmp((char *)v, "1"))
			out->agencies |= 1u << a;
		else if (strcmp((char *)v, "false") && strcmp((char *)v, "0"))
			rc = ebba_errf(err, "line %d: %s inkludera is not a boolean", n->line,
				       AGENCY_NAMES[a]);
		xmlFree(v);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int ssbtek_request_parse(const char *body, size_t len, struct ssbtek_request_info *out,
			 struct ebba_err *err)
{
	*out = (struct ssbtek_request_info){0};
	xmlDoc *doc = xmlsafe_read(body, len, SSBTEK_MAX_RESPONSE, "SSBTEK request", err);
	if (!doc)
		return -1;
	int rc = -1;
	xmlNode *op = soap_body_child(doc, "hamtaBastjanstInformation", err);
	xmlNode *gen = op ? one_child(op, SSBTEK_NS, "generellaFrageparametrar", err) : NULL;
	xmlNode *spec = gen ? one_child(op, SSBTEK_NS, "specifikaFrageparametrar", err) : NULL;
	if (spec && read_general(gen, out, err) == 0 && read_specific(spec, out, err) == 0)
		rc = 0;
	if (rc < 0 && op)
		ebba_err_prefix(err, "SSBTEK request");
	xmlFreeDoc(doc);
	if (rc < 0)
		*out = (struct ssbtek_request_info){0};
	return rc;
}

int ssbtek_request_pnr(const char *body, size_t len, char pnr_out[13], struct ebba_err *err)
{
	struct ssbtek_request_info info;
	if (ssbtek_request_parse(body, len, &info, err) != 0)
		return -1;
	memcpy(pnr_out, info.pnr, 13);
	return 0;
}

void ssbtek_soap_fault(struct ebba_buf *out, const char *faultcode, const char *msg)
{
	const char *code = faultcode && *faultcode ? faultcode : "Server";
	buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<soap:Envelope xmlns:soap=\"" SOAP11_NS "\">\n  <soap:Body>\n"
		      "    <soap:Fault>\n      <faultcode>");
	if (!strchr(code, ':'))
		buf_puts(out, "soap:");
	put_escaped(out, code);
	buf_puts(out, "</faultcode>\n      <faultstring>");
	/* Control characters would make the fault itself malformed. */
	for (const char *s = msg ? msg : ""; *s; s++) {
		char c[2] = { (unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' ? ' ' : *s, 0 };
		put_escaped(out, c);
	}
	buf_puts(out, "</faultstring>\n    </soap:Fault>\n  </soap:Body>\n</soap:Envelope>\n");
}
