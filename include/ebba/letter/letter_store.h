/*
 * A decision's letter for a person or a program that shows, downloads or
 * sends it (docs/letters.md, "Lifecycle"): the text as stored, and the PDF,
 * rendered and stored the first time anyone asks and the stored bytes ever
 * after.  Each answer is logged in ebba.access_log in the same transaction
 * as it is read: no letter leaves without its row.
 */
#ifndef EBBA_LETTER_STORE_H
#define EBBA_LETTER_STORE_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

/*
 * The letter's text as stored (its markup and all) into text, logged as a
 * "view" of ("letter", decision_id) from client (may be NULL).  *found false
 * (and 0, nothing logged) when the decision has no letter.
 */
int letter_text_get(PGconn *db, const char *decision_id, const char *client,
		    struct ebba_buf *text, bool *found, struct ebba_err *err);

/*
 * The letter's PDF into pdf and its SHA-256 (hex) into sha256: the stored
 * one; if none is stored yet, rendered now (outside any transaction) and
 * offered to the database, which keeps the first it is offered.  Logged as
 * an "export" of ("letter", decision_id) from client.  *found false (and 0,
 * nothing logged) when the decision has no letter.  *rendered says whether
 * this call rendered the PDF that is now stored.
 */
int letter_pdf_get(PGconn *db, const char *decision_id, const char *client,
		   struct ebba_buf *pdf, char sha256[65], bool *found, bool *rendered,
		   struct ebba_err *err);

#endif
