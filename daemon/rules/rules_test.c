/*
 * Rule tests (docs/rules.md, "Tests"): YAML files in RULES/tests/ with
 * facts in (application, frame, registers, attendance, today) and the
 * expected outcome, amount and failed checks out.  A file may have a
 * `defaults:` section whose application/frame/registers/attendance keys
 * apply to every test that does not give them itself.
 *
 * A test's frame is written with person numbers (0, 1, 'extra') instead of
 * identity numbers and may leave keys out; it is turned into a case frame
 * tree (defaults filled in, Skatteverket test numbers for the persons) and
 * checked by case_frame_from_tree(), the validation every frame gets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_impl.h"

#define T_MAX_PERSONS 16

static const char *const FILE_KEYS[] = {"defaults", "tests", NULL};
static const char *const TEST_KEYS[] = {"name", "description", "application", "frame",
					"registers", "attendance", "today", "allow_reject",
					"history", "expect", NULL};
static const char *const DEFAULT_KEYS[] = {"application", "frame", "registers", "attendance",
					   "today", "allow_reject", "history", NULL};
static const char *const HISTORY_KEYS[] = {"period", "outcome", "amount", "by", "incomes", NULL};
static const char *const APP_KEYS[] = {"id", "kind", "period", "shared_with", "changes",
				       "message", "household", "incomes", "costs", "assets", NULL};
static const char *const PERSON_KEYS[] = {"role", "age", "preschool_lunch", "birth_year", NULL};
static const char *const ITEM_KEYS[] = {"person", "type", "amount", NULL};
static const char *const REG_KEYS[] = {"asked", "AF", "SO", "CSN", "FK", "SKV", "TNS", "MIV",
				       "af", "fk", "income", NULL};
static const char *const AF_KEYS[] = {"registered", "since", "scope_percent", "latest_report",
				      NULL};
static const char *const ATT_KEYS[] = {"status", "plan_hours_per_week", "scheduled", "attended",
				       "excused", NULL};
static const char *const EXPECT_KEYS[] = {"outcome", "amount", "norm", "costs", "incomes",
					  "failed", "flags", "provisional", "message", "notes", "letter",
					  "delegation", NULL};

/* Skatteverket test identity numbers: the persons of a test, then its 'extra' frame persons. */
static const char TEST_PNRS[2 * T_MAX_PERSONS][PNR_BUF] = {
	"198501012382", "198501012390", "198501022381", "198501022399", "198501032380",
	"198501032398", "198501042389", "198501042397", "198501052396", "198501052388",
	"198501062387", "198501062395", "198501072386", "198501072394", "198501082385",
	"198501082393", "198501092392", "198501092384", "198501102381", "198501102399",
	"198501112380", "198501112398", "198501122397", "198501122389", "198501132388",
	"198501132396", "198501142387", "198501142395", "198501152386", "198501152394",
	"198501162385", "198501162393",
};

struct tctx {
	struct rs_file *f;
	struct rs_diags d;
	yaml_node_t *test, *defaults;
	const struct ynode *ytest, *ydefaults;   /* the same nodes in f->tree */
};

#define TERR(T, n, ...) rs_diag(&(T)->d, false, (T)->f->name, rs_line(n), rs_col(n), __VA_ARGS__)
#define YERR(T, n, ...) rs_diag(&(T)->d, false, (T)->f->name, (n)->line, (n)->col, __VA_ARGS__)

/* The test's own value for section.key (key NULL: the section), else the defaults'. */
static yaml_node_t *tget(struct tctx *T, const char *section, const char *key)
{
	yaml_node_t *srcs[2] = {T->test, T->defaults};
	for (int i = 0; i < 2; i++) {
		yaml_node_t *s = rs_map_get(T->f, srcs[i], section);
		if (!s)
			continue;
		if (!key)
			return s;
		yaml_node_t *v = rs_map_get(T->f, s, key);
		if (v)
			return v;
	}
	return NULL;
}

static bool tint(struct tctx *T, yaml_node_t *n, int64_t *out, const char *what)
{
	const char *s = rs_scalar(n);
	char *end = NULL;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || !end || *end) {
		TERR(T, n, "%s must be a whole number, not '%s'", what, s ? s : rs_node_kind(n));
		return false;
	}
	*out = v;
	return true;
}

static bool tbool(struct tctx *T, yaml_node_t *n, bool *out, const char *what)
{
	const char *s = rs_scalar(n);
	if (s && strcmp(s, "true") == 0)
		return *out = true, true;
	if (s && strcmp(s, "false") == 0)
		return *out = false, true;
	TERR(T, n, "%s must be true or false, not '%s'", what, s ? s : rs_node_kind(n));
	return false;
}

struct tinputs {
	struct application app;
	struct app_person persons[T_MAX_PERSONS];
	struct app_income incomes[32];
	struct app_cost costs[COST_TYPE_COUNT];
	struct app_asset assets[16];
	char id[64], message[512];
	struct case_frame frame;
	bool has_frame;
	struct person_registers regs[T_MAX_PERSONS];
	bool has_regs;
	char today[11];
	bool allow_reject;
	char reasons[T_MAX_PERSONS][64];
	struct case_history history;   /* empty unless the test gives one */
};

static bool person_index(struct tctx *T, struct tinputs *I, yaml_node_t *n, size_t *out)
{
	int64_t v;
	if (!tint(T, n, &v, "person"))
		return false;
	if (v < 0 || (size_t)v >= I->app.n_persons) {
		TERR(T, n, "person %lld is not in the household (0 to %zu)", (long long)v,
		     I->app.n_persons - 1);
		return false;
	}
	*out = (size_t)v;
	return true;
}

