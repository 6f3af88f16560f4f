/*
 * The API's workers' tools: one database connection (ebba-web's own role)
 * and one document parser per slot, a slot per server thread, so requests
 * on different threads never wait for each other.  A connection that broke
 * (the database restarted) is opened again at the next use.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ebba/intake/application.h"
#include "ebba/lib/log.h"
#include "ebba/lib/util.h"
#include "ebba/store/db.h"
#include "api_pool.h"

struct api_slot {
	pthread_mutex_t lock;
	PGconn *db;
	struct app_parser *parser;
};

static struct {
	const struct ebba_config *cfg;
	char *conninfo;
	struct api_slot *slots;
	size_t n;
	atomic_size_t next;
} P;

int api_pool_init(const struct ebba_config *cfg, const char *conninfo, unsigned n,
		  struct ebba_err *err)
{
	P.cfg = cfg;
	P.conninfo = xstrdup(conninfo);
	P.n = n ? n : 1;
	P.slots = xcalloc(P.n, sizeof(*P.slots));
	struct app_parse_opts opts = {.max_bytes = (size_t)cfg->max_document_bytes};
	for (size_t i = 0; i < P.n; i++) {
		pthread_mutex_init(&P.slots[i].lock, NULL);
		P.slots[i].parser = app_parser_new(&opts, err);
		if (!P.slots[i].parser)
			return ebba_err_prefix(err, "the API's document parser");
	}
	return 0;
}

void api_pool_shutdown(void)
{
	for (size_t i = 0; i < P.n; i++) {
		PQfinish(P.slots[i].db);
		app_parser_free(P.slots[i].parser);
		pthread_mutex_destroy(&P.slots[i].lock);
	}
	free(P.slots);
	free(P.conninfo);
	P.slots = NULL;
	P.conninfo = NULL;
	P.n = 0;
}

struct api_slot *api_slot_take(void)
{
	for (size_t i = 0; i < P.n; i++)
		if (pthread_mutex_trylock(&P.slots[i].lock) == 0)
			return &P.slots[i];
	struct api_slot *s = &P.slots[atomic_fetch_add(&P.next, 1) % P.n];
	pthread_mutex_lock(&s->lock);
	return s;
}

void api_slot_give(struct api_slot *s)
{
	if (s->db && PQstatus(s->db) == CONNECTION_OK && PQtransactionStatus(s->db) != PQTRANS_IDLE)
		PQclear(PQexec(s->db, "rollback"));
	pthread_mutex_unlock(&s->lock);
}

struct app_parser *api_slot_parser(struct api_slot *s)
{
	return s->parser;
}

PGconn *api_slot_db(struct api_slot *s, bool fresh, struct ebba_err *err)
{
	if (s->db && !fresh && PQstatus(s->db) == CONNECTION_OK)
		return s->db;
	PQfinish(s->db);
	s->db = store_db_connect(P.conninfo, "ebba-web api", P.cfg->statement_timeout_ms, err);
	return s->db;
}

size_t api_max_body(void)
{
	return (size_t)P.cfg->max_document_bytes;
}
