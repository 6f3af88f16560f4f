/*
 * The register client against the real simulator: who is asked what,
 * parsed answers, "no plan", agency errors, unavailable registers with
 * reasons, garbage, a hanging register not holding back the batch, and a
 * stop abandoning look-ups that hang while the keepalive goes on.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ebba/lib/config.h"
#include "ebba/lib/http.h"
#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/registers/registers.h"
#include "ebba/lib/util.h"

/* Skatteverket test numbers. */
#define ADULT1 "198503012380"
#define ADULT2 "198701012398"
#define TEEN   "200902012392"
#define CHILD  "202104142399"

static pid_t sim_pid;
static int sim_port;
static char tmpdir[] = "/tmp/ebba-test-registers-XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char AF_RESPONSE[] =
	"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
	"<ssbt:hamtaBastjanstInformationResponse xmlns:ssbt=\"http://schema.forsakringskassan.se/integration/ssbt/10\""
	" xmlns:er=\"http://api.arbetsformedlingen.se/arbetssokande/ersattningsstod/v2\">"
	"<ssbt:svarsdata><ssbt:AF><ssbt:data><er:Svar><er:Schemaversion>4.0</er:Schemaversion>"
	"<er:Referensnummer>AID1</er:Referensnummer>"
	"<er:IdentitetsbeteckningFysiskPerson>" ADULT1 "</er:IdentitetsbeteckningFysiskPerson>"
	"<er:Sekretessmarkering>false</er:Sekretessmarkering>"
	"<er:ArbetssokandeInfo><er:Arbetssokande>true</er:Arbetssokande>"
	"<er:ArbetssokandeRegistrerad>2025-11-18+01:00</er:ArbetssokandeRegistrerad>"
	"<er:ArbetssokandeOmfattning>100</er:ArbetssokandeOmfattning></er:ArbetssokandeInfo>"
	"<er:StatusSokandeinformationKod>0</er:StatusSokandeinformationKod>"
	"</er:Svar></ssbt:data></ssbt:AF></ssbt:svarsdata>"
	"</ssbt:hamtaBastjanstInformationResponse></soap:Body></soap:Envelope>\n";

static int start_sim(void **state)
{
	const char *build = getenv("EBBA_BUILD") ? getenv("EBBA_BUILD") : "build";
	if (!mkdtemp(tmpdir))
		return -1;
	char path[512], portfile[512];
	snprintf(path, sizeof(path), "%s/plan", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/ssbtek", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/plan/%s.xml", tmpdir, ADULT1);
	write_file(path, "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"" ADULT1 "\" period=\"2026-11\">"
			 "<plan id=\"P-1\" hours-per-week=\"40\" from=\"2026-03-01\"/>"
			 "<activity type=\"sfi\" scheduled-hours=\"60\" attended-hours=\"57\" excused-hours=\"3\"/>"
			 "</attendance>\n");
	snprintf(path, sizeof(path), "%s/ssbtek/%s.xml", tmpdir, ADULT1);
	write_file(path, AF_RESPONSE);
	snprintf(portfile, sizeof(portfile), "%s/port", tmpdir);
	char *exe = xasprintf("%s/ebba-regsim", build);
	sim_pid = fork();
	if (sim_pid == 0) {
		execl(exe, exe, "--dir", tmpdir, "--port", "0", "--port-file", portfile,
		      "--hang-ms", "10000", (char *)NULL);
		perror(exe);
		_exit(127);
	}
	free(exe);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(portfile, "r");
		if (f) {
			int ok = fscanf(f, "%d", &sim_port) == 1;
			fclose(f);
			if (ok)
				return 0;
		}
		usleep(10000);
	}
	return -1;
}

