/*
 * Ta ärendet / Släpp ärendet (POST /beslut/ID/ta, /beslut/ID/slapp; the
 * decision page and Arbetskö's rows): the decision's case is taken by, or
 * released from, the person.  Whether two people can have one case is the
 * database's unique index (schema 028), not a check here: the loser of a
 * race is told who won.  Who took it is the database's answer; the form
 * carries only the CSRF token and where to go back to.  Every take and
 * release is a row of ebba.case_assignments, kept as the record.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/store/assign.h"
#include "pages.h"
#include "request.h"

static int message(const struct web_request *rq, struct web_response *rs, int status,
		   const char *title, const char *text, struct ebba_err *err)
{
	rs->status = status;
	json_t *m = json_pack("{s:s,s:s}", "message", text, "back", "ko");
	int rc = web_page(rq, rs, title, "message", m, err);
	json_decref(m);
	return rc;
}

static int back(const struct web_request *rq, struct web_response *rs, const char *id)
{
	const char *to = web_form(rq, "tillbaka");
	rs->status = 303;
	if (to && strcmp(to, "ko") == 0)
		snprintf(rs->location, sizeof(rs->location), "/ko");
	else
		snprintf(rs->location, sizeof(rs->location), "/beslut/%s", id);
	return 0;
}

int page_assign(const struct web_request *rq, struct web_response *rs, const char *id, bool take,
		struct ebba_err *err)
{
	char case_id[256];
	if (store_decision_case(rq->db, id, case_id, sizeof(case_id), err) != 0)
		return -1;
	if (!case_id[0])
		return page_not_found(rq, rs, "Det finns inget sådant beslut.", err);
	if (!take) {
		bool released;
		if (store_case_untake(rq->db, case_id, &released, err) != 0)
			return -1;
		if (!released)
			return message(rq, rs, 409, "Inte ditt ärende",
				       "Du har inte ärendet, så det finns inget att släppa.", err);
		return back(rq, rs, id);
	}
	const struct ebba_config *cfg = request_config();
	bool mine;
	char holder[128], text[320];
	if (store_case_take(rq->db, case_id, cfg ? cfg->web.assign_idle_minutes : 0, &mine, holder,
			    sizeof(holder), err) != 0)
		return -1;
	if (!mine) {
		snprintf(text, sizeof(text), "Ärendet är redan taget av %s. Två handläggare kan inte ha"
			 " samma ärende samtidigt; välj ett annat ärende i kön.",
			 holder[0] ? holder : "en annan handläggare");
		return message(rq, rs, 409, "Ärendet är redan taget", text, err);
	}
	return back(rq, rs, id);
}
