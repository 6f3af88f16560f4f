/*
 * A JSON object's text without one of its top-level members, found by
 * delimiting values rather than parsing them.  What-if reads a handful of
 * small members of each stored trace; the rules' trace beside them is 90 %
 * of its bytes, and building jansson's tree of it was the largest single
 * cost of re-deciding a stored decision.
 */
#ifndef EBBA_JSON_DROP_H
#define EBBA_JSON_DROP_H

#include <stddef.h>

#include "ebba/lib/util.h"

/*
 * Appends to out the object text[0..len) without its top-level members
 * named key (every one, if repeated), the rest byte for byte.  Returns 0,
 * or -1 when text is not a JSON object whose members can be delimited
 * (out then holds a partial copy).  Only the structure is checked: the
 * members kept are for a JSON parser to validate, and a dropped value is
 * delimited (strings, escapes, nesting), never interpreted.  A key is
 * matched by its bytes as written, so an escaped spelling of key is kept.
 * text is text: a NUL byte between tokens is refused (a PostgreSQL text
 * value cannot hold one).
 */
int json_drop_member(const char *text, size_t len, const char *key, struct ebba_buf *out);

#endif
