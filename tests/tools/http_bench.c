/*
 * http_bench: how close the HTTP engine gets to the ideal with slow
 * registers.  Not a test; prints figures.
 *
 *   build/tests/http_bench [-n 1000] [-c 64] [-l 50] [--url BASE]
 *
 * Without --url it starts $EBBA_BUILD/ebba-regsim (default build/) on a free
 * loopback port with --latency-ms L and an empty fixtures directory, and
 * sends N attendance look-ups (404s: the answer size does not matter here)
 * at concurrency C.  Ideal time is N x L / C.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ebba/lib/http.h"
#include "ebba/lib/log.h"
#include "ebba/lib/util.h"

static pid_t start_sim(const char *build, int latency, char *dir, int *port)
{
	char portfile[256], lat[32];
	snprintf(portfile, sizeof(portfile), "%s/port", dir);
	snprintf(lat, sizeof(lat), "%d", latency);
	char *exe = xasprintf("%s/ebba-regsim", build);
	pid_t pid = fork();
	if (pid == 0) {
		execl(exe, exe, "--dir", dir, "--port", "0", "--port-file", portfile,
		      "--latency-ms", lat, (char *)NULL);
		perror(exe);
		_exit(127);
	}
	free(exe);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(portfile, "r");
		if (f) {
			int ok = fscanf(f, "%d", port) == 1;
			fclose(f);
			if (ok)
				return pid;
		}
		usleep(10000);
	}
	fatal("http_bench: the simulator did not start");
}

int main(int argc, char **argv)
{
	int n = 1000, conc = 64, latency = 50, c;
	const char *base = NULL;
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' }, { 0 },
	};
	log_init("http_bench", LOG_LVL_WARN);
	while ((c = getopt_long(argc, argv, "n:c:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'c': conc = atoi(optarg); break;
		case 'l': latency = atoi(optarg); break;
		case 'u': base = optarg; break;
		default:
			fprintf(stderr, "usage: http_bench [-n N] [-c C] [-l MS] [--url BASE]\n");
			return 2;
		}
	}
	if (n <= 0 || conc <= 0 || latency < 0) {
		fprintf(stderr, "http_bench: -n and -c must be positive\n");
		return 2;
	}

	char dir[] = "/tmp/ebba-http-bench-XXXXXX";
	pid_t pid = 0;
	char *owned = NULL;
	if (!base) {
		const char *build = getenv("EBBA_BUILD") ? getenv("EBBA_BUILD") : "build";
		int port;
		if (!mkdtemp(dir))
			fatal("http_bench: mkdtemp failed");
		pid = start_sim(build, latency, dir, &port);
		base = owned = xasprintf("http://127.0.0.1:%d", port);
	}
	/* An attendance look-up as ebba makes it: the number in a POST body. */
	char *u = xasprintf("%s/attendance", base);
	static const char body[] = "pnr=198503122395&period=2026-12";
	static const char *const form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };

	struct http_engine_config cfg = { .max_concurrent = conc, .breaker_threshold = -1 };
	struct http_engine *e;
	struct ebba_err err;
	if (http_engine_new(&cfg, &e, &err) != 0)
		fatal("%s", err.msg);
	uint64_t t0 = now_usec();
	for (int i = 0; i < n; i++) {
		struct http_request req = { .method = "POST", .url = u, .body = body,
					    .body_len = sizeof(body) - 1, .headers = form,
					    .timeout_ms = 10000 };
		http_submit(e, &req);
	}
	if (http_engine_run_all(e, &err) != 0)
		fatal("%s", err.msg);
	double secs = (double)(now_usec() - t0) / 1e6;
	int ok = 0, failed = 0;
	struct http_result r;
	while (http_next_result(e, &r)) {
		if (r.ok)
			ok++;
		else
			failed++;
		http_result_free(&r);
	}
	double ideal = (double)n * latency / 1000.0 / conc;
	printf("http_bench: %d look-ups, %d ms latency, concurrency %d: %.3f s "
	       "(ideal %.3f s, %.0f%% of ideal), %.0f requests/s, %d ok, %d failed\n",
	       n, latency, conc, secs, ideal, secs > 0 ? 100.0 * ideal / secs : 0.0,
	       secs > 0 ? n / secs : 0.0, ok, failed);
	http_engine_free(e);
	free(u);
	free(owned);
	if (pid) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		char *cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "http_bench: cannot remove %s\n", dir);
		free(cmd);
	}
	return failed ? 1 : 0;
}
