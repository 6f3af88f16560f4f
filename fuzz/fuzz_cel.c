/*
 * libFuzzer target: compile arbitrary bytes as a CEL expression and, if it
 * compiles, evaluate it with a small cost budget against a few variables.
 * Whatever the input, the engine must neither crash nor leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "ebba/cel/cel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void bind(struct cel_arena *arena, struct cel_value *vars)
{
	*vars = cel_map_new(arena, 4);
	cel_map_set_str(arena, *vars, "x", cel_int(7));
	cel_map_set_str(arena, *vars, "s", cel_string(arena, "h\xc3\xa9llo"));
	struct cel_value l = cel_list_new(arena, 3);
	cel_list_append(arena, l, cel_int(1));
	cel_list_append(arena, l, cel_double(2.5));
	cel_list_append(arena, l, cel_string(arena, "three"));
	cel_map_set_str(arena, *vars, "l", l);
	struct cel_value m = cel_map_new(arena, 2);
	cel_map_set_str(arena, m, "a", cel_bool(true));
	cel_map_set_str(arena, m, "b", cel_null());
	cel_map_set_str(arena, *vars, "m", m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cel_program *prog;
	struct cel_compile_error ce;
	struct ebba_err err;
	if (cel_compile_opts((const char *)data, size, NULL, NULL, &prog, &ce, &err) < 0)
		return 0;
	struct cel_arena *arena = cel_arena_new();
	struct cel_activation act = {.max_steps = 20000};
	bind(arena, &act.vars);
	struct cel_value v = cel_eval(prog, &act, arena);
	struct ebba_buf out = {0};
	cel_value_format(v, &out);
	buf_free(&out);
	cel_arena_free(arena);
	cel_program_free(prog);
	return 0;
}
