/*
 * A decision's letter (docs/letters.md).
 *
 *   letter DECISION                 the letter as text, for a person to read
 *   letter DECISION --raw           the text byte for byte as stored (markup and all)
 *   letter DECISION --pdf FILE      the stored PDF, rendered and stored first if
 *                                   nobody has asked for it before ("-": stdout)
 *   letter DECISION --check         render the stored text again and compare it
 *                                   with the stored PDF (exit 1 if they differ)
 *   letter --file TEXT --pdf FILE   render a letter text offline (no database,
 *                                   nothing stored or logged): a template's preview
 *
 * Each look at a stored letter is a row in ebba.access_log ("view" for the
 * text, "export" for the PDF, client "ebbactl"), in the same transaction as
 * the read.  The PDF is written to a new file of mode 0600 beside FILE and
 * renamed over it, so FILE is never half written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/letter/letter_pdf.h"
#include "ebba/letter/letter_store.h"
#include "ebba/lib/letter_text.h"
#include "ebba/store/access_log.h"
#include "ebba/store/db.h"
#include "ebba/store/letter_pdfs.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl letter DECISION [--raw]\n"
		"       ebbactl letter DECISION --pdf FILE\n"
		"       ebbactl letter DECISION --check\n"
		"       ebbactl letter --file TEXT --pdf FILE [--date YYYY-MM-DD]\n"
		"Prints a decision's letter as text (--raw: as stored, with its markup), or\n"
		"writes its PDF to FILE (\"-\": standard output): the stored PDF, rendered and\n"
		"stored first if nobody has asked for it before, so every copy is the same\n"
		"bytes.  Each is logged in the access log.  --check renders the stored text\n"
		"again and says whether it gives the stored PDF's bytes.  --file renders a\n"
		"letter text without a database (nothing is stored or logged), dated --date.\n");
}

/* FILE written whole or not at all: a temporary file of mode 0600, renamed. */
static int write_out(const char *path, const struct ebba_buf *b)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
			return ctl_fail(CTL_USAGE, "ebbactl letter: writing to standard output: %s", strerror(errno));
		return CTL_OK;
	}
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return ctl_fail(CTL_USAGE, "ebbactl letter: %s: %s", path, strerror(e));
	}
	size_t off = 0;
	int e = 0;
	while (off < b->len) {
		ssize_t w = write(fd, b->data + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e) {
		unlink(tmp);
		free(tmp);
		return ctl_fail(CTL_USAGE, "ebbactl letter: %s: %s", path, strerror(e));
	}
	free(tmp);
	return CTL_OK;
}

static void said(const char *path, const struct ebba_buf *pdf, const char *sha256)
{
	FILE *out = strcmp(path, "-") == 0 ? stderr : stdout;
	if (ctl_globals.porcelain)
		fprintf(out, "%s\t%zu\t%s\n", path, pdf->len, sha256);
	else
		fprintf(out, "%s: %zu bytes, SHA-256 %s\n", path, pdf->len, sha256);
}

static int offline(const char *file, const char *pdf_path, const char *date)
{
	struct ebba_buf text = {0}, pdf = {0};
	struct ebba_err err;
	if (read_file_limited(file, 1 << 20, &text, &err) != 0)
		return ctl_fail(CTL_USAGE, "ebbactl letter: %s", err.msg);
	char created[32] = "";
	if (date)
		snprintf(created, sizeof(created), "%sT00:00:00Z", date);
	struct letter_pdf_opts o = {.created = date ? created : NULL};
	int rc;
	if (letter_pdf_render(text.data ? text.data : "", text.len, &o, &pdf, &err) != 0) {
		rc = ctl_fail(CTL_NO, "ebbactl letter: %s: %s", file, err.msg);
	} else {
		rc = write_out(pdf_path, &pdf);
		if (rc == CTL_OK) {
			char sha[65];
			sha256_hex(pdf.data, pdf.len, sha);
			said(pdf_path, &pdf, sha);
		}
	}
	buf_free(&text);
	buf_free(&pdf);
	return rc;
}

static bool date_ok(const char *d)
{
	if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return false;
	return true;
}