static void app_scalars(struct tctx *T, struct tinputs *I, yaml_node_t *sec)
{
	struct application *a = &I->app;
	yaml_node_t *n;
	if ((n = tget(T, "application", "kind"))) {
		const char *k = rs_scalar(n);
		if (k && strcmp(k, "new") == 0)
			a->kind = APP_KIND_NEW;
		else if (!k || strcmp(k, "repeat") != 0)
			TERR(T, n, "kind must be 'repeat' or 'new'");
	}
	n = tget(T, "application", "period");
	const char *per = rs_scalar(n);
	char tmp[16];
	snprintf(tmp, sizeof(tmp), "%s-01", per ? per : "");
	if (!per || strlen(per) != 7 || !date_is_iso(tmp)) {
		TERR(T, n ? n : sec, "application period must be YYYY-MM");
		per = "2026-01";
	}
	snprintf(a->period, sizeof(a->period), "%s", per);
	a->period_year = atoi(per);
	a->period_month = atoi(per + 5);
	int64_t v;
	if ((n = tget(T, "application", "shared_with")) && tint(T, n, &v, "shared_with"))
		a->shared_with = (int)v;
	if ((n = tget(T, "application", "changes")))
		tbool(T, n, &a->changes, "changes");
	if ((n = tget(T, "application", "message"))) {
		snprintf(I->message, sizeof(I->message), "%s", rs_scalar(n) ? rs_scalar(n) : "");
		a->message = I->message;
	}
}

static void app_person(struct tctx *T, struct tinputs *I, yaml_node_t *p)
{
	struct rs_file *f = T->f;
	struct application *a = &I->app;
	rs_check_keys(f, p, PERSON_KEYS, "a person", &T->d);
	struct app_person *ap = &I->persons[a->n_persons];
	memcpy(ap->pnr, TEST_PNRS[a->n_persons], PNR_BUF);
	const char *role = rs_scalar(rs_map_get(f, p, "role"));
	if (role && strcmp(role, "applicant") == 0)
		ap->role = ROLE_APPLICANT;
	else if (role && strcmp(role, "co-applicant") == 0)
		ap->role = ROLE_CO_APPLICANT;
	else if (role && strcmp(role, "child") == 0)
		ap->role = ROLE_CHILD;
	else
		TERR(T, p, "role must be applicant, co-applicant or child");
	yaml_node_t *ag = rs_map_get(f, p, "age");
	int64_t v;
	if (!ag)
		TERR(T, p, "a person needs an age");
	else if (tint(T, ag, &v, "age"))
		ap->age = (int)v;
	/* Born on 1 January of the year that gives the age on the first day of
	 * the period, unless the test says which year (facts' birth_year). */
	ap->birth = (struct date){I->app.period_year - ap->age, 1, 1};
	yaml_node_t *by = rs_map_get(f, p, "birth_year");
	if (by && tint(T, by, &v, "birth_year"))
		ap->birth.year = (int)v;
	yaml_node_t *pl = rs_map_get(f, p, "preschool_lunch");
	if (pl)
		tbool(T, pl, &ap->preschool_lunch, "preschool_lunch");
	a->n_persons++;
}

/* One entry of incomes or assets, { type, person, amount }: its type's
 * number by type_from_name (-1 when refused, with the error recorded). */
struct titem {
	int type;
	size_t person;
	int64_t amount;
};

static bool app_item(struct tctx *T, struct tinputs *I, yaml_node_t *p, const char *noun,
		     int (*type_from_name)(const char *), struct titem *out)
{
	struct rs_file *f = T->f;
	char what[32];
	snprintf(what, sizeof(what), "an %s", noun);
	rs_check_keys(f, p, ITEM_KEYS, what, &T->d);
	const char *ty = rs_scalar(rs_map_get(f, p, "type"));
	out->type = ty ? type_from_name(ty) : -1;
	if (out->type < 0) {
		TERR(T, p, "unknown %s type '%s'", noun, ty ? ty : "?");
		return false;
	}
	out->person = 0;
	yaml_node_t *pn = rs_map_get(f, p, "person");
	if (pn && !person_index(T, I, pn, &out->person))
		return false;
	yaml_node_t *am = rs_map_get(f, p, "amount");
	return tint(T, am ? am : p, &out->amount, "amount");
}

static void app_incomes(struct tctx *T, struct tinputs *I, yaml_node_t *n)
{
	struct application *a = &I->app;
	struct titem x;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && a->n_incomes < 32; it++)
		if (app_item(T, I, rs_node(T->f, *it), "income", income_type_from_name, &x))
			I->incomes[a->n_incomes++] = (struct app_income){
				.person = x.person, .type = (enum income_type)x.type, .amount = x.amount};
}

static void app_costs(struct tctx *T, struct tinputs *I, yaml_node_t *n)
{
	struct rs_file *f = T->f;
	struct application *a = &I->app;
	if (n->type != YAML_MAPPING_NODE) {
		TERR(T, n, "costs must be a mapping (rent: 7450)");
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *ty = rs_scalar(rs_node(f, p->key));
		int t = ty ? cost_type_from_name(ty) : -1;
		if (t < 0) {
			TERR(T, rs_node(f, p->key), "unknown cost type '%s'", ty ? ty : "?");
			continue;
		}
		I->costs[a->n_costs].type = (enum cost_type)t;
		if (tint(T, rs_node(f, p->value), &I->costs[a->n_costs].amount, "a cost"))
			a->n_costs++;
	}
}

