/*
 * CEL parser and compiler: a recursive-descent parser builds the AST,
 * expanding the macros (has, all, exists, exists_one, map, filter) as it
 * goes; a second pass resolves identifiers (macro variables to slots,
 * dotted names to declared variables), precompiles literal regular
 * expressions and checks the types it can know without declarations.
 *
 * Limits that keep hostile input harmless: the source length, the parser's
 * recursion and the depth of the resulting tree (which bounds the
 * evaluator's recursion) are all capped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cel_impl.h"

/* Hard ceiling on max_depth: the evaluator keeps one local per level. */
#define CEL_MAX_DEPTH_LIMIT 250
#define CEL_MAX_LOCALS 256

struct parser {
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
	char errmsg[300];
	/* macro variables in scope during resolution */
	const char *scope[CEL_MAX_LOCALS];
	unsigned nscope;
};

static void fail(struct parser *p, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct parser *p, size_t off, const char *fmt, ...)
{
	if (p->failed)
		return;        /* the first error is the one worth reporting */
	p->failed = true;
	p->err_off = off;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
}

static void advance(struct parser *p)
{
	cel_lex_next(&p->lx, &p->tok);
	if (p->tok.kind == TOK_ERROR)
		fail(p, p->lx.errpos, "%s", p->lx.errmsg);
}

static bool accept(struct parser *p, enum cel_tok kind)
{
	if (p->failed || p->tok.kind != kind)
		return false;
	advance(p);
	return true;
}

static const char *token_desc(const struct parser *p)
{
	static const char *const names[] = {
		[TOK_EOF] = "end of expression", [TOK_RPAREN] = "')'", [TOK_RBRACKET] = "']'",
		[TOK_RBRACE] = "'}'", [TOK_COLON] = "':'", [TOK_COMMA] = "','",
		[TOK_LPAREN] = "'('", [TOK_LBRACKET] = "'['", [TOK_LBRACE] = "'{'",
		[TOK_DOT] = "'.'", [TOK_QUESTION] = "'?'",
	};
	if ((unsigned)p->tok.kind < ARRAY_LEN(names) && names[p->tok.kind])
		return names[p->tok.kind];
	return NULL;
}

static void expect(struct parser *p, enum cel_tok kind, const char *what)
{
	if (p->failed)
		return;
	if (p->tok.kind == kind) {
		advance(p);
		return;
	}
	const char *got = token_desc(p);
	if (got)
		fail(p, p->tok.start, "expected %s, found %s", what, got);
	else
		fail(p, p->tok.start, "expected %s, found '%.*s'", what,
		     (int)(p->tok.end - p->tok.start), p->lx.src + p->tok.start);
}

/* ---- Nodes ------------------------------------------------------------- */

static struct cel_node *node_new(struct parser *p, enum cel_op op, size_t offset)
{
	struct cel_program *prog = p->prog;
	struct cel_node *n = xcalloc(1, sizeof(*n));
	n->op = op;
	n->offset = offset;
	n->depth = 1;
	n->static_kind = CEL_KIND_DYN;
	if (prog->nnodes == prog->capnodes) {
		prog->capnodes = prog->capnodes ? prog->capnodes * 2 : 32;
		prog->nodes = xrealloc(prog->nodes, prog->capnodes * sizeof(*prog->nodes));
	}
	prog->nodes[prog->nnodes++] = n;
	return n;
}

/* Adds a child, keeping the node's depth and enforcing the depth limit. */
static void node_add(struct parser *p, struct cel_node *n, struct cel_node *child)
{
	if (!child)
		return;
	n->args = xrealloc(n->args, (n->nargs + 1) * sizeof(*n->args));
	n->args[n->nargs++] = child;
	if (child->depth + 1 > n->depth)
		n->depth = child->depth + 1;
	if (n->depth > p->max_depth)
		fail(p, n->offset, "expression nested too deeply (limit %u)", p->max_depth);
}

