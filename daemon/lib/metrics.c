/*
 * Counters, gauges and histograms in the Prometheus text format; see
 * include/ebba/lib/metrics.h.
 *
 * Every value is a double kept as its bits in an atomic 64-bit word and
 * changed with a compare-and-swap loop (uncontended: one worker thread
 * counts, one HTTP thread reads).  A histogram keeps one plain counter per
 * bucket (not cumulative, so an observation touches one word) and adds
 * them up when rendered; _count is that sum, so it always equals the
 * +Inf bucket.
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ebba/lib/log.h"
#include "ebba/lib/metrics.h"

const double METRICS_SECONDS_BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
					  0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
const size_t METRICS_SECONDS_BUCKETS_N = ARRAY_LEN(METRICS_SECONDS_BUCKETS);

struct metric {
	struct metric *next;           /* the family's series, in creation order */
	struct metric_family *f;
	char *values[METRICS_MAX_LABELS];
	_Atomic uint64_t value;        /* counter/gauge value; histogram sum (double bits) */
	_Atomic uint64_t buckets[METRICS_MAX_BUCKETS + 1];   /* the last is +Inf */
};

struct metric_family {
	struct metrics *m;
	enum metric_type type;
	char *name;
	char *help;
	char *labels[METRICS_MAX_LABELS];
	size_t n_labels;
	double bounds[METRICS_MAX_BUCKETS];
	size_t n_bounds;
	struct metric *head, *tail;
};

struct collector {
	metrics_collect_fn fn;
	void *arg;
};

struct metrics {
	pthread_mutex_t lock;
	struct metric_family **families;
	size_t n_families;
	struct collector collectors[8];
	size_t n_collectors;
	double started;                /* for process_start_time_seconds */
};

static uint64_t bits_of(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	return u;
}

static double double_of(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

struct metrics *metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->started = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return m;
}

static void family_free(struct metric_family *f)
{
	for (struct metric *s = f->head, *next; s; s = next) {
		next = s->next;
		for (size_t i = 0; i < f->n_labels; i++)
			free(s->values[i]);
		free(s);
	}
	for (size_t i = 0; i < f->n_labels; i++)
		free(f->labels[i]);
	free(f->name);
	free(f->help);
	free(f);
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_families; i++)
		family_free(m->families[i]);
	free(m->families);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (label names: no ':'). */
static bool valid_name(const char *s, bool label)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || (*s == ':' && !label)))
			return false;
	return true;
}

static struct metric_family *family_find(struct metrics *m, const char *name)
{
	for (size_t i = 0; i < m->n_families; i++)
		if (strcmp(m->families[i]->name, name) == 0)
			return m->families[i];
	return NULL;
}

struct metric_family *metrics_family(struct metrics *m, enum metric_type type, const char *name,
				     const char *help, const char *const *labels,
				     const double *buckets, size_t n_buckets)
{
	pthread_mutex_lock(&m->lock);
	struct metric_family *f = family_find(m, name);
	if (f) {
		pthread_mutex_unlock(&m->lock);
		return f;
	}
	if (!valid_name(name, false))
		fatal("metrics: '%s' is not a metric name", name);
	f = xcalloc(1, sizeof(*f));
	*f = (struct metric_family){.m = m, .type = type, .name = xstrdup(name),
				    .help = xstrdup(help ? help : "")};
	for (; labels && labels[f->n_labels]; f->n_labels++) {
		const char *l = labels[f->n_labels];
		if (f->n_labels == METRICS_MAX_LABELS || !valid_name(l, true) || strcmp(l, "le") == 0)
			fatal("metrics: %s: bad or too many label names (at '%s')", name, l);
		f->labels[f->n_labels] = xstrdup(l);
	}
	if (type == METRIC_HISTOGRAM) {
		if (!buckets) {
			buckets = METRICS_SECONDS_BUCKETS;
			n_buckets = METRICS_SECONDS_BUCKETS_N;
		}
		if (n_buckets > METRICS_MAX_BUCKETS)
			fatal("metrics: %s: more than %d buckets", name, METRICS_MAX_BUCKETS);
		for (size_t i = 0; i < n_buckets; i++) {
			if (i && buckets[i] <= buckets[i - 1])
				fatal("metrics: %s: bucket bounds must increase", name);
			f->bounds[i] = buckets[i];
		}
		f->n_bounds = n_buckets;
	}
	m->families = xrealloc(m->families, (m->n_families + 1) * sizeof(*m->families));
	m->families[m->n_families++] = f;
	pthread_mutex_unlock(&m->lock);
	return f;
}

static bool same_values(const struct metric *s, const char *const *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->values[i], values[i] ? values[i] : "") != 0)
			return false;
	return true;
}

struct metric *metric_series(struct metric_family *f, const char *const *values)
{
	pthread_mutex_lock(&f->m->lock);
	struct metric *s;
	for (s = f->head; s; s = s->next)
		if (same_values(s, values, f->n_labels))
			break;
	if (!s) {
		s = xcalloc(1, sizeof(*s));
		s->f = f;
		for (size_t i = 0; i < f->n_labels; i++)
			s->values[i] = xstrdup(values[i] ? values[i] : "");
		atomic_init(&s->value, bits_of(0.0));
		if (f->tail)
			f->tail->next = s;
		else
			f->head = s;
		f->tail = s;
	}
	pthread_mutex_unlock(&f->m->lock);
	return s;
}

struct metric *metrics_counter(struct metrics *m, const char *name, const char *help)
{
	return metric_series(metrics_family(m, METRIC_COUNTER, name, help, NULL, NULL, 0), NULL);
}

