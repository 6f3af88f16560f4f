/*
 * libFuzzer target for case frames: the bytes as YAML and as JSON.  A frame
 * that parses must survive JSON and YAML round trips unchanged.
 * Seeds: fuzz/corpus/case_frame/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/intake/case_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct case_frame *f)
{
	struct case_frame g;
	struct ebba_err err;
	char *json = case_frame_to_json(f);
	if (case_frame_from_json(json, strlen(json), &g, &err) != 0 || memcmp(f, &g, sizeof(g)) != 0)
		abort();
	free(json);
	char *yaml = case_frame_to_yaml(f);
	if (case_frame_parse_yaml("shown", yaml, strlen(yaml), &g, &err) != 0 ||
	    memcmp(f, &g, sizeof(g)) != 0)
		abort();
	free(yaml);
}

static void check_error(const struct ebba_err *err)
{
	if (err->msg[0] == '\0' || strchr(err->msg, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct case_frame f;
	struct ebba_err err;
	if (case_frame_parse_yaml("fuzz.yaml", (const char *)data, size, &f, &err) == 0)
		round_trip(&f);
	else
		check_error(&err);
	if (case_frame_from_json((const char *)data, size, &f, &err) == 0)
		round_trip(&f);
	else
		check_error(&err);
	return 0;
}
