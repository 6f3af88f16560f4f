/*
 * cel_bench [N]: compiles a representative rule expression once and
 * evaluates it N times (default 1,000,000) against facts built per round
 * in an arena, as the rule engine does per application.  Prints ns/eval.
 * Not a test: a number to watch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebba/cel/cel.h"

static const char *const expr =
	"household.adults >= 1 && income.total <= norm.amount * 2 &&"
	" costs.filter(c, c.accepted).map(c, c.amount).exists(a, a > 0) &&"
	" sum(costs.map(c, c.amount)) - income.total > 0 &&"
	" !declared_changes && applicant.name.startsWith('Test')";

static bool resolve(void *ctx, const char *name, struct cel_arena *arena, struct cel_value *out)
{
	(void)ctx;
	if (strcmp(name, "household.adults") == 0) {
		*out = cel_int(2);
		return true;
	}
	if (strcmp(name, "declared_changes") == 0) {
		*out = cel_bool(false);
		return true;
	}
	if (strcmp(name, "income") == 0 || strcmp(name, "norm") == 0) {
		*out = cel_map_new(arena, 2);
		cel_map_set_str(arena, *out, strcmp(name, "income") == 0 ? "total" : "amount",
				cel_int(strcmp(name, "income") == 0 ? 4200 : 9980));
		return true;
	}
	if (strcmp(name, "applicant") == 0) {
		*out = cel_map_new(arena, 1);
		cel_map_set_str(arena, *out, "name", cel_string_ref("Test Testsson", 13));
		return true;
	}
	if (strcmp(name, "costs") == 0) {
		*out = cel_list_new(arena, 4);
		for (int i = 0; i < 4; i++) {
			struct cel_value c = cel_map_new(arena, 2);
			cel_map_set_str(arena, c, "amount", cel_int(1000 + i * 750));
			cel_map_set_str(arena, c, "accepted", cel_bool(i != 2));
			cel_list_append(arena, *out, c);
		}
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	const char *names[] = {"household.adults", "income", "norm", "costs", "declared_changes",
			       "applicant"};
	struct cel_decls decls = {.names = names, .count = 6};
	struct cel_program *prog;
	struct cel_compile_error ce;
	struct ebba_err err;
	if (cel_compile(expr, &decls, &prog, &ce, &err) < 0) {
		fprintf(stderr, "cel_bench: %u:%u: %s\n", ce.pos.line, ce.pos.column, err.msg);
		return 2;
	}
	struct cel_arena *arena = cel_arena_new();
	struct cel_activation act = {.vars = cel_null(), .resolve = resolve};
	struct timespec t0, t1;
	long trues = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		struct cel_value v = cel_eval(prog, &act, arena);
		trues += v.kind == CEL_BOOL && v.b;
		cel_arena_reset(arena);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n;
	printf("cel_bench: %ld evaluations, %.0f ns/eval (facts built lazily per eval), result %s\n",
	       n, ns, trues == n ? "true" : "unexpected");
	cel_arena_free(arena);
	cel_program_free(prog);
	return trues == n ? 0 : 1;
}
