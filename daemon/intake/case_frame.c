/*
 * Case frames: YAML (written by caseworkers), JSON (stored in the
 * database) and the frames of rule tests into one checked struct
 * case_frame.
 *
 * Every input is first turned into the tree of lib/yaml (the YAML reader
 * builds it, with positions; JSON and rule tests build it by hand), and one
 * validator walks that tree.  So all of them accept exactly the same
 * frames, and YAML errors point at line and column.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/intake/case_frame.h"
#include "ebba/lib/util.h"
#include "ebba/lib/yaml.h"

/* ---- JSON -> tree (jansson refuses duplicate keys) ---- */

static int json_node(struct ydoc *d, json_t *j, struct ynode *n, int depth, struct ebba_err *err)
{
	if (depth > FRAME_MAX_DEPTH)
		return yerrf(d, NULL, err, "nested deeper than %d levels", FRAME_MAX_DEPTH);
	if (json_is_object(j)) {
		n->kind = YN_MAP;
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) {
			ynode_add_scalar(d, n, k, strlen(k), NULL);
			if (json_node(d, v, ynode_add(d, n, YN_SCALAR), depth + 1, err) != 0)
				return -1;
		}
	} else if (json_is_array(j)) {
		n->kind = YN_SEQ;
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
			if (json_node(d, v, ynode_add(d, n, YN_SCALAR), depth + 1, err) != 0)
				return -1;
	} else if (json_is_string(j)) {
		ynode_set_text(n, json_string_value(j), json_string_length(j));
	} else if (json_is_integer(j)) {
		char num[32];
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		ynode_set_text(n, num, strlen(num));
	} else if (json_is_boolean(j)) {
		ynode_set_text(n, json_is_true(j) ? "true" : "false", json_is_true(j) ? 4 : 5);
	} else if (json_is_null(j)) {
		ynode_set_text(n, "", 0);
	} else {
		return yerrf(d, NULL, err, "a number that is not a whole number");
	}
	return 0;
}

/* ---- validation ---- */

static const char *const capacity_names[] = {"full", "partial", "none"};
static const char *const plan_names[] = {"required", "exempt"};

const char *frame_capacity_name(enum frame_capacity c) { return capacity_names[c]; }
const char *frame_plan_name(enum frame_plan p) { return plan_names[p]; }

/* " (did you mean 'x'?)" for the nearest name within 2 edits, else "". */
static void did_you_mean(const char *s, const char *const *names, size_t n, char *out, size_t cap)
{
	size_t best = 3;
	const char *pick = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(s, names[i]);
		if (d < best) {
			best = d;
			pick = names[i];
		}
	}
	if (pick)
		snprintf(out, cap, " (did you mean '%s'?)", pick);
	else
		out[0] = '\0';
}

static int name_lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

struct vctx {
	const struct ydoc *d;
	struct ebba_err *err;
};

static int want_kind(const struct vctx *v, const struct ynode *n, enum ynode_kind k, const char *key)
{
	static const char *const kn[] = {"a single value", "a list", "a mapping (key: value)"};
	if (n->kind != k)
		return yerrf(v->d, n, v->err, "%s: expected %s", key, kn[k]);
	return 0;
}

/*
 * Checks a mapping's keys against names: all scalars, known (the reader and
 * jansson have refused repeated keys).
 * found[i] gets the value node of names[i] (or NULL).
 */
static int check_keys(const struct vctx *v, const struct ynode *map, const char *what,
		      const char *const *names, size_t n, const struct ynode **found)
{
	for (size_t i = 0; i < n; i++)
		found[i] = NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = &map->kids[i];
		if (k->kind != YN_SCALAR)
			return yerrf(v->d, k, v->err, "%s: a key must be a single value", what);
		int idx = name_lookup(k->text, names, n);
		if (idx < 0) {
			char hint[80];
			did_you_mean(k->text, names, n, hint, sizeof(hint));
			return yerrf(v->d, k, v->err, "unknown key '%.64s'%s%s%s", k->text, hint,
				  what[0] ? " in " : "", what);
		}
		found[idx] = &map->kids[i + 1];
	}
	return 0;
}

static int missing(const struct vctx *v, const struct ynode *map, const char *key, const char *in)
{
	return yerrf(v->d, map, v->err, "missing key '%s'%s%s", key, in[0] ? " in " : "", in);
}

