#include "ebba/store/access_log.h"
#include "ebba/store/db.h"

int store_access_log(PGconn *db, const char *action, const char *object_kind,
		     const char *object_id, const char *client, struct ebba_err *err)
{
	const char *p[] = {action, object_kind, object_id, client};
	if (db_exec(db, "insert into ebba.access_log (action, object_kind, object_id, client)"
			" values ($1, $2, $3, $4)", 4, p, err) != 0)
		return ebba_err_prefix(err, "access log");
	return 0;
}
