/*
 * Counts a process's allocation calls (malloc, calloc, realloc), for
 * allocations per decision where wall time on a shared machine says
 * nothing (docs/architecture.md §14.15).  Not part of the build:
 *
 *   gcc -O2 -shared -fPIC -o /tmp/malloc_count.so contrib/bench/malloc_count.c
 *   BENCH_EBBAD_WRAP="env LD_PRELOAD=/tmp/malloc_count.so MALLOC_COUNT_OUT=/tmp/allocs" \
 *       BENCH_PROCS=1 BENCH_APPS=2000 BENCH_SKIP="pgbench whatif store slow outage slow1s mem web api deliver" \
 *       contrib/bench/run.sh
 *
 * At exit the process writes "allocs N" to $MALLOC_COUNT_OUT.<pid>.  Two runs of different
 * BENCH_APPS (500 and 2000, BENCH_PROCS=1) give the count per decision
 * without the start-up: (N2000 - N500) / 1500.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

static atomic_ulong allocations;

void *malloc(size_t n)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __libc_realloc(p, n);
}

static void report(void)
{
	const char *out = getenv("MALLOC_COUNT_OUT");
	if (!out)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s.%d", out, (int)getpid());
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "allocs %lu\n", (unsigned long)atomic_load(&allocations));
	fclose(f);
}

__attribute__((constructor)) static void start(void)
{
	atexit(report);
}
