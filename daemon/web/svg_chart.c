/*
 * Stacked bar charts as geometry for templates/chart.html (svg_chart.h).
 * The drawing is 560 x 240 user units; the SVG scales to its box (the
 * viewBox), so the numbers here are the chart's own coordinate system.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/util.h"
#include "svg_chart.h"

#define W 560.0
#define H 240.0
#define LEFT 48.0
#define RIGHT 16.0
#define TOP 22.0
#define BOTTOM 34.0
#define PLOT_W (W - LEFT - RIGHT)
#define PLOT_H (H - TOP - BOTTOM)
#define LABEL_W 52.0   /* room one period label ("2026-12") needs on the x axis */
#define MAX_TEXT 4096  /* a description longer than this ends with "…" */

void chart_number(double v, int decimals, char *out, size_t n)
{
	snprintf(out, n, "%.*f", decimals < 0 ? 0 : decimals, v);
	char *dot = strchr(out, '.');
	if (dot)
		*dot = ',';
}

/* A coordinate for an SVG attribute: one decimal, a decimal point. */
static json_t *coord(double v)
{
	char s[32];
	snprintf(s, sizeof(s), "%.1f", v);
	return json_string(s);
}

static double value_at(const struct chart *c, size_t cat, size_t s)
{
	double v = c->values[cat * c->n_series + s];
	return v > 0 && isfinite(v) ? v : 0;
}

static double stack_total(const struct chart *c, size_t cat)
{
	double t = 0;
	for (size_t s = 0; s < c->n_series; s++)
		t += value_at(c, cat, s);
	return t;
}

/* The axis' top and the step between ticks: 1, 2 or 5 times a power of
 * ten, at most five steps, never below 1 for whole numbers. */
static void scale(double max, int decimals, double *top, double *step)
{
	double floor_step = decimals > 0 ? pow(10, -decimals) : 1;
	if (!(max > 0))
		max = floor_step;
	double raw = max / 5, mag = pow(10, floor(log10(raw)));
	double s = mag;
	static const double nice[] = {1, 2, 5, 10};
	for (size_t i = 0; i < ARRAY_LEN(nice); i++) {
		s = nice[i] * mag;
		if (s >= raw)
			break;
	}
	if (s < floor_step)
		s = floor_step;
	*step = s;
	*top = ceil(max / s - 1e-9) * s;
}

static double y_of(double v, double top)
{
	return TOP + PLOT_H - v / top * PLOT_H;
}

static json_t *grid_json(double top, double step, int decimals, const char *unit)
{
	json_t *a = json_array();
	for (int i = 0; i * step <= top + step / 2; i++) {
		char num[32], label[48];
		int tick_decimals = step < 1 ? decimals : 0;
		chart_number(i * step, tick_decimals, num, sizeof(num));
		snprintf(label, sizeof(label), "%s%s", num, unit);
		json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o,s:s}", "x1", coord(LEFT), "x2",
						   coord(W - RIGHT), "y", coord(y_of(i * step, top)),
						   "ty", coord(y_of(i * step, top) + 4), "label", label));
	}
	return a;
}

static void text_value(struct ebba_buf *b, const struct chart *c, double v)
{
	char num[32];
	chart_number(v, c->decimals, num, sizeof(num));
	buf_printf(b, "%s%s", num, c->unit ? c->unit : "");
}

static json_t *segments_json(const struct chart *c, size_t cat, double x, double w, double top)
{
	json_t *segs = json_array();
	double acc = 0;
	for (size_t s = 0; s < c->n_series; s++) {
		double v = value_at(c, cat, s);
		if (v <= 0)
			continue;
		struct ebba_buf tip = {0};
		buf_printf(&tip, "%s: %s ", c->cats[cat], c->series[s].label);
		text_value(&tip, c, v);
		json_array_append_new(segs, json_pack("{s:o,s:o,s:o,s:o,s:s,s:s}", "x", coord(x), "y",
						      coord(y_of(acc + v, top)), "w", coord(w), "h",
						      coord(v / top * PLOT_H), "css", c->series[s].css,
						      "tip", tip.data));
		buf_free(&tip);
		acc += v;
	}
	return segs;
}

