/*
 * Referensram: a case's frame, shown and edited as a form (GET and POST
 * /referensram/CASE-ID), or created for a case that has none from the
 * household of its newest application.  Household members are shown by
 * position and birth year, never by identity number; the form edits what
 * a caseworker decides (automation, validity, months, each adult's
 * capacity, plan and exemption reason, the cost ceilings, the last
 * decision) and keeps the household as stored.
 *
 * Every field is checked on its own, so each error stands at its field and
 * names it ("Hyra: ange taket i hela kronor"); amounts are read as Swedes
 * write them ("6 150", "6 150 kr").  The whole frame is then checked by
 * the intake parser (case_frame_from_json) as `ebbactl case set` would.
 *
 * Two people editing at once: the form carries the version it showed, and
 * the change is one `update ... where version = $n` (store/web_frames.c).
 * The second one to save finds another version, is told who changed the
 * frame and when, and sees the stored frame again: nothing is overwritten.
 * A view or a change is logged by the statement that reads or writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebba/intake/application.h"
#include "ebba/intake/case_frame.h"
#include "ebba/store/db.h"
#include "ebba/store/web_frames.h"
#include "ebba/store/web_pages.h"
#include "pages.h"

static bool is_case_id(const char *s)
{
	return s && *s && strlen(s) <= FRAME_ID_MAX && !strchr(s, '/');
}

/* Only digits, 1 to 9 of them (a version, a decision id). */
static bool is_number(const char *s)
{
	return s && *s && strlen(s) <= 9 && strspn(s, "0123456789") == strlen(s);
}

/* The form's errors, each at its field, in the order found. */
struct frame_error {
	char *field;
	char *text;
};
struct frame_errors {
	struct frame_error *items;
	size_t n, cap;
};

static void add_error_text(struct frame_errors *e, const char *field, const char *text)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 8;
		e->items = xrealloc(e->items, e->cap * sizeof(*e->items));
	}
	e->items[e->n++] = (struct frame_error){xstrdup(field), xstrdup(text)};
}

/* An error at field: "Label: what is wrong", in the summary and at the field. */
static void add_error(struct frame_errors *e, const char *field, const char *label, const char *problem)
{
	char *text = xasprintf("%s: %s", label, problem);
	add_error_text(e, field, text);
	free(text);
}

/* The (last) error of field, or NULL. */
static const char *error_at(const struct frame_errors *e, const char *field)
{
	for (size_t i = e->n; i-- > 0;)
		if (strcmp(e->items[i].field, field) == 0)
			return e->items[i].text;
	return NULL;
}

static void frame_errors_free(struct frame_errors *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->items[i].field);
		free(e->items[i].text);
	}
	free(e->items);
	*e = (struct frame_errors){0};
}

/*
 * Whole kronor as Swedes write them: "6150", "6 150", "6 150 kr", with a
 * space, a no-break space or a narrow no-break space between the
 * thousands; 0..max.  false for anything else ("6150,50", "sex").
 */
static bool parse_kronor(const char *s, long long max, long long *out)
{
	if (!s)
		return false;
	char digits[16];
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p == ' ')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n + 1 >= sizeof(digits))
				return false;
			digits[n++] = (char)*p;
		} else if (*p == ' ' && n) {
			continue;
		} else if (p[0] == 0xC2 && p[1] == 0xA0 && n) {            /* U+00A0 */
			p++;
		} else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xAF && n) {   /* U+202F */
			p += 2;
		} else {
			break;
		}
	}
	while (*p == ' ')
		p++;
	if ((p[0] == 'k' || p[0] == 'K') && (p[1] == 'r' || p[1] == 'R')) {
		p += 2;
		if (*p == '.')
			p++;
	}
	while (*p == ' ')
		p++;
	if (!n || *p)
		return false;
	digits[n] = '\0';
	long long v = atoll(digits);
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* The first month of jobbstimulans (docs/income-disregards.md): empty
 * removes it; the frame's own validation then checks the month. */
