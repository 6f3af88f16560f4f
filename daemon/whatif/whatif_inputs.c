/*
 * One stored decision's inputs rebuilt, the way `ebbactl replay` rebuilds
 * them (include/ebba/whatif/whatif.h): the document parsed again, the
 * frame, date and the year's history from ebba.decision_inputs (schema
 * 032), and the registers' answers from the stored evidence through the
 * evidence source, so the same parsers read the same bytes and
 * decide_application() sees what ebba saw.  The trace is not read: its
 * inputs used to be picked out of ~9 kB of mostly the rules' own trace
 * (with a partial JSON scanner, json_drop, to skip that part).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

static int frame_from_stored(const struct stored_inputs *si, struct whatif_inputs *in,
			     struct ebba_err *err)
{
	if (!si->frame[0])
		return 0;
	int rc = case_frame_from_json(si->frame, strlen(si->frame), &in->frame, err);
	in->has_frame = rc == 0;
	return rc;
}

/* The history is read by its own parser, which takes the stored text. */
static int history_from_stored(const struct stored_inputs *si, struct whatif_inputs *in,
			       struct ebba_err *err)
{
	if (!si->history[0])
		return 0;
	if (!in->history)
		in->history = xmalloc(sizeof(*in->history));
	int rc = case_history_from_json("stored history", si->history, strlen(si->history),
					in->app->period, in->history, err);
	in->has_history = rc == 0;
	return rc;
}

/* The per-person reasons, when the registers were asked: a short array. */
static int reasons_from_stored(const struct stored_inputs *si, struct whatif_inputs *in,
			       struct ebba_err *err)
{
	if (!si->register_reasons[0])
		return 0;
	in->reasons = json_loads(si->register_reasons, 0, NULL);
	if (!json_is_array(in->reasons))
		return ebba_errf(err, "registrens lagrade skäl läses inte");
	return 0;
}

int whatif_inputs_build(struct app_parser *parser, const struct whatif_row *row,
			const struct whatif_evidence *ev, struct whatif_inputs *in,
			struct ebba_err *err)
{
	const struct stored_inputs *si = &row->inputs;
	if (app_parse(parser, row->document, row->document_len, &in->app, err) != 0)
		return ebba_err_prefix(err, "det lagrade dokumentet läses inte");
	if (frame_from_stored(si, in, err) != 0)
		return ebba_err_prefix(err, "den lagrade referensramen läses inte");
	if (history_from_stored(si, in, err) != 0)
		return ebba_err_prefix(err, "årets lagrade historik läses inte");
	in->today = si->decided_on;
	if (!in->today[0])
		return ebba_errf(err, "beslutsdagen finns inte bland beslutets lagrade indata");
	if (strcmp(si->registers_configured, "t") != 0)
		return 0;
	if (reasons_from_stored(si, in, err) != 0)
		return -1;
	/* only now: whatif_inputs_clear then clears persons sized for this document */
	in->registers_configured = true;
	return rebuild_persons(row, ev, in->reasons, in, err);
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
	json_decref(in->reasons);
	in->reasons = NULL;
	in->today = NULL;
}

void whatif_inputs_free(struct whatif_inputs *in)
{
	whatif_inputs_clear(in);
	free(in->persons);
	free(in->history);
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
