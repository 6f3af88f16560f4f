/*
 * Hushåll (issue 29, item 4): one case over time, /hushall/CASE.  Every
 * month's applications and decisions (who decided, a caseworker's
 * decision on ebba's referral, audit flags), the amount granted month by
 * month as a chart (svg_chart.c) with its table, and the frame's history:
 * each version, who wrote it and which parts it changed.  The view and its
 * access-log row are one statement (store/web_find.c).  Identity numbers
 * are not shown: the household is the case's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/intake/case_frame.h"
#include "ebba/store/web_find.h"
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
static bool grants(const char *outcome)
{
	return outcome && (strcmp(outcome, "approved") == 0 || strcmp(outcome, "partly_approved") == 0);
}

/* The chart of the months' granted amounts (0 for a month not granted). */
static json_t *amount_chart(json_t *months)
{
	size_t n = json_array_size(months), i;
	if (!n)
		return NULL;
	const char **cats = calloc(n, sizeof(*cats));
	double *v = calloc(n, sizeof(*v));
	if (!cats || !v)
		abort();
	json_t *m;
	json_array_foreach(months, i, m) {
		cats[i] = json_string_value(json_object_get(m, "period"));
		if (grants(json_string_value(json_object_get(m, "outcome"))))
			v[i] = (double)json_integer_value(json_object_get(m, "amount_value"));
	}
	/* no unit after the numbers: " kr" on every tick would not fit the
	 * chart's left margin; the title says kronor */
	struct chart ch = {"diagram-belopp", "Beviljat belopp per månad, kronor", "", 0, cats, n,
			   amount_series, 1, v, NULL, -1, NULL};
	json_t *chart = chart_json(&ch);
	free(cats);
	free(v);
	return chart;
}

static void label_months(json_t *months)
{
	size_t i, j;
	json_t *m, *d, *f;
	json_array_foreach(months, i, m) {
		const char *outcome = json_string_value(json_object_get(m, "outcome"));
		json_object_set_new(m, "outcome_label", json_string(sv_outcome(outcome)));
		const char *amount = json_string_value(json_object_get(m, "amount"));
		json_object_set_new(m, "granted", json_string(grants(outcome) && amount ? amount : "–"));
		json_array_foreach(json_object_get(m, "decisions"), j, d) {
			json_object_set_new(d, "outcome_label", json_string(sv_outcome(json_string_value(json_object_get(d, "outcome")))));
			size_t k;
			json_array_foreach(json_object_get(d, "flags"), k, f) {
				json_object_set_new(f, "label", json_string(sv_flag(json_string_value(json_object_get(f, "kind")))));
				json_object_set_new(f, "verdict_label", json_string(sv_verdict(json_string_value(json_object_get(f, "verdict")))));
			}
		}
	}
}

static void label_versions(json_t *versions)
{
	size_t i, j;
	json_t *v, *k;
	json_array_foreach(versions, i, v) {
		json_t *words = json_array();
		json_array_foreach(json_object_get(v, "changed"), j, k)
			json_array_append_new(words, json_string(sv_frame_part(json_string_value(k))));
		json_object_set_new(v, "changed_words", words);
		json_object_set_new(v, "first", json_boolean(json_integer_value(json_object_get(v, "version")) == 1));
	}
}

int page_household(const struct web_request *rq, struct web_response *rs, struct ebba_err *err)
{
	const char *id = rq->tail ? rq->tail : "";
	if (!*id || strlen(id) > FRAME_ID_MAX || strchr(id, '/'))
		return page_not_found(rq, rs, "Det finns inget sådant ärende.", err);
	json_t *ctx;
	if (store_web_household(rq->db, id, rq->client, &ctx, err) != 0)
		return -1;
	if (!ctx)
		return page_not_found(rq, rs, "Det finns inget sådant ärende som du kan se.", err);
	json_t *months = json_object_get(ctx, "months");
	label_months(months);
	label_versions(json_object_get(ctx, "versions"));
	json_t *chart = amount_chart(months);
	if (chart)
		json_object_set_new(ctx, "chart", chart);
	json_object_set_new(ctx, "has_months", json_boolean(json_array_size(months) > 0));
	json_object_set_new(ctx, "has_versions",
			    json_boolean(json_array_size(json_object_get(ctx, "versions")) > 0));
	char title[96];
	snprintf(title, sizeof(title), "Hushåll %s", id);
	int rc = web_page(rq, rs, title, "household", ctx, err);
	json_decref(ctx);
	return rc;
}
