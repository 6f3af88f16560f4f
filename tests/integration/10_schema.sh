# Schema migration: versioned, idempotent, with least-privilege roles.
. "$(dirname "$0")/../lib.sh"

createdb t_schema_$$ && export PGDATABASE=t_schema_$$
out=$("$EBBACTL" db migrate 2>&1)
check_match "db migrate creates the schema" "migrated from version 0 to [1-9]" "$out"
out=$("$EBBACTL" db migrate 2>&1)
check_match "db migrate again is a no-op" "up to date" "$out"
v=$("$EBBACTL" db version)
check_eq "schema_migrations records the version" "$v" "$(psql_val 'select max(version) from ebba.schema_migrations')"
# The runner applies the versions above the database's, so the numbers must
# run 1..N without a gap (a gap filled later would never be applied).
check_eq "every migration version 1..N is applied, none skipped" "$(seq -s, 1 "$v")" \
	"$(psql_val "select string_agg(version::text, ',' order by version) from ebba.schema_migrations")"
check_eq "the schema files are numbered 1..N without a gap" "$(seq -s, 1 "$v")" \
	"$(cd "$ROOT/schema" && ls [0-9][0-9][0-9]_*.sql | sed 's/_.*//; s/^0*//' | paste -sd,)"

# Concurrent migrations serialise on the advisory lock.
createdb t_schema2_$$
PGDATABASE=t_schema2_$$ "$EBBACTL" db migrate >/dev/null 2>&1 &
p1=$!
PGDATABASE=t_schema2_$$ "$EBBACTL" db migrate >/dev/null 2>&1
r2=$?
wait $p1; r1=$?
check_eq "two concurrent migrations both succeed" "0 0" "$r1 $r2"

for t in inbox case_frames decisions decision_checks register_evidence audit_flags letters; do
	check_eq "table ebba.$t exists" "ebba.$t" "$(psql_val "select to_regclass('ebba.$t')")"
done
for c in id external_id received_at payload state attempts error; do
	check_eq "inbox has contract column $c" 1 "$(psql_val "select count(*) from information_schema.columns where table_schema='ebba' and table_name='inbox' and column_name='$c'")"
done
for c in id inbox_id external_id case_id period outcome amount norm costs incomes ruleset_name ruleset_version ruleset_sha256 decided_at decided_by; do
	check_eq "decisions has contract column $c" 1 "$(psql_val "select count(*) from information_schema.columns where table_schema='ebba' and table_name='decisions' and column_name='$c'")"
done
for r in ebba_daemon ebba_intake ebba_caseworker; do
	check_eq "role $r exists" 1 "$(psql_val "select count(*) from pg_roles where rolname='$r'")"
done

# Least privilege, tried for real with SET ROLE.
try_as() {  # try_as ROLE SQL: exit status of running SQL as ROLE
	psql -XAtq -v ON_ERROR_STOP=1 -c "set role $1; $2" >/dev/null 2>&1
}
check "intake may insert into the inbox" try_as ebba_intake \
	"insert into ebba.inbox (external_id, payload) values ('EB-PRIV-1', 'x')"
check "intake may not read the inbox" bash -c "! psql -XAtq -v ON_ERROR_STOP=1 -c 'set role ebba_intake; select count(*) from ebba.inbox' >/dev/null 2>&1"
check "intake may not delete from the inbox" bash -c "! psql -XAtq -v ON_ERROR_STOP=1 -c 'set role ebba_intake; delete from ebba.inbox' >/dev/null 2>&1"
psql_val "insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, ruleset_name, ruleset_version, ruleset_sha256)
	select id, external_id, 'C-1', '2026-12', 'referred', 'x', '1', '' from ebba.inbox where external_id = 'EB-PRIV-1'" >/dev/null
check "daemon may not update a committed decision" bash -c "! psql -XAtq -v ON_ERROR_STOP=1 -c \"set role ebba_daemon; update ebba.decisions set amount = 1\" >/dev/null 2>&1"
check "daemon may not delete a committed decision" bash -c "! psql -XAtq -v ON_ERROR_STOP=1 -c \"set role ebba_daemon; delete from ebba.decisions\" >/dev/null 2>&1"
check "even the owner cannot update a decision (trigger)" bash -c "! psql -XAtq -v ON_ERROR_STOP=1 -c \"update ebba.decisions set amount = 1\" >/dev/null 2>&1"
check "caseworker may not delete a decision" bash -c "! psql -XAtq -v ON_ERROR_STOP=1 -c \"set role ebba_caseworker; delete from ebba.decisions\" >/dev/null 2>&1"
check "caseworker may read decisions" try_as ebba_caseworker "select count(*) from ebba.decisions"
check "nobody deletes inbox rows (trigger)" bash -c "! psql -XAtq -v ON_ERROR_STOP=1 -c \"delete from ebba.inbox\" >/dev/null 2>&1"

# Version 5: the rows that refer to a decision are checked once per
# statement (no per-row foreign key), with the same guarantee.
psql_val "insert into ebba.inbox (external_id, payload) values ('REF-1', 'x')" >/dev/null
did=$(psql_val "insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, ruleset_name, ruleset_version, ruleset_sha256, trace)
	select id, 'REF-1', 'C-1', '2026-12', 'referred', 'r', '1', 'x', '{\"a\": 1}' from ebba.inbox where external_id = 'REF-1' returning id")
for t in "decision_checks (decision_id, check_id, result)|'c', 'pass'" \
	 "register_evidence (decision_id, source, agency, status, fetched_at, sha256)|'ssbtek', 'AF', 'ok', now(), ''" \
	 "audit_flags (decision_id, kind, reason)|'sample', 'r'" "letters (decision_id, body)|'b'"; do
	tbl=${t%%|*} vals=${t#*|}
	check "ebba.${tbl%% *}: a row for an existing decision is accepted" \
		psql -XAtq -v ON_ERROR_STOP=1 -c "insert into ebba.$tbl values ($did, $vals)"
	out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "insert into ebba.$tbl values ($did + 1000, $vals)" 2>&1)
	check_match "ebba.${tbl%% *}: a row for a decision that does not exist is refused" "violates the reference to ebba.decisions" "$out"
	out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "copy ebba.$tbl from stdin" <<<"$((did + 2000))	$(tr -d "'" <<<"$vals" | sed 's/, /\t/g; s/now()/2026-12-01/')" 2>&1)
	check_match "ebba.${tbl%% *}: COPY of such a row is refused too" "violates the reference to ebba.decisions" "$out"
done
out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "update ebba.audit_flags set decision_id = $did + 1000" 2>&1)
check_match "an audit flag cannot be moved to a decision that does not exist" "violates the reference" "$out"
out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "truncate ebba.decisions cascade" 2>&1)
check_match "nobody truncates the decisions (trigger)" "immutable" "$out"
check_eq "the trace is stored as json, exactly as written" 'json {"a": 1}' \
	"$(psql_val "select pg_typeof(trace)::text || ' ' || trace::text from ebba.decisions where id = $did")"
