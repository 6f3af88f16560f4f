/*
 * The rule set published (`ebbactl rules explain`, ebba-web's Regelverket):
 * the whole rule set as a document a citizen, a journalist or JO can read --
 * what ebba checks (each check's condition in words and as written, its
 * message), the delegation, every parameter with its dated values and
 * legal source, the calculation, the sample rate and the letter's reasons,
 * under the set's name, version and SHA-256 so that the document can be
 * matched with any decision.  One model (a JSON value) feeds both forms:
 * the HTML template daemon/web/templates/explain.html (rendered by
 * lib/template.c, which escapes every value) and the Markdown here.
 */
#include <stdio.h>
#include <string.h>

#include "rules_impl.h"

static const char *const CALC_LABELS[RS_CALC_COUNT] = {
	"Norm (riksnormen för hushållet)", "Godtagna kostnader", "Inkomster som räknas",
	"Belopp som beviljas"};

static const char *outcome_words(const struct rs_check *c)
{
	if (c->reject)
		return "Ansökan avslås (bara där konfigurationen tillåter automatiskt avslag; annars hänvisas den till en handläggare)";
	return c->complete ? "Ansökan hänvisas för att begära komplettering av den sökande: ebba begär själv när inget annat fattas och completion_days är mer än 0, annars gör handläggaren det"
			   : "Ansökan hänvisas till en handläggare, som beslutar";
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *delegations_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rs->n_deleg; i++) {
		const struct rs_delegation *d = &rs->deleg[i];
		const char *outs = d->covers[RS_DELEG_APPROVED] && d->covers[RS_DELEG_REJECTED]
				   ? "beviljande och avslag"
				   : d->covers[RS_DELEG_APPROVED] ? "beviljande" : "avslag";
		char period[64];
		if (d->valid_until[0])
			snprintf(period, sizeof(period), "från %s till och med %s", d->valid_from, d->valid_until);
		else
			snprintf(period, sizeof(period), "från %s och tills vidare", d->valid_from);
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "label",
			d->label, "body", d->body, "decided", d->decided, "reference", d->reference,
			"valid_from", d->valid_from, "valid_until", d->valid_until, "period", period,
			"outcomes", outs, "example", d->example));
	}
	return a;
}

/* What a complete check asks for: the catalogue's ids with their texts. */
static json_t *check_documents_json(const struct ruleset *rs, const struct rs_check *c)
{
	json_t *a = json_array();
	for (size_t k = 0; k < c->n_documents; k++) {
		const char *text = ruleset_document_text(rs, c->documents[k]);
		json_array_append_new(a, json_pack("{s:s,s:s}", "id", c->documents[k], "text", text ? text : ""));
	}
	return a;
}

static json_t *checks_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rs->n_checks; i++) {
		const struct rs_check *c = &rs->checks[i];
		json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o,s:s,s:s,s:s,s:b}", "id", c->id,
			"group", str_or_null(c->group), "description", str_or_null(c->description),
			"when", c->when ? json_string(cel_program_source(c->when)) : json_null(),
			"expr", cel_program_source(c->expr), "outcome", outcome_words(c),
			"message", c->message_src, "retry_registers", c->retry_registers));
		json_t *docs = check_documents_json(rs, c);
		json_t *o = json_array_get(a, json_array_size(a) - 1);
		json_object_set_new(o, "has_documents", json_boolean(json_array_size(docs) > 0));
		json_object_set_new(o, "documents", docs);
	}
	return a;
}

static json_t *params_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rs->n_params; i++) {
		const struct rs_param *p = &rs->params[i];
		json_t *vals = json_array();
		for (size_t k = 0; k < p->n; k++)
			json_array_append_new(vals, json_pack("{s:s,s:s,s:s,s:b}", "from", p->v[k].from,
				"value", p->v[k].display ? p->v[k].display : "", "source", p->v[k].source,
				"provisional", p->v[k].provisional));
		json_array_append_new(a, json_pack("{s:s,s:o}", "name", p->name, "values", vals));
	}
	return a;
}

