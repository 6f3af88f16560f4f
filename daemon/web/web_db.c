/* ebba-web's own database connection (web_db.h). */
#include <pthread.h>

#include "ebba/lib/log.h"
#include "ebba/store/db.h"
#include "web_db.h"

static struct {
	const char *conninfo;
	int timeout_ms;
	PGconn *db;
	pthread_mutex_t lock;
} D = {.lock = PTHREAD_MUTEX_INITIALIZER};

int web_db_open(const char *conninfo, int statement_timeout_ms, struct ebba_err *err)
{
	D.conninfo = conninfo;
	D.timeout_ms = statement_timeout_ms;
	D.db = store_db_connect(conninfo, "ebba-web", statement_timeout_ms, err);
	return D.db ? 0 : ebba_err_prefix(err, "ebba-web's own connection");
}

PGconn *web_db_lock(void)
{
	pthread_mutex_lock(&D.lock);
	if (!D.db || PQstatus(D.db) != CONNECTION_OK) {
		struct ebba_err err;
		PQfinish(D.db);
		D.db = store_db_connect(D.conninfo, "ebba-web", D.timeout_ms, &err);
		if (!D.db) {
			log_error("ebba-web: own connection: %s", err.msg);
			pthread_mutex_unlock(&D.lock);
			return NULL;
		}
	}
	return D.db;
}

void web_db_unlock(void)
{
	pthread_mutex_unlock(&D.lock);
}

const char *web_db_conninfo(void)
{
	return D.conninfo;
}

void web_db_close(void)
{
	PQfinish(D.db);
	D.db = NULL;
}