static void jobbstimulans_field(const struct web_request *rq, struct frame_errors *errs, json_t *entry, size_t i,
				const char *who)
{
	char k[48], tail, label[128];
	int y, m;
	snprintf(k, sizeof(k), "jobbstimulans_from_%zu", i);
	snprintf(label, sizeof(label), "%s, jobbstimulans från och med", who);
	const char *v = web_form(rq, k);
	if (!v || !*v) {
		json_object_del(entry, "jobbstimulans_from");
		return;
	}
	if (strlen(v) != 7 || sscanf(v, "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12) {
		add_error(errs, k, label, "ange månaden som ÅÅÅÅ-MM, till exempel 2026-03");
		return;
	}
	json_object_set_new(entry, "jobbstimulans_from", json_string(v));
}

/* "Vuxen 1, född 1964": the birth year is enough to tell adults apart. */
static void adult_label(const char *pnr, size_t i, char *out, size_t n)
{
	snprintf(out, n, "Vuxen %zu, född %.4s", i + 1, pnr);
}

/* The form's fields from a frame (stored) and, when refused, what was typed. */
static void form_fields(json_t *ctx, const struct case_frame *f, const struct web_request *rq, bool typed,
			bool creating, const struct frame_errors *errs)
{
	static const char *const caps[] = {"full", "partial", "none"};
	static const char *const cap_labels[] = {"Full arbetsförmåga", "Nedsatt arbetsförmåga", "Ingen arbetsförmåga"};
	static const char *const plans[] = {"required", "exempt"};
	static const char *const plan_labels[] = {"Krav på planering", "Undantagen från planering"};
	static const char *const autos[] = {"allowed", "manual"};
	static const char *const auto_labels[] = {"Ebba får besluta", "Alltid manuell handläggning"};
#define V(name, stored) (typed && web_form(rq, name) ? web_form(rq, name) : (stored))
	char buf[64];
	json_object_set_new(ctx, "automation", options_json(autos, auto_labels, 2,
		V("automation", f->automation_allowed ? "allowed" : "manual")));
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", f->valid_until.year, f->valid_until.month, f->valid_until.day);
	json_object_set_new(ctx, "valid_until", json_string(V("valid_until", creating ? "" : buf)));
	snprintf(buf, sizeof(buf), "%lld", (long long)f->months_on_assistance);
	json_object_set_new(ctx, "months", json_string(V("months", buf)));
	json_object_set_new(ctx, "last_period", json_string(V("last_period", f->has_last_decision ? f->last_period : "")));
	kr_format(f->last_amount, buf, sizeof(buf));
	json_object_set_new(ctx, "last_amount", json_string(V("last_amount", f->has_last_decision ? buf : "")));
	static const char *const field_keys[] = {"valid_until", "months", "last_period", "last_amount", "automation"};
	for (size_t k = 0; k < ARRAY_LEN(field_keys); k++) {
		char key[32];
		snprintf(key, sizeof(key), "err_%s", field_keys[k]);
		if (error_at(errs, field_keys[k]))
			json_object_set_new(ctx, key, json_string(error_at(errs, field_keys[k])));
	}
	json_t *adults = json_array();
	for (size_t i = 0; i < f->n_adults; i++) {
		char label[64], cap[32], plan[32], reason[32], jobb[48];
		adult_label(f->adults[i].pnr, i, label, sizeof(label));
		snprintf(cap, sizeof(cap), "capacity_%zu", i);
		snprintf(plan, sizeof(plan), "plan_%zu", i);
		snprintf(reason, sizeof(reason), "reason_%zu", i);
		snprintf(jobb, sizeof(jobb), "jobbstimulans_from_%zu", i);
		json_t *a = json_pack("{s:s,s:i,s:o,s:o,s:s,s:s?,s:s?}", "label", label, "i", (int)i,
			"capacity", options_json(caps, cap_labels, 3, V(cap, frame_capacity_name(f->adults[i].capacity))),
			"plan", options_json(plans, plan_labels, 2, V(plan, frame_plan_name(f->adults[i].plan))),
			"reason", V(reason, f->adults[i].reason), "error", error_at(errs, cap),
			"err_reason", error_at(errs, reason));
		json_object_set_new(a, "jobbstimulans_from", json_string(V(jobb, f->adults[i].jobbstimulans_from)));
		if (error_at(errs, jobb))
			json_object_set_new(a, "err_jobbstimulans", json_string(error_at(errs, jobb)));
		json_array_append_new(adults, a);
	}
	json_object_set_new(ctx, "adults", adults);
	json_t *costs = json_array();
	for (int t = 0; t < COST_TYPE_COUNT; t++) {
		char name[48], val[32] = "";
		snprintf(name, sizeof(name), "cost_%s", cost_type_name((enum cost_type)t));
		if (f->cost_approved[t])
			kr_format(f->approved_costs[t], val, sizeof(val));
		json_array_append_new(costs, json_pack("{s:s,s:s,s:s,s:s?}", "name", name,
			"label", sv_cost(cost_type_name((enum cost_type)t)), "value", V(name, val),
			"error", error_at(errs, name)));
	}
	json_object_set_new(ctx, "costs", costs);
	snprintf(buf, sizeof(buf), "%zu %s", f->n_household, f->n_household == 1 ? "person" : "personer");
	json_object_set_new(ctx, "household_size", json_string(buf));
#undef V
}

/* What the form shows: a stored frame, or a new one (version 0) taking
 * the household of the decision `from`. */
struct shown_frame {
	const char *frame_json;
	int64_t version;          /* the form's: 0 for a new frame */
	const char *updated_at;   /* NULL for a new frame */
	const char *updated_by;
	const char *from;         /* a new frame's decision, else NULL */
};

static struct shown_frame stored_frame(const struct web_frame_stored *s)
{
	return (struct shown_frame){.frame_json = s->frame_json, .version = s->version,
				    .updated_at = s->updated_at, .updated_by = s->updated_by};
}

/* What the page says above the form. */
struct frame_notes {
	const struct frame_errors *errors;
	const char *saved;        /* the version just saved (?sparat=N), or NULL */
	bool conflict;            /* someone else saved first */
};

static void notes_json(json_t *ctx, const struct frame_notes *notes)
{
	if (notes->saved)
		json_object_set_new(ctx, "saved", json_string(notes->saved));
	if (notes->conflict)
		json_object_set_new(ctx, "conflict", json_true());
	if (!notes->errors->n)
		return;
	json_t *errors = json_array();
	for (size_t i = 0; i < notes->errors->n; i++)
		json_array_append_new(errors, json_pack("{s:s,s:s}", "field", notes->errors->items[i].field,
							"text", notes->errors->items[i].text));
	json_object_set_new(ctx, "errors", errors);
	json_object_set_new(ctx, "has_errors", json_true());
}

/* The page: its context from the frame shown, the form (typed: as posted)
 * and the notes alone. */
static int show(const struct web_request *rq, struct web_response *rs, const char *case_id,
		const struct shown_frame *shown, bool typed, const struct frame_notes *notes,
		struct ebba_err *err)
{
	struct case_frame f;
	struct ebba_err ferr;
	const char *fj = shown->frame_json;
	int prc = case_frame_from_json(fj, strlen(fj), &f, &ferr);
	json_t *ctx = json_object();
	notes_json(ctx, notes);
	json_object_set_new(ctx, "case_id", json_string(case_id));
	if (shown->updated_at)
		json_object_set_new(ctx, "updated_at", json_string(shown->updated_at));
	if (shown->updated_by)
		json_object_set_new(ctx, "updated_by", json_string(shown->updated_by));
	json_object_set_new(ctx, "version", json_integer(shown->version));
	json_object_set_new(ctx, "creating", json_boolean(shown->version == 0));
	if (shown->version == 0 && shown->from)
		json_object_set_new(ctx, "from", json_string(shown->from));
	if (prc == 0)
		form_fields(ctx, &f, rq, typed, shown->version == 0, notes->errors);
	else
		json_object_set_new(ctx, "stored_error", json_string(ferr.msg));
	json_object_set_new(ctx, "can_edit", json_boolean(prc == 0 && rq->session && (rq->session->groups & WEB_CASEWORKER)));
	/* Only members see the box: protecting or lifting is theirs alone,
	 * which the database enforces (schema 023, ebba.case_frame_protection). */
	bool member = rq->session && (rq->session->groups & WEB_PROTECTED);
	json_object_set_new(ctx, "can_protect", json_boolean(member));
	if (member && prc == 0)
		json_object_set_new(ctx, "protected",
				    json_boolean(typed && web_form(rq, "protected_shown")
							 ? web_form(rq, "protected") != NULL
							 : f.protected_identity));
	char title[96];
	snprintf(title, sizeof(title), "%s %s", shown->version == 0 ? "Ny referensram för" : "Referensram", case_id);
	int rc = web_page(rq, rs, title, "frame", ctx, err);
	json_decref(ctx);
	return rc;
}

/*
 * A new frame for case_id from the household of ebba's decision id (its
 * application as received): every adult with full capacity and a plan
 * required, until the caseworker says otherwise; no cost approved: its
 * document as JSON text (the caller frees it).  NULL with why in *why when
 * the decision has no application of that case.
 */
static char *new_frame(PGconn *db, const char *case_id, const char *id, const char **why,
			 struct ebba_err *err, int *rc)
{
	*rc = 0;
	struct ebba_buf payload = {0};
	bool found = false;
	if (store_web_payload(db, id, &payload, &found, err) != 0) {
		*rc = -1;
		buf_free(&payload);
		return NULL;
	}
	struct application *app = NULL;
	struct ebba_err perr;
	if (!found || application_parse(payload.data, payload.len, &app, &perr) != 0 ||
	    strcmp(app->case_id ? app->case_id : "", case_id) != 0) {
		*why = "Ansökan som referensramen skulle utgå från hör inte till ärendet.";
		application_free(app);
		buf_free(&payload);
		return NULL;
	}
	json_t *household = json_array(), *adults = json_object();
	for (size_t i = 0; i < app->n_persons; i++) {
		json_array_append_new(household, json_string(app->persons[i].pnr));
		if (app->persons[i].role != ROLE_CHILD)
			json_object_set_new(adults, app->persons[i].pnr,
					    json_pack("{s:s,s:s}", "capacity", "full", "plan", "required"));
	}
	/* valid_until is the caseworker's to give: the form shows it empty */
	json_t *frame = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:i}", "case", case_id, "automation", "manual",
				  "valid_until", "2000-01-01", "household", household, "adults", adults,
				  "approved_costs", json_object(), "months_on_assistance", 0);
	application_free(app);
	buf_free(&payload);
	char *text = json_dumps(frame, JSON_COMPACT);
	json_decref(frame);
	return text;
}

