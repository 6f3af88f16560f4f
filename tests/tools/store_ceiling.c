/*
 * store_ceiling: the store's own ceiling for `make bench`.
 *
 *   store_ceiling DUMPDIR BATCH PROCS      (the database from libpq's PG*)
 *
 * Writes exactly the rows that ebbad wrote for a run of decisions (dumped
 * from that run into DUMPDIR by contrib/bench/run.sh: decisions.copy,
 * checks.copy, evidence.copy, flags.copy, letters.copy, requests.copy,
 * inputs.copy and people.copy, each COPY text with the decision id first
 * and ordered by it) into a database that holds the
 * same inbox rows, by the fastest plain means PostgreSQL offers and with no
 * deciding at all: PROCS connections side by side, each taking batches of
 * BATCH decisions; per batch the claim (one UPDATE of the inbox rows), then
 * one transaction with the completion UPDATE, the persons through
 * ebba.add_case_people and a COPY into each other table,
 * as ebbad's completion does.  The same tables, indexes, constraints and
 * triggers, the same batch size and the same number of connections: what
 * is left between this rate and ebbad's is the cost of deciding.
 *
 * Prints "store_decisions_per_s=N decisions=N seconds=S backend_ticks=T",
 * T being the CPU (utime + stime, clock ticks) its backends used, read from
 * /proc before they exit (the database must be on this machine).  Exit 2
 * on any error, with one line on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ebba/lib/util.h"

/* T_PEOPLE is not copied: its rows go through ebba.add_case_people, as
 * ebbad's do (schema 031).  The others are COPY text, T_COPIED of them. */
enum { T_DECISIONS, T_CHECKS, T_EVIDENCE, T_FLAGS, T_LETTERS, T_REQUESTS, T_INPUTS,
       T_COPIED, T_PEOPLE = T_COPIED, T_COUNT };

static const char *const FILES[T_COUNT] = {
	"decisions.copy", "checks.copy", "evidence.copy", "flags.copy", "letters.copy",
	"requests.copy", "inputs.copy", "people.copy"};

static const char *const COPY_SQL[T_COPIED] = {
	"copy ebba.decisions (id, inbox_id, external_id, case_id, period, outcome, amount, norm,"
	" costs, incomes, ruleset_name, ruleset_version, ruleset_sha256, trace) from stdin",
	"copy ebba.decision_checks (decision_id, check_id, result, message, outcome, ordinal)"
	" from stdin",
	"copy ebba.register_evidence (decision_id, source, agency, person_ref, status,"
	" fetched_at, sha256, raw) from stdin",
	"copy ebba.audit_flags (decision_id, kind, reason, draw) from stdin",
	"copy ebba.letters (decision_id, body) from stdin",
	"copy ebba.auto_document_requests (decision_id, documents, deadline, letter) from stdin",
	"copy ebba.decision_inputs (decision_id, decided_on, registers_configured, frame, history,"
	" register_reasons) from stdin"};

/* One table's dump, and where each decision's lines start in it. */
struct table {
	struct ebba_buf text;
	size_t *start;       /* start[i]: offset of decision i's first line */
};

struct dump {
	size_t n;            /* decisions */
	int64_t *ids;        /* decision ids, ascending */
	int64_t *inbox_ids;
	struct table t[T_COUNT];
};

/* what: the one line; detail: appended after ": " unless empty. */
static _Noreturn void die(const char *what, const char *detail)
{
	size_t n = strlen(detail);
	while (n && (detail[n - 1] == '\n' || detail[n - 1] == ' '))
		n--;
	fprintf(stderr, "store_ceiling: %s%s%.*s\n", what, n ? ": " : "", (int)n, detail);
	exit(2);
}

static int64_t field_i64(const char *line, int nth)
{
	for (int i = 0; i < nth; i++) {
		line = strchr(line, '\t');
		if (!line)
			return -1;
		line++;
	}
	return strtoll(line, NULL, 10);
}

static void read_table(const char *dir, int t, struct ebba_buf *out)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, FILES[t]);
	struct ebba_err err;
	if (read_file_limited(path, (size_t)8 << 30, out, &err) != 0)
		die(err.msg, "");
}

