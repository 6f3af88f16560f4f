/*
 * The one table of outcome names (include/ebba/lib/outcome.h).  The
 * database's check constraint (schema 019) lists the same names.
 */
#include <string.h>

#include "ebba/lib/outcome.h"

static const struct {
	const char *name, *sv, *sv_short, *sv_word;
} OUTCOMES[OUTCOME_COUNT] = {
	[OUTCOME_APPROVED] = {"approved", "Beviljat", "Beviljat", "beviljad"},
	[OUTCOME_PARTLY_APPROVED] = {"partly_approved", "Delvis beviljat", "Delvis bifall",
				     "delvis beviljad"},
	[OUTCOME_REFERRED] = {"referred", "Hänvisat till handläggare", "Hänvisat", "hänvisad"},
	[OUTCOME_REJECTED] = {"rejected", "Avslag", "Avslag", "avslagen"},
};

static enum outcome clamp(enum outcome o)
{
	return (unsigned)o < OUTCOME_COUNT ? o : OUTCOME_REFERRED;
}

const char *outcome_name(enum outcome o)
{
	return OUTCOMES[clamp(o)].name;
}

bool outcome_parse(const char *s, enum outcome *out)
{
	if (!s)
		return false;
	for (int k = 0; k < OUTCOME_COUNT; k++)
		if (strcmp(OUTCOMES[k].name, s) == 0) {
			*out = (enum outcome)k;
			return true;
		}
	return false;
}

const char *outcome_sv(enum outcome o)
{
	return OUTCOMES[clamp(o)].sv;
}

const char *outcome_sv_short(enum outcome o)
{
	return OUTCOMES[clamp(o)].sv_short;
}

const char *outcome_sv_word(enum outcome o)
{
	return OUTCOMES[clamp(o)].sv_word;
}

const char *outcome_sv_of(const char *name)
{
	enum outcome o;
	return outcome_parse(name, &o) ? OUTCOMES[o].sv : name;
}

bool outcome_is(const char *name, enum outcome o)
{
	enum outcome k;
	return outcome_parse(name, &k) && k == o;
}
