/*
 * The parameter values a what-if run was started with, as its page reads
 * them (daemon/store/web_whatif.c): ebba.whatif_runs.parameters, the JSON
 * array whatif_store_begin() wrote ([{"name", "value"}]), read strictly,
 * so an element with a key missing or one too many is an error naming it.
 * The run itself is already a typed row (struct whatif_run_row,
 * store/whatif.h).
 *
 * Ownership: a struct web_whatif_params filled here keeps the parsed
 * document its strings point into and owns its array; the caller releases
 * both with store_web_whatif_params_free(), after which none of its strings may
 * be used.
 */
#ifndef EBBA_STORE_WEB_WHATIF_H
#define EBBA_STORE_WEB_WHATIF_H

#include <stddef.h>

#include <jansson.h>

#include "ebba/lib/error.h"

struct web_whatif_param {
	const char *name;     /* a parameter of the rule set */
	const char *value;    /* as typed into the form */
};

/* What-if's run page: the values set (architecture.md §14.13). */
struct web_whatif_params {
	struct web_whatif_param *items;
	size_t n;
	json_t *doc_;         /* the parsed array: the strings live in it */
};

/* Reads text (a run's parameters column) into out; out is empty on error. */
int store_web_whatif_params_read(const char *text, struct web_whatif_params *out, struct ebba_err *err);

/* Releases what p holds; p is then empty. */
void store_web_whatif_params_free(struct web_whatif_params *p);

#endif
