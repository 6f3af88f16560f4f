/*
 * The Statistik page's charts (daemon/web/svg_chart.c, templates/chart.html):
 * the scale, stacked segments that add up, the texts that state every
 * number, labels that do not collide, and every text escaped by the
 * template renderer, hostile check names included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "svg_chart.h"
#include "web.h"

static const struct chart_series four[] = {
	{"Beviljade oförändrade", "c0"}, {"Justerade", "c1"}, {"Avslagna", "c2"}, {"Öppna", "c3"},
};

static double num(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	assert_non_null(s);
	return strtod(s, NULL);
}

/* The chart rendered by the real template; the caller frees. */
static char *render(const struct chart *c)
{
	json_t *j = chart_json(c);
	struct ebba_buf out = {0};
	struct ebba_err err = {{0}};
	if (tmpl_render(&out, "chart", j, &err) != 0)
		fail_msg("chart.html: %s", err.msg);
	json_decref(j);
	buf_reserve(&out, 0);
	return buf_steal(&out);
}

static void test_number_is_swedish(void **state)
{
	(void)state;
	char s[16];
	chart_number(12.5, 1, s, sizeof(s));
	assert_string_equal(s, "12,5");
	chart_number(3, 0, s, sizeof(s));
	assert_string_equal(s, "3");
	chart_number(0.1234, 2, s, sizeof(s));
	assert_string_equal(s, "0,12");
}

static void test_scale_and_ticks(void **state)
{
	(void)state;
	const char *cats[] = {"2026-11", "2026-12"};
	double v[] = {3, 0, 0, 0, 1, 2, 0, 4};   /* totals 3 and 7: the axis goes to 8 in steps of 2 */
	struct chart c = {"t", "T", "", 0, cats, 2, four, 4, v, NULL, -1, NULL};
	json_t *j = chart_json(&c);
	json_t *grid = json_object_get(j, "grid");
	assert_int_equal(json_array_size(grid), 5);
	const char *want[] = {"0", "2", "4", "6", "8"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(grid, i), "label")),
				    want[i]);
	/* small counts: whole steps, never 0,5 */
	double one[] = {1, 0, 0, 0, 0, 0, 0, 1};
	c.values = one;
	json_t *k = chart_json(&c);
	grid = json_object_get(k, "grid");
	assert_int_equal(json_array_size(grid), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(grid, 1), "label")), "1");
	json_decref(j);
	json_decref(k);
}

/* Segments stack from the axis up, skip zeros and are as tall as their share. */
static void test_segments_stack(void **state)
{
	(void)state;
	const char *cats[] = {"2026-12"};
	double v[] = {2, 1, 0, 1};
	struct chart c = {"t", "T", "", 0, cats, 1, four, 4, v, NULL, -1, NULL};
	json_t *j = chart_json(&c);
	json_t *bar = json_array_get(json_object_get(j, "bars"), 0);
	json_t *segs = json_object_get(bar, "segs");
	assert_int_equal(json_array_size(segs), 3);
	double axis = num(json_object_get(j, "axis"), "y");
	double bottom = axis, unit = num(json_array_get(segs, 0), "h") / 2;
	const char *css[] = {"c0", "c1", "c3"};
	const double vals[] = {2, 1, 1};
	for (size_t i = 0; i < 3; i++) {
		json_t *s = json_array_get(segs, i);
		assert_string_equal(json_string_value(json_object_get(s, "css")), css[i]);
		assert_true(abs((int)(10 * (num(s, "y") + num(s, "h") - bottom))) <= 1);
		assert_true(abs((int)(10 * (num(s, "h") - vals[i] * unit))) <= 1);
		bottom = num(s, "y");
	}
	assert_string_equal(json_string_value(json_object_get(bar, "total")), "4");
	assert_string_equal(json_string_value(json_object_get(json_array_get(segs, 1), "tip")),
			    "2026-12: Justerade 1");
	json_decref(j);
}

