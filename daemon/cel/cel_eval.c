/*
 * CEL evaluator: walks the compiled tree.  Every failure is an error value,
 * never a C error; && and || (and the all/exists macros) are commutative
 * over errors as CEL specifies, so `false && error` is false.  A step budget
 * bounds the work; once it is spent every node yields the same error, so
 * nothing can turn an exhausted evaluation into a normal answer.
 */
#include <math.h>
#include <string.h>

#include "cel_impl.h"

#define CEL_MAX_LOCALS 256

struct eval {
	const struct cel_activation *act;
	struct cel_arena *arena;
	uint64_t steps, max_steps;
	struct cel_value locals[CEL_MAX_LOCALS];
};

static struct cel_value eval(struct eval *e, const struct cel_node *n);

static const char exhausted_msg[] = "evaluation cost limit exceeded";

static bool exhausted(const struct eval *e)
{
	return e->steps > e->max_steps;
}

static struct cel_value no_overload(void)
{
	return cel_error_static(CEL_ERR_TYPE, "no such overload");
}

/* ---- Variables --------------------------------------------------------- */

static bool lookup(struct eval *e, const char *name, struct cel_value *out)
{
	const struct cel_activation *act = e->act;
	if (!act)
		return false;
	if (act->vars.kind == CEL_MAP && cel_map_get_str(act->vars, name, out))
		return true;
	return act->resolve && act->resolve(act->ctx, name, e->arena, out);
}

static struct cel_value eval_ident(struct eval *e, const struct cel_node *n)
{
	struct cel_value v;
	if (lookup(e, n->name, &v))
		return v;
	return cel_errorf(e->arena, CEL_ERR_UNKNOWN_IDENT, "undeclared reference to '%s'", n->name);
}

/* An error "<what>: <key in CEL syntax>", the key shortened if long. */
static struct cel_value key_error(struct eval *e, enum cel_error_kind ek, const char *what,
				  struct cel_value key)
{
	struct ebba_buf b = {0};
	cel_value_format(key, &b);
	if (b.len > 80) {
		b.len = 80;
		buf_puts(&b, "...");
	}
	struct cel_value err = cel_errorf(e->arena, ek, "%s: %s", what, b.data);
	buf_free(&b);
	return err;
}

static struct cel_value no_such_key(struct eval *e, struct cel_value key)
{
	return key_error(e, CEL_ERR_NO_SUCH_KEY, "no such key", key);
}

static struct cel_value eval_select(struct eval *e, const struct cel_node *n)
{
	struct cel_value v;
	/* `a.b.c` may itself be a variable named "a.b.c" (longest name wins). */
	if (n->qualify && lookup(e, n->name, &v))
		return v;
	v = eval(e, n->args[0]);
	if (v.kind == CEL_ERROR)
		return v;
	if (v.kind != CEL_MAP)
		return cel_errorf(e->arena, CEL_ERR_TYPE, "type '%s' does not support field selection",
				  cel_kind_name(v.kind));
	struct cel_value out;
	if (cel_map_get(v, n->lit, &out))
		return out;
	return no_such_key(e, n->lit);
}

static struct cel_value eval_has(struct eval *e, const struct cel_node *n)
{
	struct cel_value v = eval(e, n->args[0]);
	if (v.kind == CEL_ERROR)
		return v;
	if (v.kind != CEL_MAP)
		return cel_errorf(e->arena, CEL_ERR_TYPE, "has() cannot test a field of a %s",
				  cel_kind_name(v.kind));
	struct cel_value out;
	return cel_bool(cel_map_get(v, n->lit, &out));
}

/* ---- Containers -------------------------------------------------------- */

