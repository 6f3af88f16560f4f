/*
 * The digital mailbox for the simulator (regsim.h): Mina meddelanden's
 * recipient service (isReachable v3) and its service suppliers
 * (distributeSecure v3), by the contract in reference/mina-meddelanden/.
 *
 * Who has a mailbox: DIR/mailbox/people.tsv, one line per person,
 * "PNR<TAB>SUPPLIER" (a secure mailbox at that supplier, accepting every
 * sender) or "PNR<TAB>SUPPLIER<TAB>declined" (a mailbox that does not
 * accept this sender); everyone else has none.  A supplier is any name of
 * letters, digits and dashes, served at /mailbox/supplier/NAME.
 *
 * A supplier checks each delivery's XML signature with xmlsec against the
 * certificate(s) it trusts (--mailbox-trust) and refuses an unsigned or
 * tampered one, or one signed by anyone else, with a SOAP Client fault.
 * It keeps every accepted delivery by its message id (the SecureMessage's
 * Id, ebba's idempotency key): a repeat is answered with the first one's
 * distribution id and only counted.  GET /mailbox/deliveries lists them;
 * with --mailbox-save DIR each kept delivery is also written, as received,
 * to DIR/KEY.xml (for an independent check of its signature).
 * The simulator's own tampering (--mailbox-tamper) alters the signed
 * subject after receipt, before the check, as a change in transit would.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>

#include "ebba/lib/base64.h"
#include "ebba/lib/pnr.h"
#include "ebba/lib/xmlsafe.h"
#include "regsim.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_R1 "http://minameddelanden.gov.se/schema/Recipient"
#define NS_R3 "http://minameddelanden.gov.se/schema/Recipient/v3"
#define NS_M1 "http://minameddelanden.gov.se/schema/Message"
#define NS_M2 "http://minameddelanden.gov.se/schema/Message/v2"
#define NS_M3 "http://minameddelanden.gov.se/schema/Message/v3"
#define NS_C3 "http://minameddelanden.gov.se/schema/Common/v3"

#define MAX_DELIVERY (16u << 20)

struct person {
	char pnr[13];
	char supplier[32];
	bool declined;
};

struct delivery {
	char *key;          /* the message id; NULL: an empty slot */
	char supplier[32];
	char reference[32];
	char dist[48];
	unsigned long received;
};

static struct {
	struct person *people;
	size_t n_people;
	const char *scheme;           /* of the suppliers' addresses: http or https */
	unsigned port;
	xmlSecKeysMngrPtr trust;      /* NULL: every delivery is refused */
	pthread_mutex_t lock;         /* the table, the counters, xmlsec */
	struct delivery *table;
	size_t cap, used;
	unsigned long reachable_asked, accepted, repeats, refused;
	char down[256];               /* suppliers answering Server faults, ",a,b," */
	const char *save_dir;         /* NULL: kept deliveries are not written */
	bool tamper;
} mb = { .lock = PTHREAD_MUTEX_INITIALIZER };

static char xmlsec_error[256];

static void on_xmlsec_error(const char *file, int line, const char *func, const char *obj,
			    const char *subj, int reason, const char *msg)
{
	snprintf(xmlsec_error, sizeof(xmlsec_error), "%s%s%s", func ? func : "", msg ? ": " : "",
		 msg ? msg : "");
}

/* ------------------------------------------------------------- set-up */

static bool supplier_name_ok(const char *s)
{
	if (!*s || strlen(s) >= sizeof(((struct person *)0)->supplier))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static int load_people(const char *dir, struct ebba_err *err)
{
	char *path = xasprintf("%s/mailbox/people.tsv", dir);
	FILE *f = fopen(path, "re");
	free(path);
	if (!f)
		return 0;   /* nobody has a mailbox */
	char line[256];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		n++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		char *save = NULL, *pnr = strtok_r(line, "\t", &save), *sup = strtok_r(NULL, "\t", &save);
		char *flag = strtok_r(NULL, "\t", &save);
		if (!pnr || !sup || !pnr_is_valid(pnr) || strlen(pnr) != 12 || !supplier_name_ok(sup) ||
		    (flag && strcmp(flag, "declined") != 0)) {
			fclose(f);
			return ebba_errf(err, "mailbox/people.tsv:%d: expected PNR<TAB>SUPPLIER[<TAB>declined]", n);
		}
		mb.people = xrealloc(mb.people, (mb.n_people + 1) * sizeof(*mb.people));
		struct person *p = &mb.people[mb.n_people++];
		snprintf(p->pnr, sizeof(p->pnr), "%s", pnr);
		snprintf(p->supplier, sizeof(p->supplier), "%s", sup);
		p->declined = flag != NULL;
	}
	fclose(f);
	return 0;
}

