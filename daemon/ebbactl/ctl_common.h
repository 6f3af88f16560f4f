/* Helpers shared by the ebbactl commands. */
#ifndef EBBA_CTL_COMMON_H
#define EBBA_CTL_COMMON_H

#include <libpq-fe.h>
#include <stdio.h>

#include "ebba/decide/decision.h"
#include "ebba/lib/config.h"

/* Loads the configuration named by -c (or the default, if present) into
 * cfg; prints the error and returns -1 on failure. */
int ctl_load_config(struct ebba_config *cfg);

/* Connects as the configuration says; prints the error and returns NULL on
 * failure. */
PGconn *ctl_connect(void);

/*
 * The first step of a command made of subcommands (user, token, review):
 * with no subcommand, or with -h/--help, prints the usage (to stdout only
 * when asked for) and returns the exit status; -1 when there is a
 * subcommand to run.
 */
int ctl_usage_first(int argc, char **argv, void (*usage)(FILE *out));

/*
 * The words of "add NAME [--role ROLE]" (argv[0] is "add"), which user add
 * and token add share: returns NAME and sets *role if --role is given;
 * NULL if the words are off, for the caller to print its usage.
 */
const char *ctl_name_and_role(int argc, char **argv, const char **role);

/* Prints one line to stderr and returns status. */
int ctl_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prints a decision record (as decide_application fills it) for a person,
 * or with --porcelain in the stable tab-separated form of docs/architecture.md §8.
 */
void ctl_print_decision(const struct decision *decision);
#endif