static void app_assets(struct tctx *T, struct tinputs *I, yaml_node_t *n)
{
	struct application *a = &I->app;
	struct titem x;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && a->n_assets < 16; it++)
		if (app_item(T, I, rs_node(T->f, *it), "asset", asset_type_from_name, &x))
			I->assets[a->n_assets++] = (struct app_asset){
				.person = x.person, .type = (enum asset_type)x.type, .amount = x.amount};
}

static void build_app(struct tctx *T, struct tinputs *I)
{
	struct rs_file *f = T->f;
	struct application *a = &I->app;
	*a = (struct application){.persons = I->persons, .incomes = I->incomes, .costs = I->costs,
				  .assets = I->assets, .id = "EB-TEST", .case_id = "C-TEST",
				  .submitted = "", .message = ""};
	yaml_node_t *sec = tget(T, "application", NULL);
	if (!sec) {
		TERR(T, T->test, "the test has no 'application'");
		return;
	}
	rs_check_keys(f, rs_map_get(f, T->test, "application"), APP_KEYS, "application", &T->d);
	app_scalars(T, I, sec);
	yaml_node_t *n = tget(T, "application", "household");
	if (!n || n->type != YAML_SEQUENCE_NODE) {
		TERR(T, n ? n : sec, "application household must be a list of persons");
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		if (a->n_persons == T_MAX_PERSONS) {
			TERR(T, rs_node(f, *it), "at most %d persons", T_MAX_PERSONS);
			break;
		}
		app_person(T, I, rs_node(f, *it));
	}
	if (!a->n_persons)
		return;
	if ((n = tget(T, "application", "incomes")) && n->type == YAML_SEQUENCE_NODE)
		app_incomes(T, I, n);
	if ((n = tget(T, "application", "costs")))
		app_costs(T, I, n);
	if ((n = tget(T, "application", "assets")) && n->type == YAML_SEQUENCE_NODE)
		app_assets(T, I, n);
}

/* ---- the frame: a case frame tree for case_frame_from_tree() ---- */

/* A person number (0, 1, ...) of the application, as an identity number. */
static const char *frame_person(struct tctx *T, struct tinputs *I, const struct ynode *n)
{
	const char *s = ynode_text(n);
	char *end = NULL;
	long v = s && *s ? strtol(s, &end, 10) : -1;
	if (!s || !*s || *end || v < 0 || (size_t)v >= I->app.n_persons) {
		YERR(T, n, "'%s' is not a person of the application (0 to %zu)", s ? s : ynode_kind_name(n),
		     I->app.n_persons - 1);
		return NULL;
	}
	return I->persons[v].pnr;
}

static void add_default(struct ydoc *d, struct ynode *map, const char *key, const char *value,
			const struct ynode *at)
{
	if (ymap_get(map, key))
		return;
	ynode_add_scalar(d, map, key, strlen(key), at);
	ynode_add_scalar(d, map, value, strlen(value), at);
}

/* Copies src's pairs into map, but not the keys that over has. */
static void copy_pairs(struct ydoc *d, struct ynode *map, const struct ynode *src,
		       const struct ynode *over)
{
	for (size_t i = 0; src && src->kind == YN_MAP && i + 1 < src->n; i += 2) {
		const char *k = ynode_text(&src->kids[i]);
		if (k && ymap_get(over, k))
			continue;
		ynode_add_copy(d, map, &src->kids[i]);
		ynode_add_copy(d, map, &src->kids[i + 1]);
	}
}

static bool in_list(const struct ynode *list, const char *s)
{
	for (size_t i = 0; list->kind == YN_SEQ && i < list->n; i++)
		if (list->kids[i].text && strcmp(list->kids[i].text, s) == 0)
			return true;
	return false;
}

/* household: 'all' (the default) or a list of person numbers and 'extra'. */
static bool frame_household(struct tctx *T, struct tinputs *I, struct ydoc *d, struct ynode *root,
			    const struct ynode *at)
{
	struct ynode *h = ymap_get(root, "household");
	if (!h) {
		ynode_add_scalar(d, root, "household", 9, at);
		h = ynode_add_scalar(d, root, "all", 3, at);
	}
	if (ynode_text(h) && strcmp(h->text, "all") == 0) {
		free(h->text);
		*h = (struct ynode){.kind = YN_SEQ, .line = h->line, .col = h->col, .offset = h->offset};
		for (size_t i = 0; i < I->app.n_persons; i++)
			ynode_add_scalar(d, h, I->persons[i].pnr, PNR_BUF - 1, h);
		return true;
	}
	bool ok = true;
	size_t extra = 0;
	for (size_t i = 0; h->kind == YN_SEQ && i < h->n; i++) {
		struct ynode *p = &h->kids[i];
		const char *pnr = NULL;
		if (ynode_text(p) && strcmp(p->text, "extra") == 0 && extra < T_MAX_PERSONS)
			pnr = TEST_PNRS[T_MAX_PERSONS + extra++];
		else if (!(pnr = frame_person(T, I, p)))
			ok = false;
		if (pnr)
			ynode_set_text(p, pnr, PNR_BUF - 1);
	}
	return ok;
}

