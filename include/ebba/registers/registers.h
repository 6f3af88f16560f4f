/*
 * What the registers answered about the persons of a batch of applications
 * (docs/architecture.md §1, §5), from one of three sources behind one
 * interface:
 *
 *   live       SSBTEK v10 and the attendance service over HTTP
 *              (registers_live_new), for the daemon;
 *   fixtures   a directory of answers (registers_fixtures_new), for
 *              `ebbactl calc`;
 *   evidence   the bytes stored with a decision (registers_evidence_new),
 *              for `ebbactl replay`.
 *
 * Every source fills the same struct reg_person with the same parsers, so
 * everything after "the registers answered" is one code path, and the
 * worker, calc and replay all call registers_fetch().
 *
 * Who is asked what (live and fixtures; evidence has what was recorded):
 *   SSBTEK for every person aged 16 or more, for the income month (the
 *   month before the period applied for), all agencies; the attendance
 *   service for every adult, for the same month.
 *
 * The live source runs every look-up of the batch in flight at once on one
 * HTTP engine (include/ebba/lib/http.h), under one deadline per application
 * (cfg deadline_ms from the moment the batch starts), with retries and
 * circuit breakers.  One slow register or person never holds back the
 * rest: each look-up completes on its own.  It waits in slices of at most
 * REG_SLICE_MS; each slice it calls the caller's keepalive and asks the
 * caller's stop deadline (struct reg_fetch_ctl), and once that has passed
 * it abandons what is still in flight (see registers_fetch()).
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
 *           source, agency and status; SSBTEK first.
 * A live response that is garbage (not a SOAP envelope, not an attendance
 * document) is retried like a 5xx.  Nothing here decides: the rules refer
 * any application whose required evidence is not REG_OK / REG_NO_PLAN.
 *
 * Names: registers_* for the sources and what they do (new, fetch, free),
 * reg_* for the records they fill and what is done with one record.
 *
 * Ownership: the caller owns the applications and persons arrays and the
 * input strings; the out fields are owned by each person and released by
 * reg_person_clear() (or reg_application_clear() for all persons).
 */
#ifndef EBBA_REGISTERS_H
#define EBBA_REGISTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/intake/application.h"
#include "ebba/lib/config.h"
#include "ebba/lib/error.h"
#include "ebba/lib/evidence_kind.h"
#include "ebba/registers/attendance.h"
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
	char *ssbtek_reason;           /* REG_UNAVAILABLE: why; owned, else NULL */
	/* out: attendance */
	enum reg_status attendance_status;
	struct attendance attendance;  /* REG_OK: parsed */
	char *attendance_xml;          /* REG_OK: the document, NUL-terminated */
	size_t attendance_len;
	char *attendance_reason;       /* REG_UNAVAILABLE: why; owned, else NULL */
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
	bool abandoned;                /* a look-up was cut off by a stop: do not decide */
};

/*
 * Fills a's inputs from a parsed application: its id, case and period, and
 * one person each (identity number, age, adult or not) into persons, which
 * has app->n_persons zeroed entries.  a borrows app and persons.
 */
void reg_application_init(struct reg_application *a, const struct application *app,
			  struct reg_person *persons);

/* The longest a fetch waits without asking its ctl (one curl_multi_poll). */
#define REG_SLICE_MS 1000

/* The caller's say in a fetch that may take a while. */
struct reg_fetch_ctl {
	/*
	 * The now_usec() time by which a stopping caller must have the batch
	 * back, or UINT64_MAX while no stop was asked for.  Asked every slice;
	 * it must be cheap (ebbad's reads its signalfd).  NULL: never stop.
	 */
	uint64_t (*stop_deadline)(void *arg);
	/* Called every slice while look-ups are in flight, so that a long
	 * wait keeps a watchdog fed; NULL: none. */
	void (*keepalive)(void *arg);
	void *arg;
	/* The longest slice in ms, 1..REG_SLICE_MS (0, or more: REG_SLICE_MS).
	 * ebbad makes it a quarter of WatchdogSec when that is shorter. */
	int slice_ms;
};

