/* Files compiled into the binaries (see contrib/embed.c and the Makefile). */
#ifndef EBBA_EMBEDDED_H
#define EBBA_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;   /* base name, e.g. "001_initial.sql" */
	const char *data;   /* NUL-terminated */
	size_t len;
};

/* Ends with an entry whose name is NULL; sorted as the Makefile lists them. */
extern const struct embedded_file embedded_files[];

/* The file with that base name, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
