/*
 * The XPath the SSBTEK response parser asks with (ssbtek_response.c): one
 * context with the response's namespace prefixes, and each expression
 * compiled once, both kept in the caller's struct ssbtek_scratch (scratch
 * space, docs/architecture.md §14.15).  A new context per response (and
 * its registration of every XPath function) and compiling the same few
 * dozen expressions for every response were a tenth of parsing one.
 * Measure again: instructions per decision with BENCH_EBBAD_WRAP=valgrind
 * (contrib/bench/run.sh), or callgrind over build/tests/test_ssbtek.
 */
#ifndef EBBA_SSBTEK_XPATH_H
#define EBBA_SSBTEK_XPATH_H

#include <libxml/tree.h>
#include <libxml/xpath.h>

/* The agencies' namespaces inside svarsdata, besides SSBTEK_NS and SOAP11_NS. */
#define AF_NS "http://api.arbetsformedlingen.se/arbetssokande/ersattningsstod/v2"
#define SO_NS "http://INT014.UBPService.Schemas"

/* The scratch's context, on doc; NULL when out of memory.  Valid until
 * the next call with s; freed with s.  The caller sets its doc to NULL
 * before freeing doc. */
xmlXPathContext *ssbtek_xpath_on(struct ssbtek_scratch *s, xmlDoc *doc);

/* expr evaluated at node at with s's context (ssbtek_xpath_on() first);
 * the caller frees the result (xmlXPathFreeObject).  NULL when it cannot
 * be evaluated. */
xmlXPathObject *ssbtek_xpath_eval(struct ssbtek_scratch *s, xmlNode *at, const char *expr);

#endif
