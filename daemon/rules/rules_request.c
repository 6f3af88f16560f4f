/*
 * Komplettering in the rule set (schema 027, 030; docs/rules.md,
 * "documents"): the letter that asks the applicant for documents, its
 * loading and its one renderer, and ebba's own request when every failed
 * check of a referral has outcome complete.
 *
 * The letter is letters.documents_requested: plain text in the letter
 * markup of docs/letters.md with three placeholders, {handlingar} (the
 * documents, one "- text" line each), {meddelande} (the caseworker's
 * message) and {senast} (the deadline).  Its paragraphs are separated by
 * blank lines, and a paragraph with a placeholder that has nothing to say
 * (no documents, no message) is left out with its heading, so that the
 * words stay the rule set's and no empty heading reaches the applicant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "rules_eval.h"
#include "rules_loader.h"

static const char *const PLACEHOLDERS[] = {"handlingar", "meddelande", "senast", NULL};
#define LETTER "letters.documents_requested"

/* The index of the placeholder p[0..n) in PLACEHOLDERS, or -1. */
static int placeholder(const char *p, size_t n)
{
	for (int k = 0; PLACEHOLDERS[k]; k++)
		if (strlen(PLACEHOLDERS[k]) == n && strncmp(PLACEHOLDERS[k], p, n) == 0)
			return k;
	return -1;
}

void rs_load_request_letter(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (!n)
		return;
	if (!rs_is_scalar(n) || !n->data.scalar.length) {
		DIAG(L, f, n, "brevet 'documents_requested' måste vara text, inte %s", rs_node_kind(n));
		return;
	}
	if (L->rs->request_letter) {
		DIAG(L, f, n, "brevet 'documents_requested' anges två gånger");
		return;
	}
	const char *text = rs_scalar(n);
	for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		if (!end || placeholder(p + 1, (size_t)(end - p - 1)) < 0)
			DIAG(L, f, n, "brevet 'documents_requested' har platshållaren '%.*s', som det inte kan ha (bara {handlingar}, {meddelande} och {senast})",
			     end ? (int)(end - p + 1) : (int)strlen(p), p);
	}
	L->rs->request_letter = xstrdup(text);
}

static const struct rs_param *param_named(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_params; i++)
		if (strcmp(rs->params[i].name, name) == 0)
			return &rs->params[i];
	return NULL;
}

/* completion_days: whole days, 0 (ebba never asks by itself) up to 90 (the
 * longest deadline ebba.request_documents takes). */
static void check_completion_days(struct loader *L, const struct rs_param *p)
{
	for (size_t k = 0; k < p->n; k++) {
		const struct rs_param_value *v = &p->v[k];
		if (v->value.kind != CEL_INT || v->value.i < 0 || v->value.i > 90)
			rs_diag(&L->d, false, v->file, v->line, v->col,
				"parametern 'completion_days' är antalet dagar den sökande har på sig att komplettera: ett heltal från 0 (ebba begär aldrig själv) till 90");
	}
}

/* The check that can ask for a komplettering and where to say so. */
static void require_for_complete(struct loader *L, const struct rs_check *c)
{
	const char *file = c->doc_file ? c->doc_file : c->file ? c->file : "rules";
	unsigned line = c->n_documents ? c->doc_line[0] : c->line[1];
	unsigned col = c->n_documents ? c->doc_col[0] : c->col[1];
	if (!param_named(L->rs, "completion_days"))
		rs_diag(&L->d, false, file, line, col,
			"kontrollen '%s' kan begära komplettering, men parametern 'completion_days' (dagar till sista dag) saknas",
			c->id);
	if (!L->rs->request_letter)
		rs_diag(&L->d, false, file, line, col,
			"kontrollen '%s' kan begära komplettering, men brevet 'documents_requested' i letters saknas",
			c->id);
}

void rs_request_check(struct loader *L)
{
	const struct ruleset *rs = L->rs;
	bool required = false;
	for (size_t i = 0; i < rs->n_checks; i++) {
		const struct rs_check *c = &rs->checks[i];
		for (size_t k = 0; k < c->n_documents; k++)
			if (!ruleset_document_text(rs, c->documents[k]))
				rs_diag(&L->d, false, c->doc_file, c->doc_line[k], c->doc_col[k],
					"handlingen '%s' i kontrollen '%s' finns inte i handlingskatalogen (documents)",
					c->documents[k], c->id);
		if (c->complete && !required) {
			require_for_complete(L, c);
			required = true;
		}
	}
	const struct rs_param *days = param_named(rs, "completion_days");
	if (days)
		check_completion_days(L, days);
}

/* ------------------------------------------------------------ the catalogue */

size_t ruleset_n_documents(const struct ruleset *rs)
{
	return rs->n_documents;
}

int ruleset_document(const struct ruleset *rs, size_t i, const char **id, const char **text)
{
	if (i >= rs->n_documents)
		return -1;
	*id = rs->documents[i].id;
	*text = rs->documents[i].text;
	return 0;
}

const char *ruleset_document_text(const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->n_documents; i++)
		if (strcmp(rs->documents[i].id, id) == 0)
			return rs->documents[i].text;
	return NULL;
}

/* ------------------------------------------------------------ the letter */

/* Paragraph p[0..n) with its placeholders filled in from values, or
 * nothing when one of them is empty. */