static int get_int(const struct vctx *v, const struct ynode *n, const char *key, int64_t max,
		   int64_t *out)
{
	if (want_kind(v, n, YN_SCALAR, key) != 0)
		return -1;
	const char *s = n->text;
	int64_t val = 0;
	if (!*s)
		return yerrf(v->d, n, v->err, "%s: a whole number is required", key);
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return yerrf(v->d, n, v->err, "%s: '%.32s' is not a whole number >= 0", key, n->text);
		val = val * 10 + (*s - '0');
		if (val > max)
			return yerrf(v->d, n, v->err, "%s: %.32s is larger than the maximum %lld", key,
				  n->text, (long long)max);
	}
	*out = val;
	return 0;
}

static int get_pnr(const struct vctx *v, const struct ynode *n, const char *key, char out[PNR_BUF])
{
	if (want_kind(v, n, YN_SCALAR, key) != 0)
		return -1;
	struct pnr p;
	struct ebba_err e;
	if (pnr_parse(n->text, strlen(n->text), &p, &e) != 0)
		return yerrf(v->d, n, v->err, "%s: %s", key, e.msg);
	memcpy(out, p.digits, PNR_BUF);
	return 0;
}

static int get_enum(const struct vctx *v, const struct ynode *n, const char *key,
		    const char *const *names, size_t count, int *out)
{
	if (want_kind(v, n, YN_SCALAR, key) != 0)
		return -1;
	int i = name_lookup(n->text, names, count);
	if (i >= 0) {
		*out = i;
		return 0;
	}
	char list[160] = "";
	for (size_t k = 0; k < count; k++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? "|" : "", names[k]);
	return yerrf(v->d, n, v->err, "%s: '%.40s' is not one of %s", key, n->text, list);
}

