/*
 * A komplettering's answer from the e-service (schema/027_completion.sql,
 * docs/architecture.md §13): the corrected document, or none, and the
 * attachments, written in one transaction through ebba.intake_completion
 * and ebba.intake_completion_attach, which check the token themselves.
 * The caller owns every buffer it passes; nothing here keeps a pointer.
 */
#ifndef EBBA_STORE_COMPLETIONS_H
#define EBBA_STORE_COMPLETIONS_H

#include <stddef.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"

struct completion_file {
	const char *filename;       /* already made safe by the caller */
	const char *media_type;     /* application/pdf, image/jpeg or image/png */
	const char *data;
	size_t len;
};

enum completion_verdict {
	COMPLETION_STORED,
	COMPLETION_NOT_WAITING,     /* nothing asked, answered already, or too late */
	COMPLETION_NOT_FOUND,       /* not this token's application */
	COMPLETION_UNAUTHENTICATED,
	COMPLETION_FORBIDDEN,
};

/*
 * Stores the answer to application external_id's open request: document
 * (NULL: the original is decided again) and the n files.  -1 with err
 * when the database did not answer or refused; nothing is then kept.
 */
int store_completion(PGconn *db, const char *token, const char *external_id,
		     const char *document, size_t document_len,
		     const struct completion_file *files, size_t n,
		     enum completion_verdict *verdict, long long *completion_id,
		     struct ebba_err *err);

/*
 * Asks for documents on ebba's referral decision_id (ebba.request_documents):
 * docs a JSON array, text the caseworker's message ("" for none), deadline
 * YYYY-MM-DD, letter the letter's text.  -1 with err holding the
 * database's one-line refusal (not a caseworker, not an open referral,
 * asked before, a deadline not after today).
 */
int store_request_documents(PGconn *db, const char *decision_id, const char *docs,
			    const char *text, const char *deadline, const char *letter,
			    long long *request_id, struct ebba_err *err);

#endif
