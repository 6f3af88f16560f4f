/* ebbactl status: queue depth, decision rates, sample rate, last errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/db.h"

static const char STATUS_SQL[] =
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

int ctl_status(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		printf("usage: ebbactl status\nQueue depth, decisions by outcome, rates, the realised"
		       " sample rate of approvals, and the latest quarantined documents.\n");
		return CTL_OK;
	}
	if (argc != 1)
		return ctl_fail(CTL_USAGE, "usage: ebbactl status");
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	PGresult *res = PQexec(conn, STATUS_SQL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = ctl_fail(CTL_USAGE, "ebbactl status: %s", db_result_error(res));
		PQclear(res);
		PQfinish(conn);
		return rc;
	}
	static const char *const keys[] = {"pending", "processing", "decided", "quarantined",
					   "approved", "referred", "rejected", "decisions_last_minute",
					   "decisions_last_hour", "sampled_approvals", "open_flags",
					   "awaiting_review"};
	long approved = 0, sampled = 0;
	for (int k = 0; k < 12; k++) {
		const char *v = PQgetvalue(res, 0, k);
		printf(ctl_globals.porcelain ? "%s\t%s\n" : "%-22s %s\n", keys[k], v);
		if (k == 4) approved = atol(v);
		if (k == 9) sampled = atol(v);
	}
	double rate = approved ? 100.0 * (double)sampled / (double)approved : 0.0;
	if (ctl_globals.porcelain)
		printf("sample_rate_percent\t%.2f\n", rate);
	else
		printf("%-22s %.2f %%\n", "sample_rate_percent", rate);
	PQclear(res);
	res = PQexec(conn, "select external_id, to_char(updated_at, 'YYYY-MM-DD HH24:MI'), error"
			   " from ebba.inbox where state = 'quarantined' order by updated_at desc limit 5");
	for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
		printf(ctl_globals.porcelain ? "quarantined\t%s\t%s\t%s\n" : "quarantined %s at %s: %s\n",
		       PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
	PQclear(res);
	PQfinish(conn);
	return CTL_OK;
}
