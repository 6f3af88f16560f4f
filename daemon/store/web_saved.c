/*
 * The page after a person saves a decision (include/ebba/store/web_saved.h):
 * one query, its document unpacked strictly into the view.
 */
#include <string.h>

#include "ebba/store/web_pages.h"
#include "ebba/store/web_saved.h"
#include "ebba/store/web_view_list.h"

static const char SAVED_SQL[] =
	"select json_build_object('id', d.id, 'case_id', d.case_id,"
	" 'period', d.period, 'outcome', d.outcome, 'amount', d.amount,"
	" 'decided_by', d.decided_by, 'decided_at', to_char(d.decided_at, 'YYYY-MM-DD HH24:MI'))"
	" from ebba.decisions d where d.id = $1::bigint and d.reviews_decision_id is not null";

int store_web_saved_view_read(json_t *doc, struct web_saved_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	out->doc_ = doc;
	const char *outcome;
	json_t *amount;
	json_int_t id;
	if (store_web_unpack(doc, "saved decision", err, "{s:I,s:s,s:s,s:s,s:o,s:s,s:s}", "id", &id,
			     "case_id", &out->case_id, "period", &out->period, "outcome", &outcome,
			     "amount", &amount, "decided_by", &out->decided_by, "decided_at",
			     &out->decided_at) != 0 ||
	    store_web_parse_outcome(outcome, "saved decision", &out->outcome, err) != 0 ||
	    store_web_unpack_opt_int(amount, "saved decision: amount", &out->has_amount, &out->amount, err) != 0) {
		store_web_saved_view_free(out);
		return -1;
	}
	out->id = id;
	return 0;
}

int store_web_saved(PGconn *db, const char *id, struct web_saved_view *out, bool *found,
		    struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	*found = false;
	if (!store_web_is_id(id))
		return 0;
	const char *p[] = {id};
	json_t *doc;
	if (store_web_json(db, SAVED_SQL, 1, p, &doc, err) != 0)
		return -1;
	if (!doc)
		return 0;
	if (store_web_saved_view_read(doc, out, err) != 0)
		return -1;
	*found = true;
	return 0;
}

void store_web_saved_view_free(struct web_saved_view *v)
{
	json_decref(v->doc_);
	memset(v, 0, sizeof(*v));
}
