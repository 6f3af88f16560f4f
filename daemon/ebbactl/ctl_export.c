/*
 * ebbactl export-person --out FILE   (GDPR art. 15: the applicant's own copy)
 *
 * Reads one identity number on standard input, never from an argument, so
 * it is in no shell history or process list, and writes one tar archive
 * (libarchive, pax) with everything ebba holds about the person: each
 * application as received, each decision with its checks, reasons, flags,
 * calculation and delivery (JSON), its letter as text and as the PDF, the
 * register evidence as received, every version of their frames, the
 * legal holds on their cases, and who looked at their data and when.
 * ebba.person_export (schema 025) chooses the files and logs the export
 * in the same transaction; each letter's PDF is logged as its export too.
 * The file is created new (0600), never over an existing one.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/letter/letter_store.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/retention.h"

#define EXPORT_DIR "ebba-export/"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl export-person --out FILE < identity-number\n"
		"Writes everything ebba holds about one person to FILE (a new tar archive).\n"
		"The identity number is read from standard input, never an argument.\n");
}

static const char readme[] =
	"Det här är allt som ebba har sparat om dig (artikel 15 i dataskyddsförordningen).\n\n"
	"ansokningar/   dina ansökningar, som de kom in\n"
	"beslut/ID/     varje beslut: beslut.json (utfall, belopp, kontroller med meddelanden,\n"
	"               flaggor, beräkning, utskick), brev.txt och brev.pdf (beslutsbrevet),\n"
	"               underlag/ (svaren från registren, som de kom in)\n"
	"referensramar/ varje version av referensramen för ditt ärende\n"
	"arenden/       spärrar mot gallring av ditt ärende\n"
	"atkomst.csv    vem som har tittat på dina uppgifter, och när\n";

struct export {
	struct archive *a;
	time_t now;
	size_t files;
};

static int add_file(const char *path, const unsigned char *data, size_t len, void *ctx)
{
	struct export *x = ctx;
	struct archive_entry *e = archive_entry_new();
	char name[1024];
	snprintf(name, sizeof(name), EXPORT_DIR "%s", path);
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, x->now, 0);
	int rc = archive_write_header(x->a, e) == ARCHIVE_OK &&
		 (len == 0 || archive_write_data(x->a, data, len) == (la_ssize_t)len) ? 0 : -1;
	archive_entry_free(e);
	x->files += rc == 0;
	return rc;
}

/* The identity number on stdin: one line, normalised to 12 digits. */
static int read_pnr(char out[PNR_BUF])
{
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return ctl_fail(CTL_NO, "ebbactl export-person: no identity number on standard input");
	line[strcspn(line, "\r\n")] = '\0';
	struct pnr p;
	struct ebba_err err;
	if (pnr_parse(line, strlen(line), &p, &err) != 0)
		return ctl_fail(CTL_NO, "ebbactl export-person: standard input: %s", err.msg);
	memcpy(out, p.digits, PNR_BUF);
	explicit_bzero(line, sizeof(line));
	return CTL_OK;
}

/* Each letter's PDF, as stored (rendered and stored now if it never was). */
static int add_letters(PGconn *conn, struct export *x, char **letters, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ebba_buf pdf = {0};
		char sha[65], path[64];
		bool found = false, rendered;
		struct ebba_err err;
		if (letter_pdf_get(conn, letters[i], "ebbactl export-person", &pdf, sha, &found,
				   &rendered, &err) != 0) {
			buf_free(&pdf);
			return ctl_fail(CTL_USAGE, "ebbactl export-person: letter %s: %s", letters[i], err.msg);
		}
		snprintf(path, sizeof(path), "beslut/%s/brev.pdf", letters[i]);
		int rc = found ? add_file(path, (const unsigned char *)pdf.data, pdf.len, x) : 0;
		buf_free(&pdf);
		if (rc != 0)
			return ctl_fail(CTL_USAGE, "ebbactl export-person: writing %s failed", path);
	}
	return CTL_OK;
}

static int export_person(PGconn *conn, const char *pnr, const char *out, int fd)
{
	struct export x = {.a = archive_write_new(), .now = time(NULL)};
	archive_write_set_format_pax_restricted(x.a);
	if (archive_write_open_fd(x.a, fd) != ARCHIVE_OK) {
		archive_write_free(x.a);
		return ctl_fail(CTL_USAGE, "ebbactl export-person: %s: %s", out, strerror(errno));
	}
	char **letters = NULL;
	size_t n_letters = 0;
	struct ebba_err err;
	int rc = add_file("LASMIG.txt", (const unsigned char *)readme, sizeof(readme) - 1, &x) == 0
		 ? CTL_OK : ctl_fail(CTL_USAGE, "ebbactl export-person: %s: cannot write", out);
	if (rc == CTL_OK && store_person_export(conn, pnr, "ebbactl export-person", add_file, &x,
						&letters, &n_letters, &err) != 0)
		rc = ctl_fail(CTL_USAGE, "ebbactl export-person: %s", err.msg);
	if (rc == CTL_OK)
		rc = add_letters(conn, &x, letters, n_letters);
	for (size_t i = 0; i < n_letters; i++)
		free(letters[i]);
	free(letters);
	if (archive_write_close(x.a) != ARCHIVE_OK && rc == CTL_OK)
		rc = ctl_fail(CTL_USAGE, "ebbactl export-person: %s: %s", out, archive_error_string(x.a));
	archive_write_free(x.a);
	if (rc == CTL_OK)
		printf("%s: %zu files\n", out, x.files);
	return rc;
}

int ctl_export_person(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
	const char *out = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'o') {
			usage(stderr);
			return CTL_USAGE;
		}
		out = optarg;
	}
	if (!out || optind != argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	char pnr[PNR_BUF];
	int rc = read_pnr(pnr);
	if (rc != CTL_OK)
		return rc;
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		PQfinish(conn);
		return ctl_fail(CTL_USAGE, "ebbactl export-person: %s: %s", out, strerror(errno));
	}
	rc = export_person(conn, pnr, out, fd);
	close(fd);
	if (rc != CTL_OK)
		unlink(out);
	explicit_bzero(pnr, sizeof(pnr));
	PQfinish(conn);
	return rc;
}
