/*
 * ebbactl pnr check: identity numbers on stdin, one per line, a verdict per
 * line on stdout.  Output is the same with or without --porcelain (it is
 * already one tab-separated record per line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ebba/lib/pnr.h"

static void pnr_usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl pnr check < FILE\n\n"
		"Reads personal identity or coordination numbers, one per line\n"
		"(YYYYMMDDNNNC or YYYYMMDD-NNNC), and prints for each\n"
		"  NUMBER<TAB>valid   or   NUMBER<TAB>invalid<TAB>REASON\n"
		"Blank lines are skipped.  Exit status: 0 all valid, 1 some invalid,\n"
		"2 usage or read error.\n");
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Checks one line in place; returns true if valid. */
static bool check_line(char *line, size_t len, FILE *out)
{
	while (len && is_space(line[len - 1]))
		len--;
	while (len && is_space(*line)) {
		line++;
		len--;
	}
	if (len == 0)
		return true;
	struct pnr p;
	struct ebba_err err;
	fwrite(line, 1, len, out);
	if (pnr_parse(line, len, &p, &err) == 0) {
		fputs("\tvalid\n", out);
		return true;
	}
	fprintf(out, "\tinvalid\t%s\n", err.msg);
	return false;
}

int ctl_pnr(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		pnr_usage(stdout);
		return CTL_OK;
	}
	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		pnr_usage(stderr);
		return CTL_USAGE;
	}
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool all_valid = true;
	while ((n = getline(&line, &cap, stdin)) >= 0)
		all_valid &= check_line(line, (size_t)n, stdout);
	int rc = all_valid ? CTL_OK : CTL_NO;
	if (ferror(stdin)) {
		fprintf(stderr, "ebbactl pnr check: error reading stdin\n");
		rc = CTL_USAGE;
	}
	free(line);
	if (fflush(stdout) != 0)
		rc = CTL_USAGE;
	return rc;
}