static int show_text(PGconn *conn, const char *id, bool raw)
{
	struct ebba_buf text = {0}, out = {0};
	struct ebba_err err;
	bool found;
	if (letter_text_get(conn, id, "ebbactl", &text, &found, &err) != 0) {
		buf_free(&text);
		return ctl_fail(CTL_USAGE, "ebbactl letter: %s", err.msg);
	}
	if (!found) {
		buf_free(&text);
		return ctl_fail(CTL_NO, "ebbactl letter: decision %s has no letter", id);
	}
	int rc = CTL_OK;
	if (raw) {
		fwrite(text.data, 1, text.len, stdout);
	} else {
		struct letter_doc d;
		if (letter_parse(text.data, text.len, &d, &err) != 0) {
			rc = ctl_fail(CTL_NO, "ebbactl letter: decision %s: %s", id, err.msg);
		} else {
			letter_write(&d, false, &out);
			fwrite(out.data, 1, out.len, stdout);
			letter_doc_free(&d);
		}
	}
	buf_free(&text);
	buf_free(&out);
	return rc;
}

static int write_pdf(PGconn *conn, const char *id, const char *path)
{
	struct ebba_buf pdf = {0};
	struct ebba_err err;
	char sha[65];
	bool found, rendered;
	if (letter_pdf_get(conn, id, "ebbactl", &pdf, sha, &found, &rendered, &err) != 0) {
		buf_free(&pdf);
		return ctl_fail(CTL_USAGE, "ebbactl letter: %s", err.msg);
	}
	if (!found)
		return ctl_fail(CTL_NO, "ebbactl letter: decision %s has no letter", id);
	int rc = write_out(path, &pdf);
	if (rc == CTL_OK)
		said(path, &pdf, sha);
	buf_free(&pdf);
	return rc;
}

/* The stored PDF against the stored text rendered now (docs/letters.md §3). */
static int check_pdf(PGconn *conn, const char *id)
{
	struct stored_letter l;
	struct ebba_buf stored = {0}, again = {0};
	struct ebba_err err;
	char sha[65], sha_again[65];
	bool found, has_pdf = false;
	int rc = CTL_USAGE;
	if (store_letter_load(conn, id, &l, &found, &err) != 0 ||
	    (found && store_letter_pdf_fetch(conn, id, &stored, sha, &has_pdf, &err) != 0) ||
	    (found && store_access_log(conn, "view", "letter", id, "ebbactl", &err) != 0)) {
		ctl_fail(CTL_USAGE, "ebbactl letter: %s", err.msg);
		goto done;
	}
	if (!found || !has_pdf) {
		rc = ctl_fail(CTL_NO, "ebbactl letter: decision %s has no %s", id, found ? "stored PDF" : "letter");
		goto done;
	}
	struct letter_pdf_opts o = {.created = l.created[0] ? l.created : NULL};
	if (letter_pdf_render(l.body.data, l.body.len, &o, &again, &err) != 0) {
		rc = ctl_fail(CTL_NO, "ebbactl letter: decision %s: %s", id, err.msg);
		goto done;
	}
	sha256_hex(again.data, again.len, sha_again);
	bool same = strcmp(sha, sha_again) == 0;
	if (ctl_globals.porcelain)
		printf("%s\t%s\t%s\n", same ? "same" : "differs", sha, sha_again);
	else if (same)
		printf("decision %s: the stored PDF is its text rendered again (SHA-256 %s)\n", id, sha);
	else
		printf("decision %s: the stored PDF (SHA-256 %s) is not what its text renders to now (%s);\n"
		       "  rendered now by: %s\n", id, sha, sha_again, letter_pdf_renderer());
	rc = same ? CTL_OK : CTL_NO;
done:
	store_letter_free(&l);
	buf_free(&stored);
	buf_free(&again);
	return rc;
}

int ctl_letter(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	static const struct option opts[] = {
		{"raw", no_argument, NULL, 'r'}, {"pdf", required_argument, NULL, 'p'},
		{"file", required_argument, NULL, 'f'}, {"date", required_argument, NULL, 'd'},
		{"check", no_argument, NULL, 'k'}, {NULL, 0, NULL, 0}};
	const char *pdf = NULL, *file = NULL, *date = NULL;
	bool raw = false, check = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': raw = true; break;
		case 'p': pdf = optarg; break;
		case 'f': file = optarg; break;
		case 'd': date = optarg; break;
		case 'k': check = true; break;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (date && !date_ok(date))
		return ctl_fail(CTL_USAGE, "ebbactl letter: --date must be YYYY-MM-DD, not '%s'", date);
	if (file) {
		if (!pdf || raw || check || optind != argc) {
			usage(stderr);
			return CTL_USAGE;
		}
		return offline(file, pdf, date);
	}
	if (optind != argc - 1 || (pdf && raw) || (check && (pdf || raw)) || date) {
		usage(stderr);
		return CTL_USAGE;
	}
	const char *id = argv[optind];
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	int rc = check ? check_pdf(conn, id) : pdf ? write_pdf(conn, id, pdf) : show_text(conn, id, raw);
	PQfinish(conn);
	return rc;
}
