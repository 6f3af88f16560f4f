/*
 * The one error idiom of ebba.
 *
 * A function that can fail returns int: 0 on success, -1 on failure.  It
 * takes a `struct ebba_err *err` as its last argument and, on failure,
 * writes one line into it that says what failed and where (file:line:col,
 * element, field).  Callers that add context use ebba_err_prefix().  The
 * message never contains a full personal identity number.
 */
#ifndef EBBA_ERROR_H
#define EBBA_ERROR_H

#include <stddef.h>

#define EBBA_ERR_MAX 1024

struct ebba_err {
	char msg[EBBA_ERR_MAX];
};

/* Formats the message into err (if err is not NULL); always returns -1. */
int ebba_errf(struct ebba_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Puts "prefix: " in front of the message already in err; returns -1. */
int ebba_err_prefix(struct ebba_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void ebba_err_clear(struct ebba_err *err)
{
	if (err)
		err->msg[0] = '\0';
}

#endif
