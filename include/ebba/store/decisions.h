/*
 * Reading back one of ebba's stored decisions (decisions.c): what
 * `ebbactl replay` re-evaluates and `review show` lists.  The strings point
 * into the query results the structs hold; each *_free releases them.
 */
#ifndef EBBA_STORE_DECISIONS_H
#define EBBA_STORE_DECISIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/store/decision_inputs.h"
#include "ebba/lib/util.h"

struct stored_check {
	const char *id, *result, *message;
};

/* A decision's checks, in the order they were evaluated. */
struct stored_checks {
	struct stored_check *rows;
	size_t n;
	PGresult *res;
};
int store_checks_load(PGconn *conn, const char *decision_id, struct stored_checks *out,
		       struct ebba_err *err);
void store_checks_free(struct stored_checks *c);

/* A look-up's evidence row (SSBTEK or PLAN, not the agency summaries). */
struct stored_evidence {
	const char *source, *status, *person_ref;
	struct ebba_buf raw;        /* the bytes received, decoded */
};

struct stored_decision {
	/* amounts are text, "" when the decision has none */
	const char *outcome, *amount, *norm, *costs, *incomes;
	const char *ruleset_version, *ruleset_sha256;
	const char *delegation;            /* the label its trace names, "" for none */
	struct stored_inputs inputs;       /* ebba.decision_inputs (schema 032) */
	struct ebba_buf document;          /* the application as received */
	struct stored_checks checks;
	struct stored_evidence *evidence;
	size_t n_evidence;
	const char **targeted;             /* reasons of the targeted flags */
	size_t n_targeted;
	PGresult *res[3];
};

/*
 * Loads decision_id, if it is one of ebba's own decisions; *found false
 * (and 0) when there is none.  Fails when a query fails or stored bytes do
 * not decode.
 */
int store_decision_load(PGconn *conn, const char *decision_id, struct stored_decision *out,
			 bool *found, struct ebba_err *err);
void store_decision_free(struct stored_decision *d);

#endif