static json_t *calculation_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (int k = 0; k < RS_CALC_COUNT; k++) {
		const struct rs_derived *d = rs->calc[k] >= 0 ? &rs->derived[rs->calc[k]] : NULL;
		json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "name", RS_CALC[k].fact,
			"label", CALC_LABELS[k], "expr", d && d->prog ? cel_program_source(d->prog) : ""));
	}
	return a;
}

static json_t *derived_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rs->n_derived; i++) {
		const struct rs_derived *d = &rs->derived[i];
		if (str_starts_with(d->name, "calc.") || !d->prog)
			continue;
		json_array_append_new(a, json_pack("{s:s,s:o,s:s}", "name", d->name, "description",
			str_or_null(d->description), "expr", cel_program_source(d->prog)));
	}
	return a;
}

static json_t *audit_json(const struct ruleset *rs)
{
	static const char *const labels[3] = {"beviljade", "hänvisade", "avslagna"};
	json_t *sample = json_array();
	for (int k = 0; k < 3; k++) {
		char pct[32];
		snprintf(pct, sizeof(pct), "%g %%", rs->sample[k] * 100.0);
		json_array_append_new(sample, json_pack("{s:s,s:s}", "outcome", labels[k], "percent", pct));
	}
	json_t *flags = json_array();
	for (size_t i = 0; i < rs->n_flags; i++)
		json_array_append_new(flags, json_pack("{s:s,s:s,s:s}", "id", rs->flags[i].id, "when",
			cel_program_source(rs->flags[i].when), "reason",
			rs->flags[i].reason_src ? rs->flags[i].reason_src : ""));
	return json_pack("{s:o,s:b,s:o}", "sample", sample, "has_flags", rs->n_flags > 0, "flags", flags);
}

static json_t *paragraphs_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rs->n_paras; i++) {
		const struct rs_paragraph *p = &rs->paras[i];
		json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o,s:s}", "id", p->id,
			"when", p->when ? json_string(cel_program_source(p->when)) : json_null(),
			"each", p->each ? json_string(cel_program_source(p->each)) : json_null(),
			"description", str_or_null(p->description), "text", p->text_src));
	}
	return a;
}

/* The reason catalogue, each reason with every dated provision, and the appeal text. */
static json_t *reasons_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rs->n_reasons; i++) {
		const struct rs_reason *r = &rs->reasons[i];
		json_t *prov = json_array(), *checks = json_array();
		for (size_t k = 0; k < r->n_provision; k++)
			json_array_append_new(prov, json_pack("{s:s,s:s}", "from", r->provision[k].from,
							      "value", r->provision[k].value));
		for (size_t k = 0; k < r->n_checks; k++)
			json_array_append_new(checks, json_string(r->checks[k]));
		json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:o}", "id", r->id, "text", r->text,
						   "provisions", prov, "checks", checks));
	}
	return a;
}

static json_t *documents_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rs->n_documents; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "id", rs->documents[i].id,
						   "text", rs->documents[i].text));
	return a;
}

static json_t *appeal_json(const struct ruleset *rs)
{
	json_t *a = json_array();
	for (size_t k = 0; k < rs->n_appeal; k++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "from", rs->appeal[k].from, "value",
						   rs->appeal[k].value));
	return a;
}

json_t *ruleset_explain_model(const struct ruleset *rs)
{
	json_t *m = json_pack("{s:s,s:s,s:s,s:o,s:o}", "name", rs->name, "version", rs->version,
			      "sha256", rs->sha256, "description", str_or_null(rs->description),
			      "valid_from", str_or_null(rs->valid_from));
	json_t *deleg = delegations_json(rs);
	json_object_set_new(m, "has_delegations", json_boolean(json_array_size(deleg) > 0));
	json_object_set_new(m, "delegations", deleg);
	json_object_set_new(m, "delegation_message", json_string(RULE_DELEGATION_MESSAGE));
	json_object_set_new(m, "checks", checks_json(rs));
	json_object_set_new(m, "has_reasons", json_boolean(rs->n_reasons > 0 || rs->n_appeal > 0));
	json_object_set_new(m, "reasons", reasons_json(rs));
	json_object_set_new(m, "appeal", appeal_json(rs));
	json_object_set_new(m, "has_documents", json_boolean(rs->n_documents > 0));
	json_object_set_new(m, "documents", documents_json(rs));
	json_object_set_new(m, "parameters", params_json(rs));
	json_object_set_new(m, "calculation", calculation_json(rs));
	json_object_set_new(m, "derived", derived_json(rs));
	json_object_set_new(m, "audit", audit_json(rs));
	json_t *paras = paragraphs_json(rs);
	json_object_set_new(m, "has_paragraphs", json_boolean(json_array_size(paras) > 0));
	json_object_set_new(m, "paragraphs", paras);
	return m;
}