int sim_mailbox_init(const char *dir, const char *trust_file, const char *save_dir,
		     struct ebba_err *err)
{
	mb.save_dir = save_dir;
	if (load_people(dir, err) != 0)
		return -1;
	mb.cap = 1024;
	mb.table = xcalloc(mb.cap, sizeof(*mb.table));
	if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(NULL) < 0 ||
	    xmlSecCryptoInit() < 0)
		return ebba_errf(err, "xmlsec: cannot start");
	/* once started: starting sets xmlsec's own, which prints every refusal */
	xmlSecErrorsSetCallback(on_xmlsec_error);
	if (!trust_file)
		return 0;
	mb.trust = xmlSecKeysMngrCreate();
	if (!mb.trust || xmlSecCryptoAppDefaultKeysMngrInit(mb.trust) < 0 ||
	    xmlSecCryptoAppKeysMngrCertLoad(mb.trust, trust_file, xmlSecKeyDataFormatPem,
					    xmlSecKeyDataTypeTrusted) < 0)
		return ebba_errf(err, "--mailbox-trust %s: not a PEM certificate: %s", trust_file,
				 xmlsec_error);
	return 0;
}

void sim_mailbox_set_base(const char *scheme, unsigned port)
{
	mb.scheme = scheme;
	mb.port = port;
}

int sim_mailbox_control(const char *name, const char *value)
{
	pthread_mutex_lock(&mb.lock);
	int rc = 0;
	if (!strcmp(name, "tamper"))
		mb.tamper = !strcmp(value, "1") || !strcmp(value, "true");
	else if (!strcmp(name, "supplier-down"))
		snprintf(mb.down, sizeof(mb.down), ",%s,", value);
	else
		rc = -1;
	pthread_mutex_unlock(&mb.lock);
	return rc;
}

/* ------------------------------------------------------------- answers */

void sim_mailbox_fault(struct ebba_buf *out, const char *code, int ecode, const char *msg)
{
	/* CallId: 20 to 50 characters, as ExceptionInformation wants */
	static atomic_uint_fast64_t calls;
	buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Body><soap:Fault>"
		   "<faultcode>soap:%s</faultcode><faultstring>%s</faultstring><detail>"
		   "<c3:applicationFault xmlns:c3=\"" NS_C3 "\"><c3:ErrorCode>%d</c3:ErrorCode>"
		   "<c3:Description>%s</c3:Description><c3:CallId>ebba-regsim-call-%012lu</c3:CallId>"
		   "</c3:applicationFault></detail></soap:Fault></soap:Body></soap:Envelope>\n",
		   code, msg, ecode, msg, (unsigned long)atomic_fetch_add(&calls, 1));
}

static const struct person *person(const char *pnr)
{
	for (size_t i = 0; i < mb.n_people; i++)
		if (!strcmp(mb.people[i].pnr, pnr))
			return &mb.people[i];
	return NULL;
}

static xmlNode *child(const xmlNode *n, const char *ns, const char *name)
{
	for (xmlNode *c = n ? xmlsafe_first_elem(n) : NULL; c; c = xmlsafe_next_elem(c))
		if (xmlsafe_is(c, ns, name))
			return c;
	return NULL;
}

static char *child_text(const xmlNode *n, const char *ns, const char *name)
{
	xmlNode *c = child(n, ns, name);
	return c ? xmlsafe_text(c) : xstrdup("");
}

