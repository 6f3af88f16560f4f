/*
 * The Beslut page of a person's decision (issue 25): what was decided on
 * each line and why (the catalogue's sentence and provision, never an id),
 * who decided by name and title, what ebba had proposed and why it
 * referred, and whether the rule set that computed differs from the one
 * that referred.  decision_ctx calls person_decision_ctx for every
 * decision; it adds nothing to ebba's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision.h"
#include "ebba/intake/application.h"
#include "ebba/lib/date.h"
#include "ebba/rules/rules.h"
#include "server.h"

static const char *const COST_SV[COST_TYPE_COUNT] = {
	[COST_RENT] = "Hyra", [COST_ELECTRICITY] = "Hushållsel", [COST_HOME_INSURANCE] = "Hemförsäkring",
	[COST_UNION_FEE] = "Fackavgift", [COST_UNEMPLOYMENT_INSURANCE_FEE] = "Avgift till a-kassa",
	[COST_WORK_TRAVEL] = "Resor till och från arbetet", [COST_CHILDCARE] = "Barnomsorg",
	[COST_MEDICAL] = "Läkarvård", [COST_MEDICINE] = "Medicin",
	[COST_DENTAL_EMERGENCY] = "Akut tandvård", [COST_OTHER] = "Annan kostnad",
};

static void kr(json_int_t v, char out[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? -v : v));
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0) {
			memcpy(out + o, "\u00a0", 2);
			o += 2;
		}
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* The reason's sentence and provision in words, or "" (an id is never shown). */
static void reason_words(const struct ruleset *rs, const char *id, char *out, size_t len)
{
	struct ruleset_reason_view r;
	char today[DATE_BUF];
	date_today_local(today);
	out[0] = '\0';
	if (rs && id && ruleset_reason_by_id(rs, id, today, &r))
		snprintf(out, len, "%s%s%s%s", r.text, r.provision ? " (" : "", r.provision ? r.provision : "",
			 r.provision ? ")" : "");
}

static json_t *line_json(const struct ruleset *rs, const json_t *l, const json_t *referral)
{
	char what[600], why[1200];
	const char *kind = json_string_value(json_object_get(l, "kind"));
	reason_words(rs, json_string_value(json_object_get(l, "reason")), why, sizeof(why));
	bool refused = false;
	if (kind && strcmp(kind, "cost") == 0) {
		int t = cost_type_from_name(json_string_value(json_object_get(l, "type")));
		json_int_t acc = json_integer_value(json_object_get(l, "accepted"));
		json_int_t app = json_integer_value(json_object_get(l, "applied"));
		char a[32], b[32];
		kr(acc, a);
		kr(app, b);
		refused = acc < app;
		snprintf(what, sizeof(what), "%s: godtas upp till %s kr (ansökt %s kr)", t < 0 ? "Kostnad" : COST_SV[t], a, b);
	} else {
		const char *v = json_string_value(json_object_get(l, "verdict"));
		refused = v && strcmp(v, "reject") == 0;
		snprintf(what, sizeof(what), "%s kontroll%s", refused ? "Avslag på" : "Godtar",
			 json_array_size(json_object_get(referral, "failed")) ? " som hänvisade ärendet" : "");
	}
	return json_pack("{s:s,s:s,s:b}", "what", what, "why", why, "refused", refused);
}

void person_decision_ctx(json_t *d)
{
	const json_t *f = json_object_get(d, "findings");
	if (!json_is_integer(json_object_get(d, "reviewed")))
		return;
	json_object_set_new(d, "by_person", json_true());
	if (!json_is_object(f))
		return;     /* decided before line by line: the note says why */
	struct ruleset *rs = NULL;
	struct ebba_err e;
	if (ruleset_load(server_config()->rules_dir, &rs, NULL, &e) != 0)
		rs = NULL;
	const json_t *referral = json_object_get(d, "referral");
	json_t *lines = json_array();
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(f, "lines"), i, l)
		json_array_append_new(lines, line_json(rs, l, referral));
	const char *whole = json_string_value(json_object_get(f, "reason"));
	if (whole) {
		char why[1200];
		reason_words(rs, whole, why, sizeof(why));
		json_array_append_new(lines, json_pack("{s:s,s:s,s:b}", "what", "Hela ansökan avslås", "why", why,
						       "refused", 1));
	}
	json_object_set_new(d, "person_lines", lines);
	json_object_set_new(d, "ruleset_differs",
			    json_boolean(json_is_true(json_object_get(f, "ruleset_differs"))));
	ruleset_free(rs);
}
