/*
 * Asking the registers again (include/ebba/store/register_retry.h): one
 * call of ebba.register_retry_schedule, which decides what to send under
 * its own advisory lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/store/db.h"
#include "ebba/store/register_retry.h"
#include "pg_text.h"

static char *checks_array(const char *const *checks, size_t n)
{
	struct ebba_buf b = {0};
	buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ',');
		pg_array_text(&b, checks[i]);
	}
	buf_putc(&b, '}');
	return buf_steal(&b);
}

int store_register_retry(PGconn *db, const char *const *checks, size_t n_checks, int every_seconds,
			 int window_hours, int batch, struct register_retry_round *out,
			 struct ebba_err *err)
{
	*out = (struct register_retry_round){0};
	if (n_checks == 0 || every_seconds <= 0)
		return 0;
	char *arr = checks_array(checks, n_checks);
	char every[16], window[16], n[16];
	snprintf(every, sizeof(every), "%d", every_seconds);
	snprintf(window, sizeof(window), "%d", window_hours);
	snprintf(n, sizeof(n), "%d", batch);
	const char *p[] = {arr, every, window, n};
	PGresult *res = PQexecParams(db,
		"select count(*), coalesce(bool_or(probe), false)"
		" from ebba.register_retry_schedule($1::text[], make_interval(secs => $2::int),"
		"                                   make_interval(hours => $3::int), $4::int)",
		4, NULL, p, NULL, NULL, 0);
	free(arr);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "asking the registers again: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	out->sent = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	out->probe = PQgetvalue(res, 0, 1)[0] == 't';
	PQclear(res);
	return 0;
}
