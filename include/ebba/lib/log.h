/*
 * Logging.  Under systemd (JOURNAL_STREAM set) messages go to journald with
 * structured fields; otherwise to stderr as one line each.  Personal
 * identity numbers are never passed here in full: use pnr_mask().  Every
 * line is made safe by log_clean() (masked numbers, escaped control and
 * non-UTF-8 bytes) whatever the caller passes.
 */
#ifndef EBBA_LOG_H
#define EBBA_LOG_H

#include <stddef.h>
#include <stdnoreturn.h>

enum log_level { LOG_LVL_ERROR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

void log_init(const char *ident, enum log_level min_level);
void log_set_level(enum log_level min_level);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Like log_msg with extra journald fields: a NULL-terminated list of
 * "FIELD=value" strings (e.g. "EBBA_APPLICATION=EB-2026-12-000123").
 */
void log_fields(enum log_level lvl, const char *const *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/*
 * What every line and field of the log becomes, in one place, for journald
 * and stderr alike: identity numbers masked (pnr_scrub_n: every digit of
 * each), each control byte (below 0x20 and 0x7f: CR, LF, ESC, ...) and each
 * byte that is not UTF-8 written as "\xHH", so no text can forge a line or
 * reach a terminal as a control sequence, and then masked once more (an
 * escape's hex digits next to real digits could complete a number).  A
 * backslash in the text stays as it is.  Returns a malloc'd string, or
 * NULL if memory ran out.
 */
char *log_clean(const char *text, size_t len);

/* Logs at error level and exits with status 2 (environment error). */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