/* The SOAP body's first element if it is ns:name. */
static xmlNode *operation(xmlDoc *doc, const char *ns, const char *name)
{
	xmlNode *env = xmlDocGetRootElement(doc);
	if (!xmlsafe_is(env, NS_SOAP, "Envelope"))
		return NULL;
	xmlNode *body = child(env, NS_SOAP, "Body");
	xmlNode *op = body ? xmlsafe_first_elem(body) : NULL;
	return op && xmlsafe_is(op, ns, name) ? op : NULL;
}

static void reachability(struct ebba_buf *out, const char *pnr)
{
	const struct person *p = person(pnr);
	buf_printf(out, "<v3:return><r:AccountStatus><r:RecipientId>%s</r:RecipientId>"
		   "<r:Type>%s</r:Type><r:Pending>false</r:Pending>", pnr, p ? "Secure" : "Not");
	if (p)
		buf_printf(out, "<r:ServiceSupplier><r:Id>16999999%04u</r:Id><r:Name>Simulerad "
			   "brevlåda %s</r:Name><r:ServiceAdress>%s://127.0.0.1:%u/mailbox/supplier/%s"
			   "</r:ServiceAdress><r:InternalServiceAdress>%s://127.0.0.1:%u/mailbox/supplier/%s"
			   "</r:InternalServiceAdress></r:ServiceSupplier>",
			   (unsigned)(p - mb.people) % 10000, p->supplier, mb.scheme, mb.port, p->supplier,
			   mb.scheme, mb.port, p->supplier);
	buf_printf(out, "</r:AccountStatus><r:SenderAccepted>%s</r:SenderAccepted></v3:return>",
		   p && !p->declined ? "true" : "false");
}

unsigned sim_mailbox_recipient(const char *body, size_t len, struct ebba_buf *out)
{
	struct ebba_err err;
	xmlDoc *doc = xmlsafe_read(body, len, MAX_DELIVERY, "isReachable", &err);
	xmlNode *op = doc ? operation(doc, NS_R3, "isReachable") : NULL;
	char *org = op ? child_text(op, NS_R3, "senderOrgNr") : NULL;
	unsigned status = 200;
	if (!op || strlen(org) != 12 || strncmp(org, "16", 2) != 0) {
		status = 500;
		sim_mailbox_fault(out, "Client", 4999, op ? "senderOrgNr: expected 16 and ten digits"
					       : "not an isReachable v3 request");
	} else {
		struct ebba_buf ret = {0};
		bool bad = false;
		for (xmlNode *c = xmlsafe_first_elem(op); c && !bad; c = xmlsafe_next_elem(c)) {
			if (!xmlsafe_is(c, NS_R3, "recipientId"))
				continue;
			char *pnr = xmlsafe_text(c);
			bad = strlen(pnr) != 12 || !pnr_is_valid(pnr);
			if (!bad)
				reachability(&ret, pnr);
			free(pnr);
		}
		if (bad) {
			status = 500;
			sim_mailbox_fault(out, "Client", 4999, "recipientId: not an identity number");
		} else {
			buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				   "<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Body>"
				   "<v3:isReachableResponse xmlns:v3=\"" NS_R3 "\" xmlns:r=\"" NS_R1 "\">%s"
				   "</v3:isReachableResponse></soap:Body></soap:Envelope>\n",
				   ret.data ? ret.data : "");
			pthread_mutex_lock(&mb.lock);
			mb.reachable_asked++;
			pthread_mutex_unlock(&mb.lock);
		}
		buf_free(&ret);
	}
	free(org);
	xmlFreeDoc(doc);
	return status;
}

/* ------------------------------------------------- the signature check */

/* NULL when sd's signature is good and covers exactly sd; else why not. */
static const char *check_signature(xmlDoc *doc, xmlNode *sd)
{
	xmlAttr *attr = xmlHasProp(sd, BAD_CAST "Id");
	xmlNode *sig = xmlSecFindChild(sd, xmlSecNodeSignature, xmlSecDSigNs);
	if (!sig)
		return "the delivery is not signed";
	if (!attr || !attr->children || !attr->children->content)
		return "the signed delivery has no Id";
	const char *id = (const char *)attr->children->content;
	if (!xmlGetID(doc, BAD_CAST id))
		xmlAddID(NULL, doc, BAD_CAST id, attr);
	if (!mb.trust)
		return "the supplier trusts no signer (--mailbox-trust)";
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(mb.trust);
	const char *why = NULL;
	xmlsec_error[0] = '\0';
	if (!ctx)
		why = "out of memory";
	else if (xmlSecDSigCtxVerify(ctx, sig) < 0)
		why = "the signature could not be checked (an untrusted certificate?)";
	else if (ctx->status != xmlSecDSigStatusSucceeded)
		why = "the signature does not match the delivery";
	else if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1)
		why = "the signature must cover the delivery and nothing else";
	else {
		xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0);
		char want[128];
		snprintf(want, sizeof(want), "#%s", id);
		if (!ref || !ref->uri || strcmp((const char *)ref->uri, want) != 0)
			why = "the signature does not cover the signed delivery";
	}
	xmlSecDSigCtxDestroy(ctx);
	return why;
}

