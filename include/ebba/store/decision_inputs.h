/*
 * A stored decision's inputs as ebba.decision_inputs keeps them (schema
 * 032): what replay and what-if decide from besides the document and the
 * register evidence.  Written by ebbad with the decision
 * (store/queue_complete.c), backfilled from the traces of decisions stored
 * before; read by what-if's batches (store/whatif.c) and replay's one
 * decision (store/decisions.c) with the same columns.
 *
 * Ownership: the strings are borrowed from the query result of whoever
 * filled the struct (a what-if batch, a stored_decision) and live as long
 * as it does.
 */
#ifndef EBBA_STORE_DECISION_INPUTS_H
#define EBBA_STORE_DECISION_INPUTS_H

/* Every field is "" when the decision did not record that input (no row,
 * or a trace without it): replay then decides without it, as before. */
struct stored_inputs {
	const char *decided_on;            /* "YYYY-MM-DD" */
	const char *registers_configured;  /* "t", "f" or "" */
	const char *frame;                 /* JSON object */
	const char *history;               /* JSON object */
	const char *register_reasons;      /* JSON array, per person */
};

enum { STORED_INPUTS_COLUMNS = 5 };

/* The columns, in the order of struct stored_inputs, of ebba.decision_inputs
 * joined as "x" (a left join: a decision without a row reads as ""). */
#define STORED_INPUTS_SQL                                                                      \
	"coalesce(to_char(x.decided_on, 'YYYY-MM-DD'), ''),"                                    \
	" coalesce(case x.registers_configured when true then 't' when false then 'f' end, ''),"\
	" coalesce(x.frame::text, ''), coalesce(x.history::text, ''),"                         \
	" coalesce(x.register_reasons::text, '')"

#endif