static int get_date(const struct vctx *v, const struct ynode *n, const char *key,
		    struct date *out)
{
	if (want_kind(v, n, YN_SCALAR, key) != 0)
		return -1;
	int y, m, d, used = 0;
	if (strlen(n->text) != 10 || sscanf(n->text, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
	    used != 10)
		return yerrf(v->d, n, v->err, "%s: '%.32s' is not a date YYYY-MM-DD", key, n->text);
	if (!date_is_valid(y, m, d))
		return yerrf(v->d, n, v->err, "%s: %s is not a real date", key, n->text);
	*out = (struct date){y, m, d};
	return 0;
}

static int get_period(const struct vctx *v, const struct ynode *n, const char *key, char out[8])
{
	if (want_kind(v, n, YN_SCALAR, key) != 0)
		return -1;
	int y, m, used = 0;
	if (strlen(n->text) != 7 || sscanf(n->text, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7)
		return yerrf(v->d, n, v->err, "%s: '%.32s' is not a month YYYY-MM", key, n->text);
	if (m < 1 || m > 12 || y < 2000 || y > 2099)
		return yerrf(v->d, n, v->err, "%s: %s is not a real month", key, n->text);
	memcpy(out, n->text, 8);
	return 0;
}

static int check_case_id(const struct vctx *v, const struct ynode *n, struct case_frame *f)
{
	if (want_kind(v, n, YN_SCALAR, "case") != 0)
		return -1;
	const char *s = n->text;
	size_t len = strlen(s);
	bool ok = len > 0 && len <= FRAME_ID_MAX && strchr("._:-", s[0]) == NULL;
	for (size_t i = 0; ok && i < len; i++) {
		char c = s[i];
		ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		     strchr("._:-", c) != NULL;
	}
	if (!ok)
		return yerrf(v->d, n, v->err, "case: '%.64s' is not a case id (1-64 of A-Z a-z 0-9 . _ : -)", s);
	/* A case id is in URLs (/referensram/...), the access log and logs. */
	if (pnr_in_text(s))
		return yerrf(v->d, n, v->err, "case: must not hold an identity number (case ids appear in URLs and logs)");
	memcpy(f->case_id, s, len + 1);
	return 0;
}

static int check_household(const struct vctx *v, const struct ynode *n, struct case_frame *f)
{
	if (want_kind(v, n, YN_SEQ, "household") != 0)
		return -1;
	if (n->n == 0)
		return yerrf(v->d, n, v->err, "household: at least one person is required");
	if (n->n > FRAME_MAX_PERSONS)
		return yerrf(v->d, n, v->err, "household: more than %d persons", FRAME_MAX_PERSONS);
	for (size_t i = 0; i < n->n; i++) {
		char pnr[PNR_BUF];
		if (get_pnr(v, &n->kids[i], "household", pnr) != 0)
			return -1;
		if (case_frame_in_household(f, pnr))
			return yerrf(v->d, &n->kids[i], v->err, "household: the same person is listed twice");
		memcpy(f->household[f->n_household++], pnr, PNR_BUF);
	}
	return 0;
}

static int date_cmp(const struct date *a, const struct date *b)
{
	int x = a->year * 10000 + a->month * 100 + a->day, y = b->year * 10000 + b->month * 100 + b->day;
	return (x > y) - (x < y);
}

/* Days of [from, to] that fall in calendar year `year`. */
static int64_t date_days_in_year(const struct date *from, const struct date *to, int year)
{
	struct date a = *from, b = *to, jan1 = {year, 1, 1}, dec31 = {year, 12, 31};
	if (date_cmp(&a, &jan1) < 0)
		a = jan1;
	if (date_cmp(&b, &dec31) > 0)
		b = dec31;
	if (date_cmp(&a, &b) > 0)
		return 0;
	char s1[16], s2[16];
	snprintf(s1, sizeof(s1), "%04d-%02d-%02d", a.year % 10000, a.month % 100, a.day % 100);
	snprintf(s2, sizeof(s2), "%04d-%02d-%02d", b.year % 10000, b.month % 100, b.day % 100);
	int64_t d = 0;
	return date_days_between(s1, s2, &d, NULL) == 0 ? d + 1 : 0;
}

static int get_bool(const struct vctx *v, const struct ynode *n, const char *key, bool *out)
{
	if (want_kind(v, n, YN_SCALAR, key) != 0)
		return -1;
	if (strcmp(n->text, "true") == 0 || strcmp(n->text, "false") == 0) {
		*out = n->text[0] == 't';
		return 0;
	}
	return yerrf(v->d, n, v->err, "%s: '%.32s' is not true or false", key, n->text);
}

static int get_hours(const struct vctx *v, const struct ynode *n, const char *key, int max, int *out)
{
	int64_t h;
	if (get_int(v, n, key, max, &h) != 0)
		return -1;
	*out = (int)h;
	return 0;
}

static int get_note(const struct vctx *v, const struct ynode *n, const char *key, char *out)
{
	if (want_kind(v, n, YN_SCALAR, key) != 0)
		return -1;
	if (strlen(n->text) > FRAME_NOTE_MAX)
		return yerrf(v->d, n, v->err, "%s: longer than %d bytes", key, FRAME_NOTE_MAX);
	strcpy(out, n->text);
	return 0;
}

static const char *const occupation_names[] = {"employment", "programme", "sfi", "other"};

/* occupation: {type: employment|programme|sfi|other, full_time: true} or {type: ..., hours: N} */
static int check_occupation(const struct vctx *v, const struct ynode *n, struct frame_aktivitetskrav *ak)
{
	static const char *const keys[] = {"type", "full_time", "hours"};
	const struct ynode *found[3];
	if (want_kind(v, n, YN_MAP, "occupation") != 0 ||
	    check_keys(v, n, "occupation", keys, 3, found) != 0)
		return -1;
	if (!found[0])
		return missing(v, n, "type", "occupation");
	int t;
	if (get_enum(v, found[0], "type", occupation_names, 4, &t) != 0)
		return -1;
	strcpy(ak->occupation, occupation_names[t]);
	if (found[1] && get_bool(v, found[1], "full_time", &ak->occupation_full_time) != 0)
		return -1;
	if (found[2] && get_hours(v, found[2], "hours", 168, &ak->occupation_hours) != 0)
		return -1;
	if (!ak->occupation_full_time && !found[2])
		return yerrf(v->d, n, v->err, "occupation: give hours (a week) or full_time: true");
	return 0;
}

/* activity_breaks: [{from: DATE, to: DATE}, ...], at most four weeks per calendar year (4 f §). */
static int check_breaks(const struct vctx *v, const struct ynode *n, struct frame_aktivitetskrav *ak)
{
	static const char *const keys[] = {"from", "to"};
	if (want_kind(v, n, YN_SEQ, "activity_breaks") != 0)
		return -1;
	if (n->n > FRAME_MAX_BREAKS)
		return yerrf(v->d, n, v->err, "activity_breaks: more than %d breaks", FRAME_MAX_BREAKS);
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *e = &n->kids[i], *found[2];
		struct frame_activity_break *b = &ak->breaks[ak->n_breaks];
		if (want_kind(v, e, YN_MAP, "activity_breaks") != 0 ||
		    check_keys(v, e, "activity_breaks", keys, 2, found) != 0)
			return -1;
		if (!found[0])
			return missing(v, e, "from", "activity_breaks");
		if (!found[1])
			return missing(v, e, "to", "activity_breaks");
		if (get_date(v, found[0], "from", &b->from) != 0 || get_date(v, found[1], "to", &b->to) != 0)
			return -1;
		if (date_cmp(&b->to, &b->from) < 0)
			return yerrf(v->d, found[1], v->err, "activity_breaks: to is before from");
		ak->n_breaks++;
	}
	/* days per calendar year, over every break */
	for (size_t i = 0; i < ak->n_breaks; i++) {
		for (int year = ak->breaks[i].from.year; year <= ak->breaks[i].to.year; year++) {
			int64_t days = 0;
			for (size_t k = 0; k < ak->n_breaks; k++)
				days += date_days_in_year(&ak->breaks[k].from, &ak->breaks[k].to, year);
			if (days > FRAME_BREAK_MAX_DAYS)
				return yerrf(v->d, n, v->err,
					     "activity_breaks: %lld days in %d, at most four weeks (%d days) a calendar year (12 kap. 4 f §)",
					     (long long)days, year, FRAME_BREAK_MAX_DAYS);
		}
	}
	return 0;
}

enum { A_CAPACITY, A_PLAN, A_REASON, A_JOBB, A_HOURS_ABLE, A_OCCUPATION, A_STUDIES, A_SICK,
       A_PARENTAL, A_FORMEDLING, A_JOB_SEARCH, A_OTHER_DUTIES, A_BREAKS, A_COUNT };

static const char *const adult_keys[A_COUNT] = {
	"capacity", "plan", "reason", "jobbstimulans_from", "hours_able", "occupation", "studies",
	"sickness_benefit_percent", "parental_leave", "formedlingsinsatser", "job_search_hours",
	"other_duties_hours", "activity_breaks",
};

/* The aktivitetskrav's keys of an adult (all optional). */
static int check_aktivitetskrav(const struct vctx *v, const struct ynode **found,
				struct frame_aktivitetskrav *ak)
{
	memset(ak, 0, sizeof(*ak));     /* padding too: frames compare bytewise */
	ak->hours_able = -1;
	ak->sickness_percent = -1;
	if ((found[A_HOURS_ABLE] && get_hours(v, found[A_HOURS_ABLE], "hours_able", 40, &ak->hours_able) != 0) ||
	    (found[A_OCCUPATION] && check_occupation(v, found[A_OCCUPATION], ak) != 0) ||
	    (found[A_STUDIES] && get_bool(v, found[A_STUDIES], "studies", &ak->studies) != 0) ||
	    (found[A_SICK] && get_hours(v, found[A_SICK], "sickness_benefit_percent", 100, &ak->sickness_percent) != 0) ||
	    (found[A_PARENTAL] && get_bool(v, found[A_PARENTAL], "parental_leave", &ak->parental_leave) != 0) ||
	    (found[A_FORMEDLING] && get_bool(v, found[A_FORMEDLING], "formedlingsinsatser", &ak->formedlingsinsatser) != 0) ||
	    (found[A_JOB_SEARCH] && get_hours(v, found[A_JOB_SEARCH], "job_search_hours", 40, &ak->job_search_hours) != 0) ||
	    (found[A_OTHER_DUTIES] && get_hours(v, found[A_OTHER_DUTIES], "other_duties_hours", 40, &ak->other_duties_hours) != 0) ||
	    (found[A_BREAKS] && check_breaks(v, found[A_BREAKS], ak) != 0))
		return -1;
	return 0;
}

static int check_adult(const struct vctx *v, const struct ynode *key, const struct ynode *val,
		       struct case_frame *f)
{
	const char *const *keys = adult_keys;
	const struct ynode *found[A_COUNT];
	struct frame_adult *a = &f->adults[f->n_adults];
	*a = (struct frame_adult){0};
	if (get_pnr(v, key, "adults", a->pnr) != 0)
		return -1;
	char mask[PNR_MASK_BUF];
	if (!case_frame_in_household(f, a->pnr))
		return yerrf(v->d, key, v->err, "adults: %s is not in household", pnr_mask(a->pnr, mask));
	if (case_frame_adult(f, a->pnr))
		return yerrf(v->d, key, v->err, "adults: the same person is listed twice");
	if (want_kind(v, val, YN_MAP, "adults") != 0 ||
	    check_keys(v, val, "adults", keys, A_COUNT, found) != 0)
		return -1;
	int cap, plan;
	if (!found[0])
		return missing(v, val, "capacity", "adults");
	if (!found[1])
		return missing(v, val, "plan", "adults");
	if (get_enum(v, found[0], "capacity", capacity_names, 3, &cap) != 0 ||
	    get_enum(v, found[1], "plan", plan_names, 2, &plan) != 0)
		return -1;
	a->capacity = (enum frame_capacity)cap;
	a->plan = (enum frame_plan)plan;
	if (found[2]) {
		if (want_kind(v, found[2], YN_SCALAR, "reason") != 0)
			return -1;
		if (strlen(found[2]->text) > FRAME_REASON_MAX)
			return yerrf(v->d, found[2], v->err, "reason: longer than %d bytes", FRAME_REASON_MAX);
		strcpy(a->reason, found[2]->text);
	}
	if (a->plan == PLAN_EXEMPT && a->reason[0] == '\0')
		return yerrf(v->d, found[2] ? found[2] : val, v->err,
			  "adults: a reason is required when plan is exempt");
	if (found[3] && get_period(v, found[3], "jobbstimulans_from", a->jobbstimulans_from) != 0)
		return -1;
	if (check_aktivitetskrav(v, found, &a->ak) != 0)
		return -1;
	f->n_adults++;
	return 0;
}

static int check_adults(const struct vctx *v, const struct ynode *n, struct case_frame *f)
{
	if (want_kind(v, n, YN_MAP, "adults") != 0)
		return -1;
	for (size_t i = 0; i + 1 < n->n; i += 2)
		if (check_adult(v, &n->kids[i], &n->kids[i + 1], f) != 0)
			return -1;
	return 0;
}

static int check_costs(const struct vctx *v, const struct ynode *n, struct case_frame *f)
{
	if (want_kind(v, n, YN_MAP, "approved_costs") != 0)
		return -1;
	const char *names[COST_TYPE_COUNT];
	for (int t = 0; t < COST_TYPE_COUNT; t++)
		names[t] = cost_type_name((enum cost_type)t);
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = &n->kids[i];
		if (want_kind(v, k, YN_SCALAR, "approved_costs") != 0)
			return -1;
		int t = cost_type_from_name(k->text);
		if (t < 0) {
			char hint[80];
			did_you_mean(k->text, names, COST_TYPE_COUNT, hint, sizeof(hint));
			return yerrf(v->d, k, v->err, "approved_costs: unknown cost type '%.64s'%s", k->text, hint);
		}
		if (get_int(v, &n->kids[i + 1], k->text, APP_MAX_AMOUNT, &f->approved_costs[t]) != 0)
			return -1;
		f->cost_approved[t] = true;
	}
	return 0;
}