static int stop_sim(void **state)
{
	int status = -1;
	kill(sim_pid, SIGTERM);
	waitpid(sim_pid, &status, 0);
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void control(const char *query)
{
	struct http_engine *e;
	struct ebba_err err;
	assert_int_equal(http_engine_new(NULL, &e, &err), 0);
	char *u = xasprintf("http://127.0.0.1:%d/control?%s", sim_port, query);
	struct http_request req = { .url = u, .timeout_ms = 2000 };
	http_submit(e, &req);
	assert_int_equal(http_engine_run_all(e, &err), 0);
	struct http_result r;
	assert_true(http_next_result(e, &r));
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

static struct registers *client(int timeout_ms, int deadline_ms, int retries)
{
	char *s = xasprintf("http://127.0.0.1:%d/ssbtek", sim_port);
	char *a = xasprintf("http://127.0.0.1:%d", sim_port);
	struct register_config cfg = {
		.ssbtek_url = s, .attendance_url = a, .timeout_ms = timeout_ms,
		.deadline_ms = deadline_ms, .retries = retries, .concurrency = 32,
		.organisation_number = "2120000142", .organisation_name = "Testkommunen",
	};
	struct registers *r;
	struct ebba_err err;
	int rc = registers_live_new(&cfg, NULL, &r, &err);
	if (rc != 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	free(s);
	free(a);
	return r;
}

static void household(struct reg_person p[4])
{
	memset(p, 0, 4 * sizeof(*p));
	p[0] = (struct reg_person){ .pnr = ADULT1, .age = 41, .adult = true };
	p[1] = (struct reg_person){ .pnr = ADULT2, .age = 39, .adult = true };
	p[2] = (struct reg_person){ .pnr = TEEN, .age = 17 };
	p[3] = (struct reg_person){ .pnr = CHILD, .age = 5 };
}

static void fetch(struct registers *r, struct reg_application *a, size_t n)
{
	struct ebba_err err;
	int rc = registers_fetch(r, a, n, NULL, &err);
	if (rc != 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
}

static void test_household(void **state)
{
	struct registers *r = client(2000, 10000, 2);
	struct reg_person p[4];
	household(p);
	struct reg_application a = { .id = "EB-1", .case_id = "C-1", .period = "2026-12",
				     .persons = p, .n_persons = 4 };
	fetch(r, &a, 1);

	assert_int_equal(p[0].ssbtek_status, REG_OK);
	assert_int_equal(p[0].ssbtek.part[SSBTEK_AF].status, SSBTEK_OK);
	assert_true(p[0].ssbtek.af.registered);
	assert_int_equal(p[0].attendance_status, REG_OK);
	assert_non_null(strstr(p[0].attendance_xml, "P-1"));
	assert_string_equal(p[0].attendance.plan_id, "P-1");
	assert_int_equal(p[0].attendance.attended_permille, 950);
	assert_int_equal(p[0].n_evidence, 2);
	assert_int_equal(p[0].evidence[0].source, EV_SOURCE_SSBTEK);
	assert_int_equal(p[0].evidence[0].status, EV_OK);
	assert_int_equal(strlen(p[0].evidence[0].sha256), 64);
	assert_int_equal(p[0].evidence[0].full_len, strlen(AF_RESPONSE));

	/* No SSBTEK file: a valid answer without agency data. No plan: 404. */
	assert_int_equal(p[1].ssbtek_status, REG_OK);
	assert_int_equal(p[1].ssbtek.part[SSBTEK_AF].status, SSBTEK_ABSENT);
	assert_int_equal(p[1].attendance_status, REG_NO_PLAN);
	assert_int_equal(p[1].evidence[1].status, EV_NOT_FOUND);

	/* 16+ gets SSBTEK only; younger children nothing. */
	assert_int_equal(p[2].ssbtek_status, REG_OK);
	assert_int_equal(p[2].attendance_status, REG_NOT_ASKED);
	assert_int_equal(p[3].ssbtek_status, REG_NOT_ASKED);
	assert_int_equal(p[3].attendance_status, REG_NOT_ASKED);
	assert_int_equal(p[3].n_evidence, 0);

	struct ebba_buf reasons = {0};
	for (int i = 0; i < 4; i++)
		assert_int_equal(reg_person_reasons(&p[i], &reasons), 0);
	buf_free(&reasons);
	assert_true(a.seconds > 0 && a.seconds < 5);
	reg_application_clear(&a);
	registers_free(r);
}

static void test_agency_error(void **state)
{
	control("agency-error=AF");
	struct registers *r = client(2000, 10000, 2);
	struct reg_person p[4];
	household(p);
	struct reg_application a = { .id = "EB-2", .case_id = "C-2", .period = "2026-12",
				     .persons = p, .n_persons = 4 };
	fetch(r, &a, 1);
	assert_int_equal(p[0].ssbtek_status, REG_OK);
	assert_int_equal(p[0].ssbtek.part[SSBTEK_AF].status, SSBTEK_ERROR);
	struct ebba_buf reasons = {0};
	assert_int_equal(reg_person_reasons(&p[0], &reasons), 1);
	assert_non_null(strstr(reasons.data, "register unavailable: AF (SIM-1"));
	buf_free(&reasons);
	reg_application_clear(&a);
	registers_free(r);
}

static void test_ssbtek_down(void **state)
{
	control("endpoint=ssbtek&error-rate=1");
	struct registers *r = client(1000, 3000, 2);
	struct reg_person p[4];
	household(p);
	struct reg_application a = { .id = "EB-3", .case_id = "C-3", .period = "2026-12",
				     .persons = p, .n_persons = 4 };
	fetch(r, &a, 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(p[i].ssbtek_status, REG_UNAVAILABLE);
		assert_non_null(strstr(p[i].ssbtek_reason, "register unavailable: SSBTEK ("));
		assert_int_equal(p[i].evidence[0].status, EV_UNAVAILABLE);
	}
	/* The other register still answered. */
	assert_int_equal(p[0].attendance_status, REG_OK);
	struct ebba_buf reasons = {0};
	assert_int_equal(reg_person_reasons(&p[0], &reasons), 1);
	buf_free(&reasons);
	reg_application_clear(&a);
	registers_free(r);
}

static void test_garbage_is_unavailable(void **state)
{
	control("garbage-rate=1");
	struct registers *r = client(1000, 3000, 1);
	struct reg_person p[4];
	household(p);
	struct reg_application a = { .id = "EB-4", .case_id = "C-4", .period = "2026-12",
				     .persons = p, .n_persons = 4 };
	fetch(r, &a, 1);
	assert_int_equal(p[0].ssbtek_status, REG_UNAVAILABLE);
	assert_non_null(strstr(p[0].ssbtek_reason, "invalid response"));
	assert_int_equal(p[0].attendance_status, REG_UNAVAILABLE);
	assert_non_null(strstr(p[0].attendance_reason, "register unavailable: attendance (gave up after 2 attempts: invalid response"));
	reg_application_clear(&a);
	registers_free(r);
}

static void test_hanging_register_does_not_hold_back(void **state)
{
	control("endpoint=attendance&hang-rate=1");
	struct registers *r = client(5000, 1000, 3);
	enum { N = 10 };
	struct reg_person p[N][4];
	struct reg_application a[N];
	char ids[N][16];
	for (int i = 0; i < N; i++) {
		household(p[i]);
		snprintf(ids[i], sizeof(ids[i]), "EB-H%d", i);
		a[i] = (struct reg_application){ .id = ids[i], .case_id = "C-5", .period = "2026-12",
						 .persons = p[i], .n_persons = 4 };
	}
	uint64_t t0 = now_usec();
	fetch(r, a, N);
	uint64_t took = now_usec() - t0;
	assert_true(took < 2500 * 1000);   /* bounded by the 1 s deadline, not the 5 s timeout */
	for (int i = 0; i < N; i++) {
		assert_int_equal(p[i][0].ssbtek_status, REG_OK);
		assert_int_equal(p[i][1].ssbtek_status, REG_OK);
		assert_int_equal(p[i][0].attendance_status, REG_UNAVAILABLE);
		assert_non_null(strstr(p[i][0].attendance_reason, "register unavailable: attendance ("));
		assert_non_null(strstr(p[i][0].attendance_reason, "timeout"));
		reg_application_clear(&a[i]);
	}
	registers_free(r);
}

static void test_bad_input(void **state)
{
	struct registers *r = client(1000, 3000, 1);
	struct reg_person p[1] = { { .pnr = "198503012381", .age = 41, .adult = true } };
	struct reg_application a = { .id = "EB-6", .period = "2026-12", .persons = p, .n_persons = 1 };
	struct ebba_err err;
	assert_int_equal(registers_fetch(r, &a, 1, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "19850301-****"));
	assert_null(strstr(err.msg, "198503012381"));
	p[0].pnr = ADULT1;
	a.period = "2026-13";
	assert_int_equal(registers_fetch(r, &a, 1, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "period"));
	registers_free(r);
}

static void test_not_configured(void **state)
{
	struct register_config cfg = { .timeout_ms = 1000, .deadline_ms = 1000, .concurrency = 4 };
	struct registers *r;
	struct ebba_err err;
	assert_int_equal(registers_live_new(&cfg, NULL, &r, &err), 0);
	struct reg_person p[4];
	household(p);
	struct reg_application a = { .id = "EB-7", .period = "2026-12", .persons = p, .n_persons = 4 };
	fetch(r, &a, 1);
	assert_int_equal(p[0].ssbtek_status, REG_UNAVAILABLE);
	assert_string_equal(p[0].ssbtek_reason, "register unavailable: SSBTEK (not configured)");
	assert_int_equal(p[0].attendance_status, REG_UNAVAILABLE);
	assert_string_equal(p[0].attendance_reason, "register unavailable: attendance (not configured)");
	reg_application_clear(&a);
	registers_free(r);
}

/* A caller that asks for a stop after a few slices and counts keepalives. */
struct stopper {
	int asked, stop_after, keepalives;
	uint64_t deadline;
};

static uint64_t stopper_deadline(void *arg)
{
	struct stopper *s = arg;
	if (++s->asked > s->stop_after && !s->deadline)
		s->deadline = now_usec();
	return s->deadline ? s->deadline : UINT64_MAX;
}

static void stopper_keepalive(void *arg)
{
	((struct stopper *)arg)->keepalives++;
}

static void test_stop_abandons_hanging_lookups(void **state)
{
	/* Every look-up hangs (10 s in this simulator), and neither the
	 * timeout nor the deadline would end them for ten minutes. */
	control("hang-rate=1");
	struct registers *r = client(600000, 600000, 0);
	struct reg_person p[4];
	household(p);
	struct reg_application a = { .id = "EB-8", .case_id = "C-8", .period = "2026-12",
				     .persons = p, .n_persons = 4 };
	struct stopper st = { .stop_after = 3 };
	struct reg_fetch_ctl ctl = { .stop_deadline = stopper_deadline,
				     .keepalive = stopper_keepalive, .arg = &st };
	struct ebba_err err;
	assert_int_equal(registers_fetch(r, &a, 1, &ctl, &err), 0);
	assert_true(a.abandoned);
	/* A keepalive every slice it waited, and the stop asked each time. */
	assert_true(st.keepalives >= 4);
	assert_int_equal(st.keepalives, st.asked);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(p[i].ssbtek_status, REG_UNAVAILABLE);
		assert_string_equal(p[i].ssbtek_reason,
				    "register unavailable: SSBTEK (abandoned: the daemon is stopping)");
		assert_int_equal(p[i].evidence[0].status, EV_UNAVAILABLE);
	}
	assert_int_equal(p[0].attendance_status, REG_UNAVAILABLE);
	assert_string_equal(p[0].attendance_reason,
			    "register unavailable: attendance (abandoned: the daemon is stopping)");
	assert_int_equal(p[3].ssbtek_status, REG_NOT_ASKED);
	reg_application_clear(&a);

	/* Abandoning is not the registers' fault: no breaker opened, and the
	 * same client answers the next batch. */
	control("reset=1");
	household(p);
	st = (struct stopper){ .stop_after = 1000 };
	assert_int_equal(registers_fetch(r, &a, 1, &ctl, &err), 0);
	assert_false(a.abandoned);
	assert_int_equal(p[0].ssbtek_status, REG_OK);
	assert_int_equal(p[0].attendance_status, REG_OK);
	assert_true(st.keepalives >= 1);
	reg_application_clear(&a);
	registers_free(r);
}

/* --- what the attendance service is sent ------------------------------------------ */

/* A stand-in attendance service: accepts connections on loopback and keeps
 * the first request as received (head and body), answering 404 to each. */
struct recorder {
	int fd, port;
	pthread_t thread;
	char request[8192];
	size_t len;
};

static void *recorder_run(void *arg)
{
	struct recorder *rec = arg;
	for (;;) {
		int c = accept(rec->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		char buf[8192];
		size_t len = 0, want = SIZE_MAX;
		while (len < sizeof(buf) - 1 && len < want) {
			ssize_t n = read(c, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
			buf[len] = '\0';
			char *head_end = strstr(buf, "\r\n\r\n");
			if (head_end && want == SIZE_MAX) {
				char *cl = strcasestr(buf, "\r\nContent-Length:");
				size_t body = cl && cl < head_end ? strtoul(cl + 17, NULL, 10) : 0;
				want = (size_t)(head_end + 4 - buf) + body;
			}
		}
		if (rec->len == 0) {
			memcpy(rec->request, buf, len);
			rec->request[len] = '\0';
			rec->len = len;
		}
		static const char answer[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		if (write(c, answer, sizeof(answer) - 1) < 0)
			perror("recorder");
		close(c);
	}
}

static void recorder_start(struct recorder *rec)
{
	*rec = (struct recorder){0};
	rec->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(rec->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(rec->fd, 8), 0);
	assert_int_equal(getsockname(rec->fd, (struct sockaddr *)&sa, &sl), 0);
	rec->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&rec->thread, NULL, recorder_run, rec), 0);
}

static void recorder_stop(struct recorder *rec)
{
	shutdown(rec->fd, SHUT_RDWR);
	close(rec->fd);
	pthread_join(rec->thread, NULL);
}

/*
 * The attendance look-up is a POST with the identity number in its form
 * body: nothing of the number in the request line or the headers, which
 * the attendance service's and every proxy's access logs keep.
 */
static void test_attendance_number_not_in_url(void **state)
{
	struct recorder rec;
	recorder_start(&rec);
	char *s = xasprintf("http://127.0.0.1:%d/ssbtek", sim_port);
	char *att = xasprintf("http://127.0.0.1:%d/", rec.port);
	struct register_config cfg = {
		.ssbtek_url = s, .attendance_url = att, .timeout_ms = 2000, .deadline_ms = 5000,
		.retries = 1, .concurrency = 4,
		.organisation_number = "2120000142", .organisation_name = "Testkommunen",
	};
	struct registers *r;
	struct ebba_err err;
	assert_int_equal(registers_live_new(&cfg, NULL, &r, &err), 0);
	struct reg_person p[1] = { { .pnr = ADULT1, .age = 41, .adult = true } };
	struct reg_application a = { .id = "EB-9", .case_id = "C-9", .period = "2026-12",
				     .persons = p, .n_persons = 1 };
	fetch(r, &a, 1);
	registers_free(r);
	recorder_stop(&rec);
	free(s);
	free(att);
	assert_int_equal(p[0].attendance_status, REG_NO_PLAN);
	char *body = strstr(rec.request, "\r\n\r\n");
	assert_non_null(body);
	*body = '\0';
	body += 4;
	const char *head = rec.request;
	if (strncmp(head, "POST /attendance HTTP/1.1\r\n", 27) != 0)
		fail_msg("request line: %.80s", head);
	if (strstr(head, ADULT1) || strstr(head, &ADULT1[2]) || pnr_in_text(head))
		fail_msg("the identity number is in the request head:\n%s", head);
	assert_non_null(strcasestr(head, "\r\nContent-Type: application/x-www-form-urlencoded"));
	assert_string_equal(body, "pnr=" ADULT1 "&period=2026-12");
	reg_application_clear(&a);
}

int main(void)
{
	log_init("test_registers", LOG_LVL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_household, reset),
		cmocka_unit_test_setup(test_agency_error, reset),
		cmocka_unit_test_setup(test_ssbtek_down, reset),
		cmocka_unit_test_setup(test_garbage_is_unavailable, reset),
		cmocka_unit_test_setup(test_hanging_register_does_not_hold_back, reset),
		cmocka_unit_test_setup(test_bad_input, reset),
		cmocka_unit_test_setup(test_not_configured, reset),
		cmocka_unit_test_setup(test_stop_abandons_hanging_lookups, reset),
		cmocka_unit_test_setup(test_attendance_number_not_in_url, reset),
	};
	return cmocka_run_group_tests(tests, start_sim, stop_sim);
}