/* ----------------------------------------------------------- the table */

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct delivery *slot(const char *key)
{
	size_t i = fnv(key) & (mb.cap - 1);
	while (mb.table[i].key && strcmp(mb.table[i].key, key) != 0)
		i = (i + 1) & (mb.cap - 1);
	return &mb.table[i];
}

static void grow(void)
{
	struct delivery *old = mb.table;
	size_t n = mb.cap;
	mb.cap *= 2;
	mb.table = xcalloc(mb.cap, sizeof(*mb.table));
	for (size_t i = 0; i < n; i++)
		if (old[i].key)
			*slot(old[i].key) = old[i];
	free(old);
}

/* DIR/KEY.xml: the delivery as received, written whole or not at all. */
static void save(const char *key, const char *body, size_t len)
{
	for (const char *k = key; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-'))
			return;   /* not a name to put in a path */
	char *path = xasprintf("%s/%s.xml", mb.save_dir, key), *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "we");
	if (f && fwrite(body, 1, len, f) == len && fclose(f) == 0)
		rename(tmp, path);
	else if (f)
		fclose(f);
	free(path);
	free(tmp);
}

/* Keeps the delivery, or counts a repeat; its distribution id into dist. */
static void keep(const char *key, const char *supplier, const char *reference, char *dist, size_t size,
		 const char *body, size_t len)
{
	bool first = false;
	pthread_mutex_lock(&mb.lock);
	if ((mb.used + 1) * 2 > mb.cap)
		grow();
	struct delivery *d = slot(key);
	if (d->key) {
		d->received++;
		mb.repeats++;
	} else {
		d->key = xstrdup(key);
		snprintf(d->supplier, sizeof(d->supplier), "%s", supplier);
		snprintf(d->reference, sizeof(d->reference), "%s", reference);
		snprintf(d->dist, sizeof(d->dist), "SIM-%s-%lu", supplier, mb.accepted + 1);
		d->received = 1;
		mb.used++;
		mb.accepted++;
		first = true;
	}
	snprintf(dist, size, "%s", d->dist);
	pthread_mutex_unlock(&mb.lock);
	if (first && mb.save_dir)
		save(key, body, len);
}

void sim_mailbox_deliveries(struct ebba_buf *out)
{
	pthread_mutex_lock(&mb.lock);
	for (size_t i = 0; i < mb.cap; i++)
		if (mb.table[i].key)
			buf_printf(out, "%s\t%s\t%lu\t%s\t%s\n", mb.table[i].key, mb.table[i].supplier,
				   mb.table[i].received, mb.table[i].reference, mb.table[i].dist);
	pthread_mutex_unlock(&mb.lock);
}

void sim_mailbox_stats(char *out, size_t cap)
{
	pthread_mutex_lock(&mb.lock);
	snprintf(out, cap, "mailbox: isReachable %lu, delivered %lu, repeats %lu, refused %lu",
		 mb.reachable_asked, mb.accepted, mb.repeats, mb.refused);
	pthread_mutex_unlock(&mb.lock);
}

/* ------------------------------------------------------ distributeSecure */

