/*
 * Following up the access log (schema/024_log_followup.sql): what an
 * auditor reads, through the two SECURITY DEFINER functions that return
 * log facts only and write the auditor's own access-log row ("view", or
 * "export") in the same statement.  ebba-web's Loggar page and `ebbactl
 * log` both read through here, so the page, its CSV file and the command
 * give the same rows.
 *
 * Ownership: a PGresult **out is the caller's to PQclear(); a buffer is
 * appended to, never reset.
 */
#ifndef EBBA_STORE_AUDIT_LOG_H
#define EBBA_STORE_AUDIT_LOG_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

/* What to read; NULL means no filter.  Dates are YYYY-MM-DD, both days
 * included.  who is a login name, case_id a case number: never an
 * identity number (the filter goes into the auditor's own log row). */
struct audit_log_query {
	const char *who;
	const char *case_id;
	const char *from, *to;
	const char *action;         /* view, resolve, export, login, denied */
	int limit;                  /* rows at most; 0: all */
	bool export;                /* logged as "export" (a file) rather than "view" */
	const char *client;         /* for the auditor's own row: "ebbactl", an address */
};

/* The columns of store_audit_entries' answer, in order. */
enum audit_entry_col {
	AE_AT, AE_WHO, AE_ACTION, AE_KIND, AE_OBJECT, AE_CASE, AE_CLIENT, AE_COUNT,
	AE_PROTECTED, AE_NCOLS
};

/* The columns of store_audit_followup's answer, in order. */
enum audit_finding_col {
	AF_REASON, AF_AT, AF_WHO, AF_CASE, AF_ACTION, AF_KIND, AF_OBJECT, AF_CLIENT, AF_VIEWS,
	AF_MEDIAN, AF_NCOLS
};

/* Why a row is on the monthly lists (closed set; names as the SQL says). */
enum audit_reason {
	AUDIT_PROTECTED, AUDIT_NEVER_WORKED, AUDIT_BURST, AUDIT_DENIED, AUDIT_FAILED_LOGIN,
	AUDIT_REASONS
};
/* "protected", "never-worked", "burst", "denied", "failed-login". */
const char *store_audit_reason_code(enum audit_reason r);
/* The reason of a code, or -1. */
int store_audit_reason_of(const char *code);

/* Whether s is a day written YYYY-MM-DD that exists. */
bool store_audit_valid_day(const char *s);
/* Whether s may be a login name or case number filter (letters, digits,
 * - _ . @ :; at most 63; no identity number in it). */
bool store_audit_valid_name(const char *s);
/* Whether s is one of the access log's actions. */
bool store_audit_valid_action(const char *s);
/* The monthly lists' period when none is given: the 30 days before today,
 * and today (local time), as YYYY-MM-DD into from[11] and to[11]. */
void store_audit_default_period(char *from, char *to);

/*
 * The access log's rows that q asks for, newest first; times as
 * "YYYY-MM-DD HH24:MI:SS", protected as "t"/"f", columns as enum
 * audit_entry_col.
 */
int store_audit_entries(PGconn *db, const struct audit_log_query *q, PGresult **out,
			struct ebba_err *err);

/*
 * The monthly lists over q->from..q->to (both required; the other filters
 * are not used): columns as enum audit_finding_col, ordered by reason,
 * time, person.  factor and minimum: a day is a burst when a person's
 * views are at least minimum and more than factor times their own median
 * of the 30 days before (ebba.yaml: audit.log_burst_factor,
 * audit.log_burst_minimum).
 */
int store_audit_followup(PGconn *db, const struct audit_log_query *q, int factor, int minimum,
			 PGresult **out, struct ebba_err *err);

/*
 * Appends res as CSV (RFC 4180: CRLF, fields quoted when they hold a comma,
 * a quote or a line break) with header as its first line; a field that
 * starts with = + - @ is prefixed with ' so that a spreadsheet does not
 * run it.  word(col, value) may give a field's text in other words (NULL:
 * as stored).  res NULL: the header line alone.
 */
void store_audit_csv(const PGresult *res, const char *const *header, int ncols,
	       const char *(*word)(int col, const char *value), struct ebba_buf *out);

#endif
