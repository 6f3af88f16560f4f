/*
 * Hushåll (issue 29, item 4): one case over time, /hushall/CASE.  Every
 * month's applications and decisions (who decided, a caseworker's
 * decision on ebba's referral, audit flags), the amount granted month by
 * month as a chart (svg_chart.c) with its table, and the frame's history:
 * each version, who wrote it and which parts it changed.  The view and its
 * access-log row are one statement (store/web_household.c).  Identity numbers
 * are not shown: the household is the case's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/intake/case_frame.h"
#include "ebba/store/web_household.h"
#include "pages.h"
#include "svg_chart.h"

/* The frame's parts in the words of Referensram (page_frame.c). */
static const char *sv_frame_part(const char *key)
{
	static const struct {
		const char *code, *sv;
	} w[] = {
		{"case", "Ärendenummer"}, {"automation", "Handläggning"},
		{"valid_until", "Giltig till och med"}, {"household", "Hushållet"},
		{"adults", "De vuxnas förutsättningar"}, {"approved_costs", "Godkända kostnader"},
		{"months_on_assistance", "Månader med bistånd"}, {"last_decision", "Senaste beslut"},
		{"sublet_without_consent", "Andrahandsuthyrning utan samtycke"},
		{"not_lawfully_resident", "Ej lagligen bosatt"}, {"limit_exception", "Undantag från gränsen"},
	};
	for (size_t i = 0; key && i < ARRAY_LEN(w); i++)
		if (strcmp(w[i].code, key) == 0)
			return w[i].sv;
	return key ? key : "";
}

static const struct chart_series amount_series[] = {{"Beviljat belopp", "c0"}};

/* Whether a month's last decision grants its amount (a referral's amount is
 * only what ebba computed, a rejection's nothing). */
static bool grants(enum outcome o)
{
	return o == OUTCOME_APPROVED || o == OUTCOME_PARTLY_APPROVED;
}

/* The chart of the months' granted amounts (0 for a month not granted). */
static json_t *amount_chart(const struct web_household_view *v)
{
	size_t n = v->n_months;
	if (!n)
		return NULL;
	const char **cats = xcalloc(n, sizeof(*cats));
	double *values = xcalloc(n, sizeof(*values));
	for (size_t i = 0; i < n; i++) {
		const struct web_household_month *m = &v->months[i];
		cats[i] = m->period;
		if (grants(m->outcome) && m->has_amount)
			values[i] = (double)m->amount;
	}
	/* no unit after the numbers: " kr" on every tick would not fit the
	 * chart's left margin; the title says kronor */
	struct chart ch = {"diagram-belopp", "Beviljat belopp per månad, kronor", "", 0, cats, n,
			   amount_series, 1, values, NULL, -1, NULL};
	json_t *chart = chart_json(&ch);
	free(cats);
	free(values);
	return chart;
}

static json_t *decision_json(const struct web_household_decision *d)
{
	json_t *flags = json_array();
	for (size_t k = 0; k < d->n_flags; k++) {
		const struct web_household_flag *f = &d->flags[k];
		json_t *verdict = !f->has_verdict ? json_string("")
				  : f->verdict_note ? json_sprintf("%s: %s", audit_verdict_sv(f->verdict), f->verdict_note)
						    : json_string(audit_verdict_sv(f->verdict));
		json_array_append_new(flags, json_pack("{s:s,s:b,s:o}",
			"label", sv_flag(decision_flag_kind_name(f->kind)), "open", f->open,
			"verdict_label", verdict));
	}
	return json_pack("{s:I,s:s,s:o,s:s,s:s?,s:b,s:s,s:o,s:o}", "id", (json_int_t)d->id,
			 "outcome_label", outcome_sv(d->outcome), "amount",
			 kr_json(d->has_amount, d->amount), "decided_by", d->decided_by,
			 "decider", d->decider, "by_ebba", d->by_ebba, "decided_at", d->decided_at,
			 "reviews", d->has_reviews ? json_integer((json_int_t)d->reviews) : json_null(),
			 "flags", flags);
}

static json_t *months_json(const struct web_household_view *v)
{
	json_t *months = json_array();
	for (size_t i = 0; i < v->n_months; i++) {
		const struct web_household_month *m = &v->months[i];
		json_t *decisions = json_array();
		for (size_t j = 0; j < m->n_decisions; j++)
			json_array_append_new(decisions, decision_json(&m->decisions[j]));
		json_t *granted = grants(m->outcome) && m->has_amount
					  ? kr_json(true, m->amount) : json_string("–");
		json_array_append_new(months, json_pack("{s:s,s:s,s:o,s:o}", "period", m->period,
			"outcome_label", outcome_sv(m->outcome), "granted", granted,
			"decisions", decisions));
	}
	return months;
}

static json_t *versions_json(const struct web_household_view *v)
{
	json_t *versions = json_array();
	for (size_t i = 0; i < v->n_versions; i++) {
		const struct web_household_version *x = &v->versions[i];
		json_t *words = json_array();
		for (size_t j = 0; j < x->n_changed; j++)
			json_array_append_new(words, json_string(sv_frame_part(x->changed[j])));
		json_array_append_new(versions, json_pack("{s:I,s:s,s:s,s:s?,s:o,s:b}",
			"version", (json_int_t)x->version, "updated_at", x->updated_at,
			"updated_by", x->updated_by, "updater", x->updater,
			"changed_words", words, "first", x->version == 1));
	}
	return versions;
}

/* The template's context, from the view and nothing else. */
static json_t *household_context(const struct web_household_view *v)
{
	json_t *ctx = json_pack("{s:s,s:o,s:o,s:b,s:b}", "case_id", v->case_id,
				"months", months_json(v), "versions", versions_json(v),
				"has_months", v->n_months > 0, "has_versions", v->n_versions > 0);
	json_t *chart = amount_chart(v);
	if (chart)
		json_object_set_new(ctx, "chart", chart);
	return ctx;
}

int page_household(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *id = rq->tail ? rq->tail : "";
	if (!*id || strlen(id) > FRAME_ID_MAX || strchr(id, '/'))
		return page_not_found(rq, rs, "Det finns inget sådant ärende.", err);
	struct web_household_view v;
	bool found;
	if (store_web_household(rq->db, id, rq->client, &v, &found, err) != 0) {
		store_web_household_view_free(&v);
		return -1;
	}
	if (!found)
		return page_not_found(rq, rs, "Det finns inget sådant ärende som du kan se.", err);
	json_t *ctx = household_context(&v);
	store_web_household_view_free(&v);
	char title[96];
	snprintf(title, sizeof(title), "Hushåll %s", id);
	int rc = web_page(rq, rs, title, "household", ctx, err);
	json_decref(ctx);
	return rc;
}
