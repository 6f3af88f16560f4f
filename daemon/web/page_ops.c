/*
 * Drift (supervisors): the inbox by state, how fast work arrives and is
 * decided, the workers seen lately, and the latest quarantined documents
 * with their one-line errors.
 */
#include "ebba/store/web_pages.h"
#include "pages.h"

int page_ops(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	json_t *ctx;
	if (store_web_ops(rq->db, &ctx, err) != 0)
		return -1;
	int rc = page_log(rq, "view", "operations", NULL, err);
	if (rc == 0)
		rc = web_page(rq, rs, "Drift", "ops", ctx, err);
	json_decref(ctx);
	return rc;
}