/* The message's PDF: there, base64, with its MD5 as the Checksum. */
static const char *check_attachment(const xmlNode *msg)
{
	xmlNode *att = child(msg, NS_M3, "Attachment");
	if (!att)
		return "the message has no attachment";
	char *b64 = child_text(att, NS_M1, "Body"), *sum = child_text(att, NS_M1, "Checksum");
	struct ebba_buf pdf = {0};
	struct ebba_err err;
	const char *why = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[33] = "";
	if (base64_decode(b64, strlen(b64), MAX_DELIVERY, &pdf, &err) != 0 || pdf.len < 5 ||
	    memcmp(pdf.data, "%PDF-", 5) != 0)
		why = "the attachment is not a base64 PDF";
	else if (EVP_Digest(pdf.data, pdf.len, md, &n, EVP_md5(), NULL) != 1)
		why = "cannot compute the checksum";
	for (unsigned int i = 0; !why && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (!why && strcmp(hex, sum) != 0)
		why = "the attachment's Checksum is not its MD5";
	buf_free(&pdf);
	free(b64);
	free(sum);
	return why;
}

/* Alters the signed subject in the parsed delivery, as a change in transit would. */
static void tamper(xmlNode *msg)
{
	xmlNode *subject = child(child(msg, NS_M3, "Header"), NS_M3, "Subject");
	if (subject)
		xmlNodeSetContent(subject, BAD_CAST "Beslut om ekonomiskt bistånd (ändrat)");
}

static unsigned refuse(struct ebba_buf *out, const char *code, int ecode, const char *why)
{
	pthread_mutex_lock(&mb.lock);
	mb.refused++;
	pthread_mutex_unlock(&mb.lock);
	buf_reset(out);
	sim_mailbox_fault(out, code, ecode, why);
	return 500;
}

unsigned sim_mailbox_supplier(const char *supplier, const char *body, size_t len, bool keep_it,
			      struct ebba_buf *out)
{
	char down[40];
	snprintf(down, sizeof(down), ",%s,", supplier);
	pthread_mutex_lock(&mb.lock);
	bool is_down = strstr(mb.down, down) != NULL, tampering = mb.tamper;
	pthread_mutex_unlock(&mb.lock);
	if (is_down)
		return refuse(out, "Server", 5000, "the service supplier is down (simulated)");
	struct ebba_err err;
	xmlDoc *doc = xmlsafe_read(body, len, MAX_DELIVERY, "distributeSecure", &err);
	xmlNode *op = doc ? operation(doc, NS_M3, "distributeSecure") : NULL;
	xmlNode *sd = child(op, NS_M3, "signedDelivery");
	xmlNode *delivery = child(sd, NS_M3, "Delivery");
	xmlNode *msg = child(delivery, NS_M3, "Message");
	unsigned status;
	if (!msg) {
		status = refuse(out, "Client", 4999, "not a distributeSecure v3 request with a SignedDelivery");
		xmlFreeDoc(doc);
		return status;
	}
	if (tampering)
		tamper(msg);
	pthread_mutex_lock(&mb.lock);   /* xmlsec's key store is shared */
	const char *why = check_signature(doc, sd);
	pthread_mutex_unlock(&mb.lock);
	char *pnr = child_text(child(delivery, NS_M3, "Header"), NS_M2, "Recipient");
	char *key = child_text(child(msg, NS_M3, "Header"), NS_M3, "Id");
	char *ref = child_text(child(delivery, NS_M3, "Header"), NS_M2, "Reference");
	const struct person *p = person(pnr);
	if (why)
		status = refuse(out, "Client", 5002, why);
	else if (!p || p->declined || strcmp(p->supplier, supplier) != 0)
		status = refuse(out, "Client", 5001, "the recipient has no mailbox at this supplier");
	else if (!key[0] || strlen(key) > 64)
		status = refuse(out, "Client", 4999, "the message has no usable Id");
	else if ((why = check_attachment(msg)))
		status = refuse(out, "Client", 4999, why);
	else {
		char dist[48] = "SIM-not-kept";
		if (keep_it)
			keep(key, supplier, ref, dist, sizeof(dist), body, len);
		buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Body>"
			   "<v3:distributeSecureResponse xmlns:v3=\"" NS_M3 "\"><v3:return>%s</v3:return>"
			   "</v3:distributeSecureResponse></soap:Body></soap:Envelope>\n", dist);
		status = 200;
	}
	free(pnr);
	free(key);
	free(ref);
	xmlFreeDoc(doc);
	return status;
}