static int check_last_decision(const struct vctx *v, const struct ynode *n, struct case_frame *f)
{
	static const char *const keys[] = {"period", "amount"};
	const struct ynode *found[2];
	if (want_kind(v, n, YN_MAP, "last_decision") != 0 ||
	    check_keys(v, n, "last_decision", keys, 2, found) != 0)
		return -1;
	if (!found[0])
		return missing(v, n, "period", "last_decision");
	if (!found[1])
		return missing(v, n, "amount", "last_decision");
	if (get_period(v, found[0], "period", f->last_period) != 0 ||
	    get_int(v, found[1], "amount", APP_MAX_AMOUNT, &f->last_amount) != 0)
		return -1;
	f->has_last_decision = true;
	return 0;
}

/* limit_exception: {decided: DATE, note: text} -- a person's finding of synnerliga skäl (12 kap. 7 a §) */
static int check_limit_exception(const struct vctx *v, const struct ynode *n, struct case_frame *f)
{
	static const char *const keys[] = {"decided", "note"};
	const struct ynode *found[2];
	if (want_kind(v, n, YN_MAP, "limit_exception") != 0 ||
	    check_keys(v, n, "limit_exception", keys, 2, found) != 0)
		return -1;
	if (!found[0])
		return missing(v, n, "decided", "limit_exception");
	if (!found[1])
		return missing(v, n, "note", "limit_exception");
	if (get_date(v, found[0], "decided", &f->limit_exception_decided) != 0 ||
	    get_note(v, found[1], "note", f->limit_exception_note) != 0)
		return -1;
	if (!f->limit_exception_note[0])
		return yerrf(v->d, found[1], v->err, "limit_exception: the note says why (synnerliga skäl)");
	f->has_limit_exception = true;
	return 0;
}

