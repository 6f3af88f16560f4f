/*
 * PostgreSQL's text forms that the store builds by hand: COPY text rows
 * (queue_complete.c) and array literals for ANY($1::text[]) parameters.
 */
#ifndef EBBA_STORE_PG_TEXT_H
#define EBBA_STORE_PG_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/util.h"

/* A COPY text field: backslash escapes, \N for NULL. */
void pg_copy_field(struct ebba_buf *b, const char *s);
/* A COPY text bytea field as hex input ("\\x..." with the backslash
 * escaped); \N for NULL data. */
void pg_copy_bytea(struct ebba_buf *b, const void *data, size_t len);
/* A COPY text integer field, and an id followed by a tab, without printf. */
void pg_copy_int(struct ebba_buf *b, int64_t v);
void pg_copy_id(struct ebba_buf *b, int64_t id);
/* The tab between fields, or the newline after the last. */
void pg_copy_sep(struct ebba_buf *b, int last);

/* An array literal element: quoted, with " and \ escaped; NULL unquoted. */
void pg_array_text(struct ebba_buf *b, const char *s);

#endif
