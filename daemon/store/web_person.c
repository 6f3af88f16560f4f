/*
 * A person's findings read into a struct (include/ebba/store/web_person.h).
 * Each line's keys depend on its kind, so the kind is read first and the
 * line then unpacked strictly with that kind's keys.
 */
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/util.h"
#include "ebba/store/web_pages.h"
#include "ebba/store/web_person.h"

/* A string or null (NULL); anything else is an error naming what. */
static int nullable_string(json_t *v, const char *what, const char **out, struct ebba_err *err)
{
	*out = NULL;
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ebba_errf(err, "findings: %s: expected a string or null", what);
	*out = json_string_value(v);
	return 0;
}

static int read_line(json_t *l, size_t i, struct web_finding_line *out, struct ebba_err *err)
{
	const char *kind = NULL, *verdict = NULL;
	json_t *reason = NULL;
	json_int_t amount = 0, applied = 0;
	*out = (struct web_finding_line){0};
	if (json_unpack(l, "{s:s}", "kind", &kind) != 0 || !verdict_kind_parse(kind, &out->kind))
		return ebba_errf(err, "findings: line %zu: kind %s is not cost, check or income", i,
				 kind ? kind : "(missing)");
	int rc;
	switch (out->kind) {
	case VERDICT_COST:
		rc = store_web_unpack(l, "findings: a cost line", err, "{s:s,s:s,s:I,s:I,s:o}", "kind", &kind,
				      "type", &out->type, "accepted", &amount, "applied", &applied,
				      "reason", &reason);
		break;
	case VERDICT_INCOME:
		rc = store_web_unpack(l, "findings: an income line", err, "{s:s,s:s,s:I,s:I,s:o}", "kind",
				      &kind, "type", &out->type, "counted", &amount, "declared", &applied,
				      "reason", &reason);
		break;
	default:
		rc = store_web_unpack(l, "findings: a check line", err, "{s:s,s:s,s:s,s:o}", "kind", &kind,
				      "check", &out->check, "verdict", &verdict, "reason", &reason);
		if (rc == 0 && strcmp(verdict, "accept") != 0 && strcmp(verdict, "reject") != 0)
			return ebba_errf(err, "findings: line %zu: verdict %s is not accept or reject", i,
					 verdict);
		out->reject = rc == 0 && strcmp(verdict, "reject") == 0;
		break;
	}
	if (rc != 0)
		return -1;
	out->amount = amount;
	out->applied = applied;
	return nullable_string(reason, "a line's reason", &out->reason, err);
}

int store_web_person_findings_read(json_t *findings, struct web_person_findings *out,
			     struct ebba_err *err)
{
	*out = (struct web_person_findings){0};
	json_t *lines, *reason;
	int differs;
	if (store_web_unpack(findings, "findings", err, "{s:o,s:o,s:s,s:s,s:b}", "lines", &lines,
			     "reason", &reason, "referring_ruleset_sha256",
			     &out->referring_ruleset_sha256, "ruleset_sha256", &out->ruleset_sha256,
			     "ruleset_differs", &differs) != 0)
		return -1;
	if (!json_is_array(lines))
		return ebba_errf(err, "findings: lines: expected an array");
	out->ruleset_differs = differs;
	out->lines = xcalloc(json_array_size(lines) + 1, sizeof(*out->lines));
	out->doc_ = json_incref(findings);
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		if (read_line(l, i, &out->lines[i], err) != 0) {
			store_web_person_findings_free(out);
			return -1;
		}
		out->n_lines++;
	}
	if (nullable_string(reason, "reason", &out->reason, err) != 0) {
		store_web_person_findings_free(out);
		return -1;
	}
	return 0;
}

void store_web_person_findings_free(struct web_person_findings *f)
{
	free(f->lines);
	json_decref(f->doc_);
	*f = (struct web_person_findings){0};
}
