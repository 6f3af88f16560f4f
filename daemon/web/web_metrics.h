/*
 * ebba-web's own metrics (docs/architecture.md §13), served on a listen
 * address of their own, web.metrics_listen, never on the caseworkers' port:
 * a scraper has no session, and the figures stay off whatever reverse
 * proxy publishes the pages.
 *
 *   ebba_web_requests_total{class,code}     class: page, login, api, static, none
 *   ebba_web_request_duration_seconds{class}
 *   ebba_web_sessions                       people logged in
 *   ebba_web_login_failures_total           wrong user name or password
 *   ebba_web_api_documents_total{result}    documents the intake API validated
 *                                           (valid, invalid): only ever after
 *                                           the token was accepted
 *   ebba_web_build_info{version}, process_*
 * and /healthz, /readyz (200 while ebba-web's own connection answers
 * a statement).
 */
#ifndef EBBA_WEB_METRICS_H
#define EBBA_WEB_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "ebba/lib/config.h"
#include "ebba/lib/error.h"

/*
 * The order in main.c: start (when cfg->web.metrics_listen is set; else
 * nothing is counted), before the main server and from the thread whose
 * signal mask the metrics thread should inherit; serving once the main
 * server listens (/readyz says "starting" until then); at the end stop
 * (the metrics thread), the main server's stop, then free (requests on
 * the main server's threads count until it has stopped).
 */
int web_metrics_start(const struct ebba_config *cfg, struct ebba_err *err);
void web_metrics_serving(void);
void web_metrics_stop(void);
void web_metrics_free(void);

/* One answered request: its class (a string constant), status and the
 * now_usec() time it began.  No lock, no allocation after the first of
 * each class and status. */
void web_metrics_request(const char *route_class, int status, uint64_t started);
void web_metrics_login_failed(void);
/* The intake API parsed and validated a document (api_applications.c). */
void web_metrics_api_document(bool valid);

#endif
