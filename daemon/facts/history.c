/*
 * The case's history of the year (include/ebba/facts/history.h): building
 * it, summing a person's income over it, and its JSON form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ebba/facts/history.h"
#include "ebba/lib/date.h"
#include "ebba/lib/util.h"
#include "ebba/lib/outcome.h"

#define HISTORY_MAX_FILE_BYTES (1u << 20)

void case_history_window(const char *period, char from[8], int *year)
{
	char im[8];
	date_prev_month(period, im, NULL);
	memcpy(from, im, 4);
	memcpy(from + 4, "-02", 4);
	*year = atoi(im);
}

void case_history_init(struct case_history *h, const char *period)
{
	char from[8];
	h->n_decisions = 0;
	h->n_incomes = 0;
	case_history_window(period, from, &h->year);
}

static bool known_outcome(const char *s)
{
	enum outcome o;
	return outcome_parse(s, &o);
}

int case_history_add_decision(struct case_history *h, const char *period, const char *outcome,
			      bool has_amount, int64_t amount, const char *by,
			      struct ebba_err *err)
{
	if (h->n_decisions == HISTORY_MAX_DECISIONS)
		return ebba_errf(err, "history: more than %d decisions", HISTORY_MAX_DECISIONS);
	if (!period || !date_is_month(period))
		return ebba_errf(err, "history: period '%.16s' is not YYYY-MM", period ? period : "");
	if (!outcome || !known_outcome(outcome))
		return ebba_errf(err, "history %s: outcome '%.16s' is not approved|partly_approved|referred|rejected",
				 period, outcome ? outcome : "");
	struct history_decision *d = &h->decisions[h->n_decisions++];
	*d = (struct history_decision){.has_amount = has_amount, .amount = has_amount ? amount : 0};
	memcpy(d->period, period, 8);
	snprintf(d->outcome, sizeof(d->outcome), "%s", outcome);
	snprintf(d->by, sizeof(d->by), "%s", by && by[0] ? by : "ebba");
	return 0;
}

int case_history_add_income(struct case_history *h, const char *pnr, enum income_type type,
			    int64_t amount, struct ebba_err *err)
{
	if (h->n_decisions == 0)
		return ebba_errf(err, "history: an income without a decision");
	if (amount <= 0)
		return 0;
	if (h->n_incomes == HISTORY_MAX_INCOMES)
		return ebba_errf(err, "history: more than %d incomes", HISTORY_MAX_INCOMES);
	struct history_income *in = &h->incomes[h->n_incomes++];
	*in = (struct history_income){.decision = h->n_decisions - 1, .type = type, .amount = amount};
	memcpy(in->pnr, pnr, PNR_BUF);
	in->pnr[PNR_BUF - 1] = '\0';
	return 0;
}

int case_history_add_application(struct case_history *h, const struct application *app,
				 struct ebba_err *err)
{
	for (size_t k = 0; k < app->n_incomes; k++) {
		const struct app_income *ai = &app->incomes[k];
		if (case_history_add_income(h, app->persons[ai->person].pnr, ai->type, ai->amount,
					    err) != 0)
			return -1;
	}
	return 0;
}

/* The decision that gives period's incomes: the first of the period with any. */
static bool gives_incomes(const struct case_history *h, size_t d)
{
	const char *period = h->decisions[d].period;
	for (size_t k = 0; k < h->n_incomes; k++) {
		size_t o = h->incomes[k].decision;
		if (strcmp(h->decisions[o].period, period) == 0)
			return o == d;
	}
	return false;
}

int64_t case_history_income(const struct case_history *h, const char *pnr, enum income_type type)
{
	int64_t sum = 0;
	for (size_t k = 0; k < h->n_incomes; k++) {
		const struct history_income *in = &h->incomes[k];
		if (in->type == type && strcmp(in->pnr, pnr) == 0 && gives_incomes(h, in->decision))
			sum += in->amount;
	}
	return sum;
}

/* ------------------------------------------------------------- JSON */

