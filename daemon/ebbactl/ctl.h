/*
 * ebbactl commands.  Each takes the arguments after its own name (argv[0]
 * is the command name) and returns the process exit status:
 * 0 success, 1 the input is invalid or the answer is "no", 2 usage or
 * environment error.  Errors go to stderr as one line.
 */
#ifndef EBBA_CTL_H
#define EBBA_CTL_H

#include <stdbool.h>

enum { CTL_OK = 0, CTL_NO = 1, CTL_USAGE = 2 };

struct ctl_globals {
	const char *config_path;   /* -c, or NULL for the default */
	bool porcelain;            /* --porcelain */
};

extern struct ctl_globals ctl_globals;

int ctl_db(int argc, char **argv);
int ctl_submit(int argc, char **argv);
int ctl_validate(int argc, char **argv);
int ctl_case(int argc, char **argv);
int ctl_pnr(int argc, char **argv);
int ctl_eval(int argc, char **argv);
int ctl_calc(int argc, char **argv);
int ctl_rules(int argc, char **argv);
int ctl_review(int argc, char **argv);
/* review resolve ID with --cost/--check/--reason lines (ctl_verdict.c); argv[0] is "resolve". */
struct pg_conn;
int ctl_review_lines(struct pg_conn *conn, int argc, char **argv);
/* ebbactl review request-documents (ctl_completion.c). */
int ctl_request_documents(struct pg_conn *conn, int argc, char **argv);
int ctl_letter(int argc, char **argv);
int ctl_replay(int argc, char **argv);
int ctl_status(int argc, char **argv);
int ctl_stats(int argc, char **argv);
int ctl_log(int argc, char **argv);
int ctl_user(int argc, char **argv);
int ctl_token(int argc, char **argv);
int ctl_whatif(int argc, char **argv);
int ctl_retention(int argc, char **argv);
int ctl_export_person(int argc, char **argv);

/* True if argv has -h or --help; commands print their usage then. */
bool ctl_wants_help(int argc, char **argv);

#endif
