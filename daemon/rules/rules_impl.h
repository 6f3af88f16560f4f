/*
 * What rules_yaml.c gives the other files of daemon/rules/ (not an API):
 * the diagnostics list, reading the YAML files of a rule set, and texts and
 * values rendered for people.  The rule set itself is in rules_model.h.
 */
#ifndef EBBA_RULES_IMPL_H
#define EBBA_RULES_IMPL_H

#include <yaml.h>

#include "ebba/cel/cel.h"
#include "ebba/lib/yaml.h"
#include "ebba/rules/rules.h"
#include "rules_model.h"

/* ---- diagnostics ---------------------------------------------------------- */

struct rs_diag_item {
	char *file;
	unsigned line, col;
	bool warning;
	char *text;
	size_t seq;
};

struct rs_diags {
	struct rs_diag_item *items;
	size_t n, cap;
	size_t errors, warnings;
};

void rs_diag(struct rs_diags *d, bool warning, const char *file, unsigned line, unsigned col,
	     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Sorts by file, line, column and appends "file:line:col: [warning: ]text\n". */
void rs_diags_flush(struct rs_diags *d, struct ebba_buf *out);
void rs_diags_free(struct rs_diags *d);

/* ---- YAML files ------------------------------------------------------------ */

struct rs_file {
	char *name;              /* as shown in messages (the path given) */
	struct ebba_buf text;
	yaml_document_t doc;     /* the libyaml view rules_load.c walks */
	bool has_doc;
	struct ydoc *tree;       /* the same, as lib/yaml read it (rule tests use it); owned */
};

/*
 * Reads f->text with lib/yaml (which refuses anchors, aliases, repeated
 * keys, several documents, nesting over 32) into f->doc, a libyaml
 * document with the same positions; reports what is wrong as a diagnostic.
 */
int rs_file_parse(struct rs_file *f, struct rs_diags *d);

/*
 * The *.yaml files of dir (no dot files), sorted by name: *names_out is an
 * array of *n_out malloc'd names, freed with rs_file_names_free().  More than
 * max files is an error.  Rule files and rule-test files are listed alike.
 */
int rs_list_yaml(const char *dir, size_t max, char ***names_out, size_t *n_out,
		 struct ebba_err *err);
void rs_file_names_free(char **names, size_t n);
void rs_file_free(struct rs_file *f);

yaml_node_t *rs_node(struct rs_file *f, int idx);
yaml_node_t *rs_root(struct rs_file *f);
/* The value node of key in a mapping node, or NULL. */
yaml_node_t *rs_map_get(struct rs_file *f, yaml_node_t *map, const char *key);
bool rs_is_scalar(const yaml_node_t *n);
const char *rs_scalar(const yaml_node_t *n);   /* NULL if not a scalar */
bool rs_is_plain(const yaml_node_t *n);
unsigned rs_line(const yaml_node_t *n);        /* 1-based */
unsigned rs_col(const yaml_node_t *n);         /* 1-based */
const char *rs_node_kind(const yaml_node_t *n); /* "a mapping", "a list", "text" */

/*
 * Where the byte at `offset` of scalar n's value is in the file, as well
 * as can be told (exact for plain and quoted single-line scalars and for
 * literal blocks).
 */
void rs_scalar_pos(struct rs_file *f, const yaml_node_t *n, size_t offset, unsigned *line,
		   unsigned *col);

/* Did-you-mean: the candidate closest to s (edit distance <= 2 or a third), or NULL. */
const char *rs_suggest(const char *s, const char *const *cands, size_t n);

/* Checks a mapping's keys against allowed (NULL-terminated); reports unknown keys (the reader refused repeated ones). */
void rs_check_keys(struct rs_file *f, yaml_node_t *map, const char *const *allowed,
		   const char *what, struct rs_diags *d);

/* "YYYY-MM-DD" that is a real date. */
/* Converts a YAML node to a CEL value in arena (plain scalars are typed). */
struct cel_value rs_node_value(struct rs_file *f, yaml_node_t *n, struct cel_arena *arena,
			       int depth);

/* ---- texts and values for people (rules_yaml.c) --------------------------------- */

/* Renders t (values joined/printed for people) into out; a list alone on
 * its line is one element a line, and an empty one no line. */
void rs_text_render(const struct rs_text *t, const struct cel_activation *act,
		    struct cel_arena *arena, struct ebba_buf *out);
/* A value for people: strings bare, lists joined with ", ", bools ja/nej. */
void rs_value_human(struct cel_value v, struct ebba_buf *out);

#endif
