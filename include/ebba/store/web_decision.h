/*
 * Beslut (/beslut/ID, and Pröva and Komplettering, which show it again):
 * one decision with what it rests on, as a typed view (architecture.md
 * §14.13, "Page view models").  store_web_decision() runs one query on the
 * person's own connection (the grants and row policies apply) and unpacks
 * its JSON document strictly (store_web_unpack): a key the struct holds
 * that the SQL did not return, or the other way round, is an error naming
 * it; a closed set's unknown name is an error naming the name.
 *
 * Ownership: every string, list and json_t of a struct web_decision_view
 * points into the view's own document or arrays; they live until
 * store_web_decision_view_free(), which releases everything the view holds (and
 * may be called on a zeroed view).  A string documented as nullable is
 * NULL when the database holds none.
 */
#ifndef EBBA_STORE_WEB_DECISION_H
#define EBBA_STORE_WEB_DECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ebba/decide/decision.h"
#include "ebba/lib/error.h"
#include "ebba/lib/evidence_kind.h"
#include "ebba/lib/outcome.h"
#include "ebba/rules/rules.h"
#include "ebba/store/web_decision_trace.h"

/* An amount in whole kronor that may be absent (a rejection's). */
struct web_amount {
	bool has;
	int64_t kr;
};

/* A check of the decision; failed and erred first, then in the rule set's order. */
struct web_decision_check {
	const char *id;
	enum rule_result result;
	const char *message;          /* nullable */
};

/* A register answer as stored (register_evidence), without its bytes. */
struct web_decision_evidence {
	int64_t id;
	enum ev_source source;
	const char *agency;           /* "SSBTEK", "PLAN", "AF", ... */
	const char *person_ref;       /* "0:sökande" */
	enum ev_status status;
	const char *fetched_at;       /* nullable */
	const char *sha256;           /* nullable */
	bool has_bytes;               /* the raw answer is stored (and downloadable) */
	int64_t bytes;
};

struct web_decision_flag {
	int64_t id;
	enum decision_flag_kind kind;
	const char *reason;           /* nullable */
	bool open;
	const char *verdict;          /* nullable: "ok", "not-ok" once resolved */
	const char *resolved_by;      /* nullable */
	const char *resolved_at;      /* nullable */
};

/* Another decision: a caseworker's on this one (reviews) or the case's others (history). */
struct web_decision_other {
	int64_t id;
	const char *period;           /* history only; NULL for a review */
	enum outcome outcome;
	struct web_amount amount;
	const char *decided_by;
	const char *decided_at;
	const char *note;             /* reviews only; nullable */
};

struct web_decision_file {
	int64_t id;
	const char *filename;
	const char *media_type;
	int64_t bytes;
	const char *sha256;
};

/* A komplettering asked for (schema 027). */
struct web_decision_request {
	const char *state;            /* ebba.completion_state: "waiting", "expired", "answered" */
	const char *deadline;
	const char *requested_by;
	const char *requested_at;
	const char *message;          /* nullable */
	json_t *documents;            /* the stored list of what was asked ([{text, ...}]) */
	struct web_decision_file *files;
	size_t n_files;
};

/* Who has taken the case (schema 028). */
struct web_decision_assignment {
	const char *person;
	const char *since;
	bool mine;
};

/* What ebba proposed, on a person's decision of a referral. */
struct web_decision_referral {
	struct web_amount amount;
	const char *ruleset_sha256;
	const char **failed;          /* the failed checks' messages */
	size_t n_failed;
};

struct web_decision_view {
	int64_t id;
	const char *external_id;      /* nullable */
	const char *case_id;
	const char *period;
	enum outcome outcome;
	struct web_amount amount, norm, costs, incomes;
	const char *ruleset_name, *ruleset_version, *ruleset_sha256;
	const char *decided_at;
	const char *decided_by;
	const char *note;             /* nullable */
	bool by_ebba;                 /* ebba's own (from the inbox), not a person's */
	const char *received;         /* nullable: when the application arrived */
	json_t *trace;                /* nullable: the stored rule trace, as stored */
	struct web_decision_trace trace_view;   /* what the page reads of it */
	json_t *findings;             /* nullable: a person's stored findings (issue 25) */
	const char *letter;           /* nullable: the stored letter */
	const char *decider;          /* nullable: a person's name and title */
	struct web_decision_check *checks;
	size_t n_checks;
	struct web_decision_evidence *evidence;
	size_t n_evidence;
	struct web_decision_flag *flags;
	size_t n_flags;
	struct web_decision_other *reviews;
	size_t n_reviews;
	struct web_decision_other *history;
	size_t n_history;
	bool has_reviewed;            /* a person's: the referral it decides */
	int64_t reviewed;
	bool has_redecided;           /* ebba decided it again (after komplettering or a register) */
	int64_t redecided;
	bool has_redecides;           /* this one decides again */
	int64_t redecides;
	bool redecided_register;      /* ... because a register had not answered */
	bool redecides_register;
	bool has_request;
	struct web_decision_request request;
	bool has_assignment;
	struct web_decision_assignment assignment;
	bool has_referral;
	struct web_decision_referral referral;
	json_t *doc_;                 /* private: everything above points into it */
};

/* Decision id into *out; *found false (and 0) when there is no such
 * decision the person may see, or id is not a decision id. */
int store_web_decision(PGconn *db, const char *id, struct web_decision_view *out, bool *found,
		       struct ebba_err *err);
/* The query's document doc (whose reference the view takes, whatever the
 * answer) into *out: what store_web_decision() does with its answer. */
int store_web_decision_view_read(json_t *doc, struct web_decision_view *out, struct ebba_err *err);
void store_web_decision_view_free(struct web_decision_view *v);

#endif
