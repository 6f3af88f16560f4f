/*
 * ebbactl eval EXPR [--facts FILE]: evaluates one rule expression, for
 * supervisors trying out what they are about to write into a rule file.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ebba/cel/cel.h"
#include "ctl.h"

#define FACTS_MAX_BYTES (16u << 20)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl eval EXPR [--facts FILE]\n"
		"\n"
		"Evaluates a rule expression (see docs/expressions.md) and prints the\n"
		"result in expression syntax.  FILE is a JSON object whose keys are the\n"
		"variables the expression may use (\"-\" reads stdin).\n"
		"\n"
		"exit status: 0 a value, 1 the result is an error (message on stderr),\n"
		"2 usage error, unreadable facts or an expression that does not compile.\n");
}

/* Loads the facts file into a map value in arena. */
static int load_facts(const char *path, struct cel_arena *arena, struct cel_value *vars,
		      struct ebba_err *err)
{
	struct ebba_buf text = {0};
	if (read_file_limited(path, FACTS_MAX_BYTES, &text, err) != 0) {
		buf_free(&text);
		return -1;
	}
	json_error_t jerr;
	json_t *root = json_loadb(text.data ? text.data : "", text.len, JSON_REJECT_DUPLICATES,
				  &jerr);
	buf_free(&text);
	if (!root)
		return ebba_errf(err, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	int rc = 0;
	if (!json_is_object(root))
		rc = ebba_errf(err, "%s: facts must be a JSON object", path);
	else if (cel_value_from_json(root, arena, vars, err) != 0)
		rc = ebba_err_prefix(err, "%s", path);
	json_decref(root);
	return rc;
}

int ctl_eval(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	const char *expr = NULL, *facts = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--facts") == 0 && i + 1 < argc) {
			facts = argv[++i];
		} else if (str_after(argv[i], "--facts=")) {
			facts = str_after(argv[i], "--facts=");
		} else if (!expr && (argv[i][0] != '-' || argv[i][1] == '\0' ||
				     (argv[i][1] >= '0' && argv[i][1] <= '9') || argv[i][1] == '(' ||
				     argv[i][1] == '-' || argv[i][1] == ' ')) {
			expr = argv[i];      /* "-1", "--x": expressions, not options */
		} else {
			usage(stderr);
			return CTL_USAGE;
		}
	}
	if (!expr) {
		usage(stderr);
		return CTL_USAGE;
	}

	struct ebba_err err;
	struct cel_program *prog;
	struct cel_compile_error ce;
	if (cel_compile(expr, NULL, &prog, &ce, &err) != 0) {
		fprintf(stderr, "ebbactl eval: %u:%u: %s\n", ce.pos.line, ce.pos.column, err.msg);
		return CTL_USAGE;
	}
	struct cel_arena *arena = cel_arena_new();
	struct cel_activation act = {.vars = cel_null()};
	int status = CTL_OK;
	if (facts && load_facts(facts, arena, &act.vars, &err) != 0) {
		fprintf(stderr, "ebbactl eval: %s\n", err.msg);
		status = CTL_USAGE;
		goto out;
	}
	struct cel_value v = cel_eval(prog, &act, arena);
	if (cel_is_error(v)) {
		fprintf(stderr, "ebbactl eval: %.*s\n", (int)v.len, v.str);
		status = CTL_NO;
		goto out;
	}
	struct ebba_buf b = {0};
	cel_value_format(v, &b);
	printf("%s\n", b.data);
	buf_free(&b);
out:
	cel_arena_free(arena);
	cel_program_free(prog);
	return status;
}
