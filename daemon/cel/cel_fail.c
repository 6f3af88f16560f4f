/*
 * A compile error recorded in the parser's state (cel_impl.h), in a file of
 * its own: the grammar (cel_parse.c) and the checker (cel_check.c) both
 * report through it, and the grammar calls the checker, so with it in
 * cel_parse.c the two files would depend on each other.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cel_impl.h"

void cel_fail(struct cel_parser *p, size_t off, enum cel_error_kind ek, const char *fmt, ...)
{
	if (p->failed)
		return;        /* the first error is the one worth reporting */
	p->failed = true;
	p->err_off = off;
	p->err_kind = ek;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
}
