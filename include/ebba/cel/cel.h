/*
 * The rule expression engine: a documented subset of CEL (Common Expression
 * Language, github.com/google/cel-spec).  docs/expressions.md describes the
 * language for the people who write rules; this header describes the C API.
 *
 * Life cycle:
 *
 *   struct cel_program *prog;
 *   struct cel_compile_error ce;
 *   if (cel_compile(src, decls, &prog, &ce, &err) != 0)
 *           report "file:%u:%u: %s" with the expression's own offset + ce.pos,
 *           and decide what to do by ce.kind, never by the text;
 *   struct cel_arena *arena = cel_arena_new();
 *   for each application:
 *           struct cel_activation act = { .resolve = facts_lookup, .ctx = app };
 *           struct cel_value v = cel_eval(prog, &act, arena);
 *           ... use v (it lives in the arena) ...
 *           cel_arena_reset(arena);
 *   cel_arena_free(arena);
 *   cel_program_free(prog);
 *
 * Ownership, in one place:
 *  - A compiled program owns its AST, constants and precompiled regular
 *    expressions; it is immutable after cel_compile, so one program may be
 *    evaluated by many threads at once, each with its own arena.
 *  - Every value produced by evaluation or built with the cel_* builders
 *    lives in a `struct cel_arena`.  Values are plain structs passed by value;
 *    nothing is reference counted and nothing is freed one by one.
 *    cel_arena_reset() invalidates every value built in that arena;
 *    cel_arena_free() releases the memory.  A value may point into another
 *    arena, into a program (constants) or into caller memory
 *    (cel_string_ref): it is valid while all of those are.
 *  - Strings given to cel_string()/cel_bytes() are copied into the arena;
 *    cel_string_ref() does not copy (the caller keeps the bytes alive).
 *
 * Errors are values: evaluation never fails as a C call; a division by zero,
 * a missing map key or an exhausted cost budget yields a value of kind
 * CEL_ERROR with a message and an error kind (enum cel_error_kind).
 * Compilation errors (syntax, unknown identifier, obvious type mistakes,
 * limits) are reported by cel_compile with an error kind and a 1-based line
 * and column (columns count Unicode code points).  The messages are English
 * (they are CEL's, for whoever wrote the expression); a caller that shows
 * them to people in another language, or that treats some errors
 * differently, goes by the kind, never by the text.
 */
#ifndef EBBA_CEL_H
#define EBBA_CEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

/* The kinds of values.  CEL_TYPE is a type denotation such as `int`. */
enum cel_kind {
	CEL_NULL,
	CEL_BOOL,
	CEL_INT,
	CEL_UINT,
	CEL_DOUBLE,
	CEL_STRING,
	CEL_BYTES,
	CEL_LIST,
	CEL_MAP,
	CEL_TYPE,
	CEL_ERROR,
};

/*
 * What went wrong, for an error value and for a compile error.  Set where
 * the error is made; callers classify errors by it, never by the message.
 */
enum cel_error_kind {
	CEL_ERR_NONE,             /* not an error */
	CEL_ERR_SYNTAX,           /* compile: the text is not a (supported) expression */
	CEL_ERR_UNKNOWN_IDENT,    /* a name not declared (compile) or not bound (evaluation) */
	CEL_ERR_UNKNOWN_FUNCTION, /* no function of that name and number of arguments */
	CEL_ERR_NO_SUCH_KEY,      /* a map key or field that is not there */
	CEL_ERR_TYPE,             /* no matching overload: an operation on the wrong kinds */
	CEL_ERR_CONVERSION,       /* a value that does not convert: int("x"), bad UTF-8 */
	CEL_ERR_INVALID,          /* an invalid regular expression, a repeated map key */
	CEL_ERR_DIV_ZERO,         /* division or modulus by zero */
	CEL_ERR_OVERFLOW,         /* integer arithmetic out of range */
	CEL_ERR_RANGE,            /* index out of range, conversion out of range, min([]) */
	CEL_ERR_BUDGET,           /* the evaluation cost limit */
	CEL_ERR_LIMIT,            /* a size or nesting limit (string, expression, depth) */
	CEL_ERR_OTHER,            /* made by a resolver or a caller, not by CEL itself */
};