static struct cel_value eval_index(struct eval *e, const struct cel_node *n)
{
	struct cel_value c = eval(e, n->args[0]);
	struct cel_value k = eval(e, n->args[1]);
	if (c.kind == CEL_ERROR)
		return c;
	if (k.kind == CEL_ERROR)
		return k;
	struct cel_value out;
	if (c.kind == CEL_MAP) {
		if (cel_map_get(c, k, &out))
			return out;
		return no_such_key(e, k);
	}
	if (c.kind != CEL_LIST)
		return no_overload();
	int64_t i;
	if (k.kind == CEL_INT) {
		i = k.i;
	} else if (k.kind == CEL_UINT) {
		i = k.u > INT64_MAX ? -1 : (int64_t)k.u;
	} else if (k.kind == CEL_DOUBLE && k.d == trunc(k.d) && fabs(k.d) < 9.2e18) {
		i = (int64_t)k.d;
	} else {
		return cel_errorf(e->arena, CEL_ERR_TYPE, "invalid list index of type %s", cel_kind_name(k.kind));
	}
	if (i < 0 || (uint64_t)i >= c.list->len)
		return cel_errorf(e->arena, CEL_ERR_RANGE, "index out of range: %lld (list size %zu)", (long long)i,
				  c.list->len);
	return c.list->items[i];
}

static struct cel_value eval_list(struct eval *e, const struct cel_node *n)
{
	struct cel_value list = cel_list_new(e->arena, n->nargs);
	for (unsigned i = 0; i < n->nargs; i++) {
		struct cel_value v = eval(e, n->args[i]);
		if (v.kind == CEL_ERROR)
			return v;
		cel_list_append(e->arena, list, v);
	}
	return list;
}

static struct cel_value eval_map(struct eval *e, const struct cel_node *n)
{
	struct cel_value map = cel_map_new(e->arena, n->nargs / 2);
	for (unsigned i = 0; i + 1 < n->nargs; i += 2) {
		struct cel_value k = eval(e, n->args[i]);
		if (k.kind == CEL_ERROR)
			return k;
		struct cel_value v = eval(e, n->args[i + 1]);
		if (v.kind == CEL_ERROR)
			return v;
		if (k.kind != CEL_BOOL && k.kind != CEL_INT && k.kind != CEL_UINT &&
		    k.kind != CEL_STRING)
			return cel_errorf(e->arena, CEL_ERR_TYPE, "unsupported key type %s", cel_kind_name(k.kind));
		struct cel_value old;
		if (cel_map_get(map, k, &old))
			return key_error(e, CEL_ERR_INVALID, "repeated key in map literal", k);
		(void)cel_map_set(e->arena, map, k, v, NULL);
	}
	return map;
}

static struct cel_value eval_in(struct eval *e, struct cel_value x, struct cel_value c)
{
	struct cel_value out;
	if (c.kind == CEL_MAP)
		return cel_bool(cel_map_get(c, x, &out));
	if (c.kind != CEL_LIST)
		return no_overload();
	e->steps += c.list->len;
	for (size_t i = 0; i < c.list->len; i++)
		if (cel_value_equal(x, c.list->items[i]))
			return cel_bool(true);
	return cel_bool(false);
}

/* ---- Logic ------------------------------------------------------------- */

/*
 * a && b, a || b: a decisive operand (false for &&, true for ||) wins
 * whatever the other is; otherwise an error (or non-bool) operand is the
 * result, the left one first.
 */
static struct cel_value eval_logic(struct eval *e, const struct cel_node *n, bool is_and)
{
	bool decisive = !is_and;
	struct cel_value a = eval(e, n->args[0]);
	if (a.kind == CEL_BOOL && a.b == decisive)
		return a;
	struct cel_value b = eval(e, n->args[1]);
	if (b.kind == CEL_BOOL && b.b == decisive)
		return b;
	if (a.kind == CEL_ERROR)
		return a;
	if (a.kind != CEL_BOOL)
		return no_overload();
	if (b.kind == CEL_ERROR)
		return b;
	if (b.kind != CEL_BOOL)
		return no_overload();
	return b;
}

static struct cel_value eval_cond(struct eval *e, const struct cel_node *n)
{
	struct cel_value c = eval(e, n->args[0]);
	if (c.kind == CEL_ERROR)
		return c;
	if (c.kind != CEL_BOOL)
		return no_overload();
	return eval(e, n->args[c.b ? 1 : 2]);
}

/* ---- Arithmetic -------------------------------------------------------- */

