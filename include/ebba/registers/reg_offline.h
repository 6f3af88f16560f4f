/*
 * Register answers without a network: from a fixtures directory (for
 * `ebbactl calc`) or from stored evidence (for `ebbactl replay`).  Both
 * fill the same struct reg_person the live client fills, with the same
 * parsers and options, so everything after "the registers answered" is
 * the daemon's own code path.
 */
#ifndef EBBA_REG_OFFLINE_H
#define EBBA_REG_OFFLINE_H

#include <stddef.h>

#include "ebba/intake/application.h"
#include "ebba/lib/error.h"
#include "ebba/registers/registers.h"

/*
 * DIR/ssbtek/<pnr>.xml for everyone aged 16+ (none: a response with no
 * agency data), DIR/plan/<pnr>.xml for adults (none: no plan), as
 * docs/architecture.md §5.3 lays out.  persons has app->n_persons entries, zeroed.
 */
int reg_offline_from_fixtures(const struct application *app, const char *dir,
			      struct reg_person *persons, struct ebba_err *err);

/* One stored look-up: source "ssbtek" or "attendance", its recorded status
 * ("ok", "not_found", "unavailable"), bytes and (for failures) reason. */
int reg_offline_set(struct reg_person *p, const char *period, const char *source,
		    const char *status, const char *raw, size_t len, const char *reason,
		    struct ebba_err *err);

#endif
