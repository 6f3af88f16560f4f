#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#include "ebba/lib/util.h"
#include "ebba/lib/xmlsafe.h"

/* Per-parse state, reached from the SAX hooks through ctxt->_private. */
struct guard {
	int depth;
	int too_deep;
	int had_dtd;
};

static struct guard *guard_of(void *ctx)
{
	xmlParserCtxt *ctxt = ctx;
	return ctxt->_private;
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
		       const xmlChar *sys_id)
{
	guard_of(ctx)->had_dtd = 1;
	xmlStopParser(ctx);
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attr,
		     int nb_defaulted, const xmlChar **attrs)
{
	struct guard *g = guard_of(ctx);
	if (++g->depth > XMLSAFE_MAX_DEPTH) {
		g->too_deep = 1;
		xmlStopParser(ctx);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_ns, ns, nb_attr, nb_defaulted,
			      attrs);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		   const xmlChar *uri)
{
	guard_of(ctx)->depth--;
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* libxml2 would print to stderr; the reason is taken from lastError instead. */
static void silent(void *ctx, xmlError *e) {}

static const int PARSE_OPTIONS = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
				  XML_PARSE_NOWARNING;

xmlDoc *xmlsafe_read(const char *buf, size_t len, size_t max_bytes, const char *what,
		     struct ebba_err *err)
{
	if (len > max_bytes || len > INT_MAX) {
		ebba_errf(err, "%s: %zu bytes, more than the limit of %zu", what, len, max_bytes);
		return NULL;
	}
	if (len == 0) {
		ebba_errf(err, "%s: empty document", what);
		return NULL;
	}
	xmlInitParser();
	xmlParserCtxt *ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
	if (!ctxt) {
		ebba_errf(err, "%s: cannot create an XML parser", what);
		return NULL;
	}
	struct guard g = {0};
	ctxt->_private = &g;
	xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = on_doctype;
	ctxt->sax->startElementNs = on_start;
	ctxt->sax->endElementNs = on_end;
	ctxt->sax->serror = silent;
	ctxt->sax->initialized = XML_SAX2_MAGIC;

	xmlParseDocument(ctxt);
	xmlDoc *doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	int ok = ctxt->wellFormed && !g.had_dtd && !g.too_deep && doc;
	if (!ok) {
		if (g.had_dtd)
			ebba_errf(err, "%s: a document type declaration (DOCTYPE) is not allowed",
				  what);
		else if (g.too_deep)
			ebba_errf(err, "%s: elements nested deeper than %d levels", what,
				  XMLSAFE_MAX_DEPTH);
		else {
			const xmlError *e = &ctxt->lastError;
			char msg[256];
			snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "not well-formed");
			msg[strcspn(msg, "\n")] = '\0';
			ebba_errf(err, "%s:%d:%d: not well-formed XML: %s", what, e->line, e->int2,
				  msg);
		}
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

xmlNode *xmlsafe_next_elem(const xmlNode *n)
{
	for (n = n ? n->next : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return (xmlNode *)n;
	return NULL;
}

xmlNode *xmlsafe_first_elem(const xmlNode *n)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return (xmlNode *)n;
	return NULL;
}

int xmlsafe_is(const xmlNode *n, const char *ns, const char *name)
{
	if (!n || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
		return 0;
	if (!ns)
		return n->ns == NULL;
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

static int is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *xmlsafe_text(const xmlNode *n)
{
	struct ebba_buf b = {0};
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			buf_puts(&b, (const char *)c->content);
	buf_append(&b, "", 0);   /* a C string even with no text */
	char *s = buf_steal(&b);
	size_t start = 0, end = strlen(s);
	while (start < end && is_xml_space(s[start]))
		start++;
	while (end > start && is_xml_space(s[end - 1]))
		end--;
	memmove(s, s + start, end - start);
	s[end - start] = '\0';
	return s;
}
