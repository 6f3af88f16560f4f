/* A what-if run's parameter values read into a struct (include/ebba/store/web_whatif.h). */
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/util.h"
#include "ebba/store/web_pages.h"
#include "ebba/store/web_whatif.h"

int store_web_whatif_params_read(const char *text, struct web_whatif_params *out, struct ebba_err *err)
{
	*out = (struct web_whatif_params){0};
	json_error_t je;
	json_t *doc = json_loads(text ? text : "", 0, &je);
	if (!json_is_array(doc)) {
		json_decref(doc);
		return ebba_errf(err, "what-if parameters: not a JSON array%s%s", doc ? "" : ": ", doc ? "" : je.text);
	}
	out->doc_ = doc;
	out->items = xcalloc(json_array_size(doc) + 1, sizeof(*out->items));
	size_t i;
	json_t *p;
	json_array_foreach(doc, i, p) {
		struct web_whatif_param *item = &out->items[i];
		if (store_web_unpack(p, "what-if parameters", err, "{s:s,s:s}", "name", &item->name, "value",
				     &item->value) != 0) {
			store_web_whatif_params_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

void store_web_whatif_params_free(struct web_whatif_params *p)
{
	free(p->items);
	json_decref(p->doc_);
	*p = (struct web_whatif_params){0};
}
