/*
 * Charts for the Statistik page, drawn on the server as inline SVG.
 *
 * This module only computes: the scale, the bars, the ticks and the texts
 * (a title and a description that state the chart's content in words, and
 * a tooltip per segment) as a JSON object.  The markup is the embedded
 * template templates/chart.html, rendered like every other template, so
 * every text (a check's id, a period) is escaped by the renderer and no
 * SVG is ever put together by string concatenation.  The colours are CSS
 * classes (static/ebba.css); the geometry is in SVG attributes, never in a
 * style attribute, because the Content-Security-Policy has no inline style.
 *
 * The chart is a stacked bar chart: one bar per category (a period), one
 * segment per series, stacked from the bottom in the series' order, with
 * an optional dashed reference line (a configured rate).  Every chart on a
 * page should have its numbers in a real table as well (the page does).
 */
#ifndef EBBA_WEB_SVG_CHART_H
#define EBBA_WEB_SVG_CHART_H

#include <stddef.h>

#include <jansson.h>

struct chart_series {
	const char *label;          /* the legend's text, e.g. "Beviljade oförändrade" */
	const char *css;            /* the segment's class in ebba.css: "c0" ... "c4" */
};

struct chart {
	const char *id;             /* unique on the page; only [a-z0-9-] (the ids of title and desc) */
	const char *title;          /* the accessible name */
	const char *unit;           /* after each value in texts: "" or " %" */
	int decimals;               /* of the values in texts */
	const char *const *cats;    /* the bars' labels, left to right */
	size_t n_cats;
	const struct chart_series *series;
	size_t n_series;
	const double *values;       /* n_cats * n_series, category by category; negative counts as 0 */
	const char *const *totals;  /* NULL, or per category the text for its total instead of
				       the number (e.g. "–" for a rate of nothing); NULL entries
				       keep the number */
	double ref;                 /* < 0: none; else a dashed line at this value */
	const char *ref_label;      /* what the line is, e.g. "Inställd andel" */
};

/* The chart as the template chart.html expects it (a new reference; the
 * caller decrefs).  An id outside [a-z0-9-] is replaced by "chart". */
json_t *chart_json(const struct chart *c);

/* "12,5" for 12.5 with one decimal: Swedish writes a decimal comma. */
void chart_number(double v, int decimals, char *out, size_t n);

#endif
