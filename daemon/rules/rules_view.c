/*
 * Read-only views of a loaded rule set (rules.h: ruleset_param,
 * ruleset_check), for people who read the rules rather than decide with
 * them.  Everything a view points to is made once at load, so many
 * threads may read the same rule set without locks.
 */
#include <string.h>

#include "rules_impl.h"

void rs_views_build(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n_params; i++) {
		struct rs_param *p = &rs->params[i];
		p->views = xcalloc(p->n ? p->n : 1, sizeof(*p->views));
		for (size_t k = 0; k < p->n; k++) {
			struct rs_param_value *pv = &p->v[k];
			struct ebba_buf b = {0};
			rs_value_human(pv->value, &b);
			pv->display = b.data ? b.data : xstrdup("");
			p->views[k] = (struct ruleset_param_value_view){
				.from = pv->from, .value = pv->display, .source = pv->source,
				.provisional = pv->provisional};
		}
	}
}

size_t ruleset_n_params(const struct ruleset *rs)
{
	return rs->n_params;
}

int ruleset_param(const struct ruleset *rs, size_t i, struct ruleset_param_view *out)
{
	if (i >= rs->n_params)
		return -1;
	const struct rs_param *p = &rs->params[i];
	*out = (struct ruleset_param_view){.name = p->name, .n_values = p->n, .values = p->views};
	return 0;
}

int ruleset_check(const struct ruleset *rs, size_t i, struct ruleset_check_view *out)
{
	if (i >= rs->n_checks)
		return -1;
	const struct rs_check *c = &rs->checks[i];
	*out = (struct ruleset_check_view){
		.id = c->id, .group = c->group, .outcome = c->reject ? "reject" : c->complete ? "complete" : "refer",
		.when = c->when ? cel_program_source(c->when) : NULL,
		.expr = cel_program_source(c->expr), .message = c->message_src,
		.description = c->description, .retry_registers = c->retry_registers};
	return 0;
}
