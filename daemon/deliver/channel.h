/*
 * The ways a letter leaves ebba (channel.c, spool.c; docs/delivery.md).
 * A closed set with one table of names: the outbox's channel column holds
 * these names.  The digital mailbox (Mina meddelanden, mailbox.h) first
 * when one is configured and reaches the person; else a print spool, a
 * protected case's the spool for manual handling.
 */
#ifndef EBBA_DELIVER_CHANNEL_H
#define EBBA_DELIVER_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

enum channel {
	CHANNEL_DIGITAL,     /* the recipient's digital mailbox */
	CHANNEL_PRINT,       /* the ordinary print spool */
	CHANNEL_PROTECTED,   /* a protected case: the spool for manual handling */
	CHANNEL_COUNT
};

/* "digital", "print", "protected". */
const char *channel_name(enum channel c);

/* Where the channels deliver (ebba.yaml's deliver section). */
struct mailbox;
struct channel_config {
	const char *print_spool;
	const char *protected_spool;
	struct mailbox *mailbox; /* NULL: no digital mailbox configured */
};

/* Who gets the letter (ebba.outbox_recipient). */
struct letter_recipient {
	const char *decision_id;
	const char *key;         /* the outbox row's idempotency key */
	const char *case_id;
	const char *pnr;         /* 12 digits; never logged */
	const char *sha256;      /* the PDF's, hex */
	bool protected_case;
	const char *supplier;    /* digital: the service supplier's address */
};

/*
 * The channel for r into *out.  prior is the channel an earlier attempt
 * chose ("" for none) and it holds: a letter never goes out by two
 * channels, only a print letter whose case has become protected moves to
 * the protected spool.  Otherwise: the mailbox when one is configured and
 * isReachable says the person has one that accepts us (the supplier's
 * address into supplier), else the print spool, never the ordinary one
 * for a protected case.  -1 when the mailbox did not answer (try again
 * later: printing instead could send the letter twice), or, *permanent,
 * when a letter begun digitally can no longer go that way.
 */
int channel_choose(const struct channel_config *cfg, const struct letter_recipient *r,
		   const char *prior, enum channel *out, char *supplier, size_t supplier_size,
		   bool *permanent, struct ebba_err *err);

/*
 * Delivers pdf to r through c, at least once: a repeat of a delivery that
 * already happened (same letter, same bytes) succeeds again without a
 * second copy.  On failure err holds one line; *permanent says that trying
 * again cannot help (e.g. a different file under the letter's name).
 * receipt (NULL or a buffer of receipt_size) gets what the receiver said.
 */
int channel_deliver(const struct channel_config *cfg, enum channel c, const struct letter_recipient *r,
		    const struct ebba_buf *pdf, char *receipt, size_t receipt_size, bool *permanent,
		    struct ebba_err *err);

/*
 * The print spool (spool.c): dir/NAME.pdf written once, atomically, and
 * line appended to dir/manifest.tsv once.  *repeat: the file was there
 * already with the same bytes.
 */
int spool_put(const char *dir, const char *name, const struct ebba_buf *pdf, const char *line,
	      bool *repeat, bool *permanent, struct ebba_err *err);

#endif
