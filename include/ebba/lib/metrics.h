/*
 * Counters, gauges and histograms with labels, rendered in the Prometheus
 * text exposition format (version 0.0.4) for ebbad's and ebba-web's
 * /metrics (docs/architecture.md §13).
 *
 * Model
 *   A registry (struct metrics) holds families: one name, one HELP text,
 *   one type and a fixed list of label names.  A family holds series, one
 *   per combination of label values.  Series are made on first ask and
 *   never removed, so the label values must come from a small closed set
 *   (outcomes, check ids, registers, agencies, route classes): never an
 *   identity number, an application id or anything a client sends.
 *
 * The hot path
 *   metric_series() looks a series up under the registry's lock and may
 *   allocate; callers that count often ask once and keep the pointer
 *   (series live as long as the registry).  metric_inc(), metric_add(),
 *   metric_set() and metric_observe() on a kept series take no lock and
 *   allocate nothing: relaxed atomics only, so the worker thread counts
 *   while the HTTP thread renders.  A rendering may see a histogram's
 *   buckets a few observations ahead of its _sum; Prometheus tolerates
 *   that.
 *
 * Names: metrics_* for the registry, metric_* for one series.
 * Ownership: the registry owns every family and series; metrics_free()
 * releases them all (no kept pointer may be used after it).  Names, help
 * texts, label names and values are copied.
 */
#ifndef EBBA_METRICS_H
#define EBBA_METRICS_H

#include <stddef.h>

#include "ebba/lib/util.h"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

#define METRICS_MAX_LABELS 4
#define METRICS_MAX_BUCKETS 24

struct metrics;
struct metric_family;
struct metric;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/*
 * The family called name, made on first ask (later asks with the same
 * name return it and ignore the rest, so two parts of a program, or a
 * reload, may both declare it).  labels: up to METRICS_MAX_LABELS names,
 * NULL-terminated, or NULL for none.  buckets: histograms only, the upper
 * bounds in increasing order (at most METRICS_MAX_BUCKETS; +Inf is
 * implied), or NULL for METRICS_SECONDS_BUCKETS.  The name and label
 * names must be valid Prometheus names; a program error aborts.
 */
struct metric_family *metrics_family(struct metrics *m, enum metric_type type, const char *name,
				     const char *help, const char *const *labels,
				     const double *buckets, size_t n_buckets);

/* Bucket bounds for durations, in seconds: 1 ms to 60 s. */
extern const double METRICS_SECONDS_BUCKETS[];
extern const size_t METRICS_SECONDS_BUCKETS_N;

/*
 * The series of f with these label values (one per label name, in the
 * family's order; NULL when it has no labels), made on first ask.  Any
 * bytes are allowed in a value: they are escaped when rendered.
 */
struct metric *metric_series(struct metric_family *f, const char *const *values);

/* Shorthands: metrics_family() then metric_series() for a family without labels. */
struct metric *metrics_counter(struct metrics *m, const char *name, const char *help);
struct metric *metrics_gauge(struct metrics *m, const char *name, const char *help);

void metric_inc(struct metric *s);              /* counters and gauges: +1 */
void metric_add(struct metric *s, double v);    /* counters: v >= 0 */
void metric_set(struct metric *s, double v);    /* gauges */
void metric_observe(struct metric *s, double v);/* histograms */

/*
 * Called at each rendering, after the families, to append lines of its
 * own (whole families, with HELP and TYPE) to out: for figures that are
 * cheaper read when asked (process memory, sessions).  Runs under the
 * registry's lock, on the rendering thread.
 */
typedef void (*metrics_collect_fn)(void *arg, struct ebba_buf *out);
void metrics_add_collector(struct metrics *m, metrics_collect_fn fn, void *arg);

/* A collector of the process_* figures the Prometheus client libraries
 * give (CPU, memory, descriptors, start time); arg is the registry. */
void metrics_collect_process(void *arg, struct ebba_buf *out);

/* Appends the whole registry in the text format to out. */
void metrics_render(struct metrics *m, struct ebba_buf *out);

/* Formatting helpers, also for collectors: a sample value ("+Inf", "NaN",
 * the shortest decimal that reads back the same), and a label value
 * escaped (backslash, double quote, newline) into out. */
void metrics_format_value(double v, char out[32]);
void metrics_escape_label(const char *v, struct ebba_buf *out);

#endif
