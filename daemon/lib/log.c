/*
 * Logging to journald (structured) or stderr.  Journald is chosen when
 * JOURNAL_STREAM says stderr is connected to the journal, as systemd.exec(5)
 * recommends, so that running by hand still prints readable lines.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/lib/util.h"

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

/* s[0..len) into out, with "\xHH" for each control byte and each byte
 * that is not UTF-8; out has room for 4 * len + 1.  Returns the length. */
static size_t escape_into(char *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_char_len(u + i, len - i);
		if (n == 1 && u[i] >= 0x20 && u[i] != 0x7f) {
			out[o++] = (char)u[i];
		} else if (n > 1) {
			memcpy(out + o, u + i, n);
			o += n;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[u[i] >> 4];
			out[o++] = hex[u[i] & 15];
			n = 1;
		}
		i += n;
	}
	out[o] = '\0';
	return o;
}

/* malloc, not xmalloc: out of memory, fatal() logs through here. */
char *log_clean(const char *text, size_t len)
{
	char *raw = malloc(len + 1), *out = len < SIZE_MAX / 5 ? malloc(4 * len + 1) : NULL;
	if (!raw || !out) {
		free(raw);
		free(out);
		return NULL;
	}
	memcpy(raw, text, len);
	/* In the raw text a control byte or a stray byte may be a number's
	 * separator; after escaping, an escape's hex digits beside real ones
	 * could make one: both are masked. */
	pnr_scrub_n(raw, len);
	size_t n = escape_into(out, raw, len);
	free(raw);
	pnr_scrub_n(out, n);
	return out;
}

static const char *level_name(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_ERROR: return "error";
	case LOG_LVL_WARN: return "warning";
	case LOG_LVL_INFO: return "info";
	default: return "debug";
	}
}

/* Journald, natively: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the
 * caller's fields, so `journalctl EBBA_INBOX_ID=42` finds an application.
 * Returns -1 if journald did not take it (the caller then prints it). */
static int emit_journal(enum log_level lvl, const char *const *fields, const char *msg)
{
	enum { MAX_IOV = 24 };
	struct iovec iov[MAX_IOV];
	char *owned[MAX_IOV];
	int n = 0;
	char prio[16];
	snprintf(prio, sizeof(prio), "PRIORITY=%d", (int)lvl);
	if (asprintf(&owned[n], "MESSAGE=%s", msg) < 0)
		return -1;
	iov[n].iov_base = owned[n], iov[n].iov_len = strlen(owned[n]), n++;
	if (asprintf(&owned[n], "SYSLOG_IDENTIFIER=%s", log_ident) < 0) {
		free(owned[0]);
		return -1;
	}
	iov[n].iov_base = owned[n], iov[n].iov_len = strlen(owned[n]), n++;
	int nowned = n;
	iov[n].iov_base = prio, iov[n].iov_len = strlen(prio), n++;
	for (int i = 0; fields && fields[i] && n < MAX_IOV; i++, n++) {
		/* A field value is as likely as a message to quote a number. */
		owned[nowned] = log_clean(fields[i], strlen(fields[i]));
		if (!owned[nowned])
			break;
		iov[n].iov_base = owned[nowned];
		iov[n].iov_len = strlen(owned[nowned]);
		nowned++;
	}
	int rc = sd_journal_sendv(iov, n);
	for (int i = 0; i < nowned; i++)
		free(owned[i]);
	return rc < 0 ? -1 : 0;
}

static void emit(enum log_level lvl, const char *const *fields, const char *msg)
{
	if (use_journal < 0)
		use_journal = journal_wanted();
	if (use_journal && emit_journal(lvl, fields, msg) == 0)
		return;
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	char extra[512] = "";
	size_t off = 0;
	for (int i = 0; fields && fields[i] && off < sizeof(extra) - 1; i++)
		off += (size_t)snprintf(extra + off, sizeof(extra) - off, " %s", fields[i]);
	char *clean = log_clean(extra, strnlen(extra, sizeof(extra)));
	fprintf(stderr, "%s %s[%d]: %s: %s%s\n", ts, log_ident, (int)getpid(),
		level_name(lvl), msg, clean ? clean : "");
	free(clean);
}

static void vlog(enum log_level lvl, const char *const *fields, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void vlog(enum log_level lvl, const char *const *fields, const char *fmt, va_list ap)
{
	if (lvl > log_min)
		return;
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	/* Callers mask identity numbers with pnr_mask(); this is the net
	 * under them, for error text from libraries that quote values.  The
	 * whole message first: a line break may separate a number's parts. */
	pnr_scrub(msg);
	/* One entry per line: a rule set's diagnostics arrive as one
	 * multi-line message, and each line is a file:line:col on its own. */
	char *save = NULL;
	for (char *line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *clean = log_clean(line, strlen(line));
		emit(lvl, fields, clean ? clean : "(out of memory)");
		free(clean);
	}
	free(msg);
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