/* "syntax", "unknown identifier", "no such key", ... (English, for logs). */
const char *cel_error_kind_name(enum cel_error_kind k);

struct cel_list;
struct cel_map;

/*
 * A value: 16 bytes, copied freely.  For CEL_STRING, CEL_BYTES and
 * CEL_ERROR, `str` points at `len` bytes (UTF-8 for strings and error
 * messages; NUL-terminated when built by this library, but may contain NUL
 * bytes, so always use len).  For CEL_ERROR, `error` says what went wrong
 * (never CEL_ERR_NONE); for every other kind it is CEL_ERR_NONE.  For
 * CEL_TYPE, `type` is the kind denoted.  kind (an enum cel_kind) and error
 * (an enum cel_error_kind) share the first four bytes so that the value
 * stays 16 bytes and an error costs no allocation: two 16-bit halves with
 * no padding, which measured cheapest (enum bit-fields and bytes cost the
 * evaluator masks; see the rules helper's report on issue 18).
 */
struct cel_value {
	uint16_t kind;
	uint16_t error;
	uint32_t len;
	union {
		bool b;
		int64_t i;
		uint64_t u;
		double d;
		const char *str;
		struct cel_list *list;
		struct cel_map *map;
		enum cel_kind type;
	};
};
_Static_assert(sizeof(struct cel_value) == 16, "a value is copied everywhere: keep it 16 bytes");

/* ---- Arena -------------------------------------------------------------- */

struct cel_arena;

struct cel_arena *cel_arena_new(void);
/* Forgets every value built in the arena; keeps the memory for reuse. */
void cel_arena_reset(struct cel_arena *arena);
void cel_arena_free(struct cel_arena *arena);
/* Bytes currently allocated from the arena (for tests and limits). */
size_t cel_arena_used(const struct cel_arena *arena);
/* n bytes (8-aligned) that live until the arena is reset or freed. */
void *cel_arena_alloc(struct cel_arena *arena, size_t n);
/*
 * The arena's text buffer: scratch space (docs/architecture.md §14.15)
 * for text built piece by piece and then copied into the arena (the rule
 * engine's messages and trace).  It belongs to the arena, so its owner
 * (one thread at a time) holds it too; cel_arena_reset() leaves it alone,
 * its user resets it before use, and it keeps the capacity of the largest
 * text until cel_arena_free().
 */
struct ebba_buf *cel_arena_text(struct cel_arena *arena);

/* ---- Building values ---------------------------------------------------- */

static inline struct cel_value cel_null(void)
{
	return (struct cel_value){.kind = CEL_NULL};
}
static inline struct cel_value cel_bool(bool b)
{
	return (struct cel_value){.kind = CEL_BOOL, .b = b};
}
static inline struct cel_value cel_int(int64_t i)
{
	return (struct cel_value){.kind = CEL_INT, .i = i};
}
static inline struct cel_value cel_uint(uint64_t u)
{
	return (struct cel_value){.kind = CEL_UINT, .u = u};
}
static inline struct cel_value cel_double(double d)
{
	return (struct cel_value){.kind = CEL_DOUBLE, .d = d};
}
static inline struct cel_value cel_type(enum cel_kind k)
{
	return (struct cel_value){.kind = CEL_TYPE, .type = k};
}
static inline bool cel_is_error(struct cel_value v)
{
	return v.kind == CEL_ERROR;
}
/* What went wrong; CEL_ERR_NONE if v is not an error. */
static inline enum cel_error_kind cel_error_kind_of(struct cel_value v)
{
	return v.kind == CEL_ERROR ? v.error : CEL_ERR_NONE;
}