/* ---- Markdown ---------------------------------------------------------- */

/*
 * Text with every character Markdown gives a meaning to escaped (#, - and +
 * only where they would start a line); line breaks become spaces.
 */
static void md_text(struct ebba_buf *b, const char *s)
{
	if (s && strchr("#-+", *s) && *s && (b->len == 0 || b->data[b->len - 1] == '\n'))
		buf_putc(b, '\\');
	for (; s && *s; s++) {
		if (*s == '\n' || *s == '\r') {
			buf_putc(b, ' ');
			continue;
		}
		/* raw HTML is allowed in Markdown: < and & become entities */
		if (*s == '<' || *s == '>' || *s == '&') {
			buf_puts(b, *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : "&amp;");
			continue;
		}
		if (strchr("\\`*_[]|", *s))
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
}

/* A code span that no backtick in s can end: fenced by one more backtick than s's longest run. */
static void md_code(struct ebba_buf *b, const char *s)
{
	size_t run = 0, longest = 0;
	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (size_t i = 0; i <= longest; i++)
		buf_putc(b, '`');
	buf_putc(b, ' ');
	for (const char *p = s; *p; p++)
		buf_putc(b, *p == '\n' || *p == '\r' ? ' ' : *p);
	buf_putc(b, ' ');
	for (size_t i = 0; i <= longest; i++)
		buf_putc(b, '`');
}

static const char *jget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void md_documents(struct ebba_buf *b, const json_t *m)
{
	if (!json_is_true(json_object_get(m, "has_documents")))
		return;
	buf_puts(b, "\n## Handlingskatalogen\n\n");
	buf_puts(b, "Det en handläggare kan begära in av den sökande som komplettering, med texten "
		    "i brevet och i e-tjänsten.\n\n");
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(m, "documents"), i, d) {
		buf_puts(b, "- `");
		buf_puts(b, jget(d, "id"));
		buf_puts(b, "`: ");
		md_text(b, jget(d, "text"));
		buf_putc(b, '\n');
	}
}

static void md_reasons(struct ebba_buf *b, const json_t *m)
{
	if (!json_is_true(json_object_get(m, "has_reasons")))
		return;
	buf_puts(b, "\n## Skälkatalogen\n\n");
	buf_puts(b, "De skäl en handläggare kan ange när hen beslutar en del av en ansökan, med meningen "
		    "i brevet och lagrummet (det som gällde på beslutsdagen citeras).\n\n");
	size_t i, k;
	json_t *r, *p;
	json_array_foreach(json_object_get(m, "reasons"), i, r) {
		buf_puts(b, "- `");
		buf_puts(b, jget(r, "id"));
		buf_puts(b, "`: ");
		md_text(b, jget(r, "text"));
		json_array_foreach(json_object_get(r, "provisions"), k, p) {
			buf_puts(b, k ? "; från " : " Lagrum från ");
			md_text(b, jget(p, "from"));
			buf_puts(b, ": ");
			md_text(b, jget(p, "value"));
		}
		buf_puts(b, ".\n");
	}
	json_array_foreach(json_object_get(m, "appeal"), i, p) {
		buf_puts(b, i ? "" : "\n### Hur man överklagar\n\n");
		buf_puts(b, "- Från ");
		md_text(b, jget(p, "from"));
		buf_puts(b, ": ");
		md_text(b, jget(p, "value"));
		buf_putc(b, '\n');
	}
}

