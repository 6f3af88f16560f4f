/*
 * ebbad: the daemon.  One process, one database connection, one batch at a
 * time; run several processes (on one or many hosts) for more throughput.
 * PostgreSQL is the only shared state.
 *
 * The main loop claims a batch, works it, completes it, and when the inbox
 * is empty waits on the database socket (LISTEN ebba_inbox) and the
 * signalfd together, with a polling fallback.  Signals only set flags.
 *
 * Under systemd (Type=notify) it says:
 *   READY=1      once the rules are loaded (worker_new) and the database
 *                answers; again after every reload, good or bad;
 *   STATUS=      why it is waiting, or queue depth and rate (every ~2 s);
 *   WATCHDOG=1   from the main loop while healthy (see keepalive()), and
 *                from the register client's wait (see batch_keepalive());
 *   RELOADING=1  with MONOTONIC_USEC on SIGHUP, then READY=1;
 *   STOPPING=1   on SIGTERM/SIGINT, after which the batch in hand is
 *                finished or, once shutdown_grace_ms is up, released.
 *
 * With metrics_listen, one libmicrohttpd thread serves /metrics, /healthz
 * and /readyz (lib/metrics_http.c); it reads only the metrics' atomics,
 * the rule set's info line (under rules_lock) and two flags the loop sets
 * (db_up, serving), never the connection, so a scrape cannot hold up or
 * break the loop.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ebba/lib/config.h"
#include "ebba/store/assign.h"
#include "ebba/store/protection.h"
#include "ebba/store/queue.h"
#include "ebba/store/register_retry.h"
#include "ebba/lib/log.h"
#include "ebba/lib/metrics_http.h"
#include "ebba/lib/pnr.h"
#include "service.h"
#include "ebba/lib/util.h"
#include "worker.h"

/*
 * STATUS= (and the queue-depth gauges) is refreshed at most this often: it
 * counts the waiting rows, 12 ms with 20 000 of them and up to 30 ms under
 * load, once per ebbad.  Every 2 s it was 5 % of PostgreSQL's time per
 * decision with four ebbad in `make bench` (BENCH_PG_PROFILE=1, the
 * "count(*) filter" statement).
 */
#define STATUS_EVERY_USEC 10000000u

struct daemon {
	struct ebba_config cfg;
	const char *config_path;
	bool config_must_exist;
	bool once;
	bool ready;              /* READY=1 has been sent */
	char owner[128];
	PGconn *conn;
	struct service_signals sig;
	struct worker *worker;
	struct worker_stats stats;
	uint64_t started_usec;
	uint64_t db_ok_usec;     /* the database last answered a statement */
	uint64_t status_usec;    /* last STATUS= with queue figures */
	long status_done;        /* decided + quarantined at that time */
	uint64_t seen_usec;      /* last heartbeat in ebba.workers (0: none yet) */
	uint64_t retry_usec;     /* last call of the register retry schedule */
	/* metrics_listen (docs/architecture.md §13); NULL when off. */
	struct metrics *metrics;
	struct metrics_server *metrics_http;
	struct metric *pending, *processing;
	struct metric *retry_probes, *retry_batch;   /* ebba_register_retries_total{kind} */
	atomic_bool db_up;       /* for /readyz: the last statement worked */
	atomic_bool serving;     /* for /readyz: READY=1 was sent (rules loaded) */
	pthread_mutex_t rules_lock;     /* guards rules_info for the HTTP thread */
	char rules_info[512];    /* ebba_rules_info's sample line */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbad [-c CONFIG] [--once] [--worker NAME]\n"
		"  -c, --config FILE  configuration (default " EBBA_DEFAULT_CONFIG ")\n"
		"      --once         drain the inbox, then exit\n"
		"      --worker NAME  name this worker's leases (default host:pid)\n");
}

static enum log_level parse_level(const char *s)
{
	if (strcmp(s, "debug") == 0) return LOG_LVL_DEBUG;
	if (strcmp(s, "warning") == 0 || strcmp(s, "warn") == 0) return LOG_LVL_WARN;
	if (strcmp(s, "error") == 0) return LOG_LVL_ERROR;
	return LOG_LVL_INFO;
}