/* adults: by person number; every adult of the household not given is full/required. */
static bool frame_adults(struct tctx *T, struct tinputs *I, struct ydoc *d, struct ynode *root,
			 const struct ynode *at)
{
	struct ynode *a = ymap_get(root, "adults");
	if (!a) {
		ynode_add_scalar(d, root, "adults", 6, at);
		a = ynode_add(d, root, YN_MAP);
		*a = (struct ynode){.kind = YN_MAP, .line = at->line, .col = at->col};
	}
	if (a->kind != YN_MAP)
		return true;     /* the validation says what is wrong */
	bool ok = true;
	for (size_t i = 0; i + 1 < a->n; i += 2) {
		const char *pnr = frame_person(T, I, &a->kids[i]);
		if (!pnr) {
			ok = false;
			continue;
		}
		ynode_set_text(&a->kids[i], pnr, PNR_BUF - 1);
		if (a->kids[i + 1].kind == YN_MAP) {
			add_default(d, &a->kids[i + 1], "capacity", "full", &a->kids[i + 1]);
			add_default(d, &a->kids[i + 1], "plan", "required", &a->kids[i + 1]);
		}
	}
	const struct ynode *household = ymap_get(root, "household");
	for (size_t i = 0; i < I->app.n_persons; i++) {
		const char *pnr = I->persons[i].pnr;
		if (I->persons[i].role == ROLE_CHILD || ymap_get(a, pnr) || !in_list(household, pnr))
			continue;
		ynode_add_scalar(d, a, pnr, PNR_BUF - 1, a);
		struct ynode *e = ynode_add(d, a, YN_MAP);
		add_default(d, e, "capacity", "full", a);
		add_default(d, e, "plan", "required", a);
	}
	return ok;
}

/* approved_costs: by default every cost of the application. */
static void frame_costs(struct tinputs *I, struct ydoc *d, struct ynode *root, const struct ynode *at)
{
	if (ymap_get(root, "approved_costs"))
		return;
	ynode_add_scalar(d, root, "approved_costs", 14, at);
	struct ynode *c = ynode_add(d, root, YN_MAP);
	c->line = at->line;
	c->col = at->col;
	for (size_t k = 0; k < I->app.n_costs; k++) {
		char amount[24];
		const char *name = cost_type_name(I->app.costs[k].type);
		snprintf(amount, sizeof(amount), "%lld", (long long)I->app.costs[k].amount);
		add_default(d, c, name, amount, at);
	}
}

static void build_frame(struct tctx *T, struct tinputs *I)
{
	yaml_node_t *sec = tget(T, "frame", NULL);
	if (!sec || (rs_scalar(sec) && strcmp(rs_scalar(sec), "none") == 0))
		return;
	if (sec->type != YAML_MAPPING_NODE) {
		TERR(T, sec, "frame must be a mapping or 'none'");
		return;
	}
	if (!I->app.n_persons)
		return;
	const struct ynode *own = ymap_get(T->ytest, "frame"), *dflt = ymap_get(T->ydefaults, "frame");
	const struct ynode *at = own ? own : dflt;
	struct ydoc *d = ydoc_new(T->f->name);
	struct ynode *root = ydoc_set_root(d, YN_MAP);
	root->line = at->line;
	root->col = at->col;
	copy_pairs(d, root, dflt, own);
	copy_pairs(d, root, own, NULL);
	char until[16];
	snprintf(until, sizeof(until), "%04d-12-31", (I->app.period_year + 1) % 10000);
	add_default(d, root, "case", I->app.case_id, at);
	add_default(d, root, "automation", "allowed", at);
	add_default(d, root, "valid_until", until, at);
	add_default(d, root, "months_on_assistance", "0", at);
	frame_costs(I, d, root, at);
	bool ok = frame_household(T, I, d, root, at);
	ok &= frame_adults(T, I, d, root, at);
	struct ebba_err err;
	if (ok && case_frame_from_tree(d, root, &I->frame, &err) != 0) {
		unsigned line, col;
		const char *text = yerr_split(d->name, err.msg, &line, &col);
		rs_diag(&T->d, false, T->f->name, line, col, "frame: %s", text);
	}
	I->has_frame = true;
	ydoc_free(d);
}

/* The statuses by the names the facts give them (facts.h). */
static bool agency_from_name(const char *s, enum agency_status *out)
{
	for (int g = AGENCY_ABSENT; s && g <= AGENCY_UNAVAILABLE; g++)
		if (strcmp(s, agency_status_name((enum agency_status)g)) == 0) {
			*out = (enum agency_status)g;
			return true;
		}
	return false;
}

static bool attendance_from_name(const char *s, enum attendance_status *out)
{
	for (int a = ATTENDANCE_OK; a <= ATTENDANCE_UNAVAILABLE; a++)
		if (strcmp(s, attendance_status_name((enum attendance_status)a)) == 0) {
			*out = (enum attendance_status)a;
			return true;
		}
	return false;
}

