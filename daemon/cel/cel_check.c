/*
 * The CEL checker, the second pass of compiling: resolves identifiers
 * (macro variables to slots, dotted names to declared variables, type names
 * to type values), precompiles literal regular expressions and checks the
 * types it can know without declarations of their types.
 */
#include <stdlib.h>
#include <string.h>

#include "cel_impl.h"

static bool is_declared(const struct cel_parser *p, const char *name)
{
	const struct cel_decls *d = p->decls;
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->names[i], name) == 0)
			return true;
	return d->is_declared && d->is_declared(d->ctx, name);
}

static int local_slot(const struct cel_parser *p, const char *name)
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

static void add_ident_ref(struct cel_parser *p, const char *name, size_t off)
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

static void resolve(struct cel_parser *p, struct cel_node *n);

static void resolve_ident(struct cel_parser *p, struct cel_node *n)
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
		cel_fail(p, n->offset, CEL_ERR_UNKNOWN_IDENT, "unknown identifier '%s'", n->name);
		return;
	}
	add_ident_ref(p, n->name, n->offset);
}

/*
 * a.b.c where `a` is not a macro variable may name a variable "a.b.c" or
 * "a.b" (CEL resolves the longest name).  With declarations this is settled
 * now; without, the evaluator tries the dotted names at run time.
 */
static bool resolve_qualified(struct cel_parser *p, struct cel_node *top)
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

static void type_mismatch(struct cel_parser *p, const struct cel_node *n, uint8_t a, uint8_t b)
{
	cel_fail(p, n->offset, CEL_ERR_TYPE, "no operator '%s' for %s and %s", op_text(n->op), cel_kind_name(a),
	     cel_kind_name(b));
}

static void expect_bool(struct cel_parser *p, const struct cel_node *n, const struct cel_node *arg)
{
	if (known(arg->static_kind) && arg->static_kind != CEL_BOOL)
		cel_fail(p, arg->offset, CEL_ERR_TYPE, "expected a bool, found %s", cel_kind_name(arg->static_kind));
	(void)n;
}

/* Works out n->static_kind from its operands; fails on sure type errors. */
static void check_types(struct cel_parser *p, struct cel_node *n)
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
			cel_fail(p, n->offset, CEL_ERR_TYPE, "no operator '-' for %s", cel_kind_name(a));
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

static void resolve_call(struct cel_parser *p, struct cel_node *n)
{
	if (n->fn == FN_UNKNOWN && p->decls) {
		cel_fail(p, n->offset, CEL_ERR_UNKNOWN_FUNCTION, "unknown function '%s' with %u argument%s", n->name, n->nargs,
		     n->nargs == 1 ? "" : "s");
		return;
	}
	if (n->fn == FN_MATCHES && n->nargs == 2 && n->args[1]->op == OP_LIT &&
	    n->args[1]->lit.kind == CEL_STRING) {
		struct ebba_err err;
		n->re = xmalloc(sizeof(*n->re));
		if (cel_regex_compile(n->args[1]->lit.str, n->args[1]->lit.len, n->re, &err) != 0) {
			free(n->re);
			n->re = NULL;
			cel_fail(p, n->args[1]->offset, CEL_ERR_INVALID, "%s", err.msg);
		}
	}
}

static void resolve_comprehension(struct cel_parser *p, struct cel_node *n)
{
	resolve(p, n->args[0]);
	if (p->nscope >= CEL_MAX_LOCALS) {
		cel_fail(p, n->offset, CEL_ERR_LIMIT, "too many nested macros");
		return;
	}
	n->slot = p->nscope;
	p->scope[p->nscope++] = n->name;
	for (unsigned i = 1; i < n->nargs; i++)
		resolve(p, n->args[i]);
	p->nscope--;
}

static void resolve(struct cel_parser *p, struct cel_node *n)
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

void cel_check(struct cel_parser *p, struct cel_node *root)
{
	resolve(p, root);
}
