/*
 * Komplettering's SQL (include/ebba/store/web_completion.h): "open" and
 * "requested" are what the decision page's can_request is made of
 * (page_decision.c), so the form and the button agree.
 */
#include <string.h>

#include "ebba/store/web_completion.h"
#include "ebba/store/web_pages.h"

static const char COMPLETION_SQL[] =
	"select json_build_object('id', d.id, 'case_id', d.case_id, 'period', d.period,"
	" 'outcome', d.outcome,"
	" 'open', d.inbox_id is not null"
	"   and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)"
	"   and not exists (select 1 from ebba.decisions e where e.redecides_decision_id = d.id),"
	" 'requested', exists (select 1 from ebba.document_requests q where q.decision_id = d.id))"
	" from ebba.decisions d where d.id = $1::bigint";

int store_web_completion_view_unpack(json_t *doc, struct web_completion_view *out, struct ebba_err *err)
{
	*out = (struct web_completion_view){0};
	json_int_t id;
	const char *outcome;
	int open, requested;
	if (store_web_unpack(doc, "komplettering view", err, "{s:I,s:s,s:s,s:s,s:b,s:b}", "id", &id,
			     "case_id", &out->case_id, "period", &out->period, "outcome", &outcome,
			     "open", &open, "requested", &requested) != 0) {
		*out = (struct web_completion_view){0};
		return -1;
	}
	if (!outcome_parse(outcome, &out->outcome)) {
		*out = (struct web_completion_view){0};
		return ebba_errf(err, "komplettering view: outcome %s is not one of ebba's", outcome);
	}
	out->id = id;
	out->open = open;
	out->requested = requested;
	out->doc_ = json_incref(doc);
	return 0;
}

int store_web_completion(PGconn *db, const char *id, struct web_completion_view *out, bool *found,
			 struct ebba_err *err)
{
	*out = (struct web_completion_view){0};
	*found = false;
	json_t *doc;
	const char *p[] = {id};
	if (store_web_json(db, COMPLETION_SQL, 1, p, &doc, err) != 0)
		return -1;
	if (!doc)
		return 0;
	int rc = store_web_completion_view_unpack(doc, out, err);
	json_decref(doc);
	*found = rc == 0;
	return rc;
}

void store_web_completion_view_free(struct web_completion_view *v)
{
	json_decref(v->doc_);
	*v = (struct web_completion_view){0};
}
