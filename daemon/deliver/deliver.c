/*
 * ebba-deliver: takes the letters out of ebba (docs/delivery.md, DESIGN.md
 * §10a).  One process, one database connection, role ebba_deliver; run
 * several for more throughput: the outbox is claimed with SKIP LOCKED
 * under a lease, as ebbad claims the inbox.
 *
 * For each claimed letter: who receives it (ebba.outbox_recipient), the
 * channel (channel.c), the PDF (rendered once and stored write-once by
 * letter_pdf_get, the stored bytes ever after), the delivery (at least
 * once, with the row's idempotency key; the print spool tells a repeat by
 * the letter's file name), then the row, fenced by the lease: delivered,
 * or queued again with a doubled backoff, or failed with a one-line reason
 * once the next try would be past the row's deadline.  A kill at any point
 * leaves the row claimed; its lease runs out and it is delivered again,
 * which the receiver tells apart.
 *
 * Under systemd (Type=notify): READY=1 once the database answers, STATUS=
 * with the outbox's counts, WATCHDOG=1 from the loop, STOPPING=1 on
 * SIGTERM (the letter in hand is finished first).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "channel.h"
#include "mailbox.h"
#include "ebba/letter/letter_store.h"
#include "ebba/lib/config.h"
#include "ebba/lib/log.h"
#include "ebba/lib/metrics_http.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/db.h"
#include "ebba/store/outbox.h"

#ifndef EBBA_VERSION
#define EBBA_VERSION "unknown"
#endif

#define STATUS_EVERY_USEC 2000000u

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

struct deliverer {
	struct ebba_config cfg;
	struct channel_config channels;
	char owner[128];
	bool once;
	PGconn *conn;
	uint64_t status_usec;
	struct mailbox *mailbox;
	struct metrics *metrics;
	struct metrics_server *metrics_http;
	struct metric_family *letters;   /* {channel, result} */
	struct metric_family *outbox;    /* {state} */
	struct metric *seconds;
	atomic_bool db_up;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebba-deliver [-c CONFIG] [--once] [--worker NAME]\n"
		"  -c, --config FILE  configuration (default " EBBA_DEFAULT_CONFIG ")\n"
		"      --once         deliver the letters that are due, then exit\n"
		"      --worker NAME  name this worker's leases (default host:pid)\n");
}

static enum log_level parse_level(const char *s)
{
	if (strcmp(s, "debug") == 0) return LOG_LVL_DEBUG;
	if (strcmp(s, "warning") == 0 || strcmp(s, "warn") == 0) return LOG_LVL_WARN;
	if (strcmp(s, "error") == 0) return LOG_LVL_ERROR;
	return LOG_LVL_INFO;
}

/* ------------------------------------------------------------- metrics */

static const char *const RESULTS[] = {"delivered", "retried", "failed"};
static const char *const STATES[] = {"queued", "claimed", "delivered", "failed"};

static bool is_ready(void *arg, char *why, size_t n)
{
	struct deliverer *d = arg;
	if (atomic_load(&d->db_up))
		return true;
	snprintf(why, n, "the database does not answer");
	return false;
}

static int metrics_start(struct deliverer *d, struct ebba_err *err)
{
	const char *listen = d->cfg.deliver.metrics_listen;
	if (!listen || !*listen)
		return 0;
	d->metrics = metrics_new();
	static const char *const version[] = {"version", NULL};
	metric_set(metric_series(metrics_family(d->metrics, METRIC_GAUGE, "ebba_deliver_build_info",
		"The ebba-deliver build: always 1, its version in the label.", version, NULL, 0),
		(const char *const[]){EBBA_VERSION}), 1);
	static const char *const cr[] = {"channel", "result", NULL};
	d->letters = metrics_family(d->metrics, METRIC_COUNTER, "ebba_deliver_letters_total",
		"Delivery attempts by this process, by channel and result (delivered, retried, failed).",
		cr, NULL, 0);
	for (int c = 0; c < CHANNEL_COUNT; c++)
		for (size_t r = 0; r < ARRAY_LEN(RESULTS); r++)
			metric_series(d->letters, (const char *const[]){channel_name(c), RESULTS[r]});
	static const char *const st[] = {"state", NULL};
	d->outbox = metrics_family(d->metrics, METRIC_GAUGE, "ebba_deliver_outbox",
		"Letters in the outbox by state, all workers (sampled every few seconds).", st, NULL, 0);
	for (size_t s = 0; s < ARRAY_LEN(STATES); s++)
		metric_series(d->outbox, (const char *const[]){STATES[s]});
	static const char *const none[] = {NULL};
	d->seconds = metric_series(metrics_family(d->metrics, METRIC_HISTOGRAM,
		"ebba_deliver_seconds", "Time to deliver one letter: recipient, PDF, channel, row.",
		none, METRICS_SECONDS_BUCKETS, METRICS_SECONDS_BUCKETS_N), (const char *const[]){NULL});
	metrics_add_collector(d->metrics, metrics_collect_process, d->metrics);
	d->metrics_http = metrics_server_start(listen, "deliver.metrics_listen", d->metrics,
					       is_ready, d, err);
	if (!d->metrics_http)
		return -1;
	log_info("metrics: serving /metrics, /healthz and /readyz on %s (port %u)", listen,
		 metrics_server_port(d->metrics_http));
	return 0;
}

