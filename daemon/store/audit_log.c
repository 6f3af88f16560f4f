/*
 * Following up the access log (include/ebba/store/audit_log.h): the calls
 * of schema 024's two functions, the filters' shapes, and CSV.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ebba/lib/date.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/audit_log.h"
#include "ebba/store/db.h"

static const char *const reason_codes[AUDIT_REASONS] = {
	[AUDIT_PROTECTED] = "protected", [AUDIT_NEVER_WORKED] = "never-worked",
	[AUDIT_BURST] = "burst", [AUDIT_DENIED] = "denied", [AUDIT_FAILED_LOGIN] = "failed-login",
};

const char *store_audit_reason_code(enum audit_reason r)
{
	return r < AUDIT_REASONS ? reason_codes[r] : "";
}

int store_audit_reason_of(const char *code)
{
	for (int r = 0; code && r < AUDIT_REASONS; r++)
		if (strcmp(reason_codes[r], code) == 0)
			return r;
	return -1;
}

bool store_audit_valid_day(const char *s)
{
	int y, m, d, n = 0;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	for (int i = 0; i < 10; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return false;
	return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= date_days_in_month(y, m);
}

bool store_audit_valid_name(const char *s)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@:";
	size_t n = s ? strlen(s) : 0;
	/* an identity number would go into the auditor's own log row */
	return n > 0 && n <= 63 && strspn(s, allowed) == n && !pnr_in_text(s);
}

bool store_audit_valid_action(const char *s)
{
	static const char *const actions[] = {"view", "resolve", "export", "login", "denied"};
	for (size_t i = 0; s && i < ARRAY_LEN(actions); i++)
		if (strcmp(actions[i], s) == 0)
			return true;
	return false;
}

void store_audit_default_period(char *from, char *to)
{
	time_t now = time(NULL), then = now - 30 * 86400;
	struct tm tm;
	strftime(from, 11, "%Y-%m-%d", localtime_r(&then, &tm));
	strftime(to, 11, "%Y-%m-%d", localtime_r(&now, &tm));
}

static int run(PGconn *db, const char *sql, int n, const char *const *p, PGresult **out,
	       struct ebba_err *err)
{
	*out = PQexecParams(db, sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(*out) == PGRES_TUPLES_OK)
		return 0;
	ebba_errf(err, "access log: %s", store_db_result_error(*out));
	PQclear(*out);
	*out = NULL;
	return -1;
}

#define AT(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI:SS')"

/* What was asked, in words, for the auditor's own log row: login names,
 * case numbers and days only (the shapes audit_valid_* allow). */
static void describe(const struct audit_log_query *q, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s%s%s%s%s%s%s", q->who ? "person=" : "", q->who ? q->who : "",
		 q->case_id ? " case=" : "", q->case_id ? q->case_id : "",
		 q->from ? " from=" : "", q->from ? q->from : "", q->to ? " to=" : "",
		 q->to ? q->to : "", q->action ? " action=" : "", q->action ? q->action : "");
}

int store_audit_entries(PGconn *db, const struct audit_log_query *q, PGresult **out,
			struct ebba_err *err)
{
	char what[256], limit[16];
	describe(q, what, sizeof(what));
	snprintf(limit, sizeof(limit), "%d", q->limit);
	const char *p[] = {q->who, q->case_id, q->from, q->to, q->action,
			   q->limit > 0 ? limit : NULL, q->export ? "t" : "f",
			   what[0] == ' ' ? what + 1 : what, q->client};
	return run(db,
		   "select " AT("e.at") ", e.who, e.action, e.object_kind, e.object_id, e.case_id,"
		   " e.client, e.count, e.protected"
		   " from ebba.access_log_entries($1, $2, $3::date, $4::date, $5, $6::integer,"
		   "  $7::boolean, $8, $9) with ordinality e order by e.ordinality",
		   9, p, out, err);
}

int store_audit_followup(PGconn *db, const struct audit_log_query *q, int factor, int minimum,
			 PGresult **out, struct ebba_err *err)
{
	char f[16], m[16];
	snprintf(f, sizeof(f), "%d", factor);
	snprintf(m, sizeof(m), "%d", minimum);
	const char *p[] = {q->from, q->to, f, m, q->export ? "t" : "f", q->client};
	return run(db,
		   "select f.reason, " AT("f.at") ", f.who, f.case_id, f.action, f.object_kind,"
		   " f.object_id, f.client, f.views, round(f.median, 1)"
		   " from ebba.access_log_followup($1::date, $2::date, $3::numeric, $4::integer,"
		   "  $5::boolean, $6) with ordinality f order by f.ordinality",
		   6, p, out, err);
}

static void csv_field(struct ebba_buf *out, const char *v)
{
	bool formula = v[0] && strchr("=+-@", v[0]);
	if (!formula && !strpbrk(v, ",\"\r\n")) {
		buf_puts(out, v);
		return;
	}
	buf_putc(out, '"');
	if (formula)
		buf_putc(out, '\'');
	for (; *v; v++) {
		if (*v == '"')
			buf_putc(out, '"');
		buf_putc(out, *v);
	}
	buf_putc(out, '"');
}

void store_audit_csv(const PGresult *res, const char *const *header, int ncols,
	       const char *(*word)(int col, const char *value), struct ebba_buf *out)
{
	for (int c = 0; c < ncols; c++) {
		if (c)
			buf_putc(out, ',');
		csv_field(out, header[c]);
	}
	buf_puts(out, "\r\n");
	for (int r = 0; r < PQntuples(res); r++) {
		for (int c = 0; c < ncols; c++) {
			const char *v = PQgetvalue(res, r, c);
			const char *w = word ? word(c, v) : NULL;
			if (c)
				buf_putc(out, ',');
			csv_field(out, w ? w : v);
		}
		buf_puts(out, "\r\n");
	}
}
