/* The inbox queue against a real PostgreSQL: leases, fencing, release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebba/store/queue.h"
#include "pgtest.h"

static PGconn *conn;

static void insert(const char *id)
{
	bool inserted = false;
	struct ebba_err err;
	assert_int_equal(store_queue_insert(conn, id, "C-1", "2026-12", "<x/>", 4, &inserted, &err), 0);
	assert_true(inserted);
}

static long count_state(const char *state)
{
	const char *p[] = {state};
	PGresult *r = PQexecParams(conn, "select count(*) from ebba.inbox where state = $1", 1, NULL, p, NULL, NULL, 0);
	long n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

static void reset(void)
{
	/* Rows cannot be deleted (by design); mark old ones decided instead. */
	PQclear(PQexec(conn, "update ebba.inbox set state = 'decided', lease_owner = null"));
}

static struct decision_check one_check = {.id = "c", .result = RULE_FAIL, .outcome = "refer",
					  .message = "m", .ordinal = 1};

/* A referral with one failed check, as decide_application() would hand it over. */
static struct decision referral(const char *external_id)
{
	return (struct decision){.external_id = external_id, .case_id = "C-1", .period = "2026-12",
		.outcome = "referred", .ruleset_name = "t", .ruleset_version = "1",
		.ruleset_sha256 = "", .checks = &one_check, .n_checks = 1};
}

static struct queue_result decided(const struct queue_item *it, const struct decision *d)
{
	return (struct queue_result){.inbox_id = it->id, .attempt = it->attempt,
				     .state = QUEUE_DECIDED, .decision = d};
}

static void test_duplicate_insert_changes_nothing(void **state)
{
	insert("Q-DUP");
	bool inserted = true;
	struct ebba_err err;
	assert_int_equal(store_queue_insert(conn, "Q-DUP", "C-2", "2027-01", "<y/>", 4, &inserted, &err), 0);
	assert_false(inserted);
	PGresult *r = PQexec(conn, "select case_id, convert_from(payload, 'UTF8') from ebba.inbox where external_id = 'Q-DUP'");
	assert_string_equal(PQgetvalue(r, 0, 0), "C-1");
	assert_string_equal(PQgetvalue(r, 0, 1), "<x/>");
	PQclear(r);
	reset();
}

static void test_claims_do_not_overlap(void **state)
{
	insert("Q-A1");
	insert("Q-A2");
	insert("Q-A3");
	struct queue_batch a, b, c;
	struct ebba_err err;
	assert_int_equal(store_queue_claim(conn, "owner-a", 2, 60, 1024, &a, &err), 0);
	assert_int_equal(store_queue_claim(conn, "owner-b", 2, 60, 1024, &b, &err), 0);
	assert_int_equal(store_queue_claim(conn, "owner-c", 2, 60, 1024, &c, &err), 0);
	assert_int_equal(a.count, 2);
	assert_int_equal(b.count, 1);
	assert_int_equal(c.count, 0);
	assert_true(a.items[0].id != b.items[0].id && a.items[1].id != b.items[0].id);
	assert_int_equal(a.items[0].attempt, 1);
	assert_int_equal(a.items[0].payload_len, 4);
	assert_memory_equal(a.items[0].payload, "<x/>", 4);
	store_queue_batch_free(&a);
	store_queue_batch_free(&b);
	store_queue_batch_free(&c);
	reset();
}

