/*
 * The documents catalogue and a komplettering's letter (documents.h).
 * The letter's words are here, beside the catalogue they quote, so that
 * ebbactl and ebba-web write the same letter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/yaml.h"
#include "ebba/rules/documents.h"

static int entry(const struct ydoc *d, const struct ynode *e, const char **id, const char **text,
		 struct ebba_err *err)
{
	if (e->kind != YN_MAP)
		return yerrf(d, e, err, "a document is a mapping with id and text");
	const struct ynode *k = ymap_get(e, "id"), *t = ymap_get(e, "text");
	if (!k || !t)
		return yerrf(d, e, err, "a document needs both id and text");
	if (yget_str(d, k, "id", id, err) != 0 || yget_str(d, t, "text", text, err) != 0)
		return -1;
	return **id && **text ? 0 : yerrf(d, e, err, "a document's id and text are not empty");
}

int documents_load(const char *dir, struct documents *out, struct ebba_err *err)
{
	*out = (struct documents){0};
	char path[4096];
	snprintf(path, sizeof(path), "%s/documents.yaml", dir);
	out->doc = ydoc_load(path, NULL, err);
	if (!out->doc)
		return -1;
	const struct ynode *root = out->doc->root;
	const struct ynode *list = root && root->kind == YN_MAP ? ymap_get(root, "documents") : NULL;
	if (!list || list->kind != YN_SEQ) {
		documents_free(out);
		return ebba_errf(err, "%s: no documents list", path);
	}
	out->ids = xcalloc(list->n + 1, sizeof(*out->ids));
	out->texts = xcalloc(list->n + 1, sizeof(*out->texts));
	for (size_t i = 0; i < list->n; i++) {
		if (entry(out->doc, &list->kids[i], &out->ids[i], &out->texts[i], err) != 0) {
			documents_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

void documents_free(struct documents *c)
{
	free(c->ids);
	free(c->texts);
	ydoc_free(c->doc);
	*c = (struct documents){0};
}

const char *documents_text(const struct documents *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->ids[i], id) == 0)
			return c->texts[i];
	return NULL;
}

int documents_request(const struct documents *c, const char *const *ids, size_t n,
		      const char *text, const char *deadline, json_t *docs,
		      struct ebba_buf *letter, struct ebba_err *err)
{
	buf_puts(letter, "# Begäran om komplettering av din ansökan om ekonomiskt bistånd\n\n");
	buf_puts(letter, "Vi behöver fler uppgifter för att kunna pröva din ansökan.\n\n");
	if (n > 0)
		buf_puts(letter, "## Det här behöver vi från dig\n");
	for (size_t i = 0; i < n; i++) {
		const char *t = documents_text(c, ids[i]);
		if (!t)
			return ebba_errf(err, "document %s: not in the catalogue (documents.yaml)", ids[i]);
		json_array_append_new(docs, json_pack("{s:s, s:s}", "id", ids[i], "text", t));
		buf_printf(letter, "- %s\n", t);
	}
	if (text && *text)
		buf_printf(letter, "\n## Meddelande från din handläggare\n%s\n", text);
	buf_printf(letter, "\n## Senast %s\n", deadline);
	buf_puts(letter, "Skicka det vi ber om genom e-tjänsten senast den dagen. Då prövar vi din ansökan igen. "
		 "Kommer inget in i tid prövar en handläggare ansökan med de uppgifter som finns.\n");
	return 0;
}
