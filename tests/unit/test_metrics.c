/*
 * The metrics registry and its Prometheus text rendering
 * (ebba/lib/metrics.h): HELP and TYPE lines, label and help escaping,
 * histogram buckets (cumulative, +Inf, _sum and _count), value formatting,
 * and that a family or series asked for twice is the same one.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/lib/metrics.h"

static char *render(struct metrics *m)
{
	struct ebba_buf out = {0};
	metrics_render(m, &out);
	return buf_steal(&out);
}

static void test_counter_and_gauge(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	struct metric *c = metrics_counter(m, "ebba_things_total", "Things done.");
	metric_inc(c);
	metric_add(c, 2.5);
	struct metric *g = metrics_gauge(m, "ebba_queue_pending", "Rows waiting.");
	metric_set(g, 42);
	metric_set(g, 7);
	assert_ptr_equal(c, metrics_counter(m, "ebba_things_total", "ignored"));
	char *text = render(m);
	assert_string_equal(text,
		"# HELP ebba_things_total Things done.\n"
		"# TYPE ebba_things_total counter\n"
		"ebba_things_total 3.5\n"
		"# HELP ebba_queue_pending Rows waiting.\n"
		"# TYPE ebba_queue_pending gauge\n"
		"ebba_queue_pending 7\n");
	free(text);
	metrics_free(m);
}

static void test_labels_escaped(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	static const char *const labels[] = {"reason", "agency", NULL};
	struct metric_family *f = metrics_family(m, METRIC_COUNTER, "ebba_x_total",
		"Help with a \\ backslash\nand a newline \"quoted\".", labels, NULL, 0);
	struct metric *a = metric_series(f, (const char *const[]){"a\"b", "c\\d\ne"});
	struct metric *b = metric_series(f, (const char *const[]){"plain", "FK"});
	assert_ptr_equal(a, metric_series(f, (const char *const[]){"a\"b", "c\\d\ne"}));
	assert_ptr_not_equal(a, b);
	metric_inc(a);
	metric_inc(b);
	metric_inc(b);
	char *text = render(m);
	assert_string_equal(text,
		"# HELP ebba_x_total Help with a \\\\ backslash\\nand a newline \"quoted\".\n"
		"# TYPE ebba_x_total counter\n"
		"ebba_x_total{reason=\"a\\\"b\",agency=\"c\\\\d\\ne\"} 1\n"
		"ebba_x_total{reason=\"plain\",agency=\"FK\"} 2\n");
	free(text);
	metrics_free(m);
}

static void test_histogram(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	static const char *const labels[] = {"register", NULL};
	static const double bounds[] = {0.1, 0.5, 1};
	struct metric_family *f = metrics_family(m, METRIC_HISTOGRAM, "ebba_d_seconds", "Durations.",
						 labels, bounds, 3);
	struct metric *s = metric_series(f, (const char *const[]){"ssbtek"});
	metric_observe(s, 0.05);
	metric_observe(s, 0.1);     /* on a bound: counted in it (le) */
	metric_observe(s, 0.7);
	metric_observe(s, 3);
	char *text = render(m);
	assert_string_equal(text,
		"# HELP ebba_d_seconds Durations.\n"
		"# TYPE ebba_d_seconds histogram\n"
		"ebba_d_seconds_bucket{register=\"ssbtek\",le=\"0.1\"} 2\n"
		"ebba_d_seconds_bucket{register=\"ssbtek\",le=\"0.5\"} 2\n"
		"ebba_d_seconds_bucket{register=\"ssbtek\",le=\"1\"} 3\n"
		"ebba_d_seconds_bucket{register=\"ssbtek\",le=\"+Inf\"} 4\n"
		"ebba_d_seconds_sum{register=\"ssbtek\"} 3.85\n"
		"ebba_d_seconds_count{register=\"ssbtek\"} 4\n");
	free(text);
	/* Without labels the le label stands alone; the default bounds. */
	struct metric *b = metric_series(metrics_family(m, METRIC_HISTOGRAM, "ebba_b_seconds", "B.",
							NULL, NULL, 0), NULL);
	metric_observe(b, 0.002);
	text = render(m);
	assert_non_null(strstr(text, "ebba_b_seconds_bucket{le=\"0.001\"} 0\n"
				     "ebba_b_seconds_bucket{le=\"0.0025\"} 1\n"));
	assert_non_null(strstr(text, "ebba_b_seconds_bucket{le=\"+Inf\"} 1\nebba_b_seconds_sum 0.002\n"
				     "ebba_b_seconds_count 1\n"));
	free(text);
	metrics_free(m);
}

static void test_values(void **state)
{
	(void)state;
	char out[32];
	metrics_format_value(0, out);
	assert_string_equal(out, "0");
	metrics_format_value(1e6, out);
	assert_string_equal(out, "1000000");
	metrics_format_value(0.1, out);
	assert_string_equal(out, "0.1");
	metrics_format_value(1.0 / 3.0, out);
	assert_true(strtod(out, NULL) == 1.0 / 3.0);
	metrics_format_value(INFINITY, out);
	assert_string_equal(out, "+Inf");
	metrics_format_value(-INFINITY, out);
	assert_string_equal(out, "-Inf");
	metrics_format_value(NAN, out);
	assert_string_equal(out, "NaN");
}

static void collect(void *arg, struct ebba_buf *out)
{
	buf_printf(out, "# TYPE %s gauge\n%s 1\n", (const char *)arg, (const char *)arg);
}

static void test_collectors(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	static const char *const labels[] = {"outcome", NULL};
	metrics_family(m, METRIC_COUNTER, "ebba_empty_total", "No series yet.", labels, NULL, 0);
	metrics_add_collector(m, collect, "ebba_extra");
	metrics_add_collector(m, metrics_collect_process, m);
	char *text = render(m);
	assert_non_null(strstr(text, "# TYPE ebba_empty_total counter\n# TYPE ebba_extra gauge\nebba_extra 1\n"));
	assert_non_null(strstr(text, "\nprocess_resident_memory_bytes "));
	assert_non_null(strstr(text, "\nprocess_cpu_seconds_total "));
	assert_non_null(strstr(text, "\nprocess_start_time_seconds "));
	free(text);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_and_gauge),
		cmocka_unit_test(test_labels_escaped),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_collectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
