/*
 * The delivery's signature (mailbox.h), made by xmlsec with its OpenSSL
 * engine, never by hand: an enveloped XML Signature over the element with
 * the given Id, exclusive C14N (so the SOAP envelope around it, which the
 * receiver may rebuild, is no part of what is signed), RSA-SHA256, the
 * signer's certificate in KeyInfo/X509Data for the receiver to check
 * against the certificate it trusts.
 */
#include <stdio.h>
#include <stdlib.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/templates.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>

#include "mailbox.h"

struct dsig_signer {
	xmlSecKeyPtr key;
};

static bool xmlsec_started;

/* xmlsec prints to stderr by default; its reasons go into err instead:
 * the first since it was cleared, the innermost (e.g. OpenSSL's). */
static char last_xmlsec_error[256];

static void on_xmlsec_error(const char *file, int line, const char *func, const char *obj,
			    const char *subj, int reason, const char *msg)
{
	if (last_xmlsec_error[0])
		return;
	snprintf(last_xmlsec_error, sizeof(last_xmlsec_error), "%s%s%s (reason %d)",
		 func ? func : "", msg ? ": " : "", msg ? msg : "", reason);
}

static int start_xmlsec(struct ebba_err *err)
{
	if (xmlsec_started)
		return 0;
	if (xmlSecInit() < 0)
		return ebba_errf(err, "xmlsec: cannot start");
	if (xmlSecCheckVersion() != 1)
		return ebba_errf(err, "xmlsec: the library's version does not match the one built against");
	if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
		return ebba_errf(err, "xmlsec: cannot start its crypto engine: %s", last_xmlsec_error);
	/* (once started: starting sets xmlsec's own, which prints to stderr) */
	xmlSecErrorsSetCallback(on_xmlsec_error);
	xmlsec_started = true;
	return 0;
}

int dsig_signer_new(const char *key_file, const char *cert_file, struct dsig_signer **out,
		    struct ebba_err *err)
{
	*out = NULL;
	if (!key_file || !*key_file || !cert_file || !*cert_file)
		return ebba_errf(err, "deliver.signing_key and deliver.signing_cert must both be set "
				 "for the digital mailbox");
	if (start_xmlsec(err) != 0)
		return -1;
	last_xmlsec_error[0] = '\0';
	xmlSecKeyPtr key = xmlSecCryptoAppKeyLoad(key_file, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
	if (!key)
		return ebba_errf(err, "deliver.signing_key %s: not a readable PEM private key: %s",
				 key_file, last_xmlsec_error);
	if (xmlSecCryptoAppKeyCertLoad(key, cert_file, xmlSecKeyDataFormatPem) < 0) {
		xmlSecKeyDestroy(key);
		return ebba_errf(err, "deliver.signing_cert %s: not a readable PEM certificate: %s",
				 cert_file, last_xmlsec_error);
	}
	struct dsig_signer *s = xcalloc(1, sizeof(*s));
	s->key = key;
	*out = s;
	return 0;
}

void dsig_signer_free(struct dsig_signer *s)
{
	if (!s)
		return;
	xmlSecKeyDestroy(s->key);
	free(s);
}

/* The template: what is signed and how; xmlsec fills in the values. */
static xmlNodePtr signature_template(xmlDocPtr doc, xmlNodePtr node, const char *id)
{
	xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId,
						   xmlSecTransformRsaSha256Id, NULL);
	if (!sig)
		return NULL;
	xmlAddChild(node, sig);
	char uri[128];
	snprintf(uri, sizeof(uri), "#%s", id);
	xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL,
							 BAD_CAST uri, NULL);
	if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
	    !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId))
		return NULL;
	xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
	if (!ki || !xmlSecTmplKeyInfoAddX509Data(ki))
		return NULL;
	return sig;
}

int dsig_sign(struct dsig_signer *s, xmlDocPtr doc, xmlNodePtr node, const char *id,
	      struct ebba_err *err)
{
	last_xmlsec_error[0] = '\0';
	/* Without a DTD nothing says Id is an ID: say so, for "#id". */
	xmlAttrPtr attr = xmlHasProp(node, BAD_CAST "Id");
	if (!attr || xmlAddID(NULL, doc, BAD_CAST id, attr) == NULL)
		return ebba_errf(err, "signing: the element to sign has no usable Id %s", id);
	xmlNodePtr sig = signature_template(doc, node, id);
	if (!sig)
		return ebba_errf(err, "signing: cannot make the signature template: %s", last_xmlsec_error);
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	if (!ctx)
		return ebba_errf(err, "signing: out of memory");
	int rc = 0;
	ctx->signKey = xmlSecKeyDuplicate(s->key);
	if (!ctx->signKey || xmlSecDSigCtxSign(ctx, sig) < 0)
		rc = ebba_errf(err, "signing with deliver.signing_key: %s", last_xmlsec_error);
	xmlSecDSigCtxDestroy(ctx);
	return rc;
}
