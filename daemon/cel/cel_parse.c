/*
 * The CEL grammar: a recursive-descent parser builds the AST, expanding the
 * macros (has, all, exists, exists_one, map, filter) as it goes, and
 * cel_compile_opts drives the whole compilation (parse, then cel_check in
 * cel_check.c).
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

static void advance(struct cel_parser *p)
{
	cel_lex_next(&p->lx, &p->tok);
	if (p->tok.kind == TOK_ERROR)
		cel_fail(p, p->lx.errpos, CEL_ERR_SYNTAX, "%s", p->lx.errmsg);
}

static bool accept(struct cel_parser *p, enum cel_tok kind)
{
	if (p->failed || p->tok.kind != kind)
		return false;
	advance(p);
	return true;
}

static const char *token_desc(const struct cel_parser *p)
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

static void expect(struct cel_parser *p, enum cel_tok kind, const char *what)
{
	if (p->failed)
		return;
	if (p->tok.kind == kind) {
		advance(p);
		return;
	}
	const char *got = token_desc(p);
	if (got)
		cel_fail(p, p->tok.start, CEL_ERR_SYNTAX, "expected %s, found %s", what, got);
	else
		cel_fail(p, p->tok.start, CEL_ERR_SYNTAX, "expected %s, found '%.*s'", what,
		     (int)(p->tok.end - p->tok.start), p->lx.src + p->tok.start);
}

/* ---- Nodes ------------------------------------------------------------- */

static struct cel_node *node_new(struct cel_parser *p, enum cel_op op, size_t offset)
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
static void node_add(struct cel_parser *p, struct cel_node *n, struct cel_node *child)
{
	if (!child)
		return;
	n->args = xrealloc(n->args, (n->nargs + 1) * sizeof(*n->args));
	n->args[n->nargs++] = child;
	if (child->depth + 1 > n->depth)
		n->depth = child->depth + 1;
	if (n->depth > p->max_depth)
		cel_fail(p, n->offset, CEL_ERR_LIMIT, "expression nested too deeply (limit %u)", p->max_depth);
}

static struct cel_node *node_unary(struct cel_parser *p, enum cel_op op, size_t off,
				   struct cel_node *a)
{
	struct cel_node *n = node_new(p, op, off);
	node_add(p, n, a);
	return n;
}

static struct cel_node *node_binary(struct cel_parser *p, enum cel_op op, size_t off,
				    struct cel_node *a, struct cel_node *b)
{
	struct cel_node *n = node_new(p, op, off);
	node_add(p, n, a);
	node_add(p, n, b);
	return n;
}

static struct cel_node *node_lit(struct cel_parser *p, size_t off, struct cel_value v)
{
	struct cel_node *n = node_new(p, OP_LIT, off);
	n->lit = v;
	return n;
}

static struct cel_value const_string(struct cel_parser *p, enum cel_kind kind)
{
	struct cel_value v = cel_stringn(p->prog->consts, p->lx.text.data ? p->lx.text.data : "",
					 p->lx.text.len);
	v.kind = kind;
	return v;
}

/* ---- Grammar ----------------------------------------------------------- */

static struct cel_node *parse_expr(struct cel_parser *p);

