#include <stdarg.h>
#include <stdio.h>

#include "ebba/ctl.h"
#include "ebba/ctl_common.h"
#include "ebba/db.h"

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
