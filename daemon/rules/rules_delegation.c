/*
 * The delegation section of a rule set: the committee decisions that let
 * ebba decide automatically.  A municipality may only let software decide
 * what its committee has delegated to it (JO's criticism of Trelleborg), so
 * an automatic outcome needs a delegation in force on the decision date
 * that covers it; without one, rules_eval.c refers the application.  Each
 * delegation is dated like a parameter value: valid_from, an optional
 * valid_until, and the day the body decided it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "rules_loader.h"
#include "ebba/lib/outcome.h"

static const char *const DELEG_KEYS[] = {"body", "decided", "reference", "outcomes",
					 "valid_from", "valid_until", "example", "note", NULL};
static const char *const OUTCOME_NAMES[RS_DELEG_OUTCOMES] = {"approved", "rejected"};

/* A non-empty scalar value of key, or NULL after reporting it missing. */
static const char *text_of(struct loader *L, struct rs_file *f, yaml_node_t *e, const char *key)
{
	yaml_node_t *n = rs_map_get(f, e, key);
	if (!n) {
		DIAG(L, f, e, "delegationen saknar '%s'", key);
		return NULL;
	}
	if (!rs_is_scalar(n) || !n->data.scalar.length) {
		DIAG(L, f, n, "'%s' i delegationen måste vara ett enda värde", key);
		return NULL;
	}
	return rs_scalar(n);
}

/* A date of key into out (11 bytes); false if it is missing or not a date. */
static bool date_of(struct loader *L, struct rs_file *f, yaml_node_t *e, const char *key,
		    bool required, char out[11])
{
	out[0] = '\0';
	if (!required && !rs_map_get(f, e, key))
		return true;
	const char *s = text_of(L, f, e, key);
	if (!s)
		return false;
	if (!date_is_iso(s)) {
		DIAG(L, f, rs_map_get(f, e, key), "'%s' i delegationen måste vara ett datum ÅÅÅÅ-MM-DD, inte '%s'",
		     key, s);
		return false;
	}
	memcpy(out, s, 11);
	return true;
}

/* The outcomes list: approved and/or rejected, at least one. */
static bool outcomes_of(struct loader *L, struct rs_file *f, yaml_node_t *e, bool covers[])
{
	yaml_node_t *n = rs_map_get(f, e, "outcomes");
	if (!n) {
		DIAG(L, f, e, "delegationen saknar 'outcomes' (vilka beslut den gäller: approved, rejected)");
		return false;
	}
	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start) {
		DIAG(L, f, n, "'outcomes' i delegationen måste vara en lista med approved och/eller rejected");
		return false;
	}
	bool ok = true;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *o = rs_node(f, *it);
		const char *s = rs_scalar(o);
		int k = 0;
		while (k < RS_DELEG_OUTCOMES && !(s && strcmp(s, OUTCOME_NAMES[k]) == 0))
			k++;
		if (k == RS_DELEG_OUTCOMES) {
			DIAG(L, f, o, "delegationen kan gälla approved eller rejected, inte '%s' (en hänvisning är inget automatiskt beslut)",
			     s ? s : "?");
			ok = false;
			continue;
		}
		covers[k] = true;
	}
	return ok;
}

/* example: true or false. */
static bool example_of(struct loader *L, struct rs_file *f, yaml_node_t *e, bool *out)
{
	yaml_node_t *n = rs_map_get(f, e, "example");
	*out = false;
	if (!n)
		return true;
	const char *s = rs_scalar(n);
	if (!rs_is_plain(n) || (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)) {
		DIAG(L, f, n, "'example' i delegationen måste vara true eller false");
		return false;
	}
	*out = strcmp(s, "true") == 0;
	return true;
}

/* The label and the map the `delegation` fact gives for d. */
static void deleg_finish(struct ruleset *rs, struct rs_delegation *d)
{
	d->label = xasprintf("%s, beslut %s, %s%s", d->body, d->decided, d->reference,
			     d->example ? " (exempel)" : "");
	struct cel_arena *a = rs->consts;
	struct cel_value m = cel_map_new(a, 9);
	struct cel_value outs = cel_list_new(a, RS_DELEG_OUTCOMES);
	for (int k = 0; k < RS_DELEG_OUTCOMES; k++)
		if (d->covers[k])
			cel_list_append(a, outs, cel_string(a, OUTCOME_NAMES[k]));
	cel_map_set_str(a, m, "in_force", cel_bool(true));
	cel_map_set_str(a, m, "body", cel_string(a, d->body));
	cel_map_set_str(a, m, "decided", cel_string(a, d->decided));
	cel_map_set_str(a, m, "reference", cel_string(a, d->reference));
	cel_map_set_str(a, m, "outcomes", outs);
	cel_map_set_str(a, m, "valid_from", cel_string(a, d->valid_from));
	cel_map_set_str(a, m, "valid_until", cel_string(a, d->valid_until));
	cel_map_set_str(a, m, "example", cel_bool(d->example));
	cel_map_set_str(a, m, "label", cel_string(a, d->label));
	d->value = m;
}