/* Longest string or bytes value (and arena allocation) accepted. */
#define CEL_MAX_STRING ((size_t)64 << 20)

/*
 * Copies s (NUL-terminated, or n bytes) into the arena.  The caller
 * promises valid UTF-8 for strings (JSON input from jansson always is).
 * A string longer than CEL_MAX_STRING becomes an error value.
 */
struct cel_value cel_string(struct cel_arena *arena, const char *s);
struct cel_value cel_stringn(struct cel_arena *arena, const char *s, size_t n);
struct cel_value cel_bytes(struct cel_arena *arena, const void *p, size_t n);
/* A string that points at the caller's bytes without copying. */
struct cel_value cel_string_ref(const char *s, size_t n);
/* An error value of kind ek whose message is formatted into the arena. */
struct cel_value cel_errorf(struct cel_arena *arena, enum cel_error_kind ek, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Lists: an empty list, appended to while being built. */
struct cel_value cel_list_new(struct cel_arena *arena, size_t capacity_hint);
/* Appends v to list (which must be a CEL_LIST). */
void cel_list_append(struct cel_arena *arena, struct cel_value list, struct cel_value v);
size_t cel_list_size(struct cel_value list);
/* The element at index i < cel_list_size(list). */
struct cel_value cel_list_get(struct cel_value list, size_t i);

/*
 * Maps keep insertion order (for printing); keys are bool, int, uint or
 * string, and int/uint keys of equal value are the same key, as in CEL.
 * cel_map_set replaces the value of an existing key; it fails (returns -1)
 * only for a key of a kind that cannot be a map key.
 */
struct cel_value cel_map_new(struct cel_arena *arena, size_t capacity_hint);
int cel_map_set(struct cel_arena *arena, struct cel_value map, struct cel_value key,
		struct cel_value v, struct ebba_err *err);
/* Shorthand for a string key copied into the arena; cannot fail. */
void cel_map_set_str(struct cel_arena *arena, struct cel_value map, const char *key,
		     struct cel_value v);
size_t cel_map_size(struct cel_value map);
/* Looks key up; true and *out set if present. */
bool cel_map_get(struct cel_value map, struct cel_value key, struct cel_value *out);
bool cel_map_get_str(struct cel_value map, const char *key, struct cel_value *out);
/* The i-th entry in insertion order, i < cel_map_size(map). */
void cel_map_entry(struct cel_value map, size_t i, struct cel_value *key, struct cel_value *v);

/* ---- Inspecting and printing values ------------------------------------- */

/* "int", "string", "list", "null_type", "type", "error", ... */
const char *cel_kind_name(enum cel_kind k);

/*
 * CEL equality: numbers compare across int/uint/double by value, lists and
 * maps structurally, values of different kinds are unequal.  NaN is not
 * equal to itself.  Error operands are never equal.
 */
bool cel_value_equal(struct cel_value a, struct cel_value b);

/*
 * Appends v in CEL literal syntax: `[1, 2u, "x", {"a": true}]`, doubles in
 * the shortest form that reads back to the same number (`2.5`, `1e+100`,
 * `3.0`, `double("Infinity")`), bytes as b"\xff", types by name, an error
 * as `error("message")` (not a literal: errors cannot be written in CEL).
 */
void cel_value_format(struct cel_value v, struct ebba_buf *out);

/*
 * Converts parsed JSON to a value in arena: objects become maps with string
 * keys, arrays lists, integers int, reals double, strings are copied.
 */
typedef struct json_t json_t;
int cel_value_from_json(const json_t *j, struct cel_arena *arena, struct cel_value *out,
			struct ebba_err *err);

/* ---- Compiling ---------------------------------------------------------- */

/*
 * What identifiers an expression may use.  NULL decls to cel_compile means
 * any identifier is allowed (resolved, or not, at evaluation time).  With
 * decls, a name is declared if it is in names[] or is_declared() says so;
 * any other identifier is the compile error "unknown identifier 'x'".
 * Dotted names ("household.adults") may be declared: `household.adults.x`
 * then resolves to the longest declared prefix, as CEL specifies.
 */
struct cel_decls {
	const char *const *names;
	size_t count;
	bool (*is_declared)(void *ctx, const char *name);
	void *ctx;
};

/* A place in an expression, 1-based; columns count code points. */
struct cel_err_pos {
	unsigned line;
	unsigned column;
};

/* Where a compile error is and what kind it is. */
struct cel_compile_error {
	struct cel_err_pos pos;
	enum cel_error_kind kind;
};

struct cel_options {
	size_t max_expr_len;   /* bytes; 0 = CEL_DEFAULT_MAX_EXPR_LEN */
	unsigned max_depth;    /* nesting; 0 = CEL_DEFAULT_MAX_DEPTH */
	bool no_type_check;    /* skip the static check of obvious type errors */
};

#define CEL_DEFAULT_MAX_EXPR_LEN 16384
#define CEL_DEFAULT_MAX_DEPTH 100
#define CEL_DEFAULT_MAX_STEPS 1000000

struct cel_program;

/*
 * Parses and checks src.  On success *out owns a new program (free with
 * cel_program_free).  On failure returns -1, *out is NULL, ce (if not
 * NULL) holds the position and the kind (an unknown identifier is
 * CEL_ERR_UNKNOWN_IDENT, and the identifier starts at ce->pos) and err the
 * message without position, e.g. "unknown identifier 'incme'".  opts may
 * be NULL for the defaults.
 */
int cel_compile(const char *src, const struct cel_decls *decls, struct cel_program **out,
		struct cel_compile_error *ce, struct ebba_err *err);
/* The same for len bytes of src (which may then contain NUL bytes). */
int cel_compile_opts(const char *src, size_t len, const struct cel_decls *decls,
		     const struct cel_options *opts, struct cel_program **out,
		     struct cel_compile_error *ce, struct ebba_err *err);
void cel_program_free(struct cel_program *prog);

/*
 * The top-level (non-macro-variable) identifiers the program reads, each
 * once, in order of first use, with the position of that first use.  With
 * declarations a dotted reference is reported as the declared name it
 * resolves to.  Owned by the program.
 */
struct cel_ident_ref {
	const char *name;
	struct cel_err_pos pos;
};
const struct cel_ident_ref *cel_program_idents(const struct cel_program *prog, size_t *count);

/* The source text as compiled (owned by the program). */
const char *cel_program_source(const struct cel_program *prog);

/* ---- Evaluating --------------------------------------------------------- */

/*
 * Resolves a variable name to a value.  Returns true and sets *out if the
 * name is bound (the value may itself be an error, e.g. a fact that could
 * not be fetched); false if it is not bound.  May allocate in arena and
 * may itself evaluate other programs (e.g. derived facts) with the same
 * arena.
 */
typedef bool (*cel_resolve_fn)(void *ctx, const char *name, struct cel_arena *arena,
			       struct cel_value *out);

/*
 * The variables and limits of one evaluation.  Variables are looked up in
 * `vars` (a CEL_MAP with string keys, or kind CEL_NULL for none) first,
 * then through `resolve` (if not NULL).  max_steps bounds the work (each
 * node visited and each element touched is a step); 0 means
 * CEL_DEFAULT_MAX_STEPS.  Running out gives the error value
 * "evaluation cost limit exceeded" (CEL_ERR_BUDGET).
 */
struct cel_activation {
	struct cel_value vars;
	cel_resolve_fn resolve;
	void *ctx;
	uint64_t max_steps;
};

/*
 * Evaluates prog.  act may be NULL (no variables).  The result and
 * everything it references live in arena (or the program).  Reentrant.
 */
struct cel_value cel_eval(const struct cel_program *prog, const struct cel_activation *act,
			  struct cel_arena *arena);

#endif
