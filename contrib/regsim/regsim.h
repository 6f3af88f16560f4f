/* Shared between the files of ebba-regsim (the register simulator). */
#ifndef EBBA_REGSIM_H
#define EBBA_REGSIM_H

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

#endif
