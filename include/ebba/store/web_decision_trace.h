/*
 * What Beslut reads of a decision's stored rule trace (decisions.trace,
 * written by decide/decide.c and the rule set), as a typed view: the
 * calculation's lines, what each person's look-ups came to, and the rule
 * set's notes.  The trace is the rules' own document and older decisions'
 * traces lack newer parts, so this reader is not strict: a part that is
 * not there reads as absent (has_* false, NULL, 0), as the page has always
 * shown it, never as an error.
 *
 * Ownership: the strings point into the trace (the caller keeps it alive,
 * e.g. in its struct web_decision_view); the arrays are the view's own,
 * released by store_web_decision_trace_free() (which may be called on a zeroed
 * view).
 */
#ifndef EBBA_STORE_WEB_DECISION_TRACE_H
#define EBBA_STORE_WEB_DECISION_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* One line of the calculation (rules.lines); a figure missing reads as 0. */
struct web_trace_line {
	const char *part;             /* "norm", "costs", "incomes"; "" if none */
	const char *type;             /* the cost's or income's type; "" if none */
	const char *what;             /* the line's own words; "" if none */
	const char *basis;            /* "" if none */
	bool has_amount;
	int64_t amount;
	int64_t shared_with, whole_home;     /* a shared home's rent */
	bool has_applied;             /* a cost against the frame */
	int64_t applied, ceiling;
	bool approved, capped;
	bool has_declared;            /* an income against the registers */
	int64_t declared, register_kr;
	bool differs, checked;
};

/* What a person's look-ups came to (registers[i]). */
struct web_trace_person {
	const char *ssbtek_reason;    /* NULL unless SSBTEK was unavailable */
	const char *attendance_reason;
	bool has_figures;             /* the attendance the rule used */
	int64_t scheduled, attended, excused, percent;
};

struct web_decision_trace {
	bool present;                 /* the decision has a trace (an object) at all */
	bool has_lines;               /* false: decided before the rules kept lines */
	struct web_trace_line *lines;
	size_t n_lines;
	struct web_trace_person *persons;
	size_t n_persons;
	const char **calculation_notes;
	size_t n_calculation_notes;
	const char **notes;           /* the rule set's preliminary values (rules.notes) */
	size_t n_notes;
	const char **provisional;     /* its sentences about them (rules.provisional) */
	size_t n_provisional;
	const char *delegation;       /* NULL: the trace names no delegation */
};

/* trace (may be NULL or not an object: then everything is absent) into *out. */
void store_web_decision_trace_read(const json_t *trace, struct web_decision_trace *out);
void store_web_decision_trace_free(struct web_decision_trace *t);

#endif
