#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "ebba/registers/evidence.h"
#include "ebba/lib/util.h"

void evidence_set(struct evidence *ev, enum ev_source source, const char *agency,
		  enum ev_status status, const void *data, size_t len, size_t max_raw)
{
	if (!max_raw)
		max_raw = EVIDENCE_MAX_RAW;
	*ev = (struct evidence){.source = source, .status = status};
	snprintf(ev->agency, sizeof(ev->agency), "%s", agency ? agency : "");
	if (!data)
		len = 0;
	sha256_hex(data ? data : "", len, ev->sha256);
	ev->full_len = len;
	ev->raw_len = len < max_raw ? len : max_raw;
	ev->truncated = ev->raw_len < len;
	ev->raw = xmalloc(ev->raw_len + 1);
	if (ev->raw_len)
		memcpy(ev->raw, data, ev->raw_len);
	ev->raw[ev->raw_len] = '\0';
	date_now_utc(ev->fetched_at);
}

void evidence_free(struct evidence *ev)
{
	free(ev->raw);
	*ev = (struct evidence){0};
}
