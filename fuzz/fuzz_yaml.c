/*
 * libFuzzer target for lib/yaml itself: any bytes either load into a tree
 * whose every node has a position inside the text, or fail with one
 * "name..." line.  Tight limits so the depth and node limits are reached.
 * Seeds: fuzz/corpus/yaml/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct ynode *n, size_t size, unsigned depth)
{
	if (n->line == 0 || n->col == 0 || n->offset > size || depth > 8)
		abort();
	if (n->kind == YN_SCALAR && (!n->text || strlen(n->text) != n->len))
		abort();
	if (n->kind == YN_MAP && n->n % 2)
		abort();
	for (size_t i = 0; i < n->n; i++)
		walk(&n->kids[i], size, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ylimits lim = {.max_bytes = 64 * 1024, .max_depth = 8, .max_nodes = 4096};
	struct ebba_err err;
	struct ydoc *d = ydoc_parse("fuzz.yaml", (const char *)data, size, &lim, &err);
	if (!d) {
		if (strncmp(err.msg, "fuzz.yaml", 9) != 0 || strchr(err.msg, '\n'))
			abort();
		return 0;
	}
	if (d->root)
		walk(d->root, size, 0);
	ydoc_free(d);
	return 0;
}