static struct cel_node *node_unary(struct parser *p, enum cel_op op, size_t off,
				   struct cel_node *a)
{
	struct cel_node *n = node_new(p, op, off);
	node_add(p, n, a);
	return n;
}

static struct cel_node *node_binary(struct parser *p, enum cel_op op, size_t off,
				    struct cel_node *a, struct cel_node *b)
{
	struct cel_node *n = node_new(p, op, off);
	node_add(p, n, a);
	node_add(p, n, b);
	return n;
}

static struct cel_node *node_lit(struct parser *p, size_t off, struct cel_value v)
{
	struct cel_node *n = node_new(p, OP_LIT, off);
	n->lit = v;
	return n;
}

static struct cel_value const_string(struct parser *p, enum cel_kind kind)
{
	struct cel_value v = cel_stringn(p->prog->consts, p->lx.text.data ? p->lx.text.data : "",
					 p->lx.text.len);
	v.kind = kind;
	return v;
}

/* ---- Grammar ----------------------------------------------------------- */

static struct cel_node *parse_expr(struct parser *p);

/* Comma-separated expressions up to `close` (trailing comma allowed). */
static void parse_args(struct parser *p, struct cel_node *into, enum cel_tok close,
		       const char *what)
{
	while (!p->failed && p->tok.kind != close) {
		node_add(p, into, parse_expr(p));
		if (!accept(p, TOK_COMMA))
			break;
	}
	expect(p, close, what);
}

static bool is_macro_var(const struct cel_node *n)
{
	return n && n->op == OP_IDENT && n->qualify == false;
}

static struct cel_node *make_macro(struct parser *p, struct cel_node *target, const char *name,
				   struct cel_node *call_args, size_t off)
{
	static const struct {
		const char *name;
		unsigned nargs;
		enum cel_macro macro;
	} macros[] = {
		{"all", 2, MACRO_ALL},       {"exists", 2, MACRO_EXISTS},
		{"exists_one", 2, MACRO_EXISTS_ONE}, {"map", 2, MACRO_MAP},
		{"map", 3, MACRO_MAP_FILTER}, {"filter", 2, MACRO_FILTER},
	};
	for (size_t i = 0; i < ARRAY_LEN(macros); i++) {
		if (strcmp(macros[i].name, name) != 0 || macros[i].nargs != call_args->nargs)
			continue;
		struct cel_node *var = call_args->args[0];
		if (!is_macro_var(var)) {
			fail(p, var->offset, "the first argument of %s() must be a variable name", name);
			return NULL;
		}
		struct cel_node *n = node_new(p, OP_COMPREHENSION, off);
		n->macro = macros[i].macro;
		n->name = xstrdup(var->name);
		node_add(p, n, target);
		for (unsigned k = 1; k < call_args->nargs; k++)
			node_add(p, n, call_args->args[k]);
		return n;
	}
	return NULL;
}

static struct cel_node *make_call(struct parser *p, struct cel_node *target, const char *name,
				  size_t off)
{
	struct cel_node *args = node_new(p, OP_CALL, off);
	expect(p, TOK_LPAREN, "'('");
	parse_args(p, args, TOK_RPAREN, "')'");
	if (p->failed)
		return NULL;
	if (target) {
		struct cel_node *m = make_macro(p, target, name, args, off);
		if (m || p->failed)
			return m;
	} else if (strcmp(name, "has") == 0) {
		if (args->nargs != 1 || args->args[0]->op != OP_SELECT) {
			fail(p, off, "has() takes one field selection, like has(a.b)");
			return NULL;
		}
		struct cel_node *sel = args->args[0];
		struct cel_node *n = node_new(p, OP_HAS, off);
		n->lit = sel->lit;
		node_add(p, n, sel->args[0]);
		return n;
	}
	struct cel_node *n = node_new(p, OP_CALL, off);
	n->name = xstrdup(name);
	n->receiver = target != NULL;
	node_add(p, n, target);
	for (unsigned i = 0; i < args->nargs; i++)
		node_add(p, n, args->args[i]);
	n->fn = cel_builtin_lookup(name, n->receiver, n->nargs);
	return n;
}

