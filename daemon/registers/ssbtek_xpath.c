/*
 * SSBTEK's XPath context and compiled expressions, per thread
 * (ssbtek_xpath.h).  Threads: ebbad decides in one, ebba-web's what-if
 * runs each in its own, so nothing here is shared between threads.
 */
#include <pthread.h>
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

struct kit {
	xmlXPathContext *xp;
	struct compiled e[MAX_COMPILED];
	size_t n;
};

static pthread_key_t kit_key;
static pthread_once_t kit_once = PTHREAD_ONCE_INIT;

static void kit_free(void *p)
{
	struct kit *k = p;
	for (size_t i = 0; i < k->n; i++) {
		free(k->e[i].expr);
		xmlXPathFreeCompExpr(k->e[i].comp);
	}
	xmlXPathFreeContext(k->xp);
	free(k);
}

static void kit_init(void)
{
	if (pthread_key_create(&kit_key, kit_free) != 0)
		abort();
}

static struct kit *kit_new(void)
{
	struct kit *k = xcalloc(1, sizeof(*k));
	if (!(k->xp = xmlXPathNewContext(NULL))) {
		free(k);
		return NULL;
	}
	xmlXPathRegisterNs(k->xp, (const xmlChar *)"soap", (const xmlChar *)SOAP11_NS);
	xmlXPathRegisterNs(k->xp, (const xmlChar *)"ssbt", (const xmlChar *)SSBTEK_NS);
	xmlXPathRegisterNs(k->xp, (const xmlChar *)"er", (const xmlChar *)AF_NS);
	xmlXPathRegisterNs(k->xp, (const xmlChar *)"in", (const xmlChar *)SO_NS);
	if (pthread_setspecific(kit_key, k) != 0)
		abort();
	return k;
}

xmlXPathContext *ssbtek_xpath_on(xmlDoc *doc)
{
	pthread_once(&kit_once, kit_init);
	struct kit *k = pthread_getspecific(kit_key);
	if (!k && !(k = kit_new()))
		return NULL;
	k->xp->doc = doc;
	k->xp->node = NULL;
	return k->xp;
}

static xmlXPathCompExpr *compiled(struct kit *k, const char *expr)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->e[i].expr, expr) == 0)
			return k->e[i].comp;
	if (k->n == MAX_COMPILED)
		return NULL;
	xmlXPathCompExpr *comp = xmlXPathCompile((const xmlChar *)expr);
	if (!comp)
		return NULL;
	k->e[k->n++] = (struct compiled){xstrdup(expr), comp};
	return comp;
}

xmlXPathObject *ssbtek_xpath_eval(xmlXPathContext *xp, xmlNode *at, const char *expr)
{
	xp->node = at;
	struct kit *k = pthread_getspecific(kit_key);
	xmlXPathCompExpr *comp = k && k->xp == xp ? compiled(k, expr) : NULL;
	if (comp)
		return xmlXPathCompiledEval(comp, xp);
	return xmlXPathEvalExpression((const xmlChar *)expr, xp);
}