/* The database just answered a statement. */
static void db_answered(struct daemon *d, uint64_t now)
{
	d->db_ok_usec = now;
	atomic_store(&d->db_up, true);
}

/*
 * The watchdog's notion of healthy: the main loop turns (this is called
 * from it and from the database wait loop, never from a timer) and the
 * database answered within the last WatchdogSec.  A database that stays
 * away for longer than that stops the pings, so systemd kills and restarts
 * ebbad: a fresh process with fresh connections and name resolution, and
 * a restart count and journal entry an operator sees.  A shorter outage is
 * ridden out here with reconnects.  (Started, the clock counts from the
 * process start, so a database that is down at boot gets one WatchdogSec
 * of patience per process too.)
 */
static void keepalive(struct daemon *d)
{
	uint64_t wd = service_watchdog_usec();
	if (wd && now_usec() - d->db_ok_usec < wd)
		service_watchdog();
}

/* Sleeps up to ms, waking for signals; short enough to keep the watchdog fed. */
static void nap(struct daemon *d, int ms)
{
	uint64_t wd = service_watchdog_usec();
	if (wd && (uint64_t)ms * 1000u > wd / 4)
		ms = (int)(wd / 4000u);
	struct pollfd pfd = {.fd = d->sig.fd, .events = POLLIN};
	poll(&pfd, 1, ms);
}

