#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ebba/decide/audit.h"

/* 53 random bits make every double in [0, 1) at 2^-53 spacing equally likely. */
static double unit_interval(const unsigned char b[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return (double)(v >> 11) * (1.0 / 9007199254740992.0);
}

double audit_draw(const char *secret, const char *external_id)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	if (secret && *secret) {
		unsigned int len = 0;
		HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)external_id,
		     strlen(external_id), md, &len);
		return unit_interval(md);
	}
	if (getrandom(md, 8, 0) != 8)
		return 1.0; /* cannot draw: never sample rather than always */
	return unit_interval(md);
}

bool audit_sample(const char *secret, const char *external_id, double rate,
		  char desc[AUDIT_DRAW_DESC])
{
	double u = audit_draw(secret, external_id);
	bool hit = u < rate;
	snprintf(desc, AUDIT_DRAW_DESC, "%s %.6f %s %.6f", secret && *secret ? "hmac-sha256" : "csprng",
		 u, hit ? "<" : ">=", rate);
	return hit;
}