static void test_stale_lease_completes_nothing(void **state)
{
	insert("Q-S1");
	struct queue_batch late, fresh;
	struct ebba_err err;
	assert_int_equal(store_queue_claim(conn, "late", 10, 1, 1024, &late, &err), 0);
	assert_int_equal(late.count, 1);
	/* Expire the lease, and let another worker take the row over. */
	PQclear(PQexec(conn, "update ebba.inbox set lease_expires = now() - interval '1 s' where external_id = 'Q-S1'"));
	assert_int_equal(store_queue_claim(conn, "fresh", 10, 60, 1024, &fresh, &err), 0);
	assert_int_equal(fresh.count, 1);
	assert_int_equal(fresh.items[0].attempt, 2);

	struct decision d = referral("Q-S1");
	struct queue_result res = decided(&late.items[0], &d);
	long done = -1;
	assert_int_equal(store_queue_complete(conn, "late", &res, 1, NULL, &done, &err), 0);
	assert_int_equal(done, 0);
	PGresult *r = PQexec(conn, "select count(*) from ebba.decisions where external_id = 'Q-S1'");
	assert_string_equal(PQgetvalue(r, 0, 0), "0");
	PQclear(r);

	res = decided(&fresh.items[0], &d);
	assert_int_equal(store_queue_complete(conn, "fresh", &res, 1, NULL, &done, &err), 0);
	assert_int_equal(done, 1);
	/* Completing twice writes nothing more. */
	assert_int_equal(store_queue_complete(conn, "fresh", &res, 1, NULL, &done, &err), 0);
	assert_int_equal(done, 0);
	r = PQexec(conn, "select count(*), min(c.message) from ebba.decisions d join ebba.decision_checks c on c.decision_id = d.id where d.external_id = 'Q-S1'");
	assert_string_equal(PQgetvalue(r, 0, 0), "1");
	assert_string_equal(PQgetvalue(r, 0, 1), "m");
	PQclear(r);
	store_queue_batch_free(&late);
	store_queue_batch_free(&fresh);
	reset();
}

/* Every field of the record reaches its column, COPY's escapes and the
 * evidence bytes (NUL and high bytes included) intact; a quarantined
 * result writes its reason and no decision. */
static void test_record_round_trip(void **state)
{
	insert("Q-T1");
	insert("Q-T2");
	struct queue_batch b;
	struct ebba_err err;
	assert_int_equal(store_queue_claim(conn, "t", 10, 60, 1024, &b, &err), 0);
	assert_int_equal(b.count, 2);
	static const char raw[] = {'<', 0, '\t', '\\', (char)0xff, '\n'};
	struct decision_check checks[] = {
		{.id = "a", .result = RULE_PASS, .outcome = "refer", .message = "", .ordinal = 1},
		{.id = "b", .result = RULE_ERROR, .outcome = NULL, .message = "tab\there\\ and\nline", .ordinal = 2}};
	struct decision_evidence ev[] = {
		{.source = "ssbtek", .agency = "SSBTEK", .person_ref = "0:sökande", .status = "ok",
		 .sha256 = "ab", .fetched_at = "2026-11-30T10:00:00Z", .raw = raw, .raw_len = sizeof(raw)},
		{.source = "ssbtek", .agency = "AF", .person_ref = "0:sökande", .status = "ok",
		 .sha256 = "cd", .fetched_at = "2026-11-30T10:00:00Z"}};
	struct decision_flag flags[] = {{.kind = DECISION_FLAG_SAMPLE, .reason = "Slumpmässigt stickprov",
					 .draw = "hmac-sha256 0.01 < 0.10"}};
	struct decision d = referral(b.items[0].external_id);
	d.outcome = "approved";
	d.has_amount = true;
	d.amount = 1234;
	d.norm = -5;
	d.checks = checks;
	d.n_checks = 2;
	d.evidence = ev;
	d.n_evidence = 2;
	d.flags = flags;
	d.n_flags = 1;
	d.letter = "Beslut\n";
	buf_puts(&d.trace, "{\"today\": \"2026-12-01\"}");
	struct queue_result res[] = {decided(&b.items[0], &d),
		{.inbox_id = b.items[1].id, .attempt = b.items[1].attempt, .state = QUEUE_QUARANTINED,
		 .error = "document: \"bad\""}};
	long done = 0;
	assert_int_equal(store_queue_complete(conn, "t", res, 2, NULL, &done, &err), 0);
	assert_int_equal(done, 2);
	buf_free(&d.trace);
	PGresult *r = PQexec(conn,
		"select d.outcome, d.amount, d.norm, d.costs, d.trace->>'today',"
		" (select string_agg(c.check_id || '|' || c.result || '|' || c.message || '|'"
		"   || coalesce(c.outcome, '-') || '|' || c.ordinal, ';' order by c.ordinal)"
		"   from ebba.decision_checks c where c.decision_id = d.id),"
		" (select string_agg(e.agency || '|' || coalesce(encode(e.raw, 'hex'), 'null'), ';' order by e.id)"
		"   from ebba.register_evidence e where e.decision_id = d.id),"
		" (select f.kind || '|' || f.draw from ebba.audit_flags f where f.decision_id = d.id),"
		" (select l.body from ebba.letters l where l.decision_id = d.id)"
		" from ebba.decisions d where d.external_id = 'Q-T1'");
	assert_int_equal(PQntuples(r), 1);
	assert_string_equal(PQgetvalue(r, 0, 0), "approved");
	assert_string_equal(PQgetvalue(r, 0, 1), "1234");
	assert_string_equal(PQgetvalue(r, 0, 2), "-5");
	assert_string_equal(PQgetvalue(r, 0, 3), "0");
	assert_string_equal(PQgetvalue(r, 0, 4), "2026-12-01");
	assert_string_equal(PQgetvalue(r, 0, 5), "a|pass||refer|1;b|error|tab\there\\ and\nline|-|2");
	assert_string_equal(PQgetvalue(r, 0, 6), "SSBTEK|3c00095cff0a;AF|null");
	assert_string_equal(PQgetvalue(r, 0, 7), "sample|hmac-sha256 0.01 < 0.10");
	assert_string_equal(PQgetvalue(r, 0, 8), "Beslut\n");
	PQclear(r);
	r = PQexec(conn, "select state, error, (select count(*) from ebba.decisions where external_id = 'Q-T2')"
			 " from ebba.inbox where external_id = 'Q-T2'");
	assert_string_equal(PQgetvalue(r, 0, 0), "quarantined");
	assert_string_equal(PQgetvalue(r, 0, 1), "document: \"bad\"");
	assert_string_equal(PQgetvalue(r, 0, 2), "0");
	PQclear(r);
	store_queue_batch_free(&b);
	reset();
}