static PGconn *open_db(const struct ebba_config *cfg, struct ebba_err *err)
{
	PGconn *conn = store_db_connect(cfg->database, "ebbad", cfg->statement_timeout_ms, err);
	if (conn && (store_protection_writer_ok(conn, err) != 0 || store_queue_listen(conn, err) != 0)) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

static void reload(struct daemon *d);

/* ------------------------------------------------------------- metrics */

#ifndef EBBA_VERSION
#define EBBA_VERSION "unknown"
#endif

/* ebba_rules_info's line for the rule set now running. */
static void note_rules(struct daemon *d)
{
	if (!d->metrics)
		return;
	const char *name, *version, *sha;
	worker_rules_id(d->worker, &name, &version, &sha);
	struct ebba_buf line = {0};
	buf_puts(&line, "ebba_rules_info{name=\"");
	metrics_escape_label(name, &line);
	buf_puts(&line, "\",version=\"");
	metrics_escape_label(version, &line);
	buf_puts(&line, "\",sha256=\"");
	metrics_escape_label(sha, &line);
	buf_puts(&line, "\"} 1\n");
	pthread_mutex_lock(&d->rules_lock);
	snprintf(d->rules_info, sizeof(d->rules_info), "%s", line.data);
	pthread_mutex_unlock(&d->rules_lock);
	buf_free(&line);
}

static void collect_rules(void *arg, struct ebba_buf *out)
{
	struct daemon *d = arg;
	buf_puts(out, "# HELP ebba_rules_info The rule set in use: name, version and SHA-256 over its files.\n"
		      "# TYPE ebba_rules_info gauge\n");
	pthread_mutex_lock(&d->rules_lock);
	buf_puts(out, d->rules_info);
	pthread_mutex_unlock(&d->rules_lock);
}

static bool is_ready(void *arg, char *why, size_t n)
{
	struct daemon *d = arg;
	if (!atomic_load(&d->serving))
		snprintf(why, n, "starting (rules or database not ready yet)");
	else if (!atomic_load(&d->db_up))
		snprintf(why, n, "the database does not answer");
	else
		return true;
	return false;
}

/* The registry and, with metrics_listen, its server; before the rules load
 * so that /healthz answers while ebbad starts. */
static int metrics_start(struct daemon *d, struct ebba_err *err)
{
	if (!d->cfg.metrics_listen || !d->cfg.metrics_listen[0])
		return 0;
	d->metrics = metrics_new();
	static const char *const version[] = {"version", NULL};
	metric_set(metric_series(metrics_family(d->metrics, METRIC_GAUGE, "ebba_build_info",
		"The ebbad build: always 1, its version in the label.", version, NULL, 0),
		(const char *const[]){EBBA_VERSION}), 1);
	d->pending = metrics_gauge(d->metrics, "ebba_queue_pending",
		"Inbox rows waiting to be claimed (sampled every few seconds).");
	d->processing = metrics_gauge(d->metrics, "ebba_queue_processing",
		"Inbox rows leased by a worker, any worker (sampled every few seconds).");
	static const char *const kind[] = {"kind", NULL};
	struct metric_family *retries = metrics_family(d->metrics, METRIC_COUNTER,
		"ebba_register_retries_total",
		"Referrals sent back to the inbox to ask the registers again: one as a probe, "
		"or a batch once a probe's registers answered.", kind, NULL, 0);
	d->retry_probes = metric_series(retries, (const char *const[]){"probe"});
	d->retry_batch = metric_series(retries, (const char *const[]){"batch"});
	metrics_add_collector(d->metrics, collect_rules, d);
	metrics_add_collector(d->metrics, metrics_collect_process, d->metrics);
	d->metrics_http = metrics_server_start(d->cfg.metrics_listen, "metrics_listen", d->metrics,
					       is_ready, d, err);
	if (!d->metrics_http)
		return -1;
	log_info("metrics: serving /metrics, /healthz and /readyz on %s (port %u)",
		 d->cfg.metrics_listen, metrics_server_port(d->metrics_http));
	return 0;
}

static void metrics_stop(struct daemon *d)
{
	metrics_server_stop(d->metrics_http);
	metrics_free(d->metrics);
	d->metrics_http = NULL;
	d->metrics = NULL;
}

/*
 * Connects and LISTENs, retrying with capped exponential backoff until it
 * works or a stop signal arrives; STATUS= says why it waits.  A SIGHUP in
 * the meantime reloads the configuration, so a wrong conninfo can be fixed
 * without a restart.  Returns -1 only when asked to stop.
 */
static int connect_db(struct daemon *d)
{
	int delay_ms = 250;
	for (;;) {
		struct ebba_err err;
		d->conn = open_db(&d->cfg, &err);
		if (d->conn) {
			db_answered(d, now_usec());
			return 0;
		}
		atomic_store(&d->db_up, false);
		pnr_scrub(err.msg);
		log_warn("%s; retrying in %d ms", err.msg, delay_ms);
		service_status("waiting for the database (retry in %d ms): %s", delay_ms, err.msg);
		uint64_t until = now_usec() + (uint64_t)delay_ms * 1000u;
		while (now_usec() < until) {
			keepalive(d);
			nap(d, (int)((until - now_usec()) / 1000u) + 1);
			service_signals_drain(&d->sig);
			if (d->sig.stop)
				return -1;
			if (d->sig.reload) {
				d->sig.reload = false;
				reload(d);
				delay_ms = 125;  /* doubled below: try the new settings soon */
				break;
			}
		}
		delay_ms = delay_ms * 2 > 10000 ? 10000 : delay_ms * 2;
	}
}

static bool connection_lost(struct daemon *d)
{
	return !d->conn || PQstatus(d->conn) != CONNECTION_OK;
}

static int reconnect(struct daemon *d)
{
	log_warn("database connection lost; reconnecting");
	atomic_store(&d->db_up, false);
	PQfinish(d->conn);
	d->conn = NULL;
	return connect_db(d);
}

/*
 * Loads a new config, and the rules it names, beside the running ones;
 * the running ones stay if anything in the new set does not load.  A new
 * database conninfo must connect before it is adopted.  worker_name
 * changes only at the next start: it names leases already held.
 */
static void reload(struct daemon *d)
{
	if (d->ready)
		service_reloading();
	struct ebba_config fresh;
	struct ebba_err err;
	PGconn *conn = NULL;
	config_defaults(&fresh);
	int rc = config_load(d->config_path, d->config_must_exist, &fresh, &err);
	bool db_changed = rc == 0 && (strcmp(fresh.database, d->cfg.database) != 0 ||
				     fresh.statement_timeout_ms != d->cfg.statement_timeout_ms);
	if (rc == 0 && db_changed && d->conn) {
		conn = open_db(&fresh, &err);
		if (!conn) {
			ebba_err_prefix(&err, "new database settings");
			rc = -1;
		}
	}
	if (rc == 0)
		rc = worker_reconfigure(d->worker, &fresh, &err);
	if (rc != 0) {
		pnr_scrub(err.msg);
		log_error("reload failed, keeping the running configuration and rules: %s", err.msg);
		PQfinish(conn);
		config_free(&fresh);
		if (d->ready)
			service_ready("reload failed; running with the previous configuration and rules");
		return;
	}
	if (strcmp(fresh.metrics_listen ? fresh.metrics_listen : "",
		   d->cfg.metrics_listen ? d->cfg.metrics_listen : "") != 0)
		log_warn("metrics_listen changes only at the next start");
	struct ebba_config old = d->cfg;
	d->cfg = fresh;
	worker_adopt_config(d->worker, &d->cfg);
	config_free(&old);
	if (conn) {
		PQfinish(d->conn);
		d->conn = conn;
		db_answered(d, now_usec());
	}
	log_set_level(parse_level(d->cfg.log_level));
	service_set_grace_ms(&d->sig, d->cfg.shutdown_grace_ms);
	note_rules(d);
	log_info("configuration and rules reloaded from %s", d->config_path);
	if (d->ready)
		service_ready("configuration and rules reloaded");
}

/* STATUS=: queue depth, the rate since the last report, totals. */
static void report_status(struct daemon *d, bool force)
{
	uint64_t now = now_usec();
	if (!force && now - d->status_usec < STATUS_EVERY_USEC)
		return;
	long done = d->stats.decided + d->stats.quarantined;
	double secs = (double)(now - d->status_usec) / 1e6;
	double rate = secs > 0 ? (double)(done - d->status_done) / secs : 0.0;
	long pending = 0, processing = 0;
	struct ebba_err err;
	if (connection_lost(d) || store_queue_depth(d->conn, &pending, &processing, &err) != 0) {
		service_status("queue depth unknown (database not answering); %.1f applications/s; "
			       "%ld decided, %ld quarantined since start",
			       rate, d->stats.decided, d->stats.quarantined);
	} else {
		db_answered(d, now);
		if (d->metrics) {
			metric_set(d->pending, (double)pending);
			metric_set(d->processing, (double)processing);
		}
		service_status("%ld pending, %ld in progress; %.1f applications/s; "
			       "%ld decided, %ld quarantined since start",
			       pending, processing, rate, d->stats.decided, d->stats.quarantined);
	}
	d->status_usec = now;
	d->status_done = done;
}

/*
 * keepalive() from inside a batch: called by the register client at least
 * every REG_SLICE_MS while look-ups are in flight (deadline_ms may be far
 * longer than WatchdogSec).  The loop turns there too; the database is not
 * being asked anything meanwhile, so what counts is that the connection is
 * not known to be lost.  The batch's own statements are bounded by
 * statement_timeout_ms.
 */
static void batch_keepalive(void *arg)
{
	struct daemon *d = arg;
	if (!connection_lost(d))
		service_watchdog();
}

static uint64_t stop_deadline(void *arg)
{
	struct daemon *d = arg;
	return service_stop_deadline(&d->sig);
}

/*
 * Drift's workers are what ebbad writes: its owner and when it was last
 * seen, in ebba.workers (schema 028), at start and then at most every
 * HEARTBEAT_EVERY_USEC, busy or idle (poll_interval_ms and the watchdog
 * wake the loop).  A failed heartbeat is logged and retried next turn; it
 * never stops deciding.
 */
#define HEARTBEAT_EVERY_USEC (10u * 1000000u)
static void heartbeat(struct daemon *d)
{
	uint64_t now = now_usec();
	if (d->seen_usec && now - d->seen_usec < HEARTBEAT_EVERY_USEC)
		return;
	struct ebba_err err;
	if (connection_lost(d))
		return;
	d->seen_usec = now;
	if (store_worker_seen(d->conn, d->owner, d->stats.decided, &err) != 0)
		log_error("%s", err.msg);
}

/*
 * Asking the registers again before asking a person (schema 029): the
 * database picks what is due and sends it to the inbox, where this loop
 * decides it like any application.  Asked a few times per interval (at
 * least every second, at most every 10 s), so a probe's answer is acted
 * on soon; each call is one statement that does nothing while a round is
 * being decided.  A failure is logged and tried again next time.
 */
#define RETRY_CHECKS_MAX 64
static void ask_registers_again(struct daemon *d)
{
	int every = d->cfg.registers.retry_every_seconds;
	if (every <= 0 || connection_lost(d))
		return;
	uint64_t tick = (uint64_t)(every < 4 ? 1 : every / 4 > 10 ? 10 : every / 4) * 1000000u;
	uint64_t now = now_usec();
	if (d->retry_usec && now - d->retry_usec < tick)
		return;
	d->retry_usec = now;
	const char *checks[RETRY_CHECKS_MAX];
	size_t n = worker_retry_checks(d->worker, checks, RETRY_CHECKS_MAX);
	struct register_retry_round round;
	struct ebba_err err;
	if (store_register_retry(d->conn, checks, n, every, d->cfg.registers.retry_window_hours,
				 d->cfg.registers.retry_batch, &round, &err) != 0) {
		log_error("%s", err.msg);
		return;
	}
	if (round.sent == 0)
		return;
	log_info("asking the registers again: %ld referral%s sent back to the inbox%s", round.sent,
		 round.sent == 1 ? "" : "s", round.probe ? " (a probe)" : "");
	if (d->metrics)
		metric_add(round.probe ? d->retry_probes : d->retry_batch, (double)round.sent);
}

/* Returns 1 if a batch was worked, 0 if the inbox had nothing, -1 on error. */
static int work_one_batch(struct daemon *d)
{
	struct queue_batch batch;
	struct ebba_err err;
	if (store_queue_claim(d->conn, d->owner, d->cfg.batch_size, d->cfg.lease_seconds,
			(size_t)d->cfg.max_document_bytes, &batch, &err) != 0) {
		log_error("%s", err.msg);
		return -1;
	}
	db_answered(d, now_usec());
	if (batch.count == 0) {
		store_queue_batch_free(&batch);
		return 0;
	}
	uint64_t wd = service_watchdog_usec();
	struct reg_fetch_ctl ctl = {.stop_deadline = stop_deadline, .keepalive = batch_keepalive,
				    .arg = d, .slice_ms = wd ? (int)(wd / 4000u) : 0};
	int rc = worker_run_batch(d->worker, d->conn, &batch, &ctl, &d->stats, &err);
	if (rc != 0)
		log_error("batch of %zu not completed (its lease will expire and it will be retried): %s",
			  batch.count, err.msg);
	else
		db_answered(d, now_usec());
	/* On failure, or when a stop cut the batch short, give back what is
	 * still leased to us at once (only rows still 'processing' are
	 * touched), so no other worker waits for the lease to expire. */
	if ((rc != 0 || service_stop_deadline(&d->sig) != UINT64_MAX) && !connection_lost(d)) {
		if (store_queue_release(d->conn, d->owner, &batch, rc != 0, &err) != 0)
			log_error("releasing the batch: %s", err.msg);
	}
	store_queue_batch_free(&batch);
	return rc == 0 ? 1 : -1;
}

static void wait_for_work(struct daemon *d)
{
	struct pollfd pfd[2] = {
		{.fd = PQsocket(d->conn), .events = POLLIN},
		{.fd = d->sig.fd, .events = POLLIN},
	};
	int ms = d->cfg.poll_interval_ms;
	uint64_t wd = service_watchdog_usec();
	if (wd && (uint64_t)ms * 1000u > wd / 4)
		ms = (int)(wd / 4000u);
	int n = poll(pfd, 2, ms);
	if (n > 0 && (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)))
		store_queue_drain_notifications(d->conn);
}

