/*
 * The rule set's reason catalogue (docs/rules.md, "reasons"): the reasons a
 * person gives when deciding a line of a referral, each with the sentence
 * for the letter and the legal provision, dated like a parameter, and the
 * appeal text (`appeal`), dated the same way, and the sentences a
 * person's letter writes around them (`sentences`), each with its closed
 * set of {placeholders}.  Loaded with the sections; rs_reasons_check warns
 * for a check that can refer or reject and that no reason answers, and
 * for a sentence a catalogue's rule set lacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "rules_loader.h"

static const char *const REASON_KEYS[] = {"id", "checks", "text", "provision", NULL};
static const char *const DATED_KEYS[] = {"from", "value", NULL};

/* A list of {from, value} in date order, or diagnostics. */
static void load_dated(struct loader *L, struct rs_file *f, yaml_node_t *n, const char *what,
		       struct rs_dated **out, size_t *n_out)
{
	if (!n || n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start) {
		DIAG(L, f, n, "%s måste vara en lista med from: och value:", what);
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = rs_node(f, *it);
		if (!e || e->type != YAML_MAPPING_NODE) {
			DIAG(L, f, e, "%s: varje värde måste vara en mappning med from: och value:", what);
			continue;
		}
		rs_check_keys(f, e, DATED_KEYS, what, &L->d);
		const char *from = rs_scalar(rs_map_get(f, e, "from"));
		const char *value = rs_scalar(rs_map_get(f, e, "value"));
		if (!from || !date_is_iso(from)) {
			DIAG(L, f, e, "%s: 'from' måste vara ett datum ÅÅÅÅ-MM-DD", what);
			continue;
		}
		if (!value || !*value) {
			DIAG(L, f, e, "%s: 'value' måste vara en text", what);
			continue;
		}
		if (*n_out && strcmp((*out)[*n_out - 1].from, from) >= 0) {
			DIAG(L, f, e, "%s: värdena måste stå i datumordning", what);
			continue;
		}
		*out = xrealloc(*out, (*n_out + 1) * sizeof(**out));
		struct rs_dated *d = &(*out)[(*n_out)++];
		memcpy(d->from, from, 11);
		d->value = xstrdup(value);
	}
}

static void load_reason(struct loader *L, struct rs_file *f, yaml_node_t *e)
{
	struct ruleset *rs = L->rs;
	if (!e || e->type != YAML_MAPPING_NODE) {
		DIAG(L, f, e, "ett skäl måste vara en mappning (id, checks, text, provision)");
		return;
	}
	rs_check_keys(f, e, REASON_KEYS, "a reason", &L->d);
	const char *id = rs_scalar(rs_map_get(f, e, "id"));
	const char *text = rs_scalar(rs_map_get(f, e, "text"));
	if (!id || !*id || strpbrk(id, " \t\n:=")) {
		DIAG(L, f, e, "skälet saknar ett 'id' (ett ord utan mellanslag, kolon eller likhetstecken)");
		return;
	}
	if (ruleset_reason_find(rs, id)) {
		DIAG(L, f, e, "skälet '%s' anges två gånger", id);
		return;
	}
	if (!text || !*text) {
		DIAG(L, f, e, "skälet '%s' saknar 'text' (meningen i brevet)", id);
		return;
	}
	struct rs_reason r = {.id = xstrdup(id), .text = xstrdup(text), .file = xstrdup(f->name),
			      .line = rs_line(e), .col = rs_col(e)};
	yaml_node_t *cn = rs_map_get(f, e, "checks");
	if (cn && cn->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = cn->data.sequence.items.start; it < cn->data.sequence.items.top; it++) {
			const char *c = rs_scalar(rs_node(f, *it));
			if (!c)
				continue;
			r.checks = xrealloc(r.checks, (r.n_checks + 1) * sizeof(*r.checks));
			r.checks[r.n_checks++] = xstrdup(c);
		}
	} else if (cn) {
		DIAG(L, f, cn, "skälet '%s': 'checks' måste vara en lista med kontrollernas id", id);
	}
	char what[160];
	snprintf(what, sizeof(what), "lagrummet för skälet '%s'", id);
	load_dated(L, f, rs_map_get(f, e, "provision"), what, &r.provision, &r.n_provision);
	rs->reasons = xrealloc(rs->reasons, (rs->n_reasons + 1) * sizeof(*rs->reasons));
	rs->reasons[rs->n_reasons++] = r;
}

