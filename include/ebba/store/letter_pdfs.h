/*
 * A decision's letter as stored (letter_pdfs.c; schema version 17,
 * docs/letters.md): its text with the SHA-256 the database computed, and
 * its PDF, stored once through ebba.letter_pdf_store() and never changed.
 * The rendering itself is not here (daemon/letter/, outside libebba.a).
 */
#ifndef EBBA_STORE_LETTER_PDFS_H
#define EBBA_STORE_LETTER_PDFS_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

struct stored_letter {
	struct ebba_buf body;       /* the text, as stored */
	char body_sha256[65];       /* hex, as the database computed it */
	char created[32];           /* the decision's time, "2026-12-07T08:15:03Z" (UTC) */
	bool has_pdf;
};

/* Decision decision_id's letter (a decimal id); *found false (and 0) when
 * it has none, or there is no such decision. */
int store_letter_load(PGconn *db, const char *decision_id, struct stored_letter *out, bool *found,
		      struct ebba_err *err);
void store_letter_free(struct stored_letter *l);

/* The stored PDF into pdf and its SHA-256 (hex); *found false when none is
 * stored yet. */
int store_letter_pdf_fetch(PGconn *db, const char *decision_id, struct ebba_buf *pdf,
			   char sha256[65], bool *found, struct ebba_err *err);

/*
 * Offers pdf, rendered by renderer from the letter text whose SHA-256 is
 * body_sha256 (hex), as decision_id's PDF: the database stores it unless a
 * PDF is stored already (or refuses it when the text is not the letter's).
 * Either way stored/sha256 receive the PDF that is stored, and *first says
 * whether it was this one.
 */
int store_letter_pdf_offer(PGconn *db, const char *decision_id, const struct ebba_buf *pdf,
			   const char *body_sha256, const char *renderer, struct ebba_buf *stored,
			   char sha256[65], bool *first, struct ebba_err *err);

#endif
