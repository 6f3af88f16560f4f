/*
 * The application document (docs/architecture.md §3, docs/application.md):
 * parse from bytes, validate against the embedded XSD, then check what an
 * XSD cannot (check digits, one applicant, references, ages).
 *
 * Ownership: a parsed `struct application` is ONE allocation; every string
 * and array in it points inside that block.  Free it with
 * application_free().  It does not refer to the input bytes.
 *
 * Errors: one line, "line N: WHAT: message", e.g.
 *   line 7: person/@pnr: check digit is 4, expected 5
 * or, for the document as a whole, "document: message".  Never a full
 * personal identity number.
 *
 * Threads: an app_parser is used by one thread at a time; make one per
 * thread.  The compiled schema is shared (compiled once per process).
 */
#ifndef EBBA_APPLICATION_H
#define EBBA_APPLICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/error.h"
#include "ebba/lib/pnr.h"

#define APP_NS "urn:ebba:application:1"
#define APP_DEFAULT_MAX_BYTES (256u * 1024u)
#define APP_DEFAULT_MAX_DEPTH 32
#define APP_MAX_AMOUNT 99999999  /* kronor; also in the XSD */
#define APP_CHILD_MAX_AGE 20     /* a child is under 21 on the first day of the period */

enum app_kind { APP_KIND_REPEAT, APP_KIND_NEW };

enum person_role { ROLE_APPLICANT, ROLE_CO_APPLICANT, ROLE_CHILD };

enum income_type {
	INCOME_SALARY, INCOME_UNEMPLOYMENT_BENEFIT, INCOME_ACTIVITY_SUPPORT,
	INCOME_SICKNESS_BENEFIT, INCOME_PARENTAL_BENEFIT, INCOME_HOUSING_ALLOWANCE,
	INCOME_CHILD_ALLOWANCE, INCOME_MAINTENANCE_SUPPORT, INCOME_STUDENT_AID,
	INCOME_PENSION, INCOME_ESTABLISHMENT_BENEFIT, INCOME_ACTIVITY_COMPENSATION,
	INCOME_OTHER,
	INCOME_TYPE_COUNT
};

enum cost_type {
	COST_RENT, COST_ELECTRICITY, COST_HOME_INSURANCE, COST_UNION_FEE,
	COST_UNEMPLOYMENT_INSURANCE_FEE, COST_WORK_TRAVEL, COST_CHILDCARE,
	COST_MEDICAL, COST_MEDICINE, COST_DENTAL_EMERGENCY, COST_OTHER,
	COST_TYPE_COUNT
};

enum asset_type { ASSET_BANK, ASSET_VEHICLE, ASSET_PROPERTY, ASSET_OTHER, ASSET_TYPE_COUNT };

/* The document's spelling ("co-applicant", "child_allowance", ...). */
const char *app_kind_name(enum app_kind k);
const char *person_role_name(enum person_role r);
const char *income_type_name(enum income_type t);
const char *cost_type_name(enum cost_type t);
const char *asset_type_name(enum asset_type t);
/* The type with that exact name; -1 if there is none. */
int income_type_from_name(const char *s);
int cost_type_from_name(const char *s);
int asset_type_from_name(const char *s);

struct app_person {
	char pnr[PNR_BUF];           /* normalised, 12 digits */
	enum person_role role;
	bool preschool_lunch;
	bool coordination;           /* samordningsnummer */
	struct date birth;
	int age;                     /* whole years on the first day of the period */
};

struct app_income {
	size_t person;               /* index into persons */
	enum income_type type;
	int64_t amount;
};

struct app_cost {
	enum cost_type type;
	int64_t amount;
};

struct app_asset {
	size_t person;               /* index into persons */
	enum asset_type type;
	int64_t amount;
};

struct application {
	const char *id;              /* application id, e.g. "EB-2026-12-000123" */
	const char *case_id;
	enum app_kind kind;
	char period[8];              /* "YYYY-MM" */
	int period_year, period_month;
	const char *submitted;       /* as written, e.g. "2026-11-24T21:13:05+01:00" */
	int64_t submitted_epoch;     /* seconds since 1970-01-01 UTC */
	int shared_with;             /* persons at the address outside the case */
	size_t n_persons, n_incomes, n_costs, n_assets;
	struct app_person *persons;  /* document order; exactly one applicant */
	struct app_income *incomes;
	struct app_cost *costs;
	struct app_asset *assets;
	bool changes;
	const char *message;         /* "" when absent or empty; not trimmed */
};

struct app_parse_opts {
	size_t max_bytes;            /* 0: APP_DEFAULT_MAX_BYTES */
	int max_depth;               /* 0: APP_DEFAULT_MAX_DEPTH */
};

struct app_parser;

/*
 * A reusable parser (libxml2 context and schema validation context).
 * opts may be NULL for the defaults.  Fails only if the embedded schema
 * does not compile.  Free with app_parser_free().
 */
struct app_parser *app_parser_new(const struct app_parse_opts *opts, struct ebba_err *err);
void app_parser_free(struct app_parser *p);

/*
 * Parses and validates data[0..len).  On success *out is a new application
 * (free with application_free); on failure *out is NULL and err says why.
 */
int app_parse(struct app_parser *p, const char *data, size_t len, struct application **out,
	      struct ebba_err *err);

/* One-shot convenience: a parser with default options for this call. */
int application_parse(const char *data, size_t len, struct application **out,
		      struct ebba_err *err);

void application_free(struct application *app);

/* The person with that normalised pnr, or NULL. */
const struct app_person *application_person(const struct application *app, const char *pnr);

#endif
