/*
 * The register client: every look-up of a batch of applications in flight
 * at once (docs/architecture.md §1, §5).
 *
 * For each application the caller lists its persons (identity number, age
 * on the first day of the period, adult or not).  registers_fetch() asks
 *   - SSBTEK v10 for every person aged 16 or more, for the income month
 *     (the month before the period applied for), all agencies;
 *   - the attendance service for every adult, for the same month;
 * all on one HTTP engine (include/ebba/lib/http.h), under one deadline per
 * application (cfg deadline_ms from the moment the batch starts), with
 * retries and circuit breakers.  One slow register or person never holds
 * back the rest: each look-up completes on its own, and registers_fetch()
 * returns when every look-up has completed (answered, or failed at its
 * application's deadline at the latest).
 *
 * What comes back, per person (struct reg_person, out fields):
 *   ssbtek: REG_OK with the parsed result (agency parts may still carry an
 *           error: see reg_person_reasons()), or REG_UNAVAILABLE with the
 *           reason "register unavailable: SSBTEK (<why>)", or REG_NOT_ASKED
 *           (under 16).
 *   attendance: REG_OK with the parsed document (attendance_parse(),
 *           about this person and the income month) and its raw XML,
 *           REG_NO_PLAN for HTTP 404,
 *           REG_UNAVAILABLE with "register unavailable: attendance (<why>)",
 *           or REG_NOT_ASKED (not an adult).
 *   evidence: one entry per look-up made, with the exact bytes received
 *           (or the failure reason when nothing usable came), SHA-256,
 *           source, agency and status.
 * A response that is garbage (not a SOAP envelope, not an attendance
 * document) is retried like a 5xx.  Nothing here decides: the rules refer
 * any application whose required evidence is not REG_OK / REG_NO_PLAN.
 *
 * Ownership: the caller owns the applications and persons arrays and the
 * input strings; the out fields are owned by each person and released by
 * reg_person_clear() (or reg_application_clear() for all persons).
 */
#ifndef EBBA_REGISTERS_H
#define EBBA_REGISTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/registers/attendance.h"
#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "ebba/registers/evidence.h"
#include "ebba/registers/ssbtek.h"

enum reg_status {
	REG_NOT_ASKED,      /* not required for this person */
	REG_OK,             /* answered, usable */
	REG_NO_PLAN,        /* attendance only: HTTP 404, no plan on record */
	REG_UNAVAILABLE,    /* no usable answer within the deadline; see reason */
};
const char *reg_status_name(enum reg_status s);   /* "not_asked", "ok", ... */

#define REG_MAX_EVIDENCE 2

struct reg_person {
	/* in */
	const char *pnr;               /* 12 digits */
	int age;                       /* on the first day of the period */
	bool adult;                    /* applicant or co-applicant */
	/* out: SSBTEK */
	enum reg_status ssbtek_status;
	struct ssbtek_result ssbtek;   /* valid when REG_OK */
	char ssbtek_reason[600];       /* when REG_UNAVAILABLE */
	/* out: attendance */
	enum reg_status attendance_status;
	struct attendance attendance;  /* REG_OK: parsed */
	char *attendance_xml;          /* REG_OK: the document, NUL-terminated */
	size_t attendance_len;
	char attendance_reason[600];   /* when REG_UNAVAILABLE */
	/* out: what was received, for ebba.register_evidence */
	struct evidence evidence[REG_MAX_EVIDENCE];   /* SSBTEK first */
	size_t n_evidence;
};

struct reg_application {
	/* in */
	const char *id;                /* external id, for logs */
	const char *case_id;           /* sent to SSBTEK as arendeidentitet */
	const char *period;            /* "YYYY-MM" applied for */
	struct reg_person *persons;
	size_t n_persons;
	/* out */
	double seconds;                /* from start to its last look-up done */
};

struct registers;

/*
 * cfg is read, not kept (strings are copied).  mapping (LEFI codes) is
 * borrowed and must outlive the client; NULL means the compiled-in one.
 * An unconfigured URL is not an error here: look-ups to it complete as
 * REG_UNAVAILABLE "... (not configured)".
 */
int registers_new(const struct register_config *cfg, const struct lefi_mapping *mapping,
		  struct registers **out, struct ebba_err *err);
void registers_free(struct registers *r);

/*
 * Runs every look-up of the batch.  Fails (-1) only on an internal error
 * (libcurl itself, a malformed period or identity number in the input);
 * every register problem is reported per person instead.
 */
int registers_fetch(struct registers *r, struct reg_application *apps, size_t n_apps,
		    struct ebba_err *err);

/*
 * Appends one line per missing piece of evidence of the person, e.g.
 *   register unavailable: SSBTEK (deadline passed after 3 attempts: HTTP 503)
 *   register unavailable: AF (SIM-1: Simulerat fel)
 *   register unavailable: attendance (timeout after 2000 ms)
 * and returns how many it appended (0: everything asked was answered).
 */
size_t reg_person_reasons(const struct reg_person *p, struct ebba_buf *out);

void reg_person_clear(struct reg_person *p);
void reg_application_clear(struct reg_application *a);

#endif
