/*
 * The one YAML reader of ebba (configuration, rule files, rule tests, case
 * frames, the LEFI mapping): libyaml's event parser into a small tree that
 * keeps the line, column and byte offset of every node, so every reader
 * says "file:line:col: message".
 *
 * One way for everything, whoever reads:
 *  - Anchors (&name) and aliases (*name) are refused at the anchor or alias,
 *    "anchors (&name) are not allowed; write the value out".  No shipped file
 *    (rules/, packaging/, schema/, tests/data/) uses them, they only appear
 *    in hostile test inputs, and refusing them makes "billion laughs"
 *    impossible instead of merely limited; a written-out value is also what a
 *    supervisor reviewing a rule change needs to see.
 *  - A key given twice in one mapping is refused ("duplicate key 'x' (first
 *    on line N)").
 *  - UTF-8 only; one document; no NUL in a value; at most ylimits.max_bytes
 *    of text, max_depth nested collections and max_nodes nodes.
 *  - Tags (!!python/...) are ignored: every scalar is text.
 * An empty stream (nothing but comments) loads as a document whose root is
 * NULL; the caller decides whether that is allowed.
 *
 * Ownership: a struct ydoc owns its name, every node and every string in
 * it; ydoc_free() frees all of it (the one free function).  Nodes and
 * strings handed out by the lookup functions are borrowed from the document
 * and live until ydoc_free().  The tree may also be built by hand (JSON
 * input, rule-test frames): ydoc_new(), ydoc_set_root(), ynode_add().
 *
 * Errors follow error.h; messages are English (operators and supervisors
 * read them in the same lines as the rule loader's) and never hold a full
 * personal identity number or a control character.
 */
#ifndef EBBA_LIB_YAML_H
#define EBBA_LIB_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/error.h"

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };
enum ynode_style { YS_PLAIN, YS_SINGLE, YS_DOUBLE, YS_LITERAL, YS_FOLDED };

struct ynode {
	enum ynode_kind kind;
	enum ynode_style style;  /* scalars; a built node is plain */
	unsigned line, col;      /* 1-based; 0 for a built node without a position */
	size_t offset;           /* byte offset of the node in the text */
	char *text;              /* scalars: NUL-terminated, no NUL inside */
	size_t len;              /* strlen(text) */
	/* Sequences: n items.  Mappings: n/2 pairs, kids[2i] the key, kids[2i+1] its value. */
	struct ynode *kids;
	size_t n, cap;
};

struct ydoc {
	char *name;              /* as given; shown in messages */
	struct ynode *root;      /* NULL: the stream held no document */
	size_t n_nodes;
};

struct ylimits {
	size_t max_bytes;        /* 0: YAML_DEFAULT_MAX_BYTES */
	unsigned max_depth;      /* nested sequences/mappings; 0: YAML_DEFAULT_MAX_DEPTH */
	size_t max_nodes;        /* 0: YAML_DEFAULT_MAX_NODES */
};

#define YAML_DEFAULT_MAX_BYTES (1u << 20)
#define YAML_DEFAULT_MAX_DEPTH 32
#define YAML_DEFAULT_MAX_NODES (1u << 18)

/* Parses len bytes of data (no NUL needed); lim NULL for the defaults. NULL on error. */
struct ydoc *ydoc_parse(const char *name, const char *data, size_t len, const struct ylimits *lim,
			struct ebba_err *err);
/* Reads path ("-" for stdin) and parses it; the path is the name in messages. */
struct ydoc *ydoc_load(const char *path, const struct ylimits *lim, struct ebba_err *err);
void ydoc_free(struct ydoc *d);

/* ---- building a tree by hand ---- */

struct ydoc *ydoc_new(const char *name);
/* The document's root, a fresh node of kind (replaces nothing: root must be NULL). */
struct ynode *ydoc_set_root(struct ydoc *d, enum ynode_kind kind);
/* Appends a zeroed node of kind to a sequence or mapping; valid until the next add to parent. */
struct ynode *ynode_add(struct ydoc *d, struct ynode *parent, enum ynode_kind kind);
/* Appends a scalar with a copy of text (len bytes); position from at, or none. */
struct ynode *ynode_add_scalar(struct ydoc *d, struct ynode *parent, const char *text, size_t len,
			       const struct ynode *at);
/* Appends a deep copy of src (positions kept). */
struct ynode *ynode_add_copy(struct ydoc *d, struct ynode *parent, const struct ynode *src);
/* Replaces a scalar's text, keeping its position. */
void ynode_set_text(struct ynode *n, const char *text, size_t len);

/* ---- reading ---- */

/* The value of key in a mapping (NULL if absent, or if map is not a mapping). */
struct ynode *ymap_get(const struct ynode *map, const char *key);
static inline size_t ymap_size(const struct ynode *map) { return map->n / 2; }
/* The scalar's text, or NULL for anything else (and for NULL). */
const char *ynode_text(const struct ynode *n);
/* "a single value", "a list", "a mapping (key: value)", "empty", "nothing" */
const char *ynode_kind_name(const struct ynode *n);

/* Fills err with "name:line:col: message" (or "name: message" without a
 * position); identity numbers and control characters are scrubbed.  -1. */
int yerrf(const struct ydoc *d, const struct ynode *n, struct ebba_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same for a document name alone (no ydoc at hand). */
int yerrf_at(const char *name, unsigned line, unsigned col, struct ebba_err *err, const char *fmt,
	     ...) __attribute__((format(printf, 5, 6)));
/*
 * Splits a message made by yerrf for document name back into its position
 * and text (for callers that collect and sort diagnostics).  Without a
 * position, line and col are 1 and the text is the message after "name: ".
 */
const char *yerr_split(const char *name, const char *msg, unsigned *line, unsigned *col);

/* Typed getters: "what: expected ..." at the node when it is not what is asked for. */
int yget_str(const struct ydoc *d, const struct ynode *n, const char *what, const char **out,
	     struct ebba_err *err);
/* A whole number (optional sign, digits only) from min to max. */
int yget_int(const struct ydoc *d, const struct ynode *n, const char *what, int64_t min,
	     int64_t max, int64_t *out, struct ebba_err *err);
/* true/false (yes/no accepted, as YAML 1.1 wrote them). */
int yget_bool(const struct ydoc *d, const struct ynode *n, const char *what, bool *out,
	      struct ebba_err *err);

#endif