char *case_history_to_json(const struct case_history *h)
{
	json_t *o = json_object();
	json_object_set_new(o, "year", json_integer(h->year));
	json_t *ds = json_array();
	for (size_t i = 0; i < h->n_decisions; i++) {
		const struct history_decision *d = &h->decisions[i];
		json_t *incomes = json_object();
		for (size_t k = 0; k < h->n_incomes; k++) {
			const struct history_income *in = &h->incomes[k];
			if (in->decision != i)
				continue;
			json_t *p = json_object_get(incomes, in->pnr);
			if (!p) {
				p = json_object();
				json_object_set_new(incomes, in->pnr, p);
			}
			const char *t = income_type_name(in->type);
			json_int_t prev = json_integer_value(json_object_get(p, t));
			json_object_set_new(p, t, json_integer(prev + (json_int_t)in->amount));
		}
		json_array_append_new(ds, json_pack("{s:s, s:s, s:o, s:s, s:o}", "period", d->period,
			"outcome", d->outcome, "amount",
			d->has_amount ? json_integer((json_int_t)d->amount) : json_null(), "by", d->by,
			"incomes", incomes));
	}
	json_object_set_new(o, "decisions", ds);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static int person_incomes(const char *name, const char *period, const char *pnr_text,
			  json_t *types, struct case_history *h, struct ebba_err *err)
{
	struct pnr p;
	if (pnr_parse(pnr_text, strlen(pnr_text), &p, err) != 0)
		return ebba_err_prefix(err, "%s: decision %s: incomes", name, period);
	if (!json_is_object(types))
		return ebba_errf(err, "%s: decision %s: incomes of a person must be an object", name,
				 period);
	const char *t;
	json_t *v;
	json_object_foreach(types, t, v) {
		int type = income_type_from_name(t);
		if (type < 0)
			return ebba_errf(err, "%s: decision %s: unknown income type '%.40s'", name,
					 period, t);
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return ebba_errf(err, "%s: decision %s: %s must be whole kronor, not negative",
					 name, period, t);
		if (case_history_add_income(h, p.digits, (enum income_type)type,
					    (int64_t)json_integer_value(v), err) != 0)
			return ebba_err_prefix(err, "%s", name);
	}
	return 0;
}

static int one_decision(const char *name, json_t *d, const char *from, const char *period,
			struct case_history *h, struct ebba_err *err)
{
	const char *p = json_string_value(json_object_get(d, "period"));
	const char *outcome = json_string_value(json_object_get(d, "outcome"));
	const char *by = json_string_value(json_object_get(d, "by"));
	json_t *amount = json_object_get(d, "amount");
	if (!json_is_object(d) || !p)
		return ebba_errf(err, "%s: each decision needs a period", name);
	if (amount && !json_is_null(amount) && !json_is_integer(amount))
		return ebba_errf(err, "%s: decision %.16s: amount must be whole kronor or null", name, p);
	if (date_is_month(p) && (strcmp(p, from) < 0 || strcmp(p, period) >= 0))
		return 0;    /* outside the year's window */
	if (case_history_add_decision(h, p, outcome, json_is_integer(amount),
				      (int64_t)json_integer_value(amount), by, err) != 0)
		return ebba_err_prefix(err, "%s", name);
	json_t *incomes = json_object_get(d, "incomes");
	if (!incomes || json_is_null(incomes))
		return 0;
	if (!json_is_object(incomes))
		return ebba_errf(err, "%s: decision %s: incomes must be an object", name, p);
	const char *pnr;
	json_t *types;
	json_object_foreach(incomes, pnr, types)
		if (person_incomes(name, p, pnr, types, h, err) != 0)
			return -1;
	return 0;
}

int case_history_from_json(const char *name, const char *json, size_t len, const char *period,
			   struct case_history *out, struct ebba_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		pnr_scrub(je.text);
		return ebba_errf(err, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	}
	case_history_init(out, period);
	char from[8];
	int year;
	case_history_window(period, from, &year);
	json_t *ds = json_object_get(j, "decisions");
	int rc = 0;
	if (!json_is_object(j) || !json_is_array(ds)) {
		rc = ebba_errf(err, "%s: expected an object with a list \"decisions\"", name);
	} else {
		size_t i;
		json_t *d;
		json_array_foreach(ds, i, d)
			if ((rc = one_decision(name, d, from, period, out, err)) != 0)
				break;
	}
	json_decref(j);
	return rc;
}

int case_history_load(const char *path, const char *period, struct case_history *out,
		      struct ebba_err *err)
{
	struct ebba_buf b = {0};
	if (read_file_limited(path, HISTORY_MAX_FILE_BYTES, &b, err) != 0)
		return -1;
	int rc = case_history_from_json(path, b.data ? b.data : "", b.len, period, out, err);
	buf_free(&b);
	return rc;
}
