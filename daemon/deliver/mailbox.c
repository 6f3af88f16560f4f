/*
 * The digital mailbox's client (mailbox.h): isReachable (v3) at the
 * recipient service, distributeSecure (v3) at the service supplier, on
 * ebba's HTTP engine (the registers' TLS idioms: verification always on,
 * client certificate, CA file, insecure only for tests and loudly).
 *
 * What the receiver counts by: the SecureMessage's Id, which is the outbox
 * row's idempotency key: stable for the letter across every retry and
 * every worker, so a delivery sent twice (an answer lost, a kill between
 * the send and the row's update) is the same message to the supplier.
 *
 * Answers are read with xmlsafe (no DTD, no entities, no network).  A SOAP
 * fault's faultcode says whose fault it is (SOAP 1.1): Client, ours (the
 * same request again cannot succeed: permanent), Server, theirs (try
 * again).  Nothing here logs or returns an identity number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "channel.h"
#include "ebba/lib/base64.h"
#include "ebba/lib/http.h"
#include "ebba/lib/log.h"
#include "ebba/lib/xmlsafe.h"
#include "mailbox.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_R1 "http://minameddelanden.gov.se/schema/Recipient"
#define NS_R3 "http://minameddelanden.gov.se/schema/Recipient/v3"
#define NS_M1 "http://minameddelanden.gov.se/schema/Message"
#define NS_M2 "http://minameddelanden.gov.se/schema/Message/v2"
#define NS_M3 "http://minameddelanden.gov.se/schema/Message/v3"
#define NS_S1 "http://minameddelanden.gov.se/schema/Sender"
#define NS_C3 "http://minameddelanden.gov.se/schema/Common/v3"

#define MAX_ANSWER (1u << 20)
#define SUBJECT "Beslut om ekonomiskt bistånd"

struct mailbox {
	struct http_engine *http;
	struct dsig_signer *signer;
	char *recipient_url;
	char sender_org[13];   /* 16 + the organisation number */
	char *sender_name;
	char *support_text;
	int timeout_ms;
};

void mailbox_free(struct mailbox *m)
{
	if (!m)
		return;
	http_engine_free(m->http);
	dsig_signer_free(m->signer);
	free(m->recipient_url);
	free(m->sender_name);
	free(m->support_text);
	free(m);
}

/* "16" and ten digits, from the configured number (dashes dropped). */
static int sender_org(const char *configured, char out[13], struct ebba_err *err)
{
	char digits[12];
	size_t n = 0;
	bool ok = true;
	for (const char *p = configured ? configured : ""; *p && ok; p++) {
		if (*p == '-')
			continue;
		ok = *p >= '0' && *p <= '9' && n < sizeof(digits);
		if (ok)
			digits[n++] = *p;
	}
	if (ok && n == 10) {
		memcpy(out, "16", 2);
		memcpy(out + 2, digits, 10);
	} else if (ok && n == 12 && digits[0] == '1' && digits[1] == '6') {
		memcpy(out, digits, 12);
	} else {
		return ebba_errf(err, "deliver.sender_org_number (or registers.organisation_number): "
				 "expected an organisation number, ten digits or 16 and ten digits");
	}
	out[12] = '\0';
	return 0;
}

int mailbox_new(const struct ebba_config *cfg, struct mailbox **out, struct ebba_err *err)
{
	const struct deliver_config *d = &cfg->deliver;
	*out = NULL;
	if (!d->mailbox_url || !*d->mailbox_url)
		return 0;
	struct mailbox *m = xcalloc(1, sizeof(*m));
	const char *name = d->sender_name ? d->sender_name : cfg->registers.organisation_name;
	if (sender_org(d->sender_org_number ? d->sender_org_number : cfg->registers.organisation_number,
		       m->sender_org, err) != 0 ||
	    dsig_signer_new(d->signing_key, d->signing_cert, &m->signer, err) != 0) {
		mailbox_free(m);
		return -1;
	}
	if (!name || strlen(name) < 2) {
		mailbox_free(m);
		return ebba_errf(err, "deliver.sender_name (or registers.organisation_name): the "
				 "municipality's name, as the mailbox shows the sender");
	}
	struct http_engine_config hc = {
		.max_concurrent = 4,
		.max_retries = d->mailbox_retries > 0 ? d->mailbox_retries : -1,
		.max_body = MAX_ANSWER,
		.client_cert = d->mailbox_client_cert,
		.client_key = d->mailbox_client_key,
		.ca_file = d->mailbox_ca_file,
		.insecure = d->mailbox_insecure_skip_verify,
	};
	if (http_engine_new(&hc, &m->http, err) != 0) {
		mailbox_free(m);
		return ebba_err_prefix(err, "the digital mailbox");
	}
	m->recipient_url = xstrdup(d->mailbox_url);
	m->sender_name = xstrdup(name);
	m->support_text = xstrdup(d->support_text ? d->support_text : "");
	m->timeout_ms = d->mailbox_timeout_ms;
	*out = m;
	return 0;
}

