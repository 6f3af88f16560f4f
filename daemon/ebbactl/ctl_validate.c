/*
 * ebbactl validate FILE...: check application documents without a
 * database, with exactly the parser and limits ebbad uses.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ebba/intake/application.h"
#include "ctl.h"
#include "ebba/lib/util.h"

static void validate_usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl validate [--porcelain] FILE...\n\n"
		"Checks each application document (\"-\" is stdin) against the schema\n"
		"and the semantic rules, and prints one line per file:\n"
		"  FILE: ok          or  FILE: error: MESSAGE\n"
		"  FILE<TAB>ok       or  FILE<TAB>invalid<TAB>MESSAGE   (--porcelain)\n"
		"Exit status: 0 all valid, 1 some invalid, 2 usage or environment error.\n");
}

/*
 * Returns CTL_OK if the file holds a valid application, CTL_NO if not, and
 * CTL_USAGE if it cannot be read.
 */
static int validate_one(struct app_parser *p, const char *path, struct ebba_buf *buf,
			bool porcelain)
{
	struct ebba_err err;
	struct application *app = NULL;
	int status = CTL_NO;
	const char *msg = err.msg;
	struct stat st;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uintmax_t)st.st_size > APP_DEFAULT_MAX_BYTES) {
		/* Too big is an invalid document, as ebbad would judge it. */
		ebba_errf(&err, "document: %jd bytes, larger than the limit of %u bytes",
			  (intmax_t)st.st_size, APP_DEFAULT_MAX_BYTES);
	} else if (read_file_limited(path, APP_DEFAULT_MAX_BYTES, buf, &err) != 0) {
		status = CTL_USAGE;
		/* read_file_limited names the file; the line already does. */
		size_t pl = strlen(path);
		if (strncmp(msg, path, pl) == 0 && msg[pl] == ':' && msg[pl + 1] == ' ')
			msg += pl + 2;
	} else if (app_parse(p, buf->data, buf->len, &app, &err) == 0) {
		application_free(app);
		printf(porcelain ? "%s\tok\n" : "%s: ok\n", path);
		return CTL_OK;
	}
	if (porcelain) {
		/* One record per line, whatever the message contains. */
		for (char *c = err.msg; *c; c++)
			if (*c == '\t' || *c == '\n')
				*c = ' ';
		printf("%s\tinvalid\t%s\n", path, msg);
	} else {
		printf("%s: error: %s\n", path, msg);
	}
	return status;
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
		if (strcmp(argv[first], "--") == 0) {
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
	int rc = CTL_OK;
	for (int i = first; i < argc; i++) {
		int one = validate_one(p, argv[i], &buf, porcelain);
		if (one > rc)
			rc = one;   /* worst wins: unreadable (2) over invalid (1) */
	}
	buf_free(&buf);
	app_parser_free(p);
	if (fflush(stdout) != 0)
		return CTL_USAGE;
	return rc;
}
