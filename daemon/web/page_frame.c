/*
 * Referensram: a case's frame, shown and edited as a form (GET and POST
 * /referensram/CASE-ID).  Household members are shown by position and
 * birth year, never by identity number; the form edits what a caseworker
 * decides (automation, validity, months, each adult's capacity, plan and
 * exemption reason, the cost ceilings, the last decision) and keeps the
 * household as stored.  Every field is checked on its own, so each error
 * stands at its field; the whole frame is then checked by the intake
 * parser (case_frame_from_json) as `ebbactl case set` would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/intake/case_frame.h"
#include "ebba/store/web_pages.h"
#include "pages.h"

static bool is_case_id(const char *s)
{
	return s && *s && strlen(s) <= FRAME_ID_MAX && !strchr(s, '/');
}

static void add_error(json_t *ctx, const char *field, const char *text)
{
	json_t *errors = json_object_get(ctx, "errors");
	if (!errors) {
		errors = json_array();
		json_object_set_new(ctx, "errors", errors);
	}
	json_array_append_new(errors, json_pack("{s:s,s:s}", "field", field, "text", text));
	json_object_set_new(ctx, "has_errors", json_true());
	json_t *by_field = json_object_get(ctx, "field_errors");
	if (!by_field) {
		by_field = json_object();
		json_object_set_new(ctx, "field_errors", by_field);
	}
	json_object_set_new(by_field, field, json_string(text));
}

/* The error of field, or NULL: the form's lists are built after the checks. */
static const char *error_at(const json_t *ctx, const char *field)
{
	return json_string_value(json_object_get(json_object_get(ctx, "field_errors"), field));
}

/* The first month of jobbstimulans (docs/income-disregards.md): empty
 * removes it; the frame's own validation then checks the month. */