static void md_delegations(struct ebba_buf *b, const json_t *m)
{
	buf_puts(b, "\n## Delegationen\n\n");
	buf_puts(b, "ebba beslutar automatiskt bara med stöd av ett beslut om delegation från nämnden. "
		    "Utan en delegation som gäller på beslutsdagen och omfattar beslutet hänvisas varje "
		    "ansökan till en handläggare med skälet \"");
	md_text(b, jget(m, "delegation_message"));
	buf_puts(b, "\".\n\n");
	size_t i;
	json_t *d;
	if (json_array_size(json_object_get(m, "delegations")) == 0)
		buf_puts(b, "Regeluppsättningen har ingen delegation: ebba beslutar inget automatiskt.\n");
	json_array_foreach(json_object_get(m, "delegations"), i, d) {
		buf_puts(b, "- **");
		md_text(b, jget(d, "body"));
		buf_puts(b, "**, beslut ");
		md_text(b, jget(d, "decided"));
		buf_puts(b, ", ");
		md_text(b, jget(d, "reference"));
		buf_puts(b, ". Gäller ");
		md_text(b, jget(d, "outcomes"));
		buf_puts(b, " ");
		md_text(b, jget(d, "period"));
		buf_puts(b, ".");
		if (json_is_true(json_object_get(d, "example")))
			buf_puts(b, " **Detta är ett exempel som kommunen måste ersätta med nämndens eget beslut.**");
		buf_putc(b, '\n');
	}
}

static void md_checks(struct ebba_buf *b, const json_t *m)
{
	buf_puts(b, "\n## Vad ebba kontrollerar\n\n"
		    "Varje kontroll måste hålla för att ansökan ska beviljas automatiskt. En kontroll som "
		    "inte håller leder till det som står under \"Om den inte håller\", med meddelandet.\n");
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(m, "checks"), i, c) {
		buf_puts(b, "\n### ");
		md_code(b, jget(c, "id"));
		buf_puts(b, "\n\n");
		if (jget(c, "description")) {
			md_text(b, jget(c, "description"));
			buf_puts(b, "\n\n");
		}
		if (jget(c, "group")) {
			buf_puts(b, "- Område: ");
			md_text(b, jget(c, "group"));
			buf_putc(b, '\n');
		}
		if (jget(c, "when")) {
			buf_puts(b, "- Prövas när: ");
			md_code(b, jget(c, "when"));
			buf_putc(b, '\n');
		}
		buf_puts(b, "- Villkor: ");
		md_code(b, jget(c, "expr"));
		buf_puts(b, "\n- Om den inte håller: ");
		md_text(b, jget(c, "outcome"));
		size_t k;
		json_t *d;
		json_array_foreach(json_object_get(c, "documents"), k, d) {
			buf_puts(b, k ? ", " : "\n- Begär in: ");
			md_text(b, jget(d, "text"));
			buf_puts(b, " (");
			md_code(b, jget(d, "id"));
			buf_putc(b, ')');
		}
		buf_puts(b, "\n- Meddelande: ");
		md_code(b, jget(c, "message"));
		buf_putc(b, '\n');
	}
}

static void md_calculation(struct ebba_buf *b, const json_t *m)
{
	buf_puts(b, "\n## Beräkningen\n\nBeloppet är normen plus godtagna kostnader minus inkomster som räknas.\n\n");
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(m, "calculation"), i, c) {
		buf_puts(b, "- ");
		md_text(b, jget(c, "label"));
		buf_puts(b, " (");
		md_code(b, jget(c, "name"));
		buf_puts(b, "): ");
		md_code(b, jget(c, "expr"));
		buf_putc(b, '\n');
	}
	buf_puts(b, "\n### Härledda fakta\n\n");
	json_array_foreach(json_object_get(m, "derived"), i, c) {
		buf_puts(b, "- ");
		md_code(b, jget(c, "name"));
		if (jget(c, "description")) {
			buf_puts(b, ": ");
			md_text(b, jget(c, "description"));
		}
		buf_puts(b, ". Uttryck: ");
		md_code(b, jget(c, "expr"));
		buf_putc(b, '\n');
	}
}

