/*
 * What the pages share (pages.h): the 404 page, their access-log row,
 * Swedish words for ebba's codes.  Below every page_*.c; the route table
 * that calls the pages is routes.c.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/lib/audit_verdict.h"
#include "ebba/store/access_log.h"
#include "pages.h"
#include "ebba/lib/outcome.h"

int page_not_found(const struct web_request *rq, struct web_response *rs, const char *what,
		   struct ebba_err *err)
{
	rs->status = 404;
	json_t *ctx = json_pack("{s:s,s:s}", "message", what, "back", "ko");
	int rc = web_page(rq, rs, "Hittades inte", "message", ctx, err);
	json_decref(ctx);
	return rc;
}

int page_log(const struct web_request *rq, const char *action, const char *kind,
	     const char *id, struct ebba_err *err)
{
	return store_access_log(rq->db, action, kind, id, rq->client, err);
}

struct word {
	const char *code, *sv;
};

static const char *lookup_word(const struct word *w, size_t n, const char *code)
{
	if (!code)
		return "";
	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i].code, code) == 0)
			return w[i].sv;
	return code;
}

const char *sv_outcome(const char *outcome)
{
	return outcome ? outcome_sv_of(outcome) : "";
}

const char *sv_result(const char *result)
{
	static const struct word w[] = {
		{"pass", "uppfylld"}, {"fail", "ej uppfylld"}, {"skip", "ej prövad"},
		{"error", "kunde inte prövas"},
	};
	return lookup_word(w, ARRAY_LEN(w), result);
}

const char *sv_income(const char *type)
{
	static const struct word w[] = {
		{"salary", "Lön"}, {"unemployment_benefit", "Arbetslöshetsersättning"},
		{"activity_support", "Aktivitetsstöd"}, {"sickness_benefit", "Sjukpenning"},
		{"parental_benefit", "Föräldrapenning"}, {"housing_allowance", "Bostadsbidrag"},
		{"child_allowance", "Barnbidrag"}, {"maintenance_support", "Underhållsstöd"},
		{"student_aid", "Studiemedel"}, {"pension", "Pension"},
		{"establishment_benefit", "Etableringsersättning"},
		{"activity_compensation", "Aktivitetsersättning"}, {"other", "Övrig inkomst"},
	};
	return lookup_word(w, ARRAY_LEN(w), type);
}

const char *sv_cost(const char *type)
{
	static const struct word w[] = {
		{"rent", "Hyra"}, {"electricity", "El"}, {"home_insurance", "Hemförsäkring"},
		{"union_fee", "Fackavgift"}, {"unemployment_insurance_fee", "A-kasseavgift"},
		{"work_travel", "Resor till arbete"}, {"childcare", "Barnomsorg"},
		{"medical", "Läkarvård"}, {"medicine", "Medicin"},
		{"dental_emergency", "Akut tandvård"}, {"other", "Övrig kostnad"},
	};
	return lookup_word(w, ARRAY_LEN(w), type);
}

const char *sv_flag(const char *kind)
{
	static const struct word w[] = {{"sample", "Stickprov"}, {"targeted", "Riktad granskning"}};
	return lookup_word(w, ARRAY_LEN(w), kind);
}

const char *sv_verdict(const char *verdict)
{
	enum audit_verdict v;
	if (!verdict)
		return "";
	return audit_verdict_parse(verdict, &v) ? audit_verdict_sv(v) : verdict;
}

const char *sv_agency(const char *code)
{
	static const struct word w[] = {
		{"AF", "Arbetsförmedlingen"}, {"CSN", "CSN"}, {"FK", "Försäkringskassan"},
		{"SO", "a-kassan"}, {"SKV", "Skatteverket"}, {"MIV", "Migrationsverket"},
		{"TNS", "Transportstyrelsen"}, {"SSBTEK", "Försäkringskassan (SSBTEK)"},
		{"PLAN", "Planeringen (arbetsmarknadsenheten)"},
		{"attendance", "Planeringen (arbetsmarknadsenheten)"},
	};
	return lookup_word(w, ARRAY_LEN(w), code);
}

void kr_format(long long v, char *out, size_t n)
{
	char digits[32];
	snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v);
	size_t len = strlen(digits), o = 0;
	if (v < 0 && o + 1 < n)
		out[o++] = '-';
	for (size_t i = 0; i < len && o + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ' ';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

json_t *kr_json(bool has, int64_t kr)
{
	char text[32];
	if (!has)
		return json_null();
	kr_format((long long)kr, text, sizeof(text));
	return json_string(text);
}

json_t *options_json(const char *const *values, const char *const *labels, size_t n,
		     const char *selected)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "value", values[i], "label",
						   labels[i], "selected",
						   selected && strcmp(selected, values[i]) == 0));
	return a;
}
