/*
 * ebbactl case set FILE.yaml | case show CASE | case protect CASE | case unprotect CASE
 *
 * The frame is stored twice: as validated JSON (what the daemon reads) and
 * as the YAML the caseworker wrote (what a person reads back).  `show`
 * prints the stored YAML re-rendered from the JSON, so what is shown is
 * exactly what the daemon will use.  Both write their access_log row:
 * set in the same statement as the frame (store_frames_put), show before it
 * prints.
 *
 * ebbactl case hold CASE --reason TEXT | case release CASE
 *
 * A legal hold keeps a case from retention whatever its age (ebba.case_holds,
 * schema 025); who held and released it is the database's answer.
 *
 * ebbactl case take CASE | case untake CASE
 *
 * Who is on a case (ebba.case_assignments, schema 028), for scripts: the
 * same functions as Ta ärendet and Släpp ärendet in ebba-web, so the one
 * live assignment per case holds here too, and who took it is the
 * connection's person.  ("release" is the hold's word already.)
 *
 * protect / unprotect set or lift a protected identity by hand (schema
 * 023): only a member of ebba_protected may, which the database decides;
 * the change is logged there (ebba.case_protection_log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/intake/case_frame.h"
#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/access_log.h"
#include "ebba/store/assign.h"
#include "ebba/store/db.h"
#include "ebba/store/frames.h"
#include "ebba/store/retention.h"
#include "ebba/lib/pnr.h"
#include "ebba/store/protection.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: ebbactl case set FILE.yaml   validate a case frame and store it\n"
		     "       ebbactl case show CASE       print the stored frame of CASE as YAML\n"
		     "       ebbactl case show --json CASE\n"
		     "       ebbactl case hold CASE --reason TEXT   keep CASE from retention (a legal hold)\n"
		     "       ebbactl case release CASE              end CASE's hold\n"
		     "       ebbactl case take CASE                 take CASE as the one working on it\n"
		     "       ebbactl case untake CASE               give CASE back (release your assignment)\n"
		     "       ebbactl case protect CASE    protect CASE's identities (members of ebba_protected)\n"
		     "       ebbactl case unprotect CASE  lift every protection of CASE (members of ebba_protected)\n");
}

static int case_set(PGconn *conn, const char *path)
{
	struct case_frame frame;
	struct ebba_err err;
	struct ebba_buf yaml = {0};
	if (read_file_limited(path, FRAME_MAX_BYTES, &yaml, &err) != 0 ||
	    case_frame_parse_yaml(path, yaml.data, yaml.len, &frame, &err) != 0) {
		buf_free(&yaml);
		return ctl_fail(CTL_NO, "%s", err.msg);
	}
	char *json = case_frame_to_json(&frame);
	int rc = store_frames_put(conn, frame.case_id, json, yaml.data, "ebbactl", &err);
	if (rc == 0)
		printf("case %s: frame stored\n", frame.case_id);
	free(json);
	buf_free(&yaml);
	return rc == 0 ? CTL_OK : ctl_fail(CTL_USAGE, "ebbactl case set: %s", err.msg);
}

static int case_show(PGconn *conn, const char *case_id, bool as_json)
{
	char *json;
	struct ebba_err err;
	if (store_frames_get_json(conn, case_id, &json, &err) != 0)
		return ctl_fail(CTL_USAGE, "ebbactl case show: %s", err.msg);
	if (!json)
		return ctl_fail(CTL_NO, "ebbactl case show: no frame for case %s", case_id);
	if (store_access_log(conn, "view", "case_frame", case_id, "ebbactl", &err) != 0) {
		free(json);
		return ctl_fail(CTL_USAGE, "ebbactl case show: %s", err.msg);
	}
	struct case_frame frame;
	int rc = CTL_OK;
	if (as_json) {
		printf("%s\n", json);
	} else if (case_frame_from_json(json, strlen(json), &frame, &err) != 0) {
		rc = ctl_fail(CTL_USAGE, "ebbactl case show: stored frame of %s: %s", case_id, err.msg);
	} else {
		char *yaml = case_frame_to_yaml(&frame);
		fputs(yaml, stdout);
		free(yaml);
	}
	free(json);
	return rc;
}

static int case_hold(PGconn *conn, const char *case_id, const char *reason)
{
	struct ebba_err err;
	if (store_case_hold(conn, case_id, reason, &err) != 0)
		return ctl_fail(CTL_NO, "ebbactl case hold: %s", err.msg);
	printf("case %s: held\n", case_id);
	return CTL_OK;
}

static int case_release(PGconn *conn, const char *case_id)
{
	struct ebba_err err;
	bool found;
	if (store_case_release(conn, case_id, &found, &err) != 0)
		return ctl_fail(CTL_USAGE, "ebbactl case release: %s", err.msg);
	if (!found)
		return ctl_fail(CTL_NO, "ebbactl case release: case %s has no hold", case_id);
	printf("case %s: released\n", case_id);
	return CTL_OK;
}

/* case hold CASE --reason TEXT, case release CASE */
static int case_holds(int argc, char **argv)
{
	bool hold = strcmp(argv[1], "hold") == 0;
	if ((hold && (argc != 5 || strcmp(argv[3], "--reason") != 0)) || (!hold && argc != 3)) {
		usage(stderr);
		return CTL_USAGE;
	}
	const char *case_id = argv[2], *reason = hold ? argv[4] : "";
	if (pnr_in_text(case_id) || pnr_in_text(reason))
		return ctl_fail(CTL_NO, "ebbactl case %s: an identity number cannot be part of a case or"
				" a reason", argv[1]);
	if (hold && (reason[0] == '\0' || strlen(reason) > 500 || strpbrk(reason, "\r\n")))
		return ctl_fail(CTL_NO, "ebbactl case hold: --reason is one line of 1 to 500 characters");
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	int rc = hold ? case_hold(conn, case_id, reason) : case_release(conn, case_id);
	PQfinish(conn);
	return rc;
}

