/*
 * One NOTIFY ebba_inbox for many API inserts (api_notify.c): the inserts of
 * ebba.intake_submit do not notify (schema/008_intake_tokens.sql), so that
 * their commits do not wait for each other; this wakes ebbad instead,
 * within a few milliseconds of the first insert it has not announced.
 */
#ifndef EBBA_WEB_API_NOTIFY_H
#define EBBA_WEB_API_NOTIFY_H

#include "ebba/lib/error.h"

/* Starts the notifier thread, on a connection of its own to conninfo. */
int api_notify_start(const char *conninfo, int statement_timeout_ms, struct ebba_err *err);
/* After an application went into the inbox. */
void api_notify_inserted(void);
/* Sends what is pending and stops. */
void api_notify_stop(void);

#endif
