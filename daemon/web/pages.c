/*
 * The pages' routes and what they share (pages.h).  Which groups reach
 * which page is decided here, once; the server enforces it before a
 * handler runs and logs every refusal.
 */
#include <stdio.h>
#include <string.h>

#include "ebba/lib/audit_verdict.h"
#include "ebba/store/access_log.h"
#include "pages.h"
#include "ebba/lib/outcome.h"

#define READERS (WEB_CASEWORKER | WEB_SUPERVISOR)

/* "/" is the queue; an auditor who reads no cases starts at Loggar. */
static int page_home(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	if (rq->session->groups & READERS)
		return page_queue(rq, rs, err);
	snprintf(rs->location, sizeof(rs->location), "/loggar");
	return 0;
}

static const struct web_route routes[] = {
	{"GET", "/", READERS | WEB_AUDITOR, 0, page_home},
	{"GET", "/ko", READERS, 0, page_queue},
	{"POST", "/beslut/", WEB_CASEWORKER, WEB_FORM_REDISPLAY, page_review},
	{"GET", "/beslut/", READERS, 0, page_decision},
	{"GET", "/sok", READERS, 0, page_find},
	{"POST", "/sok", READERS, WEB_FORM_REDISPLAY, page_find_post},
	{"GET", "/hushall/", READERS, 0, page_household},
	{"GET", "/stickprov", READERS, 0, page_flags},
	{"POST", "/stickprov/", WEB_CASEWORKER, WEB_FORM_REDISPLAY, page_flag_resolve},
	{"GET", "/referensram/", READERS, 0, page_frame},
	{"POST", "/referensram/", WEB_CASEWORKER, WEB_FORM_REDISPLAY, page_frame_save},
	{"GET", "/regler", WEB_SUPERVISOR, 0, page_rules},
	{"GET", "/regelverk", READERS | WEB_AUDITOR, 0, page_explain},
	{"GET", "/whatif", WEB_SUPERVISOR, 0, page_whatif},
	{"POST", "/whatif", WEB_SUPERVISOR, WEB_FORM_REDISPLAY, page_whatif_start},
	{"GET", "/whatif/", WEB_SUPERVISOR, 0, page_whatif_run},
	{"GET", "/drift", WEB_SUPERVISOR, 0, page_ops},
	{"GET", "/statistik", WEB_SUPERVISOR, 0, page_stats},
	{"GET", "/loggar", WEB_AUDITOR, 0, page_logs},
	{"GET", "/loggar/", WEB_AUDITOR, 0, page_logs_sub},
};

const struct web_route *web_page_routes(size_t *n)
{
	*n = ARRAY_LEN(routes);
	return routes;
}

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
