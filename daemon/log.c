/*
 * Logging to journald (structured) or stderr.  Journald is chosen when
 * JOURNAL_STREAM says stderr is connected to the journal, as systemd.exec(5)
 * recommends, so that running by hand still prints readable lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "ebba/log.h"

static const char *log_ident = "ebba";
static enum log_level log_min = LOG_LVL_INFO;
static int use_journal = -1;

static int journal_wanted(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	if (!js)
		return 0;
	unsigned long dev = 0, ino = 0;
	if (sscanf(js, "%lu:%lu", &dev, &ino) != 2)
		return 0;
	struct stat st;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(const char *ident, enum log_level min_level)
{
	log_ident = ident;
	log_min = min_level;
	use_journal = journal_wanted();
}

void log_set_level(enum log_level min_level) { log_min = min_level; }

static const char *level_name(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_ERROR: return "error";
	case LOG_LVL_WARN: return "warning";
	case LOG_LVL_INFO: return "info";
	default: return "debug";
	}
}

static void emit(enum log_level lvl, const char *const *fields, const char *msg)
{
	if (use_journal < 0)
		use_journal = journal_wanted();
	if (use_journal) {
		struct iovec iov[24];
		char *owned[24];
		int n = 0;
		owned[n] = NULL;
		if (asprintf(&owned[n], "MESSAGE=%s", msg) < 0)
			return;
		iov[n].iov_base = owned[n], iov[n].iov_len = strlen(owned[n]), n++;
		if (asprintf(&owned[n], "PRIORITY=%d", (int)lvl) < 0)
			owned[n] = NULL;
		else
			iov[n].iov_base = owned[n], iov[n].iov_len = strlen(owned[n]), n++;
		if (asprintf(&owned[n], "SYSLOG_IDENTIFIER=%s", log_ident) >= 0)
			iov[n].iov_base = owned[n], iov[n].iov_len = strlen(owned[n]), n++;
		int first_field = n;
		for (int i = 0; fields && fields[i] && n < 24; i++, n++) {
			owned[n] = NULL;
			iov[n].iov_base = (void *)fields[i];
			iov[n].iov_len = strlen(fields[i]);
		}
		sd_journal_sendv(iov, n);
		for (int i = 0; i < first_field; i++)
			free(owned[i]);
		return;
	}
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
	char extra[512] = "";
	size_t off = 0;
	for (int i = 0; fields && fields[i] && off < sizeof(extra) - 1; i++)
		off += (size_t)snprintf(extra + off, sizeof(extra) - off, " %s", fields[i]);
	if (off >= sizeof(extra))
		off = sizeof(extra) - 1;
	fprintf(stderr, "%s %s[%d]: %s: %s%s\n", ts, log_ident, (int)getpid(),
		level_name(lvl), msg, extra);
}

static void vlog(enum log_level lvl, const char *const *fields, const char *fmt, va_list ap)
{
	if (lvl > log_min)
		return;
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(lvl, fields, msg);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(lvl, NULL, fmt, ap);
	va_end(ap);
}

void log_fields(enum log_level lvl, const char *const *fields, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(lvl, fields, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(2);
}
