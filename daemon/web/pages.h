/*
 * The pages' handlers (page_*.c), for the route table in routes.c, and
 * the few helpers every page uses (pages.c).  Only routes.c calls a
 * handler of another file; a page calls only the helpers and the data
 * functions of decision.h, so the pages' dependencies stay a DAG
 * (tests/integration/05_include_dag.sh).
 */
#ifndef EBBA_WEB_PAGES_H
#define EBBA_WEB_PAGES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "web.h"

int page_queue(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
/* GET /beslut/ID: the decision; /beslut/ID/underlag/N: one piece of its
 * evidence, as received (page_decision.c). */
int page_decision(const struct web_request *rq, struct web_response *rs, const char *id,
		  struct ebba_err *err);
int page_evidence(const struct web_request *rq, struct web_response *rs, const char *id,
		  const char *eid, struct ebba_err *err);
int page_review(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
/* POST /beslut/ID/ta (take) or /slapp (release): page_assign.c. */
int page_assign(const struct web_request *rq, struct web_response *rs, const char *id, bool take,
		struct ebba_err *err);
int page_flags(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_flag_resolve(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_frame(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_frame_save(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_rules(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_stats(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_explain(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_whatif(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_whatif_start(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_whatif_run(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
/* Sök (page_find.c): the forms, and a search by case or identity number (POST). */
int page_find(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_find_post(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
/* Hushåll (page_household.c): /hushall/CASE, one case over time. */
int page_household(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_ops(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
/* Loggar (page_logs.c): the log; its monthly lists and CSV files under /loggar/. */
int page_logs(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
int page_logs_sub(const struct web_request *rq, struct web_response *rs, struct ebba_err *err);
/* /beslut/ID/komplettering, GET and POST, and /beslut/ID/bilaga/N
 * (page_completion.c), routed by routes.c and page_review. */
int page_completion(const struct web_request *rq, struct web_response *rs, const char *id,
		    struct ebba_err *err);
int page_completion_file(const struct web_request *rq, struct web_response *rs, const char *id,
			 const char *file, struct ebba_err *err);
/* /beslut/ID/brev.pdf (page_letter.c), routed by routes.c. */
int page_letter_pdf(const struct web_request *rq, struct web_response *rs, const char *id,
		    struct ebba_err *err);
/* A decision's stored letter (its markup; NULL for none) as text for a
 * person to read: a new string, the body as stored when it does not parse,
 * or null when there is none. */
json_t *letter_as_text(const char *body);

/* A 404 page saying what was not found. */
int page_not_found(const struct web_request *rq, struct web_response *rs, const char *what,
		   struct ebba_err *err);

/* One access-log row for this request's person (store_access_log). */
int page_log(const struct web_request *rq, const char *action, const char *kind,
	     const char *id, struct ebba_err *err);

/* Swedish words for ebba's codes: outcomes, check results, income and cost
 * types; the code itself when there is no word for it. */
const char *sv_outcome(const char *outcome);
const char *sv_result(const char *result);
const char *sv_income(const char *type);
const char *sv_cost(const char *type);
const char *sv_flag(const char *kind);
/* An audit verdict in words: "Beslutet var rätt" for "ok". */
const char *sv_verdict(const char *verdict);
/* An agency's name as people say it: "Försäkringskassan" for "FK". */
const char *sv_agency(const char *code);

/* "18 700" for 18700. */
void kr_format(long long v, char *out, size_t n);
/* The same as a template value, or null when there is no amount (has false). */
json_t *kr_json(bool has, int64_t kr);

/* Sets {name: true} in ctx when value equals want (for a selected option). */
json_t *options_json(const char *const *values, const char *const *labels, size_t n,
		     const char *selected);

#endif