static void count(struct deliverer *d, enum channel c, const char *result)
{
	if (d->letters)
		metric_inc(metric_series(d->letters, (const char *const[]){channel_name(c), result}));
}

/* STATUS= and the outbox gauges, at most every STATUS_EVERY_USEC. */
static void report(struct deliverer *d, bool force)
{
	uint64_t now = now_usec();
	if (!force && now - d->status_usec < STATUS_EVERY_USEC)
		return;
	d->status_usec = now;
	struct outbox_counts c;
	struct ebba_err err;
	if (store_outbox_counts(d->conn, &c, &err) != 0)
		return;
	if (d->outbox) {
		long v[] = {c.queued, c.claimed, c.delivered, c.failed};
		for (size_t s = 0; s < ARRAY_LEN(STATES); s++)
			metric_set(metric_series(d->outbox, (const char *const[]){STATES[s]}), (double)v[s]);
	}
	sd_notifyf(0, "STATUS=outbox: %ld queued, %ld claimed, %ld delivered, %ld failed",
		   c.queued, c.claimed, c.delivered, c.failed);
}

/* ------------------------------------------------------------ delivery */

/* The letter's recipient into r; strings point into *res (PQclear it). */
static int load_recipient(PGconn *db, const struct outbox_item *it, struct letter_recipient *r,
			  PGresult **res, struct ebba_err *err)
{
	const char *p[] = {it->decision_id};
	*res = PQexecParams(db, "select case_id, pnr, protected from ebba.outbox_recipient($1::bigint)",
			    1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(*res) != PGRES_TUPLES_OK || PQntuples(*res) != 1)
		return ebba_errf(err, "the letter's recipient: %s", store_db_result_error(*res));
	r->decision_id = it->decision_id;
	r->key = it->key;
	r->case_id = PQgetvalue(*res, 0, 0);
	r->pnr = PQgetvalue(*res, 0, 1);
	r->protected_case = PQgetvalue(*res, 0, 2)[0] == 't';
	if (!pnr_is_valid(r->pnr))
		return ebba_errf(err, "the application names no valid applicant");
	return 0;
}

/*
 * Records the channel before anything goes out through it (unless an
 * earlier attempt did): 1 held, 0 the lease was lost (leave the letter to
 * whoever has it), -1 the database failed.
 */
static int record_channel(struct deliverer *d, const struct outbox_item *it, enum channel ch,
			  struct ebba_err *err)
{
	if (strcmp(it->channel, channel_name(ch)) == 0)
		return 1;
	bool held;
	if (store_outbox_choose_channel(d->conn, d->owner, it, channel_name(ch), &held, err) != 0)
		return -1;
	return held ? 1 : 0;
}

static int backoff_seconds(const struct deliver_config *c, int attempt)
{
	long s = c->retry_min_seconds;
	for (int i = 1; i < attempt && s < c->retry_max_seconds; i++)
		s *= 2;
	return s > c->retry_max_seconds ? c->retry_max_seconds : (int)s;
}

/*
 * Delivers one letter and records the outcome.  -1 only when the database
 * failed (the row stays claimed; its lease runs out); a channel's failure
 * is the row's, recorded.
 */
