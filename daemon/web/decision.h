/* The decision page's data (page_decision.c), shared with Pröva
 * (page_review.c), which shows the same page again with a refused form. */
#ifndef EBBA_WEB_DECISION_H
#define EBBA_WEB_DECISION_H

#include <jansson.h>

#include "web.h"

/* The template context of decision id, or *out NULL (and 0) when there is
 * no such decision.  The caller json_decref()s *out. */
int decision_ctx(const struct web_request *rq, const char *id, json_t **out, struct ebba_err *err);
/* A person's decision: its lines in words, by_person, ruleset_differs (page_person.c). */
void person_decision_ctx(json_t *d);

#endif
