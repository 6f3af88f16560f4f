/*
 * SSBTEK documents for the simulator: request checking, faults, responses.
 *
 * The request check uses libxml2 directly with the same hardening ebba uses
 * for register answers (no network, no DTD, no entity substitution), so the
 * simulator rejects what a strict register would.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ebba/pnr.h"
#include "regsim.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_SSBT "http://schema.forsakringskassan.se/integration/ssbt/10"

const char *const sim_agency_names[AG_COUNT] = { "AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV" };

int sim_agency_index(const char *name)
{
	for (int i = 0; i < AG_COUNT; i++)
		if (strcasecmp(name, sim_agency_names[i]) == 0)
			return i;
	return -1;
}

static xmlNode *first_elem(xmlNode *n)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static xmlNode *next_elem(xmlNode *n)
{
	for (n = n->next; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static int is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(xmlNode *parent, const char *ns, const char *name)
{
	for (xmlNode *c = first_elem(parent); c; c = next_elem(c))
		if (is(c, ns, name))
			return c;
	return NULL;
}

/* Finds Body/hamtaBastjanstInformation/generellaFrageparametrar/personidentitet. */
static int extract_pnr(xmlDoc *doc, char pnr[13], struct ebba_err *err)
{
	xmlNode *env = xmlDocGetRootElement(doc);
	if (!is(env, NS_SOAP, "Envelope"))
		return ebba_errf(err, "root element is not a SOAP 1.1 Envelope");
	xmlNode *body = child(env, NS_SOAP, "Body");
	if (!body)
		return ebba_errf(err, "Envelope has no Body");
	xmlNode *op = first_elem(body);
	if (!is(op, NS_SSBT, "hamtaBastjanstInformation"))
		return ebba_errf(err, "Body does not hold ssbt:hamtaBastjanstInformation");
	if (next_elem(op))
		return ebba_errf(err, "Body holds more than one element");
	xmlNode *gen = child(op, NS_SSBT, "generellaFrageparametrar");
	if (!gen)
		return ebba_errf(err, "missing generellaFrageparametrar");
	if (!child(op, NS_SSBT, "specifikaFrageparametrar"))
		return ebba_errf(err, "missing specifikaFrageparametrar");
	xmlNode *pid = child(gen, NS_SSBT, "personidentitet");
	if (!pid)
		return ebba_errf(err, "missing generellaFrageparametrar/personidentitet");
	xmlChar *text = xmlNodeGetContent(pid);
	const char *s = (const char *)text;
	while (s && isspace((unsigned char)*s))
		s++;
	size_t n = s ? strlen(s) : 0;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	struct pnr p;
	struct ebba_err perr;
	int rc = 0;
	if (n != PNR_LEN || pnr_parse(s, n, &p, &perr) != 0)
		rc = ebba_errf(err, "personidentitet is not a valid 12-digit identity number");
	else
		memcpy(pnr, p.digits, PNR_BUF);
	xmlFree(text);
	return rc;
}

int sim_soap_request_pnr(const char *body, size_t len, char pnr[13], struct ebba_err *err)
{
	if (len > (1u << 20))
		return ebba_errf(err, "request larger than 1 MiB");
	if (len > INT32_MAX)
		return ebba_errf(err, "request too large");
	xmlDoc *doc = xmlReadMemory(body, (int)len, "request.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *xe = xmlGetLastError();
		return ebba_errf(err, "request is not well-formed XML%s%s",
				 xe && xe->message ? ": " : "", xe && xe->message ? xe->message : "");
	}
	int rc;
	if (doc->intSubset || doc->extSubset)
		rc = ebba_errf(err, "a DOCTYPE is not allowed in SOAP");
	else
		rc = extract_pnr(doc, pnr, err);
	xmlFreeDoc(doc);
	return rc;
}

static void xml_escape(struct ebba_buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '&': buf_puts(out, "&amp;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\n': case '\r': buf_putc(out, ' '); break;
		default: buf_putc(out, *s);
		}
	}
}

void sim_soap_fault(struct ebba_buf *out, const char *faultcode, const char *msg)
{
	buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Body><soap:Fault>"
		      "<faultcode>soap:");
	xml_escape(out, faultcode);
	buf_puts(out, "</faultcode><faultstring>");
	xml_escape(out, msg);
	buf_puts(out, "</faultstring></soap:Fault></soap:Body></soap:Envelope>\n");
}

