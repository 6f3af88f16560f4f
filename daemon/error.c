#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ebba/error.h"

int ebba_errf(struct ebba_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int ebba_err_prefix(struct ebba_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char prefix[EBBA_ERR_MAX];
	char old[EBBA_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -1;
}