static int deliver_one(struct deliverer *d, const struct outbox_item *it)
{
	uint64_t t0 = now_usec();
	struct letter_recipient r = {0};
	struct ebba_err err = {{0}}, dberr;
	PGresult *res = NULL;
	enum channel ch = CHANNEL_PRINT;
	bool channel_known = false, permanent = false, ok = false;
	struct ebba_buf pdf = {0};
	char sha[65] = "", receipt[600], supplier[512];
	int holds = 1;   /* the lease, after the channel was recorded */
	if (load_recipient(d->conn, it, &r, &res, &err) == 0 &&
	    channel_choose(&d->channels, &r, it->channel, &ch, supplier, sizeof(supplier), &permanent,
			   &err) == 0) {
		channel_known = true;
		r.supplier = supplier;
		holds = record_channel(d, it, ch, &err);
	}
	if (channel_known && holds == 1) {
		bool found = false, rendered = false;
		if (letter_pdf_get(d->conn, it->decision_id, "ebba-deliver", &pdf, sha, &found,
				   &rendered, &err) != 0) {
			ebba_err_prefix(&err, "the letter's PDF");
		} else if (!found) {
			permanent = true;
			ebba_errf(&err, "decision %s has no letter", it->decision_id);
		} else {
			r.sha256 = sha;
			ok = channel_deliver(&d->channels, ch, &r, &pdf, receipt, sizeof(receipt),
					     &permanent, &err) == 0;
		}
	}
	buf_free(&pdf);
	PQclear(res);
	if (holds < 0)
		log_error("%s", err.msg);
	if (holds < 0 || PQstatus(d->conn) != CONNECTION_OK)
		return -1;
	if (holds == 0)
		return 0;   /* another worker has the letter now: it finishes it */
	const char *ids[] = {"EBBA_DECISION_ID", NULL};
	char field[64];
	snprintf(field, sizeof(field), "EBBA_DECISION_ID=%s", it->decision_id);
	ids[0] = field;
	if (ok) {
		bool held;
		if (store_outbox_delivered(d->conn, d->owner, it, channel_name(ch), receipt, &held, &dberr) != 0) {
			log_error("%s", dberr.msg);
			return -1;
		}
		count(d, ch, "delivered");
		log_fields(LOG_LVL_DEBUG, ids, "letter %s delivered (%s)%s", it->decision_id,
			   channel_name(ch), held ? "" : "; its lease had run out");
	} else {
		pnr_scrub(err.msg);
		bool failed;
		if (store_outbox_retry(d->conn, d->owner, it, channel_known ? channel_name(ch) : NULL, err.msg,
				 backoff_seconds(&d->cfg.deliver, it->attempt), permanent, &failed,
				 &dberr) != 0) {
			log_error("%s", dberr.msg);
			return -1;
		}
		count(d, ch, failed ? "failed" : "retried");
		log_fields(failed ? LOG_LVL_ERROR : LOG_LVL_WARN, ids, "letter %s %s: %s", it->decision_id,
			   failed ? "failed for good" : "not delivered, will retry", err.msg);
	}
	if (d->seconds)
		metric_observe(d->seconds, (double)(now_usec() - t0) / 1e6);
	return 0;
}

/* ---------------------------------------------------------------- loop */

static int connect_db(struct deliverer *d, struct ebba_err *err)
{
	const char *conninfo = d->cfg.deliver.database ? d->cfg.deliver.database : d->cfg.database;
	d->conn = store_db_connect(conninfo, "ebba-deliver", d->cfg.statement_timeout_ms, err);
	if (!d->conn)
		return -1;
	if (store_db_exec(d->conn, "listen ebba_outbox", 0, NULL, err) != 0) {
		PQfinish(d->conn);
		d->conn = NULL;
		return -1;
	}
	atomic_store(&d->db_up, true);
	return 0;
}

/* Waits for a NOTIFY, a signal or poll_interval_ms, keeping the watchdog fed. */
static void wait_for_work(struct deliverer *d)
{
	uint64_t wd = 0;
	int ms = d->cfg.deliver.poll_interval_ms;
	if (sd_watchdog_enabled(0, &wd) > 0 && (uint64_t)ms * 1000u > wd / 4)
		ms = (int)(wd / 4000u);
	struct pollfd pfd = {.fd = PQsocket(d->conn), .events = POLLIN};
	if (!stop_asked && poll(&pfd, 1, ms) > 0 && PQconsumeInput(d->conn)) {
		PGnotify *n;
		while ((n = PQnotifies(d->conn)) != NULL)
			PQfreemem(n);
	}
}