void rs_load_reasons(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (!n || n->type != YAML_SEQUENCE_NODE) {
		DIAG(L, f, n, "'reasons' måste vara en lista med skäl (id, checks, text, provision)");
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		load_reason(L, f, rs_node(f, *it));
}

/* The documents catalogue (documents: id, text), published by rules
 * explain and read by every komplettering's request (rules_request.c),
 * so the letter quotes the texts the explanation shows. */
void rs_load_documents(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (!n || n->type != YAML_SEQUENCE_NODE) {
		DIAG(L, f, n, "'documents' måste vara en lista med handlingar (id, text)");
		return;
	}
	struct ruleset *rs = L->rs;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = rs_node(f, *it);
		const char *id = e && e->type == YAML_MAPPING_NODE ? rs_scalar(rs_map_get(f, e, "id")) : NULL;
		const char *text = e && e->type == YAML_MAPPING_NODE ? rs_scalar(rs_map_get(f, e, "text")) : NULL;
		if (!id || !*id || strpbrk(id, " \t\n:=") || !text || !*text) {
			DIAG(L, f, e, "en handling har ett 'id' (ett ord) och en 'text'");
			continue;
		}
		rs->documents = xrealloc(rs->documents, (rs->n_documents + 1) * sizeof(*rs->documents));
		rs->documents[rs->n_documents++] = (struct rs_document){.id = xstrdup(id), .text = xstrdup(text)};
	}
}

void rs_load_appeal(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (L->rs->n_appeal) {
		DIAG(L, f, n, "'appeal' anges två gånger");
		return;
	}
	load_dated(L, f, n, "'appeal'", &L->rs->appeal, &L->rs->n_appeal);
}

/* The sentences' names and the placeholders each may use (one table). */
static const struct {
	const char *name;
	const char *const placeholders[4];
} SENTENCES[SENTENCE_COUNT] = {
	[SENTENCE_COST_REFUSED] = {"cost-refused", {"kostnad", "godtas"}},
	[SENTENCE_COST_ACCEPTED] = {"cost-accepted", {"Kostnad", "godtas", "sokt"}},
	[SENTENCE_INCOME_COUNTED] = {"income-counted", {"Inkomst", "raknas", "uppgett"}},
	[SENTENCE_WHOLE_REJECTED] = {"whole-rejected", {NULL}},
	[SENTENCE_NOTE] = {"note", {"bedomning"}},
	[SENTENCE_DECIDED_BY] = {"decided-by", {"namn", "titel"}},
	[SENTENCE_DECIDED_BY_UNTITLED] = {"decided-by-untitled", {"namn"}},
};

const char *ruleset_sentence_name(enum ruleset_sentence s)
{
	return (unsigned)s < SENTENCE_COUNT ? SENTENCES[s].name : "";
}

static bool known_placeholder(enum ruleset_sentence s, const char *p, size_t n)
{
	for (size_t k = 0; k < 4 && SENTENCES[s].placeholders[k]; k++)
		if (strlen(SENTENCES[s].placeholders[k]) == n && strncmp(SENTENCES[s].placeholders[k], p, n) == 0)
			return true;
	return false;
}

/* Every {placeholder} of every value of sentence s is one of its own. */
static void check_placeholders(struct loader *L, struct rs_file *f, yaml_node_t *n, enum ruleset_sentence s)
{
	for (size_t i = 0; i < L->rs->n_sentences[s]; i++)
		for (const char *p = strchr(L->rs->sentences[s][i].value, '{'); p; p = strchr(p + 1, '{')) {
			const char *end = strchr(p, '}');
			if (!end || !known_placeholder(s, p + 1, (size_t)(end - p - 1)))
				DIAG(L, f, n, "meningen '%s' har platshållaren '%.*s', som den inte kan ha", SENTENCES[s].name,
				     end ? (int)(end - p + 1) : (int)strlen(p), p);
		}
}

void rs_load_sentences(struct loader *L, struct rs_file *f, yaml_node_t *n)
{
	if (!n || n->type != YAML_MAPPING_NODE) {
		DIAG(L, f, n, "'sentences' måste vara en mappning från meningens namn till daterade texter");
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = rs_scalar(rs_node(f, p->key));
		yaml_node_t *v = rs_node(f, p->value);
		int s = 0;
		while (s < SENTENCE_COUNT && (!k || strcmp(SENTENCES[s].name, k) != 0))
			s++;
		if (s == SENTENCE_COUNT) {
			DIAG(L, f, rs_node(f, p->key), "okänd mening '%s' i 'sentences'", k ? k : "");
			continue;
		}
		if (L->rs->n_sentences[s]) {
			DIAG(L, f, v, "meningen '%s' anges två gånger", k);
			continue;
		}
		char what[80];
		snprintf(what, sizeof(what), "meningen '%s'", k);
		load_dated(L, f, v, what, &L->rs->sentences[s], &L->rs->n_sentences[s]);
		check_placeholders(L, f, v, (enum ruleset_sentence)s);
	}
}

