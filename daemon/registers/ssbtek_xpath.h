/*
 * The XPath the SSBTEK response parser asks with (ssbtek_response.c): one
 * context per thread with the response's namespace prefixes, and each
 * expression compiled once per thread.  A new context per response (and
 * its registration of every XPath function) and compiling the same few
 * dozen expressions for every response were a tenth of parsing one.
 */
#ifndef EBBA_SSBTEK_XPATH_H
#define EBBA_SSBTEK_XPATH_H

#include <libxml/tree.h>
#include <libxml/xpath.h>

/* The agencies' namespaces inside svarsdata, besides SSBTEK_NS and SOAP11_NS. */
#define AF_NS "http://api.arbetsformedlingen.se/arbetssokande/ersattningsstod/v2"
#define SO_NS "http://INT014.UBPService.Schemas"

/* This thread's context, on doc; NULL when out of memory.  Valid until
 * the next call on this thread; freed when the thread ends. */
xmlXPathContext *ssbtek_xpath_on(xmlDoc *doc);

/* expr evaluated at node at; the caller frees the result
 * (xmlXPathFreeObject).  NULL when it cannot be evaluated. */
xmlXPathObject *ssbtek_xpath_eval(xmlXPathContext *xp, xmlNode *at, const char *expr);

#endif