static int run(struct deliverer *d)
{
	int delay_ms = 250;
	bool ready = false;
	while (!stop_asked) {
		struct ebba_err err;
		if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
			PQfinish(d->conn);
			d->conn = NULL;
			atomic_store(&d->db_up, false);
			if (connect_db(d, &err) != 0) {
				pnr_scrub(err.msg);
				if (d->once) {
					log_error("%s", err.msg);
					return 1;
				}
				log_warn("%s; retrying in %d ms", err.msg, delay_ms);
				sd_notifyf(0, "STATUS=waiting for the database: %s", err.msg);
				usleep((useconds_t)delay_ms * 1000u);
				delay_ms = delay_ms * 2 > 10000 ? 10000 : delay_ms * 2;
				continue;
			}
			delay_ms = 250;
		}
		if (!ready) {
			ready = true;
			sd_notify(0, "READY=1");
			log_info("delivering letters as %s (digital mailbox %s, print spool %s, protected spool %s)",
				 d->owner, d->mailbox ? d->cfg.deliver.mailbox_url : "not configured",
				 d->channels.print_spool, d->channels.protected_spool);
		}
		sd_notify(0, "WATCHDOG=1");
		struct outbox_item *items;
		size_t n;
		if (store_outbox_claim(d->conn, d->owner, d->cfg.deliver.batch_size, d->cfg.deliver.lease_seconds,
				 d->cfg.deliver.deadline_seconds, &items, &n, &err) != 0) {
			log_error("%s", err.msg);
			if (PQstatus(d->conn) == CONNECTION_OK)
				usleep(500000);
			continue;
		}
		for (size_t i = 0; i < n && !stop_asked; i++)
			if (deliver_one(d, &items[i]) != 0)
				break;
		/* the rest of a batch cut short by a stop: its leases run out */
		store_outbox_items_free(items);
		report(d, false);
		if (n == 0) {
			if (d->once)
				break;
			wait_for_work(d);
		}
	}
	if (d->conn && PQstatus(d->conn) == CONNECTION_OK)
		report(d, true);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"once", no_argument, NULL, 'o'},
		{"worker", required_argument, NULL, 'w'}, {"help", no_argument, NULL, 'h'}, {0}};
	struct deliverer d = {0};
	const char *config_path = EBBA_DEFAULT_CONFIG, *worker = NULL;
	bool must_exist = false;
	int c;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; must_exist = true; break;
		case 'o': d.once = true; break;
		case 'w': worker = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("ebba-deliver", LOG_LVL_INFO);
	struct ebba_err err;
	config_defaults(&d.cfg);
	if (config_load(config_path, must_exist, &d.cfg, &err) != 0) {
		fprintf(stderr, "ebba-deliver: %s\n", err.msg);
		return 2;
	}
	log_set_level(parse_level(d.cfg.log_level));
	if (mailbox_new(&d.cfg, &d.mailbox, &err) != 0) {
		fprintf(stderr, "ebba-deliver: %s\n", err.msg);
		config_free(&d.cfg);
		return 2;
	}
	d.channels = (struct channel_config){.print_spool = d.cfg.deliver.print_spool,
					     .protected_spool = d.cfg.deliver.protected_spool,
					     .mailbox = d.mailbox};
	char host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	if (worker || d.cfg.worker_name)
		snprintf(d.owner, sizeof(d.owner), "%s", worker ? worker : d.cfg.worker_name);
	else
		snprintf(d.owner, sizeof(d.owner), "deliver:%s:%ld", host, (long)getpid());
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	if (metrics_start(&d, &err) != 0) {
		fprintf(stderr, "ebba-deliver: %s\n", err.msg);
		config_free(&d.cfg);
		return 2;
	}
	int rc = run(&d);
	sd_notify(0, "STOPPING=1");
	PQfinish(d.conn);
	metrics_server_stop(d.metrics_http);
	metrics_free(d.metrics);
	mailbox_free(d.mailbox);
	config_free(&d.cfg);
	return rc;
}
