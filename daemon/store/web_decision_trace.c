/* Beslut's reading of a stored rule trace (include/ebba/store/web_decision_trace.h). */
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/util.h"
#include "ebba/store/web_decision_trace.h"

static const char *str_or_empty(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int64_t int_or_zero(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static bool has_int(const json_t *o, const char *key)
{
	return json_is_integer(json_object_get(o, key));
}

static bool is_true(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* The strings of list a (a member that is not one reads as ""). */
static const char **strings(const json_t *a, size_t *n)
{
	*n = json_array_size(a);
	if (!*n)
		return NULL;
	const char **out = xcalloc(*n, sizeof(*out));
	for (size_t i = 0; i < *n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		out[i] = s ? s : "";
	}
	return out;
}

static void read_line(const json_t *l, struct web_trace_line *out)
{
	*out = (struct web_trace_line){
		.part = str_or_empty(l, "part"), .type = str_or_empty(l, "type"),
		.what = str_or_empty(l, "what"), .basis = str_or_empty(l, "basis"),
		.has_amount = has_int(l, "amount"), .amount = int_or_zero(l, "amount"),
		.shared_with = int_or_zero(l, "shared_with"), .whole_home = int_or_zero(l, "whole_home"),
		.has_applied = has_int(l, "applied"), .applied = int_or_zero(l, "applied"),
		.ceiling = int_or_zero(l, "ceiling"), .approved = is_true(l, "approved"),
		.capped = is_true(l, "capped"), .has_declared = has_int(l, "declared"),
		.declared = int_or_zero(l, "declared"), .register_kr = int_or_zero(l, "register"),
		.differs = is_true(l, "differs"), .checked = is_true(l, "checked"),
	};
}

static void read_person(const json_t *r, struct web_trace_person *out)
{
	const json_t *f = json_object_get(r, "attendance_figures");
	*out = (struct web_trace_person){
		.ssbtek_reason = json_string_value(json_object_get(r, "ssbtek_reason")),
		.attendance_reason = json_string_value(json_object_get(r, "attendance_reason")),
		.has_figures = json_is_object(f),
		.scheduled = int_or_zero(f, "scheduled"), .attended = int_or_zero(f, "attended"),
		.excused = int_or_zero(f, "excused"), .percent = int_or_zero(f, "percent"),
	};
}

void store_web_decision_trace_read(const json_t *trace, struct web_decision_trace *out)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(trace))
		return;
	out->present = true;
	const json_t *rules = json_object_get(trace, "rules");
	const json_t *lines = json_object_get(rules, "lines");
	out->has_lines = json_is_array(lines);
	out->n_lines = json_array_size(lines);
	out->lines = out->n_lines ? xcalloc(out->n_lines, sizeof(*out->lines)) : NULL;
	for (size_t i = 0; i < out->n_lines; i++)
		read_line(json_array_get(lines, i), &out->lines[i]);
	const json_t *regs = json_object_get(trace, "registers");
	out->n_persons = json_array_size(regs);
	out->persons = out->n_persons ? xcalloc(out->n_persons, sizeof(*out->persons)) : NULL;
	for (size_t i = 0; i < out->n_persons; i++)
		read_person(json_array_get(regs, i), &out->persons[i]);
	out->calculation_notes = strings(json_object_get(trace, "calculation_notes"),
					 &out->n_calculation_notes);
	out->notes = strings(json_object_get(rules, "notes"), &out->n_notes);
	out->provisional = strings(json_object_get(rules, "provisional"), &out->n_provisional);
	out->delegation = json_string_value(json_object_get(json_object_get(rules, "delegation"), "label"));
}

void store_web_decision_trace_free(struct web_decision_trace *t)
{
	free(t->lines);
	free(t->persons);
	free(t->calculation_notes);
	free(t->notes);
	free(t->provisional);
	memset(t, 0, sizeof(*t));
}
