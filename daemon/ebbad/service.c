/*
 * systemd integration (sd_notify, watchdog) and signal handling via
 * signalfd.  See service.h beside it.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "service.h"
#include "ebba/lib/util.h"

int service_signals_open(struct service_signals *s)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
		return -1;
	/* A peer closing a socket must be an error return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	*s = (struct service_signals){0};
	s->fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	return s->fd < 0 ? -1 : 0;
}

void service_signals_drain(struct service_signals *s)
{
	struct signalfd_siginfo si;
	while (read(s->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			s->reload = true;
		} else if (!s->stop) {
			s->stop = true;
			s->stop_usec = now_usec();
		}
	}
}

void service_set_grace_ms(struct service_signals *s, int ms)
{
	s->grace_usec = ms > 0 ? (uint64_t)ms * 1000u : 0;
}

uint64_t service_stop_deadline(struct service_signals *s)
{
	service_signals_drain(s);
	return s->stop ? s->stop_usec + s->grace_usec : UINT64_MAX;
}

void service_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void service_reloading(void)
{
	/* systemd (253+) matches RELOADING=1 to the reload job by this
	 * CLOCK_MONOTONIC stamp; older ones ignore it. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long usec = (unsigned long long)ts.tv_sec * 1000000ull +
				  (unsigned long long)ts.tv_nsec / 1000ull;
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading configuration and rules",
		   usec);
}

void service_stopping(const char *status)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}

void service_status(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", msg);
}

uint64_t service_watchdog_usec(void)
{
	static uint64_t interval;
	static int enabled = -1;
	if (enabled < 0) {
		uint64_t usec = 0;
		enabled = sd_watchdog_enabled(0, &usec) > 0;
		interval = enabled ? usec : 0;
	}
	return interval;
}

void service_watchdog(void)
{
	static uint64_t last;
	uint64_t interval = service_watchdog_usec();
	if (!interval)
		return;
	uint64_t now = now_usec();
	/* A quarter of the interval leaves room for a late main-loop turn. */
	if (last && now - last < interval / 4)
		return;
	last = now;
	sd_notify(0, "WATCHDOG=1");
}
