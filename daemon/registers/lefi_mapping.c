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

#include <yaml.h>

#include "ebba/lib/embedded.h"
#include "ebba/lib/log.h"
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
	return strncmp(code, "FK:", 3) == 0 ? code + 3 : code;
}

static const struct lefi_entry *find(const struct lefi_mapping *m, const char *code)
{
	code = strip_fk(code);
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].code, code) == 0)
			return &m->e[i];
	return NULL;
}

/* A small event cursor so the grammar below reads top-down. */
struct reader {
	yaml_parser_t p;
	yaml_event_t ev;
	bool have;
	const char *name;
	struct ebba_err *err;
};

static int next(struct reader *r)
{
	if (r->have)
		yaml_event_delete(&r->ev);
	r->have = false;
	if (!yaml_parser_parse(&r->p, &r->ev))
		return ebba_errf(r->err, "%s:%zu:%zu: %s", r->name, r->p.problem_mark.line + 1,
				 r->p.problem_mark.column + 1,
				 r->p.problem ? r->p.problem : "YAML syntax error");
	r->have = true;
	return 0;
}

static int fail(struct reader *r, const char *msg)
{
	return ebba_errf(r->err, "%s:%zu:%zu: %s", r->name, r->ev.start_mark.line + 1,
			 r->ev.start_mark.column + 1, msg);
}

static int expect(struct reader *r, yaml_event_type_t t, const char *what)
{
	if (next(r) < 0)
		return -1;
	return r->ev.type == t ? 0 : fail(r, what);
}

static const char *scalar(struct reader *r)
{
	return (const char *)r->ev.data.scalar.value;
}

static int read_codes(struct reader *r, struct lefi_mapping *m)
{
	if (expect(r, YAML_MAPPING_START_EVENT, "codes: expected a mapping of code: type") < 0)
		return -1;
	size_t cap = 0;
	for (;;) {
		if (next(r) < 0)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return fail(r, "codes: expected a benefit code");
		const char *code = strip_fk(scalar(r));
		if (!*code || strlen(code) > LEFI_CODE_MAX)
			return fail(r, "codes: empty or too long benefit code");
		if (find(m, code))
			return fail(r, "codes: benefit code given twice");
		if (m->n == cap) {
			cap = cap ? cap * 2 : 32;
			m->e = xrealloc(m->e, cap * sizeof(*m->e));
		}
		struct lefi_entry *e = &m->e[m->n];
		memcpy(e->code, code, strlen(code) + 1);
		if (expect(r, YAML_SCALAR_EVENT, "codes: expected an income type") < 0)
			return -1;
		int t = income_type_from_name(scalar(r));
		if (t < 0)
			return fail(r, "codes: not an income type of the application document");
		e->type = (enum income_type)t;
		m->n++;
	}
}

static int read_doc(struct reader *r, struct lefi_mapping *m)
{
	if (expect(r, YAML_STREAM_START_EVENT, "expected a YAML stream") < 0 ||
	    expect(r, YAML_DOCUMENT_START_EVENT, "expected a YAML document") < 0 ||
	    expect(r, YAML_MAPPING_START_EVENT, "expected a mapping with version and codes") < 0)
		return -1;
	bool version = false, codes = false;
	for (;;) {
		if (next(r) < 0)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return fail(r, "expected a key");
		if (!strcmp(scalar(r), "version") && !version) {
			if (expect(r, YAML_SCALAR_EVENT, "version: expected 1") < 0)
				return -1;
			if (strcmp(scalar(r), "1"))
				return fail(r, "version: only version 1 is known");
			version = true;
		} else if (!strcmp(scalar(r), "codes") && !codes) {
			if (read_codes(r, m) < 0)
				return -1;
			codes = true;
		} else {
			return fail(r, "unknown or repeated key (expected version, codes)");
		}
	}
	if (!version || !codes)
		return fail(r, "version and codes are both required");
	return 0;
}

int lefi_mapping_parse(const char *yaml, size_t len, const char *name,
		       struct lefi_mapping **out, struct ebba_err *err)
{
	*out = NULL;
	if (len > LEFI_MAPPING_MAX)
		return ebba_errf(err, "%s: larger than %u bytes", name, LEFI_MAPPING_MAX);
	struct reader r = { .name = name, .err = err };
	if (!yaml_parser_initialize(&r.p))
		fatal("out of memory initialising the YAML parser");
	yaml_parser_set_input_string(&r.p, (const unsigned char *)yaml, len);
	struct lefi_mapping *m = xcalloc(1, sizeof(*m));
	int rc = read_doc(&r, m);
	if (r.have)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.p);
	if (rc < 0) {
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