static void render_paragraph(const char *p, size_t n, const char *const values[], struct ebba_buf *out)
{
	for (const char *q = memchr(p, '{', n); q; q = memchr(q + 1, '{', n - (size_t)(q + 1 - p))) {
		const char *end = memchr(q, '}', n - (size_t)(q - p));
		int k = end ? placeholder(q + 1, (size_t)(end - q - 1)) : -1;
		if (k >= 0 && !*values[k])
			return;
	}
	if (out->len)
		buf_puts(out, "\n\n");
	const char *run = p;
	for (const char *q = memchr(p, '{', n); q; q = memchr(q + 1, '{', n - (size_t)(q + 1 - p))) {
		const char *end = memchr(q, '}', n - (size_t)(q - p));
		int k = end ? placeholder(q + 1, (size_t)(end - q - 1)) : -1;
		if (k < 0)
			continue;
		buf_append(out, run, (size_t)(q - run));
		buf_puts(out, values[k]);
		run = end + 1;
	}
	buf_append(out, run, n - (size_t)(run - p));
}

/* The template with the values (PLACEHOLDERS' order), paragraph by paragraph. */
static void render_letter(const char *tmpl, const char *const values[], struct ebba_buf *out)
{
	const char *p = tmpl;
	while (*p) {
		while (*p == '\n')
			p++;
		const char *end = strstr(p, "\n\n");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && p[n - 1] == '\n')
			n--;
		if (n)
			render_paragraph(p, n, values, out);
		p += end ? (size_t)(end - p) : strlen(p);
	}
	buf_putc(out, '\n');
}

int ruleset_documents_request(const struct ruleset *rs, const char *const *ids, size_t n,
			      const char *message, const char *deadline, json_t *docs,
			      struct ebba_buf *letter, struct ebba_err *err)
{
	if (!rs->request_letter)
		return ebba_errf(err, "the rule set has no letter " LETTER);
	struct ebba_buf list = {0};
	for (size_t i = 0; i < n; i++) {
		const char *t = ruleset_document_text(rs, ids[i]);
		if (!t) {
			buf_free(&list);
			return ebba_errf(err, "document %s: not in the catalogue (documents.yaml)", ids[i]);
		}
		json_array_append_new(docs, json_pack("{s:s, s:s}", "id", ids[i], "text", t));
		buf_printf(&list, "%s- %s", i ? "\n" : "", t);
	}
	const char *values[] = {list.data ? list.data : "", message ? message : "", deadline};
	render_letter(rs->request_letter, values, letter);
	buf_free(&list);
	return 0;
}

/* ------------------------------------------------------------ ebba asks */

static const char *arena_copy(struct cel_arena *a, const char *s, size_t n)
{
	char *p = cel_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Whether every failure of d is a check with outcome complete (an error,
 * or a failure of any other outcome, is a person's to look at). */
static bool only_complete(const struct rule_decision *d)
{
	size_t failed = 0;
	for (size_t i = 0; i < d->n_checks; i++) {
		const struct rule_check_result *r = &d->checks[i];
		if (r->result == RULE_ERROR)
			return false;
		if (r->result != RULE_FAIL)
			continue;
		if (strcmp(r->outcome, "complete") != 0)
			return false;
		failed++;
	}
	return failed > 0;
}

/* The failed checks' documents, each once, in the checks' order. */
static size_t collect_ids(const struct ruleset *rs, const struct rule_decision *d, const char **ids,
			  size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_checks && i < rs->n_checks; i++) {
		if (d->checks[i].result != RULE_FAIL)
			continue;
		const struct rs_check *c = &rs->checks[i];
		for (size_t k = 0; k < c->n_documents && n < cap; k++) {
			bool seen = false;
			for (size_t j = 0; j < n && !seen; j++)
				seen = strcmp(ids[j], c->documents[k]) == 0;
			if (!seen)
				ids[n++] = c->documents[k];
		}
	}
	return n;
}

void rs_auto_request(struct rs_eval *e, struct rule_decision *d, struct ebba_buf *b)
{
	const struct ruleset *rs = e->rs;
	if (strcmp(d->outcome, "referred") != 0 || !rs->request_letter || !only_complete(d))
		return;
	struct cel_value days;
	if (!e->act.resolve(e->act.ctx, "params.completion_days", e->arena, &days) ||
	    days.kind != CEL_INT || days.i <= 0)
		return;
	char deadline[DATE_BUF];
	struct ebba_err err;
	if (date_add_days(rs_eval_date(e), (int)days.i, deadline, &err) != 0)
		return;
	const char *ids[64];
	size_t n = collect_ids(rs, d, ids, sizeof(ids) / sizeof(*ids));
	if (n == 0)
		return;
	json_t *docs = json_array();
	buf_reset(b);
	if (ruleset_documents_request(rs, ids, n, NULL, deadline, docs, b, &err) == 0) {
		char *text = json_dumps(docs, JSON_COMPACT);
		d->request_documents = arena_copy(e->arena, text, strlen(text));
		d->request_deadline = arena_copy(e->arena, deadline, strlen(deadline));
		d->letter = arena_copy(e->arena, b->data ? b->data : "", b->len);
		free(text);
	}
	json_decref(docs);
}