/* ------------------------------------------------------------ the wire */

/* POSTs a SOAP body to url and waits for the one result. */
static void post(struct mailbox *m, const char *url, const void *body, size_t len,
		 struct http_result *res)
{
	static const char *const headers[] = {"Content-Type: text/xml; charset=utf-8",
					      "SOAPAction: \"\"", NULL};
	struct http_request req = {
		.method = "POST", .url = url, .body = body, .body_len = len, .headers = headers,
		.endpoint = url,   /* a breaker per supplier, not one for the whole host */
		.timeout_ms = m->timeout_ms,
	};
	http_submit(m->http, &req);
	struct ebba_err err = {{0}};
	if (http_engine_run_all(m->http, &err) != 0 || !http_next_result(m->http, res)) {
		*res = (struct http_result){.failure = HTTP_FAIL_OTHER};
		ebba_errf(&res->error, "the HTTP engine: %s", err.msg);
	}
}

static xmlNode *child(const xmlNode *n, const char *ns, const char *name)
{
	for (xmlNode *c = n ? xmlsafe_first_elem(n) : NULL; c; c = xmlsafe_next_elem(c))
		if (xmlsafe_is(c, ns, name))
			return c;
	return NULL;
}

/* The text of the named child, in buf; "" when absent. */
static const char *child_text(const xmlNode *n, const char *ns, const char *name, char *buf,
			      size_t size)
{
	xmlNode *c = child(n, ns, name);
	char *t = c ? xmlsafe_text(c) : xstrdup("");
	snprintf(buf, size, "%s", t);
	free(t);
	return buf;
}

/* The SOAP Body's first element, or NULL with err saying why. */
static xmlNode *soap_body(xmlDoc *doc, struct ebba_err *err)
{
	xmlNode *env = xmlDocGetRootElement(doc);
	if (!xmlsafe_is(env, NS_SOAP, "Envelope")) {
		ebba_errf(err, "not a SOAP 1.1 envelope");
		return NULL;
	}
	xmlNode *body = child(env, NS_SOAP, "Body");
	xmlNode *first = body ? xmlsafe_first_elem(body) : NULL;
	if (!first)
		ebba_errf(err, "the SOAP envelope has no body");
	return first;
}

/*
 * A failed request's reason in err: the SOAP fault the body carries
 * (faultcode, the applicationFault's code and description), else the
 * HTTP engine's.  *permanent for a Client fault.
 */
static int failure(const char *op, const char *url, const struct http_result *res,
		   bool *permanent, struct ebba_err *err)
{
	struct ebba_err perr;
	xmlDoc *doc = res->body.len ? xmlsafe_read(res->body.data, res->body.len, MAX_ANSWER,
						    op, &perr) : NULL;
	xmlNode *fault = doc ? soap_body(doc, &perr) : NULL;
	if (!fault || !xmlsafe_is(fault, NS_SOAP, "Fault")) {
		xmlFreeDoc(doc);
		if (!res->error.msg[0])   /* a final answer, not 200 and not SOAP */
			return ebba_errf(err, "%s at %s: HTTP %ld", op, url, res->status);
		return ebba_errf(err, "%s at %s: %s", op, url, res->error.msg);
	}
	char code[64], text[256], ecode[16], edesc[256];
	child_text(fault, NULL, "faultcode", code, sizeof(code));
	child_text(fault, NULL, "faultstring", text, sizeof(text));
	xmlNode *af = child(child(fault, NULL, "detail"), NS_C3, "applicationFault");
	child_text(af, NS_C3, "ErrorCode", ecode, sizeof(ecode));
	child_text(af, NS_C3, "Description", edesc, sizeof(edesc));
	const char *local = strchr(code, ':') ? strchr(code, ':') + 1 : code;
	*permanent = strcmp(local, "Client") == 0;
	bool more = edesc[0] && strcmp(edesc, text) != 0;
	ebba_errf(err, "%s at %s: SOAP fault %s: %s%s%s%s%s%s", op, url, local, text,
		  ecode[0] ? " (" : "", ecode[0] ? ecode : "", ecode[0] ? ")" : "",
		  more ? ": " : "", more ? edesc : "");
	xmlFreeDoc(doc);
	return -1;
}

