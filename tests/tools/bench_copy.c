/*
 * bench_copy: COPY text for loading benchmark data in one statement.
 *
 *   bench_copy frames DIR            case frames of the DIR/ *.yaml files, for
 *       \copy ebba.case_frames (case_id, frame, source_yaml) from stdin
 *   bench_copy inbox DIR COPIES [FIRST]
 *                                    the DIR/ *.xml applications, COPIES
 *                                    times, for
 *       \copy ebba.inbox (external_id, case_id, period, payload) from stdin
 *
 * ebbactl case set and submit commit one row per call, which at a few ms
 * per fsync (and this machine's process start-up) makes loading 100 000
 * applications take longer than deciding them.  Copies number r >= 2
 * (FIRST, default 1, is the first copy's number) get the id "ID-rN" both
 * in the document and as external_id, so every copy is a distinct
 * application that goes through the whole pipeline; the households, and so
 * their register answers, repeat.  Only parsing here; no database access.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/lib/util.h"

static int fail(const char *what, const struct ebba_err *err)
{
	fprintf(stderr, "bench_copy: %s: %s\n", what, err->msg);
	return 2;
}

/* COPY text format: backslash escapes for the field and row separators. */
static void put_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\': fputs("\\\\", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		default: putchar(s[i]);
		}
	}
}

/* bytea in hex input form; the backslash of \x is itself escaped for COPY. */
static void put_bytea(const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	fputs("\\\\x", stdout);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		putchar(hex[c >> 4]);
		putchar(hex[c & 15]);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending in suffix, sorted, so output is reproducible. */
static char **list_dir(const char *dir, const char *suffix, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		exit(2);
	}
	char **names = NULL;
	size_t cap = 0, len = strlen(suffix);
	*n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= len || strcmp(e->d_name + l - len, suffix) != 0)
			continue;
		if (*n == cap)
			names = xrealloc(names, (cap = cap ? cap * 2 : 1024) * sizeof(*names));
		names[(*n)++] = xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), by_name);
	return names;
}

static int frames(const char *dir)
{
	size_t n;
	char **names = list_dir(dir, ".yaml", &n);
	struct ebba_buf yaml = {0};
	struct ebba_err err;
	for (size_t i = 0; i < n; i++) {
		struct case_frame f;
		if (read_file_limited(names[i], FRAME_MAX_BYTES, &yaml, &err) != 0 ||
		    case_frame_parse_yaml(names[i], yaml.data, yaml.len, &f, &err) != 0)
			return fail(names[i], &err);
		char *json = case_frame_to_json(&f);
		put_text(f.case_id, strlen(f.case_id));
		putchar('\t');
		put_text(json, strlen(json));
		putchar('\t');
		put_text(yaml.data, yaml.len);
		putchar('\n');
		free(json);
		free(names[i]);
	}
	free(names);
	buf_free(&yaml);
	return 0;
}

/* One copy of a document: its id attribute replaced by new_id. */
static int put_copy(const struct application *app, const struct ebba_buf *doc,
		    const char *new_id)
{
	char old[128];
	snprintf(old, sizeof(old), " id=\"%s\"", app->id);
	const char *at = strstr(doc->data, old);
	if (!at)
		return -1;
	size_t head = (size_t)(at - doc->data), skip = strlen(old);
	put_text(new_id, strlen(new_id));
	putchar('\t');
	put_text(app->case_id, strlen(app->case_id));
	putchar('\t');
	put_text(app->period, strlen(app->period));
	putchar('\t');
	struct ebba_buf out = {0};
	buf_append(&out, doc->data, head);
	buf_printf(&out, " id=\"%s\"", new_id);
	buf_append(&out, at + skip, doc->len - head - skip);
	put_bytea(out.data, out.len);
	putchar('\n');
	buf_free(&out);
	return 0;
}

static int inbox(const char *dir, long copies, long first)
{
	size_t n;
	char **names = list_dir(dir, ".xml", &n);
	struct ebba_err err;
	struct app_parser *p = app_parser_new(NULL, &err);
	if (!p)
		return fail("parser", &err);
	struct ebba_buf *docs = xcalloc(n, sizeof(*docs));
	struct application **apps = xcalloc(n, sizeof(*apps));
	for (size_t i = 0; i < n; i++)
		if (read_file_limited(names[i], 1 << 20, &docs[i], &err) != 0 ||
		    app_parse(p, docs[i].data, docs[i].len, &apps[i], &err) != 0)
			return fail(names[i], &err);
	for (long r = first; r < first + copies; r++) {
		for (size_t i = 0; i < n; i++) {
			char id[96];
			if (r == 1)
				snprintf(id, sizeof(id), "%s", apps[i]->id);
			else
				snprintf(id, sizeof(id), "%s-r%ld", apps[i]->id, r);
			if (put_copy(apps[i], &docs[i], id) != 0) {
				fprintf(stderr, "bench_copy: %s: no id attribute to replace\n", names[i]);
				return 2;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		application_free(apps[i]);
		buf_free(&docs[i]);
		free(names[i]);
	}
	free(apps);
	free(docs);
	free(names);
	app_parser_free(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "frames") == 0)
		return frames(argv[2]);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "inbox") == 0)
		return inbox(argv[2], strtol(argv[3], NULL, 10), argc == 5 ? strtol(argv[4], NULL, 10) : 1);
	fprintf(stderr, "usage: bench_copy frames DIR | bench_copy inbox DIR COPIES [FIRST]\n");
	return 2;
}
