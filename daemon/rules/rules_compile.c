/*
 * Compiling the expressions of a rule set, once the name table holds every
 * name: each queued expression (struct pending) becomes a program in its
 * slot.  A compile error is reported at the file:line:column of the
 * expression's offending part, for supervisors: an unknown name with the
 * closest name the rule set has, anything else with a lead chosen by its
 * kind (never by CEL's text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_loader.h"

static bool decl_cb(void *ctx, const char *name)
{
	return rs_lookup(ctx, name) != NULL;
}

/* Byte offset in src of a 1-based line/column (code points). */
static size_t src_offset(const char *src, struct cel_err_pos pos)
{
	size_t i = 0;
	unsigned line = 1, col = 1;
	while (src[i] && (line < pos.line || (line == pos.line && col < pos.column))) {
		if (src[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)src[i] & 0xC0) != 0x80) {
			col++;
		}
		i++;
		while (src[i] && ((unsigned char)src[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

/* The identifier that starts at src + off (CEL reports an unknown one there). */
static size_t ident_len(const char *src, size_t off)
{
	size_t n = 0;
	for (const char *p = src + off; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					(*p >= '0' && *p <= '9') || *p == '_';
	     p++)
		n++;
	return n;
}

/*
 * The names of the rule set an unknown name may be a misspelling of: for
 * params.x the parameters, for calc.x the calculation items, else the
 * undotted names.  The strings are borrowed from the name table.
 */
static const char **candidates(const struct ruleset *rs, const char *prefix, size_t *n)
{
	const char **cands = xcalloc(rs->names_cap + 1, sizeof(*cands));
	size_t plen = prefix ? strlen(prefix) : 0;
	*n = 0;
	for (size_t i = 0; i < rs->names_cap; i++) {
		const char *nm = rs->names[i].name;
		if (!nm)
			continue;
		if (prefix && strncmp(nm, prefix, plen) == 0)
			cands[(*n)++] = nm + plen;
		else if (!prefix && !strchr(nm, '.'))
			cands[(*n)++] = nm;
	}
	return cands;
}

/* An unknown name at src + off, explained with the closest name the rule set has. */
static void explain_unknown(const struct ruleset *rs, const char *src, size_t off,
			    struct ebba_buf *out)
{
	size_t n = ident_len(src, off);
	char ident[128];
	snprintf(ident, sizeof(ident), "%.*s", (int)(n < 120 ? n : 120), src + off);
	bool is_param = strcmp(ident, "params") == 0, is_calc = strcmp(ident, "calc") == 0;
	char word[128] = "";
	if ((is_param || is_calc) && src[off + n] == '.') {
		size_t w = ident_len(src, off + n + 1);
		snprintf(word, sizeof(word), "%.*s", (int)(w < 120 ? w : 120), src + off + n + 1);
	}
	if (is_calc) {
		buf_printf(out, "okänd beräkningspost 'calc.%s' (det finns calc.norm, calc.costs, calc.incomes och calc.amount)",
			   word);
		return;
	}
	size_t nc;
	const char **cands = candidates(rs, is_param ? "params." : NULL, &nc);
	const char *sug = rs_suggest(is_param ? word : ident, cands, nc);
	if (is_param)
		buf_printf(out, "okänd parameter 'params.%s'", word);
	else
		buf_printf(out, "okänt namn '%s'", ident);
	if (sug)
		buf_printf(out, " (menade du '%s%s'?)", is_param ? "params." : "", sug);
	else
		buf_puts(out, " (faktanamnen står i docs/fact-model.md)");
	free(cands);
}

/* A compile error for supervisors: a Swedish lead chosen by its kind, CEL's words after it. */
static void explain(const struct ruleset *rs, const char *src, size_t off,
		    const struct cel_compile_error *ce, const char *msg, struct ebba_buf *out)
{
	if (ce->kind == CEL_ERR_UNKNOWN_IDENT) {
		explain_unknown(rs, src, off, out);
		return;
	}
	rs_error_words(ce->kind, msg, strlen(msg), out);
}

void rs_compile_pending(struct loader *L)
{
	struct cel_decls decls = {.is_declared = decl_cb, .ctx = L->rs};
	for (size_t i = 0; i < L->n_pend; i++) {
		struct pending *p = &L->pend[i];
		struct cel_program *prog = NULL;
		struct cel_compile_error ce = {{1, 1}, CEL_ERR_NONE};
		struct ebba_err err = {{0}};
		if (cel_compile(p->src, &decls, &prog, &ce, &err) != 0) {
			size_t off = src_offset(p->src, ce.pos);
			unsigned line, col;
			rs_scalar_pos(p->f, p->node, p->offset + off, &line, &col);
			struct ebba_buf m = {0};
			explain(L->rs, p->src, off, &ce, err.msg, &m);
			rs_diag(&L->d, false, p->f->name, line, col, "%s", m.data);
			buf_free(&m);
			continue;
		}
		if (p->derived >= 0)
			L->rs->derived[p->derived].prog = prog;
		else
			*p->slot = prog;
	}
}