/* The answer's body element, parsed: the operation's response or NULL. */
static xmlNode *answer(const char *op, const char *url, const struct http_result *res,
		       xmlDoc **doc, const char *ns, const char *name, struct ebba_err *err)
{
	*doc = xmlsafe_read(res->body.data ? res->body.data : "", res->body.len, MAX_ANSWER, op, err);
	if (!*doc) {
		ebba_err_prefix(err, "%s at %s", op, url);
		return NULL;
	}
	xmlNode *first = soap_body(*doc, err);
	if (first && !xmlsafe_is(first, ns, name)) {
		ebba_errf(err, "%s at %s: the answer is not %s", op, url, name);
		return NULL;
	}
	if (!first)
		ebba_err_prefix(err, "%s at %s", op, url);
	return first;
}

/* ---------------------------------------------------------- isReachable */

/* One ReachabilityStatus: is it this person's, a secure mailbox, accepting us? */
static bool status_reachable(const xmlNode *ret, const char *pnr, char *supplier, size_t size)
{
	char id[16], type[16], pending[8], accepted[8];
	xmlNode *acc = child(ret, NS_R1, "AccountStatus");
	if (strcmp(child_text(acc, NS_R1, "RecipientId", id, sizeof(id)), pnr) != 0)
		return false;
	child_text(acc, NS_R1, "Type", type, sizeof(type));
	child_text(acc, NS_R1, "Pending", pending, sizeof(pending));
	child_text(ret, NS_R1, "SenderAccepted", accepted, sizeof(accepted));
	child_text(child(acc, NS_R1, "ServiceSupplier"), NS_R1, "ServiceAdress", supplier, size);
	return strcmp(type, "Secure") == 0 && strcmp(pending, "true") != 0 &&
	       strcmp(accepted, "true") == 0 && supplier[0];
}

int mailbox_reachable(struct mailbox *m, const char *pnr, bool *reachable, char *supplier,
		      size_t supplier_size, struct ebba_err *err)
{
	*reachable = false;
	supplier[0] = '\0';
	struct ebba_buf req = {0};
	buf_printf(&req, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Body>"
		   "<v3:isReachable xmlns:v3=\"" NS_R3 "\"><v3:senderOrgNr>%s</v3:senderOrgNr>"
		   "<v3:recipientId>%s</v3:recipientId></v3:isReachable></soap:Body></soap:Envelope>\n",
		   m->sender_org, pnr);
	struct http_result res;
	post(m, m->recipient_url, req.data, req.len, &res);
	buf_free(&req);
	bool permanent = false;
	int rc = 0;
	xmlDoc *doc = NULL;
	if (!res.ok || res.status != 200) {
		rc = failure("isReachable", m->recipient_url, &res, &permanent, err);
	} else {
		xmlNode *resp = answer("isReachable", m->recipient_url, &res, &doc, NS_R3,
				       "isReachableResponse", err);
		bool found = false;
		for (xmlNode *r = resp ? xmlsafe_first_elem(resp) : NULL; r && !found; r = xmlsafe_next_elem(r))
			if (xmlsafe_is(r, NS_R3, "return")) {
				char id[16];
				found = strcmp(child_text(child(r, NS_R1, "AccountStatus"), NS_R1,
							  "RecipientId", id, sizeof(id)), pnr) == 0;
				if (found)
					*reachable = status_reachable(r, pnr, supplier, supplier_size);
			}
		if (!resp)
			rc = -1;
		else if (!found)
			rc = ebba_errf(err, "isReachable at %s: the answer is not about the person asked about",
				       m->recipient_url);
		if (*reachable && !str_starts_with(supplier, "https://") && !str_starts_with(supplier, "http://"))
			rc = ebba_errf(err, "isReachable at %s: the supplier's ServiceAdress is not an HTTP(S) URL",
				       m->recipient_url);
	}
	xmlFreeDoc(doc);
	http_result_free(&res);
	return rc;
}

/* ---------------------------------------------------- distributeSecure */

static xmlNode *text_child(xmlNode *parent, xmlNs *ns, const char *name, const char *text)
{
	return xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text);
}

