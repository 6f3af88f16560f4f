/* ebbactl db migrate | db version */
#include <stdio.h>
#include <string.h>

#include "ebba/lib/config.h"
#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/db.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: ebbactl db migrate   create or upgrade ebba's schema\n"
		     "       ebbactl db version   print the schema version\n");
}

int ctl_db(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	if (argc != 2 || (strcmp(argv[1], "migrate") != 0 && strcmp(argv[1], "version") != 0)) {
		usage(stderr);
		return CTL_USAGE;
	}
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	struct ebba_err err;
	int from = 0, to = 0, rc = CTL_OK;
	if (strcmp(argv[1], "version") == 0) {
		if (store_db_schema_version(conn, &from, &err) != 0)
			rc = ctl_fail(CTL_USAGE, "ebbactl db version: %s", err.msg);
		else
			printf("%d\n", from);
	} else if (store_db_migrate(conn, &from, &to, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl db migrate: %s", err.msg);
	} else if (from == to) {
		printf("schema is up to date (version %d)\n", to);
	} else {
		printf("schema migrated from version %d to %d\n", from, to);
	}
	PQfinish(conn);
	return rc;
}
