/*
 * SSBTEK responses for the simulator: fixtures served as is, an empty
 * answer for a person without one, and injected agency error parts.
 * Requests are checked and faults written by ebba's own SSBTEK code
 * (ssbtek_request_pnr(), ssbtek_soap_fault()), so the simulator rejects
 * exactly what the contract forbids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "regsim.h"

#include "ebba/registers/ssbtek.h"

#define NS_SOAP SOAP11_NS
#define NS_SSBT SSBTEK_NS

const char *const sim_agency_names[AG_COUNT] = { "AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV" };

int sim_agency_index(const char *name)
{
	for (int i = 0; i < AG_COUNT; i++)
		if (strcasecmp(name, sim_agency_names[i]) == 0)
			return i;
	return -1;
}

static const char EMPTY_RESPONSE[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<soap:Envelope xmlns:soap=\"" NS_SOAP "\">\n"
	"    <soap:Body>\n"
	"        <ssbt:hamtaBastjanstInformationResponse xmlns:ssbt=\"" NS_SSBT "\">\n"
	"            <ssbt:svarsdata></ssbt:svarsdata>\n"
	"        </ssbt:hamtaBastjanstInformationResponse>\n"
	"    </soap:Body>\n"
	"</soap:Envelope>\n";

/* The prefix (with colon, or "") the document uses for svarsdata. */
static int svarsdata_prefix(const char *doc, char *prefix, size_t cap)
{
	const char *p = strstr(doc, "svarsdata");
	while (p && p > doc && p[-1] != '<' && p[-1] != ':')
		p = strstr(p + 1, "svarsdata");
	if (!p || p == doc)
		return -1;
	const char *start = p;
	while (start > doc && start[-1] != '<')
		start--;
	size_t n = (size_t)(p - start);
	if (n >= cap)
		return -1;
	memcpy(prefix, start, n);
	prefix[n] = '\0';
	return 0;
}

static void error_part(struct ebba_buf *out, const char *pf, const char *agency)
{
	buf_printf(out,
		   "<%s%s><%serror><%skalla>SSBT</%skalla><%sfelkod>SIM-1</%sfelkod>"
		   "<%sfelmeddelande>Simulerat fel: %s svarar inte</%sfelmeddelande>"
		   "</%serror></%s%s>",
		   pf, agency, pf, pf, pf, pf, pf, pf, agency, pf, pf, pf, agency);
}

/* Replaces the agency's part in doc (or appends one) with an error part. */
static int inject_error(struct ebba_buf *doc, const char *agency, struct ebba_err *err)
{
	char pf[64];
	if (svarsdata_prefix(doc->data, pf, sizeof(pf)) != 0)
		return ebba_errf(err, "fixture has no svarsdata element");
	char *open = xasprintf("<%s%s>", pf, agency);
	char *close = xasprintf("</%s%s>", pf, agency);
	char *sd_close = xasprintf("</%ssvarsdata>", pf);
	char *sd_empty = xasprintf("<%ssvarsdata/>", pf);
	struct ebba_buf out = {0};
	const char *s = doc->data;
	const char *a = strstr(s, open);
	const char *b = a ? strstr(a, close) : NULL;
	int rc = 0;
	if (a && b) {
		buf_append(&out, s, (size_t)(a - s));
		error_part(&out, pf, agency);
		buf_puts(&out, b + strlen(close));
	} else if ((a = strstr(s, sd_close))) {
		buf_append(&out, s, (size_t)(a - s));
		error_part(&out, pf, agency);
		buf_puts(&out, a);
	} else if ((a = strstr(s, sd_empty))) {
		buf_append(&out, s, (size_t)(a - s));
		buf_printf(&out, "<%ssvarsdata>", pf);
		error_part(&out, pf, agency);
		buf_puts(&out, sd_close);
		buf_puts(&out, a + strlen(sd_empty));
	} else {
		rc = ebba_errf(err, "fixture has no svarsdata element");
	}
	if (rc == 0) {
		buf_free(doc);
		*doc = out;
	} else {
		buf_free(&out);
	}
	free(open);
	free(close);
	free(sd_close);
	free(sd_empty);
	return rc;
}

int sim_ssbtek_response(const char *dir, const char *pnr, unsigned agency_errors,
			struct ebba_buf *out, struct ebba_err *err)
{
	char *path = xasprintf("%s/ssbtek/%s.xml", dir, pnr);
	struct ebba_buf doc = {0};
	int rc = 0;
	if (access(path, F_OK) == 0)
		rc = read_file_limited(path, 8u << 20, &doc, err);
	else
		buf_append(&doc, EMPTY_RESPONSE, sizeof(EMPTY_RESPONSE) - 1);
	free(path);
	for (int i = 0; rc == 0 && i < AG_COUNT; i++)
		if (agency_errors & (1u << i))
			rc = inject_error(&doc, sim_agency_names[i], err);
	if (rc == 0)
		buf_append(out, doc.data, doc.len);
	buf_free(&doc);
	return rc;
}