static void md5_hex(const struct ebba_buf *b, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(b->data, b->len, md, &n, EVP_md5(), NULL);
	for (unsigned int i = 0; i < n && i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The SecureMessage: header (Id = the key), a short body, the PDF. */
static void secure_message(struct mailbox *m, xmlNode *delivery, xmlNs *m3, xmlNs *m1,
			   const struct letter_recipient *r, const struct ebba_buf *pdf)
{
	xmlNode *msg = xmlNewChild(delivery, m3, BAD_CAST "Message", NULL);
	xmlNode *h = xmlNewChild(msg, m3, BAD_CAST "Header", NULL);
	text_child(h, m3, "Id", r->key);
	text_child(h, m3, "Subject", SUBJECT);
	text_child(xmlNewChild(h, m3, BAD_CAST "Supportinfo", NULL), m3, "Text", m->support_text);
	text_child(h, m3, "Language", "sv");
	struct ebba_buf b64 = {0};
	char note[512];
	snprintf(note, sizeof(note), "Du har fått ett beslut om ekonomiskt bistånd från %s. "
		 "Beslutet finns i den bifogade filen.", m->sender_name);
	base64_encode(note, strlen(note), &b64);
	xmlNode *body = xmlNewChild(msg, m3, BAD_CAST "Body", NULL);
	text_child(body, m1, "ContentType", "text/plain");
	text_child(body, m1, "Body", b64.data);
	buf_reset(&b64);
	base64_encode(pdf->data, pdf->len, &b64);
	char md5[33] = "", file[64];
	md5_hex(pdf, md5);
	snprintf(file, sizeof(file), "beslut-%s.pdf", r->decision_id);
	xmlNode *att = xmlNewChild(msg, m3, BAD_CAST "Attachment", NULL);
	text_child(att, m1, "ContentType", "application/pdf");
	text_child(att, m1, "Body", b64.data);
	text_child(att, m1, "Checksum", md5);
	text_child(att, m1, "Filename", file);
	buf_free(&b64);
}

/* The whole signed request, serialised into out. */
static int build_delivery(struct mailbox *m, const struct letter_recipient *r,
			  const struct ebba_buf *pdf, struct ebba_buf *out, struct ebba_err *err)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
	xmlDocSetRootElement(doc, env);
	xmlNs *soap = xmlNewNs(env, BAD_CAST NS_SOAP, BAD_CAST "soap");
	xmlSetNs(env, soap);
	xmlNode *ds = xmlNewChild(xmlNewChild(env, soap, BAD_CAST "Body", NULL), NULL,
				  BAD_CAST "distributeSecure", NULL);
	xmlNs *m3 = xmlNewNs(ds, BAD_CAST NS_M3, BAD_CAST "v3");
	xmlSetNs(ds, m3);
	xmlNode *sd = xmlNewChild(ds, m3, BAD_CAST "signedDelivery", NULL);
	xmlNs *m2 = xmlNewNs(sd, BAD_CAST NS_M2, BAD_CAST "v2");
	xmlNs *m1 = xmlNewNs(sd, BAD_CAST NS_M1, BAD_CAST "m");
	xmlNs *s1 = xmlNewNs(sd, BAD_CAST NS_S1, BAD_CAST "s");
	char id[64];
	snprintf(id, sizeof(id), "ebba-%s", r->key);
	xmlNewProp(sd, BAD_CAST "Id", BAD_CAST id);
	xmlNode *delivery = xmlNewChild(sd, m3, BAD_CAST "Delivery", NULL);
	xmlNode *h = xmlNewChild(delivery, m3, BAD_CAST "Header", NULL);
	xmlNode *sender = xmlNewChild(h, m2, BAD_CAST "Sender", NULL);
	text_child(sender, s1, "Id", m->sender_org);
	text_child(sender, s1, "Name", m->sender_name);
	text_child(h, m2, "Recipient", r->pnr);
	text_child(h, m2, "Reference", r->decision_id);
	text_child(h, m2, "CorrelationId", r->key);
	secure_message(m, delivery, m3, m1, r, pdf);
	int rc = dsig_sign(m->signer, doc, sd, id, err);
	if (rc == 0) {
		xmlChar *mem = NULL;
		int size = 0;
		xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
		buf_append(out, mem, (size_t)size);
		xmlFree(mem);
	}
	xmlFreeDoc(doc);
	return rc;
}

int mailbox_send(struct mailbox *m, const char *supplier, const struct letter_recipient *r,
		 const struct ebba_buf *pdf, char *receipt, size_t receipt_size, bool *permanent,
		 struct ebba_err *err)
{
	*permanent = false;
	struct ebba_buf req = {0};
	if (build_delivery(m, r, pdf, &req, err) != 0) {
		buf_free(&req);
		*permanent = false;   /* a key that cannot sign now may after a restart */
		return -1;
	}
	struct http_result res;
	post(m, supplier, req.data, req.len, &res);
	buf_free(&req);
	int rc = 0;
	xmlDoc *doc = NULL;
	if (!res.ok || res.status != 200) {
		rc = failure("distributeSecure", supplier, &res, permanent, err);
	} else {
		xmlNode *resp = answer("distributeSecure", supplier, &res, &doc, NS_M3,
				       "distributeSecureResponse", err);
		char dist[64] = "";
		if (!resp || !child_text(resp, NS_M3, "return", dist, sizeof(dist))[0])
			rc = resp ? ebba_errf(err, "distributeSecure at %s: no distribution id in the answer",
					      supplier) : -1;
		else if (receipt && receipt_size)
			snprintf(receipt, receipt_size, "%s distribution %s", supplier, dist);
	}
	xmlFreeDoc(doc);
	http_result_free(&res);
	return rc;
}