static struct cel_node *parse_list(struct parser *p, size_t off)
{
	struct cel_node *n = node_new(p, OP_LIST, off);
	parse_args(p, n, TOK_RBRACKET, "']'");
	return n;
}

static struct cel_node *parse_map(struct parser *p, size_t off)
{
	struct cel_node *n = node_new(p, OP_MAP, off);
	while (!p->failed && p->tok.kind != TOK_RBRACE) {
		node_add(p, n, parse_expr(p));
		expect(p, TOK_COLON, "':'");
		node_add(p, n, parse_expr(p));
		if (!accept(p, TOK_COMMA))
			break;
	}
	expect(p, TOK_RBRACE, "'}'");
	return n;
}

static struct cel_node *parse_primary(struct parser *p)
{
	struct cel_token t = p->tok;
	bool negate = p->negate_int;
	p->negate_int = false;
	if (p->failed)
		return NULL;
	switch (t.kind) {
	case TOK_INT:
		advance(p);
		if (negate) {
			if (t.u > (uint64_t)INT64_MAX + 1) {
				fail(p, t.start, "integer literal out of range");
				return NULL;
			}
			return node_lit(p, t.start - 1, cel_int((int64_t)(0 - t.u)));
		}
		if (t.u > (uint64_t)INT64_MAX) {
			fail(p, t.start, "integer literal out of range");
			return NULL;
		}
		return node_lit(p, t.start, cel_int((int64_t)t.u));
	case TOK_UINT:
		advance(p);
		return node_lit(p, t.start, cel_uint(t.u));
	case TOK_DOUBLE:
		advance(p);
		return node_lit(p, t.start, cel_double(t.d));
	case TOK_STRING:
	case TOK_BYTES: {
		struct cel_value v = const_string(p, t.kind == TOK_STRING ? CEL_STRING : CEL_BYTES);
		advance(p);
		return node_lit(p, t.start, v);
	}
	case TOK_TRUE:
	case TOK_FALSE:
		advance(p);
		return node_lit(p, t.start, cel_bool(t.kind == TOK_TRUE));
	case TOK_NULL:
		advance(p);
		return node_lit(p, t.start, cel_null());
	case TOK_LPAREN: {
		advance(p);
		struct cel_node *e = parse_expr(p);
		expect(p, TOK_RPAREN, "')'");
		return e;
	}
	case TOK_LBRACKET:
		advance(p);
		return parse_list(p, t.start);
	case TOK_LBRACE:
		advance(p);
		return parse_map(p, t.start);
	case TOK_DOT:
		/* A leading dot names the root scope; there are no containers. */
		advance(p);
		if (p->tok.kind != TOK_IDENT || p->tok.quoted) {
			fail(p, p->tok.start, "expected an identifier after '.'");
			return NULL;
		}
		return parse_primary(p);
	case TOK_IDENT: {
		if (t.quoted) {
			fail(p, t.start, "a `quoted` name is only allowed after '.'");
			return NULL;
		}
		if (t.reserved) {
			fail(p, t.start, "'%s' is a reserved word", p->lx.text.data);
			return NULL;
		}
		char *name = xstrdup(p->lx.text.data);
		advance(p);
		struct cel_node *n;
		if (p->tok.kind == TOK_LPAREN) {
			n = make_call(p, NULL, name, t.start);
		} else if (p->tok.kind == TOK_LBRACE) {
			fail(p, p->tok.start, "message construction (%s{...}) is not supported", name);
			n = NULL;
		} else {
			n = node_new(p, OP_IDENT, t.start);
			n->name = xstrdup(name);
		}
		free(name);
		return n;
	}
	default:
		break;
	}
	if (t.kind == TOK_EOF)
		fail(p, t.start, "unexpected end of expression");
	else
		fail(p, t.start, "unexpected '%.*s'", (int)(t.end - t.start), p->lx.src + t.start);
	return NULL;
}