static void md_params(struct ebba_buf *b, const json_t *m)
{
	buf_puts(b, "\n## Parametrar\n\nVärdet som gäller den första dagen i den sökta månaden används. "
		    "Ett preliminärt värde är markerat; beslut som använder det säger det.\n");
	size_t i, k;
	json_t *p, *v;
	json_array_foreach(json_object_get(m, "parameters"), i, p) {
		buf_puts(b, "\n### ");
		md_code(b, jget(p, "name"));
		buf_puts(b, "\n\n| Från | Värde | Källa |\n|---|---|---|\n");
		json_array_foreach(json_object_get(p, "values"), k, v) {
			buf_puts(b, "| ");
			md_text(b, jget(v, "from"));
			buf_puts(b, " | ");
			md_text(b, jget(v, "value"));
			if (json_is_true(json_object_get(v, "provisional")))
				buf_puts(b, " (preliminärt)");
			buf_puts(b, " | ");
			md_text(b, jget(v, "source"));
			buf_puts(b, " |\n");
		}
	}
}

static void md_audit(struct ebba_buf *b, const json_t *m)
{
	const json_t *a = json_object_get(m, "audit");
	buf_puts(b, "\n## Stickprov och granskning\n\nEn andel av besluten granskas i efterhand av en "
		    "handläggare (driften kan ange andra andelar i ebba.yaml):\n\n");
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(a, "sample"), i, x) {
		buf_puts(b, "- ");
		md_text(b, jget(x, "outcome"));
		buf_puts(b, ": ");
		md_text(b, jget(x, "percent"));
		buf_putc(b, '\n');
	}
	if (json_array_size(json_object_get(a, "flags")))
		buf_puts(b, "\nRiktad granskning av beviljade beslut när:\n\n");
	json_array_foreach(json_object_get(a, "flags"), i, x) {
		buf_puts(b, "- ");
		md_code(b, jget(x, "id"));
		buf_puts(b, ": ");
		md_code(b, jget(x, "when"));
		buf_puts(b, " (");
		md_text(b, jget(x, "reason"));
		buf_puts(b, ")\n");
	}
}

static void md_letter(struct ebba_buf *b, const json_t *m)
{
	if (!json_is_true(json_object_get(m, "has_paragraphs")))
		return;
	buf_puts(b, "\n## Beslutsbrevets skäl\n\nBrevet vid beviljande säger, ett stycke per sak:\n\n");
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(m, "paragraphs"), i, p) {
		buf_puts(b, "- ");
		md_code(b, jget(p, "id"));
		if (jget(p, "description")) {
			buf_puts(b, " (");
			md_text(b, jget(p, "description"));
			buf_puts(b, ")");
		}
		buf_puts(b, ": ");
		md_code(b, jget(p, "text"));
		buf_putc(b, '\n');
	}
}

void ruleset_explain_markdown(const struct ruleset *rs, struct ebba_buf *out)
{
	json_t *m = ruleset_explain_model(rs);
	buf_puts(out, "# Regelverket ");
	md_text(out, rs->name);
	buf_puts(out, " ");
	md_text(out, rs->version);
	buf_puts(out, "\n\n");
	if (rs->description) {
		md_text(out, rs->description);
		buf_puts(out, "\n\n");
	}
	buf_puts(out, "Så här beslutar ebba om försörjningsstöd vid återansökningar. Varje beslut sparar "
		      "regeluppsättningens namn, version och SHA-256; samma värden här visar att dokumentet "
		      "gäller beslutet.\n\n- Namn: ");
	md_text(out, rs->name);
	buf_puts(out, "\n- Version: ");
	md_text(out, rs->version);
	buf_puts(out, "\n- SHA-256: ");
	md_code(out, rs->sha256);
	buf_putc(out, '\n');
	if (rs->valid_from) {
		buf_puts(out, "- Gäller från: ");
		md_text(out, rs->valid_from);
		buf_putc(out, '\n');
	}
	md_delegations(out, m);
	md_checks(out, m);
	md_reasons(out, m);
	md_documents(out, m);
	md_calculation(out, m);
	md_params(out, m);
	md_audit(out, m);
	md_letter(out, m);
	json_decref(m);
}
