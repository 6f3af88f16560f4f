/*
 * Works one claimed batch.  Everything between claim and completion runs
 * outside any transaction; the only write is the single fenced completion
 * statement built here as one JSON array.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/application.h"
#include "ebba/log.h"
#include "ebba/service.h"
#include "ebba/worker.h"

/* Until the rule engine decides, every valid application goes to a person
 * with this reason: a correct fail-safe. */
#define FAILSAFE_REASON "ingen automatisk prövning konfigurerad"

struct worker {
	const struct ebba_config *cfg;
	char *owner;
	struct app_parser *parser;
	struct ebba_buf scratch;
};

struct worker *worker_new(const struct ebba_config *cfg, const char *owner, struct ebba_err *err)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	w->owner = xstrdup(owner);
	if (worker_reconfigure(w, cfg, err) != 0) {
		worker_free(w);
		return NULL;
	}
	return w;
}

int worker_reconfigure(struct worker *w, const struct ebba_config *cfg, struct ebba_err *err)
{
	struct app_parse_opts opts = {.max_bytes = (size_t)cfg->max_document_bytes};
	struct app_parser *parser = app_parser_new(&opts, err);
	if (!parser)
		return ebba_err_prefix(err, "application parser");
	app_parser_free(w->parser);
	w->parser = parser;
	w->cfg = cfg;
	return 0;
}

void worker_adopt_config(struct worker *w, const struct ebba_config *cfg)
{
	w->cfg = cfg;
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	app_parser_free(w->parser);
	buf_free(&w->scratch);
	free(w->owner);
	free(w);
}

static json_t *result_base(const struct queue_item *it, const char *state, const char *error)
{
	return json_pack("{s:I, s:i, s:s, s:s?}", "inbox_id", (json_int_t)it->id,
			 "attempt", it->attempt, "state", state, "error", error);
}

static json_t *failsafe_decision(const struct application *app)
{
	json_t *checks = json_pack("[{s:s, s:s, s:s, s:s}]", "id", "automatisk-provning",
				   "result", "fail", "outcome", "refer", "message", FAILSAFE_REASON);
	return json_pack("{s:s, s:s, s:s, s:s, s:n, s:n, s:n, s:n, s:s, s:s, s:s, s:o}",
			 "external_id", app->id, "case_id", app->case_id, "period", app->period,
			 "outcome", "referred", "amount", "norm", "costs", "incomes",
			 "ruleset_name", "none", "ruleset_version", "0", "ruleset_sha256", "",
			 "checks", checks);
}

/* One item's result: quarantined with the parse error, or decided. */
static json_t *work_item(struct worker *w, const struct queue_item *it, struct worker_stats *st)
{
	if (it->attempt > w->cfg->max_attempts) {
		char msg[160];
		snprintf(msg, sizeof(msg), "gave up after %d attempts to process it", it->attempt - 1);
		log_error("application %s quarantined: %s", it->external_id, msg);
		st->quarantined++;
		return result_base(it, "quarantined", msg);
	}
	struct application *app = NULL;
	struct ebba_err err;
	if (!it->payload) {
		ebba_errf(&err, "document: %zu bytes, larger than the limit of %d bytes",
			  it->stored_len, w->cfg->max_document_bytes);
		log_warn("inbox %lld quarantined: %s", (long long)it->id, err.msg);
		st->quarantined++;
		return result_base(it, "quarantined", err.msg);
	}
	if (app_parse(w->parser, it->payload, it->payload_len, &app, &err) != 0) {
		const char *fields[] = {NULL, NULL};
		char field[160];
		snprintf(field, sizeof(field), "EBBA_INBOX_ID=%lld", (long long)it->id);
		fields[0] = field;
		log_fields(LOG_LVL_WARN, fields, "inbox %lld quarantined: %s", (long long)it->id, err.msg);
		st->quarantined++;
		return result_base(it, "quarantined", err.msg);
	}
	st->decided++;
	json_t *r = result_base(it, "decided", NULL);
	json_object_set_new(r, "decision", failsafe_decision(app));
	application_free(app);
	return r;
}

int worker_run_batch(struct worker *w, PGconn *conn, const struct queue_batch *batch,
		     struct worker_stats *stats, struct ebba_err *err)
{
	struct worker_stats st = {0};
	json_t *results = json_array();
	/* A stopping daemon takes on no more of the batch once its grace time
	 * (shutdown_grace_ms) is up: what was begun is completed and ebbad
	 * releases the rest (service.h). */
	size_t done = 0;
	for (; done < batch->count && now_usec() < service_stop_deadline(); done++)
		json_array_append_new(results, work_item(w, &batch->items[done], &st));
	if (done == 0) {
		json_decref(results);
		return 0;
	}
	char *text = json_dumps(results, JSON_COMPACT);
	json_decref(results);
	if (!text)
		fatal("out of memory encoding a batch");
	long completed = 0;
	int rc = queue_complete(conn, w->owner, text, &completed, err);
	free(text);
	if (rc != 0)
		return -1;
	long lost = (long)done - completed;
	if (lost > 0)
		log_warn("%ld of %zu applications were no longer leased to us; another worker has them",
			 lost, done);
	if (lost > 0) {
		/* Which rows were lost is not reported back; count all completed
		 * rows as decided rather than guess. */
		stats->decided += completed;
		stats->lost_leases += lost;
		return 0;
	}
	stats->decided += st.decided;
	stats->quarantined += st.quarantined;
	return 0;
}
