/* The API's connections and parsers, one slot per server thread (api_pool.c). */
#ifndef EBBA_WEB_API_POOL_H
#define EBBA_WEB_API_POOL_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "ebba/intake/application.h"
#include "ebba/lib/config.h"
#include "ebba/lib/error.h"

struct api_slot;

/* n slots; connections open at first use.  cfg outlives the pool. */
int api_pool_init(const struct ebba_config *cfg, const char *conninfo, unsigned n,
		  struct ebba_err *err);
void api_pool_shutdown(void);
/* The largest request body the API reads: the document limit.  Here, below
 * every api_*.c, so that the one limit does not tie them in a circle. */
size_t api_max_body(void);

/* A slot for this request, held until api_slot_give. */
struct api_slot *api_slot_take(void);
void api_slot_give(struct api_slot *s);

/* The slot's parser (the document limit is max_document_bytes). */
struct app_parser *api_slot_parser(struct api_slot *s);
/* The slot's connection, opened now if it is not open (or, with fresh,
 * opened again); NULL with err set when the database does not answer. */
PGconn *api_slot_db(struct api_slot *s, bool fresh, struct ebba_err *err);

#endif
