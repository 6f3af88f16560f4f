/*
 * Internals of the rule engine shared by daemon/rules_*.c (not an API).
 */
#ifndef EBBA_RULES_IMPL_H
#define EBBA_RULES_IMPL_H

#include <yaml.h>

#include "ebba/cel/cel.h"
#include "ebba/rules/rules.h"

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
	yaml_document_t doc;
	bool has_doc;
};

/* Parses f->text into f->doc; reports syntax errors, aliases, several documents. */
int rs_file_parse(struct rs_file *f, struct rs_diags *d);
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

/* Checks a mapping's keys against allowed (NULL-terminated); reports unknown and duplicate keys. */
void rs_check_keys(struct rs_file *f, yaml_node_t *map, const char *const *allowed,
		   const char *what, struct rs_diags *d);

/* "YYYY-MM-DD" that is a real date. */
/* Converts a YAML node to a CEL value in arena (plain scalars are typed). */
struct cel_value rs_node_value(struct rs_file *f, yaml_node_t *n, struct cel_arena *arena,
			       int depth);

/* ---- the rule set ------------------------------------------------------------ */

/* A text with {{ expression }} parts. */
struct rs_seg {
	char *lit;                 /* literal text, or NULL */
	struct cel_program *prog;  /* or an expression */
	const char *file;          /* where the expression is (borrowed from the check/letter) */
	unsigned line, col;
};
struct rs_text {
	struct rs_seg *segs;
	size_t n;
	char *file;
};

struct rs_param_value {
	char from[11];
	struct cel_value value;     /* in rs->consts */
	char *source;
	bool provisional;
	char *file;
	unsigned line, col;
};

struct rs_param {
	char *name;                 /* "riksnorm_single" */
	struct rs_param_value *v;   /* sorted by from */
	size_t n;
};

struct rs_derived {
	char *name;                 /* "norm_personal", or "calc.norm" */
	struct cel_program *prog;
	char *file;
	unsigned line, col;
};

struct rs_check {
	char *id;
	char *group;
	struct cel_program *when;   /* NULL: always */
	struct cel_program *expr;
	bool reject;
	struct rs_text message;
	char *file;                 /* where when [0] and expr [1] are */
	unsigned line[2], col[2];
};

struct rs_flag {
	char *id;
	struct cel_program *when;
	struct rs_text reason;
};

enum { RS_CALC_NORM, RS_CALC_COSTS, RS_CALC_INCOMES, RS_CALC_AMOUNT, RS_CALC_COUNT };
extern const char *const RS_CALC_NAMES[RS_CALC_COUNT];   /* "calc.norm", ... */

enum rs_name_kind { RS_NAME_FACT, RS_NAME_PARAM, RS_NAME_DERIVED };

struct rs_name {
	const char *name;
	enum rs_name_kind kind;
	size_t index;
};

struct ruleset {
	char *name, *version, *valid_from;
	char sha256[65];
	struct rs_param *params;
	size_t n_params;
	struct rs_derived *derived;
	size_t n_derived;
	int calc[RS_CALC_COUNT];    /* index into derived, -1 if missing */
	struct rs_check *checks;
	size_t n_checks;
	struct rs_flag *flags;
	size_t n_flags;
	double sample[3];           /* approved, referred, rejected */
	struct rs_text letter;
	bool has_letter;
	struct cel_arena *consts;
	size_t n_warnings;
	size_t n_facts;
	/* name table: open addressing, power of two */
	struct rs_name *names;
	size_t names_cap;
};

const struct rs_name *rs_lookup(const struct ruleset *rs, const char *name);
/* Renders t (values joined/printed for people) into out. */
void rs_text_render(const struct rs_text *t, const struct cel_activation *act,
		    struct cel_arena *arena, struct ebba_buf *out);
/* A value for people: strings bare, lists joined with ", ", bools ja/nej. */
void rs_value_human(struct cel_value v, struct ebba_buf *out);

#endif
