/*
 * Refusals before anyone is known (a failed or throttled login, a proxy
 * header from a peer not trusted), written to ebba.access_log under
 * ebba-web's own name (denials.c).  A flood of them must not become a
 * flood of rows, and none may be left out: the first refusal of a kind,
 * name and client is a row at once; the ones that follow it within
 * web.denied_log_seconds are counted and written as one row with their
 * count (ebba.access_log.count, first_at) when that time is up, or when
 * ebba-web stops.
 */
#ifndef EBBA_WEB_DENIALS_H
#define EBBA_WEB_DENIALS_H

#include "ebba/lib/error.h"

/* Starts the thread that writes the counted refusals (once a second). */
int denials_start(int window_seconds, struct ebba_err *err);
/* Writes every count still held and stops the thread (before ebba-web's
 * own connection closes). */
void denials_stop(void);

/* One refusal: kind ("login", "proxy"), object_id (the name tried, or a
 * placeholder), client (its address). */
void denial_record(const char *kind, const char *object_id, const char *client);

#endif
