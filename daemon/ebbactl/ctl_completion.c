/*
 * Komplettering (issue 29 item 2; schema/027_completion.sql):
 *
 *   review request-documents DECISION --document ID... [--text TEXT] --deadline YYYY-MM-DD
 *
 * asks the applicant of ebba's referral DECISION for the rule set's
 * documents (rules/documents.yaml) and free text, with a deadline.  The
 * letter is the rule set's letters.documents_requested, filled in by the
 * renderer ebba-web and ebbad use too (ruleset_documents_request), and
 * stored with the request by ebba.request_documents in one statement,
 * which checks that the connected person is a caseworker and the referral
 * still open; the outbox then delivers it and the API tells the e-service
 * (documents_requested).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/rules/rules.h"
#include "ebba/store/completions.h"

#define MAX_DOCUMENTS 20
#define WHO "ebbactl review request-documents"

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
			return ctl_fail(CTL_USAGE, WHO ": at most %d --document", MAX_DOCUMENTS);
		else if (c == 't')
			r->text = optarg;
		else if (c == 'l')
			r->deadline = optarg;
		else
			return CTL_USAGE;
	}
	if (optind + 1 != argc || !r->deadline || (r->n == 0 && !r->text))
		return ctl_fail(CTL_USAGE, "usage: " WHO " DECISION --document ID..."
				" [--text TEXT] --deadline YYYY-MM-DD (a document or a text at least)");
	r->decision = argv[optind];
	return 0;
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
	struct ebba_err err;
	struct ruleset *rs = NULL;
	int loaded = ruleset_load(cfg.rules_dir, &rs, NULL, &err);
	config_free(&cfg);
	if (loaded != 0)
		return ctl_fail(CTL_USAGE, WHO ": %s", err.msg);
	json_t *docs = json_array();
	struct ebba_buf letter = {0};
	long long request_id = 0;
	rc = CTL_USAGE;
	if (ruleset_documents_request(rs, r.ids, r.n, r.text, r.deadline, docs, &letter, &err) != 0) {
		ctl_fail(CTL_USAGE, WHO ": %s", err.msg);
	} else {
		char *text = json_dumps(docs, JSON_COMPACT);
		if (store_request_documents(conn, r.decision, text, r.text, r.deadline, letter.data,
					    &request_id, &err) != 0) {
			rc = ctl_fail(CTL_NO, WHO ": %s", err.msg);
		} else {
			printf("request %lld: decision %s waits for a komplettering until %s\n", request_id,
			       r.decision, r.deadline);
			rc = CTL_OK;
		}
		free(text);
	}
	buf_free(&letter);
	json_decref(docs);
	ruleset_free(rs);
	return rc;
}