static struct cel_node *parse_member(struct parser *p)
{
	struct cel_node *n = parse_primary(p);
	while (!p->failed) {
		size_t off = p->tok.start;
		if (accept(p, TOK_DOT)) {
			if (p->tok.kind != TOK_IDENT) {
				fail(p, p->tok.start, "expected a field name after '.'");
				return NULL;
			}
			bool quoted = p->tok.quoted;
			struct cel_value field = const_string(p, CEL_STRING);
			size_t field_off = p->tok.start;
			advance(p);
			if (p->tok.kind == TOK_LPAREN && !quoted) {
				n = make_call(p, n, field.str, field_off);
			} else if (p->tok.kind == TOK_LBRACE) {
				fail(p, p->tok.start, "message construction is not supported");
			} else {
				struct cel_node *sel = node_unary(p, OP_SELECT, field_off, n);
				sel->lit = field;
				n = sel;
			}
		} else if (accept(p, TOK_LBRACKET)) {
			struct cel_node *idx = parse_expr(p);
			expect(p, TOK_RBRACKET, "']'");
			n = node_binary(p, OP_INDEX, off, n, idx);
		} else {
			break;
		}
	}
	return n;
}

static struct cel_node *parse_unary(struct parser *p)
{
	size_t off = p->tok.start;
	if (p->tok.kind == TOK_NOT || p->tok.kind == TOK_MINUS) {
		enum cel_tok op = p->tok.kind;
		unsigned count = 0;
		while (!p->failed && p->tok.kind == op) {
			advance(p);
			count++;
		}
		/* -9223372036854775808 must be one literal, not a negation. */
		if (op == TOK_MINUS && p->tok.kind == TOK_INT) {
			p->negate_int = true;
			count--;
		}
		struct cel_node *n = parse_member(p);
		while (count-- > 0 && !p->failed)
			n = node_unary(p, op == TOK_NOT ? OP_NOT : OP_NEG, off, n);
		return n;
	}
	return parse_member(p);
}

static struct cel_node *parse_mul(struct parser *p)
{
	struct cel_node *n = parse_unary(p);
	for (;;) {
		enum cel_op op;
		switch (p->tok.kind) {
		case TOK_STAR: op = OP_MUL; break;
		case TOK_SLASH: op = OP_DIV; break;
		case TOK_PERCENT: op = OP_MOD; break;
		default: return n;
		}
		if (p->failed)
			return n;
		size_t off = p->tok.start;
		advance(p);
		n = node_binary(p, op, off, n, parse_unary(p));
	}
}

static struct cel_node *parse_add(struct parser *p)
{
	struct cel_node *n = parse_mul(p);
	while (!p->failed && (p->tok.kind == TOK_PLUS || p->tok.kind == TOK_MINUS)) {
		enum cel_op op = p->tok.kind == TOK_PLUS ? OP_ADD : OP_SUB;
		size_t off = p->tok.start;
		advance(p);
		n = node_binary(p, op, off, n, parse_mul(p));
	}
	return n;
}

static struct cel_node *parse_rel(struct parser *p)
{
	struct cel_node *n = parse_add(p);
	for (;;) {
		enum cel_op op;
		switch (p->tok.kind) {
		case TOK_EQ: op = OP_EQ; break;
		case TOK_NE: op = OP_NE; break;
		case TOK_LT: op = OP_LT; break;
		case TOK_LE: op = OP_LE; break;
		case TOK_GT: op = OP_GT; break;
		case TOK_GE: op = OP_GE; break;
		case TOK_IN: op = OP_IN; break;
		default: return n;
		}
		if (p->failed)
			return n;
		size_t off = p->tok.start;
		advance(p);
		n = node_binary(p, op, off, n, parse_add(p));
	}
}

