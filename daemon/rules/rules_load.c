/*
 * Loading a rule set (docs/rules.md): read every *.yaml file of the
 * directory and run the steps of loading in order -- the section checks
 * (rules_sections.c), the name table (rules_names.c), compiling every
 * expression against it (rules_compile.c), parameter coverage, the cycle
 * search among derived facts (rules_cycles.c) and the dry run on a sample
 * household (rules_dryrun.c).  Every problem is reported with
 * file:line:column; nothing is returned unless all is well.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "rules_eval.h"
#include "rules_loader.h"

const struct rs_calc_name RS_CALC[RS_CALC_COUNT] = {
	[RS_CALC_NORM] = {"calc.norm", "norm"},
	[RS_CALC_COSTS] = {"calc.costs", "costs"},
	[RS_CALC_INCOMES] = {"calc.incomes", "incomes"},
	[RS_CALC_AMOUNT] = {"calc.amount", "amount"},
};

/* The one table of check results: ebba.decision_checks.result's text. */
static const char *const RULE_RESULTS[] = {
	[RULE_PASS] = "pass", [RULE_FAIL] = "fail", [RULE_SKIP] = "skip", [RULE_ERROR] = "error",
};

const char *rule_result_name(enum rule_result r)
{
	return (unsigned)r < ARRAY_LEN(RULE_RESULTS) ? RULE_RESULTS[r] : "?";
}

bool rule_result_parse(const char *s, enum rule_result *out)
{
	for (size_t k = 0; s && k < ARRAY_LEN(RULE_RESULTS); k++)
		if (strcmp(RULE_RESULTS[k], s) == 0) {
			*out = (enum rule_result)k;
			return true;
		}
	return false;
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	free(rs->name);
	free(rs->version);
	free(rs->valid_from);
	for (size_t i = 0; i < rs->n_params; i++) {
		for (size_t k = 0; k < rs->params[i].n; k++) {
			free(rs->params[i].v[k].source);
			free(rs->params[i].v[k].note);
			free(rs->params[i].v[k].display);
			free(rs->params[i].v[k].trace);
			free(rs->params[i].v[k].file);
		}
		free(rs->params[i].v);
		free(rs->params[i].views);
		free(rs->params[i].name);
	}
	free(rs->params);
	for (size_t i = 0; i < rs->n_derived; i++) {
		free(rs->derived[i].name);
		free(rs->derived[i].file);
		free(rs->derived[i].description);
		cel_program_free(rs->derived[i].prog);
	}
	free(rs->derived);
	for (size_t i = 0; i < rs->n_checks; i++) {
		free(rs->checks[i].id);
		free(rs->checks[i].group);
		free(rs->checks[i].file);
		cel_program_free(rs->checks[i].when);
		cel_program_free(rs->checks[i].expr);
		rs_text_free(&rs->checks[i].message);
		free(rs->checks[i].message_src);
		free(rs->checks[i].description);
		for (size_t k = 0; k < rs->checks[i].n_documents; k++)
			free(rs->checks[i].documents[k]);
		free(rs->checks[i].documents);
		free(rs->checks[i].doc_line);
		free(rs->checks[i].doc_col);
		free(rs->checks[i].doc_file);
	}
	free(rs->checks);
	for (size_t i = 0; i < rs->n_flags; i++) {
		free(rs->flags[i].id);
		cel_program_free(rs->flags[i].when);
		rs_text_free(&rs->flags[i].reason);
		free(rs->flags[i].reason_src);
	}
	free(rs->flags);
	rs_text_free(&rs->letter);
	for (size_t i = 0; i < rs->n_paras; i++) {
		free(rs->paras[i].id);
		free(rs->paras[i].text_src);
		free(rs->paras[i].description);
		cel_program_free(rs->paras[i].when);
		cel_program_free(rs->paras[i].each);
		rs_text_free(&rs->paras[i].text);
	}
	free(rs->paras);
	rs_text_free(&rs->closing);
	rs_text_free(&rs->person_letter[0]);
	rs_text_free(&rs->person_letter[1]);
	free(rs->request_letter);
	free(rs->description);
	rs_delegations_free(rs);
	rs_reasons_free(rs);
	rs_names_free(rs);
	if (rs->consts)
		cel_arena_free(rs->consts);
	free(rs);
}

const char *ruleset_name(const struct ruleset *rs) { return rs->name; }
const char *ruleset_version(const struct ruleset *rs) { return rs->version; }
const char *ruleset_sha256(const struct ruleset *rs) { return rs->sha256; }
const char *ruleset_valid_from(const struct ruleset *rs) { return rs->valid_from ? rs->valid_from : ""; }
size_t ruleset_n_checks(const struct ruleset *rs) { return rs->n_checks; }
size_t ruleset_n_warnings(const struct ruleset *rs) { return rs->n_warnings; }

double ruleset_sample_rate(const struct ruleset *rs, const char *outcome)
{
	static const char *const outcomes[3] = {"approved", "referred", "rejected"};
	for (int k = 0; k < 3; k++)
		if (strcmp(outcome, outcomes[k]) == 0)
			return rs->sample[k];
	return 0.0;
}

