#include <stdio.h>
#include <stdlib.h>

#include "ebba/lib/util.h"
#include "ebba/store/db.h"
#include "ebba/store/status.h"

static const char FIGURES_SQL[] =
	"select"
	" (select count(*) from ebba.inbox where state = 'pending'),"
	" (select count(*) from ebba.inbox where state = 'processing'),"
	" (select count(*) from ebba.inbox where state = 'decided'),"
	" (select count(*) from ebba.inbox where state = 'quarantined'),"
	" (select count(*) from ebba.decisions where decided_by = 'ebba' and outcome = 'approved'),"
	" (select count(*) from ebba.decisions where decided_by = 'ebba' and outcome = 'referred'),"
	" (select count(*) from ebba.decisions where decided_by = 'ebba' and outcome = 'rejected'),"
	" (select count(*) from ebba.decisions where decided_by = 'ebba' and decided_at > now() - interval '1 minute'),"
	" (select count(*) from ebba.decisions where decided_by = 'ebba' and decided_at > now() - interval '1 hour'),"
	" (select count(distinct f.decision_id) from ebba.audit_flags f join ebba.decisions d on d.id = f.decision_id"
	"   where f.kind = 'sample' and d.outcome = 'approved' and d.decided_by = 'ebba'),"
	" (select count(*) from ebba.audit_flags where resolved_at is null),"
	" (select count(*) from ebba.decisions d where d.decided_by = 'ebba' and d.outcome <> 'approved'"
	"   and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id))";

int store_status_figures_load(PGconn *conn, struct status_figures *out, struct ebba_err *err)
{
	*out = (struct status_figures){0};
	PGresult *res = PQexecParams(conn, FIGURES_SQL, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ebba_errf(err, "reading the status figures: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	long *v[] = {&out->pending, &out->processing, &out->decided, &out->quarantined,
		     &out->approved, &out->referred, &out->rejected, &out->last_minute,
		     &out->last_hour, &out->sampled_approvals, &out->open_flags,
		     &out->awaiting_review};
	for (int k = 0; k < (int)ARRAY_LEN(v); k++)
		*v[k] = atol(PQgetvalue(res, 0, k));
	PQclear(res);
	return 0;
}

int store_status_latest_quarantined(PGconn *conn, int limit, struct status_quarantine_list *out,
			      struct ebba_err *err)
{
	*out = (struct status_quarantine_list){0};
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = {lim};
	PGresult *res = PQexecParams(conn,
		"select external_id, to_char(updated_at, 'YYYY-MM-DD HH24:MI'), error"
		" from ebba.inbox where state = 'quarantined' order by updated_at desc limit $1::int",
		1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ebba_errf(err, "reading the quarantined documents: %s", store_db_result_error(res));
		PQclear(res);
		return -1;
	}
	out->res = res;
	out->n = (size_t)PQntuples(res);
	out->rows = xcalloc(out->n ? out->n : 1, sizeof(*out->rows));
	for (size_t i = 0; i < out->n; i++)
		out->rows[i] = (struct status_quarantined){PQgetvalue(res, (int)i, 0),
			PQgetvalue(res, (int)i, 1), PQgetvalue(res, (int)i, 2)};
	return 0;
}

void store_status_quarantine_list_free(struct status_quarantine_list *l)
{
	free(l->rows);
	PQclear(l->res);
	*l = (struct status_quarantine_list){0};
}