static void load_one(struct loader *L, struct rs_file *f, yaml_node_t *e)
{
	if (e->type != YAML_MAPPING_NODE) {
		DIAG(L, f, e, "en delegation måste vara en mappning med body, decided, reference, outcomes och valid_from");
		return;
	}
	rs_check_keys(f, e, DELEG_KEYS, "a delegation", &L->d);
	struct rs_delegation d = {0};
	const char *body = text_of(L, f, e, "body"), *ref = text_of(L, f, e, "reference");
	bool ok = body && ref;
	ok &= date_of(L, f, e, "decided", true, d.decided);
	ok &= date_of(L, f, e, "valid_from", true, d.valid_from);
	ok &= date_of(L, f, e, "valid_until", false, d.valid_until);
	ok &= outcomes_of(L, f, e, d.covers);
	ok &= example_of(L, f, e, &d.example);
	if (!ok)
		return;
	if (d.valid_until[0] && strcmp(d.valid_until, d.valid_from) < 0) {
		DIAG(L, f, rs_map_get(f, e, "valid_until"),
		     "delegationen gäller till %s, före sitt valid_from %s", d.valid_until, d.valid_from);
		return;
	}
	struct ruleset *rs = L->rs;
	d.body = xstrdup(body);
	d.reference = xstrdup(ref);
	d.file = xstrdup(f->name);
	d.line = rs_line(e);
	d.col = rs_col(e);
	deleg_finish(rs, &d);
	rs->deleg = xrealloc(rs->deleg, (rs->n_deleg + 1) * sizeof(*rs->deleg));
	rs->deleg[rs->n_deleg++] = d;
	if (d.example)
		rs_diag(&L->d, true, f->name, d.line, d.col,
			"delegationen '%s' är ett exempel: ersätt den med nämndens eget delegationsbeslut innan ebba beslutar automatiskt",
			d.label);
}

void rs_load_delegation(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		DIAG(L, f, n, "'delegation' måste vara en lista med nämndens beslut (- body: ..., decided: ..., ...)");
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		load_one(L, f, rs_node(f, *it));
}

static bool in_force(const struct rs_delegation *d, const char *date)
{
	return strcmp(d->valid_from, date) <= 0 && strcmp(d->decided, date) <= 0 &&
	       (!d->valid_until[0] || strcmp(date, d->valid_until) <= 0);
}

const struct rs_delegation *rs_delegation_for(const struct ruleset *rs, const char *date,
					      int outcome)
{
	for (size_t i = 0; i < rs->n_deleg; i++)
		if (rs->deleg[i].covers[outcome] && in_force(&rs->deleg[i], date))
			return &rs->deleg[i];
	return NULL;
}

void rs_delegation_check(struct loader *L, const char *today)
{
	struct ruleset *rs = L->rs;
	struct cel_arena *a = rs->consts;
	struct cel_value m = cel_map_new(a, 9);
	cel_map_set_str(a, m, "in_force", cel_bool(false));
	static const char *const keys[] = {"body", "decided", "reference", "valid_from",
					   "valid_until", "label"};
	for (size_t k = 0; k < ARRAY_LEN(keys); k++)
		cel_map_set_str(a, m, keys[k], cel_string(a, ""));
	cel_map_set_str(a, m, "outcomes", cel_list_new(a, 0));
	cel_map_set_str(a, m, "example", cel_bool(false));
	rs->no_deleg = m;
	if (!L->ruleset_node)
		return;
	const char *file = L->ruleset_file->name;
	unsigned line = rs_line(L->ruleset_node), col = rs_col(L->ruleset_node);
	if (rs->n_deleg == 0)
		rs_diag(&L->d, true, file, line, col,
			"regeluppsättningen har ingen delegation (avsnittet 'delegation'): ebba beslutar inget automatiskt utan hänvisar varje ansökan till en handläggare");
	else if (!rs_delegation_for(rs, today, RS_DELEG_APPROVED))
		rs_diag(&L->d, true, file, line, col,
			"ingen delegation för automatiskt beviljande gäller i dag (%s): ebba hänvisar varje ansökan till en handläggare",
			today);
}

void rs_delegations_free(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n_deleg; i++) {
		free(rs->deleg[i].body);
		free(rs->deleg[i].reference);
		free(rs->deleg[i].label);
		free(rs->deleg[i].file);
	}
	free(rs->deleg);
}

/* ---- the view for ebbad and ebbactl status --------------------------------- */

bool ruleset_delegation_in_force(const struct ruleset *rs, const char *date, const char *outcome,
				 struct ruleset_delegation_view *out)
{
	enum outcome o = OUTCOME_APPROVED;
	int k = outcome_parse(outcome, &o) && o == OUTCOME_REJECTED ? RS_DELEG_REJECTED : RS_DELEG_APPROVED;
	const struct rs_delegation *d = rs_delegation_for(rs, date, k);
	if (d && out)
		*out = (struct ruleset_delegation_view){
			.body = d->body, .decided = d->decided, .reference = d->reference,
			.valid_from = d->valid_from, .valid_until = d->valid_until,
			.approved = d->covers[RS_DELEG_APPROVED],
			.rejected = d->covers[RS_DELEG_REJECTED], .example = d->example,
			.label = d->label};
	return d != NULL;
}
