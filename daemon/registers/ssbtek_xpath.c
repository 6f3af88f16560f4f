/*
 * SSBTEK's XPath context and compiled expressions, kept in the caller's
 * struct ssbtek_scratch (ssbtek_xpath.h, docs/architecture.md §14.15).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>

#include "ebba/lib/util.h"
#include "ebba/registers/ssbtek.h"
#include "ssbtek_xpath.h"

/* The parser asks about forty distinct expressions; past this many an
 * expression is compiled at each use, as before. */
enum { MAX_COMPILED = 96 };

struct compiled {
	char *expr;
	xmlXPathCompExpr *comp;
};

struct ssbtek_scratch {
	xmlXPathContext *xp;           /* NULL until first used, or out of memory */
	struct compiled e[MAX_COMPILED];
	size_t n;
};

struct ssbtek_scratch *ssbtek_scratch_new(void)
{
	return xcalloc(1, sizeof(struct ssbtek_scratch));
}

void ssbtek_scratch_free(struct ssbtek_scratch *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->e[i].expr);
		xmlXPathFreeCompExpr(s->e[i].comp);
	}
	xmlXPathFreeContext(s->xp);
	free(s);
}

static xmlXPathContext *context_new(void)
{
	xmlXPathContext *xp = xmlXPathNewContext(NULL);
	if (!xp)
		return NULL;
	xmlXPathRegisterNs(xp, (const xmlChar *)"soap", (const xmlChar *)SOAP11_NS);
	xmlXPathRegisterNs(xp, (const xmlChar *)"ssbt", (const xmlChar *)SSBTEK_NS);
	xmlXPathRegisterNs(xp, (const xmlChar *)"er", (const xmlChar *)AF_NS);
	xmlXPathRegisterNs(xp, (const xmlChar *)"in", (const xmlChar *)SO_NS);
	return xp;
}

xmlXPathContext *ssbtek_xpath_on(struct ssbtek_scratch *s, xmlDoc *doc)
{
	if (!s->xp && !(s->xp = context_new()))
		return NULL;
	s->xp->doc = doc;
	s->xp->node = NULL;
	return s->xp;
}

static xmlXPathCompExpr *compiled(struct ssbtek_scratch *s, const char *expr)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->e[i].expr, expr) == 0)
			return s->e[i].comp;
	if (s->n == MAX_COMPILED)
		return NULL;
	xmlXPathCompExpr *comp = xmlXPathCompile((const xmlChar *)expr);
	if (!comp)
		return NULL;
	s->e[s->n++] = (struct compiled){xstrdup(expr), comp};
	return comp;
}

xmlXPathObject *ssbtek_xpath_eval(struct ssbtek_scratch *s, xmlNode *at, const char *expr)
{
	s->xp->node = at;
	xmlXPathCompExpr *comp = compiled(s, expr);
	if (comp)
		return xmlXPathCompiledEval(comp, s->xp);
	return xmlXPathEvalExpression((const xmlChar *)expr, s->xp);
}