static void test_description_states_every_number(void **state)
{
	(void)state;
	const char *cats[] = {"2026-11", "2026-12"};
	const struct chart_series one[] = {{"Realiserad andel", "c4"}};
	double v[] = {0, 17.25};
	const char *totals[] = {"–", NULL};
	struct chart c = {"s", "Stickprov", " %", 1, cats, 2, one, 1, v, totals, 10, "Inställd andel"};
	json_t *j = chart_json(&c);
	const char *d = json_string_value(json_object_get(j, "desc"));
	assert_non_null(strstr(d, "2026-11: –."));
	assert_non_null(strstr(d, "2026-12: Realiserad andel 17,2 %."));
	assert_non_null(strstr(d, "Inställd andel: 10,0 %."));
	json_t *ref = json_object_get(j, "ref");
	assert_non_null(ref);
	assert_string_equal(json_string_value(json_object_get(ref, "label")), "Inställd andel 10,0 %");
	/* the line stands where 10 stands on the axis */
	json_t *grid = json_object_get(j, "grid");
	double y10 = -1;
	for (size_t i = 0; i < json_array_size(grid); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(grid, i), "label")), "10 %") == 0)
			y10 = num(json_array_get(grid, i), "y");
	assert_true(y10 > 0);
	assert_true(abs((int)(10 * (num(ref, "y") - y10))) <= 1);
	json_decref(j);
}

/* Twenty-four months: not every label fits, and no number above the bars. */
static void test_many_periods_thin_the_labels(void **state)
{
	(void)state;
	char names[24][8];
	const char *cats[24];
	double v[24 * 4] = {0};
	for (int i = 0; i < 24; i++) {
		snprintf(names[i], sizeof(names[i]), "%04d-%02d", 2025 + i / 12, i % 12 + 1);
		cats[i] = names[i];
		v[i * 4] = i;
	}
	struct chart c = {"m", "M", "", 0, cats, 24, four, 4, v, NULL, -1, NULL};
	json_t *j = chart_json(&c);
	json_t *bars = json_object_get(j, "bars");
	assert_int_equal(json_array_size(bars), 24);
	size_t labelled = 0;
	double last = -1000;
	for (size_t i = 0; i < 24; i++) {
		json_t *b = json_array_get(bars, i);
		assert_true(json_is_false(json_object_get(b, "show_total")));
		if (json_object_get(b, "xlabel")) {
			labelled++;
			assert_true(num(b, "cx") - last >= 52);
			last = num(b, "cx");
		}
	}
	assert_true(labelled >= 6 && labelled < 24);
	json_decref(j);
}

/* Everything a person outside wrote is text in the SVG, never markup. */
static void test_hostile_names_are_escaped(void **state)
{
	(void)state;
	const char *evil = "<script>alert(1)</script>\"><svg onload='x()'>&amp;";
	const char *cats[] = {evil, "2026-12"};
	const struct chart_series s[] = {{evil, "c0"}};
	double v[] = {1, 2};
	struct chart c = {"\"><script>", evil, evil, 0, cats, 2, s, 1, v, NULL, 1, evil};
	char *html = render(&c);
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<svg onload"));
	assert_null(strstr(html, "'x()'"));
	assert_null(strstr(html, " style="));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;svg onload=&#39;x()&#39;&gt;&amp;amp;"));
	/* an id that is not [a-z0-9-] is replaced, so aria-labelledby still points home */
	assert_non_null(strstr(html, "aria-labelledby=\"chart-t chart-d\""));
	assert_non_null(strstr(html, "<title id=\"chart-t\">&lt;script&gt;"));
	assert_non_null(strstr(html, "role=\"img\""));
	/* one <svg> element: the legend and tooltips are text, not markup */
	assert_null(strstr(strstr(html, "<svg") + 4, "<svg"));
	free(html);
}

static void test_empty_chart(void **state)
{
	(void)state;
	struct chart c = {"e", "Tomt", "", 0, NULL, 0, four, 4, NULL, NULL, -1, NULL};
	char *html = render(&c);
	assert_non_null(strstr(html, "(inga perioder)"));
	assert_null(strstr(html, "<rect"));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_is_swedish),
		cmocka_unit_test(test_scale_and_ticks),
		cmocka_unit_test(test_segments_stack),
		cmocka_unit_test(test_description_states_every_number),
		cmocka_unit_test(test_many_periods_thin_the_labels),
		cmocka_unit_test(test_hostile_names_are_escaped),
		cmocka_unit_test(test_empty_chart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