/* case take CASE, case untake CASE: exit 0 when done, 1 when someone
 * else has the case (take) or you have not (untake). */
static int case_assignment(int argc, char **argv)
{
	if (argc != 3) {
		usage(stderr);
		return CTL_USAGE;
	}
	bool take = strcmp(argv[1], "take") == 0;
	const char *case_id = argv[2];
	if (pnr_in_text(case_id))
		return ctl_fail(CTL_NO, "ebbactl case %s: an identity number cannot be part of a case", argv[1]);
	struct ebba_config cfg;
	if (ctl_load_config(&cfg) != 0)
		return CTL_USAGE;
	int idle = cfg.web.assign_idle_minutes;
	config_free(&cfg);
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	struct ebba_err err;
	bool done;
	char holder[128];
	int rc = take ? store_case_take(conn, case_id, idle, &done, holder, sizeof(holder), &err)
		      : store_case_untake(conn, case_id, &done, &err);
	PQfinish(conn);
	/* the database refuses a case it does not know (or hides) in one line */
	if (rc != 0)
		return ctl_fail(CTL_NO, "ebbactl case %s: %s", argv[1], err.msg);
	if (!done && take)
		return ctl_fail(CTL_NO, "ebbactl case take: case %s is taken by %s", case_id,
				holder[0] ? holder : "someone else");
	if (!done)
		return ctl_fail(CTL_NO, "ebbactl case untake: case %s is not yours", case_id);
	printf("case %s: %s\n", case_id, take ? "taken" : "given back");
	return CTL_OK;
}

static int case_protect(PGconn *conn, const char *case_id, bool protect)
{
	struct ebba_err err;
	bool changed;
	int rc = protect ? store_case_protect(conn, case_id, "ebbactl", &changed, &err)
			 : store_case_unprotect(conn, case_id, "ebbactl", &changed, &err);
	if (rc != 0)
		return ctl_fail(CTL_NO, "ebbactl case %s %s: %s", protect ? "protect" : "unprotect", case_id,
				err.msg);
	printf("case %s: %s\n", case_id,
	       protect ? (changed ? "protected" : "already protected by hand")
		       : (changed ? "no longer protected" : "was not protected"));
	return CTL_OK;
}

int ctl_case(int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		usage(stdout);
		return CTL_OK;
	}
	if (argc >= 2 && (strcmp(argv[1], "hold") == 0 || strcmp(argv[1], "release") == 0))
		return case_holds(argc, argv);
	if (argc >= 2 && (strcmp(argv[1], "take") == 0 || strcmp(argv[1], "untake") == 0))
		return case_assignment(argc, argv);
	bool set = argc == 3 && strcmp(argv[1], "set") == 0;
	bool show = (argc == 3 || (argc == 4 && strcmp(argv[2], "--json") == 0)) &&
		    strcmp(argv[1], "show") == 0;
	bool protect = argc == 3 && strcmp(argv[1], "protect") == 0;
	bool unprotect = argc == 3 && strcmp(argv[1], "unprotect") == 0;
	if (!set && !show && !protect && !unprotect) {
		usage(stderr);
		return CTL_USAGE;
	}
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	int rc = set		     ? case_set(conn, argv[2])
		 : protect || unprotect ? case_protect(conn, argv[2], protect)
					: case_show(conn, argv[argc - 1], argc == 4);
	PQfinish(conn);
	return rc;
}
