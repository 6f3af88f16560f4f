#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/db.h"

int ctl_fail(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int ctl_usage_first(int argc, char **argv, void (*usage)(FILE *out))
{
	if (argc >= 2 && !ctl_wants_help(argc, argv))
		return -1;
	usage(argc < 2 ? stderr : stdout);
	return argc < 2 ? CTL_USAGE : CTL_OK;
}

const char *ctl_name_and_role(int argc, char **argv, const char **role)
{
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'r')
			return NULL;
		*role = optarg;
	}
	return optind == argc - 1 ? argv[optind] : NULL;
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
	PGconn *conn = store_db_connect(cfg.database, "ebbactl", cfg.statement_timeout_ms, &err);
	if (!conn)
		ctl_fail(CTL_USAGE, "ebbactl: %s", err.msg);
	config_free(&cfg);
	return conn;
}

static void print_amount(const char *key, bool has, int64_t v)
{
	if (!has)
		return;
	if (ctl_globals.porcelain)
		printf("%s\t%lld\n", key, (long long)v);
	else
		printf("%-10s %lld kr\n", key, (long long)v);
}

void ctl_print_decision(const struct decision *d)
{
	if (ctl_globals.porcelain)
		printf("outcome\t%s\n", d->outcome);
	else
		printf("%-10s %s\n", "outcome", d->outcome);
	print_amount("amount", d->has_amount, d->amount);
	print_amount("norm", d->has_amount, d->norm);
	print_amount("costs", d->has_amount, d->costs);
	print_amount("incomes", d->has_amount, d->incomes);
	for (size_t i = 0; i < d->n_notes; i++) {
		if (ctl_globals.porcelain)
			printf("note\t%s\n", d->notes[i]);
		else
			printf("%-10s %s\n", i ? "" : "notes", d->notes[i]);
	}
	if (!ctl_globals.porcelain)
		printf("\nchecks (rule set %s %s):\n", d->ruleset_name, d->ruleset_version);
	for (size_t i = 0; i < d->n_checks; i++) {
		const struct decision_check *c = &d->checks[i];
		const char *result = rule_result_name(c->result);
		if (ctl_globals.porcelain)
			printf("check\t%s\t%s\t%s\n", c->id, result, c->message);
		else
			printf("  %-5s %-28s %s\n", result, c->id, c->message);
	}
	for (size_t i = 0; i < d->n_flags; i++) {
		const char *kind = decision_flag_kind_name(d->flags[i].kind);
		if (ctl_globals.porcelain)
			printf("flag\t%s\t%s\n", kind, d->flags[i].reason);
		else
			printf("flag       %s: %s\n", kind, d->flags[i].reason);
	}
	if (!ctl_globals.porcelain && d->letter)
		printf("\nletter:\n%s\n", d->letter);
}
