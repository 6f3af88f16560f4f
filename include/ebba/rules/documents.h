/*
 * The rule set's documents catalogue (rules/documents.yaml; DESIGN.md §6):
 * what a komplettering may ask the applicant for, each an id and the
 * Swedish text the letter and the e-service show, and the request's letter
 * written from it.  A catalogue owns its strings; free it with
 * documents_free.  Loaded at each request by ebbactl and ebba-web, as the
 * reasons are read with the rule set.
 */
#ifndef EBBA_RULES_DOCUMENTS_H
#define EBBA_RULES_DOCUMENTS_H

#include <stddef.h>

#include <jansson.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

struct documents {
	struct ydoc *doc;           /* owns the strings below */
	const char **ids, **texts;
	size_t n;
};

/* dir/documents.yaml; file:line:column: message on a malformed entry. */
int documents_load(const char *dir, struct documents *out, struct ebba_err *err);
void documents_free(struct documents *c);
/* The text for id, or NULL. */
const char *documents_text(const struct documents *c, const char *id);

/*
 * The request for the n documents ids (each in the catalogue, else -1 with
 * err naming it), the caseworker's text (or NULL) and the deadline
 * (YYYY-MM-DD): docs gets [{"id", "text"}], letter the letter's text in
 * the letter markup of docs/letters.md.
 */
int documents_request(const struct documents *c, const char *const *ids, size_t n,
		      const char *text, const char *deadline, json_t *docs,
		      struct ebba_buf *letter, struct ebba_err *err);

#endif
