/*
 * What a piece of register evidence is: its source and its status, two
 * closed sets with one table of names (lib/evidence_kind.c) for the
 * database's text (ebba.register_evidence.source and .status,
 * docs/architecture.md §7), the trace and the pages.  The registers fill
 * them, decide stores their names, what-if and replay parse them back, and
 * the pages compare them: an enum, so that a misspelt name is a compile
 * error rather than a row that quietly never matches.  Nothing here
 * allocates.
 */
#ifndef EBBA_EVIDENCE_KIND_H
#define EBBA_EVIDENCE_KIND_H

#include <stdbool.h>

enum ev_source {
	EV_SOURCE_SSBTEK,          /* "ssbtek": one answer, every agency part in it */
	EV_SOURCE_ATTENDANCE,      /* "attendance": the planning service */
	EV_SOURCE_COUNT
};

enum ev_status {
	EV_OK,                     /* "ok": answered, usable */
	EV_ABSENT,                 /* "absent": an SSBTEK part with no data */
	EV_ERROR,                  /* "error": an SSBTEK part the agency failed */
	EV_NOT_FOUND,              /* "not_found": attendance's 404, no plan */
	EV_UNAVAILABLE,            /* "unavailable": no usable answer */
	EV_STATUS_COUNT
};

/* The database's name: "ssbtek", "attendance". */
const char *ev_source_name(enum ev_source s);
/* True and *out set when s is one of the names; false otherwise (s may be NULL). */
bool ev_source_parse(const char *s, enum ev_source *out);
/* The agency of the row holding the whole answer: "SSBTEK" or "PLAN"
 * (an SSBTEK part's row names its agency instead: "AF", "FK", ...). */
const char *ev_source_agency(enum ev_source s);
/* True when agency is the whole-answer agency of some source. */
bool ev_agency_is_whole(const char *agency);

/* The database's name: "ok", "absent", "error", "not_found", "unavailable". */
const char *ev_status_name(enum ev_status s);
/* True and *out set when s is one of the names; false otherwise (s may be NULL). */
bool ev_status_parse(const char *s, enum ev_status *out);
/* True when name is s's name. */
bool ev_status_is(const char *name, enum ev_status s);

#endif
