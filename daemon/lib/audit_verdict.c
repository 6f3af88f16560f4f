/*
 * The one table of audit verdicts (include/ebba/lib/audit_verdict.h);
 * ebba-web's Stickprov form sends ok and not-ok, schema 014's
 * ebba.resolve_review takes the other three.
 */
#include <string.h>

#include "ebba/lib/audit_verdict.h"

static const struct {
	const char *name, *sv;
} VERDICTS[AUDIT_VERDICT_COUNT] = {
	[AUDIT_VERDICT_OK] = {"ok", "beslutet var rätt"},
	[AUDIT_VERDICT_NOT_OK] = {"not-ok", "beslutet var fel"},
	[AUDIT_VERDICT_APPROVE] = {"approve", "prövat: beviljat"},
	[AUDIT_VERDICT_ADJUST] = {"adjust", "prövat: beviljat med annat belopp"},
	[AUDIT_VERDICT_REJECT] = {"reject", "prövat: avslag"},
};

static enum audit_verdict clamp(enum audit_verdict v)
{
	return (unsigned)v < AUDIT_VERDICT_COUNT ? v : AUDIT_VERDICT_NOT_OK;
}

const char *audit_verdict_name(enum audit_verdict v)
{
	return VERDICTS[clamp(v)].name;
}

bool audit_verdict_parse(const char *s, enum audit_verdict *out)
{
	if (!s)
		return false;
	for (int k = 0; k < AUDIT_VERDICT_COUNT; k++)
		if (strcmp(VERDICTS[k].name, s) == 0) {
			*out = (enum audit_verdict)k;
			return true;
		}
	return false;
}

const char *audit_verdict_sv(enum audit_verdict v)
{
	return VERDICTS[clamp(v)].sv;
}