/* The decisions' ids in order, from the first two fields of decisions.copy. */
static void index_decisions(struct dump *d)
{
	const struct ebba_buf *b = &d->t[T_DECISIONS].text;
	size_t cap = 1024;
	d->ids = xmalloc(cap * sizeof(*d->ids));
	d->inbox_ids = xmalloc(cap * sizeof(*d->inbox_ids));
	for (const char *p = b->data; p && p < b->data + b->len;) {
		if (d->n == cap) {
			cap *= 2;
			d->ids = xrealloc(d->ids, cap * sizeof(*d->ids));
			d->inbox_ids = xrealloc(d->inbox_ids, cap * sizeof(*d->inbox_ids));
		}
		d->ids[d->n] = field_i64(p, 0);
		d->inbox_ids[d->n] = field_i64(p, 1);
		d->n++;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
}

/* start[i] for every decision i: tables are ordered by decision id, so one
 * pass matches lines to decisions (a decision may have no lines). */
static void index_table(const struct dump *d, struct table *t)
{
	t->start = xmalloc((d->n + 1) * sizeof(*t->start));
	const char *base = t->text.data ? t->text.data : "";
	const char *p = base, *end = base + t->text.len;
	for (size_t i = 0; i < d->n; i++) {
		t->start[i] = (size_t)(p - base);
		while (p < end && field_i64(p, 0) == d->ids[i]) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		}
	}
	t->start[d->n] = (size_t)(p - base);
	if (p != end)
		die("dump: a line names a decision that is not in decisions.copy, or is out of order", "");
}

static PGresult *exec_params(PGconn *c, const char *sql, int n, const char *const *v)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		die(sql, PQerrorMessage(c));
	return r;
}

static void copy_in(PGconn *c, const char *sql, const char *data, size_t len)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		die(sql, PQerrorMessage(c));
	PQclear(r);
	if ((len && PQputCopyData(c, data, (int)len) != 1) || PQputCopyEnd(c, NULL) != 1)
		die(sql, PQerrorMessage(c));
	r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die(sql, PQerrorMessage(c));
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
}

/* "{1,2,3}" for the inbox ids of decisions [from, to). */
static void id_array(const struct dump *d, size_t from, size_t to, struct ebba_buf *out)
{
	buf_reset(out);
	buf_putc(out, '{');
	for (size_t i = from; i < to; i++)
		buf_printf(out, "%s%" PRId64, i > from ? "," : "", d->inbox_ids[i]);
	buf_putc(out, '}');
}

/* One field of a people.copy line (decision, case, pnr, role, inbox) as
 * an array element, after a comma: quoted, as ebbad's pg_array_text. */