static bool answered(const struct ruleset *rs, const char *check)
{
	for (size_t i = 0; i < rs->n_reasons; i++)
		for (size_t k = 0; k < rs->reasons[i].n_checks; k++)
			if (strcmp(rs->reasons[i].checks[k], check) == 0)
				return true;
	return false;
}

void rs_reasons_check(struct loader *L)
{
	const struct ruleset *rs = L->rs;
	for (int s = 0; rs->n_reasons && s < SENTENCE_COUNT; s++)
		if (!rs->n_sentences[s])
			rs_diag(&L->d, true, rs->reasons[0].file, 1, 1,
				"skälkatalogen saknar meningen '%s' (sentences), som en handläggares beslutsbrev behöver",
				SENTENCES[s].name);
	for (size_t i = 0; i < rs->n_checks; i++)
		if (!answered(rs, rs->checks[i].id))
			rs_diag(&L->d, true, rs->checks[i].file ? rs->checks[i].file : "rules",
				rs->checks[i].line[1], rs->checks[i].col[1],
				"kontrollen '%s' kan %s men inget skäl i skälkatalogen (reasons) besvarar den",
				rs->checks[i].id, rs->checks[i].reject ? "avslå" : "hänvisa");
	for (size_t i = 0; i < rs->n_reasons; i++)
		for (size_t k = 0; k < rs->reasons[i].n_checks; k++) {
			bool known = false;
			for (size_t c = 0; c < rs->n_checks && !known; c++)
				known = strcmp(rs->checks[c].id, rs->reasons[i].checks[k]) == 0;
			if (!known)
				rs_diag(&L->d, true, rs->reasons[i].file, rs->reasons[i].line,
					rs->reasons[i].col, "skälet '%s' nämner kontrollen '%s', som inte finns",
					rs->reasons[i].id, rs->reasons[i].checks[k]);
		}
}

static void dated_free(struct rs_dated *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].value);
	free(d);
}

void rs_reasons_free(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n_reasons; i++) {
		struct rs_reason *r = &rs->reasons[i];
		free(r->id);
		free(r->text);
		free(r->file);
		for (size_t k = 0; k < r->n_checks; k++)
			free(r->checks[k]);
		free(r->checks);
		dated_free(r->provision, r->n_provision);
	}
	free(rs->reasons);
	for (size_t i = 0; i < rs->n_documents; i++) {
		free(rs->documents[i].id);
		free(rs->documents[i].text);
	}
	free(rs->documents);
	dated_free(rs->appeal, rs->n_appeal);
	for (int s = 0; s < SENTENCE_COUNT; s++)
		dated_free(rs->sentences[s], rs->n_sentences[s]);
}

/* The value in force on date ("YYYY-MM-DD"; NULL: the newest), or NULL. */
static const char *in_force(const struct rs_dated *d, size_t n, const char *date)
{
	const char *v = NULL;
	for (size_t i = 0; i < n; i++)
		if (!date || strncmp(d[i].from, date, 10) <= 0)
			v = d[i].value;
	return v;
}

/* ---- the public view (rules.h) ---- */

size_t ruleset_n_reasons(const struct ruleset *rs)
{
	return rs->n_reasons;
}

const struct rs_reason *ruleset_reason_find(const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; id && i < rs->n_reasons; i++)
		if (strcmp(rs->reasons[i].id, id) == 0)
			return &rs->reasons[i];
	return NULL;
}

static void view_of(const struct rs_reason *r, const char *date, struct ruleset_reason_view *out)
{
	*out = (struct ruleset_reason_view){
		.id = r->id, .text = r->text,
		.provision = in_force(r->provision, r->n_provision, date),
		.checks = (const char *const *)r->checks, .n_checks = r->n_checks,
	};
}

int ruleset_reason(const struct ruleset *rs, size_t i, const char *date, struct ruleset_reason_view *out)
{
	if (i >= rs->n_reasons)
		return -1;
	view_of(&rs->reasons[i], date, out);
	return 0;
}

bool ruleset_reason_by_id(const struct ruleset *rs, const char *id, const char *date,
			  struct ruleset_reason_view *out)
{
	const struct rs_reason *r = ruleset_reason_find(rs, id);
	if (r)
		view_of(r, date, out);
	return r != NULL;
}

const char *ruleset_appeal(const struct ruleset *rs, const char *date)
{
	return in_force(rs->appeal, rs->n_appeal, date);
}

const char *ruleset_sentence(const struct ruleset *rs, enum ruleset_sentence s, const char *date)
{
	return (unsigned)s < SENTENCE_COUNT ? in_force(rs->sentences[s], rs->n_sentences[s], date) : NULL;
}
