/*
 * The decision record: everything decide_application() concludes about one
 * application, in the shape the store writes it (ebba.decisions and the
 * tables that hang off it, docs/architecture.md §7) and ebbactl prints it.
 *
 * Ownership: decision_init() once, decision_free() once.  Every string and
 * array is owned by the record (its arena) and stays valid until the next
 * decide_application() into the same record, which reuses the memory, or
 * decision_free().  The one exception are the evidence rows' raw bytes:
 * they are borrowed from the reg_person array given to
 * decide_application() and are valid only as long as those persons are
 * (until reg_person_clear()); the worker completes the batch before it
 * clears them.
 */
#ifndef EBBA_DECISION_H
#define EBBA_DECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/util.h"
#include "ebba/rules/rules.h"

struct cel_arena;

/* One row of ebba.decision_checks. */
struct decision_check {
	const char *id;
	enum rule_result result;
	const char *outcome;        /* "refer" | "reject": what a failure means */
	const char *message;        /* "" for pass and skip */
	int ordinal;                /* 1-based, in the rule set's order */
};

/* One row of ebba.register_evidence. */
struct decision_evidence {
	const char *source;         /* "ssbtek", "attendance" */
	const char *agency;         /* "SSBTEK", "PLAN", or an SSBTEK part: "AF", "FK", ... */
	const char *person_ref;     /* "<index>:<label>" within the household */
	const char *status;
	const char *sha256;
	const char *fetched_at;     /* when the register answered (ISO 8601) */
	const char *raw;            /* borrowed (see above); NULL for a part's summary row */
	size_t raw_len;
};

enum decision_flag_kind { DECISION_FLAG_TARGETED, DECISION_FLAG_SAMPLE };
const char *decision_flag_kind_name(enum decision_flag_kind k);   /* "targeted", "sample" */
/* True and *out set when s is one of the names (s may be NULL). */
bool decision_flag_kind_parse(const char *s, enum decision_flag_kind *out);

/* One row of ebba.audit_flags. */
struct decision_flag {
	enum decision_flag_kind kind;
	const char *reason;
	const char *draw;           /* sample: how it was drawn; targeted: NULL */
};

/*
 * One row of ebba.decision_inputs (schema 032): what replay and what-if
 * decide from besides the document and the evidence, as the trace records
 * it too.  Set only when the decision is traced (decide_env.untraced
 * false); NULL where there is none.
 */
struct decision_replay_inputs {
	const char *decided_on;         /* "YYYY-MM-DD", the date decided on */
	bool registers_configured;
	const char *frame;              /* JSON object, NULL: decided without a frame */
	const char *history;            /* JSON object, NULL: no history of the year */
	/* JSON array, per person: {"ssbtek_reason", "attendance_reason"} where
	 * a look-up failed; NULL when the registers were not asked */
	const char *register_reasons;
};

struct decision {
	const char *external_id, *case_id, *period;
	const char *outcome;        /* "approved" | "referred" | "rejected" */
	bool has_amount;            /* amount, norm, costs, incomes are set */
	int64_t amount, norm, costs, incomes;
	const char *ruleset_name, *ruleset_version, *ruleset_sha256;
	struct decision_check *checks;
	size_t n_checks;
	struct decision_evidence *evidence;
	size_t n_evidence;
	struct decision_flag *flags;
	size_t n_flags;
	const char *letter;         /* approvals, ebba's request for documents, else NULL */
	/* ebba asks the applicant by itself (schema 030; rules.h,
	 * rule_decision): the documents as JSON [{"id", "text"}] and the
	 * deadline of the ebba.document_requests row store_queue_complete() writes
	 * beside the decision, letter being the request's letter; NULL for
	 * every other decision */
	const char *request_documents, *request_deadline;
	const char **notes;         /* the calculation's lines for people (calculation.notes) */
	size_t n_notes;
	const char *delegation;     /* the delegation an automatic outcome relied on, else NULL */
	/* The trace: JSON text stored as is in ebba.decisions.trace; it holds
	 * what replay needs besides the document and the evidence. */
	struct ebba_buf trace;
	struct decision_replay_inputs inputs;   /* beside the trace (schema 032) */
	struct cel_arena *mem;      /* owns the strings and arrays above */
};

void decision_init(struct decision *d);
void decision_free(struct decision *d);

#endif
