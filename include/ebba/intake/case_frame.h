/*
 * The case frame (referensram, docs/architecture.md §4): what the caseworker
 * decided when the case was last assessed.  Written as YAML by people
 * (`ebbactl case set`), stored as JSON next to the YAML, printed back as
 * YAML (`ebbactl case show`).
 *
 * Ownership: struct case_frame is a plain value with fixed-size fields; it
 * owns no memory, may live on the stack and is copied with '='.  Only the
 * strings returned by the *_to_json / *_to_yaml functions are malloc'd.
 *
 * Errors: "FILE:LINE:COLUMN: message" (1-based), e.g.
 *   frame.yaml:3:1: unknown key 'automaton' (did you mean 'automation'?)
 * For JSON (which has no useful positions) "NAME: message".  The message
 * names the key ("household: check digit is 4, expected 5") and never holds a
 * full personal identity number.
 */
#ifndef EBBA_CASE_FRAME_H
#define EBBA_CASE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/intake/application.h"
#include "ebba/lib/error.h"
#include "ebba/lib/pnr.h"
#include "ebba/lib/yaml.h"

#define FRAME_MAX_BYTES (64u * 1024u)   /* YAML or JSON text */
#define FRAME_MAX_DEPTH 8               /* nesting of YAML collections */
#define FRAME_MAX_PERSONS 32
#define FRAME_ID_MAX 64                 /* case id, as in the application XSD */
#define FRAME_REASON_MAX 200            /* bytes of an exemption reason */
#define FRAME_MAX_MONTHS 1200

enum frame_capacity { CAPACITY_FULL, CAPACITY_PARTIAL, CAPACITY_NONE };
enum frame_plan { PLAN_REQUIRED, PLAN_EXEMPT };

const char *frame_capacity_name(enum frame_capacity c);
const char *frame_plan_name(enum frame_plan p);

#define FRAME_MAX_BREAKS 8              /* activity breaks (12 kap. 4 f §) per adult */
#define FRAME_BREAK_MAX_DAYS 28         /* up to four weeks per calendar year */
#define FRAME_NOTE_MAX 200

/* What the aktivitetskrav (socialtjänstlagen (2025:400) 12 kap. 4 a-4 f §§)
 * needs to know about an adult that no register tells ebba; every key is
 * optional (docs/application.md, "The case frame"). */
struct frame_activity_break {
	struct date from, to;                /* both included */
};

struct frame_aktivitetskrav {
	int hours_able;                      /* hours a week the person can take part (4 b §); -1 not recorded */
	char occupation[12];                 /* "" none, or employment|programme|sfi|other (4 a § 3, 4 b § 1) */
	bool occupation_full_time;
	int occupation_hours;                /* hours a week of part-time occupation */
	bool studies;                        /* 18-20 and studying in grundskola, gymnasieskola or the like */
	int sickness_percent;                /* extent of sjukpenning etc. (4 a § 5); -1 not recorded */
	bool parental_leave;                 /* on parental leave (4 a § 6) */
	bool formedlingsinsatser;            /* placed part time in förmedlingsinsatser (SoF 12 kap. 4 §) */
	int job_search_hours;                /* set aside in the plan to seek work (4 b § 2, 4 e §) */
	int other_duties_hours;              /* other duties (4 b § 3) */
	size_t n_breaks;
	struct frame_activity_break breaks[FRAME_MAX_BREAKS];   /* 4 f § */
};

struct frame_adult {
	char pnr[PNR_BUF];                   /* normalised; also in household */
	enum frame_capacity capacity;
	enum frame_plan plan;
	char reason[FRAME_REASON_MAX + 1];   /* required when plan is exempt, else may be "" */
	/* "YYYY-MM": the first month the jobbstimulans disregard applied
	 * (socialtjänstlagen (2025:400) 12 kap. 8 §, före 2025-07-01 4 kap. 1 b §); "" when none is recorded */
	char jobbstimulans_from[8];
	struct frame_aktivitetskrav ak;
};

struct case_frame {
	char case_id[FRAME_ID_MAX + 1];
	bool automation_allowed;             /* "allowed" (true) or "manual" */
	struct date valid_until;
	size_t n_household;
	char household[FRAME_MAX_PERSONS][PNR_BUF];   /* normalised, file order */
	size_t n_adults;
	struct frame_adult adults[FRAME_MAX_PERSONS]; /* file order */
	bool cost_approved[COST_TYPE_COUNT];          /* the key is present */
	int64_t approved_costs[COST_TYPE_COUNT];      /* ceiling, kronor */
	int64_t months_on_assistance;
	bool has_last_decision;              /* last_decision is optional */
	/* From 1 January 2027 (lag 2026:897), recorded by a caseworker: */
	bool sublet_without_consent;         /* rent for a sublet home without the consent needed (12 kap. 7 d §) */
	bool not_lawfully_resident;          /* 12 kap. 2 a § */
	/* skyddade personuppgifter: the database keeps the case from everyone
	 * outside ebba_protected (schema 023, ebba.case_protection) */
	bool protected_identity;
	bool has_limit_exception;            /* synnerliga skäl: the household is not limited (12 kap. 7 a § andra stycket) */
	struct date limit_exception_decided;
	char limit_exception_note[FRAME_NOTE_MAX + 1];
	char last_period[8];                 /* "YYYY-MM" */
	int64_t last_amount;
};

/*
 * Parses and validates YAML text; name is used in messages (usually the
 * file name).  The reader of lib/yaml.h refuses anchors and aliases,
 * repeated keys and more than one document; text over FRAME_MAX_BYTES and
 * nesting deeper than FRAME_MAX_DEPTH are refused too.
 */
int case_frame_parse_yaml(const char *name, const char *data, size_t len, struct case_frame *out,
			  struct ebba_err *err);

/*
 * The one validation of a frame, on a tree read by lib/yaml or built by
 * hand (JSON, the frames of rule tests).  root NULL: "empty file".
 * Messages are at d's name and the nodes' positions.
 */
int case_frame_from_tree(const struct ydoc *d, const struct ynode *root, struct case_frame *out,
			 struct ebba_err *err);

/* Reads path ("-" for stdin) and parses it. */
int case_frame_load(const char *path, struct case_frame *out, struct ebba_err *err);

/* JSON for the database: an object with the same keys as the YAML. malloc'd. */
char *case_frame_to_json(const struct case_frame *f);
/* Parses JSON made by case_frame_to_json (or by hand) with the same checks. */
int case_frame_from_json(const char *json, size_t len, struct case_frame *out,
			 struct ebba_err *err);
/* The same from JSON already parsed (a stored trace's "frame": what-if,
 * replay), without printing it and parsing it again. */
struct json_t;
int case_frame_from_json_value(struct json_t *j, struct case_frame *out, struct ebba_err *err);

/* YAML in the layout of docs/architecture.md §4, for `case show`. malloc'd. */
char *case_frame_to_yaml(const struct case_frame *f);

bool case_frame_in_household(const struct case_frame *f, const char *pnr);
/* The adult entry for pnr, or NULL. */
const struct frame_adult *case_frame_adult(const struct case_frame *f, const char *pnr);

#endif