/* ctl's stop deadline: UINT64_MAX when ctl or its callback is NULL. */
uint64_t reg_fetch_stop_deadline(const struct reg_fetch_ctl *ctl);

/* A source of register answers; made by one of the registers_*_new below. */
struct registers;

/*
 * The live client.  cfg is read, not kept (strings are copied).  mapping
 * (LEFI codes) is borrowed and must outlive the client; NULL means the
 * compiled-in one.  An unconfigured URL is not an error here: look-ups to
 * it complete as REG_UNAVAILABLE "... (not configured)".
 */
int registers_live_new(const struct register_config *cfg, const struct lefi_mapping *mapping,
		       struct registers **out, struct ebba_err *err);

/*
 * Answers from a directory (docs/architecture.md §5.3):
 * DIR/ssbtek/<pnr>.xml for everyone aged 16+ (none: a response with no
 * agency data) and DIR/plan/<pnr>.xml for adults (none: no plan).  dir is
 * copied.  A file that cannot be read or parsed fails the fetch.  Free
 * with registers_free().
 */
struct registers *registers_fixtures_new(const char *dir);

/* One stored look-up, as ebba.register_evidence and the trace keep it. */
struct reg_record {
	size_t app, person;            /* indexes into the fetch's apps and their persons */
	enum ev_source source;
	enum ev_status status;         /* EV_OK, EV_NOT_FOUND; anything else reads as unavailable */
	const void *raw;               /* the bytes received */
	size_t len;
	const char *reason;            /* not EV_OK: the stored reason, or NULL */
};

/*
 * Answers from stored evidence: each fetch applies every record added, in
 * order.  A record naming a person the fetch does not have, or an answer
 * stored as EV_OK that no longer parses, fails the fetch.  scratch
 * (borrowed, or NULL) is kept by the caller from source to source for
 * parsing SSBTEK's answers (ssbtek.h); the source uses it in fetch only.
 * Free with registers_free().
 */
struct registers *registers_evidence_new(struct ssbtek_scratch *scratch);
/* Copies rec (and the bytes and strings it points to) into the source. */
void registers_evidence_add(struct registers *r, const struct reg_record *rec);

void registers_free(struct registers *r);

/*
 * Counts the live source's look-ups into m (docs/architecture.md §13);
 * the other sources are not counted.  m must outlive r.  Labels: register
 * "ssbtek" or "attendance"; agency the evidence's names, each SSBTEK part
 * ("AF", "CSN", "FK", ...) or "PLAN" for attendance.  One SSBTEK answer
 * carries every agency, so it counts once for each of them, with its
 * part's result ("ok", "agency_error") or, when no usable answer came,
 * the failure's kind (http_failure_name()); its duration is observed for
 * each too, unless it failed fast without going out (circuit open).
 * Look-ups abandoned at a stop are not counted.
 *   ebba_register_requests_total{register,agency,result}
 *   ebba_register_request_duration_seconds{register,agency}  (retries included)
 *   ebba_circuit_breaker_open{register,agency}   1 while not closed
 */
struct metrics;
void registers_count_into(struct registers *r, struct metrics *m);

/*
 * Runs every look-up of the batch.  The persons' out fields must be zero
 * (fresh, or reg_person_clear()ed).  ctl may be NULL.
 *
 * Once ctl's stop deadline has passed, the live source abandons every
 * look-up still in flight: those persons are REG_UNAVAILABLE ("... (abandoned:
 * the daemon is stopping)") and their applications have abandoned set, so
 * that the caller gives the batch back undecided.  That is not a failure.
 *
 * Fails (-1) on an internal error (libcurl itself, a malformed period or
 * identity number in the input) and, for the offline sources, when an
 * answer cannot be read or parsed; every live register problem is
 * reported per person instead.
 */
int registers_fetch(struct registers *r, struct reg_application *apps, size_t n_apps,
		    const struct reg_fetch_ctl *ctl, struct ebba_err *err);

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
