/*
 * Parameter values set for one run (rules.h: ruleset_load_with): what-if's
 * `--set PARAM=VALUE` and the web form's fields.  Each value is read as a
 * YAML value of its own, so "80", "2026-09-01" and "[AF, FK]" mean what
 * they mean in a rule file, and replaces every dated value of the
 * parameter: the override is in force on every date.  It is applied after
 * the section checks and before compiling, so the type checks and the dry
 * run judge the rule set as it will decide.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_loader.h"

static struct rs_param *find_param(struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_params; i++)
		if (strcmp(rs->params[i].name, name) == 0)
			return &rs->params[i];
	return NULL;
}

static void unknown_param(struct loader *L, const char *file, const char *name)
{
	const char **cands = xcalloc(L->rs->n_params + 1, sizeof(*cands));
	for (size_t i = 0; i < L->rs->n_params; i++)
		cands[i] = L->rs->params[i].name;
	const char *sug = rs_suggest(name, cands, L->rs->n_params);
	if (sug)
		rs_diag(&L->d, false, file, 1, 1, "regeluppsättningen har ingen parameter '%s' (menade du '%s'?)",
			name, sug);
	else
		rs_diag(&L->d, false, file, 1, 1, "regeluppsättningen har ingen parameter '%s'", name);
	free(cands);
}

static bool same_kind(struct cel_value a, struct cel_value b)
{
	bool num_a = a.kind == CEL_INT || a.kind == CEL_DOUBLE;
	bool num_b = b.kind == CEL_INT || b.kind == CEL_DOUBLE;
	return a.kind == b.kind || (num_a && num_b);
}

static void apply_one(struct loader *L, const struct ruleset_override *ov)
{
	struct rs_file f = {0};
	f.name = xasprintf("--set %s", ov->name);
	buf_append(&f.text, ov->value, strlen(ov->value));
	buf_putc(&f.text, '\n');
	struct rs_param *p = find_param(L->rs, ov->name);
	yaml_node_t *root = NULL;
	if (!p) {
		unknown_param(L, f.name, ov->name);
	} else if (rs_file_parse(&f, &L->d) == 0 && !(root = rs_root(&f))) {
		rs_diag(&L->d, false, f.name, 1, 1, "inget värde för parametern '%s'", ov->name);
	} else if (f.has_doc && p->n > 0) {
		struct cel_value v = rs_node_value(&f, root, L->rs->consts, 0);
		if (!same_kind(v, p->v[0].value)) {
			rs_diag(&L->d, false, f.name, rs_line(root), rs_col(root),
				"värdet för parametern '%s' är %s men parametern är %s", ov->name,
				cel_kind_name(v.kind), cel_kind_name(p->v[0].value.kind));
		} else {
			for (size_t k = 1; k < p->n; k++) {
				free(p->v[k].source);
				free(p->v[k].note);
				free(p->v[k].file);
			}
			p->n = 1;
			p->v[0].value = v;
			p->v[0].provisional = false;
			free(p->v[0].source);
			free(p->v[0].note);
			p->v[0].note = NULL;
			free(p->v[0].file);
			p->v[0].source = xstrdup("satt för denna körning");
			p->v[0].file = xstrdup(f.name);
			p->v[0].line = p->v[0].col = 1;
		}
	}
	rs_file_free(&f);
}

void rs_apply_overrides(struct loader *L, const struct ruleset_override *ov, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < i; k++)
			if (strcmp(ov[k].name, ov[i].name) == 0)
				rs_diag(&L->d, false, "--set", 1, 1, "parametern '%s' sätts två gånger",
					ov[i].name);
		apply_one(L, &ov[i]);
	}
}
