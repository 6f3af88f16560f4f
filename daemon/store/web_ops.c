/*
 * Drift's SQL and its view model (include/ebba/store/web_ops.h).  The
 * statement builds the page's document in PostgreSQL (one round trip);
 * store_web_ops_view_unpack() reads it into the struct in strict mode.
 */
#include <stdlib.h>
#include <string.h>

#include "ebba/store/web_ops.h"
#include "ebba/store/web_pages.h"
#include "ebba/store/web_view_list.h"

#define TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI')"

/* Each figure from an index (schema 006): the states but 'decided' are the
 * few rows still moving or stopped, and ebba's decisions are the decided
 * ones (completion writes both in one transaction). */
static const char OPS_SQL[] =
	"select json_build_object("
	" 'counts', json_build_object("
	"    'pending', (select count(*) from ebba.inbox where state = 'pending'),"
	"    'processing', (select count(*) from ebba.inbox where state = 'processing'),"
	"    'decided', (select count(*) from ebba.decisions where inbox_id is not null),"
	"    'quarantined', (select count(*) from ebba.inbox where state = 'quarantined')),"
	" 'rates', json_build_object("
	"    'received_hour', (select count(*) from ebba.inbox where received_at > now() - interval '1 hour'),"
	"    'decided_hour', (select count(*) from ebba.decisions where inbox_id is not null"
	"       and decided_at > now() - interval '1 hour'),"
	"    'decided_day', (select count(*) from ebba.decisions where inbox_id is not null"
	"       and decided_at > now() - interval '1 day')),"
	/* the workers as each ebbad reports itself (schema 028): the inbox's
	 * lease_owner is cleared when a batch completes */
	" 'workers', coalesce((select json_agg(json_build_object('owner', owner,"
	"    'last_seen', to_char(seen_at, 'YYYY-MM-DD HH24:MI:SS'),"
	"    'ago', extract(epoch from now() - seen_at)::bigint, 'started', " TS("started_at") ","
	"    'rows', decided) order by seen_at desc) from ebba.workers"
	"    where seen_at > now() - interval '1 day'), '[]'),"
	" 'quarantined', coalesce((select json_agg(json_build_object('id', id,"
	"    'external_id', external_id, 'received', " TS("received_at") ","
	"    'attempts', attempts, 'error', split_part(coalesce(error, ''), E'\\n', 1))"
	"    order by updated_at desc) from (select * from ebba.inbox where state = 'quarantined'"
	"    order by updated_at desc limit 20) q), '[]'),"
	/* the letters' outbox (schema 020): queued and claimed from its
	 * partial index; the delivered ones by channel */
	" 'letters', (select json_build_object('queued', count(*) filter (where state = 'queued'),"
	"    'claimed', count(*) filter (where state = 'claimed'),"
	"    'print', count(*) filter (where state = 'delivered' and channel = 'print'),"
	"    'protected', count(*) filter (where state = 'delivered' and channel = 'protected'),"
	"    'digital', count(*) filter (where state = 'delivered' and channel = 'digital'),"
	"    'failed', count(*) filter (where state = 'failed')) from ebba.outbox),"
	" 'letters_failed', coalesce((select json_agg(json_build_object('decision', decision_id,"
	"    'channel', coalesce(channel, ''), 'attempts', attempts, 'at', " TS("next_attempt_at") ","
	"    'error', coalesce(last_error, '')) order by next_attempt_at desc)"
	"    from (select * from ebba.outbox where state = 'failed' order by next_attempt_at desc limit 20) f), '[]'))";

static int unpack_worker(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_ops_worker *w = elem;
	return store_web_unpack(item, "worker", err, "{s:s,s:s,s:I,s:s,s:I}", "owner", &w->owner,
				"last_seen", &w->last_seen, "ago", &w->ago_seconds, "started",
				&w->started, "rows", &w->decided);
}

static int unpack_quarantined(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_ops_quarantined *q = elem;
	return store_web_unpack(item, "quarantined", err, "{s:I,s:s,s:s,s:I,s:s}", "id", &q->inbox_id,
				"external_id", &q->external_id, "received", &q->received,
				"attempts", &q->attempts, "error", &q->error);
}

static int unpack_letter_failed(json_t *item, void *elem, struct ebba_err *err)
{
	struct web_ops_letter_failed *l = elem;
	return store_web_unpack(item, "failed letter", err, "{s:I,s:s,s:I,s:s,s:s}", "decision",
				&l->decision_id, "channel", &l->channel, "attempts", &l->attempts,
				"at", &l->gave_up_at, "error", &l->error);
}

int store_web_ops_view_unpack(json_t *doc, struct web_ops_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	out->doc_ = doc;
	json_t *workers, *quarantined, *failed;
	if (store_web_unpack(doc, "operations", err,
			     "{s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I},s:o,s:o,"
			     "s:{s:I,s:I,s:I,s:I,s:I,s:I},s:o}",
			     "counts", "pending", &out->pending, "processing", &out->processing,
			     "decided", &out->decided, "quarantined", &out->quarantined,
			     "rates", "received_hour", &out->received_hour, "decided_hour",
			     &out->decided_hour, "decided_day", &out->decided_day,
			     "workers", &workers, "quarantined", &quarantined,
			     "letters", "queued", &out->letters_queued, "claimed", &out->letters_claimed,
			     "print", &out->letters_print, "protected", &out->letters_protected,
			     "digital", &out->letters_digital, "failed", &out->letters_failed,
			     "letters_failed", &failed) != 0)
		return -1;
	if (store_web_unpack_list(workers, "workers", sizeof(*out->workers), unpack_worker,
				  (void **)&out->workers, &out->n_workers, err) != 0 ||
	    store_web_unpack_list(quarantined, "quarantined", sizeof(*out->quarantine),
				  unpack_quarantined, (void **)&out->quarantine, &out->n_quarantine,
				  err) != 0 ||
	    store_web_unpack_list(failed, "letters_failed", sizeof(*out->failed_letters),
				  unpack_letter_failed, (void **)&out->failed_letters,
				  &out->n_failed_letters, err) != 0)
		return -1;
	return 0;
}

int store_web_ops(PGconn *db, struct web_ops_view *out, struct ebba_err *err)
{
	memset(out, 0, sizeof(*out));
	json_t *doc;
	if (store_web_json(db, OPS_SQL, 0, NULL, &doc, err) != 0)
		return -1;
	if (!doc)
		return ebba_errf(err, "operations: the query returned no document");
	return store_web_ops_view_unpack(doc, out, err);
}

void store_web_ops_view_free(struct web_ops_view *v)
{
	free(v->workers);
	free(v->quarantine);
	free(v->failed_letters);
	json_decref(v->doc_);
	memset(v, 0, sizeof(*v));
}
