/*
 * The one table of case roles (include/ebba/lib/case_role.h); schema
 * 025's check on ebba.case_people lists the same names.
 */
#include <string.h>

#include "ebba/lib/case_role.h"

static const struct {
	const char *name, *sv;
} ROLES[CASE_ROLE_COUNT] = {
	[CASE_ROLE_APPLICANT] = {"applicant", "sökande"},
	[CASE_ROLE_CO_APPLICANT] = {"co-applicant", "medsökande"},
	[CASE_ROLE_CHILD] = {"child", "barn"},
	[CASE_ROLE_ADULT] = {"adult", "vuxen i hushållet"},
	[CASE_ROLE_HOUSEHOLD] = {"household", "i hushållet"},
};

static enum case_role clamp(enum case_role r)
{
	return (unsigned)r < CASE_ROLE_COUNT ? r : CASE_ROLE_HOUSEHOLD;
}

const char *case_role_name(enum case_role r)
{
	return ROLES[clamp(r)].name;
}

bool case_role_parse(const char *s, enum case_role *out)
{
	if (!s)
		return false;
	for (int k = 0; k < CASE_ROLE_COUNT; k++)
		if (strcmp(ROLES[k].name, s) == 0) {
			*out = (enum case_role)k;
			return true;
		}
	return false;
}

const char *case_role_sv(enum case_role r)
{
	return ROLES[clamp(r)].sv;
}