static struct cel_node *parse_and(struct parser *p)
{
	struct cel_node *n = parse_rel(p);
	while (!p->failed && p->tok.kind == TOK_AND) {
		size_t off = p->tok.start;
		advance(p);
		n = node_binary(p, OP_AND, off, n, parse_rel(p));
	}
	return n;
}

static struct cel_node *parse_or(struct parser *p)
{
	struct cel_node *n = parse_and(p);
	while (!p->failed && p->tok.kind == TOK_OR) {
		size_t off = p->tok.start;
		advance(p);
		n = node_binary(p, OP_OR, off, n, parse_and(p));
	}
	return n;
}

static struct cel_node *parse_expr(struct parser *p)
{
	if (p->failed)
		return NULL;
	if (++p->recursion > p->max_depth) {
		fail(p, p->tok.start, "expression nested too deeply (limit %u)", p->max_depth);
		return NULL;
	}
	struct cel_node *n = parse_or(p);
	if (!p->failed && p->tok.kind == TOK_QUESTION) {
		size_t off = p->tok.start;
		advance(p);
		struct cel_node *yes = parse_or(p);
		expect(p, TOK_COLON, "':'");
		struct cel_node *no = parse_expr(p);
		struct cel_node *c = node_new(p, OP_COND, off);
		node_add(p, c, n);
		node_add(p, c, yes);
		node_add(p, c, no);
		n = c;
	}
	p->recursion--;
	return p->failed ? NULL : n;
}

/* ---- Resolution and checking ------------------------------------------- */

static bool is_declared(const struct parser *p, const char *name)
{
	const struct cel_decls *d = p->decls;
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->names[i], name) == 0)
			return true;
	return d->is_declared && d->is_declared(d->ctx, name);
}

static int local_slot(const struct parser *p, const char *name)
{
	for (unsigned i = p->nscope; i-- > 0;)
		if (strcmp(p->scope[i], name) == 0)
			return (int)i;
	return -1;
}

static bool type_name_kind(const char *name, enum cel_kind *k)
{
	static const struct {
		const char *name;
		enum cel_kind kind;
	} types[] = {
		{"bool", CEL_BOOL},     {"int", CEL_INT},     {"uint", CEL_UINT},
		{"double", CEL_DOUBLE}, {"string", CEL_STRING}, {"bytes", CEL_BYTES},
		{"list", CEL_LIST},     {"map", CEL_MAP},     {"null_type", CEL_NULL},
		{"type", CEL_TYPE},
	};
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		if (strcmp(types[i].name, name) == 0) {
			*k = types[i].kind;
			return true;
		}
	}
	return false;
}

static void add_ident_ref(struct parser *p, const char *name, size_t off)
{
	struct cel_program *prog = p->prog;
	for (size_t i = 0; i < prog->nidents; i++)
		if (strcmp(prog->idents[i].name, name) == 0)
			return;
	prog->idents = xrealloc(prog->idents, (prog->nidents + 1) * sizeof(*prog->idents));
	prog->idents[prog->nidents].name = xstrdup(name);
	prog->idents[prog->nidents].pos = cel_lex_position(prog->src, prog->src_len, off);
	prog->nidents++;
}

static void resolve(struct parser *p, struct cel_node *n);

static void resolve_ident(struct parser *p, struct cel_node *n)
{
	int slot = local_slot(p, n->name);
	if (slot >= 0) {
		n->op = OP_LOCAL;
		n->slot = (unsigned)slot;
		return;
	}
	enum cel_kind k;
	bool declared = p->decls && is_declared(p, n->name);
	if (!declared && type_name_kind(n->name, &k)) {
		n->op = OP_LIT;
		n->lit = cel_type(k);
		n->static_kind = CEL_TYPE;
		return;
	}
	if (p->decls && !declared) {
		fail(p, n->offset, "unknown identifier '%s'", n->name);
		return;
	}
	add_ident_ref(p, n->name, n->offset);
}