static void build_registers(struct tctx *T, struct tinputs *I)
{
	struct rs_file *f = T->f;
	struct application *a = &I->app;
	yaml_node_t *sec = tget(T, "registers", NULL);
	if (sec && rs_scalar(sec) && strcmp(rs_scalar(sec), "none") == 0)
		return;
	I->has_regs = true;
	for (size_t i = 0; i < a->n_persons; i++) {
		struct person_registers *pr = &I->regs[i];
		pr->ssbtek_asked = a->persons[i].age >= 16;
		for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++)
			pr->agency[g] = AGENCY_OK;
		pr->af_scope_percent = -1;
		pr->fk_sickness_percent = -1;
		pr->attendance_asked = a->persons[i].role != ROLE_CHILD;
		pr->attendance = ATTENDANCE_NO_PLAN;
		char key[24];
		snprintf(key, sizeof(key), "%zu", i);
		yaml_node_t *e = tget(T, "registers", key);
		if (e) {
			rs_check_keys(f, e, REG_KEYS, "a person's registers", &T->d);
			yaml_node_t *n;
			if ((n = rs_map_get(f, e, "asked")))
				tbool(T, n, &pr->ssbtek_asked, "asked");
			for (int g = 0; g < SSBTEK_AGENCY_COUNT; g++) {
				n = rs_map_get(f, e, ssbtek_agency_name((enum ssbtek_agency)g));
				const char *s = rs_scalar(n);
				if (!n)
					continue;
				if (!agency_from_name(s, &pr->agency[g]))
					TERR(T, n, "status must be ok, error, absent or unavailable");
				if (pr->agency[g] == AGENCY_ERROR || pr->agency[g] == AGENCY_UNAVAILABLE) {
					snprintf(I->reasons[i], sizeof(I->reasons[i]), "test: %s", s);
					pr->agency_reason[g] = I->reasons[i];
				}
			}
			if ((n = rs_map_get(f, e, "af"))) {
				rs_check_keys(f, n, AF_KEYS, "af", &T->d);
				yaml_node_t *x;
				int64_t v;
				if ((x = rs_map_get(f, n, "registered"))) {
					pr->af_known = true;
					tbool(T, x, &pr->af_registered, "registered");
				}
				if ((x = rs_map_get(f, n, "since")))
					snprintf(pr->af_since, sizeof(pr->af_since), "%s", rs_scalar(x) ? rs_scalar(x) : "");
				if ((x = rs_map_get(f, n, "latest_report")))
					snprintf(pr->af_latest_report, sizeof(pr->af_latest_report), "%s",
						 rs_scalar(x) ? rs_scalar(x) : "");
				if ((x = rs_map_get(f, n, "scope_percent")) && tint(T, x, &v, "scope_percent"))
					pr->af_scope_percent = (int)v;
			}
			/* fk: {sickness_percent: N}: a granted sickness decision's extent */
			if ((n = rs_map_get(f, e, "fk"))) {
				static const char *const FK_KEYS[] = {"sickness_percent", NULL};
				rs_check_keys(f, n, FK_KEYS, "fk", &T->d);
				yaml_node_t *x = rs_map_get(f, n, "sickness_percent");
				int64_t v;
				if (x && tint(T, x, &v, "sickness_percent"))
					pr->fk_sickness_percent = (int)v;
			}
			if ((n = rs_map_get(f, e, "income"))) {
				for (yaml_node_pair_t *p = n->type == YAML_MAPPING_NODE ? n->data.mapping.pairs.start : NULL;
				     p && p < n->data.mapping.pairs.top; p++) {
					const char *ty = rs_scalar(rs_node(f, p->key));
					int t = ty ? income_type_from_name(ty) : -1;
					if (t < 0) {
						TERR(T, rs_node(f, p->key), "unknown income type '%s'", ty ? ty : "?");
						continue;
					}
					tint(T, rs_node(f, p->value), &pr->income[t], "an income");
				}
			}
		}
		yaml_node_t *at = tget(T, "attendance", key);
		if (at) {
			rs_check_keys(f, at, ATT_KEYS, "attendance", &T->d);
			const char *s = rs_scalar(rs_map_get(f, at, "status"));
			pr->attendance_asked = true;
			if (!attendance_from_name(s ? s : "ok", &pr->attendance))
				TERR(T, at, "attendance status must be ok, no_plan or unavailable");
			else if (pr->attendance == ATTENDANCE_UNAVAILABLE)
				pr->attendance_reason = "test: unavailable";
			int64_t v;
			yaml_node_t *x;
			if ((x = rs_map_get(f, at, "plan_hours_per_week")) && tint(T, x, &v, "plan_hours_per_week"))
				pr->plan_hours_per_week = (double)v;
			if ((x = rs_map_get(f, at, "scheduled")))
				tint(T, x, &pr->scheduled_hours, "scheduled");
			if ((x = rs_map_get(f, at, "attended")))
				tint(T, x, &pr->attended_hours, "attended");
			if ((x = rs_map_get(f, at, "excused")))
				tint(T, x, &pr->excused_hours, "excused");
		}
	}
}

static bool id_in(const char *id, struct rs_file *f, yaml_node_t *list)
{
	for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top;
	     it++) {
		const char *s = rs_scalar(rs_node(f, *it));
		if (s && strcmp(s, id) == 0)
			return true;
	}
	return false;
}

/* One earlier decision of history: (facts/history.h), persons by number. */
static void history_decision(struct tctx *T, struct tinputs *I, yaml_node_t *n)
{
	struct rs_file *f = T->f;
	rs_check_keys(f, n, HISTORY_KEYS, "a decision of history", &T->d);
	const char *period = rs_scalar(rs_map_get(f, n, "period"));
	const char *outcome = rs_scalar(rs_map_get(f, n, "outcome"));
	const char *by = rs_scalar(rs_map_get(f, n, "by"));
	yaml_node_t *am = rs_map_get(f, n, "amount");
	int64_t amount = 0;
	if (am && !tint(T, am, &amount, "amount"))
		return;
	char from[8];
	int year;
	case_history_window(I->app.period, from, &year);
	if (period && date_is_month(period) && (strcmp(period, from) < 0 || strcmp(period, I->app.period) >= 0))
		return;    /* not of the year before the period, as the daemon's history */
	struct ebba_err err;
	if (case_history_add_decision(&I->history, period, outcome ? outcome : "approved", am != NULL,
				      amount, by, &err) != 0) {
		TERR(T, n, "%s", err.msg);
		return;
	}
	yaml_node_t *inc = rs_map_get(f, n, "incomes");
	if (!inc)
		return;
	if (inc->type != YAML_SEQUENCE_NODE) {
		TERR(T, inc, "incomes of history must be a list of {person, type, amount}");
		return;
	}
	for (yaml_node_item_t *it = inc->data.sequence.items.start; it < inc->data.sequence.items.top;
	     it++) {
		yaml_node_t *p = rs_node(f, *it);
		rs_check_keys(f, p, ITEM_KEYS, "an income", &T->d);
		size_t person;
		int64_t v;
		const char *type = rs_scalar(rs_map_get(f, p, "type"));
		int t = type ? income_type_from_name(type) : -1;
		yaml_node_t *pn = rs_map_get(f, p, "person"), *an = rs_map_get(f, p, "amount");
		if (t < 0 || !pn || !an) {
			TERR(T, p, "an income of history needs person, a known type and amount");
			continue;
		}
		if (person_index(T, I, pn, &person) && tint(T, an, &v, "amount") &&
		    case_history_add_income(&I->history, I->persons[person].pnr, (enum income_type)t, v,
					    &err) != 0)
			TERR(T, p, "%s", err.msg);
	}
}