static json_t *bars_json(const struct chart *c, double top)
{
	json_t *a = json_array();
	double slot = PLOT_W / (double)(c->n_cats ? c->n_cats : 1);
	double w = fmin(slot * 0.6, 56);
	/* every k-th period is labelled, so the labels never overlap */
	size_t every = (size_t)ceil(LABEL_W / slot);
	for (size_t i = 0; i < c->n_cats; i++) {
		double x = LEFT + (double)i * slot + (slot - w) / 2, total = stack_total(c, i);
		struct ebba_buf tv = {0};
		if (c->totals && c->totals[i])
			buf_puts(&tv, c->totals[i]);
		else
			text_value(&tv, c, total);
		json_t *bar = json_pack("{s:o,s:o,s:o,s:s,s:o}", "cx", coord(x + w / 2), "ly",
					coord(H - BOTTOM + 18), "ty", coord(y_of(total, top) - 5), "total",
					tv.data, "segs", segments_json(c, i, x, w, top));
		buf_free(&tv);
		if (i % (every ? every : 1) == 0)
			json_object_set_new(bar, "xlabel", json_string(c->cats[i]));
		/* a number above each bar only where there is room for one */
		json_object_set_new(bar, "show_total", json_boolean(slot >= 28));
		json_array_append_new(a, bar);
	}
	return a;
}

/* The description: every number of the chart, in words, period by period. */
static char *describe(const struct chart *c)
{
	struct ebba_buf b = {0};
	buf_printf(&b, "Staplad stapel per period%s.", c->n_cats ? "" : " (inga perioder)");
	for (size_t i = 0; i < c->n_cats && b.len < MAX_TEXT; i++) {
		buf_printf(&b, " %s:", c->cats[i]);
		if (c->totals && c->totals[i]) {
			buf_printf(&b, " %s.", c->totals[i]);
			continue;
		}
		for (size_t s = 0; s < c->n_series; s++) {
			buf_printf(&b, "%s %s ", s ? "," : "", c->series[s].label);
			text_value(&b, c, value_at(c, i, s));
		}
		buf_puts(&b, ".");
	}
	if (c->ref >= 0 && b.len < MAX_TEXT) {
		buf_printf(&b, " %s: ", c->ref_label ? c->ref_label : "Referens");
		text_value(&b, c, c->ref);
		buf_puts(&b, ".");
	}
	if (b.len >= MAX_TEXT)
		buf_puts(&b, " …");
	buf_reserve(&b, 0);
	return buf_steal(&b);
}

static bool safe_id(const char *id)
{
	if (!id || !*id)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

json_t *chart_json(const struct chart *c)
{
	double max = c->ref > 0 ? c->ref : 0;
	for (size_t i = 0; i < c->n_cats; i++)
		max = fmax(max, stack_total(c, i));
	double top, step;
	scale(max, c->decimals, &top, &step);
	json_t *legend = json_array();
	for (size_t s = 0; s < c->n_series; s++)
		json_array_append_new(legend, json_pack("{s:s,s:s}", "label", c->series[s].label,
							"css", c->series[s].css));
	char *desc = describe(c);
	char w[16], h[16];
	snprintf(w, sizeof(w), "%.0f", W);
	snprintf(h, sizeof(h), "%.0f", H);
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "id",
			      safe_id(c->id) ? c->id : "chart", "title", c->title, "desc", desc, "w", w,
			      "h", h, "grid", grid_json(top, step, c->decimals, c->unit ? c->unit : ""),
			      "bars", bars_json(c, top), "legend", legend, "axis",
			      json_pack("{s:o,s:o,s:o}", "x1", coord(LEFT), "x2", coord(W - RIGHT), "y",
					coord(TOP + PLOT_H)));
	free(desc);
	if (c->ref >= 0) {
		struct ebba_buf label = {0};
		buf_printf(&label, "%s ", c->ref_label ? c->ref_label : "Referens");
		text_value(&label, c, c->ref);
		json_object_set_new(j, "ref", json_pack("{s:o,s:o,s:o,s:o,s:o,s:s}", "x1", coord(LEFT),
							"x2", coord(W - RIGHT), "y",
							coord(y_of(c->ref, top)), "tx",
							coord(W - RIGHT - 4), "ty",
							coord(y_of(c->ref, top) - 5), "label",
							label.data));
		buf_free(&label);
	}
	return j;
}