static void jobbstimulans_field(const struct web_request *rq, json_t *ctx, json_t *entry, size_t i)
{
	char k[48], tail;
	int y, m;
	snprintf(k, sizeof(k), "jobbstimulans_from_%zu", i);
	const char *v = web_form(rq, k);
	if (!v || !*v) {
		json_object_del(entry, "jobbstimulans_from");
		return;
	}
	if (strlen(v) != 7 || sscanf(v, "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12) {
		add_error(ctx, k, "Ange månaden som ÅÅÅÅ-MM");
		return;
	}
	json_object_set_new(entry, "jobbstimulans_from", json_string(v));
}

/* "adult 1, född 1964": the birth year is enough to tell adults apart. */
static void adult_label(const char *pnr, size_t i, char *out, size_t n)
{
	snprintf(out, n, "Vuxen %zu, född %.4s", i + 1, pnr);
}

static json_t *choice(const char *const *values, const char *const *labels, size_t n, const char *sel)
{
	return options_json(values, labels, n, sel);
}

/* The form's fields from a frame (stored) and, when refused, what was typed. */
static void form_fields(json_t *ctx, const struct case_frame *f, const struct web_request *rq, bool typed)
{
	static const char *const caps[] = {"full", "partial", "none"};
	static const char *const cap_labels[] = {"Full arbetsförmåga", "Nedsatt arbetsförmåga", "Ingen arbetsförmåga"};
	static const char *const plans[] = {"required", "exempt"};
	static const char *const plan_labels[] = {"Krav på planering", "Undantagen från planering"};
	static const char *const autos[] = {"allowed", "manual"};
	static const char *const auto_labels[] = {"Ebba får besluta", "Alltid manuell handläggning"};
#define V(name, stored) (typed && web_form(rq, name) ? web_form(rq, name) : (stored))
	char buf[64];
	json_object_set_new(ctx, "automation", choice(autos, auto_labels, 2,
		V("automation", f->automation_allowed ? "allowed" : "manual")));
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", f->valid_until.year, f->valid_until.month, f->valid_until.day);
	json_object_set_new(ctx, "valid_until", json_string(V("valid_until", buf)));
	snprintf(buf, sizeof(buf), "%lld", (long long)f->months_on_assistance);
	json_object_set_new(ctx, "months", json_string(V("months", buf)));
	json_object_set_new(ctx, "last_period", json_string(V("last_period", f->has_last_decision ? f->last_period : "")));
	snprintf(buf, sizeof(buf), "%lld", (long long)f->last_amount);
	json_object_set_new(ctx, "last_amount", json_string(V("last_amount", f->has_last_decision ? buf : "")));
	json_t *adults = json_array();
	for (size_t i = 0; i < f->n_adults; i++) {
		char label[64], cap[32], plan[32], reason[32], jobb[48];
		adult_label(f->adults[i].pnr, i, label, sizeof(label));
		snprintf(cap, sizeof(cap), "capacity_%zu", i);
		snprintf(plan, sizeof(plan), "plan_%zu", i);
		snprintf(reason, sizeof(reason), "reason_%zu", i);
		snprintf(jobb, sizeof(jobb), "jobbstimulans_from_%zu", i);
		json_t *a = json_pack("{s:s,s:i,s:o,s:o,s:s,s:s?,s:s?}", "label", label, "i", (int)i,
			"capacity", choice(caps, cap_labels, 3, V(cap, frame_capacity_name(f->adults[i].capacity))),
			"plan", choice(plans, plan_labels, 2, V(plan, frame_plan_name(f->adults[i].plan))),
			"reason", V(reason, f->adults[i].reason), "error", error_at(ctx, cap),
			"err_reason", error_at(ctx, reason));
		json_object_set_new(a, "jobbstimulans_from", json_string(V(jobb, f->adults[i].jobbstimulans_from)));
		if (error_at(ctx, jobb))
			json_object_set_new(a, "err_jobbstimulans", json_string(error_at(ctx, jobb)));
		json_array_append_new(adults, a);
	}
	json_object_set_new(ctx, "adults", adults);
	json_t *costs = json_array();
	for (int t = 0; t < COST_TYPE_COUNT; t++) {
		char name[48], val[32] = "";
		snprintf(name, sizeof(name), "cost_%s", cost_type_name((enum cost_type)t));
		if (f->cost_approved[t])
			snprintf(val, sizeof(val), "%lld", (long long)f->approved_costs[t]);
		json_array_append_new(costs, json_pack("{s:s,s:s,s:s,s:s?}", "name", name,
			"label", sv_cost(cost_type_name((enum cost_type)t)), "value", V(name, val),
			"error", error_at(ctx, name)));
	}
	json_object_set_new(ctx, "costs", costs);
	json_object_set_new(ctx, "n_household", json_integer((json_int_t)f->n_household));
#undef V
}

static int show(const struct web_request *rq, struct web_response *rs, const char *case_id,
		json_t *stored, const struct web_request *typed, json_t *errors_into, struct ebba_err *err)
{
	struct case_frame f;
	struct ebba_err ferr;
	json_t *frame = json_object_get(stored, "frame");
	char *fj = json_dumps(frame, JSON_COMPACT);
	int prc = case_frame_from_json(fj, strlen(fj), &f, &ferr);
	free(fj);
	json_t *ctx = errors_into ? errors_into : json_object();
	json_object_set_new(ctx, "case_id", json_string(case_id));
	json_object_set(ctx, "updated_at", json_object_get(stored, "updated_at"));
	json_object_set(ctx, "updated_by", json_object_get(stored, "updated_by"));
	if (prc == 0)
		form_fields(ctx, &f, rq, typed != NULL);
	else
		json_object_set_new(ctx, "stored_error", json_string(ferr.msg));
	json_object_set_new(ctx, "can_edit", json_boolean(prc == 0 && rq->session && (rq->session->groups & WEB_CASEWORKER)));
	char title[96];
	snprintf(title, sizeof(title), "Referensram %s", case_id);
	int rc = web_page(rq, rs, title, "frame", ctx, err);
	if (!errors_into)
		json_decref(ctx);
	return rc;
}

/*
 * The stored frame of the case the path names, into *stored (the caller
 * decrefs it).  Returns 1 with *stored set, or the handler's answer (0 with
 * a "not found" page in rs, -1 on error) with *stored NULL.
 */
static int load_stored(const struct web_request *rq, struct web_response *rs, json_t **stored,
		       struct ebba_err *err)
{
	*stored = NULL;
	if (!is_case_id(rq->tail))
		return page_not_found(rq, rs, "Det finns ingen sådan referensram.", err);
	if (store_web_frame(rq->db, rq->tail, stored, err) != 0)
		return -1;
	if (!*stored)
		return page_not_found(rq, rs, "Ärendet har ingen referensram.", err);
	return 1;
}

int page_frame(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *case_id = rq->tail;
	json_t *stored;
	int found = load_stored(rq, rs, &stored, err);
	if (found != 1)
		return found;
	int rc = page_log(rq, "view", "case_frame", case_id, err);
	if (rc == 0)
		rc = show(rq, rs, case_id, stored, NULL, NULL, err);
	json_decref(stored);
	return rc;
}

static bool whole(const char *s, long long max)
{
	if (!s || !*s || strlen(s) > 9 || strspn(s, "0123456789") != strlen(s))
		return false;
	return atoll(s) <= max;
}

/* Checks each field; writes the accepted values into frame (the stored
 * frame's JSON object, edited in place). */
static void apply(json_t *ctx, const struct web_request *rq, json_t *frame, const struct case_frame *f)
{
	const char *a = web_form(rq, "automation");
	if (!a || (strcmp(a, "allowed") && strcmp(a, "manual")))
		add_error(ctx, "automation", "Välj om ebba får besluta");
	else
		json_object_set_new(frame, "automation", json_string(a));
	const char *vu = web_form(rq, "valid_until");
	int y, m, d;
	char tail;
	if (!vu || sscanf(vu, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strlen(vu) != 10)
		json_object_set_new(ctx, "err_valid_until", json_string("Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2027-02-28")),
		add_error(ctx, "valid_until", "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2027-02-28");
	else
		json_object_set_new(frame, "valid_until", json_string(vu));
	const char *mo = web_form(rq, "months");
	if (!whole(mo, FRAME_MAX_MONTHS))
		json_object_set_new(ctx, "err_months", json_string("Ange antalet månader som ett heltal, 0–1200")),
		add_error(ctx, "months", "Ange antalet månader som ett heltal, 0–1200");
	else
		json_object_set_new(frame, "months_on_assistance", json_integer(atoll(mo)));
	const char *lp = web_form(rq, "last_period"), *la = web_form(rq, "last_amount");
	bool lp_set = lp && *lp, la_set = la && *la;
	if (lp_set || la_set) {
		int py, pm;
		if (!lp_set || sscanf(lp, "%4d-%2d%c", &py, &pm, &tail) != 2 || strlen(lp) != 7)
			json_object_set_new(ctx, "err_last_period", json_string("Ange perioden som ÅÅÅÅ-MM")),
			add_error(ctx, "last_period", "Ange perioden som ÅÅÅÅ-MM");
		if (!whole(la, APP_MAX_AMOUNT))
			json_object_set_new(ctx, "err_last_amount", json_string("Ange beloppet i hela kronor")),
			add_error(ctx, "last_amount", "Ange beloppet i hela kronor");
		if (lp_set && whole(la, APP_MAX_AMOUNT))
			json_object_set_new(frame, "last_decision", json_pack("{s:s,s:I}", "period", lp, "amount",
									     (json_int_t)atoll(la)));
	} else {
		json_object_del(frame, "last_decision");
	}
	json_t *adults = json_object_get(frame, "adults");
	for (size_t i = 0; i < f->n_adults; i++) {
		char k[32];
		json_t *entry = json_object_get(adults, f->adults[i].pnr);
		snprintf(k, sizeof(k), "capacity_%zu", i);
		const char *cap = web_form(rq, k);
		if (!cap || (strcmp(cap, "full") && strcmp(cap, "partial") && strcmp(cap, "none")))
			add_error(ctx, k, "Välj arbetsförmåga");
		else
			json_object_set_new(entry, "capacity", json_string(cap));
		snprintf(k, sizeof(k), "plan_%zu", i);
		const char *plan = web_form(rq, k);
		snprintf(k, sizeof(k), "reason_%zu", i);
		const char *reason = web_form(rq, k);
		if (reason && strlen(reason) > FRAME_REASON_MAX)
			add_error(ctx, k, "Skälet får vara högst 200 tecken");
		else if (plan && strcmp(plan, "exempt") == 0 && (!reason || !*reason))
			add_error(ctx, k, "Skriv skälet till undantaget från planering");
		if (!plan || (strcmp(plan, "required") && strcmp(plan, "exempt")))
			continue;
		json_object_set_new(entry, "plan", json_string(plan));
		if (reason && *reason)
			json_object_set_new(entry, "reason", json_string(reason));
		else
			json_object_del(entry, "reason");
		jobbstimulans_field(rq, ctx, entry, i);
	}
	json_t *costs = json_object();
	for (int t = 0; t < COST_TYPE_COUNT; t++) {
		char name[48];
		snprintf(name, sizeof(name), "cost_%s", cost_type_name((enum cost_type)t));
		const char *v = web_form(rq, name);
		if (!v || !*v)
			continue;
		if (!whole(v, APP_MAX_AMOUNT))
			add_error(ctx, name, "Ange taket i hela kronor, eller lämna tomt om kostnaden inte är godkänd");
		else
			json_object_set_new(costs, cost_type_name((enum cost_type)t), json_integer(atoll(v)));
	}
	json_object_set_new(frame, "approved_costs", costs);
}

int page_frame_save(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *case_id = rq->tail;
	json_t *stored;
	int found = load_stored(rq, rs, &stored, err);
	if (found != 1)
		return found;
	json_t *frame = json_deep_copy(json_object_get(stored, "frame"));
	struct case_frame f, g;
	struct ebba_err ferr;
	char *fj = json_dumps(frame, JSON_COMPACT);
	int rc = case_frame_from_json(fj, strlen(fj), &f, &ferr);
	free(fj);
	json_t *ctx = json_object();
	if (rc == 0) {
		if (rq->form_unreadable)
			add_error(ctx, rq->form_unreadable, WEB_FORM_UNREADABLE_TEXT);
		apply(ctx, rq, frame, &f);
		/* The form and the stored frame are displayed with the errors. */
		if (!json_is_true(json_object_get(ctx, "has_errors"))) {
			fj = json_dumps(frame, JSON_COMPACT);
			if (case_frame_from_json(fj, strlen(fj), &g, &ferr) != 0)
				add_error(ctx, "automation", ferr.msg);
			free(fj);
		}
	}
	if (rc != 0 || json_is_true(json_object_get(ctx, "has_errors"))) {
		/* The refused form shows the stored frame again: a view. */
		rs->status = 422;
		rc = page_log(rq, "view", "case_frame", case_id, err);
		if (rc == 0)
			rc = show(rq, rs, case_id, stored, rq, ctx, err);
	} else {
		char *json = case_frame_to_json(&g), *yaml = case_frame_to_yaml(&g);
		/* The frame and its access_log row in one statement. */
		rc = store_web_frame_set(rq->db, case_id, json, yaml, rq->client, err);
		free(json);
		free(yaml);
		if (rc == 0) {
			rs->status = 303;
			snprintf(rs->location, sizeof(rs->location), "/referensram/");
			/* The case id is the applicant's text: only its URL-safe form. */
			size_t o = strlen(rs->location);
			for (const unsigned char *c = (const unsigned char *)case_id; *c && o + 4 < sizeof(rs->location); c++) {
				bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
					     (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
				o += (size_t)snprintf(rs->location + o, sizeof(rs->location) - o, plain ? "%c" : "%%%02X", *c);
			}
		}
	}
	json_decref(ctx);
	json_decref(frame);
	json_decref(stored);
	return rc;
}