/* history: the case's earlier decisions of the year; none by default. */
static void build_history(struct tctx *T, struct tinputs *I)
{
	case_history_init(&I->history, I->app.period);
	yaml_node_t *sec = tget(T, "history", NULL);
	if (!sec)
		return;
	if (sec->type != YAML_SEQUENCE_NODE) {
		TERR(T, sec, "history must be a list of decisions (- period: ...)");
		return;
	}
	for (yaml_node_item_t *it = sec->data.sequence.items.start; it < sec->data.sequence.items.top;
	     it++)
		history_decision(T, I, rs_node(T->f, *it));
}

/* today: given, or the 25th of the month before the period. */
static void test_today(struct tctx *T, struct tinputs *I)
{
	yaml_node_t *n = rs_map_get(T->f, T->test, "today");
	if (!n)
		n = rs_map_get(T->f, T->defaults, "today");
	if (n && date_is_iso(rs_scalar(n))) {
		snprintf(I->today, sizeof(I->today), "%s", rs_scalar(n));
		return;
	}
	if (n)
		TERR(T, n, "today must be a date YYYY-MM-DD");
	int y = I->app.period_year, m = I->app.period_month - 1;
	if (m == 0) {
		m = 12;
		y--;
	}
	snprintf(I->today, sizeof(I->today), "%04u-%02u-25", (unsigned)y % 10000u, (unsigned)m % 100u);
}

static void expect_amounts(struct tctx *T, yaml_node_t *ex, const struct rule_decision *d,
			   struct ebba_buf *why)
{
	static const char *const amt[] = {"amount", "norm", "costs", "incomes"};
	int64_t got[4] = {d->amount, d->norm, d->costs, d->incomes};
	for (int k = 0; k < 4; k++) {
		yaml_node_t *x = rs_map_get(T->f, ex, amt[k]);
		int64_t v;
		if (!x || !tint(T, x, &v, amt[k]))
			continue;
		if (!d->has_amount)
			buf_printf(why, "; %s could not be computed, expected %lld", amt[k], (long long)v);
		else if (v != got[k])
			buf_printf(why, "; %s is %lld, expected %lld", amt[k], (long long)got[k],
				   (long long)v);
	}
}

static void expect_failed(struct tctx *T, yaml_node_t *fl, const struct rule_decision *d,
			  struct ebba_buf *why)
{
	struct rs_file *f = T->f;
	if (fl->type != YAML_SEQUENCE_NODE) {
		TERR(T, fl, "failed must be a list of check ids ([] for none)");
		return;
	}
	for (size_t i = 0; i < d->n_checks; i++) {
		bool failed = d->checks[i].result == RULE_FAIL || d->checks[i].result == RULE_ERROR;
		bool want = id_in(d->checks[i].id, f, fl);
		if (failed && !want)
			buf_printf(why, "; check %s %s: %s", d->checks[i].id,
				   d->checks[i].result == RULE_FAIL ? "failed" : "had an error",
				   d->checks[i].message);
		else if (!failed && want)
			buf_printf(why, "; check %s did not fail (%s)", d->checks[i].id,
				   rule_result_name(d->checks[i].result));
	}
	for (yaml_node_item_t *it = fl->data.sequence.items.start; it < fl->data.sequence.items.top;
	     it++) {
		const char *id = rs_scalar(rs_node(f, *it));
		bool known = false;
		for (size_t i = 0; id && i < d->n_checks; i++)
			known |= strcmp(d->checks[i].id, id) == 0;
		if (!known)
			buf_printf(why, "; expected check %s to fail but the rule set has no such check",
				   id ? id : "?");
	}
}

static void expect_flags(struct tctx *T, yaml_node_t *fg, const struct rule_decision *d,
			 struct ebba_buf *why)
{
	struct rs_file *f = T->f;
	if (fg->type != YAML_SEQUENCE_NODE)
		return;
	for (size_t i = 0; i < d->n_flags; i++)
		if (!id_in(d->flags[i].id, f, fg))
			buf_printf(why, "; unexpected audit flag %s", d->flags[i].id);
	for (yaml_node_item_t *it = fg->data.sequence.items.start; it < fg->data.sequence.items.top;
	     it++) {
		const char *id = rs_scalar(rs_node(f, *it));
		bool got_it = false;
		for (size_t i = 0; id && i < d->n_flags; i++)
			got_it |= strcmp(d->flags[i].id, id) == 0;
		if (!got_it)
			buf_printf(why, "; audit flag %s was not raised", id ? id : "?");
	}
}

