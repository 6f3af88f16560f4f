/*
 * /beslut/ID/brev.pdf: the decision's letter as the PDF that is stored for
 * it (docs/letters.md), the link "Skriv ut / PDF" on the decision page.
 * The first person to ask renders and stores it; everyone after gets the
 * same bytes.  Logged as an export in the same transaction as it is read.
 * The page itself shows the letter as text (letter_as_text).
 */
#include <stdio.h>
#include <string.h>

#include "ebba/letter/letter_store.h"
#include "ebba/lib/letter_text.h"
#include "pages.h"

int page_letter_pdf(const struct web_request *rq, struct web_response *rs, const char *id,
		    struct ebba_err *err)
{
	char sha[65];
	bool found, rendered;
	if (letter_pdf_get(rq->db, id, rq->client, &rs->body, sha, &found, &rendered, err) != 0)
		return -1;
	if (!found)
		return page_not_found(rq, rs, "Beslutet har inget beslutsbrev.", err);
	rs->content_type = "application/pdf";
	snprintf(rs->filename, sizeof(rs->filename), "beslut-%s-brev.pdf", id);
	return 0;
}

json_t *letter_as_text(const char *body)
{
	if (!body)
		return json_null();
	struct letter_doc doc;
	struct ebba_err err;
	if (letter_parse(body, strlen(body), &doc, &err) != 0)
		return json_string(body);   /* shown as stored */
	struct ebba_buf out = {0};
	letter_write(&doc, false, &out);
	json_t *text = json_stringn(out.data ? out.data : "", out.len);
	buf_free(&out);
	letter_doc_free(&doc);
	return text;
}
