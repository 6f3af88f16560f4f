/*
 * ebbactl validate FILE...: check application documents without a
 * database, with exactly the parser and limits ebbad uses.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/application.h"
#include "ebba/ctl.h"
#include "ebba/util.h"

static void validate_usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl [--porcelain] validate [--porcelain] FILE...\n\n"
		"Checks each application document (\"-\" is stdin) against the schema\n"
		"and the semantic rules, and prints one line per file:\n"
		"  FILE: ok          or  FILE: error: MESSAGE\n"
		"  FILE<TAB>ok       or  FILE<TAB>invalid<TAB>MESSAGE   (--porcelain)\n"
		"Exit status: 0 all valid, 1 some invalid, 2 usage or environment error.\n");
}

/* Returns 0 if the file holds a valid application, 1 if not. */
static int validate_one(struct app_parser *p, const char *path, struct ebba_buf *buf,
			bool porcelain)
{
	struct ebba_err err;
	struct application *app = NULL;
	/* Read a little past the limit so that an oversize file says so. */
	int rc = read_file_limited(path, APP_DEFAULT_MAX_BYTES, buf, &err);
	if (rc == 0)
		rc = app_parse(p, buf->data, buf->len, &app, &err);
	application_free(app);
	if (rc == 0) {
		printf(porcelain ? "%s\tok\n" : "%s: ok\n", path);
		return 0;
	}
	if (porcelain) {
		/* One record per line, whatever the message contains. */
		for (char *c = err.msg; *c; c++)
			if (*c == '\t' || *c == '\n')
				*c = ' ';
		printf("%s\tinvalid\t%s\n", path, err.msg);
	} else {
		printf("%s: error: %s\n", path, err.msg);
	}
	return 1;
}

int ctl_validate(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		validate_usage(stdout);
		return CTL_OK;
	}
	bool porcelain = ctl_globals.porcelain;
	int first = 1;
	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		if (strcmp(argv[first], "--porcelain") == 0) {
			porcelain = true;
		} else if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		} else {
			fprintf(stderr, "ebbactl validate: unknown option %s\n", argv[first]);
			return CTL_USAGE;
		}
	}
	if (first >= argc) {
		validate_usage(stderr);
		return CTL_USAGE;
	}
	struct ebba_err err;
	struct app_parser *p = app_parser_new(NULL, &err);
	if (!p) {
		fprintf(stderr, "ebbactl validate: %s\n", err.msg);
		return CTL_USAGE;
	}
	struct ebba_buf buf = {0};
	int bad = 0;
	for (int i = first; i < argc; i++)
		bad |= validate_one(p, argv[i], &buf, porcelain);
	buf_free(&buf);
	app_parser_free(p);
	if (fflush(stdout) != 0)
		return CTL_USAGE;
	return bad ? CTL_NO : CTL_OK;
}
