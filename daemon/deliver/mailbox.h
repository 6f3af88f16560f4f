/*
 * The digital mailbox, Mina meddelanden (mailbox.c, dsig.c;
 * docs/delivery.md; the contract in reference/mina-meddelanden/).
 *
 * isReachable (v3) at the recipient service: has the person a secure
 * mailbox that accepts this sender, and which service supplier holds it;
 * then distributeSecure (v3) at that supplier's ServiceAdress with a
 * SignedDelivery: one SecureMessage whose Id is the outbox row's
 * idempotency key, the letter's PDF as its attachment, signed (enveloped
 * XML-DSig, RSA-SHA256, exclusive C14N) with the municipality's key by
 * xmlsec.  A struct mailbox owns its HTTP engine and the loaded key; one
 * per process, used from one thread.
 */
#ifndef EBBA_DELIVER_MAILBOX_H
#define EBBA_DELIVER_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

struct mailbox;
struct letter_recipient;

/* NULL in *out (and 0) when no mailbox_url is configured. */
int mailbox_new(const struct ebba_config *cfg, struct mailbox **out, struct ebba_err *err);
void mailbox_free(struct mailbox *m);

/*
 * isReachable for pnr: *reachable true, with the supplier's address in
 * supplier (supplier_size), when the person has a secure mailbox that
 * accepts this sender.  -1 when the service did not answer usably (try
 * again later; never print instead).
 */
int mailbox_reachable(struct mailbox *m, const char *pnr, bool *reachable, char *supplier,
		      size_t supplier_size, struct ebba_err *err);

/*
 * distributeSecure of pdf to r at supplier.  receipt gets the supplier's
 * distribution id; *permanent when the supplier refused the delivery
 * itself (a SOAP Client fault: e.g. its signature), which sending the
 * same bytes again cannot mend.
 */
int mailbox_send(struct mailbox *m, const char *supplier, const struct letter_recipient *r,
		 const struct ebba_buf *pdf, char *receipt, size_t receipt_size, bool *permanent,
		 struct ebba_err *err);

/* ---- dsig.c: the signature, by xmlsec ---------------------------------- */

struct dsig_signer;

/* Loads the PEM key and certificate (and starts xmlsec once per process). */
int dsig_signer_new(const char *key_file, const char *cert_file, struct dsig_signer **out,
		    struct ebba_err *err);
void dsig_signer_free(struct dsig_signer *s);

/*
 * Signs the element node of doc, whose attribute Id is id: appends an
 * enveloped ds:Signature as node's last child, referring to "#id",
 * with the certificate in its KeyInfo.
 */
int dsig_sign(struct dsig_signer *s, xmlDocPtr doc, xmlNodePtr node, const char *id,
	      struct ebba_err *err);

#endif