static struct cel_value concat(struct eval *e, struct cel_value a, struct cel_value b)
{
	if (a.kind == CEL_LIST) {
		size_t na = a.list->len, nb = b.list->len;
		e->steps += na + nb;
		struct cel_value out = cel_list_new(e->arena, na + nb);
		if (na)
			memcpy(out.list->items, a.list->items, na * sizeof(struct cel_value));
		if (nb)
			memcpy(out.list->items + na, b.list->items, nb * sizeof(struct cel_value));
		out.list->len = na + nb;
		return out;
	}
	size_t n = (size_t)a.len + b.len;
	if (n > CEL_MAX_STRING)
		return cel_error_static(CEL_ERR_LIMIT, "string too long");
	e->steps += n / 64;
	if (exhausted(e))
		return cel_error_static(CEL_ERR_BUDGET, exhausted_msg);
	char *p = cel_arena_alloc(e->arena, n + 1);
	if (a.len)
		memcpy(p, a.str, a.len);
	if (b.len)
		memcpy(p + a.len, b.str, b.len);
	p[n] = '\0';
	return (struct cel_value){.kind = a.kind, .len = (uint32_t)n, .str = p};
}

/* a + b, a - b or a * b into *r; true when it overflows.  A macro because
 * the builtins are generic over the operands' type, and int and uint want
 * the same three lines. */
#define CEL_RING_OP_OVERFLOWS(op, a, b, r) \
	((op) == OP_ADD ? __builtin_add_overflow(a, b, r) \
	 : (op) == OP_SUB ? __builtin_sub_overflow(a, b, r) : __builtin_mul_overflow(a, b, r))

static struct cel_value by_zero(enum cel_op op)
{
	return cel_error_static(CEL_ERR_DIV_ZERO, op == OP_DIV ? "division by zero" : "modulus by zero");
}

static struct cel_value arith_int(enum cel_op op, int64_t a, int64_t b)
{
	int64_t r;
	if (op == OP_DIV || op == OP_MOD) {
		if (b == 0)
			return by_zero(op);
		if (a == INT64_MIN && b == -1)  /* the one quotient that does not fit */
			return cel_error_static(CEL_ERR_OVERFLOW, "integer overflow");
		return cel_int(op == OP_DIV ? a / b : a % b);
	}
	if (CEL_RING_OP_OVERFLOWS(op, a, b, &r))
		return cel_error_static(CEL_ERR_OVERFLOW, "integer overflow");
	return cel_int(r);
}

static struct cel_value arith_uint(enum cel_op op, uint64_t a, uint64_t b)
{
	uint64_t r;
	if (op == OP_DIV || op == OP_MOD)
		return b == 0 ? by_zero(op) : cel_uint(op == OP_DIV ? a / b : a % b);
	if (CEL_RING_OP_OVERFLOWS(op, a, b, &r))
		return cel_error_static(CEL_ERR_OVERFLOW, "unsigned integer overflow");
	return cel_uint(r);
}

static struct cel_value arith_double(enum cel_op op, double a, double b)
{
	switch (op) {
	case OP_ADD: return cel_double(a + b);
	case OP_SUB: return cel_double(a - b);
	case OP_MUL: return cel_double(a * b);
	case OP_DIV: return cel_double(a / b);
	default: return no_overload();
	}
}

static struct cel_value eval_arith(struct eval *e, const struct cel_node *n)
{
	struct cel_value a = eval(e, n->args[0]);
	struct cel_value b = eval(e, n->args[1]);
	if (a.kind == CEL_ERROR)
		return a;
	if (b.kind == CEL_ERROR)
		return b;
	if (a.kind != b.kind)
		return no_overload();       /* CEL never mixes number types implicitly */
	switch (a.kind) {
	case CEL_INT:
		return arith_int(n->op, a.i, b.i);
	case CEL_UINT:
		return arith_uint(n->op, a.u, b.u);
	case CEL_DOUBLE:
		return arith_double(n->op, a.d, b.d);
	case CEL_STRING:
	case CEL_BYTES:
	case CEL_LIST:
		if (n->op == OP_ADD)
			return concat(e, a, b);
		return no_overload();
	default:
		return no_overload();
	}
}

