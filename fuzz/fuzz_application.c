/*
 * libFuzzer target for the application parser: any bytes in, either an
 * application or a one-line error out; never a crash, leak or hang.
 * Seeds: fuzz/corpus/application/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/intake/application.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct app_parser *p;
	struct ebba_err err;
	if (!p && !(p = app_parser_new(NULL, &err)))
		abort();
	struct application *app;
	if (app_parse(p, (const char *)data, size, &app, &err) == 0) {
		/* Touch everything the parser promised. */
		if (app->n_persons == 0 || strlen(app->id) == 0 || strlen(app->period) != 7)
			abort();
		for (size_t i = 0; i < app->n_incomes; i++)
			if (app->incomes[i].person >= app->n_persons || app->incomes[i].amount < 0)
				abort();
		for (size_t i = 0; i < app->n_assets; i++)
			if (app->assets[i].person >= app->n_persons)
				abort();
		if (!pnr_is_valid(app->persons[0].pnr) || strlen(app->message) > size)
			abort();
		application_free(app);
	} else if (strchr(err.msg, '\n') || err.msg[0] == '\0') {
		abort();   /* errors are exactly one non-empty line */
	}
	return 0;
}