/*
 * a.b.c where `a` is not a macro variable may name a variable "a.b.c" or
 * "a.b" (CEL resolves the longest name).  With declarations this is settled
 * now; without, the evaluator tries the dotted names at run time.
 */
static bool resolve_qualified(struct parser *p, struct cel_node *top)
{
	struct cel_node *chain[CEL_MAX_DEPTH_LIMIT + 2];
	size_t n = 0;
	struct cel_node *cur = top;
	while (cur->op == OP_SELECT && n < ARRAY_LEN(chain) - 1) {
		chain[n++] = cur;
		cur = cur->args[0];
	}
	if (cur->op != OP_IDENT || local_slot(p, cur->name) >= 0)
		return false;
	/* Dotted name of every select in the chain, innermost first. */
	struct ebba_buf dotted = {0};
	buf_puts(&dotted, cur->name);
	for (size_t i = n; i-- > 0;) {
		buf_putc(&dotted, '.');
		buf_append(&dotted, chain[i]->lit.str, chain[i]->lit.len);
		free(chain[i]->name);
		chain[i]->name = xstrndup(dotted.data, dotted.len);
	}
	buf_free(&dotted);
	if (!p->decls) {
		for (size_t i = 0; i < n; i++)
			chain[i]->qualify = true;
		resolve_ident(p, cur);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_declared(p, chain[i]->name)) {
			/* This select becomes the variable; those above select from it. */
			chain[i]->op = OP_IDENT;
			chain[i]->nargs = 0;
			chain[i]->offset = cur->offset;
			add_ident_ref(p, chain[i]->name, cur->offset);
			return true;
		}
	}
	resolve_ident(p, cur);
	return true;
}

static bool known(uint8_t k)
{
	return k != CEL_KIND_DYN;
}

static bool numeric(uint8_t k)
{
	return k == CEL_INT || k == CEL_UINT || k == CEL_DOUBLE;
}

static const char *op_text(enum cel_op op)
{
	switch (op) {
	case OP_ADD: return "+";
	case OP_SUB: return "-";
	case OP_MUL: return "*";
	case OP_DIV: return "/";
	case OP_MOD: return "%";
	case OP_EQ: return "==";
	case OP_NE: return "!=";
	case OP_LT: return "<";
	case OP_LE: return "<=";
	case OP_GT: return ">";
	case OP_GE: return ">=";
	case OP_IN: return "in";
	case OP_AND: return "&&";
	case OP_OR: return "||";
	case OP_NOT: return "!";
	case OP_NEG: return "-";
	default: return "?";
	}
}

static void type_mismatch(struct parser *p, const struct cel_node *n, uint8_t a, uint8_t b)
{
	fail(p, n->offset, "no operator '%s' for %s and %s", op_text(n->op), cel_kind_name(a),
	     cel_kind_name(b));
}

static void expect_bool(struct parser *p, const struct cel_node *n, const struct cel_node *arg)
{
	if (known(arg->static_kind) && arg->static_kind != CEL_BOOL)
		fail(p, arg->offset, "expected a bool, found %s", cel_kind_name(arg->static_kind));
	(void)n;
}

