/*
 * The attendance document of the municipal labour-market unit
 * (docs/architecture.md §5.2), namespace urn:ebba:plan:1:
 *
 *   <attendance xmlns="urn:ebba:plan:1" pnr="198503122395" period="2026-11">
 *     <plan id="P-881" hours-per-week="40" from="2026-03-01"/>
 *     <activity type="sfi" scheduled-hours="60" attended-hours="57" excused-hours="3"/>
 *   </attendance>
 *
 * Hours may have up to two decimals ("7.5"); they are kept as whole
 * hundredths of an hour (int64), so totals are exact.  Each activity must
 * satisfy attended + excused <= scheduled (no more hours accounted for than
 * were planned).  The ratios are per mille and rounded DOWN, so 89.96 % is
 * 899, never 900: a threshold such as "at least 90 %" is never met by
 * rounding.
 *
 * Parsing is hardened like every outside document (include/ebba/lib/xmlsafe.h):
 * no DTD, no entities, no network, ATTENDANCE_MAX_BYTES, a depth limit.
 */
#ifndef EBBA_ATTENDANCE_H
#define EBBA_ATTENDANCE_H

#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/error.h"

#define ATTENDANCE_NS "urn:ebba:plan:1"
#define ATTENDANCE_MAX_BYTES (1u << 20)
#define ATTENDANCE_MAX_ACTIVITIES 1000
#define ATTENDANCE_MAX_HOURS 744          /* hours in 31 days: per activity and kind */

struct attendance_activity {
	char type[64];                 /* "sfi", "work_training", ... */
	int64_t scheduled, attended, excused;   /* hundredths of an hour */
};

struct attendance {
	char pnr[13];
	char period[8];                /* YYYY-MM: the month the hours are for */
	char plan_id[64];
	int hours_per_week;            /* the plan's hours per week, 0..168 */
	char plan_from[11];            /* YYYY-MM-DD */
	struct attendance_activity *activities;   /* owned; n_activities of them */
	size_t n_activities;
	/* Totals over the activities, hundredths of an hour. */
	int64_t scheduled, attended, excused;
	int attended_permille;         /* attended / scheduled; -1 if nothing was scheduled */
	int accounted_permille;        /* (attended + excused) / scheduled; -1 likewise */
};

/*
 * Parses and checks body.  expect_pnr and expect_period, when not NULL, must
 * match the document's (an answer about another person or month is an
 * error).  Errors say what and where ("attendance:3: activity: attended-hours
 * is not a number of hours").  On success free *out with attendance_free();
 * on failure it holds nothing to free.
 */
int attendance_parse(const char *body, size_t len, const char *expect_pnr,
		     const char *expect_period, struct attendance *out, struct ebba_err *err);
void attendance_free(struct attendance *a);

#endif