enum { K_CASE, K_AUTOMATION, K_VALID_UNTIL, K_HOUSEHOLD, K_ADULTS, K_COSTS, K_MONTHS, K_LAST,
       K_SUBLET, K_UNLAWFUL, K_LIMIT_EXCEPTION, K_PROTECTED, K_COUNT };

static const char *const top_keys[K_COUNT] = {
	"case", "automation", "valid_until", "household", "adults", "approved_costs",
	"months_on_assistance", "last_decision", "sublet_without_consent", "not_lawfully_resident",
	"limit_exception", "protected",
};

int case_frame_from_tree(const struct ydoc *d, const struct ynode *root, struct case_frame *f,
			 struct ebba_err *err)
{
	struct vctx v = {d, err};
	const struct ynode *k[K_COUNT];
	*f = (struct case_frame){0};
	if (!root)
		return yerrf_at(d->name, 1, 1, err, "empty file");
	if (root->kind != YN_MAP)
		return yerrf(d, root, err, "a case frame is a mapping of keys (case: ..., automation: ...)");
	if (check_keys(&v, root, "", top_keys, K_COUNT, k) != 0)
		return -1;
	for (int i = 0; i < K_COUNT; i++)
		if (!k[i] && i < K_LAST)
			return missing(&v, root, top_keys[i], "");
	int automation;
	static const char *const automation_names[] = {"allowed", "manual"};
	if (check_case_id(&v, k[K_CASE], f) != 0 ||
	    get_enum(&v, k[K_AUTOMATION], "automation", automation_names, 2, &automation) != 0 ||
	    get_date(&v, k[K_VALID_UNTIL], "valid_until", &f->valid_until) != 0 ||
	    check_household(&v, k[K_HOUSEHOLD], f) != 0 || check_adults(&v, k[K_ADULTS], f) != 0 ||
	    check_costs(&v, k[K_COSTS], f) != 0 ||
	    get_int(&v, k[K_MONTHS], "months_on_assistance", FRAME_MAX_MONTHS, &f->months_on_assistance) != 0 ||
	    (k[K_LAST] && check_last_decision(&v, k[K_LAST], f) != 0) ||
	    (k[K_SUBLET] && get_bool(&v, k[K_SUBLET], "sublet_without_consent", &f->sublet_without_consent) != 0) ||
	    (k[K_UNLAWFUL] && get_bool(&v, k[K_UNLAWFUL], "not_lawfully_resident", &f->not_lawfully_resident) != 0) ||
	    (k[K_LIMIT_EXCEPTION] && check_limit_exception(&v, k[K_LIMIT_EXCEPTION], f) != 0) ||
	    (k[K_PROTECTED] && get_bool(&v, k[K_PROTECTED], "protected", &f->protected_identity) != 0))
		return -1;
	f->automation_allowed = automation == 0;
	return 0;
}

