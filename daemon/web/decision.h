/* The decision page's data (page_decision.c), shared with Pröva
 * (page_review.c), which shows the same page again with a refused form. */
#ifndef EBBA_WEB_DECISION_H
#define EBBA_WEB_DECISION_H

#include <stdbool.h>

#include <jansson.h>

#include "ebba/store/web_decision.h"
#include "web.h"

struct application;
/* Decision id's typed view into *v (include/ebba/store/web_decision.h)
 * and the template context built from it into *out, or *out NULL (and 0)
 * when there is no such decision.  With app non-NULL, the application as
 * received, parsed, into *app (NULL when there is none or it cannot be
 * read).  The caller json_decref()s *out, store_web_decision_view_free()s
 * *v and application_free()s *app, whatever the answer. */
int decision_ctx(const struct web_request *rq, const char *id, struct web_decision_view *v,
		 json_t **out, struct application **app, struct ebba_err *err);
/* The same for a page that shows it: with *out NULL and 0, rs already holds
 * the "no such decision" page (Beslut and Pröva answer alike). */
int decision_page_view(const struct web_request *rq, struct web_response *rs, const char *id,
		       struct web_decision_view *v, json_t **out, struct application **app,
		       struct ebba_err *err);
/* decision_page_view() for a page that needs only the context (Komplettering). */
int decision_page_ctx(const struct web_request *rq, struct web_response *rs, const char *id,
		      json_t **out, struct ebba_err *err);
/* Whether the decision is still to be tried: ebba's, not reviewed, not decided again. */
bool decision_open(const struct web_decision_view *v);
/* A person's decision: its lines in words, by_person, ruleset_differs (page_person.c),
 * into ctx from its findings (NULL: decided before line by line) and whether
 * the referral named failed checks. */
struct web_person_findings;
void person_findings_ctx(json_t *ctx, const struct web_person_findings *f, bool referral_failed);
/* The same into ctx from the decision page's view v (its reviewed, findings
 * and referral); nothing for ebba's own decision. */
void person_decision_ctx(json_t *ctx, const struct web_decision_view *v);
/* Pröva line by line into ctx: the form's costs, incomes, failed checks of
 * v and the catalogue, for ebba's open decision v of application app (page_person.c). */
void prova_lines_ctx(const struct web_request *rq, const struct web_decision_view *v,
		     const struct application *app, json_t *ctx);
/* POST /beslut/ID/prova with lines=1 on the open decision v of application
 * app (NULL: it cannot be read) whose page is ctx: Beräkna shows the
 * amount, Spara saves (page_person.c). */
int page_review_lines(const struct web_request *rq, struct web_response *rs, const char *id,
		      const struct web_decision_view *v, const struct application *app,
		      json_t *ctx, struct ebba_err *err);

#endif
