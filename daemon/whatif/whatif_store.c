/*
 * A what-if run as ebba.whatif_runs keeps it (include/ebba/whatif/whatif.h):
 * the parameters set for it as JSON beside the candidate's SHA-256 (which
 * covers them too, rules.h), the result as whatif_result_json writes it.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/whatif/whatif.h"

int whatif_store_begin(PGconn *conn, const char *candidate, const struct ruleset *rs,
		       const struct whatif_window *w, const struct ruleset_override *ov,
		       size_t n_ov, int64_t *id, struct ebba_err *err)
{
	json_t *params = json_array();
	for (size_t i = 0; i < n_ov; i++)
		json_array_append_new(params, json_pack("{s:s,s:s}", "name", ov[i].name, "value",
							ov[i].value));
	char *text = json_dumps(params, JSON_COMPACT);
	json_decref(params);
	int rc = store_whatif_run_insert(conn, candidate, ruleset_sha256(rs), w, text, id, err);
	free(text);
	return rc;
}

int whatif_store_end(PGconn *conn, int64_t id, const struct whatif_result *r, const char *error,
		     struct ebba_err *err)
{
	if (!r)
		return store_whatif_run_finish(conn, id, NULL, error, err);
	struct ebba_buf json = {0};
	whatif_result_json(r, &json);
	buf_putc(&json, '\0');
	int rc = store_whatif_run_finish(conn, id, json.data, NULL, err);
	buf_free(&json);
	return rc;
}