/* Works out n->static_kind from its operands; fails on sure type errors. */
static void check_types(struct parser *p, struct cel_node *n)
{
	uint8_t a = n->nargs > 0 ? n->args[0]->static_kind : CEL_KIND_DYN;
	uint8_t b = n->nargs > 1 ? n->args[1]->static_kind : CEL_KIND_DYN;
	bool both = known(a) && known(b);
	switch (n->op) {
	case OP_LIT:
		n->static_kind = (uint8_t)n->lit.kind;
		return;
	case OP_LIST:
		n->static_kind = CEL_LIST;
		return;
	case OP_MAP:
		n->static_kind = CEL_MAP;
		return;
	case OP_HAS:
		n->static_kind = CEL_BOOL;
		return;
	case OP_AND:
	case OP_OR:
		if (p->type_check) {
			expect_bool(p, n, n->args[0]);
			expect_bool(p, n, n->args[1]);
		}
		n->static_kind = CEL_BOOL;
		return;
	case OP_NOT:
		if (p->type_check)
			expect_bool(p, n, n->args[0]);
		n->static_kind = CEL_BOOL;
		return;
	case OP_NEG:
		if (p->type_check && known(a) && a != CEL_INT && a != CEL_DOUBLE)
			fail(p, n->offset, "no operator '-' for %s", cel_kind_name(a));
		n->static_kind = a;
		return;
	case OP_COND:
		if (p->type_check)
			expect_bool(p, n, n->args[0]);
		n->static_kind = n->args[1]->static_kind == n->args[2]->static_kind
				 ? n->args[1]->static_kind : CEL_KIND_DYN;
		return;
	case OP_ADD:
		if (p->type_check && both && (a != b || !(numeric(a) || a == CEL_STRING ||
						  a == CEL_BYTES || a == CEL_LIST)))
			type_mismatch(p, n, a, b);
		n->static_kind = known(a) ? a : b;
		return;
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
	case OP_MOD:
		if (p->type_check && both &&
		    (a != b || !numeric(a) || (n->op == OP_MOD && a == CEL_DOUBLE)))
			type_mismatch(p, n, a, b);
		n->static_kind = known(a) ? a : b;
		return;
	case OP_EQ:
	case OP_NE:
		if (p->type_check && both && a != b && !(numeric(a) && numeric(b)) &&
		    a != CEL_NULL && b != CEL_NULL)
			type_mismatch(p, n, a, b);
		n->static_kind = CEL_BOOL;
		return;
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		if (p->type_check && both && !(numeric(a) && numeric(b)) &&
		    (a != b || !(a == CEL_STRING || a == CEL_BYTES || a == CEL_BOOL)))
			type_mismatch(p, n, a, b);
		n->static_kind = CEL_BOOL;
		return;
	case OP_IN:
		if (p->type_check && known(b) && b != CEL_LIST && b != CEL_MAP)
			type_mismatch(p, n, a, b);
		n->static_kind = CEL_BOOL;
		return;
	case OP_COMPREHENSION:
		n->static_kind = (n->macro == MACRO_MAP || n->macro == MACRO_MAP_FILTER ||
				  n->macro == MACRO_FILTER) ? CEL_LIST : CEL_BOOL;
		return;
	case OP_CALL: {
		uint8_t kinds[16];
		unsigned k = n->nargs < ARRAY_LEN(kinds) ? n->nargs : ARRAY_LEN(kinds);
		for (unsigned i = 0; i < k; i++)
			kinds[i] = n->args[i]->static_kind;
		n->static_kind = cel_builtin_kind(n->fn, kinds, k);
		return;
	}
	default:
		return;
	}
}

static void resolve_call(struct parser *p, struct cel_node *n)
{
	if (n->fn == FN_UNKNOWN && p->decls) {
		fail(p, n->offset, "unknown function '%s' with %u argument%s", n->name, n->nargs,
		     n->nargs == 1 ? "" : "s");
		return;
	}
	if (n->fn == FN_MATCHES && n->nargs == 2 && n->args[1]->op == OP_LIT &&
	    n->args[1]->lit.kind == CEL_STRING) {
		struct ebba_err err;
		n->re = xmalloc(sizeof(*n->re));
		if (cel_regex_compile(n->args[1]->lit.str, n->args[1]->lit.len, n->re, &err) < 0) {
			free(n->re);
			n->re = NULL;
			fail(p, n->args[1]->offset, "%s", err.msg);
		}
	}
}

static void resolve_comprehension(struct parser *p, struct cel_node *n)
{
	resolve(p, n->args[0]);
	if (p->nscope >= CEL_MAX_LOCALS) {
		fail(p, n->offset, "too many nested macros");
		return;
	}
	n->slot = p->nscope;
	p->scope[p->nscope++] = n->name;
	for (unsigned i = 1; i < n->nargs; i++)
		resolve(p, n->args[i]);
	p->nscope--;
}

