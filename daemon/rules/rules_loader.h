/*
 * The state of loading one rule set, shared by the steps of loading (not an
 * API): rules_load.c reads the files and runs the steps in order --
 * sections (rules_sections.c), names (rules_names.c), compiling
 * (rules_compile.c), the cycle search (rules_cycles.c) and the dry run
 * (rules_dryrun.c).  Each step reports into L->d.
 */
#ifndef EBBA_RULES_LOADER_H
#define EBBA_RULES_LOADER_H

#include "rules_impl.h"

/* An expression found by the section checks, compiled once the names are known. */
struct pending {
	struct cel_program **slot;
	struct rs_file *f;
	yaml_node_t *node;
	size_t offset;          /* of src within the scalar */
	char *src;
	int derived;            /* index of the derived fact it defines, or -1 */
};

struct loader {
	struct ruleset *rs;
	struct rs_diags d;
	struct rs_file *files;
	size_t n_files;
	struct pending *pend;
	size_t n_pend, cap_pend;
	/* where things were defined, for duplicate messages */
	yaml_node_t **param_node;
	struct rs_file **param_file;
	yaml_node_t *ruleset_node;
	struct rs_file *ruleset_file;
	bool have_calc;
};

#define DIAG(L, f, n, ...) rs_diag(&(L)->d, false, (f)->name, rs_line(n), rs_col(n), __VA_ARGS__)

/* Checks the sections of one parsed file and collects what they define. */
void rs_load_sections(struct loader *L, struct rs_file *f);
/*
 * Second walk over checks, flags and letters (after the names are known
 * and the arrays no longer move): queues their expressions and texts.
 */
void rs_queue_expressions(struct loader *L);
/* One warning per provisional date and source, naming its parameters. */
void rs_warn_provisional(struct loader *L);
/* Every parameter has a value in force from the rule set's valid_from. */
void rs_check_coverage(struct loader *L);
/* The delegation section of f (rules_delegation.c). */
void rs_load_delegation(struct loader *L, struct rs_file *f, yaml_node_t *n);
/*
 * After the sections: the `delegation` fact for days without one, and a
 * warning when the set has none, or none for approvals in force today.
 */
void rs_delegation_check(struct loader *L, const char *today);
void rs_delegations_free(struct ruleset *rs);
/* The reason catalogue and the appeal text (rules_reasons.c); the check
 * that every check that can refer or reject has a reason (warnings). */
void rs_load_reasons(struct loader *L, struct rs_file *f, yaml_node_t *n);
void rs_load_documents(struct loader *L, struct rs_file *f, yaml_node_t *n);
void rs_load_appeal(struct loader *L, struct rs_file *f, yaml_node_t *n);
void rs_load_sentences(struct loader *L, struct rs_file *f, yaml_node_t *n);
void rs_reasons_check(struct loader *L);
/*
 * A komplettering that ebbad asks by itself (rules_request.c): every id of
 * a check's documents is in the catalogue, the parameter completion_days
 * is there when a check can ask, and the letters.documents_requested
 * template uses only its own placeholders.
 */
void rs_request_check(struct loader *L);
/* letters.documents_requested of f (rules_request.c). */
void rs_load_request_letter(struct loader *L, struct rs_file *f, yaml_node_t *n);
void rs_reasons_free(struct ruleset *rs);
const struct rs_reason *ruleset_reason_find(const struct ruleset *rs, const char *id);
/* Compiles every queued expression against the names; reports what fails. */
void rs_compile_pending(struct loader *L);
/* Replaces the named parameters' values with the run's own (rules_override.c). */
void rs_apply_overrides(struct loader *L, const struct ruleset_override *ov, size_t n);
/* Reports each circle among derived facts once. */
void rs_find_cycles(struct loader *L);

#endif
