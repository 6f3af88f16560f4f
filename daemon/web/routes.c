/*
 * The pages' routes (web_page_routes, web.h).  Which groups reach which
 * page is decided here, once; the server enforces it before a handler runs
 * and logs every refusal.  The one file that calls the pages' handlers:
 * nothing below it calls back.
 */
#include <stdio.h>
#include <string.h>

#include "pages.h"

/* GET /beslut/ID and what hangs under it: evidence, the letter, the
 * completion and its files. */
static int decision_get(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	char id[24] = "", eid[24] = "";
	const char *tail = rq->tail ? rq->tail : "";
	int n = 0;
	if (sscanf(tail, "%18[0-9]%n", id, &n) != 1)
		return page_not_found(rq, rs, "Det finns inget sådant beslut.", err);
	const char *rest = tail + n;
	if (sscanf(rest, "/underlag/%18[0-9]", eid) == 1)
		return page_evidence(rq, rs, id, eid, err);
	if (strcmp(rest, "/brev.pdf") == 0)
		return page_letter_pdf(rq, rs, id, err);
	if (strcmp(rest, "/komplettering") == 0)
		return page_completion(rq, rs, id, err);
	if (sscanf(rest, "/bilaga/%18[0-9]", eid) == 1)
		return page_completion_file(rq, rs, id, eid, err);
	if (*rest != '\0')
		return page_not_found(rq, rs, "Sidan finns inte.", err);
	return page_decision(rq, rs, id, err);
}

#define READERS (WEB_CASEWORKER | WEB_SUPERVISOR)

/* "/" is the queue; an auditor who reads no cases starts at Loggar. */
static int page_home(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	if (rq->session->groups & READERS)
		return page_queue(rq, rs, err);
	snprintf(rs->location, sizeof(rs->location), "/loggar");
	return 0;
}

static const struct web_route routes[] = {
	{"GET", "/", READERS | WEB_AUDITOR, 0, page_home},
	{"GET", "/ko", READERS, 0, page_queue},
	{"POST", "/beslut/", WEB_CASEWORKER, WEB_FORM_REDISPLAY, page_review},
	{"GET", "/beslut/", READERS, 0, decision_get},
	{"GET", "/sok", READERS, 0, page_find},
	{"POST", "/sok", READERS, WEB_FORM_REDISPLAY, page_find_post},
	{"GET", "/hushall/", READERS, 0, page_household},
	{"GET", "/stickprov", READERS, 0, page_flags},
	{"POST", "/stickprov/", WEB_CASEWORKER, WEB_FORM_REDISPLAY, page_flag_resolve},
	{"GET", "/referensram/", READERS, 0, page_frame},
	{"POST", "/referensram/", WEB_CASEWORKER, WEB_FORM_REDISPLAY, page_frame_save},
	{"GET", "/regler", WEB_SUPERVISOR, 0, page_rules},
	{"GET", "/regelverk", READERS | WEB_AUDITOR, 0, page_explain},
	{"GET", "/whatif", WEB_SUPERVISOR, 0, page_whatif},
	{"POST", "/whatif", WEB_SUPERVISOR, WEB_FORM_REDISPLAY, page_whatif_start},
	{"GET", "/whatif/", WEB_SUPERVISOR, 0, page_whatif_run},
	{"GET", "/drift", WEB_SUPERVISOR, 0, page_ops},
	{"GET", "/statistik", WEB_SUPERVISOR, 0, page_stats},
	{"GET", "/loggar", WEB_AUDITOR, 0, page_logs},
	{"GET", "/loggar/", WEB_AUDITOR, 0, page_logs_sub},
};

const struct web_route *web_page_routes(size_t *n)
{
	*n = ARRAY_LEN(routes);
	return routes;
}
