/*
 * Internals shared by the files of daemon/cel/.  Not an API: use ebba/cel/cel.h.
 */
#ifndef EBBA_CEL_IMPL_H
#define EBBA_CEL_IMPL_H

#include <regex.h>

#include "ebba/cel/cel.h"

struct cel_list {
	size_t len, cap;
	struct cel_value *items;
};

struct cel_map {
	size_t len, cap;
	struct cel_value *keys;
	struct cel_value *vals;
	/* Open-addressing index of entry positions + 1 (0 = empty), built
	 * once a map grows beyond a few entries; nbuckets is a power of 2. */
	uint32_t *index;
	size_t nbuckets;
};

/* An error value with a message that needs no allocation. */
static inline struct cel_value cel_error_static(enum cel_error_kind ek, const char *msg)
{
	size_t n = 0;
	while (msg[n])
		n++;
	return (struct cel_value){.kind = CEL_ERROR, .error = ek, .len = (uint32_t)n, .str = msg};
}

/* Ordering of two values: <0, 0, >0; CEL_CMP_NONE for no ordering (types
 * without order or mixed), CEL_CMP_NAN when a NaN is involved. */
enum { CEL_CMP_NONE = 2, CEL_CMP_NAN = 3 };
int cel_value_compare(struct cel_value a, struct cel_value b);

/* Code points in a UTF-8 string; true if s[0..n) is valid UTF-8. */
size_t cel_utf8_count(const char *s, size_t n);
bool cel_utf8_valid(const char *s, size_t n);
/* Appends code point cp as UTF-8. */
void cel_utf8_put(struct ebba_buf *b, uint32_t cp);

/* Formats a double as a CEL literal (force_point: "3.0" rather than "3"). */
void cel_format_double(double d, bool force_point, struct ebba_buf *out);

/* ---- Lexer -------------------------------------------------------------- */

enum cel_tok {
	TOK_EOF,
	TOK_ERROR,
	TOK_INT,      /* magnitude in u; int_overflow if > UINT64_MAX */
	TOK_UINT,
	TOK_DOUBLE,
	TOK_STRING,   /* decoded text in lexer's buf */
	TOK_BYTES,
	TOK_IDENT,    /* also reserved words; `quoted` for `backquoted` */
	TOK_TRUE, TOK_FALSE, TOK_NULL, TOK_IN,
	TOK_LPAREN, TOK_RPAREN, TOK_LBRACKET, TOK_RBRACKET, TOK_LBRACE, TOK_RBRACE,
	TOK_DOT, TOK_COMMA, TOK_COLON, TOK_QUESTION,
	TOK_PLUS, TOK_MINUS, TOK_STAR, TOK_SLASH, TOK_PERCENT,
	TOK_EQ, TOK_NE, TOK_LT, TOK_LE, TOK_GT, TOK_GE,
	TOK_AND, TOK_OR, TOK_NOT,
};

struct cel_token {
	enum cel_tok kind;
	size_t start, end;        /* byte offsets in the source */
	uint64_t u;
	double d;
	bool quoted;              /* identifier was `backquoted` */
	bool reserved;            /* identifier is a reserved word */
};

struct cel_lexer {
	const char *src;
	size_t len, pos;
	struct ebba_buf text;     /* decoded string/bytes/identifier text */
	char errmsg[160];
	size_t errpos;
};

void cel_lex_init(struct cel_lexer *lx, const char *src, size_t len);
void cel_lex_free(struct cel_lexer *lx);
/* Reads the next token; TOK_ERROR leaves a message in lx->errmsg. */
void cel_lex_next(struct cel_lexer *lx, struct cel_token *tok);
/* 1-based line/column of byte offset off. */
struct cel_err_pos cel_lex_position(const char *src, size_t len, size_t off);

/* ---- AST / compiled form ------------------------------------------------ */

enum cel_op {
	OP_LIT, OP_IDENT, OP_LOCAL, OP_SELECT, OP_HAS, OP_INDEX,
	OP_LIST, OP_MAP,
	OP_AND, OP_OR, OP_NOT, OP_NEG, OP_COND,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN,
	OP_CALL, OP_COMPREHENSION,
};

