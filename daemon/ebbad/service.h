/*
 * The daemon's conversation with its supervisor: signals arrive on a
 * signalfd and are read in the main loop (no work in handlers), and
 * sd_notify messages say READY/RELOADING/STOPPING/STATUS/WATCHDOG.
 * Without NOTIFY_SOCKET (run by hand, tests) the notifications are no-ops.
 */
#ifndef EBBA_SERVICE_H
#define EBBA_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

struct service_signals {
	int fd;             /* signalfd; poll it with the other fds */
	bool stop;          /* SIGTERM or SIGINT seen */
	bool reload;        /* SIGHUP seen */
	uint64_t stop_usec; /* now_usec() when the first stop signal was read */
	uint64_t grace_usec;/* how long a stopping daemon may keep working (shutdown_grace_ms) */
};

/*
 * Blocks SIGTERM, SIGINT and SIGHUP, ignores SIGPIPE and opens the
 * signalfd into *s.  The caller keeps s and hands it (or a callback that
 * reads it) to whatever must notice a stop; nothing here keeps a pointer.
 */
int service_signals_open(struct service_signals *s);
/* Reads every pending signal into the flags; never blocks. */
void service_signals_drain(struct service_signals *s);

/* Sets s->grace_usec from shutdown_grace_ms. */
void service_set_grace_ms(struct service_signals *s, int ms);
/*
 * The now_usec() time by which a stopping daemon must have let go of its
 * batch (stop signal + grace), or UINT64_MAX while no stop was asked for.
 * Reads pending signals first, so that long-running work can notice
 * SIGTERM without returning to the main loop: ebbad hands it to the worker
 * as the stop_deadline of a struct reg_fetch_ctl, which the worker asks
 * between applications and the register client asks at least every
 * REG_SLICE_MS while look-ups are in flight (and then abandons them).
 * Cheap: one read(2).
 */
uint64_t service_stop_deadline(struct service_signals *s);

void service_ready(const char *status);
void service_reloading(void);
void service_stopping(const char *status);
void service_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* WatchdogSec in microseconds as systemd passed it, or 0 when off. */
uint64_t service_watchdog_usec(void);
/*
 * Sends WATCHDOG=1 at most about four times per WatchdogSec; cheap to
 * call often.  The caller decides whether it is healthy enough to call it
 * (see ebbad.c: the loop turns and the database answered recently).
 */
void service_watchdog(void);

#endif