static struct cel_value eval_neg(struct eval *e, const struct cel_node *n)
{
	struct cel_value a = eval(e, n->args[0]);
	switch (a.kind) {
	case CEL_ERROR:
		return a;
	case CEL_INT:
		if (a.i == INT64_MIN)
			return cel_error_static(CEL_ERR_OVERFLOW, "integer overflow");
		return cel_int(-a.i);
	case CEL_DOUBLE:
		return cel_double(-a.d);
	default:
		return no_overload();
	}
}

static struct cel_value eval_compare(struct eval *e, const struct cel_node *n)
{
	struct cel_value a = eval(e, n->args[0]);
	struct cel_value b = eval(e, n->args[1]);
	if (a.kind == CEL_ERROR)
		return a;
	if (b.kind == CEL_ERROR)
		return b;
	switch (n->op) {
	case OP_EQ:
	case OP_NE:
		if (a.kind == CEL_LIST || a.kind == CEL_MAP)
			e->steps += a.kind == CEL_LIST ? a.list->len : a.map->len;
		return cel_bool(cel_value_equal(a, b) == (n->op == OP_EQ));
	case OP_IN:
		return eval_in(e, a, b);
	default:
		break;
	}
	int c = cel_value_compare(a, b);
	if (c == CEL_CMP_NONE)
		return no_overload();
	if (c == CEL_CMP_NAN)
		return cel_bool(false);
	switch (n->op) {
	case OP_LT: return cel_bool(c < 0);
	case OP_LE: return cel_bool(c <= 0);
	case OP_GT: return cel_bool(c > 0);
	default: return cel_bool(c >= 0);
	}
}

/* ---- Calls and macros -------------------------------------------------- */

static struct cel_value eval_call(struct eval *e, const struct cel_node *n)
{
	struct cel_value small[8];
	struct cel_value *args = small;
	if (n->nargs > ARRAY_LEN(small))
		args = cel_arena_alloc(e->arena, n->nargs * sizeof(*args));
	for (unsigned i = 0; i < n->nargs; i++) {
		args[i] = eval(e, n->args[i]);
		if (args[i].kind == CEL_ERROR)
			return args[i];
	}
	struct cel_value r = cel_call_builtin(n->fn, n, args, n->nargs, e->arena, &e->steps);
	if (exhausted(e))
		return cel_error_static(CEL_ERR_BUDGET, exhausted_msg);
	return r;
}

/* The items a macro iterates over: list elements or map keys. */
static bool macro_range(struct cel_value r, const struct cel_value **items, size_t *n)
{
	if (r.kind == CEL_LIST) {
		*items = r.list->items;
		*n = r.list->len;
		return true;
	}
	if (r.kind == CEL_MAP) {
		*items = r.map->keys;
		*n = r.map->len;
		return true;
	}
	return false;
}

/* all/exists: a decisive result wins over errors in other iterations. */
static struct cel_value macro_quantifier(struct eval *e, const struct cel_node *n,
					 const struct cel_value *items, size_t count, bool decisive)
{
	struct cel_value first_err = {.kind = CEL_NULL};
	for (size_t i = 0; i < count && !exhausted(e); i++) {
		e->locals[n->slot] = items[i];
		struct cel_value r = eval(e, n->args[1]);
		if (r.kind == CEL_BOOL) {
			if (r.b == decisive)
				return r;
			continue;
		}
		if (first_err.kind == CEL_NULL)
			first_err = r.kind == CEL_ERROR ? r : no_overload();
	}
	if (exhausted(e))
		return cel_error_static(CEL_ERR_BUDGET, exhausted_msg);
	return first_err.kind == CEL_NULL ? cel_bool(!decisive) : first_err;
}

static struct cel_value macro_exists_one(struct eval *e, const struct cel_node *n,
					 const struct cel_value *items, size_t count)
{
	size_t hits = 0;
	for (size_t i = 0; i < count; i++) {
		e->locals[n->slot] = items[i];
		struct cel_value r = eval(e, n->args[1]);
		if (r.kind == CEL_ERROR)
			return r;
		if (r.kind != CEL_BOOL)
			return no_overload();
		hits += r.b;
	}
	return cel_bool(hits == 1);
}

