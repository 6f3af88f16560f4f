/*
 * The template renderer (lib/template.c), shared by ebba-web and `ebbactl
 * rules explain`: parse a template's text once into a tree, render the tree
 * any number of times.  tmpl_render() is these two with a cache of the
 * embedded templates; the unit test and the fuzzer use them directly on
 * text of their own.
 *
 * Beyond the Mustache subset web.h describes, the parser reads the HTML
 * around each {{value}} (the template as written, every section as if
 * shown) and refuses, with the line and column:
 *   - a value inside a tag but not inside a quoted attribute value;
 *   - a value in an on* event attribute or a style attribute, or inside a
 *     <script> or <style> element;
 *   - a value at the start of a URL attribute (href, src, action,
 *     formaction): the scheme and path are always the template's own text,
 *     so a value can never make a javascript: URL.
 * Values inside URL attributes are percent-encoded (all but RFC 3986's
 * unreserved characters) before they are HTML-escaped, so a value cannot
 * change a URL's structure either (no "&", "?", "#" or "/" of its own).
 *
 * What a value renders as: a string as itself, an integer in decimal, a
 * real with %g, true/false as "true"/"false", null or missing as nothing;
 * an object or array is an error naming the template and place.
 * A section shows for a non-empty list (once per element), an object, true,
 * a non-empty string or any number; it hides for false, null, "", [] and a
 * missing name.  {{.}} is the current element.  A name is looked up from the
 * innermost section outwards; a dotted name descends from the first match.
 */
#ifndef EBBA_LIB_TEMPLATE_H
#define EBBA_LIB_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

struct tmpl;

/* Parses text (len bytes, need not be NUL-terminated).  name is used in
 * error messages and kept.  Returns NULL and fills err ("NAME:LINE:COL:
 * what") on a parse error.  Free with tmpl_free(). */
struct tmpl *tmpl_parse(const char *name, const char *text, size_t len, struct ebba_err *err);
void tmpl_free(struct tmpl *t);

/* Finds the template a {{>partial}} names; returns NULL with err set when
 * there is none.  The template stays owned by whoever returns it. */
typedef const struct tmpl *(*tmpl_partial_fn)(void *arg, const char *name,
					      struct ebba_err *err);

/* Renders t with ctx (any JSON value; usually an object) appended to out.
 * partials may be NULL (then a {{>partial}} is an error). */
int tmpl_exec(const struct tmpl *t, const json_t *ctx, tmpl_partial_fn partials, void *arg,
	      struct ebba_buf *out, struct ebba_err *err);

/*
 * Renders the embedded template daemon/web/templates/NAME.html with the
 * values of ctx (a JSON object) and appends it to out.  The syntax is a
 * subset of Mustache: {{a.b}} (HTML-escaped, always: there is no unescaped
 * form), {{#x}}...{{/x}} (a list repeats, a true or non-empty value shows),
 * {{^x}}...{{/x}} (shows when x is false, empty or missing), {{>partial}}
 * and {{! comment}}.  A template that does not parse is an error naming
 * the template, line and column.
 */
int tmpl_render(struct ebba_buf *out, const char *name, const json_t *ctx,
		struct ebba_err *err);

/* Appends s HTML-escaped (& < > " '). */
void tmpl_escape(struct ebba_buf *out, const char *s, size_t len);

/* The embedded template daemon/web/templates/NAME.html, parsed on first use
 * and kept for the life of the process (thread-safe); NULL with err set
 * when there is none or it does not parse. */
const struct tmpl *tmpl_lookup(const char *name, struct ebba_err *err);

/* Parses every embedded template (*.html) into the cache: at start-up, so a
 * broken template stops the server before it serves anything. */
int tmpl_preload(struct ebba_err *err);

#endif
