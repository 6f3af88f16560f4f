/*
 * The cycle search among derived facts: a depth-first walk over the names
 * each derived fact's program reads.  Evaluation would catch a circle too
 * (as an error value), but a supervisor should hear of it at load, with the
 * whole circle spelt out.
 */
#include <stdlib.h>

#include "rules_loader.h"

static bool cycle_dfs(struct loader *L, size_t i, unsigned char *color, size_t *stack,
		      size_t depth)
{
	struct ruleset *rs = L->rs;
	color[i] = 1;
	stack[depth] = i;
	size_t n = 0;
	const struct cel_ident_ref *refs =
		rs->derived[i].prog ? cel_program_idents(rs->derived[i].prog, &n) : NULL;
	for (size_t k = 0; k < n; k++) {
		const struct rs_name *nm = rs_lookup(rs, refs[k].name);
		if (!nm || nm->kind != RS_NAME_DERIVED)
			continue;
		size_t j = nm->index;
		if (color[j] == 1) {
			struct ebba_buf path = {0};
			size_t start = 0;
			while (stack[start] != j)
				start++;
			for (size_t s = start; s <= depth; s++)
				buf_printf(&path, "%s -> ", rs->derived[stack[s]].name);
			buf_puts(&path, rs->derived[j].name);
			rs_diag(&L->d, false, rs->derived[j].file, rs->derived[j].line,
				rs->derived[j].col, "härledda fakta beror på varandra i en cirkel: %s",
				path.data);
			buf_free(&path);
			return true;
		}
		if (color[j] == 0 && cycle_dfs(L, j, color, stack, depth + 1))
			return true;
	}
	color[i] = 2;
	return false;
}

void rs_find_cycles(struct loader *L)
{
	size_t n = L->rs->n_derived;
	unsigned char *color = xcalloc(n + 1, 1);
	size_t *stack = xcalloc(n + 1, sizeof(*stack));
	for (size_t i = 0; i < n; i++)
		if (color[i] == 0 && cycle_dfs(L, i, color, stack, 0)) {
			/* one report per circle: mark everything seen as done */
			for (size_t k = 0; k < n; k++)
				if (color[k] == 1)
					color[k] = 2;
		}
	free(color);
	free(stack);
}

