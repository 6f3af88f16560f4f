/*
 * Check ids in words (check_words.h).  Loading a rule set compiles every
 * expression, so the descriptions are read once and kept, a copy per
 * minute at most; a rule set that does not load keeps the last words.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "check_words.h"
#include "ebba/rules/rules.h"
#include "request.h"

/* ebba's own guards (rules_eval.c), which no rule file describes. */
static const char *const OWN[][2] = {
	{"calculation", "Beloppet kunde beräknas"},
	{"calculation-notes", "Beräkningens rader om inkomster som inte räknas kunde skrivas"},
	{"calculation-lines", "Beräkningens rader går ihop med beloppen"},
	{"ebba-amount-positive", "Beräknat belopp är större än noll"},
	{RULE_DELEGATION_CHECK, "En delegation för automatiskt beslut gäller"},
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *cached;
static time_t read_at;

static json_t *load(void)
{
	json_t *w = json_object();
	for (size_t i = 0; i < sizeof(OWN) / sizeof(OWN[0]); i++)
		json_object_set_new(w, OWN[i][0], json_string(OWN[i][1]));
	struct ruleset *rs = NULL;
	struct ebba_err e = {{0}};
	const struct ebba_config *cfg = request_config();
	if (!cfg || ruleset_load(cfg->rules_dir, &rs, NULL, &e) != 0) {
		json_decref(w);
		return NULL;
	}
	struct ruleset_check_view c;
	for (size_t i = 0; ruleset_check(rs, i, &c) == 0; i++)
		if (c.description && *c.description)
			json_object_set_new(w, c.id, json_string(c.description));
	ruleset_free(rs);
	return w;
}

json_t *check_words(void)
{
	pthread_mutex_lock(&lock);
	time_t now = time(NULL);
	if (!cached || now - read_at >= 60) {
		json_t *w = load();
		if (w) {
			json_decref(cached);
			cached = w;
		}
		read_at = now;
	}
	json_t *copy = cached ? json_deep_copy(cached) : json_object();
	pthread_mutex_unlock(&lock);
	return copy;
}

const char *check_word(const json_t *words, const char *id)
{
	const char *s = json_string_value(json_object_get(words, id ? id : ""));
	return s ? s : "En kontroll som inte finns i de regler som gäller nu";
}
