/*
 * The fact model: what a rule expression can read about one application
 * (docs/fact-model.md describes the names for supervisors).
 *
 * The daemon fills a `struct decision_inputs` (the parsed application, the
 * case frame, what the registers said about each person) and hands it to
 * ruleset_decide() (include/ebba/rules/rules.h).  The facts themselves (CEL
 * values such as `household.members` or `registers.income.salary`) are
 * built lazily, in the decision's arena, the first time an expression reads
 * them.
 *
 * Ownership: everything here is borrowed; the caller keeps the application,
 * frame, register structs and reason strings alive during the decision.
 * Full personal identity numbers never become facts: persons are named by
 * role and index ("sökande", "barn 2").
 */
#ifndef EBBA_FACTS_H
#define EBBA_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/cel/cel.h"
#include "ebba/facts/history.h"
#include "ebba/registers/ssbtek.h"

/* The status of one agency's answer for one person. */
enum agency_status {
	AGENCY_ABSENT,       /* the response had no part for the agency */
	AGENCY_OK,           /* data, read without fault */
	AGENCY_ERROR,        /* the agency answered with an error */
	AGENCY_UNAVAILABLE,  /* no usable answer at all (timeout, 5xx, garbage) */
};
const char *agency_status_name(enum agency_status s);   /* "absent", "ok", "error", "unavailable" */

enum attendance_status {
	ATTENDANCE_OK,
	ATTENDANCE_NO_PLAN,       /* HTTP 404: no plan on record */
	ATTENDANCE_UNAVAILABLE,
};
const char *attendance_status_name(enum attendance_status s);  /* "ok", "no_plan", "unavailable" */

/* What the registers said about one household member. */
struct person_registers {
	bool ssbtek_asked;                            /* aged 16+ so SSBTEK was asked */
	enum agency_status agency[SSBTEK_AGENCY_COUNT];   /* indexed by enum ssbtek_agency */
	const char *agency_reason[SSBTEK_AGENCY_COUNT];   /* NULL or why (error/unavailable) */
	/* Arbetsförmedlingen, meaningful when agency[SSBTEK_AF] is AGENCY_OK */
	bool af_known;                 /* the register said whether the person is registered */
	bool af_registered;
	char af_since[11];             /* "YYYY-MM-DD" or "" */
	int af_scope_percent;          /* -1 unknown */
	char af_latest_report[11];     /* latest activity report, "YYYY-MM-DD" or "" */
	/* Försäkringskassan, meaningful when agency[SSBTEK_FK] is AGENCY_OK: the
	 * highest extent (per cent) of a granted sickness decision covering the
	 * income month; -1 none (ssbtek_month_sickness_percent) */
	int fk_sickness_percent;
	/* Net payments in the income month (the month before the period), whole kronor */
	int64_t income[INCOME_TYPE_COUNT];
	/* Attendance at the labour-market unit, for the income month */
	bool attendance_asked;         /* adults */
	enum attendance_status attendance;
	const char *attendance_reason; /* NULL or why (unavailable) */
	double plan_hours_per_week;
	int64_t scheduled_hours, attended_hours, excused_hours;
};

struct decision_inputs {
	const struct application *app;
	const struct case_frame *frame;        /* NULL: the case has no frame */
	const struct person_registers *regs;   /* app->n_persons entries, or NULL: no look-ups configured */
	const char *today;                     /* "YYYY-MM-DD", the decision date */
	const struct case_history *history;    /* the year's earlier decisions; NULL: not available */
	/* A person's decision run again (decide/verdict.h): "partly_approved"
	 * or "rejected" renders that letter's head (letters.partly_approved,
	 * letters.rejected) into the decision's letter whatever the outcome;
	 * NULL for ebba's own decisions. */
	const char *person_letter;
};

/*
 * Fills pr from an SSBTEK result for one person (status REG_OK), taking the
 * net payments of income_month ("YYYY-MM").  Leaves the attendance fields
 * alone.  Agencies whose part is an error get AGENCY_ERROR with felkod and
 * felmeddelande as the reason (pointing into r).
 */
void person_registers_from_ssbtek(struct person_registers *pr, const struct ssbtek_result *r,
				  const char *income_month);

/* Marks every agency of pr unavailable with the reason (borrowed). */
void person_registers_unavailable(struct person_registers *pr, const char *reason);

/*
 * A person's attendance as rule expressions read it (person.attendance):
 * whole hours, and the share (attended + excused) / scheduled in whole per
 * cent, rounded down (100 when nothing was scheduled); all 0 unless the
 * plan answered.  The decision's trace records it (decide.c) so that the
 * decision page shows the figure the rule used, not one of its own.
 */
struct fact_attendance {
	bool ok;
	int64_t scheduled, attended, excused, percent;
};
struct fact_attendance fact_attendance(const struct person_registers *pr);

/*
 * The top-level fact names (NULL-terminated): "application", "household",
 * "adults", "children", "incomes", "costs", "assets", "frame", "registers",
 * "months_on_assistance", "today".  Parameters are "params.NAME", derived
 * facts their own names, the calculation "calc.norm" etc.
 */
extern const char *const FACT_NAMES[];

/* A person's label in messages: "sökande", "medsökande", "barn 1", ... */
void fact_person_label(const struct application *app, size_t i, char *out, size_t n);

/*
 * Builds the value of top-level fact `name` (one of FACT_NAMES) in arena.
 * Returns false for an unknown name.
 */
bool facts_build(const struct decision_inputs *in, const char *name, struct cel_arena *arena,
		 struct cel_value *out);

#endif