/* The message of the check named id, or of its paragraph in the letter;
 * NULL when there is none. */
static const char *check_message(const struct rule_decision *d, const char *id)
{
	for (size_t i = 0; i < d->n_checks; i++)
		if (strcmp(d->checks[i].id, id) == 0)
			return d->checks[i].message;
	return NULL;
}

static const char *paragraph_text(const struct rule_decision *d, const char *id)
{
	for (size_t i = 0; i < d->n_paragraphs; i++)
		if (strcmp(d->paragraphs[i].id, id) == 0)
			return d->paragraphs[i].text;
	return NULL;
}

/* {id: text}: each text as lookup finds it; `what` names one in the
 * failures ("message of", "letter paragraph"), absent says none was found. */
static void expect_texts(struct tctx *T, yaml_node_t *m, const struct rule_decision *d,
			 const char *(*lookup)(const struct rule_decision *, const char *),
			 const char *what, const char *absent, struct ebba_buf *why)
{
	struct rs_file *f = T->f;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *id = rs_scalar(rs_node(f, p->key)), *want = rs_scalar(rs_node(f, p->value));
		const char *got = id && want ? lookup(d, id) : NULL;
		if (!got)
			buf_printf(why, "; %s%s", absent, id ? id : "?");
		else if (strcmp(got, want) != 0)
			buf_printf(why, "; %s %s is \"%s\", expected \"%s\"", what, id, got, want);
	}
}

static void expect_messages(struct tctx *T, yaml_node_t *mc, const struct rule_decision *d,
			    struct ebba_buf *why)
{
	if (mc->type == YAML_MAPPING_NODE)
		expect_texts(T, mc, d, check_message, "message of", "no check to compare the message of: ",
			     why);
}

/* notes: exactly the calculation's lines, in order. */
static void expect_notes(struct tctx *T, yaml_node_t *nt, const struct rule_decision *d,
			 struct ebba_buf *why)
{
	struct rs_file *f = T->f;
	if (nt->type != YAML_SEQUENCE_NODE) {
		TERR(T, nt, "notes must be a list of lines ([] for none)");
		return;
	}
	size_t k = 0;
	for (yaml_node_item_t *it = nt->data.sequence.items.start; it < nt->data.sequence.items.top;
	     it++, k++) {
		const char *want = rs_scalar(rs_node(f, *it));
		if (k >= d->n_notes)
			buf_printf(why, "; note \"%s\" is missing", want ? want : "?");
		else if (!want || strcmp(want, d->notes[k]) != 0)
			buf_printf(why, "; note %zu is \"%s\", expected \"%s\"", k + 1, d->notes[k],
				   want ? want : "?");
	}
	for (; k < d->n_notes; k++)
		buf_printf(why, "; unexpected note \"%s\"", d->notes[k]);
}

/*
 * letter: {paragraph id: text}: each paragraph of the letter's reasons as
 * rendered ("" for one left out); a test of an approval only.
 */
static void expect_letter(struct tctx *T, yaml_node_t *lc, const struct rule_decision *d,
			  struct ebba_buf *why)
{
	if (lc->type != YAML_MAPPING_NODE) {
		TERR(T, lc, "letter must be a mapping from paragraph id to its text");
		return;
	}
	expect_texts(T, lc, d, paragraph_text, "letter paragraph",
		     d->letter ? "the letter has no paragraph "
			       : "there is no letter (only approvals have one), so no paragraph ",
		     why);
}

/* Compares the decision with the test's expect: section. */
static void compare(struct tctx *T, yaml_node_t *ex, const struct rule_decision *d,
		    struct ebba_buf *why)
{
	struct rs_file *f = T->f;
	const char *s;
	if ((s = rs_scalar(rs_map_get(f, ex, "outcome"))) && strcmp(s, d->outcome) != 0)
		buf_printf(why, "; outcome is %s, expected %s", d->outcome, s);
	expect_amounts(T, ex, d, why);
	yaml_node_t *n;
	if ((n = rs_map_get(f, ex, "failed")))
		expect_failed(T, n, d, why);
	if ((n = rs_map_get(f, ex, "flags")))
		expect_flags(T, n, d, why);
	bool want_prov;
	if ((n = rs_map_get(f, ex, "provisional")) && tbool(T, n, &want_prov, "provisional")) {
		bool has = strstr(d->trace_json, "\"notes\":[]") == NULL;
		if (has != want_prov)
			buf_printf(why, "; the trace %s a provisional-value note", has ? "has" : "has no");
	}
	if ((n = rs_map_get(f, ex, "message")))
		expect_messages(T, n, d, why);
	if ((n = rs_map_get(f, ex, "notes")))
		expect_notes(T, n, d, why);
	if ((n = rs_map_get(f, ex, "letter")))
		expect_letter(T, n, d, why);
	/* delegation: the label of the one relied on, or "" for none */
	if ((s = rs_scalar(rs_map_get(f, ex, "delegation"))) &&
	    strcmp(s, d->delegation ? d->delegation : "") != 0)
		buf_printf(why, "; the decision relied on delegation \"%s\", expected \"%s\"",
			   d->delegation ? d->delegation : "", s);
}

