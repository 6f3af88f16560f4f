/*
 * The approval letter (letters in a rule file): the head (letters.approved),
 * the reasons as paragraphs (letters.reasons) and the closing
 * (letters.closing).  Förvaltningslagen 32 § asks that a decision say what
 * it rests on in words the applicant understands; each paragraph says one
 * thing (what was checked against what, the costs accepted, the incomes
 * counted and not counted, the delegation), and a paragraph with `each`
 * says it once per element of a list, one line each, with `item` bound to
 * the element.  The texts are the rule set's, so supervisors own them.
 */
#include <string.h>

#include "rules_eval.h"

static void trim_newlines(struct ebba_buf *b)
{
	while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == ' '))
		b->data[--b->len] = '\0';
}

/* Paragraph p into out ("" when its `when` does not hold or its list is empty). */
static void render_paragraph(struct rs_eval *e, const struct rs_paragraph *p, struct ebba_buf *out)
{
	if (p->when) {
		struct cel_value w = cel_eval(p->when, &e->act, e->arena);
		if (w.kind != CEL_BOOL || !w.b)
			return;
	}
	if (!p->each) {
		rs_text_render(&p->text, &e->act, e->arena, out);
		trim_newlines(out);
		return;
	}
	struct cel_value list = cel_eval(p->each, &e->act, e->arena);
	if (list.kind != CEL_LIST)
		return;
	for (size_t i = 0; i < cel_list_size(list); i++) {
		if (out->len)
			buf_putc(out, '\n');
		e->item = cel_list_get(list, i);
		rs_text_render(&p->text, &e->act, e->arena, out);
		trim_newlines(out);
	}
	e->item = cel_null();
}

static const char *arena_copy(struct cel_arena *a, const struct ebba_buf *b)
{
	char *s = cel_arena_alloc(a, b->len + 1);
	memcpy(s, b->data ? b->data : "", b->len);
	s[b->len] = '\0';
	return s;
}

void rs_letter_render(struct rs_eval *e, struct rule_decision *d, struct ebba_buf *out)
{
	const struct ruleset *rs = e->rs;
	rs_text_render(&rs->letter, &e->act, e->arena, out);
	d->paragraphs = cel_arena_alloc(e->arena, (rs->n_paras + 1) * sizeof(*d->paragraphs));
	d->n_paragraphs = rs->n_paras;
	struct ebba_buf p = {0};
	for (size_t i = 0; i < rs->n_paras; i++) {
		buf_reset(&p);
		render_paragraph(e, &rs->paras[i], &p);
		d->paragraphs[i] = (struct rule_paragraph){rs->paras[i].id, arena_copy(e->arena, &p)};
		if (!p.len)
			continue;
		/* a blank line before each paragraph */
		while (out->len && !(out->len >= 2 && out->data[out->len - 1] == '\n' &&
				     out->data[out->len - 2] == '\n'))
			buf_putc(out, '\n');
		buf_append(out, p.data, p.len);
		buf_puts(out, "\n\n");
	}
	buf_free(&p);
	if (rs->has_closing)
		rs_text_render(&rs->closing, &e->act, e->arena, out);
}
