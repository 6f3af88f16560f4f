/*
 * bench_application FILE [N]: parse FILE N times (default 20000) with one
 * reused parser and print documents per second.  For checking that the
 * application parser stays fast on the hot path.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ebba/intake/application.h"
#include "ebba/lib/util.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_application FILE [N]\n");
		return 2;
	}
	long n = argc == 3 ? strtol(argv[2], NULL, 10) : 20000;
	struct ebba_buf b = {0};
	struct ebba_err err;
	struct app_parser *p = app_parser_new(NULL, &err);
	if (!p || read_file_limited(argv[1], 1 << 20, &b, &err) < 0) {
		fprintf(stderr, "bench_application: %s\n", err.msg);
		return 2;
	}
	long ok = 0;
	uint64_t t0 = now_usec();
	for (long i = 0; i < n; i++) {
		struct application *app;
		if (app_parse(p, b.data, b.len, &app, &err) == 0)
			ok++;
		application_free(app);
	}
	double secs = (double)(now_usec() - t0) / 1e6;
	printf("%ld documents (%ld valid, %zu bytes each) in %.3f s: %.0f documents/s, %.1f us each\n",
	       n, ok, b.len, secs, (double)n / secs, secs * 1e6 / (double)n);
	if (ok == 0)
		printf("error: %s\n", err.msg);
	app_parser_free(p);
	buf_free(&b);
	return 0;
}
