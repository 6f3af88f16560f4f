/*
 * Register evidence: the bytes a decision rests on, as stored in
 * ebba.register_evidence (docs/architecture.md §7).
 *
 * The raw bytes are kept up to a limit (EVIDENCE_MAX_RAW by default) so that
 * one huge answer cannot blow the daemon's memory or the database row; a cut
 * copy is flagged.  The SHA-256 is always over the complete bytes received,
 * so it identifies the answer even when the copy is cut.
 */
#ifndef EBBA_EVIDENCE_H
#define EBBA_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/evidence_kind.h"

#define EVIDENCE_MAX_RAW (1u << 20)

struct evidence {
	enum ev_source source;
	char agency[16];    /* "AF", "FK", ...; "" when the source has none */
	enum ev_status status;
	char sha256[65];    /* lower-case hex over all full_len bytes */
	char *raw;          /* owned, NUL-terminated copy of the first raw_len bytes */
	size_t raw_len;
	size_t full_len;    /* bytes received */
	bool truncated;     /* raw_len < full_len */
	char fetched_at[40]; /* when the answer was recorded (ISO 8601, UTC) */
};

/*
 * Fills ev (overwriting it) with a copy of at most max_raw bytes of data
 * (0: EVIDENCE_MAX_RAW), stamped with the current time: the register
 * client records an answer the moment its look-up completes, so this is
 * when the register answered, not when the decision was committed.
 * An agency longer than its field is cut.
 */
void evidence_set(struct evidence *ev, enum ev_source source, const char *agency,
		  enum ev_status status, const void *data, size_t len, size_t max_raw);
void evidence_free(struct evidence *ev);

#endif