static int run(struct daemon *d)
{
	d->db_ok_usec = d->started_usec;
	if (connect_db(d) != 0)
		goto stop;
	d->ready = true;
	atomic_store(&d->serving, true);
	service_ready("ready");
	report_status(d, true);
	log_info("ready as %s (batch %d, lease %d s, rules %s)", d->owner, d->cfg.batch_size,
		 d->cfg.lease_seconds, d->cfg.rules_dir);
	int failures = 0;
	bool busy = false;       /* a batch was worked since the inbox was last empty */
	for (;;) {
		service_signals_drain(&d->sig);
		if (d->sig.stop)
			break;
		if (d->sig.reload) {
			d->sig.reload = false;
			reload(d);
		}
		keepalive(d);
		heartbeat(d);
		ask_registers_again(d);
		int got = work_one_batch(d);
		if (got > 0) {
			failures = 0;
			busy = true;
			report_status(d, false);
			continue;
		}
		if (got < 0) {
			service_status("database error; retrying (%ld decided, %ld quarantined since start)",
				       d->stats.decided, d->stats.quarantined);
			if (connection_lost(d) && reconnect(d) != 0)
				break;
			/* Back off on repeated errors rather than spin. */
			if (++failures > 1)
				nap(d, failures > 6 ? 5000 : 100 << failures);
			continue;
		}
		failures = 0;
		if (d->once)
			break;
		/* The inbox just emptied: its totals now, not up to 10 s later. */
		report_status(d, busy);
		busy = false;
		wait_for_work(d);
	}
stop:
	service_stopping("stopping");
	log_info("stopping: %ld decided, %ld quarantined", d->stats.decided, d->stats.quarantined);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"once", no_argument, NULL, 'o'},
		{"worker", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct daemon d = {.config_path = EBBA_DEFAULT_CONFIG, .rules_lock = PTHREAD_MUTEX_INITIALIZER};
	const char *worker_name = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.config_path = optarg; d.config_must_exist = true; break;
		case 'o': d.once = true; break;
		case 'w': worker_name = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("ebbad", LOG_LVL_INFO);
	config_defaults(&d.cfg);
	struct ebba_err err;
	if (config_load(d.config_path, d.config_must_exist, &d.cfg, &err) != 0)
		fatal("%s", err.msg);
	log_set_level(parse_level(d.cfg.log_level));
	if (service_signals_open(&d.sig) != 0)
		fatal("cannot set up signal handling: %s", strerror(errno));
	service_set_grace_ms(&d.sig, d.cfg.shutdown_grace_ms);

	char host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	const char *name = worker_name ? worker_name : d.cfg.worker_name;
	/* The owner fences completion, so it must never repeat, not even for a
	 * restarted worker with the same name and a recycled pid. */
	unsigned nonce = 0;
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (unsigned)now_usec();
	snprintf(d.owner, sizeof(d.owner), "%s:%d:%08x", name && *name ? name : host, (int)getpid(), nonce);
	d.started_usec = now_usec();
	d.status_usec = d.started_usec;
	/* After the signal mask is set: the server's thread inherits it. */
	if (metrics_start(&d, &err) != 0)
		fatal("%s", err.msg);
	service_status("loading rules from %s", d.cfg.rules_dir);
	d.worker = worker_new(&d.cfg, d.owner, &err);
	if (!d.worker)
		fatal("%s", err.msg);
	if (d.metrics) {
		worker_count_into(d.worker, d.metrics);
		note_rules(&d);
	}
	int rc = run(&d);
	metrics_stop(&d);
	worker_free(d.worker);
	PQfinish(d.conn);
	config_free(&d.cfg);
	return rc;
}