static int load_files(struct rs_file *files, size_t n_files, const struct ruleset_override *ov,
		      size_t n_ov, struct ruleset **out, struct ebba_buf *diagnostics,
		      struct ebba_err *err)
{
	struct loader L = {0};
	struct ruleset *rs = xcalloc(1, sizeof(*rs));
	L.rs = rs;
	L.files = files;
	L.n_files = n_files;
	rs->consts = cel_arena_new();
	rs->sample[0] = 0.10;
	for (int k = 0; k < RS_CALC_COUNT; k++)
		rs->calc[k] = -1;
	rs->calc_notes = -1;
	rs->calc_lines = -1;
	/* SHA-256 over name NUL content NUL, in name order (files are sorted) */
	struct ebba_buf all = {0};
	for (size_t i = 0; i < n_files; i++) {
		const char *base = strrchr(files[i].name, '/');
		base = base ? base + 1 : files[i].name;
		buf_append(&all, base, strlen(base) + 1);
		buf_append(&all, files[i].text.data ? files[i].text.data : "", files[i].text.len);
		buf_putc(&all, '\0');
	}
	/* A run's own values make another candidate: --set NAME NUL VALUE NUL. */
	for (size_t i = 0; i < n_ov; i++) {
		buf_append(&all, "--set ", 6);
		buf_append(&all, ov[i].name, strlen(ov[i].name) + 1);
		buf_append(&all, ov[i].value, strlen(ov[i].value) + 1);
	}
	sha256_hex(all.data ? all.data : "", all.len, rs->sha256);
	buf_free(&all);

	for (size_t i = 0; i < n_files; i++)
		if (rs_file_parse(&files[i], &L.d) == 0)
			rs_load_sections(&L, &files[i]);
	rs_apply_overrides(&L, ov, n_ov);
	rs_warn_provisional(&L);
	if (!L.ruleset_node && L.d.errors == 0)
		rs_diag(&L.d, false, n_files ? files[0].name : "rules", 1, 1,
			"ingen fil har ett avsnitt 'ruleset' med regeluppsättningens namn och version");
	if (!L.have_calc && L.d.errors == 0)
		rs_diag(&L.d, false, n_files ? files[0].name : "rules", 1, 1,
			"ingen fil har ett avsnitt 'calculation' (norm, costs, incomes, amount)");
	char today[DATE_BUF];
	date_today_local(today);
	rs_delegation_check(&L, today);
	rs_names_build(rs);
	rs_queue_expressions(&L);
	rs_compile_pending(&L);
	rs_check_coverage(&L);
	rs_reasons_check(&L);
	rs_request_check(&L);
	if (L.d.errors == 0)
		rs_find_cycles(&L);
	if (L.d.errors == 0)
		rs_dry_run(rs, &L.d);
	for (size_t i = 0; i < L.n_pend; i++)
		free(L.pend[i].src);
	free(L.pend);
	free(L.param_node);
	free(L.param_file);
	rs->n_warnings = L.d.warnings;
	size_t nerr = L.d.errors;
	rs_diags_flush(&L.d, diagnostics);
	rs_diags_free(&L.d);
	if (nerr) {
		ruleset_free(rs);
		*out = NULL;
		return ebba_errf(err, "rules: %zu error%s", nerr, nerr == 1 ? "" : "s");
	}
	rs_views_build(rs);
	rs_trace_build(rs);
	*out = rs;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void rs_file_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int rs_list_yaml(const char *dir, size_t max, char ***names_out, size_t *n_out,
		 struct ebba_err *err)
{
	*names_out = NULL;
	*n_out = 0;
	DIR *dp = opendir(dir);
	if (!dp)
		return ebba_errf(err, "%s: cannot open the directory: %m", dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n == max) {
			closedir(dp);
			rs_file_names_free(names, n);
			return ebba_errf(err, "%s: more than %zu files", dir, max);
		}
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*names_out = names;
	*n_out = n;
	return 0;
}

int ruleset_load(const char *dir, struct ruleset **out, struct ebba_buf *diagnostics,
		 struct ebba_err *err)
{
	return ruleset_load_with(dir, NULL, 0, out, diagnostics, err);
}

int ruleset_load_with(const char *dir, const struct ruleset_override *ov, size_t n_ov,
		      struct ruleset **out, struct ebba_buf *diagnostics, struct ebba_err *err)
{
	*out = NULL;
	char **names;
	size_t n;
	if (rs_list_yaml(dir, RULES_MAX_FILES, &names, &n, err) != 0)
		return ebba_err_prefix(err, "rules");
	if (n == 0) {
		free(names);
		return ebba_errf(err, "%s: no rule files (*.yaml)", dir);
	}
	struct rs_file *files = xcalloc(n, sizeof(*files));
	int rc = 0;
	size_t dl = strlen(dir);
	for (size_t i = 0; i < n; i++) {
		files[i].name = dl && dir[dl - 1] == '/' ? xasprintf("%s%s", dir, names[i])
							 : xasprintf("%s/%s", dir, names[i]);
		if (read_file_limited(files[i].name, RULES_MAX_FILE_BYTES, &files[i].text, err) != 0)
			rc = -1;
	}
	if (rc == 0)
		rc = load_files(files, n, ov, n_ov, out, diagnostics, err);
	for (size_t i = 0; i < n; i++)
		rs_file_free(&files[i]);
	rs_file_names_free(names, n);
	free(files);
	return rc;
}

int ruleset_load_buffer(const char *name, const char *yaml, size_t len, struct ruleset **out,
			struct ebba_buf *diagnostics, struct ebba_err *err)
{
	*out = NULL;
	if (len > RULES_MAX_FILE_BYTES)
		return ebba_errf(err, "%s: larger than %u bytes", name, RULES_MAX_FILE_BYTES);
	struct rs_file f = {0};
	f.name = xstrdup(name);
	buf_append(&f.text, yaml, len);
	int rc = load_files(&f, 1, NULL, 0, out, diagnostics, err);
	rs_file_free(&f);
	return rc;
}
