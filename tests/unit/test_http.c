/*
 * The HTTP engine against the real register simulator on loopback.
 *
 * One ebba-regsim ($EBBA_BUILD/ebba-regsim, default build/) is started for
 * the whole group with --port 0; each test sets the faults it wants through
 * GET /control and resets them first.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ebba/lib/http.h"
#include "ebba/lib/log.h"
#include "ebba/registers/ssbtek.h"
#include "ebba/lib/util.h"

#define PNR_PLAN    "198503122395"   /* Skatteverket test numbers */
#define PNR_NOPLAN  "198701052386"

static pid_t sim_pid;
static int sim_port;
static char tmpdir[] = "/tmp/ebba-test-http-XXXXXX";
static char *ssbtek_body;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int start_sim(void **state)
{
	const char *build = getenv("EBBA_BUILD") ? getenv("EBBA_BUILD") : "build";
	if (!mkdtemp(tmpdir))
		return -1;
	char path[512], portfile[512], dir[512];
	snprintf(dir, sizeof(dir), "%s/plan", tmpdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/ssbtek", tmpdir);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/plan/%s.xml", tmpdir, PNR_PLAN);
	write_file(path, "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" PNR_PLAN "\" period=\"2026-11\">"
			 "<plan id=\"P-1\" hours-per-week=\"40\" from=\"2026-03-01\"/></attendance>\n");
	snprintf(portfile, sizeof(portfile), "%s/port", tmpdir);
	struct ssbtek_request_params rp = {
		.pnr = PNR_PLAN, .case_id = "C-1", .from_date = "2026-11-01", .to_date = "2026-11-30",
		.org_number = "2120000142", .org_name = "Testkommunen", .purpose = "test",
		.law_text = "test", .agencies = SSBTEK_ALL_AGENCIES, .fk_aktorsid = "2120000142",
	};
	struct ebba_buf body = {0};
	struct ebba_err err;
	if (ssbtek_build_request(&rp, &body, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	ssbtek_body = buf_steal(&body);

	char *exe = xasprintf("%s/ebba-regsim", build);
	sim_pid = fork();
	if (sim_pid == 0) {
		execl(exe, exe, "--dir", tmpdir, "--port", "0", "--port-file", portfile,
		      "--hang-ms", "10000", "--seed", "7", (char *)NULL);
		perror(exe);
		_exit(127);
	}
	free(exe);
	for (int i = 0; i < 500; i++) {   /* up to 5 s */
		FILE *f = fopen(portfile, "r");
		if (f) {
			int ok = fscanf(f, "%d", &sim_port) == 1;
			fclose(f);
			if (ok)
				return 0;
		}
		if (waitpid(sim_pid, NULL, WNOHANG) == sim_pid)
			return -1;
		usleep(10000);
	}
	return -1;
}

static int stop_sim(void **state)
{
	int status = -1;
	kill(sim_pid, SIGTERM);
	waitpid(sim_pid, &status, 0);
	free(ssbtek_body);
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
	/* The simulator must shut down cleanly even with hung connections. */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static char *url(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *url(const char *fmt, ...)
{
	char path[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return xasprintf("http://127.0.0.1:%d%s", sim_port, path);
}

static struct http_engine *engine(struct http_engine_config *cfg)
{
	struct http_engine *e;
	struct ebba_err err;
	assert_int_equal(http_engine_new(cfg, &e, &err), 0);
	return e;
}

/* Runs one request to completion and hands back its result. */
static void run_one(struct http_engine *e, const struct http_request *req, struct http_result *r)
{
	struct ebba_err err;
	http_submit(e, req);
	assert_int_equal(http_engine_run_all(e, &err), 0);
	assert_true(http_next_result(e, r));
}

static void control(const char *query)
{
	struct http_engine *e = engine(NULL);
	char *u = url("/control?%s", query);
	struct http_request req = { .url = u, .timeout_ms = 2000 };
	struct http_result r;
	run_one(e, &req, &r);
	assert_true(r.ok);
	assert_int_equal(r.failure, HTTP_FAIL_NONE);
	assert_int_equal(r.status, 200);
	http_result_free(&r);
	free(u);
	http_engine_free(e);
}

static int reset(void **state)
{
	control("reset=1");
	return 0;
}

static const char BODY_PLAN[] = "pnr=" PNR_PLAN "&period=2026-12";
static const char BODY_NOPLAN[] = "pnr=" PNR_NOPLAN "&period=2026-12";

/* An attendance look-up as ebba makes it: a POST, the number in the body. */
static struct http_request attendance(char *u, const char *body, int timeout_ms)
{
	static const char *const form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	return (struct http_request){ .method = "POST", .url = u, .body = body, .body_len = strlen(body),
				      .headers = form, .timeout_ms = timeout_ms };
}

/* --------------------------------------------------------------- tests */

static void test_success(void **state)
{
	struct http_engine_config cfg = { .seed = 1 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	int tag = 42;
	struct http_request req = attendance(u, BODY_PLAN, 2000);
	req.tag = &tag;
	struct http_result r;
	run_one(e, &req, &r);
	assert_true(r.ok);
	assert_int_equal(r.status, 200);
	assert_ptr_equal(r.tag, &tag);
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.error.msg, "");
	assert_non_null(strstr(r.body.data, "urn:ebba:plan:1"));
	assert_int_equal(http_pending(e), 0);
	assert_false(http_next_result(e, &r) && (http_result_free(&r), true));

	/* The SOAP endpoint: a POST with a body. */
	char *su = url("/ssbtek");
	const char *hdrs[] = { "Content-Type: text/xml; charset=utf-8", "SOAPAction: \"\"", NULL };
	struct http_request post = { .method = "POST", .url = su, .body = ssbtek_body,
				     .body_len = strlen(ssbtek_body), .headers = hdrs,
				     .timeout_ms = 2000 };
	struct http_result r2;
	run_one(e, &post, &r2);
	assert_true(r2.ok);
	assert_int_equal(r2.status, 200);
	assert_non_null(strstr(r2.body.data, "hamtaBastjanstInformationResponse"));
	http_result_free(&r);
	http_result_free(&r2);
	free(u);
	free(su);
	http_engine_free(e);
}

static void test_not_found_is_an_answer(void **state)
{
	struct http_engine *e = engine(NULL);
	char *u = url("/attendance");
	struct http_request req = attendance(u, BODY_NOPLAN, 2000);
	struct http_result r;
	run_one(e, &req, &r);
	assert_true(r.ok);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.attempts, 1);     /* a 404 is not retried */
	http_result_free(&r);
	free(u);
	http_engine_free(e);
}

static void test_soap_fault_for_bad_request(void **state)
{
	struct http_engine_config cfg = { .max_retries = -1 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/ssbtek");
	struct http_request req = { .method = "POST", .url = u, .body = "<x/>", .body_len = 4,
				    .timeout_ms = 2000 };
	struct http_result r;
	run_one(e, &req, &r);
	assert_false(r.ok);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body.data, "soap:Fault"));
	assert_non_null(strstr(r.error.msg, "HTTP 500"));
	http_result_free(&r);
	free(u);
	http_engine_free(e);
}

static void test_retries_after_503(void **state)
{
	control("error-rate=0.5");
	struct http_engine_config cfg = { .max_retries = 30, .backoff_base_ms = 1,
					  .backoff_max_ms = 5, .breaker_threshold = -1, .seed = 3 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct ebba_err err;
	for (int i = 0; i < 20; i++) {
		struct http_request req = attendance(u, BODY_PLAN, 2000);
		http_submit(e, &req);
	}
	assert_int_equal(http_engine_run_all(e, &err), 0);
	int attempts = 0, n = 0;
	struct http_result r;
	while (http_next_result(e, &r)) {
		assert_true(r.ok);
		assert_int_equal(r.status, 200);
		attempts += r.attempts;
		n++;
		http_result_free(&r);
	}
	assert_int_equal(n, 20);
	assert_true(attempts > 20);   /* some failed first and were retried */
	free(u);
	http_engine_free(e);
}

static void test_gives_up_with_reason(void **state)
{
	control("error-rate=1");
	struct http_engine_config cfg = { .max_retries = 2, .backoff_base_ms = 1,
					  .backoff_max_ms = 2, .breaker_threshold = -1 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct http_request req = attendance(u, BODY_PLAN, 2000);
	struct http_result r;
	run_one(e, &req, &r);
	assert_false(r.ok);
	assert_int_equal(r.attempts, 3);
	assert_true(r.status == 500 || r.status == 503);
	assert_non_null(strstr(r.error.msg, "gave up after 3 attempts: HTTP 50"));
	assert_int_equal(r.failure, HTTP_FAIL_STATUS);
	http_result_free(&r);
	free(u);
	http_engine_free(e);
}

static void test_timeout_hits_deadline(void **state)
{
	control("hang-rate=1");
	struct http_engine_config cfg = { .backoff_base_ms = 10, .max_retries = 10,
					  .breaker_threshold = -1 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct http_request req = attendance(u, BODY_PLAN, 200);
	uint64_t t0 = now_usec();
	req.deadline_usec = t0 + 700 * 1000;
	struct http_result r;
	run_one(e, &req, &r);
	uint64_t took = now_usec() - t0;
	assert_false(r.ok);
	assert_true(r.attempts >= 2);
	assert_non_null(strstr(r.error.msg, "deadline passed after"));
	assert_non_null(strstr(r.error.msg, "timeout after"));
	assert_int_equal(r.failure, HTTP_FAIL_TIMEOUT);    /* the last attempt's kind */
	assert_string_equal(http_failure_name(r.failure), "timeout");
	assert_true(took >= 600 * 1000);    /* it did keep trying ... */
	assert_true(took < 1200 * 1000);    /* ... but not past the deadline */
	http_result_free(&r);
	free(u);
	http_engine_free(e);
}

static void test_truncated_body(void **state)
{
	control("truncate-rate=1");
	struct http_engine_config cfg = { .max_retries = 1, .backoff_base_ms = 1,
					  .breaker_threshold = -1 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct http_request req = attendance(u, BODY_PLAN, 2000);
	struct http_result r;
	run_one(e, &req, &r);
	assert_false(r.ok);
	assert_int_equal(r.attempts, 2);     /* a cut transfer is retried */
	assert_non_null(strstr(r.error.msg, "gave up after 2 attempts"));
	assert_non_null(strstr(r.error.msg, "partial"));
	http_result_free(&r);
	free(u);
	http_engine_free(e);
}

static int looks_like_xml(void *tag, long status, const char *body, size_t len,
			  struct ebba_err *err)
{
	if (status == 200 && (len == 0 || body[0] != '<' || memchr(body, '\0', len)))
		return ebba_errf(err, "not XML");
	return 0;
}

static void test_garbage_body(void **state)
{
	control("garbage-rate=1");
	struct http_engine_config cfg = { .max_retries = 2, .backoff_base_ms = 1,
					  .breaker_threshold = -1 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct http_request req = attendance(u, BODY_PLAN, 2000);
	req.validate = looks_like_xml;
	struct http_result r;
	run_one(e, &req, &r);
	assert_false(r.ok);
	assert_int_equal(r.attempts, 3);
	assert_non_null(strstr(r.error.msg, "invalid response (HTTP 200): not XML"));
	assert_int_equal(r.failure, HTTP_FAIL_INVALID);
	http_result_free(&r);

	/* Once the register recovers, the same check passes. */
	control("reset=1");
	run_one(e, &req, &r);
	assert_true(r.ok);
	assert_int_equal(r.attempts, 1);
	http_result_free(&r);
	free(u);
	http_engine_free(e);
}

static void test_too_large(void **state)
{
	struct http_engine_config cfg = { .max_body = 16 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct http_request req = attendance(u, BODY_PLAN, 2000);
	struct http_result r;
	run_one(e, &req, &r);
	assert_false(r.ok);
	assert_int_equal(r.attempts, 1);     /* not retried: it would be as large again */
	assert_string_equal(r.error.msg, "response too large (more than 16 bytes)");
	http_result_free(&r);
	free(u);
	http_engine_free(e);
}

static void test_circuit_breaker(void **state)
{
	control("error-rate=1");
	struct http_engine_config cfg = { .max_retries = -1, .breaker_threshold = 3,
					  .breaker_cooldown_ms = 300 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	char *ep = url("/attendance");
	struct http_request req = attendance(u, BODY_PLAN, 2000);
	struct http_result r;
	for (int i = 0; i < 3; i++) {
		assert_string_equal(http_breaker_state(e, ep), "closed");
		run_one(e, &req, &r);
		assert_false(r.ok);
		assert_int_equal(r.attempts, 1);
		http_result_free(&r);
	}
	assert_string_equal(http_breaker_state(e, ep), "open");

	/* Open: fails at once without touching the network. */
	control("reset=1");
	run_one(e, &req, &r);
	assert_false(r.ok);
	assert_int_equal(r.attempts, 0);
	assert_non_null(strstr(r.error.msg, "circuit open for"));
	assert_non_null(strstr(r.error.msg, "/attendance"));
	assert_int_equal(r.failure, HTTP_FAIL_CIRCUIT_OPEN);
	char *key = http_endpoint_key(u);
	assert_string_equal(key, ep);      /* the key a caller asks the breaker by */
	free(key);
	http_result_free(&r);

	/* Other endpoints are not affected. */
	char *su = url("/stats");
	struct http_request other = { .url = su, .timeout_ms = 2000 };
	run_one(e, &other, &r);
	assert_true(r.ok);
	http_result_free(&r);

	/* After the cool-down one probe goes out; it succeeds, so it closes. */
	usleep(350 * 1000);
	assert_string_equal(http_breaker_state(e, ep), "half-open");
	run_one(e, &req, &r);
	assert_true(r.ok);
	assert_int_equal(r.attempts, 1);
	http_result_free(&r);
	assert_string_equal(http_breaker_state(e, ep), "closed");

	/* A failed probe opens it again. */
	control("error-rate=1");
	for (int i = 0; i < 3; i++) {
		run_one(e, &req, &r);
		http_result_free(&r);
	}
	assert_string_equal(http_breaker_state(e, ep), "open");
	usleep(350 * 1000);
	run_one(e, &req, &r);
	assert_false(r.ok);
	assert_int_equal(r.attempts, 1);
	http_result_free(&r);
	assert_string_equal(http_breaker_state(e, ep), "open");
	free(u);
	free(su);
	free(ep);
	http_engine_free(e);
}

static void test_concurrency(void **state)
{
	control("latency-ms=50");
	struct http_engine_config cfg = { .max_concurrent = 100 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct ebba_err err;
	uint64_t t0 = now_usec();
	for (int i = 0; i < 100; i++) {
		struct http_request req = attendance(u, BODY_PLAN, 5000);
		http_submit(e, &req);
	}
	assert_int_equal(http_pending(e), 100);
	assert_int_equal(http_engine_run_all(e, &err), 0);
	uint64_t took = now_usec() - t0;
	int n = 0;
	struct http_result r;
	while (http_next_result(e, &r)) {
		assert_true(r.ok);
		assert_true(r.elapsed_usec >= 45 * 1000);   /* the latency was really there */
		n++;
		http_result_free(&r);
	}
	assert_int_equal(n, 100);
	/* Serially this is 100 x 50 ms = 5 s; all in flight it is about 50 ms. */
	assert_true(took < 2500 * 1000);

	/* A second round reuses the kept-alive connections. */
	control("reset=1");
	for (int i = 0; i < 50; i++) {
		struct http_request req = attendance(u, BODY_PLAN, 5000);
		http_submit(e, &req);
	}
	assert_int_equal(http_engine_run_all(e, &err), 0);
	long connects = 0;
	while (http_next_result(e, &r)) {
		assert_true(r.ok);
		connects += r.new_connections;
		http_result_free(&r);
	}
	assert_true(connects < 10);
	free(u);
	http_engine_free(e);
}

static void test_queue_beyond_concurrency(void **state)
{
	control("latency-ms=50");
	struct http_engine_config cfg = { .max_concurrent = 2 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct ebba_err err;
	uint64_t t0 = now_usec();
	for (int i = 0; i < 6; i++) {
		struct http_request req = attendance(u, BODY_PLAN, 5000);
		http_submit(e, &req);
	}
	assert_int_equal(http_engine_run_all(e, &err), 0);
	uint64_t took = now_usec() - t0;
	struct http_result r;
	int n = 0;
	while (http_next_result(e, &r)) {
		assert_true(r.ok);
		n++;
		http_result_free(&r);
	}
	assert_int_equal(n, 6);
	assert_true(took >= 140 * 1000);   /* three waves of two, not one of six */
	free(u);
	http_engine_free(e);
}

static void test_hang_does_not_delay_others(void **state)
{
	control("endpoint=attendance&hang-rate=1");
	struct http_engine_config cfg = { .max_retries = -1 };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	char *su = url("/ssbtek");
	struct ebba_err err;
	int hang_tag = 1, soap_tag = 2;
	struct http_request hang = attendance(u, BODY_PLAN, 1500);
	hang.tag = &hang_tag;
	http_submit(e, &hang);
	for (int i = 0; i < 20; i++) {
		struct http_request post = { .method = "POST", .url = su, .body = ssbtek_body,
					     .body_len = strlen(ssbtek_body), .timeout_ms = 2000,
					     .tag = &soap_tag };
		http_submit(e, &post);
	}
	uint64_t t0 = now_usec(), others_done = 0;
	int soap = 0, hung = 0;
	while (http_pending(e) > 0 || soap + hung < 21) {
		assert_int_equal(http_engine_run(e, -1, 100, NULL, &err), 0);
		struct http_result r;
		while (http_next_result(e, &r)) {
			if (r.tag == &soap_tag) {
				assert_true(r.ok);
				if (++soap == 20)
					others_done = now_usec() - t0;
			} else {
				assert_false(r.ok);
				assert_non_null(strstr(r.error.msg, "timeout after 1500 ms"));
				assert_int_equal(soap, 20);   /* the others came first */
				hung++;
			}
			http_result_free(&r);
		}
	}
	assert_int_equal(soap, 20);
	assert_int_equal(hung, 1);
	assert_true(others_done < 1000 * 1000);
	free(u);
	free(su);
	http_engine_free(e);
}

static void test_extra_fd_wakes_run(void **state)
{
	struct http_engine *e = engine(NULL);
	int p[2];
	struct ebba_err err;
	bool ready = true;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(http_engine_run(e, p[0], 10, &ready, &err), 0);
	assert_false(ready);
	assert_int_equal(write(p[1], "x", 1), 1);
	uint64_t t0 = now_usec();
	assert_int_equal(http_engine_run(e, p[0], 5000, &ready, &err), 0);
	assert_true(ready);
	assert_true(now_usec() - t0 < 1000 * 1000);
	close(p[0]);
	close(p[1]);
	http_engine_free(e);
}

static void test_bad_url_and_refused(void **state)
{
	struct http_engine_config cfg = { .max_retries = 1, .backoff_base_ms = 1,
					  .breaker_threshold = -1 };
	struct http_engine *e = engine(&cfg);
	struct http_request none = { .url = NULL };
	struct http_result r;
	run_one(e, &none, &r);
	assert_false(r.ok);
	assert_string_equal(r.error.msg, "no URL configured");
	http_result_free(&r);

	/* Port 1 on loopback: nobody listens; connection refused, retried. */
	struct http_request refused = { .url = "http://127.0.0.1:1/attendance", .timeout_ms = 1000 };
	run_one(e, &refused, &r);
	assert_false(r.ok);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.error.msg, "gave up after 2 attempts"));
	http_result_free(&r);
	http_engine_free(e);
}

static void test_free_with_pending(void **state)
{
	/* Freeing an engine with requests queued and on the wire leaks nothing. */
	control("latency-ms=200");
	struct http_engine_config cfg = { .max_concurrent = 2, .insecure = true };
	struct http_engine *e = engine(&cfg);
	char *u = url("/attendance");
	struct ebba_err err;
	for (int i = 0; i < 5; i++) {
		struct http_request req = attendance(u, BODY_PLAN, 5000);
		http_submit(e, &req);
	}
	assert_int_equal(http_engine_run(e, -1, 20, NULL, &err), 0);
	assert_int_equal(http_pending(e), 5);
	free(u);
	http_engine_free(e);
}

int main(void)
{
	log_init("test_http", LOG_LVL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_success, reset),
		cmocka_unit_test_setup(test_not_found_is_an_answer, reset),
		cmocka_unit_test_setup(test_soap_fault_for_bad_request, reset),
		cmocka_unit_test_setup(test_retries_after_503, reset),
		cmocka_unit_test_setup(test_gives_up_with_reason, reset),
		cmocka_unit_test_setup(test_timeout_hits_deadline, reset),
		cmocka_unit_test_setup(test_truncated_body, reset),
		cmocka_unit_test_setup(test_garbage_body, reset),
		cmocka_unit_test_setup(test_too_large, reset),
		cmocka_unit_test_setup(test_circuit_breaker, reset),
		cmocka_unit_test_setup(test_concurrency, reset),
		cmocka_unit_test_setup(test_queue_beyond_concurrency, reset),
		cmocka_unit_test_setup(test_hang_does_not_delay_others, reset),
		cmocka_unit_test_setup(test_extra_fd_wakes_run, reset),
		cmocka_unit_test_setup(test_bad_url_and_refused, reset),
		cmocka_unit_test_setup(test_free_with_pending, reset),
	};
	return cmocka_run_group_tests(tests, start_sim, stop_sim);
}
