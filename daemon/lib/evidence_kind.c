/*
 * The one table of evidence sources and statuses
 * (include/ebba/lib/evidence_kind.h).  The names are stored in
 * ebba.register_evidence: they never change.
 */
#include <string.h>

#include "ebba/lib/evidence_kind.h"

static const struct {
	const char *name, *agency;
} SOURCES[EV_SOURCE_COUNT] = {
	[EV_SOURCE_SSBTEK] = {"ssbtek", "SSBTEK"},
	[EV_SOURCE_ATTENDANCE] = {"attendance", "PLAN"},
};

static const char *const STATUSES[EV_STATUS_COUNT] = {
	[EV_OK] = "ok",
	[EV_ABSENT] = "absent",
	[EV_ERROR] = "error",
	[EV_NOT_FOUND] = "not_found",
	[EV_UNAVAILABLE] = "unavailable",
};

/* Out of range reads as the safe side: a source of its own, no answer. */
static enum ev_source source_clamp(enum ev_source s)
{
	return (unsigned)s < EV_SOURCE_COUNT ? s : EV_SOURCE_SSBTEK;
}

static enum ev_status status_clamp(enum ev_status s)
{
	return (unsigned)s < EV_STATUS_COUNT ? s : EV_UNAVAILABLE;
}

const char *ev_source_name(enum ev_source s)
{
	return SOURCES[source_clamp(s)].name;
}

const char *ev_source_agency(enum ev_source s)
{
	return SOURCES[source_clamp(s)].agency;
}

bool ev_source_parse(const char *s, enum ev_source *out)
{
	if (!s)
		return false;
	for (int k = 0; k < EV_SOURCE_COUNT; k++)
		if (strcmp(SOURCES[k].name, s) == 0) {
			*out = (enum ev_source)k;
			return true;
		}
	return false;
}

bool ev_agency_is_whole(const char *agency)
{
	for (int k = 0; agency && k < EV_SOURCE_COUNT; k++)
		if (strcmp(SOURCES[k].agency, agency) == 0)
			return true;
	return false;
}

const char *ev_status_name(enum ev_status s)
{
	return STATUSES[status_clamp(s)];
}

bool ev_status_parse(const char *s, enum ev_status *out)
{
	if (!s)
		return false;
	for (int k = 0; k < EV_STATUS_COUNT; k++)
		if (strcmp(STATUSES[k], s) == 0) {
			*out = (enum ev_status)k;
			return true;
		}
	return false;
}

bool ev_status_is(const char *name, enum ev_status s)
{
	enum ev_status k;
	return ev_status_parse(name, &k) && k == s;
}
