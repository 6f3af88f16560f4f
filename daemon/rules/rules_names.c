/*
 * The name table of a rule set: every name an expression may use -- the
 * facts of the fact model, params.<name> and the derived facts (calc.* among
 * them) -- in one open-addressing hash table, so that resolving a name while
 * deciding costs one hash and, nearly always, one comparison.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/facts/facts.h"
#include "ebba/lib/util.h"
#include "rules_model.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The first of two equal names wins (the loader has reported the second). */
static void names_add(struct ruleset *rs, const char *name, enum rs_name_kind kind, size_t index)
{
	size_t mask = rs->names_cap - 1;
	for (size_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
		if (!rs->names[i].name) {
			rs->names[i] = (struct rs_name){name, kind, index};
			return;
		}
		if (strcmp(rs->names[i].name, name) == 0)
			return;
	}
}

const struct rs_name *rs_lookup(const struct ruleset *rs, const char *name)
{
	if (!rs->names_cap)
		return NULL;
	size_t mask = rs->names_cap - 1;
	for (size_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
		if (!rs->names[i].name)
			return NULL;
		if (strcmp(rs->names[i].name, name) == 0)
			return &rs->names[i];
	}
}

void rs_names_build(struct ruleset *rs)
{
	size_t n = rs->n_params + rs->n_derived + 32;
	size_t cap = 16;
	while (cap < n * 2)
		cap *= 2;
	rs->names_cap = cap;
	rs->names = xcalloc(cap, sizeof(*rs->names));
	size_t nf = 0;
	for (; FACT_NAMES[nf]; nf++)
		names_add(rs, FACT_NAMES[nf], RS_NAME_FACT, nf);
	rs->n_facts = nf;
	for (size_t i = 0; i < rs->n_params; i++)
		names_add(rs, xasprintf("params.%s", rs->params[i].name), RS_NAME_PARAM, i);
	for (size_t i = 0; i < rs->n_derived; i++)
		names_add(rs, rs->derived[i].name, RS_NAME_DERIVED, i);
	names_add(rs, "delegation", RS_NAME_DELEGATION, 0);
	names_add(rs, "item", RS_NAME_ITEM, 0);
}

void rs_names_free(struct ruleset *rs)
{
	if (!rs->names)
		return;
	for (size_t i = 0; i < rs->names_cap; i++)
		if (rs->names[i].name && rs->names[i].kind == RS_NAME_PARAM)
			free((char *)rs->names[i].name);
	free(rs->names);
	rs->names = NULL;
	rs->names_cap = 0;
}