/* ---- entry points ---- */

static const struct ylimits frame_limits = {.max_bytes = FRAME_MAX_BYTES, .max_depth = FRAME_MAX_DEPTH};

int case_frame_parse_yaml(const char *name, const char *data, size_t len, struct case_frame *out,
			  struct ebba_err *err)
{
	struct ydoc *d = ydoc_parse(name ? name : "frame", data, len, &frame_limits, err);
	if (!d)
		return -1;
	int rc = case_frame_from_tree(d, d->root, out, err);
	ydoc_free(d);
	return rc;
}

int case_frame_load(const char *path, struct case_frame *out, struct ebba_err *err)
{
	struct ydoc *d = ydoc_load(path, &frame_limits, err);
	if (!d)
		return -1;
	int rc = case_frame_from_tree(d, d->root, out, err);
	ydoc_free(d);
	return rc;
}

int case_frame_from_json(const char *json, size_t len, struct case_frame *out,
			 struct ebba_err *err)
{
	if (len > FRAME_MAX_BYTES)
		return ebba_errf(err, "frame JSON: %zu bytes, larger than the limit of %u bytes", len,
				 FRAME_MAX_BYTES);
	json_error_t je;
	json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		for (char *c = je.text; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = ' ';
		pnr_scrub(je.text);
		return ebba_errf(err, "frame JSON:%d:%d: %s", je.line, je.column, je.text);
	}
	int rc = case_frame_from_json_value(j, out, err);
	json_decref(j);
	return rc;
}

int case_frame_from_json_value(json_t *j, struct case_frame *out, struct ebba_err *err)
{
	struct ydoc *d = ydoc_new("frame JSON");
	int rc = json_node(d, j, ydoc_set_root(d, YN_SCALAR), 0, err);
	if (rc == 0)
		rc = case_frame_from_tree(d, d->root, out, err);
	ydoc_free(d);
	return rc;
}

static json_t *jint(int64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *jint(int64_t v);

static void date_text(const struct date *d, char out[16])
{
	snprintf(out, 16, "%04d-%02d-%02d", d->year % 10000, d->month % 100, d->day % 100);
}

static void aktivitetskrav_to_json(const struct frame_aktivitetskrav *ak, json_t *ao)
{
	char d1[16], d2[16];
	if (ak->hours_able >= 0)
		json_object_set_new(ao, "hours_able", jint(ak->hours_able));
	if (ak->occupation[0]) {
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string(ak->occupation));
		if (ak->occupation_full_time)
			json_object_set_new(o, "full_time", json_true());
		else
			json_object_set_new(o, "hours", jint(ak->occupation_hours));
		json_object_set_new(ao, "occupation", o);
	}
	if (ak->studies)
		json_object_set_new(ao, "studies", json_true());
	if (ak->sickness_percent >= 0)
		json_object_set_new(ao, "sickness_benefit_percent", jint(ak->sickness_percent));
	if (ak->parental_leave)
		json_object_set_new(ao, "parental_leave", json_true());
	if (ak->formedlingsinsatser)
		json_object_set_new(ao, "formedlingsinsatser", json_true());
	if (ak->job_search_hours)
		json_object_set_new(ao, "job_search_hours", jint(ak->job_search_hours));
	if (ak->other_duties_hours)
		json_object_set_new(ao, "other_duties_hours", jint(ak->other_duties_hours));
	if (ak->n_breaks) {
		json_t *l = json_array();
		for (size_t i = 0; i < ak->n_breaks; i++) {
			date_text(&ak->breaks[i].from, d1);
			date_text(&ak->breaks[i].to, d2);
			json_array_append_new(l, json_pack("{s:s, s:s}", "from", d1, "to", d2));
		}
		json_object_set_new(ao, "activity_breaks", l);
	}
}