static struct cel_value macro_collect(struct eval *e, const struct cel_node *n,
				      const struct cel_value *items, size_t count)
{
	struct cel_value out = cel_list_new(e->arena, n->macro == MACRO_MAP ? count : 0);
	const struct cel_node *pred = n->macro == MACRO_MAP ? NULL : n->args[1];
	const struct cel_node *transform = n->macro == MACRO_MAP ? n->args[1]
					 : n->macro == MACRO_MAP_FILTER ? n->args[2] : NULL;
	for (size_t i = 0; i < count; i++) {
		e->locals[n->slot] = items[i];
		if (pred) {
			struct cel_value keep = eval(e, pred);
			if (keep.kind == CEL_ERROR)
				return keep;
			if (keep.kind != CEL_BOOL)
				return no_overload();
			if (!keep.b)
				continue;
		}
		struct cel_value v = transform ? eval(e, transform) : items[i];
		if (v.kind == CEL_ERROR)
			return v;
		cel_list_append(e->arena, out, v);
	}
	return out;
}

static struct cel_value eval_comprehension(struct eval *e, const struct cel_node *n)
{
	struct cel_value range = eval(e, n->args[0]);
	if (range.kind == CEL_ERROR)
		return range;
	const struct cel_value *items;
	size_t count;
	if (!macro_range(range, &items, &count))
		return cel_errorf(e->arena, CEL_ERR_TYPE, "cannot iterate over a %s", cel_kind_name(range.kind));
	/* Each nesting level has its own slot, so no save/restore is needed. */
	struct cel_value r;
	switch (n->macro) {
	case MACRO_ALL:
		r = macro_quantifier(e, n, items, count, false);
		break;
	case MACRO_EXISTS:
		r = macro_quantifier(e, n, items, count, true);
		break;
	case MACRO_EXISTS_ONE:
		r = macro_exists_one(e, n, items, count);
		break;
	default:
		r = macro_collect(e, n, items, count);
		break;
	}
	return r;
}

/* ---- Dispatch ---------------------------------------------------------- */

static struct cel_value eval(struct eval *e, const struct cel_node *n)
{
	if (++e->steps > e->max_steps)
		return cel_error_static(CEL_ERR_BUDGET, exhausted_msg);
	switch (n->op) {
	case OP_LIT: return n->lit;
	case OP_IDENT: return eval_ident(e, n);
	case OP_LOCAL: return e->locals[n->slot];
	case OP_SELECT: return eval_select(e, n);
	case OP_HAS: return eval_has(e, n);
	case OP_INDEX: return eval_index(e, n);
	case OP_LIST: return eval_list(e, n);
	case OP_MAP: return eval_map(e, n);
	case OP_AND: return eval_logic(e, n, true);
	case OP_OR: return eval_logic(e, n, false);
	case OP_NOT: {
		struct cel_value a = eval(e, n->args[0]);
		if (a.kind == CEL_BOOL)
			return cel_bool(!a.b);
		return a.kind == CEL_ERROR ? a : no_overload();
	}
	case OP_NEG: return eval_neg(e, n);
	case OP_COND: return eval_cond(e, n);
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
	case OP_MOD: return eval_arith(e, n);
	case OP_EQ:
	case OP_NE:
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
	case OP_IN: return eval_compare(e, n);
	case OP_CALL: return eval_call(e, n);
	case OP_COMPREHENSION: return eval_comprehension(e, n);
	}
	return cel_error_static(CEL_ERR_OTHER, "internal error: unknown node");
}

struct cel_value cel_eval(const struct cel_program *prog, const struct cel_activation *act,
			  struct cel_arena *arena)
{
	struct eval e;
	e.act = act;
	e.arena = arena;
	e.steps = 0;
	e.max_steps = act && act->max_steps ? act->max_steps : CEL_DEFAULT_MAX_STEPS;
	struct cel_value v = eval(&e, prog->root);
	if (exhausted(&e))
		return cel_error_static(CEL_ERR_BUDGET, exhausted_msg);
	return v;
}