static void test_release_returns_rows(void **state)
{
	insert("Q-R1");
	struct queue_batch b;
	struct ebba_err err;
	assert_int_equal(store_queue_claim(conn, "r", 10, 60, 1024, &b, &err), 0);
	assert_int_equal(b.count, 1);
	assert_int_equal(count_state("processing"), 1);
	assert_int_equal(store_queue_release(conn, "r", &b, false, &err), 0);
	assert_int_equal(count_state("pending"), 1);
	assert_int_equal(count_state("processing"), 0);
	store_queue_batch_free(&b);
	/* A release after a stop does not use up an attempt; after a failure it does. */
	assert_int_equal(store_queue_claim(conn, "r", 10, 60, 1024, &b, &err), 0);
	assert_int_equal(b.items[0].attempt, 1);
	assert_int_equal(store_queue_release(conn, "r", &b, true, &err), 0);
	store_queue_batch_free(&b);
	assert_int_equal(store_queue_claim(conn, "r", 10, 60, 1024, &b, &err), 0);
	assert_int_equal(b.items[0].attempt, 2);
	store_queue_batch_free(&b);
	reset();
}

static void test_oversize_payload_not_fetched(void **state)
{
	bool inserted = false;
	struct ebba_err err;
	assert_int_equal(store_queue_insert(conn, "Q-BIG", "C-1", "2026-12", "0123456789", 10, &inserted, &err), 0);
	struct queue_batch b;
	assert_int_equal(store_queue_claim(conn, "big", 10, 60, 9, &b, &err), 0);
	assert_int_equal(b.count, 1);
	assert_null(b.items[0].payload);
	assert_int_equal(b.items[0].stored_len, 10);
	store_queue_batch_free(&b);
	reset();
}

static void test_counts(void **state)
{
	insert("Q-C1");
	struct queue_counts c;
	struct ebba_err err;
	assert_int_equal(store_queue_counts(conn, &c, &err), 0);
	assert_int_equal(c.pending, 1);
	assert_true(c.decided >= 1);
	long pending = -1, processing = -1;
	assert_int_equal(store_queue_depth(conn, &pending, &processing, &err), 0);
	assert_int_equal(pending, 1);
	assert_int_equal(processing, 0);
	reset();
}

int main(void)
{
	conn = pgtest_fresh_db("t_queue");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicate_insert_changes_nothing),
		cmocka_unit_test(test_claims_do_not_overlap),
		cmocka_unit_test(test_stale_lease_completes_nothing),
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_release_returns_rows),
		cmocka_unit_test(test_oversize_payload_not_fetched),
		cmocka_unit_test(test_counts),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	PQfinish(conn);
	return rc;
}
