/*
 * The print spool (channel.h): one PDF per letter, named by the letter,
 * written once and atomically, and one manifest line per letter.
 *
 * The PDF is written under a temporary name (a dot first, so the print
 * service passes it by), fsynced, then link()ed to NAME.pdf: link, unlike
 * rename, refuses an existing name, so two workers, or a worker and its own
 * earlier life killed between the link and the database's update, never
 * make a second file.  A NAME.pdf that is there already with the same
 * bytes is this letter delivered; with other bytes it is refused for good.
 * The manifest line is appended after the link; when the file was there
 * already, the manifest is read first so that a crash between the link
 * and the line adds the line once.  The directory is private (0700): it
 * holds identity numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"

#define MANIFEST "manifest.tsv"

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* 1 when path holds exactly pdf, 0 when other bytes, -1 on error. */
static int same_file(const char *path, const struct ebba_buf *pdf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	int same = -1;
	if (fstat(fd, &st) == 0) {
		same = 0;
		if ((size_t)st.st_size == pdf->len) {
			char *b = xmalloc(pdf->len + 1);
			size_t got = 0;
			ssize_t r;
			while (got < pdf->len && (r = read(fd, b + got, pdf->len - got)) > 0)
				got += (size_t)r;
			same = got == pdf->len && memcmp(b, pdf->data, pdf->len) == 0;
			free(b);
		}
	}
	close(fd);
	return same;
}

/* Does the manifest have a line for name?  -1 on error. */
static int manifest_has(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/" MANIFEST, dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	size_t n = strlen(name);
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	while (!found && getline(&line, &cap, f) > 0)
		found = strncmp(line, name, n) == 0 && line[n] == '\t';
	free(line);
	fclose(f);
	return found;
}

/* Appends line to the manifest open (O_APPEND, locked) as fd. */
static int manifest_add(int fd, const char *dir, const char *line, struct ebba_err *err)
{
	if (write_all(fd, line, strlen(line)) != 0 || fdatasync(fd) != 0)
		return ebba_errf(err, "%s/" MANIFEST ": %s", dir, strerror(errno));
	return 0;
}

/* Makes dir and any missing parent, private (0700). */
static int spool_dir(const char *dir, struct ebba_err *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s", dir);
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return ebba_errf(err, "spool %s: %s", path, strerror(errno));
		*s = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return ebba_errf(err, "spool %s: %s", dir, strerror(errno));
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return ebba_errf(err, "spool %s: not a directory", dir);
	return 0;
}

/* The file is there: this letter's (delivered) or another's (refused). */
static int already_there(int mfd, const char *dir, const char *name, const char *final,
			 const struct ebba_buf *pdf, const char *line, bool *permanent,
			 struct ebba_err *err)
{
	int same = same_file(final, pdf);
	if (same < 0)
		return ebba_errf(err, "%s: %s", final, strerror(errno));
	if (same == 0) {
		*permanent = true;
		return ebba_errf(err, "%s is in the spool already with other bytes", final);
	}
	int has = manifest_has(dir, name);
	if (has < 0)
		return ebba_errf(err, "%s/" MANIFEST ": %s", dir, strerror(errno));
	return has ? 0 : manifest_add(mfd, dir, line, err);
}

/*
 * Links tmp to final and adds the manifest line, holding the manifest's
 * lock so that no other worker sees the file without its line.
 */
static int publish(const char *dir, const char *name, const char *tmp, const char *final,
		   const struct ebba_buf *pdf, const char *line, bool *repeat, bool *permanent,
		   struct ebba_err *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/" MANIFEST, dir);
	int mfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (mfd < 0)
		return ebba_errf(err, "%s: %s", path, strerror(errno));
	int rc;
	if (flock(mfd, LOCK_EX) != 0) {
		rc = ebba_errf(err, "%s: %s", path, strerror(errno));
	} else if (!tmp || link(tmp, final) != 0) {
		int e = tmp ? errno : EEXIST;
		if (e == EEXIST) {
			*repeat = true;
			rc = already_there(mfd, dir, name, final, pdf, line, permanent, err);
		} else {
			rc = ebba_errf(err, "%s: %s", final, strerror(e));
		}
	} else if (fsync_dir(dir) != 0) {
		rc = ebba_errf(err, "%s: %s", dir, strerror(errno));
	} else {
		rc = manifest_add(mfd, dir, line, err);
	}
	close(mfd);
	return rc;
}

int spool_put(const char *dir, const char *name, const struct ebba_buf *pdf, const char *line,
	      bool *repeat, bool *permanent, struct ebba_err *err)
{
	*repeat = false;
	*permanent = false;
	if (spool_dir(dir, err) != 0)
		return -1;
	char final[4096], tmp[4096];
	snprintf(final, sizeof(final), "%s/%s.pdf", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid());
	if (access(final, F_OK) == 0)
		return publish(dir, name, NULL, final, pdf, line, repeat, permanent, err);
	unlink(tmp);   /* a leftover of this pid's earlier life */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return ebba_errf(err, "%s: %s", tmp, strerror(errno));
	int rc = write_all(fd, pdf->data, pdf->len);
	if (rc == 0)
		rc = fsync(fd);
	int e = errno;
	close(fd);
	if (rc != 0) {
		unlink(tmp);
		return ebba_errf(err, "%s: %s", tmp, strerror(e));
	}
	rc = publish(dir, name, tmp, final, pdf, line, repeat, permanent, err);
	unlink(tmp);
	return rc;
}