static const char *array_elem(struct ebba_buf *out, const char *p, const char *end)
{
	buf_puts(out, ",\"");
	for (; p < end && *p != '\t' && *p != '\n'; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(out, '\\');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
	return p < end && *p == '\t' ? p + 1 : p;
}

/* The batch's persons through ebba.add_case_people, one statement, as
 * ebbad writes them (store/queue_complete.c write_people). */
static void add_people(PGconn *c, const struct table *tb, size_t from, size_t to)
{
	const char *p = tb->text.data + tb->start[from], *end = tb->text.data + tb->start[to];
	if (p == end)
		return;
	struct ebba_buf col[4] = {{0}};
	while (p < end) {
		p = strchr(p, '\t') + 1;   /* the decision id: not a column */
		for (int k = 0; k < 4; k++)
			p = array_elem(&col[k], p, end);
		p = p < end ? p + 1 : p;
	}
	for (int k = 0; k < 4; k++) {
		col[k].data[0] = '{';
		buf_putc(&col[k], '}');
	}
	const char *v[4] = {col[0].data, col[1].data, col[2].data, col[3].data};
	PQclear(exec_params(c, "select ebba.add_case_people($1::text[], $2::text[], $3::text[],"
			       " $4::bigint[])", 4, v));
	for (int k = 0; k < 4; k++)
		buf_free(&col[k]);
}

static void write_batch(PGconn *c, const struct dump *d, size_t from, size_t to,
			const char *owner, struct ebba_buf *ids)
{
	id_array(d, from, to, ids);
	const char *p[2] = {owner, ids->data};
	PQclear(exec_params(c,
		"update ebba.inbox set state = 'processing', attempts = attempts + 1,"
		" lease_owner = $1, lease_expires = now() + interval '30 seconds',"
		" claimed_at = now(), updated_at = now() where id = any($2::bigint[])", 2, p));
	PQclear(exec_params(c, "begin", 0, NULL));
	PQclear(exec_params(c,
		"update ebba.inbox set state = 'decided', lease_owner = null, lease_expires = null,"
		" updated_at = now() where lease_owner = $1 and id = any($2::bigint[])", 2, p));
	add_people(c, &d->t[T_PEOPLE], from, to);
	for (int t = 0; t < T_COPIED; t++) {
		const struct table *tb = &d->t[t];
		copy_in(c, COPY_SQL[t], tb->text.data + tb->start[from],
			tb->start[to] - tb->start[from]);
	}
	PQclear(exec_params(c, "commit", 0, NULL));
}

/* utime + stime of a process, in clock ticks; 0 if it cannot be read. */
static long long proc_ticks(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After "(comm)": state is field 3, utime 14, stime 15. */
	const char *p = strrchr(buf, ')');
	long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lld %lld", &ut, &st) != 2)
		return 0;
	return ut + st;
}

/* Process k of procs writes batches k, k + procs, k + 2 procs, ...; its
 * backend's CPU goes to fd. */
static void worker(const struct dump *d, size_t batch, int k, int procs, int fd)
{
	PGconn *c = PQconnectdb("");
	if (PQstatus(c) != CONNECTION_OK)
		die("connect", PQerrorMessage(c));
	char owner[32];
	snprintf(owner, sizeof(owner), "ceiling%d", k);
	struct ebba_buf ids = {0};
	size_t nbatches = (d->n + batch - 1) / batch;
	for (size_t b = (size_t)k; b < nbatches; b += (size_t)procs) {
		size_t from = b * batch, to = from + batch < d->n ? from + batch : d->n;
		write_batch(c, d, from, to, owner, &ids);
	}
	buf_free(&ids);
	char line[32];
	int len = snprintf(line, sizeof(line), "%lld\n", proc_ticks((long)PQbackendPID(c)));
	if (write(fd, line, (size_t)len) != len)
		die("reporting the backend's CPU", strerror(errno));
	PQfinish(c);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: store_ceiling DUMPDIR BATCH PROCS\n");
		return 2;
	}
	size_t batch = strtoul(argv[2], NULL, 10);
	int procs = atoi(argv[3]);
	if (batch == 0 || procs <= 0)
		die("BATCH and PROCS must be positive numbers", "");
	struct dump d = {0};
	for (int t = 0; t < T_COUNT; t++)
		read_table(argv[1], t, &d.t[t].text);
	index_decisions(&d);
	for (int t = 0; t < T_COUNT; t++)
		index_table(&d, &d.t[t]);
	int pipefd[2];
	if (pipe(pipefd) != 0)
		die("pipe", strerror(errno));
	uint64_t t0 = now_usec();
	for (int k = 0; k < procs; k++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork", strerror(errno));
		if (pid == 0) {
			close(pipefd[0]);
			worker(&d, batch, k, procs, pipefd[1]);
			_exit(0);
		}
	}
	close(pipefd[1]);
	int failed = 0, status;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	double secs = (double)(now_usec() - t0) / 1e6;
	if (failed)
		die("a writer failed", "");
	long long ticks = 0, t;
	FILE *in = fdopen(pipefd[0], "r");
	while (in && fscanf(in, "%lld", &t) == 1)
		ticks += t;
	if (in)
		fclose(in);
	printf("store_decisions_per_s=%.0f decisions=%zu seconds=%.2f backend_ticks=%lld\n",
	       secs > 0 ? (double)d.n / secs : 0.0, d.n, secs, ticks);
	return 0;
}