/* Runs one test; appends what went wrong to why. */
static void run_one(const struct ruleset *rs, struct tctx *T, struct cel_arena *arena,
		    struct ebba_buf *why)
{
	struct rs_file *f = T->f;
	struct tinputs *I = xcalloc(1, sizeof(*I));
	build_app(T, I);
	build_frame(T, I);
	build_registers(T, I);
	build_history(T, I);
	test_today(T, I);
	yaml_node_t *n = rs_map_get(f, T->test, "allow_reject");
	if (n)
		tbool(T, n, &I->allow_reject, "allow_reject");
	yaml_node_t *ex = rs_map_get(f, T->test, "expect");
	if (!ex || ex->type != YAML_MAPPING_NODE)
		TERR(T, T->test, "the test has no 'expect' mapping");
	rs_check_keys(f, ex, EXPECT_KEYS, "expect", &T->d);
	struct decision_inputs in = {.app = &I->app, .frame = I->has_frame ? &I->frame : NULL,
				     .regs = I->has_regs ? I->regs : NULL, .today = I->today,
				     .history = &I->history};
	struct rule_decision d;
	struct ebba_err err = {{0}};
	if (T->d.errors || !I->app.n_persons)
		buf_puts(why, "the test itself has errors (see above)");
	else if (ruleset_decide(rs, &in, I->allow_reject, arena, &d, &err) != 0)
		buf_printf(why, "%s", err.msg);
	else
		compare(T, ex, &d, why);
	free(I);
}

int ruleset_run_test_buffer(const struct ruleset *rs, const char *name, const char *yaml,
			    size_t len, struct ebba_buf *out, struct rule_test_report *report,
			    struct ebba_err *err)
{
	struct rs_file f = {0};
	f.name = xstrdup(name);
	buf_append(&f.text, yaml, len);
	struct rs_diags d = {0};
	int rc = 0;
	if (rs_file_parse(&f, &d) != 0 || !rs_root(&f) || rs_root(&f)->type != YAML_MAPPING_NODE) {
		if (d.errors == 0)
			rs_diag(&d, false, f.name, 1, 1, "a test file must be a mapping with 'tests'");
		rs_diags_flush(&d, out);
		report->total++;
		report->failed++;
		rs_diags_free(&d);
		rs_file_free(&f);
		return 0;
	}
	yaml_node_t *root = rs_root(&f);
	rs_check_keys(&f, root, FILE_KEYS, "a test file", &d);
	yaml_node_t *defaults = rs_map_get(&f, root, "defaults");
	rs_check_keys(&f, defaults, DEFAULT_KEYS, "defaults", &d);
	yaml_node_t *tests = rs_map_get(&f, root, "tests");
	if (d.errors || !tests || tests->type != YAML_SEQUENCE_NODE) {
		if (!tests || tests->type != YAML_SEQUENCE_NODE)
			rs_diag(&d, false, f.name, rs_line(tests ? tests : root), rs_col(tests ? tests : root),
				"a test file needs 'tests:', a list of tests");
		rs_diags_flush(&d, out);
		report->total++;
		report->failed++;
		rs_diags_free(&d);
		rs_file_free(&f);
		return 0;
	}
	rs_diags_free(&d);
	const struct ynode *ytests = ymap_get(f.tree->root, "tests");   /* the same list in the tree */
	struct cel_arena *arena = cel_arena_new();
	for (yaml_node_item_t *it = tests->data.sequence.items.start; it < tests->data.sequence.items.top;
	     it++) {
		struct tctx T = {.f = &f, .test = rs_node(&f, *it), .defaults = defaults,
				 .ytest = &ytests->kids[it - tests->data.sequence.items.start],
				 .ydefaults = ymap_get(f.tree->root, "defaults")};
		const char *tname = rs_scalar(rs_map_get(&f, T.test, "name"));
		char fallback[64];
		if (!tname) {
			snprintf(fallback, sizeof(fallback), "(test on line %u)", rs_line(T.test));
			tname = fallback;
		}
		rs_check_keys(&f, T.test, TEST_KEYS, "a test", &T.d);
		struct ebba_buf why = {0};
		run_one(rs, &T, arena, &why);
		cel_arena_reset(arena);
		report->total++;
		if (why.len == 0 && T.d.errors == 0) {
			report->passed++;
			buf_printf(out, "ok   %s\n", tname);
		} else {
			report->failed++;
			const char *w = why.data ? why.data : "";
			if (w[0] == ';')
				w += 2;
			buf_printf(out, "FAIL %s (%s:%u): %s\n", tname, f.name, rs_line(T.test), w);
			rs_diags_flush(&T.d, out);
		}
		rs_diags_free(&T.d);
		buf_free(&why);
	}
	cel_arena_free(arena);
	rs_file_free(&f);
	(void)err;
	return rc;
}

int ruleset_run_tests(const struct ruleset *rs, const char *dir, struct ebba_buf *out,
		      struct rule_test_report *report, struct ebba_err *err)
{
	memset(report, 0, sizeof(*report));
	char *tdir = xasprintf("%s/tests", dir);
	char **names;
	size_t n;
	if (rs_list_yaml(tdir, SIZE_MAX, &names, &n, err) != 0) {
		free(tdir);
		return ebba_err_prefix(err, "rule tests");
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", tdir, names[i]);
		struct ebba_buf text = {0};
		struct ebba_err e2 = {{0}};
		if (read_file_limited(path, RULES_MAX_FILE_BYTES, &text, &e2) != 0) {
			buf_printf(out, "%s\n", e2.msg);
			report->total++;
			report->failed++;
		} else {
			ruleset_run_test_buffer(rs, path, text.data ? text.data : "", text.len, out,
						report, err);
		}
		buf_free(&text);
		free(path);
	}
	rs_file_names_free(names, n);
	free(tdir);
	return rc;
}
