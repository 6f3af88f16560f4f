#include <stdarg.h>
#include <stdio.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/db.h"

#include <jansson.h>

int ctl_fail(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int ctl_load_config(struct ebba_config *cfg)
{
	struct ebba_err err;
	config_defaults(cfg);
	const char *path = ctl_globals.config_path ? ctl_globals.config_path : EBBA_DEFAULT_CONFIG;
	if (config_load(path, ctl_globals.config_path != NULL, cfg, &err) != 0) {
		ctl_fail(CTL_USAGE, "ebbactl: %s", err.msg);
		config_free(cfg);
		return -1;
	}
	return 0;
}

PGconn *ctl_connect(void)
{
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return NULL;
	struct ebba_err err;
	PGconn *conn = db_connect(cfg.database, "ebbactl", cfg.statement_timeout_ms, &err);
	if (!conn)
		ctl_fail(CTL_USAGE, "ebbactl: %s", err.msg);
	config_free(&cfg);
	return conn;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void print_amount(const char *key, const json_t *v)
{
	if (ctl_globals.porcelain) {
		if (json_is_integer(v))
			printf("%s\t%lld\n", key, (long long)json_integer_value(v));
		return;
	}
	if (json_is_integer(v))
		printf("%-10s %lld kr\n", key, (long long)json_integer_value(v));
}

void ctl_print_decision(const json_t *d)
{
	if (ctl_globals.porcelain)
		printf("outcome\t%s\n", jstr(d, "outcome"));
	else
		printf("%-10s %s\n", "outcome", jstr(d, "outcome"));
	print_amount("amount", json_object_get(d, "amount"));
	print_amount("norm", json_object_get(d, "norm"));
	print_amount("costs", json_object_get(d, "costs"));
	print_amount("incomes", json_object_get(d, "incomes"));
	size_t i;
	json_t *c;
	if (!ctl_globals.porcelain)
		printf("\nchecks (rule set %s %s):\n", jstr(d, "ruleset_name"), jstr(d, "ruleset_version"));
	json_array_foreach(json_object_get(d, "checks"), i, c) {
		if (ctl_globals.porcelain)
			printf("check\t%s\t%s\t%s\n", jstr(c, "id"), jstr(c, "result"), jstr(c, "message"));
		else
			printf("  %-5s %-28s %s\n", jstr(c, "result"), jstr(c, "id"), jstr(c, "message"));
	}
	json_array_foreach(json_object_get(d, "flags"), i, c) {
		if (ctl_globals.porcelain)
			printf("flag\t%s\t%s\n", jstr(c, "kind"), jstr(c, "reason"));
		else
			printf("flag       %s: %s\n", jstr(c, "kind"), jstr(c, "reason"));
	}
	if (!ctl_globals.porcelain && json_object_get(d, "letter"))
		printf("\nletter:\n%s\n", jstr(d, "letter"));
}
