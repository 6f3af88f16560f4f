/* Shared between the files of ebba-regsim (the register simulator). */
#ifndef EBBA_REGSIM_H
#define EBBA_REGSIM_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

/* SSBTEK agencies in the order of the v10 response sequence. */
enum { AG_AF, AG_CSN, AG_FK, AG_SKV, AG_SO, AG_TNS, AG_MIV, AG_COUNT };
extern const char *const sim_agency_names[AG_COUNT];

/* Index of an agency name (case-insensitive), or -1. */
int sim_agency_index(const char *name);

/*
 * The SSBTEK response for pnr from dir/ssbtek/<pnr>.xml (served as is) or,
 * without a file, a valid response with no agency data.  Agencies whose bit
 * is set in agency_errors get an <error> part instead of their data.
 */
int sim_ssbtek_response(const char *dir, const char *pnr, unsigned agency_errors,
			struct ebba_buf *out, struct ebba_err *err);

/*
 * The digital mailbox, Mina meddelanden (sim_mailbox.c): the people with
 * one from dir/mailbox/people.tsv, the certificate(s) a supplier trusts
 * for signatures (NULL: it refuses every delivery), where to write each
 * kept delivery as received (NULL: nowhere).
 */
int sim_mailbox_init(const char *dir, const char *trust_file, const char *save_dir,
		     struct ebba_err *err);
/* Where the simulator listens, for the suppliers' addresses ("http"/"https"). */
void sim_mailbox_set_base(const char *scheme, unsigned port);
/* tamper=1|0, supplier-down=NAME[,NAME] ("" for none); -1 for another name. */
int sim_mailbox_control(const char *name, const char *value);
/* POST /mailbox/recipient: isReachable v3.  Returns the HTTP status. */
unsigned sim_mailbox_recipient(const char *body, size_t len, struct ebba_buf *out);
/* POST /mailbox/supplier/NAME: distributeSecure v3; keep false answers as
 * if kept but keeps nothing (a fault injected before the supplier acted). */
unsigned sim_mailbox_supplier(const char *supplier, const char *body, size_t len, bool keep,
			      struct ebba_buf *out);
/* A SOAP 1.1 fault with Mina meddelanden's applicationFault. */
void sim_mailbox_fault(struct ebba_buf *out, const char *code, int ecode, const char *msg);
/* Every kept delivery: KEY SUPPLIER RECEIVED REFERENCE DISTRIBUTION-ID, one a line. */
void sim_mailbox_deliveries(struct ebba_buf *out);
void sim_mailbox_stats(char *out, size_t cap);

#endif