enum cel_fn {
	FN_UNKNOWN,
	FN_SIZE, FN_CONTAINS, FN_STARTS_WITH, FN_ENDS_WITH, FN_MATCHES,
	FN_INT, FN_UINT, FN_DOUBLE, FN_STRING, FN_BOOL, FN_BYTES, FN_TYPE, FN_DYN,
	FN_SUM, FN_MIN, FN_MAX, FN_ABS, FN_JOIN, FN_KRONOR,
};

enum cel_macro { MACRO_ALL, MACRO_EXISTS, MACRO_EXISTS_ONE, MACRO_MAP, MACRO_MAP_FILTER,
		 MACRO_FILTER };

/* Kind of "unknown statically". */
#define CEL_KIND_DYN 255

struct cel_node {
	enum cel_op op;
	enum cel_fn fn;            /* OP_CALL */
	enum cel_macro macro;      /* OP_COMPREHENSION */
	uint8_t static_kind;       /* enum cel_kind or CEL_KIND_DYN */
	bool qualify;              /* OP_SELECT: try `name` as a dotted variable first */
	bool receiver;             /* OP_CALL written as x.f(...) */
	unsigned depth;
	unsigned slot;             /* OP_LOCAL; OP_COMPREHENSION: the iteration variable */
	unsigned nargs;
	size_t offset;             /* byte offset in source, for messages */
	struct cel_value lit;      /* OP_LIT; OP_SELECT/OP_HAS: field name string */
	char *name;                /* OP_IDENT/OP_LOCAL/OP_CALL name; OP_SELECT dotted name */
	struct cel_node **args;    /* operands; OP_MAP: k0, v0, k1, v1, ... */
	regex_t *re;               /* FN_MATCHES with a literal pattern */
	bool re_icase;
};

struct cel_program {
	char *src;
	size_t src_len;
	struct cel_node *root;
	struct cel_arena *consts;     /* literal strings and lists */
	struct cel_ident_ref *idents;
	size_t nidents;
	/* every node, for freeing */
	struct cel_node **nodes;
	size_t nnodes, capnodes;
};

/* ---- Compiler: the grammar (cel_parse.c) and the checker (cel_check.c) -- */

/* Hard ceiling on max_depth: the evaluator keeps one local per level. */
#define CEL_MAX_DEPTH_LIMIT 250
#define CEL_MAX_LOCALS 256

struct cel_parser {
	struct cel_lexer lx;
	struct cel_token tok;
	struct cel_program *prog;
	const struct cel_decls *decls;
	unsigned max_depth;
	unsigned recursion;
	bool type_check;
	bool negate_int;          /* the next int literal follows a unary minus */
	bool failed;
	size_t err_off;
	enum cel_error_kind err_kind;
	char errmsg[300];
	/* macro variables in scope during resolution */
	const char *scope[CEL_MAX_LOCALS];
	unsigned nscope;
};

/* Records the first compile error (later ones are ignored). */
void cel_fail(struct cel_parser *p, size_t off, enum cel_error_kind ek, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Resolves the names of the parsed tree root and checks its types. */
void cel_check(struct cel_parser *p, struct cel_node *root);

/* Builtins (cel_builtins.c). */
enum cel_fn cel_builtin_lookup(const char *name, bool receiver, unsigned nargs);
struct cel_value cel_call_builtin(enum cel_fn fn, const struct cel_node *node,
				  struct cel_value *args, unsigned nargs,
				  struct cel_arena *arena, uint64_t *steps);
/* Statically known result kind of a builtin, or CEL_KIND_DYN. */
uint8_t cel_builtin_kind(enum cel_fn fn, const uint8_t *arg_kinds, unsigned nargs);
/* Compiles a RE2-style pattern for regexec; -1 with a message if unsupported. */
int cel_regex_compile(const char *pattern, size_t len, regex_t *re, struct ebba_err *err);
bool cel_regex_match(const regex_t *re, const char *s, size_t n);

#endif
