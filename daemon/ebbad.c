/*
 * ebbad: the daemon.  One process, one database connection, one batch at a
 * time; run several processes (on one or many hosts) for more throughput.
 * PostgreSQL is the only shared state.
 *
 * The main loop claims a batch, works it, completes it, and when the inbox
 * is empty waits on the database socket (LISTEN ebba_inbox) and the
 * signalfd together, with a polling fallback.  Signals only set flags.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ebba/config.h"
#include "ebba/db.h"
#include "ebba/log.h"
#include "ebba/service.h"
#include "ebba/util.h"
#include "ebba/worker.h"

struct daemon {
	struct ebba_config cfg;
	const char *config_path;
	bool config_must_exist;
	bool once;
	char owner[128];
	PGconn *conn;
	struct service_signals sig;
	struct worker *worker;
	struct worker_stats stats;
	uint64_t started_usec;
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

/* Connects and LISTENs, retrying with capped exponential backoff until it
 * works or a stop signal arrives.  Returns -1 only when asked to stop. */
static int connect_db(struct daemon *d)
{
	int delay_ms = 250;
	for (;;) {
		struct ebba_err err;
		d->conn = db_connect(d->cfg.database, "ebbad", d->cfg.statement_timeout_ms, &err);
		if (d->conn && db_exec(d->conn, "listen ebba_inbox", 0, NULL, &err) == 0)
			return 0;
		PQfinish(d->conn);
		d->conn = NULL;
		log_warn("%s; retrying in %d ms", err.msg, delay_ms);
		service_status("waiting for the database: %s", err.msg);
		struct pollfd pfd = {.fd = d->sig.fd, .events = POLLIN};
		poll(&pfd, 1, delay_ms);
		service_signals_drain(&d->sig);
		if (d->sig.stop)
			return -1;
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
	PQfinish(d->conn);
	d->conn = NULL;
	return connect_db(d);
}

/* Loads a new config, and the rules it names, beside the running ones;
 * the running ones stay if anything in the new set does not load. */
static void reload(struct daemon *d)
{
	service_reloading();
	struct ebba_config fresh;
	struct ebba_err err;
	config_defaults(&fresh);
	if (config_load(d->config_path, d->config_must_exist, &fresh, &err) != 0 ||
	    worker_reconfigure(d->worker, &fresh, &err) != 0) {
		log_error("reload failed, keeping the running configuration and rules: %s", err.msg);
		config_free(&fresh);
		service_ready("reload failed; running with the previous configuration and rules");
		return;
	}
	struct ebba_config old = d->cfg;
	d->cfg = fresh;
	worker_adopt_config(d->worker, &d->cfg);
	config_free(&old);
	log_set_level(parse_level(d->cfg.log_level));
	log_info("configuration and rules reloaded from %s", d->config_path);
	service_ready("configuration reloaded");
}

static void report_status(struct daemon *d)
{
	double secs = (double)(now_usec() - d->started_usec) / 1e6;
	service_status("%ld decided, %ld quarantined, %.1f decisions/s",
		       d->stats.decided, d->stats.quarantined,
		       secs > 0 ? (double)d->stats.decided / secs : 0.0);
}

/* Returns 1 if a batch was worked, 0 if the inbox had nothing, -1 on error. */
static int work_one_batch(struct daemon *d)
{
	struct queue_batch batch;
	struct ebba_err err;
	if (queue_claim(d->conn, d->owner, d->cfg.batch_size, d->cfg.lease_seconds,
			(size_t)d->cfg.max_document_bytes, &batch, &err) != 0) {
		log_error("%s", err.msg);
		return -1;
	}
	if (batch.count == 0) {
		queue_batch_free(&batch);
		return 0;
	}
	int rc = worker_run_batch(d->worker, d->conn, &batch, &d->stats, &err);
	if (rc != 0) {
		log_error("batch of %zu not completed (its lease will expire and it will be retried): %s",
			  batch.count, err.msg);
		/* Give the rows back at once if we still can. */
		if (!connection_lost(d))
			queue_release(d->conn, d->owner, &batch, NULL);
	}
	queue_batch_free(&batch);
	return rc == 0 ? 1 : -1;
}

static void wait_for_work(struct daemon *d)
{
	struct pollfd pfd[2] = {
		{.fd = PQsocket(d->conn), .events = POLLIN},
		{.fd = d->sig.fd, .events = POLLIN},
	};
	int n = poll(pfd, 2, d->cfg.poll_interval_ms);
	if (n > 0 && (pfd[0].revents & (POLLIN | POLLERR | POLLHUP))) {
		PQconsumeInput(d->conn);
		PGnotify *note;
		while ((note = PQnotifies(d->conn)))
			PQfreemem(note);
	}
}

static int run(struct daemon *d)
{
	if (connect_db(d) != 0)
		return 0;
	service_ready("ready");
	log_info("ready as %s (batch %d, lease %d s)", d->owner, d->cfg.batch_size, d->cfg.lease_seconds);
	int failures = 0;
	for (;;) {
		service_signals_drain(&d->sig);
		if (d->sig.stop)
			break;
		if (d->sig.reload) {
			d->sig.reload = false;
			reload(d);
		}
		service_watchdog();
		int got = work_one_batch(d);
		if (got > 0) {
			failures = 0;
			report_status(d);
			continue;
		}
		if (got < 0) {
			if (connection_lost(d) && reconnect(d) != 0)
				break;
			/* Back off on repeated errors rather than spin. */
			if (++failures > 1) {
				struct pollfd pfd = {.fd = d->sig.fd, .events = POLLIN};
				poll(&pfd, 1, failures > 6 ? 5000 : 100 << failures);
			}
			continue;
		}
		if (d->once)
			break;
		wait_for_work(d);
	}
	service_stopping("stopping");
	report_status(d);
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
	struct daemon d = {.config_path = EBBA_DEFAULT_CONFIG};
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

	char host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	const char *name = worker_name ? worker_name : d.cfg.worker_name;
	/* The owner fences completion, so it must never repeat, not even for a
	 * restarted worker with the same name and a recycled pid. */
	unsigned nonce = 0;
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (unsigned)now_usec();
	snprintf(d.owner, sizeof(d.owner), "%s:%d:%08x", name ? name : host, (int)getpid(), nonce);
	d.started_usec = now_usec();
	d.worker = worker_new(&d.cfg, d.owner, &err);
	if (!d.worker)
		fatal("%s", err.msg);
	int rc = run(&d);
	worker_free(d.worker);
	PQfinish(d.conn);
	config_free(&d.cfg);
	return rc;
}
