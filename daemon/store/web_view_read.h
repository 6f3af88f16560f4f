/* Small readers the typed view models of Beslut and the saved-decision
 * page share (web_decision.c, web_saved.c): a value the strict unpack took
 * as a json_t because it may be null, and a closed set's name, each an
 * error naming what it was when it is neither.  Nothing here allocates. */
#ifndef EBBA_STORE_WEB_VIEW_READ_H
#define EBBA_STORE_WEB_VIEW_READ_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ebba/lib/error.h"
#include "ebba/lib/outcome.h"

/* A decision id as the URL gives it: 1 to 18 digits. */
bool web_view_is_id(const char *s);
/* A string or null (*out NULL). */
int web_view_opt_str(const json_t *v, const char *what, const char **out, struct ebba_err *err);
/* An integer or null (*has false). */
int web_view_opt_int(const json_t *v, const char *what, bool *has, int64_t *out, struct ebba_err *err);
/* An outcome's name. */
int web_view_outcome(const char *name, const char *what, enum outcome *out, struct ebba_err *err);

#endif
