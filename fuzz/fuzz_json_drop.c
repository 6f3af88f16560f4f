/*
 * libFuzzer target for json_drop_member (ebba/lib/json_drop.h), against
 * jansson: whenever jansson reads the input (text: no NUL byte) as an
 * object, dropping "rules" must succeed, and what it leaves must read as
 * the same object without that member.  (An escaped spelling of the key is kept by design,
 * so both sides are compared with "rules" removed.)  Any input at all must
 * not crash.  Seeds: fuzz/corpus/json_drop/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/lib/json_drop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ebba_buf out = {0};
	int rc = json_drop_member((const char *)data, size, "rules", &out);
	/* Compared only on text without NUL bytes, which is what it is given (a
	 * PostgreSQL text value holds none); jansson reads "{ \"a\" : 1\0 }" as an
	 * object, json_drop_member refuses it. */
	json_t *in = memchr(data, 0, size) ? NULL : json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (json_is_object(in)) {
		if (rc != 0)
			abort();
		json_error_t e;
		json_t *kept = json_loadb(out.data, out.len, 0, &e);
		if (!kept)
			abort();
		json_object_del(in, "rules");
		json_object_del(kept, "rules");
		if (!json_equal(in, kept))
			abort();
		json_decref(kept);
	}
	json_decref(in);
	buf_free(&out);
	return 0;
}
