/*
 * One stored decision's inputs rebuilt, the way `ebbactl replay` rebuilds
 * them (include/ebba/whatif/whatif.h): the document parsed again, the
 * frame and the year's history from the trace, and the registers' answers from the stored
 * evidence through the evidence source, so the same parsers read the same
 * bytes and decide_application() sees what ebba saw.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/lib/json_drop.h"
#include "ebba/lib/log.h"
#include "ebba/whatif/whatif.h"

static const char *reason_of(const json_t *regs, size_t person, const char *key)
{
	return json_string_value(json_object_get(json_array_get(regs, person), key));
}

/* A stored row's source and status as the evidence source takes them.  A
 * status other than the table's names reads as unavailable, as any status
 * but ok and not_found always has. */
static int record_kind(const struct whatif_evidence *e, struct reg_record *rec,
		       struct ebba_err *err)
{
	if (!ev_source_parse(e->source, &rec->source))
		return ebba_errf(err, "unknown evidence source '%s'", e->source);
	if (!ev_status_parse(e->status, &rec->status))
		rec->status = EV_UNAVAILABLE;
	return 0;
}

static int rebuild_persons(const struct whatif_row *row, const struct whatif_evidence *ev,
			   const json_t *regs, struct whatif_inputs *in, struct ebba_err *err)
{
	size_t n = in->app->n_persons;
	if (n > in->cap_persons) {
		in->persons = xrealloc(in->persons, n * sizeof(*in->persons));
		in->cap_persons = n;
	}
	memset(in->persons, 0, n * sizeof(*in->persons));
	if (!in->ssbtek_scratch)
		in->ssbtek_scratch = ssbtek_scratch_new();
	struct registers *stored = registers_evidence_new(in->ssbtek_scratch);
	for (size_t r = 0; r < row->n_evidence; r++) {
		const struct whatif_evidence *e = &ev[r];
		size_t person = strtoul(e->person_ref, NULL, 10);
		struct reg_record rec = {.person = person, .raw = e->raw, .len = e->len};
		if (record_kind(e, &rec, err) != 0) {
			registers_free(stored);
			return ebba_err_prefix(err, "registrens lagrade svar läses inte");
		}
		rec.reason = reason_of(regs, person, rec.source == EV_SOURCE_SSBTEK ? "ssbtek_reason"
										     : "attendance_reason");
		registers_evidence_add(stored, &rec);
	}
	struct reg_application a;
	reg_application_init(&a, in->app, in->persons);
	int rc = registers_fetch(stored, &a, 1, NULL, err);
	registers_free(stored);
	if (rc != 0)
		return ebba_err_prefix(err, "registrens lagrade svar läses inte");
	return 0;
}

/* The history is read by its own parser, which takes text. */
static int frame_from_trace(struct whatif_inputs *in, struct ebba_err *err)
{
	json_t *f = json_object_get(in->trace, "frame");
	if (!json_is_object(f))
		return 0;
	int rc = case_frame_from_json_value(f, &in->frame, err);
	in->has_frame = rc == 0;
	return rc;
}

static int history_from_trace(struct whatif_inputs *in, struct ebba_err *err)
{
	json_t *h = json_object_get(in->trace, "history");
	if (!json_is_object(h))
		return 0;
	if (!in->history)
		in->history = xmalloc(sizeof(*in->history));
	/* An object dumps to NULL only when jansson's malloc failed: that
	 * aborts, as every allocation failure does (architecture.md §14.6). */
	char *text = json_dumps(h, JSON_COMPACT);
	if (!text)
		fatal("out of memory dumping the stored history");
	int rc = case_history_from_json("stored history", text, strlen(text), in->app->period,
					in->history, err);
	free(text);
	in->has_history = rc == 0;
	return rc;
}

int whatif_inputs_build(struct app_parser *parser, const struct whatif_row *row,
			const struct whatif_evidence *ev, struct whatif_inputs *in,
			struct ebba_err *err)
{
	if (app_parse(parser, row->document, row->document_len, &in->app, err) != 0)
		return ebba_err_prefix(err, "det lagrade dokumentet läses inte");
	/* The rules' own trace is most of the bytes and none of the inputs. */
	buf_reset(&in->trace_kept);
	if (json_drop_member(row->trace, row->trace_len, "rules", &in->trace_kept) != 0 ||
	    !(in->trace = json_loadb(in->trace_kept.data, in->trace_kept.len, 0, NULL)) ||
	    !json_is_object(in->trace))
		return ebba_errf(err, "beslutets spårning läses inte");
	if (frame_from_trace(in, err) != 0)
		return ebba_err_prefix(err, "den lagrade referensramen läses inte");
	if (history_from_trace(in, err) != 0)
		return ebba_err_prefix(err, "årets historik i beslutets spårning läses inte");
	in->today = json_string_value(json_object_get(in->trace, "today"));
	if (!in->today || !in->today[0])
		return ebba_errf(err, "beslutsdagen finns inte i beslutets spårning");
	in->registers_configured = json_is_true(json_object_get(in->trace, "registers_configured"));
	if (in->registers_configured)
		return rebuild_persons(row, ev, json_object_get(in->trace, "registers"), in, err);
	return 0;
}

void whatif_inputs_clear(struct whatif_inputs *in)
{
	if (in->app && in->persons && in->registers_configured)
		for (size_t i = 0; i < in->app->n_persons; i++)
			reg_person_clear(&in->persons[i]);
	application_free(in->app);
	in->app = NULL;
	in->has_frame = false;
	in->has_history = false;
	in->registers_configured = false;
	json_decref(in->trace);
	in->trace = NULL;
	in->today = NULL;
}

void whatif_inputs_free(struct whatif_inputs *in)
{
	whatif_inputs_clear(in);
	free(in->persons);
	free(in->history);
	buf_free(&in->trace_kept);
	ssbtek_scratch_free(in->ssbtek_scratch);
	*in = (struct whatif_inputs){0};
}

int whatif_redecide(const struct decide_env *env, const struct whatif_inputs *in,
		    struct decision *out, struct ebba_err *err)
{
	struct decide_env e = *env;
	e.registers_configured = in->registers_configured;
	e.draw_sample = false;
	e.history = in->has_history ? in->history : NULL;
	return decide_application(&e, in->app, in->has_frame ? &in->frame : NULL,
				  in->registers_configured ? in->persons : NULL, in->today, out, err);
}
