/*
 * The LEFI benefit code -> income type table (schema/lefi-mapping.yaml).
 *
 *   version: 1
 *   codes:
 *     BOB: housing_allowance
 *     "PM:AP": pension
 *
 * Codes are stored without the "FK:" prefix; a lookup strips it too.
 */
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/embedded.h"
#include "ebba/lib/yaml.h"
#include "ebba/registers/ssbtek.h"

#define LEFI_MAPPING_FILE "lefi-mapping.yaml"
#define LEFI_MAPPING_MAX (256u << 10)
#define LEFI_CODE_MAX 23

struct lefi_entry {
	char code[LEFI_CODE_MAX + 1];
	enum income_type type;
};

struct lefi_mapping {
	struct lefi_entry *e;
	size_t n;
};

static const char *strip_fk(const char *code)
{
	const char *rest = str_after(code, "FK:");
	return rest ? rest : code;
}

static const struct lefi_entry *find(const struct lefi_mapping *m, const char *code)
{
	code = strip_fk(code);
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].code, code) == 0)
			return &m->e[i];
	return NULL;
}

static int add_code(const struct ydoc *d, const struct ynode *k, const struct ynode *v,
		    struct lefi_mapping *m, size_t *cap, struct ebba_err *err)
{
	if (k->kind != YN_SCALAR)
		return yerrf(d, k, err, "codes: expected a benefit code");
	const char *code = strip_fk(k->text);
	if (!*code || strlen(code) > LEFI_CODE_MAX)
		return yerrf(d, k, err, "codes: empty or too long benefit code");
	if (find(m, code))
		return yerrf(d, k, err, "codes: benefit code given twice");
	if (v->kind != YN_SCALAR)
		return yerrf(d, v, err, "codes: expected an income type");
	int t = income_type_from_name(v->text);
	if (t < 0)
		return yerrf(d, v, err, "codes: not an income type of the application document");
	if (m->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		m->e = xrealloc(m->e, *cap * sizeof(*m->e));
	}
	struct lefi_entry *e = &m->e[m->n++];
	memcpy(e->code, code, strlen(code) + 1);
	e->type = (enum income_type)t;
	return 0;
}

static int read_codes(const struct ydoc *d, const struct ynode *codes, struct lefi_mapping *m,
		      struct ebba_err *err)
{
	if (codes->kind != YN_MAP)
		return yerrf(d, codes, err, "codes: expected a mapping of code: type");
	size_t cap = 0;
	for (size_t i = 0; i + 1 < codes->n; i += 2)
		if (add_code(d, &codes->kids[i], &codes->kids[i + 1], m, &cap, err) != 0)
			return -1;
	return 0;
}

static int read_doc(const struct ydoc *d, struct lefi_mapping *m, struct ebba_err *err)
{
	const struct ynode *root = d->root;
	if (!root || root->kind != YN_MAP)
		return yerrf_at(d->name, root ? root->line : 1, root ? root->col : 1, err,
				"expected a mapping with version and codes");
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const char *k = ynode_text(&root->kids[i]);
		if (!k || (strcmp(k, "version") != 0 && strcmp(k, "codes") != 0))
			return yerrf(d, &root->kids[i], err, "unknown key '%.40s' (expected version, codes)",
				     k ? k : "?");
	}
	const struct ynode *version = ymap_get(root, "version"), *codes = ymap_get(root, "codes");
	if (!version || !codes)
		return yerrf(d, root, err, "version and codes are both required");
	if (!ynode_text(version))
		return yerrf(d, version, err, "version: expected 1");
	if (strcmp(version->text, "1") != 0)
		return yerrf(d, version, err, "version: only version 1 is known");
	return read_codes(d, codes, m, err);
}

static const struct ylimits lefi_limits = {.max_bytes = LEFI_MAPPING_MAX, .max_depth = 4};

int lefi_mapping_parse(const char *yaml, size_t len, const char *name,
		       struct lefi_mapping **out, struct ebba_err *err)
{
	*out = NULL;
	if (len > LEFI_MAPPING_MAX)
		return ebba_errf(err, "%s: larger than %u bytes", name, LEFI_MAPPING_MAX);
	struct ydoc *d = ydoc_parse(name, yaml, len, &lefi_limits, err);
	if (!d)
		return -1;
	struct lefi_mapping *m = xcalloc(1, sizeof(*m));
	int rc = read_doc(d, m, err);
	ydoc_free(d);
	if (rc != 0) {
		lefi_mapping_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

int lefi_mapping_load(const char *path, struct lefi_mapping **out, struct ebba_err *err)
{
	if (!path) {
		const struct embedded_file *f = embedded_find(LEFI_MAPPING_FILE);
		if (!f)
			return ebba_errf(err, "%s is not compiled in", LEFI_MAPPING_FILE);
		return lefi_mapping_parse(f->data, f->len, LEFI_MAPPING_FILE " (built in)", out, err);
	}
	struct ebba_buf b = {0};
	int rc = read_file_limited(path, LEFI_MAPPING_MAX, &b, err);
	if (rc == 0)
		rc = lefi_mapping_parse(b.data, b.len, path, out, err);
	else
		*out = NULL;
	buf_free(&b);
	return rc;
}

void lefi_mapping_free(struct lefi_mapping *m)
{
	if (!m)
		return;
	free(m->e);
	free(m);
}

int lefi_mapping_lookup(const struct lefi_mapping *m, const char *code, enum income_type *type)
{
	const struct lefi_entry *e = find(m, code);
	if (!e)
		return -1;
	*type = e->type;
	return 0;
}

size_t lefi_mapping_count(const struct lefi_mapping *m)
{
	return m->n;
}

const char *lefi_mapping_code(const struct lefi_mapping *m, size_t i, enum income_type *type)
{
	if (i >= m->n)
		return NULL;
	if (type)
		*type = m->e[i].type;
	return m->e[i].code;
}