char *case_frame_to_json(const struct case_frame *f)
{
	char date[16];
	json_t *o = json_object();
	json_object_set_new(o, "case", json_string(f->case_id));
	json_object_set_new(o, "automation", json_string(f->automation_allowed ? "allowed" : "manual"));
	snprintf(date, sizeof(date), "%04d-%02d-%02d", f->valid_until.year, f->valid_until.month,
		 f->valid_until.day);
	json_object_set_new(o, "valid_until", json_string(date));
	json_t *h = json_array();
	for (size_t i = 0; i < f->n_household; i++)
		json_array_append_new(h, json_string(f->household[i]));
	json_object_set_new(o, "household", h);
	json_t *adults = json_object();
	for (size_t i = 0; i < f->n_adults; i++) {
		const struct frame_adult *a = &f->adults[i];
		json_t *ao = json_object();
		json_object_set_new(ao, "capacity", json_string(capacity_names[a->capacity]));
		json_object_set_new(ao, "plan", json_string(plan_names[a->plan]));
		if (a->reason[0])
			json_object_set_new(ao, "reason", json_string(a->reason));
		if (a->jobbstimulans_from[0])
			json_object_set_new(ao, "jobbstimulans_from", json_string(a->jobbstimulans_from));
		aktivitetskrav_to_json(&a->ak, ao);
		json_object_set_new(adults, a->pnr, ao);
	}
	json_object_set_new(o, "adults", adults);
	json_t *costs = json_object();
	for (int t = 0; t < COST_TYPE_COUNT; t++)
		if (f->cost_approved[t])
			json_object_set_new(costs, cost_type_name((enum cost_type)t), jint(f->approved_costs[t]));
	json_object_set_new(o, "approved_costs", costs);
	json_object_set_new(o, "months_on_assistance", jint(f->months_on_assistance));
	if (f->has_last_decision) {
		json_t *ld = json_object();
		json_object_set_new(ld, "period", json_string(f->last_period));
		json_object_set_new(ld, "amount", jint(f->last_amount));
		json_object_set_new(o, "last_decision", ld);
	}
	if (f->sublet_without_consent)
		json_object_set_new(o, "sublet_without_consent", json_true());
	if (f->not_lawfully_resident)
		json_object_set_new(o, "not_lawfully_resident", json_true());
	if (f->has_limit_exception) {
		char d[16];
		date_text(&f->limit_exception_decided, d);
		json_object_set_new(o, "limit_exception",
				    json_pack("{s:s, s:s}", "decided", d, "note", f->limit_exception_note));
	}
	if (f->protected_identity)
		json_object_set_new(o, "protected", json_true());
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		abort();   /* only on out of memory */
	char *copy = xstrdup(s);   /* ours to free() whatever jansson's allocator is */
	free(s);
	return copy;
}

/* A reason as a YAML scalar: plain when that is safe, else double-quoted. */
static void yaml_scalar(struct ebba_buf *b, const char *s)
{
	bool plain = s[0] && strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) == NULL;
	for (const unsigned char *p = (const unsigned char *)s; plain && *p; p++)
		plain = *p >= 0x80 || (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= 'a' && *p <= 'z') || *p == ' ' || *p == '_' || *p == '-' || *p == '.';
	size_t len = strlen(s);
	if (plain && s[len - 1] != ' ' && !strchr("0123456789", s[0]) &&
	    strcmp(s, "true") != 0 && strcmp(s, "false") != 0 && strcmp(s, "null") != 0 &&
	    strcmp(s, "yes") != 0 && strcmp(s, "no") != 0 && strcmp(s, "~") != 0) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02X", *p);
		else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
}

