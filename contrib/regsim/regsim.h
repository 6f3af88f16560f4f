/* Shared between the files of ebba-regsim (the register simulator). */
#ifndef EBBA_REGSIM_H
#define EBBA_REGSIM_H

#include <stddef.h>

#include "ebba/error.h"
#include "ebba/util.h"

/* SSBTEK agencies in the order of the v10 response sequence. */
enum { AG_AF, AG_CSN, AG_FK, AG_SKV, AG_SO, AG_TNS, AG_MIV, AG_COUNT };
extern const char *const sim_agency_names[AG_COUNT];

/* Index of an agency name (case-insensitive), or -1. */
int sim_agency_index(const char *name);

/*
 * Validates a SOAP 1.1 hamtaBastjanstInformation request and extracts the
 * person (12 digits, check digit valid).  On failure err says what is wrong
 * (for the SOAP fault) without the full number.
 */
int sim_soap_request_pnr(const char *body, size_t len, char pnr[13], struct ebba_err *err);

/* A SOAP 1.1 fault document. */
void sim_soap_fault(struct ebba_buf *out, const char *faultcode, const char *msg);

/*
 * The SSBTEK response for pnr from dir/ssbtek/<pnr>.xml (served as is) or,
 * without a file, a valid response with no agency data.  Agencies whose bit
 * is set in agency_errors get an <error> part instead of their data.
 */
int sim_ssbtek_response(const char *dir, const char *pnr, unsigned agency_errors,
			struct ebba_buf *out, struct ebba_err *err);

#endif
