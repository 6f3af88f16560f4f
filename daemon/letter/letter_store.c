/*
 * A decision's letter for whoever shows, downloads or sends it
 * (include/ebba/letter/letter_store.h): reads and logs in one transaction,
 * and renders a missing PDF before it, so no transaction stays open while
 * cairo works.
 */
#include "ebba/letter/letter_pdf.h"
#include "ebba/letter/letter_store.h"
#include "ebba/store/access_log.h"
#include "ebba/store/db.h"
#include "ebba/store/letter_pdfs.h"

static int begin(PGconn *db, struct ebba_err *err)
{
	return store_db_exec(db, "begin", 0, NULL, err);
}

static int commit(PGconn *db, int rc, struct ebba_err *err)
{
	if (rc == 0 && store_db_exec(db, "commit", 0, NULL, err) == 0)
		return 0;
	PQclear(PQexec(db, "rollback"));
	return -1;
}

int letter_text_get(PGconn *db, const char *decision_id, const char *client,
		    struct ebba_buf *text, bool *found, struct ebba_err *err)
{
	buf_reset(text);
	struct stored_letter l;
	if (begin(db, err) != 0)
		return -1;
	int rc = store_letter_load(db, decision_id, &l, found, err);
	if (rc == 0 && *found) {
		buf_append(text, l.body.data, l.body.len);
		rc = store_access_log(db, "view", "letter", decision_id, client, err);
	}
	store_letter_free(&l);
	return commit(db, rc, err);
}

int letter_pdf_get(PGconn *db, const char *decision_id, const char *client,
		   struct ebba_buf *pdf, char sha256[65], bool *found, bool *rendered,
		   struct ebba_err *err)
{
	*rendered = false;
	buf_reset(pdf);
	sha256[0] = '\0';
	struct stored_letter l;
	if (store_letter_load(db, decision_id, &l, found, err) != 0)
		return -1;
	if (!*found) {
		store_letter_free(&l);
		return 0;
	}
	struct ebba_buf fresh = {0};
	if (!l.has_pdf) {
		struct letter_pdf_opts o = {.created = l.created[0] ? l.created : NULL};
		if (letter_pdf_render(l.body.data, l.body.len, &o, &fresh, err) != 0) {
			ebba_err_prefix(err, "decision %s", decision_id);
			store_letter_free(&l);
			buf_free(&fresh);
			return -1;
		}
	}
	int rc = begin(db, err);
	if (rc == 0) {
		if (!l.has_pdf) {
			rc = store_letter_pdf_offer(db, decision_id, &fresh, l.body_sha256,
						    letter_pdf_renderer(), pdf, sha256, rendered, err);
		} else {
			bool stored;
			rc = store_letter_pdf_fetch(db, decision_id, pdf, sha256, &stored, err);
			if (rc == 0 && !stored)
				rc = ebba_errf(err, "decision %s: its stored PDF is gone", decision_id);
		}
		if (rc == 0)
			rc = store_access_log(db, "export", "letter", decision_id, client, err);
		rc = commit(db, rc, err);
	}
	store_letter_free(&l);
	buf_free(&fresh);
	if (rc != 0)
		buf_reset(pdf);
	return rc;
}