static void aktivitetskrav_to_yaml(const struct frame_aktivitetskrav *ak, struct ebba_buf *b)
{
	char d1[16], d2[16];
	if (ak->hours_able >= 0)
		buf_printf(b, ", hours_able: %d", ak->hours_able);
	if (ak->occupation[0] && ak->occupation_full_time)
		buf_printf(b, ", occupation: { type: %s, full_time: true }", ak->occupation);
	else if (ak->occupation[0])
		buf_printf(b, ", occupation: { type: %s, hours: %d }", ak->occupation, ak->occupation_hours);
	if (ak->studies)
		buf_puts(b, ", studies: true");
	if (ak->sickness_percent >= 0)
		buf_printf(b, ", sickness_benefit_percent: %d", ak->sickness_percent);
	if (ak->parental_leave)
		buf_puts(b, ", parental_leave: true");
	if (ak->formedlingsinsatser)
		buf_puts(b, ", formedlingsinsatser: true");
	if (ak->job_search_hours)
		buf_printf(b, ", job_search_hours: %d", ak->job_search_hours);
	if (ak->other_duties_hours)
		buf_printf(b, ", other_duties_hours: %d", ak->other_duties_hours);
	if (ak->n_breaks) {
		buf_puts(b, ", activity_breaks: [");
		for (size_t i = 0; i < ak->n_breaks; i++) {
			date_text(&ak->breaks[i].from, d1);
			date_text(&ak->breaks[i].to, d2);
			buf_printf(b, "%s{ from: %s, to: %s }", i ? ", " : "", d1, d2);
		}
		buf_putc(b, ']');
	}
}

char *case_frame_to_yaml(const struct case_frame *f)
{
	struct ebba_buf b = {0};
	/* Quoted when needed: a case id may end in ":" (found by fuzzing). */
	buf_puts(&b, "case: ");
	yaml_scalar(&b, f->case_id);
	buf_putc(&b, '\n');
	buf_printf(&b, "automation: %s\n", f->automation_allowed ? "allowed" : "manual");
	buf_printf(&b, "valid_until: %04d-%02d-%02d\n", f->valid_until.year, f->valid_until.month,
		   f->valid_until.day);
	buf_puts(&b, "household: [");
	for (size_t i = 0; i < f->n_household; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", f->household[i]);
	buf_puts(&b, "]\n");
	buf_puts(&b, f->n_adults ? "adults:\n" : "adults: {}\n");
	for (size_t i = 0; i < f->n_adults; i++) {
		const struct frame_adult *a = &f->adults[i];
		buf_printf(&b, "  %s: { capacity: %s, plan: %s", a->pnr, capacity_names[a->capacity],
			   plan_names[a->plan]);
		if (a->reason[0]) {
			buf_puts(&b, ", reason: ");
			yaml_scalar(&b, a->reason);
		}
		if (a->jobbstimulans_from[0])
			buf_printf(&b, ", jobbstimulans_from: %s", a->jobbstimulans_from);
		aktivitetskrav_to_yaml(&a->ak, &b);
		buf_puts(&b, " }\n");
	}
	bool any = false;
	for (int t = 0; t < COST_TYPE_COUNT; t++)
		any |= f->cost_approved[t];
	buf_puts(&b, any ? "approved_costs:\n" : "approved_costs: {}\n");
	for (int t = 0; t < COST_TYPE_COUNT; t++)
		if (f->cost_approved[t])
			buf_printf(&b, "  %s: %lld\n", cost_type_name((enum cost_type)t),
				   (long long)f->approved_costs[t]);
	buf_printf(&b, "months_on_assistance: %lld\n", (long long)f->months_on_assistance);
	if (f->has_last_decision)
		buf_printf(&b, "last_decision: { period: %s, amount: %lld }\n", f->last_period,
			   (long long)f->last_amount);
	if (f->sublet_without_consent)
		buf_puts(&b, "sublet_without_consent: true\n");
	if (f->not_lawfully_resident)
		buf_puts(&b, "not_lawfully_resident: true\n");
	if (f->has_limit_exception) {
		char d[16];
		date_text(&f->limit_exception_decided, d);
		buf_printf(&b, "limit_exception: { decided: %s, note: ", d);
		yaml_scalar(&b, f->limit_exception_note);
		buf_puts(&b, " }\n");
	}
	if (f->protected_identity)
		buf_puts(&b, "protected: true\n");
	return buf_steal(&b);
}

bool case_frame_in_household(const struct case_frame *f, const char *pnr)
{
	for (size_t i = 0; i < f->n_household; i++)
		if (strcmp(f->household[i], pnr) == 0)
			return true;
	return false;
}

const struct frame_adult *case_frame_adult(const struct case_frame *f, const char *pnr)
{
	for (size_t i = 0; i < f->n_adults; i++)
		if (strcmp(f->adults[i].pnr, pnr) == 0)
			return &f->adults[i];
	return NULL;
}
