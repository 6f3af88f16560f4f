/*
 * Reading XML that comes from outside (registers, the attendance service)
 * without trusting it.
 *
 * xmlsafe_read() parses with libxml2 and:
 *   - never touches the network (XML_PARSE_NONET) and loads no external DTD
 *     or entity;
 *   - rejects any document type declaration outright: SOAP 1.1 forbids them
 *     and none of ebba's documents needs one, so entity bombs and external
 *     entities never get as far as being declared;
 *   - substitutes no entities (no XML_PARSE_NOENT);
 *   - refuses input larger than max_bytes before parsing;
 *   - limits element nesting to XMLSAFE_MAX_DEPTH;
 *   - prints nothing: the reason, with line and column, goes to err.
 *
 * The caller owns the returned document and frees it with xmlFreeDoc().
 */
#ifndef EBBA_XMLSAFE_H
#define EBBA_XMLSAFE_H

#include <stddef.h>

#include <libxml/tree.h>

#include "ebba/lib/error.h"

#define XMLSAFE_MAX_DEPTH 64

/* what names the document in messages ("SSBTEK response", "CSN part"). */
xmlDoc *xmlsafe_read(const char *buf, size_t len, size_t max_bytes, const char *what,
		     struct ebba_err *err);

/* The first element child of n, or the next element sibling; NULL at the end. */
xmlNode *xmlsafe_first_elem(const xmlNode *n);
xmlNode *xmlsafe_next_elem(const xmlNode *n);

/* True if n is an element with that local name in that namespace URI. */
int xmlsafe_is(const xmlNode *n, const char *ns, const char *name);

/*
 * The text of n (all text and CDATA children, concatenated), trimmed of
 * XML white space; malloc'd, never NULL.
 */
char *xmlsafe_text(const xmlNode *n);

#endif
