/*
 * People's login roles.
 *
 *   user add NAME --role caseworker|supervisor|auditor|intake|archivist[,protected]
 *            [--display-name "Anna Svensson"] [--title socialsekreterare]
 *   user set NAME [--display-name TEXT] [--title TEXT]
 *   user list
 *
 * The display name and title are what a letter says of who decided
 * (ebba.people_names, schema 019).
 *
 * The password is read from the terminal (twice, not echoed) or, when
 * stdin is not a terminal, as its first line: never from the command line,
 * where every user of the machine could read it in the process list.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_common.h"
#include "ebba/store/users.h"

#define PASSWORD_MAX 1024

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebbactl user add NAME --role caseworker|supervisor|auditor|intake|archivist\n"
		"                        (caseworker,protected: also sees protected cases)\n"
		"                        [--display-name TEXT] [--title TEXT]\n"
		"       ebbactl user set NAME [--display-name TEXT] [--title TEXT]\n"
		"       ebbactl user list\n"
		"add creates the PostgreSQL login role NAME in the role's group; the password\n"
		"is asked for on the terminal, or read as the first line of stdin.\n"
		"list shows every role in one of ebba's groups.\n");
}

/* One line from f without its newline; -1 at end of input or when too long. */
static int read_line(FILE *f, char *buf, size_t size)
{
	if (!fgets(buf, (int)size, f))
		return -1;
	size_t n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == size - 1)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int prompt_hidden(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fprintf(stderr, "%s", prompt);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	int rc = read_line(stdin, buf, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fprintf(stderr, "\n");
	return rc;
}

static int read_password(const char *name, char *pw, size_t size)
{
	if (!isatty(STDIN_FILENO)) {
		if (read_line(stdin, pw, size) != 0)
			return ctl_fail(CTL_USAGE, "ebbactl user add: no password on stdin (one line, at most %d bytes)",
					PASSWORD_MAX - 1);
		return CTL_OK;
	}
	char again[PASSWORD_MAX];
	char prompt[128];
	snprintf(prompt, sizeof(prompt), "password for %s: ", name);
	if (prompt_hidden(prompt, pw, size) != 0 || prompt_hidden("again: ", again, sizeof(again)) != 0)
		return ctl_fail(CTL_USAGE, "ebbactl user add: could not read the password");
	int same = strcmp(pw, again) == 0;
	explicit_bzero(again, sizeof(again));
	return same ? CTL_OK : ctl_fail(CTL_NO, "ebbactl user add: the passwords differ");
}

struct user_args {
	const char *name, *role, *display, *title;
};

static int user_args(int argc, char **argv, struct user_args *a)
{
	static const struct option opts[] = {
		{"role", required_argument, NULL, 'r'}, {"display-name", required_argument, NULL, 'd'},
		{"title", required_argument, NULL, 't'}, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': a->role = optarg; break;
		case 'd': a->display = optarg; break;
		case 't': a->title = optarg; break;
		default: return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	a->name = argv[optind];
	if ((a->display && (!*a->display || strlen(a->display) > 200)) || (a->title && strlen(a->title) > 200))
		return -1;
	return 0;
}

static int set_names(PGconn *conn, const struct user_args *a)
{
	struct ebba_err err;
	if ((a->display || a->title) && store_user_names(conn, a->name, a->display, a->title, &err) != 0)
		return ctl_fail(CTL_NO, "ebbactl user: %s", err.msg);
	return CTL_OK;
}

static int user_set(int argc, char **argv)
{
	struct user_args a = {0};
	if (user_args(argc, argv, &a) != 0 || a.role || (!a.display && !a.title)) {
		usage(stderr);
		return CTL_USAGE;
	}
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	int rc = set_names(conn, &a);
	PQfinish(conn);
	if (rc == CTL_OK)
		printf("user %s: display name and title set\n", a.name);
	return rc;
}

static int user_add(int argc, char **argv)
{
	struct user_args a = {0};
	if (user_args(argc, argv, &a) != 0)
		a.name = NULL;
	const char *role = a.role, *name = a.name;
	if (!name || !role) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (!store_user_name_ok(name))
		return ctl_fail(CTL_NO, "ebbactl user add: '%s' cannot be a role name (a-z first, then"
				" a-z 0-9 . _ -; not ebba, ebba_*, pg_*)", name);
	if (!store_roles_ok(role))
		return ctl_fail(CTL_USAGE, "ebbactl user add: --role must be caseworker, supervisor, auditor,"
				" intake or archivist; protected beside caseworker or supervisor (--role caseworker,protected)");
	char pw[PASSWORD_MAX];
	int rc = read_password(name, pw, sizeof(pw));
	if (rc != CTL_OK)
		return rc;
	PGconn *conn = ctl_connect();
	if (!conn) {
		explicit_bzero(pw, sizeof(pw));
		return CTL_USAGE;
	}
	struct ebba_err err;
	rc = store_user_add(conn, name, role, pw, &err);
	explicit_bzero(pw, sizeof(pw));
	if (rc != 0) {
		PQfinish(conn);
		return ctl_fail(CTL_NO, "ebbactl %s", err.msg);
	}
	rc = set_names(conn, &a);
	PQfinish(conn);
	if (rc != CTL_OK)
		return rc;
	printf("user %s added (%s)\n", name, role);
	return CTL_OK;
}

static int user_list(void)
{
	PGconn *conn = ctl_connect();
	if (!conn)
		return CTL_USAGE;
	struct store_user *u = NULL;
	size_t n = 0;
	struct ebba_err err;
	int rc = store_user_list(conn, &u, &n, &err);
	PQfinish(conn);
	if (rc != 0)
		return ctl_fail(CTL_USAGE, "ebbactl user list: %s", err.msg);
	/* Beside the database's groups, those the identity provider gave at
	 * the person's last sign-in through it (auth: proxy), marked when they
	 * differ; porcelain: a "provider" line after the person's "user" line. */
	bool any_differs = false;
	if (!ctl_globals.porcelain)
		printf("%-32s %-8s %-28s %s\n", "NAME", "LOGIN", "GROUPS (DATABASE)",
		       "GROUPS AT THE PROVIDER (LAST SIGN-IN)");
	for (size_t i = 0; i < n; i++) {
		const struct store_user *x = &u[i];
		if (ctl_globals.porcelain) {
			printf("user\t%s\t%s\t%s\n", x->name, x->can_login ? "yes" : "no", x->groups);
			if (x->signed_in[0])
				printf("provider\t%s\t%s\t%s\t%s\n", x->name, x->provider_groups,
				       x->signed_in, x->differs ? "differs" : "same");
			continue;
		}
		char at[200] = "-";
		if (x->signed_in[0])
			snprintf(at, sizeof(at), "%s (%s)%s", x->provider_groups[0] ? x->provider_groups : "none",
				 x->signed_in, x->differs ? "  * differs" : "");
		any_differs |= x->differs;
		printf("%-32s %-8s %-28s %s\n", x->name, x->can_login ? "yes" : "no", x->groups, at);
	}
	if (any_differs)
		printf("* the provider's groups differ from the database's: ebba-web grants only those both give\n");
	free(u);
	return CTL_OK;
}

int ctl_user(int argc, char **argv)
{
	int status = ctl_usage_first(argc, argv, usage);
	if (status >= 0)
		return status;
	if (strcmp(argv[1], "add") == 0)
		return user_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "set") == 0)
		return user_set(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return user_list();
	usage(stderr);
	return CTL_USAGE;
}