/* The version just saved, as the redirect after saving says it. */
static const char *saved_version(const struct web_request *rq)
{
	const char *v = web_query(rq, "sparat");
	return is_number(v) ? v : NULL;
}

int page_frame(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *case_id = rq->tail;
	if (!is_case_id(case_id))
		return page_not_found(rq, rs, "Det finns ingen sådan referensram.", err);
	struct web_frame_view view;
	if (store_web_frame_view(rq->db, case_id, rq->client, &view, err) != 0)
		return -1;
	struct frame_errors none = {0};
	struct frame_notes notes = {.errors = &none, .saved = saved_version(rq)};
	int rc;
	if (view.has_frame) {
		struct shown_frame shown = stored_frame(&view.frame);
		rc = show(rq, rs, case_id, &shown, false, &notes, err);
	} else if (view.has_latest) {
		char id[24];
		const char *why = NULL;
		snprintf(id, sizeof(id), "%lld", (long long)view.latest);
		char *fresh = new_frame(rq->db, case_id, id, &why, err, &rc);
		struct shown_frame shown = {.frame_json = fresh, .version = 0, .from = id};
		if (fresh)
			rc = show(rq, rs, case_id, &shown, false, &notes, err);
		else if (rc == 0)
			rc = page_not_found(rq, rs, why, err);
		free(fresh);
	} else {
		rc = page_not_found(rq, rs, "Ärendet har ingen referensram och ingen ansökan att utgå från.", err);
	}
	store_web_frame_view_free(&view);
	return rc;
}