static void resolve(struct parser *p, struct cel_node *n)
{
	if (p->failed || !n)
		return;
	switch (n->op) {
	case OP_IDENT:
		resolve_ident(p, n);
		break;
	case OP_SELECT:
		if (!resolve_qualified(p, n))
			resolve(p, n->args[0]);
		break;
	case OP_COMPREHENSION:
		resolve_comprehension(p, n);
		break;
	default:
		for (unsigned i = 0; i < n->nargs; i++)
			resolve(p, n->args[i]);
		if (n->op == OP_CALL)
			resolve_call(p, n);
		break;
	}
	if (!p->failed)
		check_types(p, n);
}

/* ---- Program ----------------------------------------------------------- */

void cel_program_free(struct cel_program *prog)
{
	if (!prog)
		return;
	for (size_t i = 0; i < prog->nnodes; i++) {
		struct cel_node *n = prog->nodes[i];
		if (n->re) {
			regfree(n->re);
			free(n->re);
		}
		free(n->args);
		free(n->name);
		free(n);
	}
	free(prog->nodes);
	for (size_t i = 0; i < prog->nidents; i++)
		free((char *)prog->idents[i].name);
	free(prog->idents);
	cel_arena_free(prog->consts);
	free(prog->src);
	free(prog);
}

const struct cel_ident_ref *cel_program_idents(const struct cel_program *prog, size_t *count)
{
	*count = prog->nidents;
	return prog->idents;
}

const char *cel_program_source(const struct cel_program *prog)
{
	return prog->src;
}

int cel_compile_opts(const char *src, size_t len, const struct cel_decls *decls,
		     const struct cel_options *opts, struct cel_program **out,
		     struct cel_err_pos *pos, struct ebba_err *err)
{
	*out = NULL;
	if (pos)
		*pos = (struct cel_err_pos){1, 1};
	size_t max_len = opts && opts->max_expr_len ? opts->max_expr_len : CEL_DEFAULT_MAX_EXPR_LEN;
	if (len > max_len)
		return ebba_errf(err, "expression longer than %zu bytes", max_len);

	struct parser p = {0};
	p.decls = decls;
	p.max_depth = opts && opts->max_depth ? opts->max_depth : CEL_DEFAULT_MAX_DEPTH;
	if (p.max_depth > CEL_MAX_DEPTH_LIMIT)
		p.max_depth = CEL_MAX_DEPTH_LIMIT;
	p.type_check = !(opts && opts->no_type_check);
	p.prog = xcalloc(1, sizeof(*p.prog));
	p.prog->src = xmalloc(len + 1);
	memcpy(p.prog->src, src, len);
	p.prog->src[len] = '\0';
	p.prog->src_len = len;
	p.prog->consts = cel_arena_new();

	cel_lex_init(&p.lx, p.prog->src, len);
	advance(&p);
	struct cel_node *root = parse_expr(&p);
	if (!p.failed && p.tok.kind != TOK_EOF)
		fail(&p, p.tok.start, "unexpected '%.*s' after the expression",
		     (int)(p.tok.end - p.tok.start), p.lx.src + p.tok.start);
	resolve(&p, root);
	cel_lex_free(&p.lx);
	if (p.failed) {
		if (pos)
			*pos = cel_lex_position(p.prog->src, len, p.err_off);
		cel_program_free(p.prog);
		return ebba_errf(err, "%s", p.errmsg);
	}
	p.prog->root = root;
	*out = p.prog;
	return 0;
}

int cel_compile(const char *src, const struct cel_decls *decls, struct cel_program **out,
		struct cel_err_pos *pos, struct ebba_err *err)
{
	const size_t max_len = CEL_DEFAULT_MAX_EXPR_LEN;
	return cel_compile_opts(src, strnlen(src, max_len + 1), decls, NULL, out, pos, err);
}
