/*
 * ebbactl submit FILE...: validate each document and put it in the inbox
 * exactly as read.  An invalid document is refused here rather than
 * quarantined, because the person submitting can still fix it; an id that
 * exists already is refused and nothing is overwritten.
 */
#include <stdio.h>

#include "ebba/intake/application.h"
#include "ebba/lib/config.h"
#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/queue.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: ebbactl submit FILE...\n"
		     "Validates each application document and inserts it into the inbox.\n"
		     "Exit 0 if all were submitted, 1 if any was invalid or already there.\n");
}

static int submit_one(PGconn *conn, struct app_parser *parser, size_t max, const char *path)
{
	struct ebba_buf data = {0};
	struct ebba_err err;
	struct application *app = NULL;
	int rc = CTL_OK;
	if (read_file_limited(path, max, &data, &err) != 0) {
		rc = ctl_fail(CTL_NO, "%s: refused: %s", path, err.msg);
	} else if (app_parse(parser, data.data, data.len, &app, &err) != 0) {
		rc = ctl_fail(CTL_NO, "%s: refused: %s", path, err.msg);
	} else {
		bool inserted = false;
		if (store_queue_insert(conn, app->id, app->case_id, app->period, data.data, data.len,
				 &inserted, &err) != 0)
			rc = ctl_fail(CTL_USAGE, "%s: %s", path, err.msg);
		else if (!inserted)
			rc = ctl_fail(CTL_NO, "%s: refused: application %s is already in the inbox; nothing was changed",
				      path, app->id);
		else if (!ctl_globals.porcelain)
			printf("%s: submitted as %s\n", path, app->id);
		else
			printf("%s\tsubmitted\t%s\n", path, app->id);
	}
	application_free(app);
	buf_free(&data);
	return rc;
}

int ctl_submit(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	if (argc < 2) {
		usage(stderr);
		return CTL_USAGE;
	}
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return CTL_USAGE;
	struct ebba_err err;
	PGconn *conn = store_db_connect(cfg.database, "ebbactl", cfg.statement_timeout_ms, &err);
	if (!conn) {
		config_free(&cfg);
		return ctl_fail(CTL_USAGE, "ebbactl submit: %s", err.msg);
	}
	size_t max = (size_t)cfg.max_document_bytes;
	struct app_parse_opts opts = {.max_bytes = max};
	struct app_parser *parser = app_parser_new(&opts, &err);
	int rc = CTL_OK;
	for (int i = 1; parser && i < argc && rc != CTL_USAGE; i++) {
		int r = submit_one(conn, parser, max, argv[i]);
		if (r > rc)
			rc = r;
	}
	if (!parser)
		rc = ctl_fail(CTL_USAGE, "ebbactl submit: %s", err.msg);
	app_parser_free(parser);
	PQfinish(conn);
	config_free(&cfg);
	return rc;
}
