#include <stdio.h>

#include "ebba/store/access_log.h"
#include "ebba/store/db.h"

int store_access_log(PGconn *db, const char *action, const char *object_kind,
		     const char *object_id, const char *client, struct ebba_err *err)
{
	const char *p[] = {action, object_kind, object_id, client};
	if (store_db_exec(db, "insert into ebba.access_log (action, object_kind, object_id, client)"
			" values ($1, $2, $3, $4)", 4, p, err) != 0)
		return ebba_err_prefix(err, "access log");
	return 0;
}

int store_access_log_denied(PGconn *db, const char *object_kind, const char *object_id,
			    const char *client, long long count, double first_age_seconds,
			    struct ebba_err *err)
{
	char n[24], age[32];
	snprintf(n, sizeof(n), "%lld", count);
	snprintf(age, sizeof(age), "%.3f", first_age_seconds > 0 ? first_age_seconds : 0.0);
	const char *p[] = {object_kind, object_id, client, n, age};
	if (store_db_exec(db, "insert into ebba.access_log (action, object_kind, object_id, client, count, first_at)"
			" values ('denied', $1, $2, $3, $4::integer,"
			" case when $5::float8 > 0 then now() - make_interval(secs => $5::float8) end)",
		    5, p, err) != 0)
		return ebba_err_prefix(err, "access log");
	return 0;
}
