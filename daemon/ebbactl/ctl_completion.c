/*
 * Komplettering (issue 29 item 2; schema/027_completion.sql):
 *
 *   review request-documents DECISION --document ID... [--text TEXT] --deadline YYYY-MM-DD
 *
 * asks the applicant of ebba's referral DECISION for the rule set's
 * documents (the catalogue in documents.yaml of the rules directory) and
 * free text, with a deadline.  The letter is written here from the
 * catalogue's words and stored with the request by ebba.request_documents
 * in one statement, which checks that the connected person is a
 * caseworker and the referral still open; the outbox then delivers it and
 * the API tells the e-service (documents_requested).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/lib/date.h"
#include "ebba/lib/util.h"
#include "ebba/lib/yaml.h"
#include "ebba/store/db.h"

#define MAX_DOCUMENTS 20

struct request {
	const char *decision, *text, *deadline;
	const char *ids[MAX_DOCUMENTS];
	size_t n;
};

static int parse(int argc, char **argv, struct request *r)
{
	static const struct option opts[] = {
		{"document", required_argument, NULL, 'd'}, {"text", required_argument, NULL, 't'},
		{"deadline", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd' && r->n < MAX_DOCUMENTS)
			r->ids[r->n++] = optarg;
		else if (c == 'd')
			return ctl_fail(CTL_USAGE, "ebbactl review request-documents: at most %d --document",
					MAX_DOCUMENTS);
		else if (c == 't')
			r->text = optarg;
		else if (c == 'l')
			r->deadline = optarg;
		else
			return CTL_USAGE;
	}
	if (optind + 1 != argc || !r->deadline || (r->n == 0 && !r->text))
		return ctl_fail(CTL_USAGE, "usage: ebbactl review request-documents DECISION --document ID..."
				" [--text TEXT] --deadline YYYY-MM-DD (a document or a text at least)");
	r->decision = argv[optind];
	return 0;
}

/* The catalogue's text for id, or NULL with the reason printed. */
static const char *document_text(const struct ynode *list, const char *path, const char *id)
{
	for (size_t i = 0; list && list->kind == YN_SEQ && i < list->n; i++) {
		const struct ynode *e = &list->kids[i];
		const struct ynode *k = e->kind == YN_MAP ? ymap_get(e, "id") : NULL;
		const struct ynode *t = e->kind == YN_MAP ? ymap_get(e, "text") : NULL;
		if (k && t && k->kind == YN_SCALAR && t->kind == YN_SCALAR && strcmp(k->text, id) == 0)
			return t->text;
	}
	ctl_fail(CTL_USAGE, "ebbactl review request-documents: --document %s: not in the catalogue (%s)",
		 id, path);
	return NULL;
}

/* The documents as [{"id", "text"}] and the letter's text. */
static int compose(const struct request *r, const struct ynode *list, const char *path,
		   json_t *docs, struct ebba_buf *letter)
{
	buf_puts(letter, "# Begäran om komplettering av din ansökan om ekonomiskt bistånd\n\n");
	buf_puts(letter, "Vi behöver fler uppgifter för att kunna pröva din ansökan.\n\n");
	if (r->n > 0)
		buf_puts(letter, "## Det här behöver vi från dig\n");
	for (size_t i = 0; i < r->n; i++) {
		const char *t = document_text(list, path, r->ids[i]);
		if (!t)
			return -1;
		json_array_append_new(docs, json_pack("{s:s, s:s}", "id", r->ids[i], "text", t));
		buf_printf(letter, "- %s\n", t);
	}
	if (r->text)
		buf_printf(letter, "\n## Meddelande från din handläggare\n%s\n", r->text);
	buf_printf(letter, "\n## Senast %s\n", r->deadline);
	buf_puts(letter, "Skicka det vi ber om genom e-tjänsten senast den dagen. Då prövar vi din ansökan igen. "
		 "Kommer inget in i tid prövar en handläggare ansökan med de uppgifter som finns.\n");
	return 0;
}

static int request(PGconn *conn, const struct request *r, const char *docs, const char *letter)
{
	const char *p[] = {r->decision, docs, r->text ? r->text : "", r->deadline, letter};
	PGresult *res = PQexecParams(conn,
		"select ebba.request_documents($1::bigint, $2::jsonb, $3, $4::date, $5)",
		5, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = ctl_fail(CTL_NO, "ebbactl review request-documents: %s", db_result_error(res));
		PQclear(res);
		return rc;
	}
	printf("request %s: decision %s waits for a komplettering until %s\n", PQgetvalue(res, 0, 0),
	       r->decision, r->deadline);
	PQclear(res);
	return CTL_OK;
}

int ctl_request_documents(PGconn *conn, int argc, char **argv)
{
	struct request r = {0};
	int rc = parse(argc, argv, &r);
	if (rc != 0)
		return rc;
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return CTL_USAGE;
	char path[4096];
	snprintf(path, sizeof(path), "%s/documents.yaml", cfg.rules_dir);
	struct ebba_err err;
	struct ydoc *d = ydoc_load(path, NULL, &err);
	if (!d)
		return ctl_fail(CTL_USAGE, "ebbactl review request-documents: %s", err.msg);
	const struct ynode *list = d->root && d->root->kind == YN_MAP ? ymap_get(d->root, "documents") : NULL;
	json_t *docs = json_array();
	struct ebba_buf letter = {0};
	rc = CTL_USAGE;
	if (compose(&r, list, path, docs, &letter) == 0) {
		char *text = json_dumps(docs, JSON_COMPACT);
		rc = request(conn, &r, text, letter.data);
		free(text);
	}
	buf_free(&letter);
	json_decref(docs);
	ydoc_free(d);
	return rc;
}
