/*
 * A deadline for every request (conn_limits.c): libmicrohttpd's own
 * timeout closes only an idle connection, so a client that sends one byte
 * a second would hold a connection for hours.  Here a request must have
 * arrived whole within request_timeout_seconds of the connection's start
 * (or of the end of its previous request); otherwise the connection is cut.
 * While ebba-web answers, no deadline runs.
 */
#ifndef EBBA_WEB_CONN_LIMITS_H
#define EBBA_WEB_CONN_LIMITS_H

#include <microhttpd.h>

#include "ebba/lib/error.h"

/* Starts the thread that cuts late requests (once a second). */
int limits_start(int request_timeout_seconds, struct ebba_err *err);
/* Stops it (after MHD_stop_daemon, which closes every connection). */
void limits_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION: a connection starts or closes. */
void limits_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		   enum MHD_ConnectionNotificationCode code);
/* The request on c has arrived whole: no deadline while it is answered. */
void limits_request_read(struct MHD_Connection *c);
/* The answer is sent: the next request on c starts its clock. */
void limits_request_done(struct MHD_Connection *c);

#endif