static const char EMPTY_RESPONSE[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<soap:Envelope xmlns:soap=\"" NS_SOAP "\">\n"
	"    <soap:Body>\n"
	"        <ssbt:hamtaBastjanstInformationResponse xmlns:ssbt=\"" NS_SSBT "\">\n"
	"            <ssbt:svarsdata></ssbt:svarsdata>\n"
	"        </ssbt:hamtaBastjanstInformationResponse>\n"
	"    </soap:Body>\n"
	"</soap:Envelope>\n";

/* The prefix (with colon, or "") the document uses for svarsdata. */
static int svarsdata_prefix(const char *doc, char *prefix, size_t cap)
{
	const char *p = strstr(doc, "svarsdata");
	while (p && p > doc && p[-1] != '<' && p[-1] != ':')
		p = strstr(p + 1, "svarsdata");
	if (!p || p == doc)
		return -1;
	const char *start = p;
	while (start > doc && start[-1] != '<')
		start--;
	size_t n = (size_t)(p - start);
	if (n >= cap)
		return -1;
	memcpy(prefix, start, n);
	prefix[n] = '\0';
	return 0;
}

static void error_part(struct ebba_buf *out, const char *pf, const char *agency)
{
	buf_printf(out,
		   "<%s%s><%serror><%skalla>SSBT</%skalla><%sfelkod>SIM-1</%sfelkod>"
		   "<%sfelmeddelande>Simulerat fel: %s svarar inte</%sfelmeddelande>"
		   "</%serror></%s%s>",
		   pf, agency, pf, pf, pf, pf, pf, pf, agency, pf, pf, pf, agency);
}

/* Replaces the agency's part in doc (or appends one) with an error part. */
static int inject_error(struct ebba_buf *doc, const char *agency, struct ebba_err *err)
{
	char pf[64];
	if (svarsdata_prefix(doc->data, pf, sizeof(pf)) != 0)
		return ebba_errf(err, "fixture has no svarsdata element");
	char *open = xasprintf("<%s%s>", pf, agency);
	char *close = xasprintf("</%s%s>", pf, agency);
	char *sd_close = xasprintf("</%ssvarsdata>", pf);
	char *sd_empty = xasprintf("<%ssvarsdata/>", pf);
	struct ebba_buf out = {0};
	const char *s = doc->data;
	const char *a = strstr(s, open);
	const char *b = a ? strstr(a, close) : NULL;
	int rc = 0;
	if (a && b) {
		buf_append(&out, s, (size_t)(a - s));
		error_part(&out, pf, agency);
		buf_puts(&out, b + strlen(close));
	} else if ((a = strstr(s, sd_close))) {
		buf_append(&out, s, (size_t)(a - s));
		error_part(&out, pf, agency);
		buf_puts(&out, a);
	} else if ((a = strstr(s, sd_empty))) {
		buf_append(&out, s, (size_t)(a - s));
		buf_printf(&out, "<%ssvarsdata>", pf);
		error_part(&out, pf, agency);
		buf_puts(&out, sd_close);
		buf_puts(&out, a + strlen(sd_empty));
	} else {
		rc = ebba_errf(err, "fixture has no svarsdata element");
	}
	if (rc == 0) {
		buf_free(doc);
		*doc = out;
	} else {
		buf_free(&out);
	}
	free(open);
	free(close);
	free(sd_close);
	free(sd_empty);
	return rc;
}

int sim_ssbtek_response(const char *dir, const char *pnr, unsigned agency_errors,
			struct ebba_buf *out, struct ebba_err *err)
{
	char *path = xasprintf("%s/ssbtek/%s.xml", dir, pnr);
	struct ebba_buf doc = {0};
	int rc = 0;
	if (access(path, F_OK) == 0)
		rc = read_file_limited(path, 8u << 20, &doc, err);
	else
		buf_append(&doc, EMPTY_RESPONSE, sizeof(EMPTY_RESPONSE) - 1);
	free(path);
	for (int i = 0; rc == 0 && i < AG_COUNT; i++)
		if (agency_errors & (1u << i))
			rc = inject_error(&doc, sim_agency_names[i], err);
	if (rc == 0)
		buf_append(out, doc.data, doc.len);
	buf_free(&doc);
	return rc;
}