struct metric *metrics_gauge(struct metrics *m, const char *name, const char *help)
{
	return metric_series(metrics_family(m, METRIC_GAUGE, name, help, NULL, NULL, 0), NULL);
}

static void atomic_add_double(_Atomic uint64_t *w, double v)
{
	uint64_t old = atomic_load_explicit(w, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(w, &old, bits_of(double_of(old) + v),
						      memory_order_relaxed, memory_order_relaxed))
		;
}

void metric_inc(struct metric *s)
{
	atomic_add_double(&s->value, 1.0);
}

void metric_add(struct metric *s, double v)
{
	atomic_add_double(&s->value, v);
}

void metric_set(struct metric *s, double v)
{
	atomic_store_explicit(&s->value, bits_of(v), memory_order_relaxed);
}

void metric_observe(struct metric *s, double v)
{
	const struct metric_family *f = s->f;
	size_t b = 0;
	while (b < f->n_bounds && v > f->bounds[b])
		b++;
	atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
	atomic_add_double(&s->value, v);
}

void metrics_add_collector(struct metrics *m, metrics_collect_fn fn, void *arg)
{
	pthread_mutex_lock(&m->lock);
	if (m->n_collectors == ARRAY_LEN(m->collectors))
		fatal("metrics: too many collectors");
	m->collectors[m->n_collectors++] = (struct collector){fn, arg};
	pthread_mutex_unlock(&m->lock);
}

/* ------------------------------------------------------------- rendering */

void metrics_format_value(double v, char out[32])
{
	if (isnan(v)) {
		snprintf(out, 32, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, 32, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	snprintf(out, 32, "%.15g", v);
	if (strtod(out, NULL) != v)
		snprintf(out, 32, "%.17g", v);
}

void metrics_escape_label(const char *v, struct ebba_buf *out)
{
	for (; *v; v++) {
		if (*v == '\\')
			buf_puts(out, "\\\\");
		else if (*v == '"')
			buf_puts(out, "\\\"");
		else if (*v == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *v);
	}
}

static void put_help(const struct metric_family *f, struct ebba_buf *out)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	buf_printf(out, "# HELP %s ", f->name);
	for (const char *h = f->help; *h; h++) {
		if (*h == '\\')
			buf_puts(out, "\\\\");
		else if (*h == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *h);
	}
	buf_printf(out, "\n# TYPE %s %s\n", f->name, types[f->type]);
}

/* {a="x",b="y"} with le appended when given; nothing when there is neither. */
static void put_labels(const struct metric *s, const char *le, struct ebba_buf *out)
{
	const struct metric_family *f = s->f;
	if (!f->n_labels && !le)
		return;
	buf_putc(out, '{');
	for (size_t i = 0; i < f->n_labels; i++) {
		buf_printf(out, "%s%s=\"", i ? "," : "", f->labels[i]);
		metrics_escape_label(s->values[i], out);
		buf_putc(out, '"');
	}
	if (le)
		buf_printf(out, "%sle=\"%s\"", f->n_labels ? "," : "", le);
	buf_putc(out, '}');
}

static void put_sample(const struct metric *s, const char *suffix, const char *le, double v,
		       struct ebba_buf *out)
{
	char num[32];
	metrics_format_value(v, num);
	buf_printf(out, "%s%s", s->f->name, suffix);
	put_labels(s, le, out);
	buf_printf(out, " %s\n", num);
}

static void put_histogram(const struct metric *s, struct ebba_buf *out)
{
	const struct metric_family *f = s->f;
	uint64_t cum = 0;
	char le[32];
	for (size_t b = 0; b <= f->n_bounds; b++) {
		cum += atomic_load_explicit(&s->buckets[b], memory_order_relaxed);
		if (b < f->n_bounds)
			metrics_format_value(f->bounds[b], le);
		else
			snprintf(le, sizeof(le), "+Inf");
		put_sample(s, "_bucket", le, (double)cum, out);
	}
	put_sample(s, "_sum", NULL, double_of(atomic_load_explicit(&s->value, memory_order_relaxed)), out);
	put_sample(s, "_count", NULL, (double)cum, out);
}

void metrics_render(struct metrics *m, struct ebba_buf *out)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n_families; i++) {
		const struct metric_family *f = m->families[i];
		put_help(f, out);
		for (const struct metric *s = f->head; s; s = s->next) {
			if (f->type == METRIC_HISTOGRAM)
				put_histogram(s, out);
			else
				put_sample(s, "", NULL,
					   double_of(atomic_load_explicit(&s->value, memory_order_relaxed)), out);
		}
	}
	for (size_t i = 0; i < m->n_collectors; i++)
		m->collectors[i].fn(m->collectors[i].arg, out);
	pthread_mutex_unlock(&m->lock);
}

/* ------------------------------------------------------ process metrics */

static void put_one(struct ebba_buf *out, const char *name, const char *type, const char *help,
		    double v)
{
	char num[32];
	metrics_format_value(v, num);
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, type, name, num);
}

static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;   /* not the directory's own descriptor */
}

void metrics_collect_process(void *arg, struct ebba_buf *out)
{
	struct metrics *m = arg;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		put_one(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.",
			(double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
			(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, rss = 0;
	if (f && fscanf(f, "%lu %lu", &size, &rss) == 2) {
		double page = (double)sysconf(_SC_PAGESIZE);
		put_one(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
			(double)size * page);
		put_one(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
			(double)rss * page);
	}
	if (f)
		fclose(f);
	long fds = open_fds();
	if (fds >= 0)
		put_one(out, "process_open_fds", "gauge", "Number of open file descriptors.", (double)fds);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		put_one(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
			(double)rl.rlim_cur);
	put_one(out, "process_start_time_seconds", "gauge",
		"Start time of the process since unix epoch in seconds.", m->started);
}
