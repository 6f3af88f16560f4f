/*
 * letter_bench FILE... [-n N] [-o OUT.pdf]: renders each letter text FILE
 * as a PDF (daemon/letter/letter_pdf.c) N times over (default 1), in one
 * process, and prints the letters rendered, the milliseconds per letter and
 * the mean PDF size; -o writes the last PDF.  With /usr/bin/time -v it
 * gives the renderer's peak RSS (docs/letters.md, "Cost").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/letter/letter_pdf.h"
#include "ebba/lib/log.h"
#include "ebba/lib/util.h"

int main(int argc, char **argv)
{
	long n = 1;
	const char *outp = NULL;
	const char *files[1024];
	int nf = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			outp = argv[++i];
		else if (nf < 1024)
			files[nf++] = argv[i];
	}
	if (nf == 0 || n < 1) {
		fprintf(stderr, "usage: letter_bench FILE... [-n N] [-o OUT.pdf]\n");
		return 2;
	}
	struct ebba_buf *text = xcalloc((size_t)nf, sizeof(*text));
	struct ebba_err err;
	for (int f = 0; f < nf; f++)
		if (read_file_limited(files[f], 1 << 20, &text[f], &err) != 0) {
			fprintf(stderr, "letter_bench: %s\n", err.msg);
			return 2;
		}
	struct ebba_buf pdf = {0};
	struct letter_pdf_opts o = {.created = "2026-12-07T08:00:00Z"};
	size_t bytes = 0, letters = 0;
	uint64_t t0 = now_usec();
	for (long k = 0; k < n; k++)
		for (int f = 0; f < nf; f++) {
			if (letter_pdf_render(text[f].data, text[f].len, &o, &pdf, &err) != 0) {
				fprintf(stderr, "letter_bench: %s: %s\n", files[f], err.msg);
				return 1;
			}
			bytes += pdf.len;
			letters++;
		}
	double ms = (double)(now_usec() - t0) / 1000.0;
	printf("letters %zu\nms_per_letter %.2f\nbytes_per_letter %zu\nrenderer %s\n", letters,
	       ms / (double)letters, bytes / letters, letter_pdf_renderer());
	if (outp) {
		FILE *fp = fopen(outp, "wb");
		if (!fp || fwrite(pdf.data, 1, pdf.len, fp) != pdf.len || fclose(fp) != 0) {
			fprintf(stderr, "letter_bench: cannot write %s\n", outp);
			return 2;
		}
	}
	for (int f = 0; f < nf; f++)
		buf_free(&text[f]);
	free(text);
	buf_free(&pdf);
	return 0;
}
