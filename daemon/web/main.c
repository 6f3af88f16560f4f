/*
 * ebba-web [-c CONFIG]: the web interface for caseworkers and supervisors
 * (ebba-web(8)).  The main thread only waits for signals and, now and
 * then, ends timed-out sessions; libmicrohttpd's threads answer requests.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "ebba/lib/config.h"
#include "ebba/lib/log.h"
#include "login.h"
#include "server.h"
#include "session.h"
#include "web_metrics.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebba-web [-c CONFIG]\n"
		"  -c, --config FILE  configuration (default " EBBA_DEFAULT_CONFIG "), section web:\n"
		"      --routes       print every route (method, path, groups, public) and exit\n"
		"  -h, --help         this text\n"
		"Serves the caseworkers' and supervisors' web interface (ebba-web(8)).\n");
}

static enum log_level parse_level(const char *s)
{
	if (strcmp(s, "debug") == 0) return LOG_LVL_DEBUG;
	if (strcmp(s, "warning") == 0 || strcmp(s, "warn") == 0) return LOG_LVL_WARN;
	if (strcmp(s, "error") == 0) return LOG_LVL_ERROR;
	return LOG_LVL_INFO;
}

static void print_routes(const struct web_route *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char groups[64] = "";
		if (r[i].groups & WEB_CASEWORKER) strcat(groups, ",caseworker");
		if (r[i].groups & WEB_SUPERVISOR) strcat(groups, ",supervisor");
		if (r[i].groups & WEB_AUDITOR) strcat(groups, ",auditor");
		printf("%s\t%s\t%s\t%s\n", r[i].method, r[i].path, groups[0] ? groups + 1 : "any",
		       r[i].flags & WEB_PUBLIC ? "public" : "session");
	}
}

/* The whole route table, for operators and for the tests that try every
 * route without a session.  (/static/ is served beside it, public.) */
static void routes(void)
{
	size_t n;
	const struct web_route *r = login_routes(&n);
	print_routes(r, n);
	r = web_page_routes(&n);
	print_routes(r, n);
}

static int parse_args(int argc, char **argv, const char **config, bool *explicit_config)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
		{"routes", no_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': *config = optarg; *explicit_config = true; break;
		case 'h': usage(stdout); return 1;
		case 'r': routes(); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Until SIGTERM or SIGINT; every 30 s the timed-out sessions end. */
static void wait_for_stop(const sigset_t *set)
{
	for (;;) {
		struct timespec ts = {30, 0};
		int sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return;
		sess_sweep();
		sd_notifyf(0, "STATUS=%d session(s)", sess_count());
	}
}

int main(int argc, char **argv)
{
	const char *config = EBBA_DEFAULT_CONFIG;
	bool explicit_config = false;
	int a = parse_args(argc, argv, &config, &explicit_config);
	if (a != 0)
		return a > 0 ? 0 : 2;
	log_init("ebba-web", LOG_LVL_INFO);
	struct ebba_config cfg;
	struct ebba_err err;
	config_defaults(&cfg);
	if (config_load(config, explicit_config, &cfg, &err) != 0) {
		log_error("ebba-web: %s", err.msg);
		config_free(&cfg);
		return 2;
	}
	log_set_level(parse_level(cfg.log_level));
	/* Blocked before libmicrohttpd's threads start, so they inherit it and
	 * only the main thread receives the signals. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (web_metrics_start(&cfg, &err) != 0) {
		log_error("ebba-web: %s", err.msg);
		config_free(&cfg);
		return 2;
	}
	struct web_server *srv = server_start(&cfg, &err);
	if (!srv) {
		log_error("ebba-web: %s", err.msg);
		web_metrics_stop();
		web_metrics_free();
		config_free(&cfg);
		return 2;
	}
	web_metrics_serving();
	if (cfg.web.address[0] == '/')
		log_info("ebba-web: listening on %s (auth: %s)", cfg.web.address, cfg.web.auth);
	else
		log_info("ebba-web: listening on %s://%s%s%s:%u/ (auth: %s)", cfg.web.tls_cert ? "https" : "http",
			 strchr(cfg.web.address, ':') ? "[" : "", cfg.web.address,
			 strchr(cfg.web.address, ':') ? "]" : "", server_port(srv), cfg.web.auth);
	sd_notify(0, "READY=1\nSTATUS=0 session(s)");
	wait_for_stop(&set);
	sd_notify(0, "STOPPING=1");
	log_info("ebba-web: stopping");
	web_metrics_stop();
	server_stop(srv);
	web_metrics_free();
	config_free(&cfg);
	return 0;
}
