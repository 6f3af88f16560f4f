/*
 * The daemon's conversation with its supervisor: signals arrive on a
 * signalfd and are read in the main loop (no work in handlers), and
 * sd_notify messages say READY/RELOADING/STOPPING/STATUS/WATCHDOG.
 */
#ifndef EBBA_SERVICE_H
#define EBBA_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

struct service_signals {
	int fd;             /* signalfd; poll it with the other fds */
	bool stop;          /* SIGTERM or SIGINT seen */
	bool reload;        /* SIGHUP seen */
};

/* Blocks SIGTERM, SIGINT, SIGHUP and SIGPIPE and opens the signalfd. */
int service_signals_open(struct service_signals *s);
/* Reads every pending signal into the flags; never blocks. */
void service_signals_drain(struct service_signals *s);

void service_ready(const char *status);
void service_reloading(void);
void service_stopping(const char *status);
void service_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Sends WATCHDOG=1 at most twice per WatchdogSec; cheap to call often. */
void service_watchdog(void);

#endif