/* Checks each field; writes the accepted values into frame (the stored
 * frame's JSON object, edited in place). */
static void apply(struct frame_errors *errs, const struct web_request *rq, json_t *frame, const struct case_frame *f)
{
	if (rq->session && (rq->session->groups & WEB_PROTECTED) && web_form(rq, "protected_shown")) {
		if (web_form(rq, "protected"))
			json_object_set_new(frame, "protected", json_true());
		else
			json_object_del(frame, "protected");
	}
	const char *a = web_form(rq, "automation");
	if (!a || (strcmp(a, "allowed") && strcmp(a, "manual")))
		add_error(errs, "automation", "Handläggning", "välj om ebba får besluta");
	else
		json_object_set_new(frame, "automation", json_string(a));
	const char *vu = web_form(rq, "valid_until");
	int y, m, d;
	char tail;
	if (!vu || sscanf(vu, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strlen(vu) != 10)
		add_error(errs, "valid_until", "Giltig till och med", "ange datumet som ÅÅÅÅ-MM-DD, till exempel 2027-02-28");
	else
		json_object_set_new(frame, "valid_until", json_string(vu));
	long long v;
	if (!parse_kronor(web_form(rq, "months"), FRAME_MAX_MONTHS, &v))
		add_error(errs, "months", "Månader med bistånd", "ange antalet månader som ett heltal, 0–1200");
	else
		json_object_set_new(frame, "months_on_assistance", json_integer(v));
	const char *lp = web_form(rq, "last_period"), *la = web_form(rq, "last_amount");
	bool lp_set = lp && *lp, la_set = la && *la;
	if (lp_set || la_set) {
		int py, pm;
		bool lp_ok = lp_set && sscanf(lp, "%4d-%2d%c", &py, &pm, &tail) == 2 && strlen(lp) == 7;
		bool la_ok = parse_kronor(la, APP_MAX_AMOUNT, &v);
		if (!lp_ok)
			add_error(errs, "last_period", "Förra beslutet, period", "ange perioden som ÅÅÅÅ-MM, till exempel 2026-11");
		if (!la_ok)
			add_error(errs, "last_amount", "Förra beslutet, belopp", "ange beloppet i hela kronor, till exempel 9 120");
		if (lp_ok && la_ok)
			json_object_set_new(frame, "last_decision", json_pack("{s:s,s:I}", "period", lp, "amount",
									     (json_int_t)v));
	} else {
		json_object_del(frame, "last_decision");
	}
	json_t *adults = json_object_get(frame, "adults");
	for (size_t i = 0; i < f->n_adults; i++) {
		char k[32], who[64];
		adult_label(f->adults[i].pnr, i, who, sizeof(who));
		json_t *entry = json_object_get(adults, f->adults[i].pnr);
		snprintf(k, sizeof(k), "capacity_%zu", i);
		const char *cap = web_form(rq, k);
		if (!cap || (strcmp(cap, "full") && strcmp(cap, "partial") && strcmp(cap, "none")))
			add_error(errs, k, who, "välj arbetsförmåga");
		else
			json_object_set_new(entry, "capacity", json_string(cap));
		snprintf(k, sizeof(k), "plan_%zu", i);
		const char *plan = web_form(rq, k);
		snprintf(k, sizeof(k), "reason_%zu", i);
		const char *reason = web_form(rq, k);
		if (reason && strlen(reason) > FRAME_REASON_MAX)
			add_error(errs, k, who, "skälet får vara högst 200 tecken");
		else if (plan && strcmp(plan, "exempt") == 0 && (!reason || !*reason))
			add_error(errs, k, who, "skriv skälet till undantaget från planering");
		if (!plan || (strcmp(plan, "required") && strcmp(plan, "exempt")))
			continue;
		json_object_set_new(entry, "plan", json_string(plan));
		if (reason && *reason)
			json_object_set_new(entry, "reason", json_string(reason));
		else
			json_object_del(entry, "reason");
		jobbstimulans_field(rq, errs, entry, i, who);
	}
	json_t *costs = json_object();
	for (int t = 0; t < COST_TYPE_COUNT; t++) {
		char name[48];
		const char *type = cost_type_name((enum cost_type)t);
		snprintf(name, sizeof(name), "cost_%s", type);
		const char *val = web_form(rq, name);
		if (!val || !*val)
			continue;
		if (!parse_kronor(val, APP_MAX_AMOUNT, &v))
			add_error(errs, name, sv_cost(type),
				  "ange taket i hela kronor, till exempel 6 150, eller lämna tomt om kostnaden inte är godkänd");
		else
			json_object_set_new(costs, type, json_integer(v));
	}
	json_object_set_new(frame, "approved_costs", costs);
}

/* The saved frame's page, with the version, by its URL-safe case id. */
static void redirect_saved(struct web_response *rs, const char *case_id, int version)
{
	rs->status = 303;
	snprintf(rs->location, sizeof(rs->location), "/referensram/");
	/* The case id is the applicant's text: only its URL-safe form. */
	size_t o = strlen(rs->location);
	for (const unsigned char *c = (const unsigned char *)case_id; *c && o + 4 < sizeof(rs->location); c++) {
		bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
		o += (size_t)snprintf(rs->location + o, sizeof(rs->location) - o, plain ? "%c" : "%%%02X", *c);
	}
	snprintf(rs->location + o, sizeof(rs->location) - o, "?sparat=%d", version);
}

/*
 * Someone else saved first: the page again (409) with the frame as now
 * stored, read and logged as a view, and the form's version the new one.
 */
static int conflict(const struct web_request *rq, struct web_response *rs, const char *case_id,
		    bool creating, struct ebba_err *err)
{
	struct web_frame_view view;
	if (store_web_frame_view(rq->db, case_id, rq->client, &view, err) != 0)
		return -1;
	if (!view.has_frame) {
		store_web_frame_view_free(&view);
		return page_not_found(rq, rs, "Ärendet har ingen referensram.", err);
	}
	/* (a new frame's sentence names the case, then when: it used to put
	 * the time where the case belongs) */
	char *text = creating
		? xasprintf("%s skapade en referensram för ärendet %s %s medan du skrev. Ingenting skrevs över: "
			    "din referensram sparades inte. Här är den som sparades; gör dina ändringar i den.",
			    view.frame.updated_by, case_id, view.frame.updated_at)
		: xasprintf("%s ändrade referensramen %s medan du redigerade. Ingenting skrevs över: "
			    "dina ändringar sparades inte. Här är den sparade versionen; gör dina ändringar igen.",
			    view.frame.updated_by, view.frame.updated_at);
	struct frame_errors errs = {0};
	add_error_text(&errs, "automation", text);
	free(text);
	rs->status = 409;
	struct shown_frame shown = stored_frame(&view.frame);
	struct frame_notes notes = {.errors = &errs, .conflict = true};
	int rc = show(rq, rs, case_id, &shown, false, &notes, err);
	frame_errors_free(&errs);
	store_web_frame_view_free(&view);
	return rc;
}

/* The frame a change starts from into *shown (a new one from the form's
 * decision, or the stored one at the form's version); 0 with *found false
 * when there is none, and *why says so. */
static int change_base(const struct web_request *rq, const char *case_id, const char *version,
		       struct web_frame_view *view, char **fresh, struct shown_frame *shown,
		       bool *found, const char **why, struct ebba_err *err)
{
	*found = false;
	*fresh = NULL;
	*view = (struct web_frame_view){0};
	if (strcmp(version, "0") == 0) {
		const char *from = web_form(rq, "from");
		int rc = 0;
		*why = "Formuläret saknar ansökan att utgå från.";
		if (is_number(from))
			*fresh = new_frame(rq->db, case_id, from, why, err, &rc);
		*shown = (struct shown_frame){.frame_json = *fresh, .version = 0, .from = from};
		*found = *fresh != NULL;
		return rc;
	}
	if (store_web_frame(rq->db, case_id, view, err) != 0)
		return -1;
	*why = "Ärendet har ingen referensram.";
	*found = view->has_frame;
	*shown = stored_frame(&view->frame);
	/* (the form's version, not the one just read: if they differ the
	 * update finds no row, and that is the one test for a conflict) */
	shown->version = atoll(version);
	return 0;
}

int page_frame_save(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *case_id = rq->tail, *version = web_form(rq, "version");
	if (!is_case_id(case_id))
		return page_not_found(rq, rs, "Det finns ingen sådan referensram.", err);
	if (!is_number(version))
		return page_not_found(rq, rs, "Formuläret saknar referensramens version; ladda om sidan.", err);
	bool creating = strcmp(version, "0") == 0;
	struct web_frame_view view;
	struct shown_frame shown;
	char *fresh;
	bool found;
	const char *why;
	int rc = change_base(rq, case_id, version, &view, &fresh, &shown, &found, &why, err);
	if (rc != 0 || !found) {
		store_web_frame_view_free(&view);
		return rc != 0 ? rc : page_not_found(rq, rs, why, err);
	}
	struct case_frame f, g;
	struct ebba_err ferr;
	int prc = case_frame_from_json(shown.frame_json, strlen(shown.frame_json), &f, &ferr);
	/* the document the change edits: it is written back as JSON */
	json_t *frame = prc == 0 ? json_loads(shown.frame_json, 0, NULL) : NULL;
	if (prc == 0 && !frame)
		prc = -1;
	struct frame_errors errs = {0};
	if (prc == 0) {
		if (rq->form_unreadable)
			add_error(&errs, rq->form_unreadable, "Referensramen", WEB_FORM_UNREADABLE_TEXT);
		apply(&errs, rq, frame, &f);
		if (errs.n == 0) {
			char *fj = json_dumps(frame, JSON_COMPACT);
			if (case_frame_from_json(fj, strlen(fj), &g, &ferr) != 0)
				add_error(&errs, "automation", "Referensramen", ferr.msg);
			free(fj);
		}
	}
	if (prc != 0 || errs.n) {
		/* the refused form shows the stored frame again: a view */
		rs->status = 422;
		rc = page_log(rq, "view", "case_frame", case_id, err);
		if (rc == 0)
			rc = show(rq, rs, case_id, &shown, true, &(struct frame_notes){.errors = &errs}, err);
	} else {
		char *json = case_frame_to_json(&g), *yaml = case_frame_to_yaml(&g);
		int now = 0;
		rc = creating ? store_web_frame_create(rq->db, case_id, json, yaml, rq->client, &now, err)
			      : store_web_frame_update(rq->db, case_id, version, json, yaml, rq->client, &now, err);
		free(json);
		free(yaml);
		if (rc == 0 && now == 0)
			rc = conflict(rq, rs, case_id, creating, err);
		else if (rc == 0)
			redirect_saved(rs, case_id, now);
	}
	frame_errors_free(&errs);
	json_decref(frame);
	free(fresh);
	store_web_frame_view_free(&view);
	return rc;
}