/* Comma-separated expressions up to `close` (trailing comma allowed). */
static void parse_args(struct cel_parser *p, struct cel_node *into, enum cel_tok close,
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

static struct cel_node *make_macro(struct cel_parser *p, struct cel_node *target, const char *name,
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
			cel_fail(p, var->offset, CEL_ERR_SYNTAX, "the first argument of %s() must be a variable name", name);
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

static struct cel_node *make_call(struct cel_parser *p, struct cel_node *target, const char *name,
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
			cel_fail(p, off, CEL_ERR_SYNTAX, "has() takes one field selection, like has(a.b)");
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

static struct cel_node *parse_list(struct cel_parser *p, size_t off)
{
	struct cel_node *n = node_new(p, OP_LIST, off);
	parse_args(p, n, TOK_RBRACKET, "']'");
	return n;
}

static struct cel_node *parse_map(struct cel_parser *p, size_t off)
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

static struct cel_node *parse_primary(struct cel_parser *p)
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
				cel_fail(p, t.start, CEL_ERR_SYNTAX, "integer literal out of range");
				return NULL;
			}
			return node_lit(p, t.start - 1, cel_int((int64_t)(0 - t.u)));
		}
		if (t.u > (uint64_t)INT64_MAX) {
			cel_fail(p, t.start, CEL_ERR_SYNTAX, "integer literal out of range");
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
			cel_fail(p, p->tok.start, CEL_ERR_SYNTAX, "expected an identifier after '.'");
			return NULL;
		}
		return parse_primary(p);
	case TOK_IDENT: {
		if (t.quoted) {
			cel_fail(p, t.start, CEL_ERR_SYNTAX, "a `quoted` name is only allowed after '.'");
			return NULL;
		}
		if (t.reserved) {
			cel_fail(p, t.start, CEL_ERR_SYNTAX, "'%s' is a reserved word", p->lx.text.data);
			return NULL;
		}
		char *name = xstrdup(p->lx.text.data);
		advance(p);
		struct cel_node *n;
		if (p->tok.kind == TOK_LPAREN) {
			n = make_call(p, NULL, name, t.start);
		} else if (p->tok.kind == TOK_LBRACE) {
			cel_fail(p, p->tok.start, CEL_ERR_SYNTAX, "message construction (%s{...}) is not supported", name);
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
		cel_fail(p, t.start, CEL_ERR_SYNTAX, "unexpected end of expression");
	else
		cel_fail(p, t.start, CEL_ERR_SYNTAX, "unexpected '%.*s'", (int)(t.end - t.start), p->lx.src + t.start);
	return NULL;
}

static struct cel_node *parse_member(struct cel_parser *p)
{
	struct cel_node *n = parse_primary(p);
	while (!p->failed) {
		size_t off = p->tok.start;
		if (accept(p, TOK_DOT)) {
			if (p->tok.kind != TOK_IDENT) {
				cel_fail(p, p->tok.start, CEL_ERR_SYNTAX, "expected a field name after '.'");
				return NULL;
			}
			bool quoted = p->tok.quoted;
			struct cel_value field = const_string(p, CEL_STRING);
			size_t field_off = p->tok.start;
			advance(p);
			if (p->tok.kind == TOK_LPAREN && !quoted) {
				n = make_call(p, n, field.str, field_off);
			} else if (p->tok.kind == TOK_LBRACE) {
				cel_fail(p, p->tok.start, CEL_ERR_SYNTAX, "message construction is not supported");
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

static struct cel_node *parse_unary(struct cel_parser *p)
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

static struct cel_node *parse_mul(struct cel_parser *p)
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

static struct cel_node *parse_add(struct cel_parser *p)
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

static struct cel_node *parse_rel(struct cel_parser *p)
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

static struct cel_node *parse_and(struct cel_parser *p)
{
	struct cel_node *n = parse_rel(p);
	while (!p->failed && p->tok.kind == TOK_AND) {
		size_t off = p->tok.start;
		advance(p);
		n = node_binary(p, OP_AND, off, n, parse_rel(p));
	}
	return n;
}

static struct cel_node *parse_or(struct cel_parser *p)
{
	struct cel_node *n = parse_and(p);
	while (!p->failed && p->tok.kind == TOK_OR) {
		size_t off = p->tok.start;
		advance(p);
		n = node_binary(p, OP_OR, off, n, parse_and(p));
	}
	return n;
}

static struct cel_node *parse_expr(struct cel_parser *p)
{
	if (p->failed)
		return NULL;
	if (++p->recursion > p->max_depth) {
		cel_fail(p, p->tok.start, CEL_ERR_LIMIT, "expression nested too deeply (limit %u)", p->max_depth);
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
		     struct cel_compile_error *ce, struct ebba_err *err)
{
	*out = NULL;
	if (ce)
		*ce = (struct cel_compile_error){{1, 1}, CEL_ERR_NONE};
	size_t max_len = opts && opts->max_expr_len ? opts->max_expr_len : CEL_DEFAULT_MAX_EXPR_LEN;
	if (len > max_len) {
		if (ce)
			ce->kind = CEL_ERR_LIMIT;
		return ebba_errf(err, "expression longer than %zu bytes", max_len);
	}

	struct cel_parser p = {0};
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
		cel_fail(&p, p.tok.start, CEL_ERR_SYNTAX, "unexpected '%.*s' after the expression",
		     (int)(p.tok.end - p.tok.start), p.lx.src + p.tok.start);
	if (!p.failed)
		cel_check(&p, root);
	cel_lex_free(&p.lx);
	if (p.failed) {
		if (ce)
			*ce = (struct cel_compile_error){cel_lex_position(p.prog->src, len, p.err_off),
							 p.err_kind};
		cel_program_free(p.prog);
		return ebba_errf(err, "%s", p.errmsg);
	}
	p.prog->root = root;
	*out = p.prog;
	return 0;
}

int cel_compile(const char *src, const struct cel_decls *decls, struct cel_program **out,
		struct cel_compile_error *ce, struct ebba_err *err)
{
	const size_t max_len = CEL_DEFAULT_MAX_EXPR_LEN;
	return cel_compile_opts(src, strnlen(src, max_len + 1), decls, NULL, out, ce, err);
}
