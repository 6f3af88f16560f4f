/*
 * Regelverket: the rule set published, for every logged-in person (a
 * caseworker explaining a decision, an auditor, a supervisor) -- the same
 * document `ebbactl rules explain` prints, from the same model
 * (ruleset_explain_model) and the same template (explain.html), read from
 * rules_dir at each request like Regler.
 */
#include "ebba/rules/rules.h"
#include "pages.h"
#include "request.h"

int page_explain(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *dir = request_config()->rules_dir;
	struct ruleset *set = NULL;
	struct ebba_err e = {{0}};
	if (ruleset_load(dir, &set, NULL, &e) != 0) {
		json_t *m = json_pack("{s:s}", "message",
				      "Regelverket går inte att visa just nu: reglerna går inte att läsa in. "
				      "Kontakta den som förvaltar reglerna.");
		int rc = web_page(rq, rs, "Regelverket", "message", m, err);
		json_decref(m);
		return rc;
	}
	json_t *model = ruleset_explain_model(set);
	int rc = page_log(rq, "view", "ruleset", ruleset_sha256(set), err);
	if (rc == 0)
		rc = web_page(rq, rs, "Regelverket", "explain", model, err);
	json_decref(model);
	ruleset_free(set);
	return rc;
}
